//! Entry points for the fuzz targets in the workspace's `fuzz/` crate: the error mapping and the JSON decoding
//! exactly as the client runs them on a response. Not a stable API.
#![allow(missing_docs)]

use crate::error::Error;
use cloud_http::RawResponse;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;

fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(*name), HeaderValue::from_str(value)) {
            map.append(name, value);
        }
    }
    RawResponse::new(status, map, bytes::Bytes::copy_from_slice(body))
}

/// The error for a non-2xx Management API answer.
pub fn api_error(status: u16, headers: &[(&str, &str)], body: &[u8], idempotent: bool) -> Error {
    let now = chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap_or_default();
    crate::http::api_error("Fuzz", &response(status, headers, body), now, idempotent)
}

fn decode<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<(), Error> {
    crate::http::decode_json::<T>(operation, body).map(|_| ())
}

/// The answers decoded into models, by operation.
pub const OPERATIONS: [&str; 11] = [
    "getClient",
    "listClients",
    "listClientConnections",
    "getConnection",
    "listConnections",
    "listEnabledClients",
    "getUser",
    "listUsers",
    "createPasswordChangeTicket",
    "getTenantSettings",
    "token",
];

/// Decodes a successful answer as the client does for `operation` (one of [`OPERATIONS`]).
pub fn response_body(operation: &str, body: &[u8]) -> Result<(), Error> {
    match operation {
        "getClient" => decode::<crate::Client>("getClient", body),
        "listClients" => decode::<crate::clients::ClientsPage>("listClients", body),
        "listClientConnections" => decode::<crate::clients::ClientConnectionsPage>("listClientConnections", body),
        "getConnection" => decode::<crate::Connection>("getConnection", body),
        "listConnections" => decode::<crate::connections::ConnectionsPage>("listConnections", body),
        "listEnabledClients" => decode::<crate::connections::EnabledClientsPage>("listEnabledClients", body),
        "getUser" => decode::<crate::User>("getUser", body),
        "listUsers" => decode::<crate::users::UsersPage>("listUsers", body),
        "createPasswordChangeTicket" => decode::<crate::PasswordChangeTicket>("createPasswordChangeTicket", body),
        "getTenantSettings" => decode::<crate::TenantSettings>("getTenantSettings", body),
        _ => decode::<crate::token::TokenResponse>("token", body),
    }
}

/// What a token endpoint answer decodes to: the expiry (Unix seconds), the refresh time with `leeway_secs`, and
/// the number of scopes; or the decode error's text. Runs the client's own decoding and its saturating expiry
/// arithmetic, at `now_secs` (clamped to a representable time).
pub fn token_response(body: &[u8], now_secs: i64, leeway_secs: u64) -> Result<(i64, i64, usize), String> {
    let now =
        chrono::DateTime::from_timestamp(now_secs.clamp(-8_000_000_000_000, 8_000_000_000_000), 0).unwrap_or_default();
    let token = crate::token::parse_token_response(body, now).map_err(|e| e.to_string())?;
    let refresh = crate::token::refresh_at(token.info.expires_at, std::time::Duration::from_secs(leeway_secs));
    Ok((token.info.expires_at.timestamp(), refresh.timestamp(), token.info.scopes.len()))
}

/// The longest token lifetime the client believes, in seconds.
pub const MAX_TOKEN_LIFETIME_SECS: i64 = crate::token::MAX_TOKEN_LIFETIME_SECS;
