//! Bad input is refused with a clear `InvalidInput` error before any request is sent; secrets never appear in
//! Debug output, error messages or logs.

#[path = "ram_support.rs"]
mod support;

use oss_client::ram::{AccessKeyStatus, PolicyDocument, PolicyType, RamClient, RpcMethod, SignatureVersion, Statement};
use oss_client::{Credentials, ErrorKind};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use support::*;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/")).respond_with(ResponseTemplate::new(200).set_body_json(json!({}))).mount(&server).await;
    server
}

fn assert_invalid(result: Result<impl std::fmt::Debug, oss_client::Error>, operation: &str, needle: &str) {
    let e = result.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{e}");
    assert_eq!(e.operation(), operation);
    assert!(e.to_string().contains(needle), "`{e}` should mention `{needle}`");
}

#[tokio::test]
async fn names_are_checked_before_sending() {
    let server = silent_server().await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    assert_invalid(ram.users().create("bad name").send().await, "CreateUser", "UserName");
    assert_invalid(ram.users().create("").send().await, "CreateUser", "1 to 64");
    assert_invalid(ram.users().create("x".repeat(65)).send().await, "CreateUser", "1 to 64");
    assert_invalid(ram.users().create("ok").display_name("").send().await, "CreateUser", "DisplayName");
    assert_invalid(ram.users().create("ok").comments("c".repeat(129)).send().await, "CreateUser", "Comments");
    assert_invalid(ram.users().get("a/b").send().await, "GetUser", "UserName");
    assert_invalid(ram.users().update("ok").send().await, "UpdateUser", "nothing to update");
    assert_invalid(ram.users().update("ok").new_user_name("bad name").send().await, "UpdateUser", "UserName");
    assert_invalid(ram.users().delete("bad*").send().await, "DeleteUser", "UserName");
    assert_invalid(ram.users().list().max_items(0).send().await, "ListUsers", "MaxItems");
    assert_invalid(ram.access_keys("").create().send().await, "CreateAccessKey", "UserName");
    assert_invalid(ram.access_keys("bad user").list().send().await, "ListAccessKeys", "UserName");
    assert_invalid(
        ram.access_keys("ok").update("", AccessKeyStatus::Active).send().await,
        "UpdateAccessKey",
        "UserAccessKeyId",
    );
    assert_invalid(ram.access_keys("ok").delete("LTAI/../x").send().await, "DeleteAccessKey", "UserAccessKeyId");
    let doc = PolicyDocument::oss_bucket_objects("lobehub-assets").unwrap();
    assert_invalid(ram.policies().create("lobehub_oss", &doc).send().await, "CreatePolicy", "PolicyName");
    assert_invalid(ram.policies().create("p".repeat(129), &doc).send().await, "CreatePolicy", "PolicyName");
    assert_invalid(
        ram.policies().create("ok", &doc).description("d".repeat(1025)).send().await,
        "CreatePolicy",
        "Description",
    );
    assert_invalid(ram.policies().get("bad name").send().await, "GetPolicy", "PolicyName");
    assert_invalid(ram.policies().delete_version("ok", "1").send().await, "DeletePolicyVersion", "VersionId");
    assert_invalid(
        ram.user_policies("ok").attach(PolicyType::Custom, "bad_name").send().await,
        "AttachPolicyToUser",
        "PolicyName",
    );
    assert_invalid(
        ram.user_policies("bad name").detach(PolicyType::Custom, "ok").send().await,
        "DetachPolicyFromUser",
        "UserName",
    );
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn policy_documents_are_checked_before_sending() {
    let server = silent_server().await;
    let ram = client(&server, SignatureVersion::V2, RpcMethod::Post);
    let huge = PolicyDocument::new().statement(
        Statement::allow().action("oss:GetObject").resources((0..400).map(|i| format!("acs:oss:*:*:bucket-{i:04}/*"))),
    );
    assert_invalid(ram.policies().create("ok", &huge).send().await, "PolicyDocument", "6144");
    assert_invalid(ram.policies().create_version("ok", &huge).send().await, "PolicyDocument", "6144");
    assert_invalid(ram.policies().replace_document("ok", &huge).await, "PolicyDocument", "6144");
    assert_invalid(
        ram.policies().create("ok", &PolicyDocument::new()).send().await,
        "PolicyDocument",
        "at least one statement",
    );
    let no_resource = PolicyDocument::new().statement(Statement::allow().action("oss:GetObject"));
    assert_invalid(ram.policies().create("ok", &no_resource).send().await, "PolicyDocument", "no resource");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn configuration_is_checked_at_build() {
    let build = |endpoint: &str, creds: Credentials| RamClient::builder().credentials(creds).endpoint(endpoint).build();
    let ok = Credentials::new("LTAI", "s");
    for bad in [
        "http://ram.aliyuncs.com",
        "ftp://ram.aliyuncs.com",
        "https://ram.aliyuncs.com/v1",
        "https://ram.aliyuncs.com/?x=1",
        "nonsense",
    ] {
        assert_invalid(build(bad, ok.clone()), "RamClient::build", "endpoint");
    }
    assert_invalid(build("https://ram.aliyuncs.com", Credentials::new("", "s")), "RamClient::build", "AccessKeyId");
    assert_invalid(
        build("https://ram.aliyuncs.com", Credentials::new("LTAI", "")),
        "RamClient::build",
        "AccessKeySecret",
    );
    assert_invalid(RamClient::builder().build(), "RamClient::build", "credentials");
    assert!(build("http://127.0.0.1:1", ok.clone()).is_ok());
    assert!(build("http://[::1]:1", ok.clone()).is_ok());
    let default = RamClient::new(ok).unwrap();
    assert_eq!(default.endpoint().as_str(), "https://ram.aliyuncs.com/");
    assert_eq!(default.signature_version(), SignatureVersion::V3);
}

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_stay_out_of_debug_errors_and_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    // The server echoes the secrets back in an error message, as a misbehaving proxy might.
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "Code": "Throttling.User", "Message": format!("echo {SECRET} and sts-token-value"), "RequestId": "r"
        })))
        .mount(&server)
        .await;
    for (version, method) in [
        (SignatureVersion::V3, RpcMethod::Post),
        (SignatureVersion::V2, RpcMethod::Get),
        (SignatureVersion::V2, RpcMethod::Post),
    ] {
        let ram = RamClient::builder()
            .credentials(Credentials::new(KEY_ID, SECRET).with_security_token("sts-token-value"))
            .endpoint(server.uri())
            .signature_version(version)
            .rpc_method(method)
            .retry_policy(fast_retry().with_max_retries(1))
            .build()
            .unwrap();
        let e = ram.users().get("u").send().await.unwrap_err();
        for shown in [e.to_string(), format!("{e:?}"), format!("{ram:?}")] {
            assert!(!shown.contains(SECRET) && !shown.contains("sts-token-value"), "{shown}");
        }
    }
    let created = oss_client::ram::CreatedAccessKey::new("LTAIx", "created-secret", AccessKeyStatus::Active);
    assert!(!format!("{created:?}").contains("created-secret"));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("sending request"), "the exchange was logged: {logs}");
    assert!(logs.contains("retrying"));
    assert!(!logs.contains(SECRET), "{logs}");
    assert!(!logs.contains("sts-token-value"), "{logs}");
    // Signatures are bearer material while valid: redacted from URLs and headers.
    for req in server.received_requests().await.unwrap() {
        if let Some(sig) = all_params(&req).get("Signature") {
            assert!(!logs.contains(sig.as_str()), "V2 signature leaked");
        }
        if let Some(auth) = req.headers.get("authorization") {
            let auth = auth.to_str().unwrap();
            assert!(!logs.contains(auth.rsplit('=').next().unwrap()), "V3 signature leaked");
        }
    }
}
