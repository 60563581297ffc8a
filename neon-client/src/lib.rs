//! # neon-client
//!
//! A typed async client for the few [Neon API v2](https://api-docs.neon.tech/reference/getting-started-with-neon-api)
//! operations a LobeHub deployment needs: create, get, find (by name) and delete a project; its default branch,
//! that branch's databases; and the connection URI of a database.
//!
//! - API key in a [`secrecy::SecretString`] (`Authorization: Bearer $NEON_API_KEY`, Neon "Get started" page).
//!   Connection URIs carry the role's password and are returned as [`secrecy::SecretString`] too.
//! - octocrab-like handler: [`NeonClient::projects`].
//! - One [`Error`] with a matchable [`ErrorKind`] and the service's metadata (`code`, `message`, and the request
//!   id of the `X-Neon-Ret-Request-ID` header); bad input is refused before anything is sent.
//! - Retries from `cloud-http`: 429 (Neon: "700 requests per minute … returns HTTP 429", API key concepts page)
//!   and 423 `Locked` (a project with running operations refuses new ones; nothing was done, so it is always
//!   safe to retry) honour `Retry-After`; 5xx and timeouts are retried only for idempotent calls — a project
//!   create whose answer was lost is **not** repeated: look it up by name first ([`ProjectsHandler::find_by_name`]).
//!
//! Which URI LobeHub should use: the **direct** (non-pooled) one; see [`ProjectsHandler::connection_uri`].
//!
//! ```no_run
//! # async fn demo() -> neon_client::Result<()> {
//! use secrecy::SecretString;
//! use neon_client::NeonClient;
//!
//! let neon = NeonClient::builder().api_key(SecretString::from("napi_…")).build()?;
//! let project = match neon.projects().find_by_name("lobehub").await? {
//!     Some(p) => p,
//!     None => neon.projects().create("lobehub").region("aws-eu-central-1").send().await?.project,
//! };
//! let uri = neon.projects().default_connection_uri(&project.id, false).await?;
//! # let _ = uri;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod client;
pub mod error;
pub mod projects;

pub use client::{DEFAULT_BASE_URL, NeonClient, NeonClientBuilder};
pub use error::{Error, ErrorKind, Result};
pub use projects::{
    Branch, ConnectionDetails, CreateProject, CreatedProject, Database, Endpoint, Project, ProjectsHandler,
};
