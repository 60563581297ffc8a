//! Tenant settings: `GET/PATCH /tenants/settings` (the `enable_client_connections` flag).

use super::super::Auth0Simulator;
use super::super::auth::Caller;
use super::super::render::bad_request;
use super::super::validation::object_body;
use crate::server::{SimRequest, SimResponse, lock};
use serde_json::json;

impl Auth0Simulator {
    pub(in crate::auth0) fn tenant_settings(
        &self,
        patch: Option<&SimRequest>,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
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
