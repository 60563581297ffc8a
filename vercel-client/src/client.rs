//! The client, its builder, and the one path every request takes: build → authorize → send → classify, inside the
//! shared bounded retry loop.

use crate::deployments::DeploymentsHandler;
use crate::domains::DomainsHandler;
use crate::env::EnvHandler;
use crate::env::NewEnvVar;
use crate::env_sync::SyncEnv;
use crate::error::{Error, ErrorKind, Result};
use crate::projects::ProjectsHandler;
use cloud_http::RawResponse;
use cloud_http::api::{self, ClientProfile, ClientSettings, Connection, Json, JsonApi, JsonRequest};
use cloud_http::driver;
use cloud_http::redact::scrub;
use cloud_http::retry::RetryDecision;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;

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
    conn: Connection,
    team_id: Option<String>,
    team_slug: Option<String>,
}

impl fmt::Debug for VercelClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VercelClient")
            .field("connection", &self.inner.conn)
            .field("team_id", &self.inner.team_id)
            .field("team_slug", &self.inner.team_slug)
            .finish()
    }
}

/// How `vercel-client` fills in the shared [`ClientSettings`].
const PROFILE: ClientProfile = ClientProfile {
    credential: "Vercel access token",
    default_base_url: DEFAULT_BASE_URL,
    user_agent: concat!("vercel-client/", env!("CARGO_PKG_VERSION")),
};

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
#[derive(Default, Debug)]
pub struct VercelClientBuilder {
    settings: ClientSettings,
    team_id: Option<String>,
    team_slug: Option<String>,
}

impl VercelClientBuilder {
    cloud_http::client_settings_setters! {
        settings;
        /// The Vercel access token (sent as `Authorization: Bearer …`).
        token: token;
        /// Overrides the base URL (`https`, or plain `http` only for a loopback simulator).
        base_url;
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

    /// Uses this `reqwest` client instead of building one (the [`timeout`](Self::timeout) is then not used).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.settings.http = Some(client);
        self
    }

    /// Checks the configuration (the shared [`ClientSettings::build_checking`], then the team scope) and builds
    /// the client. Nothing is sent.
    pub fn build(self) -> Result<VercelClient> {
        let (team_id, team_slug) = (self.team_id, self.team_slug);
        let conn = self.settings.build_checking::<ErrorKind>(&PROFILE, || {
            for (what, value) in [("team id", &team_id), ("team slug", &team_slug)] {
                if let Some(v) = value
                    && (v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                {
                    return Err(cloud_http::ServiceError::invalid_input(
                        "buildClient",
                        format!("{what} `{v}` must be non-empty ASCII letters, digits, `_` or `-`"),
                    ));
                }
            }
            Ok(())
        })?;
        Ok(VercelClient { inner: Arc::new(Inner { conn, team_id, team_slug }) })
    }
}

/// One API call, described independently of any attempt so that each attempt is rebuilt from it.
pub(crate) type ApiRequest = JsonRequest;

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

    pub(crate) fn service_error(&self, req: &ApiRequest, response: &RawResponse) -> Error {
        let status = response.status.as_u16();
        let secrets: Vec<&str> = req
            .secrets
            .iter()
            .map(|s| s.expose_secret())
            .chain(std::iter::once(self.inner.conn.token.expose_secret()))
            .collect();
        let clean = |s: &str| scrub(s, secrets.iter().copied());
        let (mut meta, parsed) = api::error_metadata(response, "x-vercel-id");
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
            meta = meta.with_message(api::error_snippet(response, secrets.iter().copied()));
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
                let now = self.inner.conn.clock.now();
                let delay = cloud_http::rate_limit::retry_after(&response.headers, now)
                    .or_else(|| limit_reset.map(|r| cloud_http::rate_limit::until_epoch(r, now)))
                    .or_else(|| cloud_http::rate_limit::reset_header(&response.headers, "x-ratelimit-reset", now));
                match delay {
                    Some(d) => RetryDecision::RetryAfter(d),
                    None => RetryDecision::Retry,
                }
            }
            _ => api::server_error_retry(status, req.idempotent, &response.headers, self.inner.conn.clock.now()),
        };
        Error::new(kind, req.operation).with_metadata(meta).with_retry(retry)
    }

    /// Sends `req` and decodes a JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T> {
        driver::json(&Json(self), &req).await
    }

    /// Sends `req`, ignoring any body (204, or 200/201 without JSON).
    pub(crate) async fn no_content(&self, req: ApiRequest) -> Result<()> {
        driver::no_content(&Json(self), &req).await
    }
}

/// Vercel's side of the shared driver: bearer authentication with the team scope in the query, the
/// `{"error": {…}}` envelope, and which answers may be repeated (429 always; 5xx only for idempotent requests).
impl JsonApi for VercelClient {
    type Kind = ErrorKind;
    type Error = Error;
    const MAX_BODY: usize = MAX_BODY;

    fn connection(&self) -> &Connection {
        &self.inner.conn
    }

    fn scope(&self) -> Vec<(&'static str, &str)> {
        let id = self.inner.team_id.as_deref().map(|t| ("teamId", t));
        id.into_iter().chain(self.inner.team_slug.as_deref().map(|s| ("slug", s))).collect()
    }

    fn classify(&self, req: &ApiRequest, response: &RawResponse) -> Error {
        self.service_error(req, response)
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
