//! The one error type of `oss-client`, for OSS and RAM alike, after smithy-rs: a kind a caller can match, the
//! operation that failed, and the service's metadata (code, message, request id, host id, EC / Recommend).

use cloud_http::retry::{RetryDecision, Retryable};
use cloud_http::{ErrorMetadata, TransportError, TransportErrorKind};
use std::fmt;
use std::time::Duration;

/// What went wrong, as a caller matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument, name, URL or configuration was refused before any request was sent.
    InvalidInput,
    /// OSS `NoSuchBucket`.
    NoSuchBucket,
    /// OSS `NoSuchKey` (for HEAD, a 404 on an object).
    NoSuchKey,
    /// OSS `NoSuchCORSConfiguration`.
    NoSuchCorsConfiguration,
    /// OSS `BucketAlreadyExists`: the name is held by another account.
    BucketAlreadyExists,
    /// OSS `BucketNotEmpty`.
    BucketNotEmpty,
    /// OSS `InvalidAccessKeyId`: the key is unknown or disabled.
    InvalidAccessKeyId,
    /// OSS `AccessDenied` (other than a public ACL blocked by Block Public Access), RAM `NoPermission`.
    AccessDenied,
    /// OSS `AccessDenied` "Put public bucket acl is not allowed": Block Public Access is on (for the bucket or
    /// the account).
    PublicAclBlocked,
    /// `SignatureDoesNotMatch`; carries the server's StringToSign when it sent one.
    SignatureMismatch {
        /// The string the server signed.
        server_string_to_sign: Option<String>,
    },
    /// `RequestTimeTooSkewed` / `InvalidTimeStamp.*`: the local clock is off.
    ClockSkew,
    /// Throttling (`Throttling*`, 429, 503 SlowDown).
    Throttled,
    /// RAM `EntityAlreadyExists.*` (the full code is in the metadata).
    EntityAlreadyExists,
    /// RAM `EntityNotExist.*`.
    EntityNotExist,
    /// RAM `LimitExceeded.*` (for example two access keys per user).
    LimitExceeded,
    /// RAM `DeleteConflict.*` (a user that still has keys or policies, a policy still attached).
    DeleteConflict,
    /// RAM `SignatureNonceUsed`.
    SignatureNonceUsed,
    /// Any other error the service reported.
    Service,
    /// The request failed below HTTP (connect, reset, body too large, …).
    Transport(TransportErrorKind),
    /// The request timed out.
    Timeout,
    /// The response could not be decoded.
    Decode,
}

/// An `oss-client` error: the kind, the operation, the service's metadata and any detail.
///
/// ```
/// use oss_client::{Error, ErrorKind};
/// let e = Error::invalid_input("PutBucket", "bucket name `A` must be lower case");
/// assert_eq!(e.kind(), &ErrorKind::InvalidInput);
/// assert_eq!(e.operation(), "PutBucket");
/// assert!(e.to_string().contains("lower case"));
/// ```
pub struct Error {
    inner: Box<ErrorInner>,
}

#[derive(Debug)]
struct ErrorInner {
    kind: ErrorKind,
    operation: &'static str,
    metadata: Option<ErrorMetadata>,
    detail: Option<String>,
    retry_after: Option<Duration>,
    server_time: Option<chrono::DateTime<chrono::Utc>>,
    never_retry: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("operation", &self.inner.operation)
            .field("metadata", &self.inner.metadata)
            .field("detail", &self.inner.detail)
            .field("retry_after", &self.inner.retry_after)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl Error {
    /// An error of `kind` in `operation`.
    pub fn new(kind: ErrorKind, operation: &'static str) -> Self {
        Self {
            inner: Box::new(ErrorInner {
                kind,
                operation,
                metadata: None,
                detail: None,
                retry_after: None,
                server_time: None,
                never_retry: false,
                source: None,
            }),
        }
    }

    /// Bad input, refused before sending.
    pub fn invalid_input(operation: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, operation).with_detail(detail)
    }

    /// A response that could not be decoded.
    pub fn decode(operation: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Decode, operation).with_detail(detail)
    }

    /// A service error with its metadata.
    pub fn service(kind: ErrorKind, operation: &'static str, metadata: ErrorMetadata) -> Self {
        Self::new(kind, operation).with_metadata(metadata)
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

    /// Records the delay the server asked for.
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.inner.retry_after = Some(delay);
        self
    }

    /// Records the server's time (from its `Date` header), used to correct the clock after a clock-skew error.
    pub fn with_server_time(mut self, time: chrono::DateTime<chrono::Utc>) -> Self {
        self.inner.server_time = Some(time);
        self
    }

    /// Marks the error as not retryable whatever its kind (a timeout of a non-idempotent request).
    pub fn never_retry(mut self) -> Self {
        self.inner.never_retry = true;
        self
    }

    /// The server's time when it answered, if it said.
    pub fn server_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.inner.server_time
    }

    /// For `SignatureDoesNotMatch`: the string the server signed.
    pub fn server_string_to_sign(&self) -> Option<&str> {
        match &self.inner.kind {
            ErrorKind::SignatureMismatch { server_string_to_sign } => server_string_to_sign.as_deref(),
            _ => None,
        }
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

    /// The operation that failed (`PutBucketCors`, `CreateAccessKey`, …).
    pub fn operation(&self) -> &'static str {
        self.inner.operation
    }

    /// The service's metadata, for errors the service reported.
    pub fn metadata(&self) -> Option<&ErrorMetadata> {
        self.inner.metadata.as_ref()
    }

    /// The service's error code.
    pub fn code(&self) -> Option<&str> {
        self.inner.metadata.as_ref().and_then(|m| m.code())
    }

    /// The request id.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.metadata.as_ref().and_then(|m| m.request_id())
    }

    /// The detail message.
    pub fn detail(&self) -> Option<&str> {
        self.inner.detail.as_deref()
    }

    /// The delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether the error is a "not found" of any kind.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::NoSuchBucket
                | ErrorKind::NoSuchKey
                | ErrorKind::NoSuchCorsConfiguration
                | ErrorKind::EntityNotExist
        )
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        let kind = match e.kind {
            TransportErrorKind::Timeout => ErrorKind::Timeout,
            other => ErrorKind::Transport(other),
        };
        let operation = e.operation;
        Error::new(kind, operation).with_detail(e.message.clone()).with_source(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", self.inner.operation)?;
        match &self.inner.kind {
            ErrorKind::InvalidInput => write!(f, "invalid input")?,
            ErrorKind::Transport(_) => write!(f, "transport error")?,
            ErrorKind::Timeout => write!(f, "timed out")?,
            ErrorKind::Decode => write!(f, "could not decode the response")?,
            ErrorKind::PublicAclBlocked => write!(
                f,
                "a public ACL is blocked by Block Public Access (turn it off for the bucket, and for the account if it is on there)"
            )?,
            ErrorKind::ClockSkew => write!(f, "the local clock differs from the server's by more than allowed")?,
            other => write!(f, "{other:?}")?,
        }
        if let Some(meta) = &self.inner.metadata {
            write!(f, " ({meta})")?;
        }
        if let Some(detail) = &self.inner.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl Retryable for Error {
    /// Throttling, 5xx service errors and transient transport failures are retryable; whether the operation is
    /// idempotent is decided by the caller before it asks (non-idempotent calls filter timeouts and resets out).
    fn retry_decision(&self) -> RetryDecision {
        if self.inner.never_retry {
            return RetryDecision::DoNotRetry;
        }
        let transient = match &self.inner.kind {
            ErrorKind::Throttled => true,
            ErrorKind::Timeout => true,
            ErrorKind::Transport(k) => {
                matches!(k, TransportErrorKind::Connect | TransportErrorKind::ConnectionReset)
            }
            ErrorKind::Service => self.inner.metadata.as_ref().is_some_and(|m| m.status >= 500),
            _ => false,
        };
        match (transient, self.inner.retry_after) {
            (false, _) => RetryDecision::DoNotRetry,
            (true, Some(d)) => RetryDecision::RetryAfter(d),
            (true, None) => RetryDecision::Retry,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
