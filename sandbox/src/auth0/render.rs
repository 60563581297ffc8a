//! The JSON shapes of answers: the Management API error body, OAuth and Authentication API errors, and the
//! views of a connection and an application that depend on the caller's scopes.

use super::auth::Caller;
use super::state::Connection;
use crate::server::SimResponse;
use serde_json::{Map, Value, json};

/// The Management API error body.
pub(super) fn api_error(status: u16, message: &str, code: Option<&str>) -> SimResponse {
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

pub(super) fn request_id() -> String {
    format!("{:016x}", fastrand::u64(..))
}

pub(super) fn bad_request(message: &str) -> SimResponse {
    api_error(400, message, Some("invalid_body"))
}

pub(super) fn oauth_error(status: u16, error: &str, description: &str) -> SimResponse {
    SimResponse::json(status, &json!({"error": error, "error_description": description}))
}

/// The `/dbconnections/*` error body of the Authentication API.
pub(super) fn auth_api_error(code: &str, description: &str) -> SimResponse {
    SimResponse::json(
        400,
        &json!({"name": "BadRequestError", "code": code, "description": description, "statusCode": 400}),
    )
}

impl Connection {
    pub(super) fn to_json(&self, with_options: bool) -> Value {
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

/// An application as `caller` may see it: the secret only with `read:client_keys` or `read:client_credentials`,
/// only the summary fields without `read:clients`.
pub(super) fn client_view(client: &Map<String, Value>, caller: &Caller) -> Value {
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
