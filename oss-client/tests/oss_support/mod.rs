//! Shared helpers for the OSS wire tests: a client pointed at a wiremock server, and a matcher that verifies the
//! request's V4 or V1 signature from what arrived on the wire.
#![allow(dead_code)]

use chrono::DateTime;
use cloud_http::{FixedClock, RetryPolicy};
use oss_client::signing::{SignableRequest, encoding, v1, v4};
use oss_client::{Credentials, OssClient, SignatureVersion};
use std::sync::Arc;
use std::time::Duration;
use wiremock::{Match, MockServer, Request};

pub const AK: &str = "LTAI5tTESTACCESSKEYID";
pub const SK: &str = "TESTSECRET0123456789abcdefABCDEF";
pub const REGION: &str = "cn-beijing";
pub const BUCKET: &str = "lobechat-assets";
pub const BUCKET_HOST: &str = "lobechat-assets.oss-cn-beijing.aliyuncs.com";
pub const SERVICE_HOST: &str = "oss-cn-beijing.aliyuncs.com";
pub const TIME: i64 = 1_735_689_600;

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(3)
        .with_min_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

pub fn client_for(server: &MockServer, version: SignatureVersion) -> OssClient {
    OssClient::builder()
        .credentials(Credentials::new(AK, SK))
        .region(REGION)
        .signature_version(version)
        .connect_to(server.uri())
        .clock(Arc::new(FixedClock(DateTime::from_timestamp(TIME, 0).unwrap())))
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

/// Rebuilds the signable request from what the server received (bucket from the Host header).
pub fn signable_from(request: &Request, base_host: &str) -> SignableRequest {
    let host = request.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    let bucket = host.strip_suffix(&format!(".{base_host}")).map(str::to_string);
    let path = request.url.path();
    let key = match path.strip_prefix('/') {
        Some("") | None => None,
        Some(k) => encoding::decode(k),
    };
    let query = request
        .url
        .query()
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (encoding::decode(k).unwrap(), encoding::decode(v).unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    SignableRequest { method: request.method.clone(), bucket, key, query, headers: request.headers.clone() }
}

/// Matches when the request carries a valid signature by `SK`.
pub struct SignedBy(pub SignatureVersion);

impl Match for SignedBy {
    fn matches(&self, request: &Request) -> bool {
        let Some(auth) = request.headers.get("authorization").and_then(|h| h.to_str().ok()) else { return false };
        let signable = signable_from(request, SERVICE_HOST);
        match self.0 {
            SignatureVersion::V4 => {
                let Some(parsed) = v4::parse_authorization(auth) else { return false };
                let Some(datetime) = signable.header("x-oss-date") else { return false };
                let additional: Vec<&str> = parsed.additional_headers.iter().map(String::as_str).collect();
                let additional = v4::additional_headers(&signable, &additional);
                let canonical = v4::canonical_request(&signable, &additional);
                let sts = v4::string_to_sign(datetime, &v4::scope(&parsed.date, &parsed.region), &canonical);
                parsed.access_key_id == AK
                    && parsed.region == REGION
                    && v4::signature(&v4::signing_key(SK, &parsed.date, &parsed.region), &sts) == parsed.signature
            }
            SignatureVersion::V1 => {
                let Some(parsed) = v1::parse_authorization(auth) else { return false };
                let date = signable.header("x-oss-date").or(signable.header("date")).unwrap_or_default().to_string();
                parsed.access_key_id == AK
                    && v1::signature(SK, &v1::string_to_sign(&signable, &date)) == parsed.signature
            }
        }
    }
}

/// Matches the raw query string exactly.
pub struct RawQuery(pub &'static str);

impl Match for RawQuery {
    fn matches(&self, request: &Request) -> bool {
        request.url.query().unwrap_or_default() == self.0
    }
}

/// Matches when the Content-MD5 header is the MD5 of the body.
pub struct BodyMd5;

impl Match for BodyMd5 {
    fn matches(&self, request: &Request) -> bool {
        request.headers.get("content-md5").and_then(|h| h.to_str().ok())
            == Some(&oss_client::content_md5(&request.body))
    }
}

/// Matches a header's exact raw value (wiremock's `header` splits values on commas).
pub struct HeaderIs<V: AsRef<str>>(pub &'static str, pub V);

impl<V: AsRef<str> + Send + Sync> Match for HeaderIs<V> {
    fn matches(&self, request: &Request) -> bool {
        request.headers.get(self.0).and_then(|h| h.to_str().ok()) == Some(self.1.as_ref())
    }
}
