//! `doctor`: reads a deployment's environment (from the Vercel project or a `.env` file) and reports, per
//! variable, what is missing, deprecated (fatal for the current LobeHub build) or malformed — each with its fix.

use crate::lobehub::{self, Profile};
use crate::secrets;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use url::Url;

/// A variable's value as the doctor sees it.
#[derive(Clone)]
pub enum ObservedValue {
    /// The value is known.
    Known(SecretString),
    /// The variable exists but its value cannot be read (a Vercel `sensitive` variable).
    Hidden,
}

impl fmt::Debug for ObservedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObservedValue::Known(_) => f.write_str("Known([REDACTED])"),
            ObservedValue::Hidden => f.write_str("Hidden"),
        }
    }
}

/// A deployment's environment: variable name → value.
#[derive(Debug, Clone, Default)]
pub struct EnvSnapshot {
    vars: BTreeMap<String, ObservedValue>,
}

impl EnvSnapshot {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a variable with a known value.
    ///
    /// ```
    /// let env = provision::doctor::EnvSnapshot::new().with("S3_BUCKET", "files");
    /// assert!(env.contains("S3_BUCKET"));
    /// ```
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.insert(key, value);
        self
    }

    /// Adds a variable with a known value.
    pub fn insert(&mut self, key: &str, value: &str) {
        self.vars.insert(key.to_string(), ObservedValue::Known(SecretString::from(value.to_string())));
    }

    /// Adds a variable whose value cannot be read.
    pub fn insert_hidden(&mut self, key: &str) {
        self.vars.insert(key.to_string(), ObservedValue::Hidden);
    }

    /// Whether the variable exists.
    pub fn contains(&self, key: &str) -> bool {
        self.vars.contains_key(key)
    }

    /// The value, when known.
    pub fn value(&self, key: &str) -> Option<&str> {
        match self.vars.get(key)? {
            ObservedValue::Known(v) => Some(v.expose_secret()),
            ObservedValue::Hidden => None,
        }
    }

    /// The variable names.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// Reads a `.env` file (`KEY=VALUE` lines, comments, quotes and `export` prefixes as dotenv reads them).
    ///
    /// ```no_run
    /// let env = provision::doctor::EnvSnapshot::from_env_file(std::path::Path::new(".env")).unwrap();
    /// ```
    pub fn from_env_file(path: &Path) -> Result<Self, String> {
        let iter = dotenvy::from_path_iter(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut env = Self::new();
        for (n, item) in iter.enumerate() {
            let (key, value) =
                item.map_err(|e| format!("{}: entry {}: {}", path.display(), n + 1, describe_dotenv_error(&e)))?;
            env.insert(&key, &value);
        }
        Ok(env)
    }
}

fn describe_dotenv_error(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::LineParse(_, index) => format!("cannot parse the line (at character {index})"),
        dotenvy::Error::Io(io) => io.to_string(),
        other => other.to_string().chars().take(80).collect(),
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The deployment will fail to build or to sign users in.
    Fatal,
    /// It works, but not as intended (or not safely).
    Warning,
}

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Problem {
    /// A required variable is absent.
    Missing,
    /// A variable that the current build refuses.
    Deprecated,
    /// A value that is not what LobeHub expects.
    Malformed,
}

/// One finding about one variable, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The variable.
    pub key: String,
    /// How bad.
    pub severity: Severity,
    /// What kind of problem.
    pub problem: Problem,
    /// What is wrong (never a secret value).
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

/// What the doctor knows besides the environment.
#[derive(Debug, Clone, Default)]
pub struct DoctorContext {
    /// The LobeHub profile to check against.
    pub profile: Profile,
    /// The Auth0 tenant domain (`tenant.eu.auth0.com`), to check the issuer against.
    pub auth0_domain: Option<String>,
    /// The Auth0 application's allowed callback URLs, to check `APP_URL` against.
    pub auth0_callbacks: Option<Vec<String>>,
    /// Why `auth0_callbacks` could not be read (the application was not found, reading it failed): the check is
    /// then reported as not checked, with this reason, instead of being skipped silently.
    pub auth0_callbacks_unavailable: Option<String>,
}

/// A check the doctor could not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotChecked {
    /// The check.
    pub check: String,
    /// Why it could not run.
    pub reason: String,
}

/// The doctor's report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DoctorReport {
    /// The profile checked.
    pub profile: String,
    /// Every finding, fatal first.
    pub findings: Vec<Finding>,
    /// The variables that were checked and found fine.
    pub ok: Vec<String>,
    /// Checks that could not run (shown as "not checked" with the reason).
    pub not_checked: Vec<NotChecked>,
}

impl DoctorReport {
    /// Whether the deployment would fail.
    pub fn is_fatal(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Fatal)
    }

    /// The findings about one variable.
    pub fn for_key(&self, key: &str) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.key == key).collect()
    }

    /// A plain-text table: one line per finding, then a verdict.
    pub fn render_text(&self) -> String {
        let mut out = format!("doctor (LobeHub profile: {})\n", self.profile);
        for f in &self.findings {
            let tag = match (f.severity, f.problem) {
                (Severity::Fatal, Problem::Missing) => "MISSING   ",
                (Severity::Fatal, Problem::Deprecated) => "DEPRECATED",
                (Severity::Fatal, Problem::Malformed) => "MALFORMED ",
                (Severity::Warning, _) => "WARNING   ",
            };
            out.push_str(&format!("  {tag} {:<28} {}\n             fix: {}\n", f.key, f.message, f.fix));
        }
        for n in &self.not_checked {
            out.push_str(&format!("  NOT CHECKED {}: {}\n", n.check, n.reason));
        }
        out.push_str(&format!("  ok: {}\n", if self.ok.is_empty() { "-".to_string() } else { self.ok.join(", ") }));
        out.push_str(if self.is_fatal() {
            "verdict: the deployment would FAIL — fix the items above\n"
        } else {
            "verdict: no fatal problem found\n"
        });
        out
    }
}

struct Checker<'a> {
    env: &'a EnvSnapshot,
    findings: Vec<Finding>,
}

impl Checker<'_> {
    fn add(
        &mut self,
        key: &str,
        severity: Severity,
        problem: Problem,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.findings.push(Finding { key: key.into(), severity, problem, message: message.into(), fix: fix.into() });
    }
    fn fatal(&mut self, key: &str, message: impl Into<String>, fix: impl Into<String>) {
        self.add(key, Severity::Fatal, Problem::Malformed, message, fix);
    }
    fn warn(&mut self, key: &str, message: impl Into<String>, fix: impl Into<String>) {
        self.add(key, Severity::Warning, Problem::Malformed, message, fix);
    }
}

/// Checks `env` against `ctx.profile` and returns every finding.
///
/// ```
/// use provision::doctor::{diagnose, DoctorContext, EnvSnapshot};
/// let env = EnvSnapshot::new().with("NEXT_PUBLIC_SERVICE_MODE", "server");
/// let report = diagnose(&env, &DoctorContext::default());
/// assert!(report.is_fatal());
/// assert!(!report.for_key("NEXT_PUBLIC_SERVICE_MODE").is_empty());
/// assert!(!report.for_key("AUTH_SECRET").is_empty()); // missing
/// ```
pub fn diagnose(env: &EnvSnapshot, ctx: &DoctorContext) -> DoctorReport {
    let mut c = Checker { env, findings: Vec::new() };
    let profile = ctx.profile;

    for (key, purpose) in lobehub::required_variables(profile) {
        if !env.contains(key) {
            c.add(key, Severity::Fatal, Problem::Missing, format!("is not set; it is {purpose}"), missing_fix(key));
        }
    }
    if profile == Profile::Current {
        for key in env.keys() {
            // Hidden values (Vercel sensitive) are taken as set.
            if let Some(d) = lobehub::deprecation(key, env.value(key)) {
                c.add(
                    key,
                    Severity::Fatal,
                    Problem::Deprecated,
                    format!("{}. {DEPRECATED_CHECK_NOTE}", d.reason),
                    d.replacement,
                );
            }
        }
        check_auth_secret(&mut c);
    }

    check_key_vaults(&mut c);
    check_app_url(&mut c, ctx);
    check_issuer(&mut c, ctx);
    check_s3(&mut c);
    check_database(&mut c);
    if let Some(v) = env.value("JWKS_KEY")
        && let Err(e) = secrets::check_jwks_key(v)
    {
        c.fatal(
            "JWKS_KEY",
            e.to_string(),
            "generate a new RSA-2048 JWKS (`provision apply` does it once) and set it as one line",
        );
    }
    if profile == Profile::Current {
        if let Some(v) = env.value("AUTH_SSO_PROVIDERS")
            && !v.split(',').any(|p| p.trim() == "auth0")
        {
            c.fatal("AUTH_SSO_PROVIDERS", format!("is `{v}`, which does not include auth0"), "set it to `auth0`");
        }
        if !env.contains("AUTH_DISABLE_EMAIL_PASSWORD") {
            c.warn(
                "AUTH_DISABLE_EMAIL_PASSWORD",
                "is not set, so LobeHub's own e-mail/password sign-up stays open beside Auth0",
                "set AUTH_DISABLE_EMAIL_PASSWORD=1 for an Auth0-only deployment",
            );
        }
    } else {
        check_legacy(&mut c);
    }

    let mut findings = c.findings;
    findings.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.key.cmp(&b.key)));
    findings.dedup_by(|a, b| a.key == b.key && a.message == b.message);
    let ok = env.keys().filter(|k| !findings.iter().any(|f| f.key == *k)).map(str::to_string).collect();
    let mut not_checked = Vec::new();
    if ctx.auth0_callbacks.is_none()
        && env.contains("APP_URL")
        && let Some(reason) = &ctx.auth0_callbacks_unavailable
    {
        not_checked.push(NotChecked {
            check: "APP_URL among the Auth0 application's callback URLs".into(),
            reason: reason.clone(),
        });
    }
    DoctorReport { profile: profile.to_string(), findings, ok, not_checked }
}

/// The environment variable that points `doctor --env-file`'s Auth0 look-up at another base URL (a simulator or a
/// proxy; plain http only for loopback), like `[endpoints] auth0` in the configuration.
pub const AUTH0_ENDPOINT_ENV: &str = "PROVISION_AUTH0_ENDPOINT";

/// For `doctor --env-file`: the Auth0 context that needs only the Management API credentials in the environment
/// (`AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`): the tenant (from `AUTH_AUTH0_ISSUER`) and the callbacks of the
/// application `AUTH_AUTH0_ID`, so that `APP_URL` is checked against them. `Ok(None)` when those credentials are
/// not set (the callback check is then skipped); `Err` names what failed.
pub async fn auth0_context_for_env_file(
    env: &EnvSnapshot,
    source: &dyn crate::config::EnvSource,
) -> Result<Option<(String, Vec<String>)>, String> {
    use crate::config::env_names;
    let (Some(id), Some(secret)) = (source.get(env_names::AUTH0_CLIENT_ID), source.get(env_names::AUTH0_CLIENT_SECRET))
    else {
        return Ok(None);
    };
    let issuer = env.value("AUTH_AUTH0_ISSUER").ok_or("AUTH_AUTH0_ISSUER is not in the file: no tenant to ask")?;
    let domain = Url::parse(issuer.trim())
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .ok_or_else(|| format!("AUTH_AUTH0_ISSUER `{issuer}` is not a URL"))?;
    let app = env.value("AUTH_AUTH0_ID").ok_or("AUTH_AUTH0_ID is not in the file: no application to check")?;
    let mut builder = auth0_client::Auth0Client::builder()
        .domain(domain.clone())
        .client_credentials_secret(id, SecretString::from(secret))
        .no_rate_limit();
    if let Some(base) = source.get(AUTH0_ENDPOINT_ENV) {
        builder = builder.base_url(base);
    }
    let client = builder.build().map_err(|e| format!("Auth0 client: {e}"))?;
    let application = client.clients().get(app).await.map_err(|e| format!("reading application {app}: {e}"))?;
    Ok(Some((domain, application.callbacks)))
}

/// The [`DoctorContext`] for `doctor --env-file`: the profile, and the Auth0 tenant and callbacks when the
/// process environment holds `AUTH0_CLIENT_ID`/`AUTH0_CLIENT_SECRET` (a failed look-up is printed to stderr and the
/// callback check skipped).
pub async fn env_file_context(env: &EnvSnapshot, profile: Profile) -> DoctorContext {
    let mut ctx = DoctorContext { profile, ..Default::default() };
    match auth0_context_for_env_file(env, &crate::config::ProcessEnv).await {
        Ok(Some((domain, callbacks))) => {
            ctx.auth0_domain = Some(domain);
            ctx.auth0_callbacks = Some(callbacks);
        }
        Ok(None) => {}
        Err(e) => eprintln!("doctor: the Auth0 callback check was skipped: {e}"),
    }
    ctx
}

/// Where LobeHub's deprecated-variable check runs (field-truth §1.3).
pub const DEPRECATED_CHECK_NOTE: &str = "LobeHub's checkDeprecatedAuth exits on it in 2.1.x Vercel builds, in Docker and in `bun run dev`; the 2.2.17+ Vercel build (`build:vercel`, no prebuild) no longer runs the check and silently ignores it (LH package.json @ c9fb13f0, @ 0015eda9)";

/// `AUTH_SECRET`: at least 32 characters in production with a database (LH `packages/env/src/auth.ts` @
/// `2c98da1f464026d87c46cbd5c709d66742cc0910`; field-truth §1.1); shorter fails the schema at build and start.
fn check_auth_secret(c: &mut Checker<'_>) {
    if let Some(v) = c.env.value("AUTH_SECRET")
        && v.chars().count() < 32
    {
        c.fatal(
            "AUTH_SECRET",
            format!("is {} characters; LobeHub's schema requires at least 32 in production", v.chars().count()),
            "set it to the output of `openssl rand -base64 32` (44 characters)",
        );
    }
}

/// The bytes Node's `Buffer.from(value, 'base64')` yields — how LobeHub decodes `KEY_VAULTS_SECRET` before
/// importing it as a raw AES-GCM key (LH `src/server/modules/KeyVaultsEncrypt/index.ts` @
/// `f9309b630554337ee08569778a0cef5a18149602`). Node's decoder accepts both the standard and the URL-safe
/// alphabet, ignores whitespace and other characters outside them, stops at the first `=`, and drops an
/// incomplete trailing group's leftover bits (Node `Buffer` docs, "base64").
///
/// ```
/// use provision::doctor::node_base64_decoded_len;
/// assert_eq!(node_base64_decoded_len("Kix2Fj6B0Rk8cUAbdHoBQO8uZtZ9tk3X8d2q8iKrQiI="), 32);
/// assert_eq!(node_base64_decoded_len("Kix2Fj6B0Rk8cUAbdHoBQO8uZtZ9tk3X8d2q8iKrQiI"), 32); // no padding
/// assert_eq!(node_base64_decoded_len("Kix2Fj6B0Rk8cUAb-HoBQO8uZtZ9tk3X8d2q8iKrQiI="), 32); // URL-safe
/// assert_eq!(node_base64_decoded_len(&"A".repeat(48)), 36);
/// ```
pub fn node_base64_decoded_len(value: &str) -> usize {
    let sextets = value
        .chars()
        .take_while(|c| *c != '=')
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_'))
        .count();
    sextets * 6 / 8
}

fn missing_fix(key: &str) -> String {
    match key {
        "KEY_VAULTS_SECRET" | "AUTH_SECRET" | "NEXT_AUTH_SECRET" => {
            format!("set {key} to the output of `openssl rand -base64 32` (provision apply generates it once)")
        }
        "JWKS_KEY" => "set a one-line JWKS with an RSA-2048 private key (provision apply generates it once)".into(),
        "AUTH_SSO_PROVIDERS" | "NEXT_AUTH_SSO_PROVIDERS" => format!("set {key}=auth0"),
        "NEXT_PUBLIC_SERVICE_MODE" => "set NEXT_PUBLIC_SERVICE_MODE=server".into(),
        "NEXT_PUBLIC_ENABLE_NEXT_AUTH" => "set NEXT_PUBLIC_ENABLE_NEXT_AUTH=1".into(),
        "NEXTAUTH_URL" => "set NEXTAUTH_URL to APP_URL + /api/auth".into(),
        "S3_ACCESS_KEY_ID" | "S3_SECRET_ACCESS_KEY" => {
            "create a RAM sub-user AccessKey (provision apply does) and set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY".into()
        }
        "AUTH_AUTH0_ID" | "AUTH_AUTH0_SECRET" => "copy them from the Auth0 application (provision apply does)".into(),
        "AUTH_AUTH0_ISSUER" => "set it to https://<your tenant domain>/".into(),
        "S3_ENDPOINT" => "set it to https://oss-<region>.aliyuncs.com".into(),
        "S3_REGION" => "set it to the bucket's region id, e.g. cn-beijing".into(),
        "S3_PUBLIC_DOMAIN" => "set it to https://<bucket>.oss-<region>.aliyuncs.com or the bucket's custom domain".into(),
        other => format!("set {other}"),
    }
}

fn check_key_vaults(c: &mut Checker<'_>) {
    // Decoded exactly as LobeHub does; WebCrypto then accepts a raw AES key of 16, 24 or 32 bytes only (a
    // 48-character value decodes to 36 bytes: every page fails with "Invalid key length", LH issues #5446, #5547).
    if let Some(v) = c.env.value("KEY_VAULTS_SECRET")
        && !matches!(node_base64_decoded_len(v), 16 | 24 | 32)
    {
        c.fatal(
            "KEY_VAULTS_SECRET",
            format!(
                "decodes (as Node's Buffer.from(value, 'base64')) to {} bytes; LobeHub's AES-GCM key must be 16, 24 or 32 bytes",
                node_base64_decoded_len(v)
            ),
            "if no user has stored API keys yet, set it to `openssl rand -base64 32`; otherwise move the old value to LEGACY_KEY_VAULTS_SECRET first",
        );
    }
    if let (Some(a), Some(b)) = (c.env.value("KEY_VAULTS_SECRET"), c.env.value("LEGACY_KEY_VAULTS_SECRET"))
        && a == b
    {
        c.fatal(
            "LEGACY_KEY_VAULTS_SECRET",
            "equals KEY_VAULTS_SECRET",
            "keep the previous key here and the new one in KEY_VAULTS_SECRET, or remove it",
        );
    }
}

/// Parses an origin URL (`https://host[:port]`, no path beyond `/`, no query).
fn origin(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|_| "is not a URL".to_string())?;
    if url.path() != "/" && !url.path().is_empty() {
        return Err(format!("has a path (`{}`)", url.path()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("has a query or fragment".into());
    }
    Ok(url)
}

fn check_app_url(c: &mut Checker<'_>, ctx: &DoctorContext) {
    let Some(v) = c.env.value("APP_URL").map(str::to_string) else { return };
    // LobeHub uses APP_URL verbatim (LH `packages/env/src/app.ts` @ `166752f1`) and appends
    // `/api/auth/callback/auth0`: a trailing slash sends `//api/auth/callback/auth0`, which Auth0 refuses as a
    // callback mismatch; checkDeprecatedAuth also exits on it (LH `scripts/_shared/checkDeprecatedAuth.js` @
    // `deb08764bac90bb0a99a8cb7b3cdfc7a2782514e`; field-truth §1.2, §1.3).
    if v.ends_with('/') {
        c.fatal(
            "APP_URL",
            format!(
                "`{v}` ends with `/`: LobeHub would send redirect_uri {}/api/auth/callback/auth0, which Auth0 refuses",
                v
            ),
            format!("set it to {}", v.trim_end_matches('/')),
        );
        return;
    }
    match origin(&v) {
        Err(e) => c.fatal("APP_URL", format!("`{v}` {e}"), "set it to the app's origin, e.g. https://chat.example.com"),
        Ok(url) => {
            if url.scheme() != "https" && !cloud_http::endpoint::is_loopback_host(url.host_str().unwrap_or("")) {
                c.fatal("APP_URL", format!("`{v}` is not https"), "use the https URL of the app");
            }
            if let Some(callbacks) = &ctx.auth0_callbacks {
                // Auth0 compares callback URLs exactly.
                let expected = format!("{v}/api/auth/callback/auth0");
                if !callbacks.contains(&expected) {
                    c.fatal(
                        "APP_URL",
                        format!("`{expected}` is not among the Auth0 application's allowed callback URLs"),
                        "add it to the application's callbacks (`provision set-domain` does it), or fix APP_URL",
                    );
                }
            }
        }
    }
}

fn check_issuer(c: &mut Checker<'_>, ctx: &DoctorContext) {
    let Some(v) = c.env.value("AUTH_AUTH0_ISSUER").map(str::to_string) else { return };
    let fix = match &ctx.auth0_domain {
        Some(d) => format!("set it to https://{d}/"),
        None => "set it to https://<tenant domain>/ (no path, no /.well-known)".to_string(),
    };
    // LobeHub trims the value and drops one trailing `/`; a value that already contains `/.well-known/` is used
    // as the discovery URL itself (LH `src/libs/better-auth/sso/helpers.ts` @
    // `09a40cc05c79e54dfcf4a4f59438434dc5102fd9`; field-truth §1.1). So both forms are accepted; the host must be
    // the tenant's.
    let trimmed = v.trim();
    let base = match trimmed.find("/.well-known/") {
        Some(i) => &trimmed[..i],
        None => trimmed.strip_suffix('/').unwrap_or(trimmed),
    };
    match origin(base) {
        Err(e) => c.fatal("AUTH_AUTH0_ISSUER", format!("`{v}` {e}"), fix),
        Ok(url) => {
            if url.scheme() != "https" && !cloud_http::endpoint::is_loopback_host(url.host_str().unwrap_or("")) {
                c.fatal("AUTH_AUTH0_ISSUER", format!("`{v}` is not https"), fix);
            } else if let Some(domain) = &ctx.auth0_domain
                && url.host_str() != Some(domain.as_str())
            {
                c.fatal("AUTH_AUTH0_ISSUER", format!("`{v}` is not the URL of the tenant {domain}"), fix);
            }
        }
    }
}

fn check_s3(c: &mut Checker<'_>) {
    let bucket = c.env.value("S3_BUCKET").map(str::to_string);
    if let Some(v) = c.env.value("S3_ENDPOINT").map(str::to_string) {
        match origin(&v) {
            Err(e) => c.fatal(
                "S3_ENDPOINT",
                format!("`{v}` {e}"),
                "set it to https://oss-<region>.aliyuncs.com: with the scheme, without the bucket and without a path",
            ),
            Ok(url) => {
                let host = url.host_str().unwrap_or("");
                if url.scheme() != "https" && !cloud_http::endpoint::is_loopback_host(host) {
                    c.fatal("S3_ENDPOINT", format!("`{v}` is not https"), "use https://oss-<region>.aliyuncs.com");
                }
                if let Some(b) = &bucket
                    && host.starts_with(&format!("{b}."))
                {
                    c.fatal(
                        "S3_ENDPOINT",
                        format!("`{v}` includes the bucket `{b}`; the S3 SDK adds it itself"),
                        format!("set it to https://{}", &host[b.len() + 1..]),
                    );
                }
                let is_oss = host.ends_with("aliyuncs.com");
                if is_oss && c.env.value("S3_ENABLE_PATH_STYLE") == Some("1") {
                    c.fatal(
                        "S3_ENABLE_PATH_STYLE",
                        "is 1, but OSS refuses path-style requests (403 SecondLevelDomainForbidden)",
                        "remove it or set it to 0",
                    );
                }
                if is_oss
                    && let Some(region) = c.env.value("S3_REGION")
                    && !host.contains(region)
                {
                    c.warn(
                        "S3_REGION",
                        format!("`{region}` does not match the endpoint `{host}`"),
                        "set it to the region in the endpoint",
                    );
                }
            }
        }
    }
    if let Some(v) = c.env.value("S3_PUBLIC_DOMAIN").map(str::to_string)
        && let Err(e) = Url::parse(&v).map_err(|_| "is not a URL".to_string()).and_then(|u| {
            if u.scheme() == "https" || cloud_http::endpoint::is_loopback_host(u.host_str().unwrap_or("")) {
                Ok(())
            } else {
                Err("is not https".into())
            }
        })
    {
        c.fatal(
            "S3_PUBLIC_DOMAIN",
            format!("`{v}` {e}"),
            "set it to https://<bucket>.oss-<region>.aliyuncs.com or the bucket's custom domain",
        );
    }
    // S3_PUBLIC_DOMAIN is read only with S3_SET_ACL=1; otherwise files are served by presigned GET (LH
    // `src/server/services/file/impls/s3.ts` @ `170233397286c03fbbe97920869f184b10a52283`). S3_REGION is optional
    // (default us-east-1: LH `src/server/modules/S3/index.ts` @ `681e4ef2`, `packages/env/src/file.ts` @ `0cd996f3`).
    let set_acl = c.env.value("S3_SET_ACL") == Some("1");
    if set_acl && !c.env.contains("S3_PUBLIC_DOMAIN") && !c.env.contains("NEXT_PUBLIC_S3_DOMAIN") {
        c.add(
            "S3_PUBLIC_DOMAIN",
            Severity::Fatal,
            Problem::Missing,
            "is not set, but S3_SET_ACL=1 makes LobeHub link every file as S3_PUBLIC_DOMAIN + key",
            "set it to the bucket's public base URL (https://<bucket>.oss-<region>.aliyuncs.com or its custom domain), or use S3_SET_ACL=0 (presigned GETs)",
        );
    }
    if c.env.contains("S3_BUCKET") && !c.env.contains("S3_REGION") {
        c.warn(
            "S3_REGION",
            "is not set: LobeHub signs for us-east-1",
            "set it to the bucket's region id, e.g. cn-hangzhou",
        );
    }
    if let Some(endpoint) = c.env.value("S3_ENDPOINT").map(str::to_string)
        && let Some(region) = aliyun_region_of_endpoint(&endpoint)
        && crate::desired::is_mainland_region(&region)
    {
        c.warn(
            "S3_ENDPOINT",
            crate::desired::mainland_warning(&region),
            "use a bucket in cn-hongkong or ap-southeast-1 if this account is new",
        );
    }
}

/// The region of an OSS endpoint (`https://s3.oss-cn-hangzhou.aliyuncs.com`, `https://oss-cn-hangzhou.aliyuncs.com`).
fn aliyun_region_of_endpoint(endpoint: &str) -> Option<String> {
    let url = Url::parse(endpoint).ok()?;
    let host = url.host_str()?;
    let label = host.strip_suffix(".aliyuncs.com")?.rsplit('.').next()?;
    label.strip_prefix("oss-").map(|r| r.trim_end_matches("-internal").to_string())
}

/// Whether a Postgres URL is Neon's (the default driver is Neon's serverless WebSocket driver, which reaches only
/// Neon: LH `src/config/db.ts` @ `f9309b630554337ee08569778a0cef5a18149602`, `scripts/migrateServerDB/index.ts` @
/// `c9fb13f0f29a635302896b908c0ad57a872c006f`; field-truth §1.6). Vercel Postgres hosts are Neon's.
fn is_neon_url(url: &str) -> bool {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| h.ends_with(".neon.tech") || h.ends_with(".vercel-storage.com"))
}

fn check_database(c: &mut Checker<'_>) {
    if let Some(v) = c.env.value("DATABASE_URL")
        && (v.starts_with("postgres://") || v.starts_with("postgresql://"))
        && !is_neon_url(v)
        && c.env.value("DATABASE_DRIVER") != Some("node")
    {
        c.fatal(
            "DATABASE_DRIVER",
            "is not `node` while DATABASE_URL is not a Neon database: the Vercel build's db:migrate uses the Neon WebSocket driver and fails after the whole app build",
            "set DATABASE_DRIVER=node (app.database_driver = \"node\")",
        );
    }
    if let Some(v) = c.env.value("DATABASE_DRIVER")
        && v != "node"
        && v != "neon"
    {
        c.fatal("DATABASE_DRIVER", format!("is `{v}`; LobeHub knows `neon` and `node`"), "set it to node or remove it");
    }
    if let Some(v) = c.env.value("DATABASE_URL")
        && !(v.starts_with("postgres://") || v.starts_with("postgresql://"))
    {
        c.fatal(
            "DATABASE_URL",
            "is not a postgres:// or postgresql:// URL",
            "paste the Postgres connection string (Neon: the pooled URL)",
        );
    }
}

fn check_legacy(c: &mut Checker<'_>) {
    if let (Some(app), Some(nextauth)) = (c.env.value("APP_URL"), c.env.value("NEXTAUTH_URL")) {
        let expected = format!("{}/api/auth", app.trim_end_matches('/'));
        if nextauth.trim_end_matches('/') != expected {
            c.fatal(
                "NEXTAUTH_URL",
                format!("is `{nextauth}`, not APP_URL + /api/auth"),
                format!("set it to {expected}"),
            );
        }
    }
    if let Some(v) = c.env.value("NEXT_PUBLIC_SERVICE_MODE")
        && v != "server"
    {
        c.fatal("NEXT_PUBLIC_SERVICE_MODE", format!("is `{v}`"), "set it to server");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment the original guide ends with (LobeChat 1.x + NextAuth).
    pub(crate) fn seed_env() -> EnvSnapshot {
        EnvSnapshot::new()
            .with("DATABASE_URL", "postgresql://u:p@ep-x.neon.tech/db")
            .with("NEXT_PUBLIC_SERVICE_MODE", "server")
            .with("KEY_VAULTS_SECRET", "Kix2Fj6B0Rk8cUAbdHoBQO8uZtZ9tk3X8d2q8iKrQiI=")
            .with("APP_URL", "https://chat.example.com")
            .with("NEXT_PUBLIC_ENABLE_NEXT_AUTH", "1")
            .with("NEXT_AUTH_SECRET", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")
            .with("NEXT_AUTH_SSO_PROVIDERS", "auth0")
            .with("AUTH_AUTH0_ID", "abc")
            .with("AUTH_AUTH0_SECRET", "def")
            .with("AUTH_AUTH0_ISSUER", "https://tenant.us.auth0.com")
            .with("NEXTAUTH_URL", "https://chat.example.com/api/auth")
            .with("S3_ACCESS_KEY_ID", "LT123123123123")
            .with("S3_SECRET_ACCESS_KEY", "y524523452345234cG976h822346346gB")
            .with("S3_ENDPOINT", "https://oss-cn-beijing.aliyuncs.com")
            .with("S3_BUCKET", "liujianmeisima")
            .with("S3_PUBLIC_DOMAIN", "https://zhaojiesima.oss-cn-beijing.aliyuncs.com")
    }

    #[test]
    fn seed_env_fails_the_current_build_with_named_fixes() {
        let report = diagnose(&seed_env(), &DoctorContext::default());
        assert!(report.is_fatal());
        for key in ["NEXT_PUBLIC_SERVICE_MODE", "NEXT_AUTH_SECRET", "NEXT_AUTH_SSO_PROVIDERS", "NEXTAUTH_URL"] {
            let f = report.for_key(key);
            assert_eq!(f.len(), 1, "{key}");
            assert_eq!(f[0].problem, Problem::Deprecated);
            assert!(f[0].message.contains("2.2.17+ Vercel build"), "{}", f[0].message);
        }
        // Not in LobeHub's list (it does not start with NEXT_AUTH).
        assert!(report.for_key("NEXT_PUBLIC_ENABLE_NEXT_AUTH").is_empty());
        for key in ["AUTH_SECRET", "JWKS_KEY", "AUTH_SSO_PROVIDERS"] {
            assert_eq!(report.for_key(key)[0].problem, Problem::Missing, "{key}");
        }
        // S3_REGION is optional in LobeHub (default us-east-1): a warning, not fatal.
        assert_eq!(report.for_key("S3_REGION")[0].severity, Severity::Warning);
        let text = report.render_text();
        assert!(!text.contains("y524523452345234cG976h822346346gB"));
        assert!(text.contains("FAIL"));
    }

    #[test]
    fn seed_env_is_fine_for_the_legacy_profile() {
        let ctx = DoctorContext { profile: Profile::LegacyNextauth, ..Default::default() };
        let report = diagnose(&seed_env(), &ctx);
        assert!(!report.is_fatal(), "{}", report.render_text());
    }

    #[test]
    fn malformed_values_are_named() {
        let env = EnvSnapshot::new()
            .with("KEY_VAULTS_SECRET", "c2hvcnQ=")
            .with("S3_BUCKET", "files")
            .with("S3_ENDPOINT", "https://files.oss-cn-beijing.aliyuncs.com/")
            .with("S3_ENABLE_PATH_STYLE", "1")
            .with("AUTH_AUTH0_ISSUER", "https://tenant.us.auth0.com/.well-known/openid-configuration")
            .with("JWKS_KEY", "{\"keys\":[]}")
            .with("APP_URL", "https://chat.example.com");
        let ctx = DoctorContext {
            auth0_domain: Some("tenant.us.auth0.com".into()),
            auth0_callbacks: Some(vec!["https://old.vercel.app/api/auth/callback/auth0".into()]),
            ..Default::default()
        };
        let report = diagnose(&env, &ctx);
        for key in ["KEY_VAULTS_SECRET", "S3_ENDPOINT", "S3_ENABLE_PATH_STYLE", "JWKS_KEY", "APP_URL"] {
            assert!(
                report.for_key(key).iter().any(|f| f.problem == Problem::Malformed),
                "{key}: {}",
                report.render_text()
            );
        }
        assert!(report.for_key("S3_ENDPOINT")[0].fix.contains("https://oss-cn-beijing.aliyuncs.com"));
        let endpoint_with_path = EnvSnapshot::new().with("S3_ENDPOINT", "oss-cn-beijing.aliyuncs.com");
        // The issuer given as its discovery URL is accepted (LobeHub uses it as the discovery URL itself).
        assert!(
            report.for_key("AUTH_AUTH0_ISSUER").is_empty(),
            "the discovery-URL form is accepted: {}",
            report.render_text()
        );
        assert!(
            diagnose(&endpoint_with_path, &DoctorContext::default()).for_key("S3_ENDPOINT")[0]
                .message
                .contains("not a URL")
        );
    }

    fn fatal(report: &DoctorReport, key: &str) -> bool {
        report.for_key(key).iter().any(|f| f.severity == Severity::Fatal)
    }

    #[test]
    fn app_url_with_a_trailing_slash_is_fatal() {
        let ctx = DoctorContext::default();
        let r = diagnose(&EnvSnapshot::new().with("APP_URL", "https://chat.example.com/"), &ctx);
        assert!(fatal(&r, "APP_URL"), "{}", r.render_text());
        assert!(r.for_key("APP_URL")[0].message.contains("//api/auth/callback/auth0"));
        assert!(r.for_key("APP_URL")[0].fix.contains("https://chat.example.com"));
        let r = diagnose(&EnvSnapshot::new().with("APP_URL", "https://chat.example.com"), &ctx);
        assert!(!fatal(&r, "APP_URL"));
    }

    #[test]
    fn auth_secret_needs_32_characters() {
        let ctx = DoctorContext::default();
        let r = diagnose(&EnvSnapshot::new().with("AUTH_SECRET", &"a".repeat(31)), &ctx);
        assert!(fatal(&r, "AUTH_SECRET"), "{}", r.render_text());
        let r = diagnose(&EnvSnapshot::new().with("AUTH_SECRET", &"a".repeat(32)), &ctx);
        assert!(!fatal(&r, "AUTH_SECRET"));
    }

    #[test]
    fn key_vaults_secret_is_decoded_as_node_does() {
        let ctx = DoctorContext::default();
        for ok in [
            "Kix2Fj6B0Rk8cUAbdHoBQO8uZtZ9tk3X8d2q8iKrQiI=", // openssl rand -base64 32
            "Kix2Fj6B0Rk8cUAbdHoBQO8uZtZ9tk3X8d2q8iKrQiI",  // no padding: Node decodes it
            "Kix2Fj6B0Rk8cUAb-HoBQO8uZtZ9tk3X8d2q8iKrQiI=", // URL-safe alphabet: Node accepts it
            "AAAAAAAAAAAAAAAAAAAAAA==",                     // 16 bytes
        ] {
            let r = diagnose(&EnvSnapshot::new().with("KEY_VAULTS_SECRET", ok), &ctx);
            assert!(!fatal(&r, "KEY_VAULTS_SECRET"), "{ok}: {}", r.render_text());
        }
        // `openssl rand -base64 36` (48 characters) decodes to 36 bytes: "Invalid key length" in LobeHub.
        let r = diagnose(&EnvSnapshot::new().with("KEY_VAULTS_SECRET", &"A".repeat(48)), &ctx);
        assert!(fatal(&r, "KEY_VAULTS_SECRET"));
        assert!(r.for_key("KEY_VAULTS_SECRET")[0].message.contains("36 bytes"));
    }

    #[test]
    fn database_driver_node_is_required_for_non_neon_urls() {
        let ctx = DoctorContext::default();
        let tcp = EnvSnapshot::new().with("DATABASE_URL", "postgres://u:p@db.example.com:5432/lobehub");
        assert!(fatal(&diagnose(&tcp, &ctx), "DATABASE_DRIVER"));
        assert!(!fatal(&diagnose(&tcp.clone().with("DATABASE_DRIVER", "node"), &ctx), "DATABASE_DRIVER"));
        let neon =
            EnvSnapshot::new().with("DATABASE_URL", "postgresql://u:p@ep-x-pooler.eu-central-1.aws.neon.tech/db");
        assert!(!fatal(&diagnose(&neon, &ctx), "DATABASE_DRIVER"));
    }

    #[test]
    fn issuer_forms_lobehub_accepts() {
        let ctx = DoctorContext { auth0_domain: Some("t.eu.auth0.com".into()), ..Default::default() };
        for ok in [
            "https://t.eu.auth0.com",
            "https://t.eu.auth0.com/",
            "https://t.eu.auth0.com/.well-known/openid-configuration",
        ] {
            let r = diagnose(&EnvSnapshot::new().with("AUTH_AUTH0_ISSUER", ok), &ctx);
            assert!(r.for_key("AUTH_AUTH0_ISSUER").is_empty(), "{ok}: {}", r.render_text());
        }
        let r = diagnose(&EnvSnapshot::new().with("AUTH_AUTH0_ISSUER", "https://other.auth0.com/"), &ctx);
        assert!(fatal(&r, "AUTH_AUTH0_ISSUER"));
    }

    #[test]
    fn s3_public_domain_only_with_set_acl_and_region_optional() {
        let ctx = DoctorContext::default();
        let base = EnvSnapshot::new()
            .with("S3_BUCKET", "files")
            .with("S3_ENDPOINT", "https://s3.oss-cn-hongkong.aliyuncs.com");
        let r = diagnose(&base.clone().with("S3_SET_ACL", "0"), &ctx);
        assert!(!fatal(&r, "S3_PUBLIC_DOMAIN") && !fatal(&r, "S3_REGION"), "{}", r.render_text());
        assert_eq!(r.for_key("S3_REGION")[0].severity, Severity::Warning);
        let r = diagnose(&base.clone().with("S3_SET_ACL", "1"), &ctx);
        assert!(fatal(&r, "S3_PUBLIC_DOMAIN"), "{}", r.render_text());
        let r = diagnose(&base.with("S3_SET_ACL", "1").with("S3_PUBLIC_DOMAIN", "https://files.example.com"), &ctx);
        assert!(!fatal(&r, "S3_PUBLIC_DOMAIN"));
    }

    #[test]
    fn deprecated_list_is_exactly_lobehubs() {
        let ctx = DoctorContext::default();
        let env = EnvSnapshot::new()
            .with("NEXTAUTH_URL", "")
            .with("NEXT_AUTH_ANYTHING", "x")
            .with("ACCESS_CODE", "")
            .with("AUTH_URL", "https://x")
            .with("AZURE_AD_CLIENT_ID", "x")
            .with("AZURE_AD_OTHER", "x")
            .with("AUTH_MICROSOFT_ENTRA_ID_OTHER", "x")
            .with("NEXT_PUBLIC_ENABLE_NEXT_AUTH", "1");
        let r = diagnose(&env, &ctx);
        let deprecated: Vec<&str> =
            r.findings.iter().filter(|f| f.problem == Problem::Deprecated).map(|f| f.key.as_str()).collect();
        assert_eq!(deprecated, ["AUTH_URL", "AZURE_AD_CLIENT_ID", "NEXTAUTH_URL", "NEXT_AUTH_ANYTHING"]);
        // A Vercel sensitive (hidden) value counts as set.
        let mut hidden = EnvSnapshot::new();
        hidden.insert_hidden("CLERK_SECRET_KEY");
        assert!(fatal(&diagnose(&hidden, &ctx), "CLERK_SECRET_KEY"));
    }

    #[test]
    fn mainland_endpoints_are_warned_about() {
        let ctx = DoctorContext::default();
        let r = diagnose(&EnvSnapshot::new().with("S3_ENDPOINT", "https://s3.oss-cn-hangzhou.aliyuncs.com"), &ctx);
        assert!(
            r.for_key("S3_ENDPOINT")
                .iter()
                .any(|f| f.severity == Severity::Warning && f.message.contains("PublicEndpointForbidden"))
        );
        let r = diagnose(&EnvSnapshot::new().with("S3_ENDPOINT", "https://s3.oss-cn-hongkong.aliyuncs.com"), &ctx);
        assert!(r.for_key("S3_ENDPOINT").is_empty(), "{}", r.render_text());
    }

    #[test]
    fn env_file_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "# comment\nexport APP_URL=\"https://chat.example.com\"\nS3_BUCKET=files\n").unwrap();
        let env = EnvSnapshot::from_env_file(&path).unwrap();
        assert_eq!(env.value("APP_URL"), Some("https://chat.example.com"));
        assert_eq!(env.value("S3_BUCKET"), Some("files"));
        assert!(EnvSnapshot::from_env_file(&dir.path().join("nope")).is_err());
    }

    #[test]
    fn a_check_that_cannot_run_is_reported_as_not_checked() {
        let env = EnvSnapshot::new().with("APP_URL", "https://chat.example.com");
        let ctx = DoctorContext {
            auth0_callbacks_unavailable: Some("reading the Auth0 application abc failed: HTTP 500".into()),
            ..Default::default()
        };
        let report = diagnose(&env, &ctx);
        assert_eq!(report.not_checked.len(), 1);
        assert!(report.render_text().contains("NOT CHECKED APP_URL among the Auth0 application's callback URLs"));
        assert!(report.render_text().contains("HTTP 500"));
        // With the callbacks known, the check runs.
        let known = DoctorContext { auth0_callbacks: Some(vec![]), ..ctx };
        assert!(diagnose(&env, &known).not_checked.is_empty());
    }
}
