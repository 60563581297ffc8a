//! Presigned GET and PUT URLs, signed with the client's signature version: V4 (`x-oss-signature`, at most 7
//! days) or V1 (`Signature` + `Expires`). An STS token goes into the URL too.
//!
//! ```
//! use oss_client::{Credentials, OssClient};
//! use std::time::Duration;
//! let oss = OssClient::builder().credentials(Credentials::new("ak", "sk")).region("cn-hangzhou").build().unwrap();
//! let get = oss.bucket("lobechat-assets").object("a.png").presign_get(Duration::from_secs(600)).build().unwrap();
//! assert!(get.url.as_str().starts_with("https://lobechat-assets.oss-cn-hangzhou.aliyuncs.com/a.png?"));
//! assert!(get.url.as_str().contains("x-oss-expires=600"));
//! let too_long = oss.bucket("lobechat-assets").object("a.png").presign_put(Duration::from_secs(8 * 86_400)).build();
//! assert!(too_long.is_err());
//! ```

use crate::error::{Error, Result};
use crate::object::ObjectHandler;
use crate::signing::{SignableRequest, SignatureVersion, v1};
use http::{HeaderMap, HeaderValue, Method};
use std::time::Duration;
use url::Url;

/// A presigned request: the method, the URL and the headers the holder must send as signed (for a PUT, its
/// `Content-Type`).
#[derive(Clone)]
pub struct PresignedRequest {
    /// The method.
    pub method: Method,
    /// The URL, signature included.
    pub url: Url,
    /// Headers that were signed and must be sent.
    pub headers: HeaderMap,
}

impl std::fmt::Debug for PresignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresignedRequest")
            .field("method", &self.method)
            .field("url", &cloud_http::redact::redact_url(&self.url))
            .field("headers", &self.headers)
            .finish()
    }
}

/// A presigning request; see [`ObjectHandler::presign_get`] and [`ObjectHandler::presign_put`].
#[derive(Debug, Clone)]
pub struct Presign {
    object: ObjectHandler,
    method: Method,
    expires_in: Duration,
    content_type: Option<String>,
}

impl ObjectHandler {
    /// A presigned GET valid for `expires_in`.
    pub fn presign_get(&self, expires_in: Duration) -> Presign {
        Presign { object: self.clone(), method: Method::GET, expires_in, content_type: None }
    }

    /// A presigned PUT valid for `expires_in`.
    pub fn presign_put(&self, expires_in: Duration) -> Presign {
        Presign { object: self.clone(), method: Method::PUT, expires_in, content_type: None }
    }
}

impl Presign {
    /// The `Content-Type` the upload must carry (signed).
    pub fn content_type(mut self, value: impl Into<String>) -> Self {
        self.content_type = Some(value.into());
        self
    }

    /// Signs and returns the request; nothing is sent.
    pub fn build(self) -> Result<PresignedRequest> {
        let op: &'static str = if self.method == Method::PUT { "PresignPutObject" } else { "PresignGetObject" };
        let request = self.object.request(op, self.method.clone())?;
        let client = &self.object.bucket.client;
        if self.expires_in.is_zero() {
            return Err(Error::invalid_input(op, "a presigned URL must be valid for at least one second"));
        }
        let mut signable = SignableRequest::new(self.method.clone(), request.bucket.as_deref(), request.key.as_deref());
        if let Some(ct) = &self.content_type {
            signable.insert_header("content-type", ct).map_err(|e| Error::invalid_input(op, e.to_string()))?;
        }
        let now = client.now();
        let inner = &client.inner;
        let signed = match inner.signature_version {
            SignatureVersion::V4 => {
                inner.v4.presign(&mut signable, &inner.credentials, now, self.expires_in, &[]).map(|_| ())
            }
            SignatureVersion::V1 => {
                let secs = i64::try_from(self.expires_in.as_secs()).unwrap_or(i64::MAX);
                let expires = now + chrono::Duration::seconds(secs.min(10 * 365 * 86_400));
                v1::presign(&mut signable, &inner.credentials, expires).map(|_| ())
            }
        };
        signed.map_err(|e| Error::invalid_input(op, e.to_string()))?;
        let url = inner.endpoint.logical_url(signable.bucket.as_deref(), signable.key.as_deref(), &signable.query)?;
        let mut headers = HeaderMap::new();
        if let Some(ct) = self.content_type.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
            headers.insert(http::header::CONTENT_TYPE, ct);
        }
        Ok(PresignedRequest { method: self.method, url, headers })
    }
}
