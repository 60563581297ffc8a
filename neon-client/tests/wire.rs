//! Wire tests: what `neon-client` sends and how it reads Neon's answers (shapes from the Neon API v2 reference).

use neon_client::{ErrorKind, NeonClient};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> NeonClient {
    NeonClient::builder()
        .api_key(SecretString::from("napi_test_key"))
        .base_url(format!("{}/api/v2", server.uri()))
        .retry_policy(
            cloud_http::RetryPolicy::default()
                .with_min_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

fn project(id: &str, name: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "name": name, "region_id": "aws-eu-central-1", "pg_version": 17,
        "created_at": "2026-11-29T10:00:00Z", "org_id": "org-1"})
}

#[tokio::test]
async fn create_sends_the_documented_body_and_keeps_the_uri_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/projects"))
        .and(header("authorization", "Bearer napi_test_key"))
        .and(body_json(serde_json::json!({"project": {"name": "lobehub", "region_id": "aws-eu-central-1"}})))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "project": project("p-1", "lobehub"),
            "branch": {"id": "br-1", "name": "main", "default": true, "primary": true},
            "databases": [{"id": 1, "branch_id": "br-1", "name": "neondb", "owner_name": "neondb_owner"}],
            "endpoints": [{"id": "ep-1", "host": "ep-1.eu-central-1.aws.neon.tech", "branch_id": "br-1", "type": "read_write"}],
            "roles": [{"branch_id": "br-1", "name": "neondb_owner", "password": "pw-secret"}],
            "operations": [{"id": "op-1", "action": "create_timeline", "status": "running"}],
            "connection_uris": [{
                "connection_uri": "postgresql://neondb_owner:pw-secret@ep-1.eu-central-1.aws.neon.tech/neondb?sslmode=require",
                "connection_parameters": {"database": "neondb", "password": "pw-secret", "role": "neondb_owner",
                    "host": "ep-1.eu-central-1.aws.neon.tech", "pooler_host": "ep-1-pooler.eu-central-1.aws.neon.tech"}
            }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let created = client(&server).projects().create("lobehub").region("aws-eu-central-1").send().await.unwrap();
    assert_eq!(created.project.id, "p-1");
    assert_eq!(created.branch.as_ref().map(|b| b.is_default()), Some(true));
    assert_eq!(created.databases[0].owner_name, "neondb_owner");
    let uri = &created.connection_uris[0];
    assert!(uri.connection_uri.expose_secret().contains("pw-secret"));
    assert!(!format!("{created:?}").contains("pw-secret"), "Debug must not show the password");
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = MockServer::start().await;
    let neon = client(&server);
    let e = neon.projects().create("").send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidInput);
    let e = neon.projects().create("x").region("eu-central-1").send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidInput);
    let e = neon.projects().get("a/b").await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidInput);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn list_follows_the_cursor_and_find_matches_the_exact_name() {
    let server = MockServer::start().await;
    let first: Vec<_> = (0..100).map(|i| project(&format!("p-{i}"), &format!("lobehub-{i}"))).collect();
    Mock::given(method("GET"))
        .and(path("/api/v2/projects"))
        .and(query_param("cursor", "p-99"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "projects": [project("p-100", "lobehub")], "pagination": {"cursor": "p-100"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/projects"))
        .and(query_param("search", "lobehub"))
        .and(query_param("limit", "100"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"projects": first, "pagination": {"cursor": "p-99"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let found = client(&server).projects().find_by_name("lobehub").await.unwrap().unwrap();
    assert_eq!(found.id, "p-100");
}

#[tokio::test]
async fn two_projects_of_one_name_are_a_conflict() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "projects": [project("p-1", "lobehub"), project("p-2", "lobehub")]})))
        .mount(&server)
        .await;
    let e = client(&server).projects().find_by_name("lobehub").await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Conflict);
    assert!(e.to_string().contains("p-1") && e.to_string().contains("p-2"));
}

#[tokio::test]
async fn connection_uri_asks_for_the_direct_uri_of_the_default_branch() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/projects/p-1/branches"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"branches": [
            {"id": "br-dev", "name": "dev", "default": false}, {"id": "br-1", "name": "main", "default": true}]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/projects/p-1/branches/br-1/databases"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"databases": [
            {"id": 1, "branch_id": "br-1", "name": "neondb", "owner_name": "neondb_owner"}]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/projects/p-1/connection_uri"))
        .and(query_param("branch_id", "br-1"))
        .and(query_param("database_name", "neondb"))
        .and(query_param("role_name", "neondb_owner"))
        .and(query_param("pooled", "false"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"uri": "postgresql://neondb_owner:pw@ep-1.neon.tech/neondb"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let uri = client(&server).projects().default_connection_uri("p-1", false).await.unwrap();
    assert_eq!(uri.expose_secret(), "postgresql://neondb_owner:pw@ep-1.neon.tech/neondb");
}

#[tokio::test]
async fn locked_is_retried_even_for_a_delete_and_errors_carry_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/projects/p-1"))
        .respond_with(
            ResponseTemplate::new(423)
                .insert_header("x-neon-ret-request-id", "req-423")
                .set_body_json(serde_json::json!({"code": "", "message": "project already has running operations"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/projects/p-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"project": project("p-1", "x")})))
        .mount(&server)
        .await;
    assert_eq!(client(&server).projects().delete("p-1").await.unwrap().id, "p-1");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/projects/p-404"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-neon-ret-request-id", "req-404")
                .set_body_json(serde_json::json!({"code": "", "message": "project not found"})),
        )
        .mount(&server)
        .await;
    let e = client(&server).projects().get("p-404").await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.request_id(), Some("req-404"));
    assert_eq!(e.message(), Some("project not found"));
}

#[tokio::test]
async fn a_create_whose_answer_failed_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/projects"))
        .respond_with(ResponseTemplate::new(503).set_body_json(serde_json::json!({"message": "unavailable"})))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server).projects().create("lobehub").send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Server);
}

#[tokio::test]
async fn a_garbled_answer_is_a_decode_error_that_quotes_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/projects/p-1/connection_uri"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"uri": 42, "pw": "pw-secret"})))
        .mount(&server)
        .await;
    let e = client(&server).projects().connection_uri("p-1", None, "neondb", "owner", false).await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Decode);
    assert_eq!(e.operation(), "getConnectionUri");
    assert!(!e.to_string().contains("pw-secret"));
}

#[tokio::test]
async fn the_api_key_is_scrubbed_from_echoed_messages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/projects/p-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({"message": "bad key napi_test_key"})))
        .mount(&server)
        .await;
    let e = client(&server).projects().get("p-1").await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Unauthorized);
    assert!(!e.to_string().contains("napi_test_key"));
}
