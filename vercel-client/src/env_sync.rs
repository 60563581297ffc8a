//! `sync_env`: converge a project's environment variables to a desired set with the fewest requests.
//!
//! One list (`decrypt=true`), then: one batch create for the missing variables, one `PATCH` per changed variable,
//! and one batch delete — only for what the caller asked to delete. A converged set costs the list request alone,
//! and an unchanged value is never rewritten. Variables are matched by `(key, targets, gitBranch)`; an existing
//! variable with the same key and branch whose targets overlap is re-targeted by `PATCH` rather than duplicated, and
//! any further overlapping variable of that key is deleted first (it would make the `PATCH` or create conflict).
//! Requests go in the order delete → `PATCH` (shrinking targets first) → create, so none hits `ENV_CONFLICT`.
//! `sensitive` values cannot be read back, so they are compared by presence unless
//! [`overwrite_sensitive`](SyncEnv::overwrite_sensitive) is set.
//!
//! The decision is a value of its own: [`SyncEnv::plan`] turns a listing into an [`EnvSyncPlan`] (typed deletes,
//! updates and creates; no request, no value in its `Debug`), [`SyncEnv::execute`] sends exactly that plan, and
//! [`SyncEnv::send`] does list → plan → execute (with [`dry_run`](SyncEnv::dry_run), list → plan). A caller that
//! shows a plan before applying it (provision's `plan`) uses the client's own decision rather than a copy.

use crate::client::VercelClient;
use crate::env::{EnvTarget, EnvType, EnvVar, NewEnvVar};
use crate::error::{Error, ErrorKind, Result};
use secrecy::ExposeSecret;
use std::collections::{BTreeSet, HashSet};
use std::fmt;

/// The operation named in errors.
const OP: &str = "syncProjectEnv";

/// One variable named in a [`SyncReport`]: key, targets and branch — never the value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SyncedVar {
    /// The key.
    pub key: String,
    /// The targets.
    pub targets: BTreeSet<EnvTarget>,
    /// The git branch.
    pub git_branch: Option<String>,
}

impl fmt::Display for SyncedVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [", self.key)?;
        for (i, t) in self.targets.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(t.as_str())?;
        }
        f.write_str("]")?;
        if let Some(b) = &self.git_branch {
            write!(f, "@{b}")?;
        }
        Ok(())
    }
}

impl SyncedVar {
    fn of_new(v: &NewEnvVar) -> Self {
        Self { key: v.key.clone(), targets: v.targets.clone(), git_branch: v.git_branch.clone() }
    }
    fn of_existing(v: &EnvVar) -> Self {
        Self { key: v.key.clone(), targets: v.target.clone(), git_branch: v.git_branch.clone() }
    }
}

/// What [`SyncEnv::send`] did: keys (with targets) only, never values.
///
/// ```
/// let report = vercel_client::SyncReport::default();
/// assert!(report.is_converged());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Created variables.
    pub created: Vec<SyncedVar>,
    /// Variables whose value, type or targets were changed.
    pub updated: Vec<SyncedVar>,
    /// Deleted variables.
    pub deleted: Vec<SyncedVar>,
    /// Variables already as desired.
    pub unchanged: Vec<SyncedVar>,
    /// Existing variables not in the desired set and left in place.
    pub left_alone: Vec<SyncedVar>,
    /// Requests sent, the list included.
    pub requests: usize,
}

impl SyncReport {
    /// Whether nothing had to change.
    pub fn is_converged(&self) -> bool {
        self.created.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} deleted, {} unchanged, {} left alone ({} requests)",
            self.created.len(),
            self.updated.len(),
            self.deleted.len(),
            self.unchanged.len(),
            self.left_alone.len(),
            self.requests
        )
    }
}

/// A `sync_env` run; from [`VercelClient::sync_env`] or [`EnvHandler::sync`](crate::EnvHandler::sync).
#[derive(Debug)]
pub struct SyncEnv<'c> {
    client: &'c VercelClient,
    project: String,
    desired: Vec<NewEnvVar>,
    delete_unlisted: bool,
    delete_keys: BTreeSet<String>,
    overwrite_sensitive: bool,
    overwrite_keys: BTreeSet<String>,
    dry_run: bool,
    existing: Option<Vec<EnvVar>>,
}

impl<'c> crate::env::EnvHandler<'c> {
    /// Starts a [`SyncEnv`] for this project.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// use vercel_client::{EnvTarget::*, NewEnvVar};
    /// let report = client.env("lobechat")
    ///     .sync(vec![NewEnvVar::encrypted("S3_BUCKET", "lobe", [Production, Preview])])
    ///     .delete_keys(["NEXT_PUBLIC_SERVICE_MODE", "ACCESS_CODE"])
    ///     .send().await?;
    /// # Ok(()) }
    /// ```
    pub fn sync(&self, desired: Vec<NewEnvVar>) -> SyncEnv<'c> {
        SyncEnv::new(self.client_ref(), self.project().to_string(), desired)
    }
}

impl<'c> SyncEnv<'c> {
    pub(crate) fn new(client: &'c VercelClient, project: String, desired: Vec<NewEnvVar>) -> Self {
        Self {
            client,
            project,
            desired,
            delete_unlisted: false,
            delete_keys: BTreeSet::new(),
            overwrite_sensitive: false,
            overwrite_keys: BTreeSet::new(),
            dry_run: false,
            existing: None,
        }
    }

    /// Also delete every existing variable that is not in the desired set (integration-owned variables excepted).
    pub fn delete_unlisted(mut self, yes: bool) -> Self {
        self.delete_unlisted = yes;
        self
    }

    /// Also delete existing variables with these keys, whatever their targets (for example the deprecated
    /// variables that break a build). A key that is also desired is not deleted.
    pub fn delete_keys<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.delete_keys.extend(keys.into_iter().map(Into::into));
        self
    }

    /// Rewrite `sensitive` values even when a variable is present (their values cannot be compared).
    pub fn overwrite_sensitive(mut self, yes: bool) -> Self {
        self.overwrite_sensitive = yes;
        self
    }

    /// Rewrite these `sensitive` variables even when present: for a caller that knows their value changed (a
    /// rotated access key secret) without rewriting every other sensitive value.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient, vars: Vec<vercel_client::NewEnvVar>) -> vercel_client::Result<()> {
    /// client.sync_env("lobechat", vars).overwrite_keys(["S3_SECRET_ACCESS_KEY"]).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn overwrite_keys<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.overwrite_keys.extend(keys.into_iter().map(Into::into));
        self
    }

    /// Computes the report (what would be created, updated, deleted) after the list request, without writing.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient, vars: Vec<vercel_client::NewEnvVar>) -> vercel_client::Result<()> {
    /// let preview = client.sync_env("lobechat", vars).dry_run(true).send().await?;
    /// assert_eq!(preview.requests, 1);
    /// # Ok(()) }
    /// ```
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// Uses this listing of the project's variables (from [`EnvHandler::list_decrypted`](crate::EnvHandler::list_decrypted)
    /// moments ago) instead of listing them again: a caller that already read them saves a request.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient, vars: Vec<vercel_client::NewEnvVar>) -> vercel_client::Result<()> {
    /// let existing = client.env("lobechat").list_decrypted().await?;
    /// let report = client.sync_env("lobechat", vars).existing(existing).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn existing(mut self, vars: Vec<EnvVar>) -> Self {
        self.existing = Some(vars);
        self
    }

    /// Checks the desired set before anything is sent: each variable against Vercel's rules
    /// ([`NewEnvVar::validate`]), and each `(key, target, gitBranch)` desired once ("one `(key, target, gitBranch)`
    /// exists once", field-truth §4.3).
    fn validate(&self) -> Result<()> {
        let mut identities = HashSet::new();
        for var in &self.desired {
            var.validate(OP)?;
            for t in &var.targets {
                if !identities.insert((var.key.clone(), *t, var.git_branch.clone())) {
                    return Err(Error::invalid_input(OP, format!("{}: desired twice for target {t}", var.key)));
                }
            }
        }
        Ok(())
    }

    /// The decision, without a request: what [`execute`](Self::execute) would send to bring `current` (the
    /// project's listing, `filterProjectEnvs` with `decrypt=true`) to the desired set. Pure: the same inputs give
    /// the same plan.
    ///
    /// The rules (field-truth §4.3, vsdk `createProjectEnv` / `editProjectEnv` / `batchRemoveProjectEnv`):
    /// variables match by `(key, targets, gitBranch)`; an existing variable of the same key and branch whose
    /// targets overlap is re-targeted by `PATCH` (an overlapping create is refused with `ENV_CONFLICT`), further
    /// overlapping ones are deleted first; a `sensitive` value cannot be read back, so it is rewritten only when
    /// asked ([`overwrite_sensitive`](Self::overwrite_sensitive), [`overwrite_keys`](Self::overwrite_keys)); an
    /// unreadable `encrypted` value (ciphertext) is rewritten; a variable an integration owns
    /// (`configurationId`) is never written or deleted.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for a desired set Vercel would refuse; [`ErrorKind::EnvConflict`] when a
    /// desired variable is one an integration owns.
    ///
    /// ```
    /// use vercel_client::{EnvTarget::*, EnvVar, NewEnvVar, VercelClient};
    /// # fn main() -> vercel_client::Result<()> {
    /// let client = VercelClient::builder().token("token".to_string().into()).build()?;
    /// let current: Vec<EnvVar> = serde_json::from_str(r#"[
    ///     {"id":"e1","key":"APP_URL","value":"https://old.example.com","type":"encrypted","target":["production"],"decrypted":true},
    ///     {"id":"e2","key":"ACCESS_CODE","value":"x","type":"plain","target":["production"]}]"#).unwrap();
    /// let plan = client
    ///     .sync_env("lobechat", vec![
    ///         NewEnvVar::encrypted("APP_URL", "https://chat.example.com", [Production]),
    ///         NewEnvVar::sensitive("AUTH_SECRET", "s3cr3t", [Production]),
    ///     ])
    ///     .delete_keys(["ACCESS_CODE"])
    ///     .plan(&current)?;
    /// assert_eq!(plan.deletes[0].var.key, "ACCESS_CODE");
    /// assert_eq!(plan.updates[0].var.key, "APP_URL");
    /// assert_eq!(plan.creates[0].key, "AUTH_SECRET");
    /// assert_eq!(plan.requests(), 3);
    /// assert!(!format!("{plan:?}").contains("s3cr3t") && !format!("{plan:?}").contains("chat.example.com"));
    /// # Ok(()) }
    /// ```
    pub fn plan(&self, current: &[EnvVar]) -> Result<EnvSyncPlan> {
        self.validate()?;
        // A variable an integration owns (the Neon Marketplace's DATABASE_URL, …) is not ours to rewrite.
        if let Some((want, owned)) = self.desired.iter().find_map(|want| {
            current
                .iter()
                .find(|cur| {
                    cur.configuration_id.is_some()
                        && cur.key == want.key
                        && cur.git_branch == want.git_branch
                        && cur.target.intersection(&want.targets).next().is_some()
                })
                .map(|cur| (want, cur))
        }) {
            return Err(Error::new(ErrorKind::EnvConflict, OP).with_detail(format!(
                "{} is owned by the Vercel integration configuration {} (configurationId): keep the integration's \
                 value by leaving {} out of the desired set, or disconnect the integration in Vercel",
                want.key,
                owned.configuration_id.as_deref().unwrap_or_default(),
                want.key,
            )));
        }
        let overwrite = |key: &str| self.overwrite_sensitive || self.overwrite_keys.contains(key);
        let decided = plan(&self.desired, current, &overwrite);
        let mut out = EnvSyncPlan {
            holders: current.iter().map(|v| (SyncedVar::of_existing(v), v.configuration_id.clone())).collect(),
            ..EnvSyncPlan::default()
        };

        // 1. Deletes (one batch): variables superseded by a desired one (they would make its PATCH or create
        //    conflict), and the extras the caller asked to delete.
        for &j in &decided.superseded {
            let v = &current[j];
            out.deletes.push(PlannedDelete {
                id: v.id.clone(),
                var: SyncedVar::of_existing(v),
                reason: DeleteReason::Superseded,
            });
        }
        let desired_keys: HashSet<&str> = self.desired.iter().map(|v| v.key.as_str()).collect();
        for &j in &decided.unmatched {
            let v = &current[j];
            let integration_owned = v.configuration_id.is_some();
            let asked = self.delete_keys.contains(&v.key) && !desired_keys.contains(v.key.as_str());
            if (asked || self.delete_unlisted) && !integration_owned && !v.id.is_empty() {
                let reason = if asked { DeleteReason::Asked } else { DeleteReason::Unlisted };
                out.deletes.push(PlannedDelete { id: v.id.clone(), var: SyncedVar::of_existing(v), reason });
            } else {
                out.left_alone.push(SyncedVar::of_existing(v));
            }
        }

        // 2. One PATCH per changed variable; those whose targets shrink go first, so that none overlaps another.
        let mut updates: Vec<(usize, &Action)> =
            decided.desired.iter().enumerate().filter(|(_, a)| matches!(a, Action::Update { .. })).collect();
        updates.sort_by_key(|(i, a)| match a {
            Action::Update { existing: j, .. } => !self.desired[*i].targets.is_subset(&current[*j].target),
            _ => true,
        });
        for (i, action) in updates {
            let Action::Update { existing: j, value, kind, targets } = action else { continue };
            out.updates.push(PlannedUpdate {
                id: current[*j].id.clone(),
                var: self.desired[i].clone(),
                value: *value,
                kind: *kind,
                targets: *targets,
            });
        }

        // 3. One batch create for the missing ones.
        for (i, action) in decided.desired.iter().enumerate() {
            let var = &self.desired[i];
            match action {
                Action::Create => out.creates.push(var.clone()),
                Action::Unchanged(_) => out.unchanged.push(SyncedVar::of_new(var)),
                Action::Update { .. } => {}
            }
        }
        Ok(out)
    }

    /// Sends exactly `plan` (from [`plan`](Self::plan)), in its order: the batch delete
    /// (`batchRemoveProjectEnv`), one `editProjectEnv` per update, the batch create (`createProjectEnv`).
    /// Returns the report; `requests` counts the requests sent here (no list).
    ///
    /// # Errors
    /// The first failed request's error; an `ENV_CONFLICT` names who holds the variable (an integration, or a
    /// variable made outside this sync).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient, vars: Vec<vercel_client::NewEnvVar>) -> vercel_client::Result<()> {
    /// let sync = client.sync_env("lobechat", vars);
    /// let current = client.env("lobechat").list_decrypted().await?;
    /// let plan = sync.plan(&current)?;
    /// let report = sync.execute(&plan).await?;
    /// assert_eq!(report.requests, plan.requests());
    /// # Ok(()) }
    /// ```
    pub async fn execute(&self, plan: &EnvSyncPlan) -> Result<SyncReport> {
        let mut report = plan.report();
        self.send_plan(plan, &mut report).await?;
        Ok(report)
    }

    async fn send_plan(&self, plan: &EnvSyncPlan, report: &mut SyncReport) -> Result<()> {
        let env = self.client.env(self.project.clone());
        let explain = |e: Error| plan.explain_conflict(e);
        if !plan.deletes.is_empty() {
            let ids: Vec<String> = plan.deletes.iter().map(|d| d.id.clone()).collect();
            report.requests += 1;
            env.batch_delete(&ids).await.map_err(explain)?;
        }
        for u in &plan.updates {
            let mut edit = env.edit(u.id.clone());
            if u.value {
                edit = edit.secret_value(u.var.value.clone());
            }
            if u.kind {
                edit = edit.kind(u.var.kind);
            }
            if u.targets || u.kind {
                edit = edit.targets(u.var.targets.iter().copied());
            }
            report.requests += 1;
            edit.send().await.map_err(explain)?;
        }
        if !plan.creates.is_empty() {
            report.requests += 1;
            env.create(plan.creates.clone()).send().await.map_err(explain)?;
        }
        tracing::info!(project = %self.project, %report, "environment variables synced");
        Ok(())
    }

    /// Runs the sync: validates the desired set, lists the project's variables (unless
    /// [`existing`](Self::existing) gave them), [`plan`](Self::plan)s and [`execute`](Self::execute)s — or, with
    /// [`dry_run`](Self::dry_run), returns the plan's report without writing.
    pub async fn send(mut self) -> Result<SyncReport> {
        self.validate()?;
        let listed = self.existing.is_none();
        let existing = match self.existing.take() {
            Some(vars) => vars,
            None => self.client.env(self.project.clone()).list_decrypted().await?,
        };
        let plan = self.plan(&existing)?;
        let mut report = plan.report();
        report.requests = usize::from(listed);
        if !self.dry_run {
            self.send_plan(&plan, &mut report).await?;
        }
        Ok(report)
    }
}

/// Why a [`PlannedDelete`] deletes a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteReason {
    /// Same key and branch as a desired variable, with overlapping targets: it would make the desired one's
    /// `PATCH` or create fail with `ENV_CONFLICT`.
    Superseded,
    /// Its key was named in [`SyncEnv::delete_keys`].
    Asked,
    /// Not desired, and [`SyncEnv::delete_unlisted`] is set.
    Unlisted,
}

/// One variable an [`EnvSyncPlan`] deletes (in the one `batchRemoveProjectEnv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDelete {
    /// The variable's id.
    pub id: String,
    /// Its key, targets and branch.
    pub var: SyncedVar,
    /// Why.
    pub reason: DeleteReason,
}

/// One `editProjectEnv` (`PATCH /v9/projects/{id}/env/{envId}`) of an [`EnvSyncPlan`]. `Debug` shows the key
/// and what changes, never the value.
#[derive(Clone)]
pub struct PlannedUpdate {
    /// The existing variable's id.
    pub id: String,
    /// The desired variable (its value is sent only when `value` is set).
    pub var: NewEnvVar,
    /// The value is written.
    pub value: bool,
    /// The type changes (the targets are then sent too).
    pub kind: bool,
    /// The targets change (re-targeted instead of a conflicting create).
    pub targets: bool,
}

impl fmt::Debug for PlannedUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlannedUpdate")
            .field("id", &self.id)
            .field("var", &SyncedVar::of_new(&self.var))
            .field("kind", &self.var.kind)
            .field("value", &self.value)
            .field("type_changes", &self.kind)
            .field("targets", &self.targets)
            .finish()
    }
}

/// What a sync would send, decided by [`SyncEnv::plan`] without a request, sent by [`SyncEnv::execute`]:
/// deletes (one batch), updates (one `PATCH` each, in this order) and creates (one batch). `Debug` names keys and
/// targets only: no value, secret or not, appears in it.
#[derive(Clone, Default)]
pub struct EnvSyncPlan {
    /// Variables to delete, in one `batchRemoveProjectEnv`.
    pub deletes: Vec<PlannedDelete>,
    /// Variables to change, one `editProjectEnv` each, those whose targets shrink first.
    pub updates: Vec<PlannedUpdate>,
    /// Variables to create, in one `createProjectEnv`.
    pub creates: Vec<NewEnvVar>,
    /// Desired variables already as desired.
    pub unchanged: Vec<SyncedVar>,
    /// Existing variables not desired and left in place.
    pub left_alone: Vec<SyncedVar>,
    /// The listing's variables and their integration (`configurationId`), to explain an `ENV_CONFLICT`.
    holders: Vec<(SyncedVar, Option<String>)>,
}

impl fmt::Debug for EnvSyncPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvSyncPlan")
            .field("deletes", &self.deletes)
            .field("updates", &self.updates)
            .field("creates", &self.creates.iter().map(SyncedVar::of_new).collect::<Vec<_>>())
            .field("unchanged", &self.unchanged)
            .field("left_alone", &self.left_alone)
            .finish()
    }
}

impl EnvSyncPlan {
    /// How many requests [`SyncEnv::execute`] sends for it: one batch delete if any, one `PATCH` per update, one
    /// batch create if any.
    pub fn requests(&self) -> usize {
        usize::from(!self.deletes.is_empty()) + self.updates.len() + usize::from(!self.creates.is_empty())
    }

    /// Whether nothing would change.
    pub fn is_converged(&self) -> bool {
        self.deletes.is_empty() && self.updates.is_empty() && self.creates.is_empty()
    }

    /// The report executing this plan produces (`requests` 0: nothing sent yet).
    pub fn report(&self) -> SyncReport {
        SyncReport {
            created: self.creates.iter().map(SyncedVar::of_new).collect(),
            updated: self.updates.iter().map(|u| SyncedVar::of_new(&u.var)).collect(),
            deleted: self.deletes.iter().map(|d| d.var.clone()).collect(),
            unchanged: self.unchanged.clone(),
            left_alone: self.left_alone.clone(),
            requests: 0,
        }
    }

    /// Adds to an `ENV_CONFLICT` who holds the conflicting variable (see [`explain_conflict`]).
    fn explain_conflict(&self, e: Error) -> Error {
        explain_conflict(e, &self.holders)
    }
}

/// Adds to an `ENV_CONFLICT` (single, or among `failed[]`) who holds the conflicting variable and what to do:
/// an integration (its `configurationId`), or a variable made outside this sync.
fn explain_conflict(e: Error, existing: &[(SyncedVar, Option<String>)]) -> Error {
    let keys: Vec<String> = match e.kind() {
        ErrorKind::EnvConflict => {
            // A single conflict names no key in a field; the message does ("…name `KEY`…").
            existing
                .iter()
                .filter(|(v, _)| e.message().is_some_and(|m| m.contains(&v.key)))
                .map(|(v, _)| v.key.clone())
                .collect()
        }
        ErrorKind::EnvCreateFailed(failed) => failed
            .iter()
            .filter(|f| matches!(f.code.as_deref(), Some("ENV_CONFLICT" | "ENV_ALREADY_EXISTS")))
            .map(|f| f.key.clone())
            .collect(),
        _ => return e,
    };
    let mut owners = Vec::new();
    for key in keys.iter().collect::<BTreeSet<_>>() {
        let holders: Vec<String> = existing
            .iter()
            .filter(|(v, _)| &v.key == key)
            .map(|(v, configuration)| match configuration {
                Some(c) => format!("{key} is owned by the Vercel integration configuration {c}: leave {key} out of the desired set to keep it, or disconnect the integration"),
                None => format!("{key} ({v}) already exists, made outside this sync: delete it in Vercel or let this sync manage it"),
            })
            .collect();
        if holders.is_empty() {
            owners.push(format!("{key} was created by someone else since the listing: run again"));
        }
        owners.extend(holders);
    }
    if owners.is_empty() { e } else { e.with_detail(owners.join("; ")) }
}

#[derive(Debug, PartialEq, Eq)]
enum Action {
    Create,
    Unchanged(usize),
    Update { existing: usize, value: bool, kind: bool, targets: bool },
}

#[derive(Debug)]
struct Plan {
    /// One action per desired variable, in order.
    desired: Vec<Action>,
    /// Indices of existing variables no desired variable matched.
    unmatched: Vec<usize>,
    /// Indices of unmatched existing variables that overlap a desired one (same key and branch): in the way.
    superseded: Vec<usize>,
}

fn same_value(desired: &NewEnvVar, current: &EnvVar) -> Option<bool> {
    let readable = current.readable_value()?;
    Some(readable.expose_secret() == desired.value.expose_secret())
}

fn plan(desired: &[NewEnvVar], existing: &[EnvVar], overwrite_sensitive: &dyn Fn(&str) -> bool) -> Plan {
    let mut taken = vec![false; existing.len()];
    let mut actions: Vec<Option<Action>> = (0..desired.len()).map(|_| None).collect();
    // Pass 1: exact identity (key, targets, branch).
    for (i, want) in desired.iter().enumerate() {
        let found = existing.iter().enumerate().find(|(j, cur)| {
            !taken[*j] && cur.key == want.key && cur.target == want.targets && cur.git_branch == want.git_branch
        });
        if let Some((j, cur)) = found {
            taken[j] = true;
            let kind_changed = cur.kind != want.kind;
            let value_changed = if kind_changed {
                true
            } else if want.kind == EnvType::Sensitive {
                overwrite_sensitive(&want.key)
            } else {
                // An unreadable value (ciphertext) cannot be compared: rewrite it.
                !same_value(want, cur).unwrap_or(false)
            };
            actions[i] = Some(if kind_changed || value_changed {
                Action::Update { existing: j, value: true, kind: kind_changed, targets: false }
            } else {
                Action::Unchanged(j)
            });
        }
    }
    // Pass 2: same key and branch with overlapping targets: re-target instead of creating a conflict.
    for (i, want) in desired.iter().enumerate() {
        if actions[i].is_some() {
            continue;
        }
        let found = existing.iter().enumerate().find(|(j, cur)| {
            !taken[*j]
                && cur.key == want.key
                && cur.git_branch == want.git_branch
                && cur.target.intersection(&want.targets).next().is_some()
        });
        actions[i] = Some(match found {
            Some((j, cur)) => {
                taken[j] = true;
                let kind_changed = cur.kind != want.kind;
                let value_changed = kind_changed
                    || if want.kind == EnvType::Sensitive {
                        overwrite_sensitive(&want.key)
                    } else {
                        !same_value(want, cur).unwrap_or(false)
                    };
                Action::Update { existing: j, value: value_changed, kind: kind_changed, targets: true }
            }
            None => Action::Create,
        });
    }
    let (superseded, unmatched): (Vec<usize>, Vec<usize>) = (0..existing.len()).filter(|j| !taken[*j]).partition(|j| {
        let cur = &existing[*j];
        desired.iter().any(|want| {
            want.key == cur.key
                && want.git_branch == cur.git_branch
                && want.targets.intersection(&cur.target).next().is_some()
        })
    });
    Plan { desired: actions.into_iter().map(|a| a.unwrap_or(Action::Create)).collect(), unmatched, superseded }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EnvTarget::*;

    fn existing(json: &str) -> Vec<EnvVar> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn converged_set_plans_nothing() {
        let cur = existing(
            r#"[{"id":"1","key":"A","value":"x","type":"encrypted","target":["production","preview"],"decrypted":true},
                {"id":"2","key":"S","value":"","type":"sensitive","target":["production"]}]"#,
        );
        let want =
            vec![NewEnvVar::encrypted("A", "x", [Production, Preview]), NewEnvVar::sensitive("S", "new", [Production])];
        let p = plan(&want, &cur, &|_| false);
        assert_eq!(p.desired, vec![Action::Unchanged(0), Action::Unchanged(1)]);
        assert!(p.unmatched.is_empty());
        let p = plan(&want, &cur, &|_| true);
        assert!(matches!(p.desired[1], Action::Update { value: true, .. }));
    }

    #[test]
    fn changed_value_type_and_targets() {
        let cur = existing(
            r#"[{"id":"1","key":"A","value":"old","type":"encrypted","target":["production"],"decrypted":true},
                {"id":"2","key":"B","value":"v","type":"plain","target":["production","preview","development"]},
                {"id":"3","key":"C","value":"v","type":"plain","target":"preview"},
                {"id":"4","key":"OLD","value":"v","type":"plain","target":["preview"]}]"#,
        );
        let want = vec![
            NewEnvVar::encrypted("A", "new", [Production]),
            NewEnvVar::plain("B", "v", [Production, Preview]),
            NewEnvVar::sensitive("C", "v", [Preview]),
            NewEnvVar::plain("D", "v", [Production]),
        ];
        let p = plan(&want, &cur, &|_| false);
        assert_eq!(p.desired[0], Action::Update { existing: 0, value: true, kind: false, targets: false });
        assert_eq!(p.desired[1], Action::Update { existing: 1, value: false, kind: false, targets: true });
        assert_eq!(p.desired[2], Action::Update { existing: 2, value: true, kind: true, targets: false });
        assert_eq!(p.desired[3], Action::Create);
        assert_eq!(p.unmatched, vec![3]);
    }

    #[test]
    fn ciphertext_is_rewritten_and_branches_are_distinct() {
        let cur = existing(
            r#"[{"id":"1","key":"A","value":"eyJ..","type":"encrypted","target":["preview"],"decrypted":false},
                {"id":"2","key":"A","value":"x","type":"plain","target":["preview"],"gitBranch":"dev"}]"#,
        );
        let want = vec![NewEnvVar::encrypted("A", "x", [Preview])];
        let p = plan(&want, &cur, &|_| false);
        assert!(matches!(p.desired[0], Action::Update { existing: 0, value: true, .. }));
        assert_eq!(p.unmatched, vec![1]);
    }

    fn client() -> VercelClient {
        VercelClient::builder().token(secrecy::SecretString::from("t")).build().unwrap()
    }

    #[test]
    fn the_plan_is_typed_ordered_and_shows_no_value() {
        let cur = existing(
            r#"[{"id":"e1","key":"APP_URL","value":"https://old.example.com","type":"encrypted","target":["production","preview"],"decrypted":true},
                {"id":"e2","key":"S3_SECRET_ACCESS_KEY","value":"","type":"sensitive","target":["production"]},
                {"id":"e3","key":"B","value":"v","type":"plain","target":["production"]},
                {"id":"e4","key":"NEXT_PUBLIC_SERVICE_MODE","value":"server","type":"plain","target":["production"]},
                {"id":"e5","key":"DATABASE_URL","value":"x","type":"encrypted","target":["production"],"configurationId":"icfg_1","decrypted":true},
                {"id":"e6","key":"OTHER","value":"o","type":"plain","target":["development"]}]"#,
        );
        let want = vec![
            NewEnvVar::encrypted("APP_URL", "https://chat.example.com", [Production, Preview]),
            NewEnvVar::sensitive("S3_SECRET_ACCESS_KEY", "rotated-secret-value", [Production]),
            NewEnvVar::plain("B", "v", [Production, Preview]),
            NewEnvVar::sensitive("AUTH_SECRET", "generated-secret-value", [Production, Preview]),
        ];
        let c = client();
        let sync = c
            .sync_env("prj_1", want)
            .delete_keys(["NEXT_PUBLIC_SERVICE_MODE", "DATABASE_URL", "B"])
            .overwrite_keys(["S3_SECRET_ACCESS_KEY"]);
        let plan = sync.plan(&cur).unwrap();
        // Deletes: only the asked key that is neither desired nor an integration's.
        assert_eq!(plan.deletes.len(), 1);
        assert_eq!((plan.deletes[0].id.as_str(), plan.deletes[0].reason), ("e4", DeleteReason::Asked));
        // Updates, growing targets last: APP_URL, the overwritten secret, then B (re-targeted, value kept).
        let updates: Vec<(&str, &str, bool, bool)> =
            plan.updates.iter().map(|u| (u.id.as_str(), u.var.key.as_str(), u.value, u.targets)).collect();
        assert_eq!(
            updates,
            [("e1", "APP_URL", true, false), ("e2", "S3_SECRET_ACCESS_KEY", true, false), ("e3", "B", false, true)]
        );
        assert_eq!(plan.creates.iter().map(|v| v.key.as_str()).collect::<Vec<_>>(), ["AUTH_SECRET"]);
        let left: Vec<&str> = plan.left_alone.iter().map(|v| v.key.as_str()).collect();
        assert_eq!(left, ["DATABASE_URL", "OTHER"], "an integration's variable is never deleted");
        assert_eq!(plan.requests(), 5);
        let report = plan.report();
        assert_eq!((report.created.len(), report.updated.len(), report.deleted.len()), (1, 3, 1));
        assert_eq!(report.requests, 0);
        let shown = format!("{plan:?}");
        for value in ["rotated-secret-value", "generated-secret-value", "chat.example.com", "old.example.com"] {
            assert!(!shown.contains(value), "{value} in {shown}");
        }
        assert!(shown.contains("AUTH_SECRET") && shown.contains("S3_SECRET_ACCESS_KEY"));
    }

    #[test]
    fn a_converged_listing_plans_no_request_and_bad_input_is_refused() {
        let cur = existing(
            r#"[{"id":"e1","key":"A","value":"x","type":"encrypted","target":["production"],"decrypted":true}]"#,
        );
        let c = client();
        let plan = c.sync_env("prj_1", vec![NewEnvVar::encrypted("A", "x", [Production])]).plan(&cur).unwrap();
        assert!(plan.is_converged() && plan.requests() == 0);
        assert_eq!(plan.unchanged.len(), 1);
        let dup = vec![NewEnvVar::plain("A", "1", [Production]), NewEnvVar::plain("A", "2", [Production])];
        let e = c.sync_env("prj_1", dup).plan(&cur).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::InvalidInput), "{e}");
        let owned = existing(
            r#"[{"id":"e5","key":"DATABASE_URL","value":"x","type":"encrypted","target":["production"],"configurationId":"icfg_1","decrypted":true}]"#,
        );
        let e = c
            .sync_env("prj_1", vec![NewEnvVar::sensitive("DATABASE_URL", "postgres://u:p@h/db", [Production])])
            .plan(&owned)
            .unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::EnvConflict), "{e}");
        assert!(!e.to_string().contains("postgres://"));
    }

    #[test]
    fn delete_unlisted_plans_unlisted_deletes_and_superseded_ones_come_first() {
        let cur = existing(
            r#"[{"id":"e1","key":"A","value":"x","type":"plain","target":["production"]},
                {"id":"e2","key":"A","value":"y","type":"plain","target":["preview"]},
                {"id":"e3","key":"Z","value":"z","type":"plain","target":["production"]}]"#,
        );
        let c = client();
        let plan = c
            .sync_env("prj_1", vec![NewEnvVar::plain("A", "x", [Production, Preview])])
            .delete_unlisted(true)
            .plan(&cur)
            .unwrap();
        let deletes: Vec<(&str, DeleteReason)> = plan.deletes.iter().map(|d| (d.id.as_str(), d.reason)).collect();
        assert_eq!(deletes, [("e2", DeleteReason::Superseded), ("e3", DeleteReason::Unlisted)]);
        assert_eq!(plan.updates.len(), 1, "e1 re-targeted to production and preview");
        assert!(plan.updates[0].targets && !plan.updates[0].value);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const KEYS: [&str; 3] = ["A", "B", "NEXT_PUBLIC_C"];
        const TARGETS: [EnvTarget; 3] = [Production, Preview, Development];

        /// For each key, each target goes to group 0, group 1 or nowhere: groups never overlap, as Vercel ensures.
        fn groups() -> impl Strategy<Value = Vec<(usize, BTreeSet<EnvTarget>, u8, u8)>> {
            proptest::collection::vec((0..3usize, 0..3usize, 0..3usize, 0..3u8, 0..2u8, 0..3u8, 0..2u8), 3).prop_map(
                |per_key| {
                    let mut out = Vec::new();
                    for (k, (p, v, d, kind0, val0, kind1, val1)) in per_key.into_iter().enumerate() {
                        for (g, kind, val) in [(0, kind0, val0), (1, kind1, val1)] {
                            let targets: BTreeSet<EnvTarget> =
                                [p, v, d].iter().zip(TARGETS).filter(|(a, _)| **a == g).map(|(_, t)| t).collect();
                            if !targets.is_empty() {
                                out.push((k, targets, kind, val));
                            }
                        }
                    }
                    out
                },
            )
        }

        fn kind_of(key: &str, targets: &BTreeSet<EnvTarget>, k: u8) -> EnvType {
            match k {
                2 if !targets.contains(&Development) && !key.starts_with("NEXT_PUBLIC_") => EnvType::Sensitive,
                1 => EnvType::Plain,
                _ => EnvType::Encrypted,
            }
        }

        fn to_existing(groups: &[(usize, BTreeSet<EnvTarget>, u8, u8)]) -> Vec<EnvVar> {
            groups
                .iter()
                .enumerate()
                .map(|(n, (k, t, kind, val))| {
                    let kind = kind_of(KEYS[*k], t, *kind);
                    let value = (kind != EnvType::Sensitive).then(|| secrecy::SecretString::from(format!("v{val}")));
                    EnvVar {
                        id: format!("e{n}"),
                        key: KEYS[*k].into(),
                        kind,
                        value,
                        target: t.clone(),
                        git_branch: None,
                        comment: None,
                        decrypted: Some(true),
                        configuration_id: None,
                        created_at: None,
                        updated_at: None,
                    }
                })
                .collect()
        }

        fn to_desired(groups: &[(usize, BTreeSet<EnvTarget>, u8, u8)]) -> Vec<NewEnvVar> {
            groups
                .iter()
                .map(|(k, t, kind, val)| {
                    NewEnvVar::new(KEYS[*k], format!("v{val}"), kind_of(KEYS[*k], t, *kind), t.iter().copied())
                })
                .collect()
        }

        fn overlaps(vars: &[EnvVar], skip: Option<usize>, key: &str, targets: &BTreeSet<EnvTarget>) -> bool {
            vars.iter()
                .enumerate()
                .any(|(j, v)| Some(j) != skip && v.key == key && v.target.intersection(targets).next().is_some())
        }

        proptest! {
            /// Applying the plan in the order `send` uses (deletes, shrinking PATCHes, the rest, creates) never hits an
            /// ENV_CONFLICT, and planning again afterwards finds nothing to do.
            #[test]
            fn applying_the_plan_converges_without_conflicts(current in groups(), wanted in groups()) {
                let mut state = to_existing(&current);
                let desired = to_desired(&wanted);
                let p = plan(&desired, &state, &|_| false);
                let ids: Vec<String> = state.iter().map(|v| v.id.clone()).collect();
                let superseded: HashSet<String> = p.superseded.iter().map(|j| ids[*j].clone()).collect();
                state.retain(|v| !superseded.contains(&v.id));
                let mut updates: Vec<(usize, usize, bool, bool, bool)> = p.desired.iter().enumerate().filter_map(|(i, a)| match a {
                    Action::Update { existing, value, kind, targets } => Some((i, *existing, *value, *kind, *targets)),
                    _ => None,
                }).collect();
                let old_targets: Vec<BTreeSet<EnvTarget>> = to_existing(&current).into_iter().map(|v| v.target).collect();
                updates.sort_by_key(|(i, j, ..)| !desired[*i].targets.is_subset(&old_targets[*j]));
                for (i, j, value, kind, targets) in updates {
                    let pos = state.iter().position(|v| v.id == ids[j]).unwrap();
                    let want = &desired[i];
                    if targets || kind {
                        prop_assert!(!overlaps(&state, Some(pos), &want.key, &want.targets), "PATCH would conflict");
                        state[pos].target = want.targets.clone();
                    }
                    if kind { state[pos].kind = want.kind; }
                    if value || kind {
                        state[pos].value = (want.kind != EnvType::Sensitive).then(|| want.value.clone());
                    }
                }
                for (i, a) in p.desired.iter().enumerate() {
                    if *a == Action::Create {
                        let want = &desired[i];
                        prop_assert!(!overlaps(&state, None, &want.key, &want.targets), "create would conflict");
                        state.push(EnvVar {
                            id: format!("new{i}"), key: want.key.clone(), kind: want.kind,
                            value: (want.kind != EnvType::Sensitive).then(|| want.value.clone()),
                            target: want.targets.clone(), git_branch: None, comment: None, decrypted: Some(true),
                            configuration_id: None, created_at: None, updated_at: None,
                        });
                    }
                }
                let again = plan(&desired, &state, &|_| false);
                prop_assert!(again.desired.iter().all(|a| matches!(a, Action::Unchanged(_))), "{:?}", again.desired);
                prop_assert!(again.superseded.is_empty());
            }
        }
    }
}
