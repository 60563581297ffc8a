//! The one error type of `neon-client`: a kind a caller can match, the operation that failed (the Neon API's
//! operation id: `createProject`, `listProjects`, …) and the service's metadata.

use std::fmt;

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

cloud_http::error_kind! {
    /// What went wrong, as a caller matches it. Besides the kinds below: `InvalidInput` (refused before
    /// sending), `Server` (5xx), `Service` (any other status), `Transport`, `Timeout` and `Decode`.
    pub enum ErrorKind {
        /// 401: the API key is missing, revoked or invalid.
        Unauthorized => "the Neon API key is missing or invalid",
        /// 403: the key may not do this (a project-scoped key used for another project, or an org rule).
        Forbidden => "the Neon API key may not do this",
        /// 404.
        NotFound => "not found",
        /// 409: for example a name already in use.
        Conflict => "conflict",
        /// 423 `Locked`: the project has operations still running (after the retries the policy allowed).
        Locked => "the project has operations still running",
        /// 400 or 422: the request was refused as malformed or not allowed (an unknown region, a plan limit, …).
        BadRequest => "bad request",
        /// 429 (after the retries the policy allowed).
        RateLimited => "rate limited",
    }
    impl {
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
