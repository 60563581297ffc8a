//! Block Public Access, at bucket level ([`BucketHandler::put_public_access_block`], on the bucket host) and at
//! account level ([`OssClient::put_public_access_block`], on the endpoint host). The account setting overrides
//! the bucket's: with the account's BPA on, public ACLs stay blocked whatever the bucket says.
//!
//! New buckets have BPA on, so making a bucket public-read takes: PutBucket (private) →
//! `put_public_access_block(false)` → `put_acl(Acl::PublicRead)`.
//!
//! ```no_run
//! # async fn demo(oss: oss_client::OssClient) -> oss_client::Result<()> {
//! if oss.get_public_access_block().send().await? {
//!     println!("the account blocks public access; public-read buckets are impossible until it is turned off");
//! }
//! oss.bucket("lobechat-assets").put_public_access_block(false).send().await?;
//! # Ok(()) }
//! ```

use super::BucketHandler;
use crate::client::{OssClient, OssRequest};
use crate::error::Result;
use crate::xml::{from_xml, to_xml};
use http::Method;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename = "PublicAccessBlockConfiguration")]
struct PublicAccessBlockConfiguration {
    #[serde(rename = "BlockPublicAccess", default)]
    block_public_access: bool,
}

#[derive(Debug, Clone)]
enum Scope {
    Account(OssClient),
    Bucket(BucketHandler),
}

impl Scope {
    fn client(&self) -> &OssClient {
        match self {
            Scope::Account(c) => c,
            Scope::Bucket(b) => &b.client,
        }
    }

    fn request(&self, account_op: &'static str, bucket_op: &'static str, method: Method) -> Result<OssRequest> {
        let request = match self {
            Scope::Account(_) => OssRequest::new(account_op, method, None, None),
            Scope::Bucket(b) => b.request(bucket_op, method)?,
        };
        Ok(request.sub_resource("publicAccessBlock"))
    }
}

impl BucketHandler {
    /// PutBucketPublicAccessBlock: `false` allows public ACLs on this bucket (unless the account blocks them).
    pub fn put_public_access_block(&self, block: bool) -> PutPublicAccessBlock {
        PutPublicAccessBlock { scope: Scope::Bucket(self.clone()), block }
    }

    /// GetBucketPublicAccessBlock: whether BPA is on for the bucket.
    pub fn get_public_access_block(&self) -> GetPublicAccessBlock {
        GetPublicAccessBlock { scope: Scope::Bucket(self.clone()) }
    }

    /// DeleteBucketPublicAccessBlock: removes the bucket's setting.
    pub fn delete_public_access_block(&self) -> DeletePublicAccessBlock {
        DeletePublicAccessBlock { scope: Scope::Bucket(self.clone()) }
    }
}

impl OssClient {
    /// PutPublicAccessBlock for the whole account.
    pub fn put_public_access_block(&self, block: bool) -> PutPublicAccessBlock {
        PutPublicAccessBlock { scope: Scope::Account(self.clone()), block }
    }

    /// GetPublicAccessBlock for the whole account.
    pub fn get_public_access_block(&self) -> GetPublicAccessBlock {
        GetPublicAccessBlock { scope: Scope::Account(self.clone()) }
    }

    /// DeletePublicAccessBlock for the whole account.
    pub fn delete_public_access_block(&self) -> DeletePublicAccessBlock {
        DeletePublicAccessBlock { scope: Scope::Account(self.clone()) }
    }
}

/// The Put(Bucket)PublicAccessBlock request.
#[derive(Debug, Clone)]
pub struct PutPublicAccessBlock {
    scope: Scope,
    block: bool,
}

impl PutPublicAccessBlock {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let request = self.scope.request("PutPublicAccessBlock", "PutBucketPublicAccessBlock", Method::PUT)?;
        let xml = to_xml(request.operation, &PublicAccessBlockConfiguration { block_public_access: self.block })?;
        let request = request.xml_body(xml)?;
        self.scope.client().execute(request).await.map(|_| ())
    }
}

/// The Get(Bucket)PublicAccessBlock request.
#[derive(Debug, Clone)]
pub struct GetPublicAccessBlock {
    scope: Scope,
}

impl GetPublicAccessBlock {
    /// Sends the request; `true` when public access is blocked.
    pub async fn send(self) -> Result<bool> {
        let request = self.scope.request("GetPublicAccessBlock", "GetBucketPublicAccessBlock", Method::GET)?;
        let op = request.operation;
        let raw = self.scope.client().execute(request).await?;
        let doc: PublicAccessBlockConfiguration = from_xml(op, &raw.body)?;
        Ok(doc.block_public_access)
    }
}

/// The Delete(Bucket)PublicAccessBlock request.
#[derive(Debug, Clone)]
pub struct DeletePublicAccessBlock {
    scope: Scope,
}

impl DeletePublicAccessBlock {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let request = self.scope.request("DeletePublicAccessBlock", "DeleteBucketPublicAccessBlock", Method::DELETE)?;
        self.scope.client().execute(request).await.map(|_| ())
    }
}
