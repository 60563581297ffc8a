//! [`OssClient`] and its builder: credentials, region, endpoint, signature version, retry policy, clock and an
//! injectable `reqwest::Client`; and OSS's side of the shared request driver ([`cloud_http::driver`]): retry →
//! build → sign → send → classify.

use crate::Credentials;
use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::signing::{SignableRequest, SignatureVersion, v1, v4::V4Signer};
use crate::xml::{ErrorContext, error_from_response};
use bytes::Bytes;
use cloud_http::driver::{self, CallInfo, Channel, Service};
use cloud_http::{Clock, RawResponse, RetryDecision, RetryPolicy, Retryable, SkewCorrectedClock, SystemClock};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// An Aliyun OSS client. Cheap to clone (the state is shared).
///
/// ```no_run
/// use oss_client::{Credentials, OssClient};
/// # async fn demo() -> oss_client::Result<()> {
/// let oss = OssClient::builder()
///     .credentials(Credentials::new("LTAI5t…", "secret"))
///     .region("cn-hangzhou")
///     .build()?;
/// oss.bucket("lobechat-assets").create().send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OssClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) credentials: Credentials,
    pub(crate) region: String,
    pub(crate) endpoint: Endpoint,
    pub(crate) signature_version: SignatureVersion,
    pub(crate) v4: V4Signer,
    pub(crate) http: reqwest::Client,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: SkewCorrectedClock,
    pub(crate) max_body: usize,
}

impl fmt::Debug for OssClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OssClient")
            .field("credentials", &self.inner.credentials)
            .field("region", &self.inner.region)
            .field("endpoint", &self.inner.endpoint)
            .field("signature_version", &self.inner.signature_version)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Builds an [`OssClient`]. Credentials and region are required; every value is checked by
/// [`build`](Self::build) before any request is sent.
///
/// ```
/// use oss_client::{Credentials, OssClient, signing::SignatureVersion};
/// let client = OssClient::builder()
///     .credentials(Credentials::new("ak", "sk"))
///     .region("cn-beijing")
///     .signature_version(SignatureVersion::V1)
///     .connect_to("http://127.0.0.1:9000")
///     .build()
///     .unwrap();
/// assert_eq!(client.region(), "cn-beijing");
/// let err = OssClient::builder().credentials(Credentials::new("ak", "sk")).region("oss-cn-beijing").build().unwrap_err();
/// assert!(err.to_string().contains("cn-beijing"));
/// ```
#[derive(Default)]
pub struct OssClientBuilder {
    credentials: Option<Credentials>,
    region: Option<String>,
    endpoint: Option<String>,
    cname: bool,
    connect_to: Option<String>,
    signature_version: SignatureVersion,
    retry: Option<RetryPolicy>,
    http: Option<reqwest::Client>,
    clock: Option<Arc<dyn Clock>>,
    timeout: Option<Duration>,
    max_body: Option<usize>,
}

impl fmt::Debug for OssClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OssClientBuilder")
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("connect_to", &self.connect_to)
            .field("signature_version", &self.signature_version)
            .finish_non_exhaustive()
    }
}

impl OssClientBuilder {
    /// The AccessKey pair (and STS token) to sign with.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The region id (`cn-hangzhou`), used for the default endpoint and the V4 scope.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A custom endpoint instead of `https://oss-<region>.aliyuncs.com` (an internal or accelerate endpoint,
    /// or a CNAME with [`cname`](Self::cname)). `https`, or plain `http` only for loopback.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Treats the custom endpoint as a CNAME bound to the bucket (requests go to the host as is).
    pub fn cname(mut self, cname: bool) -> Self {
        self.cname = cname;
        self
    }

    /// Sends every request to a loopback address (a simulator or mock server) while keeping the real `Host`
    /// header and signature. See [`Endpoint::with_connect_to`].
    pub fn connect_to(mut self, url: impl Into<String>) -> Self {
        self.connect_to = Some(url.into());
        self
    }

    /// V4 (default) or V1.
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature_version = version;
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Uses this `reqwest::Client` (its timeouts, proxies, TLS settings) instead of a new one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The clock signatures are dated with (default: the system clock), corrected after a clock-skew error.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The request timeout of the built-in `reqwest::Client` (default 30 s; ignored with
    /// [`http_client`](Self::http_client)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The largest response body read (default 16 MiB); larger objects fail with a transport error.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<OssClient> {
        const OP: &str = "ConfigureClient";
        let credentials = self.credentials.ok_or_else(|| Error::invalid_input(OP, "credentials are required"))?;
        if credentials.access_key_id().is_empty()
            || credentials.access_key_id().chars().any(|c| c.is_whitespace() || c.is_control() || c == ':')
        {
            return Err(Error::invalid_input(OP, "the AccessKey id must be non-empty without spaces or `:`"));
        }
        if secrecy::ExposeSecret::expose_secret(credentials.access_key_secret()).is_empty() {
            return Err(Error::invalid_input(OP, "the AccessKey secret must not be empty"));
        }
        let region =
            self.region.ok_or_else(|| Error::invalid_input(OP, "a region id such as `cn-hangzhou` is required"))?;
        crate::endpoint::validate_region(&region)?;
        let mut endpoint = match &self.endpoint {
            Some(url) => Endpoint::custom(url)?.with_cname(self.cname),
            None if self.cname => return Err(Error::invalid_input(OP, "cname(true) needs a custom endpoint")),
            None => Endpoint::for_region(&region)?,
        };
        if let Some(url) = &self.connect_to {
            endpoint = endpoint.with_connect_to(url)?;
        }
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                .connect_timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| Error::invalid_input(OP, format!("could not build the HTTP client: {e}")))?,
        };
        Ok(OssClient {
            inner: Arc::new(Inner {
                credentials,
                v4: V4Signer::new(region.clone()),
                region,
                endpoint,
                signature_version: self.signature_version,
                http,
                retry: self.retry.unwrap_or_default(),
                clock: SkewCorrectedClock::new(self.clock.unwrap_or_else(|| Arc::new(SystemClock))),
                max_body: self.max_body.unwrap_or(cloud_http::transport::DEFAULT_MAX_BODY),
            }),
        })
    }
}

/// One OSS request before signing; rebuilt into a signed `reqwest::Request` on every attempt.
#[derive(Debug, Clone)]
pub(crate) struct OssRequest {
    pub operation: &'static str,
    pub method: Method,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub idempotent: bool,
}

impl OssRequest {
    pub fn new(operation: &'static str, method: Method, bucket: Option<&str>, key: Option<&str>) -> Self {
        Self {
            operation,
            method,
            bucket: bucket.map(str::to_string),
            key: key.map(str::to_string),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            idempotent: true,
        }
    }

    /// A sub-resource such as `?acl` (bare, no `=`).
    pub fn sub_resource(mut self, name: &str) -> Self {
        self.query.push((name.to_string(), String::new()));
        self
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Result<Self> {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid_input(self.operation, format!("`{name}` is not a valid header name")))?;
        let v = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_input(self.operation, format!("the value for `{name}` is not a valid header value"))
        })?;
        self.headers.insert(n, v);
        Ok(self)
    }

    /// An XML body with `Content-Type: application/xml` and its `Content-MD5`.
    pub fn xml_body(self, xml: String) -> Result<Self> {
        let md5 = crate::content_md5(xml.as_bytes());
        let mut out = self.header("content-type", "application/xml")?.header("content-md5", &md5)?;
        out.body = Bytes::from(xml);
        Ok(out)
    }
}

impl OssClient {
    /// A builder.
    pub fn builder() -> OssClientBuilder {
        OssClientBuilder::default()
    }

    /// The region id.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The addressing in use.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The signature version in use.
    pub fn signature_version(&self) -> SignatureVersion {
        self.inner.signature_version
    }

    /// The clock correction learned from the server, in milliseconds (0 until a clock-skew error).
    pub fn clock_offset_millis(&self) -> i64 {
        self.inner.clock.offset_millis()
    }

    /// Where to send a request for `url` (for example a public object URL) and the `Host` header to use, taking
    /// the connect-to override into account. Use it to fetch public or presigned URLs from a simulator.
    ///
    /// ```
    /// # let oss = oss_client::OssClient::builder().credentials(oss_client::Credentials::new("ak", "sk"))
    /// #     .region("cn-hangzhou").connect_to("http://127.0.0.1:9000").build().unwrap();
    /// let url = oss.public_url("lobechat-assets", "logo.png").unwrap();
    /// let (target, host) = oss.transport_target(&url);
    /// assert_eq!(target.as_str(), "http://127.0.0.1:9000/logo.png");
    /// assert_eq!(host, "lobechat-assets.oss-cn-hangzhou.aliyuncs.com");
    /// ```
    pub fn transport_target(&self, url: &url::Url) -> (url::Url, String) {
        self.inner.endpoint.transport_target(url)
    }

    /// The public (anonymous) URL of an object.
    pub fn public_url(&self, bucket: &str, key: &str) -> Result<url::Url> {
        crate::endpoint::validate_bucket_name("PublicUrl", bucket)?;
        crate::endpoint::validate_object_key("PublicUrl", key)?;
        self.inner.endpoint.public_url(bucket, key)
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// Signs a request in place with the configured version.
    pub(crate) fn sign(&self, signable: &mut SignableRequest, operation: &'static str) -> Result<()> {
        let now = self.now();
        let result = match self.inner.signature_version {
            SignatureVersion::V1 => v1::sign_header(signable, &self.inner.credentials, now).map(|_| ()),
            SignatureVersion::V4 => self.inner.v4.sign_header(signable, &self.inner.credentials, now, &[]).map(|_| ()),
        };
        result.map_err(|e| Error::invalid_input(operation, e.to_string()))
    }

    /// Runs a request through the shared driver — one retry budget for the whole call, every attempt signed
    /// anew. After the first clock-skew error (`RequestTimeTooSkewed`, OSS allows 15 minutes of difference), the
    /// clock is corrected from the server's time and the correction's retry is one more attempt of the same
    /// loop, not a second loop.
    pub(crate) async fn execute(&self, request: OssRequest) -> Result<RawResponse> {
        driver::send(&Wire(self), &request).await
    }
}

/// OSS's side of the shared driver: V1/V4 header signing, virtual-hosted addressing with the connect-to
/// override, the XML error document, and the clock correction after `RequestTimeTooSkewed`.
struct Wire<'a>(&'a OssClient);

impl Service for Wire<'_> {
    type Request = OssRequest;
    type Kind = ErrorKind;
    type Error = Error;
    type Attempt = ();
    /// Whether the clock was already corrected during this call.
    type CallState = bool;

    fn channel(&self) -> Channel<'_> {
        Channel::new(&self.0.inner.http, &self.0.inner.retry).max_body(self.0.inner.max_body)
    }

    fn call_info(&self, request: &OssRequest) -> CallInfo {
        CallInfo::new(request.operation, request.idempotent)
    }

    async fn prepare(&self, request: &OssRequest) -> Result<(reqwest::Request, ())> {
        let client = self.0;
        let op = request.operation;
        let mut signable = SignableRequest {
            method: request.method.clone(),
            bucket: request.bucket.clone(),
            key: request.key.clone(),
            query: request.query.clone(),
            headers: request.headers.clone(),
        };
        client.sign(&mut signable, op)?;
        let endpoint = &client.inner.endpoint;
        let url = endpoint.logical_url(signable.bucket.as_deref(), signable.key.as_deref(), &signable.query)?;
        let (target, host) = endpoint.transport_target(&url);
        let mut headers = signable.headers;
        if endpoint.connects_to().is_some() {
            let host = HeaderValue::from_str(&host)
                .map_err(|_| Error::invalid_input(op, format!("`{host}` is not a valid Host header")))?;
            headers.insert(http::header::HOST, host);
        }
        let built = client
            .inner
            .http
            .request(request.method.clone(), target)
            .headers(headers)
            .body(request.body.clone())
            .build()
            .map_err(|e| Error::invalid_input(op, format!("could not build the request: {}", e.without_url())))?;
        Ok((built, ()))
    }

    async fn classify(&self, request: &OssRequest, _: &(), raw: &RawResponse) -> Error {
        let ctx = ErrorContext {
            operation: request.operation,
            is_head: request.method == Method::HEAD,
            has_key: request.key.is_some(),
            secrets: self.0.inner.credentials.secret_values(),
            now: self.0.now(),
        };
        error_from_response(&ctx, raw)
    }

    fn retry_decision(&self, _: &OssRequest, _: Option<&()>, error: &Error, corrected: &mut bool) -> RetryDecision {
        if *error.kind() == ErrorKind::ClockSkew {
            return match error.server_time() {
                Some(server_time) if !*corrected => {
                    *corrected = true;
                    self.0.inner.clock.correct_to(server_time);
                    RetryDecision::Retry
                }
                _ => error.retry_decision(),
            };
        }
        error.retry_decision()
    }
}
