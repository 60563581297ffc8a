//! [`RamClient`]: configuration, and RAM's side of the shared request driver ([`cloud_http::driver`]) — retry
//! above build → sign → send, with a fresh `SignatureNonce` and timestamp for every attempt.

use super::service_error;
use super::signing::{self, NonceSource, RAM_API_VERSION, RandomNonce, RpcMethod, SignatureVersion};
use crate::{Credentials, Error, ErrorKind};
use cloud_http::driver::{self, CallInfo, Channel, Service};
use cloud_http::retry::{RetryDecision, Retryable};
use cloud_http::transport::DEFAULT_MAX_BODY;
use cloud_http::{Clock, RawResponse, RetryPolicy, SkewCorrectedClock, SystemClock, TransportErrorKind};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

use super::encoding::percent_encode;

/// The public RAM endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://ram.aliyuncs.com";

/// The default timeout of one attempt (connect, send and read).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A typed RAM client. Cheap to clone (the state is shared).
///
/// ```no_run
/// use oss_client::{Credentials, ram::{RamClient, PolicyDocument, PolicyType}};
/// # async fn demo() -> oss_client::Result<()> {
/// let ram = RamClient::new(Credentials::from_env().expect("credentials"))?;
/// ram.users().create("lobehub-oss").display_name("LobeHub OSS").send().await?;
/// let doc = PolicyDocument::oss_bucket_objects("lobehub-assets")?;
/// ram.policies().create("lobehub-oss-rw", &doc).description("LobeHub bucket access").send().await?;
/// ram.user_policies("lobehub-oss").attach(PolicyType::Custom, "lobehub-oss-rw").send().await?;
/// let key = ram.access_keys("lobehub-oss").create().send().await?;
/// println!("new key {}", key.access_key_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RamClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Url,
    host: String,
    credentials: Credentials,
    signature_version: SignatureVersion,
    rpc_method: RpcMethod,
    retry: RetryPolicy,
    clock: SkewCorrectedClock,
    nonce: Arc<dyn NonceSource>,
    max_body: usize,
}

impl fmt::Debug for RamClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamClient")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("signature_version", &self.inner.signature_version)
            .field("rpc_method", &self.inner.rpc_method)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

/// Builds a [`RamClient`].
///
/// ```
/// use oss_client::{Credentials, ram::{RamClient, SignatureVersion, RpcMethod}};
/// use cloud_http::RetryPolicy;
/// let ram = RamClient::builder()
///     .credentials(Credentials::new("LTAI5tExample", "secret"))
///     .endpoint("http://127.0.0.1:9000")
///     .signature_version(SignatureVersion::V2)
///     .rpc_method(RpcMethod::Get)
///     .retry_policy(RetryPolicy::default().with_max_retries(3))
///     .build()
///     .unwrap();
/// assert_eq!(ram.endpoint().as_str(), "http://127.0.0.1:9000/");
/// assert!(RamClient::builder().credentials(Credentials::new("a", "b")).endpoint("http://ram.example.com").build().is_err());
/// ```
#[derive(Default)]
pub struct RamClientBuilder {
    credentials: Option<Credentials>,
    endpoint: Option<String>,
    signature_version: SignatureVersion,
    rpc_method: RpcMethod,
    retry: Option<RetryPolicy>,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    nonce: Option<Arc<dyn NonceSource>>,
    max_body: Option<usize>,
}

impl fmt::Debug for RamClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamClientBuilder")
            .field("credentials", &self.credentials)
            .field("endpoint", &self.endpoint)
            .field("signature_version", &self.signature_version)
            .finish_non_exhaustive()
    }
}

impl RamClientBuilder {
    /// The credentials to sign with (required).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The endpoint; default `https://ram.aliyuncs.com`. Plain `http` is accepted only for loopback hosts (a
    /// local simulator).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// V3 (`ACS3-HMAC-SHA256`, the default) or V2 (HMAC-SHA1).
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature_version = version;
        self
    }

    /// For V2: parameters in the query (GET) or a form body (POST, the default). V3 always POSTs.
    pub fn rpc_method(mut self, method: RpcMethod) -> Self {
        self.rpc_method = method;
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// A `reqwest::Client` to use (shared connection pool, proxy, …). Its own timeout applies; otherwise the
    /// client gets [`DEFAULT_TIMEOUT`] or the one set with [`Self::timeout`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The timeout of one attempt, for the client this builder creates.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The clock the signer reads (default: the system clock). It is wrapped so that an
    /// `InvalidTimeStamp.Expired` answer with a `Date` header corrects it.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The source of `SignatureNonce` values (default: random UUIDs).
    pub fn nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// The largest response body read (default 16 MiB).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// Checks the configuration and builds the client. Fails with [`ErrorKind::InvalidInput`] on missing
    /// credentials, an empty AccessKeyId or secret, or an endpoint that is not `https` (or loopback `http`),
    /// or that has a path.
    pub fn build(self) -> Result<RamClient, Error> {
        const OP: &str = "RamClient::build";
        let credentials = self.credentials.ok_or_else(|| Error::invalid_input(OP, "credentials are required"))?;
        if credentials.access_key_id().trim().is_empty() {
            return Err(Error::invalid_input(OP, "the AccessKeyId is empty"));
        }
        if secrecy::ExposeSecret::expose_secret(credentials.access_key_secret()).is_empty() {
            return Err(Error::invalid_input(OP, "the AccessKeySecret is empty"));
        }
        let endpoint_text = self.endpoint.unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        let endpoint = cloud_http::validate_base_url(&endpoint_text)
            .map_err(|e| Error::invalid_input(OP, format!("RAM endpoint: {e}")))?;
        if endpoint.path() != "/" {
            return Err(Error::invalid_input(OP, format!("RAM endpoint `{endpoint_text}` must not have a path")));
        }
        let host_name = endpoint.host_str().ok_or_else(|| Error::invalid_input(OP, "RAM endpoint has no host"))?;
        let host = match endpoint.port() {
            Some(port) => format!("{host_name}:{port}"),
            None => host_name.to_string(),
        };
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                .user_agent(concat!("oss-client/", env!("CARGO_PKG_VERSION"), " (ram)"))
                .build()
                .map_err(|e| Error::invalid_input(OP, format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(RamClient {
            inner: Arc::new(Inner {
                http,
                endpoint,
                host,
                credentials,
                signature_version: self.signature_version,
                rpc_method: self.rpc_method,
                retry: self.retry.unwrap_or_default(),
                clock: SkewCorrectedClock::new(self.clock.unwrap_or_else(|| Arc::new(SystemClock))),
                nonce: self.nonce.unwrap_or_else(|| Arc::new(RandomNonce)),
                max_body: self.max_body.unwrap_or(DEFAULT_MAX_BODY),
            }),
        })
    }
}

/// Whether an operation may be repeated after a failure whose outcome is unknown (a timeout, a reset, a 500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Repeating it is harmless, or shows up as `EntityAlreadyExists` / `EntityNotExist`.
    Safe,
    /// Repeating it may create a second resource (CreateAccessKey: a second key whose secret would be lost).
    /// Only failures that prove the request was not processed are retried.
    Unsafe,
}

impl RamClient {
    /// A client for the public endpoint with V3 signing and the default retry policy.
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Self::builder().credentials(credentials).build()
    }

    /// A builder.
    pub fn builder() -> RamClientBuilder {
        RamClientBuilder::default()
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The signature version in use.
    pub fn signature_version(&self) -> SignatureVersion {
        self.inner.signature_version
    }

    /// The AccessKeyId the client signs with.
    pub fn access_key_id(&self) -> &str {
        self.inner.credentials.access_key_id()
    }

    /// The clock correction learned from the server, in milliseconds (0 until an `InvalidTimeStamp` answer).
    pub fn clock_offset_millis(&self) -> i64 {
        self.inner.clock.offset_millis()
    }

    /// Calls `action` with `params` (business parameters only) and decodes the JSON answer, through the shared
    /// driver: one retry budget, a fresh `SignatureNonce` and timestamp for every attempt.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        action: &'static str,
        params: &[(&'static str, String)],
        idempotency: Idempotency,
    ) -> Result<T, Error> {
        driver::json(&Wire(self), &RamCall { action, params: params.to_vec(), idempotency }).await
    }

    fn build_request(
        &self,
        action: &'static str,
        params: &[(&'static str, String)],
        now: chrono::DateTime<chrono::Utc>,
        nonce: &str,
    ) -> Result<reqwest::Request, Error> {
        let inner = &self.inner;
        let mut url = inner.endpoint.clone();
        let builder = match inner.signature_version {
            SignatureVersion::V2 => {
                let signed =
                    signing::sign_v2(&inner.credentials, inner.rpc_method, action, RAM_API_VERSION, params, now, nonce);
                let encoded = encode_pairs(signed.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                match inner.rpc_method {
                    RpcMethod::Get => {
                        url.set_query(Some(&encoded));
                        inner.http.get(url)
                    }
                    RpcMethod::Post => inner
                        .http
                        .post(url)
                        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(encoded),
                }
            }
            SignatureVersion::V3 => {
                let signed = signing::sign_v3(
                    &inner.credentials,
                    &inner.host,
                    action,
                    RAM_API_VERSION,
                    params,
                    b"",
                    None,
                    now,
                    nonce,
                );
                if !params.is_empty() {
                    url.set_query(Some(&encode_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))));
                }
                let mut builder = inner.http.post(url).body(Vec::<u8>::new());
                for (name, value) in &signed.headers {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                builder
            }
        };
        builder
            .header(http::header::ACCEPT, "application/json")
            .build()
            .map_err(|e| Error::invalid_input(action, format!("cannot build the request: {}", e.without_url())))
    }
}

/// `k=v&…` with RFC 3986 encoding (what the signature was computed over, so nothing is re-encoded).
fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs.into_iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// `true`/`false` as RAM spells booleans.
pub(crate) fn bool_param(value: bool) -> String {
    if value { "true".into() } else { "false".into() }
}

/// One RAM call, from which every attempt is rebuilt.
struct RamCall {
    action: &'static str,
    params: Vec<(&'static str, String)>,
    idempotency: Idempotency,
}

/// RAM's side of the shared driver: RPC signing (V2 or V3) with a fresh nonce per attempt, the POP error body,
/// the clock correction after `InvalidTimeStamp.Expired`, and the stricter retry rule for unsafe operations.
struct Wire<'a>(&'a RamClient);

impl Service for Wire<'_> {
    type Request = RamCall;
    type Kind = ErrorKind;
    type Error = Error;
    /// The time the attempt was signed with.
    type Attempt = chrono::DateTime<chrono::Utc>;
    type CallState = ();

    fn channel(&self) -> Channel<'_> {
        Channel::new(&self.0.inner.http, &self.0.inner.retry).max_body(self.0.inner.max_body)
    }

    fn call_info(&self, request: &RamCall) -> CallInfo {
        CallInfo::new(request.action, request.idempotency == Idempotency::Safe)
    }

    async fn prepare(&self, call: &RamCall) -> Result<(reqwest::Request, Self::Attempt), Error> {
        let inner = &self.0.inner;
        let now = inner.clock.now();
        let nonce = inner.nonce.next_nonce();
        let request = self.0.build_request(call.action, &call.params, now, &nonce)?;
        Ok((request, now))
    }

    async fn classify(&self, call: &RamCall, signed_at: &Self::Attempt, response: &RawResponse) -> Error {
        let secrets = self.0.inner.credentials.secret_values();
        let error = service_error::from_response(call.action, response, *signed_at, &secrets);
        match response
            .header("date")
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.with_timezone(&chrono::Utc))
        {
            Some(server_now) if error.code() == Some("InvalidTimeStamp.Expired") => error.with_server_time(server_now),
            _ => error,
        }
    }

    fn retry_decision(
        &self,
        call: &RamCall,
        signed_at: Option<&Self::Attempt>,
        error: &Error,
        _: &mut (),
    ) -> RetryDecision {
        // `InvalidTimeStamp.Expired` with the server's `Date` more than a minute off: correct the clock and retry.
        if let (Some(server_now), Some(signed_at)) = (error.server_time(), signed_at)
            && (server_now - *signed_at).num_seconds().abs() > 60
        {
            self.0.inner.clock.correct_to(server_now);
            return RetryDecision::Retry;
        }
        let base = error.retry_decision();
        match call.idempotency {
            Idempotency::Safe => base,
            Idempotency::Unsafe => {
                // Only answers that prove nothing happened: no connection was made, or the gateway refused
                // the request (throttling, 503 Service Unavailable) before the service handled it.
                let not_processed = match error.kind() {
                    ErrorKind::Transport(TransportErrorKind::Connect) => true,
                    ErrorKind::Throttled => true,
                    ErrorKind::Service => error.metadata().is_some_and(|m| m.status == 503),
                    _ => false,
                };
                if not_processed { base } else { RetryDecision::DoNotRetry }
            }
        }
    }
}
