//! # vercel-client
//!
//! Typed async client for the Vercel REST API: projects, environment variables, domains and deployments.
//!
//! - Bearer token in a [`secrecy::SecretString`]; a team scope (`teamId` and/or `slug`) applied to every call.
//! - octocrab-like handlers: [`VercelClient::projects`], [`VercelClient::env`], [`VercelClient::domains`],
//!   [`VercelClient::deployments`], and [`VercelClient::sync_env`] to converge a variable set with the fewest
//!   requests.
//! - One [`Error`] with a matchable [`ErrorKind`] and the service's metadata; bad input is refused before
//!   anything is sent.
//! - Retries (from `cloud-http`) above build → send: 429 honours `Retry-After`, then `error.limit.reset`, then
//!   `X-RateLimit-Reset`; 5xx and timeouts are retried only for idempotent calls; bounded by count and time.
//!
//! ```no_run
//! # async fn demo() -> vercel_client::Result<()> {
//! use secrecy::SecretString;
//! use vercel_client::{EnvTarget::*, GitRepository, GitSource, NewEnvVar, VercelClient, WaitOptions};
//!
//! let client = VercelClient::builder().token(SecretString::from("tok")).team_id("team_1").build()?;
//! let project = match client.projects().find("lobechat").await? {
//!     Some(p) => p,
//!     None => client.projects().create("lobechat").framework("nextjs")
//!         .git_repository(GitRepository::github("myorg/lobehub")).send().await?,
//! };
//! let report = client
//!     .sync_env(&project.id, vec![NewEnvVar::sensitive("AUTH_SECRET", "…", [Production, Preview])])
//!     .send()
//!     .await?;
//! client.domains(&project.id).add("chat.example.com").send().await?;
//! let repo_id = project.link.and_then(|l| l.numeric_repo_id()).unwrap_or_default();
//! let d = client.deployments().create("lobechat").project(&project.id).production()
//!     .git_source(GitSource::github_repo_id(repo_id, "main")).send().await?;
//! client.deployments().wait_until_ready(&d.id, WaitOptions::default()).await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod client;
pub mod deployments;
pub mod domains;
pub mod env;
pub mod env_sync;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod pagination;
pub mod projects;

pub use client::{DEFAULT_BASE_URL, VercelClient, VercelClientBuilder};
pub use deployments::{
    AliasError, CreateDeployment, Deployment, DeploymentSummary, DeploymentsHandler, ENV_FINGERPRINT_META, GitSource,
    ReadyState, SeatBlock, WaitOptions,
};
pub use domains::{
    AddDomain, DnsRecord, DnsRecordType, DomainConfig, DomainStatus, DomainsHandler, ProjectDomain, RankedCname,
    RankedIpv4, VerificationChallenge,
};
pub use env::{BatchDeleted, CreateEnv, EditEnv, EnvHandler, EnvTarget, EnvType, EnvVar, NewEnvVar};
pub use env_sync::{DeleteReason, EnvSyncPlan, PlannedDelete, PlannedUpdate, SyncEnv, SyncReport, SyncedVar};
pub use error::{DeploymentFailure, Error, ErrorKind, FailedEnvVar, Result};
pub use pagination::{Cursor, Pagination};
pub use projects::{
    CreateProject, DeployHook, GitProvider, GitRepository, Project, ProjectLink, ProjectsHandler, RepoId, UpdateProject,
};

/// Re-exported so callers use the same secret type.
pub use secrecy;
