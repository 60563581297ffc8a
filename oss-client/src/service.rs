//! Service-level operations on the endpoint host: ListBuckets (one page, every page as a stream, or all
//! collected). The account-level Block Public Access is in [`crate::bucket::public_access_block`].
//!
//! ```no_run
//! # async fn demo(oss: oss_client::OssClient) -> oss_client::Result<()> {
//! use futures::TryStreamExt;
//! let all = oss.list_buckets().prefix("lobe").collect_all().await?;
//! let mut stream = std::pin::pin!(oss.list_buckets().max_keys(100).into_stream());
//! while let Some(bucket) = stream.try_next().await? {
//!     println!("{} ({})", bucket.name, bucket.location);
//! }
//! # let _ = all; Ok(()) }
//! ```

use crate::bucket::Owner;
use crate::client::{OssClient, OssRequest};
use crate::error::{Error, Result};
use crate::xml::from_xml;
use futures::{Stream, TryStreamExt};
use http::Method;
use serde::Deserialize;

/// A bucket as ListBuckets reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct BucketSummary {
    /// The name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The OSS region name (`oss-cn-hangzhou`).
    #[serde(rename = "Location")]
    pub location: String,
    /// The region id (`cn-hangzhou`).
    #[serde(rename = "Region")]
    pub region: String,
    /// Creation time as reported.
    #[serde(rename = "CreationDate")]
    pub creation_date: String,
    /// Public endpoint.
    #[serde(rename = "ExtranetEndpoint")]
    pub extranet_endpoint: String,
    /// Internal endpoint.
    #[serde(rename = "IntranetEndpoint")]
    pub intranet_endpoint: String,
    /// Storage class.
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
    /// Resource group id.
    #[serde(rename = "ResourceGroupId")]
    pub resource_group_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BucketsXml {
    #[serde(rename = "Bucket")]
    buckets: Vec<BucketSummary>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListAllMyBucketsResult {
    #[serde(rename = "IsTruncated")]
    is_truncated: Option<bool>,
    #[serde(rename = "NextMarker")]
    next_marker: Option<String>,
    #[serde(rename = "Owner")]
    owner: Owner,
    #[serde(rename = "Buckets")]
    buckets: BucketsXml,
}

/// One page of ListBuckets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListBucketsPage {
    /// The buckets on this page.
    pub buckets: Vec<BucketSummary>,
    /// The owner.
    pub owner: Owner,
    /// The marker of the next page, when there is one.
    pub next_marker: Option<String>,
}

/// The ListBuckets request. See [`OssClient::list_buckets`].
#[derive(Debug, Clone)]
pub struct ListBuckets {
    client: OssClient,
    prefix: Option<String>,
    marker: Option<String>,
    max_keys: Option<u32>,
    resource_group_id: Option<String>,
}

impl OssClient {
    /// ListBuckets (GetService) on the endpoint host.
    pub fn list_buckets(&self) -> ListBuckets {
        ListBuckets { client: self.clone(), prefix: None, marker: None, max_keys: None, resource_group_id: None }
    }
}

impl ListBuckets {
    /// Only buckets whose names start with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Start after this bucket name.
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        self.marker = Some(marker.into());
        self
    }

    /// Page size, 1 to 1000 (OSS's default is 100).
    pub fn max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }

    /// Only buckets of this resource group.
    pub fn resource_group_id(mut self, id: impl Into<String>) -> Self {
        self.resource_group_id = Some(id.into());
        self
    }

    fn request(&self, marker: Option<&str>) -> Result<OssRequest> {
        const OP: &str = "ListBuckets";
        let mut request = OssRequest::new(OP, Method::GET, None, None);
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
        if let Some(id) = &self.resource_group_id {
            request = request.header("x-oss-resource-group-id", id)?;
        }
        Ok(request)
    }

    async fn page(&self, marker: Option<&str>) -> Result<ListBucketsPage> {
        let raw = self.client.execute(self.request(marker)?).await?;
        parse_list_buckets(&raw.body)
    }

    /// Sends one request: the first page (or the page after [`marker`](Self::marker)).
    pub async fn send(self) -> Result<ListBucketsPage> {
        self.page(self.marker.as_deref()).await
    }

    /// Every bucket on every page, fetched page by page as the stream is read.
    pub fn into_stream(self) -> impl Stream<Item = Result<BucketSummary>> + Send {
        let start = self.marker.clone();
        crate::pagination::marker_stream(
            "ListBuckets",
            self,
            start,
            |b: &BucketSummary| b.name.clone(),
            |this: Self, marker: Option<String>| async move {
                let page = this.page(marker.as_deref()).await?;
                Ok((this, page.buckets, page.next_marker))
            },
        )
    }

    /// Every bucket on every page.
    pub async fn collect_all(self) -> Result<Vec<BucketSummary>> {
        self.into_stream().try_collect().await
    }
}

/// Decodes one ListBuckets page.
pub(crate) fn parse_list_buckets(body: &[u8]) -> Result<ListBucketsPage> {
    let doc: ListAllMyBucketsResult = from_xml("ListBuckets", body)?;
    let next_marker = match (doc.is_truncated, doc.next_marker) {
        (Some(true), Some(m)) if !m.is_empty() => Some(m),
        (Some(true), _) => {
            return Err(Error::decode("ListBuckets", "IsTruncated is true but NextMarker is missing"));
        }
        _ => None,
    };
    Ok(ListBucketsPage { buckets: doc.buckets.buckets, owner: doc.owner, next_marker })
}
