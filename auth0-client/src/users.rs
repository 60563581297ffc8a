//! Users (`/api/v2/users`, `/api/v2/users-by-email`): create, get, find by email, list, delete, and
//! "create or find" for admin-created users.

use crate::client::Auth0Client;
use crate::clients::validate_id;
use crate::error::{Error, Result};
use crate::http::ApiRequest;
use crate::scopes;
use cloud_http::pagination::{DedupById, PageGuard};
use cloud_http::secrecy::{ExposeSecret, SecretString};
use http::Method;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// A user as the Management API returns it; other fields are kept in `extra`.
///
/// ```
/// let u: auth0_client::User = serde_json::from_value(serde_json::json!({
///     "user_id": "auth0|abc", "email": "a@example.com", "email_verified": false,
///     "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "abc"}]
/// })).unwrap();
/// assert_eq!(u.connections(), vec!["Username-Password-Authentication"]);
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct User {
    /// `auth0|…`, `google-oauth2|…`.
    pub user_id: String,
    /// The email.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the email is verified.
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// The full name.
    #[serde(default)]
    pub name: Option<String>,
    /// The identities (one per connection the user signed in with).
    #[serde(default)]
    pub identities: Vec<Identity>,
    /// Whether the user is blocked.
    #[serde(default)]
    pub blocked: Option<bool>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// The names of the connections of the user's identities.
    pub fn connections(&self) -> Vec<&str> {
        self.identities.iter().map(|i| i.connection.as_str()).collect()
    }
}

/// One identity of a user.
///
/// ```
/// let i: auth0_client::Identity = serde_json::from_str(r#"{"connection":"c","provider":"auth0","user_id":"1"}"#).unwrap();
/// assert_eq!(i.provider, "auth0");
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Identity {
    /// The connection name.
    #[serde(default)]
    pub connection: String,
    /// The provider (`auth0`, `google-oauth2`, …).
    #[serde(default)]
    pub provider: String,
    /// The id at the provider (a string, or a number for some providers).
    #[serde(default)]
    pub user_id: Value,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn serialize_secret<S: Serializer>(value: &Option<SecretString>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match value {
        Some(secret) => s.serialize_str(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

/// The body of `POST /users` (`CreateUserRequestContent`). The password is a [`SecretString`] and is never
/// printed.
///
/// ```
/// use auth0_client::CreateUserRequestContent;
/// let body = CreateUserRequestContent::with_random_password("Username-Password-Authentication", "Ada@Example.com");
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["email"], "ada@example.com");
/// assert_eq!(json["verify_email"], false);
/// assert!(json["password"].as_str().unwrap().len() >= 32);
/// assert!(!format!("{body:?}").contains(json["password"].as_str().unwrap()));
/// ```
#[derive(Debug, Clone, Default, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequestContent {
    /// The connection name (required).
    pub connection: String,
    /// The email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The initial password (database connections only).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_secret")]
    pub password: Option<SecretString>,
    /// Whether the email is verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Whether Auth0 sends a verification email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_email: Option<bool>,
    /// The full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Nickname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Username (only for connections that require one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// User metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    /// App metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
}

/// A random password of 40 characters from all four character classes, which satisfies every Auth0 password
/// policy (`none` to `excellent`). It is meant never to be seen: the user sets their own through a ticket.
///
/// ```
/// let p = auth0_client::users::random_password();
/// use secrecy::ExposeSecret;
/// assert_eq!(p.expose_secret().chars().count(), 40);
/// ```
pub fn random_password() -> SecretString {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SPECIAL: &[u8] = b"!#%+-.=?@_~";
    let mut rng = fastrand::Rng::new();
    let mut chars: Vec<char> = Vec::with_capacity(40);
    for class in [LOWER, UPPER, DIGIT, SPECIAL] {
        for _ in 0..4 {
            chars.push(class[rng.usize(..class.len())] as char);
        }
    }
    let all: Vec<u8> = [LOWER, UPPER, DIGIT, SPECIAL].concat();
    while chars.len() < 40 {
        chars.push(all[rng.usize(..all.len())] as char);
    }
    rng.shuffle(&mut chars);
    SecretString::from(chars.into_iter().collect::<String>())
}

impl CreateUserRequestContent {
    /// An admin-created database user: lower-cased email, a random password nobody sees, the email marked
    /// unverified and no verification email (the password-change ticket does both jobs).
    pub fn with_random_password(connection: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            connection: connection.into(),
            email: Some(email.into().trim().to_lowercase()),
            password: Some(random_password()),
            email_verified: Some(false),
            verify_email: Some(false),
            ..Self::default()
        }
    }

    /// Sets the full name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Checks the body against the connection it names ([spec] `POST /users`): `username` is valid only when
    /// the connection has `options.requires_username`, and then it is required; `password` only for strategy
    /// `auth0`. Needs the connection read with its options (`read:connections_options`); without them only the
    /// strategy is checked.
    ///
    /// ```
    /// use auth0_client::{Connection, CreateUserRequestContent};
    /// let conn: Connection = serde_json::from_value(serde_json::json!({
    ///     "id": "con_1", "name": "db", "strategy": "auth0", "options": {"requires_username": true}
    /// })).unwrap();
    /// let body = CreateUserRequestContent::with_random_password("db", "ada@example.com");
    /// assert!(body.check_for_connection(&conn).is_err());
    /// ```
    pub fn check_for_connection(&self, connection: &crate::Connection) -> Result<()> {
        const OP: &str = "CreateUser";
        if connection.name != self.connection {
            return Err(Error::invalid_input(OP, format!("the body names connection `{}`", self.connection)));
        }
        if self.password.is_some() && connection.strategy != "auth0" {
            return Err(Error::invalid_input(OP, "password is only valid for the auth0 (database) strategy (spec)"));
        }
        if let Some(options) = &connection.options {
            let requires = options.get("requires_username").and_then(Value::as_bool) == Some(true);
            match (&self.username, requires) {
                (Some(_), false) => {
                    return Err(Error::invalid_input(
                        OP,
                        format!(
                            "connection `{}` has no requires_username: do not send username (spec)",
                            connection.name
                        ),
                    ));
                }
                (None, true) => {
                    return Err(Error::invalid_input(
                        OP,
                        format!("connection `{}` requires a username (spec)", connection.name),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn validate(&self, operation: &'static str) -> Result<()> {
        if self.connection.trim().is_empty() {
            return Err(Error::invalid_input(operation, "the connection is required"));
        }
        if let Some(email) = &self.email {
            validate_email(operation, email)?;
        }
        if let Some(p) = &self.password
            && p.expose_secret().is_empty()
        {
            return Err(Error::invalid_input(operation, "the password is empty"));
        }
        Ok(())
    }
}

/// Checks an e-mail address before it is sent: one `@`; a local part of 1–64 characters without whitespace,
/// control characters, `<` or `>` (RFC 5321 §4.5.3.1.1: at most 64 octets); a domain that is a fully qualified
/// host name by the shared rule [`cloud_http::validate_host_name`] (RFC 5321 §4.1.2 `Domain`, RFC 1123 §2.1) —
/// the one e-mail rule of the workspace, used by the provisioner's configuration too.
///
/// Errors: [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) in `operation`, "`…` is not an email
/// address".
///
/// ```
/// use auth0_client::users::validate_email;
/// assert!(validate_email("CreateUser", "alice@example.com").is_ok());
/// for bad in ["alice", "alice@", "@example.com", "alice@localhost", "a b@example.com", "<a>@example.com", "a@exa mple.com"] {
///     assert!(validate_email("CreateUser", bad).is_err(), "{bad}");
/// }
/// ```
pub fn validate_email(operation: &'static str, email: &str) -> Result<()> {
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !local.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
                && cloud_http::validate_host_name(domain).is_ok()
        }
        None => false,
    };
    if ok { Ok(()) } else { Err(Error::invalid_input(operation, format!("`{email}` is not an email address"))) }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum UsersPage {
    Array(Vec<User>),
    Offset { total: u64, users: Vec<User> },
}

/// A `GET /users` query; send it with [`ListUsers::all`].
#[derive(Debug, Clone)]
pub struct ListUsers {
    client: Auth0Client,
    query: Option<String>,
    per_page: u32,
}

/// Auth0 pages through at most the first 1000 users of a query.
pub const USERS_LIST_LIMIT: u64 = 1000;

impl ListUsers {
    /// Only users with an identity on this connection: `q=identities.connection:"<name>"` with
    /// `search_engine=v3`. (There is deliberately no `connection` parameter: the spec says it "only applies when
    /// using `search_engine=v1`", which Auth0 no longer accepts, so on a real tenant it filters nothing.)
    ///
    /// ```
    /// # let auth0 = auth0_client::Auth0Client::builder().domain("t.auth0.com").client_credentials("a", "b").build().unwrap();
    /// let query = auth0.users().list().in_connection("lobehub-users");
    /// ```
    pub fn in_connection(mut self, name: impl Into<String>) -> Self {
        let name = name.into().replace(['"', '\\'], "");
        self.query = Some(format!("identities.connection:\"{name}\""));
        self
    }

    /// Page size, 1–100 (default 50).
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = n;
        self
    }

    /// Every page, up to Auth0's limit of 1000 users.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let users = auth0.users().list().in_connection("Username-Password-Authentication").all().await?;
    /// # Ok(()) }
    /// ```
    pub async fn all(self) -> Result<Vec<User>> {
        const OP: &str = "ListUsers";
        if !(1..=100).contains(&self.per_page) {
            return Err(Error::invalid_input(OP, format!("per_page must be 1..=100, not {}", self.per_page)));
        }
        let mut out = Vec::new();
        let mut guard = PageGuard::with_default_cap(OP);
        let mut dedup = DedupById::default();
        guard.first_page().map_err(|e| Error::decode(OP, e.to_string()))?;
        for page in 0u64.. {
            if page > 0 {
                guard.next_page(&page).map_err(|e| Error::decode(OP, e.to_string()))?;
            }
            if page * u64::from(self.per_page) >= USERS_LIST_LIMIT {
                tracing::warn!("stopping at Auth0's limit of {USERS_LIST_LIMIT} listed users");
                break;
            }
            let request = ApiRequest::new(OP, Method::GET, &["users"], scopes::LIST_USERS.any_of)
                .query("page", page)
                .query("per_page", self.per_page)
                .query("include_totals", true)
                .query_opt("search_engine", self.query.as_ref().map(|_| "v3"))
                .query_opt("q", self.query.clone());
            let (items, total) = match self.client.inner.call::<UsersPage>(&request).await? {
                UsersPage::Array(items) => (items, None),
                UsersPage::Offset { total, users } => (users, Some(total)),
            };
            let got = items.len();
            out.extend(items.into_iter().filter(|u| dedup.first_time(u.user_id.clone())));
            if got < self.per_page as usize || total.is_some_and(|t| out.len() as u64 >= t) {
                break;
            }
        }
        Ok(out)
    }
}

/// The users of the tenant. Get it from [`Auth0Client::users`].
#[derive(Debug, Clone)]
pub struct UsersHandler {
    client: Auth0Client,
}

impl UsersHandler {
    /// Creates a user (`POST /users`, `create:users`). A 409 means the user exists ([`crate::Error::is_conflict`]).
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// use auth0_client::CreateUserRequestContent;
    /// let user = auth0.users()
    ///     .create(&CreateUserRequestContent::with_random_password("Username-Password-Authentication", "ada@example.com"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, body: &CreateUserRequestContent) -> Result<User> {
        const OP: &str = "CreateUser";
        body.validate(OP)?;
        let request = ApiRequest::new(OP, Method::POST, &["users"], scopes::CREATE_USER.any_of).json(body)?;
        self.client.inner.call(&request).await
    }

    /// Returns the user with `body.email` on `body.connection`, creating it if there is none. A 409, or a
    /// create whose answer was lost, is resolved by looking the user up by email: nothing is created twice.
    /// The flag says whether this call created the user.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// use auth0_client::CreateUserRequestContent;
    /// let (user, created) = auth0.users()
    ///     .create_or_find(&CreateUserRequestContent::with_random_password("Username-Password-Authentication", "ada@example.com"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_or_find(&self, body: &CreateUserRequestContent) -> Result<(User, bool)> {
        const OP: &str = "CreateUser";
        body.validate(OP)?;
        let email = body.email.clone().ok_or_else(|| Error::invalid_input(OP, "create_or_find needs an email"))?;
        if let Some(existing) = self.find_on_connection(&email, &body.connection).await? {
            return Ok((existing, false));
        }
        match self.create(body).await {
            Ok(user) => Ok((user, true)),
            Err(e) if e.is_conflict() || e.outcome_unknown() => {
                tracing::warn!(error = %e, "CreateUser did not answer cleanly; looking the user up by email");
                match self.find_on_connection(&email, &body.connection).await? {
                    Some(user) => Ok((user, !e.is_conflict())),
                    None if e.outcome_unknown() => Ok((self.create(body).await?, true)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn find_on_connection(&self, email: &str, connection: &str) -> Result<Option<User>> {
        Ok(self.by_email(email).await?.into_iter().find(|u| u.connections().contains(&connection)))
    }

    /// Gets one user (`GET /users/{id}`).
    pub async fn get(&self, user_id: &str) -> Result<User> {
        const OP: &str = "GetUser";
        validate_id(OP, "user id", user_id)?;
        let request = ApiRequest::new(OP, Method::GET, &["users", user_id], scopes::GET_USER.any_of);
        self.client.inner.call(&request).await
    }

    /// Every user with this email (`GET /users-by-email`), on any connection. The email is lower-cased first:
    /// Auth0 stores database emails in lower case and the search is case-sensitive.
    pub async fn by_email(&self, email: &str) -> Result<Vec<User>> {
        const OP: &str = "GetUsersByEmail";
        let email = email.trim().to_lowercase();
        validate_email(OP, &email)?;
        let request = ApiRequest::new(OP, Method::GET, &["users-by-email"], scopes::GET_USERS_BY_EMAIL.any_of)
            .query("email", email);
        self.client.inner.call(&request).await
    }

    /// Starts a `GET /users` query.
    pub fn list(&self) -> ListUsers {
        ListUsers { client: self.client.clone(), query: None, per_page: 50 }
    }

    /// Deletes a user (`DELETE /users/{id}`, 204).
    pub async fn delete(&self, user_id: &str) -> Result<()> {
        const OP: &str = "DeleteUser";
        validate_id(OP, "user id", user_id)?;
        let request = ApiRequest::new(OP, Method::DELETE, &["users", user_id], scopes::DELETE_USER.any_of);
        self.client.inner.send(&request).await.map(|_| ())
    }
}

impl Auth0Client {
    /// The users (`/api/v2/users`).
    pub fn users(&self) -> UsersHandler {
        UsersHandler { client: self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_checked() {
        assert!(validate_email("T", "a@b.co").is_ok());
        for bad in ["", "a", "@b.co", "a@b", "a b@c.com", "a@.com", "a@b.com."] {
            assert!(validate_email("T", bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn random_passwords_have_every_class(_seed in 0u8..32) {
            let p = random_password();
            let p = p.expose_secret();
            prop_assert_eq!(p.len(), 40);
            prop_assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            prop_assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            prop_assert!(p.chars().any(|c| c.is_ascii_digit()));
            prop_assert!(p.chars().any(|c| !c.is_ascii_alphanumeric()));
        }
    }
}
