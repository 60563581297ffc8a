//! The spec's prose rules, client side: each rule listed in `auth0-client/README.md` ("Prose rules") is refused
//! with [`ErrorKind::InvalidInput`] naming it, before any Management API request is sent. The simulator side of
//! each rule is `sandbox/tests/auth0_prose_rules.rs`.

mod common;

use auth0_client::{
    ChangePasswordTicketRequestContent, Connection, CreateClientRequestContent, CreateConnectionRequestContent,
    CreateUserRequestContent, ErrorKind, UpdateClientRequestContent, UpdateConnectionRequestContent,
};
use common::*;
use serde_json::{Map, Value, json};
use wiremock::MockServer;

async fn refused<T: std::fmt::Debug>(result: auth0_client::Result<T>, words: &[&str]) {
    let err = result.expect_err("refused");
    assert!(matches!(err.kind(), ErrorKind::InvalidInput), "{err:?}");
    for w in words {
        assert!(err.to_string().contains(w), "`{w}` not in: {err}");
    }
}

async fn api_requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().iter().filter(|r| r.url.path().starts_with("/api/v2")).count()
}

#[tokio::test]
async fn every_rule_is_refused_before_sending() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    let auth0 = client(&server);

    // POST /tickets/password-change: result_url never with client_id or organization_id.
    let t = ChangePasswordTicketRequestContent::invite("auth0|1", "app").result_url("https://chat.example.com/");
    refused(auth0.tickets().password_change(&t).await, &["result_url", "client_id"]).await;
    let org = ChangePasswordTicketRequestContent {
        user_id: Some("auth0|1".into()),
        organization_id: Some("org_1".into()),
        ..Default::default()
    }
    .result_url("https://chat.example.com/");
    refused(auth0.tickets().password_change(&org).await, &["organization_id"]).await;
    // user_id, or email + connection_id (pattern con_ + 16).
    let both = ChangePasswordTicketRequestContent {
        user_id: Some("auth0|1".into()),
        email: Some("a@example.com".into()),
        connection_id: Some("con_0123456789abcdef".into()),
        ..Default::default()
    };
    refused(auth0.tickets().password_change(&both).await, &["user_id"]).await;
    let bad_conn = ChangePasswordTicketRequestContent {
        email: Some("a@example.com".into()),
        connection_id: Some("db".into()),
        ..Default::default()
    };
    refused(auth0.tickets().password_change(&bad_conn).await, &["connection id"]).await;

    // POST/PATCH /clients: initiate_login_uri https and not localhost; description ≤ 140; name without < >.
    for uri in ["http://chat.example.com/signin", "https://localhost/signin", "https://127.0.0.1/signin"] {
        let body = CreateClientRequestContent::regular_web_app("LobeHub").initiate_login_uri(uri);
        refused(auth0.clients().create(&body).await, &["initiate_login_uri"]).await;
        let update = UpdateClientRequestContent { initiate_login_uri: Some(uri.into()), ..Default::default() };
        refused(auth0.clients().update("app", &update).await, &["initiate_login_uri"]).await;
    }
    let long = CreateClientRequestContent::regular_web_app("LobeHub").description("d".repeat(141));
    refused(auth0.clients().create(&long).await, &["140"]).await;
    let long = UpdateClientRequestContent { description: Some("d".repeat(141)), ..Default::default() };
    refused(auth0.clients().update("app", &long).await, &["140"]).await;
    refused(auth0.clients().create(&CreateClientRequestContent::regular_web_app("<b>")).await, &["<"]).await;
    refused(auth0.clients().list().per_page(101).all().await, &["per_page"]).await;

    // POST /connections: name pattern and length; display_name ≤ 128; metadata ≤ 10 string values ≤ 255.
    for name in ["lobehub--users", "-x", "x-", "a b", &"x".repeat(129)] {
        refused(auth0.connections().create(&CreateConnectionRequestContent::dedicated_database(name)).await, &["name"])
            .await;
    }
    let mut c = CreateConnectionRequestContent::dedicated_database("lobehub-users");
    c.display_name = Some("d".repeat(129));
    refused(auth0.connections().create(&c).await, &["128"]).await;
    let many: Map<String, Value> = (0..11).map(|i| (format!("k{i}"), json!("v"))).collect();
    let u = UpdateConnectionRequestContent { metadata: Some(many), ..Default::default() };
    refused(auth0.connections().update("con_1", &u).await, &["10"]).await;
    let long: Map<String, Value> = [("k".to_string(), json!("v".repeat(256)))].into_iter().collect();
    let u = UpdateConnectionRequestContent { metadata: Some(long), ..Default::default() };
    refused(auth0.connections().update("con_1", &u).await, &["255"]).await;
    let number: Map<String, Value> = [("k".to_string(), json!(1))].into_iter().collect();
    let u = UpdateConnectionRequestContent { metadata: Some(number), ..Default::default() };
    refused(auth0.connections().update("con_1", &u).await, &["string"]).await;
    // PATCH /connections/{id}/clients: at least one item (more than 50 are split, never sent at once).
    refused(auth0.connections().set_enabled_clients("con_1", &[]).await, &["no client"]).await;
    refused(auth0.connections().list().take(101).all().await, &["take"]).await;

    // POST /users: username exactly when the connection requires one; password only for strategy auth0.
    let requires: Connection = serde_json::from_value(json!({
        "id": "con_1", "name": "db", "strategy": "auth0", "options": {"requires_username": true}
    }))
    .expect("connection");
    let body = CreateUserRequestContent::with_random_password("db", "ada@example.com");
    refused(async { body.check_for_connection(&requires) }.await, &["requires a username"]).await;
    let plain: Connection = serde_json::from_value(json!({
        "id": "con_2", "name": "db", "strategy": "auth0", "options": {"requires_username": false}
    }))
    .expect("connection");
    let mut with_username = CreateUserRequestContent::with_random_password("db", "ada@example.com");
    with_username.username = Some("ada".into());
    refused(async { with_username.check_for_connection(&plain) }.await, &["requires_username"]).await;
    assert!(body.check_for_connection(&plain).is_ok());
    let social: Connection =
        serde_json::from_value(json!({"id": "con_3", "name": "db", "strategy": "google-oauth2"})).expect("connection");
    refused(async { body.check_for_connection(&social).map(|_| ()) }.await, &["password"]).await;
    // GET /users: per_page ≤ 100.
    refused(auth0.users().list().per_page(101).all().await, &["per_page"]).await;

    assert_eq!(api_requests(&server).await, 0, "every rule is checked before a request is sent");
}
