//! The S3-compatible path: AWS Signature Version 4 (`AWS4-HMAC-SHA256`) in the `Authorization` header or in
//! presigned `X-Amz-*` query parameters, as OSS accepts from AWS SDKs (field-truth §2.1: "compatible with the
//! AWS S3 API"; https://www.alibabacloud.com/help/en/oss/developer-reference/use-amazon-s3-sdks-to-access-oss).
//!
//! The expected signature is computed by the `aws-sigv4` crate (smithy-rs, the AWS Rust SDK's own signer) from
//! the request's parts — method, path as sent, query, the headers the client listed in `SignedHeaders`, the
//! `x-amz-content-sha256` value — never by code of ours. This module only parses the credential, checks the
//! scope (service `s3`, the bucket's region), the time window and the payload mode, and compares.

use super::render::OssError;
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_sigv4::sign::v4::SigningParams;
use chrono::{DateTime, NaiveDateTime, Utc};
use http::HeaderMap;
use std::time::Duration;

/// The algorithm name.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The longest presigned validity S3 allows: 7 days.
pub(crate) const MAX_EXPIRES: u64 = 604_800;
/// Query parameters that carry the presigned signature itself (not part of the canonical query the client
/// signed, which `aws-sigv4` rebuilds from the parsed values).
const AUTH_PARAMS: &[&str] = &[
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// A parsed SigV4 authorisation, from the header or from the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwsAuth {
    pub(crate) access_key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
    /// `X-Amz-Date` (`yyyymmddThhmmssZ`).
    pub(crate) datetime: String,
    /// Presigned: `X-Amz-Expires`.
    pub(crate) expires: Option<u64>,
}

impl AwsAuth {
    pub(crate) fn presigned(&self) -> bool {
        self.expires.is_some()
    }

    /// When the client signed.
    pub(crate) fn signed_at(&self) -> Option<DateTime<Utc>> {
        NaiveDateTime::parse_from_str(&self.datetime, "%Y%m%dT%H%M%SZ").ok().map(|t| t.and_utc())
    }
}

fn header_malformed(message: impl Into<String>) -> OssError {
    OssError::new(400, "AuthorizationHeaderMalformed", message, "")
}

fn query_error(message: impl Into<String>) -> OssError {
    OssError::new(400, "AuthorizationQueryParametersError", message, "")
}

struct Credential {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
}

fn parse_credential(value: &str) -> Option<Credential> {
    let parts: Vec<&str> = value.split('/').collect();
    match parts.as_slice() {
        [ak, date, region, service, "aws4_request"]
            if !ak.is_empty() && date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(Credential {
                access_key_id: ak.to_string(),
                date: date.to_string(),
                region: region.to_string(),
                service: service.to_string(),
            })
        }
        _ => None,
    }
}

/// Parses `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` plus `x-amz-date`.
pub(crate) fn parse_header(value: &str, headers: &HeaderMap) -> Result<AwsAuth, OssError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .ok_or_else(|| header_malformed("The authorization header is malformed; unsupported algorithm."))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            return Err(header_malformed(format!(
                "The authorization header is malformed; '{}' is not key=value.",
                part.trim()
            )));
        };
        match k {
            "Credential" => credential = Some(v.to_string()),
            "SignedHeaders" => signed = Some(v.to_string()),
            "Signature" => signature = Some(v.to_string()),
            _ => {}
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(header_malformed(
            "The authorization header is malformed; it needs Credential, SignedHeaders and Signature.",
        ));
    };
    let c = parse_credential(&credential).ok_or_else(|| {
        header_malformed(
            "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        )
    })?;
    let datetime = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            OssError::new(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", "")
        })?
        .to_string();
    Ok(AwsAuth {
        access_key_id: c.access_key_id,
        date: c.date,
        region: c.region,
        service: c.service,
        signed_headers: signed.split(';').map(|h| h.to_ascii_lowercase()).collect(),
        signature,
        datetime,
        expires: None,
    })
}

/// Parses presigned `X-Amz-*` query parameters (decoded pairs).
pub(crate) fn parse_query(query: &[(String, String)]) -> Result<AwsAuth, OssError> {
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("X-Amz-Algorithm") != Some(ALGORITHM) {
        return Err(query_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""));
    }
    let (Some(credential), Some(datetime), Some(expires), Some(signed), Some(signature)) = (
        get("X-Amz-Credential"),
        get("X-Amz-Date"),
        get("X-Amz-Expires"),
        get("X-Amz-SignedHeaders"),
        get("X-Amz-Signature"),
    ) else {
        return Err(query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        ));
    };
    let c = parse_credential(credential).ok_or_else(|| {
        query_error(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        )
    })?;
    let expires: u64 = expires.parse().map_err(|_| query_error("X-Amz-Expires should be a number"))?;
    if expires > MAX_EXPIRES {
        return Err(query_error("X-Amz-Expires must be less than a week (in seconds) that is 604800"));
    }
    Ok(AwsAuth {
        access_key_id: c.access_key_id,
        date: c.date,
        region: c.region,
        service: c.service,
        signed_headers: signed.split(';').map(|h| h.to_ascii_lowercase()).collect(),
        signature: signature.to_string(),
        datetime: datetime.to_string(),
        expires: Some(expires),
    })
}

/// Checks the scope: service `s3` and the simulator's region (S3's answers for a wrong scope; OSS documents
/// no other wording).
pub(crate) fn check_scope(auth: &AwsAuth, region: &str) -> Result<(), OssError> {
    let fail = |m: String| if auth.presigned() { query_error(m) } else { header_malformed(m) };
    let lead = if auth.presigned() {
        "Error parsing the X-Amz-Credential parameter;"
    } else {
        "The authorization header is malformed;"
    };
    if auth.service != "s3" {
        return Err(fail(format!("{lead} incorrect service \"{}\". This endpoint belongs to \"s3\".", auth.service)));
    }
    if auth.region != region {
        return Err(
            fail(format!("{lead} the region '{}' is wrong; expecting '{region}'", auth.region)).with("Region", region)
        );
    }
    Ok(())
}

/// The signature `aws-sigv4` computes for this request with `secret`.
///
/// `path_and_query` is the request target exactly as sent; `headers` the request's headers (only those named in
/// `SignedHeaders` are given to the signer); `payload_hash` the `x-amz-content-sha256` value (header auth) — a
/// presigned request is always `UNSIGNED-PAYLOAD`.
pub(crate) fn expected_signature(
    auth: &AwsAuth,
    secret: &str,
    method: &str,
    path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    payload_hash: Option<&str>,
) -> Result<String, OssError> {
    let signed_at = auth.signed_at().ok_or_else(|| {
        OssError::new(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", "")
    })?;
    let mismatch_internal = |what: String| {
        OssError::new(403, "SignatureDoesNotMatch", format!("The request signature could not be computed: {what}"), "")
    };
    // The query the client signed: everything but the signature parameters (kept raw, as sent).
    let query: Vec<&str> = raw_query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = p.split_once('=').map_or(*p, |(k, _)| k);
            !(auth.presigned() && AUTH_PARAMS.contains(&name))
        })
        .collect();
    let uri = if query.is_empty() { path.to_string() } else { format!("{path}?{}", query.join("&")) };
    let mut signed: Vec<(&str, String)> = Vec::new();
    for name in &auth.signed_headers {
        let values: Vec<&str> = headers.get_all(name.as_str()).iter().filter_map(|v| v.to_str().ok()).collect();
        if values.is_empty() {
            // A header the client signed but did not send cannot verify.
            return Err(OssError::new(
                403,
                "SignatureDoesNotMatch",
                format!(
                    "The request signature we calculated does not match the signature you provided: signed header '{name}' is missing."
                ),
                "0002-00000040",
            ));
        }
        signed.push((name.as_str(), values.join(",")));
    }
    let body = match (auth.presigned(), payload_hash) {
        (true, _) | (false, Some("UNSIGNED-PAYLOAD")) => SignableBody::UnsignedPayload,
        (false, Some(hash)) => SignableBody::Precomputed(hash.to_string()),
        (false, None) => SignableBody::UnsignedPayload,
    };
    let request = SignableRequest::new(method, uri, signed.iter().map(|(k, v)| (*k, v.as_str())), body)
        .map_err(|e| mismatch_internal(e.to_string()))?;
    let mut settings = SigningSettings::default();
    // S3: the path is signed as sent (single encoding, no normalisation), and every header the client listed
    // is signed (nothing excluded).
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.excluded_headers = None;
    if let Some(expires) = auth.expires {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(expires));
    }
    let identity = aws_credential_types::Credentials::new(&auth.access_key_id, secret, None, None, "sandbox").into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(signed_at.into())
        .settings(settings)
        .build()
        .map_err(|e| mismatch_internal(e.to_string()))?
        .into();
    let output = sign(request, &params).map_err(|e| mismatch_internal(e.to_string()))?;
    Ok(output.signature().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), http::HeaderValue::from_str(v).unwrap());
        }
        map
    }

    /// test-vectors.md §9, `get-vanilla` (service `service`, region `us-east-1`).
    #[test]
    fn get_vanilla_vector() {
        let h = headers(&[("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")]);
        let auth = parse_header(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            &h,
        )
        .unwrap();
        let empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let sig = expected_signature(
            &auth,
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "GET",
            "/",
            None,
            &h,
            Some(empty_sha),
        )
        .unwrap();
        assert_eq!(sig, auth.signature);
        assert!(check_scope(&auth, "us-east-1").is_err_and(|e| e.code == "AuthorizationHeaderMalformed"));
    }

    #[test]
    fn presigned_parameters_are_checked() {
        let q = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        let base = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "ak/20250101/cn-hangzhou/s3/aws4_request"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("X-Amz-SignedHeaders", "host"),
            ("X-Amz-Signature", "00"),
        ];
        let ok = parse_query(&q(&[&base[..], &[("X-Amz-Expires", "3600")]].concat())).unwrap();
        assert_eq!((ok.region.as_str(), ok.expires), ("cn-hangzhou", Some(3600)));
        assert!(check_scope(&ok, "cn-hangzhou").is_ok());
        let wrong = check_scope(&ok, "cn-beijing").unwrap_err();
        assert_eq!(wrong.code, "AuthorizationQueryParametersError");
        assert!(wrong.message.contains("the region 'cn-hangzhou' is wrong; expecting 'cn-beijing'"));
        let week = parse_query(&q(&[&base[..], &[("X-Amz-Expires", "604801")]].concat())).unwrap_err();
        assert_eq!(week.code, "AuthorizationQueryParametersError");
        assert!(parse_query(&q(&base)).is_err());
    }
}
