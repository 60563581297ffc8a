//! Helpers shared by the RAM wire tests (included with `#[path]`; as its own test target it has no tests).
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use cloud_http::{FixedClock, RetryPolicy};
use oss_client::Credentials;
use oss_client::ram::signing::{
    NonceSource, sha256_hex, v2_signature, v2_string_to_sign, v3_canonical_request, v3_signature, v3_string_to_sign,
};
use oss_client::ram::{RamClient, RpcMethod, SignatureVersion};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wiremock::{MockServer, Request};

pub const KEY_ID: &str = "LTAI5tTestKey";
pub const SECRET: &str = "test-secret-do-not-log";

/// Nonces `nonce-1`, `nonce-2`, … so tests can see that each attempt gets a new one.
#[derive(Debug, Default)]
pub struct CountingNonce(AtomicUsize);

impl NonceSource for CountingNonce {
    fn next_nonce(&self) -> String {
        format!("nonce-{}", self.0.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

pub fn fixed_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_min_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
        .with_max_retries(3)
}

/// A client for `server` with a fixed clock and counting nonces.
pub fn client(server: &MockServer, version: SignatureVersion, method: RpcMethod) -> RamClient {
    RamClient::builder()
        .credentials(Credentials::new(KEY_ID, SECRET))
        .endpoint(server.uri())
        .signature_version(version)
        .rpc_method(method)
        .retry_policy(fast_retry())
        .clock(Arc::new(FixedClock(fixed_time())))
        .nonce_source(Arc::new(CountingNonce::default()))
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// Every parameter of a request: query plus form body.
pub fn all_params(req: &Request) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = req.url.query_pairs().into_owned().collect();
    let is_form = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        out.extend(url::form_urlencoded::parse(&req.body).into_owned());
    }
    out
}

const COMMON: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
];

/// The business parameters (common RPC parameters removed).
pub fn business_params(req: &Request) -> BTreeMap<String, String> {
    all_params(req).into_iter().filter(|(k, _)| !COMMON.contains(&k.as_str())).collect()
}

/// Checks a V2 request's common parameters and signature; returns its action.
pub fn assert_v2_signed(req: &Request) -> String {
    let params = all_params(req);
    assert_eq!(params["Version"], "2015-05-01");
    assert_eq!(params["Format"], "JSON");
    assert_eq!(params["AccessKeyId"], KEY_ID);
    assert_eq!(params["SignatureMethod"], "HMAC-SHA1");
    assert_eq!(params["SignatureVersion"], "1.0");
    assert_eq!(params["Timestamp"], "2025-01-01T00:00:00Z");
    assert!(params["SignatureNonce"].starts_with("nonce-"));
    let method = if req.method.as_str() == "GET" { RpcMethod::Get } else { RpcMethod::Post };
    let sts = v2_string_to_sign(method, params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(params["Signature"], v2_signature(&SecretString::from(SECRET), &sts), "V2 signature");
    params["Action"].clone()
}

/// Checks a V3 request's headers and signature; returns its action.
pub fn assert_v3_signed(req: &Request) -> String {
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/");
    let h = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(h("x-acs-version"), "2015-05-01");
    assert_eq!(h("x-acs-date"), "2025-01-01T00:00:00Z");
    assert!(h("x-acs-signature-nonce").starts_with("nonce-"));
    assert_eq!(h("x-acs-content-sha256"), sha256_hex(&req.body));
    assert!(!h("host").is_empty());
    let auth = h("authorization");
    let prefix = format!(
        "ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="
    );
    assert!(auth.starts_with(&prefix), "{auth}");
    let headers: Vec<(String, String)> =
        req.headers.iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string())).collect();
    let query: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
    let c = v3_canonical_request(
        "POST",
        "/",
        query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &sha256_hex(&req.body),
    );
    let sig = v3_signature(&SecretString::from(SECRET), &v3_string_to_sign(&c.canonical_request));
    assert_eq!(&auth[prefix.len()..], sig, "V3 signature");
    h("x-acs-action")
}

/// Checks a request of either version; returns (action, business parameters).
pub fn signed_call(req: &Request, version: SignatureVersion) -> (String, BTreeMap<String, String>) {
    let action = match version {
        SignatureVersion::V2 => assert_v2_signed(req),
        SignatureVersion::V3 => assert_v3_signed(req),
    };
    (action, business_params(req))
}

pub fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
