//! Wire format of the environment variable operations, and the rules checked before sending.

mod common;

use common::setup;
use secrecy::ExposeSecret;
use serde_json::json;
use vercel_client::{EnvTarget::*, EnvType, ErrorKind, NewEnvVar};
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

fn env_json(
    id: &str,
    key: &str,
    value: Option<&str>,
    kind: &str,
    target: serde_json::Value,
    decrypted: bool,
) -> serde_json::Value {
    let mut v = json!({"id": id, "key": key, "type": kind, "target": target, "gitBranch": null, "decrypted": decrypted,
                       "createdAt": 1, "updatedAt": 2, "configurationId": null, "unknownField": 1});
    if let Some(value) = value {
        v["value"] = json!(value);
    }
    v
}

#[tokio::test]
async fn list_accepts_both_shapes_and_get_is_decrypted() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .and(query_param_is_missing("decrypt"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envs": [
            env_json("e1", "A", Some("eyJ.cipher"), "encrypted", json!(["production", "preview"]), false),
            env_json("e2", "S", None, "sensitive", json!("production"), false),
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .and(query_param("decrypt", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envs": [
            env_json("e1", "A", Some("plain-a"), "encrypted", json!(["production"]), true)],
            "pagination": {"count": 1, "next": null, "prev": null}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/projects/prj_1/env/e1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(env_json(
            "e1",
            "A",
            Some("plain-a"),
            "encrypted",
            json!(["production"]),
            true,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let env = client.env("prj_1");
    let all = env.list().await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[0].readable_value().is_none(), "ciphertext is not a readable value");
    assert_eq!(all[1].kind, EnvType::Sensitive);
    assert_eq!(all[1].target.iter().copied().collect::<Vec<_>>(), [Production]);
    let decrypted = env.list_decrypted().await.unwrap();
    assert_eq!(decrypted[0].readable_value().unwrap().expose_secret(), "plain-a");
    let one = env.get("e1").await.unwrap();
    assert_eq!(one.readable_value().unwrap().expose_secret(), "plain-a");
    assert!(!format!("{one:?}").contains("plain-a"), "Debug never shows a value");
}

#[tokio::test]
async fn create_one_sends_an_object_and_many_send_an_array() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/env"))
        .and(query_param_is_missing("upsert"))
        .and(body_json(json!({"key": "APP_URL", "value": "https://chat.example.com", "type": "plain",
                               "target": ["production", "preview"], "comment": "managed"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "created": env_json("e1", "APP_URL", Some("https://chat.example.com"), "plain", json!(["production", "preview"]), false),
            "failed": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/env"))
        .and(query_param("upsert", "true"))
        .and(body_json(json!([
            {"key": "A", "value": "1", "type": "encrypted", "target": ["production"]},
            {"key": "B", "value": "2", "type": "sensitive", "target": ["preview"], "gitBranch": "dev"}
        ])))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "created": [env_json("e2", "A", Some("x"), "encrypted", json!(["production"]), false),
                        env_json("e3", "B", None, "sensitive", json!(["preview"]), false)],
            "failed": []})))
        .expect(1)
        .mount(&server)
        .await;
    let env = client.env("prj_1");
    let one = env
        .create(vec![NewEnvVar::plain("APP_URL", "https://chat.example.com", [Production, Preview]).comment("managed")])
        .send()
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    let many = env
        .create(vec![
            NewEnvVar::encrypted("A", "1", [Production]),
            NewEnvVar::sensitive("B", "2", [Preview]).git_branch("dev"),
        ])
        .upsert(true)
        .send()
        .await
        .unwrap();
    assert_eq!(many.len(), 2);
}

#[tokio::test]
async fn a_201_with_failed_entries_is_an_error_naming_each_key_without_values() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "created": [],
            "failed": [
                {"error": {"code": "ENV_CONFLICT", "message": "A variable with the name `A` already exists (value very-secret-a)",
                           "key": "A", "target": ["production"], "value": "very-secret-a"}},
                {"error": {"code": "ENV_ALREADY_EXISTS", "message": "exists", "envVarKey": "B", "target": "preview"}}
            ]})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .env("prj_1")
        .create(vec![
            NewEnvVar::encrypted("A", "very-secret-a", [Production]),
            NewEnvVar::encrypted("B", "very-secret-b", [Preview]),
        ])
        .send()
        .await
        .unwrap_err();
    let failed = err.failed_env_vars();
    assert_eq!(failed.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["A", "B"]);
    assert_eq!(failed[0].code.as_deref(), Some("ENV_CONFLICT"));
    assert_eq!(failed[1].target, ["preview"]);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("A (ENV_CONFLICT)") && shown.contains("B (ENV_ALREADY_EXISTS)"), "{shown}");
    assert!(!shown.contains("very-secret"), "{shown}");
}

#[tokio::test]
async fn single_conflict_is_env_conflict() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "code": "ENV_CONFLICT", "message": "A variable with the name `A` already exists for the target production: value s3cr3t-val",
            "envVarKey": "A", "value": "s3cr3t-val"}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .env("prj_1")
        .create(vec![NewEnvVar::encrypted("A", "s3cr3t-val", [Production])])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::EnvConflict);
    assert_eq!(err.metadata().unwrap().extra("envVarKey"), Some("A"));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("s3cr3t-val"), "server echoes are scrubbed: {shown}");
}

#[tokio::test]
async fn edit_delete_and_batch_delete() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/v9/projects/prj_1/env/e1"))
        .and(body_json(json!({"value": "new", "type": "sensitive", "target": ["production", "preview"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(env_json(
            "e1",
            "A",
            None,
            "sensitive",
            json!(["production", "preview"]),
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v9/projects/prj_1/env/e1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(env_json(
            "e1",
            "A",
            None,
            "sensitive",
            json!(["production"]),
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/projects/prj_1/env"))
        .and(body_json(json!({"ids": ["e2", "e3"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"deleted": 2, "ids": ["e2", "e3"]})))
        .expect(1)
        .mount(&server)
        .await;
    let env = client.env("prj_1");
    let edited =
        env.edit("e1").value("new").kind(EnvType::Sensitive).targets([Preview, Production]).send().await.unwrap();
    assert_eq!(edited.kind, EnvType::Sensitive);
    env.delete("e1").await.unwrap();
    let out = env.batch_delete(&["e2".into(), "e3".into()]).await.unwrap();
    assert_eq!(out.deleted, 2);
}

#[tokio::test]
async fn vercel_rules_are_checked_before_sending() {
    let (server, client) = setup().await;
    let env = client.env("prj_1");
    let cases = vec![
        (NewEnvVar::sensitive("AUTH_SECRET", "x", [Production, Development]), "development"),
        (NewEnvVar::sensitive("NEXT_PUBLIC_X", "x", [Production]), "NEXT_PUBLIC_"),
        (NewEnvVar::encrypted("A", "x", [Production]).git_branch("dev"), "gitBranch"),
        (NewEnvVar::encrypted("A", "x", [Preview, Production]).git_branch("dev"), "gitBranch"),
        (NewEnvVar::new("A", "x", EnvType::System, [Production]), "cannot be written"),
        (NewEnvVar::new("A", "x", EnvType::Unknown, [Production]), "cannot be written"),
        (NewEnvVar::encrypted("1BAD", "x", [Production]), "env key"),
        (NewEnvVar::encrypted("A", "x", []), "target"),
        (NewEnvVar::encrypted("A", "x".repeat(70_000), [Production]), "larger"),
    ];
    for (var, expected) in cases {
        let err = env.create(vec![var]).send().await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains(expected), "{err} should mention {expected}");
    }
    let dup = env
        .create(vec![
            NewEnvVar::encrypted("A", "1", [Production]),
            NewEnvVar::encrypted("A", "2", [Production, Preview]),
        ])
        .send()
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), &ErrorKind::InvalidInput);
    assert!(env.edit("e1").kind(EnvType::Sensitive).targets([Development]).send().await.is_err());
    assert!(env.edit("e1").send().await.is_err());
    assert!(env.batch_delete(&[]).await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing was sent");
}

#[test]
fn values_never_appear_in_debug() {
    let v = NewEnvVar::sensitive("AUTH_SECRET", "hunter2-hunter2", [Production]);
    let shown = format!("{v:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("REDACTED"));
}
