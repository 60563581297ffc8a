//! V1: HMAC-SHA1 over a string to sign made of the verb, Content-MD5, Content-Type, the date (or `Expires`),
//! the `x-oss-` headers and the canonicalized resource with sub-resources only.

use super::*;

/// Query keys that are V1 sub-resources: the 2021 documentation list plus the newer superset of `oss2`
/// 2.19.1 `oss2/auth.py` (`_subresource_key_set`), sorted (aliyun-oss-ram.md §1.1). Any key starting with
/// `x-oss-` counts too (go-sdk-v2 `oss/signer/v1.go`).
pub(crate) const SUB_RESOURCES: &[&str] = &[
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
    "restore",
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

/// Whether a query key is signed in V1.
pub(crate) fn is_sub_resource(key: &str) -> bool {
    SUB_RESOURCES.contains(&key) || key.starts_with("x-oss-")
}

/// `/`, `/bucket/` or `/bucket/<raw key>`, then `?` and the sorted sub-resources (`k=v`, or bare `k`).
pub(crate) fn canonical_resource(bucket: Option<&str>, key: Option<&str>, query: &[(String, String)]) -> String {
    let mut out = match (bucket, key) {
        (None, _) => "/".to_string(),
        (Some(b), None) => format!("/{b}/"),
        (Some(b), Some(k)) => format!("/{b}/{k}"),
    };
    let mut subs: Vec<&(String, String)> = query.iter().filter(|(k, _)| is_sub_resource(k)).collect();
    subs.sort();
    for (i, (k, v)) in subs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// Every `x-oss-*` header, lower-cased, trimmed, sorted, each `name:value\n`.
pub(crate) fn canonical_headers(headers: &HeaderMap) -> String {
    let mut names: Vec<&str> = headers.keys().map(|n| n.as_str()).filter(|n| n.starts_with("x-oss-")).collect();
    names.sort_unstable();
    names.dedup();
    names.iter().filter_map(|n| header_value(headers, n).map(|v| format!("{n}:{v}\n"))).collect()
}

/// The string to sign; `date_line` is the `x-oss-date`/`Date` header (header auth) or `Expires` (query).
pub(crate) fn string_to_sign(
    method: &str,
    headers: &HeaderMap,
    bucket: Option<&str>,
    key: Option<&str>,
    query: &[(String, String)],
    date_line: &str,
) -> String {
    format!(
        "{method}\n{}\n{}\n{date_line}\n{}{}",
        header_value(headers, "content-md5").unwrap_or_default(),
        header_value(headers, "content-type").unwrap_or_default(),
        canonical_headers(headers),
        canonical_resource(bucket, key, query)
    )
}

/// `base64(hmac_sha1(secret, string_to_sign))`.
pub(crate) fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `OSS <AccessKeyId>:<Signature>` → (id, signature).
pub(crate) fn parse_authorization(value: &str) -> Option<(String, String)> {
    let (ak, sig) = value.strip_prefix("OSS ")?.trim().split_once(':')?;
    (!ak.is_empty() && !sig.is_empty()).then(|| (ak.to_string(), sig.to_string()))
}
