//! Test hooks of [`Auth0Simulator`]: seeding applications and connections, changing tenant settings and the
//! request budget, and reading back what the tenant holds (as the Management API would return it).

use super::Auth0Simulator;
use super::rate_limit::Bucket;
use super::state::{self, Connection, IssuedTicket, client_json, random_token};
use crate::server::lock;
use serde_json::{Map, Value, json};

impl Auth0Simulator {
    /// Adds a machine-to-machine application with a client grant for the Management API with `scopes`.
    pub fn add_m2m_client(&self, client_id: &str, secret: &str, scopes: &[&str]) {
        self.add_client_without_grant(client_id, secret);
        lock(&self.state).grants.insert(client_id.into(), scopes.iter().map(|s| s.to_string()).collect());
    }

    /// Adds a machine-to-machine application **without** a client grant (its token request gets 403).
    pub fn add_client_without_grant(&self, client_id: &str, secret: &str) {
        let mut st = lock(&self.state);
        st.clients.retain(|c| state::client_id(c) != Some(client_id));
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
        lock(&self.state).client(client_id).map(|c| Value::Object(c.clone()))
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
}
