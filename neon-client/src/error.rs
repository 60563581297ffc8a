//! The one error type of `neon-client`: a kind a caller can match, the operation that failed (the Neon API's
//! operation id: `createProject`, `listProjects`, …) and the service's metadata.

use cloud_http::retry::{RetryDecision, Retryable};
use cloud_http::{ErrorMetadata, TransportError, TransportErrorKind};
use std::fmt;
use std::time::Duration;

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, as a caller matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument or the configuration was refused before any request was sent.
    InvalidInput,
    /// 401: the API key is missing, revoked or invalid.
    Unauthorized,
    /// 403: the key may not do this (a project-scoped key used for another project, or an org rule).
    Forbidden,
    /// 404.
    NotFound,
    /// 409: for example a name already in use.
    Conflict,
    /// 423 `Locked`: the project has operations still running (after the retries the policy allowed).
    Locked,
    /// 400 or 422: the request was refused as malformed or not allowed (an unknown region, a plan limit, …).
    BadRequest,
    /// 429 (after the retries the policy allowed).
    RateLimited,
    /// A 5xx answer (after the retries the policy allowed).
    Server,
    /// Any other status the service answered.
    Service,
    /// The request failed below HTTP (connect, reset, body too large, …).
    Transport(TransportErrorKind),
    /// The request timed out.
    Timeout,
    /// The answer could not be decoded.
    Decode,
}

/// A `neon-client` error: the kind, the operation, the service's metadata and any detail.
///
/// Never contains the API key or a password: service messages are scrubbed of both, decode errors name only the
/// field's path.
///
/// ```
/// use neon_client::{Error, ErrorKind};
/// let e = Error::invalid_input("createProject", "the project name must not be empty");
/// assert_eq!(e.kind(), &ErrorKind::InvalidInput);
/// assert_eq!(e.operation(), "createProject");
/// assert!(e.to_string().contains("must not be empty"));
/// ```
#[derive(Debug)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    operation: &'static str,
    metadata: Option<ErrorMetadata>,
    detail: Option<String>,
    retry: RetryDecision,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind` in `operation`, not retryable.
    pub fn new(kind: ErrorKind, operation: &'static str) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                operation,
                metadata: None,
                detail: None,
                retry: RetryDecision::DoNotRetry,
                source: None,
            }),
        }
    }

    /// Bad input, refused before sending.
    pub fn invalid_input(operation: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, operation).with_detail(detail)
    }

    /// An answer that could not be decoded.
    pub fn decode(operation: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Decode, operation).with_detail(detail)
    }

    /// Attaches service metadata.
    pub fn with_metadata(mut self, metadata: ErrorMetadata) -> Self {
        self.inner.metadata = Some(metadata);
        self
    }

    /// Attaches a detail message.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.inner.detail = Some(detail.into());
        self
    }

    /// Sets whether and when the call may be retried.
    pub fn with_retry(mut self, retry: RetryDecision) -> Self {
        self.inner.retry = retry;
        self
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        self.inner.operation
    }

    /// The service's metadata, for errors the service reported.
    pub fn metadata(&self) -> Option<&ErrorMetadata> {
        self.inner.metadata.as_ref()
    }

    /// The HTTP status, for errors the service reported.
    pub fn status(&self) -> Option<u16> {
        self.inner.metadata.as_ref().map(|m| m.status)
    }

    /// The service's error `code`, when it sent one.
    pub fn code(&self) -> Option<&str> {
        self.inner.metadata.as_ref().and_then(|m| m.code())
    }

    /// The service's `message`.
    pub fn message(&self) -> Option<&str> {
        self.inner.metadata.as_ref().and_then(|m| m.message())
    }

    /// The request id (`X-Neon-Ret-Request-ID`, or the body's `request_id`).
    pub fn request_id(&self) -> Option<&str> {
        self.inner.metadata.as_ref().and_then(|m| m.request_id())
    }

    /// The detail message.
    pub fn detail(&self) -> Option<&str> {
        self.inner.detail.as_deref()
    }

    /// The delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.inner.retry {
            RetryDecision::RetryAfter(d) => Some(d),
            _ => None,
        }
    }

    /// Whether the error is a 404.
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::NotFound
    }

    pub(crate) fn from_transport(e: TransportError, idempotent: bool) -> Self {
        let kind = match e.kind {
            TransportErrorKind::Timeout => ErrorKind::Timeout,
            other => ErrorKind::Transport(other),
        };
        let retry = if e.may_retry(idempotent) { RetryDecision::Retry } else { RetryDecision::DoNotRetry };
        Error::new(kind, e.operation).with_detail(e.message.clone()).with_retry(retry).with_source(e)
    }
}

impl Retryable for Error {
    fn retry_decision(&self) -> RetryDecision {
        self.inner.retry
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", self.inner.operation)?;
        match &self.inner.kind {
            ErrorKind::InvalidInput => write!(f, "invalid input")?,
            ErrorKind::Unauthorized => write!(f, "the Neon API key is missing or invalid")?,
            ErrorKind::Forbidden => write!(f, "the Neon API key may not do this")?,
            ErrorKind::NotFound => write!(f, "not found")?,
            ErrorKind::Conflict => write!(f, "conflict")?,
            ErrorKind::Locked => write!(f, "the project has operations still running")?,
            ErrorKind::BadRequest => write!(f, "bad request")?,
            ErrorKind::RateLimited => write!(f, "rate limited")?,
            ErrorKind::Server => write!(f, "server error")?,
            ErrorKind::Service => write!(f, "service error")?,
            ErrorKind::Transport(_) => write!(f, "transport error")?,
            ErrorKind::Timeout => write!(f, "timed out")?,
            ErrorKind::Decode => write!(f, "the answer could not be decoded")?,
        }
        if let Some(m) = &self.inner.metadata {
            write!(f, " (HTTP {}", m.status)?;
            if let Some(code) = m.code() {
                write!(f, ", {code}")?;
            }
            write!(f, ")")?;
            if let Some(message) = m.message() {
                write!(f, ": {message}")?;
            }
            if let Some(id) = m.request_id() {
                write!(f, " [request {id}]")?;
            }
        }
        if let Some(detail) = &self.inner.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}
