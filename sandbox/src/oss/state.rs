//! What the OSS simulator holds: buckets, their configuration and objects, and the account-level knobs.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use std::collections::{BTreeMap, BTreeSet};

/// An object held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimObject {
    /// The bytes.
    pub body: Bytes,
    /// `Content-Type` (default `application/octet-stream`).
    pub content_type: String,
    /// The quoted upper-case MD5, as OSS reports ETags.
    pub etag: String,
    /// When it was written.
    pub last_modified: DateTime<Utc>,
    /// `x-oss-meta-*` values.
    pub metadata: BTreeMap<String, String>,
    /// The object ACL (`default`, `private`, `public-read`, `public-read-write`).
    pub acl: String,
    /// `Cache-Control`, if given.
    pub cache_control: Option<String>,
    /// `Content-Disposition`, if given.
    pub content_disposition: Option<String>,
}

/// One CORS rule as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimCorsRule {
    /// Allowed origins (may contain one `*`).
    pub allowed_origins: Vec<String>,
    /// Allowed methods, upper case.
    pub allowed_methods: Vec<String>,
    /// Allowed headers (may contain one `*`).
    pub allowed_headers: Vec<String>,
    /// Exposed headers.
    pub expose_headers: Vec<String>,
    /// Preflight cache time.
    pub max_age_seconds: Option<u32>,
}

/// A bucket's CORS configuration as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimCors {
    /// The rules, first match wins.
    pub rules: Vec<SimCorsRule>,
    /// `ResponseVary`.
    pub response_vary: bool,
}

/// A bucket held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimBucket {
    /// The name.
    pub name: String,
    /// The owning account id.
    pub owner: String,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Storage class (`Standard`, `IA`, …).
    pub storage_class: String,
    /// Redundancy (`LRS`, `ZRS`).
    pub redundancy: String,
    /// The ACL (`private`, `public-read`, `public-read-write`).
    pub acl: String,
    /// Bucket-level Block Public Access (on for new buckets).
    pub block_public_access: bool,
    /// The CORS configuration, if any.
    pub cors: Option<SimCors>,
    /// Objects by key.
    pub objects: BTreeMap<String, SimObject>,
    /// Resource group id.
    pub resource_group_id: String,
}

/// Everything behind the simulator's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OssState {
    pub(crate) buckets: BTreeMap<String, SimBucket>,
    pub(crate) foreign: BTreeSet<String>,
    pub(crate) account_block_public_access: Option<bool>,
    pub(crate) v1_allowed: bool,
    /// An account that activated OSS after 2025-03-20 (field-truth §2.2).
    pub(crate) new_account: bool,
}

impl OssState {
    pub(crate) fn new() -> Self {
        Self {
            buckets: BTreeMap::new(),
            foreign: BTreeSet::new(),
            account_block_public_access: None,
            v1_allowed: false,
            new_account: false,
        }
    }

    /// Account-level BPA overrides the bucket's (aliyun-oss-ram.md §0.2).
    pub(crate) fn effective_bpa(&self, bucket: &SimBucket) -> bool {
        self.account_block_public_access.unwrap_or(false) || bucket.block_public_access
    }
}

pub(crate) fn new_bucket(name: &str, owner: &str, now: DateTime<Utc>) -> SimBucket {
    SimBucket {
        name: name.to_string(),
        owner: owner.to_string(),
        created: now,
        storage_class: "Standard".into(),
        redundancy: "LRS".into(),
        acl: "private".into(),
        block_public_access: true,
        cors: None,
        objects: BTreeMap::new(),
        resource_group_id: "rg-default".into(),
    }
}

pub(crate) fn new_object(body: Bytes, content_type: &str, now: DateTime<Utc>) -> SimObject {
    let etag = format!("\"{}\"", hex::encode_upper(Md5::digest(&body)));
    SimObject {
        body,
        content_type: content_type.to_string(),
        etag,
        last_modified: now,
        metadata: BTreeMap::new(),
        acl: "default".into(),
        cache_control: None,
        content_disposition: None,
    }
}

/// 3–63 characters of lower-case letters, digits and `-`, not starting or ending with `-` (OSS bucket naming
/// rules).
pub(crate) fn valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}
