//! PutBucketCors, GetBucketCors and DeleteBucketCors, with typed rules checked before sending: at most 10 rules,
//! at least one origin and method per rule, at most one `*` in each origin and header, no `*` in an expose
//! header.
//!
//! ```
//! use oss_client::bucket::{CorsConfiguration, CorsMethod, CorsRule};
//! let rule = CorsRule::new()
//!     .allowed_origin("https://chat.example.com")
//!     .allowed_methods([CorsMethod::Get, CorsMethod::Put, CorsMethod::Head])
//!     .allowed_header("*")
//!     .expose_header("ETag")
//!     .max_age_seconds(3600);
//! let config = CorsConfiguration::new(vec![rule]).response_vary(false);
//! assert!(config.validate("PutBucketCors").is_ok());
//! assert!(CorsConfiguration::new(vec![CorsRule::new().allowed_origin("https://*.*.com")
//!     .allowed_method(CorsMethod::Get)]).validate("PutBucketCors").is_err());
//! ```

use super::BucketHandler;
use crate::error::{Error, Result};
use crate::xml::{from_xml, to_xml};
use http::Method;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The most rules a bucket may have.
pub const MAX_RULES: usize = 10;
/// The largest CORS body OSS accepts.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A method a CORS rule allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorsMethod {
    /// GET.
    Get,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
    /// POST.
    Post,
    /// HEAD.
    Head,
}

impl CorsMethod {
    /// The method name.
    ///
    /// ```
    /// assert_eq!(oss_client::bucket::CorsMethod::Put.as_str(), "PUT");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            CorsMethod::Get => "GET",
            CorsMethod::Put => "PUT",
            CorsMethod::Delete => "DELETE",
            CorsMethod::Post => "POST",
            CorsMethod::Head => "HEAD",
        }
    }
}

impl std::str::FromStr for CorsMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "GET" => Ok(CorsMethod::Get),
            "PUT" => Ok(CorsMethod::Put),
            "DELETE" => Ok(CorsMethod::Delete),
            "POST" => Ok(CorsMethod::Post),
            "HEAD" => Ok(CorsMethod::Head),
            other => Err(Error::invalid_input("ParseCorsMethod", format!("`{other}` is not a CORS method"))),
        }
    }
}

// Serialised as plain text: quick-xml would otherwise treat a unit enum as an element name.
impl Serialize for CorsMethod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CorsMethod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|_| serde::de::Error::custom(format!("unknown CORS method `{text}`")))
    }
}

/// One CORS rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CorsRule {
    /// Allowed origins (`https://chat.example.com`, `*`, `https://*.example.com`).
    #[serde(rename = "AllowedOrigin")]
    pub allowed_origins: Vec<String>,
    /// Allowed methods.
    #[serde(rename = "AllowedMethod")]
    pub allowed_methods: Vec<CorsMethod>,
    /// Allowed request headers (`*` for any).
    #[serde(rename = "AllowedHeader")]
    pub allowed_headers: Vec<String>,
    /// Response headers exposed to the browser (`ETag`).
    #[serde(rename = "ExposeHeader")]
    pub expose_headers: Vec<String>,
    /// How long the browser may cache the preflight answer.
    #[serde(rename = "MaxAgeSeconds", skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u32>,
}

impl CorsRule {
    /// An empty rule.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an allowed origin.
    pub fn allowed_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Adds an allowed method.
    pub fn allowed_method(mut self, method: CorsMethod) -> Self {
        self.allowed_methods.push(method);
        self
    }

    /// Adds allowed methods.
    pub fn allowed_methods(mut self, methods: impl IntoIterator<Item = CorsMethod>) -> Self {
        self.allowed_methods.extend(methods);
        self
    }

    /// Adds an allowed header.
    pub fn allowed_header(mut self, header: impl Into<String>) -> Self {
        self.allowed_headers.push(header.into());
        self
    }

    /// Adds an exposed header.
    pub fn expose_header(mut self, header: impl Into<String>) -> Self {
        self.expose_headers.push(header.into());
        self
    }

    /// Sets the preflight cache time.
    pub fn max_age_seconds(mut self, seconds: u32) -> Self {
        self.max_age_seconds = Some(seconds);
        self
    }

    /// Whether `other` allows the same methods, request headers and exposed headers, whatever its origins: compared
    /// as sets, header names case-insensitively (HTTP field names are case-insensitive, RFC 9110 §5.1). The
    /// preflight cache time is not compared.
    ///
    /// ```
    /// use oss_client::bucket::{CorsMethod, CorsRule};
    /// let a = CorsRule::new().allowed_origin("https://a.example").allowed_methods([CorsMethod::Get, CorsMethod::Put]).allowed_header("Content-Type");
    /// let b = CorsRule::new().allowed_origin("https://b.example").allowed_methods([CorsMethod::Put, CorsMethod::Get]).allowed_header("content-type");
    /// assert!(a.same_shape(&b) && !a.equivalent(&b));
    /// ```
    pub fn same_shape(&self, other: &CorsRule) -> bool {
        let shape = |r: &CorsRule| {
            let set = |v: &[String]| v.iter().map(|h| h.to_ascii_lowercase()).collect::<BTreeSet<_>>();
            (
                r.allowed_methods.iter().map(|m| m.as_str()).collect::<BTreeSet<_>>(),
                set(&r.allowed_headers),
                set(&r.expose_headers),
            )
        };
        shape(self) == shape(other)
    }

    /// Whether `other` allows exactly what this rule allows: [`CorsRule::same_shape`] and the same origins (as a
    /// set; origins are compared exactly).
    pub fn equivalent(&self, other: &CorsRule) -> bool {
        self.same_shape(other)
            && self.allowed_origins.iter().collect::<BTreeSet<_>>()
                == other.allowed_origins.iter().collect::<BTreeSet<_>>()
    }
}

/// A bucket's CORS configuration. PutBucketCors replaces every existing rule with these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "CORSConfiguration", default)]
pub struct CorsConfiguration {
    /// The rules; OSS applies the first that matches.
    #[serde(rename = "CORSRule")]
    pub rules: Vec<CorsRule>,
    /// Whether OSS always sends `Vary: Origin`.
    #[serde(rename = "ResponseVary", skip_serializing_if = "Option::is_none")]
    pub response_vary: Option<bool>,
}

impl CorsConfiguration {
    /// A configuration with these rules.
    pub fn new(rules: Vec<CorsRule>) -> Self {
        Self { rules, response_vary: None }
    }

    /// The rules to put so that `rule` applies first, keeping the `existing` rules it does not `replace`s (OSS
    /// applies the first rule that matches a request, and PutBucketCors replaces the whole configuration: OSS API
    /// "PutBucketCors"). `None` when an [equivalent](CorsRule::equivalent) rule is already there: nothing to
    /// put. The result keeps at most [`MAX_RULES`] rules (the last existing ones are dropped).
    ///
    /// ```
    /// use oss_client::bucket::{CorsConfiguration, CorsMethod, CorsRule};
    /// let ours = CorsRule::new().allowed_origin("https://new.example").allowed_method(CorsMethod::Put);
    /// let old = CorsRule::new().allowed_origin("https://old.example").allowed_method(CorsMethod::Put);
    /// let other = CorsRule::new().allowed_origin("https://x.example").allowed_method(CorsMethod::Get);
    /// let rules = CorsConfiguration::merged(&[old, other.clone()], &ours, |r| r.same_shape(&ours)).unwrap();
    /// assert_eq!(rules, [ours.clone(), other]);
    /// assert!(CorsConfiguration::merged(&rules, &ours, |r| r.same_shape(&ours)).is_none());
    /// ```
    pub fn merged(
        existing: &[CorsRule],
        rule: &CorsRule,
        replaces: impl Fn(&CorsRule) -> bool,
    ) -> Option<Vec<CorsRule>> {
        if existing.iter().any(|r| r.equivalent(rule)) {
            return None;
        }
        let mut rules = vec![rule.clone()];
        rules.extend(existing.iter().filter(|r| !replaces(r)).cloned());
        rules.truncate(MAX_RULES);
        Some(rules)
    }

    /// Sets `ResponseVary`.
    pub fn response_vary(mut self, vary: bool) -> Self {
        self.response_vary = Some(vary);
        self
    }

    /// Checks the rules as OSS would, so a bad configuration fails before sending.
    pub fn validate(&self, operation: &'static str) -> Result<()> {
        let bad = |m: String| Err(Error::invalid_input(operation, m));
        if self.rules.is_empty() {
            return bad("a CORS configuration needs at least one rule (use delete_cors to remove all)".into());
        }
        if self.rules.len() > MAX_RULES {
            return bad(format!("at most {MAX_RULES} CORS rules are allowed, got {}", self.rules.len()));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let n = i + 1;
            if rule.allowed_origins.is_empty() {
                return bad(format!("CORS rule {n} needs at least one AllowedOrigin"));
            }
            if rule.allowed_methods.is_empty() {
                return bad(format!("CORS rule {n} needs at least one AllowedMethod"));
            }
            for origin in &rule.allowed_origins {
                if origin.trim().is_empty() {
                    return bad(format!("CORS rule {n} has an empty AllowedOrigin"));
                }
                if origin.matches('*').count() > 1 {
                    return bad(format!("CORS rule {n}: AllowedOrigin `{origin}` may contain at most one `*`"));
                }
            }
            for header in &rule.allowed_headers {
                if header.trim().is_empty() {
                    return bad(format!("CORS rule {n} has an empty AllowedHeader"));
                }
                if header.matches('*').count() > 1 {
                    return bad(format!("CORS rule {n}: AllowedHeader `{header}` may contain at most one `*`"));
                }
            }
            for header in &rule.expose_headers {
                if header.contains('*') {
                    return bad(format!("CORS rule {n}: ExposeHeader `{header}` must not contain `*`"));
                }
                if header.trim().is_empty() {
                    return bad(format!("CORS rule {n} has an empty ExposeHeader"));
                }
            }
        }
        Ok(())
    }

    /// The XML body PutBucketCors sends (no declaration, no whitespace).
    ///
    /// ```
    /// use oss_client::bucket::{CorsConfiguration, CorsMethod, CorsRule};
    /// let xml = CorsConfiguration::new(vec![CorsRule::new().allowed_origin("*").allowed_method(CorsMethod::Get)]).to_xml().unwrap();
    /// assert_eq!(xml, "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>");
    /// ```
    pub fn to_xml(&self) -> Result<String> {
        to_xml("PutBucketCors", self)
    }
}

impl BucketHandler {
    /// PutBucketCors: replaces the bucket's CORS rules.
    pub fn put_cors(&self, config: CorsConfiguration) -> PutBucketCors {
        PutBucketCors { bucket: self.clone(), config }
    }

    /// GetBucketCors; fails with [`ErrorKind::NoSuchCorsConfiguration`](crate::ErrorKind::NoSuchCorsConfiguration)
    /// when the bucket has none.
    pub fn get_cors(&self) -> GetBucketCors {
        GetBucketCors { bucket: self.clone() }
    }

    /// DeleteBucketCors.
    pub fn delete_cors(&self) -> DeleteBucketCors {
        DeleteBucketCors { bucket: self.clone() }
    }
}

/// The PutBucketCors request.
#[derive(Debug, Clone)]
pub struct PutBucketCors {
    bucket: BucketHandler,
    config: CorsConfiguration,
}

impl PutBucketCors {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        const OP: &str = "PutBucketCors";
        let mut request = self.bucket.request(OP, Method::PUT)?;
        self.config.validate(OP)?;
        let xml = to_xml(OP, &self.config)?;
        if xml.len() > MAX_BODY_BYTES {
            return Err(Error::invalid_input(
                OP,
                format!("the CORS configuration is {} bytes; OSS accepts at most 16 KB", xml.len()),
            ));
        }
        request = request.sub_resource("cors").xml_body(xml)?;
        self.bucket.client.execute(request).await.map(|_| ())
    }
}

/// The GetBucketCors request.
#[derive(Debug, Clone)]
pub struct GetBucketCors {
    bucket: BucketHandler,
}

impl GetBucketCors {
    /// Sends the request.
    pub async fn send(self) -> Result<CorsConfiguration> {
        const OP: &str = "GetBucketCors";
        let request = self.bucket.request(OP, Method::GET)?.sub_resource("cors");
        let raw = self.bucket.client.execute(request).await?;
        from_xml(OP, &raw.body)
    }
}

/// The DeleteBucketCors request.
#[derive(Debug, Clone)]
pub struct DeleteBucketCors {
    bucket: BucketHandler,
}

impl DeleteBucketCors {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        const OP: &str = "DeleteBucketCors";
        let request = self.bucket.request(OP, Method::DELETE)?.sub_resource("cors");
        self.bucket.client.execute(request).await.map(|_| ())
    }
}
