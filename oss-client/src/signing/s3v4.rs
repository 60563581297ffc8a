//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for OSS's S3-compatible path: query authentication (presigned
//! URLs) as the AWS SDKs build them for S3, and the building blocks it is made of.
//!
//! OSS accepts AWS SigV4 on its S3-compatible endpoints
//! (<https://www.alibabacloud.com/help/en/oss/developer-reference/use-amazon-s3-sdks-to-access-oss>). This is
//! **not** the OSS V4 signature of [`super::v4`] (see shared/reference/rust-style.md §2.4): the key prefix is
//! `AWS4`, the scope ends in `<service>/aws4_request`, the canonical URI is the request path as sent, an empty
//! query value is written `k=`, and the signed headers are named by the client.
//!
//! The rules, from AWS "Signature Version 4 signing process" / "Create a signed AWS API request"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>) and, for S3 presigning,
//! "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)"
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html>):
//!
//! ```text
//! CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
//! StringToSign     = AWS4-HMAC-SHA256 \n <yyyymmddThhmmssZ> \n <yyyymmdd>/<region>/<service>/aws4_request \n hex(sha256(CanonicalRequest))
//! SigningKey       = HMAC-SHA256 chain from "AWS4" + secret over date, region, service, "aws4_request"
//! Signature        = hex(HMAC-SHA256(SigningKey, StringToSign))
//! ```
//!
//! For S3 the path is signed as sent (single percent-encoding, no `.`/`..` normalisation): the S3 docs'
//! canonical URI is "the URI-encoded version of the absolute path", encoded once.
//!
//! Checked against AWS's `get-vanilla` SigV4 vector (shared/reference/test-vectors.md §9) and the presigned-URL
//! example of the S3 query-authentication page (signature `aeeed9bb…f604d404`), and compared with the `aws-sigv4`
//! crate on random inputs (oss-client/tests/s3v4_signing.rs).
//!
//! ```
//! use oss_client::{Credentials, signing::s3v4};
//! let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let now = chrono::DateTime::from_timestamp(1_369_353_600, 0).unwrap(); // 2013-05-24T00:00:00Z
//! let url = url::Url::parse("https://examplebucket.s3.amazonaws.com/test.txt").unwrap();
//! let signed = s3v4::presign(&http::Method::GET, &url, "us-east-1", &creds, std::time::Duration::from_secs(86400), now).unwrap();
//! assert!(signed.as_str().ends_with("&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"));
//! ```

use super::v4::signature as hmac_hex;
use super::{SigningError, hmac_sha256, iso8601_basic};
use crate::Credentials;
use chrono::{DateTime, Utc};
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use url::Url;

/// The algorithm name.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The payload hash of a presigned request: the body is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The service name S3 signs with.
pub const SERVICE: &str = "s3";
/// The longest validity of a SigV4 presigned URL: 7 days ("X-Amz-Expires … maximum 604800 seconds", S3
/// query-authentication page).
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(604_800);

/// The query parameters query authentication adds; a URL that already has one is refused.
const AUTH_PARAMS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// The canonical query string: every pair's name and value URI-encoded (RFC 3986, `%20` for a space), sorted by
/// encoded name then encoded value, written `name=value` (also for an empty value: `name=`) and joined with `&`
/// ("Create a signed AWS API request", step 1, *CanonicalQueryString*).
///
/// ```
/// let q = [("x-id".to_string(), "PutObject".to_string()), ("acl".to_string(), String::new()), ("a b".to_string(), "~/".to_string())];
/// assert_eq!(oss_client::signing::s3v4::canonical_query(&q), "a%20b=~%2F&acl=&x-id=PutObject");
/// ```
pub fn canonical_query(pairs: &[(String, String)]) -> String {
    super::encoding::canonical_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// A header value as signed: leading and trailing spaces removed and runs of spaces turned into one ("Create a
/// signed AWS API request": "Trim any leading or trailing spaces, and convert sequential spaces to a single
/// space"; only the space character, as S3 does).
///
/// ```
/// assert_eq!(oss_client::signing::s3v4::trim_header_value("  a   b c "), "a b c");
/// ```
pub fn trim_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut previous_space = false;
    for c in value.trim_matches(' ').chars() {
        if c == ' ' && previous_space {
            continue;
        }
        previous_space = c == ' ';
        out.push(c);
    }
    out
}

/// The canonical headers (`name:value\n` per header, names lower-cased and sorted, the values of a repeated
/// header trimmed and joined with `,`) and the signed-headers list (`host;x-amz-date`), from the headers to sign.
///
/// ```
/// let (canonical, signed) = oss_client::signing::s3v4::canonical_headers(&[("X-Amz-Date", "20150830T123600Z"), ("Host", " example.amazonaws.com ")]);
/// assert_eq!(canonical, "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n");
/// assert_eq!(signed, "host;x-amz-date");
/// ```
pub fn canonical_headers(headers: &[(&str, &str)]) -> (String, String) {
    let mut lowered: Vec<(String, String)> =
        headers.iter().map(|(k, v)| (k.trim().to_ascii_lowercase(), trim_header_value(v))).collect();
    // A stable sort by name keeps the values of a repeated header in the order they were given.
    lowered.sort_by(|a, b| a.0.cmp(&b.0));
    let (mut canonical, mut signed) = (String::with_capacity(128), String::with_capacity(32));
    let mut previous: Option<&str> = None;
    for (name, value) in &lowered {
        if previous == Some(name.as_str()) {
            canonical.pop(); // the `\n` of the previous value of this header
            canonical.push(',');
        } else {
            if previous.is_some() {
                signed.push(';');
            }
            signed.push_str(name);
            canonical.push_str(name);
            canonical.push(':');
        }
        canonical.push_str(value);
        canonical.push('\n');
        previous = Some(name.as_str());
    }
    (canonical, signed)
}

/// `METHOD\nURI\nQUERY\nCANONICAL_HEADERS\nSIGNED_HEADERS\nPAYLOAD_HASH` (the canonical headers end with their
/// own `\n`, hence the blank line before the signed headers).
///
/// ```
/// let c = oss_client::signing::s3v4::canonical_request("GET", "/", "", "host:h\n", "host", "UNSIGNED-PAYLOAD");
/// assert_eq!(c, "GET\n/\n\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
/// ```
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    let mut out = String::with_capacity(
        method.len()
            + canonical_uri.len()
            + canonical_query.len()
            + canonical_headers.len()
            + signed_headers.len()
            + payload_hash.len()
            + 5,
    );
    for (i, part) in [method, canonical_uri, canonical_query, canonical_headers, signed_headers, payload_hash]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(part);
    }
    out
}

/// The credential scope `<yyyymmdd>/<region>/<service>/aws4_request`.
///
/// ```
/// assert_eq!(oss_client::signing::s3v4::scope("20130524", "us-east-1", "s3"), "20130524/us-east-1/s3/aws4_request");
/// ```
pub fn scope(date: &str, region: &str, service: &str) -> String {
    format!("{date}/{region}/{service}/aws4_request")
}

/// `AWS4-HMAC-SHA256\n<datetime>\n<scope>\n<hex sha256 of the canonical request>`.
pub fn string_to_sign(datetime: &str, scope: &str, canonical_request: &str) -> String {
    super::v4::string_to_sign_for(ALGORITHM, datetime, scope, canonical_request)
}

/// The derived signing key: HMAC-SHA256 of `"AWS4" + secret` over the date (`yyyymmdd`), then the region, the
/// service and `aws4_request`.
pub fn signing_key(secret: &SecretString, date: &str, region: &str, service: &str) -> [u8; 32] {
    let secret = secret.expose_secret();
    let mut seed = String::with_capacity(4 + secret.len());
    seed.push_str("AWS4");
    seed.push_str(secret);
    let k_date = hmac_sha256(seed.as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// `hex(HMAC-SHA256(signing_key, string_to_sign))`, lower case.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hmac_hex(signing_key, string_to_sign)
}

/// The `host` header value a client sends for `url`: the host, with the port only when it is not the scheme's
/// default (RFC 9110 §7.2; the URL parser already drops a default port).
fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Presigns `url` for `method` with S3 query authentication at `now`, valid `expires` (1 s to 7 days).
///
/// The URL's existing query is kept and signed (decoded as `application/x-www-form-urlencoded`, so `+` is a
/// space); its path is signed as it stands in the URL (single percent-encoding, no normalisation); only the
/// `host` header is signed and the payload is `UNSIGNED-PAYLOAD`. Appended, in this order: `X-Amz-Algorithm`,
/// `X-Amz-Credential` (`<AccessKeyId>/<yyyymmdd>/<region>/s3/aws4_request`), `X-Amz-Date`, `X-Amz-Expires`,
/// `X-Amz-SignedHeaders=host`, `X-Amz-Signature`, and `X-Amz-Security-Token` for STS credentials (signed too,
/// as the S3 page lists it among the signed query parameters). The output is what the AWS SDK's presigner builds
/// from the same URL (`@aws-sdk/s3-request-presigner`, and the `aws-sigv4` crate the tests compare with).
///
/// # Errors
/// [`SigningError`] before anything is signed when `url` has no host, already carries an `X-Amz-*`
/// authentication parameter, `region` is empty or contains `/` or whitespace, or `expires` is 0 or over 7 days.
///
/// ```
/// use oss_client::{Credentials, signing::s3v4};
/// let creds = Credentials::new("AKID", "secret");
/// let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
/// let url = url::Url::parse("https://files.s3.oss-cn-hangzhou.aliyuncs.com/a%20b.txt?X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&x-id=PutObject").unwrap();
/// let signed = s3v4::presign(&http::Method::PUT, &url, "cn-hangzhou", &creds, std::time::Duration::from_secs(3600), now).unwrap();
/// let q: std::collections::BTreeMap<_, _> = signed.query_pairs().into_owned().collect();
/// assert_eq!(q["X-Amz-Credential"], "AKID/20231114/cn-hangzhou/s3/aws4_request");
/// assert_eq!((q["X-Amz-SignedHeaders"].as_ref(), q["x-id"].as_ref()), ("host", "PutObject"));
/// assert!(s3v4::presign(&http::Method::PUT, &url, "", &creds, std::time::Duration::from_secs(3600), now).is_err());
/// ```
pub fn presign(
    method: &Method,
    url: &Url,
    region: &str,
    credentials: &Credentials,
    expires: Duration,
    now: DateTime<Utc>,
) -> Result<Url, SigningError> {
    if expires.is_zero() || expires > MAX_PRESIGN_EXPIRY {
        return Err(SigningError::new(format!(
            "a SigV4 presigned URL must be valid for 1 second to 7 days (604800 s), not {} s",
            expires.as_secs()
        )));
    }
    if region.is_empty() || region.contains('/') || region.chars().any(char::is_whitespace) {
        return Err(SigningError::new(format!("`{region}` is not a region name for a SigV4 credential scope")));
    }
    let host = host_header(url).ok_or_else(|| SigningError::new(format!("the URL `{url}` has no host to sign")))?;
    let mut query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if let Some((name, _)) = query.iter().find(|(k, _)| AUTH_PARAMS.contains(&k.as_str())) {
        return Err(SigningError::new(format!("the URL is already signed (it has `{name}`)")));
    }
    let datetime = iso8601_basic(now);
    let date = datetime.get(..8).unwrap_or_default();
    let scope = scope(date, region, SERVICE);
    let credential = format!("{}/{scope}", credentials.access_key_id());
    let expires = expires.as_secs().to_string();
    let mut auth: Vec<(&str, String)> = vec![
        ("X-Amz-Algorithm", ALGORITHM.to_string()),
        ("X-Amz-Credential", credential),
        ("X-Amz-Date", datetime.clone()),
        ("X-Amz-Expires", expires),
        ("X-Amz-SignedHeaders", "host".to_string()),
    ];
    let token = credentials.security_token();
    query.extend(auth.iter().map(|(k, v)| (k.to_string(), v.clone())));
    if let Some(token) = token {
        query.push(("X-Amz-Security-Token".to_string(), token.expose_secret().to_string()));
    }
    let (headers, signed_headers) = canonical_headers(&[("host", &host)]);
    let path = if url.path().is_empty() { "/" } else { url.path() };
    let creq =
        canonical_request(method.as_str(), path, &canonical_query(&query), &headers, &signed_headers, UNSIGNED_PAYLOAD);
    let sts = string_to_sign(&datetime, &scope, &creq);
    let key = signing_key(credentials.access_key_secret(), date, region, SERVICE);
    auth.push(("X-Amz-Signature", signature(&key, &sts)));
    let mut signed = url.clone();
    {
        let mut pairs = signed.query_pairs_mut();
        for (name, value) in &auth {
            pairs.append_pair(name, value);
        }
        if let Some(token) = token {
            pairs.append_pair("X-Amz-Security-Token", token.expose_secret());
        }
    }
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_are_joined_in_order() {
        let (c, s) = canonical_headers(&[("X-B", "2"), ("x-a", "1"), ("x-b", " 3  4 ")]);
        assert_eq!(c, "x-a:1\nx-b:2,3 4\n");
        assert_eq!(s, "x-a;x-b");
    }

    #[test]
    fn bad_input_is_refused_before_signing() {
        let creds = Credentials::new("ak", "sk");
        let now = DateTime::from_timestamp(0, 0).unwrap_or_default();
        let url = Url::parse("https://b.example.com/k").unwrap();
        let day = Duration::from_secs(86_400);
        assert!(presign(&Method::GET, &url, "us-east-1", &creds, Duration::ZERO, now).is_err());
        assert!(
            presign(&Method::GET, &url, "us-east-1", &creds, MAX_PRESIGN_EXPIRY + Duration::from_secs(1), now).is_err()
        );
        assert!(presign(&Method::GET, &url, "us-east-1", &creds, MAX_PRESIGN_EXPIRY, now).is_ok());
        assert!(presign(&Method::GET, &url, "us/east", &creds, day, now).is_err());
        let signed = presign(&Method::GET, &url, "us-east-1", &creds, day, now).unwrap();
        let again = presign(&Method::GET, &signed, "us-east-1", &creds, day, now).unwrap_err();
        assert!(again.to_string().contains("already signed"));
        let no_host = Url::parse("data:text/plain,x").unwrap();
        assert!(presign(&Method::GET, &no_host, "us-east-1", &creds, day, now).is_err());
    }

    #[test]
    fn security_token_is_signed_and_appended_last() {
        let creds = Credentials::new("ak", "sk").with_security_token("tok/en");
        let now = DateTime::from_timestamp(0, 0).unwrap_or_default();
        let url = Url::parse("https://b.example.com/k").unwrap();
        let signed = presign(&Method::GET, &url, "r", &creds, Duration::from_secs(60), now).unwrap();
        assert!(signed.as_str().ends_with("&X-Amz-Security-Token=tok%2Fen"));
        let without = presign(&Method::GET, &url, "r", &Credentials::new("ak", "sk"), Duration::from_secs(60), now);
        let sig = |u: &Url| u.query_pairs().find(|(k, _)| k == "X-Amz-Signature").map(|(_, v)| v.into_owned());
        assert_ne!(sig(&signed), sig(&without.unwrap()));
    }
}
