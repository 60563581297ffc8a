//! Tenant settings (`/api/v2/tenants/settings`): the one flag the provisioning cares about,
//! `flags.enable_client_connections` (whether a new application gets every connection enabled).

use crate::client::Auth0Client;
use crate::error::Result;
use crate::http::ApiRequest;
use crate::scopes;
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The tenant settings; only `flags` is modelled, the rest is in `extra`.
///
/// ```
/// let s: auth0_client::TenantSettings = serde_json::from_value(serde_json::json!({
///     "flags": {"enable_client_connections": true}, "friendly_name": "Acme"
/// })).unwrap();
/// assert_eq!(s.enable_client_connections(), true);
/// assert_eq!(s.extra["friendly_name"], "Acme");
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TenantSettings {
    /// The tenant flags.
    #[serde(default)]
    pub flags: Map<String, Value>,
    /// Every other setting.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TenantSettings {
    /// `flags.enable_client_connections` (Auth0's default is true).
    pub fn enable_client_connections(&self) -> bool {
        self.flags.get("enable_client_connections").and_then(Value::as_bool).unwrap_or(true)
    }
}

#[derive(Debug, Serialize)]
#[serde(deny_unknown_fields)]
struct FlagsUpdate {
    enable_client_connections: bool,
}

#[derive(Debug, Serialize)]
#[serde(deny_unknown_fields)]
struct UpdateTenantSettingsRequestContent {
    flags: FlagsUpdate,
}

/// Tenant settings. Get it from [`Auth0Client::tenant_settings`].
#[derive(Debug, Clone)]
pub struct TenantSettingsHandler {
    client: Auth0Client,
}

impl TenantSettingsHandler {
    /// Reads the settings (`read:tenant_settings`).
    pub async fn get(&self) -> Result<TenantSettings> {
        const OP: &str = "GetTenantSettings";
        let request = ApiRequest::new(OP, Method::GET, &["tenants", "settings"], scopes::GET_TENANT_SETTINGS.any_of);
        self.client.inner.call(&request).await
    }

    /// Sets `flags.enable_client_connections` (`update:tenant_settings`) unless it already has this value.
    /// Tenant-wide, and it only affects applications created afterwards. Returns whether it wrote.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// // New applications start with no connection enabled.
    /// auth0.tenant_settings().set_enable_client_connections(false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_enable_client_connections(&self, on: bool) -> Result<bool> {
        const OP: &str = "UpdateTenantSettings";
        if self.get().await?.enable_client_connections() == on {
            return Ok(false);
        }
        let body = UpdateTenantSettingsRequestContent { flags: FlagsUpdate { enable_client_connections: on } };
        let request =
            ApiRequest::new(OP, Method::PATCH, &["tenants", "settings"], scopes::UPDATE_TENANT_SETTINGS.any_of)
                .json(&body)?;
        self.client.inner.send(&request).await?;
        Ok(true)
    }
}

impl Auth0Client {
    /// Tenant settings (`/api/v2/tenants/settings`).
    pub fn tenant_settings(&self) -> TenantSettingsHandler {
        TenantSettingsHandler { client: self.clone() }
    }
}
