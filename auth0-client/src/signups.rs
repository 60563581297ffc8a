//! `disable_signups`: no public sign-up for an application, done the way that survives Auth0's two traps.
//!
//! 1. `options.disable_signup = true` on the database connection, by **read-merge-write**: `PATCH` replaces the
//!    whole `options` object and resets an omitted `display_name` ([spec] `PATCH /connections/{id}`,
//!    `UpdateConnectionRequestContent.options`: "the options object replaces the stored one"), so the current
//!    options (known and unknown keys) and the display name are sent back with the one change.
//! 2. The application is restricted to that database connection: every other connection (the social
//!    `google-oauth2` that new applications get, included) is turned off **for this application** through
//!    `PATCH /connections/{id}/clients` ([spec] `UpdateEnabledClientConnectionsRequestContent`), since
//!    `disable_signup` does not stop social sign-ups. The deprecated `enabled_clients` field is never read nor
//!    sent.
//!
//! The decision is pure and public: [`SignupIsolationPlan::decide`] turns what was read into the plan, and
//! [`SignupIsolationPlan::requests`] into the typed requests; [`Auth0Client::disable_signups`] reads, decides,
//! then sends what was decided ([`Auth0Client::send_signup_isolation`]). A caller that plans (shows what would
//! change without changing it) uses the same decision. Idempotent: a second call only reads.

use crate::client::Auth0Client;
use crate::clients::validate_id;
use crate::connections::{Connection, ConnectionClientStatus, UpdateConnectionRequestContent};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A connection as a sign-up isolation plan names it: id, name and strategy (no options, no secret).
///
/// ```
/// let c: auth0_client::Connection = serde_json::from_value(serde_json::json!({
///     "id": "con_g", "name": "google-oauth2", "strategy": "google-oauth2", "options": {"client_secret": "x"}
/// })).unwrap();
/// let r = auth0_client::ConnectionRef::from(&c);
/// assert_eq!((r.id.as_str(), r.strategy.as_str()), ("con_g", "google-oauth2"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRef {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its strategy (`auth0` for a database connection, `google-oauth2`, …).
    pub strategy: String,
}

impl From<&Connection> for ConnectionRef {
    fn from(c: &Connection) -> Self {
        Self { id: c.id.clone(), name: c.name.clone(), strategy: c.strategy.clone() }
    }
}

/// A connection turned off for the application (see [`DisableSignupsReport::disabled_connections`]).
pub type DisabledConnection = ConnectionRef;

/// What isolating one application's sign-ups needs, decided from what was read
/// ([`SignupIsolationPlan::decide`]). Holds no secret and no connection options, so it can be shown and saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupIsolationPlan {
    /// The application.
    pub client_id: String,
    /// The database connection the application keeps.
    pub database: ConnectionRef,
    /// Whether `options.disable_signup` must be switched on (read-merge-write `PATCH /connections/{id}`).
    pub disable_signup: bool,
    /// The connections to turn off for the application (`PATCH /connections/{id}/clients`, `status: false`),
    /// in the order they were listed.
    pub turn_off: Vec<ConnectionRef>,
    /// Whether the database connection must be enabled for the application (`status: true`).
    pub enable_database: bool,
}

/// One request of a [`SignupIsolationPlan`], as [`SignupIsolationPlan::requests`] builds it.
#[derive(Debug, Clone, PartialEq)]
pub enum SignupIsolationRequest {
    /// `PATCH /connections/{id}` (`UpdateConnection`): every current option and the display name sent back,
    /// with `disable_signup: true` ([`UpdateConnectionRequestContent::merge_option`]).
    UpdateConnection {
        /// The connection.
        connection_id: String,
        /// The body.
        body: UpdateConnectionRequestContent,
    },
    /// `PATCH /connections/{id}/clients` (`UpdateConnectionClients`): the connection on or off for the
    /// application.
    UpdateConnectionClients {
        /// The connection.
        connection: ConnectionRef,
        /// The one item: the application and its new status.
        change: ConnectionClientStatus,
    },
}

impl SignupIsolationPlan {
    /// Whether sign-ups must be switched off on a connection whose `options.disable_signup` reads
    /// `signup_disabled` ([`Connection::signup_disabled`]): unless it is `Some(true)`. `None` (options not
    /// read) counts as "must switch": sending it then needs the options, so it fails before any write rather
    /// than wipe them.
    ///
    /// ```
    /// use auth0_client::SignupIsolationPlan;
    /// assert!(!SignupIsolationPlan::must_disable_signup(Some(true)));
    /// assert!(SignupIsolationPlan::must_disable_signup(Some(false)));
    /// assert!(SignupIsolationPlan::must_disable_signup(None));
    /// ```
    pub fn must_disable_signup(signup_disabled: Option<bool>) -> bool {
        signup_disabled != Some(true)
    }

    /// The decision, without a server: the application `client_id` keeps only `database` (whose
    /// `options.disable_signup` reads `signup_disabled`), given `enabled`, the connections enabled for it now
    /// (`GET /clients/{id}/connections`). Every other connection is turned off for it — social connections
    /// included, since `disable_signup` does not stop social sign-ups — and `database` enabled when it is not.
    /// Pure.
    ///
    /// ```
    /// use auth0_client::{ConnectionRef, SignupIsolationPlan};
    /// let db = ConnectionRef { id: "con_db".into(), name: "lobehub-users".into(), strategy: "auth0".into() };
    /// let google = ConnectionRef { id: "con_g".into(), name: "google-oauth2".into(), strategy: "google-oauth2".into() };
    /// let plan = SignupIsolationPlan::decide("app", &db, Some(true), &[google.clone()]);
    /// assert_eq!(plan.turn_off, vec![google]);
    /// assert!(plan.enable_database && !plan.disable_signup);
    /// assert!(SignupIsolationPlan::decide("app", &db, Some(true), &[db.clone()]).is_empty());
    /// ```
    pub fn decide(
        client_id: &str,
        database: &ConnectionRef,
        signup_disabled: Option<bool>,
        enabled: &[ConnectionRef],
    ) -> Self {
        Self {
            client_id: client_id.to_string(),
            database: database.clone(),
            disable_signup: Self::must_disable_signup(signup_disabled),
            turn_off: enabled.iter().filter(|c| c.id != database.id).cloned().collect(),
            enable_database: !enabled.iter().any(|c| c.id == database.id),
        }
    }

    /// Whether nothing needs to be sent.
    pub fn is_empty(&self) -> bool {
        !self.disable_signup && self.turn_off.is_empty() && !self.enable_database
    }

    /// The requests the plan sends, in order: the options update (built from `current`, the database connection
    /// as just read with its options; skipped when `current` already has `disable_signup: true`), each other
    /// connection turned off, then the database connection enabled. Pure.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] when the plan switches sign-ups off and `current` is missing or is
    /// another connection; [`crate::ErrorKind::MissingScopes`] (`read:connections_options`) when `current` was
    /// read without its options (a PATCH would wipe them).
    pub fn requests(&self, current: Option<&Connection>) -> Result<Vec<SignupIsolationRequest>> {
        const OP: &str = "DisableSignups";
        let mut out = Vec::new();
        if self.disable_signup {
            let current = current.filter(|c| c.id == self.database.id).ok_or_else(|| {
                Error::invalid_input(OP, "switching sign-ups off needs the database connection as just read")
            })?;
            let value = Value::Bool(true);
            if current.options.as_ref().and_then(|o| o.get("disable_signup")) != Some(&value) {
                let body = UpdateConnectionRequestContent::merge_option(current, "disable_signup", value)?;
                out.push(SignupIsolationRequest::UpdateConnection { connection_id: current.id.clone(), body });
            }
        }
        let item = |status| ConnectionClientStatus { client_id: self.client_id.clone(), status };
        for c in &self.turn_off {
            out.push(SignupIsolationRequest::UpdateConnectionClients { connection: c.clone(), change: item(false) });
        }
        if self.enable_database {
            out.push(SignupIsolationRequest::UpdateConnectionClients {
                connection: self.database.clone(),
                change: item(true),
            });
        }
        Ok(out)
    }
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
    /// for this application. Reads (`GET /connections?strategy=auth0&name=…`, `GET /connections/{id}`,
    /// `GET /clients/{id}/connections`), decides ([`SignupIsolationPlan::decide`]), then sends what was decided
    /// and checks that the application is left with only that connection
    /// ([`send_signup_isolation`](Self::send_signup_isolation)). Returns what changed; a second call changes
    /// nothing.
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
        // The options as they are now: the merge is built from this read.
        let current = connections.get(&found.id).await?;
        let enabled: Vec<ConnectionRef> =
            self.clients().connections(client_id).await?.iter().map(ConnectionRef::from).collect();
        let plan =
            SignupIsolationPlan::decide(client_id, &ConnectionRef::from(&current), current.signup_disabled(), &enabled);
        self.send_signup_isolation(&plan, Some(&current)).await
    }

    /// Sends what `plan` decided ([`SignupIsolationPlan::requests`]), in order, then — when anything was
    /// written — reads the application's connections again and fails unless only the database connection is
    /// left. `current` is the database connection as read for the plan (its options are what the
    /// `disable_signup` update merges into); with `None`, a plan that switches sign-ups off reads it first
    /// (`GET /connections/{id}`). Returns what changed.
    ///
    /// # Errors
    /// Those of the requests; [`crate::ErrorKind::Decode`] when the connection update answers with sign-ups
    /// still on, or the application still has other connections afterwards.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// use auth0_client::{ConnectionRef, SignupIsolationPlan};
    /// let db = ConnectionRef { id: "con_db".into(), name: "lobehub-users".into(), strategy: "auth0".into() };
    /// let plan = SignupIsolationPlan::decide("app", &db, Some(true), &[]);
    /// auth0.send_signup_isolation(&plan, None).await?; // enables con_db for the application
    /// # Ok(()) }
    /// ```
    pub async fn send_signup_isolation(
        &self,
        plan: &SignupIsolationPlan,
        current: Option<&Connection>,
    ) -> Result<DisableSignupsReport> {
        const OP: &str = "DisableSignups";
        validate_id(OP, "client id", &plan.client_id)?;
        let connections = self.connections();
        let fetched;
        let current = match current {
            None if plan.disable_signup => {
                fetched = connections.get(&plan.database.id).await?;
                Some(&fetched)
            }
            c => c,
        };
        let mut report = DisableSignupsReport {
            client_id: plan.client_id.clone(),
            database_connection_id: plan.database.id.clone(),
            database_connection_name: plan.database.name.clone(),
            ..DisableSignupsReport::default()
        };
        for request in plan.requests(current)? {
            match request {
                SignupIsolationRequest::UpdateConnection { connection_id, body } => {
                    let updated = connections.update(&connection_id, &body).await?;
                    report.writes += 1;
                    report.signup_disabled_now = true;
                    if updated.signup_disabled() == Some(false) {
                        return Err(Error::decode(
                            OP,
                            "the connection update answered with disable_signup still false",
                        ));
                    }
                }
                SignupIsolationRequest::UpdateConnectionClients { connection, change } => {
                    let enable = change.status;
                    connections.set_enabled_clients(&connection.id, &[change]).await?;
                    report.writes += 1;
                    if enable {
                        report.database_connection_enabled_now = true;
                    } else {
                        report.disabled_connections.push(connection);
                    }
                }
            }
        }

        // Verify.
        if report.changed() {
            let now: Vec<String> =
                self.clients().connections(&plan.client_id).await?.into_iter().map(|c| c.id).collect();
            if now != [plan.database.id.clone()] {
                return Err(Error::decode(
                    OP,
                    format!(
                        "after the update the application still has connections {now:?}, not only `{}`",
                        plan.database.id
                    ),
                ));
            }
        }
        tracing::info!(
            client_id = %plan.client_id,
            connection = %report.database_connection_name,
            writes = report.writes,
            disabled = report.disabled_connections.len(),
            "sign-ups disabled"
        );
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(id: &str, name: &str, strategy: &str) -> ConnectionRef {
        ConnectionRef { id: id.into(), name: name.into(), strategy: strategy.into() }
    }

    fn read(options: Value) -> Connection {
        serde_json::from_value(serde_json::json!({
            "id": "con_db", "name": "lobehub-users", "display_name": "Email", "strategy": "auth0", "options": options
        }))
        .unwrap()
    }

    #[test]
    fn the_decision_turns_off_every_other_connection_and_enables_the_database() {
        let db = conn("con_db", "lobehub-users", "auth0");
        let google = conn("con_g", "google-oauth2", "google-oauth2");
        let shared = conn("con_s", "Username-Password-Authentication", "auth0");
        let plan = SignupIsolationPlan::decide("app", &db, Some(false), &[google.clone(), shared.clone()]);
        assert!(plan.disable_signup && plan.enable_database);
        assert_eq!(plan.turn_off, vec![google.clone(), shared.clone()], "another database connection too");

        let requests = plan.requests(Some(&read(serde_json::json!({"passwordPolicy": "good"})))).unwrap();
        let shape: Vec<(String, Option<bool>)> = requests
            .iter()
            .map(|r| match r {
                SignupIsolationRequest::UpdateConnection { connection_id, .. } => (connection_id.clone(), None),
                SignupIsolationRequest::UpdateConnectionClients { connection, change } => {
                    assert_eq!(change.client_id, "app");
                    (connection.id.clone(), Some(change.status))
                }
            })
            .collect();
        let expected = [("con_db", None), ("con_g", Some(false)), ("con_s", Some(false)), ("con_db", Some(true))];
        assert_eq!(shape, expected.map(|(id, s)| (id.to_string(), s)));
        let SignupIsolationRequest::UpdateConnection { body, .. } = &requests[0] else { panic!("{requests:?}") };
        let options = body.options.as_ref().unwrap();
        assert_eq!(
            (options["passwordPolicy"].clone(), options["disable_signup"].clone()),
            ("good".into(), true.into())
        );
        assert_eq!(body.display_name.as_deref(), Some("Email"), "sent back, else it resets");
    }

    #[test]
    fn an_isolated_application_needs_nothing_and_a_fresh_read_wins() {
        let db = conn("con_db", "lobehub-users", "auth0");
        let done = SignupIsolationPlan::decide("app", &db, Some(true), std::slice::from_ref(&db));
        assert!(done.is_empty());
        assert!(done.requests(None).unwrap().is_empty());
        // Decided from a stale read: the fresh one already has it, so no update is built.
        let stale = SignupIsolationPlan::decide("app", &db, Some(false), std::slice::from_ref(&db));
        assert!(stale.requests(Some(&read(serde_json::json!({"disable_signup": true})))).unwrap().is_empty());
        // Switching sign-ups off needs the options as read: never a PATCH that would wipe them.
        assert!(stale.requests(None).is_err());
        let without: Connection =
            serde_json::from_value(serde_json::json!({"id": "con_db", "name": "lobehub-users", "strategy": "auth0"}))
                .unwrap();
        assert!(matches!(stale.requests(Some(&without)).unwrap_err().kind(), crate::ErrorKind::MissingScopes { .. }));
    }
}
