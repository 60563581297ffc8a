//! `sync_env` request counts: a converged set costs the list request alone.

mod common;

use common::setup;
use serde_json::json;
use vercel_client::{EnvTarget::*, NewEnvVar};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn desired() -> Vec<NewEnvVar> {
    vec![
        NewEnvVar::encrypted("APP_URL", "https://chat.example.com", [Production, Preview]),
        NewEnvVar::sensitive("AUTH_SECRET", "auth-secret-value", [Production, Preview]),
        NewEnvVar::plain("AUTH_SSO_PROVIDERS", "auth0", [Production, Preview]),
    ]
}

#[tokio::test]
async fn converged_set_sends_only_the_list() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .and(query_param("decrypt", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envs": [
            {"id": "e1", "key": "APP_URL", "value": "https://chat.example.com", "type": "encrypted", "target": ["preview", "production"], "decrypted": true},
            {"id": "e2", "key": "AUTH_SECRET", "type": "sensitive", "target": ["production", "preview"], "decrypted": false},
            {"id": "e3", "key": "AUTH_SSO_PROVIDERS", "value": "auth0", "type": "plain", "target": ["production", "preview"]},
            {"id": "e4", "key": "UNRELATED", "value": "x", "type": "plain", "target": ["development"]}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let report = client.sync_env("prj_1", desired()).send().await.unwrap();
    assert!(report.is_converged(), "{report}");
    assert_eq!(report.requests, 1);
    assert_eq!(report.unchanged.len(), 3);
    assert_eq!(report.left_alone.len(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn changes_cost_one_batch_create_one_patch_each_and_one_batch_delete() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envs": [
            {"id": "e1", "key": "APP_URL", "value": "https://old.example.com", "type": "encrypted", "target": ["production", "preview"], "decrypted": true},
            {"id": "e5", "key": "NEXT_PUBLIC_SERVICE_MODE", "value": "server", "type": "plain", "target": ["production", "preview"]},
            {"id": "e6", "key": "DATABASE_URL", "type": "encrypted", "target": ["production"], "configurationId": "icfg_neon", "value": "x", "decrypted": true}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/env"))
        .and(body_json(json!([
            {"key": "AUTH_SECRET", "value": "auth-secret-value", "type": "sensitive", "target": ["production", "preview"]},
            {"key": "AUTH_SSO_PROVIDERS", "value": "auth0", "type": "plain", "target": ["production", "preview"]}
        ])))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"created": [], "failed": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v9/projects/prj_1/env/e1"))
        .and(body_json(json!({"value": "https://chat.example.com"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "e1", "key": "APP_URL", "type": "encrypted", "target": ["production", "preview"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/projects/prj_1/env"))
        .and(body_json(json!({"ids": ["e5"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"deleted": 1, "ids": ["e5"]})))
        .expect(1)
        .mount(&server)
        .await;
    let report = client
        .env("prj_1")
        .sync(desired())
        .delete_keys(["NEXT_PUBLIC_SERVICE_MODE", "ACCESS_CODE"])
        .delete_unlisted(true)
        .send()
        .await
        .unwrap();
    assert_eq!(report.requests, 4, "{report}");
    assert_eq!(
        report.created.iter().map(|v| v.key.as_str()).collect::<Vec<_>>(),
        ["AUTH_SECRET", "AUTH_SSO_PROVIDERS"]
    );
    assert_eq!(report.updated[0].key, "APP_URL");
    assert_eq!(report.deleted[0].key, "NEXT_PUBLIC_SERVICE_MODE");
    assert_eq!(report.left_alone[0].key, "DATABASE_URL", "integration-owned variables are never deleted");
    let shown = format!("{report} {report:?}");
    assert!(!shown.contains("auth-secret-value") && !shown.contains("chat.example.com"), "{shown}");
}

#[tokio::test]
async fn sensitive_is_rewritten_only_when_asked_and_overlaps_are_retargeted() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envs": [
            {"id": "e2", "key": "AUTH_SECRET", "type": "sensitive", "target": ["production", "preview"]},
            {"id": "e3", "key": "AUTH_SSO_PROVIDERS", "value": "auth0", "type": "plain", "target": ["production", "preview", "development"]},
            {"id": "e1", "key": "APP_URL", "value": "https://chat.example.com", "type": "encrypted", "target": ["production", "preview"], "decrypted": true}
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v9/projects/prj_1/env/e2"))
        .and(body_json(json!({"value": "auth-secret-value"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"id": "e2", "key": "AUTH_SECRET", "type": "sensitive", "target": ["production"]}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v9/projects/prj_1/env/e3"))
        .and(body_json(json!({"target": ["production", "preview"]})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"id": "e3", "key": "AUTH_SSO_PROVIDERS", "type": "plain", "target": ["production"]}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let report = client.sync_env("prj_1", desired()).overwrite_sensitive(true).send().await.unwrap();
    assert_eq!(report.requests, 3);
    assert_eq!(report.updated.len(), 2);
    assert_eq!(report.unchanged.len(), 1);
}

#[tokio::test]
async fn invalid_desired_sets_send_nothing() {
    let (server, client) = setup().await;
    let dup = vec![NewEnvVar::plain("A", "1", [Production]), NewEnvVar::plain("A", "2", [Production])];
    assert!(client.sync_env("prj_1", dup).send().await.is_err());
    let bad = vec![NewEnvVar::sensitive("NEXT_PUBLIC_APP", "1", [Production])];
    assert!(client.sync_env("prj_1", bad).send().await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn integration_owned_variables_are_not_rewritten() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envs": [
            {"id": "e6", "key": "DATABASE_URL", "type": "encrypted", "target": ["production", "preview"], "configurationId": "icfg_neon"}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let desired = vec![NewEnvVar::sensitive("DATABASE_URL", "postgres://x", [Production])];
    let err = client.sync_env("prj_1", desired).send().await.unwrap_err();
    assert_eq!(err.kind(), &vercel_client::ErrorKind::EnvConflict);
    assert!(err.to_string().contains("icfg_neon") && !err.to_string().contains("postgres://x"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

async fn mount_existing(server: &wiremock::MockServer) {
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envs": [
            {"id": "e1", "key": "APP_URL", "value": "https://old.example.com", "type": "encrypted", "target": ["preview", "production"], "decrypted": true},
            {"id": "e2", "key": "AUTH_SECRET", "type": "sensitive", "target": ["production", "preview"], "decrypted": false},
            {"id": "e5", "key": "S3_SECRET_ACCESS_KEY", "type": "sensitive", "target": ["production", "preview"], "decrypted": false}
        ]})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn overwrite_keys_rewrites_only_the_named_sensitive_variable() {
    let (server, client) = setup().await;
    mount_existing(&server).await;
    Mock::given(method("PATCH"))
        .and(path("/v9/projects/prj_1/env/e5"))
        .and(body_json(json!({"value": "rotated-secret"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "e5", "key": "S3_SECRET_ACCESS_KEY", "type": "sensitive", "target": ["production", "preview"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let desired = vec![
        NewEnvVar::sensitive("AUTH_SECRET", "auth-secret-value", [Production, Preview]),
        NewEnvVar::sensitive("S3_SECRET_ACCESS_KEY", "rotated-secret", [Production, Preview]),
    ];
    let report = client.sync_env("prj_1", desired).overwrite_keys(["S3_SECRET_ACCESS_KEY"]).send().await.unwrap();
    assert_eq!(report.requests, 2);
    assert_eq!(report.updated.iter().map(|v| v.key.as_str()).collect::<Vec<_>>(), ["S3_SECRET_ACCESS_KEY"]);
    assert_eq!(report.unchanged.len(), 1);
}

#[tokio::test]
async fn dry_run_reports_without_writing() {
    let (server, client) = setup().await;
    mount_existing(&server).await;
    let desired = vec![
        NewEnvVar::encrypted("APP_URL", "https://chat.example.com", [Production, Preview]),
        NewEnvVar::plain("S3_BUCKET", "files", [Production, Preview]),
    ];
    let report = client.sync_env("prj_1", desired).dry_run(true).send().await.unwrap();
    assert_eq!(report.requests, 1);
    assert_eq!(report.updated.len(), 1);
    assert_eq!(report.created.len(), 1);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "only the list request is sent");
}

#[tokio::test]
async fn a_given_listing_saves_the_list_request() {
    let (server, client) = setup().await;
    let existing = vec![
        serde_json::from_value::<vercel_client::EnvVar>(json!({"id": "e1", "key": "APP_URL", "value": "https://chat.example.com", "type": "encrypted", "target": ["production", "preview"], "decrypted": true})).unwrap(),
    ];
    let desired = vec![NewEnvVar::encrypted("APP_URL", "https://chat.example.com", [Production, Preview])];
    let report = client.sync_env("prj_1", desired).existing(existing).send().await.unwrap();
    assert!(report.is_converged());
    assert_eq!(report.requests, 0);
    assert!(server.received_requests().await.unwrap().is_empty());
}
