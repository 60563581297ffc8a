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
//!   ([`Error::Several`]); what was removed is forgotten in the state file one item at a time, so a re-run
//!   finishes the job.
//!
//! Each service has one function below (`vercel`, `auth0`, `ram`, `oss`, `secrets`); a new removal is one more
//! call in [`destroy`].

use crate::engine::Provisioner;
use crate::error::{Error, Result, StepContext};
use crate::journal::{Created, Kind, Record};
use crate::plan::{Action, EnvChange, Plan};
use crate::state::State;
use oss_client::ram::PolicyType;

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
    /// Every resource and variable, with its action.
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

/// One destroy run: the state as it was at the start, the report, and the failures so far.
struct Run<'a> {
    p: &'a Provisioner,
    state: State,
    options: DestroyOptions,
    report: DestroyReport,
    failures: Vec<Error>,
}

impl Run<'_> {
    fn applying(&self) -> bool {
        !self.options.dry_run
    }

    /// The names of the resources of one kind the tool created (`kind(Created::VercelDomain)`), in the order
    /// they were recorded.
    fn created(&self, make: fn(String) -> Created) -> Vec<String> {
        self.state.created_of(kind(make)).into_iter().filter_map(name_of).collect()
    }

    fn resource(
        &mut self,
        service: &'static str,
        resource: impl Into<String>,
        action: Action,
        detail: impl Into<String>,
    ) {
        self.report.plan.resource(service, resource, action, detail);
    }

    fn irreversible(&mut self, what: impl Into<String>) {
        self.report.irreversible.push(what.into());
    }

    /// Keeps the value of a step that succeeded; records the failure of one that did not and goes on.
    fn attempt<T>(&mut self, result: Result<T>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.failures.push(e);
                None
            }
        }
    }

    /// Journals removed resources at once (a re-run then skips them).
    fn record(&mut self, records: impl IntoIterator<Item = Record>) {
        let result = self.p.state().record(records).map_err(Error::from);
        self.attempt(result);
    }

    /// Forgets removed resources (journal records) together with the state they leave behind (ids, pushed
    /// fingerprints, invites), in one write.
    fn forget(&mut self, records: impl IntoIterator<Item = Record>, f: impl FnOnce(&mut State)) {
        let records: Vec<Record> = records.into_iter().collect();
        let result = self
            .p
            .state()
            .update(|st| {
                for r in records {
                    st.apply_record(r);
                }
                f(st)
            })
            .map_err(Error::from);
        self.attempt(result);
    }
}

/// The kind of the resources `make` builds (`kind(Created::VercelEnv)`).
fn kind(make: fn(String) -> Created) -> Kind {
    make(String::new()).kind()
}

/// The name of a resource recorded by name (every kind but the RAM attachment).
fn name_of(c: Created) -> Option<String> {
    match c {
        Created::GithubFork(n)
        | Created::NeonProject(n)
        | Created::OssBucket(n)
        | Created::RamUser(n)
        | Created::RamPolicy(n)
        | Created::Auth0Client(n)
        | Created::Auth0Connection(n)
        | Created::Auth0SignupDisabled(n)
        | Created::Auth0User(n)
        | Created::VercelProject(n)
        | Created::VercelDomain(n)
        | Created::VercelEnv(n) => Some(n),
        Created::RamAttachment { .. } => None,
    }
}

/// A delete whose target is already gone counts as done.
fn not_found<E>(result: std::result::Result<(), E>, is_not_found: impl Fn(&E) -> bool) -> std::result::Result<(), E> {
    match result {
        Err(e) if is_not_found(&e) => Ok(()),
        other => other,
    }
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
    let mut run =
        Run { p, state: p.state().snapshot(), options, report: DestroyReport::default(), failures: Vec::new() };
    vercel(&mut run).await;
    auth0(&mut run).await;
    ram(&mut run).await;
    oss(&mut run).await;
    secrets(&mut run);
    Error::combine(std::mem::take(&mut run.failures))?;
    Ok(run.report)
}

/// Vercel: domain → variables → project. An adopted project stays, with every variable the tool did not create.
async fn vercel(run: &mut Run<'_>) {
    let Some(project_id) = run.state.vercel_project_id.clone() else { return };
    let s = run.p.services();
    let project_name = run.p.config().vercel.project.clone();
    for domain in run.created(Created::VercelDomain) {
        run.resource("vercel", format!("domain {domain}"), Action::Delete, "");
        if run.applying() {
            let removed = not_found(s.vercel.domains(project_id.clone()).remove(&domain).await, |e| {
                matches!(e.kind(), vercel_client::ErrorKind::NotFound)
            })
            .step("destroy: remove domain");
            if run.attempt(removed).is_some() {
                run.record([Record::Removed(Created::VercelDomain(domain.clone()))]);
            }
        }
    }
    if run.state.has(&Created::VercelProject(project_id.clone())) {
        run.resource(
            "vercel",
            format!("project {project_name}"),
            Action::Delete,
            "with its environment and deployments",
        );
        run.irreversible(format!("Vercel project {project_name}: its deployments, build logs and environment"));
        if run.applying() {
            let deleted = not_found(s.vercel.projects().delete(&project_id).await, |e| {
                matches!(e.kind(), vercel_client::ErrorKind::NotFound)
            })
            .step("destroy: delete project");
            if run.attempt(deleted).is_some() {
                run.forget(
                    [
                        Record::Removed(Created::VercelProject(project_id.clone())),
                        Record::RemovedAll(kind(Created::VercelEnv)),
                        Record::VercelProjectId(None),
                    ],
                    |st| st.pushed.clear(),
                );
            }
        }
        return;
    }
    // Adopted: only the variables the tool created go.
    let ours = run.created(Created::VercelEnv);
    run.resource(
        "vercel",
        format!("project {project_name}"),
        Action::Unchanged,
        "adopted, not created by provision: kept",
    );
    if ours.is_empty() {
        return;
    }
    let listed = match s.vercel.env(project_id.clone()).list().await {
        Err(e) if matches!(e.kind(), vercel_client::ErrorKind::NotFound) => Ok(Vec::new()),
        other => other.step("destroy: list environment"),
    };
    let Some(env) = run.attempt(listed) else { return };
    let mut ids = Vec::new();
    for v in env.iter().filter(|v| ours.contains(&v.key)) {
        let secret = crate::lobehub::is_secret(&v.key);
        run.report.plan.env_change(EnvChange {
            key: v.key.clone(),
            action: Action::Delete,
            secret,
            value: None,
            detail: "created by provision".into(),
        });
        ids.push(v.id.clone());
    }
    if run.applying() {
        if !ids.is_empty() {
            let deleted = s
                .vercel
                .env(project_id.clone())
                .batch_delete(&ids)
                .await
                .map(|_| ())
                .step("destroy: delete environment");
            if run.attempt(deleted).is_none() {
                return;
            }
        }
        let removed = ours.iter().map(|key| Record::Removed(Created::VercelEnv(key.clone())));
        run.forget(removed.collect::<Vec<_>>(), |st| {
            for key in &ours {
                st.pushed.remove(key);
            }
        });
    }
}

/// Auth0: the users the tool created → the application it created.
async fn auth0(run: &mut Run<'_>) {
    let s = run.p.services();
    for user_id in run.created(Created::Auth0User) {
        run.resource("auth0", format!("user {user_id}"), Action::Delete, "");
        run.irreversible(format!("Auth0 user {user_id}: their password and sign-in history"));
        if run.applying() {
            let deleted =
                not_found(s.auth0.users().delete(&user_id).await, |e| e.is_not_found()).step("destroy: delete user");
            if run.attempt(deleted).is_some() {
                run.record([Record::Removed(Created::Auth0User(user_id.clone()))]);
            }
        }
    }
    for client_id in run.created(Created::Auth0Client) {
        run.resource("auth0", format!("application {client_id}"), Action::Delete, "");
        if run.applying() {
            let deleted = not_found(s.auth0.clients().delete(&client_id).await, |e| e.is_not_found())
                .step("destroy: delete application");
            if run.attempt(deleted).is_some() {
                run.forget(
                    [
                        Record::Removed(Created::Auth0Client(client_id.clone())),
                        // Invite links point at the application: without it they are dead.
                        Record::RemovedAll(Kind::LEGACY_AUTH0_INVITED),
                        Record::Auth0ClientId(None),
                    ],
                    |st| {
                        st.pending_invites.clear();
                        st.invite_expires.clear();
                    },
                );
            }
        }
    }
    // A tenant-wide setting the tool changed (sign-ups on a shared connection) is put back.
    for conn_id in run.created(Created::Auth0SignupDisabled) {
        run.resource(
            "auth0",
            format!("connection {conn_id}"),
            Action::Update,
            "disable_signup back to false (it was turned on by provision)",
        );
        if run.applying() {
            let restored = not_found(
                s.auth0
                    .connections()
                    .set_option(&conn_id, "disable_signup", serde_json::Value::Bool(false))
                    .await
                    .map(|_| ()),
                |e| e.is_not_found(),
            )
            .step("destroy: restore sign-ups");
            if run.attempt(restored).is_some() {
                run.record([Record::Removed(Created::Auth0SignupDisabled(conn_id.clone()))]);
            }
        }
    }
    for conn_id in run.created(Created::Auth0Connection) {
        run.resource("auth0", format!("database connection {conn_id}"), Action::Delete, "dedicated, with its users");
        run.irreversible(format!("Auth0 database connection {conn_id} and every user in it"));
        if run.applying() {
            let deleted = not_found(s.auth0.connections().delete(&conn_id).await, |e| e.is_not_found())
                .step("destroy: delete the database connection");
            if run.attempt(deleted).is_some() {
                run.record([Record::Removed(Created::Auth0Connection(conn_id.clone()))]);
            }
        }
    }
}

/// RAM: keys → attachments → policy → user (each only if the tool created it). A later part is skipped when an
/// earlier one failed (RAM refuses to delete a user that still has keys or policies).
async fn ram(run: &mut Run<'_>) {
    let s = run.p.services();
    let user = run.p.config().aliyun.ram_user.clone();
    let user_is_ours = run.state.has(&Created::RamUser(user.clone()));
    let failures_before = run.failures.len();
    let keys: Vec<String> = if user_is_ours {
        let listed = match s.ram.access_keys(user.clone()).list().send().await {
            Err(e) if *e.kind() == oss_client::ErrorKind::EntityNotExist => Ok(Vec::new()),
            other => other.step("destroy: list access keys"),
        };
        run.attempt(listed).map(|keys| keys.into_iter().map(|k| k.access_key_id).collect()).unwrap_or_default()
    } else {
        run.state.access_key.iter().map(|k| k.id.clone()).collect()
    };
    for id in keys {
        run.resource("ram", format!("access key {id}"), Action::Delete, "");
        if run.applying() {
            let deleted =
                not_found(s.ram.access_keys(user.clone()).delete(id.clone()).send().await, |e| e.is_not_found())
                    .step("destroy: delete access key");
            if run.attempt(deleted).is_some() {
                run.forget([], |st| {
                    if st.access_key.as_ref().is_some_and(|k| k.id == id) {
                        st.access_key = None;
                    }
                });
            }
        }
    }
    for attachment in run.state.created_of(Created::kind_ram_attachment()) {
        let Created::RamAttachment { policy_type: stored_type, policy: name } = &attachment else { continue };
        let policy_type = if stored_type == "System" { PolicyType::System } else { PolicyType::Custom };
        run.resource("ram", format!("attach {name}"), Action::Delete, format!("from {user}"));
        if run.applying() {
            let detached =
                not_found(s.ram.user_policies(user.clone()).detach(policy_type, name.to_string()).send().await, |e| {
                    e.is_not_found()
                })
                .step("destroy: detach policy");
            if run.attempt(detached).is_some() {
                run.record([Record::Removed(attachment.clone())]);
            }
        }
    }
    for name in run.created(Created::RamPolicy) {
        run.resource("ram", format!("policy {name}"), Action::Delete, "");
        if run.applying() {
            let deleted =
                not_found(s.ram.policies().delete(name.clone()).cascading(true).send().await, |e| e.is_not_found())
                    .step("destroy: delete policy");
            if run.attempt(deleted).is_some() {
                run.record([Record::Removed(Created::RamPolicy(name.clone()))]);
            }
        }
    }
    if user_is_ours {
        if run.applying() && run.failures.len() > failures_before {
            run.resource(
                "ram",
                format!("user {user}"),
                Action::Unchanged,
                "kept for now: its keys or policies could not be removed",
            );
            return;
        }
        run.resource("ram", format!("user {user}"), Action::Delete, "");
        if run.applying() {
            let deleted = not_found(s.ram.users().delete(user.clone()).send().await, |e| e.is_not_found())
                .step("destroy: delete user");
            if run.attempt(deleted).is_some() {
                run.record([Record::Removed(Created::RamUser(user.clone()))]);
            }
        }
    }
}

/// OSS: the bucket, only if the tool created it; with its objects only when asked.
async fn oss(run: &mut Run<'_>) {
    let s = run.p.services();
    for name in run.created(Created::OssBucket) {
        let bucket = s.oss.bucket(name.clone());
        let objects = match bucket.list_objects().collect_all().await {
            Ok(o) => o,
            Err(e) if *e.kind() == oss_client::ErrorKind::NoSuchBucket => {
                if run.applying() {
                    run.record([Record::Removed(Created::OssBucket(name.clone()))]);
                }
                continue;
            }
            Err(e) => {
                run.failures.push(Error::Aliyun { step: "destroy: list objects".into(), source: e });
                continue;
            }
        };
        if !objects.is_empty() && !run.options.delete_bucket_contents {
            run.resource(
                "oss",
                format!("bucket {name}"),
                Action::Unchanged,
                format!("holds {} objects: kept (pass --delete-bucket-contents to remove them too)", objects.len()),
            );
            continue;
        }
        run.resource(
            "oss",
            format!("bucket {name}"),
            Action::Delete,
            if objects.is_empty() { "empty".to_string() } else { format!("with its {} objects", objects.len()) },
        );
        if !objects.is_empty() {
            run.irreversible(format!("the {} objects in bucket {name} (the files users uploaded)", objects.len()));
        }
        if run.applying() {
            let failures_before = run.failures.len();
            for o in &objects {
                let deleted = not_found(bucket.object(o.key.clone()).delete().send().await, |e| e.is_not_found())
                    .step("destroy: delete object");
                run.attempt(deleted);
            }
            if run.failures.len() > failures_before {
                continue;
            }
            let deleted = not_found(bucket.delete().send().await, |e| e.is_not_found()).step("destroy: delete bucket");
            if run.attempt(deleted).is_some() {
                run.record([Record::Removed(Created::OssBucket(name.clone()))]);
            }
        }
    }
}

/// The generated secrets: kept in the state file unless `forget_secrets`; the recorded domain goes once
/// everything else did.
fn secrets(run: &mut Run<'_>) {
    let names: Vec<String> = run.state.generated.keys().cloned().collect();
    if run.options.forget_secrets && !names.is_empty() {
        run.resource("state", format!("generated secrets {}", names.join(", ")), Action::Delete, "--forget-secrets");
        if names.iter().any(|n| n == "KEY_VAULTS_SECRET") {
            run.irreversible(
                "the state file's copy of KEY_VAULTS_SECRET: API keys users stored in the database can no longer be decrypted",
            );
        }
        for n in names.iter().filter(|n| *n != "KEY_VAULTS_SECRET") {
            run.irreversible(format!("the state file's copy of {n}"));
        }
    } else if !names.is_empty() {
        run.resource(
            "state",
            format!("generated secrets {}", names.join(", ")),
            Action::Unchanged,
            "kept in the state file (a later apply reuses them; --forget-secrets removes them)",
        );
    }
    if run.applying() && run.failures.is_empty() {
        let forget = run.options.forget_secrets;
        run.forget([Record::Domain(None)], |st| {
            if forget {
                st.generated.clear();
            }
        });
    }
}
