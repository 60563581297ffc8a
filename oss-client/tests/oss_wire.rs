//! Wire-format tests for every OSS operation against a mock server: method, path, Host, headers, body and
//! signature. Requests the derived vectors cover are compared byte for byte with the vector.

mod oss_support;

use oss_client::bucket::{Acl, CorsConfiguration, CorsMethod, CorsRule, DataRedundancyType, StorageClass};
use oss_client::object::ObjectAcl;
use oss_client::{ErrorKind, SignatureVersion};
use oss_support::*;
use std::time::Duration;
use wiremock::matchers::{body_string, header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CORS_BODY: &str = "<CORSConfiguration><CORSRule><AllowedOrigin>https://chat.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule><ResponseVary>false</ResponseVary></CORSConfiguration>";

fn lobehub_cors() -> CorsConfiguration {
    CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("https://chat.example.com")
            .allowed_methods([CorsMethod::Get, CorsMethod::Put, CorsMethod::Head])
            .allowed_header("*")
            .expose_header("ETag")
            .max_age_seconds(3600),
    ])
    .response_vary(false)
}

fn v4_auth(sig: &str) -> String {
    format!("OSS4-HMAC-SHA256 Credential={AK}/20250101/cn-beijing/oss/aliyun_v4_request,Signature={sig}")
}

#[tokio::test]
async fn put_bucket_cors_matches_vector_d1_v4_and_v1() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/"))
        .and(RawQuery("cors"))
        .and(header("host", BUCKET_HOST))
        .and(header("content-type", "application/xml"))
        .and(header("content-md5", "cpoYReVIdLCOW1gisI0ySw=="))
        .and(header("x-oss-content-sha256", "UNSIGNED-PAYLOAD"))
        .and(header("x-oss-date", "20250101T000000Z"))
        .and(HeaderIs("authorization", v4_auth("9ff3e5531ba63af4cf47fa523d465055ba8a7eef02deca1c3b9f46b7465cc4c8")))
        .and(body_string(CORS_BODY))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/"))
        .and(RawQuery("cors"))
        .and(header("host", BUCKET_HOST))
        .and(HeaderIs("date", "Wed, 01 Jan 2025 00:00:00 GMT"))
        .and(HeaderIs("authorization", format!("OSS {AK}:1u+qhskspuhpsbrtfxewdoKy0eA=")))
        .and(body_string(CORS_BODY))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    client_for(&server, SignatureVersion::V4).bucket(BUCKET).put_cors(lobehub_cors()).send().await.unwrap();
    client_for(&server, SignatureVersion::V1).bucket(BUCKET).put_cors(lobehub_cors()).send().await.unwrap();
}

#[tokio::test]
async fn put_bucket_acl_matches_vector_d2_v4_and_v1() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/"))
        .and(RawQuery("acl"))
        .and(header("host", BUCKET_HOST))
        .and(header("x-oss-acl", "public-read"))
        .and(HeaderIs("authorization", v4_auth("b4377ab9b24a98ec4e202212a99bc8bcd2657104ab9e792e9b728f9097951acb")))
        .and(body_string(""))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(RawQuery("acl"))
        .and(HeaderIs("authorization", format!("OSS {AK}:woc1ZZZST61qGnKrAN3d3nDqGws=")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    client_for(&server, SignatureVersion::V4).bucket(BUCKET).put_acl(Acl::PublicRead).send().await.unwrap();
    client_for(&server, SignatureVersion::V1).bucket(BUCKET).put_acl(Acl::PublicRead).send().await.unwrap();
}

#[tokio::test]
async fn list_buckets_matches_vector_d3_and_goes_to_the_service_host() {
    let server = MockServer::start().await;
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult><Owner><ID>1234</ID><DisplayName>1234</DisplayName></Owner><Buckets><Bucket><CreationDate>2025-01-01T00:00:00.000Z</CreationDate><ExtranetEndpoint>oss-cn-beijing.aliyuncs.com</ExtranetEndpoint><IntranetEndpoint>oss-cn-beijing-internal.aliyuncs.com</IntranetEndpoint><Location>oss-cn-beijing</Location><Name>lobechat-assets</Name><Region>cn-beijing</Region><StorageClass>Standard</StorageClass><Unknown>ignored</Unknown></Bucket></Buckets></ListAllMyBucketsResult>";
    Mock::given(method("GET"))
        .and(path("/"))
        .and(RawQuery("max-keys=100&prefix=lobe"))
        .and(header("host", SERVICE_HOST))
        .and(HeaderIs("authorization", v4_auth("be530546b4ef0286a9295d4e02a3b3fc1901539caf7f39638c27f55e92713921")))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(HeaderIs("authorization", format!("OSS {AK}:MZLdhM6ZmkvS7mcy/6l8t3BZpaM=")))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .expect(1)
        .mount(&server)
        .await;
    let page =
        client_for(&server, SignatureVersion::V4).list_buckets().max_keys(100).prefix("lobe").send().await.unwrap();
    assert_eq!(page.buckets.len(), 1);
    assert_eq!(page.buckets[0].name, "lobechat-assets");
    assert_eq!(page.buckets[0].region, "cn-beijing");
    assert_eq!(page.owner.id, "1234");
    assert_eq!(page.next_marker, None);
    let page =
        client_for(&server, SignatureVersion::V1).list_buckets().max_keys(100).prefix("lobe").send().await.unwrap();
    assert_eq!(page.buckets.len(), 1);
}

#[tokio::test]
async fn list_buckets_stream_follows_next_marker() {
    let server = MockServer::start().await;
    let page = |names: &[&str], next: Option<&str>| {
        let buckets: String = names.iter().map(|n| format!("<Bucket><Name>{n}</Name></Bucket>")).collect();
        let paging = match next {
            Some(m) => format!("<IsTruncated>true</IsTruncated><NextMarker>{m}</NextMarker>"),
            None => "<IsTruncated>false</IsTruncated>".to_string(),
        };
        format!(
            "<ListAllMyBucketsResult><MaxKeys>2</MaxKeys>{paging}<Buckets>{buckets}</Buckets></ListAllMyBucketsResult>"
        )
    };
    Mock::given(method("GET"))
        .and(RawQuery("max-keys=2"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(page(&["a1a", "b2b"], Some("b2b"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(RawQuery("marker=b2b&max-keys=2").or_order())
        .respond_with(ResponseTemplate::new(200).set_body_string(page(&["c3c"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let all = client_for(&server, SignatureVersion::V4).list_buckets().max_keys(2).collect_all().await.unwrap();
    let names: Vec<_> = all.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["a1a", "b2b", "c3c"]);
}

/// Accepts the query pairs in any order.
trait OrOrder {
    fn or_order(self) -> AnyOrder;
}
impl OrOrder for RawQuery {
    fn or_order(self) -> AnyOrder {
        AnyOrder(self.0)
    }
}
struct AnyOrder(&'static str);
impl wiremock::Match for AnyOrder {
    fn matches(&self, request: &wiremock::Request) -> bool {
        let mut want: Vec<&str> = self.0.split('&').collect();
        let q = request.url.query().unwrap_or_default();
        let mut got: Vec<&str> = q.split('&').collect();
        want.sort_unstable();
        got.sort_unstable();
        want == got
    }
}

#[tokio::test]
async fn bucket_public_access_block_put_get_delete() {
    let server = MockServer::start().await;
    let body =
        "<PublicAccessBlockConfiguration><BlockPublicAccess>false</BlockPublicAccess></PublicAccessBlockConfiguration>";
    Mock::given(method("PUT"))
        .and(path("/"))
        .and(RawQuery("publicAccessBlock"))
        .and(header("host", BUCKET_HOST))
        .and(header("content-type", "application/xml"))
        .and(BodyMd5)
        .and(body_string(body))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(RawQuery("publicAccessBlock"))
        .and(header("host", BUCKET_HOST))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<?xml version=\"1.0\"?><PublicAccessBlockConfiguration><BlockPublicAccess>true</BlockPublicAccess><Other/></PublicAccessBlockConfiguration>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(RawQuery("publicAccessBlock"))
        .and(header("host", BUCKET_HOST))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let bucket = client_for(&server, SignatureVersion::V4).bucket(BUCKET);
    bucket.put_public_access_block(false).send().await.unwrap();
    assert!(bucket.get_public_access_block().send().await.unwrap());
    bucket.delete_public_access_block().send().await.unwrap();
}

#[tokio::test]
async fn account_public_access_block_goes_to_the_service_host() {
    let server = MockServer::start().await;
    for (verb, status) in [("PUT", 200), ("GET", 200), ("DELETE", 204)] {
        let mut response = ResponseTemplate::new(status);
        if verb == "GET" {
            response = response.set_body_string(
                "<PublicAccessBlockConfiguration><BlockPublicAccess>false</BlockPublicAccess></PublicAccessBlockConfiguration>",
            );
        }
        Mock::given(method(verb))
            .and(path("/"))
            .and(RawQuery("publicAccessBlock"))
            .and(header("host", SERVICE_HOST))
            .and(SignedBy(SignatureVersion::V1))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
    }
    let oss = client_for(&server, SignatureVersion::V1);
    oss.put_public_access_block(true).send().await.unwrap();
    assert!(!oss.get_public_access_block().send().await.unwrap());
    oss.delete_public_access_block().send().await.unwrap();
}

#[tokio::test]
async fn put_bucket_with_configuration_and_acl() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/"))
        .and(RawQuery(""))
        .and(header("host", BUCKET_HOST))
        .and(header("x-oss-acl", "private"))
        .and(header("content-type", "application/xml"))
        .and(BodyMd5)
        .and(body_string(
            "<CreateBucketConfiguration><StorageClass>IA</StorageClass><DataRedundancyType>ZRS</DataRedundancyType></CreateBucketConfiguration>",
        ))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).insert_header("location", "/lobechat-assets"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/"))
        .and(body_string(""))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let bucket = client_for(&server, SignatureVersion::V4).bucket(BUCKET);
    bucket
        .create()
        .storage_class(StorageClass::InfrequentAccess)
        .redundancy(DataRedundancyType::Zone)
        .acl(Acl::Private)
        .send()
        .await
        .unwrap();
    bucket.create().send().await.unwrap();
}

#[tokio::test]
async fn get_bucket_info_location_acl_and_delete() {
    let server = MockServer::start().await;
    let info = r#"<?xml version="1.0" encoding="UTF-8"?>
<BucketInfo><Bucket><AccessMonitor>Disabled</AccessMonitor><CreationDate>2025-01-01T00:00:00.000Z</CreationDate>
<ExtranetEndpoint>oss-cn-beijing.aliyuncs.com</ExtranetEndpoint><IntranetEndpoint>oss-cn-beijing-internal.aliyuncs.com</IntranetEndpoint>
<Location>oss-cn-beijing</Location><StorageClass>Standard</StorageClass><DataRedundancyType>LRS</DataRedundancyType>
<Name>lobechat-assets</Name><ResourceGroupId>rg-1</ResourceGroupId><Owner><DisplayName>1234</DisplayName><ID>1234</ID></Owner>
<AccessControlList><Grant>public-read</Grant></AccessControlList><ServerSideEncryptionRule><SSEAlgorithm>None</SSEAlgorithm></ServerSideEncryptionRule>
<BlockPublicAccess>false</BlockPublicAccess><BucketPolicy><LogBucket/><LogPrefix/></BucketPolicy></Bucket></BucketInfo>"#;
    Mock::given(method("GET"))
        .and(RawQuery("bucketInfo"))
        .and(header("host", BUCKET_HOST))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(info))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(RawQuery("location"))
        .and(header("host", BUCKET_HOST))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint>oss-cn-beijing</LocationConstraint>",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(RawQuery("acl"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<AccessControlPolicy><Owner><ID>1234</ID><DisplayName>me</DisplayName></Owner><AccessControlList><Grant>private</Grant></AccessControlList></AccessControlPolicy>",
        ))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/"))
        .and(RawQuery(""))
        .and(header("host", BUCKET_HOST))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let bucket = client_for(&server, SignatureVersion::V4).bucket(BUCKET);
    let info = bucket.info().send().await.unwrap();
    assert_eq!(info.name, "lobechat-assets");
    assert_eq!(info.location, "oss-cn-beijing");
    assert_eq!(info.acl, Some(Acl::PublicRead));
    assert_eq!(info.block_public_access, Some(false));
    assert_eq!(info.owner.id, "1234");
    assert_eq!(info.data_redundancy_type, "LRS");
    assert_eq!(info.resource_group_id, "rg-1");
    assert_eq!(bucket.location().send().await.unwrap(), "oss-cn-beijing");
    let acl = bucket.get_acl().send().await.unwrap();
    assert_eq!(acl.acl, Acl::Private);
    assert_eq!(acl.owner.display_name, "me");
    bucket.delete().send().await.unwrap();
}

#[tokio::test]
async fn get_and_delete_bucket_cors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(RawQuery("cors"))
        .and(header("host", BUCKET_HOST))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{CORS_BODY}")),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(RawQuery("cors"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let bucket = client_for(&server, SignatureVersion::V4).bucket(BUCKET);
    assert_eq!(bucket.get_cors().send().await.unwrap(), lobehub_cors());
    bucket.delete_cors().send().await.unwrap();
}

#[tokio::test]
async fn put_object_matches_vector_d5() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/files/a%20b/%E6%B5%8B%E8%AF%95.png"))
        .and(header("host", BUCKET_HOST))
        .and(header("content-type", "image/png"))
        .and(HeaderIs("authorization", v4_auth("de05a905bcb7c168496bf720207d6164b858fafbd266acdf911d65aa2e08c2c6")))
        .and(body_string("PNGDATA"))
        .respond_with(
            ResponseTemplate::new(200).insert_header("etag", "\"ABC\"").insert_header("x-oss-request-id", "rid-1"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let out = client_for(&server, SignatureVersion::V4)
        .bucket(BUCKET)
        .object("files/a b/测试.png")
        .put("PNGDATA")
        .content_type("image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(out.etag, "\"ABC\"");
    assert_eq!(out.request_id.as_deref(), Some("rid-1"));
}

#[tokio::test]
async fn put_object_optional_headers_are_sent_and_signed() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/a+b.txt".replace('+', "%2B")))
        .and(header("x-oss-object-acl", "public-read"))
        .and(header("x-oss-forbid-overwrite", "true"))
        .and(header("x-oss-meta-author", "alice"))
        .and(header("cache-control", "no-cache"))
        .and(header("content-disposition", "inline"))
        .and(SignedBy(SignatureVersion::V1))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    client_for(&server, SignatureVersion::V1)
        .bucket(BUCKET)
        .object("a+b.txt")
        .put("x")
        .acl(ObjectAcl::PublicRead)
        .forbid_overwrite(true)
        .metadata("Author", "alice")
        .cache_control("no-cache")
        .content_disposition("inline")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn get_head_delete_object() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/docs/readme.md"))
        .and(header("host", BUCKET_HOST))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("# hello", "text/markdown")
                .insert_header("etag", "\"E1\"")
                .insert_header("x-oss-meta-author", "alice"),
        )
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/docs/readme.md"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(
            ResponseTemplate::new(200).insert_header("content-type", "text/markdown").insert_header("etag", "\"E1\""),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/docs/readme.md"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let object = client_for(&server, SignatureVersion::V4).bucket(BUCKET).object("docs/readme.md");
    let got = object.get().send().await.unwrap();
    assert_eq!(got.body.as_ref(), b"# hello");
    assert_eq!(got.metadata.content_type.as_deref(), Some("text/markdown"));
    assert_eq!(got.metadata.metadata.get("author").map(String::as_str), Some("alice"));
    let head = object.head().send().await.unwrap();
    assert_eq!(head.etag.as_deref(), Some("\"E1\""));
    object.delete().send().await.unwrap();
}

#[tokio::test]
async fn presigned_urls_v4_and_v1() {
    let server = MockServer::start().await;
    let oss = client_for(&server, SignatureVersion::V4);
    let put = oss
        .bucket(BUCKET)
        .object("up/a b.png")
        .presign_put(Duration::from_secs(600))
        .content_type("image/png")
        .build()
        .unwrap();
    let url = put.url.as_str();
    assert!(url.starts_with("https://lobechat-assets.oss-cn-beijing.aliyuncs.com/up/a%20b.png?"), "{url}");
    for part in [
        "x-oss-signature-version=OSS4-HMAC-SHA256",
        "x-oss-credential=LTAI5tTESTACCESSKEYID%2F20250101%2Fcn-beijing%2Foss%2Faliyun_v4_request",
        "x-oss-date=20250101T000000Z",
        "x-oss-expires=600",
        "x-oss-signature=",
    ] {
        assert!(url.contains(part), "{part} missing in {url}");
    }
    assert_eq!(put.headers["content-type"], "image/png");
    // The signature covers the content type: recompute it from the URL.
    let mut signable = oss_client::signing::SignableRequest::new(http::Method::PUT, Some(BUCKET), Some("up/a b.png"));
    signable.insert_header("content-type", "image/png").unwrap();
    let pairs: Vec<(String, String)> = put.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let sig = pairs.iter().find(|(k, _)| k == "x-oss-signature").unwrap().1.clone();
    signable.query = pairs.into_iter().filter(|(k, _)| k != "x-oss-signature").collect();
    let canonical = oss_client::signing::v4::canonical_request(&signable, &[]);
    let sts = oss_client::signing::v4::string_to_sign(
        "20250101T000000Z",
        &oss_client::signing::v4::scope("20250101", REGION),
        &canonical,
    );
    let key = oss_client::signing::v4::signing_key(SK, "20250101", REGION);
    assert_eq!(oss_client::signing::v4::signature(&key, &sts), sig);

    let get = client_for(&server, SignatureVersion::V1)
        .bucket(BUCKET)
        .object("k")
        .presign_get(Duration::from_secs(60))
        .build()
        .unwrap();
    let url = get.url.as_str();
    assert!(url.contains(&format!("Expires={}", TIME + 60)), "{url}");
    assert!(url.contains("OSSAccessKeyId=LTAI5tTESTACCESSKEYID"), "{url}");
    assert!(url.contains("Signature="), "{url}");
    // Debug output of a presigned request hides the signature.
    assert!(
        !format!("{get:?}").contains(&get.url.query_pairs().find(|(k, _)| k == "Signature").unwrap().1.to_string())
    );
}

#[tokio::test]
async fn sts_token_is_sent_and_signed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("x-oss-security-token", "sts-token-value"))
        .and(header_exists("authorization"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<LocationConstraint>oss-cn-beijing</LocationConstraint>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let oss = oss_client::OssClient::builder()
        .credentials(oss_client::Credentials::new(AK, SK).with_security_token("sts-token-value"))
        .region(REGION)
        .connect_to(server.uri())
        .build()
        .unwrap();
    assert_eq!(oss.bucket(BUCKET).location().send().await.unwrap(), "oss-cn-beijing");
    let presigned = oss.bucket(BUCKET).object("k").presign_get(Duration::from_secs(60)).build().unwrap();
    assert!(presigned.url.as_str().contains("x-oss-security-token=sts-token-value"));
    assert!(!format!("{presigned:?}").contains("sts-token-value"));
}

#[tokio::test]
async fn custom_endpoint_and_cname_addressing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("host", "lobechat-assets.oss-cn-beijing-internal.aliyuncs.com"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<LocationConstraint>oss-cn-beijing</LocationConstraint>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("host", "files.example.com"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<LocationConstraint>oss-cn-beijing</LocationConstraint>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let builder = || oss_client::OssClient::builder().credentials(oss_client::Credentials::new(AK, SK)).region(REGION);
    let internal =
        builder().endpoint("https://oss-cn-beijing-internal.aliyuncs.com").connect_to(server.uri()).build().unwrap();
    internal.bucket(BUCKET).location().send().await.unwrap();
    let cname = builder().endpoint("https://files.example.com").cname(true).connect_to(server.uri()).build().unwrap();
    cname.bucket(BUCKET).location().send().await.unwrap();
    assert_eq!(cname.public_url(BUCKET, "a.png").unwrap().as_str(), "https://files.example.com/a.png");
}

#[tokio::test]
async fn errors_are_mapped_to_kinds_with_metadata() {
    let server = MockServer::start().await;
    let error = |code: &str, message: &str, extra: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>RID</RequestId><HostId>{BUCKET_HOST}</HostId>{extra}<EC>0000-00000000</EC><RecommendDoc>https://api.aliyun.com/troubleshoot</RecommendDoc></Error>"
        )
    };
    let cases: Vec<(&str, u16, String)> = vec![
        ("cors", 404, error("NoSuchCORSConfiguration", "The CORS Configuration does not exist.", "")),
        ("acl", 403, error("AccessDenied", "Put public bucket acl is not allowed.", "")),
        ("location", 403, error("AccessDenied", "You have no right to access this bucket.", "")),
        (
            "bucketInfo",
            404,
            error("NoSuchBucket", "The specified bucket does not exist.", "<BucketName>lobechat-assets</BucketName>"),
        ),
        (
            "publicAccessBlock",
            403,
            error(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match",
                "<StringToSign>GET\n/lobechat-assets/</StringToSign><SignatureProvided>x</SignatureProvided>",
            ),
        ),
    ];
    for (sub, status, body) in &cases {
        Mock::given(method("GET"))
            .and(RawQuery(sub))
            .respond_with(
                ResponseTemplate::new(*status).set_body_string(body.clone()).insert_header("x-oss-request-id", "RID"),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("PUT"))
        .and(RawQuery(""))
        .respond_with(ResponseTemplate::new(409).set_body_string(error(
            "BucketAlreadyExists",
            "The requested bucket name is not available.",
            "",
        )))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(RawQuery(""))
        .respond_with(ResponseTemplate::new(409).set_body_string(error(
            "BucketNotEmpty",
            "The bucket has objects.",
            "",
        )))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(RawQuery("acl"))
        .respond_with(ResponseTemplate::new(403).set_body_string(error(
            "AccessDenied",
            "Put public bucket acl is not allowed.",
            "",
        )))
        .mount(&server)
        .await;
    let bucket = client_for(&server, SignatureVersion::V4).bucket(BUCKET);

    let e = bucket.get_cors().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::NoSuchCorsConfiguration);
    assert!(e.is_not_found());
    assert_eq!(e.code(), Some("NoSuchCORSConfiguration"));
    assert_eq!(e.request_id(), Some("RID"));
    let meta = e.metadata().unwrap();
    assert_eq!(meta.status, 404);
    assert_eq!(meta.host_id.as_deref(), Some(BUCKET_HOST));
    assert_eq!(meta.extra("EC"), Some("0000-00000000"));
    assert_eq!(e.operation(), "GetBucketCors");

    assert_eq!(bucket.get_acl().send().await.unwrap_err().kind(), &ErrorKind::PublicAclBlocked);
    assert_eq!(bucket.put_acl(Acl::PublicRead).send().await.unwrap_err().kind(), &ErrorKind::PublicAclBlocked);
    assert_eq!(bucket.location().send().await.unwrap_err().kind(), &ErrorKind::AccessDenied);
    assert_eq!(bucket.info().send().await.unwrap_err().kind(), &ErrorKind::NoSuchBucket);
    assert_eq!(bucket.create().send().await.unwrap_err().kind(), &ErrorKind::BucketAlreadyExists);
    assert_eq!(bucket.delete().send().await.unwrap_err().kind(), &ErrorKind::BucketNotEmpty);
    let e = bucket.get_public_access_block().send().await.unwrap_err();
    assert_eq!(e.server_string_to_sign(), Some("GET\n/lobechat-assets/"));
    assert!(matches!(e.kind(), ErrorKind::SignatureMismatch { .. }));
    // Not retried: one request each.
    assert_eq!(server.received_requests().await.unwrap().len(), 8);
}

#[tokio::test]
async fn head_errors_are_read_from_headers() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-oss-request-id", "RID-H")
                .insert_header("x-oss-ec", "0026-00000001"),
        )
        .mount(&server)
        .await;
    let e = client_for(&server, SignatureVersion::V4).bucket(BUCKET).object("missing").head().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::NoSuchKey);
    assert_eq!(e.request_id(), Some("RID-H"));
    assert_eq!(e.metadata().unwrap().extra("EC"), Some("0026-00000001"));
}

#[tokio::test]
async fn malformed_xml_is_a_decode_error_naming_the_operation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<BucketInfo><Bucket><Name>x</Bucket>"))
        .mount(&server)
        .await;
    let e = client_for(&server, SignatureVersion::V4).bucket(BUCKET).info().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Decode);
    assert_eq!(e.operation(), "GetBucketInfo");
    assert!(e.to_string().contains("GetBucketInfo"));
    let e = client_for(&server, SignatureVersion::V4).list_buckets().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Decode);
    let e = client_for(&server, SignatureVersion::V4).bucket(BUCKET).get_acl().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Decode);
}

#[tokio::test]
async fn list_objects_pages_with_markers() {
    let server = MockServer::start().await;
    let page = |keys: &[&str], next: Option<&str>| {
        let contents: String = keys
            .iter()
            .map(|k| format!("<Contents><Key>{k}</Key><ETag>\"E\"</ETag><Size>3</Size><Type>Normal</Type></Contents>"))
            .collect();
        let paging = match next {
            Some(m) => format!("<IsTruncated>true</IsTruncated><NextMarker>{m}</NextMarker>"),
            None => "<IsTruncated>false</IsTruncated>".into(),
        };
        format!("<ListBucketResult><Name>{BUCKET}</Name><Prefix>a/</Prefix>{paging}{contents}</ListBucketResult>")
    };
    Mock::given(method("GET"))
        .and(path("/"))
        .and(RawQuery("max-keys=2&prefix=a%2F"))
        .and(header("host", BUCKET_HOST))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(page(&["a/1", "a/2"], Some("a/2"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(RawQuery("max-keys=2&prefix=a%2F&marker=a%2F2"))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(page(&["a/3"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let bucket = client_for(&server, SignatureVersion::V4).bucket(BUCKET);
    let all = bucket.list_objects().prefix("a/").max_keys(2).collect_all().await.unwrap();
    let keys: Vec<_> = all.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["a/1", "a/2", "a/3"]);
    assert_eq!(all[0].size, 3);
    assert!(bucket.list_objects().max_keys(0).send().await.is_err());
}

#[tokio::test]
async fn delete_multiple_objects_posts_the_delete_body_with_content_md5() {
    let server = MockServer::start().await;
    let body = r#"<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>false</Quiet><Object><Key>a &amp; b.txt</Key></Object><Object><Key>c.txt</Key></Object></Delete>"#;
    let md5 = oss_client::content_md5(body.as_bytes());
    Mock::given(method("POST"))
        .and(RawQuery("delete"))
        .and(path("/"))
        .and(header("host", BUCKET_HOST))
        .and(header("content-md5", md5.as_str()))
        .and(header("content-type", "application/xml"))
        .and(body_string(body))
        .and(SignedBy(SignatureVersion::V4))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult><Deleted><Key>a &amp; b.txt</Key></Deleted>\
             <Error><Key>c.txt</Key><Code>AccessDenied</Code><Message>denied</Message></Error></DeleteResult>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let bucket = client_for(&server, SignatureVersion::V4).bucket(BUCKET);
    let result = bucket.delete_objects(["a & b.txt", "c.txt"]).send().await.unwrap();
    assert_eq!(result.deleted, ["a & b.txt"]);
    assert_eq!(result.errors.len(), 1);
    assert_eq!((result.errors[0].key.as_str(), result.errors[0].code.as_str()), ("c.txt", "AccessDenied"));
    // Bad input is refused before any request.
    let none: [&str; 0] = [];
    assert_eq!(bucket.delete_objects(none).send().await.unwrap_err().kind(), &ErrorKind::InvalidInput);
    let many: Vec<String> = (0..1001).map(|i| format!("k{i}")).collect();
    assert_eq!(bucket.delete_objects(many).send().await.unwrap_err().kind(), &ErrorKind::InvalidInput);
}
