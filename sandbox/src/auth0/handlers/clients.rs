//! Applications: `POST/GET /clients`, `GET/PATCH/DELETE /clients/{id}`, `POST /clients/{id}/rotate-secret` and
//! `GET /clients/{id}/connections`.

use super::super::Auth0Simulator;
use super::super::auth::Caller;
use super::super::paging::{checkpoint_page, offset_page, page_window, wants_checkpoint};
use super::super::render::{bad_request, client_view};
use super::super::state::{client_id, client_json, random_token};
use super::super::validation::{
    CREATE_CLIENT_FIELDS, UPDATE_CLIENT_EXTRA_FIELDS, check_bools, check_client_name, check_client_prose_rules,
    check_string_arrays, object_body, string_field,
};
use crate::server::{SimRequest, SimResponse, lock};
use serde_json::Value;

impl Auth0Simulator {
    pub(in crate::auth0) fn create_client(
        &self,
        request: &SimRequest,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["create:clients"]])?;
        let body = object_body(request, CREATE_CLIENT_FIELDS)?;
        let name = string_field(&body, "name")?
            .ok_or_else(|| bad_request("Payload validation error: 'Missing required property: name'."))?;
        check_client_name(name)?;
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

    pub(in crate::auth0) fn list_clients(
        &self,
        request: &SimRequest,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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
            .map(|c| client_view(c, caller))
            .collect();
        if wants_checkpoint(request) {
            return checkpoint_page(request, "clients", &matching, 100);
        }
        let window = page_window(request, matching.len(), 100)?;
        Ok(offset_page(request, "clients", &matching, window, true))
    }

    pub(in crate::auth0) fn get_client(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:clients", "read:client_keys", "read:client_credentials", "read:client_summary"]])?;
        let st = lock(&self.state);
        let client = Self::find_client(&st, id)?;
        Ok(SimResponse::json(200, &client_view(client, caller)))
    }

    pub(in crate::auth0) fn update_client(
        &self,
        request: &SimRequest,
        id: &str,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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
        if let Some(name) = string_field(&body, "name")? {
            check_client_name(name)?;
        }
        check_string_arrays(
            &body,
            &["callbacks", "allowed_logout_urls", "web_origins", "allowed_origins", "grant_types"],
        )?;
        check_client_prose_rules(&body)?;
        let mut st = lock(&self.state);
        let index = Self::client_index(&st, id)?;
        let client = &mut st.clients[index];
        // Top-level fields sent replace the stored ones (arrays included).
        for (k, v) in body {
            client.insert(k, v);
        }
        let view = client_view(client, caller);
        Ok(SimResponse::json(200, &view))
    }

    pub(in crate::auth0) fn delete_client(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["delete:clients"]])?;
        let mut st = lock(&self.state);
        let client = Self::find_client(&st, id)?;
        if client.get("global").and_then(Value::as_bool) == Some(true) {
            return Err(bad_request("Global client cannot be deleted."));
        }
        st.clients.retain(|c| client_id(c) != Some(id));
        for conn in st.connections.iter_mut() {
            conn.enabled_clients.retain(|c| c != id);
        }
        st.grants.remove(id);
        Ok(SimResponse::empty(204))
    }

    pub(in crate::auth0) fn rotate_secret(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["update:client_keys"]])?;
        let mut st = lock(&self.state);
        let index = Self::client_index(&st, id)?;
        let secret = random_token(&mut st.rng, 64);
        let client = &mut st.clients[index];
        client.insert("client_secret".into(), Value::String(secret));
        Ok(SimResponse::json(200, &Value::Object(client.clone())))
    }

    pub(in crate::auth0) fn client_connections(
        &self,
        request: &SimRequest,
        id: &str,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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
        checkpoint_page(request, "connections", &list, 100)
    }
}
