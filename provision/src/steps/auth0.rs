//! Auth0: the LobeHub application (regular web app with the callback, logout and origin URLs of every app
//! origin), sign-ups disabled and the application restricted to the database connection, and the trusted
//! users, each with an invite link (a password-change ticket) that is printed, not e-mailed.

use super::Ctx;
use crate::error::{Result, StepContext};
use crate::plan::{Action, Plan};
use auth0_client::clients::{AppUrls, CreateClientRequestContent};
use auth0_client::{ChangePasswordTicketRequestContent, CreateUserRequestContent, ErrorKind};
use secrecy::SecretString;

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
    let name = ctx.config.auth0.application_name.clone();
    let step = ctx.progress.start(&format!("auth0: application {name}"));
    let urls = app_urls(&ctx.origins())?;
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
                let body = CreateClientRequestContent::regular_web_app(name.clone())
                    .description("LobeHub (created by provision)")
                    .callbacks(urls.callbacks.clone())
                    .allowed_logout_urls(urls.allowed_logout_urls.clone())
                    .web_origins(urls.web_origins.clone());
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

    // Sign-ups off and the application restricted to the database connection.
    let db = ctx.config.auth0.database_connection.clone();
    match &outcome.client_id {
        Some(id) if ctx.applying() => {
            let report = auth0.disable_signups(id, &db).await.step("auth0: disable sign-ups")?;
            if report.changed() {
                let mut what = Vec::new();
                if report.signup_disabled_now {
                    what.push(format!("disable_signup on {db}"));
                }
                if report.database_connection_enabled_now {
                    what.push(format!("enable {db} for the application"));
                }
                for c in &report.disabled_connections {
                    what.push(format!("turn off {} ({})", c.name, c.strategy));
                }
                plan.resource("auth0", "sign-ups", Action::Update, what.join("; "));
            } else {
                plan.resource(
                    "auth0",
                    "sign-ups",
                    Action::Unchanged,
                    format!("disabled; only {db} enabled for the application"),
                );
            }
        }
        Some(id) => {
            let connection = auth0.connections().find_database(&db).await.step("auth0: find database connection")?;
            let enabled = auth0.clients().connections(id).await.step("auth0: list application connections")?;
            let mut what = Vec::new();
            if connection.signup_disabled() != Some(true) {
                what.push(format!("disable_signup on {db} (other options kept)"));
            }
            if !enabled.iter().any(|c| c.id == connection.id) {
                what.push(format!("enable {db} for the application"));
            }
            for c in enabled.iter().filter(|c| c.id != connection.id) {
                what.push(format!("turn off {} for the application", c.name));
            }
            let action = if what.is_empty() { Action::Unchanged } else { Action::Update };
            plan.resource(
                "auth0",
                "sign-ups",
                action,
                if what.is_empty() { "disabled".to_string() } else { what.join("; ") },
            );
        }
        None => plan.resource(
            "auth0",
            "sign-ups",
            Action::Update,
            format!("disable_signup on {db}; the new application restricted to {db} (social connections off)"),
        ),
    }

    // Trusted users, concurrently: each one's lookup → create → invite link is independent of the others'.
    let invited = ctx.state.snapshot().created.get("auth0-invited").cloned().unwrap_or_default();
    let client_id = outcome.client_id.clone();
    let users = ctx
        .config
        .auth0
        .trusted_users
        .iter()
        .map(|email| trusted_user(ctx, email, &db, invited.contains(email), client_id.as_deref()));
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

/// One trusted user: looked up in `db`, created there when absent, and given an invite link unless it was invited
/// before or has signed in. Returns its plan entry and the invite issued: (e-mail, link).
async fn trusted_user(
    ctx: &Ctx<'_>,
    email: &str,
    db: &str,
    invited: bool,
    client_id: Option<&str>,
) -> Result<(Plan, Option<(String, String)>)> {
    let mut plan = Plan::default();
    let auth0 = &ctx.services.auth0;
    let found = auth0.users().by_email(email).await.step("auth0: find user")?;
    let user = found.into_iter().find(|u| u.connections().contains(&db));
    let needs_invite = match &user {
        Some(u) if invited || has_logged_in(u) => {
            plan.resource("auth0", format!("user {email}"), Action::Unchanged, "exists");
            false
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
    let ticket = ChangePasswordTicketRequestContent::invite(user.user_id.clone(), client_id.to_string())
        .result_url(ctx.app_url());
    // A ticket has no natural key, and a second one is harmless (both links work; the last is shown): after an
    // unknown outcome, simply ask again.
    let ticket = super::unknown::create_or_find(
        ctx,
        "auth0: create invite link",
        unknown_or_final,
        || async { auth0.tickets().password_change(&ticket).await },
        || async { Ok(None) },
    )
    .await?;
    // Kept until a run that completes has printed it: a failure later in this run must not lose the link.
    ctx.state.update(|s| {
        s.mark_created("auth0-invited", email);
        s.pending_invites.insert(email.to_string(), crate::state::StoredSecret::new(ticket.ticket.clone()));
    })?;
    Ok((plan, Some((email.to_string(), ticket.ticket))))
}
