//! Request bodies checked against the Management API spec: the properties each operation accepts (unknown ones
//! answer 400 "Payload validation error"), the types of fields, and the rules the spec states in prose or formats;
//! also the password policy of a database connection.

use super::render::bad_request;
use crate::server::{SimRequest, SimResponse};
use serde_json::{Map, Value};

pub(super) const CREATE_CLIENT_FIELDS: &[&str] = &[
    "addons",
    "allowed_clients",
    "allowed_logout_urls",
    "allowed_origins",
    "app_type",
    "async_approval_notification_channels",
    "callbacks",
    "client_aliases",
    "client_authentication_methods",
    "client_metadata",
    "compliance_level",
    "cross_origin_authentication",
    "cross_origin_loc",
    "custom_login_page",
    "custom_login_page_on",
    "custom_login_page_preview",
    "default_organization",
    "description",
    "encryption_key",
    "express_configuration",
    "form_template",
    "grant_types",
    "initiate_login_uri",
    "is_first_party",
    "is_token_endpoint_ip_header_trusted",
    "jwt_configuration",
    "logo_uri",
    "mobile",
    "my_organization_configuration",
    "name",
    "native_social_login",
    "oidc_backchannel_logout",
    "oidc_conformant",
    "oidc_logout",
    "organization_discovery_methods",
    "organization_require_behavior",
    "organization_usage",
    "par_request_expiry",
    "redirection_policy",
    "refresh_token",
    "require_proof_of_possession",
    "require_pushed_authorization_requests",
    "resource_server_identifier",
    "session_transfer",
    "signed_request_object",
    "skip_non_verifiable_callback_uri_confirmation_prompt",
    "sso",
    "sso_disabled",
    "third_party_security_mode",
    "token_endpoint_auth_method",
    "token_exchange",
    "token_quota",
    "web_origins",
];
pub(super) const UPDATE_CLIENT_EXTRA_FIELDS: &[&str] = &["client_secret"];
pub(super) const UPDATE_CONNECTION_FIELDS: &[&str] = &[
    "authentication",
    "connected_accounts",
    "display_name",
    "is_domain_connection",
    "metadata",
    "options",
    "realms",
    "show_as_button",
];
pub(super) const CREATE_CONNECTION_FIELDS: &[&str] = &[
    "authentication",
    "connected_accounts",
    "display_name",
    "enabled_clients",
    "is_domain_connection",
    "metadata",
    "name",
    "options",
    "realms",
    "show_as_button",
    "strategy",
];
pub(super) const CREATE_USER_FIELDS: &[&str] = &[
    "app_metadata",
    "blocked",
    "connection",
    "email",
    "email_verified",
    "family_name",
    "given_name",
    "name",
    "nickname",
    "password",
    "phone_number",
    "phone_verified",
    "picture",
    "user_id",
    "user_metadata",
    "username",
    "verify_email",
];
pub(super) const TICKET_FIELDS: &[&str] = &[
    "client_id",
    "connection_id",
    "email",
    "identity",
    "includeEmailInRedirect",
    "mark_email_as_verified",
    "organization_id",
    "result_url",
    "ttl_sec",
    "user_id",
];
pub(super) const SIGNUP_FIELDS: &[&str] = &[
    "client_id",
    "email",
    "password",
    "connection",
    "username",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
    "user_metadata",
];

/// Parses a JSON object body and refuses keys outside `allowed`.
pub(super) fn object_body(request: &SimRequest, allowed: &[&str]) -> Result<Map<String, Value>, SimResponse> {
    let value: Value = serde_json::from_slice(&request.body)
        .map_err(|_| bad_request("Payload validation error: 'Invalid JSON' on property body."))?;
    let Value::Object(map) = value else {
        return Err(bad_request("Payload validation error: 'Expected type object but found type array'."));
    };
    let unknown: Vec<&str> = map.keys().filter(|k| !allowed.contains(&k.as_str())).map(String::as_str).collect();
    if !unknown.is_empty() {
        return Err(bad_request(&format!(
            "Payload validation error: 'Additional properties not allowed: {}'.",
            unknown.join(",")
        )));
    }
    Ok(map)
}

pub(super) fn string_field<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, SimResponse> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad_request(&format!("Payload validation error: 'Expected type string' on property {key}."))),
    }
}

pub(super) fn check_string_arrays(map: &Map<String, Value>, keys: &[&str]) -> Result<(), SimResponse> {
    for key in keys {
        if let Some(v) = map.get(*key)
            && !v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
        {
            return Err(bad_request(&format!(
                "Payload validation error: 'Expected type array of strings' on property {key}."
            )));
        }
    }
    Ok(())
}

pub(super) fn check_bools(map: &Map<String, Value>, keys: &[&str]) -> Result<(), SimResponse> {
    for key in keys {
        if let Some(v) = map.get(*key)
            && !v.is_boolean()
        {
            return Err(bad_request(&format!("Payload validation error: 'Expected type boolean' on property {key}.")));
        }
    }
    Ok(())
}

/// An application `name` (spec `CreateClientRequestContent.name`, pattern `^[^<>]+$`): not empty, no `<` or `>`.
pub(super) fn check_client_name(name: &str) -> Result<(), SimResponse> {
    if name.is_empty() || name.contains(['<', '>']) {
        return Err(bad_request(
            "Payload validation error: 'String does not match pattern ^[^<>]+$' on property name.",
        ));
    }
    Ok(())
}

/// A connection `name` (spec `CreateConnectionRequestContent.name`: maxLength 128, pattern
/// `^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$`).
pub(super) fn check_connection_name(name: &str) -> Result<(), SimResponse> {
    let b = name.as_bytes();
    let valid = !b.is_empty()
        && name.len() <= 128
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !name.contains("--");
    if !valid {
        return Err(bad_request(
            "Payload validation error: 'String does not match pattern ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$' on property name.",
        ));
    }
    Ok(())
}

/// The rules of `CreateClientRequestContent` / `UpdateClientRequestContent` that the spec states in prose or
/// in formats: `description` at most 140 characters; `initiate_login_uri` "must be https" (format
/// `absolute-https-uri-with-placeholders-or-empty`) and may not point to localhost (Auth0's default login routes
/// page); `client_authentication_methods` and `token_endpoint_auth_method` are mutually exclusive.
pub(super) fn check_client_prose_rules(body: &Map<String, Value>) -> Result<(), SimResponse> {
    if let Some(d) = string_field(body, "description")?
        && d.chars().count() > 140
    {
        return Err(bad_request(
            "Payload validation error: 'String is too long (141 chars), maximum 140' on property description.",
        ));
    }
    if let Some(uri) = string_field(body, "initiate_login_uri")?
        && !uri.is_empty()
    {
        let parsed = url::Url::parse(uri).ok();
        let https = parsed.as_ref().is_some_and(|u| u.scheme() == "https");
        if !https {
            return Err(bad_request(
                "Payload validation error: 'Object didn't pass validation for format absolute-https-uri-with-placeholders-or-empty' on property initiate_login_uri (Initiate login uri, must be https).",
            ));
        }
        let host = parsed.as_ref().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).unwrap_or_default();
        let local = host == "localhost"
            || host.ends_with(".localhost")
            || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if local {
            return Err(bad_request("initiate_login_uri cannot point to localhost."));
        }
    }
    if body.contains_key("client_authentication_methods") && body.contains_key("token_endpoint_auth_method") {
        return Err(bad_request(
            "Payload validation error: client_authentication_methods and token_endpoint_auth_method are mutually exclusive.",
        ));
    }
    Ok(())
}

/// The rules of `ChangePasswordTicketRequestContent` stated in prose or patterns: `result_url` together with
/// `client_id` or `organization_id` is refused, and `connection_id` must match `^con_[A-Za-z0-9]{16}$`.
pub(super) fn check_ticket_prose_rules(body: &Map<String, Value>) -> Result<(), SimResponse> {
    // Spec ChangePasswordTicketRequestContent.result_url: "Cannot be specified when using client_id or
    // organization_id." Real tenants answer 400 (field-truth §3.1, github auth0/auth0-PHP#480).
    if body.contains_key("result_url") && body.contains_key("client_id") {
        return Err(bad_request("The result_url parameter cannot be specified when using client_id."));
    }
    if body.contains_key("result_url") && body.contains_key("organization_id") {
        return Err(bad_request("result_url cannot be specified together with organization_id."));
    }
    if let Some(c) = string_field(body, "connection_id")?
        && !(c.len() == 20 && c.starts_with("con_") && c[4..].chars().all(|ch| ch.is_ascii_alphanumeric()))
    {
        return Err(bad_request(
            "Payload validation error: 'String does not match pattern ^con_[A-Za-z0-9]{16}$' on property connection_id.",
        ));
    }
    Ok(())
}

/// `display_name` at most 128 characters; `metadata` (`ConnectionsMetadata`) at most 10 keys with string values of
/// at most 255 characters (spec `CreateConnectionRequestContent`, `UpdateConnectionRequestContent`).
pub(super) fn check_connection_prose_rules(body: &Map<String, Value>) -> Result<(), SimResponse> {
    if let Some(d) = string_field(body, "display_name")?
        && d.chars().count() > 128
    {
        return Err(bad_request(
            "Payload validation error: 'String is too long, maximum 128' on property display_name.",
        ));
    }
    match body.get("metadata") {
        None => {}
        Some(Value::Object(m)) => {
            if m.len() > 10 {
                return Err(bad_request(
                    "Payload validation error: 'Too many properties defined, maximum 10' on property metadata.",
                ));
            }
            if m.values().any(|v| v.as_str().is_none_or(|s| s.chars().count() > 255)) {
                return Err(bad_request(
                    "Payload validation error: 'Expected type string (max 255 chars)' on property metadata.",
                ));
            }
        }
        Some(_) => {
            return Err(bad_request("Payload validation error: 'Expected type object' on property metadata."));
        }
    }
    Ok(())
}

pub(super) fn check_password(options: &Map<String, Value>, password: &str) -> Result<(), String> {
    let policy = options.get("passwordPolicy").and_then(Value::as_str).unwrap_or("good");
    let (min_len, classes) = match policy {
        "none" => (1, 0),
        "low" => (6, 0),
        "fair" => (8, 3),
        "good" => (8, 3),
        _ => (10, 3),
    };
    let min_len = options
        .get("password_complexity_options")
        .and_then(|o| o.get("min_length"))
        .and_then(Value::as_u64)
        .map_or(min_len, |m| m as usize);
    let have = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if password.chars().count() < min_len || have < classes {
        return Err("PasswordStrengthError: Password is too weak".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn password_policy() {
        let good = json!({"passwordPolicy": "good"}).as_object().cloned().unwrap_or_default();
        assert!(check_password(&good, "short1A").is_err());
        assert!(check_password(&good, "alllowercase").is_err());
        assert!(check_password(&good, "Abcdefg1").is_ok());
    }
}
