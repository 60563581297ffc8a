//! Deployment states and error answers as Vercel sends them (field-truth §4.3–§4.5).

mod common;

use common::setup;
use serde_json::json;
use std::time::Duration;
use vercel_client::{EnvTarget::*, ErrorKind, NewEnvVar, WaitOptions};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn fast() -> WaitOptions {
    WaitOptions::default().poll_interval(Duration::from_millis(1)).timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn blocked_is_not_waited_on_and_names_the_block_code() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "dpl_1", "readyState": "BLOCKED", "aliasAssigned": false,
            "seatBlock": {"blockCode": "COMMIT_AUTHOR_REQUIRED"}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client.deployments().wait_until_ready("dpl_1", fast()).await.unwrap_err();
    let failure = err.deployment_failure().expect("a deployment failure");
    assert_eq!(failure.ready_state, "BLOCKED");
    assert_eq!(failure.error_code.as_deref(), Some("COMMIT_AUTHOR_REQUIRED"));
}

#[tokio::test]
async fn ready_but_staged_is_not_live() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "dpl_1", "readyState": "READY", "readySubstate": "STAGED", "aliasAssigned": true})))
        .mount(&server)
        .await;
    let d = client.deployments().get("dpl_1").await.unwrap();
    assert!(!d.is_ready());
    let err = client.deployments().wait_until_ready("dpl_1", fast()).await.unwrap_err();
    assert!(err.to_string().contains("STAGED"), "{err}");
}

#[tokio::test]
async fn an_all_failed_env_create_surfaces_each_variable_without_its_value() {
    let (server, client) = setup().await;
    let secret = "postgres://u:hunter2-very-secret@db/x";
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "created": [], "failed": [
                {"error": {"code": "ENV_CONFLICT", "key": "DATABASE_URL", "value": secret,
                           "message": format!("A variable with the name DATABASE_URL ({secret}) already exists"), "target": ["production"]}},
                {"error": {"code": "ENV_CONFLICT", "envVarKey": "APP_URL", "target": "preview"}}
            ]})))
        .mount(&server)
        .await;
    let err = client
        .env("prj_1")
        .create(vec![
            NewEnvVar::sensitive("DATABASE_URL", secret, [Production]),
            NewEnvVar::encrypted("APP_URL", "https://x.example.com", [Preview]),
        ])
        .send()
        .await
        .unwrap_err();
    let keys: Vec<&str> = err.failed_env_vars().iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["DATABASE_URL", "APP_URL"]);
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn a_non_json_error_is_redacted_before_it_is_cut() {
    let (server, client) = setup().await;
    // The secret straddles the 200-character cut: cutting first would leave a prefix the redaction misses.
    let secret = "S3CR3T-value-that-is-long-enough-to-straddle";
    let body = format!("{}{secret}", "x".repeat(180));
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(502).set_body_string(body))
        .mount(&server)
        .await;
    let err =
        client.env("prj_1").create(vec![NewEnvVar::sensitive("K", secret, [Production])]).send().await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("S3CR3T-value"), "{text}");
}

#[tokio::test]
async fn hidden_production_variables_are_a_clear_error() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envs": [], "hiddenProductionEnvCount": 4})))
        .mount(&server)
        .await;
    let err = client.env("prj_1").list_decrypted().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::HiddenProductionEnv { hidden: 4 });
    assert!(err.to_string().contains("cannot see production variables"), "{err}");
    let err = client.sync_env("prj_1", vec![]).send().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::HiddenProductionEnv { .. }));
}

#[tokio::test]
async fn codes_and_statuses_map_to_kinds() {
    let cases = [
        (
            403,
            json!({"error": {"code": "forbidden", "message": "Not authorized", "invalidToken": true}}),
            ErrorKind::InvalidToken,
        ),
        (403, json!({"error": {"code": "challenge_required", "message": "Verify"}}), ErrorKind::ChallengeRequired),
        (403, json!({"error": {"code": "forbidden", "message": "No access"}}), ErrorKind::Forbidden),
        (402, json!({"error": {"code": "payment_required", "message": "Upgrade"}}), ErrorKind::PaymentRequired),
        (410, json!({"error": {"code": "gone", "message": "Gone"}}), ErrorKind::Gone),
        (
            428,
            json!({"error": {"code": "precondition_required", "message": "Accept"}}),
            ErrorKind::PreconditionRequired,
        ),
    ];
    for (status, body, kind) in cases {
        let (server, client) = setup().await;
        Mock::given(method("GET"))
            .and(path("/v9/projects/p"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
            .mount(&server)
            .await;
        let err = client.projects().get("p").await.unwrap_err();
        assert_eq!(err.kind(), &kind, "{status} {body}");
    }
}

#[test]
fn repo_id_may_be_a_string_or_a_number() {
    let p: vercel_client::Project = serde_json::from_value(json!({
        "id": "prj_1", "name": "a", "link": {"type": "github", "repoId": 42}}))
    .unwrap();
    assert_eq!(p.link.unwrap().numeric_repo_id(), Some(42));
    let p: vercel_client::Project = serde_json::from_value(json!({
        "id": "prj_1", "name": "a", "link": {"type": "cursor-origin", "repoId": "r_abc"}}))
    .unwrap();
    assert_eq!(p.link.unwrap().repo_id, Some(vercel_client::RepoId::Text("r_abc".into())));
}
