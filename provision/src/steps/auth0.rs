//! Auth0: the LobeHub application (regular web app with the callback, logout and origin URLs of every app
//! origin, and `initiate_login_uri` = the app's sign-in page), a **dedicated database connection**
//! (`auth0.connection`, default `lobehub-users`) created with sign-ups disabled and enabled only for the
//! application, the application restricted to it, and the trusted users, each with an invite link (a
//! password-change ticket with `client_id`, never `result_url`) that is printed, not e-mailed, and issued again
//! once it has expired for a user who never signed in.
//!
//! Sources: field-truth §3.1 (ticket and client prose rules), §3.2 (a ticket with `client_id` sends the user to
//! the application's `initiate_login_uri`), §3.4 (`disable_signup` applies to every application of a shared
//! connection; Auth0 recommends a dedicated connection).

use super::Ctx;
use crate::error::{Error, Result, StepContext};
use crate::plan::{Action, Plan};
use auth0_client::clients::{AppUrls, CreateClientRequestContent, UpdateClientRequestContent};
use auth0_client::scopes::{Command, missing_per_command};
use auth0_client::{
    ChangePasswordTicketRequestContent, CreateConnectionRequestContent, CreateUserRequestContent, ErrorKind,
};
use secrecy::SecretString;

/// State kinds this step records in `created`.
pub(crate) const KIND_CONNECTION: &str = "auth0-connection";
/// A connection the tool did not create on which it turned `disable_signup` on (reverted by destroy).
pub(crate) const KIND_SIGNUP_DISABLED: &str = "auth0-signup-disabled";

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

/// The URLs the application needs for every app origin.
pub fn app_urls(origins: &[String]) -> Result<AppUrls> {
    let mut urls = AppUrls::default();
    for origin in origins {
        urls = urls.merge(AppUrls::for_origin(origin).step("auth0: application URLs")?);
    }
    Ok(urls)
}

/// The Auth0 chain.
pub async fn application(ctx: &Ctx<'_>) -> Result<(Plan, Auth0Outcome)> {
    let mut plan = Plan::default();
    let auth0 = &ctx.services.auth0;
    preflight(auth0, if ctx.applying() { Command::Apply } else { Command::Plan }).await?;
    let name = ctx.config.auth0.application_name.clone();
    let step = ctx.progress.start(&format!("auth0: application {name}"));
    let urls = app_urls(&ctx.origins())?;
    let login_uri = login_route(&ctx.app_url());
    if login_uri.is_none() {
        plan.note(format!(
            "auth0: no initiate_login_uri for {} (Auth0 accepts only an https, non-loopback login route); an \
             invited user is not sent back to the app after setting a password",
            ctx.app_url()
        ));
    }
    let mut outcome = Auth0Outcome { issuer: auth0.issuer(), ..Auth0Outcome::default() };

    // Prefer the id the state file remembers (names are not unique in Auth0); fall back to the name.
    let remembered = ctx.state.snapshot().auth0_client_id;
    let existing = match remembered {
        Some(id) => match auth0.clients().get(&id).await {
            Ok(c) => Some(c),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound) => {
                auth0.clients().find_by_name(&name).await.step("auth0: find application")?
            }
            Err(e) => return Err(e).step("auth0: read application"),
        },
        None => auth0.clients().find_by_name(&name).await.step("auth0: find application")?,
    };
    match existing {
        Some(client) => {
            let missing: Vec<&String> = urls
                .callbacks
                .iter()
                .filter(|u| !client.callbacks.contains(u))
                .chain(urls.allowed_logout_urls.iter().filter(|u| !client.allowed_logout_urls.contains(u)))
                .chain(urls.web_origins.iter().filter(|u| !client.web_origins.contains(u)))
                .collect();
            let login_change = login_uri.as_ref().filter(|u| client.initiate_login_uri.as_ref() != Some(*u));
            if let Some(uri) = login_change {
                plan.resource(
                    "auth0",
                    format!("application {name} login route"),
                    Action::Update,
                    format!("initiate_login_uri = {uri}"),
                );
                if ctx.applying() {
                    let body = UpdateClientRequestContent {
                        initiate_login_uri: Some(uri.clone()),
                        ..UpdateClientRequestContent::default()
                    };
                    auth0.clients().update(&client.client_id, &body).await.step("auth0: set the login route")?;
                }
            }
            if missing.is_empty() {
                plan.resource(
                    "auth0",
                    format!("application {name}"),
                    Action::Unchanged,
                    "callbacks, logout URLs and web origins in place",
                );
            } else {
                plan.resource(
                    "auth0",
                    format!("application {name}"),
                    Action::Update,
                    format!("add {}", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
                );
                if ctx.applying() {
                    auth0
                        .clients()
                        .ensure_urls(&client.client_id, &urls)
                        .await
                        .step("auth0: update application URLs")?;
                }
            }
            outcome.client_secret = client.client_secret.clone();
            outcome.client_id = Some(client.client_id);
        }
        None => {
            plan.resource(
                "auth0",
                format!("application {name}"),
                Action::Create,
                "regular web app, client_secret_post, OIDC conformant",
            );
            if ctx.applying() {
                let mut body = CreateClientRequestContent::regular_web_app(name.clone())
                    .description("LobeHub (created by provision)")
                    .callbacks(urls.callbacks.clone())
                    .allowed_logout_urls(urls.allowed_logout_urls.clone())
                    .web_origins(urls.web_origins.clone());
                if let Some(uri) = &login_uri {
                    body = body.initiate_login_uri(uri.clone());
                }
                // Not found by name a moment ago (above): create directly. After an unknown outcome (a lost answer,
                // a timeout) look again, and create again only if it is still absent: never twice.
                let client = super::unknown::create_or_find(
                    ctx,
                    "auth0: create application",
                    |e: &auth0_client::Error| unknown_or_final(e),
                    || async { auth0.clients().create(&body).await },
                    || async { auth0.clients().find_by_name(&name).await.step("auth0: find application") },
                )
                .await?;
                ctx.state.update(|s| {
                    s.auth0_client_id = Some(client.client_id.clone());
                    s.mark_created("auth0-client", &client.client_id);
                })?;
                outcome.client_secret = client.client_secret.clone();
                outcome.client_id = Some(client.client_id);
            }
        }
    }
    if let Some(id) = &outcome.client_id
        && ctx.state.snapshot().auth0_client_id.as_deref() != Some(id)
        && ctx.applying()
    {
        ctx.state.update(|s| s.auth0_client_id = Some(id.clone()))?;
    }
    if outcome.client_secret.is_none()
        && let Some(id) = &outcome.client_id
    {
        // The list does not always carry the secret; GET with read:client_keys does.
        outcome.client_secret = auth0.clients().get(id).await.step("auth0: read application secret")?.client_secret;
    }

    // The dedicated database connection, then the application restricted to it.
    let db = ctx.config.auth0.database_connection.clone();
    database_connection(ctx, outcome.client_id.as_deref(), &mut plan).await?;
    match &outcome.client_id {
        Some(id) if ctx.applying() => {
            let report = auth0.disable_signups(id, &db).await.step("auth0: restrict the application")?;
            if report.signup_disabled_now
                && !ctx.state.snapshot().was_created(KIND_CONNECTION, &report.database_connection_id)
            {
                // A connection the tool did not create: destroy turns this back off.
                let conn_id = report.database_connection_id.clone();
                ctx.state.update(|s| s.mark_created(KIND_SIGNUP_DISABLED, &conn_id))?;
            }
            if report.changed() {
                let mut what = Vec::new();
                if report.database_connection_enabled_now {
                    what.push(format!("enable {db} for the application"));
                }
                for c in &report.disabled_connections {
                    what.push(format!("turn off {} ({})", c.name, c.strategy));
                }
                if !what.is_empty() {
                    plan.resource("auth0", "application connections", Action::Update, what.join("; "));
                }
            } else {
                plan.resource("auth0", "application connections", Action::Unchanged, format!("only {db}"));
            }
        }
        Some(id) => {
            let enabled = auth0.clients().connections(id).await.step("auth0: list application connections")?;
            let mut what = Vec::new();
            if !enabled.iter().any(|c| c.name == db) {
                what.push(format!("enable {db} for the application"));
            }
            for c in enabled.iter().filter(|c| c.name != db) {
                what.push(format!("turn off {} for the application", c.name));
            }
            let action = if what.is_empty() { Action::Unchanged } else { Action::Update };
            let detail = if what.is_empty() { format!("only {db}") } else { what.join("; ") };
            plan.resource("auth0", "application connections", action, detail);
        }
        None => plan.resource(
            "auth0",
            "application connections",
            Action::Update,
            format!("the new application restricted to {db} (social and every other connection off)"),
        ),
    }

    // Trusted users, concurrently: each one's lookup → create → invite link is independent of the others'.
    let snapshot = ctx.state.snapshot();
    let invited = snapshot.created.get("auth0-invited").cloned().unwrap_or_default();
    let client_id = outcome.client_id.clone();
    let users = ctx.config.auth0.trusted_users.iter().map(|email| {
        let invite = invited.contains(email).then(|| snapshot.invite_expires.get(email).copied());
        trusted_user(ctx, email, &db, invite, client_id.as_deref())
    });
    let mut errors = Vec::new();
    for result in futures::future::join_all(users).await {
        match result {
            Ok((user_plan, invite)) => {
                plan.extend(user_plan);
                outcome.invites.extend(invite);
            }
            Err(e) => errors.push(e),
        }
    }
    crate::error::Error::combine(errors)?;
    step.done(if plan.has_changes() { "changed" } else { "unchanged" });
    Ok((plan, outcome))
}

/// Whether an invite link issued before still stands: `invite` is `None` when none was issued, `Some(None)` when
/// one was issued but its expiry was not recorded (treated as expired), `Some(Some(t))` when it expires at `t`
/// (Unix seconds).
fn invite_valid(invite: Option<Option<i64>>, now: i64) -> bool {
    matches!(invite, Some(Some(expires)) if expires > now)
}

/// One trusted user: looked up in `db`, created there when absent, and given an invite link unless one issued
/// before is still valid or the user has signed in. `invite` is the earlier link's expiry (see
/// [`invite_valid`]). Returns its plan entry and the invite issued: (e-mail, link).
async fn trusted_user(
    ctx: &Ctx<'_>,
    email: &str,
    db: &str,
    invite: Option<Option<i64>>,
    client_id: Option<&str>,
) -> Result<(Plan, Option<(String, String)>)> {
    let mut plan = Plan::default();
    let auth0 = &ctx.services.auth0;
    let found = auth0.users().by_email(email).await.step("auth0: find user")?;
    let user = found.into_iter().find(|u| u.connections().contains(&db));
    let now = chrono::Utc::now().timestamp();
    let needs_invite = match &user {
        Some(u) if has_logged_in(u) => {
            plan.resource("auth0", format!("user {email}"), Action::Unchanged, "exists; has signed in");
            false
        }
        Some(_) if invite_valid(invite, now) => {
            let until = invite.flatten().and_then(|t| chrono::DateTime::from_timestamp(t, 0));
            let until = until.map_or_else(String::new, |t| format!(" until {}", t.format("%Y-%m-%d %H:%M UTC")));
            plan.resource(
                "auth0",
                format!("user {email}"),
                Action::Unchanged,
                format!("exists; invite link valid{until}"),
            );
            false
        }
        Some(_) if invite.is_some() => {
            let when = invite.flatten().and_then(|t| chrono::DateTime::from_timestamp(t, 0));
            let when = when.map_or_else(
                || "its expiry was not recorded".to_string(),
                |t| format!("it expired {}", t.format("%Y-%m-%d %H:%M UTC")),
            );
            plan.resource(
                "auth0",
                format!("user {email}"),
                Action::Update,
                format!("never signed in and the invite link is no longer valid ({when}): a new link will be issued"),
            );
            true
        }
        Some(_) => {
            plan.resource("auth0", format!("user {email}"), Action::Unchanged, "exists; an invite link will be issued");
            true
        }
        None => {
            plan.resource("auth0", format!("user {email}"), Action::Create, format!("in {db}, with an invite link"));
            true
        }
    };
    let Some(client_id) = client_id.filter(|_| needs_invite && ctx.applying()) else {
        return Ok((plan, None));
    };
    let user = match user {
        Some(u) => u,
        None => {
            let body = CreateUserRequestContent::with_random_password(db.to_string(), email.to_string());
            // Absent a moment ago: create directly. On a conflict or an unknown outcome (a lost answer, a timeout),
            // look it up again and create only if it is still absent.
            let u = super::unknown::create_or_find(
                ctx,
                "auth0: create user",
                unknown_or_final,
                || async { auth0.users().create(&body).await },
                || async {
                    let found = auth0.users().by_email(email).await.step("auth0: find user")?;
                    Ok(found.into_iter().find(|u| u.connections().contains(&db)))
                },
            )
            .await?;
            ctx.state.update(|s| s.mark_created("auth0-user", &u.user_id))?;
            u
        }
    };
    // With client_id, never result_url (spec ChangePasswordTicketRequestContent.result_url): after setting a
    // password the user is sent to the application's initiate_login_uri (field-truth §3.2).
    let request = ChangePasswordTicketRequestContent::invite(user.user_id.clone(), client_id.to_string());
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
    ctx.state.update(|s| {
        s.mark_created("auth0-invited", email);
        s.pending_invites.insert(email.to_string(), crate::state::StoredSecret::new(ticket.ticket.clone()));
        s.invite_expires.insert(email.to_string(), expires);
    })?;
    Ok((plan, Some((email.to_string(), ticket.ticket))))
}

/// The database connection `auth0.connection`: created when absent (dedicated: sign-ups disabled, enabled only
/// for the application through `PATCH /connections/{id}/clients`, recorded for destroy). An existing connection
/// the tool did not create is used only when no other application is enabled on it, or with
/// `auth0.shared_connection = true`; the plan then lists every other application the sign-up setting affects.
/// Returns whether the connection exists now.
async fn database_connection(ctx: &Ctx<'_>, client_id: Option<&str>, plan: &mut Plan) -> Result<bool> {
    let auth0 = &ctx.services.auth0;
    let db = ctx.config.auth0.database_connection.clone();
    let found = match auth0.connections().find_database(&db).await {
        Ok(c) => Some(c),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e).step("auth0: find the database connection"),
    };
    let Some(conn) = found else {
        plan.resource(
            "auth0",
            format!("database connection {db}"),
            Action::Create,
            "dedicated: sign-ups disabled, enabled only for the LobeHub application",
        );
        if !ctx.applying() {
            return Ok(false);
        }
        let body = CreateConnectionRequestContent::dedicated_database(db.clone());
        // A lost answer, a 5xx or a concurrent create: the name is unique in the tenant, so look it up, and create
        // again only when it is still absent (never twice).
        let created = super::unknown::create_or_find(
            ctx,
            "auth0: create the database connection",
            unknown_or_final,
            || async { auth0.connections().create(&body).await },
            || async {
                match auth0.connections().find_database(&db).await {
                    Ok(c) => Ok(Some(c)),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e).step("auth0: find the database connection"),
                }
            },
        )
        .await?;
        ctx.state.update(|s| s.mark_created(KIND_CONNECTION, &created.id))?;
        return Ok(true);
    };
    let ours = ctx.state.snapshot().was_created(KIND_CONNECTION, &conn.id);
    let m2m = ctx.config.auth0.m2m_client_id.as_str();
    let enabled =
        auth0.connections().enabled_clients(&conn.id).await.step("auth0: list the connection's applications")?;
    let others: Vec<String> = enabled.into_iter().filter(|id| Some(id.as_str()) != client_id && id != m2m).collect();
    let mut names = Vec::new();
    for id in &others {
        match auth0.clients().get(id).await {
            Ok(c) => names.push(format!("{} ({id})", c.name)),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e).step("auth0: read an application of the connection"),
        }
    }
    if !ours && !names.is_empty() && !ctx.config.auth0.shared_connection {
        return Err(Error::blocked(
            "auth0: database connection",
            format!(
                "connection `{db}` already exists and is enabled for {} other application(s): {}; its sign-up \
                 setting and its users would be shared with them",
                names.len(),
                names.join(", ")
            ),
            "set auth0.connection to a new name (a dedicated connection is created), or set \
             auth0.shared_connection = true to accept the change",
        ));
    }
    let disabled = conn.signup_disabled();
    let affects = if names.is_empty() { String::new() } else { format!("; also affects {}", names.join(", ")) };
    match disabled {
        Some(true) => plan.resource(
            "auth0",
            format!("database connection {db}"),
            Action::Unchanged,
            format!("{}sign-ups disabled{affects}", if ours { "dedicated, " } else { "" }),
        ),
        _ => plan.resource(
            "auth0",
            format!("database connection {db}"),
            Action::Update,
            format!("disable_signup (other options kept; reverted by destroy){affects}"),
        ),
    }
    if !names.is_empty() {
        plan.note(format!(
            "auth0: connection `{db}` is shared (auth0.shared_connection): every user of it can sign in to LobeHub, \
             and its sign-up setting applies to {}",
            names.join(", ")
        ));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invites_are_reissued_only_when_expired_or_unrecorded() {
        assert!(!invite_valid(None, 100), "never invited");
        assert!(!invite_valid(Some(None), 100), "expiry unknown: treated as expired");
        assert!(!invite_valid(Some(Some(99)), 100));
        assert!(invite_valid(Some(Some(101)), 100));
    }

    #[test]
    fn login_route_needs_https_and_a_public_host() {
        assert_eq!(login_route("https://lobehub.vercel.app/").as_deref(), Some("https://lobehub.vercel.app/signin"));
        for skipped in ["http://chat.example.com", "https://127.0.0.1:3210", "https://localhost", "not a url"] {
            assert_eq!(login_route(skipped), None, "{skipped}");
        }
    }
}

/// The Auth0 operations of a plan (what `apply` sends), one per changing row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Auth0Op {
    /// `POST /api/v2/clients` (Management API "Create a client").
    CreateApplication {
        /// The application's name.
        name: String,
    },
}
