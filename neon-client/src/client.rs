//! The client, its builder, and the one path every request takes: build → authorize → send → classify, inside the
//! shared bounded retry loop of `cloud-http`.

use crate::error::{Error, ErrorKind, Result};
use crate::projects::ProjectsHandler;
use cloud_http::RawResponse;
use cloud_http::api::{self, ClientProfile, ClientSettings, Connection, Json, JsonApi, JsonRequest};
use cloud_http::driver;
use cloud_http::redact::scrub;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;

/// Neon's public API endpoint, API version 2 ("All API requests use this base URL:
/// `https://console.neon.tech/api/v2/`", Neon API "Get started").
pub const DEFAULT_BASE_URL: &str = "https://console.neon.tech/api/v2";

/// The largest answer read (4 MiB; a project with its branches is a few KB).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A typed client for the Neon API v2. Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// # async fn demo() -> neon_client::Result<()> {
/// use secrecy::SecretString;
/// let neon = neon_client::NeonClient::builder().api_key(SecretString::from("napi_…")).build()?;
/// let projects = neon.projects().list(None).await?;
/// # let _ = projects;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct NeonClient {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connection,
    org_id: Option<String>,
}

impl fmt::Debug for NeonClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NeonClient").field("connection", &self.inner.conn).field("org_id", &self.inner.org_id).finish()
    }
}

/// How `neon-client` fills in the shared [`ClientSettings`].
const PROFILE: ClientProfile = ClientProfile {
    credential: "Neon API key",
    default_base_url: DEFAULT_BASE_URL,
    user_agent: concat!("neon-client/", env!("CARGO_PKG_VERSION")),
};

/// Builds a [`NeonClient`]. Only the API key is required.
///
/// ```
/// use secrecy::SecretString;
/// let neon = neon_client::NeonClient::builder()
///     .api_key(SecretString::from("napi_secret"))
///     .base_url("http://127.0.0.1:9/api/v2")
///     .build()
///     .unwrap();
/// assert!(!format!("{neon:?}").contains("napi_secret"));
/// // Plain http is only for a loopback simulator.
/// assert!(neon_client::NeonClient::builder().api_key(SecretString::from("k")).base_url("http://example.com").build().is_err());
/// assert!(neon_client::NeonClient::builder().build().is_err());
/// ```
#[derive(Default, Debug)]
pub struct NeonClientBuilder {
    settings: ClientSettings,
    org_id: Option<String>,
}

impl NeonClientBuilder {
    cloud_http::client_settings_setters! {
        settings;
        /// The Neon API key (sent as `Authorization: Bearer …`).
        token: api_key;
        /// Overrides the base URL, including its `/api/v2` path (`https`, or plain `http` only on loopback).
        base_url;
    }

    /// Creates and lists projects in this organization (`org_id` of `createProject`'s body and of
    /// `listProjects`' query). Needed with a personal key whose user belongs to organizations.
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    /// Checks the configuration (the shared [`ClientSettings::build_checking`], then the org id) and builds the
    /// client. Nothing is sent.
    pub fn build(self) -> Result<NeonClient> {
        let org_id = self.org_id;
        let conn = self.settings.build_checking(&PROFILE, || match &org_id {
            Some(org) => check_id("buildClient", "org id", org),
            None => Ok(()),
        })?;
        Ok(NeonClient { inner: Arc::new(Inner { conn, org_id }) })
    }
}

/// One API call, described independently of any attempt so that each attempt is rebuilt from it.
pub(crate) type ApiRequest = JsonRequest;

impl NeonClient {
    /// Starts building a client.
    pub fn builder() -> NeonClientBuilder {
        NeonClientBuilder::default()
    }

    /// Projects: create, get, list, find by name, delete; branches, databases, connection URIs.
    pub fn projects(&self) -> ProjectsHandler<'_> {
        ProjectsHandler::new(self)
    }

    pub(crate) fn org_id(&self) -> Option<&str> {
        self.inner.org_id.as_deref()
    }

    /// Classifies a non-2xx answer. Neon's error body is `{"code": "…", "message": "…"}` (the "standard Neon API
    /// error response": `message` required, `code` optional, API reference); the request id comes in the
    /// `X-Neon-Ret-Request-ID` header (neondatabase/neon `ReturnRequestIDHeader`).
    fn service_error(&self, req: &ApiRequest, response: &RawResponse) -> Error {
        let status = response.status.as_u16();
        let key = self.inner.conn.token.expose_secret();
        let clean = |s: &str| scrub(s, [key]);
        let (mut meta, body) = api::error_metadata(response, "x-neon-ret-request-id");
        match body.as_ref().and_then(|v| v.as_object()) {
            Some(obj) => {
                if let Some(code) = obj.get("code").and_then(|c| c.as_str()).filter(|c| !c.is_empty()) {
                    meta = meta.with_code(code);
                }
                if let Some(message) = obj.get("message").and_then(|c| c.as_str()) {
                    meta = meta.with_message(clean(message));
                }
                if meta.request_id().is_none()
                    && let Some(id) = obj.get("request_id").and_then(|c| c.as_str())
                {
                    meta = meta.with_request_id(id);
                }
            }
            None if !response.body.is_empty() => meta = meta.with_message(api::error_snippet(response, [key])),
            None => {}
        }
        let kind = match status {
            400 | 422 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            423 => ErrorKind::Locked,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Service,
        };
        let now = self.inner.conn.clock.now();
        let retry = match status {
            // Refused without doing anything: safe to repeat whatever the method.
            423 | 429 => driver::retry_after_or_backoff(&response.headers, now),
            _ => api::server_error_retry(status, req.idempotent, &response.headers, now),
        };
        Error::new(kind, req.operation).with_metadata(meta).with_retry(retry)
    }

    /// Sends `req` and decodes a JSON body (a failure names the operation and the field's path, never a value:
    /// answers carry passwords).
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T> {
        driver::json(&Json(self), &req).await
    }
}

/// Neon's side of the shared driver: bearer authentication, the JSON error envelope, and which answers may be
/// repeated (423 and 429 always: nothing was done; 5xx only for idempotent requests).
impl JsonApi for NeonClient {
    type Kind = ErrorKind;
    type Error = Error;
    const MAX_BODY: usize = MAX_BODY;

    fn connection(&self) -> &Connection {
        &self.inner.conn
    }

    fn classify(&self, req: &ApiRequest, response: &RawResponse) -> Error {
        self.service_error(req, response)
    }
}

/// Checks a path identifier (project id, branch id, names) before sending.
pub(crate) fn check_id(operation: &'static str, what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(operation, format!("{what} must not be empty")));
    }
    if value.len() > 256 || value.chars().any(|c| c.is_control() || c == '/' || c == '?' || c == '#') {
        return Err(Error::invalid_input(
            operation,
            format!("{what} `{}` must not contain control characters, `/`, `?` or `#`", value.escape_debug()),
        ));
    }
    Ok(())
}
