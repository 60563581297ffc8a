//! The public sign-up paths, which provisioning must close: `POST /dbconnections/signup` (a database sign-up) and
//! a first social login through `GET /authorize`; and the test hooks that drive them.

use super::super::Auth0Simulator;
use super::super::render::{auth_api_error, oauth_error};
use super::super::state::{AuthCode, new_user, random_token};
use super::super::validation::{SIGNUP_FIELDS, check_password};
use crate::server::{SimRequest, SimResponse, Simulator, lock};
use http::Method;
use serde_json::{Map, Value, json};

impl Auth0Simulator {
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

    pub(in crate::auth0) fn signup(&self, request: &SimRequest) -> SimResponse {
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
        if st.client(&client_id).is_none() {
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

    pub(in crate::auth0) fn authorize(&self, request: &SimRequest) -> SimResponse {
        let q = |k: &str| request.query_param(k).unwrap_or_default();
        let (client_id, connection, redirect_uri, state) =
            (q("client_id"), q("connection"), q("redirect_uri"), q("state"));
        let email = q("login_hint").to_lowercase();
        let mut st = lock(&self.state);
        let Some(client) = st.client(client_id.as_str()) else {
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
            .and_then(|u| u.id().map(str::to_string));
        let user_id = match existing {
            Some(id) => id,
            None => {
                let user = new_user(&mut st.rng, &conn.name, &conn.strategy, Some(&email), None, true, &Map::new());
                let id = user.id().unwrap_or_default().to_string();
                st.users.push(user);
                id
            }
        };
        let code = random_token(&mut st.rng, 24);
        st.codes.insert(code.clone(), AuthCode { client_id, user_id, redirect_uri: redirect_uri.clone() });
        redirect(&[("code", &code)])
    }
}
