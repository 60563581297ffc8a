//! OSS request signing: pure functions with no I/O. The time is always passed in, so tests pin it and the client
//! can correct a skewed clock.
//!
//! - [`v1`]: the legacy `OSS <AccessKeyId>:<Signature>` header and the `Signature=` presigned URL (HMAC-SHA1).
//! - [`v4`]: `OSS4-HMAC-SHA256` header and presigned URL (HMAC-SHA256 with a derived signing key cached per
//!   date and region).
//! - [`s3v4`]: AWS Signature Version 4 (`AWS4-HMAC-SHA256`) query authentication for OSS's S3-compatible path
//!   (the presigned URLs LobeHub's AWS SDK builds).
//! - [`encoding`]: the RFC 3986 percent-encoders they use.
//!
//! A [`SignableRequest`] describes the request in the terms the signatures use (bucket and key rather than host
//! and path); the signers add the headers or query parameters they need to it.
//!
//! ```
//! use chrono::DateTime;
//! use oss_client::Credentials;
//! use oss_client::signing::{SignableRequest, v4::V4Signer};
//!
//! let mut request = SignableRequest::new(http::Method::PUT, Some("lobechat-assets"), None).with_query("acl", "");
//! request.insert_header("x-oss-acl", "public-read").unwrap();
//! let creds = Credentials::new("LTAI5tTESTACCESSKEYID", "TESTSECRET0123456789abcdefABCDEF");
//! let now = DateTime::from_timestamp(1_735_689_600, 0).unwrap();
//! V4Signer::new("cn-beijing").sign_header(&mut request, &creds, now, &[]).unwrap();
//! let auth = request.header("authorization").unwrap();
//! assert!(auth.ends_with("Signature=b4377ab9b24a98ec4e202212a99bc8bcd2657104ab9e792e9b728f9097951acb"));
//! ```

pub mod encoding;
pub mod s3v4;
pub mod v1;
pub mod v4;

use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use std::fmt;

/// Which signature algorithm a client uses.
///
/// ```
/// use oss_client::signing::SignatureVersion;
/// assert_eq!(SignatureVersion::default(), SignatureVersion::V4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// HMAC-SHA1 `OSS ak:sig`. Refused for accounts created after 2025-03-01 and for new buckets after
    /// 2025-09-01 (403, EC `0002-00000080`).
    V1,
    /// `OSS4-HMAC-SHA256`, the default.
    #[default]
    V4,
}

/// A signing failure: a value that cannot go into an HTTP header or is out of range.
///
/// ```
/// let e = oss_client::signing::SigningError::new("bad");
/// assert_eq!(e.to_string(), "bad");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningError(String);

impl SigningError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SigningError {}

/// A request as the OSS signatures see it: method, bucket and object key (unencoded), the decoded query pairs in
/// order, and the headers.
///
/// ```
/// use oss_client::signing::SignableRequest;
/// let r = SignableRequest::new(http::Method::GET, Some("b"), Some("k 1")).with_query("versionId", "v");
/// assert_eq!(r.bucket.as_deref(), Some("b"));
/// assert_eq!(r.query, vec![("versionId".to_string(), "v".to_string())]);
/// ```
#[derive(Debug, Clone)]
pub struct SignableRequest {
    /// The method.
    pub method: Method,
    /// The bucket, for bucket and object operations.
    pub bucket: Option<String>,
    /// The object key, for object operations (raw, not percent-encoded).
    pub key: Option<String>,
    /// The query pairs, decoded; an empty value means a bare key (`?acl`).
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
}

impl SignableRequest {
    /// A request without query or headers.
    pub fn new(method: Method, bucket: Option<&str>, key: Option<&str>) -> Self {
        Self {
            method,
            bucket: bucket.map(str::to_string),
            key: key.map(str::to_string),
            query: Vec::new(),
            headers: HeaderMap::new(),
        }
    }

    /// Adds a query pair.
    pub fn with_query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets a header (replacing earlier values).
    ///
    /// ```
    /// let mut r = oss_client::signing::SignableRequest::new(http::Method::GET, None, None);
    /// assert!(r.insert_header("x-oss-meta-a", "1").is_ok());
    /// assert!(r.insert_header("x-oss-meta-a", "bad\nvalue").is_err());
    /// ```
    pub fn insert_header(&mut self, name: &str, value: &str) -> Result<(), SigningError> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| SigningError::new(format!("`{name}` is not a valid header name")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| SigningError::new(format!("the value of header `{name}` is not a valid header value")))?;
        self.headers.insert(name, value);
        Ok(())
    }

    /// Sets a header whose name is known to be valid, moving the value in.
    pub(crate) fn set_header(&mut self, name: HeaderName, value: String) -> Result<(), SigningError> {
        let value = HeaderValue::try_from(value)
            .map_err(|_| SigningError::new(format!("the value of header `{name}` is not a valid header value")))?;
        self.headers.insert(name, value);
        Ok(())
    }

    /// Appends the trimmed values of a header (joined with `,`) to `out`; `false` if it is absent.
    pub(crate) fn write_header(&self, name: &str, out: &mut String) -> bool {
        let mut found = false;
        for value in self.headers.get_all(name) {
            if found {
                out.push(',');
            }
            found = true;
            match value.to_str() {
                Ok(v) => out.push_str(v.trim()),
                Err(_) => out.push_str(String::from_utf8_lossy(value.as_bytes()).trim()),
            }
        }
        found
    }

    /// A header's value (the first one), as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The header names in lower case, without duplicates, sorted.
    pub(crate) fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub(crate) fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The HTTP date format (`Wed, 01 Jan 2025 00:00:00 GMT`), without chrono's format-string parser.
pub(crate) fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let day = DAYS.get(t.weekday().num_days_from_monday() as usize).copied().unwrap_or("Mon");
    let month = MONTHS.get(t.month0() as usize).copied().unwrap_or("Jan");
    let mut out = String::with_capacity(29);
    out.push_str(day);
    out.push_str(", ");
    push_2(&mut out, t.day());
    out.push(' ');
    out.push_str(month);
    out.push(' ');
    push_4(&mut out, t.year());
    out.push(' ');
    push_2(&mut out, t.hour());
    out.push(':');
    push_2(&mut out, t.minute());
    out.push(':');
    push_2(&mut out, t.second());
    out.push_str(" GMT");
    out
}

/// ISO 8601 basic UTC time (`20231216T162057Z`).
pub(crate) fn iso8601_basic(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let mut out = String::with_capacity(16);
    push_4(&mut out, t.year());
    push_2(&mut out, t.month());
    push_2(&mut out, t.day());
    out.push('T');
    push_2(&mut out, t.hour());
    push_2(&mut out, t.minute());
    push_2(&mut out, t.second());
    out.push('Z');
    out
}

fn push_2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

fn push_4(out: &mut String, year: i32) {
    let y = year.clamp(0, 9999) as u32;
    push_2(out, y / 100);
    push_2(out, y % 100);
}

/// Bare HMAC-SHA1 and HMAC-SHA256 of a message, the floor against which the benchmarks compare the signers.
///
/// ```
/// let sig = oss_client::signing::bare_hmac_sha1(b"sk", b"GET\n\n\n1\n/");
/// assert_eq!(sig.len(), 20);
/// ```
pub fn bare_hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    hmac_sha1(key, message)
}

/// See [`bare_hmac_sha1`].
///
/// ```
/// assert_eq!(oss_client::signing::bare_hmac_sha256(b"k", b"m").len(), 32);
/// ```
pub fn bare_hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    hmac_sha256(key, message)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn fast_date_formats_match_chrono(ts in 0i64..253_402_300_799) {
            let t = chrono::DateTime::from_timestamp(ts, 0).unwrap();
            prop_assert_eq!(super::http_date(t), t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
            prop_assert_eq!(super::iso8601_basic(t), t.format("%Y%m%dT%H%M%SZ").to_string());
        }
    }
}
