//! OSS signature V4 (`OSS4-HMAC-SHA256`): header and presigned-URL authentication.
//!
//! ```text
//! CanonicalRequest = VERB \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n AdditionalHeaders \n UNSIGNED-PAYLOAD
//! StringToSign     = OSS4-HMAC-SHA256 \n <x-oss-date> \n <yyyymmdd>/<region>/oss/aliyun_v4_request \n hex(sha256(CanonicalRequest))
//! SigningKey       = HMAC chain from "aliyun_v4" + secret over date, region, "oss", "aliyun_v4_request"
//! ```
//!
//! [`V4Signer`] caches the derived signing key per (date, region, AccessKeyId), so signing costs two SHA-256
//! HMACs and one hash after the first request of a day.
//!
//! ```
//! use oss_client::signing::{SignableRequest, v4};
//! let r = SignableRequest::new(http::Method::GET, None, None).with_query("prefix", "lobe").with_query("max-keys", "100");
//! assert_eq!(v4::canonical_query(&r.query), "max-keys=100&prefix=lobe");
//! assert_eq!(v4::canonical_uri(None, None), "/");
//! ```

use super::encoding::{encode, encode_path};
use super::{SignableRequest, SigningError, hmac_sha256, iso8601_basic};
use crate::Credentials;
use chrono::{DateTime, Utc};
use http::HeaderName;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::sync::Mutex;
use std::time::Duration;

/// The algorithm name.
pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// The only payload hash OSS accepts.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The longest validity of a V4 presigned URL: 7 days.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(604_800);

/// `/`, `/bucket/` or `/bucket/key`, percent-encoded with `/` kept.
///
/// ```
/// assert_eq!(oss_client::signing::v4::canonical_uri(Some("bucket"), Some("1234+-/123/1.txt")), "/bucket/1234%2B-/123/1.txt");
/// assert_eq!(oss_client::signing::v4::canonical_uri(Some("bucket"), None), "/bucket/");
/// ```
pub fn canonical_uri(bucket: Option<&str>, key: Option<&str>) -> String {
    match (bucket, key) {
        (None, _) => "/".to_string(),
        (Some(b), None) => format!("/{}/", encode_path(b)),
        (Some(b), Some(k)) => format!("/{}/{}", encode_path(b), encode_path(k)),
    }
}

/// Every query pair with key and value encoded, sorted by encoded key (then value), `k=v` or bare `k` for an
/// empty value, joined with `&`.
///
/// ```
/// let q = [("+param1".to_string(), "value3".to_string()), ("param2".to_string(), String::new())];
/// assert_eq!(oss_client::signing::v4::canonical_query(&q), "%2Bparam1=value3&param2");
/// ```
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

fn signed_by_default(name: &str) -> bool {
    name == "content-type" || name == "content-md5" || name.starts_with("x-oss-")
}

/// The AdditionalHeaders actually signed: lower-cased, present in the request, not signed by default anyway,
/// sorted and without duplicates.
///
/// ```
/// use oss_client::signing::{SignableRequest, v4};
/// let mut r = SignableRequest::new(http::Method::PUT, None, None);
/// r.insert_header("abc", "value").unwrap();
/// r.insert_header("ZAbc", "value").unwrap();
/// r.insert_header("x-oss-head1", "value").unwrap();
/// assert_eq!(v4::additional_headers(&r, &["x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"]), vec!["abc", "zabc"]);
/// ```
pub fn additional_headers(request: &SignableRequest, requested: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = requested
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !signed_by_default(h) && request.headers.contains_key(h.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `content-type`, `content-md5`, every `x-oss-*` header and the additional headers, as `name:value\n` sorted by
/// name.
pub fn canonical_headers(request: &SignableRequest, additional: &[String]) -> String {
    let mut out = String::with_capacity(256);
    write_canonical_headers(request, additional, &mut out);
    out
}

fn write_canonical_headers(request: &SignableRequest, additional: &[String], out: &mut String) {
    for name in request.header_names() {
        if signed_by_default(name) || additional.iter().any(|a| a == name) {
            out.push_str(name);
            out.push(':');
            request.write_header(name, out);
            out.push('\n');
        }
    }
}

/// The canonical request, for header or query signing (the caller has already added the `x-oss-*` query
/// parameters when presigning). `additional` must come from [`additional_headers`].
pub fn canonical_request(request: &SignableRequest, additional: &[String]) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(request.method.as_str());
    out.push('\n');
    out.push_str(&canonical_uri(request.bucket.as_deref(), request.key.as_deref()));
    out.push('\n');
    out.push_str(&canonical_query(&request.query));
    out.push('\n');
    write_canonical_headers(request, additional, &mut out);
    out.push('\n');
    for (i, a) in additional.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(a);
    }
    out.push('\n');
    out.push_str(UNSIGNED_PAYLOAD);
    out
}

/// `<yyyymmdd>/<region>/oss/aliyun_v4_request`.
///
/// ```
/// assert_eq!(oss_client::signing::v4::scope("20250101", "cn-beijing"), "20250101/cn-beijing/oss/aliyun_v4_request");
/// ```
pub fn scope(date: &str, region: &str) -> String {
    format!("{date}/{region}/oss/aliyun_v4_request")
}

/// `OSS4-HMAC-SHA256\n<datetime>\n<scope>\n<hex sha256 of the canonical request>`.
pub fn string_to_sign(datetime: &str, scope: &str, canonical_request: &str) -> String {
    string_to_sign_for(ALGORITHM, datetime, scope, canonical_request)
}

/// `<algorithm>\n<datetime>\n<scope>\n<hex sha256 of the canonical request>`: the layout OSS V4 and AWS SigV4
/// share (only the algorithm name and the scope differ).
pub(crate) fn string_to_sign_for(algorithm: &str, datetime: &str, scope: &str, canonical_request: &str) -> String {
    let hash = Sha256::digest(canonical_request.as_bytes());
    let mut out = String::with_capacity(algorithm.len() + datetime.len() + scope.len() + 67);
    out.push_str(algorithm);
    out.push('\n');
    out.push_str(datetime);
    out.push('\n');
    out.push_str(scope);
    out.push('\n');
    push_hex(&mut out, &hash);
    out
}

pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}

/// The derived signing key for a date (`yyyymmdd`) and region.
pub fn signing_key(secret: &str, date: &str, region: &str) -> [u8; 32] {
    let mut seed = String::with_capacity(9 + secret.len());
    seed.push_str("aliyun_v4");
    seed.push_str(secret);
    let k1 = hmac_sha256(seed.as_bytes(), date.as_bytes());
    let k2 = hmac_sha256(&k1, region.as_bytes());
    let k3 = hmac_sha256(&k2, b"oss");
    hmac_sha256(&k3, b"aliyun_v4_request")
}

/// `hex(hmac_sha256(signing_key, string_to_sign))`.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    let mut out = String::with_capacity(64);
    push_hex(&mut out, &hmac_sha256(signing_key, string_to_sign.as_bytes()));
    out
}

/// ISO 8601 basic (`20231216T162057Z`) and the date part.
fn timestamps(now: DateTime<Utc>) -> (String, String) {
    let datetime = iso8601_basic(now);
    let date = datetime.get(..8).unwrap_or_default().to_string();
    (datetime, date)
}

#[derive(Debug, Clone)]
struct CachedKey {
    date: String,
    region: String,
    access_key_id: String,
    key: [u8; 32],
}

/// A V4 signer for one region, caching the derived signing key per (date, region, AccessKeyId).
///
/// Its `Debug` output shows the region only, never the key.
///
/// ```
/// use oss_client::{Credentials, signing::{SignableRequest, v4::V4Signer}};
/// let signer = V4Signer::new("cn-hangzhou");
/// let mut r = SignableRequest::new(http::Method::GET, Some("b"), Some("k"));
/// let creds = Credentials::new("ak", "sk");
/// signer.sign_header(&mut r, &creds, chrono::Utc::now(), &[]).unwrap();
/// assert!(r.header("authorization").unwrap().starts_with("OSS4-HMAC-SHA256 Credential=ak/"));
/// assert!(!format!("{signer:?}").contains("key"));
/// ```
pub struct V4Signer {
    region: String,
    cache: Mutex<Option<CachedKey>>,
}

impl std::fmt::Debug for V4Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V4Signer").field("region", &self.region).finish_non_exhaustive()
    }
}

impl V4Signer {
    /// A signer for a region id such as `cn-hangzhou` (not `oss-cn-hangzhou`).
    pub fn new(region: impl Into<String>) -> Self {
        Self { region: region.into(), cache: Mutex::new(None) }
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The signing key, from the cache when the date, region and key id match.
    pub fn cached_signing_key(&self, credentials: &Credentials, date: &str) -> [u8; 32] {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_ref()
            && c.date == date
            && c.region == self.region
            && c.access_key_id == credentials.access_key_id()
        {
            return c.key;
        }
        let key = signing_key(credentials.access_key_secret().expose_secret(), date, &self.region);
        *cache = Some(CachedKey {
            date: date.to_string(),
            region: self.region.clone(),
            access_key_id: credentials.access_key_id().to_string(),
            key,
        });
        key
    }

    /// Signs `request` in place for header authentication at `now`: adds `x-oss-security-token` for STS
    /// credentials, `x-oss-content-sha256: UNSIGNED-PAYLOAD` unless present, `x-oss-date`, `Date`, and the
    /// `Authorization` header. `additional` names headers to sign besides the default ones. Returns the
    /// canonical request and the string to sign.
    pub fn sign_header(
        &self,
        request: &mut SignableRequest,
        credentials: &Credentials,
        now: DateTime<Utc>,
        additional: &[&str],
    ) -> Result<SigningOutput, SigningError> {
        let (datetime, date) = timestamps(now);
        if let Some(token) = credentials.security_token() {
            request.set_header(HeaderName::from_static("x-oss-security-token"), token.expose_secret().to_string())?;
        }
        if !request.headers.contains_key("x-oss-content-sha256") {
            request.headers.insert(
                HeaderName::from_static("x-oss-content-sha256"),
                http::HeaderValue::from_static(UNSIGNED_PAYLOAD),
            );
        }
        request.set_header(HeaderName::from_static("x-oss-date"), datetime.clone())?;
        let additional = additional_headers(request, additional);
        let canonical = canonical_request(request, &additional);
        let scope = scope(&date, &self.region);
        let sts = string_to_sign(&datetime, &scope, &canonical);
        let sig = signature(&self.cached_signing_key(credentials, &date), &sts);
        let id = credentials.access_key_id();
        let mut auth = String::with_capacity(ALGORITHM.len() + id.len() + scope.len() + sig.len() + 32);
        auth.push_str(ALGORITHM);
        auth.push_str(" Credential=");
        auth.push_str(id);
        auth.push('/');
        auth.push_str(&scope);
        if !additional.is_empty() {
            auth.push_str(",AdditionalHeaders=");
            auth.push_str(&additional.join(";"));
        }
        auth.push_str(",Signature=");
        auth.push_str(&sig);
        request.set_header(http::header::AUTHORIZATION, auth)?;
        Ok(SigningOutput { canonical_request: canonical, string_to_sign: sts })
    }

    /// Presigns `request` at `now` for `expires_in` (1 s to 7 days): adds `x-oss-signature-version`,
    /// `x-oss-credential`, `x-oss-date`, `x-oss-expires`, `x-oss-additional-headers` when some are signed,
    /// `x-oss-security-token` for STS credentials, and finally `x-oss-signature`.
    pub fn presign(
        &self,
        request: &mut SignableRequest,
        credentials: &Credentials,
        now: DateTime<Utc>,
        expires_in: Duration,
        additional: &[&str],
    ) -> Result<SigningOutput, SigningError> {
        if expires_in.is_zero() || expires_in > MAX_PRESIGN_EXPIRY {
            return Err(SigningError::new(format!(
                "a V4 presigned URL must be valid for 1 second to 7 days (604800 s), not {} s",
                expires_in.as_secs()
            )));
        }
        let (datetime, date) = timestamps(now);
        let scope = scope(&date, &self.region);
        let additional = additional_headers(request, additional);
        request.query.push(("x-oss-signature-version".into(), ALGORITHM.into()));
        request.query.push(("x-oss-credential".into(), format!("{}/{scope}", credentials.access_key_id())));
        request.query.push(("x-oss-date".into(), datetime.clone()));
        request.query.push(("x-oss-expires".into(), expires_in.as_secs().to_string()));
        if !additional.is_empty() {
            request.query.push(("x-oss-additional-headers".into(), additional.join(";")));
        }
        if let Some(token) = credentials.security_token() {
            request.query.push(("x-oss-security-token".into(), token.expose_secret().to_string()));
        }
        let canonical = canonical_request(request, &additional);
        let sts = string_to_sign(&datetime, &scope, &canonical);
        let sig = signature(&self.cached_signing_key(credentials, &date), &sts);
        request.query.push(("x-oss-signature".into(), sig));
        Ok(SigningOutput { canonical_request: canonical, string_to_sign: sts })
    }
}

/// The intermediate values of a signature, for tests and debugging a `SignatureDoesNotMatch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningOutput {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
}

/// The parts of a V4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The AccessKeyId.
    pub access_key_id: String,
    /// The scope date, `yyyymmdd`.
    pub date: String,
    /// The scope region.
    pub region: String,
    /// The additional signed headers.
    pub additional_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Parses `OSS4-HMAC-SHA256 Credential=ak/date/region/oss/aliyun_v4_request[,AdditionalHeaders=a;b],Signature=hex`
/// (a space after the commas is accepted); `None` if it is not a well-formed V4 authorization.
///
/// ```
/// let p = oss_client::signing::v4::parse_authorization(
///     "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a41",
/// ).unwrap();
/// assert_eq!(p.region, "cn-hangzhou");
/// assert_eq!(p.additional_headers, vec!["abc", "zabc"]);
/// ```
pub fn parse_authorization(header: &str) -> Option<ParsedAuthorization> {
    let rest = header.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut additional, mut sig) = (None, Vec::new(), None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "AdditionalHeaders" => additional = v.split(';').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            "Signature" => sig = Some(v),
            _ => return None,
        }
    }
    let (access_key_id, date, region) = parse_credential(credential?)?;
    Some(ParsedAuthorization {
        access_key_id,
        date,
        region,
        additional_headers: additional,
        signature: sig?.to_string(),
    })
}

/// Splits `ak/yyyymmdd/region/oss/aliyun_v4_request` into (ak, date, region).
///
/// ```
/// let (ak, date, region) = oss_client::signing::v4::parse_credential("ak/20231217/cn-hangzhou/oss/aliyun_v4_request").unwrap();
/// assert_eq!((ak.as_str(), date.as_str(), region.as_str()), ("ak", "20231217", "cn-hangzhou"));
/// ```
pub fn parse_credential(credential: &str) -> Option<(String, String, String)> {
    let mut parts = credential.rsplitn(5, '/');
    let terminator = parts.next()?;
    let product = parts.next()?;
    let region = parts.next()?;
    let date = parts.next()?;
    let ak = parts.next()?;
    if terminator != "aliyun_v4_request" || product != "oss" || ak.is_empty() || date.len() != 8 {
        return None;
    }
    Some((ak.to_string(), date.to_string(), region.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
        prop::collection::vec(("[a-zA-Z0-9+|%~ _.-]{1,8}", "[a-zA-Z0-9+/= &]{0,8}"), 0..8)
    }

    proptest! {
        #[test]
        fn canonical_query_ignores_input_order(mut q in pairs(), seed in any::<u64>()) {
            let expected = canonical_query(&q);
            let mut rng = seed;
            for i in (1..q.len()).rev() {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                q.swap(i, (rng >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(canonical_query(&q), expected);
        }

        #[test]
        fn canonical_query_is_sorted_by_encoded_key(q in pairs()) {
            let out = canonical_query(&q);
            let keys: Vec<&str> = if out.is_empty() { vec![] } else {
                out.split('&').map(|p| p.split_once('=').map_or(p, |(k, _)| k)).collect()
            };
            prop_assert_eq!(keys.len(), q.len());
            prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{out}");
            prop_assert!(!out.contains(' ') && !out.contains('+'));
        }

        #[test]
        fn canonical_headers_are_sorted_and_filtered(names in prop::collection::vec("[a-z][a-z0-9-]{0,10}", 0..8)) {
            let mut r = SignableRequest::new(http::Method::GET, Some("b"), None);
            for n in &names {
                r.insert_header(&format!("x-oss-{n}"), " v ").unwrap();
                r.insert_header(n, "w").unwrap();
            }
            let out = canonical_headers(&r, &[]);
            let lines: Vec<&str> = out.lines().collect();
            let names: Vec<&str> = lines.iter().filter_map(|l| l.split_once(':').map(|(n, _)| n)).collect();
            prop_assert!(names.windows(2).all(|w| w[0] < w[1]), "{out}");
            prop_assert!(lines.iter().all(|l| l.starts_with("x-oss-") || l.starts_with("content-")), "{out}");
            prop_assert!(lines.iter().all(|l| !l.ends_with(' ')));
        }
    }
}
