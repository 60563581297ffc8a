//! ListObjects (`GET /` on the bucket host): the objects of a bucket, one page, every page as a stream, or all
//! collected — for example to empty a bucket before DeleteBucket.
//!
//! ```no_run
//! # async fn demo(oss: oss_client::OssClient) -> oss_client::Result<()> {
//! let bucket = oss.bucket("lobechat-assets");
//! for object in bucket.list_objects().prefix("files/").collect_all().await? {
//!     bucket.object(object.key).delete().send().await?;
//! }
//! # Ok(()) }
//! ```

use super::{BucketHandler, Owner};
use crate::error::{Error, Result};
use crate::xml::from_xml;
use futures::{Stream, TryStreamExt};
use http::Method;
use serde::Deserialize;

/// An object as ListObjects reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ObjectSummary {
    /// The key.
    #[serde(rename = "Key")]
    pub key: String,
    /// Last modification time as reported (ISO 8601).
    #[serde(rename = "LastModified")]
    pub last_modified: String,
    /// The ETag.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// The size in bytes.
    #[serde(rename = "Size")]
    pub size: u64,
    /// The storage class.
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
    /// The owner.
    #[serde(rename = "Owner")]
    pub owner: Owner,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListBucketResult {
    #[serde(rename = "IsTruncated")]
    is_truncated: Option<bool>,
    #[serde(rename = "NextMarker")]
    next_marker: Option<String>,
    #[serde(rename = "Contents")]
    contents: Vec<ObjectSummary>,
}

/// One page of ListObjects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListObjectsPage {
    /// The objects on this page.
    pub objects: Vec<ObjectSummary>,
    /// The marker of the next page, when there is one.
    pub next_marker: Option<String>,
}

/// The ListObjects request. See [`BucketHandler::list_objects`].
#[derive(Debug, Clone)]
pub struct ListObjects {
    bucket: BucketHandler,
    prefix: Option<String>,
    marker: Option<String>,
    max_keys: Option<u32>,
}

impl BucketHandler {
    /// ListObjects.
    pub fn list_objects(&self) -> ListObjects {
        ListObjects { bucket: self.clone(), prefix: None, marker: None, max_keys: None }
    }
}

impl ListObjects {
    /// Only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Start after this key.
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        self.marker = Some(marker.into());
        self
    }

    /// Page size, 1 to 1000 (OSS's default is 100).
    pub fn max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }

    async fn page(&self, marker: Option<&str>) -> Result<ListObjectsPage> {
        const OP: &str = "ListObjects";
        let mut request = self.bucket.request(OP, Method::GET)?;
        if let Some(n) = self.max_keys {
            if !(1..=1000).contains(&n) {
                return Err(Error::invalid_input(OP, format!("max-keys must be 1 to 1000, not {n}")));
            }
            request = request.query("max-keys", n.to_string());
        }
        if let Some(p) = &self.prefix {
            request = request.query("prefix", p.clone());
        }
        if let Some(m) = marker {
            request = request.query("marker", m);
        }
        let raw = self.bucket.client.execute(request).await?;
        let doc: ListBucketResult = from_xml(OP, &raw.body)?;
        let next_marker = match (doc.is_truncated, doc.next_marker) {
            (Some(true), Some(m)) if !m.is_empty() => Some(m),
            (Some(true), _) => return Err(Error::decode(OP, "IsTruncated is true but NextMarker is missing")),
            _ => None,
        };
        Ok(ListObjectsPage { objects: doc.contents, next_marker })
    }

    /// Sends one request: the first page (or the page after [`marker`](Self::marker)).
    pub async fn send(self) -> Result<ListObjectsPage> {
        self.page(self.marker.as_deref()).await
    }

    /// Every object on every page, fetched page by page as the stream is read.
    pub fn into_stream(self) -> impl Stream<Item = Result<ObjectSummary>> + Send {
        let start = self.marker.clone();
        crate::pagination::marker_stream(
            "ListObjects",
            self,
            start,
            |o: &ObjectSummary| o.key.clone(),
            |this: Self, marker: Option<String>| async move {
                let page = this.page(marker.as_deref()).await?;
                Ok((this, page.objects, page.next_marker))
            },
        )
    }

    /// Every object on every page.
    pub async fn collect_all(self) -> Result<Vec<ObjectSummary>> {
        self.into_stream().try_collect().await
    }
}
