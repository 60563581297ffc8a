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
//!
//! Layout: this file (the public constants, the simulator and its builder); `hooks` (test hooks that seed and
//! inspect the tenant); `state` (what the tenant holds); `auth` (signing keys, JWTs, scope checks); `rate_limit`
//! (the Management API request budget); `validation` (request bodies against the spec's schemas and prose
//! rules); `paging` (checkpoint and page windows); `render` (error bodies and JSON views); `routes` (dispatch,
//! the [`Simulator`](crate::Simulator) impl); `handlers` (one module per resource: OAuth endpoints, sign-up
//! paths, clients, connections, users, tickets, tenant settings).

// Handlers return the error answer itself as `Err(SimResponse)`: it is the normal path, not worth boxing.
#![allow(clippy::result_large_err)]

mod auth;
mod handlers;
mod hooks;
mod paging;
mod rate_limit;
mod render;
mod routes;
mod state;
mod validation;

pub use state::IssuedTicket;

use crate::server::{RequestLog, SimServer};
use auth::{SigningKey, generate_key};
use rate_limit::Bucket;
use serde_json::{Map, json};
use state::{Connection, State, client_json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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
}
