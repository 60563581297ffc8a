//! RAM error bodies mapped to kinds, and the retry rules: every attempt re-signed, `Throttling.*` retried even
//! with HTTP 400, CreateAccessKey never repeated after an answer that may have been lost, clock correction.

#[path = "ram_support.rs"]
mod support;

use chrono::{TimeZone, Utc};
use cloud_http::FixedClock;
use oss_client::ram::{RamClient, RpcMethod, SignatureVersion};
use oss_client::{Credentials, ErrorKind};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::*;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

fn ram_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "RequestId": "7463B73D-35CC-4D19-A010-6B8D65D242EF",
        "HostId": "ram.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ram"),
    }))
}

async fn server_answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/")).respond_with(template).mount(&server).await;
    server
}

#[tokio::test]
async fn error_codes_map_to_kinds_with_metadata() {
    let cases: &[(u16, &str, ErrorKind)] = &[
        (409, "EntityAlreadyExists.User", ErrorKind::EntityAlreadyExists),
        (409, "EntityAlreadyExists.User.Policy", ErrorKind::EntityAlreadyExists),
        (404, "EntityNotExist.User", ErrorKind::EntityNotExist),
        (404, "EntityNotExist.User.AccessKey", ErrorKind::EntityNotExist),
        (409, "LimitExceeded.User.AccessKey", ErrorKind::LimitExceeded),
        (409, "LimitExceeded.Policy.Version", ErrorKind::LimitExceeded),
        (409, "DeleteConflict.User.AccessKey", ErrorKind::DeleteConflict),
        (409, "DeleteConflict.Policy.User", ErrorKind::DeleteConflict),
        (400, "SignatureNonceUsed", ErrorKind::SignatureNonceUsed),
        (400, "InvalidTimeStamp.Format", ErrorKind::ClockSkew),
        (403, "NoPermission", ErrorKind::AccessDenied),
        (400, "MalformedPolicyDocument", ErrorKind::Service),
        (400, "InvalidParameter.UserName.InvalidChars", ErrorKind::Service),
        (404, "InvalidAccessKeyId.NotFound", ErrorKind::Service),
    ];
    for (status, code, kind) in cases {
        let server = server_answering(ram_error(*status, code, "something")).await;
        let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
        let e = ram.users().get("lobehub-oss").send().await.unwrap_err();
        assert_eq!(e.kind(), kind, "{code}");
        assert_eq!(e.operation(), "GetUser");
        assert_eq!(e.code(), Some(*code));
        assert_eq!(e.request_id(), Some("7463B73D-35CC-4D19-A010-6B8D65D242EF"));
        let meta = e.metadata().unwrap();
        assert_eq!(meta.status, *status);
        assert_eq!(meta.host_id.as_deref(), Some("ram.aliyuncs.com"));
        assert!(meta.extra("Recommend").unwrap().contains(code));
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "{code} is not retried");
        assert!(e.to_string().contains(code));
    }
}

#[tokio::test]
async fn signature_mismatch_carries_the_server_string_to_sign() {
    let server = server_answering(ram_error(
        400,
        "SignatureDoesNotMatch",
        "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3Dx",
    ))
    .await;
    let ram = client(&server, SignatureVersion::V2, RpcMethod::Post);
    let e = ram.users().get("u").send().await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::SignatureMismatch { server_string_to_sign: Some("POST&%2F&AccessKeyId%3Dx".into()) }
    );
}

#[tokio::test]
async fn throttling_with_http_400_is_retried_and_every_attempt_is_resigned() {
    let server = MockServer::start().await;
    for (version, method) in [(SignatureVersion::V3, RpcMethod::Post), (SignatureVersion::V2, RpcMethod::Post)] {
        server.reset().await;
        Mock::given(path("/"))
            .respond_with(ram_error(400, "Throttling.User", "Request was denied due to user flow control."))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(path("/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"User": {"UserName": "u"}})))
            .mount(&server)
            .await;
        let ram = client(&server, version, method);
        assert_eq!(ram.users().get("u").send().await.unwrap().user_name, "u");
        let received = server.received_requests().await.unwrap();
        assert_eq!(received.len(), 3);
        let mut nonces: Vec<String> = Vec::new();
        for req in &received {
            signed_call(req, version); // each attempt carries a valid signature of its own
            nonces.push(match version {
                SignatureVersion::V2 => all_params(req)["SignatureNonce"].clone(),
                SignatureVersion::V3 => req.headers["x-acs-signature-nonce"].to_str().unwrap().to_string(),
            });
        }
        assert_eq!(nonces, ["nonce-1", "nonce-2", "nonce-3"]);
    }
}

#[tokio::test]
async fn throttling_honours_retry_after_and_gives_up_when_bounded() {
    let server =
        server_answering(ram_error(400, "Throttling.Api", "slow down").insert_header("retry-after", "0.05")).await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    let e = ram.users().get("u").send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Throttled);
    // The retry loop waits this long between attempts (tested with a paused clock in `cloud_http::retry`).
    assert_eq!(e.retry_after(), Some(Duration::from_millis(50)));
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "1 attempt + 3 retries");
}

#[tokio::test]
async fn server_errors_are_retried_for_idempotent_calls() {
    let server = MockServer::start().await;
    Mock::given(path("/")).respond_with(ram_error(500, "InternalError", "oops")).up_to_n_times(1).mount(&server).await;
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"User": {"UserName": "u"}})))
        .mount(&server)
        .await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    ram.users().create("u").send().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn create_access_key_is_not_repeated_after_an_ambiguous_failure() {
    // A 500 may have created the key: surface it.
    let server = server_answering(ram_error(500, "InternalError", "oops")).await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    let e = ram.access_keys("u").create().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Service);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // A timeout may have created the key too.
    let server = server_answering(ResponseTemplate::new(200).set_delay(Duration::from_secs(2))).await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    let e = ram.access_keys("u").create().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Timeout);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // The same timeout on an idempotent call is retried.
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    let e = ram.access_keys("u").list().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Timeout);
    assert_eq!(server.received_requests().await.unwrap().len(), 1 + 4);
}

#[tokio::test]
async fn create_access_key_is_retried_when_the_gateway_refused_it() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(ram_error(400, "Throttling.User", "flow control"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/"))
        .respond_with(ram_error(503, "ServiceUnavailable", "busy"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"AccessKey": {"AccessKeyId": "LTAIx", "AccessKeySecret": "s", "Status": "Active"}}),
            ),
        )
        .mount(&server)
        .await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    let key = ram.access_keys("u").create().send().await.unwrap();
    assert_eq!(key.access_key_id, "LTAIx");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn create_access_key_is_retried_when_no_connection_was_made() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let ram = RamClient::builder()
        .credentials(Credentials::new(KEY_ID, SECRET))
        .endpoint(format!("http://{addr}"))
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let e = ram.access_keys("u").create().send().await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::Connect)), "{e}");
}

#[tokio::test]
async fn expired_timestamp_corrects_the_clock_from_the_server_date_and_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(
            ram_error(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
                .insert_header("date", "Wed, 01 Jan 2025 02:00:00 GMT"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"User": {"UserName": "u"}})))
        .mount(&server)
        .await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    ram.users().get("u").send().await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].headers["x-acs-date"], "2025-01-01T00:00:00Z");
    assert_eq!(received[1].headers["x-acs-date"], "2025-01-01T02:00:00Z");
    assert_eq!(ram.clock_offset_millis(), 2 * 3600 * 1000);

    // When the server's Date agrees with the local clock there is nothing to correct: the error is returned.
    let server = server_answering(
        ram_error(400, "InvalidTimeStamp.Expired", "expired").insert_header("date", "Wed, 01 Jan 2025 00:00:30 GMT"),
    )
    .await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    let e = ram.users().get("u").send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::ClockSkew);
    assert_eq!(e.server_time(), Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 30).unwrap()));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors_naming_the_operation() {
    for body in [
        "not json",
        "{}",
        r#"{"AccessKey": {"AccessKeyId": 5}}"#,
        r#"{"AccessKey": {"AccessKeyId": "x", "AccessKeySecret": ""}}"#,
    ] {
        let server = server_answering(ResponseTemplate::new(200).set_body_string(body)).await;
        let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
        let e = ram.access_keys("u").create().send().await.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Decode, "{body}");
        assert_eq!(e.operation(), "CreateAccessKey");
        assert!(e.to_string().contains("CreateAccessKey"));
    }
}

#[tokio::test]
async fn unrecognised_error_bodies_keep_the_status() {
    let server = server_answering(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>")).await;
    let ram = RamClient::builder()
        .credentials(Credentials::new(KEY_ID, SECRET))
        .endpoint(server.uri())
        .retry_policy(cloud_http::RetryPolicy::never())
        .clock(Arc::new(FixedClock(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())))
        .build()
        .unwrap();
    let e = ram.users().get("u").send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Service);
    assert_eq!(e.metadata().unwrap().status, 502);
    assert!(e.detail().unwrap().contains("Bad Gateway"));
}
