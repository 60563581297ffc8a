//! Wire format of the deployment operations and `wait_until_ready`.

mod common;

use common::setup;
use serde_json::json;
use std::time::Duration;
use vercel_client::{ErrorKind, GitSource, ReadyState, WaitOptions};
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

fn deployment(state: &str, alias_assigned: bool) -> serde_json::Value {
    json!({"id": "dpl_1", "name": "lobechat", "url": "lobechat-abc.vercel.app", "readyState": state, "target": "production",
           "aliasAssigned": alias_assigned, "aliasError": null, "inspectorUrl": "https://vercel.com/team/lobechat/abc",
           "createdAt": 5, "errorCode": null, "errorMessage": null, "build": {"env": []}})
}

fn fast() -> WaitOptions {
    WaitOptions::default()
        .poll_interval(Duration::from_millis(5))
        .max_poll_interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn create_from_git_by_repo_id_and_by_name() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v13/deployments"))
        .and(query_param("skipAutoDetectionConfirmation", "1"))
        .and(query_param("forceNew", "1"))
        .and(body_json(json!({"name": "lobechat", "project": "prj_1", "target": "production",
                               "gitSource": {"type": "github", "repoId": 123456789, "ref": "main"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("QUEUED", false)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v13/deployments"))
        .and(query_param_is_missing("forceNew"))
        .and(body_json(json!({"name": "lobechat",
                               "gitSource": {"type": "github", "org": "myorg", "repo": "lobehub", "ref": "dev", "sha": "abc"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("QUEUED", false)))
        .expect(1)
        .mount(&server)
        .await;
    let d = client
        .deployments()
        .create("lobechat")
        .project("prj_1")
        .production()
        .force_new(true)
        .git_source(GitSource::github_repo_id(123456789, "main"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.ready_state, ReadyState::Queued);
    client
        .deployments()
        .create("lobechat")
        .git_source(GitSource::github("myorg/lobehub", "dev").sha("abc"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn redeploy_and_a_failed_create_is_not_retried() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v13/deployments"))
        .and(body_json(
            json!({"name": "lobechat", "deploymentId": "dpl_0", "withLatestCommit": true, "target": "production"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("QUEUED", false)))
        .expect(1)
        .mount(&server)
        .await;
    client
        .deployments()
        .create("lobechat")
        .redeploy("dpl_0")
        .with_latest_commit(true)
        .production()
        .send()
        .await
        .unwrap();

    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v13/deployments"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"code": "internal_server_error", "message": "boom"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client.deployments().create("lobechat").redeploy("dpl_0").send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Server);
}

#[tokio::test]
async fn create_needs_exactly_one_source() {
    let (server, client) = setup().await;
    assert!(client.deployments().create("lobechat").send().await.is_err());
    let both =
        client.deployments().create("lobechat").redeploy("dpl_0").git_source(GitSource::github_repo_id(1, "main"));
    assert_eq!(both.send().await.unwrap_err().kind(), &ErrorKind::InvalidInput);
    assert!(client.deployments().create("lobechat").git_source(GitSource::github("bad", "main")).send().await.is_err());
    assert!(client.deployments().create("lobechat").git_source(GitSource::github_repo_id(1, "")).send().await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_list_latest_cancel() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("READY", true)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v7/deployments"))
        .and(query_param("projectId", "prj_1"))
        .and(query_param("target", "production"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"deployments": [
            {"uid": "dpl_2", "name": "lobechat", "url": "x.vercel.app", "created": 9, "state": "READY", "target": "production"}],
            "pagination": {"count": 1, "next": null, "prev": null}})))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v12/deployments/dpl_1/cancel"))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("CANCELED", false)))
        .expect(1)
        .mount(&server)
        .await;
    assert!(client.deployments().get("dpl_1").await.unwrap().is_ready());
    let list = client.deployments().list(Some("prj_1"), Some("production"), 10).await.unwrap();
    assert_eq!(list[0].state(), ReadyState::Ready);
    let latest = client.deployments().latest("prj_1", Some("production")).await.unwrap().unwrap();
    assert_eq!(latest.uid, "dpl_2");
    assert_eq!(client.deployments().cancel("dpl_1").await.unwrap().ready_state, ReadyState::Canceled);
}

#[tokio::test]
async fn wait_polls_until_ready_with_alias() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("BUILDING", false)))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("READY", false)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("READY", true)))
        .mount(&server)
        .await;
    let d = client.deployments().wait_until_ready("dpl_1", fast()).await.unwrap();
    assert!(d.is_ready());
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "READY without alias keeps polling");
}

#[tokio::test]
async fn wait_returns_the_failure_with_code_message_and_inspector() {
    let (server, client) = setup().await;
    let mut failed = deployment("ERROR", false);
    failed["errorCode"] = json!("BUILD_UTILS_SPAWN_1");
    failed["errorMessage"] = json!("Command \"bun run build:vercel\" exited with 1");
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(failed))
        .mount(&server)
        .await;
    let err = client.deployments().wait_until_ready("dpl_1", fast()).await.unwrap_err();
    let f = err.deployment_failure().unwrap();
    assert_eq!(f.ready_state, "ERROR");
    assert_eq!(f.error_code.as_deref(), Some("BUILD_UTILS_SPAWN_1"));
    assert_eq!(f.inspector_url.as_deref(), Some("https://vercel.com/team/lobechat/abc"));
    assert!(err.to_string().contains("exited with 1"));

    let (server, client) = setup().await;
    let mut alias = deployment("READY", false);
    alias["aliasError"] = json!({"code": "alias_failed", "message": "could not alias"});
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(alias))
        .mount(&server)
        .await;
    let err = client.deployments().wait_until_ready("dpl_1", fast()).await.unwrap_err();
    assert!(err.deployment_failure().unwrap().alias_error.as_deref().unwrap().contains("alias_failed"));
}

#[tokio::test]
async fn wait_times_out_with_the_last_state() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v13/deployments/dpl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(deployment("BUILDING", false)))
        .mount(&server)
        .await;
    let options = fast().timeout(Duration::from_millis(60));
    let err = client.deployments().wait_until_ready("dpl_1", options).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::WaitTimedOut { id: "dpl_1".into(), last_state: "BUILDING".into() });
    let polls = server.received_requests().await.unwrap().len();
    assert!((1..=20).contains(&polls), "{polls} polls");
}
