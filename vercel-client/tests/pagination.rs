//! Pagination against a server that ignores the cursor and repeats its pages: no item twice, nothing deleted by
//! `sync_env`, no endless loop (field-truth §4.2: `filterProjectEnvs` documents no cursor, `getProjects` pages
//! with `from`, domains and deployments with `until`).

mod common;

use common::{project_json, setup};
use serde_json::json;
use vercel_client::{EnvTarget::*, ErrorKind, NewEnvVar};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// The env listing a broken server gives whatever the query: a `next` cursor, and one variable twice.
fn env_page() -> serde_json::Value {
    json!({"envs": [
        {"id": "e1", "key": "APP_URL", "value": "https://chat.example.com", "type": "encrypted", "target": ["production", "preview"], "decrypted": true},
        {"id": "e2", "key": "S3_BUCKET", "value": "lobe", "type": "encrypted", "target": ["production", "preview"], "decrypted": true},
        {"id": "e1", "key": "APP_URL", "value": "https://chat.example.com", "type": "encrypted", "target": ["production", "preview"], "decrypted": true}
    ], "pagination": {"count": 3, "next": 1700000000000_i64, "prev": null}})
}

#[tokio::test]
async fn env_listing_sends_no_cursor_keeps_each_variable_once_and_sync_deletes_nothing() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v10/projects/prj_1/env"))
        .respond_with(ResponseTemplate::new(200).set_body_json(env_page()))
        .mount(&server)
        .await;
    let listed = client.env("prj_1").list_decrypted().await.unwrap();
    assert_eq!(listed.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["e1", "e2"]);

    let desired = vec![
        NewEnvVar::encrypted("APP_URL", "https://chat.example.com", [Production, Preview]),
        NewEnvVar::encrypted("S3_BUCKET", "lobe", [Production, Preview]),
    ];
    let report = client.sync_env("prj_1", desired).send().await.unwrap();
    assert!(report.is_converged(), "{report}");
    assert!(report.deleted.is_empty(), "a repeated page made a managed variable look superseded: {report}");
    assert_eq!(report.unchanged.len(), 2);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2, "one list request per listing, no write");
    for r in &requests {
        assert_eq!(r.method.as_str(), "GET");
        let query = r.url.query().unwrap_or_default();
        assert!(!query.contains("until") && !query.contains("limit"), "filterProjectEnvs defines neither: {query}");
    }
}

#[tokio::test]
async fn project_listing_that_repeats_its_cursor_ends_with_a_pagination_error() {
    let (server, client) = setup().await;
    // The server ignores `from` and answers page 1 with the same `next` forever.
    Mock::given(method("GET"))
        .and(path("/v10/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "projects": [project_json("prj_1", "a"), project_json("prj_1", "a")],
            "pagination": {"count": 2, "next": 1000, "prev": null}})))
        .mount(&server)
        .await;
    let err = client.projects().list().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Pagination, "{err}");
    assert!(err.to_string().contains("repeated"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "page 1, then the repeated cursor is refused");
}

#[tokio::test]
async fn domain_and_deployment_listings_page_with_until_and_drop_repeats() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/prj_1/domains"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "domains": [{"name": "lobehub-x.vercel.app", "apexName": "vercel.app", "projectId": "prj_1", "verified": true},
                        {"name": "lobehub-x.vercel.app", "apexName": "vercel.app", "projectId": "prj_1", "verified": true}],
            "pagination": {"count": 2, "next": 77, "prev": null}})))
        .mount(&server)
        .await;
    let err = client.domains("prj_1").list().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Pagination);
    let second = &server.received_requests().await.unwrap()[1];
    assert_eq!(
        second.url.query_pairs().find(|(k, _)| k == "until").map(|(_, v)| v.into_owned()).as_deref(),
        Some("77")
    );

    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v7/deployments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "deployments": [{"uid": "dpl_1", "state": "READY"}, {"uid": "dpl_1", "state": "READY"}],
            "pagination": {"count": 2, "next": 5, "prev": null}})))
        .mount(&server)
        .await;
    let one = client.deployments().list(Some("prj_1"), Some("production"), 1).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
