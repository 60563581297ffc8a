//! The GitHub simulator over HTTP: forks are created asynchronously and listed with a `Link` header; an
//! organization the user is not in is refused; workflows are disabled and enabled by id.

use sandbox::github::{GithubSim, TOKEN};

async fn start() -> (GithubSim, sandbox::SimServer, reqwest::Client) {
    let sim = GithubSim::new();
    let server = sim.clone().start(sandbox::RequestLog::new()).await.expect("server");
    (sim, server, reqwest::Client::new())
}

#[tokio::test]
async fn forks_into_an_org_are_listed_and_paged() {
    let (sim, server, http) = start().await;
    let base = server.base_url();
    sim.add_org("acme");
    for body in [serde_json::json!({}), serde_json::json!({"organization": "acme", "name": "chat"})] {
        let r = http
            .post(format!("{base}/repos/lobehub/lobehub/forks"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
    }
    let r = http.get(format!("{base}/repos/lobehub/lobehub/forks?per_page=1")).bearer_auth(TOKEN).send().await.unwrap();
    assert!(r.headers().get("link").is_some_and(|l| l.to_str().unwrap().contains("rel=\"next\"")));
    let page: Vec<serde_json::Value> = r.json().await.unwrap();
    assert_eq!(page.len(), 1);
    let r = http.get(format!("{base}/repos/acme/chat")).bearer_auth(TOKEN).send().await.unwrap();
    let repo: serde_json::Value = r.json().await.unwrap();
    assert_eq!(repo["owner"]["type"], "Organization");
    assert_eq!(repo["parent"]["full_name"], "lobehub/lobehub");

    let r = http
        .post(format!("{base}/repos/lobehub/lobehub/forks"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"organization": "not-mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn workflows_toggle_by_id() {
    let (sim, server, http) = start().await;
    let base = server.base_url();
    http.post(format!("{base}/repos/lobehub/lobehub/forks")).bearer_auth(TOKEN).send().await.unwrap();
    let list: serde_json::Value = http
        .get(format!("{base}/repos/octo-owner/lobehub/actions/workflows"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["workflows"][0]["id"].as_u64().unwrap();
    for (action, state) in [("disable", "disabled_manually"), ("enable", "active")] {
        let r = http
            .put(format!("{base}/repos/octo-owner/lobehub/actions/workflows/{id}/{action}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
        assert_eq!(sim.repository("octo-owner/lobehub").unwrap().2[0].state, state);
    }
    let r = http
        .put(format!("{base}/repos/octo-owner/lobehub/actions/workflows/999/disable"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}
