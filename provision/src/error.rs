//! The provisioning error: which step failed, the client error underneath (with the service's code and request
//! id), or a situation the tool refuses to resolve alone, with what to do about it.

use crate::config::ConfigError;
use crate::state::StateError;

/// A provisioning error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inputs are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The state file could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// An Aliyun OSS or RAM call failed.
    #[error("{step}: {source}")]
    Aliyun {
        /// The step.
        step: String,
        /// The client error.
        #[source]
        source: oss_client::Error,
    },
    /// An Auth0 call failed.
    #[error("{step}: {source}")]
    Auth0 {
        /// The step.
        step: String,
        /// The client error.
        #[source]
        source: auth0_client::Error,
    },
    /// A Vercel call failed.
    #[error("{step}: {source}")]
    Vercel {
        /// The step.
        step: String,
        /// The client error.
        #[source]
        source: vercel_client::Error,
    },
    /// The live state is one the tool will not change on its own (a name held by someone else, a project linked
    /// to another repository, …).
    #[error("{step}: {problem}\n  fix: {fix}")]
    Blocked {
        /// The step.
        step: String,
        /// What is wrong.
        problem: String,
        /// What to do.
        fix: String,
    },
    /// `apply PLAN`: the live state (or the configuration) is no longer what the saved plan was made from.
    /// Nothing of the stage named was sent.
    #[error(
        "the saved plan is stale: {stage}: {what}\n  fix: run `provision plan --out PLAN` again, review it, then `provision apply PLAN`"
    )]
    StalePlan {
        /// The stage whose live state changed (`oss.cors`, `vercel.env`, or `config`).
        stage: String,
        /// What differs (resources, never secret values).
        what: String,
    },
    /// Several independent steps failed.
    #[error("{} steps failed:\n{}", .0.len(), .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Several(Vec<Error>),
}

impl Error {
    /// A blocked step.
    pub fn blocked(step: impl Into<String>, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Error::Blocked { step: step.into(), problem: problem.into(), fix: fix.into() }
    }

    /// Whether this is (or, for independent steps, every failure in it is) a stale saved plan.
    pub fn is_stale_plan(&self) -> bool {
        match self {
            Error::StalePlan { .. } => true,
            Error::Several(errors) => !errors.is_empty() && errors.iter().all(Error::is_stale_plan),
            _ => false,
        }
    }

    /// Combines the errors of independent steps (none → `Ok`).
    pub fn combine(errors: Vec<Error>) -> Result<(), Error> {
        let mut errors = errors;
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Several(errors)),
        }
    }
}

/// Attaches a step name to a client result.
pub trait StepContext<T> {
    /// Names the step that failed.
    fn step(self, step: &str) -> Result<T, Error>;
}

impl<T> StepContext<T> for Result<T, oss_client::Error> {
    fn step(self, step: &str) -> Result<T, Error> {
        self.map_err(|source| Error::Aliyun { step: step.to_string(), source })
    }
}

impl<T> StepContext<T> for Result<T, auth0_client::Error> {
    fn step(self, step: &str) -> Result<T, Error> {
        self.map_err(|source| Error::Auth0 { step: step.to_string(), source })
    }
}

impl<T> StepContext<T> for Result<T, vercel_client::Error> {
    fn step(self, step: &str) -> Result<T, Error> {
        self.map_err(|source| Error::Vercel { step: step.to_string(), source })
    }
}

/// The provisioning result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
