//! Redaction of credentials in what gets logged or shown: headers, URLs and free text.
//!
//! Signatures are not secrets in themselves, but a presigned URL or an `Authorization` header is a bearer
//! credential until it expires, so both are redacted too.

use http::HeaderMap;
use std::fmt;
use url::Url;

/// What redacted values are replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Header names (lower case) whose values are never logged.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-oss-security-token",
    "x-acs-security-token",
    "x-oss-signature",
    "x-acs-signature",
];

/// Query parameter names (compared case-insensitively) whose values are never logged.
pub const SENSITIVE_QUERY_KEYS: &[&str] = &[
    "signature",
    "x-oss-signature",
    "x-oss-credential",
    "security-token",
    "x-oss-security-token",
    "securitytoken",
    "accesskeysecret",
    "client_secret",
    "access_token",
    "token",
];

/// Whether a header's value must be redacted.
///
/// ```
/// assert!(cloud_http::redact::is_sensitive_header("Authorization"));
/// assert!(!cloud_http::redact::is_sensitive_header("content-type"));
/// ```
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Whether a query parameter's value must be redacted.
///
/// ```
/// assert!(cloud_http::redact::is_sensitive_query_key("Signature"));
/// assert!(!cloud_http::redact::is_sensitive_query_key("Expires"));
/// ```
pub fn is_sensitive_query_key(name: &str) -> bool {
    SENSITIVE_QUERY_KEYS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// A URL with the values of sensitive query parameters replaced by `[REDACTED]` (and any password removed).
///
/// ```
/// let url = url::Url::parse("https://b.oss-cn-hangzhou.aliyuncs.com/k?OSSAccessKeyId=ak&Expires=1&Signature=abc").unwrap();
/// let shown = cloud_http::redact::redact_url(&url);
/// assert!(shown.contains("Signature=%5BREDACTED%5D") || shown.contains("Signature=[REDACTED]"));
/// assert!(!shown.contains("abc"));
/// ```
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let value = if is_sensitive_query_key(&k) { REDACTED.to_string() } else { v.into_owned() };
                (k.into_owned(), value)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// Displays a header map with sensitive values redacted; use it in `tracing` fields.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert("authorization", "Bearer secret-token".parse().unwrap());
/// headers.insert("content-type", "application/json".parse().unwrap());
/// let shown = format!("{:?}", cloud_http::redact::RedactedHeaders(&headers));
/// assert!(!shown.contains("secret-token"));
/// assert!(shown.contains("application/json"));
/// ```
pub struct RedactedHeaders<'a>(pub &'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if is_sensitive_header(name.as_str()) {
                map.entry(&name.as_str(), &REDACTED);
            } else {
                map.entry(&name.as_str(), &value.to_str().unwrap_or("<binary>"));
            }
        }
        map.finish()
    }
}

/// Replaces every occurrence of each secret in `text` with `[REDACTED]`; used before a server-provided message
/// (which may echo a request) is put into an error. Empty secrets are ignored.
///
/// ```
/// let shown = cloud_http::redact::scrub("key=abc123 rest", ["abc123"]);
/// assert_eq!(shown, "key=[REDACTED] rest");
/// ```
pub fn scrub<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if !secret.is_empty() {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

/// Shows that a secret is present without showing it: `[REDACTED, 44 chars]`, or `[empty]`.
///
/// ```
/// assert_eq!(cloud_http::redact::mask("hunter2"), "[REDACTED, 7 chars]");
/// ```
pub fn mask(secret: &str) -> String {
    if secret.is_empty() { "[empty]".to_string() } else { format!("[REDACTED, {} chars]", secret.chars().count()) }
}

/// A decoder's message (serde's) without the string value it quotes: `invalid type: string "…", expected u64`
/// shows a value taken from the response, which may be a secret (a key secret, a token in an unexpected
/// place). The category, the expectation and the position stay.
///
/// ```
/// use cloud_http::redact::without_quoted_value;
/// let m = without_quoted_value(r#"invalid type: string "s3cr3t", expected struct Key at line 1 column 50"#);
/// assert_eq!(m, "invalid type: string …, expected struct Key at line 1 column 50");
/// assert_eq!(without_quoted_value("expected value at line 1 column 7"), "expected value at line 1 column 7");
/// ```
pub fn without_quoted_value(message: &str) -> String {
    let Some(open) = message.find('"') else { return message.to_string() };
    match message[open..].find(", expected") {
        Some(rest) => format!("{}…{}", &message[..open], &message[open + rest..]),
        None => format!("{}…", &message[..open]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_presigned_url_is_redacted() {
        let url = Url::parse(
            "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=LTAI%2F20231203%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-signature=deadbeef&x-oss-security-token=sts-secret",
        )
        .unwrap();
        let shown = redact_url(&url);
        assert!(!shown.contains("deadbeef"));
        assert!(!shown.contains("sts-secret"));
        assert!(shown.contains("x-oss-signature-version=OSS4-HMAC-SHA256"));
    }

    #[test]
    fn every_sensitive_header_is_hidden() {
        let mut headers = HeaderMap::new();
        for (i, name) in SENSITIVE_HEADERS.iter().enumerate() {
            headers.insert(*name, format!("secret-{i}").parse().unwrap());
        }
        let shown = format!("{:?}", RedactedHeaders(&headers));
        assert!(!shown.contains("secret-"), "{shown}");
    }
}
