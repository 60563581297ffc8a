//! V4: `OSS4-HMAC-SHA256` with the `aliyun_v4` key chain.

use super::*;

/// The algorithm name, in the `Authorization` header and `x-oss-signature-version`.
pub(crate) const ALGORITHM: &str = "OSS4-HMAC-SHA256";

/// `/`, `/bucket/` or `/bucket/<key>`, RFC 3986-encoded with `/` kept.
pub(crate) fn canonical_uri(bucket: Option<&str>, key: Option<&str>) -> String {
    match (bucket, key) {
        (None, _) => "/".to_string(),
        (Some(b), None) => format!("/{}/", uri_encode(b, true)),
        (Some(b), Some(k)) => format!("/{}/{}", uri_encode(b, true), uri_encode(k, true)),
    }
}

/// Every query pair, key and value encoded, sorted by encoded key then value, `k=v` or bare `k`.
pub(crate) fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> =
        query.iter().map(|(k, v)| (uri_encode(k, false), uri_encode(v, false))).collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k}={v}") }).collect::<Vec<_>>().join("&")
}

fn signed_by_default(name: &str) -> bool {
    name == "content-type" || name == "content-md5" || name.starts_with("x-oss-")
}

/// The AdditionalHeaders that count: lower-cased, present, not signed by default, sorted, unique
/// (vectors V4-3 and V4-6: absent and default-signed names are dropped).
pub(crate) fn additional_headers(headers: &HeaderMap, requested: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = requested
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty() && !signed_by_default(h) && headers.contains_key(h.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `content-type`, `content-md5`, `x-oss-*` and the additional headers, each `name:value\n`, sorted.
pub(crate) fn canonical_headers(headers: &HeaderMap, additional: &[String]) -> String {
    let mut names: Vec<String> = headers
        .keys()
        .map(|n| n.as_str().to_string())
        .filter(|n| signed_by_default(n) || additional.contains(n))
        .collect();
    names.sort();
    names.dedup();
    names.iter().filter_map(|n| header_value(headers, n).map(|v| format!("{n}:{v}\n"))).collect()
}

/// The canonical request. `payload` is the `x-oss-content-sha256` value (`UNSIGNED-PAYLOAD`).
pub(crate) fn canonical_request(
    method: &str,
    bucket: Option<&str>,
    key: Option<&str>,
    query: &[(String, String)],
    headers: &HeaderMap,
    additional: &[String],
) -> String {
    format!(
        "{method}\n{}\n{}\n{}\n{}\nUNSIGNED-PAYLOAD",
        canonical_uri(bucket, key),
        canonical_query(query),
        canonical_headers(headers, additional),
        additional.join(";")
    )
}

/// `<yyyymmdd>/<region>/oss/aliyun_v4_request`.
pub(crate) fn scope(date: &str, region: &str) -> String {
    format!("{date}/{region}/oss/aliyun_v4_request")
}

/// `OSS4-HMAC-SHA256\n<datetime>\n<scope>\nhex(sha256(canonical))`.
pub(crate) fn string_to_sign(datetime: &str, scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{datetime}\n{scope}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())))
}

/// The signature: the `aliyun_v4` + secret HMAC chain over date, region, `oss`, `aliyun_v4_request`, then
/// the string to sign, hex.
pub(crate) fn signature(secret: &str, date: &str, region: &str, string_to_sign: &str) -> String {
    let mut key = format!("aliyun_v4{secret}").into_bytes();
    for part in [date, region, "oss", "aliyun_v4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    hex::encode(hmac_sha256(&key, string_to_sign.as_bytes()))
}

/// The parts of a V4 credential `<ak>/<yyyymmdd>/<region>/oss/aliyun_v4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub(crate) access_key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
}

/// Parses a credential; `None` unless it has the five parts with `oss` and `aliyun_v4_request`.
pub(crate) fn parse_credential(value: &str) -> Option<Credential> {
    let parts: Vec<&str> = value.split('/').collect();
    match parts.as_slice() {
        [ak, date, region, "oss", "aliyun_v4_request"]
            if !ak.is_empty() && date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(Credential { access_key_id: ak.to_string(), date: date.to_string(), region: region.to_string() })
        }
        _ => None,
    }
}

/// A parsed `Authorization: OSS4-HMAC-SHA256 Credential=…,AdditionalHeaders=…,Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    pub(crate) credential: Credential,
    pub(crate) additional_headers: Vec<String>,
    pub(crate) signature: String,
}

/// Parses the header; `None` when a part is missing or malformed.
pub(crate) fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix(ALGORITHM)?.trim();
    let (mut credential, mut additional, mut signature) = (None, Vec::new(), None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = parse_credential(v),
            "AdditionalHeaders" => additional = v.split(';').map(str::to_string).collect(),
            "Signature" => signature = Some(v.to_string()),
            _ => return None,
        }
    }
    Some(Authorization { credential: credential?, additional_headers: additional, signature: signature? })
}
