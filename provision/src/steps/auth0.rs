//! Auth0: the LobeHub application (regular web app with the callback, logout and origin URLs of every app
//! origin, and `initiate_login_uri` = the app's sign-in page), a **dedicated database connection**
//! (`auth0.connection`, default `lobehub-users`) created with sign-ups disabled and enabled only for the
//! application, the application restricted to it, and the trusted users, each with an invite link (a
//! password-change ticket with `client_id`, never `result_url`) that is printed, not e-mailed, and issued again
//! once it has expired for a user who never signed in.
//!
//! Three stages, each observe → pure plan → apply (see [`super`]):
//!
//! * `auth0.application` — [`observe_application`], [`plan_application`], [`apply_application`]: the URL
//!   decision is the client's own ([`AppUrls::update_from`], the decision of `ClientsHandler::ensure_urls`).
//! * `auth0.connection` — [`observe_connection`], [`plan_connection`], [`apply_connection`]: the restriction of
//!   the application is the client's [`SignupIsolationPlan::decide`] (the decision of `disable_signups`).
//! * `auth0.users` — [`observe_users`], [`plan_users`], [`apply_users`]: trusted users and their invite links
//!   (journaled as [`Record::Invite`]).
//!
//! Sources: field-truth §3.1 (ticket and client prose rules), §3.2 (a ticket with `client_id` sends the user to
//! the application's `initiate_login_uri`), §3.4 (`disable_signup` applies to every application of a shared
//! connection; Auth0 recommends a dedicated connection).

use super::Ctx;
use crate::config::Config;
use crate::error::{Error, Result, StepContext};
use crate::journal::{Created, Record};
use crate::plan::{Action, Op, Plan};
use crate::state::StoredSecret;
use auth0_client::clients::{AppUrls, CreateClientRequestContent, UpdateClientRequestContent};
use auth0_client::scopes::{Command, missing_per_command};
use auth0_client::{
    ChangePasswordTicketRequestContent, ConnectionRef, CreateConnectionRequestContent, CreateUserRequestContent,
    ErrorKind, SignupIsolationPlan,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The description of the application the tool creates.
const APP_DESCRIPTION: &str = "LobeHub (created by provision)";

/// The scope preflight: fails before any write when the M2M token lacks a scope `command` needs, naming every
/// missing scope of this command and of the others (so that `apply` already says what `destroy` would lack).
/// Only the token request is sent.
pub async fn preflight(auth0: &auth0_client::Auth0Client, command: Command) -> Result<()> {
    let info = auth0.token_info().await.step("auth0: read the token's scopes")?;
    let granted: Vec<&str> = info.scopes.iter().map(String::as_str).collect();
    let report = missing_per_command(&granted);
    let Some((_, missing)) = report.iter().find(|(c, _)| *c == command) else { return Ok(()) };
    let others: Vec<String> =
        report.iter().filter(|(c, _)| *c != command).map(|(c, m)| format!("{}: {}", c.name(), m.join(", "))).collect();
    Err(Error::blocked(
        format!("auth0: scopes for `{}`", command.name()),
        format!(
            "the M2M application's token lacks {} for `{}`{}",
            missing.join(", "),
            command.name(),
            if others.is_empty() { String::new() } else { format!(" (also missing for {})", others.join("; ")) }
        ),
        "grant auth0_client::scopes::LOBEHUB_PROVISIONING (README) in Dashboard > Applications > APIs > Auth0 \
         Management API > Machine to Machine Applications",
    ))
}

/// The application's default login route: LobeHub's sign-in page `/signin` on the app origin (LobeHub
/// `src/app/[variants]/(auth)/signin`; field-truth §3.2). `None` when the origin is not https or is loopback:
/// Auth0 refuses such an `initiate_login_uri` (spec: "must be https"; it "cannot point to localhost").
///
/// ```
/// use provision::steps::auth0::login_route;
/// assert_eq!(login_route("https://chat.example.com").as_deref(), Some("https://chat.example.com/signin"));
/// assert_eq!(login_route("http://localhost:3210"), None);
/// ```
pub fn login_route(app_url: &str) -> Option<String> {
    let url = url::Url::parse(app_url).ok()?;
    let host = url.host_str()?;
    if url.scheme() != "https" || cloud_http::endpoint::is_loopback_host(host) {
        return None;
    }
    Some(format!("{}/signin", url.origin().ascii_serialization()))
}

/// The URLs the application needs for every app origin.
pub fn app_urls(origins: &[String]) -> Result<AppUrls> {
    let mut urls = AppUrls::default();
    for origin in origins {
        urls = urls.merge(AppUrls::for_origin(origin).step("auth0: application URLs")?);
    }
    Ok(urls)
}

/// The desired Auth0 state, built from the configuration and the app's (confirmed) origins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Auth0Desired {
    /// The application's name (`auth0.application_name`).
    pub application_name: String,
    /// The app URL (`APP_URL`), for the notes.
    pub app_url: String,
    /// The callback, logout and web-origin URLs of every app origin ([`app_urls`]).
    pub urls: AppUrls,
    /// The application's login route ([`login_route`]); `None` when Auth0 would refuse it.
    pub login_uri: Option<String>,
    /// The database connection users live in (`auth0.connection`).
    pub database_connection: String,
    /// Whether an existing connection other applications use may be used (`auth0.shared_connection`).
    pub shared_connection: bool,
    /// The M2M application's client id (never counted as "another application" of the connection).
    pub m2m_client_id: String,
    /// The trusted users' e-mail addresses (`auth0.trusted_users`).
    pub trusted_users: Vec<String>,
}

impl Auth0Desired {
    /// The desired state for `config`, with the app served at `app_url` and from `origins` (every origin,
    /// production first).
    ///
    /// # Errors
    /// An origin that is not https (or `http://localhost`): see [`AppUrls::for_origin`].
    pub fn from_config(config: &Config, app_url: &str, origins: &[String]) -> Result<Self> {
        Ok(Self {
            application_name: config.auth0.application_name.clone(),
            app_url: app_url.to_string(),
            urls: app_urls(origins)?,
            login_uri: login_route(app_url),
            database_connection: config.auth0.database_connection.clone(),
            shared_connection: config.auth0.shared_connection,
            m2m_client_id: config.auth0.m2m_client_id.clone(),
            trusted_users: config.auth0.trusted_users.clone(),
        })
    }
}

/// What the Auth0 chain learned.
#[derive(Clone, Default)]
pub struct Auth0Outcome {
    /// The application's client id (None in a plan before it exists).
    pub client_id: Option<String>,
    /// The application's client secret.
    pub client_secret: Option<SecretString>,
    /// The issuer (`https://tenant/`).
    pub issuer: String,
    /// Invite links of users created in this run: (e-mail, link).
    pub invites: Vec<(String, String)>,
}

impl std::fmt::Debug for Auth0Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0Outcome")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[REDACTED]"))
            .field("issuer", &self.issuer)
            .field("invites", &self.invites.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

/// How a failed Auth0 write is followed up (see [`super::unknown`]).
fn unknown_or_final(e: &auth0_client::Error) -> super::unknown::Failure {
    use super::unknown::Failure;
    if e.is_conflict() {
        Failure::Conflict
    } else if e.outcome_unknown() {
        Failure::Unknown {
            timed_out: matches!(e.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::Timeout)),
        }
    } else {
        Failure::Final
    }
}

/// Whether the user has signed in at least once (then an invite link is never re-issued).
fn has_logged_in(user: &auth0_client::User) -> bool {
    let logins = user.extra.get("logins_count").and_then(serde_json::Value::as_u64).unwrap_or(0);
    logins > 0 || user.extra.get("last_login").is_some_and(|v| !v.is_null())
}

/// An operation of another stage handed to this one: a bug, reported rather than ignored.
fn foreign(stage: &str, op: &Auth0Op) -> Error {
    Error::blocked(
        format!("auth0: {stage}"),
        format!("the plan of this stage carries an operation of another stage ({op:?})"),
        "run `provision plan` again; report this if it persists",
    )
}

/// The Auth0 operations of a stage's plan, in order (other services' operations are not this stage's).
fn auth0_ops(plan: &Plan) -> impl Iterator<Item = &Auth0Op> {
    plan.ops().filter_map(|op| match op {
        Op::Auth0(op) => Some(op),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Stage `auth0.application`
// ---------------------------------------------------------------------------------------------------------

/// The application as observed (no secret: only whether the tenant returned one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservedApplication {
    /// Its client id.
    pub client_id: String,
    /// Its callback, logout and web-origin URLs.
    pub urls: AppUrls,
    /// Its login route.
    pub initiate_login_uri: Option<String>,
    /// Whether its client secret was returned (read with `read:client_keys`).
    pub has_secret: bool,
}

/// What the application stage reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplicationObserved {
    /// The client id the state file remembers.
    pub remembered: Option<String>,
    /// The application: by the remembered id, else by name.
    pub found: Option<ObservedApplication>,
}

/// What the application stage leads to.
#[derive(Clone, Default)]
pub struct ApplicationOutcome {
    /// The application's client id (`None` in a plan before it exists).
    pub client_id: Option<String>,
    /// Its client secret.
    pub client_secret: Option<SecretString>,
    /// Whether this run creates it (then later stages plan for "the application created by this run").
    pub created: bool,
}

impl ApplicationOutcome {
    /// The client id later stages name in their operations: `None` for the application this run creates (its id
    /// is known only once it exists), so a saved plan and its execution carry the same operations.
    fn planned_client_id(&self) -> Option<String> {
        self.client_id.clone().filter(|_| !self.created)
    }
}

/// Reads the application: the token's read scopes first (preflight for `plan`), then the application by the id
/// the state file remembers (names are not unique in Auth0), else by name; and its secret when the answer lacks
/// it (a list does not always carry it; `GET` with `read:client_keys` does). Returns the observation and the
/// secret (kept out of the observation).
pub async fn observe_application(
    ctx: &Ctx<'_>,
    desired: &Auth0Desired,
) -> Result<(ApplicationObserved, Option<SecretString>)> {
    let auth0 = &ctx.services.auth0;
    preflight(auth0, Command::Plan).await?;
    let name = &desired.application_name;
    let remembered = ctx.state.snapshot().auth0_client_id;
    let existing = match &remembered {
        Some(id) => match auth0.clients().get(id).await {
            Ok(c) => Some(c),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound) => {
                auth0.clients().find_by_name(name).await.step("auth0: find application")?
            }
            Err(e) => return Err(e).step("auth0: read application"),
        },
        None => auth0.clients().find_by_name(name).await.step("auth0: find application")?,
    };
    let Some(client) = existing else { return Ok((ApplicationObserved { remembered, found: None }, None)) };
    let secret = match client.client_secret.clone() {
        Some(s) => Some(s),
        None => auth0.clients().get(&client.client_id).await.step("auth0: read application secret")?.client_secret,
    };
    let found = ObservedApplication {
        client_id: client.client_id.clone(),
        urls: AppUrls::of(&client),
        initiate_login_uri: client.initiate_login_uri.clone(),
        has_secret: secret.is_some(),
    };
    Ok((ApplicationObserved { remembered, found: Some(found) }, secret))
}

/// The application's plan (pure): created when absent; else its login route set when it differs, and the URLs
/// it lacks added (the client's decision, [`AppUrls::update_from`]). `secret` is the one observed.
pub fn plan_application(
    desired: &Auth0Desired,
    observed: &ApplicationObserved,
    secret: Option<&SecretString>,
) -> (Plan, ApplicationOutcome) {
    let mut plan = Plan::default();
    let name = &desired.application_name;
    if desired.login_uri.is_none() {
        plan.note(format!(
            "auth0: no initiate_login_uri for {} (Auth0 accepts only an https, non-loopback login route); an \
             invited user is not sent back to the app after setting a password",
            desired.app_url
        ));
    }
    let Some(app) = &observed.found else {
        plan.change(
            "auth0",
            format!("application {name}"),
            Action::Create,
            "regular web app, client_secret_post, OIDC conformant",
            Op::Auth0(Auth0Op::CreateApplication {
                name: name.clone(),
                description: APP_DESCRIPTION.into(),
                urls: desired.urls.clone(),
                initiate_login_uri: desired.login_uri.clone(),
            }),
        );
        return (plan, ApplicationOutcome { client_id: None, client_secret: None, created: true });
    };
    if let Some(uri) = desired.login_uri.as_ref().filter(|u| app.initiate_login_uri.as_ref() != Some(*u)) {
        plan.change(
            "auth0",
            format!("application {name} login route"),
            Action::Update,
            format!("initiate_login_uri = {uri}"),
            Op::Auth0(Auth0Op::SetLoginRoute { client_id: app.client_id.clone(), initiate_login_uri: uri.clone() }),
        );
    }
    let missing = desired.urls.missing_from(&app.urls);
    if desired.urls.update_from(&app.urls).is_none() {
        plan.resource(
            "auth0",
            format!("application {name}"),
            Action::Unchanged,
            "callbacks, logout URLs and web origins in place",
        );
    } else {
        let listed: Vec<&str> = missing
            .callbacks
            .iter()
            .chain(&missing.allowed_logout_urls)
            .chain(&missing.web_origins)
            .map(String::as_str)
            .collect();
        plan.change(
            "auth0",
            format!("application {name}"),
            Action::Update,
            format!("add {}", listed.join(", ")),
            Op::Auth0(Auth0Op::AddApplicationUrls { client_id: app.client_id.clone(), add: missing }),
        );
    }
    let outcome =
        ApplicationOutcome { client_id: Some(app.client_id.clone()), client_secret: secret.cloned(), created: false };
    (plan, outcome)
}

/// Executes the application stage's plan: first the scope preflight for `apply` (before the chain's first
/// write), then each operation in order; a created application is journaled ([`Created::Auth0Client`] and its
/// id) the moment Auth0 answers. The id of an application found by name is remembered.
pub async fn apply_application(
    ctx: &Ctx<'_>,
    plan: Plan,
    observed: &ApplicationObserved,
    secret: Option<SecretString>,
) -> Result<ApplicationOutcome> {
    let auth0 = &ctx.services.auth0;
    preflight(auth0, Command::Apply).await?;
    let mut outcome = ApplicationOutcome {
        client_id: observed.found.as_ref().map(|a| a.client_id.clone()),
        client_secret: secret,
        created: false,
    };
    for op in auth0_ops(&plan) {
        match op {
            Auth0Op::CreateApplication { name, description, urls, initiate_login_uri } => {
                let mut body = CreateClientRequestContent::regular_web_app(name.clone())
                    .description(description.clone())
                    .callbacks(urls.callbacks.clone())
                    .allowed_logout_urls(urls.allowed_logout_urls.clone())
                    .web_origins(urls.web_origins.clone());
                if let Some(uri) = initiate_login_uri {
                    body = body.initiate_login_uri(uri.clone());
                }
                // Not found by name when observed: create directly. After an unknown outcome (a lost answer, a
                // timeout) look again, and create again only if it is still absent: never twice.
                let client = super::unknown::create_or_find(
                    ctx,
                    "auth0: create application",
                    |e: &auth0_client::Error| unknown_or_final(e),
                    || async { auth0.clients().create(&body).await },
                    || async { auth0.clients().find_by_name(name).await.step("auth0: find application") },
                )
                .await?;
                ctx.state.record([
                    Record::Auth0ClientId(Some(client.client_id.clone())),
                    Record::Created(Created::Auth0Client(client.client_id.clone())),
                ])?;
                outcome.client_secret = match client.client_secret {
                    Some(s) => Some(s),
                    // A create answer carries it; one found after a lost answer may not.
                    None => {
                        auth0
                            .clients()
                            .get(&client.client_id)
                            .await
                            .step("auth0: read application secret")?
                            .client_secret
                    }
                };
                outcome.client_id = Some(client.client_id);
                outcome.created = true;
            }
            Auth0Op::SetLoginRoute { client_id, initiate_login_uri } => {
                let body = UpdateClientRequestContent {
                    initiate_login_uri: Some(initiate_login_uri.clone()),
                    ..UpdateClientRequestContent::default()
                };
                auth0.clients().update(client_id, &body).await.step("auth0: set the login route")?;
            }
            Auth0Op::AddApplicationUrls { client_id, add } => {
                // The client's read-merge-write: what it adds is what `AppUrls::update_for` decides on the
                // application as it is now (the planned URLs, unless someone added them meanwhile).
                auth0.clients().ensure_urls(client_id, add).await.step("auth0: update application URLs")?;
            }
            other => return Err(foreign("application", other)),
        }
    }
    if let Some(id) = &outcome.client_id
        && ctx.state.snapshot().auth0_client_id.as_deref() != Some(id)
    {
        ctx.state.record([Record::Auth0ClientId(Some(id.clone()))])?;
    }
    Ok(outcome)
}

// ---------------------------------------------------------------------------------------------------------
// Stage `auth0.connection`
// ---------------------------------------------------------------------------------------------------------

/// The database connection as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservedConnection {
    /// The connection.
    pub connection: ConnectionRef,
    /// Its `options.disable_signup` (`None` when the options were not returned).
    pub signup_disabled: Option<bool>,
    /// Whether the tool created it (state journal).
    pub ours: bool,
    /// The other applications it is enabled for, as `name (client id)` (neither LobeHub's nor the M2M one).
    pub other_applications: Vec<String>,
}

/// What the connection stage reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConnectionObserved {
    /// The database connection `auth0.connection`, when it exists.
    pub connection: Option<ObservedConnection>,
    /// The connections enabled for the application (`None` when it does not exist before this run).
    pub application_connections: Option<Vec<ConnectionRef>>,
}

/// Reads the database connection `auth0.connection`, the applications it is enabled for (and their names), and
/// the connections enabled for the application (unless this run creates it: a new application's connections
/// are known only once it exists).
pub async fn observe_connection(
    ctx: &Ctx<'_>,
    desired: &Auth0Desired,
    app: &ApplicationOutcome,
) -> Result<ConnectionObserved> {
    let auth0 = &ctx.services.auth0;
    let db = &desired.database_connection;
    let found = match auth0.connections().find_database(db).await {
        Ok(c) => Some(c),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e).step("auth0: find the database connection"),
    };
    let connection = match found {
        None => None,
        Some(conn) => {
            let ours = ctx.state.snapshot().has(&Created::Auth0Connection(conn.id.clone()));
            let enabled = auth0
                .connections()
                .enabled_clients(&conn.id)
                .await
                .step("auth0: list the connection's applications")?;
            let others = enabled
                .into_iter()
                .filter(|id| Some(id.as_str()) != app.client_id.as_deref() && *id != desired.m2m_client_id);
            let mut names = Vec::new();
            for id in others {
                match auth0.clients().get(&id).await {
                    Ok(c) => names.push(format!("{} ({id})", c.name)),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e).step("auth0: read an application of the connection"),
                }
            }
            Some(ObservedConnection {
                connection: ConnectionRef::from(&conn),
                signup_disabled: conn.signup_disabled(),
                ours,
                other_applications: names,
            })
        }
    };
    let application_connections = match (&app.client_id, app.created) {
        (Some(id), false) => {
            let enabled = auth0.clients().connections(id).await.step("auth0: list application connections")?;
            Some(enabled.iter().map(ConnectionRef::from).collect())
        }
        _ => None,
    };
    Ok(ConnectionObserved { connection, application_connections })
}

/// The connection's plan (pure): the dedicated connection created when absent (sign-ups disabled); an existing
/// one the tool did not create is used only when no other application is enabled on it, or with
/// `auth0.shared_connection` (the plan then lists every other application the sign-up setting affects), with
/// sign-ups switched off when they are on. Then the application restricted to it: the client's decision
/// ([`SignupIsolationPlan::decide`]) for an existing application; for the one this run creates, every connection
/// it gets turned off when it runs.
///
/// # Errors
/// [`Error::Blocked`] for a connection other applications share, without `auth0.shared_connection`.
pub fn plan_connection(
    desired: &Auth0Desired,
    observed: &ConnectionObserved,
    app: &ApplicationOutcome,
) -> Result<(Plan, ())> {
    let mut plan = Plan::default();
    let db = &desired.database_connection;
    match &observed.connection {
        None => plan.change(
            "auth0",
            format!("database connection {db}"),
            Action::Create,
            "dedicated: sign-ups disabled, enabled only for the LobeHub application",
            Op::Auth0(Auth0Op::CreateConnection { name: db.clone() }),
        ),
        Some(c) => {
            let names = &c.other_applications;
            if !c.ours && !names.is_empty() && !desired.shared_connection {
                return Err(Error::blocked(
                    "auth0: database connection",
                    format!(
                        "connection `{db}` already exists and is enabled for {} other application(s): {}; its \
                         sign-up setting and its users would be shared with them",
                        names.len(),
                        names.join(", ")
                    ),
                    "set auth0.connection to a new name (a dedicated connection is created), or set \
                     auth0.shared_connection = true to accept the change",
                ));
            }
            let affects = if names.is_empty() { String::new() } else { format!("; also affects {}", names.join(", ")) };
            if SignupIsolationPlan::must_disable_signup(c.signup_disabled) {
                plan.change(
                    "auth0",
                    format!("database connection {db}"),
                    Action::Update,
                    format!("disable_signup (other options kept; reverted by destroy){affects}"),
                    Op::Auth0(Auth0Op::DisableSignup {
                        connection_id: c.connection.id.clone(),
                        connection: db.clone(),
                        restore_on_destroy: !c.ours,
                    }),
                );
            } else {
                plan.resource(
                    "auth0",
                    format!("database connection {db}"),
                    Action::Unchanged,
                    format!("{}sign-ups disabled{affects}", if c.ours { "dedicated, " } else { "" }),
                );
            }
            if !names.is_empty() {
                plan.note(format!(
                    "auth0: connection `{db}` is shared (auth0.shared_connection): every user of it can sign in to \
                     LobeHub, and its sign-up setting applies to {}",
                    names.join(", ")
                ));
            }
        }
    }
    match (app.planned_client_id(), &observed.application_connections) {
        (Some(client_id), Some(enabled)) => {
            // A connection created by this run has no id yet: the application has none of it, so every
            // connection it has is another one.
            let database = observed
                .connection
                .as_ref()
                .map(|c| c.connection.clone())
                .unwrap_or_else(|| ConnectionRef { id: String::new(), name: db.clone(), strategy: "auth0".into() });
            let isolation = SignupIsolationPlan::decide(&client_id, &database, Some(true), enabled);
            let mut what = Vec::new();
            if isolation.enable_database {
                what.push(format!("enable {db} for the application"));
            }
            for c in &isolation.turn_off {
                what.push(format!("turn off {} for the application", c.name));
            }
            if what.is_empty() {
                plan.resource("auth0", "application connections", Action::Unchanged, format!("only {db}"));
            } else {
                plan.change(
                    "auth0",
                    "application connections",
                    Action::Update,
                    what.join("; "),
                    Op::Auth0(Auth0Op::RestrictApplication {
                        client_id,
                        database_connection: db.clone(),
                        turn_off: isolation.turn_off,
                        enable_database: isolation.enable_database,
                    }),
                );
            }
        }
        _ => plan.change(
            "auth0",
            "application connections",
            Action::Update,
            format!("the new application restricted to {db} (social and every other connection off)"),
            Op::Auth0(Auth0Op::RestrictNewApplication { database_connection: db.clone() }),
        ),
    }
    Ok((plan, ()))
}

/// Executes the connection stage's plan, in order: the connection created (journaled as
/// [`Created::Auth0Connection`] the moment Auth0 answers), sign-ups switched off on an existing one (journaled
/// first as [`Created::Auth0SignupDisabled`] when the tool did not create it, so that `destroy` reverts it even
/// if the answer is lost), and the application restricted to it.
pub async fn apply_connection(
    ctx: &Ctx<'_>,
    plan: Plan,
    observed: &ConnectionObserved,
    app: &ApplicationOutcome,
) -> Result<()> {
    let auth0 = &ctx.services.auth0;
    let mut database_id = observed.connection.as_ref().map(|c| c.connection.id.clone());
    for op in auth0_ops(&plan) {
        match op {
            Auth0Op::CreateConnection { name } => {
                let body = CreateConnectionRequestContent::dedicated_database(name.clone());
                // A lost answer, a 5xx or a concurrent create: the name is unique in the tenant, so look it up,
                // and create again only when it is still absent (never twice).
                let created = super::unknown::create_or_find(
                    ctx,
                    "auth0: create the database connection",
                    unknown_or_final,
                    || async { auth0.connections().create(&body).await },
                    || async {
                        match auth0.connections().find_database(name).await {
                            Ok(c) => Ok(Some(c)),
                            Err(e) if e.is_not_found() => Ok(None),
                            Err(e) => Err(e).step("auth0: find the database connection"),
                        }
                    },
                )
                .await?;
                ctx.state.record([Record::Created(Created::Auth0Connection(created.id.clone()))])?;
                database_id = Some(created.id);
            }
            Auth0Op::DisableSignup { connection_id, connection: _, restore_on_destroy } => {
                if *restore_on_destroy {
                    // Write-ahead: if the answer is lost, destroy still turns sign-ups back on (they were on).
                    ctx.state.record([Record::Created(Created::Auth0SignupDisabled(connection_id.clone()))])?;
                }
                // The client's read-merge-write: every other option and the display name are sent back.
                auth0
                    .connections()
                    .disable_signup(connection_id)
                    .await
                    .step("auth0: disable sign-ups on the database connection")?;
            }
            Auth0Op::RestrictApplication { client_id, database_connection, turn_off, enable_database } => {
                let id = database_id.clone().ok_or_else(|| foreign("connection", op))?;
                let isolation = SignupIsolationPlan {
                    client_id: client_id.clone(),
                    database: ConnectionRef { id, name: database_connection.clone(), strategy: "auth0".into() },
                    disable_signup: false,
                    turn_off: turn_off.clone(),
                    enable_database: *enable_database,
                };
                auth0.send_signup_isolation(&isolation, None).await.step("auth0: restrict the application")?;
            }
            Auth0Op::RestrictNewApplication { database_connection } => {
                let client_id = app.client_id.as_deref().ok_or_else(|| foreign("connection", op))?;
                // The connections a new application gets are known only now: the client reads, decides
                // (`SignupIsolationPlan::decide`) and sends what it decided.
                let report = auth0
                    .disable_signups(client_id, database_connection)
                    .await
                    .step("auth0: restrict the application")?;
                if report.signup_disabled_now
                    && !ctx.state.snapshot().has(&Created::Auth0Connection(report.database_connection_id.clone()))
                {
                    // A connection the tool did not create: destroy turns this back off.
                    ctx.state.record([Record::Created(Created::Auth0SignupDisabled(report.database_connection_id))])?;
                }
            }
            other => return Err(foreign("connection", other)),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Stage `auth0.users`
// ---------------------------------------------------------------------------------------------------------

/// A trusted user's account in the database connection, as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservedAccount {
    /// The user id.
    pub user_id: String,
    /// Whether the user has signed in at least once.
    pub signed_in: bool,
}

/// One trusted user as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservedUser {
    /// The e-mail address.
    pub email: String,
    /// The account in the database connection, when it exists.
    pub account: Option<ObservedAccount>,
    /// When the invite link issued before expires (Unix seconds; state journal), if one was issued.
    pub invite_expires: Option<i64>,
}

/// What the users stage reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UsersObserved {
    /// The trusted users, in configuration order.
    pub users: Vec<ObservedUser>,
}

/// What the users stage leads to.
#[derive(Clone, Default)]
pub struct UsersOutcome {
    /// Invite links issued in this run: (e-mail, link). Empty in a plan.
    pub invites: Vec<(String, String)>,
}

/// Reads each trusted user in the database connection, concurrently (`GET /users-by-email`), and the expiry of
/// the invite link issued before (state journal). Every lookup runs; their errors are reported together.
pub async fn observe_users(ctx: &Ctx<'_>, desired: &Auth0Desired) -> Result<UsersObserved> {
    let auth0 = &ctx.services.auth0;
    let db = desired.database_connection.as_str();
    let snapshot = ctx.state.snapshot();
    let lookups = desired.trusted_users.iter().map(|email| async move {
        let found = auth0.users().by_email(email).await.step("auth0: find user")?;
        let account = found
            .into_iter()
            .find(|u| u.connections().contains(&db))
            .map(|u| ObservedAccount { signed_in: has_logged_in(&u), user_id: u.user_id });
        Ok::<_, Error>(ObservedUser { email: email.clone(), account, invite_expires: None })
    });
    let mut users = Vec::new();
    let mut errors = Vec::new();
    for result in futures::future::join_all(lookups).await {
        match result {
            Ok(mut user) => {
                user.invite_expires = snapshot.invite_expires.get(&user.email).copied();
                users.push(user);
            }
            Err(e) => errors.push(e),
        }
    }
    Error::combine(errors)?;
    Ok(UsersObserved { users })
}

/// Whether an invite link issued before still stands at `now` (Unix seconds): one was issued and it expires
/// after `now`.
fn invite_valid(invite_expires: Option<i64>, now: i64) -> bool {
    invite_expires.is_some_and(|expires| expires > now)
}

fn utc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// The users' plan (pure), at `now` (Unix seconds): a user who has signed in is left alone; one with an invite
/// link still valid too; any other gets a link (created first in the database connection when absent), also
/// when the earlier link has expired.
pub fn plan_users(
    desired: &Auth0Desired,
    observed: &UsersObserved,
    app: &ApplicationOutcome,
    now: i64,
) -> (Plan, UsersOutcome) {
    let mut plan = Plan::default();
    let db = &desired.database_connection;
    let client_id = app.planned_client_id();
    for user in &observed.users {
        let email = &user.email;
        let resource = format!("user {email}");
        let invite = |target: InviteTarget| {
            Op::Auth0(Auth0Op::InviteUser { email: email.clone(), user: target, client_id: client_id.clone() })
        };
        match &user.account {
            Some(a) if a.signed_in => {
                plan.resource("auth0", resource, Action::Unchanged, "exists; has signed in");
            }
            Some(_) if invite_valid(user.invite_expires, now) => {
                let until = user.invite_expires.map(utc).filter(|s| !s.is_empty());
                let until = until.map_or_else(String::new, |t| format!(" until {t}"));
                plan.resource("auth0", resource, Action::Unchanged, format!("exists; invite link valid{until}"));
            }
            Some(a) => {
                let target = InviteTarget::Existing { user_id: a.user_id.clone() };
                match user.invite_expires {
                    Some(t) => plan.change(
                        "auth0",
                        resource,
                        Action::Update,
                        format!(
                            "never signed in and the invite link is no longer valid (it expired {}): a new link \
                             will be issued",
                            utc(t)
                        ),
                        invite(target),
                    ),
                    // A user without a link (e.g. one whose run stopped between the two requests): the link is
                    // issued; the user itself is unchanged.
                    None => plan.change(
                        "auth0",
                        resource,
                        Action::Unchanged,
                        "exists; an invite link will be issued",
                        invite(target),
                    ),
                }
            }
            None => plan.change(
                "auth0",
                resource,
                Action::Create,
                format!("in {db}, with an invite link"),
                invite(InviteTarget::Create { connection: db.clone() }),
            ),
        }
    }
    (plan, UsersOutcome::default())
}

/// Executes the users stage's plan: each user's operation (create when absent, then the invite link) is
/// independent of the others', so they run concurrently; each created user is journaled
/// ([`Created::Auth0User`]) and each link ([`Record::Invite`], kept until a completed run has shown it) the
/// moment Auth0 answers. Every operation runs; their errors are reported together.
pub async fn apply_users(ctx: &Ctx<'_>, plan: Plan, app: &ApplicationOutcome) -> Result<UsersOutcome> {
    let mut invites = Vec::new();
    let mut runs = Vec::new();
    for op in auth0_ops(&plan) {
        match op {
            Auth0Op::InviteUser { email, user, client_id } => {
                let client_id = client_id.clone().or_else(|| app.client_id.clone());
                runs.push(invite_user(ctx, email, user, client_id));
            }
            other => return Err(foreign("users", other)),
        }
    }
    let mut errors = Vec::new();
    for result in futures::future::join_all(runs).await {
        match result {
            Ok(invite) => invites.push(invite),
            Err(e) => errors.push(e),
        }
    }
    Error::combine(errors)?;
    Ok(UsersOutcome { invites })
}

/// One [`Auth0Op::InviteUser`]: the user created when the plan says so, then the invite link. Returns (e-mail,
/// link).
async fn invite_user(
    ctx: &Ctx<'_>,
    email: &str,
    target: &InviteTarget,
    client_id: Option<String>,
) -> Result<(String, String)> {
    let auth0 = &ctx.services.auth0;
    let client_id = client_id.ok_or_else(|| {
        Error::blocked("auth0: invite link", "the application's client id is unknown", "run apply again")
    })?;
    let user_id = match target {
        InviteTarget::Existing { user_id } => user_id.clone(),
        InviteTarget::Create { connection } => {
            let body = CreateUserRequestContent::with_random_password(connection.clone(), email.to_string());
            // Absent when observed: create directly. On a conflict or an unknown outcome (a lost answer, a
            // timeout), look it up again and create only if it is still absent.
            let u = super::unknown::create_or_find(
                ctx,
                "auth0: create user",
                unknown_or_final,
                || async { auth0.users().create(&body).await },
                || async {
                    let found = auth0.users().by_email(email).await.step("auth0: find user")?;
                    Ok(found.into_iter().find(|u| u.connections().contains(&connection.as_str())))
                },
            )
            .await?;
            ctx.state.record([Record::Created(Created::Auth0User(u.user_id.clone()))])?;
            u.user_id
        }
    };
    // With client_id, never result_url (spec ChangePasswordTicketRequestContent.result_url): after setting a
    // password the user is sent to the application's initiate_login_uri (field-truth §3.2).
    let request = ChangePasswordTicketRequestContent::invite(user_id, client_id);
    let issued_at = chrono::Utc::now().timestamp();
    // A ticket has no natural key, and a second one is harmless (both links work; the last is shown): after an
    // unknown outcome, simply ask again.
    let ticket = super::unknown::create_or_find(
        ctx,
        "auth0: create invite link",
        unknown_or_final,
        || async { auth0.tickets().password_change(&request).await },
        || async { Ok(None) },
    )
    .await?;
    let expires = issued_at.saturating_add(i64::try_from(request.effective_ttl_sec()).unwrap_or(i64::MAX));
    // Kept until a run that completes has printed it: a failure later in this run must not lose the link.
    ctx.state.record([Record::Invite {
        email: email.to_string(),
        link: StoredSecret::new(ticket.ticket.clone()),
        expires,
    }])?;
    Ok((email.to_string(), ticket.ticket))
}

// ---------------------------------------------------------------------------------------------------------
// The chain
// ---------------------------------------------------------------------------------------------------------

/// The Auth0 chain: the stages `auth0.application`, `auth0.connection` and `auth0.users`, in order (each
/// observes after the one before it ran).
pub async fn application(ctx: &Ctx<'_>) -> Result<(Plan, Auth0Outcome)> {
    let auth0 = &ctx.services.auth0;
    let desired = crate::desired::Desired::for_hosts(ctx.config, &ctx.app_url(), &ctx.origins())?.auth0;
    let step = ctx.progress.start(&format!("auth0: application {}", desired.application_name));

    let (observed, secret) = observe_application(ctx, &desired).await?;
    let planned = plan_application(&desired, &observed, secret.as_ref());
    let (mut plan, app) = ctx
        .stage("auth0.application", &observed, planned, |p, _| apply_application(ctx, p, &observed, secret.clone()))
        .await?;

    let observed = observe_connection(ctx, &desired, &app).await?;
    let planned = plan_connection(&desired, &observed, &app)?;
    let (connection_plan, ()) =
        ctx.stage("auth0.connection", &observed, planned, |p, _| apply_connection(ctx, p, &observed, &app)).await?;
    plan.extend(connection_plan);

    let observed = observe_users(ctx, &desired).await?;
    let planned = plan_users(&desired, &observed, &app, chrono::Utc::now().timestamp());
    let (users_plan, users) = ctx.stage("auth0.users", &observed, planned, |p, _| apply_users(ctx, p, &app)).await?;
    plan.extend(users_plan);

    step.done(if plan.has_changes() { "changed" } else { "unchanged" });
    let outcome = Auth0Outcome {
        client_id: app.client_id,
        client_secret: app.client_secret,
        issuer: auth0.issuer(),
        invites: users.invites,
    };
    Ok((plan, outcome))
}

/// Who an invite link is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "user", rename_all = "snake_case")]
pub enum InviteTarget {
    /// A user that exists in the database connection.
    Existing {
        /// Its user id.
        user_id: String,
    },
    /// A user created first (`POST /users` in `connection`, with a random password nobody knows).
    Create {
        /// The database connection.
        connection: String,
    },
}

/// The Auth0 operations of a plan (what `apply` sends), one per changing row. None holds a secret: a created
/// user's password is random and never kept, the invite link is the answer of the operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Auth0Op {
    /// `POST /api/v2/clients` (Management API "Create a client"): a regular web app
    /// ([`CreateClientRequestContent::regular_web_app`]) with these URLs and login route.
    CreateApplication {
        /// The application's name.
        name: String,
        /// Its description (at most 140 characters).
        description: String,
        /// Its callback, logout and web-origin URLs.
        urls: AppUrls,
        /// Its login route.
        initiate_login_uri: Option<String>,
    },
    /// `PATCH /api/v2/clients/{id}` with `initiate_login_uri` ("Update a client").
    SetLoginRoute {
        /// The application.
        client_id: String,
        /// The https login route.
        initiate_login_uri: String,
    },
    /// `GET` then `PATCH /api/v2/clients/{id}` ([`auth0_client::ClientsHandler::ensure_urls`]): these URLs
    /// added, every current one kept.
    AddApplicationUrls {
        /// The application.
        client_id: String,
        /// The URLs it lacks.
        add: AppUrls,
    },
    /// `POST /api/v2/connections` ("Create a connection"): the dedicated database connection
    /// ([`CreateConnectionRequestContent::dedicated_database`], sign-ups disabled).
    CreateConnection {
        /// Its name.
        name: String,
    },
    /// `PATCH /api/v2/connections/{id}` ("Update a connection"): `options.disable_signup = true` by
    /// read-merge-write ([`auth0_client::ConnectionsHandler::set_option`]).
    DisableSignup {
        /// The connection's id.
        connection_id: String,
        /// Its name.
        connection: String,
        /// Whether `destroy` turns sign-ups back on (a connection the tool did not create).
        restore_on_destroy: bool,
    },
    /// `PATCH /api/v2/connections/{id}/clients` for each connection ("Update enabled clients for a
    /// connection"): the application restricted to the database connection
    /// ([`Auth0Client::send_signup_isolation`](auth0_client::Auth0Client::send_signup_isolation)), as
    /// [`SignupIsolationPlan::decide`] decided.
    RestrictApplication {
        /// The application.
        client_id: String,
        /// The database connection it keeps (its id is the observed one, or the one this run created).
        database_connection: String,
        /// The connections turned off for it.
        turn_off: Vec<ConnectionRef>,
        /// Whether the database connection is enabled for it.
        enable_database: bool,
    },
    /// The application created by this run restricted to the database connection: the connections a new
    /// application gets are known only once it exists, so the client reads them, decides and sends
    /// ([`auth0_client::Auth0Client::disable_signups`]).
    RestrictNewApplication {
        /// The database connection it keeps.
        database_connection: String,
    },
    /// `POST /api/v2/users` when the user is to be created, then `POST /api/v2/tickets/password-change`
    /// ("Create a password change ticket", with `client_id`, never `result_url`): a trusted user's invite link.
    InviteUser {
        /// The user's e-mail address.
        email: String,
        /// The user.
        user: InviteTarget,
        /// The application the link leads back to (`None`: the one created by this run).
        client_id: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> Auth0Desired {
        Auth0Desired {
            application_name: "LobeHub".into(),
            app_url: "https://chat.example.com".into(),
            urls: app_urls(&["https://chat.example.com".into()]).unwrap(),
            login_uri: login_route("https://chat.example.com"),
            database_connection: "lobehub-users".into(),
            shared_connection: false,
            m2m_client_id: "m2m".into(),
            trusted_users: vec!["alice@example.com".into(), "bob@example.com".into()],
        }
    }

    fn ops(plan: &Plan) -> Vec<Auth0Op> {
        auth0_ops(plan).cloned().collect()
    }

    fn conn(id: &str, name: &str, strategy: &str) -> ConnectionRef {
        ConnectionRef { id: id.into(), name: name.into(), strategy: strategy.into() }
    }

    fn existing_app() -> ApplicationOutcome {
        ApplicationOutcome { client_id: Some("app".into()), client_secret: None, created: false }
    }

    #[test]
    fn invites_are_reissued_only_when_expired_or_unrecorded() {
        assert!(!invite_valid(None, 100), "never invited");
        assert!(!invite_valid(Some(99), 100));
        assert!(invite_valid(Some(101), 100));
    }

    #[test]
    fn login_route_needs_https_and_a_public_host() {
        assert_eq!(login_route("https://lobehub.vercel.app/").as_deref(), Some("https://lobehub.vercel.app/signin"));
        for skipped in ["http://chat.example.com", "https://127.0.0.1:3210", "https://localhost", "not a url"] {
            assert_eq!(login_route(skipped), None, "{skipped}");
        }
    }

    #[test]
    fn a_missing_application_is_created_with_every_url_and_the_login_route() {
        let (plan, out) = plan_application(&desired(), &ApplicationObserved::default(), None);
        assert!(out.created && out.client_id.is_none());
        assert_eq!(plan.resources.len(), 1);
        assert_eq!(plan.resources[0].action, Action::Create);
        let [Auth0Op::CreateApplication { urls, initiate_login_uri, .. }] = &ops(&plan)[..] else { panic!() };
        assert_eq!(urls, &desired().urls);
        assert_eq!(initiate_login_uri.as_deref(), Some("https://chat.example.com/signin"));
        // The later stages plan for "the application created by this run".
        assert_eq!(out.planned_client_id(), None);
    }

    #[test]
    fn an_existing_application_gets_only_what_it_lacks() {
        let d = desired();
        let observed = |urls: AppUrls, login: Option<&str>| ApplicationObserved {
            remembered: Some("app".into()),
            found: Some(ObservedApplication {
                client_id: "app".into(),
                urls,
                initiate_login_uri: login.map(str::to_string),
                has_secret: true,
            }),
        };
        let converged = observed(d.urls.clone(), d.login_uri.as_deref());
        let (plan, out) = plan_application(&d, &converged, None);
        assert!(!plan.has_changes() && ops(&plan).is_empty());
        assert_eq!(out.client_id.as_deref(), Some("app"));

        // Another origin configured: only its URLs are added (the client's decision), the login route set.
        let mut d2 = d.clone();
        d2.urls = app_urls(&["https://chat.example.com".into(), "https://preview.example.com".into()]).unwrap();
        let (plan, _) = plan_application(&d2, &observed(d.urls.clone(), None), None);
        let got = ops(&plan);
        assert!(
            matches!(&got[0], Auth0Op::SetLoginRoute { initiate_login_uri, .. } if initiate_login_uri.ends_with("/signin"))
        );
        let Auth0Op::AddApplicationUrls { add, .. } = &got[1] else { panic!("{got:?}") };
        assert_eq!(add, &AppUrls::for_origin("https://preview.example.com").unwrap());
        assert!(plan.resources[1].detail.starts_with("add https://preview.example.com/api/auth/callback/auth0"));
    }

    #[test]
    fn the_connection_is_created_or_switched_and_the_application_restricted() {
        let d = desired();
        // Nothing exists yet (plan before the application exists).
        let new_app = ApplicationOutcome { created: true, ..ApplicationOutcome::default() };
        let (plan, ()) = plan_connection(&d, &ConnectionObserved::default(), &new_app).unwrap();
        assert_eq!(
            ops(&plan),
            vec![
                Auth0Op::CreateConnection { name: "lobehub-users".into() },
                Auth0Op::RestrictNewApplication { database_connection: "lobehub-users".into() }
            ]
        );
        // The same plan while executing, once the application exists: identical operations.
        let created =
            ApplicationOutcome { client_id: Some("new".into()), created: true, ..ApplicationOutcome::default() };
        assert_eq!(plan_connection(&d, &ConnectionObserved::default(), &created).unwrap().0, plan);

        // An existing application with google on, an existing connection with sign-ups on (not ours, no one else).
        let db = conn("con_db", "lobehub-users", "auth0");
        let google = conn("con_g", "google-oauth2", "google-oauth2");
        let observed = ConnectionObserved {
            connection: Some(ObservedConnection {
                connection: db.clone(),
                signup_disabled: Some(false),
                ours: false,
                other_applications: vec![],
            }),
            application_connections: Some(vec![google.clone()]),
        };
        let (plan, ()) = plan_connection(&d, &observed, &existing_app()).unwrap();
        assert_eq!(
            ops(&plan),
            vec![
                Auth0Op::DisableSignup {
                    connection_id: "con_db".into(),
                    connection: "lobehub-users".into(),
                    restore_on_destroy: true
                },
                Auth0Op::RestrictApplication {
                    client_id: "app".into(),
                    database_connection: "lobehub-users".into(),
                    turn_off: vec![google],
                    enable_database: true
                }
            ]
        );
        assert_eq!(
            plan.resources[1].detail,
            "enable lobehub-users for the application; turn off google-oauth2 for the application"
        );

        // Converged: nothing to send.
        let mut done = observed.clone();
        done.connection.as_mut().unwrap().signup_disabled = Some(true);
        done.connection.as_mut().unwrap().ours = true;
        done.application_connections = Some(vec![db]);
        let (plan, ()) = plan_connection(&d, &done, &existing_app()).unwrap();
        assert!(!plan.has_changes() && ops(&plan).is_empty(), "{}", plan.render_text());
        assert!(plan.resources[0].detail.starts_with("dedicated, "));
    }

    #[test]
    fn a_shared_connection_needs_the_opt_in_and_is_listed() {
        let mut d = desired();
        let observed = ConnectionObserved {
            connection: Some(ObservedConnection {
                connection: conn("con_s", "lobehub-users", "auth0"),
                signup_disabled: Some(false),
                ours: false,
                other_applications: vec!["Team Wiki (wiki)".into()],
            }),
            application_connections: None,
        };
        let e = plan_connection(&d, &observed, &ApplicationOutcome::default()).unwrap_err().to_string();
        assert!(e.contains("Team Wiki") && e.contains("shared_connection"), "{e}");
        d.shared_connection = true;
        let (plan, ()) = plan_connection(&d, &observed, &ApplicationOutcome::default()).unwrap();
        assert!(plan.resources[0].detail.contains("also affects Team Wiki (wiki)"));
        assert_eq!(plan.notes.len(), 1);
    }

    #[test]
    fn users_are_created_invited_and_reinvited_only_when_needed() {
        let d = desired();
        let now = 1_000;
        let account = |signed_in| Some(ObservedAccount { user_id: "auth0|1".into(), signed_in });
        let user = |email: &str, account, invite_expires| ObservedUser { email: email.into(), account, invite_expires };
        let observed = UsersObserved {
            users: vec![
                user("new@example.com", None, None),
                user("in@example.com", account(true), None),
                user("valid@example.com", account(false), Some(now + 1)),
                user("expired@example.com", account(false), Some(now - 1)),
                user("nolink@example.com", account(false), None),
            ],
        };
        let (plan, out) = plan_users(&d, &observed, &existing_app(), now);
        assert!(out.invites.is_empty(), "links exist only once issued");
        let actions: Vec<Action> = plan.resources.iter().map(|r| r.action).collect();
        use Action::*;
        assert_eq!(actions, vec![Create, Unchanged, Unchanged, Update, Unchanged]);
        let invited: Vec<(String, InviteTarget)> = ops(&plan)
            .into_iter()
            .map(|op| match op {
                Auth0Op::InviteUser { email, user, client_id } => {
                    assert_eq!(client_id.as_deref(), Some("app"));
                    (email, user)
                }
                other => panic!("{other:?}"),
            })
            .collect();
        let existing = InviteTarget::Existing { user_id: "auth0|1".into() };
        assert_eq!(
            invited,
            vec![
                ("new@example.com".into(), InviteTarget::Create { connection: "lobehub-users".into() }),
                ("expired@example.com".into(), existing.clone()),
                ("nolink@example.com".into(), existing),
            ]
        );
        assert!(plan.resources[3].detail.contains("new link"));
        // For the application this run creates, the link names it once it exists.
        let (plan, _) = plan_users(&d, &observed, &ApplicationOutcome { created: true, ..Default::default() }, now);
        assert!(ops(&plan).iter().all(|op| matches!(op, Auth0Op::InviteUser { client_id: None, .. })));
    }

    #[test]
    fn operations_round_trip_and_hold_no_secret() {
        let op = Op::Auth0(Auth0Op::InviteUser {
            email: "a@example.com".into(),
            user: InviteTarget::Create { connection: "lobehub-users".into() },
            client_id: None,
        });
        let json = serde_json::to_string(&op).unwrap();
        assert_eq!(serde_json::from_str::<Op>(&json).unwrap(), op);
        assert!(!json.contains("password") && !json.contains("ticket"), "{json}");
    }
}
