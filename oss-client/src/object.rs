//! Object operations, reached through [`BucketHandler::object`]: PutObject, GetObject, HeadObject, DeleteObject,
//! and presigned GET/PUT URLs (see [`crate::presign`]).
//!
//! ```no_run
//! # async fn demo(oss: oss_client::OssClient) -> oss_client::Result<()> {
//! let object = oss.bucket("lobechat-assets").object("avatars/a b.png");
//! let put = object.put(b"\x89PNG...".to_vec()).content_type("image/png").send().await?;
//! println!("etag {}", put.etag);
//! let got = object.get().send().await?;
//! assert_eq!(got.body.as_ref(), b"\x89PNG...");
//! object.delete().send().await?;
//! # Ok(()) }
//! ```

use crate::bucket::BucketHandler;
use crate::client::OssRequest;
use crate::endpoint::validate_object_key;
use crate::error::Result;
use bytes::Bytes;
use cloud_http::RawResponse;
use http::Method;
use std::collections::BTreeMap;

/// A canned object ACL (`x-oss-object-acl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectAcl {
    /// Inherit the bucket's ACL.
    Default,
    /// Private.
    Private,
    /// Public read.
    PublicRead,
    /// Public read and write.
    PublicReadWrite,
}

impl ObjectAcl {
    /// The wire form.
    ///
    /// ```
    /// assert_eq!(oss_client::object::ObjectAcl::Default.as_str(), "default");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectAcl::Default => "default",
            ObjectAcl::Private => "private",
            ObjectAcl::PublicRead => "public-read",
            ObjectAcl::PublicReadWrite => "public-read-write",
        }
    }
}

/// The handle on one object.
#[derive(Debug, Clone)]
pub struct ObjectHandler {
    pub(crate) bucket: BucketHandler,
    pub(crate) key: String,
}

impl ObjectHandler {
    /// The object key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The bucket.
    pub fn bucket(&self) -> &BucketHandler {
        &self.bucket
    }

    pub(crate) fn request(&self, operation: &'static str, method: Method) -> Result<OssRequest> {
        crate::endpoint::validate_bucket_name(operation, &self.bucket.name)?;
        validate_object_key(operation, &self.key)?;
        Ok(OssRequest::new(operation, method, Some(&self.bucket.name), Some(&self.key)))
    }

    /// PutObject with this body.
    pub fn put(&self, body: impl Into<Bytes>) -> PutObject {
        PutObject {
            object: self.clone(),
            body: body.into(),
            content_type: None,
            cache_control: None,
            content_disposition: None,
            acl: None,
            forbid_overwrite: false,
            metadata: BTreeMap::new(),
        }
    }

    /// GetObject.
    pub fn get(&self) -> GetObject {
        GetObject { object: self.clone() }
    }

    /// HeadObject (errors come from the status and headers: a HEAD answer has no body).
    pub fn head(&self) -> HeadObject {
        HeadObject { object: self.clone() }
    }

    /// DeleteObject (succeeds also when the key does not exist).
    pub fn delete(&self) -> DeleteObject {
        DeleteObject { object: self.clone() }
    }
}

/// The PutObject request.
#[derive(Debug, Clone)]
pub struct PutObject {
    object: ObjectHandler,
    body: Bytes,
    content_type: Option<String>,
    cache_control: Option<String>,
    content_disposition: Option<String>,
    acl: Option<ObjectAcl>,
    forbid_overwrite: bool,
    metadata: BTreeMap<String, String>,
}

/// What PutObject returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutObjectOutput {
    /// The ETag (with its quotes, as OSS sends it).
    pub etag: String,
    /// The request id.
    pub request_id: Option<String>,
}

impl PutObject {
    /// `Content-Type`.
    pub fn content_type(mut self, value: impl Into<String>) -> Self {
        self.content_type = Some(value.into());
        self
    }

    /// `Cache-Control`.
    pub fn cache_control(mut self, value: impl Into<String>) -> Self {
        self.cache_control = Some(value.into());
        self
    }

    /// `Content-Disposition`.
    pub fn content_disposition(mut self, value: impl Into<String>) -> Self {
        self.content_disposition = Some(value.into());
        self
    }

    /// `x-oss-object-acl`.
    pub fn acl(mut self, acl: ObjectAcl) -> Self {
        self.acl = Some(acl);
        self
    }

    /// `x-oss-forbid-overwrite: true`: fail if the key exists.
    pub fn forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }

    /// User metadata, sent as `x-oss-meta-<name>`.
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(name.into().to_ascii_lowercase(), value.into());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<PutObjectOutput> {
        const OP: &str = "PutObject";
        let mut request = self.object.request(OP, Method::PUT)?;
        for (name, value) in [
            ("content-type", &self.content_type),
            ("cache-control", &self.cache_control),
            ("content-disposition", &self.content_disposition),
        ] {
            if let Some(v) = value {
                request = request.header(name, v)?;
            }
        }
        if let Some(acl) = self.acl {
            request = request.header("x-oss-object-acl", acl.as_str())?;
        }
        if self.forbid_overwrite {
            request = request.header("x-oss-forbid-overwrite", "true")?;
        }
        for (name, value) in &self.metadata {
            request = request.header(&format!("x-oss-meta-{name}"), value)?;
        }
        request.body = self.body;
        let raw = self.object.bucket.client.execute(request).await?;
        Ok(PutObjectOutput {
            etag: raw.header("etag").unwrap_or_default().to_string(),
            request_id: raw.header("x-oss-request-id").map(str::to_string),
        })
    }
}

/// An object's metadata, from the response headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMetadata {
    /// `Content-Length`.
    pub content_length: u64,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `x-oss-meta-*` values, by name without the prefix.
    pub metadata: BTreeMap<String, String>,
}

impl ObjectMetadata {
    fn from_headers(raw: &RawResponse, body_len: Option<usize>) -> Self {
        let metadata = raw
            .headers
            .iter()
            .filter_map(|(name, value)| {
                let short = name.as_str().strip_prefix("x-oss-meta-")?;
                Some((short.to_string(), value.to_str().ok()?.to_string()))
            })
            .collect();
        let content_length = raw
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .or(body_len.map(|n| n as u64))
            .unwrap_or_default();
        Self {
            content_length,
            content_type: raw.header("content-type").map(str::to_string),
            etag: raw.header("etag").map(str::to_string),
            last_modified: raw.header("last-modified").map(str::to_string),
            metadata,
        }
    }
}

/// What GetObject returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectContent {
    /// The bytes.
    pub body: Bytes,
    /// The metadata.
    pub metadata: ObjectMetadata,
}

/// The GetObject request.
#[derive(Debug, Clone)]
pub struct GetObject {
    object: ObjectHandler,
}

impl GetObject {
    /// Sends the request.
    pub async fn send(self) -> Result<ObjectContent> {
        let request = self.object.request("GetObject", Method::GET)?;
        let raw = self.object.bucket.client.execute(request).await?;
        let metadata = ObjectMetadata::from_headers(&raw, Some(raw.body.len()));
        Ok(ObjectContent { body: raw.body, metadata })
    }
}

/// The HeadObject request.
#[derive(Debug, Clone)]
pub struct HeadObject {
    object: ObjectHandler,
}

impl HeadObject {
    /// Sends the request.
    pub async fn send(self) -> Result<ObjectMetadata> {
        let request = self.object.request("HeadObject", Method::HEAD)?;
        let raw = self.object.bucket.client.execute(request).await?;
        Ok(ObjectMetadata::from_headers(&raw, None))
    }
}

/// The DeleteObject request.
#[derive(Debug, Clone)]
pub struct DeleteObject {
    object: ObjectHandler,
}

impl DeleteObject {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let request = self.object.request("DeleteObject", Method::DELETE)?;
        self.object.bucket.client.execute(request).await.map(|_| ())
    }
}
