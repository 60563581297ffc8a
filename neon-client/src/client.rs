//! The client, its builder, and the one path every request takes: build → authorize → send → classify, inside the
//! shared bounded retry loop of `cloud-http`.

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
    http: reqwest::Client,
    base_url: Url,
    api_key: SecretString,
    org_id: Option<String>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for NeonClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NeonClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("api_key", &"[REDACTED]")
            .field("org_id", &self.inner.org_id)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

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
#[derive(Default)]
pub struct NeonClientBuilder {
    api_key: Option<SecretString>,
    org_id: Option<String>,
    base_url: Option<String>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for NeonClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NeonClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("org_id", &self.org_id)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl NeonClientBuilder {
    /// The Neon API key (sent as `Authorization: Bearer …`).
    pub fn api_key(mut self, key: SecretString) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Creates and lists projects in this organization (`org_id` of `createProject`'s body and of
    /// `listProjects`' query). Needed with a personal key whose user belongs to organizations.
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    /// Overrides the base URL, including its `/api/v2` path (`https`, or plain `http` only on loopback).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sets the per-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the clock used to turn `Retry-After` dates into delays.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent.
    pub fn build(self) -> Result<NeonClient> {
        const OP: &str = "buildClient";
        let api_key = self.api_key.ok_or_else(|| Error::invalid_input(OP, "a Neon API key is required"))?;
        let k = api_key.expose_secret();
        if k.is_empty() {
            return Err(Error::invalid_input(OP, "the Neon API key is empty"));
        }
        if k.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_input(OP, "the Neon API key contains whitespace or control characters"));
        }
        if let Some(org) = &self.org_id {
            check_id(OP, "org id", org)?;
        }
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url =
            cloud_http::validate_base_url(base).map_err(|e| Error::invalid_input(OP, e.to_string()).with_source(e))?;
        let http = reqwest::Client::builder()
            .timeout(self.timeout.unwrap_or(Duration::from_secs(30)))
            .user_agent(concat!("neon-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::invalid_input(OP, format!("could not build the HTTP client: {e}")))?;
        Ok(NeonClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                api_key,
                org_id: self.org_id,
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
    /// Path segments below the base URL, unencoded (`["projects", "p-1", "connection_uri"]`).
    pub segments: Vec<String>,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    /// Whether repeating the call after a lost answer is harmless (gates 5xx / timeout retries).
    pub idempotent: bool,
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
        }
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    pub(crate) fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }
}

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

    fn url(&self, req: &ApiRequest) -> Result<Url> {
        let query = req.query.iter().map(|(k, v)| (*k, v.as_str()));
        cloud_http::endpoint::join(&self.inner.base_url, &req.segments, query)
            .ok_or_else(|| Error::invalid_input(req.operation, "the base URL cannot carry a path"))
    }

    /// Classifies a non-2xx answer. Neon's error body is `{"code": "…", "message": "…"}` (the "standard Neon API
    /// error response": `message` required, `code` optional, API reference); the request id comes in the
    /// `X-Neon-Ret-Request-ID` header (neondatabase/neon `ReturnRequestIDHeader`).
    fn service_error(&self, req: &ApiRequest, response: &RawResponse) -> Error {
        let status = response.status.as_u16();
        let key = self.inner.api_key.expose_secret();
        let clean = |s: &str| scrub(s, [key]);
        let mut meta = ErrorMetadata::new(status);
        if let Some(id) = response.header("x-neon-ret-request-id") {
            meta = meta.with_request_id(id);
        }
        match serde_json::from_slice::<serde_json::Value>(&response.body).ok().as_ref().and_then(|v| v.as_object()) {
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
            None if !response.body.is_empty() => {
                let snippet: String = response.text_lossy().chars().take(200).collect();
                meta = meta.with_message(clean(&snippet));
            }
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
        let asked = || cloud_http::driver::retry_after_or_backoff(&response.headers, self.inner.clock.now());
        let retry = match status {
            // Refused without doing anything: safe to repeat whatever the method.
            423 | 429 => asked(),
            500 | 502 | 503 | 504 if req.idempotent => asked(),
            _ => RetryDecision::DoNotRetry,
        };
        Error::new(kind, req.operation).with_metadata(meta).with_retry(retry)
    }

    /// Sends `req` and decodes a JSON body (a failure names the operation and the field's path, never a value:
    /// answers carry passwords).
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T> {
        driver::json(&Wire(self), &req).await
    }
}

/// Neon's side of the shared driver: bearer authentication, the JSON error envelope, and which answers may be
/// repeated (423 and 429 always: nothing was done; 5xx only for idempotent requests).
struct Wire<'a>(&'a NeonClient);

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
        let key = inner.api_key.expose_secret();
        let request = driver::bearer_json(self, req.method.clone(), url, key, req.body.as_ref(), req.operation)?;
        Ok((request, ()))
    }

    async fn classify(&self, req: &ApiRequest, _: &(), response: &RawResponse) -> Error {
        self.0.service_error(req, response)
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
