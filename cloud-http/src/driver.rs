//! The one request driver every client uses: the shared [`RetryPolicy`] loop above
//! build → sign → send → classify, and the decoding of the successful answer.
//!
//! A client implements [`Service`]: how to build and sign one attempt of its request ([`Service::prepare`],
//! called anew for every attempt so every attempt is re-signed with a fresh date, nonce or token), how to turn
//! a non-2xx answer into its error ([`Service::classify`]), and whether a request is idempotent. The driver
//!
//! - runs the attempts inside **one** retry budget per call ([`RetryPolicy::run`]): count and wall time;
//! - sends through [`transport::send`](crate::transport::send) (capped body, redacted logs) and classifies
//!   transport failures with [`TransportError::may_retry`]: a connect failure is always retried, a timeout or a
//!   reset only for an idempotent request — a create whose outcome is unknown is handed back to the caller,
//!   which looks it up before trying again (for example Auth0's `create_or_find`, the RAM access-key listing);
//! - honours a server's `Retry-After` through [`RetryDecision::RetryAfter`] (see [`retry_after_or_backoff`]);
//! - decodes JSON ([`json`]), XML ([`xml`]) or nothing ([`no_content`]), a failure naming the operation and
//!   never quoting a value from the answer.
//!
//! The retry rules follow the AWS SDKs' "standard" retry mode (transient errors and throttling only, with a
//! bounded attempt count and exponential backoff with jitter,
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>) and RFC 9110 §10.2.3
//! (`Retry-After`).
//!
//! ```
//! use cloud_http::driver::{self, Service};
//! use cloud_http::{RawResponse, RetryPolicy, ServiceError, ServiceErrorKind, TransportErrorKind};
//!
//! #[derive(Debug, Clone, PartialEq, Eq)]
//! enum Kind { InvalidInput, Server, Transport(TransportErrorKind), Decode }
//! impl ServiceErrorKind for Kind {
//!     const INVALID_INPUT: Self = Kind::InvalidInput;
//!     const DECODE: Self = Kind::Decode;
//!     const TRANSPORT: fn(TransportErrorKind) -> Self = Kind::Transport;
//! }
//!
//! struct Api { http: reqwest::Client, base: String, retry: RetryPolicy }
//! struct Get { path: &'static str }
//!
//! impl Service for Api {
//!     type Request = Get;
//!     type Kind = Kind;
//!     type Error = ServiceError<Kind>;
//!     type Attempt = ();
//!     type CallState = ();
//!     fn channel(&self) -> driver::Channel<'_> { driver::Channel::new(&self.http, &self.retry) }
//!     fn call_info(&self, _: &Get) -> driver::CallInfo { driver::CallInfo::new("GetThing", true) }
//!     async fn prepare(&self, req: &Get) -> Result<(reqwest::Request, ()), Self::Error> {
//!         let request = self.http.get(format!("{}{}", self.base, req.path)).bearer_auth("token").build()
//!             .map_err(|e| ServiceError::invalid_input("GetThing", e.without_url().to_string()))?;
//!         Ok((request, ()))
//!     }
//!     async fn classify(&self, req: &Get, _: &(), raw: &RawResponse) -> Self::Error {
//!         ServiceError::new(Kind::Server, "GetThing")
//!             .with_retry(driver::retry_after_or_backoff(&raw.headers, chrono::Utc::now()))
//!     }
//! }
//!
//! # async fn demo(api: Api) -> Result<(), ServiceError<Kind>> {
//! let thing: serde_json::Value = driver::json(&api, &Get { path: "/thing" }).await?;
//! # Ok(()) }
//! ```

use crate::rate_limit;
use crate::retry::{RetryDecision, RetryPolicy, Retryable};
use crate::service_error::{ServiceError, ServiceErrorKind};
use crate::transport::{self, RawResponse};
use chrono::{DateTime, Utc};
use http::HeaderMap;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::sync::Mutex;

/// One service's way of building, signing and judging a request; see the [module docs](self).
pub trait Service: Sync {
    /// The description of one call, from which every attempt is rebuilt.
    type Request: Sync;
    /// The client's error kind.
    type Kind: ServiceErrorKind;
    /// The client's error (the shared [`ServiceError`] or a newtype over it).
    type Error: From<ServiceError<Self::Kind>> + From<DecodeError> + Retryable + fmt::Display + Send;
    /// What one attempt remembers for classifying its answer (the signing time, whether the token was fresh).
    type Attempt: Send + Sync;
    /// What the whole call remembers across attempts (a clock correction already made).
    type CallState: Default + Send;

    /// The HTTP client, retry policy and body cap to send with.
    fn channel(&self) -> Channel<'_>;

    /// The operation's name and whether repeating it after a lost answer (timeout, reset, 5xx) is harmless.
    fn call_info(&self, request: &Self::Request) -> CallInfo;

    /// Builds and signs one attempt of `request` (a fresh date, nonce and token every time).
    fn prepare(
        &self,
        request: &Self::Request,
    ) -> impl Future<Output = Result<(reqwest::Request, Self::Attempt), Self::Error>> + Send;

    /// Turns a non-2xx answer into the client's error, with its metadata and retry hint.
    fn classify(
        &self,
        request: &Self::Request,
        attempt: &Self::Attempt,
        response: &RawResponse,
    ) -> impl Future<Output = Self::Error> + Send;

    /// Whether and when to try again after `error` (`attempt` is `None` when building the request failed).
    /// Default: the error's own [`Retryable::retry_decision`].
    fn retry_decision(
        &self,
        request: &Self::Request,
        attempt: Option<&Self::Attempt>,
        error: &Self::Error,
        state: &mut Self::CallState,
    ) -> RetryDecision {
        let _ = (request, attempt, state);
        error.retry_decision()
    }
}

/// Where and how a service sends: its HTTP client, its retry policy (one budget per call) and the largest answer
/// it reads, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Channel<'a> {
    /// The HTTP client.
    pub http: &'a reqwest::Client,
    /// The retry policy.
    pub retry: &'a RetryPolicy,
    /// The largest answer read, in bytes.
    pub max_body: usize,
}

impl<'a> Channel<'a> {
    /// A channel reading at most [`transport::DEFAULT_MAX_BODY`] bytes.
    pub fn new(http: &'a reqwest::Client, retry: &'a RetryPolicy) -> Self {
        Self { http, retry, max_body: transport::DEFAULT_MAX_BODY }
    }

    /// Sets the largest answer read.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }
}

/// What the driver needs to know of one call: its operation name (for errors and logs) and whether repeating
/// it after a lost answer is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallInfo {
    /// The operation's name.
    pub operation: &'static str,
    /// Whether the request is idempotent.
    pub idempotent: bool,
}

impl CallInfo {
    /// Describes a call.
    pub fn new(operation: &'static str, idempotent: bool) -> Self {
        Self { operation, idempotent }
    }
}

/// A failed attempt with the decision taken on it once (the retry loop asks more than once).
struct Failed<E> {
    error: E,
    decision: RetryDecision,
}

impl<E: fmt::Display> fmt::Display for Failed<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<E> Retryable for Failed<E> {
    fn retry_decision(&self) -> RetryDecision {
        self.decision
    }
}

/// Sends `request` with retries and returns the 2xx answer.
///
/// Every attempt calls [`Service::prepare`] again; all attempts share the policy's one budget.
pub async fn send<S: Service>(service: &S, request: &S::Request) -> Result<RawResponse, S::Error> {
    let operation = service.call_info(request).operation;
    let state = Mutex::new(S::CallState::default());
    let state = &state;
    service
        .channel()
        .retry
        .run(operation, || async move {
            let (outcome, attempt) = attempt(service, request).await;
            outcome.map_err(|error| {
                let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let decision = service.retry_decision(request, attempt.as_ref(), &error, &mut state);
                Failed { error, decision }
            })
        })
        .await
        .map_err(|failed| failed.error)
}

async fn attempt<S: Service>(service: &S, request: &S::Request) -> (Result<RawResponse, S::Error>, Option<S::Attempt>) {
    let call = service.call_info(request);
    let channel = service.channel();
    let (built, attempt) = match service.prepare(request).await {
        Ok(prepared) => prepared,
        Err(e) => return (Err(e), None),
    };
    let response = match transport::send(channel.http, built, call.operation, channel.max_body).await {
        Ok(response) => response,
        Err(e) => {
            let error = ServiceError::<S::Kind>::from_transport(e, call.idempotent);
            return (Err(error.into()), Some(attempt));
        }
    };
    if response.status.is_success() {
        return (Ok(response), Some(attempt));
    }
    let error = service.classify(request, &attempt, &response).await;
    (Err(error), Some(attempt))
}

/// Sends `request` and decodes its JSON answer ([`decode_json`]).
pub async fn json<S: Service, T: DeserializeOwned>(service: &S, request: &S::Request) -> Result<T, S::Error> {
    let response = send(service, request).await?;
    Ok(decode_json(service.call_info(request).operation, &response)?)
}

/// Sends `request` and decodes its XML answer ([`decode_xml`]).
pub async fn xml<S: Service, T: DeserializeOwned>(service: &S, request: &S::Request) -> Result<T, S::Error> {
    let response = send(service, request).await?;
    Ok(decode_xml(service.call_info(request).operation, &response.body)?)
}

/// Sends `request` and ignores any answer body (204, or a 2xx whose body is not needed).
pub async fn no_content<S: Service>(service: &S, request: &S::Request) -> Result<(), S::Error> {
    send(service, request).await.map(|_| ())
}

/// An answer that could not be decoded: the operation and what was wrong, never a value from the answer.
///
/// ```
/// let raw = cloud_http::RawResponse::new(http::StatusCode::OK, http::HeaderMap::new(), r#"{"id": 7}"#.into());
/// let e = cloud_http::driver::decode_json::<std::collections::BTreeMap<String, String>>("GetThing", &raw).unwrap_err();
/// assert_eq!(e.operation, "GetThing");
/// assert!(e.detail.starts_with("at `id`: Data error"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The operation whose answer it was.
    pub operation: &'static str,
    /// What was wrong (the field's path and position for JSON).
    pub detail: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: could not decode the response: {}", self.operation, self.detail)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a JSON answer, naming the operation and the failing field's path (`serde_path_to_error`) on error.
/// The message keeps only serde's category and position, never the offending value (answers carry secrets).
/// An empty body is an error.
pub fn decode_json<T: DeserializeOwned>(operation: &'static str, response: &RawResponse) -> Result<T, DecodeError> {
    if response.body.is_empty() {
        return Err(DecodeError {
            operation,
            detail: format!("HTTP {} with an empty body where JSON was expected", response.status),
        });
    }
    decode_json_body(operation, &response.body)
}

/// Decodes a JSON body like [`decode_json`], without the empty-body check (serde reports it as an EOF).
///
/// ```
/// let n: u32 = cloud_http::driver::decode_json_body("Count", b"7").unwrap();
/// assert_eq!(n, 7);
/// let e = cloud_http::driver::decode_json_body::<u32>("Count", br#""x""#).unwrap_err();
/// assert!(e.detail.contains("Data error"), "{e}");
/// ```
pub fn decode_json_body<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T, DecodeError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        DecodeError {
            operation,
            detail: format!(
                "at `{path}`: {:?} error at line {} column {}",
                inner.classify(),
                inner.line(),
                inner.column()
            ),
        }
    })
}

/// Decodes an XML answer (`quick-xml`'s serde support), naming the operation on error; a quoted value in the
/// parser's message is cut out.
///
/// ```
/// #[derive(Debug, serde::Deserialize)]
/// struct Owner { #[serde(rename = "ID")] id: String }
/// let o: Owner = cloud_http::driver::decode_xml("GetOwner", b"<Owner><ID>1</ID></Owner>").unwrap();
/// assert_eq!(o.id, "1");
/// assert!(cloud_http::driver::decode_xml::<Owner>("GetOwner", b"<Owner>").unwrap_err().to_string().contains("GetOwner"));
/// ```
pub fn decode_xml<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T, DecodeError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| DecodeError { operation, detail: format!("the response body is not UTF-8: {e}") })?;
    quick_xml::de::from_str(text).map_err(|e| DecodeError {
        operation,
        detail: format!("malformed XML response: {}", crate::redact::without_quoted_value(&e.to_string())),
    })
}

/// Builds one attempt of a JSON API call with bearer authentication (RFC 6750 §2.1) on `service`'s HTTP
/// client: `Authorization: Bearer {token}`, `Accept: application/json`, and `body` serialised as JSON when
/// given. A failure is an invalid-input error of `operation` that does not show the URL.
///
/// ```ignore
/// // In a `Service::prepare`:
/// let request = driver::bearer_json(self, Method::GET, url, token.expose_secret(), None, "getProject")?;
/// ```
pub fn bearer_json<S: Service + ?Sized>(
    service: &S,
    method: http::Method,
    url: url::Url,
    token: &str,
    body: Option<&serde_json::Value>,
    operation: &'static str,
) -> Result<reqwest::Request, S::Error> {
    let mut builder =
        service.channel().http.request(method, url).bearer_auth(token).header(http::header::ACCEPT, "application/json");
    if let Some(body) = body {
        builder = builder.json(body);
    }
    builder.build().map_err(|e| {
        ServiceError::<S::Kind>::invalid_input(operation, format!("could not build the request: {}", e.without_url()))
            .into()
    })
}

/// The retry hint of a transient answer: the server's `Retry-After` (seconds or an HTTP date, relative to
/// `now`) when it sent one, else the policy's own backoff.
///
/// ```
/// use cloud_http::RetryDecision;
/// let mut h = http::HeaderMap::new();
/// assert_eq!(cloud_http::driver::retry_after_or_backoff(&h, chrono::Utc::now()), RetryDecision::Retry);
/// h.insert("retry-after", "2".parse().unwrap());
/// assert_eq!(
///     cloud_http::driver::retry_after_or_backoff(&h, chrono::Utc::now()),
///     RetryDecision::RetryAfter(std::time::Duration::from_secs(2))
/// );
/// ```
pub fn retry_after_or_backoff(headers: &HeaderMap, now: DateTime<Utc>) -> RetryDecision {
    match rate_limit::retry_after(headers, now) {
        Some(d) => RetryDecision::RetryAfter(d),
        None => RetryDecision::Retry,
    }
}

#[cfg(test)]
mod tests;
