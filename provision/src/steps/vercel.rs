//! Vercel: the project (created, or adopted only when it is linked to the configured repository), its
//! environment for production and preview, the custom domain with the DNS records to create, and a
//! production deployment waited on until READY.

use super::Ctx;
use crate::desired::DesiredVar;
use crate::error::{Error, Result, StepContext};
use crate::journal::{Created, Record};
use crate::plan::{Action, EnvChange, Op, Plan};
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
    /// Whether this run creates the project (planned: it will; applied: it did). Later stages plan for a new
    /// project the same way in both, so a saved plan matches its execution.
    pub created_now: bool,
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

/// What the project stage wants: the project linked to the repository, and the custom domain on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDesired {
    /// The project name (`vercel.project`).
    pub name: String,
    /// The repository it must be linked to (`owner/name`).
    pub repo: String,
    /// The custom domain in effect (configuration, or the one `set-domain` recorded).
    pub domain: Option<String>,
    /// `[database] url = "vercel-integration"`: `DATABASE_URL` must be the Neon integration's.
    pub integration_database: bool,
}

impl ProjectDesired {
    /// From the configuration and the effective custom domain.
    pub fn from_config(config: &crate::config::Config, domain: Option<&str>) -> Self {
        Self {
            name: config.vercel.project.clone(),
            repo: config.vercel.git_repository.clone(),
            domain: domain.map(str::to_string),
            integration_database: config.database_source == crate::config::DatabaseSource::VercelIntegration,
        }
    }
}

/// One variable of the project's listing as the stale-plan fingerprint sees it: no value, only its SHA-256
/// (the digest the state file keeps of pushed secrets, [`crate::state::fingerprint`]) when it is readable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObservedVar {
    /// The variable's id.
    pub id: String,
    /// The key.
    pub key: String,
    /// Its targets.
    pub targets: Vec<String>,
    /// Its git branch.
    pub git_branch: Option<String>,
    /// `encrypted`, `plain`, `sensitive`, `system`.
    pub kind: String,
    /// The integration that owns it (`configurationId`).
    pub integration: Option<String>,
    /// SHA-256 (hex) of the readable value; `None` when unreadable.
    pub value_sha256: Option<String>,
}

impl ObservedVar {
    fn of(v: &EnvVar) -> Self {
        use secrecy::ExposeSecret;
        Self {
            id: v.id.clone(),
            key: v.key.clone(),
            targets: v.target.iter().map(|t| t.as_str().to_string()).collect(),
            git_branch: v.git_branch.clone(),
            kind: format!("{:?}", v.kind),
            integration: v.configuration_id.clone(),
            value_sha256: v.readable_value().map(|s| crate::state::fingerprint(s.expose_secret())),
        }
    }
}

/// What the project stage read: the project (if any), its variables, and the custom domain's state.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ProjectObserved {
    /// The project's id, when one linked to the repository exists.
    pub project_id: Option<String>,
    /// Its variables (no values).
    pub env: Vec<ObservedVar>,
    /// The custom domain: whether it is on the project, and its state.
    pub domain: Option<ObservedDomain>,
    #[serde(skip)]
    project: Option<Project>,
    #[serde(skip)]
    listing: Vec<EnvVar>,
    #[serde(skip)]
    status: Option<vercel_client::DomainStatus>,
}

/// The custom domain as observed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObservedDomain {
    /// The domain.
    pub name: String,
    /// Listed on the project (`getProjectDomains`).
    pub present: bool,
    /// Verified (`getProjectDomain`), when present.
    pub verified: bool,
    /// Verified and not misconfigured (`getDomainConfig`), when present.
    pub configured: bool,
    /// The DNS records still to create.
    pub records: Vec<String>,
}

/// Reads the project (by name), its variables and the custom domain's state. A project of that name linked to
/// another repository stops the run here (it is never adopted).
pub async fn observe_project(ctx: &Ctx<'_>, desired: &ProjectDesired) -> Result<ProjectObserved> {
    let vercel = &ctx.services.vercel;
    let (name, repo) = (&desired.name, &desired.repo);
    let mut observed = ProjectObserved::default();
    let project = match vercel.projects().find(name).await.step("vercel: find project")? {
        Some(p) if p.is_linked_to(repo) => p,
        Some(p) => {
            let linked = p.link.as_ref().and_then(|l| l.full_name()).unwrap_or_else(|| "no repository".into());
            return Err(Error::blocked(
                "vercel: project",
                format!("a project named `{name}` exists but is linked to {linked}, not {repo}; it is not adopted"),
                format!("choose another vercel.project, or link that project to {repo} in Vercel if it is yours"),
            ));
        }
        None => return Ok(observed),
    };
    observed.listing = vercel.env(project.id.clone()).list_decrypted().await.step("vercel: list environment")?;
    observed.env = observed.listing.iter().map(ObservedVar::of).collect();
    if let Some(domain) = &desired.domain {
        let domains = vercel.domains(project.id.clone());
        let present = domains.list().await.step("vercel: list domains")?.into_iter().any(|d| d.name == *domain);
        let mut seen =
            ObservedDomain { name: domain.clone(), present, verified: false, configured: false, records: vec![] };
        if present {
            let status = domains.status(domain).await.step("vercel: domain status")?;
            seen.verified = status.domain.verified;
            seen.configured = status.is_configured();
            seen.records = status.records.iter().map(ToString::to_string).collect();
            observed.status = Some(status);
        }
        observed.domain = Some(seen);
    }
    observed.project_id = Some(project.id.clone());
    observed.project = Some(project);
    Ok(observed)
}

/// The project stage's plan (pure): create the project or keep it; add the custom domain, or retry its
/// verification while it is pending (Vercel verifies a domain on `verifyProjectDomain` once the TXT record
/// exists, field-truth §4.1). The outcome is the observed project, listing and DNS records.
pub fn plan_project(desired: &ProjectDesired, observed: &ProjectObserved) -> (Plan, ProjectOutcome) {
    let mut plan = Plan::default();
    let (name, repo) = (&desired.name, &desired.repo);
    let mut outcome = ProjectOutcome {
        project: observed.project.clone(),
        env: observed.listing.clone(),
        created_now: observed.project.is_none(),
        ..ProjectOutcome::default()
    };
    match &observed.project {
        Some(_) => plan.resource("vercel", format!("project {name}"), Action::Unchanged, format!("linked to {repo}")),
        None => plan.change(
            "vercel",
            format!("project {name}"),
            Action::Create,
            format!("Next.js, linked to {repo}"),
            Op::Vercel(VercelOp::CreateProject { name: name.clone(), framework: "nextjs".into(), repo: repo.clone() }),
        ),
    }
    if observed.project.is_some() && desired.integration_database {
        match integration_problem(&observed.listing, name) {
            None => {
                plan.note("DATABASE_URL: kept as the Vercel integration (Neon) set it; never written or deleted here")
            }
            Some((problem, fix)) => plan.note(format!("{problem}: {fix}")),
        }
    }
    if let Some(domain) = &desired.domain {
        let add = Op::Vercel(VercelOp::AddDomain { domain: domain.clone() });
        match &observed.domain {
            Some(d) if d.present => {
                if d.verified {
                    plan.resource("vercel", format!("domain {domain}"), Action::Unchanged, "added to the project");
                } else {
                    let verify = Op::Vercel(VercelOp::VerifyDomain { domain: domain.clone() });
                    plan.change(
                        "vercel",
                        format!("domain {domain}"),
                        Action::Unchanged,
                        "added to the project",
                        verify,
                    );
                }
                if let Some(status) = &observed.status {
                    outcome.domain_ready = status.is_configured();
                    outcome.dns_records = status.records.clone();
                }
            }
            Some(_) => plan.change("vercel", format!("domain {domain}"), Action::Create, "added to the project", add),
            None => plan.change("vercel", format!("domain {domain}"), Action::Create, "added to the new project", add),
        }
    }
    (plan, outcome)
}

/// The problem and the fix when `[database] url = "vercel-integration"` but no integration owns `DATABASE_URL`.
fn integration_problem(env: &[EnvVar], name: &str) -> Option<(String, String)> {
    if integration_owned(env, "DATABASE_URL") {
        return None;
    }
    Some((
        format!("`[database] url = \"vercel-integration\"`, but project {name} has no integration-owned DATABASE_URL"),
        format!(
            "connect the Neon integration to project {name} in Vercel (Storage → Connect Database), then run apply again; or remove `[database] url` and give DATABASE_URL to this tool"
        ),
    ))
}

/// Executes the project stage's plan: creates the project (looked up by name after a lost answer), journals its
/// id, checks the integration's `DATABASE_URL`, adds the custom domain and retries its verification.
pub async fn apply_project(
    ctx: &Ctx<'_>,
    plan: Plan,
    desired: &ProjectDesired,
    observed: &ProjectObserved,
) -> Result<ProjectOutcome> {
    let vercel = &ctx.services.vercel;
    let name = &desired.name;
    let ops: Vec<VercelOp> = vercel_ops(&plan);
    let mut project = observed.project.clone();
    let mut env = observed.listing.clone();
    let mut status = observed.status.clone();
    for op in &ops {
        if let VercelOp::CreateProject { name, framework, repo } = op {
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
                        .framework(framework.clone())
                        .git_repository(GitRepository::github(repo.clone()))
                        .send()
                },
                || async {
                    match vercel.projects().find(name).await.step("vercel: find project")? {
                        Some(p) if p.is_linked_to(repo) => Ok(Some(p)),
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
            ctx.state.record([
                Record::VercelProjectId(Some(p.id.clone())),
                Record::Created(Created::VercelProject(p.id.clone())),
            ])?;
            env = vercel.env(p.id.clone()).list_decrypted().await.step("vercel: list environment")?;
            project = Some(p);
        }
    }
    let Some(p) = project else {
        return Err(Error::blocked(
            "vercel: project",
            format!("project {name} is neither found nor planned to be created"),
            "run apply again",
        ));
    };
    if ctx.state.snapshot().vercel_project_id.as_deref() != Some(p.id.as_str()) {
        ctx.state.record([Record::VercelProjectId(Some(p.id.clone()))])?;
    }
    if desired.integration_database
        && let Some((problem, fix)) = integration_problem(&env, name)
    {
        return Err(Error::blocked("vercel: environment", problem, fix));
    }
    let domains = vercel.domains(p.id.clone());
    for op in &ops {
        match op {
            VercelOp::AddDomain { domain } => {
                domains.add(domain.clone()).send().await.step("vercel: add domain")?;
                ctx.state.record([Record::Created(Created::VercelDomain(domain.clone()))])?;
                let mut s = domains.status(domain).await.step("vercel: domain status")?;
                // Verification is retried on every apply until the TXT record (if any) exists.
                if !s.domain.verified && domains.verify(domain).await.is_ok_and(|d| d.verified) {
                    s = domains.status(domain).await.step("vercel: domain status")?;
                }
                status = Some(s);
            }
            VercelOp::VerifyDomain { domain } if domains.verify(domain).await.is_ok_and(|d| d.verified) => {
                status = Some(domains.status(domain).await.step("vercel: domain status")?);
            }
            _ => {}
        }
    }
    let created_now = plan.ops().any(|o| matches!(o, Op::Vercel(VercelOp::CreateProject { .. })));
    let mut outcome = ProjectOutcome { project: Some(p), env, created_now, ..ProjectOutcome::default() };
    if let Some(s) = status {
        outcome.domain_ready = s.is_configured();
        outcome.dns_records = s.records;
    }
    Ok(outcome)
}

/// The Vercel operations of a plan, in order.
fn vercel_ops(plan: &Plan) -> Vec<VercelOp> {
    plan.ops()
        .filter_map(|op| match op {
            Op::Vercel(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// The project stage ("vercel.project"): the project, its environment listing, the custom domain.
pub async fn project(ctx: &Ctx<'_>) -> Result<(Plan, ProjectOutcome)> {
    let desired = ctx.desired.project.clone();
    let step = ctx.progress.start(&format!("vercel: project {}", desired.name));
    let observed = match observe_project(ctx, &desired).await {
        Ok(o) => o,
        Err(e) => {
            step.fail(if matches!(e, Error::Blocked { .. }) { "linked elsewhere" } else { "error" });
            return Err(e);
        }
    };
    let planned = plan_project(&desired, &observed);
    let staged =
        ctx.stage("vercel.project", &observed, planned, |plan, _| apply_project(ctx, plan, &desired, &observed)).await;
    let (mut plan, outcome) = match staged {
        Ok(s) => s,
        Err(e) => {
            step.fail("error");
            return Err(e);
        }
    };
    if !outcome.domain_ready {
        for r in &outcome.dns_records {
            plan.note(format!("DNS: create {r}"));
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

/// What the environment stage wants: the desired variables, the keys to delete, the secrets to rewrite, and the
/// keys whose values are known only after apply (shown as such in a plan).
#[derive(Clone)]
pub struct EnvDesired {
    /// The desired variables (with values; never shown or saved).
    pub vars: Vec<DesiredVar>,
    /// Keys to delete (deprecated or superseded variables).
    pub remove: Vec<String>,
    /// `sensitive` keys to rewrite although present (a rotated key, a secret changed since it was pushed).
    pub overwrite: Vec<String>,
    /// Keys whose values depend on resources still to be created ("known after apply").
    pub unknown: Vec<&'static str>,
}

/// The environment stage's observation: the project (if any) and its listing, read by the project stage
/// ([`observe_project`]); nothing is read again.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EnvObserved {
    /// The project's id (`None` in a plan before the project exists).
    pub project_id: Option<String>,
    /// Its variables (no values).
    pub env: Vec<ObservedVar>,
    #[serde(skip)]
    listing: Vec<EnvVar>,
}

/// The environment as the project stage observed it.
pub fn observe_env(project: Option<&Project>, listing: &[EnvVar]) -> EnvObserved {
    EnvObserved {
        project_id: project.map(|p| p.id.clone()),
        env: listing.iter().map(ObservedVar::of).collect(),
        listing: listing.to_vec(),
    }
}

/// What the environment stage did (or, planned, would do).
#[derive(Debug, Clone, Default)]
pub struct EnvOutcome {
    /// The variables created, updated, deleted and left unchanged (keys only). The typed writes are the plan's
    /// ([`Plan::env_ops`]).
    pub report: SyncReport,
    /// The client's decision (what [`apply_env`] sends); `None` before the project exists.
    pub sync: Option<vercel_client::EnvSyncPlan>,
}

impl EnvOutcome {
    /// Whether the environment changes (then the deployment is rebuilt).
    pub fn changed(&self) -> bool {
        !(self.report.created.is_empty() && self.report.updated.is_empty() && self.report.deleted.is_empty())
    }
}

/// The client's sync for `desired` (sends nothing until executed).
fn sync_of<'c>(
    vercel: &'c vercel_client::VercelClient,
    project_id: &str,
    desired: &EnvDesired,
) -> vercel_client::SyncEnv<'c> {
    vercel
        .sync_env(project_id.to_string(), desired.vars.iter().map(to_vercel).collect())
        .delete_keys(desired.remove.iter().cloned())
        .overwrite_keys(desired.overwrite.iter().cloned())
}

/// The blocked error for a desired `DATABASE_URL` an integration owns.
fn integration_conflict(error: &vercel_client::Error) -> Error {
    Error::blocked(
        "vercel: environment",
        format!(
            "DATABASE_URL is owned by a Vercel integration (the Neon Marketplace integration), so this tool cannot write it ({})",
            error.detail().unwrap_or_default()
        ),
        "keep the integration's database: set `[database] url = \"vercel-integration\"` in the configuration; or disconnect the integration in Vercel to use the DATABASE_URL given to this tool",
    )
}

/// The environment stage's plan (pure): the client's own decision ([`vercel_client::SyncEnv::plan`]) on the
/// observed listing, shown per variable (values of non-secrets only) with its typed writes. Before the project
/// exists every variable is new. Keys known only after apply are listed as such.
///
/// # Errors
/// A desired set Vercel would refuse; a desired `DATABASE_URL` an integration owns (blocked).
pub fn plan_env(
    vercel: &vercel_client::VercelClient,
    desired: &EnvDesired,
    observed: &EnvObserved,
) -> Result<(Plan, EnvOutcome)> {
    let mut plan = Plan::default();
    let Some(project_id) = &observed.project_id else {
        // A plan for a project that does not exist yet: every variable is new.
        for d in &desired.vars {
            plan.env_change(EnvChange {
                key: d.key.clone(),
                action: Action::Create,
                secret: d.secret,
                value: (!d.secret).then(|| d.shown()),
                detail: String::new(),
            });
        }
        record_unknown(&mut plan, &desired.unknown);
        let report = SyncReport {
            created: desired
                .vars
                .iter()
                .map(|d| vercel_client::SyncedVar {
                    key: d.key.clone(),
                    targets: d.scope.targets().into_iter().collect(),
                    git_branch: None,
                })
                .collect(),
            ..SyncReport::default()
        };
        let ops = desired.vars.iter().map(|d| create_op(d, &to_vercel(d)));
        plan.env_ops = ops.chain(unknown_ops(&desired.unknown)).map(crate::plan::Op::Vercel).collect();
        return Ok((plan, EnvOutcome { report, sync: None }));
    };
    record_unknown(&mut plan, &desired.unknown);
    let sync = match sync_of(vercel, project_id, desired).plan(&observed.listing) {
        Ok(s) => s,
        Err(e)
            if matches!(e.kind(), ErrorKind::EnvConflict) && integration_owned(&observed.listing, "DATABASE_URL") =>
        {
            return Err(integration_conflict(&e));
        }
        Err(e) => return Err(e).step("vercel: sync environment"),
    };
    let report = sync.report();
    record_env(&mut plan, &desired.vars, &report);
    let ops = env_ops(&sync, &desired.vars).into_iter();
    plan.env_ops = ops.chain(unknown_ops(&desired.unknown)).map(crate::plan::Op::Vercel).collect();
    Ok((plan, EnvOutcome { report, sync: Some(sync) }))
}

/// Where a variable's value comes from, for an operation: the value itself for a non-secret, the source's name
/// for a secret.
fn value_of(d: Option<&DesiredVar>, key: &str) -> EnvValue {
    match d {
        Some(d) if !d.secret => EnvValue::Literal { value: d.shown() },
        _ => EnvValue::Secret { source: secret_source(key).to_string() },
    }
}

/// The source of a secret variable's value.
fn secret_source(key: &str) -> &'static str {
    match key {
        "AUTH_AUTH0_SECRET" => "the Auth0 application's client secret",
        "S3_SECRET_ACCESS_KEY" => "the RAM access key's secret",
        "DATABASE_URL" | "PREVIEW_DATABASE_URL" => "the database connection string",
        "KEY_VAULTS_SECRET" | "LEGACY_KEY_VAULTS_SECRET" | "AUTH_SECRET" | "NEXT_AUTH_SECRET" | "JWKS_KEY" => {
            "generated once, kept in the state file"
        }
        _ => "the configuration",
    }
}

fn targets_of(targets: &std::collections::BTreeSet<EnvTarget>) -> Vec<String> {
    targets.iter().map(|t| t.as_str().to_string()).collect()
}

fn create_op(d: &DesiredVar, v: &NewEnvVar) -> VercelOp {
    VercelOp::CreateEnv {
        key: v.key.clone(),
        env_type: format!("{:?}", v.kind).to_lowercase(),
        targets: targets_of(&v.targets),
        value: value_of(Some(d), &v.key),
    }
}

impl VercelOp {
    /// Whether this operation, computed while executing, is what `planned` (from a saved plan) announced: the
    /// same operation, or a write of a variable the plan could only name ("known after apply").
    pub fn satisfies(&self, planned: &VercelOp) -> bool {
        match (self, planned) {
            (
                VercelOp::CreateEnv { key, .. } | VercelOp::UpdateEnv { key, .. },
                VercelOp::EnvKnownAfterApply { key: k },
            ) => key == k,
            _ => self == planned,
        }
    }
}

/// The plan's placeholders for the variables known only after apply.
fn unknown_ops<'a>(keys: &'a [&'a str]) -> impl Iterator<Item = VercelOp> + 'a {
    keys.iter().map(|k| VercelOp::EnvKnownAfterApply { key: k.to_string() })
}

/// The typed writes of the client's decision, in the order it sends them.
pub fn env_ops(sync: &vercel_client::EnvSyncPlan, desired: &[DesiredVar]) -> Vec<VercelOp> {
    let find = |key: &str| desired.iter().find(|d| d.key == key);
    let mut ops = Vec::new();
    for d in &sync.deletes {
        ops.push(VercelOp::DeleteEnv { key: d.var.key.clone(), id: d.id.clone(), targets: targets_of(&d.var.targets) });
    }
    for u in &sync.updates {
        ops.push(VercelOp::UpdateEnv {
            key: u.var.key.clone(),
            id: u.id.clone(),
            env_type: u.kind.then(|| format!("{:?}", u.var.kind).to_lowercase()),
            targets: (u.targets || u.kind).then(|| targets_of(&u.var.targets)),
            value: u.value.then(|| value_of(find(&u.var.key), &u.var.key)),
        });
    }
    for v in &sync.creates {
        match find(&v.key) {
            Some(d) => ops.push(create_op(d, v)),
            None => ops.push(VercelOp::CreateEnv {
                key: v.key.clone(),
                env_type: format!("{:?}", v.kind).to_lowercase(),
                targets: targets_of(&v.targets),
                value: value_of(None, &v.key),
            }),
        }
    }
    ops
}

/// Executes the environment stage: sends exactly the client's decision ([`vercel_client::SyncEnv::execute`]),
/// then journals the fingerprints of the secrets written and the variables created (`destroy` removes only those
/// from a project it adopted).
///
/// A write whose outcome is unknown (a lost answer, a timeout, a 5xx) or that conflicts with one that landed
/// after all is followed up as a create with an unknown outcome is (see [`super::unknown`]): the environment is
/// listed again and what is still missing is sent (the sync is a diff, so what landed is not written twice), a
/// bounded number of times.
pub async fn apply_env(
    ctx: &Ctx<'_>,
    desired: &EnvDesired,
    observed: &EnvObserved,
    planned: &EnvOutcome,
) -> Result<EnvOutcome> {
    let (Some(project_id), Some(first)) = (&observed.project_id, &planned.sync) else {
        return Err(Error::blocked(
            "vercel: environment",
            "the project does not exist, so its environment cannot be written",
            "run apply again",
        ));
    };
    let step = ctx.progress.start("vercel: environment");
    let vercel = &ctx.services.vercel;
    let existing = &observed.listing;
    let mut attempt = 0;
    let mut current = existing.clone();
    let mut sync = first.clone();
    let mut report = loop {
        attempt += 1;
        let error = match sync_of(vercel, project_id, desired).execute(&sync).await {
            Ok(report) => break report,
            Err(e) => e,
        };
        if matches!(error.kind(), ErrorKind::EnvConflict) && integration_owned(&current, "DATABASE_URL") {
            step.fail("DATABASE_URL is the integration's");
            return Err(integration_conflict(&error));
        }
        let failure = classify_create(&error);
        if failure == super::unknown::Failure::Final || attempt >= super::unknown::CREATE_ATTEMPTS {
            step.fail("error");
            return Err(error).step("vercel: sync environment");
        }
        tracing::warn!(attempt, ?failure, "environment sync failed part-way; listing it again");
        if failure == (super::unknown::Failure::Unknown { timed_out: true }) {
            super::unknown::settle(ctx).await;
        } else {
            super::unknown::backoff(ctx, attempt).await;
        }
        current = vercel.env(project_id.to_string()).list_decrypted().await.step("vercel: list environment")?;
        sync = match sync_of(vercel, project_id, desired).plan(&current) {
            Ok(s) => s,
            Err(e) => {
                step.fail("error");
                return Err(e).step("vercel: sync environment");
            }
        };
    };
    if attempt > 1 {
        // What an interrupted attempt wrote shows as unchanged now; it was written by this run all the same
        // (the deployment must pick it up, its fingerprint be kept, its creation recorded).
        let had = |key: &str| existing.iter().any(|v| v.key == key && v.target.contains(&EnvTarget::Production));
        let unchanged = std::mem::take(&mut report.unchanged);
        for v in unchanged {
            if !had(&v.key) {
                report.created.push(v);
            } else if desired.overwrite.contains(&v.key) {
                report.updated.push(v);
            } else {
                report.unchanged.push(v);
            }
        }
        for key in &desired.remove {
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
    // What was just written is known to be in Vercel: remember its fingerprint (secrets only). Variables this
    // tool created are the only ones `destroy` removes from a project it adopted.
    use secrecy::ExposeSecret;
    let written: Vec<&str> = report.created.iter().chain(&report.updated).map(|v| v.key.as_str()).collect();
    let mut records: Vec<Record> = desired
        .vars
        .iter()
        .filter(|d| d.secret && written.contains(&d.key.as_str()))
        .map(|d| Record::Pushed { key: d.state_key(), fingerprint: crate::state::fingerprint(d.value.expose_secret()) })
        .collect();
    records.extend(report.created.iter().map(|v| Record::Created(Created::VercelEnv(v.key.clone()))));
    ctx.state.record(records)?;
    step.done(&format!(
        "{} created, {} updated, {} deleted, {} unchanged",
        report.created.len(),
        report.updated.len(),
        report.deleted.len(),
        report.unchanged.len()
    ));
    Ok(EnvOutcome { report, sync: Some(sync) })
}

/// The environment stage ("vercel.env"): syncs the project's variables to `desired`.
pub async fn environment(
    ctx: &Ctx<'_>,
    project: Option<&Project>,
    listing: &[EnvVar],
    desired: &EnvDesired,
) -> Result<(Plan, EnvOutcome)> {
    let observed = observe_env(project, listing);
    let planned = plan_env(&ctx.services.vercel, desired, &observed)?;
    let seen = &observed;
    ctx.stage(
        "vercel.env",
        seen,
        planned,
        |_plan, projected| async move { apply_env(ctx, desired, seen, &projected).await },
    )
    .await
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

/// One production deployment as the stale-plan fingerprint sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObservedDeployment {
    /// The deployment id.
    pub uid: String,
    /// Its state (`READY`, `BUILDING`, …).
    pub state: String,
    /// READY and serving production.
    pub live: bool,
    /// The environment fingerprint it was made with (`meta`), if any.
    pub fingerprint: Option<String>,
}

/// The deployment stage's observation: the project's recent production deployments (none before the project
/// exists).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DeploymentObserved {
    /// The project's id.
    pub project_id: Option<String>,
    /// The 20 newest production deployments.
    pub deployments: Vec<ObservedDeployment>,
    #[serde(skip)]
    recent: Vec<DeploymentSummary>,
}

/// Reads the project's 20 newest production deployments (`getDeployments`, `target=production`).
pub async fn observe_deployment(ctx: &Ctx<'_>, project: Option<&Project>) -> Result<DeploymentObserved> {
    let Some(project) = project else { return Ok(DeploymentObserved::default()) };
    let recent = ctx
        .services
        .vercel
        .deployments()
        .list(Some(&project.id), Some("production"), 20)
        .await
        .step("vercel: production deployments")?;
    Ok(DeploymentObserved {
        project_id: Some(project.id.clone()),
        deployments: recent
            .iter()
            .map(|d| ObservedDeployment {
                uid: d.uid.clone(),
                state: format!("{:?}", d.state()),
                live: d.is_live(),
                fingerprint: d.meta.get(ENV_FINGERPRINT_META).cloned(),
            })
            .collect(),
        recent,
    })
}

/// What the deployment stage wants: the environment it must be built from, and whether this run changed it.
#[derive(Clone)]
pub struct DeploymentDesired {
    /// The managed environment (for [`env_fingerprint`]).
    pub env: Vec<DesiredVar>,
    /// This run writes the environment (or `set-domain` asks for a rebuild): a new deployment.
    pub env_changed: bool,
}

/// The deployment stage's plan (pure):
///
/// - `env_changed`: a new deployment.
/// - Else the newest live production deployment (READY and not `STAGED`) built from the current environment
///   ([`env_fingerprint`]) is kept as it is.
/// - Else a deployment of the current fingerprint still QUEUED/INITIALIZING/BUILDING (an earlier run's, killed
///   while waiting) is awaited rather than duplicated.
/// - Else a new deployment is made, carrying the fingerprint in `meta`.
///
/// `env` is the project's listing from this run (for deployments made outside this tool). The outcome is the id
/// of the live deployment kept (`None` when one is to be made or awaited: known after apply).
pub fn plan_deployment(
    desired: &DeploymentDesired,
    observed: &DeploymentObserved,
    env: &[EnvVar],
    project: &str,
) -> (Plan, Option<String>) {
    let mut plan = Plan::default();
    let create = Op::Vercel(VercelOp::CreateDeployment { project: project.to_string() });
    if observed.project_id.is_none() {
        plan.change(
            "vercel",
            "production deployment",
            Action::Create,
            "after the environment is set; wait for READY",
            create,
        );
        return (plan, None);
    }
    let entries = fingerprint_entries(&desired.env);
    let env_changed = desired.env_changed;
    let recent = &observed.recent;
    let live = recent.iter().find(|d| d.is_live());
    if !env_changed && let Some(d) = live.filter(|d| built_from(d, &entries, env)) {
        plan.resource("vercel", "production deployment", Action::Unchanged, "READY with the current environment");
        return (plan, Some(d.uid.clone()));
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
    let detail = format!("{why}; wait for READY");
    match in_progress {
        Some(d) => plan.change(
            "vercel",
            "production deployment",
            Action::Unchanged,
            detail,
            Op::Vercel(VercelOp::AwaitDeployment { id: d.uid.clone() }),
        ),
        None => plan.change("vercel", "production deployment", Action::Create, detail, create),
    }
    (plan, None)
}

/// Executes the deployment stage: makes the production deployment (from the project's git link and production
/// branch, with the environment fingerprint in `meta`) or takes the one under way, and waits until READY.
/// Returns the READY deployment's id (the kept one's when the plan has nothing to do).
pub async fn apply_deployment(
    ctx: &Ctx<'_>,
    plan: Plan,
    project: &Project,
    desired: &DeploymentDesired,
    kept: Option<String>,
    options: DeployOptions,
) -> Result<Option<String>> {
    let vercel = &ctx.services.vercel;
    let Some(op) = vercel_ops(&plan).into_iter().next() else { return Ok(kept) };
    let step = ctx.progress.start("vercel: deploy production");
    let id = match op {
        VercelOp::AwaitDeployment { id } => id,
        _ => {
            let fingerprint = env_fingerprint(&desired.env);
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
            Ok(Some(d.id))
        }
        Err(e) => {
            step.fail("deployment failed");
            Err(e).step("vercel: deployment")
        }
    }
}

/// The deployment stage ("vercel.deployment"): ensures the live production deployment was built from the
/// current environment, and waits until READY. Returns the id of the READY deployment (none in a plan that
/// would deploy).
pub async fn deployment(
    ctx: &Ctx<'_>,
    project: Option<&Project>,
    desired: &DeploymentDesired,
    env: &[EnvVar],
    options: DeployOptions,
) -> Result<(Plan, Option<String>)> {
    let observed = observe_deployment(ctx, project).await?;
    let planned = plan_deployment(desired, &observed, env, &ctx.config.vercel.project);
    let kept = planned.1.clone();
    ctx.stage("vercel.deployment", &observed, planned, |plan, _| async move {
        let Some(project) = project else {
            return Err(Error::blocked(
                "vercel: deployment",
                "the project does not exist, so it cannot be deployed",
                "run apply again",
            ));
        };
        apply_deployment(ctx, plan, project, desired, kept, options).await
    })
    .await
}

/// A variable's value in an operation: never a secret value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum EnvValue {
    /// A non-secret value, as written.
    Literal {
        /// The value.
        value: String,
    },
    /// A secret: where apply takes it from (never the value).
    Secret {
        /// The source (`the RAM access key's secret`, `generated once, kept in the state file`, …).
        source: String,
    },
}

/// The Vercel operations of a plan (what `apply` sends), one per changing row. Operation names are those of the
/// REST API as `@vercel/sdk` calls them (field-truth §4.1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VercelOp {
    /// A variable whose value comes from a resource this plan creates (a new application's client id, a new
    /// access key): created or updated once known. While executing, it is satisfied by a `create_env` or
    /// `update_env` of the same key ([`VercelOp::satisfies`]).
    EnvKnownAfterApply {
        /// The key.
        key: String,
    },
    /// `createProject` (`POST /v11/projects`), linked to the GitHub repository; looked up by name after a lost
    /// answer and adopted only when linked to `repo`.
    CreateProject {
        /// The project name.
        name: String,
        /// The framework preset (`nextjs`).
        framework: String,
        /// The GitHub repository (`owner/name`).
        repo: String,
    },
    /// `addProjectDomain` (`POST /v10/projects/{id}/domains`), then `verifyProjectDomain` while it is pending.
    AddDomain {
        /// The custom domain.
        domain: String,
    },
    /// `verifyProjectDomain` (`POST /v9/projects/{id}/domains/{domain}/verify`) for a domain still unverified.
    VerifyDomain {
        /// The domain.
        domain: String,
    },
    /// Claims the first `*.vercel.app` name Vercel grants the project: `addProjectDomain`, confirmed by
    /// `getProjectDomain` (verified, on this project); one that is added but not verified is removed again.
    ClaimAppHost {
        /// The names to try, in order.
        candidates: Vec<String>,
    },
    /// `addProjectDomain` with `gitBranch`: the preview host for the previews branch.
    AddPreviewDomain {
        /// The preview host.
        domain: String,
        /// The branch it serves.
        git_branch: String,
    },
    /// A variable in the one `batchRemoveProjectEnv` (`DELETE /v1/projects/{id}/env`).
    DeleteEnv {
        /// The key.
        key: String,
        /// The variable's id.
        id: String,
        /// Its targets.
        targets: Vec<String>,
    },
    /// `editProjectEnv` (`PATCH /v9/projects/{id}/env/{envId}`).
    UpdateEnv {
        /// The key.
        key: String,
        /// The variable's id.
        id: String,
        /// The new type, when it changes.
        env_type: Option<String>,
        /// The targets, when they are sent.
        targets: Option<Vec<String>>,
        /// The value, when it is written.
        value: Option<EnvValue>,
    },
    /// A variable in the one `createProjectEnv` (`POST /v10/projects/{id}/env`).
    CreateEnv {
        /// The key.
        key: String,
        /// `encrypted` or `sensitive`.
        env_type: String,
        /// Its targets.
        targets: Vec<String>,
        /// The value.
        value: EnvValue,
    },
    /// `createDeployment` (`POST /v13/deployments`, `target: production`) from the project's git link and
    /// production branch, the environment fingerprint in `meta`; then waited on until READY.
    CreateDeployment {
        /// The project name.
        project: String,
    },
    /// A production deployment of the current environment already building: waited on until READY.
    AwaitDeployment {
        /// The deployment id.
        id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(json: &str) -> Vec<EnvVar> {
        serde_json::from_str(json).unwrap()
    }

    fn project(id: &str) -> Project {
        serde_json::from_value(serde_json::json!({"id": id, "name": "lobehub"})).unwrap()
    }

    fn client() -> vercel_client::VercelClient {
        vercel_client::VercelClient::builder().token(secrecy::SecretString::from("t")).build().unwrap()
    }

    fn desired_project(domain: Option<&str>) -> ProjectDesired {
        ProjectDesired {
            name: "lobehub".into(),
            repo: "alice/lobehub".into(),
            domain: domain.map(str::to_string),
            integration_database: false,
        }
    }

    #[test]
    fn a_missing_project_and_domain_are_typed_creates() {
        let (plan, out) = plan_project(&desired_project(Some("chat.example.com")), &ProjectObserved::default());
        let ops: Vec<_> = vercel_ops(&plan);
        assert_eq!(
            ops,
            [
                VercelOp::CreateProject {
                    name: "lobehub".into(),
                    framework: "nextjs".into(),
                    repo: "alice/lobehub".into()
                },
                VercelOp::AddDomain { domain: "chat.example.com".into() },
            ]
        );
        assert!(out.project.is_none(), "known after apply");
        assert!(plan.render_text().contains("added to the new project"));
    }

    #[test]
    fn a_present_unverified_domain_is_verified_again_and_a_verified_one_is_left() {
        let mut observed = ProjectObserved {
            project_id: Some("prj_1".into()),
            project: Some(project("prj_1")),
            ..ProjectObserved::default()
        };
        observed.domain = Some(ObservedDomain {
            name: "chat.example.com".into(),
            present: true,
            verified: false,
            configured: false,
            records: vec![],
        });
        let (plan, out) = plan_project(&desired_project(Some("chat.example.com")), &observed);
        assert_eq!(vercel_ops(&plan), [VercelOp::VerifyDomain { domain: "chat.example.com".into() }]);
        assert!(!plan.has_changes(), "verification is no change to show");
        assert_eq!(out.project.map(|p| p.id).as_deref(), Some("prj_1"));
        observed.domain.as_mut().unwrap().verified = true;
        let (plan, _) = plan_project(&desired_project(Some("chat.example.com")), &observed);
        assert_eq!(plan.ops().count(), 0);
    }

    #[test]
    fn the_env_plan_is_the_clients_decision_and_names_secret_sources_not_values() {
        let current = listing(
            r#"[{"id":"e1","key":"APP_URL","value":"https://old.example.com","type":"encrypted","target":["production"],"decrypted":true},
                {"id":"e2","key":"ACCESS_CODE","value":"x","type":"plain","target":["production"]}]"#,
        );
        let p = project("prj_1");
        let observed = observe_env(Some(&p), &current);
        let desired = EnvDesired {
            vars: vec![
                DesiredVar::new("APP_URL", "https://chat.example.com"),
                DesiredVar::new("AUTH_SECRET", "generated-secret-value"),
            ],
            remove: vec!["ACCESS_CODE".into()],
            overwrite: vec![],
            unknown: vec![],
        };
        let (plan, out) = plan_env(&client(), &desired, &observed).unwrap();
        assert!(out.changed());
        assert_eq!(out.sync.as_ref().map(|s| s.requests()), Some(3));
        let ops: Vec<VercelOp> = vercel_ops(&plan);
        assert!(matches!(&ops[0], VercelOp::DeleteEnv { key, id, .. } if key == "ACCESS_CODE" && id == "e2"));
        assert!(matches!(&ops[1], VercelOp::UpdateEnv { key, value: Some(EnvValue::Literal { value }), .. }
            if key == "APP_URL" && value == "https://chat.example.com"));
        assert!(matches!(&ops[2], VercelOp::CreateEnv { key, value: EnvValue::Secret { source }, env_type, .. }
            if key == "AUTH_SECRET" && source.contains("generated") && env_type == "sensitive"));
        let saved = serde_json::to_string(&plan).unwrap() + &format!("{plan:?}{out:?}");
        assert!(!saved.contains("generated-secret-value"), "{saved}");
        let keys: Vec<(&str, Action)> = plan.env.iter().map(|e| (e.key.as_str(), e.action)).collect();
        assert_eq!(
            keys,
            [("AUTH_SECRET", Action::Create), ("APP_URL", Action::Update), ("ACCESS_CODE", Action::Delete)]
        );
    }

    #[test]
    fn before_the_project_exists_every_variable_is_new_and_the_unknown_ones_are_shown() {
        let desired = EnvDesired {
            vars: vec![DesiredVar::new("APP_URL", "https://lobehub.vercel.app")],
            remove: vec![],
            overwrite: vec![],
            unknown: vec!["AUTH_AUTH0_ID", "AUTH_AUTH0_SECRET"],
        };
        let (plan, out) = plan_env(&client(), &desired, &EnvObserved::default()).unwrap();
        let rows: Vec<(&str, &str)> = plan.env.iter().map(|e| (e.key.as_str(), e.detail.as_str())).collect();
        assert_eq!(
            rows,
            [("APP_URL", ""), ("AUTH_AUTH0_ID", "known after apply"), ("AUTH_AUTH0_SECRET", "known after apply")]
        );
        assert!(out.changed() && out.sync.is_none());
        let dep = DeploymentDesired { env: desired.vars.clone(), env_changed: true };
        let (plan, id) = plan_deployment(&dep, &DeploymentObserved::default(), &[], "lobehub");
        assert_eq!(vercel_ops(&plan), [VercelOp::CreateDeployment { project: "lobehub".into() }]);
        assert!(id.is_none());
    }

    #[test]
    fn a_live_deployment_of_the_current_environment_is_kept_and_a_build_under_way_is_awaited() {
        let env = vec![DesiredVar::new("APP_URL", "https://chat.example.com")];
        let fp = env_fingerprint(&env);
        let summary = |uid: &str, state: &str| -> DeploymentSummary {
            serde_json::from_value(serde_json::json!({
                "uid": uid, "name": "lobehub", "state": state, "readyState": state, "target": "production",
                "meta": {ENV_FINGERPRINT_META: fp}
            }))
            .unwrap()
        };
        let observed = |recent: Vec<DeploymentSummary>| DeploymentObserved {
            project_id: Some("prj_1".into()),
            deployments: vec![],
            recent,
        };
        let desired = DeploymentDesired { env: env.clone(), env_changed: false };
        let (plan, id) = plan_deployment(&desired, &observed(vec![summary("dpl_1", "READY")]), &[], "lobehub");
        assert_eq!((plan.ops().count(), id.as_deref()), (0, Some("dpl_1")));
        let (plan, id) = plan_deployment(&desired, &observed(vec![summary("dpl_2", "BUILDING")]), &[], "lobehub");
        assert_eq!(vercel_ops(&plan), [VercelOp::AwaitDeployment { id: "dpl_2".into() }]);
        assert!(id.is_none() && !plan.has_changes());
        let changed = DeploymentDesired { env, env_changed: true };
        let (plan, _) = plan_deployment(&changed, &observed(vec![summary("dpl_1", "READY")]), &[], "lobehub");
        assert_eq!(vercel_ops(&plan), [VercelOp::CreateDeployment { project: "lobehub".into() }]);
    }
}
