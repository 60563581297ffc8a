#![cfg(feature = "oss")]
//! Round trips of every OSS operation through `oss-client` against the OSS simulator, and the documented
//! semantics the simulator reproduces.

use oss_client::bucket::{Acl, CorsConfiguration, CorsMethod, CorsRule, DataRedundancyType, StorageClass};
use oss_client::{Credentials, ErrorKind, OssClient, SignatureVersion};
use sandbox::aliyun_identity::{AccessKeyRecord, KeyStatus, Policy, PolicyType, PolicyVersion, Principal};
use sandbox::oss::OssSimulator;
use sandbox::{Faults, RequestLog, SimServer};
use std::sync::Arc;
use std::time::Duration;

const AK: &str = "LTAI5tSIMULATORKEY01";
const SK: &str = "simulator-secret-0123456789";
const BUCKET: &str = "lobechat-assets";
const ORIGIN: &str = "https://chat.example.com";

async fn setup() -> (Arc<OssSimulator>, SimServer, OssClient) {
    let sim = OssSimulator::standalone("cn-hangzhou", AK, SK);
    let server = sim.start(RequestLog::new()).await.unwrap();
    let oss = client(&sim, &server, Credentials::new(AK, SK), SignatureVersion::V4);
    (sim, server, oss)
}

fn client(sim: &OssSimulator, server: &SimServer, creds: Credentials, version: SignatureVersion) -> OssClient {
    oss_client::OssClient::builder()
        .region(sim.region())
        .connect_to(server.base_url())
        .credentials(creds)
        .signature_version(version)
        .retry_policy(
            cloud_http::RetryPolicy::default()
                .with_min_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

fn lobehub_cors() -> CorsConfiguration {
    CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin(ORIGIN)
            .allowed_methods([CorsMethod::Get, CorsMethod::Put, CorsMethod::Head])
            .allowed_header("*")
            .expose_header("ETag")
            .max_age_seconds(3600),
    ])
    .response_vary(false)
}

/// Sends a raw request to the simulator with the given Host.
async fn raw(
    server: &SimServer,
    method: reqwest::Method,
    host: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request =
        reqwest::Client::new().request(method, format!("{}{path_and_query}", server.base_url())).header("host", host);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn public_read_bucket_with_cors_the_lobehub_way() {
    let (sim, _server, oss) = setup().await;
    let bucket = oss.bucket(BUCKET);
    bucket.create().send().await.unwrap();
    assert!(bucket.get_public_access_block().send().await.unwrap(), "new buckets have BPA on");
    let e = bucket.put_acl(Acl::PublicRead).send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::PublicAclBlocked);
    assert_eq!(e.metadata().unwrap().message(), Some("Put public bucket acl is not allowed."));
    bucket.put_public_access_block(false).send().await.unwrap();
    bucket.put_acl(Acl::PublicRead).send().await.unwrap();
    bucket.put_cors(lobehub_cors()).send().await.unwrap();
    assert_eq!(bucket.get_cors().send().await.unwrap(), lobehub_cors());
    assert_eq!(bucket.get_acl().send().await.unwrap().acl, Acl::PublicRead);

    let put = bucket.object("files/hello world.txt").put("hello").content_type("text/plain").send().await.unwrap();
    assert_eq!(put.etag, "\"5D41402ABC4B2A76B9719D911017C592\"");

    // Anonymous read through the public URL.
    let url = oss.public_url(BUCKET, "files/hello world.txt").unwrap();
    let (target, host) = oss.transport_target(&url);
    let response = reqwest::Client::new().get(target.clone()).header("host", &host).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "hello");

    // The browser's preflight for a presigned PUT.
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, target.clone())
        .header("host", &host)
        .header("origin", ORIGIN)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    assert_eq!(h["access-control-allow-methods"], "GET, PUT, HEAD");
    assert_eq!(h["access-control-allow-headers"], "content-type");
    assert_eq!(h["access-control-expose-headers"], "ETag");
    assert_eq!(h["access-control-max-age"], "3600");
    let refused = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, target.clone())
        .header("host", &host)
        .header("origin", "https://evil.example.org")
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let refused_method = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, target)
        .header("host", &host)
        .header("origin", ORIGIN)
        .header("access-control-request-method", "DELETE")
        .send()
        .await
        .unwrap();
    assert_eq!(refused_method.status(), 403);

    let state = sim.bucket(BUCKET).unwrap();
    assert_eq!(state.acl, "public-read");
    assert!(!state.block_public_access);
    assert_eq!(sim.object(BUCKET, "files/hello world.txt").unwrap().content_type, "text/plain");
}

#[tokio::test]
async fn anonymous_reads_need_public_acl_and_bpa_off() {
    let (sim, _server, oss) = setup().await;
    sim.seed_object(BUCKET, "a.txt", "x", "text/plain");
    let url = oss.public_url(BUCKET, "a.txt").unwrap();
    let (target, host) = oss.transport_target(&url);
    let get = || reqwest::Client::new().get(target.clone()).header("host", host.clone()).send();
    assert_eq!(get().await.unwrap().status(), 403, "private bucket");
    let bucket = oss.bucket(BUCKET);
    bucket.put_public_access_block(false).send().await.unwrap();
    bucket.put_acl(Acl::PublicRead).send().await.unwrap();
    assert_eq!(get().await.unwrap().status(), 200);
    bucket.put_public_access_block(true).send().await.unwrap();
    assert_eq!(get().await.unwrap().status(), 403, "BPA blocks the public ACL");
    bucket.put_public_access_block(false).send().await.unwrap();
    sim.set_account_public_access_block(Some(true));
    assert_eq!(get().await.unwrap().status(), 403, "account BPA overrides the bucket");
    // Anonymous writes are refused on a public-read bucket.
    sim.set_account_public_access_block(None);
    let put = reqwest::Client::new()
        .put(oss.transport_target(&url).0)
        .header("host", host.clone())
        .body("y")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 403);
}

#[tokio::test]
async fn account_level_bpa_overrides_the_bucket() {
    let (sim, _server, oss) = setup().await;
    assert!(!oss.get_public_access_block().send().await.unwrap());
    oss.put_public_access_block(true).send().await.unwrap();
    assert_eq!(sim.account_public_access_block(), Some(true));
    assert!(oss.get_public_access_block().send().await.unwrap());
    let bucket = oss.bucket(BUCKET);
    bucket.create().send().await.unwrap();
    bucket.put_public_access_block(false).send().await.unwrap();
    assert_eq!(bucket.put_acl(Acl::PublicRead).send().await.unwrap_err().kind(), &ErrorKind::PublicAclBlocked);
    oss.delete_public_access_block().send().await.unwrap();
    assert_eq!(sim.account_public_access_block(), None);
    bucket.put_acl(Acl::PublicReadWrite).send().await.unwrap();
    bucket.delete_public_access_block().send().await.unwrap();
    assert!(!bucket.get_public_access_block().send().await.unwrap());
}

#[tokio::test]
async fn put_bucket_is_idempotent_for_the_owner_and_refused_for_names_held_elsewhere() {
    let (sim, server, oss) = setup().await;
    let bucket = oss.bucket(BUCKET);
    bucket
        .create()
        .storage_class(StorageClass::InfrequentAccess)
        .redundancy(DataRedundancyType::Zone)
        .send()
        .await
        .unwrap();
    bucket.create().send().await.unwrap();
    assert_eq!(sim.bucket_names(), vec![BUCKET.to_string()]);
    let info = bucket.info().send().await.unwrap();
    assert_eq!(info.name, BUCKET);
    assert_eq!(info.location, "oss-cn-hangzhou");
    assert_eq!(info.storage_class, "IA");
    assert_eq!(info.data_redundancy_type, "ZRS");
    assert_eq!(info.acl, Some(Acl::Private));
    assert_eq!(info.block_public_access, Some(true));
    assert_eq!(info.owner.id, "1000000000000001");
    assert_eq!(bucket.location().send().await.unwrap(), "oss-cn-hangzhou");

    sim.mark_bucket_owned_elsewhere("taken-name");
    let e = oss.bucket("taken-name").create().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::BucketAlreadyExists);
    assert_eq!(e.metadata().unwrap().status, 409);
    assert_eq!(oss.bucket("taken-name").info().send().await.unwrap_err().kind(), &ErrorKind::AccessDenied);

    // A public ACL at creation is blocked (new buckets have BPA on), and nothing is created.
    let e = oss.bucket("born-public").create().acl(Acl::PublicRead).send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::PublicAclBlocked);
    assert!(sim.bucket("born-public").is_none());

    // The simulator checks names itself too (the client refuses bad names before sending).
    let response = raw(&server, reqwest::Method::PUT, "Bad_Name.oss-cn-hangzhou.aliyuncs.com", "/", &[]).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("<Code>InvalidBucketName</Code>"));
    // Path-style requests are refused.
    let response = raw(&server, reqwest::Method::GET, "oss-cn-hangzhou.aliyuncs.com", "/lobechat-assets/a", &[]).await;
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("SecondLevelDomainForbidden"));
}

#[tokio::test]
async fn cors_is_replaced_and_deleted() {
    let (_sim, _server, oss) = setup().await;
    let bucket = oss.bucket(BUCKET);
    bucket.create().send().await.unwrap();
    let e = bucket.get_cors().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::NoSuchCorsConfiguration);
    let two = CorsConfiguration::new(vec![
        CorsRule::new().allowed_origin("*").allowed_method(CorsMethod::Get),
        CorsRule::new()
            .allowed_origin("https://*.example.com")
            .allowed_method(CorsMethod::Post)
            .allowed_header("x-oss-*"),
    ]);
    bucket.put_cors(two.clone()).send().await.unwrap();
    assert_eq!(bucket.get_cors().send().await.unwrap().rules, two.rules);
    bucket.put_cors(lobehub_cors()).send().await.unwrap();
    assert_eq!(bucket.get_cors().send().await.unwrap().rules.len(), 1, "PutBucketCors replaces all rules");
    bucket.delete_cors().send().await.unwrap();
    assert_eq!(bucket.get_cors().send().await.unwrap_err().kind(), &ErrorKind::NoSuchCorsConfiguration);
}

#[tokio::test]
async fn objects_and_bucket_deletion() {
    let (sim, _server, oss) = setup().await;
    let bucket = oss.bucket(BUCKET);
    bucket.create().send().await.unwrap();
    let object = bucket.object("dir/测试 +1.png");
    object.put(vec![1u8, 2, 3]).content_type("image/png").metadata("author", "alice").send().await.unwrap();
    let got = object.get().send().await.unwrap();
    assert_eq!(got.body.as_ref(), &[1, 2, 3]);
    assert_eq!(got.metadata.content_type.as_deref(), Some("image/png"));
    assert_eq!(got.metadata.metadata.get("author").map(String::as_str), Some("alice"));
    let head = object.head().send().await.unwrap();
    assert_eq!(head.content_length, 3);
    assert_eq!(head.etag, got.metadata.etag);
    let e = bucket.object("missing").head().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::NoSuchKey);
    assert!(e.request_id().is_some());
    assert_eq!(bucket.object("missing").get().send().await.unwrap_err().kind(), &ErrorKind::NoSuchKey);
    let e = object.put("again").forbid_overwrite(true).send().await.unwrap_err();
    assert_eq!(e.code(), Some("FileAlreadyExists"));

    let e = bucket.delete().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::BucketNotEmpty);
    object.delete().send().await.unwrap();
    bucket.object("never-existed").delete().send().await.unwrap();
    assert!(sim.object(BUCKET, "dir/测试 +1.png").is_none());
    bucket.delete().send().await.unwrap();
    assert_eq!(bucket.info().send().await.unwrap_err().kind(), &ErrorKind::NoSuchBucket);
    assert_eq!(bucket.object("k").put("x").send().await.unwrap_err().kind(), &ErrorKind::NoSuchBucket);
}

#[tokio::test]
async fn list_buckets_pages_through_everything() {
    let (_sim, server, oss) = setup().await;
    for name in ["lobe-a", "lobe-b", "lobe-c", "lobe-d", "lobe-e", "other-1"] {
        oss.bucket(name).create().send().await.unwrap();
    }
    let before = server.log().len();
    let all = oss.list_buckets().prefix("lobe-").max_keys(2).collect_all().await.unwrap();
    let names: Vec<_> = all.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["lobe-a", "lobe-b", "lobe-c", "lobe-d", "lobe-e"]);
    assert_eq!(server.log().len() - before, 3, "three pages");
    let entries = server.log().entries();
    assert!(
        entries[before..].iter().all(|e| e.host == "oss-cn-hangzhou.aliyuncs.com" && e.path == "/"),
        "service host"
    );
    let page = oss.list_buckets().send().await.unwrap();
    assert_eq!(page.buckets.len(), 6);
    assert_eq!(page.next_marker, None);
    assert_eq!(page.buckets[0].region, "cn-hangzhou");
}

#[tokio::test]
async fn v1_is_refused_by_default_and_works_when_allowed() {
    let (sim, server, _oss) = setup().await;
    let v1 = client(&sim, &server, Credentials::new(AK, SK), SignatureVersion::V1);
    let e = v1.bucket(BUCKET).create().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::AccessDenied);
    assert_eq!(e.metadata().unwrap().extra("EC"), Some("0002-00000080"));
    sim.set_v1_signatures_allowed(true);
    let bucket = v1.bucket(BUCKET);
    bucket.create().send().await.unwrap();
    bucket.put_public_access_block(false).send().await.unwrap();
    bucket.put_acl(Acl::PublicRead).send().await.unwrap();
    bucket.put_cors(lobehub_cors()).send().await.unwrap();
    bucket.object("a b+c.txt").put("v1").send().await.unwrap();
    assert_eq!(bucket.object("a b+c.txt").get().send().await.unwrap().body.as_ref(), b"v1");
    assert_eq!(v1.list_buckets().collect_all().await.unwrap().len(), 1);
}

#[tokio::test]
async fn bad_credentials_are_refused() {
    let (sim, server, _oss) = setup().await;
    let wrong_secret = client(&sim, &server, Credentials::new(AK, "not-the-secret"), SignatureVersion::V4);
    let e = wrong_secret.bucket(BUCKET).create().send().await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::SignatureMismatch { .. }), "{e}");
    let sts = e.server_string_to_sign().unwrap();
    assert!(sts.starts_with("OSS4-HMAC-SHA256\n"), "{sts}");
    assert!(sim.bucket(BUCKET).is_none());

    let unknown = client(&sim, &server, Credentials::new("LTAI5tUNKNOWN", SK), SignatureVersion::V4);
    assert_eq!(unknown.bucket(BUCKET).create().send().await.unwrap_err().kind(), &ErrorKind::InvalidAccessKeyId);

    sim.identity().with_state(|s| {
        s.keys.insert(
            "LTAI5tDISABLED".into(),
            AccessKeyRecord {
                id: "LTAI5tDISABLED".into(),
                secret: SK.into(),
                principal: Principal::Account,
                status: KeyStatus::Inactive,
                create_date: String::new(),
            },
        );
    });
    let disabled = client(&sim, &server, Credentials::new("LTAI5tDISABLED", SK), SignatureVersion::V4);
    let e = disabled.bucket(BUCKET).create().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidAccessKeyId);
    assert!(e.to_string().contains("disabled"));

    // A wrong signing region (the OSS region name instead of the region id) is refused.
    let response = raw(
        &server,
        reqwest::Method::GET,
        "oss-cn-hangzhou.aliyuncs.com",
        "/",
        &[
            (
                "authorization",
                &format!(
                    "OSS4-HMAC-SHA256 Credential={AK}/20250101/oss-cn-hangzhou/oss/aliyun_v4_request,Signature=00"
                ),
            ),
            ("x-oss-date", "20250101T000000Z"),
            ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
        ],
    )
    .await;
    assert_eq!(response.status(), 400);
    // No Authorization at all on a bucket operation.
    let response = raw(&server, reqwest::Method::GET, "oss-cn-hangzhou.aliyuncs.com", "/", &[]).await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn clock_skew_is_detected_and_the_client_corrects_it() {
    let (sim, _server, oss) = setup().await;
    sim.set_clock_offset(chrono::Duration::hours(1));
    oss.bucket(BUCKET).create().send().await.unwrap();
    let offset = oss.clock_offset_millis();
    assert!((3_590_000..=3_610_000).contains(&offset), "offset {offset}");

    // Within 15 minutes nothing needs correcting.
    let (sim, server, _) = setup().await;
    sim.set_clock_offset(chrono::Duration::minutes(14));
    let fresh = client(&sim, &server, Credentials::new(AK, SK), SignatureVersion::V4);
    fresh.bucket(BUCKET).create().send().await.unwrap();
    assert_eq!(fresh.clock_offset_millis(), 0);

    // Without retries the skew surfaces as an error.
    sim.set_clock_offset(chrono::Duration::minutes(16));
    let strict = oss_client::OssClient::builder()
        .region(sim.region())
        .connect_to(server.base_url())
        .credentials(Credentials::new(AK, SK))
        .clock(Arc::new(cloud_http::FixedClock(chrono::Utc::now())))
        .retry_policy(cloud_http::RetryPolicy::never())
        .build()
        .unwrap();
    // One retry budget per call (issue 14): with none, the skew surfaces as an error, but the clock is corrected
    // from the server's time, so the next call (still with a frozen clock) succeeds.
    let err = strict.bucket(BUCKET).info().send().await.unwrap_err();
    assert_eq!(*err.kind(), oss_client::ErrorKind::ClockSkew);
    assert!(strict.clock_offset_millis() >= 15 * 60 * 1000);
    strict.bucket(BUCKET).info().send().await.unwrap();
}

#[tokio::test]
async fn ram_users_are_limited_by_their_policies() {
    let (sim, server, oss) = setup().await;
    oss.bucket(BUCKET).create().send().await.unwrap();
    sim.identity().with_state(|s| {
        s.keys.insert(
            "LTAI5tRAMUSER".into(),
            AccessKeyRecord {
                id: "LTAI5tRAMUSER".into(),
                secret: "ram-secret".into(),
                principal: Principal::RamUser { user_name: "lobehub".into() },
                status: KeyStatus::Active,
                create_date: String::new(),
            },
        );
        s.policies.insert(
            (PolicyType::Custom, "lobehub-oss".into()),
            Policy {
                name: "lobehub-oss".into(),
                policy_type: PolicyType::Custom,
                description: String::new(),
                versions: vec![PolicyVersion {
                    version_id: "v1".into(),
                    document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject"],"Resource":["acs:oss:*:*:lobechat-assets/*"]}]}"#.into(),
                    is_default: true,
                    create_date: String::new(),
                }],
                next_version: 2,
                create_date: String::new(),
            },
        );
        s.attachments.insert("lobehub".into(), vec![(PolicyType::Custom, "lobehub-oss".into())]);
    });
    let user = client(&sim, &server, Credentials::new("LTAI5tRAMUSER", "ram-secret"), SignatureVersion::V4);
    user.bucket(BUCKET).object("u/1.png").put("img").send().await.unwrap();
    assert_eq!(user.bucket(BUCKET).object("u/1.png").get().send().await.unwrap().body.as_ref(), b"img");
    let e = user.bucket(BUCKET).object("u/1.png").delete().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::AccessDenied);
    assert!(e.to_string().contains("oss:DeleteObject"));
    assert_eq!(user.bucket(BUCKET).put_acl(Acl::PublicRead).send().await.unwrap_err().kind(), &ErrorKind::AccessDenied);
    assert_eq!(user.list_buckets().send().await.unwrap_err().kind(), &ErrorKind::AccessDenied);
}

#[tokio::test]
async fn presigned_urls_work_and_expire() {
    let (sim, server, oss) = setup().await;
    oss.bucket(BUCKET).create().send().await.unwrap();
    let object = oss.bucket(BUCKET).object("up/photo 1.png");
    let put = object.presign_put(Duration::from_secs(300)).content_type("image/png").build().unwrap();
    let (target, host) = oss.transport_target(&put.url);
    let response = reqwest::Client::new()
        .put(target)
        .header("host", &host)
        .header("content-type", "image/png")
        .body("presigned-bytes")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    assert_eq!(sim.object(BUCKET, "up/photo 1.png").unwrap().body.as_ref(), b"presigned-bytes");
    let get = object.presign_get(Duration::from_secs(300)).build().unwrap();
    let (target, host) = oss.transport_target(&get.url);
    let response = reqwest::Client::new().get(target).header("host", &host).send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "presigned-bytes");

    // A different content type breaks the signature.
    let (target, host) = oss.transport_target(&put.url);
    let response = reqwest::Client::new()
        .put(target)
        .header("host", &host)
        .header("content-type", "text/html")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("SignatureDoesNotMatch"));

    // Expired: signed two minutes ago for one minute.
    let past = oss_client::OssClient::builder()
        .region(sim.region())
        .connect_to(server.base_url())
        .credentials(Credentials::new(AK, SK))
        .clock(Arc::new(cloud_http::FixedClock(chrono::Utc::now() - chrono::Duration::minutes(2))))
        .build()
        .unwrap();
    let old = past.bucket(BUCKET).object("up/photo 1.png").presign_get(Duration::from_secs(60)).build().unwrap();
    let (target, host) = oss.transport_target(&old.url);
    let response = reqwest::Client::new().get(target).header("host", &host).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("Request has expired"));

    // V1 presigned URLs when V1 is allowed.
    sim.set_v1_signatures_allowed(true);
    let v1 = client(&sim, &server, Credentials::new(AK, SK), SignatureVersion::V1);
    let get = v1.bucket(BUCKET).object("up/photo 1.png").presign_get(Duration::from_secs(60)).build().unwrap();
    let (target, host) = v1.transport_target(&get.url);
    let response = reqwest::Client::new().get(target).header("host", &host).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn faults_are_survived_by_retries_and_logged() {
    let (sim, server, oss) = setup().await;
    server.set_faults(Faults::none().with_failure_rate(0.3).with_seed(42).with_stall(Duration::from_millis(50)));
    let bucket = oss.bucket(BUCKET);
    bucket.create().send().await.unwrap();
    bucket.put_public_access_block(false).send().await.unwrap();
    bucket.put_acl(Acl::PublicRead).send().await.unwrap();
    bucket.put_cors(lobehub_cors()).send().await.unwrap();
    for i in 0..10 {
        bucket.object(format!("k{i}")).put("v").send().await.unwrap();
    }
    assert_eq!(sim.bucket(BUCKET).unwrap().objects.len(), 10);
    let log = server.log();
    assert!(log.len() > 14, "faults forced retries: {} requests", log.len());
    assert!(log.entries().iter().any(|e| e.fault.is_some()));
    assert_eq!(log.for_service("oss").len(), log.len());
}

#[tokio::test]
async fn converged_reads_send_no_mutating_requests() {
    let (_sim, server, oss) = setup().await;
    let bucket = oss.bucket(BUCKET);
    bucket.create().send().await.unwrap();
    server.log().clear();
    bucket.info().send().await.unwrap();
    bucket.get_acl().send().await.unwrap();
    bucket.get_public_access_block().send().await.unwrap();
    let _ = bucket.get_cors().send().await;
    oss.list_buckets().send().await.unwrap();
    assert_eq!(server.log().len(), 5);
    assert!(server.log().mutating().is_empty());
}

#[tokio::test]
async fn list_objects_then_empty_and_delete_the_bucket() {
    let (sim, server, oss) = setup().await;
    let bucket = oss.bucket(BUCKET);
    bucket.create().send().await.unwrap();
    for key in ["a/1", "a/2", "a/3", "b/1", "a/sub/4"] {
        bucket.object(key).put(key.to_string()).send().await.unwrap();
    }
    let before = server.log().len();
    let under_a = bucket.list_objects().prefix("a/").max_keys(2).collect_all().await.unwrap();
    let keys: Vec<_> = under_a.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["a/1", "a/2", "a/3", "a/sub/4"]);
    assert_eq!(server.log().len() - before, 2);
    assert_eq!(under_a[3].size, 7);
    assert_eq!(under_a[0].etag, sim.object(BUCKET, "a/1").unwrap().etag);
    for object in bucket.list_objects().collect_all().await.unwrap() {
        bucket.object(object.key).delete().send().await.unwrap();
    }
    assert!(bucket.list_objects().send().await.unwrap().objects.is_empty());
    bucket.delete().send().await.unwrap();
    assert!(sim.bucket_names().is_empty());
}
