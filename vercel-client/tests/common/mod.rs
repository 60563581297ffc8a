#![allow(dead_code)]

use secrecy::SecretString;
use std::time::Duration;
use vercel_client::VercelClient;
use wiremock::MockServer;

pub const TOKEN: &str = "tok_SECRET_9f8e7d";

pub fn fast_retry() -> cloud_http::RetryPolicy {
    cloud_http::RetryPolicy::default()
        .with_min_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
        .with_max_retries(3)
}

pub async fn setup() -> (MockServer, VercelClient) {
    let server = MockServer::start().await;
    let client = VercelClient::builder()
        .token(SecretString::from(TOKEN))
        .team_id("team_1")
        .base_url(server.uri())
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    (server, client)
}

pub fn project_json(id: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "name": name, "accountId": "team_1", "framework": "nextjs", "createdAt": 1, "updatedAt": 2,
        "link": {"type": "github", "org": "myorg", "repo": "lobehub", "repoId": 123456789, "productionBranch": "main", "deployHooks": []},
        "someNewField": {"nested": true}
    })
}
