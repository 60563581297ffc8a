//! The two RPC signatures RAM accepts, as pure functions: no I/O, no clock, no randomness. The time and the
//! nonce are arguments, so the test vectors pin them and the client draws fresh ones for every attempt.
//!
//! - **V2** (`SignatureVersion=1.0`, HMAC-SHA1): every parameter, common ones included, is in the canonical
//!   query; the string to sign is `METHOD&%2F&` + the percent-encoded canonical query; the key is the secret
//!   followed by `&`. The parameters travel in the query string (GET) or as a form body (POST).
//! - **V3** (`ACS3-HMAC-SHA256`): the action, version, date and nonce travel in `x-acs-*` headers; a canonical
//!   request over method, path, query, signed headers and the body hash is hashed and HMAC-SHA256-signed with
//!   the bare secret, and sent in `Authorization`.
//!
//! Stages are exposed separately (canonical query or request, string to sign, signature) so that tests can
//! assert each one against [the published vectors](https://help.aliyun.com/zh/model-studio/roa-style-request-body-signature-mechanism).

use super::encoding::{canonical_query, percent_encode};
use crate::Credentials;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fmt::Debug;

/// The RAM API version.
pub const RAM_API_VERSION: &str = "2015-05-01";

/// The `Authorization` scheme of the V3 signature.
pub const ACS3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Which RPC signature the client uses.
///
/// ```
/// use oss_client::ram::SignatureVersion;
/// assert_eq!(SignatureVersion::default(), SignatureVersion::V3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// The classic RPC signature (HMAC-SHA1, `SignatureVersion=1.0`).
    V2,
    /// `ACS3-HMAC-SHA256`, the one Alibaba recommends.
    #[default]
    V3,
}

/// The HTTP method of a V2-signed request: parameters in the query string (GET) or in a form body (POST).
/// V3 requests are always POST.
///
/// ```
/// use oss_client::ram::RpcMethod;
/// assert_eq!(RpcMethod::Post.as_str(), "POST");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RpcMethod {
    /// Everything in the query string.
    Get,
    /// Everything in an `application/x-www-form-urlencoded` body.
    #[default]
    Post,
}

impl RpcMethod {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            RpcMethod::Get => "GET",
            RpcMethod::Post => "POST",
        }
    }
}

/// A source of `SignatureNonce` values; each call must return a value never returned before.
///
/// ```
/// use oss_client::ram::signing::{NonceSource, RandomNonce};
/// let n = RandomNonce;
/// assert_ne!(n.next_nonce(), n.next_nonce());
/// ```
pub trait NonceSource: Debug + Send + Sync {
    /// A fresh nonce.
    fn next_nonce(&self) -> String;
}

/// Random 128-bit nonces (a v4 UUID in hex, without dashes).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl NonceSource for RandomNonce {
    fn next_nonce(&self) -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }
}

/// The RPC timestamp format, `yyyy-MM-ddTHH:mm:ssZ` in UTC (used by `Timestamp` and `x-acs-date`).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let t = Utc.with_ymd_and_hms(2015, 8, 18, 3, 15, 45).unwrap();
/// assert_eq!(oss_client::ram::signing::format_timestamp(t), "2015-08-18T03:15:45Z");
/// ```
pub fn format_timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The V2 string to sign: `METHOD&%2F&` + percent-encoded canonical query of `params` (all parameters except
/// `Signature`).
///
/// ```
/// use oss_client::ram::{RpcMethod, signing::v2_string_to_sign};
/// let params = [("Action", "CreateUser"), ("UserName", "a b")];
/// assert_eq!(v2_string_to_sign(RpcMethod::Get, params), "GET&%2F&Action%3DCreateUser%26UserName%3Da%2520b");
/// ```
pub fn v2_string_to_sign<'a>(method: RpcMethod, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let query = canonical_query(params.into_iter().filter(|(k, _)| *k != "Signature"));
    format!("{}&{}&{}", method.as_str(), percent_encode("/"), percent_encode(&query))
}

/// The V2 signature: base64 of HMAC-SHA1 keyed with the secret followed by `&`.
///
/// ```
/// use oss_client::ram::signing::v2_signature;
/// let secret = secrecy::SecretString::from("testsecret");
/// let sts = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26";
/// assert_eq!(v2_signature(&secret, sts), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
/// ```
pub fn v2_signature(secret: &SecretString, string_to_sign: &str) -> String {
    let mut key = Vec::with_capacity(secret.expose_secret().len() + 1);
    key.extend_from_slice(secret.expose_secret().as_bytes());
    key.push(b'&');
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).unwrap_or_else(|_| unreachable_hmac());
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// HMAC accepts keys of any length; this is never called.
#[cold]
fn unreachable_hmac() -> ! {
    unreachable!("HMAC accepts keys of any length")
}

/// The full V2 parameter list of one request, `Signature` last: the business parameters, then `Action`,
/// `Version`, `Format=JSON`, `AccessKeyId`, `SignatureMethod`, `SignatureVersion`, `SignatureNonce`,
/// `Timestamp` and (with STS credentials) `SecurityToken`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use oss_client::{Credentials, ram::{RpcMethod, signing::sign_v2}};
/// let creds = Credentials::new("testid", "testsecret");
/// let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// let params = sign_v2(&creds, RpcMethod::Get, "CreateUser", "2015-05-01",
///     &[("UserName", "lobechat-oss".into()), ("DisplayName", "LobeChat OSS".into())],
///     t, "c1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0001");
/// assert_eq!(params.last().unwrap(), &("Signature".to_string(), "jOTpJ4bsQOG+9ihU3xeC3Qk1pYk=".to_string()));
/// ```
pub fn sign_v2(
    credentials: &Credentials,
    method: RpcMethod,
    action: &str,
    version: &str,
    business: &[(&str, String)],
    timestamp: DateTime<Utc>,
    nonce: &str,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = business.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect();
    params.extend([
        ("Action".to_string(), action.to_string()),
        ("Version".to_string(), version.to_string()),
        ("Format".to_string(), "JSON".to_string()),
        ("AccessKeyId".to_string(), credentials.access_key_id().to_string()),
        ("SignatureMethod".to_string(), "HMAC-SHA1".to_string()),
        ("SignatureVersion".to_string(), "1.0".to_string()),
        ("SignatureNonce".to_string(), nonce.to_string()),
        ("Timestamp".to_string(), format_timestamp(timestamp)),
    ]);
    if let Some(token) = credentials.security_token() {
        params.push(("SecurityToken".to_string(), token.expose_secret().to_string()));
    }
    let sts = v2_string_to_sign(method, params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let signature = v2_signature(credentials.access_key_secret(), &sts);
    params.push(("Signature".to_string(), signature));
    params
}

/// Lower-case hex SHA-256.
///
/// ```
/// assert_eq!(oss_client::ram::signing::sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
/// ```
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Whether a header takes part in the V3 signature: `host`, `content-type` and every `x-acs-*` header.
fn v3_signs_header(lower: &str) -> bool {
    lower == "host" || lower == "content-type" || lower.starts_with("x-acs-")
}

/// A V3 canonical request and its `SignedHeaders` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3CanonicalRequest {
    /// The canonical request text.
    pub canonical_request: String,
    /// The `;`-joined lower-case names of the signed headers.
    pub signed_headers: String,
}

/// Builds the V3 canonical request: method, path, canonical query, the signed headers (`host`, `content-type`,
/// `x-acs-*`; lower-cased, trimmed, sorted), the signed header list and the hex SHA-256 of the body.
///
/// ```
/// use oss_client::ram::signing::v3_canonical_request;
/// let headers = [("Host", "ram.aliyuncs.com"), ("x-acs-action", "GetUser"), ("user-agent", "not signed")];
/// let c = v3_canonical_request("POST", "/", [("UserName", "a")], headers, "e3b0");
/// assert_eq!(c.signed_headers, "host;x-acs-action");
/// assert_eq!(c.canonical_request, "POST\n/\nUserName=a\nhost:ram.aliyuncs.com\nx-acs-action:GetUser\n\nhost;x-acs-action\ne3b0");
/// ```
pub fn v3_canonical_request<'a, 'b>(
    method: &str,
    path: &str,
    query: impl IntoIterator<Item = (&'a str, &'a str)>,
    headers: impl IntoIterator<Item = (&'b str, &'b str)>,
    hashed_payload: &str,
) -> V3CanonicalRequest {
    let mut signed: Vec<(String, String)> = headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| v3_signs_header(k))
        .collect();
    signed.sort();
    let mut canonical_headers = String::new();
    for (k, v) in &signed {
        canonical_headers.push_str(k);
        canonical_headers.push(':');
        canonical_headers.push_str(v);
        canonical_headers.push('\n');
    }
    let signed_headers = signed.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let canonical_request = format!(
        "{method}\n{path}\n{}\n{canonical_headers}\n{signed_headers}\n{hashed_payload}",
        canonical_query(query)
    );
    V3CanonicalRequest { canonical_request, signed_headers }
}

/// The V3 string to sign: `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
///
/// ```
/// let sts = oss_client::ram::signing::v3_string_to_sign("x");
/// assert!(sts.starts_with("ACS3-HMAC-SHA256\n"));
/// ```
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!("{ACS3_ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// The V3 signature: lower-case hex HMAC-SHA256 keyed with the bare secret.
///
/// ```
/// use oss_client::ram::signing::v3_signature;
/// let secret = secrecy::SecretString::from("testsecret");
/// let sts = "ACS3-HMAC-SHA256\n4d85372823c8dbecebdd9a3df722a8062f1a1c777c34cde78303e064611bc015";
/// assert_eq!(v3_signature(&secret, sts), "826e059a72794be9ada5ef5483b7fa3640ef397f3e51da4bba41c34ec662024d");
/// ```
pub fn v3_signature(secret: &SecretString, string_to_sign: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable_hmac());
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The V3 `Authorization` header value.
///
/// ```
/// let a = oss_client::ram::signing::v3_authorization("testid", "host;x-acs-action", "abcd");
/// assert_eq!(a, "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action,Signature=abcd");
/// ```
pub fn v3_authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ACS3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// The headers of a V3-signed request (including `Authorization`), in the order they are sent.
#[derive(Clone, PartialEq, Eq)]
pub struct V3SignedHeaders {
    /// Header names and values; `authorization` is last.
    pub headers: Vec<(String, String)>,
}

impl Debug for V3SignedHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        for (k, v) in &self.headers {
            if cloud_http::redact::is_sensitive_header(k) {
                list.entry(&(k, cloud_http::redact::REDACTED));
            } else {
                list.entry(&(k, v));
            }
        }
        list.finish()
    }
}

/// Signs an RPC request with V3: `POST /` to `host` with `query` as the business parameters and `body` (with
/// its `content_type`, if any). Returns every header to send: `host`, `x-acs-action`, `x-acs-version`,
/// `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256`, `[x-acs-security-token]`, `[content-type]`,
/// `authorization`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use oss_client::{Credentials, ram::signing::sign_v3};
/// let creds = Credentials::new("testid", "testsecret");
/// let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// let signed = sign_v3(&creds, "ram.aliyuncs.com", "CreateUser", "2015-05-01",
///     &[("DisplayName", "LobeChat OSS".into()), ("UserName", "lobechat-oss".into())],
///     b"", None, t, "3156853299f313e23d1673dc12e1703d");
/// let (_, auth) = signed.headers.last().unwrap();
/// assert!(auth.ends_with("Signature=826e059a72794be9ada5ef5483b7fa3640ef397f3e51da4bba41c34ec662024d"));
/// ```
#[allow(clippy::too_many_arguments)]
pub fn sign_v3(
    credentials: &Credentials,
    host: &str,
    action: &str,
    version: &str,
    query: &[(&str, String)],
    body: &[u8],
    content_type: Option<&str>,
    timestamp: DateTime<Utc>,
    nonce: &str,
) -> V3SignedHeaders {
    let hashed_payload = sha256_hex(body);
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host.to_string()),
        ("x-acs-action".into(), action.to_string()),
        ("x-acs-version".into(), version.to_string()),
        ("x-acs-date".into(), format_timestamp(timestamp)),
        ("x-acs-signature-nonce".into(), nonce.to_string()),
        ("x-acs-content-sha256".into(), hashed_payload.clone()),
    ];
    if let Some(token) = credentials.security_token() {
        headers.push(("x-acs-security-token".into(), token.expose_secret().to_string()));
    }
    if let Some(ct) = content_type {
        headers.push(("content-type".into(), ct.to_string()));
    }
    let canonical = v3_canonical_request(
        "POST",
        "/",
        query.iter().map(|(k, v)| (*k, v.as_str())),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &hashed_payload,
    );
    let signature = v3_signature(credentials.access_key_secret(), &v3_string_to_sign(&canonical.canonical_request));
    headers.push((
        "authorization".into(),
        v3_authorization(credentials.access_key_id(), &canonical.signed_headers, &signature),
    ));
    V3SignedHeaders { headers }
}
