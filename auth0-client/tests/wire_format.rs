//! Wire format against wiremock: methods, paths, query strings, headers and exact bodies.

mod common;

use auth0_client::{
    Auth0Client, ChangePasswordTicketRequestContent, ConnectionClientStatus, CreateClientRequestContent,
    CreateUserRequestContent,
};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

#[tokio::test]
async fn token_request_is_a_form_with_the_audience_and_a_trailing_slash() {
    let server = MockServer::start().await;
    let token = mount_token(&server, ALL).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/abc"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "abc", "name": "x"})))
        .mount(&server)
        .await;
    let auth0 = client(&server);
    auth0.clients().get("abc").await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let token_request = &requests[0];
    assert_eq!(token_request.headers["content-type"], "application/x-www-form-urlencoded");
    let mut fields = form(token_request);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            ("audience".to_string(), format!("{}/api/v2/", server.uri())),
            ("client_id".into(), M2M_ID.into()),
            ("client_secret".into(), M2M_SECRET.into()),
            ("grant_type".into(), "client_credentials".into()),
        ]
    );

    // A real tenant: audience https://{domain}/api/v2/, overridable for custom domains.
    let tenant = Auth0Client::builder().domain("tenant.eu.auth0.com").client_credentials("a", "b").build().unwrap();
    assert_eq!(tenant.audience(), "https://tenant.eu.auth0.com/api/v2/");
    assert_eq!(tenant.issuer(), "https://tenant.eu.auth0.com/");
    let custom = Auth0Client::builder()
        .base_url(server.uri())
        .audience("https://tenant.eu.auth0.com/api/v2/")
        .client_credentials(M2M_ID, M2M_SECRET)
        .no_rate_limit()
        .build()
        .unwrap();
    custom.token_info().await.unwrap();
    let last = server.received_requests().await.unwrap().pop().unwrap();
    assert!(form(&last).contains(&("audience".into(), "https://tenant.eu.auth0.com/api/v2/".into())));
}

#[tokio::test]
async fn create_client_sends_exactly_the_lobehub_body() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    let expected = json!({
        "name": "LobeHub",
        "app_type": "regular_web",
        "callbacks": ["https://chat.example.com/api/auth/callback/auth0"],
        "allowed_logout_urls": ["https://chat.example.com"],
        "web_origins": ["https://chat.example.com"],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "client_secret_post",
        "oidc_conformant": true,
        "is_first_party": true,
        "jwt_configuration": {"alg": "RS256"}
    });
    Mock::given(method("POST"))
        .and(path("/api/v2/clients"))
        .and(header("content-type", "application/json"))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "client_id": "new-id", "client_secret": "generated-secret", "name": "LobeHub", "future_field": {"x": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let urls = auth0_client::AppUrls::for_origin("https://chat.example.com").unwrap();
    let body = CreateClientRequestContent::regular_web_app("LobeHub")
        .callbacks(urls.callbacks)
        .allowed_logout_urls(urls.allowed_logout_urls)
        .web_origins(urls.web_origins);
    let created = client(&server).clients().create(&body).await.unwrap();
    assert_eq!(created.client_id, "new-id");
    assert_eq!(created.extra["future_field"]["x"], 1);
    assert!(!format!("{created:?}").contains("generated-secret"));
}

#[tokio::test]
async fn disable_signups_reads_merges_and_writes_on_the_wire() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    let db = json!({
        "id": "con_db", "name": "Username-Password-Authentication", "display_name": "Email", "strategy": "auth0",
        "options": {"passwordPolicy": "good", "mfa": {"active": true}, "unknown_key": [1], "disable_signup": false},
        "enabled_clients": ["stale"], "realms": ["Username-Password-Authentication"]
    });
    let google = json!({"id": "con_g", "name": "google-oauth2", "strategy": "google-oauth2"});
    Mock::given(method("GET"))
        .and(path("/api/v2/connections"))
        .and(query_param("strategy", "auth0"))
        .and(query_param("name", "Username-Password-Authentication"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([db])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/connections/con_db"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&db))
        .mount(&server)
        .await;
    // The PATCH must carry every option, the change, and display_name; nothing else.
    let mut merged = db["options"].clone();
    merged["disable_signup"] = Value::Bool(true);
    let mut after = db.clone();
    after["options"] = merged.clone();
    Mock::given(method("PATCH"))
        .and(path("/api/v2/connections/con_db"))
        .and(body_json(json!({"display_name": "Email", "options": merged})))
        .respond_with(ResponseTemplate::new(200).set_body_json(&after))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/app/connections"))
        .and(query_param("take", "50"))
        .and(query_param_is_missing("from"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"connections": [db], "next": "cursor-1"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/app/connections"))
        .and(query_param("from", "cursor-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"connections": [google]})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/api/v2/connections/con_g/clients"))
        .and(body_json(json!([{"client_id": "app", "status": false}])))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    // The verification read.
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/app/connections"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"connections": [db]})))
        .mount(&server)
        .await;

    let report = client(&server).disable_signups("app", "Username-Password-Authentication").await.unwrap();
    assert_eq!(report.writes, 2);
    assert!(report.signup_disabled_now);
    assert_eq!(report.disabled_connections[0].strategy, "google-oauth2");
    for r in server.received_requests().await.unwrap() {
        assert!(!String::from_utf8_lossy(&r.body).contains("enabled_clients"), "{r:?}");
    }
}

#[tokio::test]
async fn connection_clients_are_patched_in_chunks_of_fifty() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    Mock::given(method("PATCH"))
        .and(path("/api/v2/connections/con_1/clients"))
        .respond_with(ResponseTemplate::new(204))
        .expect(3)
        .mount(&server)
        .await;
    let changes: Vec<ConnectionClientStatus> =
        (0..120).map(|i| ConnectionClientStatus { client_id: format!("c{i}"), status: i % 2 == 0 }).collect();
    client(&server).connections().set_enabled_clients("con_1", &changes).await.unwrap();
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "PATCH")
        .map(|r| serde_json::from_slice::<Vec<Value>>(&r.body).unwrap().len())
        .collect();
    assert_eq!(sizes, vec![50, 50, 20]);
}

#[tokio::test]
async fn users_tickets_and_lookups() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users-by-email"))
        .and(query_param("email", "ada@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .and(body_string_contains("\"connection\":\"Username-Password-Authentication\""))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "user_id": "auth0|abc", "email": "ada@example.com", "email_verified": false,
            "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "abc", "isSocial": false}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/auth0|abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "auth0|abc"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/tickets/password-change"))
        .and(body_json(
            json!({"user_id": "auth0|abc", "client_id": "app", "mark_email_as_verified": true, "ttl_sec": 432000}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"ticket": "https://t/lo/reset?ticket=1#"})))
        .mount(&server)
        .await;
    let auth0 = client(&server);
    let body = CreateUserRequestContent::with_random_password("Username-Password-Authentication", "ADA@example.com");
    let (user, created) = auth0.users().create_or_find(&body).await.unwrap();
    assert!(created);
    assert_eq!(auth0.users().get(&user.user_id).await.unwrap().user_id, "auth0|abc");
    let ticket =
        auth0.tickets().password_change(&ChangePasswordTicketRequestContent::invite("auth0|abc", "app")).await.unwrap();
    assert!(ticket.ticket.contains("lo/reset"));

    let sent = server.received_requests().await.unwrap();
    let create = sent.iter().find(|r| r.method.as_str() == "POST" && r.url.path() == "/api/v2/users").unwrap();
    let sent_body: Value = serde_json::from_slice(&create.body).unwrap();
    let keys: Vec<&str> = sent_body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["connection", "email", "email_verified", "password", "verify_email"]);
    assert_eq!(sent_body["email"], "ada@example.com");
    assert_eq!(sent_body["password"].as_str().unwrap().len(), 40);
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let auth0 = client(&server);
    assert!(auth0.clients().get("a/b").await.is_err());
    assert!(auth0.clients().create(&CreateClientRequestContent::regular_web_app("<x>")).await.is_err());
    assert!(auth0.users().by_email("not-an-email").await.is_err());
    assert!(auth0.connections().set_enabled_clients("con", &[]).await.is_err());
    assert!(auth0.tickets().password_change(&ChangePasswordTicketRequestContent::default()).await.is_err());
    assert!(auth0.users().list().per_page(0).all().await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn connection_lists_are_read_in_every_response_shape() {
    let conn = |i: u32| json!({"id": format!("con_{i:016}"), "name": format!("c{i}"), "strategy": "auth0"});
    // Checkpoint: follows `next` with `from`.
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/connections"))
        .and(query_param("take", "2"))
        .and(query_param_is_missing("from"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"connections": [conn(1), conn(2)], "next": "n1"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/connections"))
        .and(query_param("from", "n1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"connections": [conn(3)]})))
        .mount(&server)
        .await;
    let all = client(&server).connections().list().strategy("auth0").take(2).all().await.unwrap();
    assert_eq!(all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["c1", "c2", "c3"]);

    // Offset pages (a server that ignores `take`): continues by page number until `total`.
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/connections"))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"start": 0, "limit": 2, "total": 3, "connections": [conn(1), conn(2)]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/connections"))
        .and(query_param("page", "1"))
        .and(query_param("include_totals", "true"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"start": 2, "limit": 2, "total": 3, "connections": [conn(3)]})),
        )
        .mount(&server)
        .await;
    let all = client(&server).connections().list().take(2).all().await.unwrap();
    assert_eq!(all.len(), 3);

    // A bare array is the whole answer.
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/connections"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([conn(1)])))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client(&server).connections().list().all().await.unwrap().len(), 1);
}
