//! The request and answer a simulator works with: a fully buffered [`SimRequest`] (method, URI, headers, body,
//! with query and header helpers) and a [`SimResponse`] (status, headers, body, with JSON and XML builders).

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};

/// A request as the simulator sees it: method, URI, headers and the whole body.
#[derive(Debug, Clone)]
pub struct SimRequest {
    /// The method.
    pub method: Method,
    /// The request target (path and query).
    pub uri: Uri,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl SimRequest {
    /// Builds a request, for unit tests of simulators.
    ///
    /// ```
    /// let r = sandbox::SimRequest::new(http::Method::GET, "/v9/projects?limit=2", &[("host", "api.vercel.com")], "");
    /// assert_eq!(r.path(), "/v9/projects");
    /// assert_eq!(r.query_param("limit").as_deref(), Some("2"));
    /// assert_eq!(r.host(), Some("api.vercel.com"));
    /// ```
    pub fn new(method: Method, uri: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Self {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
                map.append(name, value);
            }
        }
        Self { method, uri: uri.parse().unwrap_or_else(|_| Uri::from_static("/")), headers: map, body: body.into() }
    }

    /// The path, still percent-encoded.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The raw query string.
    pub fn query(&self) -> Option<&str> {
        self.uri.query()
    }

    /// The decoded query pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        match self.uri.query() {
            Some(q) => url::form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
            None => Vec::new(),
        }
    }

    /// The first value of a query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The action of an Aliyun RPC request (RAM): `Action` in the query or the form body (RPC V2), else the
    /// `x-acs-action` header (ACS3); empty when there is none.
    pub fn rpc_action(&self) -> String {
        self.query_pairs()
            .into_iter()
            .chain(url::form_urlencoded::parse(&self.body).into_owned())
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v)
            .or_else(|| self.header("x-acs-action").map(str::to_string))
            .unwrap_or_default()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Host` header without its port.
    pub fn host(&self) -> Option<&str> {
        let host = self.header("host")?;
        if host.starts_with('[') {
            return Some(host.split_once(']').map(|(h, _)| &host[..=h.len()]).unwrap_or(host));
        }
        Some(match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host,
        })
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A simulator's answer.
#[derive(Debug, Clone)]
pub struct SimResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl SimResponse {
    /// An empty response with this status.
    ///
    /// ```
    /// let r = sandbox::SimResponse::empty(204).with_header("x-request-id", "abc");
    /// assert_eq!(r.status.as_u16(), 204);
    /// ```
    pub fn empty(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// A JSON response.
    ///
    /// ```
    /// let r = sandbox::SimResponse::json(200, &serde_json::json!({"ok": true}));
    /// assert_eq!(r.headers["content-type"], "application/json");
    /// ```
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::empty(status).with_header("content-type", "application/json").with_body(value.to_string())
    }

    /// An XML response.
    pub fn xml(status: u16, body: impl Into<String>) -> Self {
        Self::empty(status).with_header("content-type", "application/xml").with_body(body.into())
    }

    /// Sets a header (replacing an earlier value). Invalid names or values are ignored.
    pub fn with_header(mut self, name: &str, value: impl AsRef<str>) -> Self {
        if let (Ok(n), Ok(v)) = (http::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value.as_ref())) {
            self.headers.insert(n, v);
        }
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}
