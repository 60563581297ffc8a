//! Rate limits, retries, scoping, decoding failures and secrecy.

mod common;

use chrono::TimeZone;
use common::{TOKEN, fast_retry, setup};
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use vercel_client::{ErrorKind, VercelClient};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn rate_limited_then_ok_honours_retry_after_and_resends_credentials() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/p1"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error": {"code": "rate_limited", "message": "slow down"}})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/p1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(query_param("teamId", "team_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "p1", "name": "p1"})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client.projects().get("p1").await.unwrap().id, "p1");
}

fn client_at(server: &MockServer, now: i64, policy: cloud_http::RetryPolicy) -> VercelClient {
    let clock = cloud_http::FixedClock(chrono::Utc.timestamp_opt(now, 0).unwrap());
    VercelClient::builder()
        .token(SecretString::from(TOKEN))
        .base_url(server.uri())
        .retry_policy(policy)
        .clock(Arc::new(clock))
        .build()
        .unwrap()
}

#[tokio::test]
async fn rate_limit_delay_comes_from_retry_after_then_limit_reset_then_header() {
    let server = MockServer::start().await;
    let now = 1_700_000_000;
    Mock::given(method("GET"))
        .and(path("/v9/projects/a"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7").set_body_json(json!({
            "error": {"code": "rate_limited", "message": "x", "limit": {"remaining": 0, "reset": now + 100, "total": 6}}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/b"))
        .respond_with(ResponseTemplate::new(429).insert_header("x-ratelimit-reset", (now + 50).to_string()).set_body_json(json!({
            "error": {"code": "rate_limited", "message": "The rate limit of 6 exceeded. Try again in 7 days",
                      "limit": {"remaining": 0, "reset": now + 604_800, "resetMs": (now + 604_800) * 1000, "total": 6}}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/c"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("x-ratelimit-reset", (now + 50).to_string()).set_body_string("{}"),
        )
        .mount(&server)
        .await;
    let client = client_at(&server, now, cloud_http::RetryPolicy::never());
    let a = client.projects().get("a").await.unwrap_err();
    assert_eq!(a.kind(), &ErrorKind::RateLimited);
    assert_eq!(a.retry_after(), Some(Duration::from_secs(7)));
    let b = client.projects().get("b").await.unwrap_err();
    assert_eq!(b.retry_after(), Some(Duration::from_secs(604_800)), "error.limit.reset before the header");
    let c = client.projects().get("c").await.unwrap_err();
    assert_eq!(c.retry_after(), Some(Duration::from_secs(50)));

    // A week-long limit is surfaced at once, not slept on.
    let client = client_at(&server, now, fast_retry());
    let before = server.received_requests().await.unwrap().len();
    let b = client.projects().get("b").await.unwrap_err();
    assert_eq!(b.kind(), &ErrorKind::RateLimited);
    // Beyond the policy's longest honoured wait: no retry at all (so no sleep either).
    assert_eq!(server.received_requests().await.unwrap().len(), before + 1, "not retried");
}

#[tokio::test]
async fn idempotent_calls_retry_5xx_and_are_bounded() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/p1"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"error": {"code": "service_unavailable", "message": "down"}})),
        )
        .expect(4)
        .mount(&server)
        .await;
    let err = client.projects().get("p1").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Server);
    assert_eq!(err.status(), Some(503));

    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .and(path("/v9/projects/p1"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v9/projects/p1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    client.projects().delete("p1").await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn timeouts_are_retried_for_idempotent_calls_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(500))
                .set_body_json(json!({"id": "p", "name": "p"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(500))
                .set_body_json(json!({"id": "p", "name": "p"})),
        )
        .mount(&server)
        .await;
    let client = VercelClient::builder()
        .token(SecretString::from(TOKEN))
        .base_url(server.uri())
        .timeout(Duration::from_millis(50))
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    assert_eq!(client.projects().get("p").await.unwrap_err().kind(), &ErrorKind::Timeout);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    assert_eq!(client.projects().create("p").send().await.unwrap_err().kind(), &ErrorKind::Timeout);
    assert_eq!(server.received_requests().await.unwrap().len(), 5, "a create is not repeated after a timeout");
}

#[tokio::test]
async fn scope_is_sent_on_every_call_and_wrong_team_is_forbidden() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/p"))
        .and(query_param("teamId", "team_x"))
        .and(query_param("slug", "x"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"error": {"code": "forbidden", "message": "Not authorized"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = VercelClient::builder()
        .token(SecretString::from(TOKEN))
        .team_id("team_x")
        .team_slug("x")
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = client.projects().get("p").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Forbidden);
    assert!(err.to_string().contains("teamId"));
}

#[tokio::test]
async fn malformed_answers_are_decode_errors_naming_the_operation() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/a"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/b"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 5, "name": "b"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/c"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v13/deployments/d"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "d"})))
        .mount(&server)
        .await;
    for id in ["a", "b", "c"] {
        let err = client.projects().get(id).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Decode);
        assert!(err.to_string().starts_with("getProject failed"), "{err}");
    }
    let err = client.projects().get("b").await.unwrap_err();
    assert!(err.to_string().contains("`id`"), "names the field: {err}");
    assert_eq!(client.deployments().get("d").await.unwrap_err().kind(), &ErrorKind::Decode);
}

#[tokio::test]
async fn the_token_never_shows() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"code": "unauthorized", "message": format!("bad token {TOKEN}")}})),
        )
        .mount(&server)
        .await;
    let err = client.projects().get("p").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    let shown = format!("{client:?} {err} {err:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[test]
fn builder_checks_its_input() {
    let t = || SecretString::from("tok");
    assert!(VercelClient::builder().build().is_err(), "token required");
    assert!(VercelClient::builder().token(SecretString::from("")).build().is_err());
    assert!(VercelClient::builder().token(SecretString::from("a b")).build().is_err());
    assert!(VercelClient::builder().token(t()).base_url("http://api.vercel.com").build().is_err());
    assert!(VercelClient::builder().token(t()).base_url("https://api.vercel.com?x=1").build().is_err());
    assert!(VercelClient::builder().token(t()).team_id("team 1").build().is_err());
    assert!(VercelClient::builder().token(t()).team_slug("").build().is_err());
    assert!(VercelClient::builder().token(t()).base_url("http://127.0.0.1:1").build().is_ok());
    assert!(VercelClient::builder().token(t()).build().is_ok());
    let builder = VercelClient::builder().token(SecretString::from("hidden-token-value"));
    assert!(!format!("{builder:?}").contains("hidden-token-value"));
}
