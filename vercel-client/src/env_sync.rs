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

use crate::client::VercelClient;
use crate::env::{EnvTarget, EnvType, EnvVar, NewEnvVar};
use crate::error::{Error, ErrorKind, Result};
use secrecy::ExposeSecret;
use std::collections::{BTreeSet, HashSet};
use std::fmt;

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

    /// Runs the sync.
    pub async fn send(mut self) -> Result<SyncReport> {
        const OP: &str = "syncProjectEnv";
        let mut identities = HashSet::new();
        for var in &self.desired {
            var.validate(OP)?;
            for t in &var.targets {
                if !identities.insert((var.key.clone(), *t, var.git_branch.clone())) {
                    return Err(Error::invalid_input(OP, format!("{}: desired twice for target {t}", var.key)));
                }
            }
        }
        let env = self.client.env(self.project.clone());
        let listed = self.existing.is_none();
        let existing = match self.existing.take() {
            Some(vars) => vars,
            None => env.list_decrypted().await?,
        };
        // A variable an integration owns (the Neon Marketplace's DATABASE_URL, …) is not ours to rewrite.
        if let Some((want, owned)) = self.desired.iter().find_map(|want| {
            existing
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
        let mut report = SyncReport { requests: usize::from(listed), ..SyncReport::default() };
        let overwrite = |key: &str| self.overwrite_sensitive || self.overwrite_keys.contains(key);
        let plan = plan(&self.desired, &existing, &overwrite);

        // 1. Deletes first (one batch): variables superseded by a desired one (they would make its PATCH or create
        //    conflict), and the extras the caller asked to delete.
        let mut delete_ids = Vec::new();
        for &j in &plan.superseded {
            delete_ids.push(existing[j].id.clone());
            report.deleted.push(SyncedVar::of_existing(&existing[j]));
        }
        let desired_keys: HashSet<&str> = self.desired.iter().map(|v| v.key.as_str()).collect();
        for &j in &plan.unmatched {
            let current = &existing[j];
            let integration_owned = current.configuration_id.is_some();
            let asked = self.delete_keys.contains(&current.key) && !desired_keys.contains(current.key.as_str());
            if (asked || self.delete_unlisted) && !integration_owned && !current.id.is_empty() {
                delete_ids.push(current.id.clone());
                report.deleted.push(SyncedVar::of_existing(current));
            } else {
                report.left_alone.push(SyncedVar::of_existing(current));
            }
        }
        if !delete_ids.is_empty() && !self.dry_run {
            report.requests += 1;
            env.batch_delete(&delete_ids).await.map_err(|e| explain_conflict(e, &existing))?;
        }

        // 2. One PATCH per changed variable; those whose targets shrink go first, so that none overlaps another.
        let mut updates: Vec<(usize, &Action)> =
            plan.desired.iter().enumerate().filter(|(_, a)| matches!(a, Action::Update { .. })).collect();
        updates.sort_by_key(|(i, a)| match a {
            Action::Update { existing: j, .. } => !self.desired[*i].targets.is_subset(&existing[*j].target),
            _ => true,
        });
        for (i, action) in updates {
            let Action::Update { existing: j, value, kind, targets } = action else { continue };
            let var = &self.desired[i];
            let mut edit = env.edit(existing[*j].id.clone());
            if *value {
                edit = edit.secret_value(var.value.clone());
            }
            if *kind {
                edit = edit.kind(var.kind);
            }
            if *targets || *kind {
                edit = edit.targets(var.targets.iter().copied());
            }
            if !self.dry_run {
                report.requests += 1;
                edit.send().await.map_err(|e| explain_conflict(e, &existing))?;
            }
            report.updated.push(SyncedVar::of_new(var));
        }

        // 3. One batch create for the missing ones.
        let mut to_create = Vec::new();
        for (i, action) in plan.desired.iter().enumerate() {
            let var = &self.desired[i];
            match action {
                Action::Create => to_create.push(var.clone()),
                Action::Unchanged(_) => report.unchanged.push(SyncedVar::of_new(var)),
                Action::Update { .. } => {}
            }
        }
        if !to_create.is_empty() {
            if !self.dry_run {
                report.requests += 1;
                env.create(to_create.clone()).send().await.map_err(|e| explain_conflict(e, &existing))?;
            }
            report.created.extend(to_create.iter().map(SyncedVar::of_new));
        }
        tracing::info!(project = %self.project, %report, "environment variables synced");
        Ok(report)
    }
}

/// Adds to an `ENV_CONFLICT` (single, or among `failed[]`) who holds the conflicting variable and what to do:
/// an integration (its `configurationId`), or a variable made outside this sync.
fn explain_conflict(e: Error, existing: &[EnvVar]) -> Error {
    let keys: Vec<String> = match e.kind() {
        ErrorKind::EnvConflict => {
            // A single conflict names no key in a field; the message does ("…name `KEY`…").
            existing.iter().filter(|v| e.message().is_some_and(|m| m.contains(&v.key))).map(|v| v.key.clone()).collect()
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
            .filter(|v| &v.key == key)
            .map(|v| match &v.configuration_id {
                Some(c) => format!("{key} is owned by the Vercel integration configuration {c}: leave {key} out of the desired set to keep it, or disconnect the integration"),
                None => format!("{key} ({}) already exists, made outside this sync: delete it in Vercel or let this sync manage it", SyncedVar::of_existing(v)),
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
