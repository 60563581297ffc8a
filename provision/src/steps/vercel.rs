//! Vercel: the project (created, or adopted only when it is linked to the configured repository), its
//! environment for production and preview, the custom domain with the DNS records to create, and a
//! production deployment waited on until READY.

use super::Ctx;
use crate::desired::DesiredVar;
use crate::error::{Error, Result, StepContext};
use crate::plan::{Action, EnvChange, Plan};
use std::collections::BTreeMap;
use std::time::Duration;
use vercel_client::{
    DeploymentSummary, DnsRecord, ENV_FINGERPRINT_META, EnvTarget, EnvVar, ErrorKind, GitRepository, GitSource,
    NewEnvVar, Project, SyncReport, WaitOptions,
};

/// What the project chain learned.
#[derive(Debug, Clone, Default)]
pub struct ProjectOutcome {
    /// The project (None in a plan before it exists).
    pub project: Option<Project>,
    /// Its environment variables (values decrypted where readable).
    pub env: Vec<EnvVar>,
    /// DNS records the user must create for the custom domain.
    pub dns_records: Vec<DnsRecord>,
    /// Whether the custom domain is verified and configured.
    pub domain_ready: bool,
}

impl ProjectOutcome {
    /// The readable value of a variable targeting production.
    pub fn value(&self, key: &str) -> Option<String> {
        use secrecy::ExposeSecret;
        self.env
            .iter()
            .find(|v| v.key == key && v.target.contains(&EnvTarget::Production))
            .and_then(|v| v.readable_value())
            .map(|v| v.expose_secret().to_string())
    }

    /// Whether a variable targeting production exists.
    pub fn has(&self, key: &str) -> bool {
        self.env.iter().any(|v| v.key == key && v.target.contains(&EnvTarget::Production))
    }
}

/// The project chain: project, environment listing, custom domain.
pub async fn project(ctx: &Ctx<'_>) -> Result<(Plan, ProjectOutcome)> {
    let mut plan = Plan::default();
    let vercel = &ctx.services.vercel;
    let name = ctx.config.vercel.project.clone();
    let repo = ctx.config.vercel.git_repository.clone();
    let step = ctx.progress.start(&format!("vercel: project {name}"));
    let mut outcome = ProjectOutcome::default();
    let found = vercel.projects().find(&name).await.step("vercel: find project")?;
    let project = match found {
        Some(p) if p.is_linked_to(&repo) => {
            plan.resource("vercel", format!("project {name}"), Action::Unchanged, format!("linked to {repo}"));
            Some(p)
        }
        Some(p) => {
            step.fail("linked elsewhere");
            let linked = p.link.as_ref().and_then(|l| l.full_name()).unwrap_or_else(|| "no repository".into());
            return Err(Error::blocked(
                "vercel: project",
                format!("a project named `{name}` exists but is linked to {linked}, not {repo}; it is not adopted"),
                format!("choose another vercel.project, or link that project to {repo} in Vercel if it is yours"),
            ));
        }
        None => {
            plan.resource("vercel", format!("project {name}"), Action::Create, format!("Next.js, linked to {repo}"));
            if ctx.applying() {
                // Project names are unique: after a conflict or an unknown outcome (a lost answer, a timeout), the
                // project is looked up, and adopted only if it is linked to our repository.
                let p = super::unknown::create_or_find(
                    ctx,
                    "vercel: create project",
                    classify_create,
                    || {
                        vercel
                            .projects()
                            .create(name.clone())
                            .framework("nextjs")
                            .git_repository(GitRepository::github(repo.clone()))
                            .send()
                    },
                    || async {
                        match vercel.projects().find(&name).await.step("vercel: find project")? {
                            Some(p) if p.is_linked_to(&repo) => Ok(Some(p)),
                            Some(_) => Err(Error::blocked(
                                "vercel: create project",
                                format!("a project named `{name}` appeared, linked to another repository"),
                                "choose another vercel.project",
                            )),
                            None => Ok(None),
                        }
                    },
                )
                .await?;
                ctx.state.update(|s| {
                    s.vercel_project_id = Some(p.id.clone());
                    s.mark_created("vercel-project", &p.id);
                })?;
                Some(p)
            } else {
                None
            }
        }
    };
    if let Some(p) = &project {
        if ctx.applying() && ctx.state.snapshot().vercel_project_id.as_deref() != Some(p.id.as_str()) {
            ctx.state.update(|s| s.vercel_project_id = Some(p.id.clone()))?;
        }
        outcome.env = vercel.env(p.id.clone()).list_decrypted().await.step("vercel: list environment")?;
        if ctx.config.database_source == crate::config::DatabaseSource::VercelIntegration {
            if integration_owned(&outcome.env, "DATABASE_URL") {
                plan.note("DATABASE_URL: kept as the Vercel integration (Neon) set it; never written or deleted here");
            } else {
                let problem = format!(
                    "`[database] url = \"vercel-integration\"`, but project {name} has no integration-owned DATABASE_URL"
                );
                let fix = format!(
                    "connect the Neon integration to project {name} in Vercel (Storage → Connect Database), then run apply again; or remove `[database] url` and give DATABASE_URL to this tool"
                );
                if ctx.applying() {
                    step.fail("no integration DATABASE_URL");
                    return Err(Error::blocked("vercel: environment", problem, fix));
                }
                plan.note(format!("{problem}: {fix}"));
            }
        }
    }

    outcome.project = project.clone();
    if let Some(domain) = &ctx.domain {
        match &project {
            Some(p) => {
                let domains = vercel.domains(p.id.clone());
                let present = domains.list().await.step("vercel: list domains")?.into_iter().any(|d| d.name == *domain);
                if present {
                    plan.resource("vercel", format!("domain {domain}"), Action::Unchanged, "added to the project");
                } else {
                    plan.resource("vercel", format!("domain {domain}"), Action::Create, "added to the project");
                    if ctx.applying() {
                        domains.add(domain.clone()).send().await.step("vercel: add domain")?;
                        ctx.state.update(|s| s.mark_created("vercel-domain", domain))?;
                    }
                }
                if ctx.applying() || present {
                    let mut status = domains.status(domain).await.step("vercel: domain status")?;
                    // Verification is retried on every apply until the TXT record (if any) exists.
                    if !status.domain.verified
                        && ctx.applying()
                        && domains.verify(domain).await.is_ok_and(|d| d.verified)
                    {
                        status = domains.status(domain).await.step("vercel: domain status")?;
                    }
                    outcome.domain_ready = status.is_configured();
                    outcome.dns_records = status.records.clone();
                    if !outcome.domain_ready {
                        for r in &status.records {
                            plan.note(format!("DNS: create {r}"));
                        }
                    }
                }
            }
            None => plan.resource("vercel", format!("domain {domain}"), Action::Create, "added to the new project"),
        }
    }
    step.done(if plan.has_changes() { "changed" } else { "unchanged" });
    Ok((plan, outcome))
}

/// Whether a failed request may or may not have taken effect.
fn outcome_unknown(e: &vercel_client::Error) -> bool {
    matches!(e.kind(), ErrorKind::Timeout | ErrorKind::Transport(_) | ErrorKind::Server)
}

/// How a failed Vercel create is followed up (see [`super::unknown`]).
fn classify_create(e: &vercel_client::Error) -> super::unknown::Failure {
    use super::unknown::Failure;
    match e.kind() {
        ErrorKind::Conflict => Failure::Conflict,
        ErrorKind::Timeout => Failure::Unknown { timed_out: true },
        _ if outcome_unknown(e) => Failure::Unknown { timed_out: false },
        _ => Failure::Final,
    }
}

/// The Vercel variable for a desired one: secrets are `sensitive`, everything else `encrypted` (readable back,
/// so it can be compared); targets from the variable's scope (production only unless previews are enabled).
pub fn to_vercel(var: &DesiredVar) -> NewEnvVar {
    let targets = var.scope.targets();
    use secrecy::ExposeSecret;
    let value = var.value.expose_secret().to_string();
    if var.secret && !var.key.starts_with("NEXT_PUBLIC_") {
        NewEnvVar::sensitive(var.key.clone(), value, targets)
    } else {
        NewEnvVar::encrypted(var.key.clone(), value, targets)
    }
}

/// Syncs the environment (in a plan: computes it without writing) and records the changes.
pub async fn sync_env(
    ctx: &Ctx<'_>,
    project_id: &str,
    desired: &[DesiredVar],
    existing: &[EnvVar],
    remove: &[String],
    overwrite: &[String],
) -> Result<(Plan, SyncReport)> {
    let mut plan = Plan::default();
    let step = ctx.progress.start("vercel: environment");
    let vars: Vec<NewEnvVar> = desired.iter().map(to_vercel).collect();
    let sync = |existing: Vec<EnvVar>| {
        ctx.services
            .vercel
            .sync_env(project_id.to_string(), vars.clone())
            .existing(existing)
            .delete_keys(remove.iter().cloned())
            .overwrite_keys(overwrite.iter().cloned())
            .dry_run(!ctx.applying())
            .send()
    };
    // A write of the sync whose outcome is unknown (a lost answer, a timeout, a 5xx) or that conflicts with one
    // that landed after all: list the environment again and sync against what is there now (the sync is a diff,
    // so what landed is not written twice), a bounded number of times.
    let mut attempt = 0;
    let mut current = existing.to_vec();
    let mut report = loop {
        attempt += 1;
        let error = match sync(current.clone()).await {
            Ok(report) => break report,
            Err(e) => e,
        };
        if matches!(error.kind(), ErrorKind::EnvConflict) && integration_owned(&current, "DATABASE_URL") {
            step.fail("DATABASE_URL is the integration's");
            return Err(Error::blocked(
                "vercel: environment",
                format!(
                    "DATABASE_URL is owned by a Vercel integration (the Neon Marketplace integration), so this tool cannot write it ({})",
                    error.detail().unwrap_or_default()
                ),
                "keep the integration's database: set `[database] url = \"vercel-integration\"` in the configuration; or disconnect the integration in Vercel to use the DATABASE_URL given to this tool",
            ));
        }
        let failure = classify_create(&error);
        if !ctx.applying() || failure == super::unknown::Failure::Final || attempt >= super::unknown::CREATE_ATTEMPTS {
            step.fail("error");
            return Err(error).step("vercel: sync environment");
        }
        tracing::warn!(attempt, ?failure, "environment sync failed part-way; listing it again");
        if failure == (super::unknown::Failure::Unknown { timed_out: true }) {
            super::unknown::settle(ctx).await;
        } else {
            super::unknown::backoff(ctx, attempt).await;
        }
        current =
            ctx.services.vercel.env(project_id.to_string()).list_decrypted().await.step("vercel: list environment")?;
    };
    if attempt > 1 {
        // What an interrupted attempt wrote shows as unchanged now; it was written by this run all the same
        // (the deployment must pick it up, its fingerprint be kept, its creation recorded).
        let had = |key: &str| existing.iter().any(|v| v.key == key && v.target.contains(&EnvTarget::Production));
        let unchanged = std::mem::take(&mut report.unchanged);
        for v in unchanged {
            if !had(&v.key) {
                report.created.push(v);
            } else if overwrite.contains(&v.key) {
                report.updated.push(v);
            } else {
                report.unchanged.push(v);
            }
        }
        for key in remove {
            let gone_now = !current.iter().any(|v| &v.key == key);
            if had(key) && gone_now && !report.deleted.iter().any(|v| &v.key == key) {
                report.deleted.push(vercel_client::env_sync::SyncedVar {
                    key: key.clone(),
                    targets: Default::default(),
                    git_branch: None,
                });
            }
        }
    }
    record_env(&mut plan, desired, &report);
    step.done(&format!(
        "{} created, {} updated, {} deleted, {} unchanged",
        report.created.len(),
        report.updated.len(),
        report.deleted.len(),
        report.unchanged.len()
    ));
    Ok((plan, report))
}

/// Whether an integration owns a production variable `key` (its `configurationId` is set).
pub fn integration_owned(env: &[EnvVar], key: &str) -> bool {
    env.iter().any(|v| v.key == key && v.configuration_id.is_some() && v.target.contains(&EnvTarget::Production))
}

/// Records a sync report in a plan, with values for non-secret variables.
pub fn record_env(plan: &mut Plan, desired: &[DesiredVar], report: &SyncReport) {
    let find = |key: &str| desired.iter().find(|d| d.key == key);
    let mut push = |key: &str, action: Action, detail: &str| {
        let d = find(key);
        let secret = d.map(|d| d.secret).unwrap_or_else(|| crate::lobehub::is_secret(key));
        let value = d.filter(|d| !d.secret).map(DesiredVar::shown);
        plan.env_change(EnvChange { key: key.to_string(), action, secret, value, detail: detail.to_string() });
    };
    for v in &report.created {
        push(&v.key, Action::Create, "");
    }
    for v in &report.updated {
        push(&v.key, Action::Update, "");
    }
    for v in &report.deleted {
        let why = if crate::lobehub::deprecation(&v.key, None).is_some() {
            "fails the current LobeHub build"
        } else {
            "superseded"
        };
        push(&v.key, Action::Delete, why);
    }
    for v in &report.unchanged {
        push(&v.key, Action::Unchanged, "");
    }
}

/// Env keys a plan shows as "known after apply" (their values depend on resources still to be created).
pub fn record_unknown(plan: &mut Plan, keys: &[&str]) {
    for key in keys {
        plan.env_change(EnvChange {
            key: key.to_string(),
            action: Action::Create,
            secret: crate::lobehub::is_secret(key),
            value: None,
            detail: "known after apply".into(),
        });
    }
}

/// Options for the deployment step.
#[derive(Debug, Clone, Copy)]
pub struct DeployOptions {
    /// How often to poll, at first.
    pub poll_interval: Duration,
    /// The longest wait between two polls (READY is seen at most this late).
    pub max_poll_interval: Duration,
    /// How long to wait for READY.
    pub timeout: Duration,
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(3),
            max_poll_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

/// The fingerprint of the managed environment, stored in each deployment's `meta` under
/// [`vercel_client::ENV_FINGERPRINT_META`] so that a later run can tell which environment the live deployment was
/// built from (Vercel reads the environment at build time: "changes to environment variables are not applied to
/// previous deployments", vercel.md §3).
///
/// Shape: `v1:` then, in key order, `KEY=<16 hex>` joined by `,`, where the hex is the start of
/// SHA-256(key, targets as written, SHA-256(value)). Per variable, so that a run which cannot know a value (a
/// `sensitive` secret Vercel holds whose copy the state file lost) still compares the others. Values never
/// appear in clear.
///
/// ```
/// use provision::desired::DesiredVar;
/// use provision::steps::vercel::env_fingerprint;
/// let a = env_fingerprint(&[DesiredVar::new("APP_URL", "https://a.example.com")]);
/// let b = env_fingerprint(&[DesiredVar::new("APP_URL", "https://b.example.com")]);
/// assert!(a.starts_with("v1:APP_URL="));
/// assert_ne!(a, b);
/// assert!(!a.contains("example"));
/// ```
pub fn env_fingerprint(desired: &[DesiredVar]) -> String {
    let entries: Vec<String> = fingerprint_entries(desired).into_iter().map(|(k, h)| format!("{k}={h}")).collect();
    format!("v1:{}", entries.join(","))
}

fn fingerprint_entries(desired: &[DesiredVar]) -> BTreeMap<String, String> {
    use secrecy::ExposeSecret;
    use sha2::{Digest, Sha256};
    desired
        .iter()
        .map(|d| {
            let v = to_vercel(d);
            let targets: Vec<&str> = v.targets.iter().map(|t| t.as_str()).collect();
            let mut h = Sha256::new();
            for part in [
                v.key.as_bytes(),
                b"\0",
                targets.join(",").as_bytes(),
                b"\0",
                crate::state::fingerprint(v.value.expose_secret()).as_bytes(),
            ] {
                h.update(part);
            }
            let digest = hex::encode(h.finalize());
            (v.key.clone(), digest[..16].to_string())
        })
        .collect()
}

/// Parses a recorded fingerprint; `None` for another format.
fn parse_fingerprint(recorded: &str) -> Option<BTreeMap<String, String>> {
    let body = recorded.strip_prefix("v1:")?;
    body.split(',')
        .filter(|e| !e.is_empty())
        .map(|e| e.split_once('=').map(|(k, h)| (k.to_string(), h.to_string())))
        .collect()
}

/// Whether a recorded fingerprint matches the current environment: every desired variable recorded with the
/// same hash, and every recorded variable either desired or still present for production (a variable whose
/// value this run cannot know is left out of `desired`; one that was deleted makes the build stale).
fn fingerprint_matches(recorded: &str, desired: &BTreeMap<String, String>, env: &[EnvVar]) -> bool {
    let Some(rec) = parse_fingerprint(recorded) else { return false };
    desired.iter().all(|(k, h)| rec.get(k) == Some(h))
        && rec.keys().all(|k| {
            desired.contains_key(k) || env.iter().any(|v| &v.key == k && v.target.contains(&EnvTarget::Production))
        })
}

/// Whether a production deployment was built from the current environment: its recorded fingerprint matches;
/// a deployment without one (made by a git push or by hand) counts when it was created after the last change of
/// every managed variable (`updatedAt` of the listing, Vercel's clock on both sides).
fn built_from(d: &DeploymentSummary, desired: &BTreeMap<String, String>, env: &[EnvVar]) -> bool {
    match d.meta.get(ENV_FINGERPRINT_META) {
        Some(f) => fingerprint_matches(f, desired, env),
        None => d.created.is_some_and(|c| {
            env.iter().filter(|v| desired.contains_key(&v.key)).all(|v| v.updated_at.is_some_and(|u| u < c))
        }),
    }
}

/// Ensures the live production deployment was built from the current environment, and waits until READY.
///
/// - `env_changed` (this run wrote the environment): a new deployment.
/// - Else the newest live production deployment (READY and not `STAGED`) built from the current environment
///   ([`env_fingerprint`]) is kept as it is.
/// - Else a deployment of the current fingerprint still QUEUED/INITIALIZING/BUILDING (an earlier run's, killed
///   while waiting) is awaited rather than duplicated.
/// - Else a new deployment is made, carrying the fingerprint in `meta`.
///
/// `env` is the project's listing from this run (for deployments made outside this tool). Returns the id of the
/// READY deployment (none in a plan that would deploy).
pub async fn deploy(
    ctx: &Ctx<'_>,
    project: &Project,
    env_changed: bool,
    desired: &[DesiredVar],
    env: &[EnvVar],
    options: DeployOptions,
) -> Result<(Plan, Option<String>)> {
    let mut plan = Plan::default();
    let vercel = &ctx.services.vercel;
    let fingerprint = env_fingerprint(desired);
    let entries = fingerprint_entries(desired);
    let recent = vercel
        .deployments()
        .list(Some(&project.id), Some("production"), 20)
        .await
        .step("vercel: production deployments")?;
    let live = recent.iter().find(|d| d.is_live());
    if !env_changed && let Some(d) = live.filter(|d| built_from(d, &entries, env)) {
        plan.resource("vercel", "production deployment", Action::Unchanged, "READY with the current environment");
        return Ok((plan, Some(d.uid.clone())));
    }
    let in_progress = (!env_changed)
        .then(|| {
            recent.iter().find(|d| {
                d.state().is_in_progress()
                    && d.meta.get(ENV_FINGERPRINT_META).is_some_and(|f| fingerprint_matches(f, &entries, env))
            })
        })
        .flatten();
    let why = if env_changed {
        "the environment changed"
    } else if in_progress.is_some() {
        "a build of the current environment is under way"
    } else if live.is_some() {
        "the live deployment was built from an older environment"
    } else {
        "no live production deployment"
    };
    let action = if in_progress.is_some() { Action::Unchanged } else { Action::Create };
    plan.resource("vercel", "production deployment", action, format!("{why}; wait for READY"));
    if !ctx.applying() {
        return Ok((plan, None));
    }
    let step = ctx.progress.start("vercel: deploy production");
    let id = match in_progress {
        Some(d) => d.uid.clone(),
        None => {
            let branch = project
                .link
                .as_ref()
                .and_then(|l| l.production_branch.clone())
                .unwrap_or_else(|| ctx.config.vercel.production_branch.clone());
            let source = match project.link.as_ref().and_then(|l| l.numeric_repo_id()) {
                Some(id) => GitSource::github_repo_id(id, branch),
                None => GitSource::github(ctx.config.vercel.git_repository.clone(), branch),
            };
            // A deployment has no natural key: after an unknown outcome, a production deployment of the project
            // newer than the one before this create is the one it made (or one a git push made meanwhile): either
            // serves, and the next run compares its environment fingerprint again.
            let before =
                vercel.deployments().latest(&project.id, Some("production")).await.step("vercel: latest deployment")?;
            let before = before.map(|d| d.uid);
            super::unknown::create_or_find(
                ctx,
                "vercel: create deployment",
                classify_create,
                || async {
                    vercel
                        .deployments()
                        .create(project.name.clone())
                        .project(project.id.clone())
                        .production()
                        .git_source(source.clone())
                        .meta(ENV_FINGERPRINT_META, fingerprint.clone())
                        .send()
                        .await
                        .map(|d| d.id)
                },
                || async {
                    let latest = vercel
                        .deployments()
                        .latest(&project.id, Some("production"))
                        .await
                        .step("vercel: latest deployment")?;
                    Ok(latest.map(|d| d.uid).filter(|uid| Some(uid) != before.as_ref()))
                },
            )
            .await?
        }
    };
    let waited = vercel
        .deployments()
        .wait_until_ready(
            &id,
            WaitOptions::default()
                .poll_interval(options.poll_interval)
                .max_poll_interval(options.max_poll_interval)
                .timeout(options.timeout),
        )
        .await;
    match waited {
        Ok(d) => {
            step.done(&format!("READY {}", d.url.clone().unwrap_or_default()));
            Ok((plan, Some(d.id)))
        }
        Err(e) => {
            step.fail("deployment failed");
            Err(e).step("vercel: deployment")
        }
    }
}

/// The Vercel operations of a plan (what `apply` sends), one per changing row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VercelOp {
    /// `POST /v11/projects` (REST API "Create a new project").
    CreateProject {
        /// The project name.
        name: String,
    },
}
