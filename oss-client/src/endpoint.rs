//! Where requests go: region → endpoint, virtual-hosted addressing, custom endpoints and CNAMEs, and the
//! loopback "connect-to" override used for simulators and mock servers.
//!
//! OSS addresses a bucket by host (`<bucket>.oss-<region>.aliyuncs.com`); service-level operations (ListBuckets,
//! the account's Block Public Access) go to the bare endpoint host. A simulator listens on `127.0.0.1:PORT`,
//! so [`Endpoint::with_connect_to`] sends every request to that socket while keeping the `Host` header (and the
//! signature, which does not cover the host) exactly as for the real service.
//!
//! ```
//! use oss_client::endpoint::Endpoint;
//! let e = Endpoint::for_region("cn-hangzhou").unwrap();
//! assert_eq!(e.host_for(Some("lobechat-assets")), "lobechat-assets.oss-cn-hangzhou.aliyuncs.com");
//! assert_eq!(e.host_for(None), "oss-cn-hangzhou.aliyuncs.com");
//! let url = e.public_url("lobechat-assets", "a b/c.png").unwrap();
//! assert_eq!(url.as_str(), "https://lobechat-assets.oss-cn-hangzhou.aliyuncs.com/a%20b/c.png");
//! ```

use crate::error::Error;
use crate::signing::encoding::{encode, encode_path};
use cloud_http::endpoint::is_loopback_host;
use url::Url;

/// Checks a region id (`cn-hangzhou`, `ap-southeast-1`) — the one region rule of the workspace, used by the
/// provisioner's configuration too: 1–64 lower-case letters, digits and `-`; a two-letter area, then one or more
/// non-empty `-`-separated parts; not the OSS form `oss-cn-hangzhou`. Region ids are listed on "Regions and
/// endpoints" (<https://www.alibabacloud.com/help/en/oss/user-guide/regions-and-endpoints>): the "Region ID"
/// column (`cn-beijing`) is what the V4 scope carries, the "OSS region" column (`oss-cn-beijing`) appears in
/// `<Location>` only.
///
/// Errors: [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming the region.
///
/// ```
/// assert!(oss_client::endpoint::validate_region("cn-hangzhou").is_ok());
/// assert!(oss_client::endpoint::validate_region("ap-southeast-1").is_ok());
/// for bad in ["oss-cn-hangzhou", "CN", "hangzhou", "cn-", "c-hangzhou", "cn_hangzhou"] {
///     assert!(oss_client::endpoint::validate_region(bad).is_err(), "{bad}");
/// }
/// ```
pub fn validate_region(region: &str) -> Result<(), Error> {
    const OP: &str = "ConfigureClient";
    if region.is_empty() || region.len() > 64 {
        return Err(Error::invalid_input(OP, "the region id must be 1 to 64 characters (for example `cn-hangzhou`)"));
    }
    if !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(Error::invalid_input(
            OP,
            format!(
                "region `{region}` may contain only lower-case letters, digits and `-` (for example `cn-hangzhou`)"
            ),
        ));
    }
    if let Some(id) = region.strip_prefix("oss-") {
        return Err(Error::invalid_input(
            OP,
            format!("`{region}` is the OSS region name; the client needs the region id `{id}`"),
        ));
    }
    let parts: Vec<&str> = region.split('-').collect();
    if parts.len() < 2 || parts[0].len() != 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(Error::invalid_input(
            OP,
            format!("`{region}` is not an Aliyun region id such as `cn-hangzhou` (a two-letter area, `-`, a name)"),
        ));
    }
    Ok(())
}

/// Checks a bucket name — the one bucket-name rule of the workspace (the RAM policy document and the
/// provisioner's configuration use it too): 3–63 characters, lower-case letters, digits and `-`, starting and
/// ending with a letter or digit ("Bucket naming conventions",
/// <https://www.alibabacloud.com/help/en/oss/user-guide/bucket-naming-conventions>; go-sdk-v2
/// `oss/validation.go:isValidBucketName`). A bad name would be `400 InvalidBucketName`.
///
/// ```
/// use oss_client::endpoint::validate_bucket_name;
/// assert!(validate_bucket_name("PutBucket", "lobechat-assets").is_ok());
/// for bad in ["ab", "-abc", "abc-", "Abc", "a_b_c", "a.b.c"] {
///     assert!(validate_bucket_name("PutBucket", bad).is_err(), "{bad}");
/// }
/// ```
pub fn validate_bucket_name(operation: &'static str, name: &str) -> Result<(), Error> {
    let ok_chars = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ok_ends = !name.starts_with('-') && !name.ends_with('-');
    if !(3..=63).contains(&name.len()) || !ok_chars || !ok_ends {
        return Err(Error::invalid_input(
            operation,
            format!(
                "invalid bucket name `{name}`: use 3 to 63 lower-case letters, digits and `-`, starting and ending with a letter or digit"
            ),
        ));
    }
    Ok(())
}

/// Checks an object key: 1–1023 bytes of UTF-8, not starting with `/` or `\`, with no `.` or `..` path segment
/// (HTTP clients would normalise those away) and no control characters.
///
/// ```
/// use oss_client::endpoint::validate_object_key;
/// assert!(validate_object_key("PutObject", "files/a b/测试.png").is_ok());
/// for bad in ["", "/abs", "a/../b", "./a", "a\nb"] {
///     assert!(validate_object_key("PutObject", bad).is_err(), "{bad:?}");
/// }
/// ```
pub fn validate_object_key(operation: &'static str, key: &str) -> Result<(), Error> {
    let problem = if key.is_empty() {
        Some("an object key must not be empty")
    } else if key.len() > 1023 {
        Some("an object key must be at most 1023 bytes")
    } else if key.starts_with('/') || key.starts_with('\\') {
        Some("an object key must not start with `/` or `\\`")
    } else if key.split('/').any(|segment| segment == "." || segment == "..") {
        Some("an object key must not contain `.` or `..` path segments")
    } else if key.chars().any(char::is_control) {
        Some("an object key must not contain control characters")
    } else {
        None
    };
    match problem {
        Some(p) => Err(Error::invalid_input(operation, format!("{p} (key {key:?})"))),
        None => Ok(()),
    }
}

/// The addressing of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: String,
    host: String,
    port: Option<u16>,
    cname: bool,
    connect_to: Option<Url>,
}

impl Endpoint {
    /// `https://oss-<region>.aliyuncs.com`.
    pub fn for_region(region: &str) -> Result<Self, Error> {
        validate_region(region)?;
        Ok(Self {
            scheme: "https".into(),
            host: format!("oss-{region}.aliyuncs.com"),
            port: None,
            cname: false,
            connect_to: None,
        })
    }

    /// A custom endpoint such as `https://oss-cn-hangzhou-internal.aliyuncs.com`: `https`, or plain `http` only
    /// for a loopback host; no path, query or user info. Buckets are addressed as `<bucket>.<host>`.
    ///
    /// ```
    /// use oss_client::endpoint::Endpoint;
    /// assert!(Endpoint::custom("https://oss-cn-hangzhou-internal.aliyuncs.com").is_ok());
    /// assert!(Endpoint::custom("http://oss-cn-hangzhou.aliyuncs.com").is_err());
    /// assert!(Endpoint::custom("https://example.com/path").is_err());
    /// ```
    pub fn custom(url: &str) -> Result<Self, Error> {
        const OP: &str = "ConfigureClient";
        let parsed = cloud_http::validate_base_url(url).map_err(|e| Error::invalid_input(OP, e.to_string()))?;
        if parsed.path() != "/" && !parsed.path().is_empty() {
            return Err(Error::invalid_input(
                OP,
                format!("the endpoint `{url}` must not have a path; the bucket goes in the host name"),
            ));
        }
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        Ok(Self { scheme: parsed.scheme().to_string(), host, port: parsed.port(), cname: false, connect_to: None })
    }

    /// Treats the endpoint host as a CNAME bound to one bucket: bucket requests go to the host as is.
    pub fn with_cname(mut self, cname: bool) -> Self {
        self.cname = cname;
        self
    }

    /// Sends every request to `url` (a loopback `http://127.0.0.1:PORT` simulator or mock server) while keeping
    /// the `Host` header of the real endpoint. Refused for non-loopback hosts.
    ///
    /// ```
    /// use oss_client::endpoint::Endpoint;
    /// let e = Endpoint::for_region("cn-hangzhou").unwrap().with_connect_to("http://127.0.0.1:9000").unwrap();
    /// let (url, host) = e.transport_target(&e.public_url("b1-x", "k").unwrap());
    /// assert_eq!(url.as_str(), "http://127.0.0.1:9000/k");
    /// assert_eq!(host, "b1-x.oss-cn-hangzhou.aliyuncs.com");
    /// assert!(Endpoint::for_region("cn-hangzhou").unwrap().with_connect_to("http://10.1.2.3:9000").is_err());
    /// ```
    pub fn with_connect_to(mut self, url: &str) -> Result<Self, Error> {
        const OP: &str = "ConfigureClient";
        let parsed = cloud_http::validate_base_url(url).map_err(|e| Error::invalid_input(OP, e.to_string()))?;
        if !parsed.host_str().is_some_and(is_loopback_host) {
            return Err(Error::invalid_input(
                OP,
                format!("connect-to `{url}` must be a loopback address (it is meant for local simulators)"),
            ));
        }
        self.connect_to = Some(parsed);
        Ok(self)
    }

    /// The `Host` for a bucket (virtual-hosted) or for service-level requests.
    pub fn host_for(&self, bucket: Option<&str>) -> String {
        let base = match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        };
        match bucket {
            Some(b) if !self.cname => format!("{b}.{base}"),
            _ => base,
        }
    }

    /// The endpoint host without bucket or port (`oss-cn-hangzhou.aliyuncs.com`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The URL as the real service sees it (what presigned and public URLs use).
    pub(crate) fn logical_url(
        &self,
        bucket: Option<&str>,
        key: Option<&str>,
        query: &[(String, String)],
    ) -> Result<Url, Error> {
        let mut text = format!("{}://{}/", self.scheme, self.host_for(bucket));
        if let Some(k) = key {
            text.push_str(&encode_path(k));
        }
        for (i, (k, v)) in query.iter().enumerate() {
            text.push(if i == 0 { '?' } else { '&' });
            text.push_str(&encode(k));
            if !v.is_empty() {
                text.push('=');
                text.push_str(&encode(v));
            }
        }
        Url::parse(&text).map_err(|e| Error::invalid_input("BuildUrl", format!("could not build a URL: {e}")))
    }

    /// The public URL of an object: `https://<bucket>.<endpoint>/<encoded key>`.
    pub fn public_url(&self, bucket: &str, key: &str) -> Result<Url, Error> {
        self.logical_url(Some(bucket), Some(key), &[])
    }

    /// Where to send a request for `url` and the `Host` header to send: the URL itself, or with the connect-to
    /// override, the loopback address with the original host as `Host`.
    pub fn transport_target(&self, url: &Url) -> (Url, String) {
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => String::new(),
        };
        match &self.connect_to {
            Some(target) => {
                let mut out = target.clone();
                out.set_path(url.path());
                out.set_query(url.query());
                (out, host)
            }
            None => (url.clone(), host),
        }
    }

    /// Whether requests are redirected to a loopback address.
    pub fn connects_to(&self) -> Option<&Url> {
        self.connect_to.as_ref()
    }
}
