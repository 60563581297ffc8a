//! `destroy`: removes what the state file records as created by the tool — and nothing else — in reverse order:
//! the Vercel domain, the variables and the project; the Auth0 users and application; the access keys, the policy
//! attachment, the policy and the RAM user; the bucket only when it is empty, or with its objects when asked.
//!
//! - What the tool did not create is left alone, and said so: an adopted Vercel project keeps every variable the
//!   tool did not create (a `KEY_VAULTS_SECRET` or `DATABASE_URL` someone else set is never touched); a bucket
//!   or RAM user that existed before stays.
//! - The generated secrets stay in the state file unless [`DestroyOptions::forget_secrets`] is set: a
//!   `KEY_VAULTS_SECRET` is what decrypts the API keys users stored in the database, which outlives the
//!   deployment; with the copy kept, a later `apply` restores it.
//! - The report lists what cannot be undone ([`DestroyReport::irreversible`]); the CLI asks for the project's
//!   name before doing it.
//! - Each service's removal runs even when another's failed: every failure is collected and returned together
//!   ([`Error::Several`]); what was removed is forgotten in the state file one item at a time (through the
//!   journal, [`crate::journal::Record`]), so a re-run finishes the job.
//!
//! Same shape as `apply`: [`observe`] reads (the listings a removal needs), [`plan`] decides — a pure function
//! whose changing rows carry a typed [`DestroyOp`] — and [`execute`] sends exactly those operations, in order.
//! Whether the operations run is decided once, by the caller: [`destroy`] (`dry_run`), or the CLI, which shows
//! the report of [`prepare`] under the state lock and executes that same report once confirmed
//! ([`execute_confirmed`]).

mod execute;
mod plan;

pub use execute::execute;
pub use plan::{BucketSeen, DestroyObserved, observe, plan};

use crate::engine::Provisioner;
use crate::error::{Error, Result};
use crate::plan::Plan;
use serde::{Deserialize, Serialize};

/// Options of `destroy`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DestroyOptions {
    /// Delete the bucket's objects first, so a non-empty bucket the tool created can go too.
    pub delete_bucket_contents: bool,
    /// Only report what would be removed.
    pub dry_run: bool,
    /// Also remove the generated secrets (`KEY_VAULTS_SECRET`, `AUTH_SECRET`, `JWKS_KEY`) from the state file.
    /// Without a copy of `KEY_VAULTS_SECRET`, the API keys users stored in the database cannot be decrypted again.
    pub forget_secrets: bool,
}

/// What `destroy` removed (or, in a dry run, would remove), and what of it cannot be undone.
///
/// Dereferences to its [`Plan`].
#[derive(Debug, Clone, Default)]
pub struct DestroyReport {
    /// Every resource and variable, with its action; the changing rows carry their [`DestroyOp`].
    pub plan: Plan,
    /// What cannot be undone, one line each (deleted objects, a deleted project's deployments, users' passwords,
    /// forgotten secrets).
    pub irreversible: Vec<String>,
}

impl std::ops::Deref for DestroyReport {
    type Target = Plan;
    fn deref(&self) -> &Plan {
        &self.plan
    }
}

impl DestroyReport {
    /// The plan as text, followed by what cannot be undone.
    ///
    /// ```
    /// let mut report = provision::destroy::DestroyReport::default();
    /// report.irreversible.push("the objects of bucket files".into());
    /// assert!(report.render_text().contains("Cannot be undone:\n  - the objects of bucket files"));
    /// ```
    pub fn render_text(&self) -> String {
        let mut out = self.plan.render_text();
        if !self.irreversible.is_empty() {
            out.push_str("Cannot be undone:\n");
            for what in &self.irreversible {
                out.push_str(&format!("  - {what}\n"));
            }
        }
        out
    }
}

/// One removal, as `destroy` plans it and [`execute`] sends it. Names and ids only; never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DestroyOp {
    /// Vercel `removeProjectDomain` (`DELETE /v9/projects/{id}/domains/{domain}`).
    VercelDomain {
        /// The project id.
        project_id: String,
        /// The domain.
        domain: String,
    },
    /// Vercel `deleteProject` (`DELETE /v9/projects/{id}`): its variables and deployments go with it.
    VercelProject {
        /// The project id.
        project_id: String,
    },
    /// Vercel `batchRemoveProjectEnv` (`DELETE /v1/projects/{id}/env` with the ids) — only the
    /// variables the tool created, on a project it adopted.
    VercelEnv {
        /// The project id.
        project_id: String,
        /// The ids of those of them that exist, as listed (none: only the journal forgets them).
        ids: Vec<String>,
        /// The keys of every variable the tool created there (what the journal forgets).
        keys: Vec<String>,
    },
    /// `DELETE /api/v2/users/{id}` (Auth0 Management API `delete_users_by_id`).
    Auth0User {
        /// The user id.
        user_id: String,
    },
    /// `DELETE /api/v2/clients/{id}` (`delete_clients_by_id`); the invite links that point at it die with it.
    Auth0Client {
        /// The client id.
        client_id: String,
    },
    /// `PATCH /api/v2/connections/{id}` with `options.disable_signup = false`: a shared connection's setting the
    /// tool changed, put back.
    Auth0RestoreSignup {
        /// The connection id.
        connection_id: String,
    },
    /// `DELETE /api/v2/connections/{id}` (`delete_connections_by_id`): the dedicated connection, with its users.
    Auth0Connection {
        /// The connection id.
        connection_id: String,
    },
    /// RAM `DeleteAccessKey`.
    RamAccessKey {
        /// The RAM user.
        user: String,
        /// The AccessKey id.
        access_key_id: String,
    },
    /// RAM `DetachPolicyFromUser`.
    RamDetach {
        /// The RAM user.
        user: String,
        /// `System` or `Custom`.
        policy_type: String,
        /// The policy name.
        policy: String,
    },
    /// RAM `DeletePolicy` with `CascadingDelete=true` (its non-default versions and attachments go too).
    RamPolicy {
        /// The policy name.
        policy: String,
    },
    /// RAM `DeleteUser` — skipped when a removal of its keys or policies failed in this run (RAM refuses to
    /// delete a user that still has them).
    RamUser {
        /// The RAM user.
        user: String,
    },
    /// OSS `DeleteObject` for each object, then `DeleteBucket` (only when every object went).
    OssBucket {
        /// The bucket.
        bucket: String,
        /// The objects' keys, as listed (empty for an empty bucket).
        objects: Vec<String>,
    },
    /// The bucket is already gone: only the journal forgets it.
    ForgetBucket {
        /// The bucket.
        bucket: String,
    },
    /// Neon `DELETE /projects/{id}` ("Delete project"), only when its name was typed back.
    NeonProject {
        /// The project id.
        project_id: String,
    },
}

/// Reads and plans a removal ([`observe`] then [`plan`]) without sending anything: what the CLI shows before it
/// asks for confirmation, and what it then executes ([`execute_confirmed`]) — the same rows, not a new plan.
/// Listings that failed come back in the second value; the rows they would have given are not in the plan.
pub async fn prepare(p: &Provisioner, options: DestroyOptions) -> (DestroyReport, Vec<Error>) {
    let state = p.state().snapshot();
    let observed = observe(p, &state).await;
    let report = plan(p.config(), &state, options, &observed);
    (report, observed.failures)
}

/// Executes a prepared (and confirmed) report: every operation of its plan ([`execute`]), then — when all of
/// them succeeded — forgets the recorded domain, and the generated secrets with `forget_secrets`. The caller
/// holds the state lock ([`Provisioner::lock_state`]) from before [`prepare`], so the plan executed is the one
/// that was shown.
///
/// # Errors
/// Every operation that failed, together ([`Error::Several`] when more than one).
pub async fn execute_confirmed(p: &Provisioner, report: &mut DestroyReport, forget_secrets: bool) -> Result<()> {
    let mut failures = execute(p, &mut report.plan).await;
    if failures.is_empty() {
        execute::forget_deployment(p, forget_secrets, &mut failures);
    }
    Error::combine(failures)
}

/// Removes what the state file says the tool created. Returns what was (or, with `dry_run`, would be) removed.
///
/// Takes the state file's lock for the run (not in a dry run). Errors: every step that failed, together
/// ([`Error::Several`] when more than one); everything else was still removed, and running `destroy` again
/// finishes the job.
pub async fn destroy(p: &Provisioner, options: DestroyOptions) -> Result<DestroyReport> {
    let _lock = if options.dry_run { None } else { Some(p.lock_state("destroy").await?) };
    if !options.dry_run {
        // Before any write: a missing scope (e.g. delete:users) must not stop destroy halfway.
        crate::steps::auth0::preflight(&p.services().auth0, auth0_client::scopes::Command::Destroy).await?;
    }
    // A listing that failed leaves its part out of the plan; the other parts are still removed.
    let (mut report, mut failures) = prepare(p, options).await;
    if !options.dry_run {
        failures.extend(execute(p, &mut report.plan).await);
        if failures.is_empty() {
            execute::forget_deployment(p, options.forget_secrets, &mut failures);
        }
    }
    Error::combine(failures)?;
    Ok(report)
}
