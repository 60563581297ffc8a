//! Error mapping, retries, rate limits, lost POSTs, token refresh and redaction, against wiremock.

mod common;

use auth0_client::{Auth0Client, CreateUserRequestContent, ErrorKind, RetryPolicy};
use cloud_http::{Clock, FixedClock};
use common::*;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn auth0_error(status: u16, error: &str, message: &str, code: Option<&str>) -> ResponseTemplate {
    let mut body = json!({"statusCode": status, "error": error, "message": message});
    if let Some(c) = code {
        body["errorCode"] = json!(c);
    }
    ResponseTemplate::new(status).set_body_json(body).insert_header("x-auth0-requestid", "req-123")
}

async fn get_client_error(template: ResponseTemplate) -> auth0_client::Error {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    Mock::given(method("GET")).and(path("/api/v2/clients/abc")).respond_with(template).mount(&server).await;
    let auth0 = Auth0Client::builder()
        .base_url(server.uri())
        .client_credentials(M2M_ID, M2M_SECRET)
        .no_rate_limit()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    auth0.clients().get("abc").await.unwrap_err()
}

#[tokio::test]
async fn management_errors_map_to_kinds_with_metadata() {
    let e =
        get_client_error(auth0_error(400, "Bad Request", "Payload validation error: 'x'", Some("invalid_body"))).await;
    assert_eq!(e.kind(), &ErrorKind::BadRequest);
    assert_eq!(e.message(), "Payload validation error: 'x'");
    assert_eq!(e.code(), Some("invalid_body"));
    assert_eq!(e.metadata().unwrap().request_id(), Some("req-123"));
    assert_eq!(e.operation(), "GetClient");

    let e = get_client_error(auth0_error(401, "Unauthorized", "Invalid token", None)).await;
    assert_eq!(e.kind(), &ErrorKind::Unauthorized);

    let e = get_client_error(auth0_error(
        403,
        "Forbidden",
        "Insufficient scope, expected any of: read:clients,read:client_summary",
        Some("insufficient_scope"),
    ))
    .await;
    assert_eq!(
        e.kind(),
        &ErrorKind::InsufficientScope { expected: vec!["read:clients".into(), "read:client_summary".into()] }
    );
    assert!(e.to_string().contains("read:client_summary"));

    let e = get_client_error(auth0_error(
        403,
        "Forbidden",
        "You reached the limit of entities of this type for this tenant.",
        None,
    ))
    .await;
    assert_eq!(e.kind(), &ErrorKind::Forbidden);

    let e = get_client_error(auth0_error(404, "Not Found", "Client not found.", Some("inexistent_client"))).await;
    assert!(e.is_not_found());

    let e = get_client_error(auth0_error(409, "Conflict", "The user already exists.", Some("auth0_idp_error"))).await;
    assert!(e.is_conflict());
    assert_eq!(e.code(), Some("auth0_idp_error"));

    let e = get_client_error(
        auth0_error(429, "Too Many Requests", "Global limit has been reached", None)
            .insert_header("x-ratelimit-reset", "4102444800")
            .insert_header("x-ratelimit-remaining", "0"),
    )
    .await;
    let ErrorKind::RateLimited { reset_at, .. } = e.kind() else { panic!("{e}") };
    assert_eq!(reset_at.map(|t| t.timestamp()), Some(4_102_444_800));
    assert!(e.to_string().contains("2100-01-01"));

    let e = get_client_error(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>")).await;
    assert_eq!(e.kind(), &ErrorKind::ServerError);
    assert!(e.message().contains("bad gateway"));

    // A malformed success body is a decode error naming the operation, never a panic.
    let e = get_client_error(ResponseTemplate::new(200).set_body_json(json!({"name": 5}))).await;
    assert_eq!(e.kind(), &ErrorKind::Decode);
    assert!(e.to_string().starts_with("GetClient"));
    let e = get_client_error(ResponseTemplate::new(200).set_body_string("not json")).await;
    assert_eq!(e.kind(), &ErrorKind::Decode);
}

#[tokio::test]
async fn token_endpoint_errors_say_what_is_wrong() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "access_denied", "error_description": "Unauthorized"})),
        )
        .mount(&server)
        .await;
    let err = client(&server).token_info().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidClientCredentials);
    assert!(err.to_string().contains(M2M_ID));

    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/oauth/token")).respond_with(ResponseTemplate::new(403).set_body_json(json!({
        "error": "access_denied",
        "error_description": "Client is not authorized to access \"https://t.auth0.com/api/v2/\". You need to create a \"client-grant\" associated to this API."
    }))).mount(&server).await;
    let err = client(&server).token_info().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::ClientNotAuthorized);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "invalid_request", "error_description": "Missing audience"})),
        )
        .mount(&server)
        .await;
    let err = client(&server).token_info().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TokenRequest);
    assert!(err.message().contains("Missing audience"));
}

/// The delay a 429 asks for, as the retry loop sees it (that the loop sleeps exactly that long is tested with a
/// paused clock in `cloud_http::retry`; no wall clock here).
fn asked_delay(e: &auth0_client::Error) -> Option<Duration> {
    match cloud_http::Retryable::retry_decision(e) {
        cloud_http::RetryDecision::RetryAfter(d) => Some(d),
        _ => None,
    }
}

#[tokio::test]
async fn retry_after_then_success() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/abc"))
        .respond_with(
            auth0_error(429, "Too Many Requests", "Global limit has been reached", None)
                .insert_header("retry-after", "1"),
        )
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "abc"})))
        .mount(&server)
        .await;
    let never = Auth0Client::builder()
        .base_url(server.uri())
        .client_credentials(M2M_ID, M2M_SECRET)
        .no_rate_limit()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let e = never.clients().get("abc").await.unwrap_err();
    assert_eq!(asked_delay(&e), Some(Duration::from_secs(1)), "Retry-After: 1 is what the retry loop waits");
    client(&server).clients().get("abc").await.unwrap();
    let api_calls =
        server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/api/v2/clients/abc").count();
    assert_eq!(api_calls, 3, "one refused, then refused and retried once");
}

#[tokio::test]
async fn ratelimit_reset_is_honoured_when_there_is_no_retry_after() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    // The injected clock says it is 0.3 s before the reset second.
    let reset = 2_000_000_000i64;
    let clock: Arc<dyn Clock> =
        Arc::new(FixedClock(chrono::DateTime::from_timestamp_millis(reset * 1000 - 300).unwrap()));
    Mock::given(method("POST"))
        .and(path("/api/v2/clients/abc/rotate-secret"))
        .respond_with(
            auth0_error(429, "Too Many Requests", "Global limit has been reached", None)
                .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
        )
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/clients/abc/rotate-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "abc", "client_secret": "new"})))
        .mount(&server)
        .await;
    let build = |policy: RetryPolicy| {
        Auth0Client::builder()
            .base_url(server.uri())
            .client_credentials(M2M_ID, M2M_SECRET)
            .no_rate_limit()
            .retry_policy(policy)
            .clock(clock.clone())
            .build()
            .unwrap()
    };
    let e = build(RetryPolicy::never()).clients().rotate_secret("abc").await.unwrap_err();
    assert_eq!(asked_delay(&e), Some(Duration::from_millis(300)), "the wait runs to the reset second");
    // A 429 on a POST is safe to repeat: it was not processed.
    build(fast_retry()).clients().rotate_secret("abc").await.unwrap();
}

/// One retry budget per logical call: a token endpoint that always fails is tried as often as the policy allows
/// for the call — not once per attempt of the call (the token fetch has no retry loop of its own).
#[tokio::test]
async fn a_failing_token_endpoint_spends_the_callers_budget() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": "temporarily_unavailable"})))
        .mount(&server)
        .await;
    let auth0 = Auth0Client::builder()
        .base_url(server.uri())
        .client_credentials(M2M_ID, M2M_SECRET)
        .no_rate_limit()
        .retry_policy(fast_retry().with_max_retries(3))
        .build()
        .unwrap();
    let e = auth0.clients().get("abc").await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::ServerError, "{e}");
    let requests = server.received_requests().await.unwrap();
    let token_requests = requests.iter().filter(|r| r.url.path() == "/oauth/token").count();
    assert_eq!(token_requests, 4, "1 attempt + 3 retries in all (a nested loop would make 16)");
    assert!(requests.iter().all(|r| r.url.path() == "/oauth/token"), "no API request without a token");
}

#[tokio::test]
async fn server_errors_are_retried_for_gets_but_not_for_posts() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/abc"))
        .respond_with(auth0_error(503, "Service Unavailable", "try later", None))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "abc"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/clients"))
        .respond_with(auth0_error(500, "Internal Server Error", "boom", None))
        .expect(1)
        .mount(&server)
        .await;
    let auth0 = client(&server);
    auth0.clients().get("abc").await.unwrap();
    let err =
        auth0.clients().create(&auth0_client::CreateClientRequestContent::regular_web_app("x")).await.unwrap_err();
    assert!(err.outcome_unknown());
    // A POST that timed out is not repeated either.
    let slow = Auth0Client::builder()
        .base_url(server.uri())
        .client_credentials(M2M_ID, M2M_SECRET)
        .no_rate_limit()
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let body = CreateUserRequestContent::with_random_password("db", "a@example.com");
    let err = slow.users().create(&body).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::Timeout)), "{err}");
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn a_timed_out_user_create_is_checked_before_it_is_repeated() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    let user = json!({
        "user_id": "auth0|1", "email": "ada@example.com",
        "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "1"}]
    });
    // Nothing at first; after the (slow) create, the user is there.
    Mock::given(method("GET"))
        .and(path("/api/v2/users-by-email"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users-by-email"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&user).set_delay(Duration::from_millis(800)))
        .expect(1)
        .mount(&server)
        .await;
    let auth0 = Auth0Client::builder()
        .base_url(server.uri())
        .client_credentials(M2M_ID, M2M_SECRET)
        .no_rate_limit()
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let body = CreateUserRequestContent::with_random_password("Username-Password-Authentication", "ada@example.com");
    // The create times out (not retried blindly); the lookup finds the user, so no second POST.
    let (found, _) = auth0.users().create_or_find(&body).await.unwrap();
    assert_eq!(found.user_id, "auth0|1");
}

#[tokio::test]
async fn an_application_create_with_unknown_outcome_is_never_repeated() {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    // The list stays empty while the slow create is still being processed.
    Mock::given(method("GET"))
        .and(path("/api/v2/clients"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/clients"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"client_id": "late", "name": "LobeHub"}))
                .set_delay(Duration::from_millis(800)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let auth0 = Auth0Client::builder()
        .base_url(server.uri())
        .client_credentials(M2M_ID, M2M_SECRET)
        .no_rate_limit()
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let body = auth0_client::CreateClientRequestContent::regular_web_app("LobeHub");
    // Not found after the timeout: the error is returned; a second POST could make a second application.
    let err = auth0.clients().create_or_find(&body).await.unwrap_err();
    assert!(err.outcome_unknown(), "{err}");
    assert_eq!(err.operation(), "CreateClient");
}

#[tokio::test]
async fn a_rejected_cached_token_is_replaced_once() {
    let server = MockServer::start().await;
    let stale = fake_jwt(chrono::Utc::now().timestamp() + 86_400, ALL);
    let fresh = fake_jwt(chrono::Utc::now().timestamp() + 86_401, ALL);
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": stale, "expires_in": 86400})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": fresh, "expires_in": 86400})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/abc"))
        .and(header("authorization", format!("Bearer {stale}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "abc"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/abc"))
        .and(header("authorization", format!("Bearer {stale}").as_str()))
        .respond_with(auth0_error(401, "Unauthorized", "Invalid token", None))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/clients/abc"))
        .and(header("authorization", format!("Bearer {fresh}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "abc"})))
        .mount(&server)
        .await;
    let auth0 = client(&server);
    auth0.clients().get("abc").await.unwrap();
    auth0.clients().get("abc").await.unwrap();
    let tokens = server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/oauth/token").count();
    assert_eq!(tokens, 2);
}

#[tokio::test]
async fn expiry_comes_from_the_jwt_and_scopes_from_the_response() {
    let server = MockServer::start().await;
    let exp = chrono::Utc::now().timestamp() + 3_600;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": fake_jwt(exp, "read:clients"), "expires_in": 86400, "scope": "read:clients read:users"
        })))
        .mount(&server)
        .await;
    let info = client(&server).token_info().await.unwrap();
    assert_eq!(info.expires_at.timestamp(), exp);
    assert!(info.has_scope("read:users"));
    let err =
        client(&server).check_scopes(&["read:users", "create:users", "update:connections_options"]).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::MissingScopes { missing: vec!["create:users".into(), "update:connections_options".into()] }
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_and_tokens_never_reach_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    let token = mount_token(&server, ALL).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .respond_with(auth0_error(400, "Bad Request", "PasswordStrengthError: Password is too weak", None))
        .mount(&server)
        .await;
    let auth0 = client(&server);
    let body = CreateUserRequestContent::with_random_password("db", "ada@example.com");
    let password = secrecy::ExposeSecret::expose_secret(body.password.as_ref().unwrap()).to_string();
    let err = auth0.users().create(&body).await.unwrap_err();

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(logs.contains("sending request"), "debug logging is on: {logs}");
    for secret in [M2M_SECRET, token.as_str(), password.as_str()] {
        assert!(!logs.contains(secret), "leaked into logs");
        assert!(!err.to_string().contains(secret));
        assert!(!format!("{err:?}").contains(secret));
        assert!(!format!("{auth0:?}").contains(secret));
        assert!(!format!("{body:?}").contains(secret));
    }
    let builder = Auth0Client::builder().client_credentials(M2M_ID, M2M_SECRET);
    assert!(!format!("{builder:?}").contains(M2M_SECRET));
}
