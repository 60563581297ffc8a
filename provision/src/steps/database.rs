//! The database: the guide's second step (a Postgres database for LobeHub), and the checks that it is reachable
//! and that LobeHub's migrations ran.
//!
//! `[database] provider`:
//! - `url` (default): `DATABASE_URL` from the environment, as given.
//! - `neon`: a Neon project created — or adopted, by name — in `database.neon_region` through the Neon API
//!   (`NEON_API_KEY`). `DATABASE_URL` is its **direct** (non-pooled) connection URI, a secret: LobeHub's build runs
//!   `db:migrate` with this same URL (field-truth §1.6) and Neon says migrations need the direct string because
//!   its pooler runs PgBouncer in transaction mode; the guide itself copies `POSTGRES_URL_NONPOOLING`. See
//!   [`neon_client::ProjectsHandler::connection_uri`].
//! - `vercel-integration`: the Vercel–Neon integration's variable, which the Vercel step keeps as it is.
//!
//! `DATABASE_DRIVER` follows the provider unless `app.database_driver` says otherwise: unset for Neon (LobeHub's
//! default `neon` driver, WebSockets through Neon's proxy), `node` otherwise — the Neon driver cannot reach plain
//! TCP Postgres and the build fails at `db:migrate` without it (LobeHub `src/config/db.ts`; field-truth §1.6).
//!
//! `destroy` never deletes the database unless `--delete-database` is given and the project name typed back.

use super::Ctx;
use crate::config::{Config, DatabaseProvider};
use crate::desired::DesiredVar;
use crate::error::{Error, Result};
use crate::journal::{Created, Record};
use crate::plan::{Action, Op, Plan};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// LobeHub's migration record: drizzle's migrator writes one row per applied migration to
/// `"drizzle"."__drizzle_migrations"` (`id serial, hash text, created_at bigint`) — the table LobeHub's
/// `scripts/migrateServerDB/index.ts` (`lobehub/lobehub` @ 025b54e5) truncates and recreates when it repairs an
/// out-of-sync migration history.
pub const MIGRATIONS_TABLE: &str = "\"drizzle\".\"__drizzle_migrations\"";

/// What the database step found or made.
#[derive(Clone, Default)]
pub struct DatabaseOutcome {
    /// The `DATABASE_URL` to write; `None` when another party owns the variable (the Vercel integration).
    pub url: Option<SecretString>,
    /// The `DATABASE_DRIVER` to write; `None`: leave it unset.
    pub driver: Option<String>,
    /// The Neon project id, for `provider = "neon"`.
    pub neon_project_id: Option<String>,
}

impl std::fmt::Debug for DatabaseOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseOutcome")
            .field("url", &self.url.as_ref().map(|_| "[REDACTED]"))
            .field("driver", &self.driver)
            .field("neon_project_id", &self.neon_project_id)
            .finish()
    }
}

/// The `DATABASE_DRIVER` for a provider: the configured one, else unset for Neon, `node` otherwise.
///
/// ```
/// use provision::config::DatabaseProvider;
/// assert_eq!(provision::steps::database::driver_for(DatabaseProvider::Neon, None), None);
/// assert_eq!(provision::steps::database::driver_for(DatabaseProvider::Url, None).as_deref(), Some("node"));
/// assert_eq!(provision::steps::database::driver_for(DatabaseProvider::Url, Some("neon")).as_deref(), Some("neon"));
/// ```
pub fn driver_for(provider: DatabaseProvider, configured: Option<&str>) -> Option<String> {
    if let Some(d) = configured {
        return Some(d.to_string());
    }
    match provider {
        DatabaseProvider::Neon => None,
        DatabaseProvider::Url | DatabaseProvider::VercelIntegration => Some("node".to_string()),
    }
}

pub(crate) fn neon_failed(step: &str, e: &neon_client::Error) -> Error {
    let fix = match e.kind() {
        neon_client::ErrorKind::Unauthorized => "check NEON_API_KEY",
        neon_client::ErrorKind::Conflict => "keep one Neon project of that name, or set database.neon_project",
        neon_client::ErrorKind::BadRequest => "check database.neon_region and your Neon plan's project limit",
        _ => "run apply again",
    };
    Error::blocked(format!("database: {step}"), e.to_string(), fix)
}

/// What the database stage wants, from the configuration ([`DatabaseDesired::from_config`]).
#[derive(Clone)]
pub struct DatabaseDesired {
    /// Where `DATABASE_URL` comes from.
    pub provider: DatabaseProvider,
    /// `DATABASE_URL` as given (used with `provider = "url"`; a secret).
    pub url: SecretString,
    /// The `DATABASE_DRIVER` to write; `None`: leave it unset ([`driver_for`]).
    pub driver: Option<String>,
    /// The Neon project's name (`provider = "neon"`).
    pub neon_project: String,
    /// The Neon region to create it in (`aws-eu-central-1`).
    pub neon_region: String,
}

impl std::fmt::Debug for DatabaseDesired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseDesired")
            .field("provider", &self.provider)
            .field("url", &"[REDACTED]")
            .field("driver", &self.driver)
            .field("neon_project", &self.neon_project)
            .field("neon_region", &self.neon_region)
            .finish()
    }
}

impl DatabaseDesired {
    /// The desired database from `[database]` (and `app.database_driver`). Without a `[database]` section the
    /// driver is only what `app.database_driver` says (provision's behaviour before it had the section).
    pub fn from_config(config: &Config) -> Self {
        let driver = if config.database.explicit {
            driver_for(config.database.provider, config.database_driver.as_deref())
        } else {
            config.database_driver.clone()
        };
        Self {
            provider: config.database.provider,
            url: config.database_url.clone(),
            driver,
            neon_project: config.database.neon_project.clone(),
            neon_region: config.database.neon_region.clone().unwrap_or_default(),
        }
    }
}

/// What the database stage observed (fingerprinted for the stale-plan check; holds no secret: the connection
/// URI of an existing project is returned beside it by [`observe_database`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DatabaseObserved {
    /// The Neon project of the configured name (`provider = "neon"`); `None`: there is none, or another
    /// provider.
    pub neon_project: Option<NeonProjectSeen>,
}

/// A Neon project found by name (Neon API `listProjects`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NeonProjectSeen {
    /// Its id.
    pub id: String,
    /// Its region id.
    pub region: String,
}

/// Reads the Neon project of the configured name and, when it exists, its direct connection URI (Neon API
/// `listProjects`, then `getConnectionURI`; [`neon_client::ProjectsHandler::default_connection_uri`]). Only
/// reads. The URI is a secret: it is returned beside the observation, never in it. Other providers read nothing.
///
/// # Errors
/// `blocked` when `provider = "neon"` without a Neon client, or when Neon refuses a read.
pub async fn observe_database(
    ctx: &Ctx<'_>,
    desired: &DatabaseDesired,
) -> Result<(DatabaseObserved, Option<SecretString>)> {
    if desired.provider != DatabaseProvider::Neon {
        return Ok((DatabaseObserved::default(), None));
    }
    let Some(neon) = &ctx.services.neon else {
        return Err(Error::blocked("database: neon", "no Neon client", "set NEON_API_KEY"));
    };
    let found =
        neon.projects().find_by_name(&desired.neon_project).await.map_err(|e| neon_failed("find project", &e))?;
    let Some(p) = found else { return Ok((DatabaseObserved::default(), None)) };
    let url =
        neon.projects().default_connection_uri(&p.id, false).await.map_err(|e| neon_failed("connection URI", &e))?;
    Ok((DatabaseObserved { neon_project: Some(NeonProjectSeen { id: p.id, region: p.region_id }) }, Some(url)))
}

/// The database stage's plan (pure): nothing for `url`, a note for the Vercel integration, the Neon project as
/// it is or to create. `existing_uri` is the found project's connection URI ([`observe_database`]).
///
/// ```
/// use provision::config::DatabaseProvider;
/// use provision::steps::database::{plan_database, DatabaseDesired, DatabaseObserved};
/// let desired = DatabaseDesired {
///     provider: DatabaseProvider::Neon,
///     url: String::new().into(),
///     driver: None,
///     neon_project: "lobehub".into(),
///     neon_region: "aws-eu-central-1".into(),
/// };
/// let (plan, out) = plan_database(&desired, &DatabaseObserved::default(), None);
/// assert!(plan.render_text().contains("+ neon    project lobehub"));
/// assert_eq!(out.neon_project_id, None, "known after apply");
/// ```
pub fn plan_database(
    desired: &DatabaseDesired,
    observed: &DatabaseObserved,
    existing_uri: Option<&SecretString>,
) -> (Plan, DatabaseOutcome) {
    let mut plan = Plan::default();
    let driver = desired.driver.clone();
    match desired.provider {
        DatabaseProvider::Url => {
            (plan, DatabaseOutcome { url: Some(desired.url.clone()), driver, neon_project_id: None })
        }
        DatabaseProvider::VercelIntegration => {
            plan.note("database: DATABASE_URL is the Vercel–Neon integration's variable; kept as it is");
            (plan, DatabaseOutcome { url: None, driver, neon_project_id: None })
        }
        DatabaseProvider::Neon => {
            let (name, region) = (&desired.neon_project, &desired.neon_region);
            match &observed.neon_project {
                Some(p) => {
                    let detail = if p.region == *region {
                        format!("{} in {}", p.id, p.region)
                    } else {
                        format!("{} in {} (adopted; database.neon_region says {region})", p.id, p.region)
                    };
                    plan.resource("neon", format!("project {name}"), Action::Unchanged, detail);
                    (plan, DatabaseOutcome { url: existing_uri.cloned(), driver, neon_project_id: Some(p.id.clone()) })
                }
                None => {
                    plan.change(
                        "neon",
                        format!("project {name}"),
                        Action::Create,
                        format!("in {region}; DATABASE_URL = its direct connection URI"),
                        Op::Database(DatabaseOp::CreateNeonProject { name: name.clone(), region: region.clone() }),
                    );
                    let url = SecretString::from("(known after apply)".to_string());
                    (plan, DatabaseOutcome { url: Some(url), driver, neon_project_id: None })
                }
            }
        }
    }
}

/// Executes the database stage's plan: creates the Neon project (`POST /projects`, Neon API "Create project"),
/// journaling it the moment Neon answers, and takes its direct connection URI from the answer (or reads it).
/// When the answer is lost (timeout, 5xx, transport), the project is looked up by name before anything else:
/// found, it is the one created. `planned` is the plan's outcome; the created project's id and URI replace the
/// placeholders.
///
/// # Errors
/// `blocked` when Neon refuses the create or a read.
pub async fn apply_database(ctx: &Ctx<'_>, plan: Plan, planned: DatabaseOutcome) -> Result<DatabaseOutcome> {
    let mut out = planned;
    for op in plan.ops() {
        let Op::Database(op) = op else {
            return Err(Error::blocked("database", "the plan has another service's operation", "run plan again"));
        };
        match op {
            DatabaseOp::CreateNeonProject { name, region } => {
                let Some(neon) = &ctx.services.neon else {
                    return Err(Error::blocked("database: neon", "no Neon client", "set NEON_API_KEY"));
                };
                let (id, url) = match neon.projects().create(name.clone()).region(region.clone()).send().await {
                    Ok(c) => {
                        ctx.state.record([Record::Created(Created::NeonProject(c.project.id.clone()))])?;
                        let url = match c.connection_uris.first() {
                            Some(u) => u.connection_uri.clone(),
                            None => neon
                                .projects()
                                .default_connection_uri(&c.project.id, false)
                                .await
                                .map_err(|e| neon_failed("connection URI", &e))?,
                        };
                        (c.project.id, url)
                    }
                    // The answer was lost: the project may exist. Look before anything is created again.
                    Err(e)
                        if matches!(
                            e.kind(),
                            neon_client::ErrorKind::Timeout
                                | neon_client::ErrorKind::Server
                                | neon_client::ErrorKind::Transport(_)
                        ) =>
                    {
                        match neon.projects().find_by_name(name).await {
                            Ok(Some(p)) => {
                                ctx.state.record([Record::Created(Created::NeonProject(p.id.clone()))])?;
                                let url = neon
                                    .projects()
                                    .default_connection_uri(&p.id, false)
                                    .await
                                    .map_err(|e| neon_failed("connection URI", &e))?;
                                (p.id, url)
                            }
                            _ => return Err(neon_failed("create project", &e)),
                        }
                    }
                    Err(e) => return Err(neon_failed("create project", &e)),
                };
                out.url = Some(url);
                out.neon_project_id = Some(id);
            }
        }
    }
    Ok(out)
}

/// The database step (stage `database`): observe the Neon project, plan, and — applying — create it.
///
/// # Errors
/// `blocked` when Neon refuses a read or the create, or `provider = "neon"` has no Neon client.
pub async fn database(ctx: &Ctx<'_>) -> Result<(Plan, DatabaseOutcome)> {
    let desired = ctx.desired.database.clone();
    let step = (desired.provider == DatabaseProvider::Neon)
        .then(|| ctx.progress.start(&format!("database: Neon project {}", desired.neon_project)));
    let (observed, existing_uri) = observe_database(ctx, &desired).await?;
    let planned = plan_database(&desired, &observed, existing_uri.as_ref());
    let base = planned.1.clone();
    let (plan, out) = ctx.stage("database", &observed, planned, |plan, _| apply_database(ctx, plan, base)).await?;
    if let Some(step) = step {
        step.done(out.neon_project_id.as_deref().unwrap_or("planned"));
    }
    Ok((plan, out))
}

/// Replaces `DATABASE_URL` and `DATABASE_DRIVER` in the desired environment with what the database step
/// decided.
pub fn adjust_env(desired: Vec<DesiredVar>, out: &DatabaseOutcome) -> Vec<DesiredVar> {
    use crate::desired::Scope;
    // The production (or production + preview) copies are the database step's; a preview-only DATABASE_URL
    // (`[previews]`, the previews' own database) stays as configured. Each replacement keeps its scope.
    let ours = |v: &DesiredVar| (v.key == "DATABASE_URL" || v.key == "DATABASE_DRIVER") && v.scope != Scope::Preview;
    let scope_of = |key: &str| {
        desired.iter().find(|v| v.key == key && v.scope != Scope::Preview).map_or(Scope::Production, |v| v.scope)
    };
    let (url_scope, driver_scope) = (scope_of("DATABASE_URL"), scope_of("DATABASE_DRIVER"));
    let mut vars: Vec<DesiredVar> = desired.into_iter().filter(|v| !ours(v)).collect();
    if let Some(url) = &out.url {
        vars.insert(
            1.min(vars.len()),
            DesiredVar { key: "DATABASE_URL".into(), value: url.clone(), secret: true, scope: url_scope },
        );
    }
    if let Some(driver) = &out.driver {
        vars.insert(
            2.min(vars.len()),
            DesiredVar {
                key: "DATABASE_DRIVER".into(),
                value: SecretString::from(driver.clone()),
                secret: false,
                scope: driver_scope,
            },
        );
    }
    vars
}

/// Connects to `url` (TLS through rustls with the platform's roots when the server offers it, as `sslmode` in
/// the URL asks; `sslmode=require` for Neon). Bounded by `timeout`.
pub async fn connect(url: &str, timeout: Duration) -> std::result::Result<tokio_postgres::Client, String> {
    let config: tokio_postgres::Config = url.parse().map_err(|e| format!("DATABASE_URL does not parse: {e}"))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let tls = rustls_platform_verifier::BuilderVerifierExt::with_platform_verifier(tls)
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_no_client_auth();
    let connector = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
    let (client, connection) = tokio::time::timeout(timeout, config.connect(connector))
        .await
        .map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
        .map_err(|e| format!("cannot connect: {}", chain(&e)))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// [`connect`], waiting while the server refuses connections: a Neon compute that is starting (a new project's
/// compute starts asynchronously, Neon API "Asynchronous operations"; a suspended one wakes on connect) — at most
/// 60 s, then the last error.
pub async fn connect_waiting(url: &str) -> std::result::Result<tokio_postgres::Client, String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match connect(url, Duration::from_secs(20)).await {
            Ok(c) => return Ok(c),
            Err(e) if is_starting(&e) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether a connection error means "not up yet": the port refuses connections, or the server answers SQLSTATE
/// 57P03 `cannot_connect_now` ("the database system is starting up"; PostgreSQL docs, Appendix A "Error Codes").
fn is_starting(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    e.contains("refused") || e.contains("the database system is starting up")
}

/// An error and its causes, `: `-joined (tokio-postgres' own text omits the cause, e.g. "connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    let mut n = 0;
    while let Some(s) = source
        && n < 8
    {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
        n += 1;
    }
    out
}

fn target(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!("{}:{}{}", u.host_str().unwrap_or("?"), u.port().unwrap_or(5432), u.path()),
        Err(_) => "the database".into(),
    }
}

/// `select 1` through a new connection: passes with the server's version.
pub async fn select_one(url: &SecretString) -> std::result::Result<String, String> {
    let url = url.expose_secret();
    let client = connect_waiting(url).await?;
    let row = client
        .query_one("select 1::int4, version()", &[])
        .await
        .map_err(|e| format!("select 1 failed: {}", chain(&e)))?;
    let one: i32 = row.try_get(0).map_err(|e| format!("select 1: {e}"))?;
    let version: String = row.try_get(1).unwrap_or_default();
    if one != 1 {
        return Err(format!("select 1 answered {one}"));
    }
    let short: String = version.split(" on ").next().unwrap_or(&version).to_string();
    Ok(format!("select 1 → 1 on {} ({short})", target(url)))
}

/// How many migrations LobeHub's migrator recorded in [`MIGRATIONS_TABLE`]; an error when the table is missing
/// or empty (`db:migrate` did not run against this database).
pub async fn migrations_recorded(url: &SecretString) -> std::result::Result<String, String> {
    let client = connect_waiting(url.expose_secret()).await?;
    let exists = client
        .query_one("select to_regclass('drizzle.__drizzle_migrations') is not null", &[])
        .await
        .map_err(|e| format!("cannot look for {MIGRATIONS_TABLE}: {e}"))?;
    if !exists.try_get::<_, bool>(0).unwrap_or(false) {
        return Err(format!(
            "{MIGRATIONS_TABLE} does not exist: LobeHub's db:migrate has not run against this database (the build skips it on Vercel unless MIGRATE_ON_VERCEL_BUILD=1 in some versions)"
        ));
    }
    let row = client
        .query_one("select count(*), max(created_at) from drizzle.__drizzle_migrations", &[])
        .await
        .map_err(|e| format!("cannot read {MIGRATIONS_TABLE}: {e}"))?;
    let count: i64 = row.try_get(0).unwrap_or(0);
    if count == 0 {
        return Err(format!("{MIGRATIONS_TABLE} is empty: no migration was applied"));
    }
    Ok(format!("{count} migrations recorded in {MIGRATIONS_TABLE}"))
}

/// The URL the deployment uses: Vercel's `DATABASE_URL` when it is readable, else what this tool would write.
pub async fn deployment_url(
    ctx_config: &Config,
    services: &crate::services::Services,
    vercel_value: Option<String>,
) -> Option<SecretString> {
    if let Some(v) = vercel_value.filter(|v| !v.is_empty()) {
        return Some(SecretString::from(v));
    }
    match ctx_config.database.provider {
        DatabaseProvider::Url => Some(ctx_config.database_url.clone()).filter(|u| !u.expose_secret().is_empty()),
        DatabaseProvider::Neon => {
            let neon = services.neon.as_ref()?;
            let p = neon.projects().find_by_name(&ctx_config.database.neon_project).await.ok()??;
            neon.projects().default_connection_uri(&p.id, false).await.ok()
        }
        DatabaseProvider::VercelIntegration => None,
    }
}

/// What `destroy` does about the database and the fork: both are kept, except a Neon project when
/// `delete_confirmed_name` is its name typed back (`--delete-database NAME`). A repository is never deleted.
///
/// Only reads (`find_by_name`); the deletion is a row carrying [`crate::destroy::DestroyOp::NeonProject`], sent by
/// [`crate::destroy::execute`].
///
/// Errors: a typed-back name that is not the project's is refused before anything is deleted.
pub async fn destroy_database(p: &crate::engine::Provisioner, delete_confirmed_name: Option<&str>) -> Result<Plan> {
    let mut plan = Plan::default();
    let config = p.config();
    let forks = p.state().snapshot().created_of(Created::GithubFork(String::new()).kind());
    if let Some(Created::GithubFork(full)) = forks.first() {
        plan.resource("github", format!("fork {full}"), Action::Unchanged, "kept: destroy never deletes a repository");
    }
    if config.database.provider != DatabaseProvider::Neon {
        if delete_confirmed_name.is_some() {
            return Err(Error::blocked(
                "destroy: database",
                "--delete-database deletes a Neon project, but [database] provider is not \"neon\"",
                "delete the database where it was created",
            ));
        }
        plan.note("database: not created by provision; kept");
        return Ok(plan);
    }
    let Some(neon) = &p.services().neon else { return Ok(plan) };
    let name = &config.database.neon_project;
    let found = neon.projects().find_by_name(name).await.map_err(|e| neon_failed("find project", &e))?;
    let Some(project) = found else {
        plan.note(format!("database: no Neon project called {name}"));
        return Ok(plan);
    };
    match delete_confirmed_name {
        None => {
            plan.resource(
                "neon",
                format!("project {name}"),
                Action::Unchanged,
                format!("kept with all its data; to delete it pass --delete-database {name}"),
            );
        }
        Some(typed) if typed != name => {
            return Err(Error::blocked(
                "destroy: database",
                format!(
                    "the name typed back (`{typed}`) is not the Neon project's name (`{name}`); nothing was deleted"
                ),
                format!("pass --delete-database {name} to delete it and all its data"),
            ));
        }
        Some(_) => {
            plan.change(
                "neon",
                format!("project {name}"),
                Action::Delete,
                format!("{} and all its data", project.id),
                Op::Destroy(crate::destroy::DestroyOp::NeonProject { project_id: project.id.clone() }),
            );
        }
    }
    Ok(plan)
}

/// `doctor` with credentials: connects with `url` and runs `select 1`. An unreachable database is a fatal
/// finding on `DATABASE_URL` (LobeHub's build migrates it, field-truth §1.6); a reachable one is listed as fine.
pub async fn doctor_reachability(report: &mut crate::doctor::DoctorReport, url: Option<SecretString>) {
    use crate::doctor::{Finding, Problem, Severity};
    let Some(url) = url else { return };
    match select_one(&url).await {
        Ok(detail) => report.ok.push(format!("DATABASE_URL (reachable: {detail})")),
        Err(e) => report.findings.insert(
            0,
            Finding {
                key: "DATABASE_URL".into(),
                severity: Severity::Fatal,
                problem: Problem::Malformed,
                message: format!("cannot be reached: {e}"),
                fix: "check the host, port, role and password (and that the database accepts connections from Vercel)"
                    .into(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neon_desired() -> DatabaseDesired {
        DatabaseDesired {
            provider: DatabaseProvider::Neon,
            url: SecretString::from(String::new()),
            driver: None,
            neon_project: "lobehub".into(),
            neon_region: "aws-eu-central-1".into(),
        }
    }

    #[test]
    fn an_absent_neon_project_is_created_with_its_region() {
        let (plan, out) = plan_database(&neon_desired(), &DatabaseObserved::default(), None);
        let ops: Vec<_> = plan.ops().cloned().collect();
        assert_eq!(
            ops,
            [Op::Database(DatabaseOp::CreateNeonProject { name: "lobehub".into(), region: "aws-eu-central-1".into() })]
        );
        assert_eq!(plan.resources[0].action, Action::Create);
        assert_eq!(plan.resources[0].detail, "in aws-eu-central-1; DATABASE_URL = its direct connection URI");
        assert_eq!(out.neon_project_id, None);
        assert!(out.url.is_some(), "DATABASE_URL is planned, its value known after apply");
        let json = serde_json::to_string(&plan).unwrap();
        assert!(!json.contains("postgres"), "no connection string in a plan: {json}");
    }

    #[test]
    fn an_existing_neon_project_is_adopted_with_its_uri_whatever_its_region() {
        let observed = DatabaseObserved {
            neon_project: Some(NeonProjectSeen { id: "p-1".into(), region: "aws-us-east-2".into() }),
        };
        let uri = SecretString::from("postgresql://o:npg_secret@h/neondb".to_string());
        let (plan, out) = plan_database(&neon_desired(), &observed, Some(&uri));
        assert_eq!(plan.ops().count(), 0);
        assert_eq!(plan.resources[0].action, Action::Unchanged);
        assert_eq!(
            plan.resources[0].detail,
            "p-1 in aws-us-east-2 (adopted; database.neon_region says aws-eu-central-1)"
        );
        assert_eq!(out.neon_project_id.as_deref(), Some("p-1"));
        assert_eq!(out.url.as_ref().map(|u| u.expose_secret().to_string()), Some(uri.expose_secret().to_string()));
        let fingerprinted = serde_json::to_string(&observed).unwrap();
        assert!(!fingerprinted.contains("npg_"), "{fingerprinted}");
        assert!(!format!("{out:?}").contains("npg_"));
    }

    #[test]
    fn other_providers_plan_nothing_to_send() {
        let desired = DatabaseDesired {
            provider: DatabaseProvider::Url,
            url: SecretString::from("postgres://u:p@h/d".to_string()),
            driver: Some("node".into()),
            ..neon_desired()
        };
        let (plan, out) = plan_database(&desired, &DatabaseObserved::default(), None);
        assert!(plan.resources.is_empty() && plan.notes.is_empty());
        assert_eq!(out.url.map(|u| u.expose_secret().to_string()).as_deref(), Some("postgres://u:p@h/d"));
        assert_eq!(out.driver.as_deref(), Some("node"));
        let desired = DatabaseDesired { provider: DatabaseProvider::VercelIntegration, ..neon_desired() };
        let (plan, out) = plan_database(&desired, &DatabaseObserved::default(), None);
        assert_eq!(plan.ops().count(), 0);
        assert!(plan.notes[0].contains("Vercel–Neon integration"));
        assert!(out.url.is_none(), "the integration owns DATABASE_URL");
    }

    #[test]
    fn waits_only_while_the_server_is_not_up() {
        assert!(is_starting("cannot connect: error connecting to server: Connection refused (os error 111)"));
        assert!(is_starting("cannot connect: db error: FATAL: the database system is starting up"));
        assert!(!is_starting("cannot connect: db error: FATAL: password authentication failed for user \"x\""));
        assert!(!is_starting("no answer within 20 s"));
    }
}

/// The database operations of a plan (what `apply` sends), one per changing row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DatabaseOp {
    /// `POST /projects` (Neon API "Create project").
    CreateNeonProject {
        /// The project name.
        name: String,
        /// The Neon region id.
        region: String,
    },
}
