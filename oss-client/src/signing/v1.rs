//! OSS signature V1 (HMAC-SHA1): the `Authorization: OSS <AccessKeyId>:<Signature>` header and the presigned URL
//! with `OSSAccessKeyId`, `Expires` and `Signature`.
//!
//! ```text
//! StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource
//! ```
//!
//! ```
//! use oss_client::signing::{SignableRequest, v1};
//! let mut r = SignableRequest::new(http::Method::GET, Some("examplebucket"), None)
//!     .with_query("resourceGroup", "")
//!     .with_query("acl", "");
//! r.insert_header("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT").unwrap();
//! let sts = v1::string_to_sign(&r, "Wed, 28 Dec 2022 10:27:41 GMT");
//! assert!(sts.ends_with("/examplebucket/?acl&resourceGroup"));
//! assert_eq!(v1::signature("sk", &sts), "x3E5TgOvl/i7PN618s5mEvpJDYk=");
//! ```

use super::{SignableRequest, SigningError, hmac_sha1, http_date};
use crate::Credentials;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use http::HeaderName;
use secrecy::ExposeSecret;

/// The query parameters that are sub-resources and therefore part of the V1 CanonicalizedResource (the 2021
/// documentation list plus the additions in `oss2/auth.py`). Any parameter starting with `x-oss-` counts too.
pub const SUB_RESOURCES: &[&str] = &[
    "accessPoint",
    "accessPointPolicy",
    "acl",
    "append",
    "asyncFetch",
    "bucketInfo",
    "callback",
    "callback-var",
    "cloudboxes",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "httpsConfig",
    "img",
    "inventory",
    "inventoryId",
    "lifecycle",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "publicAccessBlock",
    "qos",
    "qosInfo",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "resourceGroup",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
];

/// Whether a query parameter is a V1 sub-resource.
///
/// ```
/// use oss_client::signing::v1::is_sub_resource;
/// assert!(is_sub_resource("cors") && is_sub_resource("x-oss-process"));
/// assert!(!is_sub_resource("prefix") && !is_sub_resource("max-keys"));
/// ```
pub fn is_sub_resource(name: &str) -> bool {
    SUB_RESOURCES.binary_search(&name).is_ok() || name.starts_with("x-oss-")
}

/// The CanonicalizedResource: `/`, `/bucket/` or `/bucket/key` (key unencoded), then `?` and the sub-resources
/// sorted by name (`k=v`, or bare `k` for an empty value).
///
/// ```
/// use oss_client::signing::{SignableRequest, v1};
/// let r = SignableRequest::new(http::Method::GET, Some("bucket"), Some("key+123"))
///     .with_query("versionId", "versionId").with_query("prefix", "p");
/// assert_eq!(v1::canonicalized_resource(&r), "/bucket/key+123?versionId=versionId");
/// ```
pub fn canonicalized_resource(request: &SignableRequest) -> String {
    let mut out = String::with_capacity(64);
    out.push('/');
    if let Some(bucket) = &request.bucket {
        out.push_str(bucket);
        out.push('/');
        if let Some(key) = &request.key {
            out.push_str(key);
        }
    }
    let mut subs: Vec<&(String, String)> = request.query.iter().filter(|(k, _)| is_sub_resource(k)).collect();
    if !subs.is_empty() {
        subs.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (k, v)) in subs.into_iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(k);
            if !v.is_empty() {
                out.push('=');
                out.push_str(v);
            }
        }
    }
    out
}

/// The CanonicalizedOSSHeaders: every `x-oss-*` header, lower-cased, value trimmed (repeated values joined with
/// `,`), sorted by name, each followed by `\n`.
pub fn canonicalized_oss_headers(request: &SignableRequest) -> String {
    let mut out = String::new();
    write_oss_headers(request, &mut out);
    out
}

fn write_oss_headers(request: &SignableRequest, out: &mut String) {
    for name in request.header_names() {
        if name.starts_with("x-oss-") {
            out.push_str(name);
            out.push(':');
            request.write_header(name, out);
            out.push('\n');
        }
    }
}

/// The V1 StringToSign; `date_line` is the `Date` (or `x-oss-date`) header, or the `Expires` value when
/// presigning.
pub fn string_to_sign(request: &SignableRequest, date_line: &str) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(request.method.as_str());
    out.push('\n');
    request.write_header("content-md5", &mut out);
    out.push('\n');
    request.write_header("content-type", &mut out);
    out.push('\n');
    out.push_str(date_line);
    out.push('\n');
    write_oss_headers(request, &mut out);
    out.push_str(&canonicalized_resource(request));
    out
}

/// `base64(hmac_sha1(secret, string_to_sign))`.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    BASE64.encode(hmac_sha1(secret.as_bytes(), string_to_sign.as_bytes()))
}

/// Signs `request` in place for header authentication: adds `x-oss-security-token` for STS credentials, a `Date`
/// header for `now` unless `x-oss-date` is present, and `Authorization: OSS <id>:<signature>`. Returns the
/// StringToSign.
///
/// ```
/// use oss_client::{Credentials, signing::{SignableRequest, v1}};
/// let mut r = SignableRequest::new(http::Method::PUT, Some("lobechat-assets"), None).with_query("acl", "");
/// r.insert_header("x-oss-acl", "public-read").unwrap();
/// let creds = Credentials::new("LTAI5tTESTACCESSKEYID", "TESTSECRET0123456789abcdefABCDEF");
/// v1::sign_header(&mut r, &creds, chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap()).unwrap();
/// assert_eq!(r.header("authorization"), Some("OSS LTAI5tTESTACCESSKEYID:woc1ZZZST61qGnKrAN3d3nDqGws="));
/// ```
pub fn sign_header(
    request: &mut SignableRequest,
    credentials: &Credentials,
    now: DateTime<Utc>,
) -> Result<String, SigningError> {
    if let Some(token) = credentials.security_token() {
        request.set_header(HeaderName::from_static("x-oss-security-token"), token.expose_secret().to_string())?;
    }
    let sts = match request.header("x-oss-date") {
        Some(d) => string_to_sign(request, d),
        None => {
            let d = http_date(now);
            let sts = string_to_sign(request, &d);
            request.set_header(http::header::DATE, d)?;
            sts
        }
    };
    let sig = signature(credentials.access_key_secret().expose_secret(), &sts);
    let id = credentials.access_key_id();
    let mut auth = String::with_capacity(5 + id.len() + sig.len());
    auth.push_str("OSS ");
    auth.push_str(id);
    auth.push(':');
    auth.push_str(&sig);
    request.set_header(http::header::AUTHORIZATION, auth)?;
    Ok(sts)
}

/// Presigns `request` for query authentication, valid until `expires`: adds `security-token` (a sub-resource, so
/// it is signed) for STS credentials, then `Expires`, `OSSAccessKeyId` and `Signature`, and sorts the query by
/// name. Returns the StringToSign.
///
/// ```
/// use oss_client::{Credentials, signing::{SignableRequest, v1}};
/// let mut r = SignableRequest::new(http::Method::GET, Some("bucket"), Some("key")).with_query("versionId", "versionId");
/// v1::presign(&mut r, &Credentials::new("ak", "sk"), chrono::DateTime::from_timestamp(1_699_807_420, 0).unwrap()).unwrap();
/// assert_eq!(r.query_param("Signature"), Some("dcLTea+Yh9ApirQ8o8dOPqtvJXQ="));
/// ```
pub fn presign(
    request: &mut SignableRequest,
    credentials: &Credentials,
    expires: DateTime<Utc>,
) -> Result<String, SigningError> {
    if let Some(token) = credentials.security_token() {
        request.query.push(("security-token".into(), token.expose_secret().to_string()));
    }
    let expires = expires.timestamp().to_string();
    let sts = string_to_sign(request, &expires);
    let sig = signature(credentials.access_key_secret().expose_secret(), &sts);
    request.query.push(("Expires".into(), expires));
    request.query.push(("OSSAccessKeyId".into(), credentials.access_key_id().to_string()));
    request.query.push(("Signature".into(), sig));
    request.query.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(sts)
}

/// The parts of a V1 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The AccessKeyId.
    pub access_key_id: String,
    /// The base64 signature.
    pub signature: String,
}

/// Parses `OSS <AccessKeyId>:<Signature>`; `None` if the header is not a V1 authorization.
///
/// ```
/// let p = oss_client::signing::v1::parse_authorization("OSS ak:abc=").unwrap();
/// assert_eq!((p.access_key_id.as_str(), p.signature.as_str()), ("ak", "abc="));
/// ```
pub fn parse_authorization(header: &str) -> Option<ParsedAuthorization> {
    let rest = header.strip_prefix("OSS ")?;
    let (id, sig) = rest.split_once(':')?;
    if id.is_empty() || sig.is_empty() {
        return None;
    }
    Some(ParsedAuthorization { access_key_id: id.to_string(), signature: sig.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_resource_list_is_sorted_for_binary_search() {
        let mut sorted = SUB_RESOURCES.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, SUB_RESOURCES);
    }
}

#[cfg(test)]
mod ordering_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sub_resources_are_sorted_and_others_dropped(
            picks in prop::collection::btree_set(0..SUB_RESOURCES.len(), 0..6),
            others in prop::collection::vec("[a-z]{3,8}", 0..4),
            reverse in any::<bool>(),
        ) {
            let mut query: Vec<(String, String)> = picks.iter().map(|&i| (SUB_RESOURCES[i].to_string(), String::new())).collect();
            query.extend(others.iter().filter(|o| !is_sub_resource(o)).map(|o| (o.clone(), "v".to_string())));
            if reverse { query.reverse(); }
            let r = SignableRequest { method: http::Method::GET, bucket: Some("b".into()), key: None, query, headers: Default::default() };
            let resource = canonicalized_resource(&r);
            let subs: Vec<&str> = resource.strip_prefix("/b/").unwrap().trim_start_matches('?').split('&').filter(|s| !s.is_empty()).collect();
            prop_assert_eq!(subs.len(), picks.len());
            prop_assert!(subs.windows(2).all(|w| w[0] < w[1]), "{resource}");
        }
    }
}
