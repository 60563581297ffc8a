//! The one error type of the GitHub client: a kind a caller can match, the operation that failed (the REST
//! reference's operation id: `repos/create-fork`, `actions/list-repo-workflows`, …) and GitHub's metadata — the
//! `message` and `documentation_url` of its error body and the `x-github-request-id` header.

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
    /// 400: the request could not be parsed (`Problems parsing JSON`).
    BadRequest,
    /// 401 `Requires authentication` / `Bad credentials`: the token is missing, expired or revoked.
    Unauthorized,
    /// 403 that is not a rate limit: the token lacks a scope or permission.
    Forbidden,
    /// 404 (GitHub also answers 404 for a private resource the token may not see).
    NotFound,
    /// 409: for example a repository that is empty or still being copied.
    Conflict,
    /// 422 `Validation Failed`.
    Validation,
    /// 429, or 403 with `retry-after` / `x-ratelimit-remaining: 0` / a "rate limit" message (after the retries
    /// the policy allowed).
    RateLimited,
    /// A 5xx answer (after the retries the policy allowed).
    Server,
    /// Any other status GitHub answered.
    Service,
    /// The request failed below HTTP (connect, reset, body too large, …).
    Transport(TransportErrorKind),
    /// The request timed out.
    Timeout,
    /// The answer could not be decoded.
    Decode,
}

/// A GitHub client error: the shared [`cloud_http::ServiceError`] with this client's [`ErrorKind`].
///
/// Never contains the token: GitHub's messages are scrubbed of it, decode errors name only the field's path.
///
/// ```
/// use provision::github::{Error, ErrorKind};
/// let e = Error::invalid_input("repos/get", "the repository name must not be empty");
/// assert_eq!(e.kind(), &ErrorKind::InvalidInput);
/// assert!(e.to_string().starts_with("repos/get failed: invalid input"));
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
            ErrorKind::BadRequest => "bad request",
            ErrorKind::Unauthorized => "the GitHub token is missing, expired or revoked",
            ErrorKind::Forbidden => "the GitHub token may not do this",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Validation => "validation failed",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Server => "server error",
            ErrorKind::Service => "service error",
            ErrorKind::Transport(_) => "transport error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Decode => "the answer could not be decoded",
        })
    }
}
