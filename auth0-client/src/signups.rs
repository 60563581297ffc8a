//! `disable_signups`: no public sign-up for an application, done the way that survives Auth0's two traps.
//!
//! 1. `options.disable_signup = true` on the database connection, by **read-merge-write**: `PATCH` replaces the
//!    whole `options` object and resets an omitted `display_name`, so the current options (known and unknown
//!    keys) and the display name are sent back with the one change.
//! 2. The application is restricted to that database connection: every other connection (the social
//!    `google-oauth2` that new applications get, included) is turned off **for this application** through
//!    `PATCH /connections/{id}/clients`, since `disable_signup` does not stop social sign-ups. The deprecated
//!    `enabled_clients` field is never read nor sent.
//!
//! Idempotent: a second call only reads.

use crate::client::Auth0Client;
use crate::clients::validate_id;
use crate::connections::ConnectionClientStatus;
use crate::error::{Error, Result};
use serde_json::Value;

/// A connection turned off for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisabledConnection {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its strategy (`google-oauth2`, …).
    pub strategy: String,
}

/// What [`Auth0Client::disable_signups`] changed.
///
/// ```
/// let report = auth0_client::DisableSignupsReport::default();
/// assert!(!report.changed());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisableSignupsReport {
    /// The application.
    pub client_id: String,
    /// The database connection's id.
    pub database_connection_id: String,
    /// The database connection's name.
    pub database_connection_name: String,
    /// Whether `disable_signup` was switched on by this call (false: it already was).
    pub signup_disabled_now: bool,
    /// Whether the database connection had to be enabled for the application.
    pub database_connection_enabled_now: bool,
    /// The connections turned off for the application by this call.
    pub disabled_connections: Vec<DisabledConnection>,
    /// The number of write requests sent.
    pub writes: usize,
}

impl DisableSignupsReport {
    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        self.writes > 0
    }
}

/// The scopes [`Auth0Client::disable_signups`] needs.
pub const DISABLE_SIGNUPS_SCOPES: &[&str] = &[
    "read:clients",
    "read:connections",
    "read:connections_options",
    "update:connections",
    "update:connections_options",
];

impl Auth0Client {
    /// Turns public sign-ups off for the application `client_id`: sign-ups off on the database connection
    /// named `database_connection` (read-merge-write of its options), and every other connection turned off
    /// for this application. Then checks that the application is left with only that connection. Returns
    /// what changed; a second call changes nothing.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let report = auth0.disable_signups("lobehub-client-id", auth0_client::DEFAULT_DATABASE_CONNECTION).await?;
    /// for c in &report.disabled_connections {
    ///     println!("turned off {} for the application", c.name);
    /// }
    /// assert!(!auth0.disable_signups("lobehub-client-id", auth0_client::DEFAULT_DATABASE_CONNECTION).await?.changed());
    /// # Ok(()) }
    /// ```
    pub async fn disable_signups(&self, client_id: &str, database_connection: &str) -> Result<DisableSignupsReport> {
        const OP: &str = "DisableSignups";
        validate_id(OP, "client id", client_id)?;
        self.check_scopes(DISABLE_SIGNUPS_SCOPES).await.map_err(|e| match e.kind() {
            crate::ErrorKind::MissingScopes { missing } => Error::missing_scopes(OP, missing.clone()),
            _ => e,
        })?;
        let connections = self.connections();
        let found = connections.find_database(database_connection).await?;
        let mut report = DisableSignupsReport {
            client_id: client_id.to_string(),
            database_connection_id: found.id.clone(),
            database_connection_name: found.name.clone(),
            ..DisableSignupsReport::default()
        };

        // 1. Sign-ups off on the database connection, keeping every other option.
        if let Some(updated) = connections.set_option(&found.id, "disable_signup", Value::Bool(true)).await? {
            report.writes += 1;
            report.signup_disabled_now = true;
            if updated.signup_disabled() == Some(false) {
                return Err(Error::decode(OP, "the connection update answered with disable_signup still false"));
            }
        }

        // 2. The application keeps the database connection only.
        let enabled = self.clients().connections(client_id).await?;
        for other in enabled.iter().filter(|c| c.id != found.id) {
            connections
                .set_enabled_clients(
                    &other.id,
                    &[ConnectionClientStatus { client_id: client_id.into(), status: false }],
                )
                .await?;
            report.writes += 1;
            report.disabled_connections.push(DisabledConnection {
                id: other.id.clone(),
                name: other.name.clone(),
                strategy: other.strategy.clone(),
            });
        }
        if !enabled.iter().any(|c| c.id == found.id) {
            connections
                .set_enabled_clients(&found.id, &[ConnectionClientStatus { client_id: client_id.into(), status: true }])
                .await?;
            report.writes += 1;
            report.database_connection_enabled_now = true;
        }

        // 3. Verify.
        if report.changed() {
            let now: Vec<String> = self.clients().connections(client_id).await?.into_iter().map(|c| c.id).collect();
            if now != [found.id.clone()] {
                return Err(Error::decode(
                    OP,
                    format!("after the update the application still has connections {now:?}, not only `{}`", found.id),
                ));
            }
        }
        tracing::info!(
            client_id,
            connection = %report.database_connection_name,
            writes = report.writes,
            disabled = report.disabled_connections.len(),
            "sign-ups disabled"
        );
        Ok(report)
    }
}
