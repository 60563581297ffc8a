//! The Vercel simulator: projects, environment variables, domains and deployments behind the REST paths of
//! `@vercel/sdk`, with token and team scoping and Vercel's JSON error envelope `{"error":{"code","message",…}}`.
//!
//! Documented semantics it reproduces:
//! - **Auth and scope**: `Authorization: Bearer <token>` must be a known token (else 403 `forbidden`); `teamId` or
//!   `slug` selects a team the token belongs to (else 403); without them calls act in the token owner's personal
//!   scope, so a project of a team is a 404 there.
//! - **Projects**: `createProject` answers 200, a taken name 409 `conflict`; linking needs a GitHub Login
//!   Connection and the Vercel GitHub App (test hooks), else 400 with `action` and `link`; `PATCH` refuses unknown
//!   properties (including `gitRepository`); delete answers 204.
//! - **Env**: `ENV_CONFLICT` for the same key with an overlapping target and branch unless `upsert=true`, which
//!   updates the value only; an array body answers 201 with `failed[]`; `sensitive` values are never returned and
//!   are refused on `development`; `gitBranch` needs the `preview` target alone; `secret` is not a type.
//! - **Domains**: a domain marked as held by another account is added `verified: false` with a TXT challenge until
//!   the test marks the record as created and the client calls verify; the config answers `misconfigured: true`
//!   until the test marks DNS as set; recommended records (rank 1 and 2) come from the simulator's settings.
//! - **Deployments**: QUEUED → BUILDING → READY over a configurable time; the build fails (ERROR with `errorCode`
//!   and `errorMessage`) when the env of the build target breaks the [`BuildRules`] (by default the current LobeHub
//!   rules: deprecated variables make the build exit, required ones must exist).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use sandbox::vercel::VercelSim;
//! let sim = VercelSim::builder().build_duration(std::time::Duration::from_millis(200)).build();
//! let server = sim.clone().start(sandbox::RequestLog::new()).await.unwrap();
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(sim.token(), "vercel-sim-token");
//! # });
//! ```

// Handlers return `Result<SimResponse, SimResponse>` so that `?` turns any refusal into the answer; the size of
// the error variant does not matter in a test simulator.
#![allow(clippy::result_large_err)]

use crate::server::{InjectedError, RequestLog, SimRequest, SimResponse, SimServer, Simulator, lock};
use http::Method;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The environment checks a simulated build applies, after LobeHub's `scripts/_shared/checkDeprecatedAuth.js`
/// (which exits 1 when a deprecated variable is set) and its Vercel build (which runs database migrations).
///
/// ```
/// use sandbox::vercel::BuildRules;
/// let rules = BuildRules::lobehub();
/// let keys = ["AUTH_SECRET", "KEY_VAULTS_SECRET", "DATABASE_URL"].map(String::from).into_iter().collect();
/// assert!(rules.check(&keys).is_ok());
/// let mut bad = keys.clone();
/// bad.insert("NEXTAUTH_URL".into());
/// assert!(rules.check(&bad).unwrap_err().contains("NEXTAUTH_URL"));
/// assert!(BuildRules::none().check(&Default::default()).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRules {
    /// Keys whose presence fails the build.
    pub forbidden_keys: Vec<String>,
    /// Key prefixes whose presence fails the build.
    pub forbidden_prefixes: Vec<String>,
    /// Keys whose absence fails the build.
    pub required_keys: Vec<String>,
}

impl BuildRules {
    /// The current LobeHub (2.x, Better Auth) rules: `lobehub-env.md` §3 (deprecated) and §2/§4 (`AUTH_SECRET`
    /// enables auth; `DATABASE_URL` and `KEY_VAULTS_SECRET` are needed by the migrations the build runs).
    pub fn lobehub() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        Self {
            forbidden_keys: s(&[
                "NEXT_PUBLIC_ENABLE_NEXT_AUTH",
                "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY",
                "CLERK_SECRET_KEY",
                "CLERK_WEBHOOK_SECRET",
                "NEXT_PUBLIC_SERVICE_MODE",
                "ACCESS_CODE",
                "NEXT_PUBLIC_ENABLE_BETTER_AUTH",
                "AUTH_URL",
                "NEXT_PUBLIC_AUTH_URL",
                "ENABLE_MAGIC_LINK",
                "NEXT_PUBLIC_ENABLE_MAGIC_LINK",
                "NEXT_PUBLIC_AUTH_EMAIL_VERIFICATION",
                "ZITADEL_CLIENT_ID",
                "ZITADEL_CLIENT_SECRET",
                "ZITADEL_ISSUER",
                "OIDC_JWKS_KEY",
            ]),
            forbidden_prefixes: s(&[
                "NEXT_AUTH",
                "NEXTAUTH",
                "AZURE_AD_",
                "AUTH_AZURE_AD_",
                "AUTH_MICROSOFT_ENTRA_ID_",
            ]),
            required_keys: s(&["AUTH_SECRET", "KEY_VAULTS_SECRET", "DATABASE_URL"]),
        }
    }

    /// No checks: every build succeeds (for projects that are not LobeHub).
    pub fn none() -> Self {
        Self { forbidden_keys: Vec::new(), forbidden_prefixes: Vec::new(), required_keys: Vec::new() }
    }

    /// Checks the keys present for a build; the error says which rule failed.
    pub fn check(&self, keys: &BTreeSet<String>) -> Result<(), String> {
        let mut problems = Vec::new();
        for key in keys {
            if self.forbidden_keys.contains(key) || self.forbidden_prefixes.iter().any(|p| key.starts_with(p.as_str()))
            {
                problems.push(format!("{key} is deprecated and must be removed"));
            }
        }
        for key in &self.required_keys {
            if !keys.contains(key) {
                problems.push(format!("{key} is required"));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }
}

impl Default for BuildRules {
    fn default() -> Self {
        Self::lobehub()
    }
}

/// A variable as the simulator stores it (for test inspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEnvVar {
    /// The id.
    pub id: String,
    /// The key.
    pub key: String,
    /// The plain value.
    pub value: String,
    /// `encrypted`, `plain`, `sensitive` or `system`.
    pub kind: String,
    /// Sorted targets.
    pub targets: BTreeSet<String>,
    /// The branch.
    pub git_branch: Option<String>,
    /// The comment.
    pub comment: Option<String>,
    created_at: i64,
    updated_at: i64,
}

/// A project as the simulator stores it (for test inspection).
#[derive(Debug, Clone, PartialEq)]
pub struct SimProject {
    /// `prj_…`.
    pub id: String,
    /// The name.
    pub name: String,
    /// The owning scope (a team id, or the user id).
    pub account_id: String,
    /// The linked `owner/name`, if any.
    pub linked_repo: Option<String>,
    /// Top-level settings (framework, buildCommand, …).
    pub settings: Map<String, Value>,
    /// Variables.
    pub env: Vec<SimEnvVar>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Debug, Clone)]
struct SimDomain {
    name: String,
    apex: String,
    project_id: String,
    verified: bool,
    challenge: Option<String>,
    redirect: Option<String>,
    redirect_status_code: Option<u16>,
    git_branch: Option<String>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Debug, Clone)]
enum Outcome {
    Ready,
    Error { code: String, message: String },
}

#[derive(Debug, Clone)]
struct SimDeployment {
    id: String,
    name: String,
    project_id: String,
    account_id: String,
    target: Option<String>,
    git_ref: Option<String>,
    created: Instant,
    created_at: i64,
    queued_for: Duration,
    build_for: Duration,
    outcome: Outcome,
    canceled: bool,
    url: String,
}

impl SimDeployment {
    fn state(&self) -> &'static str {
        if self.canceled {
            return "CANCELED";
        }
        let elapsed = self.created.elapsed();
        if elapsed < self.queued_for {
            "QUEUED"
        } else if elapsed < self.queued_for + self.build_for {
            "BUILDING"
        } else {
            match self.outcome {
                Outcome::Ready => "READY",
                Outcome::Error { .. } => "ERROR",
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    user_id: String,
    teams: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct Team {
    id: String,
    slug: String,
}

/// The recommended DNS values the simulator serves in `getDomainConfig` (never hard-coded in the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecommendations {
    /// A record values by rank (rank 1 first).
    pub ipv4: Vec<Vec<String>>,
    /// CNAME targets by rank (rank 1 first).
    pub cname: Vec<String>,
}

impl Default for DnsRecommendations {
    /// Documentation-range addresses and a simulator host name, so that a client that hard-codes Vercel's values
    /// is caught by tests.
    fn default() -> Self {
        Self {
            ipv4: vec![vec!["198.51.100.17".into()], vec!["198.51.100.76".into()]],
            cname: vec!["a1b2c3d4e5f6a7b8.vercel-dns-sim.test.".into(), "cname.vercel-dns-sim.test.".into()],
        }
    }
}

struct State {
    tokens: HashMap<String, Token>,
    teams: Vec<Team>,
    projects: BTreeMap<String, SimProject>,
    domains: Vec<SimDomain>,
    deployments: Vec<SimDeployment>,
    taken_domains: HashSet<String>,
    txt_created: HashSet<String>,
    dns_configured: HashSet<String>,
    github_connected: bool,
    github_app_installed: bool,
    build_rules: BuildRules,
    queued_for: Duration,
    build_for: Duration,
    dns: DnsRecommendations,
    rng: fastrand::Rng,
    last_ts: i64,
}

impl State {
    fn now_ms(&mut self) -> i64 {
        let now = chrono::Utc::now().timestamp_millis().max(self.last_ts + 1);
        self.last_ts = now;
        now
    }

    fn id(&mut self, prefix: &str) -> String {
        let rng = &mut self.rng;
        let tail: String = (0..24).map(|_| rng.alphanumeric()).collect();
        format!("{prefix}{tail}")
    }
}

/// Builds a [`VercelSim`].
///
/// ```
/// let sim = sandbox::vercel::VercelSim::builder()
///     .token("tok")
///     .team("team_abc", "abc")
///     .build_rules(sandbox::vercel::BuildRules::none())
///     .build();
/// assert_eq!(sim.team_id(), "team_abc");
/// ```
#[derive(Debug, Clone)]
pub struct VercelSimBuilder {
    token: String,
    user_id: String,
    team: Team,
    build_duration: Duration,
    build_rules: BuildRules,
    dns: DnsRecommendations,
    seed: u64,
}

impl Default for VercelSimBuilder {
    fn default() -> Self {
        Self {
            token: "vercel-sim-token".into(),
            user_id: "user_sim".into(),
            team: Team { id: "team_sim".into(), slug: "sim-team".into() },
            build_duration: Duration::from_millis(400),
            build_rules: BuildRules::lobehub(),
            dns: DnsRecommendations::default(),
            seed: 42,
        }
    }
}

impl VercelSimBuilder {
    /// The token that is accepted (it belongs to the user and the team).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// The team (id and slug) the token belongs to.
    pub fn team(mut self, id: impl Into<String>, slug: impl Into<String>) -> Self {
        self.team = Team { id: id.into(), slug: slug.into() };
        self
    }

    /// Time from creation to a terminal state (a quarter QUEUED, the rest BUILDING).
    pub fn build_duration(mut self, d: Duration) -> Self {
        self.build_duration = d;
        self
    }

    /// The build checks (default [`BuildRules::lobehub`]).
    pub fn build_rules(mut self, rules: BuildRules) -> Self {
        self.build_rules = rules;
        self
    }

    /// The recommended DNS values.
    pub fn dns_recommendations(mut self, dns: DnsRecommendations) -> Self {
        self.dns = dns;
        self
    }

    /// Seed for generated ids.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Builds the simulator.
    pub fn build(self) -> Arc<VercelSim> {
        let mut tokens = HashMap::new();
        tokens.insert(
            self.token.clone(),
            Token { user_id: self.user_id.clone(), teams: [self.team.id.clone()].into_iter().collect() },
        );
        Arc::new(VercelSim {
            token: self.token,
            team_id: self.team.id.clone(),
            team_slug: self.team.slug.clone(),
            state: Mutex::new(State {
                tokens,
                teams: vec![self.team],
                projects: BTreeMap::new(),
                domains: Vec::new(),
                deployments: Vec::new(),
                taken_domains: HashSet::new(),
                txt_created: HashSet::new(),
                dns_configured: HashSet::new(),
                github_connected: true,
                github_app_installed: true,
                build_rules: self.build_rules,
                queued_for: self.build_duration / 4,
                build_for: self.build_duration - self.build_duration / 4,
                dns: self.dns,
                rng: fastrand::Rng::with_seed(self.seed),
                last_ts: 0,
            }),
        })
    }
}

/// The Vercel simulator. Construct with [`VercelSim::new`] or [`VercelSim::builder`], serve with
/// [`VercelSim::start`], and drive the outside world (DNS, GitHub, other accounts) with the test hooks.
pub struct VercelSim {
    token: String,
    team_id: String,
    team_slug: String,
    state: Mutex<State>,
}

impl std::fmt::Debug for VercelSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VercelSim").field("team_id", &self.team_id).finish()
    }
}

type Reply = Result<SimResponse, SimResponse>;

fn error(status: u16, code: &str, message: impl Into<String>) -> SimResponse {
    SimResponse::json(status, &json!({"error": {"code": code, "message": message.into()}}))
}

fn error_with(status: u16, code: &str, message: impl Into<String>, extra: Value) -> SimResponse {
    let mut err = json!({"code": code, "message": message.into()});
    if let (Some(e), Some(x)) = (err.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    SimResponse::json(status, &json!({ "error": err }))
}

fn not_found(what: &str) -> SimResponse {
    error(404, "not_found", format!("{what} not found"))
}

const PROJECT_PATCH_FIELDS: &[&str] = &[
    "name",
    "framework",
    "buildCommand",
    "installCommand",
    "outputDirectory",
    "rootDirectory",
    "devCommand",
    "nodeVersion",
    "serverlessFunctionRegion",
    "ssoProtection",
    "passwordProtection",
    "autoExposeSystemEnvs",
    "publicSource",
];

const PROJECT_CREATE_FIELDS: &[&str] = &[
    "name",
    "framework",
    "gitRepository",
    "buildCommand",
    "installCommand",
    "outputDirectory",
    "rootDirectory",
    "devCommand",
    "environmentVariables",
    "serverlessFunctionRegion",
    "ssoProtection",
    "publicSource",
];

fn valid_project_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.contains("---")
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

fn valid_env_key(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn repo_id(repo: &str) -> u64 {
    // FNV-1a: a stable numeric id per repository name.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in repo.to_ascii_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    100_000_000 + h % 900_000_000
}

const TWO_LEVEL_SUFFIXES: &[&str] =
    &["co.uk", "org.uk", "com.cn", "net.cn", "org.cn", "com.au", "co.jp", "com.hk", "com.tw"];

fn apex_of(domain: &str) -> String {
    let labels: Vec<&str> = domain.split('.').collect();
    let n = labels.len();
    if n >= 3 && TWO_LEVEL_SUFFIXES.contains(&labels[n - 2..].join(".").as_str()) {
        return labels[n - 3..].join(".");
    }
    if n >= 2 { labels[n - 2..].join(".") } else { domain.to_string() }
}

fn valid_domain(d: &str) -> bool {
    d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// Parses `target` (a string or an array of strings).
fn parse_targets(v: Option<&Value>) -> Result<BTreeSet<String>, String> {
    let list: Vec<String> = match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or("`target` entries must be strings"))
            .collect::<Result<_, _>>()?,
        None | Some(Value::Null) => return Err("`target` is required".into()),
        _ => return Err("`target` must be a string or an array".into()),
    };
    if list.is_empty() {
        return Err("`target` must not be empty".into());
    }
    for t in &list {
        if !matches!(t.as_str(), "production" | "preview" | "development") {
            return Err(format!(
                "`target` should be equal to one of the allowed values \"production, preview, development\" (got `{t}`)"
            ));
        }
    }
    Ok(list.into_iter().collect())
}

/// Checks type, targets and branch of one (new or edited) variable.
fn check_env_rules(
    key: &str,
    kind: &str,
    targets: &BTreeSet<String>,
    branch: &Option<String>,
) -> Result<(), SimResponse> {
    if !matches!(kind, "encrypted" | "plain" | "sensitive" | "system") {
        return Err(error(
            400,
            "bad_request",
            format!(
                "Invalid request: `type` should be equal to one of the allowed values \"system, encrypted, plain, sensitive\" (got `{kind}`)."
            ),
        ));
    }
    if kind == "sensitive" && targets.contains("development") {
        return Err(error(
            400,
            "bad_request",
            format!("Sensitive Environment Variables cannot be created for the Development environment ({key})."),
        ));
    }
    if branch.is_some() && (targets.len() != 1 || !targets.contains("preview")) {
        return Err(error(
            400,
            "bad_request",
            format!("`gitBranch` is only allowed with the preview target alone ({key})."),
        ));
    }
    Ok(())
}

fn ciphertext(value: &str) -> String {
    let hex: String = value.bytes().rev().map(|b| format!("{:02x}", b ^ 0x5a)).collect();
    format!("eyJ2IjoidjIifQ.{hex}")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reveal {
    /// As list and create answers show it: ciphertext for encrypted.
    Ciphertext,
    /// Decrypted where allowed (never sensitive).
    Decrypted,
}

fn env_json(e: &SimEnvVar, reveal: Reveal) -> Value {
    let mut v = json!({
        "id": e.id,
        "key": e.key,
        "type": e.kind,
        "target": e.targets.iter().collect::<Vec<_>>(),
        "gitBranch": e.git_branch,
        "comment": e.comment,
        "configurationId": null,
        "customEnvironmentIds": [],
        "createdAt": e.created_at,
        "updatedAt": e.updated_at,
    });
    let (value, decrypted) = match (e.kind.as_str(), reveal) {
        ("sensitive", _) => (None, false),
        ("plain", _) => (Some(e.value.clone()), false),
        (_, Reveal::Decrypted) => (Some(e.value.clone()), true),
        (_, Reveal::Ciphertext) => (Some(ciphertext(&e.value)), false),
    };
    if let Some(obj) = v.as_object_mut() {
        if let Some(value) = value {
            obj.insert("value".into(), Value::String(value));
        }
        obj.insert("decrypted".into(), Value::Bool(decrypted));
    }
    v
}

fn project_json(p: &SimProject) -> Value {
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "accountId": p.account_id,
        "createdAt": p.created_at,
        "updatedAt": p.updated_at,
        "nodeVersion": "22.x",
        "framework": null,
    });
    if let Some(obj) = v.as_object_mut() {
        for (k, val) in &p.settings {
            obj.insert(k.clone(), val.clone());
        }
        if let Some(repo) = &p.linked_repo {
            let (org, name) = repo.split_once('/').unwrap_or(("", repo));
            obj.insert(
                "link".into(),
                json!({
                    "type": "github", "org": org, "repo": name, "repoId": repo_id(repo),
                    "repoOwnerId": repo_id(org), "productionBranch": "main", "gitCredentialId": "cred_sim",
                    "deployHooks": [], "createdAt": p.created_at, "updatedAt": p.updated_at,
                }),
            );
        }
    }
    v
}

fn domain_json(d: &SimDomain) -> Value {
    let mut v = json!({
        "name": d.name, "apexName": d.apex, "projectId": d.project_id, "redirect": d.redirect,
        "redirectStatusCode": d.redirect_status_code, "gitBranch": d.git_branch, "customEnvironmentId": null,
        "createdAt": d.created_at, "updatedAt": d.updated_at, "verified": d.verified,
    });
    if let (false, Some(token), Some(obj)) = (d.verified, &d.challenge, v.as_object_mut()) {
        obj.insert(
            "verification".into(),
            json!([{
                "type": "TXT",
                "domain": format!("_vercel.{}", d.apex),
                "value": format!("vc-domain-verify={},{}", d.name, token),
                "reason": "pending_domain_verification",
            }]),
        );
    }
    v
}

fn deployment_json(d: &SimDeployment, state: &State) -> Value {
    let ready_state = d.state();
    let mut v = json!({
        "id": d.id, "name": d.name, "url": d.url, "projectId": d.project_id, "ownerId": d.account_id,
        "readyState": ready_state, "status": ready_state, "target": d.target, "createdAt": d.created_at,
        "buildingAt": d.created_at, "inspectorUrl": format!("https://vercel.com/{}/{}/{}", d.account_id, d.name, d.id.trim_start_matches("dpl_")),
        "aliasAssigned": false, "aliasError": null, "alias": [], "errorCode": null, "errorMessage": null,
        "meta": {"githubCommitRef": d.git_ref},
    });
    let Some(obj) = v.as_object_mut() else { return v };
    match (ready_state, &d.outcome) {
        ("READY", _) => {
            let mut aliases = Vec::new();
            if d.target.as_deref() == Some("production") {
                aliases.push(format!("{}.vercel.app", d.name));
                aliases.extend(
                    state.domains.iter().filter(|x| x.project_id == d.project_id && x.verified).map(|x| x.name.clone()),
                );
            } else {
                aliases.push(format!("{}-git-{}.vercel.app", d.name, d.git_ref.as_deref().unwrap_or("main")));
            }
            obj.insert("alias".into(), json!(aliases));
            obj.insert("aliasAssigned".into(), Value::Bool(true));
        }
        ("ERROR", Outcome::Error { code, message }) => {
            obj.insert("errorCode".into(), Value::String(code.clone()));
            obj.insert("errorMessage".into(), Value::String(message.clone()));
        }
        _ => {}
    }
    v
}

fn parse_body(req: &SimRequest) -> Result<Value, SimResponse> {
    if req.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&req.body).map_err(|_| error(400, "bad_request", "Invalid JSON body."))
}

impl VercelSim {
    /// A simulator with the defaults: token `vercel-sim-token`, team `team_sim` (slug `sim-team`), builds of
    /// 400 ms, the LobeHub build rules.
    pub fn new() -> Arc<Self> {
        VercelSimBuilder::default().build()
    }

    /// Starts building a simulator.
    pub fn builder() -> VercelSimBuilder {
        VercelSimBuilder::default()
    }

    /// Serves the simulator on a loopback port.
    pub async fn start(self: Arc<Self>, log: RequestLog) -> std::io::Result<SimServer> {
        SimServer::start(self, log).await
    }

    /// The accepted token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The team id.
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// The team slug.
    pub fn team_slug(&self) -> &str {
        &self.team_slug
    }

    /// Adds another team and a token that belongs to it only (to test cross-team access).
    pub fn add_team_with_token(&self, team_id: &str, slug: &str, token: &str) {
        let mut s = lock(&self.state);
        s.teams.push(Team { id: team_id.into(), slug: slug.into() });
        s.tokens.insert(
            token.into(),
            Token { user_id: format!("user_{slug}"), teams: [team_id.to_string()].into_iter().collect() },
        );
    }

    /// Test hook: whether the account has a GitHub Login Connection (default true).
    pub fn set_github_connected(&self, yes: bool) {
        lock(&self.state).github_connected = yes;
    }

    /// Test hook: whether the Vercel GitHub App is installed (default true).
    pub fn set_github_app_installed(&self, yes: bool) {
        lock(&self.state).github_app_installed = yes;
    }

    /// The numeric repository id the simulator gives `owner/name`.
    pub fn repo_id(&self, repo: &str) -> u64 {
        repo_id(repo)
    }

    /// Test hook: the domain (or its apex) is held by another Vercel account: adding it yields `verified: false`
    /// with a TXT challenge.
    pub fn mark_domain_taken(&self, domain: &str) {
        lock(&self.state).taken_domains.insert(domain.to_ascii_lowercase());
    }

    /// Test hook: the user created the TXT verification record of `domain`; the next verify succeeds.
    pub fn set_txt_record_created(&self, domain: &str) {
        lock(&self.state).txt_created.insert(domain.to_ascii_lowercase());
    }

    /// Test hook: DNS for `domain` points at Vercel (`misconfigured: false`), or not.
    pub fn set_dns_configured(&self, domain: &str, yes: bool) {
        let mut s = lock(&self.state);
        if yes {
            s.dns_configured.insert(domain.to_ascii_lowercase());
        } else {
            s.dns_configured.remove(&domain.to_ascii_lowercase());
        }
    }

    /// Replaces the build checks.
    pub fn set_build_rules(&self, rules: BuildRules) {
        lock(&self.state).build_rules = rules;
    }

    /// Sets the time from creation to a terminal state for new deployments.
    pub fn set_build_duration(&self, d: Duration) {
        let mut s = lock(&self.state);
        s.queued_for = d / 4;
        s.build_for = d - d / 4;
    }

    /// The recommended DNS values served.
    pub fn dns_recommendations(&self) -> DnsRecommendations {
        lock(&self.state).dns.clone()
    }

    /// Every project (any scope).
    pub fn projects(&self) -> Vec<SimProject> {
        lock(&self.state).projects.values().cloned().collect()
    }

    /// A project by id or name (any scope).
    pub fn project(&self, id_or_name: &str) -> Option<SimProject> {
        lock(&self.state).projects.values().find(|p| p.id == id_or_name || p.name == id_or_name).cloned()
    }

    /// The variables of a project, with plain values.
    pub fn env(&self, project: &str) -> Vec<SimEnvVar> {
        self.project(project).map(|p| p.env).unwrap_or_default()
    }

    /// Seeds a variable directly (no rules checked), for example a deprecated one on an adopted project.
    pub fn seed_env(&self, project: &str, key: &str, value: &str, kind: &str, targets: &[&str]) {
        let mut s = lock(&self.state);
        let id = s.id("env_");
        let now = s.now_ms();
        if let Some(p) = s.projects.values_mut().find(|p| p.id == project || p.name == project) {
            p.env.push(SimEnvVar {
                id,
                key: key.into(),
                value: value.into(),
                kind: kind.into(),
                targets: targets.iter().map(|t| t.to_string()).collect(),
                git_branch: None,
                comment: None,
                created_at: now,
                updated_at: now,
            });
        }
    }

    /// The names of a project's domains and whether each is verified.
    pub fn domains(&self, project: &str) -> Vec<(String, bool)> {
        let s = lock(&self.state);
        let Some(p) = s.projects.values().find(|p| p.id == project || p.name == project) else { return Vec::new() };
        s.domains.iter().filter(|d| d.project_id == p.id).map(|d| (d.name.clone(), d.verified)).collect()
    }

    /// Test hook: moves every deployment `by` further through its build, as if that much time had passed (an
    /// explicit signal for tests instead of a fixed sleep).
    pub fn advance_deployments(&self, by: Duration) {
        for d in lock(&self.state).deployments.iter_mut() {
            d.created = d.created.checked_sub(by).unwrap_or(d.created);
        }
    }

    /// A deployment's current `readyState`.
    pub fn deployment_state(&self, id: &str) -> Option<&'static str> {
        lock(&self.state).deployments.iter().find(|d| d.id == id).map(SimDeployment::state)
    }

    /// Resolves the scope of a request: the account id calls act in.
    fn scope(&self, s: &State, req: &SimRequest) -> Result<String, SimResponse> {
        let auth = req.header("authorization").unwrap_or_default();
        let token = auth.strip_prefix("Bearer ").map(str::trim).unwrap_or_default();
        let Some(tok) = s.tokens.get(token) else {
            return Err(error_with(403, "forbidden", "Not authorized", json!({"invalidToken": true})));
        };
        let team_id = req.query_param("teamId");
        let slug = req.query_param("slug");
        if team_id.is_none() && slug.is_none() {
            return Ok(tok.user_id.clone());
        }
        let team = s
            .teams
            .iter()
            .find(|t| team_id.as_deref().is_none_or(|id| id == t.id) && slug.as_deref().is_none_or(|sl| sl == t.slug));
        match team {
            Some(t) if tok.teams.contains(&t.id) => Ok(t.id.clone()),
            _ => Err(error_with(
                403,
                "forbidden",
                "Not authorized: you don't have permission to access this team.",
                json!({"invalidToken": false}),
            )),
        }
    }

    fn route(&self, req: &SimRequest) -> Reply {
        let mut s = lock(&self.state);
        let scope = self.scope(&s, req)?;
        let segs: Vec<String> = req
            .path()
            .trim_matches('/')
            .split('/')
            .map(|x| percent_encoding::percent_decode_str(x).decode_utf8_lossy().into_owned())
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let m = &req.method;
        match (m, segs.as_slice()) {
            (&Method::POST, ["v11", "projects"]) => create_project(&mut s, &scope, req),
            (&Method::GET, ["v10", "projects"]) => list_projects(&s, &scope, req),
            (&Method::GET, ["v9", "projects", p]) => {
                let p = find_project(&s, &scope, p)?;
                Ok(SimResponse::json(200, &project_json(p)))
            }
            (&Method::PATCH, ["v9", "projects", p]) => update_project(&mut s, &scope, p, req),
            (&Method::DELETE, ["v9", "projects", p]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                s.projects.remove(&id);
                s.domains.retain(|d| d.project_id != id);
                s.deployments.retain(|d| d.project_id != id);
                Ok(SimResponse::empty(204))
            }
            (&Method::POST, ["v9", "projects", p, "link"]) => link_project(&mut s, &scope, p, req),
            (&Method::DELETE, ["v9", "projects", p, "link"]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let now = s.now_ms();
                let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
                project.linked_repo = None;
                project.updated_at = now;
                Ok(SimResponse::json(200, &project_json(project)))
            }
            (&Method::GET, ["v10", "projects", p, "env"]) => {
                let project = find_project(&s, &scope, p)?;
                let reveal = if req.query_param("decrypt").as_deref() == Some("true") {
                    Reveal::Decrypted
                } else {
                    Reveal::Ciphertext
                };
                let branch = req.query_param("gitBranch");
                let envs: Vec<Value> = project
                    .env
                    .iter()
                    .filter(|e| branch.is_none() || e.git_branch == branch)
                    .map(|e| env_json(e, reveal))
                    .collect();
                Ok(SimResponse::json(
                    200,
                    &json!({"envs": envs, "pagination": {"count": envs.len(), "next": null, "prev": null}}),
                ))
            }
            (&Method::POST, ["v10", "projects", p, "env"]) => create_env(&mut s, &scope, p, req),
            (&Method::DELETE, ["v1", "projects", p, "env"]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let body = parse_body(req)?;
                let Some(ids) = body.get("ids").and_then(Value::as_array) else {
                    return Err(error(400, "bad_request", "Invalid request: missing required property `ids`."));
                };
                let ids: HashSet<&str> = ids.iter().filter_map(Value::as_str).collect();
                let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
                let deleted: Vec<String> =
                    project.env.iter().filter(|e| ids.contains(e.id.as_str())).map(|e| e.id.clone()).collect();
                project.env.retain(|e| !ids.contains(e.id.as_str()));
                Ok(SimResponse::json(200, &json!({"deleted": deleted.len(), "ids": deleted})))
            }
            (&Method::GET, ["v1", "projects", p, "env", env_id]) => {
                let project = find_project(&s, &scope, p)?;
                let e =
                    project.env.iter().find(|e| e.id == *env_id).ok_or_else(|| not_found("Environment Variable"))?;
                Ok(SimResponse::json(200, &env_json(e, Reveal::Decrypted)))
            }
            (&Method::PATCH, ["v9", "projects", p, "env", env_id]) => edit_env(&mut s, &scope, p, env_id, req),
            (&Method::DELETE, ["v9", "projects", p, "env", env_id]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
                let pos = project
                    .env
                    .iter()
                    .position(|e| e.id == *env_id)
                    .ok_or_else(|| not_found("Environment Variable"))?;
                let removed = project.env.remove(pos);
                Ok(SimResponse::json(200, &env_json(&removed, Reveal::Ciphertext)))
            }
            (&Method::POST, ["v10", "projects", p, "domains"]) => add_domain(&mut s, &scope, p, req),
            (&Method::GET, ["v9", "projects", p, "domains"]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let domains: Vec<Value> = s.domains.iter().filter(|d| d.project_id == id).map(domain_json).collect();
                Ok(SimResponse::json(
                    200,
                    &json!({"domains": domains, "pagination": {"count": domains.len(), "next": null, "prev": null}}),
                ))
            }
            (&Method::GET, ["v9", "projects", p, "domains", d]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let d =
                    s.domains.iter().find(|x| x.project_id == id && x.name == *d).ok_or_else(|| not_found("Domain"))?;
                Ok(SimResponse::json(200, &domain_json(d)))
            }
            (&Method::DELETE, ["v9", "projects", p, "domains", d]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let before = s.domains.len();
                s.domains.retain(|x| !(x.project_id == id && x.name == *d));
                if s.domains.len() == before {
                    return Err(not_found("Domain"));
                }
                Ok(SimResponse::json(200, &json!({})))
            }
            (&Method::POST, ["v9", "projects", p, "domains", d, "verify"]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let txt_ok = s.txt_created.contains(*d);
                let dom = s
                    .domains
                    .iter_mut()
                    .find(|x| x.project_id == id && x.name == *d)
                    .ok_or_else(|| not_found("Domain"))?;
                if !dom.verified {
                    if !txt_ok {
                        let token = dom.challenge.clone().unwrap_or_default();
                        return Err(error(
                            400,
                            "missing_txt_record",
                            format!(
                                "Domain _vercel.{} is missing required TXT Record \"vc-domain-verify={},{}\"",
                                dom.apex, dom.name, token
                            ),
                        ));
                    }
                    dom.verified = true;
                }
                Ok(SimResponse::json(200, &domain_json(dom)))
            }
            (&Method::GET, ["v6", "domains", d, "config"]) => {
                let configured = s.dns_configured.contains(*d);
                let apex = apex_of(d);
                let is_apex = apex == *d;
                let ipv4: Vec<Value> =
                    s.dns.ipv4.iter().enumerate().map(|(i, v)| json!({"rank": i + 1, "value": v})).collect();
                let cname: Vec<Value> =
                    s.dns.cname.iter().enumerate().map(|(i, v)| json!({"rank": i + 1, "value": v})).collect();
                Ok(SimResponse::json(
                    200,
                    &json!({
                        "configuredBy": if configured { Value::String(if is_apex { "A" } else { "CNAME" }.into()) } else { Value::Null },
                        "acceptedChallenges": if is_apex { json!(["http-01"]) } else { json!(["dns-01", "http-01"]) },
                        "misconfigured": !configured,
                        "recommendedIPv4": ipv4,
                        "recommendedCNAME": cname,
                    }),
                ))
            }
            (&Method::POST, ["v13", "deployments"]) => create_deployment(&mut s, &scope, req),
            (&Method::GET, ["v13", "deployments", id]) => {
                let d = s
                    .deployments
                    .iter()
                    .find(|d| d.account_id == scope && (d.id == *id || d.url == *id))
                    .ok_or_else(|| error(404, "not_found", "Deployment not found"))?;
                Ok(SimResponse::json(200, &deployment_json(d, &s)))
            }
            (&Method::PATCH, ["v12", "deployments", id, "cancel"]) => {
                let pos = s
                    .deployments
                    .iter()
                    .position(|d| d.account_id == scope && d.id == *id)
                    .ok_or_else(|| error(404, "not_found", "Deployment not found"))?;
                let state = s.deployments[pos].state();
                if matches!(state, "READY" | "ERROR" | "CANCELED") {
                    return Err(error(
                        400,
                        "bad_request",
                        format!("Deployment is already {state} and cannot be canceled."),
                    ));
                }
                s.deployments[pos].canceled = true;
                Ok(SimResponse::json(200, &deployment_json(&s.deployments[pos], &s)))
            }
            (&Method::GET, ["v7", "deployments"]) => list_deployments(&s, &scope, req),
            (&Method::GET, ["v2", "user"]) => {
                Ok(SimResponse::json(200, &json!({"user": {"id": "user_sim", "username": "sim"}})))
            }
            _ => Err(error(404, "not_found", "The requested API endpoint was not found.")),
        }
    }
}

fn find_project<'s>(s: &'s State, scope: &str, id_or_name: &str) -> Result<&'s SimProject, SimResponse> {
    s.projects
        .values()
        .find(|p| p.account_id == scope && (p.id == id_or_name || p.name == id_or_name))
        .ok_or_else(|| not_found("Project"))
}

fn check_git(s: &State, repo: &str) -> Result<(), SimResponse> {
    let shape_ok = repo.split_once('/').is_some_and(|(o, n)| !o.is_empty() && !n.is_empty());
    if !shape_ok {
        return Err(error(400, "bad_request", format!("Invalid repository `{repo}`.")));
    }
    if !s.github_connected {
        return Err(error_with(
            400,
            "bad_request",
            format!("Failed to link {repo}. You need to add a Login Connection to your GitHub account first."),
            json!({
                "action": "Add a Login Connection",
                "link": "https://vercel.com/docs/accounts/create-an-account#login-methods-and-connections",
                "repo": repo,
            }),
        ));
    }
    if !s.github_app_installed {
        return Err(error_with(
            400,
            "bad_request",
            format!("To link a GitHub repository, you need to install the GitHub integration first. ({repo})"),
            json!({"action": "Install GitHub App", "link": "https://github.com/apps/vercel", "repo": repo}),
        ));
    }
    Ok(())
}

fn create_project(s: &mut State, scope: &str, req: &SimRequest) -> Reply {
    let body = parse_body(req)?;
    let Some(obj) = body.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: body must be an object."));
    };
    for k in obj.keys() {
        if !PROJECT_CREATE_FIELDS.contains(&k.as_str()) {
            return Err(error(
                400,
                "bad_request",
                format!("Invalid request: should NOT have additional property `{k}`."),
            ));
        }
    }
    let Some(name) = obj.get("name").and_then(Value::as_str) else {
        return Err(error(400, "bad_request", "Invalid request: missing required property `name`."));
    };
    if !valid_project_name(name) {
        return Err(error(400, "bad_request", format!("The name \"{name}\" is invalid.")));
    }
    if s.projects.values().any(|p| p.account_id == scope && p.name == name) {
        return Err(error(409, "conflict", format!("Project \"{name}\" already exists.")));
    }
    let mut linked = None;
    if let Some(git) = obj.get("gitRepository") {
        let kind = git.get("type").and_then(Value::as_str).unwrap_or_default();
        let repo = git.get("repo").and_then(Value::as_str).unwrap_or_default();
        if kind != "github" {
            return Err(error(
                400,
                "bad_request",
                format!("The simulator only links GitHub repositories (got `{kind}`)."),
            ));
        }
        check_git(s, repo)?;
        linked = Some(repo.to_string());
    }
    let now = s.now_ms();
    let mut env = Vec::new();
    if let Some(vars) = obj.get("environmentVariables").and_then(Value::as_array) {
        for v in vars {
            let item = env_from_json(s, v, now)?;
            if env.iter().any(|e: &SimEnvVar| conflicts(e, &item.key, &item.targets, &item.git_branch)) {
                return Err(error(
                    400,
                    "ENV_CONFLICT",
                    format!("A variable with the name `{}` already exists.", item.key),
                ));
            }
            env.push(item);
        }
    }
    let settings: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "name" | "gitRepository" | "environmentVariables"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let id = s.id("prj_");
    let project = SimProject {
        id: id.clone(),
        name: name.to_string(),
        account_id: scope.to_string(),
        linked_repo: linked,
        settings,
        env,
        created_at: now,
        updated_at: now,
    };
    let out = project_json(&project);
    s.projects.insert(id, project);
    Ok(SimResponse::json(200, &out))
}

fn list_projects(s: &State, scope: &str, req: &SimRequest) -> Reply {
    let limit = req.query_param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(20).clamp(1, 100);
    let until = req.query_param("until").and_then(|u| u.parse::<i64>().ok());
    let search = req.query_param("search");
    let mut all: Vec<&SimProject> = s
        .projects
        .values()
        .filter(|p| p.account_id == scope)
        .filter(|p| search.as_deref().is_none_or(|q| p.name.contains(q)))
        .filter(|p| until.is_none_or(|u| p.created_at < u))
        .collect();
    all.sort_by_key(|x| std::cmp::Reverse(x.created_at));
    let more = all.len() > limit;
    let page: Vec<&SimProject> = all.into_iter().take(limit).collect();
    let next = if more { page.last().map(|p| p.created_at) } else { None };
    let projects: Vec<Value> = page.iter().map(|p| project_json(p)).collect();
    Ok(SimResponse::json(
        200,
        &json!({"projects": projects, "pagination": {"count": projects.len(), "next": next, "prev": page.first().map(|p| p.created_at)}}),
    ))
}

fn update_project(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    let Some(obj) = body.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: body must be an object."));
    };
    for k in obj.keys() {
        if !PROJECT_PATCH_FIELDS.contains(&k.as_str()) {
            return Err(error(
                400,
                "bad_request",
                format!("Invalid request: should NOT have additional property `{k}`."),
            ));
        }
    }
    if let Some(name) = obj.get("name").and_then(Value::as_str) {
        if !valid_project_name(name) {
            return Err(error(400, "bad_request", format!("The name \"{name}\" is invalid.")));
        }
        if s.projects.values().any(|x| x.account_id == scope && x.name == name && x.id != id) {
            return Err(error(409, "conflict", format!("Project \"{name}\" already exists.")));
        }
    }
    let now = s.now_ms();
    let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
    for (k, v) in obj {
        if k == "name" {
            if let Some(n) = v.as_str() {
                project.name = n.to_string();
            }
        } else {
            project.settings.insert(k.clone(), v.clone());
        }
    }
    project.updated_at = now;
    Ok(SimResponse::json(200, &project_json(project)))
}

fn link_project(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    if body.get("type").and_then(Value::as_str) != Some("github") {
        return Err(error(400, "bad_request", "Invalid request: `type` must be `github` in the simulator."));
    }
    let repo = body.get("repo").and_then(Value::as_str).unwrap_or_default().to_string();
    check_git(s, &repo)?;
    let now = s.now_ms();
    let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
    project.linked_repo = Some(repo);
    project.updated_at = now;
    Ok(SimResponse::json(200, &project_json(project)))
}

fn conflicts(e: &SimEnvVar, key: &str, targets: &BTreeSet<String>, branch: &Option<String>) -> bool {
    e.key == key && e.git_branch == *branch && e.targets.intersection(targets).next().is_some()
}

/// Parses and checks one variable of a create body.
fn env_from_json(s: &mut State, v: &Value, now: i64) -> Result<SimEnvVar, SimResponse> {
    let Some(obj) = v.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: each variable must be an object."));
    };
    let key = obj.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
    if !valid_env_key(&key) {
        return Err(error(
            400,
            "bad_request",
            format!("Invalid request: `key` `{key}` is not a valid environment variable name."),
        ));
    }
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("encrypted").to_string();
    let Some(value) = obj.get("value").and_then(Value::as_str) else {
        return Err(error(400, "bad_request", format!("Invalid request: missing required property `value` ({key}).")));
    };
    let targets = parse_targets(obj.get("target"))
        .map_err(|m| error(400, "bad_request", format!("Invalid request: {m} ({key}).")))?;
    let branch = obj.get("gitBranch").and_then(Value::as_str).map(str::to_string);
    check_env_rules(&key, &kind, &targets, &branch)?;
    Ok(SimEnvVar {
        id: s.id(""),
        key,
        value: value.to_string(),
        kind,
        targets,
        git_branch: branch,
        comment: obj.get("comment").and_then(Value::as_str).map(str::to_string),
        created_at: now,
        updated_at: now,
    })
}

fn failed_entry(resp: &SimResponse, v: &Value) -> Value {
    let parsed: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let mut err = parsed.get("error").cloned().unwrap_or_else(|| json!({}));
    if let Some(e) = err.as_object_mut() {
        let key = v.get("key").cloned().unwrap_or(Value::Null);
        e.insert("key".into(), key.clone());
        e.insert("envVarKey".into(), key);
        e.insert("target".into(), v.get("target").cloned().unwrap_or(Value::Null));
        e.insert("gitBranch".into(), v.get("gitBranch").cloned().unwrap_or(Value::Null));
    }
    json!({ "error": err })
}

fn create_env(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let upsert = req.query_param("upsert").as_deref() == Some("true");
    let body = parse_body(req)?;
    let (items, single) = match &body {
        Value::Array(a) => (a.clone(), false),
        Value::Object(_) => (vec![body.clone()], true),
        _ => return Err(error(400, "bad_request", "Invalid request: body must be an object or an array.")),
    };
    let now = s.now_ms();
    let mut created = Vec::new();
    let mut failed = Vec::new();
    for item in &items {
        let parsed = match env_from_json(s, item, now) {
            Ok(e) => e,
            Err(resp) if single => return Err(resp),
            Err(resp) => {
                failed.push(failed_entry(&resp, item));
                continue;
            }
        };
        let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
        match project.env.iter_mut().find(|e| conflicts(e, &parsed.key, &parsed.targets, &parsed.git_branch)) {
            Some(existing) if upsert => {
                // Upsert updates the value only.
                existing.value = parsed.value;
                existing.updated_at = now;
                created.push(env_json(existing, Reveal::Ciphertext));
            }
            Some(existing) => {
                let target = existing.targets.intersection(&parsed.targets).next().cloned().unwrap_or_default();
                let resp = error(
                    400,
                    "ENV_CONFLICT",
                    format!(
                        "A variable with the name `{}` already exists for the target {target} on branch {}",
                        parsed.key,
                        parsed.git_branch.as_deref().unwrap_or("undefined")
                    ),
                );
                if single {
                    return Err(resp);
                }
                failed.push(failed_entry(&resp, item));
            }
            None => {
                created.push(env_json(&parsed, Reveal::Ciphertext));
                project.env.push(parsed);
            }
        }
    }
    let created = if single { created.into_iter().next().unwrap_or(Value::Null) } else { Value::Array(created) };
    Ok(SimResponse::json(201, &json!({"created": created, "failed": failed})))
}

fn edit_env(s: &mut State, scope: &str, p: &str, env_id: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    let Some(obj) = body.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: body must be an object."));
    };
    for k in obj.keys() {
        if !matches!(k.as_str(), "key" | "value" | "type" | "target" | "gitBranch" | "comment" | "customEnvironmentIds")
        {
            return Err(error(
                400,
                "bad_request",
                format!("Invalid request: should NOT have additional property `{k}`."),
            ));
        }
    }
    let now = s.now_ms();
    let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
    let pos = project.env.iter().position(|e| e.id == env_id).ok_or_else(|| not_found("Environment Variable"))?;
    let mut next = project.env[pos].clone();
    if let Some(k) = obj.get("key").and_then(Value::as_str) {
        if !valid_env_key(k) {
            return Err(error(
                400,
                "bad_request",
                format!("Invalid request: `key` `{k}` is not a valid environment variable name."),
            ));
        }
        next.key = k.to_string();
    }
    if let Some(v) = obj.get("value").and_then(Value::as_str) {
        next.value = v.to_string();
    }
    if let Some(t) = obj.get("type").and_then(Value::as_str) {
        next.kind = t.to_string();
    }
    if obj.contains_key("target") {
        next.targets = parse_targets(obj.get("target"))
            .map_err(|m| error(400, "bad_request", format!("Invalid request: {m}.")))?;
    }
    if let Some(b) = obj.get("gitBranch") {
        next.git_branch = b.as_str().map(str::to_string);
    }
    if let Some(c) = obj.get("comment") {
        next.comment = c.as_str().map(str::to_string);
    }
    check_env_rules(&next.key, &next.kind, &next.targets, &next.git_branch)?;
    if project.env.iter().any(|e| e.id != env_id && conflicts(e, &next.key, &next.targets, &next.git_branch)) {
        return Err(error(
            400,
            "ENV_CONFLICT",
            format!("A variable with the name `{}` already exists for an overlapping target.", next.key),
        ));
    }
    next.updated_at = now;
    project.env[pos] = next;
    Ok(SimResponse::json(200, &env_json(&project.env[pos], Reveal::Ciphertext)))
}

fn add_domain(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    if !valid_domain(&name) {
        return Err(error(400, "invalid_domain", format!("The domain name \"{name}\" is invalid.")));
    }
    if let Some(existing) = s.domains.iter().find(|d| d.name == name) {
        return Err(if existing.project_id == id {
            error(400, "domain_already_in_use", format!("Domain \"{name}\" is already assigned to this project."))
        } else {
            error(409, "domain_already_in_use", format!("Domain \"{name}\" is already in use by another project."))
        });
    }
    let status = body.get("redirectStatusCode").and_then(Value::as_u64).map(|c| c as u16);
    if let Some(c) = status
        && !matches!(c, 301 | 302 | 307 | 308)
    {
        return Err(error(400, "bad_request", "Invalid request: `redirectStatusCode` must be 301, 302, 307 or 308."));
    }
    let apex = apex_of(&name);
    let taken = s.taken_domains.contains(&name) || s.taken_domains.contains(&apex);
    let now = s.now_ms();
    let challenge = if taken {
        let rng = &mut s.rng;
        Some((0..20).map(|_| format!("{:x}", rng.u8(0..16))).collect::<String>())
    } else {
        None
    };
    let d = SimDomain {
        name,
        apex,
        project_id: id,
        verified: !taken,
        challenge,
        redirect: body.get("redirect").and_then(Value::as_str).map(str::to_string),
        redirect_status_code: status,
        git_branch: body.get("gitBranch").and_then(Value::as_str).map(str::to_string),
        created_at: now,
        updated_at: now,
    };
    let out = domain_json(&d);
    s.domains.push(d);
    Ok(SimResponse::json(200, &out))
}

fn create_deployment(s: &mut State, scope: &str, req: &SimRequest) -> Reply {
    let body = parse_body(req)?;
    let Some(obj) = body.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: body must be an object."));
    };
    let Some(name) = obj.get("name").and_then(Value::as_str) else {
        return Err(error(400, "bad_request", "Invalid request: missing required property `name`."));
    };
    let project_ref = obj.get("project").and_then(Value::as_str).unwrap_or(name);
    let project = find_project(s, scope, project_ref)?.clone();
    let target = match obj.get("target") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t == "production" || t == "staging" => Some(t.clone()),
        Some(other) => return Err(error(400, "bad_request", format!("Invalid request: unknown target {other}."))),
    };
    let git_ref = match (obj.get("gitSource"), obj.get("deploymentId").and_then(Value::as_str)) {
        (Some(src), None) => {
            let Some(linked) = &project.linked_repo else {
                return Err(error(400, "bad_request", "The project is not connected to a Git repository."));
            };
            let matches_repo = match src.get("repoId") {
                Some(id) => id.as_u64().or_else(|| id.as_str().and_then(|x| x.parse().ok())) == Some(repo_id(linked)),
                None => {
                    let org = src.get("org").and_then(Value::as_str).unwrap_or_default();
                    let repo = src.get("repo").and_then(Value::as_str).unwrap_or_default();
                    format!("{org}/{repo}").eq_ignore_ascii_case(linked)
                }
            };
            if src.get("type").and_then(Value::as_str) != Some("github") || !matches_repo {
                return Err(error(
                    400,
                    "incorrect_git_source_info",
                    "The provided `gitSource` does not match the repository linked to the project.",
                ));
            }
            let Some(r) = src.get("ref").and_then(Value::as_str) else {
                return Err(error(400, "bad_request", "Invalid request: `gitSource.ref` is required."));
            };
            Some(r.to_string())
        }
        (None, Some(dep)) => {
            let Some(previous) = s.deployments.iter().find(|d| d.id == dep && d.project_id == project.id) else {
                return Err(error(404, "not_found", "Deployment not found"));
            };
            previous.git_ref.clone()
        }
        _ => {
            return Err(error(
                400,
                "missing_files",
                "Missing `gitSource` or `deploymentId` (the simulator does not take files).",
            ));
        }
    };
    // The build reads the env of its target (and, for previews, of its branch) at build time.
    let build_target = if target.as_deref() == Some("production") { "production" } else { "preview" };
    let keys: BTreeSet<String> = project
        .env
        .iter()
        .filter(|e| e.targets.contains(build_target))
        .filter(|e| e.git_branch.is_none() || (build_target == "preview" && e.git_branch == git_ref))
        .map(|e| e.key.clone())
        .collect();
    let outcome = match s.build_rules.check(&keys) {
        Ok(()) => Outcome::Ready,
        Err(reason) => Outcome::Error {
            code: "BUILD_UTILS_SPAWN_1".into(),
            message: format!("Command \"bun run build:vercel\" exited with 1: {reason}"),
        },
    };
    let id = s.id("dpl_");
    let now = s.now_ms();
    let suffix: String = id.chars().skip(4).take(9).collect::<String>().to_ascii_lowercase();
    let d = SimDeployment {
        id,
        name: project.name.clone(),
        project_id: project.id.clone(),
        account_id: scope.to_string(),
        target,
        git_ref,
        created: Instant::now(),
        created_at: now,
        queued_for: s.queued_for,
        build_for: s.build_for,
        outcome,
        canceled: false,
        url: format!("{}-{suffix}.vercel.app", project.name),
    };
    let out = deployment_json(&d, s);
    s.deployments.push(d);
    Ok(SimResponse::json(200, &out))
}

fn list_deployments(s: &State, scope: &str, req: &SimRequest) -> Reply {
    let limit = req.query_param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(20).clamp(1, 100);
    let until = req.query_param("until").and_then(|u| u.parse::<i64>().ok());
    let project = req.query_param("projectId");
    let target = req.query_param("target");
    let mut all: Vec<&SimDeployment> = s
        .deployments
        .iter()
        .filter(|d| d.account_id == scope)
        .filter(|d| project.as_deref().is_none_or(|p| p == d.project_id || p == d.name))
        .filter(|d| target.as_deref().is_none_or(|t| Some(t) == d.target.as_deref()))
        .filter(|d| until.is_none_or(|u| d.created_at < u))
        .collect();
    all.sort_by_key(|x| std::cmp::Reverse(x.created_at));
    let more = all.len() > limit;
    let page: Vec<&SimDeployment> = all.into_iter().take(limit).collect();
    let next = if more { page.last().map(|d| d.created_at) } else { None };
    let items: Vec<Value> = page
        .iter()
        .map(|d| {
            json!({"uid": d.id, "name": d.name, "url": d.url, "created": d.created_at, "state": d.state(),
                   "readyState": d.state(), "target": d.target, "projectId": d.project_id})
        })
        .collect();
    Ok(SimResponse::json(
        200,
        &json!({"deployments": items, "pagination": {"count": items.len(), "next": next, "prev": null}}),
    ))
}

/// Whether a `Host` names a deployed app rather than the API: a `*.vercel.app` host or a custom domain (the
/// API is reached as `127.0.0.1`, `localhost` or `api.vercel.com`).
fn is_app_host(host: &str) -> bool {
    !(host == "api.vercel.com" || cloud_http::endpoint::is_loopback_host(host))
}

impl VercelSim {
    /// Serves a deployed app the way Vercel's edge does: `200` with a page when a READY production deployment
    /// carries `host` as an alias (`<project>.vercel.app`, or a verified custom domain), else `404` with
    /// `x-vercel-error: DEPLOYMENT_NOT_FOUND`.
    fn serve_app(&self, host: &str) -> SimResponse {
        let s = lock(&self.state);
        let serving = s.deployments.iter().rev().find(|d| {
            if d.target.as_deref() != Some("production") || d.state() != "READY" {
                return false;
            }
            let verified_domain =
                s.domains.iter().any(|x| x.project_id == d.project_id && x.verified && x.name == host);
            host == format!("{}.vercel.app", d.name) || verified_domain
        });
        match serving {
            Some(d) => SimResponse::empty(200)
                .with_header("content-type", "text/html; charset=utf-8")
                .with_header("x-vercel-deployment-url", &d.url)
                .with_body(format!("<!doctype html><title>LobeHub</title><p>deployment {}</p>", d.id)),
            None => SimResponse::empty(404)
                .with_header("x-vercel-error", "DEPLOYMENT_NOT_FOUND")
                .with_body("The deployment could not be found on Vercel."),
        }
    }
}

impl Simulator for VercelSim {
    fn service(&self) -> &'static str {
        "vercel"
    }

    fn handle(&self, request: &SimRequest) -> SimResponse {
        let id = format!("sim1::{:x}", fastrand::u64(..));
        if let Some(host) = request.host().filter(|h| is_app_host(h)) {
            return self.serve_app(host).with_header("x-vercel-id", id);
        }
        match self.route(request) {
            Ok(r) | Err(r) => r.with_header("x-vercel-id", id),
        }
    }

    fn injected_error(&self, error_kind: InjectedError) -> SimResponse {
        match error_kind {
            InjectedError::InternalError => {
                error(500, "internal_server_error", "An unexpected internal error occurred.")
            }
            InjectedError::ServiceUnavailable => {
                error(503, "service_unavailable", "The service is temporarily unavailable.")
            }
            InjectedError::Throttled { retry_after } => {
                let reset_ms = chrono::Utc::now().timestamp_millis() + retry_after.as_millis() as i64;
                error_with(
                    429,
                    "rate_limited",
                    "Rate limit exceeded",
                    json!({"limit": {"remaining": 0, "reset": (reset_ms + 999) / 1000, "resetMs": reset_ms, "total": 100}}),
                )
                .with_header("retry-after", format!("{:.3}", retry_after.as_secs_f64()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, uri: &str, body: &str) -> SimRequest {
        SimRequest::new(method, uri, &[("authorization", "Bearer vercel-sim-token")], body.to_string())
    }

    #[test]
    fn apex_and_domain_rules() {
        assert_eq!(apex_of("chat.example.com"), "example.com");
        assert_eq!(apex_of("example.com"), "example.com");
        assert_eq!(apex_of("a.b.example.co.uk"), "example.co.uk");
        assert!(valid_domain("chat.example.com"));
        assert!(!valid_domain("-x.example.com"));
    }

    #[test]
    fn env_rules_and_upsert() {
        let sim = VercelSim::new();
        let r = sim.handle(&req(Method::POST, "/v11/projects?teamId=team_sim", r#"{"name":"p"}"#));
        assert_eq!(r.status, 200);
        let body = r#"{"key":"A","value":"1","type":"sensitive","target":["development"]}"#;
        assert_eq!(sim.handle(&req(Method::POST, "/v10/projects/p/env?teamId=team_sim", body)).status, 400);
        let body = r#"{"key":"A","value":"1","type":"secret","target":["production"]}"#;
        assert_eq!(sim.handle(&req(Method::POST, "/v10/projects/p/env?teamId=team_sim", body)).status, 400);
        let body = r#"{"key":"A","value":"1","type":"encrypted","target":["production","preview"]}"#;
        assert_eq!(sim.handle(&req(Method::POST, "/v10/projects/p/env?teamId=team_sim", body)).status, 201);
        let conflict = sim.handle(&req(Method::POST, "/v10/projects/p/env?teamId=team_sim", body));
        assert_eq!(conflict.status, 400);
        assert!(String::from_utf8_lossy(&conflict.body).contains("ENV_CONFLICT"));
        let upsert = r#"{"key":"A","value":"2","type":"plain","target":["production"]}"#;
        assert_eq!(
            sim.handle(&req(Method::POST, "/v10/projects/p/env?teamId=team_sim&upsert=true", upsert)).status,
            201
        );
        let env = sim.env("p");
        assert_eq!(env.len(), 1);
        assert_eq!(env[0].value, "2");
        assert_eq!(env[0].kind, "encrypted", "upsert changes the value only");
        assert_eq!(env[0].targets.len(), 2);
    }

    #[test]
    fn scope_is_enforced() {
        let sim = VercelSim::new();
        let r = sim.handle(&SimRequest::new(Method::GET, "/v10/projects", &[("authorization", "Bearer nope")], ""));
        assert_eq!(r.status, 403);
        assert_eq!(sim.handle(&req(Method::GET, "/v10/projects?teamId=team_other", "")).status, 403);
        assert_eq!(sim.handle(&req(Method::POST, "/v11/projects?teamId=team_sim", r#"{"name":"p"}"#)).status, 200);
        assert_eq!(
            sim.handle(&req(Method::GET, "/v9/projects/p", "")).status,
            404,
            "personal scope does not see team projects"
        );
        assert_eq!(sim.handle(&req(Method::GET, "/v9/projects/p?slug=sim-team", "")).status, 200);
    }
}
