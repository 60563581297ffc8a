//! The one error type of `vercel-client`, after smithy-rs: a kind a caller can match, the operation that failed,
//! and the service's metadata (`code`, `message`, `x-vercel-id`, and extras such as `action` and `link`).

use cloud_http::TransportErrorKind;
use std::fmt;

/// One entry of a `201` env create answer's `failed[]`: which variable was refused and why. Never holds a value.
///
/// ```
/// let f = vercel_client::FailedEnvVar { key: "A".into(), code: Some("ENV_CONFLICT".into()), message: None, target: vec![], git_branch: None };
/// assert_eq!(f.to_string(), "A (ENV_CONFLICT)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedEnvVar {
    /// The variable's key.
    pub key: String,
    /// The service's error code (`ENV_CONFLICT`, `ENV_ALREADY_EXISTS`, …).
    pub code: Option<String>,
    /// The service's message (scrubbed of the values that were sent).
    pub message: Option<String>,
    /// The targets of the refused variable, as reported.
    pub target: Vec<String>,
    /// The git branch of the refused variable, as reported.
    pub git_branch: Option<String>,
}

impl fmt::Display for FailedEnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.key)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

/// Why a deployment did not become ready: its final state and Vercel's account of the failure.
///
/// ```
/// let f = vercel_client::DeploymentFailure { id: "dpl_1".into(), ready_state: "ERROR".into(), error_code: Some("BUILD_FAILED".into()), error_message: None, inspector_url: None, alias_error: None };
/// assert!(f.to_string().contains("BUILD_FAILED"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentFailure {
    /// The deployment id.
    pub id: String,
    /// The final `readyState` (`ERROR`, `CANCELED`, or `READY` with an alias error).
    pub ready_state: String,
    /// Vercel's `errorCode`.
    pub error_code: Option<String>,
    /// Vercel's `errorMessage`.
    pub error_message: Option<String>,
    /// Where to read the build logs.
    pub inspector_url: Option<String>,
    /// The `aliasError` message, when the deployment was built but not aliased.
    pub alias_error: Option<String>,
}

impl fmt::Display for DeploymentFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deployment {} ended in {}", self.id, self.ready_state)?;
        if let Some(code) = &self.error_code {
            write!(f, " [{code}]")?;
        }
        if let Some(message) = &self.error_message {
            write!(f, ": {message}")?;
        }
        if let Some(alias) = &self.alias_error {
            write!(f, " (alias error: {alias})")?;
        }
        if let Some(url) = &self.inspector_url {
            write!(f, " — inspect: {url}")?;
        }
        Ok(())
    }
}

/// What went wrong, as a caller matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument, name, URL or configuration was refused before any request was sent.
    InvalidInput,
    /// 401: the token is missing or invalid.
    Unauthorized,
    /// 403 `forbidden`: the token may not act in this scope (often a missing or wrong `teamId`).
    Forbidden,
    /// 404 `not_found`.
    NotFound,
    /// 409 `conflict`, for example a project name that is already taken.
    Conflict,
    /// `ENV_CONFLICT` / `ENV_ALREADY_EXISTS` / `existing_key_and_target`: a variable with this key and an
    /// overlapping target already exists.
    EnvConflict,
    /// The git provider is not usable: no GitHub Login Connection, the Vercel GitHub App is missing, the repository
    /// is not visible (`repo_not_found`) or the link limit is reached. [`Error::action`] and [`Error::link`] say
    /// what the user must do.
    GitIntegration,
    /// Any other 400 `bad_request`.
    BadRequest,
    /// 429 `rate_limited` (after any retries the policy allowed).
    RateLimited,
    /// A 5xx answer (after any retries the policy allowed).
    Server,
    /// Any other error the service reported.
    Service,
    /// A `201` env create answer listed failed variables.
    EnvCreateFailed(Vec<FailedEnvVar>),
    /// A deployment ended in `ERROR` or `CANCELED`, or was built without its alias.
    DeploymentFailed(Box<DeploymentFailure>),
    /// `wait_until_ready` ran out of time; the last `readyState` seen.
    WaitTimedOut {
        /// The deployment id.
        id: String,
        /// The last `readyState` seen.
        last_state: String,
    },
    /// A paginated listing could not be completed: the server repeated a cursor or sent more pages than the cap
    /// ([`cloud_http::pagination::PaginationError`]). Nothing was decided from the partial listing.
    Pagination,
    /// `filterProjectEnvs` answered `hiddenProductionEnvCount > 0` (vsdk `FilterProjectEnvsResponseBody3`): the
    /// token cannot see production variables, so the listing is incomplete.
    HiddenProductionEnv {
        /// How many production variables were hidden.
        hidden: u64,
    },
    /// The token is not valid (403 with `invalidToken: true`, vcli `util/env/challenge-recovery.ts`): a new token
    /// is needed, not another scope.
    InvalidToken,
    /// The call needs a step-up verification (`challenge_required`, `challenge_required_email_otp`,
    /// `user_auth_required`, vcli `util/env/challenge-recovery.ts`): use a token that needs no interactive
    /// challenge (an access token created for automation).
    ChallengeRequired,
    /// 402: the plan does not allow this (a paid feature or a quota of the plan).
    PaymentRequired,
    /// 410: the API version or resource is gone.
    Gone,
    /// 428: a precondition must be met first (for example terms to accept in the dashboard).
    PreconditionRequired,
    /// The request failed below HTTP (connect, reset, body too large, …).
    Transport(TransportErrorKind),
    /// The request timed out.
    Timeout,
    /// The response could not be decoded.
    Decode,
}

cloud_http::service_error_newtype!(
    /// A `vercel-client` error: the kind, the operation, the service's metadata and any detail — a thin newtype over
    /// the shared [`cloud_http::ServiceError`] (it derefs to it for `kind()`, `operation()`, `status()`, `code()`,
    /// `message()`, `request_id()`, `detail()`, `retry_after()`, `is_not_found()`).
    ///
    /// Never contains the token or an environment variable's value.
    ///
    /// ```
    /// use vercel_client::{Error, ErrorKind};
    /// let e = Error::invalid_input("createProject", "project name must not be empty");
    /// assert_eq!(e.kind(), &ErrorKind::InvalidInput);
    /// assert_eq!(e.operation(), "createProject");
    /// assert!(e.to_string().contains("must not be empty"));
    /// ```
    pub struct Error(ErrorKind);
);

impl Error {
    /// An error of `kind` in `operation`, not retryable.
    pub fn new(kind: ErrorKind, operation: &'static str) -> Self {
        Self(cloud_http::ServiceError::new(kind, operation))
    }

    /// What the user must do, when Vercel says (`error.action`, e.g. "Install GitHub App").
    pub fn action(&self) -> Option<&str> {
        self.metadata().and_then(|m| m.extra("action").or_else(|| m.extra("ctaLabel")))
    }

    /// Where the user can do it (`error.link` or `error.ctaUrl`).
    pub fn link(&self) -> Option<&str> {
        self.metadata().and_then(|m| m.extra("link").or_else(|| m.extra("ctaUrl")))
    }

    /// The variables a `201` env create refused, if that is what this error is.
    pub fn failed_env_vars(&self) -> &[FailedEnvVar] {
        match self.kind() {
            ErrorKind::EnvCreateFailed(failed) => failed,
            _ => &[],
        }
    }

    /// The deployment failure, if that is what this error is.
    pub fn deployment_failure(&self) -> Option<&DeploymentFailure> {
        match self.kind() {
            ErrorKind::DeploymentFailed(failure) => Some(failure),
            _ => None,
        }
    }
}

cloud_http::error_kind! {
    impl for ErrorKind {
        fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                ErrorKind::InvalidInput => write!(f, "invalid input"),
                ErrorKind::Unauthorized => write!(f, "the token is missing or invalid"),
                ErrorKind::Forbidden => {
                    write!(f, "not authorized in this scope (check the token's access and the teamId/slug)")
                }
                ErrorKind::NotFound => write!(f, "not found"),
                ErrorKind::Conflict => write!(f, "conflict"),
                ErrorKind::EnvConflict => write!(f, "an environment variable with this key and target already exists"),
                ErrorKind::GitIntegration => write!(f, "the git repository cannot be linked"),
                ErrorKind::BadRequest => write!(f, "bad request"),
                ErrorKind::RateLimited => write!(f, "rate limited"),
                ErrorKind::Server => write!(f, "server error"),
                ErrorKind::Service => write!(f, "service error"),
                ErrorKind::EnvCreateFailed(failed) => {
                    write!(f, "{} environment variable(s) were not created: ", failed.len())?;
                    for (i, item) in failed.iter().enumerate() {
                        if i > 0 {
                            write!(f, "; ")?;
                        }
                        write!(f, "{item}")?;
                    }
                    Ok(())
                }
                ErrorKind::DeploymentFailed(failure) => write!(f, "{failure}"),
                ErrorKind::WaitTimedOut { id, last_state } => {
                    write!(f, "deployment {id} was not ready in time (last state {last_state})")
                }
                ErrorKind::Pagination => write!(f, "the listing could not be completed"),
                ErrorKind::HiddenProductionEnv { hidden } => write!(
                    f,
                    "the token cannot see production variables ({hidden} hidden); use a token with access to production environment variables"
                ),
                ErrorKind::InvalidToken => write!(f, "the token is not valid (create a new Vercel access token)"),
                ErrorKind::ChallengeRequired => {
                    write!(f, "Vercel asks for an interactive verification; use an access token made for automation")
                }
                ErrorKind::PaymentRequired => write!(f, "the Vercel plan does not allow this (402)"),
                ErrorKind::Gone => write!(f, "gone (410)"),
                ErrorKind::PreconditionRequired => {
                    write!(f, "a precondition must be met first (428; see the message, often in the dashboard)")
                }
                ErrorKind::Transport(_) => write!(f, "transport error"),
                ErrorKind::Timeout => write!(f, "timed out"),
                ErrorKind::Decode => write!(f, "could not decode the response"),
            }
        }
    }
}

/// The `Result` of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
