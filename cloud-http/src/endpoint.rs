//! Base URL validation shared by every client: `https` everywhere, plain `http` only for loopback hosts
//! (a local simulator or mock server), never credentials, a query or a fragment in the URL.

use std::net::IpAddr;
use url::{Host, Url};

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// The text is not a URL.
    #[error("`{url}` is not a valid URL: {reason}")]
    Invalid {
        /// The URL as given.
        url: String,
        /// The parser's reason.
        reason: String,
    },
    /// Plain `http` to a host that is not loopback.
    #[error(
        "`{url}` uses plain http to a non-loopback host; use https (plain http is allowed only for 127.0.0.0/8, ::1 and localhost)"
    )]
    InsecureScheme {
        /// The URL as given.
        url: String,
    },
    /// A scheme other than http/https.
    #[error("`{url}` has unsupported scheme `{scheme}`; use https")]
    UnsupportedScheme {
        /// The URL as given.
        url: String,
        /// The scheme found.
        scheme: String,
    },
    /// User info, a query or a fragment where only scheme, host, port and path belong.
    #[error("`{url}` must not contain {what}")]
    UnexpectedPart {
        /// The URL as given (with any password removed).
        url: String,
        /// What was found.
        what: &'static str,
    },
}

/// Why a host name was refused by [`validate_host_name`]. The text names the host as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostNameError {
    /// A URL where a bare host was expected.
    #[error("`{0}` has a scheme; give the host name only")]
    HasScheme(String),
    /// A path, port, query or fragment after the host.
    #[error("`{0}` has a path or port; give the host name only")]
    HasPathOrPort(String),
    /// Longer than 253 characters, or a single label (not fully qualified).
    #[error("`{0}` is not a fully qualified host name")]
    NotFullyQualified(String),
    /// A label that is empty, longer than 63 characters, has a character other than letters, digits and `-`,
    /// or starts or ends with `-`.
    #[error("`{host}` has an invalid label `{label}`")]
    InvalidLabel {
        /// The host as given.
        host: String,
        /// The first offending label.
        label: String,
    },
}

/// Checks a fully qualified DNS host name — the one rule every client and the provisioner's configuration use
/// for a host (a custom domain for Vercel, an Auth0 tenant domain, the domain of an e-mail address).
///
/// The rule is RFC 1123 §2.1 / RFC 1035 §2.3.1 "preferred name syntax": dot-separated labels of 1–63 ASCII
/// letters, digits and `-`, neither starting nor ending with `-`, at most 253 characters in all; and at least
/// two labels (a bare `localhost` or `chat` is not a public host). A trailing root dot is not accepted, nor a
/// scheme, port or path. Internationalised names must be given in their `xn--` (A-label) form.
///
/// ```
/// use cloud_http::endpoint::{validate_host_name, HostNameError};
/// assert!(validate_host_name("chat.example.com").is_ok());
/// assert!(validate_host_name("tenant.eu.auth0.com").is_ok());
/// assert!(matches!(validate_host_name("https://chat.example.com"), Err(HostNameError::HasScheme(_))));
/// assert!(matches!(validate_host_name("chat.example.com:443"), Err(HostNameError::HasPathOrPort(_))));
/// assert!(matches!(validate_host_name("chat"), Err(HostNameError::NotFullyQualified(_))));
/// assert!(matches!(validate_host_name("-chat.example.com"), Err(HostNameError::InvalidLabel { .. })));
/// assert!(validate_host_name("chat..example.com").is_err());
/// ```
pub fn validate_host_name(host: &str) -> Result<(), HostNameError> {
    if host.contains("://") {
        return Err(HostNameError::HasScheme(host.to_string()));
    }
    if host.contains(['/', ':', '?', '#']) {
        return Err(HostNameError::HasPathOrPort(host.to_string()));
    }
    if host.len() > 253 || !host.contains('.') {
        return Err(HostNameError::NotFullyQualified(host.to_string()));
    }
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(HostNameError::InvalidLabel { host: host.to_string(), label: label.to_string() });
        }
    }
    Ok(())
}

/// Whether `host` is a loopback address or `localhost`.
///
/// ```
/// assert!(cloud_http::endpoint::is_loopback_host("127.0.0.1"));
/// assert!(cloud_http::endpoint::is_loopback_host("localhost"));
/// assert!(!cloud_http::endpoint::is_loopback_host("example.com"));
/// ```
pub fn is_loopback_host(host: &str) -> bool {
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    if trimmed.eq_ignore_ascii_case("localhost") || trimmed.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    trimmed.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// Parses and checks a base URL: `https://…`, or `http://…` for a loopback host only.
///
/// ```
/// use cloud_http::validate_base_url;
/// assert!(validate_base_url("https://api.vercel.com").is_ok());
/// assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
/// assert!(validate_base_url("http://api.vercel.com").is_err());
/// ```
pub fn validate_base_url(url: &str) -> Result<Url, EndpointError> {
    let parsed = Url::parse(url).map_err(|e| EndpointError::Invalid { url: url.to_string(), reason: e.to_string() })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        let mut shown = parsed.clone();
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        return Err(EndpointError::UnexpectedPart { url: shown.to_string(), what: "user info" });
    }
    if parsed.query().is_some() {
        return Err(EndpointError::UnexpectedPart { url: url.to_string(), what: "a query string" });
    }
    if parsed.fragment().is_some() {
        return Err(EndpointError::UnexpectedPart { url: url.to_string(), what: "a fragment" });
    }
    match parsed.scheme() {
        "https" => {}
        "http" => {
            let loopback = match parsed.host() {
                Some(Host::Domain(d)) => is_loopback_host(d),
                Some(Host::Ipv4(ip)) => ip.is_loopback(),
                Some(Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback {
                return Err(EndpointError::InsecureScheme { url: url.to_string() });
            }
        }
        other => {
            return Err(EndpointError::UnsupportedScheme { url: url.to_string(), scheme: other.to_string() });
        }
    }
    if parsed.host().is_none() {
        return Err(EndpointError::Invalid { url: url.to_string(), reason: "no host".into() });
    }
    Ok(parsed)
}

/// The URL of one API call: `base` with each of `segments` appended as one path segment (percent-encoded, so a
/// `/`, `?` or `#` inside a segment stays inside it, WHATWG URL "path percent-encode set") and `query` appended
/// as `application/x-www-form-urlencoded` pairs. `None` when `base` cannot carry a path (`mailto:`, `data:`);
/// never for a URL [`validate_base_url`] accepted.
///
/// ```
/// let base = url::Url::parse("https://console.neon.tech/api/v2/").unwrap();
/// let url = cloud_http::endpoint::join(&base, ["projects", "p 1"], [("limit", "10")]).unwrap();
/// assert_eq!(url.as_str(), "https://console.neon.tech/api/v2/projects/p%201?limit=10");
/// let url = cloud_http::endpoint::join(&base, ["branches", "a/b"], None::<(&str, &str)>).unwrap();
/// assert_eq!(url.as_str(), "https://console.neon.tech/api/v2/branches/a%2Fb");
/// ```
pub fn join<S, K, V>(
    base: &Url,
    segments: impl IntoIterator<Item = S>,
    query: impl IntoIterator<Item = (K, V)>,
) -> Option<Url>
where
    S: AsRef<str>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut url = base.clone();
    url.path_segments_mut().ok()?.pop_if_empty().extend(segments);
    url.query_pairs_mut().extend_pairs(query);
    if url.query() == Some("") {
        url.set_query(None);
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for ok in
            ["https://oss-cn-hangzhou.aliyuncs.com", "http://127.0.0.1:9000", "http://[::1]:80/", "http://localhost:1"]
        {
            assert!(validate_base_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_plain_http_elsewhere_and_odd_parts() {
        assert!(matches!(validate_base_url("http://10.0.0.1"), Err(EndpointError::InsecureScheme { .. })));
        assert!(matches!(validate_base_url("ftp://x.com"), Err(EndpointError::UnsupportedScheme { .. })));
        assert!(matches!(validate_base_url("https://a:b@x.com"), Err(EndpointError::UnexpectedPart { .. })));
        assert!(matches!(validate_base_url("https://x.com/?a=1"), Err(EndpointError::UnexpectedPart { .. })));
        assert!(matches!(validate_base_url("not a url"), Err(EndpointError::Invalid { .. })));
        let err = validate_base_url("https://user:hunter2@x.com").unwrap_err().to_string();
        assert!(!err.contains("hunter2"));
    }
}
