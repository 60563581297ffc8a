//! Connections (`/api/v2/connections`): list by strategy and name (all three response shapes), get, update,
//! and the connection ↔ application endpoints `GET`/`PATCH /connections/{id}/clients` that replace the
//! deprecated `enabled_clients` field, which this crate never reads nor sends.

use crate::client::Auth0Client;
use crate::clients::validate_id;
use crate::error::{Error, ErrorKind, Result};
use crate::http::ApiRequest;
use crate::scopes;
use cloud_http::pagination::{DedupById, PageGuard};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The name of the database connection new tenants get.
pub const DEFAULT_DATABASE_CONNECTION: &str = "Username-Password-Authentication";

/// The most items one `PATCH /connections/{id}/clients` may carry.
pub const MAX_CONNECTION_CLIENTS_PER_PATCH: usize = 50;

/// A connection as the Management API returns it. `options` is present only when the token has
/// `read:connections_options`; it is kept as raw JSON so that every option, known or not, survives a
/// read-merge-write. The deprecated `enabled_clients` is dropped on reading.
///
/// ```
/// let c: auth0_client::Connection = serde_json::from_value(serde_json::json!({
///     "id": "con_1", "name": "Username-Password-Authentication", "strategy": "auth0",
///     "options": {"disable_signup": false, "some_future_option": {"a": 1}},
///     "enabled_clients": ["x"], "new_top_level": true
/// })).unwrap();
/// assert_eq!(c.options.as_ref().unwrap()["some_future_option"]["a"], 1);
/// assert!(c.extra.contains_key("new_top_level"));
/// assert!(!c.extra.contains_key("enabled_clients"));
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Connection {
    /// The connection id (`con_…`).
    pub id: String,
    /// The name (unique in the tenant).
    #[serde(default)]
    pub name: String,
    /// The name shown on the login page. Omitting it in a PATCH resets it to `name`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `auth0` for a database connection, `google-oauth2`, `email`, `samlp`, …
    #[serde(default)]
    pub strategy: String,
    /// The options, when the token may read them.
    #[serde(default)]
    pub options: Option<Map<String, Value>>,
    /// Realms.
    #[serde(default)]
    pub realms: Option<Vec<String>>,
    /// Whether the connection is domain level.
    #[serde(default)]
    pub is_domain_connection: Option<bool>,
    /// Whether the login page shows a button for it.
    #[serde(default)]
    pub show_as_button: Option<bool>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default, rename = "enabled_clients", skip_serializing)]
    deprecated_enabled_clients: serde::de::IgnoredAny,
    /// Every other field of the response.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Connection {
    /// Whether this is a database connection (`strategy: auth0`).
    pub fn is_database(&self) -> bool {
        self.strategy == "auth0"
    }

    /// `options.disable_signup`, if the options were returned.
    pub fn signup_disabled(&self) -> Option<bool> {
        self.options.as_ref().map(|o| o.get("disable_signup").and_then(Value::as_bool).unwrap_or(false))
    }
}

/// The body of `PATCH /connections/{id}` (`UpdateConnectionRequestContent`). **`options` replaces the whole
/// stored object** and an omitted `display_name` is reset to the name: build it from a fresh read, as
/// [`ConnectionsHandler::set_option`] does. There is deliberately no `enabled_clients` field.
///
/// ```
/// let body = auth0_client::UpdateConnectionRequestContent { show_as_button: Some(false), ..Default::default() };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"show_as_button":false}"#);
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpdateConnectionRequestContent {
    /// The display name (send it back, or it becomes the name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The complete options object (needs `update:connections_options`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Map<String, Value>>,
    /// Domain level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_domain_connection: Option<bool>,
    /// Show a button on the login page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_as_button: Option<bool>,
    /// Realms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realms: Option<Vec<String>>,
    /// Metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// Checks `display_name` (at most 128 characters) and `metadata` (at most 10 keys, string values of at most 255
/// characters): [spec] `UpdateConnectionRequestContent` / `CreateConnectionRequestContent` (`ConnectionsMetadata`:
/// "Metadata associated with the connection in the form of an object with string values (max 255 chars). Maximum
/// of 10 metadata properties allowed.").
pub(crate) fn validate_display_and_metadata(
    operation: &'static str,
    display_name: Option<&str>,
    metadata: Option<&Map<String, Value>>,
) -> Result<()> {
    if let Some(d) = display_name
        && d.chars().count() > 128
    {
        return Err(Error::invalid_input(operation, "display_name is longer than 128 characters (spec)"));
    }
    if let Some(m) = metadata {
        if m.len() > 10 {
            return Err(Error::invalid_input(
                operation,
                format!("metadata has {} keys; at most 10 are allowed (spec ConnectionsMetadata)", m.len()),
            ));
        }
        for (k, v) in m {
            match v {
                Value::String(s) if s.chars().count() <= 255 => {}
                Value::String(_) => {
                    return Err(Error::invalid_input(
                        operation,
                        format!("metadata `{k}` is longer than 255 characters (spec ConnectionsMetadata)"),
                    ));
                }
                _ => {
                    return Err(Error::invalid_input(
                        operation,
                        format!("metadata `{k}` is not a string (spec ConnectionsMetadata: string values)"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Checks a connection name: 1 to 128 characters, letters and digits with single inner hyphens ([spec]
/// `CreateConnectionRequestContent.name`: `maxLength: 128`, pattern `^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$`).
///
/// ```
/// assert!(auth0_client::connections::validate_connection_name("lobehub-users").is_ok());
/// assert!(auth0_client::connections::validate_connection_name("lobehub--users").is_err());
/// assert!(auth0_client::connections::validate_connection_name("-x").is_err());
/// ```
pub fn validate_connection_name(name: &str) -> Result<()> {
    const OP: &str = "CreateConnection";
    let bytes = name.as_bytes();
    let shape = !bytes.is_empty()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && !name.contains("--");
    if !shape {
        return Err(Error::invalid_input(
            OP,
            format!("connection name `{name}` must be letters and digits with single inner hyphens (spec pattern)"),
        ));
    }
    if name.len() > 128 {
        return Err(Error::invalid_input(OP, "the connection name is longer than 128 characters (spec)"));
    }
    Ok(())
}

/// The body of `POST /connections` (`CreateConnectionRequestContent`). There is deliberately no
/// `enabled_clients`: enable applications through `PATCH /connections/{id}/clients`.
///
/// ```
/// let body = auth0_client::CreateConnectionRequestContent::dedicated_database("lobehub-users");
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["strategy"], "auth0");
/// assert_eq!(json["options"]["disable_signup"], true);
/// assert!(json.get("enabled_clients").is_none());
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CreateConnectionRequestContent {
    /// The name (unique in the tenant; see [`validate_connection_name`]).
    pub name: String,
    /// The strategy (`auth0` for a database connection).
    pub strategy: String,
    /// The name shown on the login page (at most 128 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Map<String, Value>>,
    /// Metadata (at most 10 string values of at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl CreateConnectionRequestContent {
    /// A database connection for one application's users: sign-ups disabled (`disable_signup: true`), no
    /// username, brute-force protection on, password policy `good` — the isolation Auth0 recommends instead of
    /// disabling sign-ups on a shared connection (field-truth §3.4).
    pub fn dedicated_database(name: impl Into<String>) -> Self {
        let options = serde_json::json!({
            "disable_signup": true,
            "requires_username": false,
            "brute_force_protection": true,
            "passwordPolicy": "good"
        });
        Self {
            name: name.into(),
            strategy: "auth0".into(),
            display_name: None,
            options: options.as_object().cloned(),
            metadata: None,
        }
    }

    fn validate(&self, operation: &'static str) -> Result<()> {
        validate_connection_name(&self.name)?;
        if self.strategy.trim().is_empty() {
            return Err(Error::invalid_input(operation, "the strategy is required"));
        }
        validate_display_and_metadata(operation, self.display_name.as_deref(), self.metadata.as_ref())
    }
}

impl UpdateConnectionRequestContent {
    /// The update that changes only `options[key] = value` of `current`, keeping every other option (known or
    /// not) and sending `display_name` back. Fails if `current` was read without its options.
    ///
    /// ```
    /// use auth0_client::{Connection, UpdateConnectionRequestContent};
    /// let current: Connection = serde_json::from_value(serde_json::json!({
    ///     "id": "con_1", "name": "db", "display_name": "Email", "strategy": "auth0",
    ///     "options": {"passwordPolicy": "good", "x_unknown": [1, 2]}
    /// })).unwrap();
    /// let body = UpdateConnectionRequestContent::merge_option(&current, "disable_signup", true.into()).unwrap();
    /// let options = body.options.unwrap();
    /// assert_eq!(options["passwordPolicy"], "good");
    /// assert_eq!(options["x_unknown"], serde_json::json!([1, 2]));
    /// assert_eq!(options["disable_signup"], true);
    /// assert_eq!(body.display_name.as_deref(), Some("Email"));
    /// ```
    pub fn merge_option(current: &Connection, key: &str, value: Value) -> Result<Self> {
        let mut options = current.options.clone().ok_or_else(|| {
            Error::missing_scopes("UpdateConnection", vec!["read:connections_options".to_string()]).with_message(
                format!(
                    "connection `{}` was read without its options; PATCHing options now would wipe them. Grant \
                     read:connections_options",
                    current.name
                ),
            )
        })?;
        options.insert(key.to_string(), value);
        Ok(Self { display_name: current.display_name.clone(), options: Some(options), ..Self::default() })
    }
}

/// One item of `PATCH /connections/{id}/clients` (`UpdateEnabledClientConnectionsRequestContent` item).
///
/// ```
/// let item = auth0_client::ConnectionClientStatus { client_id: "abc".into(), status: false };
/// assert_eq!(serde_json::to_string(&item).unwrap(), r#"{"client_id":"abc","status":false}"#);
/// ```
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConnectionClientStatus {
    /// The application.
    pub client_id: String,
    /// Enabled (`true`) or disabled (`false`) for it.
    pub status: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum ConnectionsPage {
    Array(Vec<Connection>),
    /// With `include_totals`: `total` is what tells it from the checkpoint shape.
    Offset {
        total: u64,
        connections: Vec<Connection>,
    },
    Checkpoint {
        connections: Vec<Connection>,
        #[serde(default)]
        next: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize)]
struct EnabledClient {
    client_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EnabledClientsPage {
    clients: Vec<EnabledClient>,
    #[serde(default)]
    next: Option<String>,
}

/// A `GET /connections` query; send it with [`ListConnections::all`].
#[derive(Debug, Clone)]
pub struct ListConnections {
    client: Auth0Client,
    strategies: Vec<String>,
    name: Option<String>,
    take: u32,
}

impl ListConnections {
    /// Only connections of this strategy (may be given several times).
    pub fn strategy(mut self, strategy: impl Into<String>) -> Self {
        self.strategies.push(strategy.into());
        self
    }

    /// Only the connection with this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Page size, 1–100 (default 50).
    pub fn take(mut self, n: u32) -> Self {
        self.take = n;
        self
    }

    /// Every matching connection. Uses checkpoint paging (`from`/`take`), and accepts each of the three
    /// response shapes (bare array, `{start, limit, total, connections}`, `{connections, next}`).
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let social = auth0.connections().list().strategy("google-oauth2").all().await?;
    /// # Ok(()) }
    /// ```
    pub async fn all(self) -> Result<Vec<Connection>> {
        const OP: &str = "ListConnections";
        if !(1..=100).contains(&self.take) {
            return Err(Error::invalid_input(OP, format!("take must be 1..=100, not {}", self.take)));
        }
        let mut out: Vec<Connection> = Vec::new();
        let mut from: Option<String> = None;
        let mut page_number = 0u32;
        let mut guard = PageGuard::with_default_cap(OP);
        let mut dedup = DedupById::default();
        guard.first_page().map_err(|e| Error::decode(OP, e.to_string()))?;
        loop {
            let mut request = ApiRequest::new(OP, Method::GET, &["connections"], scopes::LIST_CONNECTIONS.any_of)
                .query("take", self.take)
                .query_opt("name", self.name.clone());
            for s in &self.strategies {
                request = request.query("strategy", s);
            }
            if page_number > 0 && from.is_none() {
                // The service answered with offset pages: continue by page number.
                request = request.query("page", page_number).query("per_page", self.take).query("include_totals", true);
            }
            request = request.query_opt("from", from.take());
            let page: ConnectionsPage = self.client.inner.call(&request).await?;
            page_number += 1;
            match page {
                ConnectionsPage::Array(items) => {
                    out.extend(items.into_iter().filter(|c| dedup.first_time(c.id.clone())));
                    break;
                }
                ConnectionsPage::Offset { total, connections } => {
                    let got = connections.len();
                    out.extend(connections.into_iter().filter(|c| dedup.first_time(c.id.clone())));
                    if got == 0 || out.len() as u64 >= total {
                        break;
                    }
                    guard.next_page(&format!("page:{page_number}")).map_err(|e| Error::decode(OP, e.to_string()))?;
                }
                ConnectionsPage::Checkpoint { connections, next } => {
                    let empty = connections.is_empty();
                    out.extend(connections.into_iter().filter(|c| dedup.first_time(c.id.clone())));
                    match next {
                        Some(n) if !n.is_empty() && !empty => {
                            guard.next_page(&n).map_err(|e| Error::decode(OP, e.to_string()))?;
                            from = Some(n)
                        }
                        _ => break,
                    }
                }
            }
        }
        if let Some(name) = &self.name {
            out.retain(|c| &c.name == name);
        }
        Ok(out)
    }
}

/// The connections of the tenant. Get it from [`Auth0Client::connections`].
#[derive(Debug, Clone)]
pub struct ConnectionsHandler {
    client: Auth0Client,
}

impl ConnectionsHandler {
    /// Starts a `GET /connections` query.
    pub fn list(&self) -> ListConnections {
        ListConnections { client: self.client.clone(), strategies: Vec::new(), name: None, take: 50 }
    }

    /// The database connection (`strategy=auth0`) with this name; [`ErrorKind::NotFound`] if there is none.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let db = auth0.connections().find_database(auth0_client::DEFAULT_DATABASE_CONNECTION).await?;
    /// # Ok(()) }
    /// ```
    pub async fn find_database(&self, name: &str) -> Result<Connection> {
        const OP: &str = "FindDatabaseConnection";
        if name.trim().is_empty() {
            return Err(Error::invalid_input(OP, "the connection name is empty"));
        }
        let mut found = self.list().strategy("auth0").name(name).all().await?;
        match found.len() {
            0 => Err(Error::new(OP, ErrorKind::NotFound, format!("no database connection named `{name}`"))),
            1 => found.pop().ok_or_else(|| Error::decode(OP, "empty list")),
            n => Err(Error::new(OP, ErrorKind::Ambiguous, format!("{n} database connections are named `{name}`"))),
        }
    }

    /// Creates a connection (`POST /connections`, `create:connections`, 201). A 409 means the name is taken.
    /// Not repeated after a lost answer; look it up by name instead ([`find_database`](Self::find_database)).
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// use auth0_client::CreateConnectionRequestContent;
    /// let c = auth0.connections().create(&CreateConnectionRequestContent::dedicated_database("lobehub-users")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, body: &CreateConnectionRequestContent) -> Result<Connection> {
        const OP: &str = "CreateConnection";
        body.validate(OP)?;
        let request =
            ApiRequest::new(OP, Method::POST, &["connections"], scopes::CREATE_CONNECTION.any_of).json(body)?;
        self.client.inner.call(&request).await
    }

    /// Deletes a connection and, with it, its users (`DELETE /connections/{id}`, `delete:connections`; 204, or
    /// 202 while a large deletion is still running).
    pub async fn delete(&self, id: &str) -> Result<()> {
        const OP: &str = "DeleteConnection";
        validate_id(OP, "connection id", id)?;
        let request = ApiRequest::new(OP, Method::DELETE, &["connections", id], scopes::DELETE_CONNECTION.any_of);
        self.client.inner.send(&request).await.map(|_| ())
    }

    /// Gets one connection (`GET /connections/{id}`).
    pub async fn get(&self, id: &str) -> Result<Connection> {
        const OP: &str = "GetConnection";
        validate_id(OP, "connection id", id)?;
        let request = ApiRequest::new(OP, Method::GET, &["connections", id], scopes::GET_CONNECTION.any_of);
        self.client.inner.call(&request).await
    }

    /// Updates a connection (`PATCH /connections/{id}`). Sending `options` needs `update:connections_options`
    /// (checked before sending) and replaces every option.
    pub async fn update(&self, id: &str, body: &UpdateConnectionRequestContent) -> Result<Connection> {
        const OP: &str = "UpdateConnection";
        validate_id(OP, "connection id", id)?;
        if body == &UpdateConnectionRequestContent::default() {
            return Err(Error::invalid_input(OP, "the update sets no field"));
        }
        validate_display_and_metadata(OP, body.display_name.as_deref(), body.metadata.as_ref())?;
        let scopes: crate::http::ScopeRequirement = if body.options.is_some() {
            &[&["update:connections"], &["update:connections_options"]]
        } else {
            &[&["update:connections"]]
        };
        let request = ApiRequest::new(OP, Method::PATCH, &["connections", id], scopes).json(body)?;
        self.client.inner.call(&request).await
    }

    /// Sets one option by read-merge-write, keeping every other option and `display_name`. Returns `None`
    /// without writing when the option already has this value.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// auth0.connections().set_option("con_123", "disable_signup", true.into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_option(&self, id: &str, key: &str, value: Value) -> Result<Option<Connection>> {
        self.client.inner.check_operation_scopes("UpdateConnection", &[&["read:connections_options"]]).await?;
        let current = self.get(id).await?;
        if current.options.as_ref().and_then(|o| o.get(key)) == Some(&value) {
            return Ok(None);
        }
        let body = UpdateConnectionRequestContent::merge_option(&current, key, value)?;
        self.update(id, &body).await.map(Some)
    }

    /// Switches public sign-ups off on a database connection: `options.disable_signup = true` by
    /// read-merge-write ([`set_option`](Self::set_option); [spec] `PATCH /connections/{id}`: `options` replaces
    /// the stored object). Returns whether a write was sent (`false`: they already were off).
    ///
    /// # Errors
    /// Those of [`set_option`](Self::set_option); [`ErrorKind::Decode`] when the answer still has sign-ups on.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let written = auth0.connections().disable_signup("con_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn disable_signup(&self, id: &str) -> Result<bool> {
        match self.set_option(id, "disable_signup", Value::Bool(true)).await? {
            Some(updated) if updated.signup_disabled() == Some(false) => {
                Err(Error::decode("DisableSignups", "the connection update answered with disable_signup still false"))
            }
            Some(_) => Ok(true),
            None => Ok(false),
        }
    }

    /// The applications this connection is enabled for (`GET /connections/{id}/clients`, checkpoint paging).
    pub async fn enabled_clients(&self, id: &str) -> Result<Vec<String>> {
        const OP: &str = "GetConnectionClients";
        validate_id(OP, "connection id", id)?;
        let mut out = Vec::new();
        let mut from: Option<String> = None;
        let mut guard = PageGuard::with_default_cap(OP);
        let mut dedup = DedupById::default();
        guard.first_page().map_err(|e| Error::decode(OP, e.to_string()))?;
        loop {
            let request = ApiRequest::new(
                OP,
                Method::GET,
                &["connections", id, "clients"],
                scopes::GET_CONNECTION_CLIENTS.any_of,
            )
            .query("take", 50)
            .query_opt("from", from.take());
            let page: EnabledClientsPage = self.client.inner.call(&request).await?;
            let empty = page.clients.is_empty();
            out.extend(page.clients.into_iter().map(|c| c.client_id).filter(|id| dedup.first_time(id.clone())));
            match page.next {
                Some(n) if !n.is_empty() && !empty => {
                    guard.next_page(&n).map_err(|e| Error::decode(OP, e.to_string()))?;
                    from = Some(n)
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// Enables or disables this connection for applications (`PATCH /connections/{id}/clients`, 204), in
    /// requests of at most 50 items. Other applications are untouched. Idempotent.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// use auth0_client::ConnectionClientStatus;
    /// auth0.connections()
    ///     .set_enabled_clients("con_google", &[ConnectionClientStatus { client_id: "app".into(), status: false }])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_enabled_clients(&self, id: &str, changes: &[ConnectionClientStatus]) -> Result<()> {
        const OP: &str = "UpdateConnectionClients";
        validate_id(OP, "connection id", id)?;
        if changes.is_empty() {
            return Err(Error::invalid_input(OP, "no client to enable or disable"));
        }
        for c in changes {
            validate_id(OP, "client id", &c.client_id)?;
        }
        for chunk in changes.chunks(MAX_CONNECTION_CLIENTS_PER_PATCH) {
            let request = ApiRequest::new(
                OP,
                Method::PATCH,
                &["connections", id, "clients"],
                scopes::UPDATE_CONNECTION_CLIENTS.any_of,
            )
            .json(&chunk)?;
            self.client.inner.send(&request).await?;
        }
        Ok(())
    }
}

impl Auth0Client {
    /// The connections (`/api/v2/connections`).
    pub fn connections(&self) -> ConnectionsHandler {
        ConnectionsHandler { client: self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn json_leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z]{0,8}".prop_map(Value::String),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        json_leaf().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z_]{1,10}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever the stored options (unknown keys, nesting), the merge keeps every one of them, sets only the
        /// requested key, and sends the display name back.
        #[test]
        fn merge_keeps_every_other_option(
            options in prop::collection::btree_map("[a-zA-Z_]{1,12}", json_value(), 0..12),
            display in proptest::option::of("[A-Za-z ]{1,20}"),
        ) {
            let options: Map<String, Value> = options.into_iter().collect();
            let current = Connection {
                id: "con_0123456789abcdef".into(),
                name: "db".into(),
                display_name: display.clone(),
                strategy: "auth0".into(),
                options: Some(options.clone()),
                realms: None,
                is_domain_connection: None,
                show_as_button: None,
                metadata: None,
                deprecated_enabled_clients: serde::de::IgnoredAny,
                extra: Map::new(),
            };
            let body = UpdateConnectionRequestContent::merge_option(&current, "disable_signup", Value::Bool(true)).unwrap();
            let merged = body.options.clone().unwrap();
            for (k, v) in &options {
                if k != "disable_signup" {
                    prop_assert_eq!(merged.get(k), Some(v));
                }
            }
            prop_assert_eq!(merged.get("disable_signup"), Some(&Value::Bool(true)));
            prop_assert_eq!(merged.len(), options.len() + usize::from(!options.contains_key("disable_signup")));
            prop_assert_eq!(body.display_name, display);
            let json = serde_json::to_value(UpdateConnectionRequestContent::merge_option(&current, "x", Value::Null).unwrap()).unwrap();
            prop_assert!(json.get("enabled_clients").is_none());
        }
    }

    #[test]
    fn options_read_without_scope_are_not_merged() {
        let current: Connection =
            serde_json::from_value(serde_json::json!({"id": "c", "name": "db", "strategy": "auth0"})).unwrap();
        let err =
            UpdateConnectionRequestContent::merge_option(&current, "disable_signup", Value::Bool(true)).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::MissingScopes { missing } if missing == &["read:connections_options"]));
    }
}
