//! PutBucketAcl and GetBucketAcl.
//!
//! ```
//! use oss_client::bucket::Acl;
//! assert_eq!(Acl::PublicRead.as_str(), "public-read");
//! assert_eq!("private".parse::<Acl>().unwrap(), Acl::Private);
//! assert!("public".parse::<Acl>().is_err());
//! ```

use super::{BucketHandler, Owner};
use crate::error::{Error, Result};
use crate::xml::from_xml;
use http::Method;
use serde::Deserialize;
use std::str::FromStr;

/// A canned bucket ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Acl {
    /// Only the owner (and authorised RAM users) may read or write.
    Private,
    /// Anyone may read; only the owner may write.
    PublicRead,
    /// Anyone may read and write.
    PublicReadWrite,
}

impl Acl {
    /// The wire form: `private`, `public-read`, `public-read-write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Acl::Private => "private",
            Acl::PublicRead => "public-read",
            Acl::PublicReadWrite => "public-read-write",
        }
    }

    /// Whether the ACL grants anonymous access.
    pub fn is_public(self) -> bool {
        self != Acl::Private
    }
}

impl FromStr for Acl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "private" => Ok(Acl::Private),
            "public-read" => Ok(Acl::PublicRead),
            "public-read-write" => Ok(Acl::PublicReadWrite),
            other => Err(Error::invalid_input("ParseAcl", format!("unknown ACL `{other}`"))),
        }
    }
}

impl std::fmt::Display for Acl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What GetBucketAcl reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessControlPolicy {
    /// The owner.
    pub owner: Owner,
    /// The ACL.
    pub acl: Acl,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AclListXml {
    #[serde(rename = "Grant")]
    grant: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AccessControlPolicyXml {
    #[serde(rename = "Owner")]
    owner: Owner,
    #[serde(rename = "AccessControlList")]
    list: AclListXml,
}

impl BucketHandler {
    /// PutBucketAcl (`PUT /?acl` with `x-oss-acl`). A public ACL fails with
    /// [`ErrorKind::PublicAclBlocked`](crate::ErrorKind::PublicAclBlocked) while Block Public Access is on.
    pub fn put_acl(&self, acl: Acl) -> PutBucketAcl {
        PutBucketAcl { bucket: self.clone(), acl }
    }

    /// GetBucketAcl.
    pub fn get_acl(&self) -> GetBucketAcl {
        GetBucketAcl { bucket: self.clone() }
    }
}

/// The PutBucketAcl request.
#[derive(Debug, Clone)]
pub struct PutBucketAcl {
    bucket: BucketHandler,
    acl: Acl,
}

impl PutBucketAcl {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        const OP: &str = "PutBucketAcl";
        let request =
            self.bucket.request(OP, Method::PUT)?.sub_resource("acl").header("x-oss-acl", self.acl.as_str())?;
        self.bucket.client.execute(request).await.map(|_| ())
    }
}

/// The GetBucketAcl request.
#[derive(Debug, Clone)]
pub struct GetBucketAcl {
    bucket: BucketHandler,
}

impl GetBucketAcl {
    /// Sends the request.
    pub async fn send(self) -> Result<AccessControlPolicy> {
        const OP: &str = "GetBucketAcl";
        let request = self.bucket.request(OP, Method::GET)?.sub_resource("acl");
        let raw = self.bucket.client.execute(request).await?;
        parse_acl(&raw.body)
    }
}

/// Decodes a GetBucketAcl answer.
pub(crate) fn parse_acl(body: &[u8]) -> Result<AccessControlPolicy> {
    const OP: &str = "GetBucketAcl";
    let doc: AccessControlPolicyXml = from_xml(OP, body)?;
    let acl =
        doc.list.grant.parse().map_err(|_| Error::decode(OP, format!("unknown ACL grant `{}`", doc.list.grant)))?;
    Ok(AccessControlPolicy { owner: doc.owner, acl })
}
