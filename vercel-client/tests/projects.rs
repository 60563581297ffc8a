//! Wire format of the project operations.

mod common;

use common::{TOKEN, project_json, setup};
use serde_json::json;
use vercel_client::{ErrorKind, GitRepository};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn create_sends_the_documented_body_and_accepts_200() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v11/projects"))
        .and(query_param("teamId", "team_1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "lobechat", "framework": "nextjs",
            "gitRepository": {"type": "github", "repo": "myorg/lobehub"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(project_json("prj_1", "lobechat")))
        .expect(1)
        .mount(&server)
        .await;
    let p = client
        .projects()
        .create("lobechat")
        .framework("nextjs")
        .git_repository(GitRepository::github("myorg/lobehub"))
        .send()
        .await
        .unwrap();
    assert_eq!(p.id, "prj_1");
    assert!(p.is_linked_to("myorg/lobehub"));
    assert_eq!(p.link.unwrap().numeric_repo_id(), Some(123456789));
}

#[tokio::test]
async fn create_with_env_and_disabled_protection() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v11/projects"))
        .and(body_json(json!({
            "name": "lobechat", "ssoProtection": null,
            "environmentVariables": [{"key": "A", "value": "v", "type": "encrypted", "target": ["production", "preview"]}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(project_json("prj_1", "lobechat")))
        .expect(1)
        .mount(&server)
        .await;
    use vercel_client::{EnvTarget::*, NewEnvVar};
    client
        .projects()
        .create("lobechat")
        .disable_vercel_authentication()
        .environment_variables(vec![NewEnvVar::encrypted("A", "v", [Preview, Production])])
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn taken_name_is_a_conflict_and_is_not_retried() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v11/projects"))
        .respond_with(
            ResponseTemplate::new(409).insert_header("x-vercel-id", "fra1::abc").set_body_json(
                json!({"error": {"code": "conflict", "message": "Project \"lobechat\" already exists."}}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client.projects().create("lobechat").send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Conflict);
    assert_eq!(err.code(), Some("conflict"));
    assert_eq!(err.request_id(), Some("fra1::abc"));
    assert_eq!(err.operation(), "createProject");
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[tokio::test]
async fn missing_github_connection_shows_action_and_link() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v11/projects"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "code": "bad_request",
            "message": "Failed to link myorg/lobehub. You need to add a Login Connection to your GitHub account first.",
            "action": "Add a Login Connection",
            "link": "https://vercel.com/docs/accounts/create-an-account#login-methods-and-connections",
            "repo": "myorg/lobehub"
        }})))
        .mount(&server)
        .await;
    let err = client
        .projects()
        .create("lobechat")
        .git_repository(GitRepository::github("myorg/lobehub"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::GitIntegration);
    assert_eq!(err.action(), Some("Add a Login Connection"));
    assert_eq!(err.link(), Some("https://vercel.com/docs/accounts/create-an-account#login-methods-and-connections"));
    let shown = err.to_string();
    assert!(shown.contains("Add a Login Connection") && shown.contains("https://vercel.com/docs/accounts"), "{shown}");
}

#[tokio::test]
async fn github_app_missing_and_repo_not_found() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v9/projects/lobechat/link"))
        .and(body_json(json!({"type": "github", "repo": "myorg/lobehub"})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "code": "bad_request", "message": "Install the GitHub App", "action": "Install GitHub App",
            "link": "https://github.com/apps/vercel"}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v9/projects/lobechat/link"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": {"code": "repo_not_found", "message": "Repository not found"}})),
        )
        .mount(&server)
        .await;
    let repo = GitRepository::github("myorg/lobehub");
    let err = client.projects().link("lobechat", &repo).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::GitIntegration);
    assert_eq!(err.action(), Some("Install GitHub App"));
    let err = client.projects().link("lobechat", &repo).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::GitIntegration);
    assert_eq!(err.code(), Some("repo_not_found"));
}

#[tokio::test]
async fn get_find_update_delete_link_unlink() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/lobechat"))
        .and(query_param("teamId", "team_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(project_json("prj_1", "lobechat")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/missing"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": {"code": "not_found", "message": "Project not found"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v9/projects/prj_1"))
        .and(body_json(json!({"buildCommand": "bun run build:vercel", "framework": "nextjs"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(project_json("prj_1", "lobechat")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v9/projects/prj_1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v9/projects/prj_1/link"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "prj_1", "name": "lobechat"})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client.projects().get("lobechat").await.unwrap().name, "lobechat");
    assert!(client.projects().find("missing").await.unwrap().is_none());
    client.projects().update("prj_1").framework("nextjs").build_command("bun run build:vercel").send().await.unwrap();
    client.projects().delete("prj_1").await.unwrap();
    let p = client.projects().unlink("prj_1").await.unwrap();
    assert!(p.link.is_none());
}

#[tokio::test]
async fn list_reads_every_page_with_from() {
    let (server, client) = setup().await;
    // getProjects (v10) pages with `from` (vsdk projectsGetProjects.ts), and `next` may be a continuation token.
    Mock::given(method("GET"))
        .and(path("/v10/projects"))
        .and(query_param("from", "GEZDGNBVGY3TQOJQ"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "projects": [project_json("prj_3", "c")], "pagination": {"count": 1, "next": null}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v10/projects"))
        .and(query_param("from", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "projects": [project_json("prj_2", "b")], "pagination": {"count": 1, "next": "GEZDGNBVGY3TQOJQ"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v10/projects"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "projects": [project_json("prj_1", "a")], "pagination": {"count": 1, "next": 1000, "prev": null}})))
        .expect(1)
        .mount(&server)
        .await;
    let all = client.projects().list().await.unwrap();
    assert_eq!(all.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["prj_1", "prj_2", "prj_3"]);
    for r in server.received_requests().await.unwrap() {
        assert!(!r.url.query().unwrap_or_default().contains("until"), "getProjects v10 takes no `until`: {}", r.url);
    }
}

#[tokio::test]
async fn bad_names_are_refused_before_sending() {
    let (server, client) = setup().await;
    for name in ["", "Has Upper", "a---b", &"x".repeat(101)] {
        let err = client.projects().create(name).send().await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{name}");
    }
    let err =
        client.projects().create("ok").git_repository(GitRepository::github("no-slash")).send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    assert!(client.projects().get("a/b").await.is_err());
    assert!(client.projects().update("p").send().await.is_err(), "an empty PATCH is refused");
    assert!(server.received_requests().await.unwrap().is_empty());
}
