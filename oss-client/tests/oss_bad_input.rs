//! Every validated argument is refused with a clear `InvalidInput` error before any request is sent.

mod oss_support;

use oss_client::bucket::{CorsConfiguration, CorsMethod, CorsRule};
use oss_client::{Credentials, ErrorKind, OssClient, SignatureVersion};
use oss_support::*;
use std::time::Duration;
use wiremock::MockServer;

fn assert_invalid<T: std::fmt::Debug>(result: oss_client::Result<T>, needle: &str) {
    let e = result.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains(needle), "`{e}` should mention `{needle}`");
}

fn rule() -> CorsRule {
    CorsRule::new().allowed_origin("https://chat.example.com").allowed_method(CorsMethod::Get)
}

#[tokio::test]
async fn bad_bucket_names_and_keys_send_nothing() {
    let server = MockServer::start().await;
    let oss = client_for(&server, SignatureVersion::V4);
    for name in ["ab", "x".repeat(64).as_str(), "-bucket", "bucket-", "Bucket", "buck_et", "buck.et", ""] {
        assert_invalid(oss.bucket(name).create().send().await, "bucket name");
        assert_invalid(oss.bucket(name).info().send().await, "bucket name");
        assert_invalid(oss.bucket(name).location().send().await, "bucket name");
        assert_invalid(oss.bucket(name).delete().send().await, "bucket name");
        assert_invalid(oss.bucket(name).put_acl(oss_client::bucket::Acl::Private).send().await, "bucket name");
        assert_invalid(oss.bucket(name).get_acl().send().await, "bucket name");
        assert_invalid(oss.bucket(name).put_cors(CorsConfiguration::new(vec![rule()])).send().await, "bucket name");
        assert_invalid(oss.bucket(name).get_cors().send().await, "bucket name");
        assert_invalid(oss.bucket(name).delete_cors().send().await, "bucket name");
        assert_invalid(oss.bucket(name).put_public_access_block(false).send().await, "bucket name");
        assert_invalid(oss.bucket(name).get_public_access_block().send().await, "bucket name");
        assert_invalid(oss.bucket(name).delete_public_access_block().send().await, "bucket name");
        assert_invalid(oss.bucket(name).object("k").put("x").send().await, "bucket name");
        assert_invalid(oss.bucket(name).object("k").presign_get(Duration::from_secs(1)).build(), "bucket name");
        assert_invalid(oss.public_url(name, "k"), "bucket name");
    }
    let long = "k".repeat(1024);
    for key in ["", "/abs", "\\abs", "a/./b", "a/../b", "..", "a\u{0}b", long.as_str()] {
        let object = oss.bucket(BUCKET).object(key);
        assert_invalid(object.put("x").send().await, "object key");
        assert_invalid(object.get().send().await, "object key");
        assert_invalid(object.head().send().await, "object key");
        assert_invalid(object.delete().send().await, "object key");
        assert_invalid(object.presign_put(Duration::from_secs(1)).build(), "object key");
    }
    assert_invalid(
        oss.bucket(BUCKET).object("k").put("x").content_type("text/plain\r\nx: y").send().await,
        "content-type",
    );
    assert_invalid(oss.bucket(BUCKET).object("k").put("x").metadata("bad name", "v").send().await, "header name");
    assert_invalid(oss.list_buckets().max_keys(0).send().await, "max-keys");
    assert_invalid(oss.list_buckets().max_keys(1001).send().await, "max-keys");
    assert_invalid(oss.bucket(BUCKET).object("k").presign_get(Duration::ZERO).build(), "at least one second");
    assert_invalid(oss.bucket(BUCKET).object("k").presign_get(Duration::from_secs(604_801)).build(), "7 days");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_cors_rules_send_nothing() {
    let server = MockServer::start().await;
    let bucket = client_for(&server, SignatureVersion::V4).bucket(BUCKET);
    let cases: Vec<(CorsConfiguration, &str)> = vec![
        (CorsConfiguration::new(vec![]), "at least one rule"),
        (CorsConfiguration::new(vec![rule(); 11]), "at most 10"),
        (CorsConfiguration::new(vec![CorsRule::new().allowed_method(CorsMethod::Get)]), "AllowedOrigin"),
        (CorsConfiguration::new(vec![CorsRule::new().allowed_origin("*")]), "AllowedMethod"),
        (CorsConfiguration::new(vec![rule().allowed_origin("https://*.*.example.com")]), "at most one `*`"),
        (CorsConfiguration::new(vec![rule().allowed_origin(" ")]), "empty AllowedOrigin"),
        (CorsConfiguration::new(vec![rule().allowed_header("x-*-*")]), "at most one `*`"),
        (CorsConfiguration::new(vec![rule().allowed_header("")]), "empty AllowedHeader"),
        (CorsConfiguration::new(vec![rule().expose_header("*")]), "ExposeHeader"),
        (CorsConfiguration::new(vec![rule().expose_header("x-oss-*")]), "ExposeHeader"),
        (CorsConfiguration::new(vec![rule().allowed_origin("https://a.example.com/".repeat(800))]), "16 KB"),
    ];
    for (config, needle) in cases {
        assert_invalid(bucket.put_cors(config).send().await, needle);
    }
    assert!(CorsConfiguration::new(vec![rule(); 10]).validate("PutBucketCors").is_ok());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn bad_client_configuration_is_refused() {
    let base = || OssClient::builder().credentials(Credentials::new(AK, SK)).region(REGION);
    assert_invalid(OssClient::builder().region(REGION).build(), "credentials");
    assert_invalid(OssClient::builder().credentials(Credentials::new(AK, SK)).build(), "region");
    assert_invalid(base().region("oss-cn-beijing").build(), "region id `cn-beijing`");
    assert_invalid(base().region("CN-Beijing").build(), "lower-case");
    assert_invalid(base().region("").build(), "region");
    assert_invalid(OssClient::builder().credentials(Credentials::new("", SK)).region(REGION).build(), "AccessKey id");
    assert_invalid(
        OssClient::builder().credentials(Credentials::new("a k", SK)).region(REGION).build(),
        "AccessKey id",
    );
    assert_invalid(OssClient::builder().credentials(Credentials::new(AK, "")).region(REGION).build(), "secret");
    assert_invalid(base().endpoint("http://oss-cn-beijing.aliyuncs.com").build(), "plain http");
    assert_invalid(base().endpoint("ftp://oss-cn-beijing.aliyuncs.com").build(), "scheme");
    assert_invalid(base().endpoint("https://oss-cn-beijing.aliyuncs.com/bucket").build(), "path");
    assert_invalid(base().endpoint("https://oss-cn-beijing.aliyuncs.com/?a=b").build(), "query");
    assert_invalid(base().endpoint("not a url").build(), "not a valid URL");
    assert_invalid(base().cname(true).build(), "cname");
    assert_invalid(base().connect_to("http://10.0.0.1:9000").build(), "plain http");
    assert_invalid(base().connect_to("https://example.com").build(), "loopback");
    assert!(base().endpoint("http://127.0.0.1:9000").build().is_ok());
    assert!(base().connect_to("http://localhost:9000").build().is_ok());
}
