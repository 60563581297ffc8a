//! Bucket operations, reached through [`OssClient::bucket`]: create, inspect, delete, and the ACL, CORS and Block
//! Public Access sub-resources.
//!
//! ```no_run
//! # async fn demo(oss: oss_client::OssClient) -> oss_client::Result<()> {
//! use oss_client::bucket::{Acl, StorageClass};
//! let bucket = oss.bucket("lobechat-assets");
//! bucket.create().storage_class(StorageClass::Standard).send().await?;
//! bucket.put_public_access_block(false).send().await?;
//! bucket.put_acl(Acl::PublicRead).send().await?;
//! let info = bucket.info().send().await?;
//! println!("{} in {}", info.name, info.location);
//! # Ok(()) }
//! ```

pub mod acl;
pub mod cors;
pub mod delete_objects;
pub mod objects;
pub mod public_access_block;

pub use acl::{AccessControlPolicy, Acl};
pub use cors::{CorsConfiguration, CorsMethod, CorsRule};
pub use delete_objects::{DeleteError, DeleteObjectsResult};
pub use objects::{ListObjectsPage, ObjectSummary};

use crate::client::{OssClient, OssRequest};
use crate::endpoint::validate_bucket_name;
use crate::error::{Error, Result};
use crate::object::ObjectHandler;
use crate::xml::{from_xml, to_xml};
use http::Method;
use serde::{Deserialize, Serialize};

/// The handle on one bucket. Creating it sends nothing; the name is checked when a request is sent.
#[derive(Debug, Clone)]
pub struct BucketHandler {
    pub(crate) client: OssClient,
    pub(crate) name: String,
}

impl OssClient {
    /// The handle on bucket `name`.
    ///
    /// ```
    /// # let oss = oss_client::OssClient::builder().credentials(oss_client::Credentials::new("ak", "sk")).region("cn-hangzhou").build().unwrap();
    /// assert_eq!(oss.bucket("lobechat-assets").name(), "lobechat-assets");
    /// ```
    pub fn bucket(&self, name: impl Into<String>) -> BucketHandler {
        BucketHandler { client: self.clone(), name: name.into() }
    }
}

impl BucketHandler {
    /// The bucket name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn request(&self, operation: &'static str, method: Method) -> Result<OssRequest> {
        validate_bucket_name(operation, &self.name)?;
        Ok(OssRequest::new(operation, method, Some(&self.name), None))
    }

    /// PutBucket: creates the bucket (private unless [`PutBucket::acl`] says otherwise). On a name the
    /// account already owns, OSS updates the bucket and answers 200; a name held by another account fails with
    /// [`ErrorKind::BucketAlreadyExists`](crate::ErrorKind::BucketAlreadyExists).
    pub fn create(&self) -> PutBucket {
        PutBucket { bucket: self.clone(), storage_class: None, redundancy: None, acl: None, resource_group_id: None }
    }

    /// GetBucketInfo.
    pub fn info(&self) -> GetBucketInfo {
        GetBucketInfo { bucket: self.clone() }
    }

    /// GetBucketLocation: the OSS region name, such as `oss-cn-hangzhou`.
    pub fn location(&self) -> GetBucketLocation {
        GetBucketLocation { bucket: self.clone() }
    }

    /// DeleteBucket; fails with [`ErrorKind::BucketNotEmpty`](crate::ErrorKind::BucketNotEmpty) while objects
    /// remain.
    pub fn delete(&self) -> DeleteBucket {
        DeleteBucket { bucket: self.clone() }
    }

    /// The handle on object `key` of this bucket.
    pub fn object(&self, key: impl Into<String>) -> ObjectHandler {
        ObjectHandler { bucket: self.clone(), key: key.into() }
    }
}

/// A storage class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StorageClass {
    /// Standard.
    Standard,
    /// Infrequent access.
    #[serde(rename = "IA")]
    InfrequentAccess,
    /// Archive.
    Archive,
    /// Cold archive.
    ColdArchive,
    /// Deep cold archive.
    DeepColdArchive,
}

/// A data redundancy type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataRedundancyType {
    /// Locally redundant.
    #[serde(rename = "LRS")]
    Local,
    /// Zone-redundant.
    #[serde(rename = "ZRS")]
    Zone,
}

#[derive(Debug, Serialize)]
#[serde(rename = "CreateBucketConfiguration")]
struct CreateBucketConfiguration {
    #[serde(rename = "StorageClass", skip_serializing_if = "Option::is_none")]
    storage_class: Option<StorageClass>,
    #[serde(rename = "DataRedundancyType", skip_serializing_if = "Option::is_none")]
    redundancy: Option<DataRedundancyType>,
}

/// The PutBucket request. See [`BucketHandler::create`].
#[derive(Debug, Clone)]
pub struct PutBucket {
    bucket: BucketHandler,
    storage_class: Option<StorageClass>,
    redundancy: Option<DataRedundancyType>,
    acl: Option<Acl>,
    resource_group_id: Option<String>,
}

impl PutBucket {
    /// The storage class (default Standard).
    pub fn storage_class(mut self, class: StorageClass) -> Self {
        self.storage_class = Some(class);
        self
    }

    /// The redundancy type (default LRS).
    pub fn redundancy(mut self, redundancy: DataRedundancyType) -> Self {
        self.redundancy = Some(redundancy);
        self
    }

    /// An ACL to create the bucket with (`x-oss-acl`). New buckets have Block Public Access on, so a public ACL
    /// here fails; create private, turn BPA off, then call [`BucketHandler::put_acl`].
    pub fn acl(mut self, acl: Acl) -> Self {
        self.acl = Some(acl);
        self
    }

    /// The resource group (`x-oss-resource-group-id`).
    pub fn resource_group_id(mut self, id: impl Into<String>) -> Self {
        self.resource_group_id = Some(id.into());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        const OP: &str = "PutBucket";
        let mut request = self.bucket.request(OP, Method::PUT)?;
        if let Some(acl) = self.acl {
            request = request.header("x-oss-acl", acl.as_str())?;
        }
        if let Some(id) = &self.resource_group_id {
            request = request.header("x-oss-resource-group-id", id)?;
        }
        if self.storage_class.is_some() || self.redundancy.is_some() {
            let config = CreateBucketConfiguration { storage_class: self.storage_class, redundancy: self.redundancy };
            request = request.xml_body(to_xml(OP, &config)?)?;
        }
        self.bucket.client.execute(request).await.map(|_| ())
    }
}

/// An owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Owner {
    /// The owner's account id.
    #[serde(rename = "ID")]
    pub id: String,
    /// The display name.
    #[serde(rename = "DisplayName")]
    pub display_name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Grant {
    #[serde(rename = "Grant")]
    grant: String,
}

/// What GetBucketInfo reports. Unknown elements are ignored; missing ones are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketInfo {
    /// The name.
    pub name: String,
    /// The OSS region name (`oss-cn-hangzhou`).
    pub location: String,
    /// Creation time as OSS reports it (ISO 8601).
    pub creation_date: String,
    /// Public endpoint (`oss-cn-hangzhou.aliyuncs.com`).
    pub extranet_endpoint: String,
    /// Internal endpoint.
    pub intranet_endpoint: String,
    /// Storage class (`Standard`, `IA`, …).
    pub storage_class: String,
    /// Redundancy type (`LRS`, `ZRS`).
    pub data_redundancy_type: String,
    /// The owner.
    pub owner: Owner,
    /// The ACL.
    pub acl: Option<Acl>,
    /// Whether Block Public Access is on for the bucket.
    pub block_public_access: Option<bool>,
    /// Resource group id.
    pub resource_group_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BucketInfoXml {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Location")]
    location: String,
    #[serde(rename = "CreationDate")]
    creation_date: String,
    #[serde(rename = "ExtranetEndpoint")]
    extranet_endpoint: String,
    #[serde(rename = "IntranetEndpoint")]
    intranet_endpoint: String,
    #[serde(rename = "StorageClass")]
    storage_class: String,
    #[serde(rename = "DataRedundancyType")]
    data_redundancy_type: String,
    #[serde(rename = "Owner")]
    owner: Owner,
    #[serde(rename = "AccessControlList")]
    acl: Grant,
    #[serde(rename = "BlockPublicAccess")]
    block_public_access: Option<bool>,
    #[serde(rename = "ResourceGroupId")]
    resource_group_id: String,
}

#[derive(Debug, Deserialize)]
struct BucketInfoDoc {
    #[serde(rename = "Bucket")]
    bucket: BucketInfoXml,
}

/// The GetBucketInfo request. See [`BucketHandler::info`].
#[derive(Debug, Clone)]
pub struct GetBucketInfo {
    bucket: BucketHandler,
}

impl GetBucketInfo {
    /// Sends the request.
    pub async fn send(self) -> Result<BucketInfo> {
        const OP: &str = "GetBucketInfo";
        let request = self.bucket.request(OP, Method::GET)?.sub_resource("bucketInfo");
        let raw = self.bucket.client.execute(request).await?;
        parse_bucket_info(&raw.body)
    }
}

/// Decodes a GetBucketInfo answer.
pub(crate) fn parse_bucket_info(body: &[u8]) -> Result<BucketInfo> {
    const OP: &str = "GetBucketInfo";
    let doc: BucketInfoDoc = from_xml(OP, body)?;
    let b = doc.bucket;
    Ok(BucketInfo {
        name: b.name,
        location: b.location,
        creation_date: b.creation_date,
        extranet_endpoint: b.extranet_endpoint,
        intranet_endpoint: b.intranet_endpoint,
        storage_class: b.storage_class,
        data_redundancy_type: b.data_redundancy_type,
        owner: b.owner,
        acl: b.acl.grant.parse().ok(),
        block_public_access: b.block_public_access,
        resource_group_id: b.resource_group_id,
    })
}

#[derive(Debug, Deserialize)]
struct LocationConstraint {
    #[serde(rename = "$text", default)]
    value: String,
}

/// The GetBucketLocation request. See [`BucketHandler::location`].
#[derive(Debug, Clone)]
pub struct GetBucketLocation {
    bucket: BucketHandler,
}

impl GetBucketLocation {
    /// Sends the request; returns the OSS region name (`oss-cn-hangzhou`).
    pub async fn send(self) -> Result<String> {
        const OP: &str = "GetBucketLocation";
        let request = self.bucket.request(OP, Method::GET)?.sub_resource("location");
        let raw = self.bucket.client.execute(request).await?;
        let doc: LocationConstraint = from_xml(OP, &raw.body)?;
        if doc.value.is_empty() {
            return Err(Error::decode(OP, "empty LocationConstraint"));
        }
        Ok(doc.value)
    }
}

/// The DeleteBucket request. See [`BucketHandler::delete`].
#[derive(Debug, Clone)]
pub struct DeleteBucket {
    bucket: BucketHandler,
}

impl DeleteBucket {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let request = self.bucket.request("DeleteBucket", Method::DELETE)?;
        self.bucket.client.execute(request).await.map(|_| ())
    }
}
