//! The one error type of `neon-client`: a kind a caller can match, the operation that failed (the Neon API's
//! operation id: `createProject`, `listProjects`, …) and the service's metadata.

use cloud_http::{ServiceErrorKind, TransportErrorKind};
use std::fmt;

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

/// A `neon-client` error: the kind, the operation, the service's metadata and any detail — the shared
/// [`cloud_http::ServiceError`] with this crate's [`ErrorKind`].
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
pub type Error = cloud_http::ServiceError<ErrorKind>;

impl ServiceErrorKind for ErrorKind {
    const INVALID_INPUT: Self = ErrorKind::InvalidInput;
    const DECODE: Self = ErrorKind::Decode;
    const TRANSPORT: fn(TransportErrorKind) -> Self = ErrorKind::Transport;
    const TIMEOUT: Option<Self> = Some(ErrorKind::Timeout);
    const NOT_FOUND: &'static [Self] = &[ErrorKind::NotFound];

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Unauthorized => "the Neon API key is missing or invalid",
            ErrorKind::Forbidden => "the Neon API key may not do this",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Locked => "the project has operations still running",
            ErrorKind::BadRequest => "bad request",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Server => "server error",
            ErrorKind::Service => "service error",
            ErrorKind::Transport(_) => "transport error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Decode => "the answer could not be decoded",
        })
    }

    /// `{operation} failed: {kind} (HTTP {status}, {code}): {message} [request {id}]: {detail}`.
    fn fmt_error(error: &Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", error.operation())?;
        error.kind().describe(f)?;
        if let Some(m) = error.metadata() {
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
        if let Some(detail) = error.detail() {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}
