//! What the simulated tenant holds: applications (stored as the JSON Auth0 returns), client grants, connections,
//! users, issued tickets and authorization codes, tenant flags, plus the tenant's clock and id generator.

use super::rate_limit::Bucket;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A password-change ticket the simulator issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedTicket {
    /// The ticket URL returned.
    pub url: String,
    /// The user it is for.
    pub user_id: String,
    /// The application named in the request.
    pub client_id: Option<String>,
    /// The result URL named in the request.
    pub result_url: Option<String>,
    /// Validity in seconds (432000 when 0 or absent).
    pub ttl_sec: u64,
    /// Whether using it marks the email verified.
    pub mark_email_as_verified: bool,
    /// Whether it was used.
    pub used: bool,
    /// When it was issued (Unix seconds).
    pub issued_at: i64,
}

#[derive(Debug, Clone)]
pub(super) struct Connection {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) display_name: String,
    pub(super) strategy: String,
    pub(super) options: Map<String, Value>,
    pub(super) realms: Vec<String>,
    pub(super) is_domain_connection: bool,
    pub(super) show_as_button: bool,
    pub(super) metadata: Map<String, Value>,
    /// Client ids the connection is enabled for, in the order they were enabled.
    pub(super) enabled_clients: Vec<String>,
}

/// A user: the JSON the Management API returns, plus what the tenant keeps unseen (connection, e-mail as stored —
/// lower case for database users — and password).
#[derive(Debug, Clone)]
pub(super) struct User {
    pub(super) json: Map<String, Value>,
    pub(super) connection: String,
    pub(super) email: Option<String>,
    pub(super) password: Option<String>,
}

impl User {
    /// The `user_id` (`<provider>|<id>`).
    pub(super) fn id(&self) -> Option<&str> {
        self.json.get("user_id").and_then(Value::as_str)
    }
}

/// An authorization code issued by `GET /authorize`, redeemed once at the token endpoint.
#[derive(Debug, Clone)]
pub(super) struct AuthCode {
    pub(super) client_id: String,
    pub(super) user_id: String,
    pub(super) redirect_uri: String,
}

/// The tenant: everything behind the simulator's one lock.
pub(super) struct State {
    pub(super) clients: Vec<Map<String, Value>>,
    pub(super) grants: BTreeMap<String, Vec<String>>,
    pub(super) connections: Vec<Connection>,
    pub(super) users: Vec<User>,
    pub(super) tickets: Vec<IssuedTicket>,
    pub(super) codes: BTreeMap<String, AuthCode>,
    pub(super) enable_client_connections: bool,
    pub(super) bucket: Option<Bucket>,
    pub(super) token_lifetime: i64,
    pub(super) rng: fastrand::Rng,
}

impl State {
    /// The application `id`, as stored (secret included).
    pub(super) fn client(&self, id: &str) -> Option<&Map<String, Value>> {
        self.clients.iter().find(|c| client_id(c) == Some(id))
    }

    /// The user `id`.
    pub(super) fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id() == Some(id))
    }
}

/// The `client_id` of a stored application.
pub(super) fn client_id(client: &Map<String, Value>) -> Option<&str> {
    client.get("client_id").and_then(Value::as_str)
}

/// A new application as Auth0 stores it: its defaults overlaid with the fields of the create `body`, then `id`
/// and `secret`.
pub(super) fn client_json(id: &str, secret: &str, body: &Value, global: bool) -> Map<String, Value> {
    let mut c = json!({
        "tenant": "sim",
        "global": global,
        "is_token_endpoint_ip_header_trusted": false,
        "is_first_party": true,
        "oidc_conformant": false,
        "sso_disabled": false,
        "cross_origin_authentication": false,
        "custom_login_page_on": true,
        "callbacks": [],
        "allowed_logout_urls": [],
        "web_origins": [],
        "allowed_origins": [],
        "grant_types": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
        "token_endpoint_auth_method": "client_secret_post",
        "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false},
        "signing_keys": [{"cert": "-----BEGIN CERTIFICATE-----\nsim\n-----END CERTIFICATE-----", "subject": "deprecated"}],
        "refresh_token": {"rotation_type": "non-rotating", "expiration_type": "non-expiring"},
    });
    if let (Some(obj), Some(b)) = (c.as_object_mut(), body.as_object()) {
        for (k, v) in b {
            obj.insert(k.clone(), v.clone());
        }
        obj.insert("client_id".into(), Value::String(id.into()));
        obj.insert("client_secret".into(), Value::String(secret.into()));
    }
    c.as_object().cloned().unwrap_or_default()
}

pub(super) fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(super) fn random_token(rng: &mut fastrand::Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char).collect()
}

pub(super) fn new_user(
    rng: &mut fastrand::Rng,
    connection: &str,
    provider: &str,
    email: Option<&str>,
    password: Option<&str>,
    email_verified: bool,
    body: &Map<String, Value>,
) -> User {
    let raw_id: String = (0..24).map(|_| char::from_digit(rng.u32(0..16), 16).unwrap_or('0')).collect();
    let user_id = format!("{provider}|{raw_id}");
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut json = json!({
        "user_id": user_id,
        "email": email,
        "email_verified": email_verified,
        "name": body.get("name").cloned().unwrap_or_else(|| json!(email)),
        "nickname": email.and_then(|e| e.split('@').next()),
        "picture": "https://s.gravatar.com/avatar/sim.png",
        "created_at": now,
        "updated_at": now,
        "identities": [{"connection": connection, "provider": provider, "user_id": raw_id, "isSocial": provider != "auth0"}],
        "user_metadata": body.get("user_metadata").cloned().unwrap_or_else(|| json!({})),
        "app_metadata": body.get("app_metadata").cloned().unwrap_or_else(|| json!({})),
        "blocked": body.get("blocked").cloned().unwrap_or(Value::Bool(false)),
    });
    for key in ["given_name", "family_name"] {
        if let (Some(v), Some(obj)) = (body.get(key), json.as_object_mut()) {
            obj.insert(key.into(), v.clone());
        }
    }
    User {
        json: json.as_object().cloned().unwrap_or_default(),
        connection: connection.into(),
        email: email.map(str::to_string),
        password: password.map(str::to_string),
    }
}
