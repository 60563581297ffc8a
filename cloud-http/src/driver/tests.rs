//! The driver against a wiremock server: re-signing, retries, `Retry-After`, one budget, decoding, idempotency.

use super::*;
use crate::transport::TransportErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    InvalidInput,
    Server,
    RateLimited,
    Transport(TransportErrorKind),
    Decode,
}

impl ServiceErrorKind for Kind {
    const INVALID_INPUT: Self = Kind::InvalidInput;
    const DECODE: Self = Kind::Decode;
    const TRANSPORT: fn(TransportErrorKind) -> Self = Kind::Transport;
}

type Error = ServiceError<Kind>;

/// A test service: signs each attempt with its number (`x-attempt`), and fails `prepare` on the attempts listed.
struct Api {
    http: reqwest::Client,
    base: String,
    retry: RetryPolicy,
    prepared: AtomicUsize,
    fail_prepare_on: Vec<usize>,
}

struct Req {
    operation: &'static str,
    method: http::Method,
}

impl Api {
    fn new(server: &MockServer, retry: RetryPolicy) -> Self {
        Self {
            http: reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap(),
            base: server.uri(),
            retry,
            prepared: AtomicUsize::new(0),
            fail_prepare_on: Vec::new(),
        }
    }
}

impl Service for Api {
    type Request = Req;
    type Kind = Kind;
    type Error = Error;
    type Attempt = usize;
    type CallState = ();

    fn channel(&self) -> Channel<'_> {
        Channel::new(&self.http, &self.retry)
    }
    fn call_info(&self, request: &Req) -> CallInfo {
        CallInfo::new(request.operation, request.method != http::Method::POST)
    }
    async fn prepare(&self, request: &Req) -> Result<(reqwest::Request, usize), Error> {
        let n = self.prepared.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_prepare_on.contains(&n) {
            // A token endpoint that failed transiently: part of the same attempt and budget.
            return Err(Error::new(Kind::Server, request.operation).with_retry(RetryDecision::Retry));
        }
        let built = self
            .http
            .request(request.method.clone(), format!("{}/thing", self.base))
            .header("x-attempt", n.to_string())
            .build()
            .map_err(|e| Error::invalid_input(request.operation, e.without_url().to_string()))?;
        Ok((built, n))
    }
    async fn classify(&self, request: &Req, _: &usize, raw: &RawResponse) -> Error {
        let status = raw.status.as_u16();
        let (kind, retry) = match status {
            429 => (Kind::RateLimited, retry_after_or_backoff(&raw.headers, Utc::now())),
            500..=599 if self.call_info(request).idempotent => {
                (Kind::Server, retry_after_or_backoff(&raw.headers, Utc::now()))
            }
            _ => (Kind::Server, RetryDecision::DoNotRetry),
        };
        Error::new(kind, request.operation).with_metadata(crate::ErrorMetadata::new(status)).with_retry(retry)
    }
}

fn fast(retries: usize) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(retries)
        .with_min_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(2))
}

fn get() -> Req {
    Req { operation: "GetThing", method: http::Method::GET }
}

async fn received_attempts(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter_map(|r| r.headers.get("x-attempt").and_then(|v| v.to_str().ok()).map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_5xx_is_retried_and_every_attempt_is_signed_anew() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(503)).up_to_n_times(2).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/thing"))
        .and(header("x-attempt", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id":"t1"}"#))
        .mount(&server)
        .await;
    let api = Api::new(&server, fast(5));
    let value: serde_json::Value = json(&api, &get()).await.unwrap();
    assert_eq!(value["id"], "t1");
    assert_eq!(received_attempts(&server).await, ["1", "2", "3"], "each attempt rebuilt and re-signed");
}

#[tokio::test]
async fn retry_after_is_honoured_and_a_longer_wait_than_allowed_ends_the_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let api = Api::new(&server, fast(5).with_max_retry_after(Duration::from_secs(60)));
    let err = send(&api, &get()).await.unwrap_err();
    assert_eq!(err.kind(), &Kind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(received_attempts(&server).await.len(), 1, "an hour is longer than the policy allows: no retry");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let api = Api::new(&server, fast(5));
    no_content(&api, &get()).await.unwrap();
    assert_eq!(received_attempts(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_budget_is_not_waited() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "30"))
        .mount(&server)
        .await;
    // The computed backoff (1–2 ms) would fit in the 10 s budget; the server's 30 s does not.
    let api = Api::new(&server, fast(5).with_max_elapsed(Duration::from_secs(10)));
    let err = send(&api, &get()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(received_attempts(&server).await.len(), 1);
}

#[tokio::test]
async fn one_budget_covers_prepare_failures_and_answers() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let mut api = Api::new(&server, fast(2));
    api.fail_prepare_on = vec![1];
    let err = send(&api, &get()).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(api.prepared.load(Ordering::SeqCst), 3, "1 try + 2 retries, whatever failed");
    assert_eq!(received_attempts(&server).await, ["2", "3"]);
}

#[tokio::test]
async fn a_decode_error_names_the_operation_and_not_the_value() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id": "s3cr3t-value"}"#))
        .mount(&server)
        .await;
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Thing {
        id: u64,
    }
    let api = Api::new(&server, fast(3));
    let err = json::<_, Thing>(&api, &get()).await.unwrap_err();
    assert_eq!(err.kind(), &Kind::Decode);
    assert_eq!(err.operation(), "GetThing");
    let text = err.to_string();
    assert!(text.starts_with("GetThing failed: Decode: at `id`"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    assert_eq!(received_attempts(&server).await.len(), 1, "a decode error is not retried");

    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let api = Api::new(&server, fast(3));
    let err = json::<_, Thing>(&api, &get()).await.unwrap_err();
    assert!(err.to_string().contains("empty body"), "{err}");
}

#[tokio::test]
async fn a_non_idempotent_request_is_not_retried_after_a_lost_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let post = Req { operation: "CreateThing", method: http::Method::POST };
    let api = Api::new(&server, fast(3));
    let err = send(&api, &post).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(received_attempts(&server).await.len(), 1, "a create whose outcome is unknown is not repeated");

    // A timeout: the POST may have been applied, so it is not repeated; an idempotent GET is.
    let slow = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&slow)
        .await;
    let api = Api::new(&slow, fast(1));
    let err = send(&api, &post).await.unwrap_err();
    assert_eq!(err.kind(), &Kind::Transport(TransportErrorKind::Timeout));
    assert_eq!(received_attempts(&slow).await.len(), 1, "non-idempotent: not repeated after a timeout");
    let err = send(&api, &get()).await.unwrap_err();
    assert_eq!(err.kind(), &Kind::Transport(TransportErrorKind::Timeout));
    assert_eq!(received_attempts(&slow).await.len(), 3, "idempotent: 1 try + 1 retry");
}
