//! Connections: `GET/POST /connections`, `GET/PATCH/DELETE /connections/{id}` and
//! `GET/PATCH /connections/{id}/clients`.

use super::super::Auth0Simulator;
use super::super::auth::Caller;
use super::super::paging::{checkpoint_page, offset_page, page_window, wants_checkpoint};
use super::super::render::{api_error, bad_request};
use super::super::state::{Connection, random_token};
use super::super::validation::{
    CREATE_CONNECTION_FIELDS, UPDATE_CONNECTION_FIELDS, check_bools, check_connection_name,
    check_connection_prose_rules, check_string_arrays, object_body, string_field,
};
use crate::server::{SimRequest, SimResponse, lock};
use serde_json::{Map, Value, json};

impl Auth0Simulator {
    pub(in crate::auth0) fn list_connections(
        &self,
        request: &SimRequest,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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
        if wants_checkpoint(request) {
            return checkpoint_page(request, "connections", &list, 100);
        }
        let window = page_window(request, list.len(), 100)?;
        Ok(offset_page(request, "connections", &list, window, false))
    }

    pub(in crate::auth0) fn create_connection(
        &self,
        request: &SimRequest,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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
        check_connection_name(&name)?;
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

    pub(in crate::auth0) fn delete_connection(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
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

    pub(in crate::auth0) fn get_connection(&self, id: &str, caller: &Caller) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:connections"]])?;
        let mut st = lock(&self.state);
        let conn = Self::find_connection(&mut st, id)?;
        Ok(SimResponse::json(200, &conn.to_json(caller.has("read:connections_options"))))
    }

    pub(in crate::auth0) fn update_connection(
        &self,
        request: &SimRequest,
        id: &str,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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

    pub(in crate::auth0) fn connection_clients(
        &self,
        request: &SimRequest,
        id: &str,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["read:connections"]])?;
        let mut st = lock(&self.state);
        let conn = Self::find_connection(&mut st, id)?;
        let list: Vec<Value> = conn.enabled_clients.iter().map(|c| json!({"client_id": c})).collect();
        checkpoint_page(request, "clients", &list, 1000)
    }

    pub(in crate::auth0) fn update_connection_clients(
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
}
