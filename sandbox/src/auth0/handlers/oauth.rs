//! The OAuth / OIDC endpoints of the Authentication API: `POST /oauth/token` (client credentials, authorization
//! code, password-realm), `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json`.

use super::super::Auth0Simulator;
use super::super::auth::id_token_claims;
use super::super::render::{api_error, oauth_error};
use super::super::routes::percent_decode;
use super::super::state::{State, now_secs};
use crate::server::{SimRequest, SimResponse, lock};
use base64::Engine as _;
use serde_json::{Map, Value, json};

impl Auth0Simulator {
    pub(in crate::auth0) fn form_or_json(request: &SimRequest) -> Map<String, Value> {
        let is_json = request.header("content-type").is_some_and(|c| c.contains("json"));
        if is_json {
            serde_json::from_slice::<Value>(&request.body).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default()
        } else {
            url::form_urlencoded::parse(&request.body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect()
        }
    }

    pub(in crate::auth0) fn client_auth(
        request: &SimRequest,
        form: &Map<String, Value>,
    ) -> (Option<String>, Option<String>) {
        if let Some(basic) = request.header("authorization").and_then(|h| h.strip_prefix("Basic "))
            && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
            && let Ok(text) = String::from_utf8(decoded)
            && let Some((id, secret)) = text.split_once(':')
        {
            return (Some(percent_decode(id)), Some(percent_decode(secret)));
        }
        let get = |k: &str| form.get(k).and_then(Value::as_str).map(str::to_string);
        (get("client_id"), get("client_secret"))
    }

    pub(in crate::auth0) fn token(&self, request: &SimRequest) -> SimResponse {
        let form = Self::form_or_json(request);
        let issuer = Self::issuer(request);
        let (client_id, secret) = Self::client_auth(request, &form);
        let grant_type = form.get("grant_type").and_then(Value::as_str).unwrap_or_default().to_string();
        let mut st = lock(&self.state);
        let client = client_id.as_deref().and_then(|id| st.client(id));
        let Some(client) = client else {
            return oauth_error(401, "access_denied", "Unauthorized");
        };
        if client.get("client_secret").and_then(Value::as_str) != secret.as_deref() {
            return oauth_error(401, "access_denied", "Unauthorized");
        }
        let client_id = client_id.unwrap_or_default();
        let lifetime = st.token_lifetime;
        let now = now_secs();
        match grant_type.as_str() {
            "client_credentials" => {
                let audience = form.get("audience").and_then(Value::as_str).unwrap_or_default();
                let expected = format!("{issuer}api/v2/");
                if audience != expected {
                    return oauth_error(403, "access_denied", &format!("Service not found: {audience}"));
                }
                let Some(scopes) = st.grants.get(&client_id) else {
                    return oauth_error(
                        403,
                        "access_denied",
                        &format!(
                            "Client is not authorized to access \"{expected}\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
                        ),
                    );
                };
                let scope = scopes.join(" ");
                drop(st);
                let claims = json!({
                    "iss": issuer, "sub": format!("{client_id}@clients"), "aud": expected, "iat": now,
                    "exp": now + lifetime, "scope": scope, "gty": "client-credentials", "azp": client_id,
                });
                match self.sign(&claims) {
                    Some(token) => SimResponse::json(
                        200,
                        &json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": scope}),
                    ),
                    None => api_error(500, "signing failed", None),
                }
            }
            "authorization_code" => {
                let code = form.get("code").and_then(Value::as_str).unwrap_or_default();
                let Some(grant) = st.codes.remove(code) else {
                    return oauth_error(403, "invalid_grant", "Invalid authorization code");
                };
                let redirect = form.get("redirect_uri").and_then(Value::as_str).unwrap_or_default();
                if grant.client_id != client_id || grant.redirect_uri != redirect {
                    return oauth_error(403, "invalid_grant", "Invalid authorization code");
                }
                self.user_tokens(st, &issuer, &client_id, &grant.user_id)
            }
            "http://auth0.com/oauth/grant-type/password-realm" => {
                let realm = form.get("realm").and_then(Value::as_str).unwrap_or_default().to_string();
                let username = form.get("username").and_then(Value::as_str).unwrap_or_default().to_lowercase();
                let password = form.get("password").and_then(Value::as_str).unwrap_or_default().to_string();
                let Some(conn) = st.connections.iter().find(|c| c.name == realm) else {
                    return oauth_error(400, "invalid_request", "connection not found");
                };
                if !conn.enabled_clients.contains(&client_id) {
                    return oauth_error(401, "unauthorized_client", "the connection is not enabled");
                }
                let user = st.users.iter().find(|u| {
                    u.connection == realm
                        && u.email.as_deref() == Some(username.as_str())
                        && u.password.as_deref() == Some(password.as_str())
                });
                let Some(user_id) = user.and_then(|u| u.id()).map(str::to_string) else {
                    return oauth_error(403, "invalid_grant", "Wrong email or password.");
                };
                self.user_tokens(st, &issuer, &client_id, &user_id)
            }
            _ => oauth_error(403, "unsupported_grant_type", &format!("Unsupported grant type: {grant_type}")),
        }
    }

    pub(in crate::auth0) fn user_tokens(
        &self,
        st: std::sync::MutexGuard<'_, State>,
        issuer: &str,
        client_id: &str,
        user_id: &str,
    ) -> SimResponse {
        let Some(user) = st.user(user_id) else {
            return oauth_error(403, "invalid_grant", "user not found");
        };
        let lifetime = st.token_lifetime;
        let id_claims = id_token_claims(issuer, client_id, user, lifetime);
        let now = now_secs();
        let access_claims = json!({
            "iss": issuer, "sub": user_id, "aud": [format!("{issuer}userinfo")], "iat": now, "exp": now + lifetime,
            "scope": "openid profile email", "azp": client_id,
        });
        drop(st);
        match (self.sign(&id_claims), self.sign(&access_claims)) {
            (Some(id_token), Some(access_token)) => SimResponse::json(
                200,
                &json!({"access_token": access_token, "id_token": id_token, "token_type": "Bearer", "expires_in": lifetime, "scope": "openid profile email"}),
            ),
            _ => api_error(500, "signing failed", None),
        }
    }

    pub(in crate::auth0) fn discovery(request: &SimRequest) -> SimResponse {
        let issuer = Self::issuer(request);
        SimResponse::json(
            200,
            &json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}authorize"),
                "token_endpoint": format!("{issuer}oauth/token"),
                "userinfo_endpoint": format!("{issuer}userinfo"),
                "jwks_uri": format!("{issuer}.well-known/jwks.json"),
                "end_session_endpoint": format!("{issuer}oidc/logout"),
                "response_types_supported": ["code", "token", "id_token", "code id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
                "scopes_supported": ["openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname", "email", "email_verified", "picture", "created_at", "identities", "phone", "address"],
                "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"],
                "request_uri_parameter_supported": false,
            }),
        )
    }

    pub(in crate::auth0) fn jwks(&self) -> SimResponse {
        SimResponse::json(
            200,
            &json!({"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.key.kid, "n": self.key.n, "e": self.key.e}]}),
        )
    }
}
