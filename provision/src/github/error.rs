//! The one error type of the GitHub client: a kind a caller can match, the operation that failed (the REST
//! reference's operation id: `repos/create-fork`, `actions/list-repo-workflows`, …) and GitHub's metadata — the
//! `message` and `documentation_url` of its error body and the `x-github-request-id` header.

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

cloud_http::error_kind! {
    /// What went wrong, as a caller matches it. Besides the kinds below: `InvalidInput` (refused before
    /// sending), `Server` (5xx), `Service` (any other status), `Transport`, `Timeout` and `Decode`.
    pub enum ErrorKind {
        /// 400: the request could not be parsed (`Problems parsing JSON`).
        BadRequest => "bad request",
        /// 401 `Requires authentication` / `Bad credentials`: the token is missing, expired or revoked.
        Unauthorized => "the GitHub token is missing, expired or revoked",
        /// 403 that is not a rate limit: the token lacks a scope or permission.
        Forbidden => "the GitHub token may not do this",
        /// 404 (GitHub also answers 404 for a private resource the token may not see).
        NotFound => "not found",
        /// 409: for example a repository that is empty or still being copied.
        Conflict => "conflict",
        /// 422 `Validation Failed`.
        Validation => "validation failed",
        /// 429, or 403 with `retry-after` / `x-ratelimit-remaining: 0` / a "rate limit" message (after the retries
        /// the policy allowed).
        RateLimited => "rate limited",
    }
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
