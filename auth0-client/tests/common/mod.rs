//! Helpers shared by the wiremock tests.
#![allow(dead_code)]

use auth0_client::{Auth0Client, RateBudget, RetryPolicy};
use base64::Engine as _;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const M2M_ID: &str = "m2m-client-id";
pub const M2M_SECRET: &str = "m2m-very-secret-value-42";

/// Every scope the crate may ask for.
pub const ALL: &str = "read:clients create:clients update:clients delete:clients read:client_keys update:client_keys \
read:connections update:connections read:connections_options update:connections_options read:users create:users \
delete:users create:user_tickets read:tenant_settings update:tenant_settings create:connections delete:connections";

/// A JWT-shaped token (not signed: the client never verifies its own token) with `exp` and `scope`.
pub fn fake_jwt(exp: i64, scope: &str) -> String {
    let b64 = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "k"})),
        b64(
            serde_json::json!({"iss": "x", "sub": "m2m@clients", "exp": exp, "scope": scope, "gty": "client-credentials"})
        )
    )
}

/// Mounts a token endpoint answering with a token valid for a day and `scope`.
pub async fn mount_token(server: &MockServer, scope: &str) -> String {
    let token = fake_jwt(chrono::Utc::now().timestamp() + 86_400, scope);
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": token, "token_type": "Bearer", "expires_in": 86400, "scope": scope
        })))
        .mount(server)
        .await;
    token
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default().with_min_delay(Duration::from_millis(1)).with_max_delay(Duration::from_millis(10))
}

/// A client of the mock server without a rate limit and with fast retries.
pub fn client(server: &MockServer) -> Auth0Client {
    Auth0Client::builder()
        .base_url(server.uri())
        .client_credentials(M2M_ID, M2M_SECRET)
        .rate_budget(RateBudget { per_second: 10_000, burst: 10_000 })
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client")
}
