//! The Auth0 simulator: the token endpoint (client credentials, authorization code, password-realm) issuing
//! RS256 JWTs, OIDC discovery and JWKS, the Management API operations a LobeHub provisioning uses, and the
//! public sign-up paths (`POST /dbconnections/signup`, a social sign-up through `GET /authorize`) that prove
//! sign-ups are refused.
//!
//! Documented Auth0 behaviour it reproduces:
//! - scopes are enforced per operation (403 `insufficient_scope` naming them); `options` of connections are
//!   returned only with `read:connections_options` and written only with `update:connections_options`;
//! - request bodies with unknown fields are refused (400 "Payload validation error"), `enabled_clients`
//!   included;
//! - `PATCH /connections/{id}` replaces `options` wholesale and resets an omitted `display_name` to the name;
//! - a new application is enabled on every connection (a social `google-oauth2` included) while the tenant
//!   flag `enable_client_connections` is on (the default);
//! - `POST /dbconnections/signup` is refused when the connection has `disable_signup`, and a social sign-up is
//!   refused only when that connection is off for the application;
//! - 409 for an existing user; checkpoint (`from`/`take`/`next`) and page (`page`/`per_page`/`include_totals`)
//!   pagination, with the three shapes of `GET /connections`; at most 50 items per
//!   `PATCH /connections/{id}/clients`; the users list stops at 1000;
//! - a configurable request budget answered with 429 and `x-ratelimit-limit/-remaining/-reset` headers.
//!
//! The issuer is the base URL the request came to, with a trailing slash (`http://127.0.0.1:PORT/`), like
//! Auth0's `https://{domain}/`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sandbox::auth0::Auth0Simulator;
//! let sim = std::sync::Arc::new(Auth0Simulator::new());
//! let server = sim.start(sandbox::RequestLog::new()).await?;
//! println!("Auth0 at {} (client {})", server.base_url(), sandbox::auth0::M2M_CLIENT_ID);
//! # Ok(()) }
//! ```

// Handlers return the error answer itself as `Err(SimResponse)`: it is the normal path, not worth boxing.
#![allow(clippy::result_large_err)]

use crate::server::{InjectedError, RequestLog, SimRequest, SimResponse, SimServer, Simulator, lock};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Method;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The client id of the machine-to-machine application every simulator starts with.
pub const M2M_CLIENT_ID: &str = "sim-m2m-client-id-0000000000000";
/// Its secret.
pub const M2M_CLIENT_SECRET: &str = "sim-m2m-client-secret-do-not-use-anywhere-else";
/// The name of the seeded database connection.
pub const DATABASE_CONNECTION: &str = "Username-Password-Authentication";
/// The name of the seeded social connection.
pub const SOCIAL_CONNECTION: &str = "google-oauth2";

/// The scopes the default M2M application is granted: exactly the list the README tells users to grant
/// (`auth0_client::scopes::LOBEHUB_PROVISIONING`, written out here: the simulator models the tenant's grant,
/// it does not consult the client; `sandbox/tests/auth0_scopes.rs` checks the two lists agree).
pub const DEFAULT_M2M_SCOPES: &[&str] = &[
    "create:clients",
    "create:connections",
    "create:user_tickets",
    "create:users",
    "delete:clients",
    "delete:connections",
    "delete:users",
    "read:client_keys",
    "read:clients",
    "read:connections",
    "read:connections_options",
    "read:users",
    "update:clients",
    "update:connections",
    "update:connections_options",
];

/// Every Management API scope the simulator knows (a superset of [`DEFAULT_M2M_SCOPES`]), for tests that need
/// the operations provisioning does not use (secret rotation, tenant settings).
pub const ALL_SCOPES: &[&str] = &[
    "create:connections",
    "delete:connections",
    "read:clients",
    "create:clients",
    "update:clients",
    "delete:clients",
    "read:client_keys",
    "update:client_keys",
    "read:connections",
    "update:connections",
    "read:connections_options",
    "update:connections_options",
    "read:users",
    "create:users",
    "delete:users",
    "create:user_tickets",
    "read:tenant_settings",
    "update:tenant_settings",
];

const CREATE_CLIENT_FIELDS: &[&str] = &[
    "addons",
    "allowed_clients",
    "allowed_logout_urls",
    "allowed_origins",
    "app_type",
    "async_approval_notification_channels",
    "callbacks",
    "client_aliases",
    "client_authentication_methods",
    "client_metadata",
    "compliance_level",
    "cross_origin_authentication",
    "cross_origin_loc",
    "custom_login_page",
    "custom_login_page_on",
    "custom_login_page_preview",
    "default_organization",
    "description",
    "encryption_key",
    "express_configuration",
    "form_template",
    "grant_types",
    "initiate_login_uri",
    "is_first_party",
    "is_token_endpoint_ip_header_trusted",
    "jwt_configuration",
    "logo_uri",
    "mobile",
    "my_organization_configuration",
    "name",
    "native_social_login",
    "oidc_backchannel_logout",
    "oidc_conformant",
    "oidc_logout",
    "organization_discovery_methods",
    "organization_require_behavior",
    "organization_usage",
    "par_request_expiry",
    "redirection_policy",
    "refresh_token",
    "require_proof_of_possession",
    "require_pushed_authorization_requests",
    "resource_server_identifier",
    "session_transfer",
    "signed_request_object",
    "skip_non_verifiable_callback_uri_confirmation_prompt",
    "sso",
    "sso_disabled",
    "third_party_security_mode",
    "token_endpoint_auth_method",
    "token_exchange",
    "token_quota",
    "web_origins",
];
const UPDATE_CLIENT_EXTRA_FIELDS: &[&str] = &["client_secret"];
const UPDATE_CONNECTION_FIELDS: &[&str] = &[
    "authentication",
    "connected_accounts",
    "display_name",
    "is_domain_connection",
    "metadata",
    "options",
    "realms",
    "show_as_button",
];
const CREATE_CONNECTION_FIELDS: &[&str] = &[
    "authentication",
    "connected_accounts",
    "display_name",
    "enabled_clients",
    "is_domain_connection",
    "metadata",
    "name",
    "options",
    "realms",
    "show_as_button",
    "strategy",
];
const CREATE_USER_FIELDS: &[&str] = &[
    "app_metadata",
    "blocked",
    "connection",
    "email",
    "email_verified",
    "family_name",
    "given_name",
    "name",
    "nickname",
    "password",
    "phone_number",
    "phone_verified",
    "picture",
    "user_id",
    "user_metadata",
    "username",
    "verify_email",
];
const TICKET_FIELDS: &[&str] = &[
    "client_id",
    "connection_id",
    "email",
    "identity",
    "includeEmailInRedirect",
    "mark_email_as_verified",
    "organization_id",
    "result_url",
    "ttl_sec",
    "user_id",
];
const SIGNUP_FIELDS: &[&str] = &[
    "client_id",
    "email",
    "password",
    "connection",
    "username",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
    "user_metadata",
];

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
struct Connection {
    id: String,
    name: String,
    display_name: String,
    strategy: String,
    options: Map<String, Value>,
    realms: Vec<String>,
    is_domain_connection: bool,
    show_as_button: bool,
    metadata: Map<String, Value>,
    /// Client ids the connection is enabled for, in the order they were enabled.
    enabled_clients: Vec<String>,
}

impl Connection {
    fn to_json(&self, with_options: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "display_name": self.display_name,
            "strategy": self.strategy,
            "realms": self.realms,
            "is_domain_connection": self.is_domain_connection,
            "show_as_button": self.show_as_button,
            "metadata": self.metadata,
        });
        if with_options && let Some(obj) = v.as_object_mut() {
            obj.insert("options".into(), Value::Object(self.options.clone()));
        }
        v
    }
}

#[derive(Debug, Clone)]
struct User {
    json: Map<String, Value>,
    connection: String,
    email: Option<String>,
    password: Option<String>,
}

#[derive(Debug, Clone)]
struct AuthCode {
    client_id: String,
    user_id: String,
    redirect_uri: String,
}

#[derive(Debug, Clone)]
struct Bucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(burst: u32, per_second: f64) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_second: per_second.max(0.001),
            tokens: f64::from(burst.max(1)),
            last: Instant::now(),
        }
    }

    /// Takes one token; on refusal returns the seconds until one is available.
    fn take(&mut self) -> Result<(), f64> {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_second).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / self.per_second)
        }
    }
}

struct State {
    clients: Vec<Map<String, Value>>,
    grants: BTreeMap<String, Vec<String>>,
    connections: Vec<Connection>,
    users: Vec<User>,
    tickets: Vec<IssuedTicket>,
    codes: BTreeMap<String, AuthCode>,
    enable_client_connections: bool,
    bucket: Option<Bucket>,
    token_lifetime: i64,
    rng: fastrand::Rng,
}

struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    n: String,
    e: String,
}

/// The simulated tenant. Construct with [`Auth0Simulator::new`] (or [`builder`](Auth0Simulator::builder)),
/// serve with [`start`](Auth0Simulator::start), inspect and seed through its methods.
///
/// ```
/// let sim = sandbox::auth0::Auth0Simulator::new();
/// let db = sim.connection(sandbox::auth0::DATABASE_CONNECTION).unwrap();
/// assert_eq!(db["strategy"], "auth0");
/// assert_eq!(db["options"]["disable_signup"], false);
/// ```
pub struct Auth0Simulator {
    state: Mutex<State>,
    key: SigningKey,
}

impl std::fmt::Debug for Auth0Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0Simulator").field("kid", &self.key.kid).finish_non_exhaustive()
    }
}

/// Builds an [`Auth0Simulator`].
///
/// ```
/// let sim = sandbox::auth0::Auth0Simulator::builder().rate_budget(10, 2.0).token_lifetime(60).build();
/// # let _ = sim;
/// ```
#[derive(Debug, Clone)]
pub struct Auth0SimulatorBuilder {
    m2m_scopes: Vec<String>,
    budget: Option<(u32, f64)>,
    token_lifetime: i64,
    seed: u64,
}

impl Auth0SimulatorBuilder {
    /// The scopes granted to the default M2M application (default: [`DEFAULT_M2M_SCOPES`]).
    pub fn m2m_scopes(mut self, scopes: &[&str]) -> Self {
        self.m2m_scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Answers 429 past a budget of `burst` requests, refilled at `per_second` (Management API only).
    pub fn rate_budget(mut self, burst: u32, per_second: f64) -> Self {
        self.budget = Some((burst, per_second));
        self
    }

    /// The lifetime of issued tokens in seconds (default 86400).
    pub fn token_lifetime(mut self, seconds: i64) -> Self {
        self.token_lifetime = seconds;
        self
    }

    /// Seed of the id and secret generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Builds the simulator: one RSA-2048 signing key, the default M2M application, a global client, the
    /// database connection `Username-Password-Authentication` (with a set of options, a display name and an
    /// option key this crate does not know) and the social connection `google-oauth2`.
    pub fn build(self) -> Auth0Simulator {
        let key = generate_key();
        let mut state = State {
            clients: Vec::new(),
            grants: BTreeMap::new(),
            connections: Vec::new(),
            users: Vec::new(),
            tickets: Vec::new(),
            codes: BTreeMap::new(),
            enable_client_connections: true,
            bucket: self.budget.map(|(b, r)| Bucket::new(b, r)),
            token_lifetime: self.token_lifetime,
            rng: fastrand::Rng::with_seed(self.seed),
        };
        state.clients.push(client_json(
            "sim-global-client-000000000000000",
            "sim-global-secret",
            &json!({"name": "All Applications"}),
            true,
        ));
        state.clients.push(client_json(
            M2M_CLIENT_ID,
            M2M_CLIENT_SECRET,
            &json!({"name": "Provisioner (M2M)", "app_type": "non_interactive", "grant_types": ["client_credentials"]}),
            false,
        ));
        state.grants.insert(M2M_CLIENT_ID.into(), self.m2m_scopes);
        let db_options = json!({
            "mfa": {"active": true, "return_enroll_settings": true},
            "passwordPolicy": "good",
            "password_complexity_options": {"min_length": 8},
            "strategy_version": 2,
            "brute_force_protection": true,
            "disable_signup": false,
            "requires_username": false,
            "authentication_methods": {"password": {"enabled": true}, "passkey": {"enabled": false}},
            "x_sim_opaque_setting": {"set_in": "dashboard", "kept": [1, 2, 3]}
        });
        state.connections.push(Connection {
            id: "con_db00000000000001".into(),
            name: DATABASE_CONNECTION.into(),
            display_name: "Email and password".into(),
            strategy: "auth0".into(),
            options: db_options.as_object().cloned().unwrap_or_default(),
            realms: vec![DATABASE_CONNECTION.into()],
            is_domain_connection: false,
            show_as_button: true,
            metadata: Map::new(),
            enabled_clients: vec![M2M_CLIENT_ID.into()],
        });
        state.connections.push(Connection {
            id: "con_google0000000002".into(),
            name: SOCIAL_CONNECTION.into(),
            display_name: "Google".into(),
            strategy: "google-oauth2".into(),
            options: json!({"email": true, "profile": true, "scope": ["email", "profile"]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            realms: vec![SOCIAL_CONNECTION.into()],
            is_domain_connection: false,
            show_as_button: true,
            metadata: Map::new(),
            enabled_clients: vec![M2M_CLIENT_ID.into()],
        });
        Auth0Simulator { state: Mutex::new(state), key }
    }
}

/// The tenant's RS256 signing key: RSA-2048 generated by aws-lc-rs (already compiled for rustls and jsonwebtoken).
/// aws-lc-rs exports it as PKCS#8 (RFC 5208), whose `privateKey` is the PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2)
/// that jsonwebtoken's `EncodingKey::from_rsa_der` takes; `n` and `e` for the JWKS come from the public key.
fn generate_key() -> SigningKey {
    use aws_lc_rs::encoding::AsDer as _;
    use aws_lc_rs::signature::KeyPair as _;
    use pkcs8::der::Decode as _;
    // Generation and export fail only if aws-lc itself fails; 2048 is a supported size.
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA-2048 key generation");
    let pkcs8_der = pair.as_der().expect("PKCS#8 encoding of a fresh key");
    let info = pkcs8::PrivateKeyInfo::from_der(pkcs8_der.as_ref()).expect("aws-lc-rs writes valid PKCS#8");
    let public = pair.public_key();
    let n = public.modulus().big_endian_without_leading_zero().to_vec();
    let e = public.exponent().big_endian_without_leading_zero().to_vec();
    SigningKey {
        kid: format!("sim-{:016x}", fastrand::u64(..)),
        encoding: EncodingKey::from_rsa_der(info.private_key),
        decoding: DecodingKey::from_rsa_raw_components(&n, &e),
        n: URL_SAFE_NO_PAD.encode(&n),
        e: URL_SAFE_NO_PAD.encode(&e),
    }
}

fn client_json(id: &str, secret: &str, body: &Value, global: bool) -> Map<String, Value> {
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

/// The Management API error body.
fn api_error(status: u16, message: &str, code: Option<&str>) -> SimResponse {
    let error = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut body = json!({"statusCode": status, "error": error, "message": message});
    if let (Some(code), Some(obj)) = (code, body.as_object_mut()) {
        obj.insert("errorCode".into(), Value::String(code.into()));
    }
    SimResponse::json(status, &body).with_header("x-auth0-requestid", request_id())
}

fn request_id() -> String {
    format!("{:016x}", fastrand::u64(..))
}

fn bad_request(message: &str) -> SimResponse {
    api_error(400, message, Some("invalid_body"))
}

fn oauth_error(status: u16, error: &str, description: &str) -> SimResponse {
    SimResponse::json(status, &json!({"error": error, "error_description": description}))
}

/// The `/dbconnections/*` error body of the Authentication API.
fn auth_api_error(code: &str, description: &str) -> SimResponse {
    SimResponse::json(
        400,
        &json!({"name": "BadRequestError", "code": code, "description": description, "statusCode": 400}),
    )
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Parses a JSON object body and refuses keys outside `allowed`.
fn object_body(request: &SimRequest, allowed: &[&str]) -> Result<Map<String, Value>, SimResponse> {
    let value: Value = serde_json::from_slice(&request.body)
        .map_err(|_| bad_request("Payload validation error: 'Invalid JSON' on property body."))?;
    let Value::Object(map) = value else {
        return Err(bad_request("Payload validation error: 'Expected type object but found type array'."));
    };
    let unknown: Vec<&str> = map.keys().filter(|k| !allowed.contains(&k.as_str())).map(String::as_str).collect();
    if !unknown.is_empty() {
        return Err(bad_request(&format!(
            "Payload validation error: 'Additional properties not allowed: {}'.",
            unknown.join(",")
        )));
    }
    Ok(map)
}

fn string_field<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, SimResponse> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad_request(&format!("Payload validation error: 'Expected type string' on property {key}."))),
    }
}

fn check_string_arrays(map: &Map<String, Value>, keys: &[&str]) -> Result<(), SimResponse> {
    for key in keys {
        if let Some(v) = map.get(*key)
            && !v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
        {
            return Err(bad_request(&format!(
                "Payload validation error: 'Expected type array of strings' on property {key}."
            )));
        }
    }
    Ok(())
}

fn check_bools(map: &Map<String, Value>, keys: &[&str]) -> Result<(), SimResponse> {
    for key in keys {
        if let Some(v) = map.get(*key)
            && !v.is_boolean()
        {
            return Err(bad_request(&format!("Payload validation error: 'Expected type boolean' on property {key}.")));
        }
    }
    Ok(())
}

/// The rules of `CreateClientRequestContent` / `UpdateClientRequestContent` that the spec states in prose or
/// in formats: `description` at most 140 characters; `initiate_login_uri` "must be https" (format
/// `absolute-https-uri-with-placeholders-or-empty`) and may not point to localhost (Auth0's default login routes
/// page); `client_authentication_methods` and `token_endpoint_auth_method` are mutually exclusive.
fn check_client_prose_rules(body: &Map<String, Value>) -> Result<(), SimResponse> {
    if let Some(d) = string_field(body, "description")?
        && d.chars().count() > 140
    {
        return Err(bad_request(
            "Payload validation error: 'String is too long (141 chars), maximum 140' on property description.",
        ));
    }
    if let Some(uri) = string_field(body, "initiate_login_uri")?
        && !uri.is_empty()
    {
        let parsed = url::Url::parse(uri).ok();
        let https = parsed.as_ref().is_some_and(|u| u.scheme() == "https");
        if !https {
            return Err(bad_request(
                "Payload validation error: 'Object didn't pass validation for format absolute-https-uri-with-placeholders-or-empty' on property initiate_login_uri (Initiate login uri, must be https).",
            ));
        }
        let host = parsed.as_ref().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).unwrap_or_default();
        let local = host == "localhost"
            || host.ends_with(".localhost")
            || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if local {
            return Err(bad_request("initiate_login_uri cannot point to localhost."));
        }
    }
    if body.contains_key("client_authentication_methods") && body.contains_key("token_endpoint_auth_method") {
        return Err(bad_request(
            "Payload validation error: client_authentication_methods and token_endpoint_auth_method are mutually exclusive.",
        ));
    }
    Ok(())
}

/// `display_name` at most 128 characters; `metadata` (`ConnectionsMetadata`) at most 10 keys with string values of
/// at most 255 characters (spec `CreateConnectionRequestContent`, `UpdateConnectionRequestContent`).
fn check_connection_prose_rules(body: &Map<String, Value>) -> Result<(), SimResponse> {
    if let Some(d) = string_field(body, "display_name")?
        && d.chars().count() > 128
    {
        return Err(bad_request(
            "Payload validation error: 'String is too long, maximum 128' on property display_name.",
        ));
    }
    match body.get("metadata") {
        None => {}
        Some(Value::Object(m)) => {
            if m.len() > 10 {
                return Err(bad_request(
                    "Payload validation error: 'Too many properties defined, maximum 10' on property metadata.",
                ));
            }
            if m.values().any(|v| v.as_str().is_none_or(|s| s.chars().count() > 255)) {
                return Err(bad_request(
                    "Payload validation error: 'Expected type string (max 255 chars)' on property metadata.",
                ));
            }
        }
        Some(_) => {
            return Err(bad_request("Payload validation error: 'Expected type object' on property metadata."));
        }
    }
    Ok(())
}

/// The token's granted scopes.
struct Caller {
    scopes: Vec<String>,
}

impl Caller {
    fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Each group must be met by one of its scopes; the 403 names the first unmet group.
    fn require(&self, groups: &[&[&str]]) -> Result<(), SimResponse> {
        for group in groups {
            if !group.iter().any(|s| self.has(s)) {
                return Err(api_error(
                    403,
                    &format!("Insufficient scope, expected any of: {}", group.join(",")),
                    Some("insufficient_scope"),
                ));
            }
        }
        Ok(())
    }
}

fn checkpoint_window(request: &SimRequest, len: usize) -> Result<(usize, usize, Option<String>), SimResponse> {
    checkpoint_window_max(request, len, 100)
}

/// Checkpoint paging with `take` in 1..=`max_take` (100 for most lists, 1000 for `GET /connections/{id}/clients`)
/// and `from` at most 1000 characters (spec).
fn checkpoint_window_max(
    request: &SimRequest,
    len: usize,
    max_take: usize,
) -> Result<(usize, usize, Option<String>), SimResponse> {
    let take = match request.query_param("take") {
        Some(t) => t.parse::<usize>().ok().filter(|t| (1..=max_take).contains(t)).ok_or_else(|| {
            bad_request(&format!("Query validation error: 'take' must be an integer between 1 and {max_take}."))
        })?,
        None => 50,
    };
    if request.query_param("from").is_some_and(|f| f.len() > 1000) {
        return Err(bad_request("Query validation error: 'from' is longer than 1000 characters."));
    }
    let start = match request.query_param("from") {
        Some(f) => {
            decode_cursor(&f).ok_or_else(|| bad_request("Query validation error: 'from' is not a valid checkpoint."))?
        }
        None => 0,
    };
    let end = (start + take).min(len);
    let next = (end < len).then(|| encode_cursor(end));
    Ok((start.min(len), end, next))
}

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("sim-cursor:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("sim-cursor:")?.parse().ok()
}

fn page_window(
    request: &SimRequest,
    len: usize,
    max_per_page: usize,
) -> Result<(usize, usize, usize, usize), SimResponse> {
    let per_page = match request.query_param("per_page") {
        Some(p) => p.parse::<usize>().ok().filter(|p| (1..=max_per_page).contains(p)).ok_or_else(|| {
            bad_request(&format!("Query validation error: 'per_page' must be an integer between 1 and {max_per_page}."))
        })?,
        None => 50,
    };
    let page = match request.query_param("page") {
        Some(p) => p.parse::<usize>().map_err(|_| bad_request("Query validation error: 'page' must be an integer."))?,
        None => 0,
    };
    let start = (page * per_page).min(len);
    let end = (start + per_page).min(len);
    Ok((page, per_page, start, end))
}

fn is_true(request: &SimRequest, key: &str) -> bool {
    request.query_param(key).is_some_and(|v| v == "true")
}

impl Default for Auth0Simulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Auth0Simulator {
    /// A tenant with the defaults of [`Auth0SimulatorBuilder::build`], no rate budget, 24 h tokens.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Starts configuring a simulator.
    pub fn builder() -> Auth0SimulatorBuilder {
        Auth0SimulatorBuilder {
            m2m_scopes: DEFAULT_M2M_SCOPES.iter().map(|s| s.to_string()).collect(),
            budget: None,
            token_lifetime: 86_400,
            seed: 4,
        }
    }

    /// Serves this simulator on a loopback port, recording into `log`.
    pub async fn start(self: &Arc<Self>, log: RequestLog) -> std::io::Result<SimServer> {
        SimServer::start(self.clone(), log).await
    }

    /// An `auth0-client` builder for `server` (this simulator's server): its base URL, the default M2M
    /// credentials and a rate budget high enough not to slow tests down. Add `.build()`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use sandbox::auth0::Auth0Simulator;
    /// let sim = std::sync::Arc::new(Auth0Simulator::new());
    /// let server = sim.start(sandbox::RequestLog::new()).await?;
    /// let auth0 = Auth0Simulator::client_builder(&server).build()?;
    /// let info = auth0.token_info().await?;
    /// # Ok(()) }
    /// ```
    pub fn client_builder(server: &SimServer) -> auth0_client::Auth0ClientBuilder {
        auth0_client::Auth0Client::builder()
            .base_url(server.base_url())
            .client_credentials(M2M_CLIENT_ID, M2M_CLIENT_SECRET)
            .rate_budget(auth0_client::RateBudget { per_second: 1000, burst: 1000 })
    }

    /// Adds a machine-to-machine application with a client grant for the Management API with `scopes`.
    pub fn add_m2m_client(&self, client_id: &str, secret: &str, scopes: &[&str]) {
        self.add_client_without_grant(client_id, secret);
        lock(&self.state).grants.insert(client_id.into(), scopes.iter().map(|s| s.to_string()).collect());
    }

    /// Adds a machine-to-machine application **without** a client grant (its token request gets 403).
    pub fn add_client_without_grant(&self, client_id: &str, secret: &str) {
        let mut st = lock(&self.state);
        st.clients.retain(|c| c.get("client_id").and_then(Value::as_str) != Some(client_id));
        st.clients.push(client_json(
            client_id,
            secret,
            &json!({"name": format!("m2m {client_id}"), "app_type": "non_interactive"}),
            false,
        ));
    }

    /// Sets (or removes) the request budget: `burst` requests, refilled at `per_second`.
    pub fn set_rate_budget(&self, budget: Option<(u32, f64)>) {
        lock(&self.state).bucket = budget.map(|(b, r)| Bucket::new(b, r));
    }

    /// Sets the lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, seconds: i64) {
        lock(&self.state).token_lifetime = seconds;
    }

    /// Sets the tenant flag `enable_client_connections` (new applications get every connection when true).
    pub fn set_enable_client_connections(&self, on: bool) {
        lock(&self.state).enable_client_connections = on;
    }

    /// Adds a connection, enabled for no application.
    pub fn add_connection(&self, name: &str, strategy: &str, options: Value) -> String {
        let mut st = lock(&self.state);
        let id = format!("con_{}", random_token(&mut st.rng, 16));
        st.connections.push(Connection {
            id: id.clone(),
            name: name.into(),
            display_name: name.into(),
            strategy: strategy.into(),
            options: options.as_object().cloned().unwrap_or_default(),
            realms: vec![name.into()],
            is_domain_connection: false,
            show_as_button: true,
            metadata: Map::new(),
            enabled_clients: Vec::new(),
        });
        id
    }

    /// The connection named `name`, as the Management API returns it with options.
    pub fn connection(&self, name: &str) -> Option<Value> {
        lock(&self.state).connections.iter().find(|c| c.name == name).map(|c| c.to_json(true))
    }

    /// Every connection, with options.
    pub fn connections(&self) -> Vec<Value> {
        lock(&self.state).connections.iter().map(|c| c.to_json(true)).collect()
    }

    /// The application `client_id`, secret included.
    pub fn client(&self, client_id: &str) -> Option<Value> {
        lock(&self.state)
            .clients
            .iter()
            .find(|c| c.get("client_id").and_then(Value::as_str) == Some(client_id))
            .map(|c| Value::Object(c.clone()))
    }

    /// Every application, secrets included.
    pub fn clients(&self) -> Vec<Value> {
        lock(&self.state).clients.iter().map(|c| Value::Object(c.clone())).collect()
    }

    /// The names of the connections enabled for `client_id`.
    pub fn enabled_connections(&self, client_id: &str) -> Vec<String> {
        lock(&self.state)
            .connections
            .iter()
            .filter(|c| c.enabled_clients.iter().any(|id| id == client_id))
            .map(|c| c.name.clone())
            .collect()
    }

    /// Every user, as the Management API returns them.
    pub fn users(&self) -> Vec<Value> {
        lock(&self.state).users.iter().map(|u| Value::Object(u.json.clone())).collect()
    }

    /// Every password-change ticket issued.
    pub fn tickets(&self) -> Vec<IssuedTicket> {
        lock(&self.state).tickets.clone()
    }

    /// Uses a ticket: sets the user's password (and marks the email verified if the ticket says so). Fails for
    /// an unknown or used ticket.
    pub fn use_ticket(&self, url: &str, new_password: &str) -> Result<(), String> {
        self.follow_ticket(url, new_password).map(|_| ())
    }

    /// Uses a ticket like [`use_ticket`](Self::use_ticket) and returns where the user is sent next: `result_url`
    /// if the ticket has one (Classic Universal Login); else, with `client_id`, the application's default login
    /// route `initiate_login_uri` with Auth0's `iss` query parameter appended; else `None` (no redirect, no
    /// button). Source: field-truth §3.2; https://auth0.com/docs/authenticate/login/auth0-universal-login/configure-default-login-routes
    /// A ticket used after its `ttl_sec` is refused as expired.
    pub fn follow_ticket(&self, url: &str, new_password: &str) -> Result<Option<String>, String> {
        let issuer = {
            let parsed = url::Url::parse(url).map_err(|_| "not a ticket URL")?;
            format!("{}/", parsed.origin().ascii_serialization())
        };
        {
            let st = lock(&self.state);
            let ticket = st.tickets.iter().find(|t| t.url == url).ok_or("unknown ticket")?;
            if now_secs() > ticket.issued_at + i64::try_from(ticket.ttl_sec).unwrap_or(i64::MAX / 2) {
                return Err("the ticket has expired".into());
            }
        }
        self.consume_ticket(url, new_password)?;
        let st = lock(&self.state);
        let ticket = st.tickets.iter().find(|t| t.url == url).ok_or("unknown ticket")?;
        if let Some(r) = &ticket.result_url {
            return Ok(Some(r.clone()));
        }
        let Some(client_id) = &ticket.client_id else { return Ok(None) };
        let login = st
            .clients
            .iter()
            .find(|c| c.get("client_id").and_then(Value::as_str) == Some(client_id.as_str()))
            .and_then(|c| c.get("initiate_login_uri").and_then(Value::as_str))
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        Ok(login.and_then(|l| {
            let mut u = url::Url::parse(&l).ok()?;
            u.query_pairs_mut().append_pair("iss", &issuer);
            Some(u.to_string())
        }))
    }

    /// Makes every ticket issued so far `seconds` older (for expiry tests).
    pub fn age_tickets(&self, seconds: i64) {
        for t in lock(&self.state).tickets.iter_mut() {
            t.issued_at -= seconds;
        }
    }

    fn consume_ticket(&self, url: &str, new_password: &str) -> Result<(), String> {
        let mut st = lock(&self.state);
        let index = st.tickets.iter().position(|t| t.url == url).ok_or("unknown ticket")?;
        if st.tickets[index].used {
            return Err("ticket already used".into());
        }
        st.tickets[index].used = true;
        let ticket = st.tickets[index].clone();
        let user = st
            .users
            .iter_mut()
            .find(|u| u.json.get("user_id").and_then(Value::as_str) == Some(ticket.user_id.as_str()))
            .ok_or("the user no longer exists")?;
        user.password = Some(new_password.to_string());
        if ticket.mark_email_as_verified {
            user.json.insert("email_verified".into(), Value::Bool(true));
        }
        Ok(())
    }

    /// Attempts a public database sign-up, as `POST /dbconnections/signup` would.
    pub fn try_signup(&self, client_id: &str, connection: &str, email: &str, password: &str) -> Result<Value, Value> {
        let body = json!({"client_id": client_id, "connection": connection, "email": email, "password": password});
        let request = SimRequest::new(
            Method::POST,
            "/dbconnections/signup",
            &[("host", "sim.auth0.local"), ("content-type", "application/json")],
            body.to_string(),
        );
        let response = self.handle(&request);
        let value: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        if response.status.is_success() { Ok(value) } else { Err(value) }
    }

    /// Attempts a first social login (a sign-up) through `connection` for `client_id`, as `GET /authorize`
    /// would. Returns the redirect `Location` on success, the error description otherwise.
    pub fn try_social_signup(&self, client_id: &str, connection: &str, email: &str) -> Result<String, String> {
        let redirect = self
            .client(client_id)
            .and_then(|c| c.get("callbacks").and_then(|cb| cb.get(0)).and_then(Value::as_str).map(str::to_string))
            .ok_or("the client has no callback URL")?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("connection", connection)
            .append_pair("redirect_uri", &redirect)
            .append_pair("login_hint", email)
            .append_pair("scope", "openid email profile")
            .finish();
        let request = SimRequest::new(Method::GET, &format!("/authorize?{query}"), &[("host", "sim.auth0.local")], "");
        let response = self.handle(&request);
        let location = response.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        if response.status.as_u16() == 302 && !location.contains("error=") {
            Ok(location)
        } else if !location.is_empty() {
            Err(location)
        } else {
            Err(String::from_utf8_lossy(&response.body).into_owned())
        }
    }

    /// An RS256 ID token for `user_id` and the application `client_id`, issued by `issuer` (e.g. the server's
    /// base URL plus `/`), for verifier tests.
    pub fn issue_id_token(&self, issuer: &str, client_id: &str, user_id: &str) -> Option<String> {
        let st = lock(&self.state);
        let user = st.users.iter().find(|u| u.json.get("user_id").and_then(Value::as_str) == Some(user_id))?;
        let claims = id_token_claims(issuer, client_id, user, st.token_lifetime);
        drop(st);
        self.sign(&claims)
    }

    fn sign(&self, claims: &Value) -> Option<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key.encoding).ok()
    }

    fn issuer(request: &SimRequest) -> String {
        format!("http://{}/", request.header("host").unwrap_or("127.0.0.1"))
    }

    // ----- Authentication API -------------------------------------------------------------------------------

    fn form_or_json(request: &SimRequest) -> Map<String, Value> {
        let is_json = request.header("content-type").is_some_and(|c| c.contains("json"));
        if is_json {
            serde_json::from_slice::<Value>(&request.body).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default()
        } else {
            url::form_urlencoded::parse(&request.body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect()
        }
    }

    fn client_auth(request: &SimRequest, form: &Map<String, Value>) -> (Option<String>, Option<String>) {
        if let Some(basic) = request.header("authorization").and_then(|h| h.strip_prefix("Basic "))
            && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
            && let Ok(text) = String::from_utf8(decoded)
            && let Some((id, secret)) = text.split_once(':')
        {
            return (Some(percent_decode(id)), Some(percent_decode(secret)));
        }
        let get = |k: &str| form.get(k).and_then(Value::as_str).map(str::to_string);
        (get("client_id"), get("client_secret"))
    }

    fn token(&self, request: &SimRequest) -> SimResponse {
        let form = Self::form_or_json(request);
        let issuer = Self::issuer(request);
        let (client_id, secret) = Self::client_auth(request, &form);
        let grant_type = form.get("grant_type").and_then(Value::as_str).unwrap_or_default().to_string();
        let mut st = lock(&self.state);
        let client = client_id
            .as_deref()
            .and_then(|id| st.clients.iter().find(|c| c.get("client_id").and_then(Value::as_str) == Some(id)));
        let Some(client) = client else {
            return oauth_error(401, "access_denied", "Unauthorized");
        };
        if client.get("client_secret").and_then(Value::as_str) != secret.as_deref() {
            return oauth_error(401, "access_denied", "Unauthorized");
        }
        let client_id = client_id.unwrap_or_default();
        let lifetime = st.token_lifetime;
        let now = now_secs();
        match grant_type.as_str() {
            "client_credentials" => {
                let audience = form.get("audience").and_then(Value::as_str).unwrap_or_default();
                let expected = format!("{issuer}api/v2/");
                if audience != expected {
                    return oauth_error(403, "access_denied", &format!("Service not found: {audience}"));
                }
                let Some(scopes) = st.grants.get(&client_id) else {
                    return oauth_error(
                        403,
                        "access_denied",
                        &format!(
                            "Client is not authorized to access \"{expected}\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
                        ),
                    );
                };
                let scope = scopes.join(" ");
                drop(st);
                let claims = json!({
                    "iss": issuer, "sub": format!("{client_id}@clients"), "aud": expected, "iat": now,
                    "exp": now + lifetime, "scope": scope, "gty": "client-credentials", "azp": client_id,
                });
                match self.sign(&claims) {
                    Some(token) => SimResponse::json(
                        200,
                        &json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": scope}),
                    ),
                    None => api_error(500, "signing failed", None),
                }
            }
            "authorization_code" => {
                let code = form.get("code").and_then(Value::as_str).unwrap_or_default();
                let Some(grant) = st.codes.remove(code) else {
                    return oauth_error(403, "invalid_grant", "Invalid authorization code");
                };
                let redirect = form.get("redirect_uri").and_then(Value::as_str).unwrap_or_default();
                if grant.client_id != client_id || grant.redirect_uri != redirect {
                    return oauth_error(403, "invalid_grant", "Invalid authorization code");
                }
                self.user_tokens(st, &issuer, &client_id, &grant.user_id)
            }
            "http://auth0.com/oauth/grant-type/password-realm" => {
                let realm = form.get("realm").and_then(Value::as_str).unwrap_or_default().to_string();
                let username = form.get("username").and_then(Value::as_str).unwrap_or_default().to_lowercase();
                let password = form.get("password").and_then(Value::as_str).unwrap_or_default().to_string();
                let Some(conn) = st.connections.iter().find(|c| c.name == realm) else {
                    return oauth_error(400, "invalid_request", "connection not found");
                };
                if !conn.enabled_clients.contains(&client_id) {
                    return oauth_error(401, "unauthorized_client", "the connection is not enabled");
                }
                let user = st.users.iter().find(|u| {
                    u.connection == realm
                        && u.email.as_deref() == Some(username.as_str())
                        && u.password.as_deref() == Some(password.as_str())
                });
                let Some(user_id) =
                    user.and_then(|u| u.json.get("user_id").and_then(Value::as_str)).map(str::to_string)
                else {
                    return oauth_error(403, "invalid_grant", "Wrong email or password.");
                };
                self.user_tokens(st, &issuer, &client_id, &user_id)
            }
            _ => oauth_error(403, "unsupported_grant_type", &format!("Unsupported grant type: {grant_type}")),
        }
    }

    fn user_tokens(
        &self,
        st: std::sync::MutexGuard<'_, State>,
        issuer: &str,
        client_id: &str,
        user_id: &str,
    ) -> SimResponse {
        let Some(user) = st.users.iter().find(|u| u.json.get("user_id").and_then(Value::as_str) == Some(user_id))
        else {
            return oauth_error(403, "invalid_grant", "user not found");
        };
        let lifetime = st.token_lifetime;
        let id_claims = id_token_claims(issuer, client_id, user, lifetime);
        let now = now_secs();
        let access_claims = json!({
            "iss": issuer, "sub": user_id, "aud": [format!("{issuer}userinfo")], "iat": now, "exp": now + lifetime,
            "scope": "openid profile email", "azp": client_id,
        });
        drop(st);
        match (self.sign(&id_claims), self.sign(&access_claims)) {
            (Some(id_token), Some(access_token)) => SimResponse::json(
                200,
                &json!({"access_token": access_token, "id_token": id_token, "token_type": "Bearer", "expires_in": lifetime, "scope": "openid profile email"}),
            ),
            _ => api_error(500, "signing failed", None),
        }
    }

    fn discovery(request: &SimRequest) -> SimResponse {
        let issuer = Self::issuer(request);
        SimResponse::json(
            200,
            &json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}authorize"),
                "token_endpoint": format!("{issuer}oauth/token"),
                "userinfo_endpoint": format!("{issuer}userinfo"),
                "jwks_uri": format!("{issuer}.well-known/jwks.json"),
                "end_session_endpoint": format!("{issuer}oidc/logout"),
                "response_types_supported": ["code", "token", "id_token", "code id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
                "scopes_supported": ["openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname", "email", "email_verified", "picture", "created_at", "identities", "phone", "address"],
                "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"],
                "request_uri_parameter_supported": false,
            }),
        )
    }

    fn jwks(&self) -> SimResponse {
        SimResponse::json(
            200,
            &json!({"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.key.kid, "n": self.key.n, "e": self.key.e}]}),
        )
    }

    fn signup(&self, request: &SimRequest) -> SimResponse {
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
            return auth_api_error("invalid_body", "Invalid JSON body");
        };
        if let Some(k) = body.keys().find(|k| !SIGNUP_FIELDS.contains(&k.as_str())) {
            return auth_api_error("invalid_body", &format!("Unknown property: {k}"));
        }
        let get = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let (client_id, connection, email, password) =
            (get("client_id"), get("connection"), get("email").to_lowercase(), get("password"));
        let mut st = lock(&self.state);
        if !st.clients.iter().any(|c| c.get("client_id").and_then(Value::as_str) == Some(client_id.as_str())) {
            return auth_api_error("invalid_request", "Unknown client");
        }
        let Some(conn) = st.connections.iter().find(|c| c.name == connection) else {
            return auth_api_error("invalid_connection", "Connection does not exist");
        };
        if conn.strategy != "auth0" {
            return auth_api_error("invalid_connection", "Connection is not a database connection");
        }
        if !conn.enabled_clients.contains(&client_id) {
            return auth_api_error("invalid_connection", "Connection is disabled for this client");
        }
        if conn.options.get("disable_signup").and_then(Value::as_bool) == Some(true) {
            return auth_api_error("operation_not_allowed", "public signup is disabled");
        }
        if let Err(msg) = check_password(&conn.options, &password) {
            return auth_api_error("invalid_password", &msg);
        }
        if email.is_empty() || !email.contains('@') {
            return auth_api_error("invalid_signup", "Invalid sign up");
        }
        if st.users.iter().any(|u| u.connection == connection && u.email.as_deref() == Some(email.as_str())) {
            return auth_api_error("invalid_signup", "Invalid sign up");
        }
        let user = new_user(&mut st.rng, &connection, "auth0", Some(&email), Some(&password), false, &Map::new());
        let id = user
            .json
            .get("user_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim_start_matches("auth0|")
            .to_string();
        st.users.push(user);
        SimResponse::json(200, &json!({"_id": id, "email": email, "email_verified": false}))
    }

    fn authorize(&self, request: &SimRequest) -> SimResponse {
        let q = |k: &str| request.query_param(k).unwrap_or_default();
        let (client_id, connection, redirect_uri, state) =
            (q("client_id"), q("connection"), q("redirect_uri"), q("state"));
        let email = q("login_hint").to_lowercase();
        let mut st = lock(&self.state);
        let Some(client) =
            st.clients.iter().find(|c| c.get("client_id").and_then(Value::as_str) == Some(client_id.as_str()))
        else {
            return oauth_error(400, "invalid_request", &format!("Unknown client: {client_id}"));
        };
        let allowed = client
            .get("callbacks")
            .and_then(Value::as_array)
            .is_some_and(|cb| cb.iter().any(|u| u.as_str() == Some(redirect_uri.as_str())));
        if !allowed {
            return oauth_error(
                400,
                "invalid_request",
                &format!("Callback URL mismatch. {redirect_uri} is not in the list of allowed callback URLs"),
            );
        }
        let redirect = |params: &[(&str, &str)]| {
            let mut url = redirect_uri.clone();
            url.push(if url.contains('?') { '&' } else { '?' });
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in params {
                ser.append_pair(k, v);
            }
            if !state.is_empty() {
                ser.append_pair("state", &state);
            }
            url.push_str(&ser.finish());
            SimResponse::empty(302).with_header("location", url)
        };
        let Some(conn) = st.connections.iter().find(|c| c.name == connection).cloned() else {
            return redirect(&[("error", "invalid_request"), ("error_description", "connection not found")]);
        };
        if !conn.enabled_clients.contains(&client_id) {
            return redirect(&[("error", "invalid_request"), ("error_description", "the connection is not enabled")]);
        }
        if conn.strategy == "auth0" {
            return redirect(&[
                ("error", "invalid_request"),
                ("error_description", "database logins need the login page"),
            ]);
        }
        if email.is_empty() {
            return redirect(&[
                ("error", "access_denied"),
                ("error_description", "the identity provider returned no email"),
            ]);
        }
        // The identity provider authenticated `email`: a first login creates the user (a sign-up).
        let existing = st
            .users
            .iter()
            .find(|u| u.connection == conn.name && u.email.as_deref() == Some(email.as_str()))
            .and_then(|u| u.json.get("user_id").and_then(Value::as_str).map(str::to_string));
        let user_id = match existing {
            Some(id) => id,
            None => {
                let user = new_user(&mut st.rng, &conn.name, &conn.strategy, Some(&email), None, true, &Map::new());
                let id = user.json.get("user_id").and_then(Value::as_str).unwrap_or_default().to_string();
                st.users.push(user);
                id
            }
        };
        let code = random_token(&mut st.rng, 24);
        st.codes.insert(code.clone(), AuthCode { client_id, user_id, redirect_uri: redirect_uri.clone() });
        redirect(&[("code", &code)])
    }

    // ----- Management API -----------------------------------------------------------------------------------

    fn authenticate(&self, request: &SimRequest) -> Result<Caller, SimResponse> {
        let Some(token) = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")) else {
            return Err(api_error(401, "Missing authentication", None));
        };
        let issuer = Self::issuer(request);
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.set_issuer(&[issuer.as_str()]);
        validation.set_audience(&[format!("{issuer}api/v2/")]);
        match jsonwebtoken::decode::<Value>(token.trim(), &self.key.decoding, &validation) {
            Ok(data) => {
                let scopes = data.claims.get("scope").and_then(Value::as_str).unwrap_or_default();
                Ok(Caller { scopes: scopes.split_whitespace().map(str::to_string).collect() })
            }
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(api_error(401, "Expired token received for JSON Web Token validation", None))
            }
            Err(_) => Err(api_error(401, "Invalid token", None)),
        }
    }

    fn rate_limit(&self) -> Result<Option<(u32, u32, i64)>, SimResponse> {
        let mut st = lock(&self.state);
        let Some(bucket) = st.bucket.as_mut() else { return Ok(None) };
        let limit = bucket.burst as u32;
        match bucket.take() {
            Ok(()) => {
                let reset = now_secs() + ((bucket.burst - bucket.tokens) / bucket.per_second).ceil() as i64;
                Ok(Some((limit, bucket.tokens.floor() as u32, reset)))
            }
            Err(wait) => {
                let reset = now_secs() + wait.ceil().max(1.0) as i64;
                Err(api_error(429, "Global limit has been reached", Some("too_many_requests"))
                    .with_header("x-ratelimit-limit", limit.to_string())
                    .with_header("x-ratelimit-remaining", "0")
                    .with_header("x-ratelimit-reset", reset.to_string()))
            }
        }
    }

    fn management(&self, request: &SimRequest, segments: &[String]) -> SimResponse {
        let headers = match self.rate_limit() {
            Ok(h) => h,
            Err(r) => return r,
        };
        let caller = match self.authenticate(request) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        let m = &request.method;
        let result = match (m.as_str(), seg.as_slice()) {
            ("POST", ["clients"]) => self.create_client(request, &caller),
            ("GET", ["clients"]) => self.list_clients(request, &caller),
            ("GET", ["clients", id]) => self.get_client(id, &caller),
            ("PATCH", ["clients", id]) => self.update_client(request, id, &caller),
            ("DELETE", ["clients", id]) => self.delete_client(id, &caller),
            ("POST", ["clients", id, "rotate-secret"]) => self.rotate_secret(id, &caller),
            ("GET", ["clients", id, "connections"]) => self.client_connections(request, id, &caller),
            ("GET", ["connections"]) => self.list_connections(request, &caller),
            ("POST", ["connections"]) => self.create_connection(request, &caller),
            ("DELETE", ["connections", id]) => self.delete_connection(id, &caller),
            ("GET", ["connections", id]) => self.get_connection(id, &caller),
            ("PATCH", ["connections", id]) => self.update_connection(request, id, &caller),
            ("GET", ["connections", id, "clients"]) => self.connection_clients(request, id, &caller),
            ("PATCH", ["connections", id, "clients"]) => self.update_connection_clients(request, id, &caller),
            ("POST", ["users"]) => self.create_user(request, &caller),
            ("GET", ["users"]) => self.list_users(request, &caller),
            ("GET", ["users", id]) => self.get_user(id, &caller),
            ("DELETE", ["users", id]) => self.delete_user(id, &caller),
            ("GET", ["users-by-email"]) => self.users_by_email(request, &caller),
            ("POST", ["tickets", "password-change"]) => self.password_change_ticket(request, &caller),
            ("GET", ["tenants", "settings"]) => self.tenant_settings(None, &caller),
            ("PATCH", ["tenants", "settings"]) => self.tenant_settings(Some(request), &caller),
            _ => Err(api_error(404, "Not Found", None)),
        };
        let response = result.unwrap_or_else(|r| r);
        match headers {
            Some((limit, remaining, reset)) => response
                .with_header("x-ratelimit-limit", limit.to_string())
                .with_header("x-ratelimit-remaining", remaining.to_string())
                .with_header("x-ratelimit-reset", reset.to_string()),
            None => response,
        }
    }

    fn client_view(client: &Map<String, Value>, caller: &Caller) -> Value {
        let mut c = client.clone();
        if !(caller.has("read:client_keys") || caller.has("read:client_credentials")) {
            c.remove("client_secret");
        }
        if !caller.has("read:clients") {
            // read:client_summary only shows the summary fields.
            c.retain(|k, _| matches!(k.as_str(), "client_id" | "name" | "app_type" | "description" | "global"));
        }
        Value::Object(c)
    }

    fn create_client(&self, request: &SimRequest, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["create:clients"]])?;
        let body = object_body(request, CREATE_CLIENT_FIELDS)?;
        let name = string_field(&body, "name")?
            .ok_or_else(|| bad_request("Payload validation error: 'Missing required property: name'."))?;
        if name.is_empty() || name.contains(['<', '>']) {
            return Err(bad_request(
                "Payload validation error: 'String does not match pattern ^[^<>]+$' on property name.",
            ));
        }
        check_string_arrays(
            &body,
            &["callbacks", "allowed_logout_urls", "web_origins", "allowed_origins", "grant_types", "client_aliases"],
        )?;
        check_client_prose_rules(&body)?;
        check_bools(&body, &["oidc_conformant", "is_first_party", "sso", "sso_disabled"])?;
        if let Some(m) = string_field(&body, "token_endpoint_auth_method")?
            && !matches!(m, "none" | "client_secret_post" | "client_secret_basic")
        {
            return Err(bad_request(
                "Payload validation error: 'No enum match' on property token_endpoint_auth_method.",
            ));
        }
        let mut st = lock(&self.state);
        let id = random_token(&mut st.rng, 32);
        let secret = random_token(&mut st.rng, 64);
        let client = client_json(&id, &secret, &Value::Object(body), false);
        st.clients.push(client.clone());
        if st.enable_client_connections {
            for conn in st.connections.iter_mut() {
                conn.enabled_clients.push(id.clone());
            }
        }
        Ok(SimResponse::json(201, &Value::Object(client)))
    }

    fn list_clients(&self, request: &SimRequest, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:clients", "read:client_keys", "read:client_credentials", "read:client_summary"]])?;
        let st = lock(&self.state);
        let flag = |k: &str| request.query_param(k).map(|v| v == "true");
        let app_types: Option<Vec<String>> =
            request.query_param("app_type").map(|v| v.split(',').map(str::to_string).collect());
        let matching: Vec<Value> = st
            .clients
            .iter()
            .filter(|c| flag("is_global").is_none_or(|g| c.get("global").and_then(Value::as_bool) == Some(g)))
            .filter(|c| {
                flag("is_first_party").is_none_or(|g| c.get("is_first_party").and_then(Value::as_bool) == Some(g))
            })
            .filter(|c| {
                app_types.as_ref().is_none_or(|types| {
                    c.get("app_type").and_then(Value::as_str).is_some_and(|t| types.iter().any(|x| x == t))
                })
            })
            .map(|c| Self::client_view(c, caller))
            .collect();
        if request.query_param("from").is_some() || request.query_param("take").is_some() {
            let (start, end, next) = checkpoint_window(request, matching.len())?;
            let mut body = json!({"clients": matching[start..end]});
            if let (Some(n), Some(o)) = (next, body.as_object_mut()) {
                o.insert("next".into(), Value::String(n));
            }
            return Ok(SimResponse::json(200, &body));
        }
        let (page, per_page, start, end) = page_window(request, matching.len(), 100)?;
        let items = matching[start..end].to_vec();
        if is_true(request, "include_totals") {
            Ok(SimResponse::json(
                200,
                &json!({"start": page * per_page, "limit": per_page, "length": items.len(), "total": matching.len(), "clients": items}),
            ))
        } else {
            Ok(SimResponse::json(200, &Value::Array(items)))
        }
    }

    fn find_client<'a>(st: &'a State, id: &str) -> Result<&'a Map<String, Value>, SimResponse> {
        st.clients
            .iter()
            .find(|c| c.get("client_id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| api_error(404, "Client not found.", Some("inexistent_client")))
    }

    fn get_client(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:clients", "read:client_keys", "read:client_credentials", "read:client_summary"]])?;
        let st = lock(&self.state);
        let client = Self::find_client(&st, id)?;
        Ok(SimResponse::json(200, &Self::client_view(client, caller)))
    }

    fn update_client(&self, request: &SimRequest, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        let allowed: Vec<&str> = CREATE_CLIENT_FIELDS
            .iter()
            .chain(UPDATE_CLIENT_EXTRA_FIELDS)
            .copied()
            .filter(|f| *f != "resource_server_identifier")
            .collect();
        let body = object_body(request, &allowed)?;
        if body.contains_key("client_secret") {
            caller.require(&[&["update:client_keys"]])?;
        } else {
            caller.require(&[&["update:clients", "update:client_keys"]])?;
        }
        if body.is_empty() {
            return Err(bad_request("Payload validation error: 'Too few properties defined (0), minimum 1'."));
        }
        if let Some(name) = string_field(&body, "name")?
            && (name.is_empty() || name.contains(['<', '>']))
        {
            return Err(bad_request(
                "Payload validation error: 'String does not match pattern ^[^<>]+$' on property name.",
            ));
        }
        check_string_arrays(
            &body,
            &["callbacks", "allowed_logout_urls", "web_origins", "allowed_origins", "grant_types"],
        )?;
        check_client_prose_rules(&body)?;
        let mut st = lock(&self.state);
        Self::find_client(&st, id)?;
        let client = st
            .clients
            .iter_mut()
            .find(|c| c.get("client_id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| api_error(404, "Client not found.", Some("inexistent_client")))?;
        // Top-level fields sent replace the stored ones (arrays included).
        for (k, v) in body {
            client.insert(k, v);
        }
        let view = Self::client_view(client, caller);
        Ok(SimResponse::json(200, &view))
    }

    fn delete_client(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["delete:clients"]])?;
        let mut st = lock(&self.state);
        let client = Self::find_client(&st, id)?;
        if client.get("global").and_then(Value::as_bool) == Some(true) {
            return Err(bad_request("Global client cannot be deleted."));
        }
        st.clients.retain(|c| c.get("client_id").and_then(Value::as_str) != Some(id));
        for conn in st.connections.iter_mut() {
            conn.enabled_clients.retain(|c| c != id);
        }
        st.grants.remove(id);
        Ok(SimResponse::empty(204))
    }

    fn rotate_secret(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["update:client_keys"]])?;
        let mut st = lock(&self.state);
        Self::find_client(&st, id)?;
        let secret = random_token(&mut st.rng, 64);
        let client = st
            .clients
            .iter_mut()
            .find(|c| c.get("client_id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| api_error(404, "Client not found.", Some("inexistent_client")))?;
        client.insert("client_secret".into(), Value::String(secret));
        Ok(SimResponse::json(200, &Value::Object(client.clone())))
    }

    fn client_connections(&self, request: &SimRequest, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:connections"], &["read:clients", "read:client_summary"]])?;
        let st = lock(&self.state);
        Self::find_client(&st, id)?;
        let strategies: Vec<String> =
            request.query_pairs().into_iter().filter(|(k, _)| k == "strategy").map(|(_, v)| v).collect();
        let with_options = caller.has("read:connections_options");
        let list: Vec<Value> = st
            .connections
            .iter()
            .filter(|c| c.enabled_clients.iter().any(|x| x == id))
            .filter(|c| strategies.is_empty() || strategies.contains(&c.strategy))
            .map(|c| c.to_json(with_options))
            .collect();
        let (start, end, next) = checkpoint_window(request, list.len())?;
        let mut body = json!({"connections": list[start..end]});
        if let (Some(n), Some(o)) = (next, body.as_object_mut()) {
            o.insert("next".into(), Value::String(n));
        }
        Ok(SimResponse::json(200, &body))
    }

    fn list_connections(&self, request: &SimRequest, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:connections"]])?;
        let st = lock(&self.state);
        let strategies: Vec<String> =
            request.query_pairs().into_iter().filter(|(k, _)| k == "strategy").map(|(_, v)| v).collect();
        let name = request.query_param("name");
        let with_options = caller.has("read:connections_options");
        let list: Vec<Value> = st
            .connections
            .iter()
            .filter(|c| strategies.is_empty() || strategies.contains(&c.strategy))
            .filter(|c| name.as_ref().is_none_or(|n| &c.name == n))
            .map(|c| c.to_json(with_options))
            .collect();
        if request.query_param("from").is_some() || request.query_param("take").is_some() {
            let (start, end, next) = checkpoint_window(request, list.len())?;
            let mut body = json!({"connections": list[start..end]});
            if let (Some(n), Some(o)) = (next, body.as_object_mut()) {
                o.insert("next".into(), Value::String(n));
            }
            return Ok(SimResponse::json(200, &body));
        }
        let (page, per_page, start, end) = page_window(request, list.len(), 100)?;
        let items = list[start..end].to_vec();
        if is_true(request, "include_totals") {
            Ok(SimResponse::json(
                200,
                &json!({"start": page * per_page, "limit": per_page, "total": list.len(), "connections": items}),
            ))
        } else {
            Ok(SimResponse::json(200, &Value::Array(items)))
        }
    }

    fn create_connection(&self, request: &SimRequest, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["create:connections"]])?;
        let body = object_body(request, CREATE_CONNECTION_FIELDS)?;
        if body.contains_key("enabled_clients") {
            // Deprecated (tenants created from 2026-01-07 refuse it): auth0-deploy-cli#1290.
            return Err(bad_request("Payload validation error: 'Additional properties not allowed: enabled_clients'."));
        }
        let name = string_field(&body, "name")?
            .ok_or_else(|| bad_request("Payload validation error: 'Missing required property: name'."))?
            .to_string();
        let strategy = string_field(&body, "strategy")?
            .ok_or_else(|| bad_request("Payload validation error: 'Missing required property: strategy'."))?
            .to_string();
        // Spec: maxLength 128, pattern ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$.
        let b = name.as_bytes();
        let valid = !b.is_empty()
            && name.len() <= 128
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && !name.contains("--");
        if !valid {
            return Err(bad_request(
                "Payload validation error: 'String does not match pattern ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$' on property name.",
            ));
        }
        check_connection_prose_rules(&body)?;
        check_bools(&body, &["is_domain_connection", "show_as_button"])?;
        let options = match body.get("options") {
            None => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(_) => {
                return Err(bad_request("Payload validation error: 'Expected type object' on property options."));
            }
        };
        let mut st = lock(&self.state);
        if st.connections.iter().any(|c| c.name == name) {
            return Err(api_error(409, "A connection with the same name already exists", Some("connection_conflict")));
        }
        let id = format!("con_{}", random_token(&mut st.rng, 16));
        let conn = Connection {
            id,
            name: name.clone(),
            display_name: string_field(&body, "display_name")?.map_or_else(|| name.clone(), str::to_string),
            strategy,
            options,
            realms: vec![name],
            is_domain_connection: body.get("is_domain_connection").and_then(Value::as_bool).unwrap_or(false),
            show_as_button: body.get("show_as_button").and_then(Value::as_bool).unwrap_or(true),
            metadata: body.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default(),
            enabled_clients: Vec::new(),
        };
        let json = conn.to_json(caller.has("read:connections_options"));
        st.connections.push(conn);
        Ok(SimResponse::json(201, &json))
    }

    fn delete_connection(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["delete:connections"]])?;
        let mut st = lock(&self.state);
        let Some(index) = st.connections.iter().position(|c| c.id == id) else {
            // Spec: 204 "The connection no longer exists."
            return Ok(SimResponse::empty(204));
        };
        let conn = st.connections.remove(index);
        // Its users go with it.
        st.users.retain(|u| u.connection != conn.name);
        Ok(SimResponse::empty(204))
    }

    fn find_connection<'a>(st: &'a mut State, id: &str) -> Result<&'a mut Connection, SimResponse> {
        st.connections
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| api_error(404, "The connection does not exist", Some("inexistent_connection")))
    }

    fn get_connection(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:connections"]])?;
        let mut st = lock(&self.state);
        let conn = Self::find_connection(&mut st, id)?;
        Ok(SimResponse::json(200, &conn.to_json(caller.has("read:connections_options"))))
    }

    fn update_connection(&self, request: &SimRequest, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["update:connections"]])?;
        let body = object_body(request, UPDATE_CONNECTION_FIELDS)?;
        if body.contains_key("options") && !caller.has("update:connections_options") {
            return Err(api_error(
                403,
                "Updating the \"options\" property requires the \"update:connections_options\" scope",
                Some("insufficient_scope"),
            ));
        }
        let display_name = string_field(&body, "display_name")?.map(str::to_string);
        check_connection_prose_rules(&body)?;
        check_bools(&body, &["is_domain_connection", "show_as_button"])?;
        check_string_arrays(&body, &["realms"])?;
        let options = match body.get("options") {
            None => None,
            Some(Value::Null) => Some(Map::new()),
            Some(Value::Object(o)) => Some(o.clone()),
            Some(_) => {
                return Err(bad_request("Payload validation error: 'Expected type object' on property options."));
            }
        };
        let metadata = match body.get("metadata") {
            None => None,
            Some(Value::Object(o)) => Some(o.clone()),
            Some(_) => {
                return Err(bad_request("Payload validation error: 'Expected type object' on property metadata."));
            }
        };
        let mut st = lock(&self.state);
        let conn = Self::find_connection(&mut st, id)?;
        if let Some(options) = options {
            // The whole options object is replaced: whatever was not sent is gone.
            conn.options = options;
        }
        // An omitted display_name is overwritten with the name.
        conn.display_name = display_name.unwrap_or_else(|| conn.name.clone());
        if let Some(v) = body.get("is_domain_connection").and_then(Value::as_bool) {
            conn.is_domain_connection = v;
        }
        if let Some(v) = body.get("show_as_button").and_then(Value::as_bool) {
            conn.show_as_button = v;
        }
        if let Some(realms) = body.get("realms").and_then(Value::as_array) {
            conn.realms = realms.iter().filter_map(|r| r.as_str().map(str::to_string)).collect();
        }
        if let Some(m) = metadata {
            conn.metadata = m;
        }
        Ok(SimResponse::json(200, &conn.to_json(caller.has("read:connections_options"))))
    }

    fn connection_clients(&self, request: &SimRequest, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:connections"]])?;
        let mut st = lock(&self.state);
        let conn = Self::find_connection(&mut st, id)?;
        let list: Vec<Value> = conn.enabled_clients.iter().map(|c| json!({"client_id": c})).collect();
        let (start, end, next) = checkpoint_window_max(request, list.len(), 1000)?;
        let mut body = json!({"clients": list[start..end]});
        if let (Some(n), Some(o)) = (next, body.as_object_mut()) {
            o.insert("next".into(), Value::String(n));
        }
        Ok(SimResponse::json(200, &body))
    }

    fn update_connection_clients(
        &self,
        request: &SimRequest,
        id: &str,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["update:connections"]])?;
        let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&request.body) else {
            return Err(bad_request("Payload validation error: 'Expected type array'."));
        };
        if items.is_empty() || items.len() > 50 {
            return Err(bad_request(&format!(
                "Payload validation error: 'Array is {} items, expected between 1 and 50'.",
                items.len()
            )));
        }
        let mut changes = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(obj) = item.as_object() else {
                return Err(bad_request(&format!("Payload validation error: 'Expected type object' on property {i}.")));
            };
            if let Some(k) = obj.keys().find(|k| !matches!(k.as_str(), "client_id" | "status")) {
                return Err(bad_request(&format!(
                    "Payload validation error: 'Additional properties not allowed: {k}' on property {i}."
                )));
            }
            let (Some(client_id), Some(status)) =
                (obj.get("client_id").and_then(Value::as_str), obj.get("status").and_then(Value::as_bool))
            else {
                return Err(bad_request(&format!(
                    "Payload validation error: 'Missing required property: client_id or status' on property {i}."
                )));
            };
            changes.push((client_id.to_string(), status));
        }
        let mut st = lock(&self.state);
        Self::find_connection(&mut st, id)?;
        for (client_id, _) in &changes {
            Self::find_client(&st, client_id)
                .map_err(|_| api_error(404, "The client does not exist", Some("inexistent_client")))?;
        }
        let conn = Self::find_connection(&mut st, id)?;
        for (client_id, status) in changes {
            let present = conn.enabled_clients.contains(&client_id);
            if status && !present {
                conn.enabled_clients.push(client_id);
            } else if !status && present {
                conn.enabled_clients.retain(|c| c != &client_id);
            }
        }
        Ok(SimResponse::empty(204))
    }

    fn create_user(&self, request: &SimRequest, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["create:users"]])?;
        let body = object_body(request, CREATE_USER_FIELDS)?;
        let connection = string_field(&body, "connection")?
            .ok_or_else(|| bad_request("Payload validation error: 'Missing required property: connection'."))?
            .to_string();
        check_bools(&body, &["email_verified", "verify_email", "blocked", "phone_verified"])?;
        let email = string_field(&body, "email")?.map(|e| e.to_lowercase());
        let password = string_field(&body, "password")?.map(str::to_string);
        let mut st = lock(&self.state);
        let conn = st
            .connections
            .iter()
            .find(|c| c.name == connection)
            .ok_or_else(|| bad_request("Connection does not exist."))?
            .clone();
        if conn.strategy != "auth0" {
            return Err(bad_request(
                "Connection does not support user creation through the API. It must either be a database or passwordless connection.",
            ));
        }
        let requires_username = conn.options.get("requires_username").and_then(Value::as_bool) == Some(true);
        if body.contains_key("username") && !requires_username {
            return Err(bad_request("Cannot set username for connection without requires_username."));
        }
        // Spec POST /users: username is valid only when the connection requires one, and then required.
        if requires_username && body.get("username").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(bad_request("Payload validation error: 'Missing required property: username'."));
        }
        let Some(email) = email else {
            return Err(bad_request("Payload validation error: 'Missing required property: email'."));
        };
        if !email.contains('@') {
            return Err(bad_request(
                "Payload validation error: 'Object didn't pass validation for format email' on property email.",
            ));
        }
        let Some(password) = password else {
            return Err(bad_request("Payload validation error: 'Missing required property: password'."));
        };
        if check_password(&conn.options, &password).is_err() {
            return Err(bad_request("PasswordStrengthError: Password is too weak"));
        }
        if st.users.iter().any(|u| u.connection == connection && u.email.as_deref() == Some(email.as_str())) {
            return Err(api_error(409, "The user already exists.", Some("auth0_idp_error")));
        }
        let verified = body.get("email_verified").and_then(Value::as_bool).unwrap_or(false);
        let user = new_user(&mut st.rng, &connection, "auth0", Some(&email), Some(&password), verified, &body);
        let json = Value::Object(user.json.clone());
        st.users.push(user);
        Ok(SimResponse::json(201, &json))
    }

    fn list_users(&self, request: &SimRequest, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:users"]])?;
        // Spec: `connection` "Only applies when using search_engine=v1", which Auth0 refuses: the parameter
        // filters nothing. The filter is q=identities.connection:"name" (the only q form simulated).
        if request.query_param("search_engine").is_some_and(|v| v == "v1") {
            return Err(bad_request("You are not allowed to use search_engine=v1."));
        }
        let connection = match request.query_param("q") {
            None => None,
            Some(q) => {
                let name = q
                    .trim()
                    .strip_prefix("identities.connection:")
                    .map(|v| v.trim_matches('"').to_string())
                    .ok_or_else(|| bad_request("The simulator supports only q=identities.connection:\"<name>\"."))?;
                Some(name)
            }
        };
        let st = lock(&self.state);
        let list: Vec<Value> = st
            .users
            .iter()
            .filter(|u| connection.as_ref().is_none_or(|c| &u.connection == c))
            .map(|u| Value::Object(u.json.clone()))
            .collect();
        let (page, per_page, start, end) = page_window(request, list.len(), 100)?;
        if page * per_page >= 1000 {
            return Err(bad_request("You can only page through the first 1000 records."));
        }
        let items = list[start..end].to_vec();
        if is_true(request, "include_totals") {
            Ok(SimResponse::json(
                200,
                &json!({"start": page * per_page, "limit": per_page, "length": items.len(), "total": list.len(), "users": items}),
            ))
        } else {
            Ok(SimResponse::json(200, &Value::Array(items)))
        }
    }

    fn get_user(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:users"]])?;
        let st = lock(&self.state);
        st.users
            .iter()
            .find(|u| u.json.get("user_id").and_then(Value::as_str) == Some(id))
            .map(|u| SimResponse::json(200, &Value::Object(u.json.clone())))
            .ok_or_else(|| api_error(404, "The user does not exist.", Some("inexistent_user")))
    }

    fn delete_user(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["delete:users"]])?;
        lock(&self.state).users.retain(|u| u.json.get("user_id").and_then(Value::as_str) != Some(id));
        Ok(SimResponse::empty(204))
    }

    fn users_by_email(&self, request: &SimRequest, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:users"]])?;
        let Some(email) = request.query_param("email") else {
            return Err(bad_request("Query validation error: 'Missing required property: email'."));
        };
        let st = lock(&self.state);
        // Case-sensitive, as documented: stored database emails are lower case.
        let list: Vec<Value> = st
            .users
            .iter()
            .filter(|u| u.email.as_deref() == Some(email.as_str()))
            .map(|u| Value::Object(u.json.clone()))
            .collect();
        Ok(SimResponse::json(200, &Value::Array(list)))
    }

    fn password_change_ticket(&self, request: &SimRequest, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["create:user_tickets"]])?;
        let body = object_body(request, TICKET_FIELDS)?;
        let user_id = string_field(&body, "user_id")?.map(str::to_string);
        let email = string_field(&body, "email")?.map(str::to_string);
        let connection_id = string_field(&body, "connection_id")?.map(str::to_string);
        let client_id = string_field(&body, "client_id")?.map(str::to_string);
        let result_url = string_field(&body, "result_url")?.map(str::to_string);
        check_bools(&body, &["mark_email_as_verified", "includeEmailInRedirect"])?;
        // Spec ChangePasswordTicketRequestContent.result_url: "Cannot be specified when using client_id or
        // organization_id." Real tenants answer 400 (field-truth §3.1, github auth0/auth0-PHP#480).
        if result_url.is_some() && client_id.is_some() {
            return Err(bad_request("The result_url parameter cannot be specified when using client_id."));
        }
        if result_url.is_some() && body.contains_key("organization_id") {
            return Err(bad_request("result_url cannot be specified together with organization_id."));
        }
        if let Some(c) = &connection_id
            && !(c.len() == 20 && c.starts_with("con_") && c[4..].chars().all(|ch| ch.is_ascii_alphanumeric()))
        {
            return Err(bad_request(
                "Payload validation error: 'String does not match pattern ^con_[A-Za-z0-9]{16}$' on property connection_id.",
            ));
        }
        let ttl_sec = match body.get("ttl_sec") {
            None => 0,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| bad_request("Payload validation error: 'Expected type integer' on property ttl_sec."))?,
        };
        let mut st = lock(&self.state);
        if let Some(c) = &client_id {
            Self::find_client(&st, c).map_err(|_| bad_request("The client does not exist"))?;
        }
        let user = match (&user_id, &email, &connection_id) {
            (Some(id), None, None) => {
                st.users.iter().find(|u| u.json.get("user_id").and_then(Value::as_str) == Some(id.as_str()))
            }
            (None, Some(email), Some(conn_id)) => {
                let conn_name = st.connections.iter().find(|c| &c.id == conn_id).map(|c| c.name.clone());
                let Some(conn_name) = conn_name else {
                    return Err(api_error(404, "The connection does not exist", Some("inexistent_connection")));
                };
                st.users
                    .iter()
                    .find(|u| u.connection == conn_name && u.email.as_deref() == Some(email.to_lowercase().as_str()))
            }
            (Some(_), Some(_), _) => return Err(bad_request("Cannot specify both user_id and email.")),
            (None, Some(_), None) => return Err(bad_request("connection_id is required when email is specified.")),
            _ => return Err(bad_request("Payload validation error: 'Missing required property: user_id'.")),
        };
        let Some(user) = user else {
            return Err(api_error(404, "User not found.", Some("inexistent_user")));
        };
        if user.email.is_none() {
            return Err(bad_request("The user does not have an email address."));
        }
        if user.json.get("identities").and_then(|i| i.get(0)).and_then(|i| i.get("provider")).and_then(Value::as_str)
            != Some("auth0")
        {
            return Err(bad_request("The user's main connection does not support this operation."));
        }
        let user_id = user.json.get("user_id").and_then(Value::as_str).unwrap_or_default().to_string();
        let url = format!("{}lo/reset?ticket={}#", Self::issuer(request), random_token(&mut st.rng, 32));
        st.tickets.push(IssuedTicket {
            url: url.clone(),
            user_id,
            client_id,
            result_url,
            ttl_sec: if ttl_sec == 0 { 432_000 } else { ttl_sec },
            mark_email_as_verified: body.get("mark_email_as_verified").and_then(Value::as_bool).unwrap_or(false),
            used: false,
            issued_at: now_secs(),
        });
        Ok(SimResponse::json(201, &json!({"ticket": url})))
    }

    fn tenant_settings(&self, patch: Option<&SimRequest>, caller: &Caller) -> Result<SimResponse, SimResponse> {
        let mut st = lock(&self.state);
        if let Some(request) = patch {
            caller.require(&[&["update:tenant_settings"]])?;
            let body = object_body(request, &["flags", "friendly_name", "support_email", "default_directory"])?;
            if let Some(flags) = body.get("flags") {
                let Some(flags) = flags.as_object() else {
                    return Err(bad_request("Payload validation error: 'Expected type object' on property flags."));
                };
                if let Some(v) = flags.get("enable_client_connections") {
                    st.enable_client_connections =
                        v.as_bool().ok_or_else(|| bad_request("Payload validation error: 'Expected type boolean'."))?;
                }
            }
        } else {
            caller.require(&[&["read:tenant_settings"]])?;
        }
        Ok(SimResponse::json(
            200,
            &json!({"flags": {"enable_client_connections": st.enable_client_connections}, "friendly_name": "sim"}),
        ))
    }
}

fn id_token_claims(issuer: &str, client_id: &str, user: &User, lifetime: i64) -> Value {
    let now = now_secs();
    json!({
        "iss": issuer,
        "sub": user.json.get("user_id"),
        "aud": client_id,
        "iat": now,
        "exp": now + lifetime,
        "email": user.email,
        "email_verified": user.json.get("email_verified"),
        "name": user.json.get("name"),
    })
}

fn random_token(rng: &mut fastrand::Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char).collect()
}

/// The password policy of a database connection (`passwordPolicy`, `password_complexity_options.min_length`).
fn check_password(options: &Map<String, Value>, password: &str) -> Result<(), String> {
    let policy = options.get("passwordPolicy").and_then(Value::as_str).unwrap_or("good");
    let (min_len, classes) = match policy {
        "none" => (1, 0),
        "low" => (6, 0),
        "fair" => (8, 3),
        "good" => (8, 3),
        _ => (10, 3),
    };
    let min_len = options
        .get("password_complexity_options")
        .and_then(|o| o.get("min_length"))
        .and_then(Value::as_u64)
        .map_or(min_len, |m| m as usize);
    let have = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if password.chars().count() < min_len || have < classes {
        return Err("PasswordStrengthError: Password is too weak".into());
    }
    Ok(())
}

fn new_user(
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

impl Simulator for Auth0Simulator {
    fn service(&self) -> &'static str {
        "auth0"
    }

    fn handle(&self, request: &SimRequest) -> SimResponse {
        let path = request.path().to_string();
        match (request.method.as_str(), path.as_str()) {
            ("POST", "/oauth/token") => return self.token(request),
            ("GET", "/.well-known/openid-configuration") => return Self::discovery(request),
            ("GET", "/.well-known/jwks.json") => return self.jwks(),
            ("POST", "/dbconnections/signup") => return self.signup(request),
            ("GET", "/authorize") => return self.authorize(request),
            _ => {}
        }
        if let Some(rest) = path.strip_prefix("/api/v2/") {
            let segments: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
            return self.management(request, &segments);
        }
        api_error(404, "Not Found", None)
    }

    fn injected_error(&self, error: InjectedError) -> SimResponse {
        match error {
            InjectedError::InternalError => api_error(500, "Internal Server Error (injected)", None),
            InjectedError::ServiceUnavailable => api_error(503, "Service Unavailable (injected)", None),
            InjectedError::Throttled { retry_after } => {
                let reset = now_secs() + retry_after.as_secs_f64().ceil().max(1.0) as i64;
                // Auth0 names the reset time in Unix seconds; the simulator also sends a (possibly fractional)
                // Retry-After so that tests need not wait whole seconds.
                api_error(429, "Global limit has been reached", Some("too_many_requests"))
                    .with_header("x-ratelimit-limit", "10")
                    .with_header("x-ratelimit-remaining", "0")
                    .with_header("x-ratelimit-reset", reset.to_string())
                    .with_header("retry-after", format!("{:.3}", retry_after.as_secs_f64()))
            }
        }
    }

    fn is_mutating(&self, request: &SimRequest) -> bool {
        match (request.method.as_str(), request.path()) {
            ("POST", "/oauth/token") => false,
            ("GET", "/authorize") => true,
            (m, _) => !matches!(m, "GET" | "HEAD" | "OPTIONS"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("nope"), None);
    }

    #[test]
    fn password_policy() {
        let good = json!({"passwordPolicy": "good"}).as_object().cloned().unwrap_or_default();
        assert!(check_password(&good, "short1A").is_err());
        assert!(check_password(&good, "alllowercase").is_err());
        assert!(check_password(&good, "Abcdefg1").is_ok());
    }

    #[test]
    fn bucket_refuses_past_the_burst() {
        let mut b = Bucket::new(2, 0.5);
        assert!(b.take().is_ok());
        assert!(b.take().is_ok());
        let wait = b.take().unwrap_err();
        assert!(wait > 1.0 && wait <= 2.0, "{wait}");
    }
}
