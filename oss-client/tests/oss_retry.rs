//! Retries: 5xx, throttling, timeouts are retried for idempotent operations with every attempt re-signed;
//! permanent errors are not; attempts are bounded; a clock-skew error corrects the clock and retries once.

mod oss_support;

use chrono::{DateTime, Utc};
use cloud_http::{Clock, RetryPolicy};
use oss_client::{Credentials, ErrorKind, OssClient, SignatureVersion};
use oss_support::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A clock that moves one second forward each time it is read.
#[derive(Debug)]
struct TickingClock(AtomicI64);

impl Clock for TickingClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.0.fetch_add(1, Ordering::SeqCst), 0).unwrap_or_default()
    }
}

fn client(server: &MockServer, clock: Arc<dyn Clock>, policy: RetryPolicy) -> OssClient {
    OssClient::builder()
        .credentials(Credentials::new(AK, SK))
        .region(REGION)
        .connect_to(server.uri())
        .clock(clock)
        .retry_policy(policy)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

const LOCATION: &str = "<LocationConstraint>oss-cn-beijing</LocationConstraint>";

fn oss_error(code: &str) -> String {
    format!("<Error><Code>{code}</Code><Message>m</Message><RequestId>R</RequestId></Error>")
}

#[tokio::test]
async fn server_errors_are_retried_and_every_attempt_is_re_signed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(503).set_body_string(oss_error("ServiceUnavailable")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(500).set_body_string(oss_error("InternalError")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(LOCATION))
        .mount(&server)
        .await;
    let oss = client(&server, Arc::new(TickingClock(AtomicI64::new(TIME))), fast_retries());
    assert_eq!(oss.bucket(BUCKET).location().send().await.unwrap(), "oss-cn-beijing");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    let dates: BTreeSet<_> = requests.iter().map(|r| r.headers["x-oss-date"].to_str().unwrap().to_string()).collect();
    let signatures: BTreeSet<_> =
        requests.iter().map(|r| r.headers["authorization"].to_str().unwrap().to_string()).collect();
    assert_eq!(dates.len(), 3, "each attempt is dated anew");
    assert_eq!(signatures.len(), 3, "each attempt is signed anew");
}

#[tokio::test]
async fn throttling_honours_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503).set_body_string(oss_error("Throttling")).insert_header("retry-after", "1"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_string(LOCATION)).mount(&server).await;
    // The delay the retry loop waits is the error's `Retry-After` (that the loop sleeps it is tested with a paused
    // clock in `cloud_http::retry`; no wall clock here).
    let once = client(&server, Arc::new(TickingClock(AtomicI64::new(TIME))), RetryPolicy::never());
    let e = once.bucket(BUCKET).location().send().await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503).set_body_string(oss_error("Throttling")).insert_header("retry-after", "1"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let oss = client(&server, Arc::new(TickingClock(AtomicI64::new(TIME))), fast_retries());
    oss.bucket(BUCKET).location().send().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "refused, then refused and retried once");
}

#[tokio::test]
async fn http_429_is_throttled_and_attempts_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(429)).mount(&server).await;
    let oss = client(&server, Arc::new(TickingClock(AtomicI64::new(TIME))), fast_retries().with_max_retries(2));
    let e = oss.bucket(BUCKET).location().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Throttled);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn persistent_server_errors_give_up_after_the_budget() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(500).set_body_string(oss_error("InternalError")))
        .mount(&server)
        .await;
    let oss = client(&server, Arc::new(TickingClock(AtomicI64::new(TIME))), fast_retries().with_max_retries(3));
    let e = oss.bucket(BUCKET).put_acl(oss_client::bucket::Acl::Private).send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Service);
    assert_eq!(e.metadata().unwrap().status, 500);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn timeouts_are_retried_for_idempotent_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(LOCATION).set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_string(LOCATION)).mount(&server).await;
    let oss = client(&server, Arc::new(TickingClock(AtomicI64::new(TIME))), fast_retries());
    assert_eq!(oss.bucket(BUCKET).location().send().await.unwrap(), "oss-cn-beijing");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // Without retries the timeout surfaces as such.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(LOCATION).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let oss = client(&server, Arc::new(TickingClock(AtomicI64::new(TIME))), RetryPolicy::never());
    assert_eq!(oss.bucket(BUCKET).location().send().await.unwrap_err().kind(), &ErrorKind::Timeout);
}

#[tokio::test]
async fn clock_skew_corrects_the_clock_and_retries_once() {
    let server = MockServer::start().await;
    // The local clock is an hour behind the server.
    Mock::given(method("GET"))
        .and(HeaderIs("x-oss-date", "20250101T000000Z"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string(oss_error("RequestTimeTooSkewed"))
                .insert_header("date", "Wed, 01 Jan 2025 01:00:00 GMT"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(HeaderIs("x-oss-date", "20250101T010000Z"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(LOCATION))
        .mount(&server)
        .await;
    let oss = client_for(&server, SignatureVersion::V4);
    assert_eq!(oss.bucket(BUCKET).location().send().await.unwrap(), "oss-cn-beijing");
    assert_eq!(oss.clock_offset_millis(), 3_600_000);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn clock_skew_is_retried_only_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string(oss_error("RequestTimeTooSkewed"))
                .insert_header("date", "Wed, 01 Jan 2025 01:00:00 GMT"),
        )
        .mount(&server)
        .await;
    let e = client_for(&server, SignatureVersion::V4).bucket(BUCKET).location().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::ClockSkew);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
