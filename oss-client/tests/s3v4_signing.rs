//! `signing::s3v4` (AWS SigV4 for OSS's S3-compatible path) against published vectors and the `aws-sigv4`
//! crate (smithy-rs, the AWS Rust SDK's signer).

use chrono::DateTime;
use oss_client::Credentials;
use oss_client::signing::s3v4;
use proptest::prelude::*;
use secrecy::SecretString;
use std::time::Duration;
use url::Url;

/// shared/reference/test-vectors.md §9: AWS `get-vanilla` (smithy-rs `aws-signing-test-suite/v4/get-vanilla`).
#[test]
fn get_vanilla_vector() {
    let (headers, signed) =
        s3v4::canonical_headers(&[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]);
    let empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let creq = s3v4::canonical_request("GET", "/", &s3v4::canonical_query(&[]), &headers, &signed, empty_sha);
    assert_eq!(
        creq,
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let scope = s3v4::scope("20150830", "us-east-1", "service");
    let sts = s3v4::string_to_sign("20150830T123600Z", &scope, &creq);
    assert_eq!(
        sts,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    );
    let secret = SecretString::from("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string());
    let key = s3v4::signing_key(&secret, "20150830", "us-east-1", "service");
    assert_eq!(s3v4::signature(&key, &sts), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

const DOC_AK: &str = "AKIAIOSFODNN7EXAMPLE";
const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// AWS S3 "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", the GET Object example:
/// `examplebucket.s3.amazonaws.com/test.txt`, 2013-05-24T00:00:00Z, 86400 s, us-east-1. The page gives the
/// canonical request, the hash in its string to sign (`3bfa2928…`) and the signature (`aeeed9bb…`).
#[test]
fn aws_s3_presigned_url_example() {
    let query = s3v4::canonical_query(&[
        ("X-Amz-Algorithm".into(), "AWS4-HMAC-SHA256".into()),
        ("X-Amz-Credential".into(), format!("{DOC_AK}/20130524/us-east-1/s3/aws4_request")),
        ("X-Amz-Date".into(), "20130524T000000Z".into()),
        ("X-Amz-Expires".into(), "86400".into()),
        ("X-Amz-SignedHeaders".into(), "host".into()),
    ]);
    let (headers, signed) = s3v4::canonical_headers(&[("host", "examplebucket.s3.amazonaws.com")]);
    let creq = s3v4::canonical_request("GET", "/test.txt", &query, &headers, &signed, "UNSIGNED-PAYLOAD");
    assert_eq!(
        creq,
        "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
    );
    let sts = s3v4::string_to_sign("20130524T000000Z", &s3v4::scope("20130524", "us-east-1", "s3"), &creq);
    assert!(sts.ends_with("\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"));

    let creds = Credentials::new(DOC_AK, DOC_SECRET);
    let now = DateTime::from_timestamp(1_369_353_600, 0).unwrap();
    let url = Url::parse("https://examplebucket.s3.amazonaws.com/test.txt").unwrap();
    let signed =
        s3v4::presign(&http::Method::GET, &url, "us-east-1", &creds, Duration::from_secs(86_400), now).unwrap();
    assert_eq!(
        signed.as_str(),
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    );
}

/// The same URL presigned by `aws-sigv4` with the S3 settings the AWS SDK uses for a presigned request (query
/// parameters, single percent-encoding, no path normalisation, unsigned payload).
#[allow(clippy::too_many_arguments)]
fn aws_sigv4_presign(
    method: &str,
    url: &Url,
    region: &str,
    ak: &str,
    secret: &str,
    token: Option<&str>,
    expires: Duration,
    at: std::time::SystemTime,
) -> Url {
    use aws_sigv4::http_request::{
        PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        UriPathNormalizationMode, sign,
    };
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(expires);
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let identity = aws_credential_types::Credentials::new(ak, secret, token.map(str::to_string), None, "oracle").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("s3")
        .time(at)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable =
        SignableRequest::new(method, url.as_str(), std::iter::empty(), SignableBody::UnsignedPayload).unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut out = url.clone();
    {
        let mut q = out.query_pairs_mut();
        for (name, value) in instructions.params() {
            q.append_pair(name, value);
        }
    }
    out
}

fn object_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{1,24}",
        "[a-z0-9 ~/+!'()*&$=;:@,._-]{1,24}",
        Just("dir/a b~c/测试 ✓.png".to_string()),
        Just("/leading/slash".to_string()),
    ]
}

fn extra_query() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof!["[A-Za-z0-9._~-]{1,10}", "\\PC{1,10}"],
            prop_oneof!["", "[A-Za-z0-9 ._~/+=&-]{0,10}", "\\PC{0,10}"],
        ),
        0..4,
    )
    .prop_map(|pairs| pairs.into_iter().filter(|(k, _)| !k.starts_with("X-Amz-")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn presigned_url_matches_aws_sigv4(
        method in prop::sample::select(vec!["GET", "PUT", "HEAD", "DELETE", "POST"]),
        https in any::<bool>(),
        bucket in "[a-z0-9][a-z0-9-]{1,20}",
        port in prop::option::of(1024u16..65535),
        key in object_key(),
        query in extra_query(),
        region in "[a-z]{2}-[a-z]{2,9}-[0-9]",
        secs in 0i64..4_102_444_800,
        expires in 1u64..=604_800,
        ak in "[A-Z0-9]{16,24}",
        secret in "[A-Za-z0-9/+]{20,40}",
        token in prop::option::of("[A-Za-z0-9/+=]{10,40}"),
    ) {
        let scheme = if https { "https" } else { "http" };
        let mut url = Url::parse(&format!("{scheme}://{bucket}.s3.oss-cn-hangzhou.aliyuncs.com/")).unwrap();
        url.set_port(port).unwrap();
        url.set_path(&oss_client::signing::encoding::encode_path(&key));
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &query {
                q.append_pair(k, v);
            }
        }
        let now = DateTime::from_timestamp(secs, 0).unwrap();
        let expires = Duration::from_secs(expires);
        let creds = match &token {
            Some(t) => Credentials::new(&ak, &secret).with_security_token(t),
            None => Credentials::new(&ak, &secret),
        };
        let method_value = http::Method::from_bytes(method.as_bytes()).unwrap();
        let ours = s3v4::presign(&method_value, &url, &region, &creds, expires, now).unwrap();
        let theirs = aws_sigv4_presign(method, &url, &region, &ak, &secret, token.as_deref(), expires, now.into());
        prop_assert_eq!(ours.as_str(), theirs.as_str());
    }
}
