//! The pieces every bearer-token JSON REST client (Vercel, Neon, GitHub) repeats, written once:
//!
//! - [`JsonRequest`]: one API call — operation name, method, unencoded path segments, query pairs, an optional
//!   JSON body, whether it is idempotent and which secrets it carries — from which the driver rebuilds every
//!   attempt ([`JsonRequest::build`]: URL by [`endpoint::join`](crate::endpoint::join), then
//!   [`driver::bearer_json`]).
//! - [`ClientSettings`]: what a client builder collects (token, base URL, retry policy, timeout, clock, an own
//!   `reqwest::Client`), with the one validation ([`ClientSettings::build`]) that turns it into a
//!   [`Connection`]; [`client_settings_setters!`](crate::client_settings_setters) writes the builder's
//!   same-shape setters.
//! - [`JsonApi`] and its driver adapter [`Json`]: a client says what is its own (its [`Connection`], a scope in
//!   every query, extra headers, how it reads an error answer) and the shared [`Service`] does the rest.
//!
//! Bearer authentication is RFC 6750 §2.1 (`Authorization: Bearer <token>`); a token is an RFC 6750 `b64token`,
//! so it never holds whitespace or control characters, which is what [`ClientSettings::build`] checks before
//! anything is sent.
//!
//! ```
//! use cloud_http::api::{ClientProfile, ClientSettings, JsonRequest};
//! use cloud_http::{ServiceError, ServiceErrorKind, TransportErrorKind};
//! use secrecy::SecretString;
//!
//! #[derive(Debug, Clone, PartialEq, Eq)]
//! enum Kind { InvalidInput, Transport(TransportErrorKind), Decode }
//! impl ServiceErrorKind for Kind {
//!     const INVALID_INPUT: Self = Kind::InvalidInput;
//!     const DECODE: Self = Kind::Decode;
//!     const TRANSPORT: fn(TransportErrorKind) -> Self = Kind::Transport;
//! }
//!
//! const PROFILE: ClientProfile =
//!     ClientProfile { credential: "Demo token", default_base_url: "https://api.example.com", user_agent: "demo/1" };
//! let settings = ClientSettings { token: Some(SecretString::from("t0k")), ..ClientSettings::default() };
//! let conn = settings.build::<Kind>(&PROFILE).unwrap();
//! let req = JsonRequest::new("getThing", http::Method::GET, &["v1", "things", "a b"]).query("limit", 10);
//! let url = req.url::<Kind>(&conn.base_url, None::<(&str, &str)>).unwrap();
//! assert_eq!(url.as_str(), "https://api.example.com/v1/things/a%20b?limit=10");
//! assert!(req.idempotent);
//! ```

use crate::clock::{Clock, SystemClock};
use crate::driver::{self, CallInfo, Channel, DecodeError, Service};
use crate::retry::{RetryDecision, RetryPolicy, Retryable};
use crate::service_error::{ServiceError, ServiceErrorKind};
use crate::transport::RawResponse;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// One JSON API call, described independently of any attempt so that each attempt is rebuilt (and
/// re-authorized) from it.
///
/// `Debug` shows only whether there is a body (a body may hold secret values) and never the secrets.
///
/// ```
/// use cloud_http::api::JsonRequest;
/// use http::Method;
/// let req = JsonRequest::new("createProject", Method::POST, &["projects"])
///     .body(serde_json::json!({ "name": "chat" }))
///     .query_opt("teamId", None::<&str>);
/// assert!(!req.idempotent, "a POST is not repeated after a lost answer");
/// assert!(JsonRequest::new("updateProject", Method::PATCH, &["projects", "p"]).idempotent);
/// assert!(!format!("{req:?}").contains("chat"));
/// ```
#[derive(Clone)]
pub struct JsonRequest {
    /// The operation's name (the service's operation id: `createProject`, `repos/get`, …).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// Path segments below the base URL, unencoded (`["v9", "projects", "my project"]`).
    pub segments: Vec<String>,
    /// Query pairs, unencoded, in order.
    pub query: Vec<(&'static str, String)>,
    /// The JSON body, if any.
    pub body: Option<serde_json::Value>,
    /// Whether repeating the call after a lost answer is harmless (gates 5xx / timeout retries).
    pub idempotent: bool,
    /// Secrets in the body, to scrub from any server message that might echo them.
    pub secrets: Vec<SecretString>,
}

impl fmt::Debug for JsonRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("segments", &self.segments)
            .field("query", &self.query)
            .field("body", &self.body.as_ref().map(|_| "[REDACTED]"))
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

impl JsonRequest {
    /// A call of `operation` with no query and no body. It counts as idempotent unless the method is `POST`
    /// (a create); change that with [`idempotent`](Self::idempotent).
    pub fn new(operation: &'static str, method: Method, segments: &[&str]) -> Self {
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

    /// Appends a query pair.
    pub fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    /// Appends a query pair when `value` is given.
    pub fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Sets whether repeating the call after a lost answer is harmless.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Records the secrets the body carries (scrubbed from error messages).
    pub fn secrets(mut self, secrets: Vec<SecretString>) -> Self {
        self.secrets = secrets;
        self
    }

    /// The operation's name and idempotence, for [`Service::call_info`].
    pub fn call_info(&self) -> CallInfo {
        CallInfo::new(self.operation, self.idempotent)
    }

    /// The call's URL: `base`, the segments (each percent-encoded as one segment), the query pairs and then
    /// `scope` (pairs every call of the client carries, such as Vercel's `teamId`).
    ///
    /// # Errors
    /// An invalid-input error when `base` cannot carry a path (never for a URL
    /// [`validate_base_url`](crate::validate_base_url) accepted).
    pub fn url<K: ServiceErrorKind>(
        &self,
        base: &Url,
        scope: impl IntoIterator<Item = (impl AsRef<str>, impl AsRef<str>)>,
    ) -> Result<Url, ServiceError<K>> {
        let own = self.query.iter().map(|(k, v)| (k.to_string(), v.clone()));
        let scope = scope.into_iter().map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()));
        crate::endpoint::join(base, &self.segments, own.chain(scope))
            .ok_or_else(|| ServiceError::invalid_input(self.operation, "the base URL cannot carry a path"))
    }

    /// Builds one attempt on `service`'s HTTP client: the [`url`](Self::url) under `base` with `scope`, then
    /// [`driver::bearer_json`] (`Authorization: Bearer {token}`, `Accept: application/json`, the JSON body).
    pub fn build<S: Service + ?Sized>(
        &self,
        service: &S,
        base: &Url,
        token: &str,
        scope: impl IntoIterator<Item = (impl AsRef<str>, impl AsRef<str>)>,
    ) -> Result<reqwest::Request, S::Error> {
        let url = self.url::<S::Kind>(base, scope).map_err(S::Error::from)?;
        driver::bearer_json(service, self.method.clone(), url, token, self.body.as_ref(), self.operation)
    }
}

/// What differs between clients in [`ClientSettings::build`]: how the credential is called in errors, the
/// default base URL and the `User-Agent` sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientProfile {
    /// The credential's name in error messages (`Neon API key`, `Vercel access token`, `GitHub token`).
    pub credential: &'static str,
    /// The base URL when none is set.
    pub default_base_url: &'static str,
    /// The `User-Agent` header of the client built here (`neon-client/0.1.0`).
    pub user_agent: &'static str,
}

/// The settings every bearer-token client builder collects, before validation. `Debug` never shows the token.
///
/// ```
/// use cloud_http::api::ClientSettings;
/// let s = ClientSettings { token: Some(secrecy::SecretString::from("hunter2")), ..Default::default() };
/// assert!(!format!("{s:?}").contains("hunter2"));
/// ```
#[derive(Clone, Default)]
pub struct ClientSettings {
    /// The bearer token (required).
    pub token: Option<SecretString>,
    /// The base URL (default: the profile's).
    pub base_url: Option<String>,
    /// The retry policy (default: [`RetryPolicy::default`]).
    pub retry: Option<RetryPolicy>,
    /// The per-request timeout (default [`ClientSettings::DEFAULT_TIMEOUT`]); not used with [`http`](Self::http).
    pub timeout: Option<Duration>,
    /// The clock that turns `Retry-After` dates and rate-limit resets into delays (default [`SystemClock`]).
    pub clock: Option<Arc<dyn Clock>>,
    /// A `reqwest` client to use instead of building one.
    pub http: Option<reqwest::Client>,
}

impl fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSettings")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ClientSettings {
    /// The per-request timeout when none is set.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// Checks the settings and builds the [`Connection`]; nothing is sent. Same as
    /// [`build_checking`](Self::build_checking) with no checks of the client's own.
    pub fn build<K: ServiceErrorKind>(self, profile: &ClientProfile) -> Result<Connection, ServiceError<K>> {
        self.build_checking(profile, || Ok(()))
    }

    /// Checks the settings and builds the [`Connection`]; nothing is sent. In order: the token is present,
    /// non-empty and free of whitespace and control characters (RFC 6750 `b64token`); then `checks` (the
    /// client's own settings, such as a team id); then the base URL ([`validate_base_url`](crate::validate_base_url):
    /// `https`, or plain `http` only on loopback); then the `reqwest` client (timeout and user agent).
    ///
    /// # Errors
    /// An invalid-input error of operation `buildClient` naming what was wrong (never the token).
    ///
    /// ```
    /// use cloud_http::api::{ClientProfile, ClientSettings};
    /// # #[derive(Debug, Clone, PartialEq, Eq)] enum Kind { InvalidInput, Transport(cloud_http::TransportErrorKind), Decode }
    /// # impl cloud_http::ServiceErrorKind for Kind {
    /// #     const INVALID_INPUT: Self = Kind::InvalidInput; const DECODE: Self = Kind::Decode;
    /// #     const TRANSPORT: fn(cloud_http::TransportErrorKind) -> Self = Kind::Transport;
    /// # }
    /// const P: ClientProfile = ClientProfile { credential: "Demo token", default_base_url: "https://x.test", user_agent: "d/1" };
    /// let e = ClientSettings::default().build::<Kind>(&P).unwrap_err();
    /// assert_eq!(e.detail(), Some("a Demo token is required"));
    /// let bad = ClientSettings { token: Some("a b".into()), ..Default::default() };
    /// assert!(bad.build::<Kind>(&P).unwrap_err().to_string().contains("whitespace"));
    /// let http = ClientSettings { token: Some("t".into()), base_url: Some("http://example.com".into()), ..Default::default() };
    /// assert!(http.build::<Kind>(&P).is_err());
    /// ```
    pub fn build_checking<K: ServiceErrorKind>(
        self,
        profile: &ClientProfile,
        checks: impl FnOnce() -> Result<(), ServiceError<K>>,
    ) -> Result<Connection, ServiceError<K>> {
        const OP: &str = "buildClient";
        let what = profile.credential;
        let token = self.token.ok_or_else(|| ServiceError::invalid_input(OP, format!("a {what} is required")))?;
        let t = token.expose_secret();
        if t.is_empty() {
            return Err(ServiceError::invalid_input(OP, format!("the {what} is empty")));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ServiceError::invalid_input(
                OP,
                format!("the {what} contains whitespace or control characters"),
            ));
        }
        checks()?;
        let base = self.base_url.as_deref().unwrap_or(profile.default_base_url);
        let base_url = crate::validate_base_url(base)
            .map_err(|e| ServiceError::invalid_input(OP, e.to_string()).with_source(e))?;
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .timeout(self.timeout.unwrap_or(Self::DEFAULT_TIMEOUT))
                .user_agent(profile.user_agent)
                .build()
                .map_err(|e| ServiceError::invalid_input(OP, format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Connection {
            http,
            base_url,
            token,
            retry: self.retry.unwrap_or_default(),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
        })
    }
}

/// A checked [`ClientSettings`]: what a client sends with. `Debug` never shows the token.
#[derive(Clone)]
pub struct Connection {
    /// The HTTP client (timeout and user agent set).
    pub http: reqwest::Client,
    /// The checked base URL.
    pub base_url: Url,
    /// The bearer token.
    pub token: SecretString,
    /// The retry policy.
    pub retry: RetryPolicy,
    /// The clock for `Retry-After` dates and rate-limit resets.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("base_url", &self.base_url.as_str())
            .field("token", &"[REDACTED]")
            .field("retry", &self.retry)
            .finish()
    }
}

impl Connection {
    /// The driver's [`Channel`] over this connection, reading at most `max_body` bytes of an answer.
    pub fn channel(&self, max_body: usize) -> Channel<'_> {
        Channel::new(&self.http, &self.retry).max_body(max_body)
    }

    /// Builds one attempt of `request` under this connection's base URL and token ([`JsonRequest::build`]).
    pub fn build<S: Service + ?Sized>(
        &self,
        service: &S,
        request: &JsonRequest,
        scope: impl IntoIterator<Item = (impl AsRef<str>, impl AsRef<str>)>,
    ) -> Result<reqwest::Request, S::Error> {
        request.build(service, &self.base_url, self.token.expose_secret(), scope)
    }
}

/// Writes a client builder's setters for the [`ClientSettings`] it holds in the field `$field`: `retry_policy`,
/// `timeout` and `clock`, each documented; with the longer form also the token setter (named by the client:
/// `token`, `api_key`) and `base_url`, with the client's own docs (what the token is, what the base URL's path
/// must be).
///
/// ```
/// use cloud_http::api::ClientSettings;
/// #[derive(Default)]
/// pub struct DemoBuilder { settings: ClientSettings }
/// impl DemoBuilder {
///     cloud_http::client_settings_setters! {
///         settings;
///         /// The demo API key.
///         token: api_key;
///         /// Overrides the base URL.
///         base_url;
///     }
/// }
/// let b = DemoBuilder::default().api_key("k".into()).base_url("https://x.test").timeout(std::time::Duration::from_secs(5));
/// assert_eq!(b.settings.timeout, Some(std::time::Duration::from_secs(5)));
/// assert_eq!(b.settings.base_url.as_deref(), Some("https://x.test"));
/// ```
#[macro_export]
macro_rules! client_settings_setters {
    ($field:ident; $(#[$tdoc:meta])* token: $token:ident; $(#[$bdoc:meta])* base_url;) => {
        $(#[$tdoc])*
        pub fn $token(mut self, token: $crate::secrecy::SecretString) -> Self {
            self.$field.token = Some(token);
            self
        }

        $(#[$bdoc])*
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.$field.base_url = Some(url.into());
            self
        }

        $crate::client_settings_setters!($field);
    };
    ($field:ident) => {
        /// Sets the retry policy (default: `RetryPolicy::default()`).
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.$field.retry = Some(policy);
            self
        }

        /// Sets the per-request timeout (default 30 s; not used with a `reqwest::Client` of the caller's).
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.$field.timeout = Some(timeout);
            self
        }

        /// Sets the clock used to turn `Retry-After` dates and rate-limit reset times into delays.
        pub fn clock(mut self, clock: std::sync::Arc<dyn $crate::Clock>) -> Self {
            self.$field.clock = Some(clock);
            self
        }
    };
}

/// A bearer-token JSON client's side of the shared driver: only what differs between clients. [`Json`] turns
/// it into a [`Service`] (build every attempt from the [`JsonRequest`] with [`Connection::build`], send, and
/// hand a non-2xx answer to [`classify`](Self::classify)).
///
/// ```
/// use cloud_http::api::{ClientProfile, ClientSettings, Connection, Json, JsonApi, JsonRequest};
/// use cloud_http::{RawResponse, ServiceError, ServiceErrorKind, TransportErrorKind};
/// # #[derive(Debug, Clone, PartialEq, Eq)] enum Kind { InvalidInput, Server, Transport(TransportErrorKind), Decode }
/// # impl ServiceErrorKind for Kind {
/// #     const INVALID_INPUT: Self = Kind::InvalidInput; const DECODE: Self = Kind::Decode;
/// #     const TRANSPORT: fn(TransportErrorKind) -> Self = Kind::Transport;
/// # }
/// struct Demo(Connection);
/// impl JsonApi for Demo {
///     type Kind = Kind;
///     type Error = ServiceError<Kind>;
///     fn connection(&self) -> &Connection { &self.0 }
///     fn classify(&self, req: &JsonRequest, raw: &RawResponse) -> Self::Error {
///         ServiceError::new(Kind::Server, req.operation)
///     }
/// }
/// # async fn demo(api: Demo) -> Result<(), ServiceError<Kind>> {
/// let thing: serde_json::Value =
///     cloud_http::driver::json(&Json(&api), &JsonRequest::new("getThing", http::Method::GET, &["things", "1"])).await?;
/// # Ok(()) }
/// ```
pub trait JsonApi: Sync {
    /// The client's error kind.
    type Kind: ServiceErrorKind;
    /// The client's error (the shared [`ServiceError`] or a newtype over it).
    type Error: From<ServiceError<Self::Kind>> + From<DecodeError> + Retryable + fmt::Display + Send;

    /// The largest answer read, in bytes.
    const MAX_BODY: usize = crate::transport::DEFAULT_MAX_BODY;

    /// The checked settings to send with.
    fn connection(&self) -> &Connection;

    /// Query pairs every call carries after its own (Vercel's `teamId`). Default: none.
    fn scope(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }

    /// Whether repeating `request` after a lost answer is harmless. Default: [`JsonRequest::idempotent`].
    fn idempotent(&self, request: &JsonRequest) -> bool {
        request.idempotent
    }

    /// Adds the client's own headers to one built attempt (GitHub's `Accept` and API version). Default: none.
    fn decorate(&self, request: &mut reqwest::Request) {
        let _ = request;
    }

    /// Turns a non-2xx answer into the client's error, with its metadata and retry hint.
    fn classify(&self, request: &JsonRequest, response: &RawResponse) -> Self::Error;
}

/// The [`Service`] of a [`JsonApi`] client: `driver::json(&Json(client), &request)`.
#[derive(Debug, Clone, Copy)]
pub struct Json<'a, C: ?Sized>(pub &'a C);

impl<C: JsonApi + ?Sized> Service for Json<'_, C> {
    type Request = JsonRequest;
    type Kind = C::Kind;
    type Error = C::Error;
    type Attempt = ();
    type CallState = ();

    fn channel(&self) -> Channel<'_> {
        self.0.connection().channel(C::MAX_BODY)
    }

    fn call_info(&self, request: &JsonRequest) -> CallInfo {
        CallInfo::new(request.operation, self.0.idempotent(request))
    }

    async fn prepare(&self, request: &JsonRequest) -> Result<(reqwest::Request, ()), C::Error> {
        let mut built = self.0.connection().build(self, request, self.0.scope())?;
        self.0.decorate(&mut built);
        Ok((built, ()))
    }

    async fn classify(&self, request: &JsonRequest, _: &(), response: &RawResponse) -> C::Error {
        self.0.classify(request, response)
    }
}

/// The start of every JSON client's error metadata: the status, the request id from the `request_id_header`
/// (`x-vercel-id`, `x-github-request-id`, `X-Neon-Ret-Request-ID`) and the answer's body parsed as JSON (`None`
/// when it is not JSON); the client then reads its own error envelope from the body.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-request-id", "r-1".parse().unwrap());
/// let raw = cloud_http::RawResponse::new(http::StatusCode::NOT_FOUND, headers, r#"{"message":"gone"}"#.into());
/// let (meta, body) = cloud_http::api::error_metadata(&raw, "x-request-id");
/// assert_eq!((meta.status, meta.request_id()), (404, Some("r-1")));
/// assert_eq!(body.unwrap()["message"], "gone");
/// ```
pub fn error_metadata(
    response: &RawResponse,
    request_id_header: &str,
) -> (crate::ErrorMetadata, Option<serde_json::Value>) {
    let mut meta = crate::ErrorMetadata::new(response.status.as_u16());
    if let Some(id) = response.header(request_id_header) {
        meta = meta.with_request_id(id);
    }
    (meta, serde_json::from_slice(&response.body).ok())
}

/// The first 200 characters of a non-JSON error answer, with `secrets` scrubbed from the whole text first (a
/// cut made first could split a secret and leave a part that no longer matches).
///
/// ```
/// let raw = cloud_http::RawResponse::new(http::StatusCode::BAD_GATEWAY, http::HeaderMap::new(), "bad tok3n".into());
/// assert_eq!(cloud_http::api::error_snippet(&raw, ["tok3n"]), "bad [REDACTED]");
/// ```
pub fn error_snippet<'a>(response: &RawResponse, secrets: impl IntoIterator<Item = &'a str>) -> String {
    crate::redact::scrub(&response.text_lossy(), secrets).chars().take(200).collect()
}

/// The retry hint of a 5xx answer (500, 502, 503, 504): the server's `Retry-After` or the policy's backoff when
/// the request is idempotent, else none — a create whose outcome is unknown is looked up before it is repeated.
///
/// ```
/// use cloud_http::RetryDecision;
/// let h = http::HeaderMap::new();
/// assert_eq!(cloud_http::api::server_error_retry(503, true, &h, chrono::Utc::now()), RetryDecision::Retry);
/// assert_eq!(cloud_http::api::server_error_retry(503, false, &h, chrono::Utc::now()), RetryDecision::DoNotRetry);
/// assert_eq!(cloud_http::api::server_error_retry(501, true, &h, chrono::Utc::now()), RetryDecision::DoNotRetry);
/// ```
pub fn server_error_retry(status: u16, idempotent: bool, headers: &HeaderMap, now: DateTime<Utc>) -> RetryDecision {
    match status {
        500 | 502 | 503 | 504 if idempotent => driver::retry_after_or_backoff(headers, now),
        _ => RetryDecision::DoNotRetry,
    }
}

#[cfg(test)]
mod tests {
    //! The shared JSON client pieces against a wiremock server: URL, scope, headers, body, retries by idempotence.

    use super::*;
    use wiremock::matchers::{body_json, header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    crate::error_kind! {
        /// The test client's kinds: the shared ones and `NotFound` (not all are produced here).
        #[allow(dead_code)]
        enum Kind {
            /// 404.
            NotFound => "not found",
        }
    }

    const PROFILE: ClientProfile =
        ClientProfile { credential: "test token", default_base_url: "https://api.example.com", user_agent: "t/1" };

    struct Demo {
        conn: Connection,
        team: Option<String>,
    }

    impl JsonApi for Demo {
        type Kind = Kind;
        type Error = ServiceError<Kind>;

        fn connection(&self) -> &Connection {
            &self.conn
        }

        fn scope(&self) -> Vec<(&'static str, &str)> {
            self.team.as_deref().map(|t| ("teamId", t)).into_iter().collect()
        }

        fn decorate(&self, request: &mut reqwest::Request) {
            request.headers_mut().insert("x-api-version", http::HeaderValue::from_static("7"));
        }

        fn classify(&self, request: &JsonRequest, response: &RawResponse) -> Self::Error {
            let retry = server_error_retry(
                response.status.as_u16(),
                self.idempotent(request),
                &response.headers,
                self.conn.clock.now(),
            );
            ServiceError::new(Kind::Server, request.operation).with_retry(retry)
        }
    }

    fn demo(server: &MockServer, team: Option<&str>) -> Demo {
        let retry = RetryPolicy::default().with_max_retries(2).with_min_delay(Duration::from_millis(1));
        let settings = ClientSettings {
            token: Some(SecretString::from("s3cret")),
            base_url: Some(format!("{}/api", server.uri())),
            retry: Some(retry),
            ..ClientSettings::default()
        };
        Demo { conn: settings.build::<Kind>(&PROFILE).unwrap(), team: team.map(str::to_string) }
    }

    #[tokio::test]
    async fn builds_url_scope_headers_and_body_once_per_attempt() {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .and(path("/api/v1/things/a%2Fb"))
            .and(query_param("limit", "5"))
            .and(query_param("teamId", "team_1"))
            .and(header("authorization", "Bearer s3cret"))
            .and(header("accept", "application/json"))
            .and(header("x-api-version", "7"))
            .and(body_json(serde_json::json!({ "name": "x" })))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "ok": true })))
            .expect(1)
            .mount(&server)
            .await;
        let api = demo(&server, Some("team_1"));
        let req = JsonRequest::new("putThing", Method::PUT, &["v1", "things", "a/b"])
            .query("limit", 5)
            .body(serde_json::json!({ "name": "x" }));
        let answer: serde_json::Value = driver::json(&Json(&api), &req).await.unwrap();
        assert_eq!(answer["ok"], true);
    }

    #[tokio::test]
    async fn a_503_is_retried_for_an_idempotent_call_only() {
        let server = MockServer::start().await;
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(503)).expect(3).mount(&server).await;
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).expect(1).mount(&server).await;
        let api = demo(&server, None);
        let get = JsonRequest::new("getThing", Method::GET, &["things"]);
        let e = driver::no_content(&Json(&api), &get).await.unwrap_err();
        assert_eq!((e.kind(), e.operation()), (&Kind::Server, "getThing"));
        let post = JsonRequest::new("createThing", Method::POST, &["things"]);
        assert!(driver::no_content(&Json(&api), &post).await.is_err());
    }

    #[test]
    fn settings_refuse_bad_tokens_and_insecure_urls_before_sending() {
        let with = |token: &str, url: Option<&str>| ClientSettings {
            token: Some(SecretString::from(token.to_string())),
            base_url: url.map(str::to_string),
            ..ClientSettings::default()
        };
        let detail = |s: ClientSettings| s.build::<Kind>(&PROFILE).unwrap_err().detail().unwrap_or("").to_string();
        assert_eq!(detail(with("", None)), "the test token is empty");
        assert_eq!(detail(with("a\nb", None)), "the test token contains whitespace or control characters");
        assert!(detail(with("t", Some("http://example.com"))).contains("plain http"));
        let checked = with("t", None).build_checking::<Kind>(&PROFILE, || Err(ServiceError::invalid_input("x", "own")));
        assert_eq!(checked.unwrap_err().detail(), Some("own"));
        let conn = with("t", None).build::<Kind>(&PROFILE).unwrap();
        assert_eq!(conn.base_url.as_str(), "https://api.example.com/");
        assert!(!format!("{conn:?}").contains("\"t\""));
    }
}
