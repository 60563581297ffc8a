//! Secrets never appear in Debug output, error messages or logs (even at trace level, even on retries and
//! signature errors): the AccessKey secret, the STS token and signatures are redacted.

mod oss_support;

use oss_client::{Credentials, OssClient, SignatureVersion};
use oss_support::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "STS-TOKEN-very-secret-0001";

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

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn client(server: &MockServer, version: SignatureVersion) -> OssClient {
    OssClient::builder()
        .credentials(Credentials::new(AK, SK).with_security_token(TOKEN))
        .region(REGION)
        .signature_version(version)
        .connect_to(server.uri())
        .retry_policy(fast_retries().with_max_retries(1))
        .build()
        .unwrap()
}

#[tokio::test]
async fn no_secret_in_logs_debug_or_errors() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    // A signature error that echoes the token in StringToSign and the secret in the message, then a 503.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_string(format!(
            "<Error><Code>SignatureDoesNotMatch</Code><Message>secret {SK}</Message><StringToSign>x-oss-security-token:{TOKEN}</StringToSign></Error>"
        )))
        .mount(&server)
        .await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(503)).mount(&server).await;

    let mut shown = String::new();
    let mut signatures = Vec::new();
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        let oss = client(&server, version);
        shown.push_str(&format!("{oss:?}\n"));
        let e = oss.bucket(BUCKET).info().send().await.unwrap_err();
        shown.push_str(&format!("{e}\n{e:?}\n"));
        let e = oss.bucket(BUCKET).put_acl(oss_client::bucket::Acl::Private).send().await.unwrap_err();
        shown.push_str(&format!("{e}\n{e:?}\n"));
        let presigned = oss.bucket(BUCKET).object("k").presign_get(Duration::from_secs(60)).build().unwrap();
        shown.push_str(&format!("{presigned:?}\n"));
        for (k, v) in presigned.url.query_pairs() {
            if k == "x-oss-signature" || k == "Signature" {
                signatures.push(v.into_owned());
            }
        }
    }
    shown.push_str(&format!(
        "{:?}",
        OssClient::builder().credentials(Credentials::new(AK, SK).with_security_token(TOKEN))
    ));
    for r in server.received_requests().await.unwrap() {
        let auth = r.headers["authorization"].to_str().unwrap();
        let sig = match auth.split_once("Signature=") {
            Some((_, sig)) => sig,
            None => auth.rsplit_once(':').unwrap().1,
        };
        signatures.push(sig.to_string());
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("sending request"), "debug logs were captured: {logs}");
    assert!(logs.contains("retrying"), "retries are logged");
    assert!(logs.contains("[REDACTED]"));
    for text in [&logs, &shown] {
        assert!(!text.contains(SK), "secret leaked:\n{text}");
        assert!(!text.contains(TOKEN), "token leaked:\n{text}");
        for sig in &signatures {
            assert!(sig.len() > 10);
            assert!(!text.contains(sig.as_str()), "signature {sig} leaked:\n{text}");
        }
    }
    assert!(!signatures.is_empty());
}
