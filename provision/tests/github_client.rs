//! Wire tests of provision's GitHub client: what it sends (method, path, query, GitHub's headers, the body of
//! "Create a fork") and how it reads GitHub's answers (shapes and examples of the REST reference, API version
//! 2022-11-28, with the many fields the client does not read).

use provision::github::{CreateFork, ErrorKind, GithubClient};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ghp_wireTestToken0000000000000000000000";

fn client(server: &MockServer) -> GithubClient {
    GithubClient::builder()
        .token(SecretString::from(TOKEN))
        .base_url(server.uri())
        .retry_policy(
            cloud_http::RetryPolicy::default()
                .with_min_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

/// Every request carries GitHub's headers.
fn github_headers(m: wiremock::MockBuilder) -> wiremock::MockBuilder {
    m.and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/vnd.github+json"))
        .and(header("x-github-api-version", "2022-11-28"))
        .and(header("user-agent", concat!("lobehub-deploy-provision/", env!("CARGO_PKG_VERSION"))))
}

/// A `simple-user` as GitHub renders it (REST reference examples).
fn user(login: &str, kind: &str) -> Value {
    json!({"login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": "https://github.com/images/error/octocat_happy.gif",
        "gravatar_id": "", "url": format!("https://api.github.com/users/{login}"), "html_url": format!("https://github.com/{login}"),
        "type": kind, "site_admin": false, "user_view_type": "public"})
}

/// A repository as GitHub renders it, with fields the client ignores.
fn repo(owner: &str, name: &str, fork: bool) -> Value {
    json!({"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": name, "full_name": format!("{owner}/{name}"),
        "owner": user(owner, "User"), "private": false, "html_url": format!("https://github.com/{owner}/{name}"),
        "description": "This your first repo!", "fork": fork, "url": format!("https://api.github.com/repos/{owner}/{name}"),
        "default_branch": "main", "visibility": "public", "forks_count": 9, "stargazers_count": 80,
        "topics": ["octocat", "api"], "permissions": {"admin": false, "push": false, "pull": true},
        "license": {"key": "mit", "name": "MIT License"}, "created_at": "2011-01-26T19:01:12Z"})
}

async fn mount(server: &MockServer, m: wiremock::MockBuilder, status: u16, body: Value) {
    github_headers(m).respond_with(ResponseTemplate::new(status).set_body_json(body)).expect(1).mount(server).await;
}

#[tokio::test]
async fn reads_the_user_a_repository_with_its_parent_and_a_branch() {
    let server = MockServer::start().await;
    mount(&server, Mock::given(method("GET")).and(path("/user")), 200, user("octocat", "User")).await;
    let mut fork = repo("octocat", "my-chat", true);
    fork["parent"] = repo("lobehub", "lobehub", false);
    fork["source"] = repo("lobehub", "lobehub", false);
    mount(&server, Mock::given(method("GET")).and(path("/repos/octocat/my-chat")), 200, fork).await;
    let branch = json!({"name": "main", "commit": {"sha": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d"},
        "protected": false, "protection_url": "https://api.github.com/repos/octocat/my-chat/branches/main/protection"});
    mount(&server, Mock::given(method("GET")).and(path("/repos/octocat/my-chat/branches/main")), 200, branch).await;

    let gh = client(&server);
    assert_eq!(gh.current_user().await.unwrap().login, "octocat");
    let r = gh.repo("octocat", "my-chat").get().await.unwrap();
    assert_eq!(
        (r.full_name.as_str(), r.owner.login.as_str(), r.default_branch.as_deref()),
        ("octocat/my-chat", "octocat", Some("main"))
    );
    assert!(r.is_fork_of("lobehub/lobehub"));
    assert_eq!(gh.repo("octocat", "my-chat").get_branch("main").await.unwrap().name, "main");
}

#[tokio::test]
async fn lists_forks_with_paging_and_reads_the_next_link() {
    let server = MockServer::start().await;
    let link = r#"<https://api.github.com/repositories/1/forks?per_page=100&page=3>; rel="next", <https://api.github.com/repositories/1/forks?per_page=100&page=9>; rel="last""#;
    github_headers(Mock::given(method("GET")).and(path("/repos/lobehub/lobehub/forks")))
        .and(query_param("per_page", "100"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([repo("alice", "lobehub", true), repo("bob", "chat", true)]))
                .insert_header("link", link),
        )
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server).repo("lobehub", "lobehub").list_forks(100, 2).await.unwrap();
    assert_eq!(page.items.iter().map(|r| r.full_name.as_str()).collect::<Vec<_>>(), ["alice/lobehub", "bob/chat"]);
    assert!(page.has_next);
}

#[tokio::test]
async fn create_fork_sends_the_documented_body_and_reads_the_202() {
    let server = MockServer::start().await;
    let mut created = repo("acme", "chat", true);
    created["parent"] = repo("lobehub", "lobehub", false);
    github_headers(Mock::given(method("POST")).and(path("/repos/lobehub/lobehub/forks")))
        .and(body_json(json!({"organization": "acme", "name": "chat", "default_branch_only": true})))
        .respond_with(ResponseTemplate::new(202).set_body_json(created))
        .expect(1)
        .mount(&server)
        .await;
    let body = CreateFork { organization: Some("acme".into()), name: Some("chat".into()), default_branch_only: true };
    let fork = client(&server).repo("lobehub", "lobehub").create_fork(&body).await.unwrap();
    assert_eq!(fork.full_name, "acme/chat");
    assert!(fork.is_fork_of("lobehub/lobehub"));
}

#[tokio::test]
async fn lists_workflows_and_enables_and_disables_one() {
    let server = MockServer::start().await;
    let list = json!({"total_count": 2, "workflows": [
        {"id": 161335, "node_id": "MDg6V29ya2Zsb3cxNjEzMzU=", "name": "CI", "path": ".github/workflows/blank.yaml",
         "state": "active", "created_at": "2020-01-08T23:48:37.000-08:00", "badge_url": "https://github.com/octo-org/octo-repo/workflows/CI/badge.svg"},
        {"id": 269289, "node_id": "MDE4OldvcmtmbG93IFNlY29uZGFyeTI2OTI4OQ==", "name": "Upstream Sync",
         "path": ".github/workflows/sync.yml", "state": "disabled_fork", "url": "https://api.github.com/repos/octo/lobehub/actions/workflows/269289"}
    ]});
    github_headers(Mock::given(method("GET")).and(path("/repos/octo/lobehub/actions/workflows")))
        .and(query_param("per_page", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list))
        .expect(1)
        .mount(&server)
        .await;
    for action in ["enable", "disable"] {
        github_headers(
            Mock::given(method("PUT")).and(path(format!("/repos/octo/lobehub/actions/workflows/269289/{action}"))),
        )
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    }
    let gh = client(&server);
    let workflows = gh.repo("octo", "lobehub").list_workflows(100).await.unwrap();
    assert_eq!(workflows[1].id, 269289);
    assert_eq!(
        (workflows[1].path.as_str(), workflows[1].state.as_str()),
        (".github/workflows/sync.yml", "disabled_fork")
    );
    gh.repo("octo", "lobehub").set_workflow_enabled(269289, true).await.unwrap();
    gh.repo("octo", "lobehub").set_workflow_enabled(269289, false).await.unwrap();
}

#[tokio::test]
async fn lists_installations_and_an_installations_repositories() {
    let server = MockServer::start().await;
    let installs = json!({"total_count": 2, "installations": [
        {"id": 1, "app_id": 1, "app_slug": "github-actions", "account": user("octo", "User"), "repository_selection": "all",
         "target_id": 1, "target_type": "User", "permissions": {"checks": "write"}, "events": ["push"]},
        {"id": 25381, "app_id": 8329, "app_slug": "vercel", "account": user("acme", "Organization"),
         "repository_selection": "selected", "target_id": 9, "target_type": "Organization", "suspended_at": null,
         "html_url": "https://github.com/organizations/acme/settings/installations/25381"}
    ]});
    github_headers(Mock::given(method("GET")).and(path("/user/installations")))
        .and(query_param("per_page", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(installs))
        .expect(1)
        .mount(&server)
        .await;
    github_headers(Mock::given(method("GET")).and(path("/user/installations/25381/repositories")))
        .and(query_param("per_page", "50"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_count": 1, "repository_selection": "selected", "repositories": [repo("acme", "chat", true)]})))
        .expect(1)
        .mount(&server)
        .await;
    let gh = client(&server);
    let list = gh.installations().list(100).await.unwrap();
    let vercel = list.iter().find(|i| i.app_slug == "vercel").unwrap();
    assert_eq!((vercel.id, vercel.login(), vercel.repository_selection.as_str()), (25381, Some("acme"), "selected"));
    assert_eq!(vercel.target_type, "Organization");
    let page = gh.installations().repositories(25381, 50, 1).await.unwrap();
    assert_eq!(page.items[0].full_name, "acme/chat");
    assert!(!page.has_next);
}

#[tokio::test]
async fn a_404_is_not_found_with_githubs_message_documentation_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/nope"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": "Not Found",
                    "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository", "status": "404"}))
                .insert_header("x-github-request-id", "CD04:1F5B:5A6B1:6B2C3:65A1B2C3"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server).repo("octo", "nope").get().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::NotFound);
    assert!(e.is_not_found());
    assert_eq!(e.operation(), "repos/get");
    assert_eq!((e.status(), e.message()), (Some(404), Some("Not Found")));
    assert_eq!(e.request_id(), Some("CD04:1F5B:5A6B1:6B2C3:65A1B2C3"));
    let meta = e.metadata().unwrap();
    assert_eq!(meta.extra("documentation_url"), Some("https://docs.github.com/rest/repos/repos#get-a-repository"));
    let text = e.to_string();
    assert!(text.contains("repos/get failed: not found") && text.contains("CD04:1F5B"), "{text}");
}

#[tokio::test]
async fn a_malformed_answer_is_a_decode_error_naming_the_operation_never_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/lobehub/actions/workflows"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"workflows": [{"id": "not-a-number", "name": TOKEN}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .mount(&server)
        .await;
    let gh = client(&server);
    let e = gh.repo("octo", "lobehub").list_workflows(100).await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Decode);
    assert_eq!(e.operation(), "actions/list-repo-workflows");
    assert!(e.to_string().contains("workflows[0].id"), "{e}");
    assert!(!e.to_string().contains(TOKEN) && !format!("{e:?}").contains(TOKEN));
    let e = gh.current_user().await.unwrap_err();
    assert_eq!((e.kind(), e.operation()), (&ErrorKind::Decode, "users/get-authenticated"));
}

#[tokio::test]
async fn a_get_is_retried_after_a_502() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, Mock::given(method("GET")).and(path("/user")), 200, user("octocat", "User")).await;
    assert_eq!(client(&server).current_user().await.unwrap().login, "octocat");
}

#[tokio::test]
async fn create_fork_is_not_repeated_after_a_5xx_whose_outcome_is_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/lobehub/lobehub/forks"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server).repo("lobehub", "lobehub").create_fork(&CreateFork::default()).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (&ErrorKind::Server, Some(502)));
    // `expect(1)` is verified when the server drops: exactly one attempt.
}

#[tokio::test]
async fn rate_limits_are_waited_out_as_github_asks_then_reported() {
    let server = MockServer::start().await;
    // A secondary rate limit with `retry-after`, then success: the request is repeated (even a POST: it was refused).
    Mock::given(method("POST"))
        .and(path("/repos/lobehub/lobehub/forks"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit.",
                    "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"}))
                .insert_header("retry-after", "0"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        Mock::given(method("POST")).and(path("/repos/lobehub/lobehub/forks")),
        202,
        repo("octo", "lobehub", true),
    )
    .await;
    let gh = client(&server);
    assert_eq!(
        gh.repo("lobehub", "lobehub").create_fork(&CreateFork::default()).await.unwrap().full_name,
        "octo/lobehub"
    );

    // A primary limit spent for an hour: longer than the policy allows, so it is reported at once.
    let reset = (chrono::Utc::now().timestamp() + 3600).to_string();
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "API rate limit exceeded for user ID 1."}))
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = gh.current_user().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::RateLimited);
    assert!(e.retry_after().is_some_and(|d| d > Duration::from_secs(3000)), "{e:?}");
    // The wait GitHub asks for: `retry-after` seconds, else one minute ("Otherwise, wait for at least one minute").
    let once = GithubClient::builder()
        .token(SecretString::from(TOKEN))
        .base_url(server.uri())
        .retry_policy(cloud_http::RetryPolicy::never())
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .and(path("/repos/octo/limited"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/secondary"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
        )
        .mount(&server)
        .await;
    let e = once.repo("octo", "limited").get().await.unwrap_err();
    assert_eq!((e.kind(), e.retry_after()), (&ErrorKind::RateLimited, Some(Duration::from_secs(3))));
    let e = once.repo("octo", "secondary").get().await.unwrap_err();
    assert_eq!((e.kind(), e.retry_after()), (&ErrorKind::RateLimited, Some(Duration::from_secs(60))));
    // A 403 that is not a rate limit is Forbidden and not retried.
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by personal access token"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = gh.repo("octo", "lobehub").set_workflow_enabled(1, false).await.unwrap_err();
    assert_eq!((e.kind(), e.operation()), (&ErrorKind::Forbidden, "actions/disable-workflow"));
}

#[tokio::test]
async fn bad_input_is_refused_before_sending_and_the_token_never_shows() {
    let server = MockServer::start().await;
    let gh = client(&server);
    for (owner, repo) in
        [("", "lobehub"), ("octo", ""), ("octo/evil", "x"), ("octo", "a/b"), ("octo", ".."), ("octo", "a b")]
    {
        let e = gh.repo(owner, repo).get().await.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{owner}/{repo}");
    }
    let bad_org = CreateFork { organization: Some("acme/x".into()), ..CreateFork::default() };
    assert_eq!(gh.repo("lobehub", "lobehub").create_fork(&bad_org).await.unwrap_err().kind(), &ErrorKind::InvalidInput);
    assert_eq!(gh.repo("lobehub", "lobehub").list_forks(101, 1).await.unwrap_err().kind(), &ErrorKind::InvalidInput);
    assert_eq!(gh.installations().repositories(1, 100, 0).await.unwrap_err().kind(), &ErrorKind::InvalidInput);
    assert_eq!(gh.repo("octo", "lobehub").get_branch("").await.unwrap_err().kind(), &ErrorKind::InvalidInput);
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing was sent");
    assert!(!format!("{gh:?}").contains(TOKEN));
    let e = GithubClient::builder().token(SecretString::from("ghp bad")).build().unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidInput);
    assert!(!e.to_string().contains("ghp bad"));
}

#[tokio::test]
async fn a_branch_name_with_a_slash_stays_one_path_segment() {
    let server = MockServer::start().await;
    mount(
        &server,
        Mock::given(method("GET")).and(path("/repos/octo/lobehub/branches/release%2Fv1")),
        200,
        json!({"name": "release/v1"}),
    )
    .await;
    assert_eq!(client(&server).repo("octo", "lobehub").get_branch("release/v1").await.unwrap().name, "release/v1");
}

#[tokio::test]
async fn the_fork_step_reports_githubs_refusal_with_the_fix() {
    use provision::steps::github::{ForkDesired, observe_fork};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let want = ForkDesired { upstream: "lobehub/lobehub".into(), owner: None, repository: None, auto_sync: false };
    match observe_fork(&client(&server), &want).await.unwrap_err() {
        provision::Error::Blocked { step, problem, fix } => {
            assert_eq!(step, "github: who am I");
            assert_eq!(problem, "GitHub answered HTTP 401: Bad credentials");
            assert!(fix.contains("check GITHUB_TOKEN"), "{fix}");
        }
        other => panic!("expected blocked, got {other:?}"),
    }
}
