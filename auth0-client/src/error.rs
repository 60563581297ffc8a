//! The one error type of this crate: [`Error`], with an [`ErrorKind`] a caller can match and the service's
//! [`ErrorMetadata`] (status, `errorCode`, message, request id).

use chrono::{DateTime, Utc};
use cloud_http::retry::RetryDecision;
use cloud_http::{ServiceErrorKind, TransportError, TransportErrorKind};
use std::fmt;
use std::time::Duration;

/// What went wrong, in terms a caller can act on.
///
/// ```
/// use auth0_client::{Error, ErrorKind};
/// let err = Error::invalid_input("CreateClient", "name must not contain `<` or `>`");
/// assert!(matches!(err.kind(), ErrorKind::InvalidInput));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The client configuration is unusable (domain, base URL, credentials, budget). Nothing was sent.
    InvalidConfig,
    /// An argument was refused before any request was sent (a name, an id, a URL, a page size).
    InvalidInput,
    /// The Management API token lacks scopes this client needs. Found before calling the operation.
    MissingScopes {
        /// The scopes that are needed but were not granted, sorted.
        missing: Vec<String>,
    },
    /// The token endpoint refused the client id or secret (`401 access_denied`).
    InvalidClientCredentials,
    /// The machine-to-machine application has no client grant for the Management API (`403 access_denied`).
    ClientNotAuthorized,
    /// Any other OAuth error from the token endpoint (`error` / `error_description`).
    TokenRequest,
    /// HTTP 400: the service rejected the request; the message says why.
    BadRequest,
    /// HTTP 401: the token was refused.
    Unauthorized,
    /// HTTP 403 naming the scopes the operation expects (`errorCode: insufficient_scope`).
    InsufficientScope {
        /// The scopes the service said it expected (any of them).
        expected: Vec<String>,
    },
    /// HTTP 403 for another reason (a tenant limit, a forbidden field).
    Forbidden,
    /// HTTP 404.
    NotFound,
    /// HTTP 409: the resource already exists (a user with this email, a client alias).
    Conflict,
    /// HTTP 429: the rate limit was hit.
    RateLimited {
        /// When the limit resets (`x-ratelimit-reset`), if the service said.
        reset_at: Option<DateTime<Utc>>,
        /// The delay the service asked for (`Retry-After`, else the reset time), if any.
        retry_after: Option<Duration>,
    },
    /// HTTP 5xx (or 408).
    ServerError,
    /// Any other unexpected HTTP status.
    UnexpectedStatus,
    /// The request failed below HTTP (connect, timeout, reset, oversized body).
    Transport(TransportErrorKind),
    /// A response could not be decoded.
    Decode,
    /// A lookup by name matched several resources.
    Ambiguous,
    /// An ID or access token failed verification (signature, issuer, audience, expiry, unknown key).
    InvalidToken,
}

cloud_http::service_error_newtype!(
    /// An error from this crate. It names the operation, says what went wrong ([`Error::kind`]), and carries what
    /// the service said ([`Error::metadata`]). It never contains a secret or a token. A thin newtype over the shared
    /// [`cloud_http::ServiceError`], whose accessors (`kind()`, `operation()`, `metadata()`, `code()`, `status()`,
    /// `request_id()`, `is_not_found()`) it derefs to.
    ///
    /// ```
    /// use auth0_client::{Error, ErrorKind};
    /// let err = Error::invalid_config("domain `https://x.auth0.com` must be a bare host");
    /// assert!(err.to_string().contains("bare host"));
    /// assert!(err.metadata().is_none());
    /// ```
    pub struct Error(ErrorKind);
);

impl Error {
    pub(crate) fn new(operation: &'static str, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(cloud_http::ServiceError::new(kind, operation).with_detail(message))
    }

    /// An unusable configuration.
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Self::new("Configure", ErrorKind::InvalidConfig, message)
    }

    /// Missing scopes, found before calling `operation`.
    pub fn missing_scopes(operation: &'static str, mut missing: Vec<String>) -> Self {
        missing.sort();
        missing.dedup();
        let message = format!(
            "the Management API token lacks the scope(s) {}; grant them to the machine-to-machine application in \
             Dashboard > Applications > APIs > Auth0 Management API > Machine to Machine Applications",
            missing.join(", ")
        );
        Self::new(operation, ErrorKind::MissingScopes { missing }, message)
    }

    pub(crate) fn with_message(self, message: impl Into<String>) -> Self {
        self.with_detail(message)
    }

    pub(crate) fn retryable(self, retryable: bool) -> Self {
        self.with_retry(if retryable { RetryDecision::Retry } else { RetryDecision::DoNotRetry })
    }

    /// Wraps a transport failure; `idempotent` says whether repeating the request is harmless.
    pub(crate) fn transport(error: TransportError, idempotent: bool) -> Self {
        Self(cloud_http::ServiceError::from_transport(error, idempotent))
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        self.detail().unwrap_or_default()
    }

    /// Whether the failure is a 409 (for users: the user already exists).
    pub fn is_conflict(&self) -> bool {
        *self.kind() == ErrorKind::Conflict
    }

    /// Whether the request may have taken effect although no answer arrived (timeout, reset, 5xx): a
    /// non-idempotent write must be checked before it is repeated.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Transport(TransportErrorKind::Timeout | TransportErrorKind::ConnectionReset)
                | ErrorKind::ServerError
        )
    }
}

impl ServiceErrorKind for ErrorKind {
    const INVALID_INPUT: Self = ErrorKind::InvalidInput;
    const DECODE: Self = ErrorKind::Decode;
    const TRANSPORT: fn(TransportErrorKind) -> Self = ErrorKind::Transport;
    const NOT_FOUND: &'static [Self] = &[ErrorKind::NotFound];

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::InvalidConfig => "invalid configuration",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::MissingScopes { .. } => "missing scopes",
            ErrorKind::InvalidClientCredentials => "wrong client id or secret",
            ErrorKind::ClientNotAuthorized => "client not authorised for the Management API",
            ErrorKind::TokenRequest => "token request refused",
            ErrorKind::BadRequest => "bad request",
            ErrorKind::Unauthorized => "unauthorised",
            ErrorKind::InsufficientScope { .. } => "insufficient scope",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited { .. } => "rate limited",
            ErrorKind::ServerError => "server error",
            ErrorKind::UnexpectedStatus => "unexpected status",
            ErrorKind::Transport(_) => "transport error",
            ErrorKind::Decode => "malformed response",
            ErrorKind::Ambiguous => "ambiguous",
            ErrorKind::InvalidToken => "invalid token",
        })
    }

    /// `{operation}: {kind}: {message}[ (expected any of: …)][ (resets at …)][ [HTTP {status} {code}, request
    /// id {id}]]`.
    fn fmt_error(error: &cloud_http::ServiceError<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", error.operation())?;
        error.kind().describe(f)?;
        write!(f, ": {}", error.detail().unwrap_or_default())?;
        if let ErrorKind::InsufficientScope { expected } = error.kind()
            && !expected.is_empty()
        {
            write!(f, " (expected any of: {})", expected.join(", "))?;
        }
        if let ErrorKind::RateLimited { reset_at: Some(at), .. } = error.kind() {
            write!(f, " (resets at {})", at.to_rfc3339())?;
        }
        if let Some(meta) = error.metadata() {
            // The message is already shown; add the status, code and request id.
            write!(f, " [HTTP {}", meta.status)?;
            if let Some(code) = meta.code() {
                write!(f, " {code}")?;
            }
            if let Some(id) = meta.request_id() {
                write!(f, ", request id {id}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }

    /// A 429 was not processed: safe to repeat even for a POST, after the delay the service named. Anything
    /// else only when marked retryable.
    fn retry_decision(error: &cloud_http::ServiceError<Self>) -> RetryDecision {
        match error.kind() {
            ErrorKind::RateLimited { retry_after: Some(d), .. } => RetryDecision::RetryAfter(*d),
            ErrorKind::RateLimited { .. } => RetryDecision::Retry,
            _ if error.retry_hint() == Some(RetryDecision::Retry) => RetryDecision::Retry,
            _ => RetryDecision::DoNotRetry,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_http::Retryable;

    #[test]
    fn missing_scopes_are_named_sorted() {
        let e = Error::missing_scopes("Op", vec!["update:connections_options".into(), "read:clients".into()]);
        assert_eq!(
            e.kind(),
            &ErrorKind::MissingScopes { missing: vec!["read:clients".into(), "update:connections_options".into()] }
        );
        assert!(e.to_string().contains("read:clients, update:connections_options"));
    }

    #[test]
    fn rate_limits_are_retried_after_the_delay_and_other_errors_only_when_marked() {
        let e = Error::new(
            "Op",
            ErrorKind::RateLimited { reset_at: None, retry_after: Some(Duration::from_secs(2)) },
            "slow down",
        );
        assert_eq!(e.retry_decision(), RetryDecision::RetryAfter(Duration::from_secs(2)));
        assert_eq!(Error::new("Op", ErrorKind::ServerError, "x").retry_decision(), RetryDecision::DoNotRetry);
        assert_eq!(
            Error::new("Op", ErrorKind::ServerError, "x").retryable(true).retry_decision(),
            RetryDecision::Retry
        );
        let t = Error::transport(TransportError::new("Op", TransportErrorKind::Timeout, "t"), false);
        assert!(!t.is_retryable());
        assert!(t.outcome_unknown());
    }
}

#[cfg(test)]
mod display_tests {
    use super::*;
    use cloud_http::ErrorMetadata;

    #[test]
    fn display_names_operation_kind_message_status_code_and_request_id() {
        let e = Error::new("GetClient", ErrorKind::NotFound, "Client not found.")
            .with_metadata(ErrorMetadata::new(404).with_code("inexistent_client").with_request_id("r-1"));
        assert_eq!(
            e.to_string(),
            "GetClient: not found: Client not found. [HTTP 404 inexistent_client, request id r-1]"
        );
    }
}
