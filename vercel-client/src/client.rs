//! The client, its builder, and the one path every request takes: build → authorize → send → classify, inside the
//! shared bounded retry loop.

use crate::deployments::DeploymentsHandler;
use crate::domains::DomainsHandler;
use crate::env::EnvHandler;
use crate::env::NewEnvVar;
use crate::env_sync::SyncEnv;
use crate::error::{Error, ErrorKind, Result};
use crate::projects::ProjectsHandler;
use cloud_http::driver::{self, CallInfo, Channel, Service};
use cloud_http::redact::scrub;
use cloud_http::retry::RetryDecision;
use cloud_http::{Clock, ErrorMetadata, RawResponse, RetryPolicy, SystemClock};
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Vercel's public API endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.vercel.com";

/// The largest response body read (4 MiB; project objects are a few KB).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A typed client for the Vercel REST API. Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// # async fn demo() -> vercel_client::Result<()> {
/// use secrecy::SecretString;
/// let client = vercel_client::VercelClient::builder()
///     .token(SecretString::from("vercel-token"))
///     .team_id("team_abc123")
///     .build()?;
/// let project = client.projects().get("lobechat").await?;
/// println!("{}", project.id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct VercelClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    token: SecretString,
    team_id: Option<String>,
    team_slug: Option<String>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for VercelClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token", &"[REDACTED]")
            .field("team_id", &self.inner.team_id)
            .field("team_slug", &self.inner.team_slug)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

/// Builds a [`VercelClient`]. Only the token is required.
///
/// ```
/// use secrecy::SecretString;
/// let client = vercel_client::VercelClient::builder()
///     .token(SecretString::from("tok"))
///     .team_slug("my-team")
///     .base_url("http://127.0.0.1:9")
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("tok\""));
/// assert!(vercel_client::VercelClient::builder().token(SecretString::from("t")).base_url("http://example.com").build().is_err());
/// ```
#[derive(Default)]
pub struct VercelClientBuilder {
    token: Option<SecretString>,
    team_id: Option<String>,
    team_slug: Option<String>,
    base_url: Option<String>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for VercelClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("team_id", &self.team_id)
            .field("team_slug", &self.team_slug)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl VercelClientBuilder {
    /// The Vercel access token (sent as `Authorization: Bearer …`).
    pub fn token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }

    /// Scopes every call to a team by id (`?teamId=team_…`).
    pub fn team_id(mut self, team_id: impl Into<String>) -> Self {
        self.team_id = Some(team_id.into());
        self
    }

    /// Scopes every call to a team by slug (`?slug=…`).
    pub fn team_slug(mut self, slug: impl Into<String>) -> Self {
        self.team_slug = Some(slug.into());
        self
    }

    /// Overrides the base URL (`https`, or plain `http` only for a loopback simulator).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sets the per-request timeout (default 30 s). Ignored when [`http_client`](Self::http_client) is given.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the clock used to turn rate-limit reset times into delays.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses this `reqwest` client instead of building one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent.
    pub fn build(self) -> Result<VercelClient> {
        const OP: &str = "buildClient";
        let token = self.token.ok_or_else(|| Error::invalid_input(OP, "a Vercel access token is required"))?;
        let t = token.expose_secret();
        if t.is_empty() {
            return Err(Error::invalid_input(OP, "the Vercel access token is empty"));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_input(OP, "the Vercel access token contains whitespace or control characters"));
        }
        for (what, value) in [("team id", &self.team_id), ("team slug", &self.team_slug)] {
            if let Some(v) = value
                && (v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            {
                return Err(Error::invalid_input(
                    OP,
                    format!("{what} `{v}` must be non-empty ASCII letters, digits, `_` or `-`"),
                ));
            }
        }
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url =
            cloud_http::validate_base_url(base).map_err(|e| Error::invalid_input(OP, e.to_string()).with_source(e))?;
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .timeout(self.timeout.unwrap_or(Duration::from_secs(30)))
                .user_agent(concat!("vercel-client/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::invalid_input(OP, format!("could not build the HTTP client: {e}")))?,
        };
        Ok(VercelClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                token,
                team_id: self.team_id,
                team_slug: self.team_slug,
                retry: self.retry.unwrap_or_default(),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            }),
        })
    }
}

/// One API call, described independently of any attempt so that each attempt is rebuilt from it.
pub(crate) struct ApiRequest {
    pub operation: &'static str,
    pub method: Method,
    /// Path segments, unencoded (`["v9", "projects", "my project"]`).
    pub segments: Vec<String>,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    /// Whether repeating the call after a lost answer is harmless (gates 5xx / timeout retries).
    pub idempotent: bool,
    /// Secrets in the body, scrubbed from any server message that might echo them.
    pub secrets: Vec<SecretString>,
}

impl fmt::Debug for ApiRequest {
    /// The body may hold secret values: only its presence is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("segments", &self.segments)
            .field("query", &self.query)
            .field("body", &self.body.as_ref().map(|_| "[REDACTED]"))
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

impl ApiRequest {
    pub(crate) fn new(operation: &'static str, method: Method, segments: &[&str]) -> Self {
        let idempotent = method != Method::POST;
        Self {
            operation,
            method,
            segments: segments.iter().map(|s| s.to_string()).collect(),
            query: Vec::new(),
            body: None,
            idempotent,
            secrets: Vec::new(),
        }
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    pub(crate) fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub(crate) fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    pub(crate) fn secrets(mut self, secrets: Vec<SecretString>) -> Self {
        self.secrets = secrets;
        self
    }
}

impl VercelClient {
    /// Starts building a client.
    pub fn builder() -> VercelClientBuilder {
        VercelClientBuilder::default()
    }

    /// Projects: create, get, list, update, delete, link and unlink git.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let all = client.projects().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn projects(&self) -> ProjectsHandler<'_> {
        ProjectsHandler::new(self)
    }

    /// Environment variables of one project (by id or name).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let vars = client.env("lobechat").list().await?;
    /// # Ok(()) }
    /// ```
    pub fn env(&self, project: impl Into<String>) -> EnvHandler<'_> {
        EnvHandler::new(self, project.into())
    }

    /// Converges a project's environment variables to `desired`; see [`SyncEnv`].
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// use vercel_client::{EnvTarget, NewEnvVar};
    /// let desired = vec![NewEnvVar::encrypted("APP_URL", "https://chat.example.com", [EnvTarget::Production, EnvTarget::Preview])];
    /// let report = client.sync_env("lobechat", desired).send().await?;
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    pub fn sync_env(&self, project: impl Into<String>, desired: Vec<NewEnvVar>) -> SyncEnv<'_> {
        SyncEnv::new(self, project.into(), desired)
    }

    /// Domains of one project (by id or name), and their DNS configuration.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let domain = client.domains("lobechat").add("chat.example.com").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn domains(&self, project: impl Into<String>) -> DomainsHandler<'_> {
        DomainsHandler::new(self, project.into())
    }

    /// Deployments: create (from git or by redeploying), get, list, cancel, wait until ready.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let d = client.deployments().get("dpl_123").await?;
    /// # Ok(()) }
    /// ```
    pub fn deployments(&self) -> DeploymentsHandler<'_> {
        DeploymentsHandler::new(self)
    }

    fn url(&self, req: &ApiRequest) -> Result<Url> {
        let mut url = self.inner.base_url.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|_| Error::invalid_input(req.operation, "the base URL cannot carry a path"))?;
            segments.pop_if_empty();
            for s in &req.segments {
                segments.push(s);
            }
        }
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
            if let Some(team) = &self.inner.team_id {
                pairs.append_pair("teamId", team);
            }
            if let Some(slug) = &self.inner.team_slug {
                pairs.append_pair("slug", slug);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        Ok(url)
    }

    pub(crate) fn service_error(&self, req: &ApiRequest, response: &RawResponse) -> Error {
        let status = response.status.as_u16();
        let secrets: Vec<&str> = req
            .secrets
            .iter()
            .map(|s| s.expose_secret())
            .chain(std::iter::once(self.inner.token.expose_secret()))
            .collect();
        let clean = |s: &str| scrub(s, secrets.iter().copied());
        let mut meta = ErrorMetadata::new(status);
        if let Some(id) = response.header("x-vercel-id") {
            meta = meta.with_request_id(id);
        }
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
        let envelope = parsed.as_ref().and_then(|v| v.get("error")).and_then(|e| e.as_object());
        let mut limit_reset: Option<i64> = None;
        if let Some(err) = envelope {
            for (key, value) in err {
                match (key.as_str(), value) {
                    ("code", serde_json::Value::String(s)) => meta = meta.with_code(s.clone()),
                    ("message", serde_json::Value::String(s)) => meta = meta.with_message(clean(s)),
                    ("limit", serde_json::Value::Object(limit)) => {
                        limit_reset = limit.get("reset").and_then(|r| r.as_i64());
                        if let Some(r) = limit_reset {
                            meta = meta.with_extra("limitReset", r.to_string());
                        }
                    }
                    // Never keep an echoed value.
                    ("value", _) => {}
                    (k, serde_json::Value::String(s)) => meta = meta.with_extra(k, clean(s)),
                    (k, v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                        meta = meta.with_extra(k, v.to_string())
                    }
                    _ => {}
                }
            }
        } else if !response.body.is_empty() {
            // Redact the whole text first, then cut: a cut made first could split a secret and leave a part
            // that no longer matches the redaction.
            let text = clean(&response.text_lossy());
            let snippet: String = text.chars().take(200).collect();
            meta = meta.with_message(snippet);
        }
        let code = meta.code().unwrap_or_default().to_string();
        let has_action = meta.extra("action").is_some() || meta.extra("link").is_some();
        let invalid_token = meta.extra("invalidToken") == Some("true");
        // An env create in which every item failed answers non-2xx with `failed[]` (vtf commit ef1e07e): surface
        // each variable, never the echoed `value`.
        let failed = parsed
            .as_ref()
            .and_then(|v| v.get("failed"))
            .map(|f| crate::env::failed_entries(f, &secrets))
            .filter(|f| !f.is_empty());
        let kind = match status {
            _ if failed.is_some() => ErrorKind::EnvCreateFailed(failed.unwrap_or_default()),
            _ if matches!(code.as_str(), "ENV_CONFLICT" | "ENV_ALREADY_EXISTS" | "existing_key_and_target") => {
                ErrorKind::EnvConflict
            }
            _ if matches!(code.as_str(), "repo_not_found" | "repo_links_exceeded_limit") => ErrorKind::GitIntegration,
            _ if matches!(
                code.as_str(),
                "challenge_required" | "challenge_required_email_otp" | "user_auth_required"
            ) =>
            {
                ErrorKind::ChallengeRequired
            }
            _ if invalid_token => ErrorKind::InvalidToken,
            400 if has_action => ErrorKind::GitIntegration,
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            402 => ErrorKind::PaymentRequired,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            410 => ErrorKind::Gone,
            428 => ErrorKind::PreconditionRequired,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Service,
        };
        let retry = match status {
            429 => {
                let now = self.inner.clock.now();
                let delay = cloud_http::rate_limit::retry_after(&response.headers, now)
                    .or_else(|| limit_reset.map(|r| cloud_http::rate_limit::until_epoch(r, now)))
                    .or_else(|| cloud_http::rate_limit::reset_header(&response.headers, "x-ratelimit-reset", now));
                match delay {
                    Some(d) => RetryDecision::RetryAfter(d),
                    None => RetryDecision::Retry,
                }
            }
            500 | 502 | 503 | 504 if req.idempotent => {
                cloud_http::driver::retry_after_or_backoff(&response.headers, self.inner.clock.now())
            }
            _ => RetryDecision::DoNotRetry,
        };
        Error::new(kind, req.operation).with_metadata(meta).with_retry(retry)
    }

    /// Sends `req` and decodes a JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T> {
        driver::json(&Wire(self), &req).await
    }

    /// Sends `req`, ignoring any body (204, or 200/201 without JSON).
    pub(crate) async fn no_content(&self, req: ApiRequest) -> Result<()> {
        driver::no_content(&Wire(self), &req).await
    }
}

/// Vercel's side of the shared driver: bearer authentication with the team scope in the query, the
/// `{"error": {…}}` envelope, and which answers may be repeated (429 always; 5xx only for idempotent requests).
struct Wire<'a>(&'a VercelClient);

impl Service for Wire<'_> {
    type Request = ApiRequest;
    type Kind = ErrorKind;
    type Error = Error;
    type Attempt = ();
    type CallState = ();

    fn channel(&self) -> Channel<'_> {
        Channel::new(&self.0.inner.http, &self.0.inner.retry).max_body(MAX_BODY)
    }

    fn call_info(&self, request: &ApiRequest) -> CallInfo {
        CallInfo::new(request.operation, request.idempotent)
    }

    async fn prepare(&self, req: &ApiRequest) -> Result<(reqwest::Request, ())> {
        let inner = &self.0.inner;
        let url = self.0.url(req)?;
        let token = inner.token.expose_secret();
        let request = driver::bearer_json(self, req.method.clone(), url, token, req.body.as_ref(), req.operation)?;
        Ok((request, ()))
    }

    async fn classify(&self, req: &ApiRequest, _: &(), response: &RawResponse) -> Error {
        self.0.service_error(req, response)
    }
}

/// Decodes a JSON body, naming the operation and the failing field on error ([`driver::decode_json`]).
pub(crate) fn decode<T: DeserializeOwned>(operation: &'static str, response: &RawResponse) -> Result<T> {
    Ok(driver::decode_json(operation, response)?)
}

/// Checks a path identifier (project id or name, env id, domain, deployment id) before sending.
pub(crate) fn check_id(operation: &'static str, what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(operation, format!("{what} must not be empty")));
    }
    if value.len() > 256
        || value.chars().any(|c| c.is_control() || c.is_whitespace() || c == '/' || c == '?' || c == '#')
    {
        return Err(Error::invalid_input(
            operation,
            format!(
                "{what} `{}` must not contain whitespace, control characters, `/`, `?` or `#`",
                value.escape_debug()
            ),
        ));
    }
    Ok(())
}
