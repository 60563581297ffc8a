//! Users: `POST/GET /users`, `GET/DELETE /users/{id}` and `GET /users-by-email`.

use super::super::Auth0Simulator;
use super::super::auth::Caller;
use super::super::paging::{offset_page, page_window};
use super::super::render::{api_error, bad_request};
use super::super::state::new_user;
use super::super::validation::{CREATE_USER_FIELDS, check_bools, check_password, object_body, string_field};
use crate::server::{SimRequest, SimResponse, lock};
use serde_json::Value;

impl Auth0Simulator {
    pub(in crate::auth0) fn create_user(
        &self,
        request: &SimRequest,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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

    pub(in crate::auth0) fn list_users(
        &self,
        request: &SimRequest,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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
        let window @ (page, per_page, _, _) = page_window(request, list.len(), 100)?;
        if page * per_page >= 1000 {
            return Err(bad_request("You can only page through the first 1000 records."));
        }
        Ok(offset_page(request, "users", &list, window, true))
    }

    pub(in crate::auth0) fn get_user(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:users"]])?;
        let st = lock(&self.state);
        st.users
            .iter()
            .find(|u| u.id() == Some(id))
            .map(|u| SimResponse::json(200, &Value::Object(u.json.clone())))
            .ok_or_else(|| api_error(404, "The user does not exist.", Some("inexistent_user")))
    }

    pub(in crate::auth0) fn delete_user(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["delete:users"]])?;
        lock(&self.state).users.retain(|u| u.id() != Some(id));
        Ok(SimResponse::empty(204))
    }

    pub(in crate::auth0) fn users_by_email(
        &self,
        request: &SimRequest,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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
}
