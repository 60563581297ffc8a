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
//!
//! Layout: [`state`] (what the simulated account holds), `build` ([`BuildRules`]), [`render`] (answers in the
//! SDK's response shapes), `handlers` (one module per resource), `routes` (authentication, scope and dispatch),
//! this file (the public simulator, its builder and test hooks).

// Handlers return `Result<SimResponse, SimResponse>` so that `?` turns any refusal into the answer; the size of
// the error variant does not matter in a test simulator.
#![allow(clippy::result_large_err)]

mod build;
mod handlers;
pub mod render;
mod routes;
pub mod state;

use crate::server::{RequestLog, SimServer, lock};
use state::{State, Team, Token};

/// `lobehub` or `lobehub.vercel.app` → `lobehub.vercel.app` (lower case).
fn vercel_app_host(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    if n.ends_with(".vercel.app") { n } else { format!("{n}.vercel.app") }
}
pub use build::BuildRules;
pub use state::{DnsRecommendations, EnvSnapshot, SimDeploymentInfo, SimEnvVar, SimProject};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    taken_vercel_app: Vec<String>,
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
            taken_vercel_app: Vec::new(),
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

    /// A `*.vercel.app` name someone outside this account holds (`lobehub` or `lobehub.vercel.app`): a project
    /// of that name gets a suffixed automatic production domain, and adding the host to a project answers 409
    /// (field-truth §4.7). Repeatable.
    ///
    /// ```
    /// let sim = sandbox::vercel::VercelSim::builder().vercel_app_taken("lobehub").build();
    /// assert!(sim.is_vercel_app_taken("lobehub.vercel.app"));
    /// ```
    pub fn vercel_app_taken(mut self, name: impl Into<String>) -> Self {
        self.taken_vercel_app.push(vercel_app_host(&name.into()));
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
                taken_vercel_app: self.taken_vercel_app.into_iter().collect(),
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
        render::repo_id(repo)
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
                configuration_id: None,
                created_at: now,
                updated_at: now,
            });
        }
    }

    /// Test hook: an integration (Neon through the Vercel Marketplace) connected to the project and injected
    /// `key` for production and preview; the variable carries `configurationId` (vercel.md §6.1).
    pub fn seed_integration_env(&self, project: &str, key: &str, value: &str, configuration_id: &str) {
        let mut s = lock(&self.state);
        let id = s.id("env_");
        let now = s.now_ms();
        if let Some(p) = s.projects.values_mut().find(|p| p.id == project || p.name == project) {
            p.env.push(SimEnvVar {
                id,
                key: key.into(),
                value: value.into(),
                kind: "encrypted".into(),
                targets: ["production", "preview"].iter().map(|t| t.to_string()).collect(),
                git_branch: None,
                comment: None,
                configuration_id: Some(configuration_id.into()),
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

    /// Test hook: someone outside this account now holds `<name>.vercel.app` (see
    /// [`VercelSimBuilder::vercel_app_taken`]).
    pub fn mark_vercel_app_taken(&self, name: &str) {
        lock(&self.state).taken_vercel_app.insert(vercel_app_host(name));
    }

    /// Whether a `*.vercel.app` host is held by anyone (outside, or by a project here).
    pub fn is_vercel_app_taken(&self, host: &str) -> bool {
        lock(&self.state).vercel_app_taken(&vercel_app_host(host))
    }

    /// Every deployment of a project (id or name), oldest first, each with the environment it was built from.
    pub fn deployments(&self, project: &str) -> Vec<SimDeploymentInfo> {
        let s = lock(&self.state);
        let Some(p) = s.projects.values().find(|p| p.id == project || p.name == project) else { return Vec::new() };
        s.deployments.iter().filter(|d| d.project_id == p.id).map(|d| d.info()).collect()
    }

    /// The production deployment that serves the project's production domains: the newest READY one.
    pub fn live_production(&self, project: &str) -> Option<SimDeploymentInfo> {
        self.deployments(project)
            .into_iter()
            .rev()
            .find(|d| d.target.as_deref() == Some("production") && d.state == "READY")
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
        lock(&self.state).deployments.iter().find(|d| d.id == id).map(state::SimDeployment::state)
    }
}

#[cfg(test)]
mod tests {
    use super::handlers::{apex_of, valid_domain};
    use super::*;
    use crate::server::{SimRequest, Simulator};
    use http::Method;
    use serde_json::Value;

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

    fn json(r: &crate::server::SimResponse) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    #[test]
    fn a_taken_vercel_app_name_gives_a_suffixed_production_domain_and_cannot_be_added() {
        let sim = VercelSim::builder().vercel_app_taken("lobehub").build();
        let r = sim.handle(&req(Method::POST, "/v11/projects?teamId=team_sim", r#"{"name":"lobehub"}"#));
        assert_eq!(r.status, 200);
        let domains = sim.domains("lobehub");
        assert_eq!(domains.len(), 1);
        let (auto, verified) = &domains[0];
        assert!(*verified && auto.starts_with("lobehub-") && auto.ends_with(".vercel.app"), "{auto}");
        assert_eq!(json(&r)["alias"][0]["domain"], Value::String(auto.clone()));
        let listed = json(&sim.handle(&req(Method::GET, "/v9/projects/lobehub/domains?teamId=team_sim", "")));
        assert_eq!(listed["domains"][0]["name"], Value::String(auto.clone()));
        let add = sim.handle(&req(
            Method::POST,
            "/v10/projects/lobehub/domains?teamId=team_sim",
            r#"{"name":"lobehub.vercel.app"}"#,
        ));
        assert_eq!(add.status, 409);
        let free = sim.handle(&req(
            Method::POST,
            "/v10/projects/lobehub/domains?teamId=team_sim",
            r#"{"name":"alice-lobehub.vercel.app"}"#,
        ));
        assert_eq!(free.status, 200);
        assert_eq!(json(&free)["verified"], Value::Bool(true));
        // A second project of a free name gets the name itself.
        assert_eq!(sim.handle(&req(Method::POST, "/v11/projects?teamId=team_sim", r#"{"name":"other"}"#)).status, 200);
        assert_eq!(sim.domains("other"), vec![("other.vercel.app".to_string(), true)]);
    }

    #[test]
    fn a_deployment_records_the_environment_it_was_built_from() {
        let sim = VercelSim::builder().build_rules(BuildRules::none()).build();
        let body = r#"{"name":"p","gitRepository":{"type":"github","repo":"a/b"},
                       "environmentVariables":[{"key":"A","value":"1","type":"encrypted","target":["production"]}]}"#;
        assert_eq!(sim.handle(&req(Method::POST, "/v11/projects?teamId=team_sim", body)).status, 200);
        let dep = r#"{"name":"p","target":"production","gitSource":{"type":"github","org":"a","repo":"b","ref":"main"},"meta":{"envFingerprint":"abc"}}"#;
        let r = sim.handle(&req(Method::POST, "/v13/deployments?teamId=team_sim", dep));
        assert_eq!(r.status, 200);
        assert_eq!(json(&r)["meta"]["envFingerprint"], "abc");
        let d = &sim.deployments("p")[0];
        assert_eq!(d.env.get("A").map(String::as_str), Some("1"));
        assert_eq!(d.meta.get("envFingerprint").map(String::as_str), Some("abc"));
        let bad = r#"{"name":"p","target":"production","gitSource":{"type":"github","org":"a","repo":"b","ref":"main"},"meta":{"n":1}}"#;
        assert_eq!(sim.handle(&req(Method::POST, "/v13/deployments?teamId=team_sim", bad)).status, 400);
    }

    #[test]
    fn project_create_env_items_take_only_the_defined_properties() {
        let sim = VercelSim::new();
        let body = r#"{"name":"p","environmentVariables":[{"key":"A","value":"1","type":"encrypted","target":["production"],"comment":"x"}]}"#;
        let r = sim.handle(&req(Method::POST, "/v11/projects?teamId=team_sim", body));
        assert_eq!(r.status, 400);
        assert!(String::from_utf8_lossy(&r.body).contains("comment"));
    }
}
