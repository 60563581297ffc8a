#![cfg(feature = "oss")]
//! The OSS simulator as the AWS S3 SDK and the official OSS SDKs meet it: SigV4 header and presigned auth on
//! the S3-compatible endpoint (LobeHub's upload path, field-truth §1.5 / §2.1), the explicit routing table,
//! ListObjectsV2, batch delete, Range, conditional GET, object ACLs, `x-oss-err`, and the mainland
//! default-endpoint rule. Requests are signed with `aws-sigv4` (AWS's own signer) and sent with reqwest,
//! resolving the real host names to the simulator.

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4::SigningParams;
use base64::Engine as _;
use md5::Digest as _;
use sandbox::aliyun_identity::{AccessKeyRecord, KeyStatus, Policy, PolicyType, PolicyVersion, Principal};
use sandbox::oss::OssSimulator;
use sandbox::{RequestLog, SimServer};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const AK: &str = "LTAI5tS3COMPATKEY01";
const SK: &str = "s3-compat-secret-0123456789";
const BUCKET: &str = "lobehub-files";

struct Env {
    sim: Arc<OssSimulator>,
    server: SimServer,
    http: reqwest::Client,
}

async fn env(region: &str) -> Env {
    let sim = OssSimulator::standalone(region, AK, SK);
    let server = sim.start(RequestLog::new()).await.unwrap();
    let addr = server.addr();
    let mut builder = reqwest::Client::builder().no_proxy();
    for host in [
        format!("{BUCKET}.s3.oss-{region}.aliyuncs.com"),
        format!("{BUCKET}.oss-{region}.aliyuncs.com"),
        format!("{BUCKET}.oss-{region}-internal.aliyuncs.com"),
        format!("missing-bucket.oss-{region}.aliyuncs.com"),
        format!("s3.oss-{region}.aliyuncs.com"),
    ] {
        builder = builder.resolve(&host, addr);
    }
    Env { sim, server, http: builder.build().unwrap() }
}

impl Env {
    fn url(&self, host: &str, path_and_query: &str) -> String {
        format!("http://{host}:{}{path_and_query}", self.server.addr().port())
    }

    fn s3_host(&self) -> String {
        format!("{BUCKET}.s3.oss-{}.aliyuncs.com", self.sim.region())
    }

    fn oss_host(&self) -> String {
        format!("{BUCKET}.oss-{}.aliyuncs.com", self.sim.region())
    }
}

/// Signs with aws-sigv4 as the AWS SDK does for S3 (single encoding, no normalisation, x-amz-content-sha256),
/// in the header or, with `presign`, in the query. Returns the final URL and headers.
#[allow(clippy::too_many_arguments)]
fn sigv4(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    region: &str,
    secret: &str,
    at: SystemTime,
    presign: Option<Duration>,
) -> (String, Vec<(String, String)>) {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let body = match presign {
        Some(expires) => {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(expires);
            SignableBody::UnsignedPayload
        }
        None => {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            SignableBody::Bytes(body)
        }
    };
    let identity = aws_credential_types::Credentials::new(AK, secret, None, None, "test").into();
    let params: aws_sigv4::http_request::SigningParams = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("s3")
        .time(at)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let request = SignableRequest::new(method, url, headers.iter().copied(), body).unwrap();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    let mut http_request = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        http_request = http_request.header(*k, *v);
    }
    let mut http_request = http_request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut http_request);
    let headers =
        http_request.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string())).collect();
    (http_request.uri().to_string(), headers)
}

async fn send(
    e: &Env,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> (u16, String, reqwest::header::HeaderMap) {
    let mut request = e.http.request(method.parse().unwrap(), url).body(body);
    for (k, v) in headers {
        if k != "host" {
            request = request.header(k, v);
        }
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, response.text().await.unwrap(), headers)
}

/// A header-signed S3 request.
async fn s3(
    e: &Env,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, reqwest::header::HeaderMap) {
    let url = e.url(&e.s3_host(), path);
    let (url, signed) = sigv4(method, &url, headers, body, e.sim.region(), SK, SystemTime::now(), None);
    send(e, method, &url, &signed, body.to_vec()).await
}

fn md5_b64(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body))
}

#[tokio::test]
async fn lobehub_upload_path_presigned_put_then_presigned_get_then_batch_delete() {
    let e = env("cn-hangzhou").await;
    e.sim.seed_bucket(BUCKET);
    // PutObject presigned for 3600 s with only `host` signed; the browser adds a Content-Type.
    let put_url = e.url(&e.s3_host(), "/files/u1/a%20b.png?x-id=PutObject");
    let (presigned_put, _) =
        sigv4("PUT", &put_url, &[], b"", "cn-hangzhou", SK, SystemTime::now(), Some(Duration::from_secs(3600)));
    assert!(presigned_put.contains("X-Amz-SignedHeaders=host"), "{presigned_put}");
    let ct = vec![("content-type".to_string(), "image/png".to_string())];
    let (status, body, _) = send(&e, "PUT", &presigned_put, &ct, b"PNGDATA".to_vec()).await;
    assert_eq!(status, 200, "{body}");
    let stored = e.sim.object(BUCKET, "files/u1/a b.png").unwrap();
    assert_eq!((stored.content_type.as_str(), &stored.body[..]), ("image/png", &b"PNGDATA"[..]));
    // Read back by presigned GET (private bucket: anonymous access is refused).
    let get_url = e.url(&e.s3_host(), "/files/u1/a%20b.png?x-id=GetObject");
    let (presigned_get, _) =
        sigv4("GET", &get_url, &[], b"", "cn-hangzhou", SK, SystemTime::now(), Some(Duration::from_secs(7200)));
    let (status, body, _) = send(&e, "GET", &presigned_get, &[], Vec::new()).await;
    assert_eq!((status, body.as_str()), (200, "PNGDATA"));
    let (status, _, _) = send(&e, "GET", &get_url, &[], Vec::new()).await;
    assert_eq!(status, 403);
    // DeleteObjects (`POST /?delete`) with Content-MD5, verbose.
    let xml = "<Delete><Quiet>false</Quiet><Object><Key>files/u1/a b.png</Key></Object><Object><Key>never-existed</Key></Object></Delete>";
    let md5 = md5_b64(xml.as_bytes());
    let (status, body, _) =
        s3(&e, "POST", "/?delete", &[("content-md5", &md5), ("content-type", "application/xml")], xml.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<Deleted><Key>files/u1/a b.png</Key></Deleted>") && body.contains("never-existed"),
        "{body}"
    );
    assert!(e.sim.object(BUCKET, "files/u1/a b.png").is_none());
    // Without Content-MD5 (an AWS SDK that sends only x-amz-checksum-crc32): refused, nothing deleted.
    e.sim.seed_object(BUCKET, "keep", "k", "text/plain");
    let xml = "<Delete><Quiet>true</Quiet><Object><Key>keep</Key></Object></Delete>";
    let (status, body, _) = s3(&e, "POST", "/?delete", &[("x-amz-checksum-crc32", "AAAAAA==")], xml.as_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("MissingArgument"), "{body}");
    assert!(e.sim.object(BUCKET, "keep").is_some());
    // Quiet mode lists nothing.
    let md5 = md5_b64(xml.as_bytes());
    let (status, body, _) = s3(&e, "POST", "/?delete", &[("content-md5", &md5)], xml.as_bytes()).await;
    assert_eq!(status, 200);
    assert!(!body.contains("<Deleted>"), "{body}");
}

#[tokio::test]
async fn forged_expired_wrong_region_and_chunked_sigv4_requests_are_refused() {
    let e = env("cn-hangzhou").await;
    e.sim.seed_object(BUCKET, "k", "v", "text/plain");
    let url = e.url(&e.s3_host(), "/k");
    // Forged: signed with another secret.
    let (forged, _) =
        sigv4("GET", &url, &[], b"", "cn-hangzhou", "not-the-secret", SystemTime::now(), Some(Duration::from_secs(60)));
    let (status, body, _) = send(&e, "GET", &forged, &[], Vec::new()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("SignatureDoesNotMatch"), "{body}");
    // A public bucket does not make a forged signature anonymous.
    e.sim.set_account_public_access_block(Some(false));
    let (status, _, _) = s3(&e, "PUT", "/?acl", &[("x-amz-acl", "public-read")], b"").await;
    assert_eq!(status, 403, "BPA is still on for the bucket");
    // Expired: signed two hours ago for one hour.
    let (expired, _) = sigv4(
        "GET",
        &url,
        &[],
        b"",
        "cn-hangzhou",
        SK,
        SystemTime::now() - Duration::from_secs(7200),
        Some(Duration::from_secs(3600)),
    );
    let (status, body, _) = send(&e, "GET", &expired, &[], Vec::new()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("AccessDenied") && body.contains("Request has expired"), "{body}");
    // Wrong region (LobeHub's default us-east-1 when S3_REGION is unset).
    let (wrong, _) = sigv4("GET", &url, &[], b"", "us-east-1", SK, SystemTime::now(), Some(Duration::from_secs(60)));
    let (status, body, _) = send(&e, "GET", &wrong, &[], Vec::new()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("AuthorizationQueryParametersError") && body.contains("expecting 'cn-hangzhou'"), "{body}");
    let (_, signed) = sigv4("GET", &url, &[], b"", "us-east-1", SK, SystemTime::now(), None);
    let (status, body, _) = send(&e, "GET", &url, &signed, Vec::new()).await;
    assert_eq!(status, 400);
    assert!(body.contains("AuthorizationHeaderMalformed"), "{body}");
    // Header auth works; a tampered header does not.
    let (status, body, _) = s3(&e, "GET", "/k", &[], b"").await;
    assert_eq!((status, body.as_str()), (200, "v"));
    let (_, mut signed) = sigv4("GET", &url, &[("x-amz-meta-a", "1")], b"", "cn-hangzhou", SK, SystemTime::now(), None);
    for (k, v) in &mut signed {
        if k == "x-amz-meta-a" {
            *v = "2".into();
        }
    }
    let (status, body, _) = send(&e, "GET", &url, &signed, Vec::new()).await;
    assert_eq!(status, 403, "{body}");
    // aws-chunked is refused before anything is stored.
    let (_, mut signed) = sigv4("PUT", &url, &[], b"x", "cn-hangzhou", SK, SystemTime::now(), None);
    for (k, v) in &mut signed {
        if k == "x-amz-content-sha256" {
            *v = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD".into();
        }
    }
    let (status, body, _) = send(&e, "PUT", &url, &signed, b"x".to_vec()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("aws-chunked encoding is not supported"), "{body}");
    assert_eq!(&e.sim.object(BUCKET, "k").unwrap().body[..], b"v");
    // Path style on the S3 endpoint: SecondLevelDomainForbidden.
    let path_style = e.url(&format!("s3.oss-{}.aliyuncs.com", e.sim.region()), &format!("/{BUCKET}/k"));
    let (_, signed) = sigv4("GET", &path_style, &[], b"", "cn-hangzhou", SK, SystemTime::now(), None);
    let (status, body, _) = send(&e, "GET", &path_style, &signed, Vec::new()).await;
    assert_eq!(status, 403);
    assert!(body.contains("SecondLevelDomainForbidden"), "{body}");
}

#[tokio::test]
async fn ram_policies_apply_to_sigv4_requests() {
    let e = env("cn-hangzhou").await;
    e.sim.seed_bucket(BUCKET);
    e.sim.identity().with_state(|s| {
        s.keys.insert(
            "LTAIuser".into(),
            AccessKeyRecord {
                id: "LTAIuser".into(),
                secret: "user-secret".into(),
                principal: Principal::RamUser { user_name: "lobehub".into() },
                status: KeyStatus::Active,
                create_date: String::new(),
            },
        );
        s.policies.insert(
            (PolicyType::Custom, "p".into()),
            Policy {
                name: "p".into(),
                policy_type: PolicyType::Custom,
                description: String::new(),
                versions: vec![PolicyVersion {
                    version_id: "v1".into(),
                    document: format!(r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:{BUCKET}/uploads/*"]}}]}}"#),
                    is_default: true,
                    create_date: String::new(),
                }],
                next_version: 2,
                create_date: String::new(),
            },
        );
        s.attachments.insert("lobehub".into(), vec![(PolicyType::Custom, "p".into())]);
    });
    let presign = |path: &str| {
        let url = e.url(&e.s3_host(), path);
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(60));
        let identity = aws_credential_types::Credentials::new("LTAIuser", "user-secret", None, None, "t").into();
        let params: aws_sigv4::http_request::SigningParams = SigningParams::builder()
            .identity(&identity)
            .region("cn-hangzhou")
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let (instructions, _) = sign(
            SignableRequest::new("PUT", url.clone(), std::iter::empty(), SignableBody::UnsignedPayload).unwrap(),
            &params,
        )
        .unwrap()
        .into_parts();
        let mut r = http::Request::builder().method("PUT").uri(url).body(()).unwrap();
        instructions.apply_to_request_http1x(&mut r);
        r.uri().to_string()
    };
    let (status, body, _) = send(&e, "PUT", &presign("/uploads/a.txt"), &[], b"ok".to_vec()).await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = send(&e, "PUT", &presign("/elsewhere/a.txt"), &[], b"no".to_vec()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("You should be authorized by RAM") && body.contains("oss:PutObject"), "{body}");
    assert!(e.sim.object(BUCKET, "elsewhere/a.txt").is_none());
}

#[tokio::test]
async fn unknown_sub_resources_are_refused_without_a_state_change() {
    let e = env("cn-hangzhou").await;
    e.sim.seed_object(BUCKET, "k", "original", "text/plain");
    let before = e.sim.state_fingerprint();
    for (method, path) in [
        ("PUT", "/k?tagging"),
        ("DELETE", "/?lifecycle"),
        ("GET", "/?policy"),
        ("POST", "/k?append&position=0"),
        ("PUT", "/?acl&cors"),
        ("PATCH", "/k"),
    ] {
        let (status, body, _) = s3(&e, method, path, &[], b"<Tagging/>").await;
        assert_eq!(status, 405, "{method} {path}: {body}");
        assert!(body.contains("MethodNotAllowed"), "{body}");
    }
    // CopyObject is not modelled: refused, not stored as an empty object.
    let (status, _, _) = s3(&e, "PUT", "/copy", &[("x-amz-copy-source", "/lobehub-files/k")], b"").await;
    assert_eq!(status, 405);
    assert_eq!(e.sim.state_fingerprint(), before);
}

#[tokio::test]
async fn list_objects_v2_pages_with_tokens_and_groups_by_delimiter() {
    let e = env("cn-hangzhou").await;
    for k in ["a/1", "a/2", "b/1", "c", "d", "e"] {
        e.sim.seed_object(BUCKET, k, "x", "text/plain");
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let path = match &token {
            Some(t) => format!("/?list-type=2&delimiter=%2F&max-keys=2&continuation-token={t}"),
            None => "/?list-type=2&delimiter=%2F&max-keys=2".to_string(),
        };
        let (status, body, _) = s3(&e, "GET", &path, &[], b"").await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("<KeyCount>"), "{body}");
        for part in body.split("<Key>").skip(1).chain(body.split("<Prefix>").skip(2)) {
            let v = part.split('<').next().unwrap();
            if !v.is_empty() {
                seen.push(v.to_string());
            }
        }
        token = body.split("<NextContinuationToken>").nth(1).map(|t| t.split('<').next().unwrap().to_string());
        if body.contains("<IsTruncated>false</IsTruncated>") {
            assert!(token.is_none());
            break;
        }
        assert!(token.is_some(), "a truncated page carries NextContinuationToken: {body}");
    }
    seen.sort();
    assert_eq!(seen, ["a/", "b/", "c", "d", "e"]);
    // start-after, prefix, url encoding.
    let (_, body, _) = s3(&e, "GET", "/?list-type=2&start-after=c&encoding-type=url", &[], b"").await;
    assert!(
        body.contains("<Key>d</Key>")
            && !body.contains("<Key>c</Key>")
            && body.contains("<EncodingType>url</EncodingType>"),
        "{body}"
    );
    let (status, _, _) = s3(&e, "GET", "/?list-type=2&max-keys=1001", &[], b"").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn ranges_conditions_object_acls_and_head_errors() {
    let e = env("cn-hangzhou").await;
    e.sim.seed_object(BUCKET, "k", "0123456789", "text/plain");
    let (status, body, headers) = s3(&e, "GET", "/k", &[("range", "bytes=0-3")], b"").await;
    assert_eq!((status, body.as_str()), (206, "0123"));
    assert_eq!(headers["content-range"], "bytes 0-3/10");
    let (status, body, _) = s3(&e, "GET", "/k", &[("range", "bytes=20-")], b"").await;
    assert_eq!((status, body.as_str()), (200, "0123456789"), "out of range is ignored by default");
    let (status, _, _) =
        s3(&e, "GET", "/k", &[("range", "bytes=20-"), ("x-oss-range-behavior", "standard")], b"").await;
    assert_eq!(status, 416);
    let etag = e.sim.object(BUCKET, "k").unwrap().etag;
    let (status, body, _) = s3(&e, "GET", "/k", &[("if-none-match", &etag)], b"").await;
    assert_eq!((status, body.as_str()), (304, ""));
    let (status, _, _) = s3(&e, "HEAD", "/k", &[("if-match", "\"nope\"")], b"").await;
    assert_eq!(status, 412);
    // Object ACL: refused while Block Public Access is on, then allowed and readable anonymously.
    let (status, body, _) = s3(&e, "PUT", "/k?acl", &[("x-amz-acl", "public-read")], b"").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(e.sim.object(BUCKET, "k").unwrap().acl, "default");
    let bpa =
        "<PublicAccessBlockConfiguration><BlockPublicAccess>false</BlockPublicAccess></PublicAccessBlockConfiguration>";
    let (status, _, _) = s3(&e, "PUT", "/?publicAccessBlock", &[], bpa.as_bytes()).await;
    assert_eq!(status, 200);
    let (status, _, _) = s3(&e, "PUT", "/k?acl", &[("x-amz-acl", "public-read")], b"").await;
    assert_eq!(status, 200);
    let (_, body, _) = s3(&e, "GET", "/k?acl", &[], b"").await;
    assert!(body.contains("<Grant>public-read</Grant>"), "{body}");
    assert_eq!(e.sim.object(BUCKET, "k").unwrap().body.len(), 10, "PUT ?acl does not touch the bytes");
    let (status, body, _) = send(&e, "GET", &e.url(&e.oss_host(), "/k"), &[], Vec::new()).await;
    assert_eq!((status, body.as_str()), (200, "0123456789"));
    // HEAD errors carry the error document in x-oss-err.
    let (status, body, headers) = s3(&e, "HEAD", "/missing", &[], b"").await;
    assert_eq!((status, body.as_str()), (404, ""));
    let decoded = base64::engine::general_purpose::STANDARD.decode(headers["x-oss-err"].as_bytes()).unwrap();
    assert!(String::from_utf8(decoded).unwrap().contains("<Code>NoSuchKey</Code>"));
    // Anonymous access to a bucket that does not exist: 404 NoSuchBucket.
    let (status, body, _) =
        send(&e, "GET", &e.url(&format!("missing-bucket.oss-{}.aliyuncs.com", e.sim.region()), "/x"), &[], Vec::new())
            .await;
    assert_eq!(status, 404);
    assert!(body.contains("NoSuchBucket"), "{body}");
}

#[tokio::test]
async fn new_accounts_cannot_use_the_mainland_default_endpoint_for_data() {
    let e = env("cn-hangzhou").await;
    e.sim.set_new_account(true);
    let (status, _, _) = s3(&e, "PUT", "/", &[], b"").await;
    assert_eq!(status, 200, "bucket management is not a data call");
    let (status, body, headers) = s3(&e, "PUT", "/a.txt", &[], b"x").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("PublicEndpointForbidden") && body.contains("0048-00000401"), "{body}");
    assert_eq!(headers["x-oss-ec"], "0048-00000401");
    assert!(e.sim.object(BUCKET, "a.txt").is_none());
    // The internal endpoint is not affected.
    let url = e.url(&format!("{BUCKET}.oss-cn-hangzhou-internal.aliyuncs.com"), "/a.txt");
    let (url, signed) = sigv4("PUT", &url, &[], b"x", "cn-hangzhou", SK, SystemTime::now(), None);
    let (status, body, _) = send(&e, "PUT", &url, &signed, b"x".to_vec()).await;
    assert_eq!(status, 200, "{body}");
    // Outside the mainland the rule does not apply.
    let hk = env("cn-hongkong").await;
    hk.sim.set_new_account(true);
    hk.sim.seed_bucket(BUCKET);
    let (status, body, _) = s3(&hk, "PUT", "/a.txt", &[], b"x").await;
    assert_eq!(status, 200, "{body}");
}

/// The simulator's own SigV4 canonicalisation against AWS's signer on awkward object keys (unicode, spaces, `~`,
/// `+`, sub-delimiters, repeated slashes) and extra query parameters, in both modes; and a tampered query or
/// path does not verify.
#[tokio::test]
async fn awkward_keys_and_query_parameters_verify_as_aws_sigv4_signs_them() {
    let e = env("cn-hangzhou").await;
    e.sim.seed_bucket(BUCKET);
    let keys = ["dir/a b~c/测试 ✓.png", "a+b=c&d.txt", "x/!'()*$,;:@/y", "double//slash", "~tilde", "emoji 🙂 é"];
    for key in keys {
        let encoded: String = key
            .split('/')
            .map(|s| percent_encoding::utf8_percent_encode(s, S3_SEGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        let put = e.url(&e.s3_host(), &format!("/{encoded}?x-id=PutObject&x-amz-acl=private&empty="));
        let (presigned, _) =
            sigv4("PUT", &put, &[], b"", "cn-hangzhou", SK, SystemTime::now(), Some(Duration::from_secs(3600)));
        let (status, body, _) = send(&e, "PUT", &presigned, &[], key.as_bytes().to_vec()).await;
        assert_eq!(status, 200, "presigned PUT of {key:?}: {body}");
        assert_eq!(e.sim.object(BUCKET, key).map(|o| o.body.to_vec()), Some(key.as_bytes().to_vec()), "{key:?}");
        let get = e.url(&e.s3_host(), &format!("/{encoded}?response-content-type=text%2Fplain%3B%20a%3Db"));
        let (_, signed) = sigv4("GET", &get, &[], b"", "cn-hangzhou", SK, SystemTime::now(), None);
        let (status, body, _) = send(&e, "GET", &get, &signed, Vec::new()).await;
        assert_eq!((status, body.as_str()), (200, key), "header-signed GET of {key:?}");
        // The same signature on another query value or another key is refused.
        let tampered = presigned.replace("x-amz-acl=private", "x-amz-acl=public-read");
        let (status, body, _) = send(&e, "PUT", &tampered, &[], Vec::new()).await;
        assert!(status == 403 && body.contains("SignatureDoesNotMatch"), "{key:?}: {status} {body}");
        let moved = presigned.replacen(&format!("/{encoded}?"), &format!("/{encoded}x?"), 1);
        let (status, body, _) = send(&e, "PUT", &moved, &[], Vec::new()).await;
        assert!(status == 403 && body.contains("SignatureDoesNotMatch"), "{key:?}: {status} {body}");
    }
}

/// RFC 3986 unreserved characters stay; everything else in a key segment is percent-encoded (the AWS SDK's
/// object-key serialisation).
const S3_SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
