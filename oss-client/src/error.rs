//! The one error type of `oss-client`, for OSS and RAM alike, after smithy-rs: a kind a caller can match, the
//! operation that failed, and the service's metadata (code, message, request id, host id, EC / Recommend).

use cloud_http::retry::RetryDecision;
use cloud_http::{ErrorMetadata, ServiceErrorKind, TransportError, TransportErrorKind};
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

cloud_http::service_error_newtype!(
    /// An `oss-client` error: the kind, the operation, the service's metadata and any detail — a thin newtype over
    /// the shared [`cloud_http::ServiceError`] (it derefs to it for `kind()`, `operation()`, `code()`,
    /// `request_id()`, `detail()`, `retry_after()`, `server_time()`, `is_not_found()`).
    ///
    /// ```
    /// use oss_client::{Error, ErrorKind};
    /// let e = Error::invalid_input("PutBucket", "bucket name `A` must be lower case");
    /// assert_eq!(e.kind(), &ErrorKind::InvalidInput);
    /// assert_eq!(e.operation(), "PutBucket");
    /// assert!(e.to_string().contains("lower case"));
    /// ```
    pub struct Error(ErrorKind);
);

impl Error {
    /// An error of `kind` in `operation`.
    pub fn new(kind: ErrorKind, operation: &'static str) -> Self {
        Self(cloud_http::ServiceError::new(kind, operation))
    }

    /// A service error with its metadata.
    pub fn service(kind: ErrorKind, operation: &'static str, metadata: ErrorMetadata) -> Self {
        Self::new(kind, operation).with_metadata(metadata)
    }

    /// Records the delay the server asked for.
    pub fn with_retry_after(self, delay: Duration) -> Self {
        self.with_retry(RetryDecision::RetryAfter(delay))
    }

    /// Marks the error as not retryable whatever its kind (a timeout of a non-idempotent request).
    pub fn never_retry(self) -> Self {
        self.with_retry(RetryDecision::DoNotRetry)
    }

    /// For `SignatureDoesNotMatch`: the string the server signed.
    pub fn server_string_to_sign(&self) -> Option<&str> {
        match self.kind() {
            ErrorKind::SignatureMismatch { server_string_to_sign } => server_string_to_sign.as_deref(),
            _ => None,
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        let kind = ErrorKind::transport(e.kind);
        let operation = e.operation;
        Error::new(kind, operation).with_detail(e.message.clone()).with_source(e)
    }
}

impl ServiceErrorKind for ErrorKind {
    const INVALID_INPUT: Self = ErrorKind::InvalidInput;
    const DECODE: Self = ErrorKind::Decode;
    const TRANSPORT: fn(TransportErrorKind) -> Self = ErrorKind::Transport;
    const TIMEOUT: Option<Self> = Some(ErrorKind::Timeout);
    const NOT_FOUND: &'static [Self] =
        &[ErrorKind::NoSuchBucket, ErrorKind::NoSuchKey, ErrorKind::NoSuchCorsConfiguration, ErrorKind::EntityNotExist];

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::InvalidInput => write!(f, "invalid input"),
            ErrorKind::Transport(_) => write!(f, "transport error"),
            ErrorKind::Timeout => write!(f, "timed out"),
            ErrorKind::Decode => write!(f, "could not decode the response"),
            ErrorKind::PublicAclBlocked => write!(
                f,
                "a public ACL is blocked by Block Public Access (turn it off for the bucket, and for the account if it is on there)"
            ),
            ErrorKind::ClockSkew => write!(f, "the local clock differs from the server's by more than allowed"),
            other => write!(f, "{other:?}"),
        }
    }

    /// Throttling, 5xx service errors and transient transport failures are retryable (after the server's delay,
    /// when it named one); an error marked [`Error::never_retry`] is not (a timeout of a non-idempotent request).
    fn retry_decision(error: &cloud_http::ServiceError<Self>) -> RetryDecision {
        let hint = error.retry_hint();
        if hint == Some(RetryDecision::DoNotRetry) {
            return RetryDecision::DoNotRetry;
        }
        let transient = match error.kind() {
            ErrorKind::Throttled => true,
            ErrorKind::Timeout => true,
            ErrorKind::Transport(k) => {
                matches!(k, TransportErrorKind::Connect | TransportErrorKind::ConnectionReset)
            }
            ErrorKind::Service => error.metadata().is_some_and(|m| m.status >= 500),
            _ => false,
        };
        match (transient, hint) {
            (false, _) => RetryDecision::DoNotRetry,
            (true, Some(RetryDecision::RetryAfter(d))) => RetryDecision::RetryAfter(d),
            (true, _) => RetryDecision::Retry,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
