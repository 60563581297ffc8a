//! The Aliyun OSS simulator: buckets, ACLs, CORS, Block Public Access and objects in memory, behind the real
//! service's V1 and V4 signature checks and RAM authorisation.
//!
//! Requests are routed by `Host` as OSS does: `<bucket>.oss-<region>.aliyuncs.com` for bucket and object
//! operations, `oss-<region>.aliyuncs.com` for ListBuckets and the account's Block Public Access. The server
//! listens on `127.0.0.1`, so clients connect there and keep the real `Host` header (with `oss-client`, use
//! `OssClientBuilder::connect_to`; [`OssSimulator::client_builder`] does it for you).
//!
//! Documented behaviour reproduced: signature verification (403 `SignatureDoesNotMatch` with the
//! `StringToSign`), the 15-minute skew window (`RequestTimeTooSkewed`), unknown or disabled keys
//! (`InvalidAccessKeyId`), V1 refused for new accounts unless allowed (403, EC `0002-00000080`),
//! `InvalidBucketName`, `BucketAlreadyExists` for names held elsewhere, PutBucket idempotent for the owner,
//! Block Public Access on for new buckets (a public ACL fails with "Put public bucket acl is not allowed" until it
//! is turned off; the account-level setting overrides the bucket's), CORS replace semantics,
//! `NoSuchCORSConfiguration`, preflight answered from the rules, `BucketNotEmpty`, and anonymous reads of objects
//! in public-read buckets.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use sandbox::oss::OssSimulator;
//! let sim = OssSimulator::standalone("cn-hangzhou", "LTAI5tTEST", "test-secret");
//! let server = sim.start(sandbox::RequestLog::new()).await.unwrap();
//! let oss = sim.client_builder(&server).credentials(oss_client::Credentials::new("LTAI5tTEST", "test-secret")).build().unwrap();
//! oss.bucket("lobechat-assets").create().send().await.unwrap();
//! assert!(sim.bucket("lobechat-assets").unwrap().block_public_access);
//! # });
//! ```

use crate::aliyun_identity::{AliyunIdentity, KeyStatus, Principal};
use crate::server::lock;
use crate::{InjectedError, RequestLog, SimRequest, SimResponse, SimServer, Simulator};
use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};
use http::Method;
use md5::{Digest, Md5};
use oss_client::signing::{SignableRequest, encoding, v1, v4};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// The skew OSS tolerates between the request time and its own clock.
pub const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);
/// The most buckets an account may own in a region.
pub const MAX_BUCKETS: usize = 100;
/// The EC OSS answers when V1 signatures are refused.
pub const EC_V1_DISABLED: &str = "0002-00000080";

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

#[derive(Debug)]
struct OssState {
    buckets: BTreeMap<String, SimBucket>,
    foreign: BTreeSet<String>,
    account_block_public_access: Option<bool>,
    v1_allowed: bool,
    next_request: u64,
}

/// The OSS simulator. Build it with [`OssSimulator::new`] (sharing an account with the RAM simulator) or
/// [`OssSimulator::standalone`], serve it with [`OssSimulator::start`], and inspect or seed its state with the
/// test hooks.
pub struct OssSimulator {
    identity: Arc<AliyunIdentity>,
    region: String,
    endpoint_host: String,
    state: Mutex<OssState>,
    /// Milliseconds added to the system clock (kept outside `state` so it can be read while `state` is locked).
    clock_offset_ms: AtomicI64,
}

impl std::fmt::Debug for OssSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OssSimulator").field("region", &self.region).field("endpoint", &self.endpoint_host).finish()
    }
}

impl OssSimulator {
    /// A simulator for `region` (an id such as `cn-hangzhou`) backed by the shared account `identity`. Like a
    /// new Aliyun account, it refuses V1 signatures until [`set_v1_signatures_allowed`](Self::set_v1_signatures_allowed).
    pub fn new(identity: Arc<AliyunIdentity>, region: &str) -> Arc<Self> {
        Arc::new(Self {
            identity,
            region: region.to_string(),
            endpoint_host: format!("oss-{region}.aliyuncs.com"),
            state: Mutex::new(OssState {
                buckets: BTreeMap::new(),
                foreign: BTreeSet::new(),
                account_block_public_access: None,
                v1_allowed: false,
                next_request: 1,
            }),
            clock_offset_ms: AtomicI64::new(0),
        })
    }

    /// A simulator with its own account (`1000000000000001`) and one account key registered.
    pub fn standalone(region: &str, access_key_id: &str, access_key_secret: &str) -> Arc<Self> {
        let identity = Arc::new(AliyunIdentity::new("1000000000000001"));
        identity.register_account_key(access_key_id, access_key_secret);
        Self::new(identity, region)
    }

    /// Serves the simulator on `127.0.0.1`, recording into `log`.
    pub async fn start(self: &Arc<Self>, log: RequestLog) -> std::io::Result<SimServer> {
        SimServer::start(self.clone(), log).await
    }

    /// An `oss-client` builder for this simulator: its region, and `connect_to` the server so requests keep the
    /// real `Host`. Add credentials and build.
    pub fn client_builder(&self, server: &SimServer) -> oss_client::OssClientBuilder {
        oss_client::OssClient::builder().region(self.region.clone()).connect_to(server.base_url())
    }

    /// The shared account.
    pub fn identity(&self) -> &Arc<AliyunIdentity> {
        &self.identity
    }

    /// The region id.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The endpoint host, `oss-<region>.aliyuncs.com`.
    pub fn endpoint_host(&self) -> &str {
        &self.endpoint_host
    }

    /// Allows or refuses V1 signatures (refused by default, as for accounts created after 2025-03-01).
    pub fn set_v1_signatures_allowed(&self, allowed: bool) {
        lock(&self.state).v1_allowed = allowed;
    }

    /// Marks a bucket name as held by another account: PutBucket answers `409 BucketAlreadyExists`, other
    /// operations `403 AccessDenied`.
    pub fn mark_bucket_owned_elsewhere(&self, name: &str) {
        lock(&self.state).foreign.insert(name.to_string());
    }

    /// Sets the account-level Block Public Access (`None`: never configured, which does not block).
    pub fn set_account_public_access_block(&self, block: Option<bool>) {
        lock(&self.state).account_block_public_access = block;
    }

    /// The account-level Block Public Access.
    pub fn account_public_access_block(&self) -> Option<bool> {
        lock(&self.state).account_block_public_access
    }

    /// Moves the server's clock by `offset` (to test skew handling).
    pub fn set_clock_offset(&self, offset: chrono::Duration) {
        self.clock_offset_ms.store(offset.num_milliseconds(), Ordering::Relaxed);
    }

    /// A snapshot of a bucket.
    pub fn bucket(&self, name: &str) -> Option<SimBucket> {
        lock(&self.state).buckets.get(name).cloned()
    }

    /// The names of the account's buckets.
    pub fn bucket_names(&self) -> Vec<String> {
        lock(&self.state).buckets.keys().cloned().collect()
    }

    /// A snapshot of an object.
    pub fn object(&self, bucket: &str, key: &str) -> Option<SimObject> {
        lock(&self.state).buckets.get(bucket).and_then(|b| b.objects.get(key).cloned())
    }

    /// Seeds a bucket (private, Block Public Access on) unless it exists.
    pub fn seed_bucket(&self, name: &str) {
        let now = self.now();
        let owner = self.identity.account_id();
        lock(&self.state).buckets.entry(name.to_string()).or_insert_with(|| new_bucket(name, &owner, now));
    }

    /// Seeds an object (creating the bucket if needed).
    pub fn seed_object(&self, bucket: &str, key: &str, body: impl Into<Bytes>, content_type: &str) {
        self.seed_bucket(bucket);
        let object = new_object(body.into(), content_type, self.now());
        if let Some(b) = lock(&self.state).buckets.get_mut(bucket) {
            b.objects.insert(key.to_string(), object);
        }
    }

    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.clock_offset_ms.load(Ordering::Relaxed))
    }
}

fn new_bucket(name: &str, owner: &str, now: DateTime<Utc>) -> SimBucket {
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

fn new_object(body: Bytes, content_type: &str, now: DateTime<Utc>) -> SimObject {
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

fn valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn xml_escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Glob with at most one `*`, as OSS matches CORS origins and headers.
fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (p, t) = if case_insensitive {
        (pattern.to_ascii_lowercase(), text.to_ascii_lowercase())
    } else {
        (pattern.to_string(), text.to_string())
    };
    match p.split_once('*') {
        None => p == t,
        Some((prefix, suffix)) => {
            t.len() >= prefix.len() + suffix.len() && t.starts_with(prefix) && t.ends_with(suffix)
        }
    }
}

/// An error answer under construction.
struct OssError {
    status: u16,
    code: &'static str,
    message: String,
    ec: &'static str,
    extra: Vec<(&'static str, String)>,
}

impl OssError {
    fn new(status: u16, code: &'static str, message: impl Into<String>, ec: &'static str) -> Self {
        Self { status, code, message: message.into(), ec, extra: Vec::new() }
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }
}

/// What a request is about, after routing.
struct Target {
    bucket: Option<String>,
    key: Option<String>,
    query: Vec<(String, String)>,
    host: String,
}

impl Target {
    fn sub_resource(&self) -> Option<&str> {
        const KNOWN: &[&str] = &["acl", "cors", "publicAccessBlock", "bucketInfo", "location"];
        self.query.iter().map(|(k, _)| k.as_str()).find(|k| KNOWN.contains(k))
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The operations the simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    ListBuckets,
    PutAccountBpa,
    GetAccountBpa,
    DeleteAccountBpa,
    PutBucket,
    GetBucketInfo,
    GetBucketLocation,
    ListObjects,
    DeleteBucket,
    PutBucketAcl,
    GetBucketAcl,
    PutBucketCors,
    GetBucketCors,
    DeleteBucketCors,
    PutBucketBpa,
    GetBucketBpa,
    DeleteBucketBpa,
    PutObject,
    GetObject,
    HeadObject,
    DeleteObject,
}

impl Op {
    fn action(self) -> &'static str {
        match self {
            Op::ListBuckets => "oss:ListBuckets",
            Op::PutAccountBpa => "oss:PutPublicAccessBlock",
            Op::GetAccountBpa => "oss:GetPublicAccessBlock",
            Op::DeleteAccountBpa => "oss:DeletePublicAccessBlock",
            Op::PutBucket => "oss:PutBucket",
            Op::GetBucketInfo => "oss:GetBucketInfo",
            Op::GetBucketLocation => "oss:GetBucketLocation",
            Op::ListObjects => "oss:ListObjects",
            Op::DeleteBucket => "oss:DeleteBucket",
            Op::PutBucketAcl => "oss:PutBucketAcl",
            Op::GetBucketAcl => "oss:GetBucketAcl",
            Op::PutBucketCors => "oss:PutBucketCors",
            Op::GetBucketCors => "oss:GetBucketCors",
            Op::DeleteBucketCors => "oss:DeleteBucketCors",
            Op::PutBucketBpa => "oss:PutBucketPublicAccessBlock",
            Op::GetBucketBpa => "oss:GetBucketPublicAccessBlock",
            Op::DeleteBucketBpa => "oss:DeleteBucketPublicAccessBlock",
            Op::PutObject => "oss:PutObject",
            Op::GetObject | Op::HeadObject => "oss:GetObject",
            Op::DeleteObject => "oss:DeleteObject",
        }
    }

    fn classify(method: &Method, target: &Target) -> Option<Op> {
        let sub = target.sub_resource();
        Some(match (&target.bucket, &target.key) {
            (None, _) => match (method.as_str(), sub) {
                ("GET", None) => Op::ListBuckets,
                ("PUT", Some("publicAccessBlock")) => Op::PutAccountBpa,
                ("GET", Some("publicAccessBlock")) => Op::GetAccountBpa,
                ("DELETE", Some("publicAccessBlock")) => Op::DeleteAccountBpa,
                _ => return None,
            },
            (Some(_), None) => match (method.as_str(), sub) {
                ("PUT", None) => Op::PutBucket,
                ("GET", None) => Op::ListObjects,
                ("DELETE", None) => Op::DeleteBucket,
                ("GET", Some("bucketInfo")) => Op::GetBucketInfo,
                ("GET", Some("location")) => Op::GetBucketLocation,
                ("PUT", Some("acl")) => Op::PutBucketAcl,
                ("GET", Some("acl")) => Op::GetBucketAcl,
                ("PUT", Some("cors")) => Op::PutBucketCors,
                ("GET", Some("cors")) => Op::GetBucketCors,
                ("DELETE", Some("cors")) => Op::DeleteBucketCors,
                ("PUT", Some("publicAccessBlock")) => Op::PutBucketBpa,
                ("GET", Some("publicAccessBlock")) => Op::GetBucketBpa,
                ("DELETE", Some("publicAccessBlock")) => Op::DeleteBucketBpa,
                _ => return None,
            },
            (Some(_), Some(_)) => match method.as_str() {
                "PUT" => Op::PutObject,
                "GET" => Op::GetObject,
                "HEAD" => Op::HeadObject,
                "DELETE" => Op::DeleteObject,
                _ => return None,
            },
        })
    }
}

/// Who signed the request.
enum Caller {
    Anonymous,
    Principal(Principal),
}

impl OssSimulator {
    fn request_id(&self) -> String {
        let mut state = lock(&self.state);
        let n = state.next_request;
        state.next_request += 1;
        format!("5F{:022X}", n)
    }

    fn error_response(&self, request: &SimRequest, host: &str, request_id: &str, e: OssError) -> SimResponse {
        let mut response = SimResponse::empty(e.status)
            .with_header("x-oss-request-id", request_id)
            .with_header("date", http_date(self.now()))
            .with_header("server", "AliyunOSS")
            .with_header("x-oss-ec", e.ec);
        if request.method == Method::HEAD {
            return response;
        }
        let mut body = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n");
        let _ = writeln!(body, "  <Code>{}</Code>", e.code);
        let _ = writeln!(body, "  <Message>{}</Message>", xml_escape(&e.message));
        let _ = writeln!(body, "  <RequestId>{request_id}</RequestId>");
        let _ = writeln!(body, "  <HostId>{}</HostId>", xml_escape(host));
        for (name, value) in &e.extra {
            let _ = writeln!(body, "  <{name}>{}</{name}>", xml_escape(value));
        }
        let _ = writeln!(body, "  <EC>{}</EC>", e.ec);
        let _ = writeln!(body, "  <RecommendDoc>https://api.aliyun.com/troubleshoot?q={}</RecommendDoc>", e.ec);
        body.push_str("</Error>\n");
        response = response.with_header("content-type", "application/xml").with_body(body);
        response
    }

    fn ok(&self, request_id: &str, status: u16) -> SimResponse {
        SimResponse::empty(status)
            .with_header("x-oss-request-id", request_id)
            .with_header("date", http_date(self.now()))
            .with_header("server", "AliyunOSS")
    }

    fn ok_xml(&self, request_id: &str, body: String) -> SimResponse {
        self.ok(request_id, 200)
            .with_header("content-type", "application/xml")
            .with_body(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}"))
    }

    fn route(&self, request: &SimRequest) -> Result<Target, OssError> {
        let host = request.host().unwrap_or_default().to_ascii_lowercase();
        let bucket = if host == self.endpoint_host {
            None
        } else if let Some(prefix) = host.strip_suffix(&format!(".{}", self.endpoint_host)) {
            Some(prefix.to_string())
        } else {
            return Err(OssError::new(
                403,
                "AccessDenied",
                "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
                "0003-00001403",
            )
            .with("Endpoint", self.endpoint_host.clone()));
        };
        let raw_path = request.path().strip_prefix('/').unwrap_or(request.path());
        let Some(key) = encoding::decode(raw_path) else {
            return Err(OssError::new(
                400,
                "InvalidObjectName",
                "The object name is not valid UTF-8.",
                "0016-00000005",
            ));
        };
        if bucket.is_none() && !key.is_empty() {
            return Err(OssError::new(
                403,
                "SecondLevelDomainForbidden",
                "Please use virtual hosted style to access.",
                "0003-00000401",
            ));
        }
        if let Some(b) = &bucket
            && !valid_bucket_name(b)
        {
            return Err(OssError::new(400, "InvalidBucketName", "The specified bucket is not valid.", "0015-00000101")
                .with("BucketName", b.clone()));
        }
        let mut query = Vec::new();
        for pair in request.query().unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match (encoding::decode(k), encoding::decode(v)) {
                (Some(k), Some(v)) => query.push((k, v)),
                _ => {
                    return Err(OssError::new(
                        400,
                        "InvalidArgument",
                        "The query string is not valid UTF-8.",
                        "0016-00000001",
                    ));
                }
            }
        }
        Ok(Target { bucket, key: (!key.is_empty()).then_some(key), query, host })
    }

    fn signable(request: &SimRequest, target: &Target) -> SignableRequest {
        SignableRequest {
            method: request.method.clone(),
            bucket: target.bucket.clone(),
            key: target.key.clone(),
            query: target.query.clone(),
            headers: request.headers.clone(),
        }
    }

    fn check_skew(&self, signed_at: DateTime<Utc>) -> Result<(), OssError> {
        let now = self.now();
        if (now - signed_at).abs() > MAX_SKEW {
            return Err(OssError::new(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                "0002-00000504",
            )
            .with("RequestTime", iso(signed_at))
            .with("ServerTime", iso(now))
            .with("MaxAllowedSkewMilliseconds", "900000"));
        }
        Ok(())
    }

    fn principal_for(&self, access_key_id: &str) -> Result<(Principal, String), OssError> {
        let Some(record) = self.identity.lookup_key(access_key_id) else {
            return Err(OssError::new(
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided does not exist in our records.",
                "0002-00000902",
            )
            .with("OSSAccessKeyId", access_key_id));
        };
        if record.status == KeyStatus::Inactive {
            return Err(OssError::new(
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided is disabled.",
                "0002-00000901",
            )
            .with("OSSAccessKeyId", access_key_id));
        }
        Ok((record.principal, record.secret))
    }

    fn v1_refused(&self) -> Result<(), OssError> {
        if lock(&self.state).v1_allowed {
            return Ok(());
        }
        Err(OssError::new(
            403,
            "AccessDenied",
            "OSS no longer supports V1 signatures for this account. Please use the V4 signature.",
            EC_V1_DISABLED,
        ))
    }

    fn mismatch(string_to_sign: &str, provided: &str, access_key_id: &str, canonical: Option<&str>) -> OssError {
        let mut e = OssError::new(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            "0002-00000040",
        )
        .with("OSSAccessKeyId", access_key_id)
        .with("SignatureProvided", provided)
        .with("StringToSign", string_to_sign)
        .with("StringToSignBytes", string_to_sign.bytes().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "));
        if let Some(c) = canonical {
            e = e.with("CanonicalRequest", c);
        }
        e
    }

    fn authenticate(&self, request: &SimRequest, target: &Target) -> Result<Caller, OssError> {
        let invalid = |m: &str| OssError::new(400, "InvalidArgument", m, "0002-00000003");
        let signable = Self::signable(request, target);
        if let Some(auth) = request.header("authorization") {
            if target.param("Signature").is_some() || target.param("x-oss-signature").is_some() {
                return Err(invalid("Authorization header and query-string authentication used together."));
            }
            if auth.starts_with(v4::ALGORITHM) {
                let parsed =
                    v4::parse_authorization(auth).ok_or_else(|| invalid("Authorization header is invalid."))?;
                let (principal, secret) = self.principal_for(&parsed.access_key_id)?;
                if parsed.region != self.region {
                    return Err(invalid("Invalid signing region in Authorization header."));
                }
                let datetime = request
                    .header("x-oss-date")
                    .ok_or_else(|| OssError::new(403, "AccessDenied", "Missing x-oss-date header.", "0002-00000012"))?;
                let signed_at = NaiveDateTime::parse_from_str(datetime, "%Y%m%dT%H%M%SZ")
                    .map_err(|_| OssError::new(403, "AccessDenied", "Invalid x-oss-date header.", "0002-00000012"))?
                    .and_utc();
                if request.header("x-oss-content-sha256").is_none() {
                    return Err(invalid("Missing required header x-oss-content-sha256."));
                }
                self.check_skew(signed_at)?;
                let requested: Vec<&str> = parsed.additional_headers.iter().map(String::as_str).collect();
                let additional = v4::additional_headers(&signable, &requested);
                let canonical = v4::canonical_request(&signable, &additional);
                let sts = v4::string_to_sign(datetime, &v4::scope(&parsed.date, &parsed.region), &canonical);
                let expected = v4::signature(&v4::signing_key(&secret, &parsed.date, &parsed.region), &sts);
                if expected != parsed.signature {
                    return Err(Self::mismatch(&sts, &parsed.signature, &parsed.access_key_id, Some(&canonical)));
                }
                return Ok(Caller::Principal(principal));
            }
            let parsed = v1::parse_authorization(auth).ok_or_else(|| invalid("Authorization header is invalid."))?;
            let (principal, secret) = self.principal_for(&parsed.access_key_id)?;
            self.v1_refused()?;
            let date_line = request
                .header("x-oss-date")
                .or(request.header("date"))
                .ok_or_else(|| OssError::new(403, "AccessDenied", "Missing Date header.", "0002-00000012"))?;
            let signed_at = DateTime::parse_from_rfc2822(date_line)
                .map_err(|_| OssError::new(403, "AccessDenied", "Invalid Date header.", "0002-00000012"))?
                .with_timezone(&Utc);
            self.check_skew(signed_at)?;
            let sts = v1::string_to_sign(&signable, date_line);
            if v1::signature(&secret, &sts) != parsed.signature {
                return Err(Self::mismatch(&sts, &parsed.signature, &parsed.access_key_id, None));
            }
            return Ok(Caller::Principal(principal));
        }
        if let Some(provided) = target.param("x-oss-signature") {
            let credential = target.param("x-oss-credential").ok_or_else(|| invalid("Missing x-oss-credential."))?;
            let (ak, date, region) =
                v4::parse_credential(credential).ok_or_else(|| invalid("Invalid x-oss-credential."))?;
            let (principal, secret) = self.principal_for(&ak)?;
            if region != self.region {
                return Err(invalid("Invalid signing region in x-oss-credential."));
            }
            let datetime = target.param("x-oss-date").ok_or_else(|| invalid("Missing x-oss-date."))?;
            let signed_at = NaiveDateTime::parse_from_str(datetime, "%Y%m%dT%H%M%SZ")
                .map_err(|_| invalid("Invalid x-oss-date."))?
                .and_utc();
            let expires: i64 = target
                .param("x-oss-expires")
                .and_then(|e| e.parse().ok())
                .ok_or_else(|| invalid("Missing or invalid x-oss-expires."))?;
            if !(1..=604_800).contains(&expires) {
                return Err(invalid("x-oss-expires must be between 1 and 604800."));
            }
            if self.now() > signed_at + chrono::Duration::seconds(expires) {
                return Err(OssError::new(403, "AccessDenied", "Request has expired.", "0002-00000069"));
            }
            let mut unsigned = signable;
            unsigned.query.retain(|(k, _)| k != "x-oss-signature");
            let requested: Vec<String> = target
                .param("x-oss-additional-headers")
                .map(|h| h.split(';').map(str::to_string).collect())
                .unwrap_or_default();
            let requested: Vec<&str> = requested.iter().map(String::as_str).collect();
            let additional = v4::additional_headers(&unsigned, &requested);
            let canonical = v4::canonical_request(&unsigned, &additional);
            let sts = v4::string_to_sign(datetime, &v4::scope(&date, &region), &canonical);
            if v4::signature(&v4::signing_key(&secret, &date, &region), &sts) != provided {
                return Err(Self::mismatch(&sts, provided, &ak, Some(&canonical)));
            }
            return Ok(Caller::Principal(principal));
        }
        if let Some(provided) = target.param("Signature") {
            let ak = target.param("OSSAccessKeyId").ok_or_else(|| invalid("Missing OSSAccessKeyId."))?;
            let expires = target.param("Expires").ok_or_else(|| invalid("Missing Expires."))?;
            let (principal, secret) = self.principal_for(ak)?;
            self.v1_refused()?;
            let at: i64 = expires.parse().map_err(|_| invalid("Invalid Expires."))?;
            if self.now().timestamp() > at {
                return Err(OssError::new(403, "AccessDenied", "Request has expired.", "0002-00000069"));
            }
            let sts = v1::string_to_sign(&signable, expires);
            if v1::signature(&secret, &sts) != provided {
                return Err(Self::mismatch(&sts, provided, ak, None));
            }
            return Ok(Caller::Principal(principal));
        }
        Ok(Caller::Anonymous)
    }

    fn resource(&self, target: &Target) -> String {
        let account = self.identity.account_id();
        match (&target.bucket, &target.key) {
            (None, _) => format!("acs:oss:*:{account}:*"),
            (Some(b), None) => format!("acs:oss:*:{account}:{b}"),
            (Some(b), Some(k)) => format!("acs:oss:*:{account}:{b}/{k}"),
        }
    }

    fn effective_bpa(state: &OssState, bucket: &SimBucket) -> bool {
        state.account_block_public_access.unwrap_or(false) || bucket.block_public_access
    }

    /// Whether an anonymous caller may perform `op` (reads of objects in a public bucket, writes in a
    /// public-read-write one, while Block Public Access is off).
    fn anonymous_allowed(&self, op: Op, target: &Target) -> bool {
        let state = lock(&self.state);
        let (Some(b), Some(k)) = (&target.bucket, &target.key) else { return false };
        let Some(bucket) = state.buckets.get(b) else { return false };
        if Self::effective_bpa(&state, bucket) {
            return false;
        }
        let acl = match bucket.objects.get(k).map(|o| o.acl.as_str()) {
            Some(a) if a != "default" => a,
            _ => bucket.acl.as_str(),
        };
        match op {
            Op::GetObject | Op::HeadObject => acl == "public-read" || acl == "public-read-write",
            Op::PutObject | Op::DeleteObject => bucket.acl == "public-read-write",
            _ => false,
        }
    }

    fn dispatch(
        &self,
        op: Op,
        request: &SimRequest,
        target: &Target,
        request_id: &str,
    ) -> Result<SimResponse, OssError> {
        if let Some(md5) = request.header("content-md5") {
            let actual = base64_md5(&request.body);
            if md5 != actual {
                return Err(OssError::new(
                    400,
                    "InvalidDigest",
                    "The Content-MD5 you specified is not valid.",
                    "0016-00000912",
                ));
            }
        }
        let account = self.identity.account_id();
        let now = self.now();
        let mut state = lock(&self.state);
        match op {
            Op::ListBuckets => return Ok(self.list_buckets(&state, target, request_id)),
            Op::PutAccountBpa => {
                let block = parse_bpa(&request.body)?;
                state.account_block_public_access = Some(block);
                return Ok(self.ok(request_id, 200));
            }
            Op::GetAccountBpa => {
                let block = state.account_block_public_access.unwrap_or(false);
                return Ok(self.ok_xml(request_id, bpa_xml(block)));
            }
            Op::DeleteAccountBpa => {
                state.account_block_public_access = None;
                return Ok(self.ok(request_id, 204));
            }
            _ => {}
        }
        let name = target.bucket.clone().unwrap_or_default();
        if state.foreign.contains(&name) {
            if op == Op::PutBucket {
                return Err(OssError::new(
                    409,
                    "BucketAlreadyExists",
                    "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                    "0015-00000104",
                )
                .with("BucketName", name));
            }
            return Err(OssError::new(
                403,
                "AccessDenied",
                "You have no right to access this bucket.",
                "0003-00000001",
            ));
        }
        if op == Op::PutBucket {
            let acl = request.header("x-oss-acl").map(str::to_string);
            if let Some(a) = &acl
                && !matches!(a.as_str(), "private" | "public-read" | "public-read-write")
            {
                return Err(OssError::new(
                    400,
                    "InvalidArgument",
                    format!("no such bucket access control exists: {a}"),
                    "0015-00000204",
                ));
            }
            let config = parse_create_config(&request.body)?;
            let exists = state.buckets.contains_key(&name);
            if !exists && state.buckets.len() >= MAX_BUCKETS {
                return Err(OssError::new(
                    400,
                    "TooManyBuckets",
                    "You have attempted to create more buckets than allowed.",
                    "0015-00000102",
                ));
            }
            let account_bpa = state.account_block_public_access.unwrap_or(false);
            let bucket = state.buckets.entry(name.clone()).or_insert_with(|| new_bucket(&name, &account, now));
            if let Some(a) = acl {
                if a != "private" && (account_bpa || bucket.block_public_access) {
                    if !exists {
                        state.buckets.remove(&name);
                    }
                    return Err(public_acl_blocked());
                }
                bucket.acl = a;
            }
            if !exists {
                if let Some(class) = config.storage_class {
                    bucket.storage_class = class;
                }
                if let Some(r) = config.redundancy {
                    bucket.redundancy = r;
                }
                if let Some(rg) = request.header("x-oss-resource-group-id") {
                    bucket.resource_group_id = rg.to_string();
                }
            }
            return Ok(self.ok(request_id, 200).with_header("location", format!("/{name}")));
        }
        let account_bpa = state.account_block_public_access.unwrap_or(false);
        let Some(bucket) = state.buckets.get_mut(&name) else {
            return Err(OssError::new(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101")
                .with("BucketName", name));
        };
        let key = target.key.clone().unwrap_or_default();
        match op {
            Op::GetBucketInfo => Ok(self.ok_xml(request_id, self.bucket_info_xml(bucket))),
            Op::GetBucketLocation => {
                Ok(self.ok_xml(request_id, format!("<LocationConstraint>oss-{}</LocationConstraint>", self.region)))
            }
            Op::ListObjects => Ok(self.ok_xml(request_id, list_objects_xml(bucket, target))),
            Op::DeleteBucket => {
                if !bucket.objects.is_empty() {
                    return Err(OssError::new(
                        409,
                        "BucketNotEmpty",
                        "The bucket you tried to delete is not empty.",
                        "0015-00000301",
                    )
                    .with("BucketName", name));
                }
                state.buckets.remove(&name);
                Ok(self.ok(request_id, 204))
            }
            Op::PutBucketAcl => {
                let acl = request.header("x-oss-acl").unwrap_or_default();
                if !matches!(acl, "private" | "public-read" | "public-read-write") {
                    return Err(OssError::new(
                        400,
                        "InvalidArgument",
                        format!("no such bucket access control exists: {acl}"),
                        "0015-00000204",
                    ));
                }
                if acl != "private" && (account_bpa || bucket.block_public_access) {
                    return Err(public_acl_blocked());
                }
                bucket.acl = acl.to_string();
                Ok(self.ok(request_id, 200))
            }
            Op::GetBucketAcl => Ok(self.ok_xml(
                request_id,
                format!(
                    "<AccessControlPolicy><Owner><ID>{0}</ID><DisplayName>{0}</DisplayName></Owner><AccessControlList><Grant>{1}</Grant></AccessControlList></AccessControlPolicy>",
                    bucket.owner, bucket.acl
                ),
            )),
            Op::PutBucketCors => {
                bucket.cors = Some(parse_cors(&request.body)?);
                Ok(self.ok(request_id, 200))
            }
            Op::GetBucketCors => match &bucket.cors {
                Some(cors) => Ok(self.ok_xml(request_id, cors_xml(cors))),
                None => Err(OssError::new(
                    404,
                    "NoSuchCORSConfiguration",
                    "The CORS Configuration does not exist.",
                    "0015-00000401",
                )
                .with("BucketName", name)),
            },
            Op::DeleteBucketCors => {
                bucket.cors = None;
                Ok(self.ok(request_id, 204))
            }
            Op::PutBucketBpa => {
                bucket.block_public_access = parse_bpa(&request.body)?;
                Ok(self.ok(request_id, 200))
            }
            Op::GetBucketBpa => Ok(self.ok_xml(request_id, bpa_xml(bucket.block_public_access))),
            Op::DeleteBucketBpa => {
                bucket.block_public_access = false;
                Ok(self.ok(request_id, 204))
            }
            Op::PutObject => {
                let acl = request.header("x-oss-object-acl").unwrap_or("default").to_string();
                if !matches!(acl.as_str(), "default" | "private" | "public-read" | "public-read-write") {
                    return Err(OssError::new(400, "InvalidArgument", format!("no such object access control exists: {acl}"), "0016-00000204"));
                }
                if acl.starts_with("public") && (account_bpa || bucket.block_public_access) {
                    return Err(OssError::new(403, "AccessDenied", "Put public object acl is not allowed.", "0003-00000905"));
                }
                if request.header("x-oss-forbid-overwrite") == Some("true") && bucket.objects.contains_key(&key) {
                    return Err(OssError::new(409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.", "0016-00000708"));
                }
                let content_type = request.header("content-type").unwrap_or("application/octet-stream");
                let mut object = new_object(request.body.clone(), content_type, now);
                object.acl = acl;
                object.cache_control = request.header("cache-control").map(str::to_string);
                object.content_disposition = request.header("content-disposition").map(str::to_string);
                for (name, value) in &request.headers {
                    if let (Some(short), Ok(v)) = (name.as_str().strip_prefix("x-oss-meta-"), value.to_str()) {
                        object.metadata.insert(short.to_string(), v.to_string());
                    }
                }
                let etag = object.etag.clone();
                bucket.objects.insert(key, object);
                let response = self.ok(request_id, 200).with_header("etag", etag).with_header("content-md5", base64_md5(&request.body));
                Ok(with_cors_headers(response, bucket, request))
            }
            Op::GetObject | Op::HeadObject => {
                let Some(object) = bucket.objects.get(&key) else {
                    return Err(OssError::new(404, "NoSuchKey", "The specified key does not exist.", "0026-00000001").with("Key", key));
                };
                let mut response = self
                    .ok(request_id, 200)
                    .with_header("content-type", &object.content_type)
                    .with_header("etag", &object.etag)
                    .with_header("last-modified", http_date(object.last_modified))
                    .with_header("x-oss-object-type", "Normal")
                    .with_header("x-oss-storage-class", &bucket.storage_class);
                if let Some(cc) = &object.cache_control {
                    response = response.with_header("cache-control", cc);
                }
                if let Some(cd) = &object.content_disposition {
                    response = response.with_header("content-disposition", cd);
                }
                for (k, v) in &object.metadata {
                    response = response.with_header(&format!("x-oss-meta-{k}"), v);
                }
                response = if op == Op::GetObject {
                    response.with_body(object.body.clone())
                } else {
                    response.with_header("content-length", object.body.len().to_string())
                };
                Ok(with_cors_headers(response, bucket, request))
            }
            Op::DeleteObject => {
                bucket.objects.remove(&key);
                Ok(self.ok(request_id, 204))
            }
            Op::ListBuckets | Op::PutAccountBpa | Op::GetAccountBpa | Op::DeleteAccountBpa | Op::PutBucket => {
                Err(OssError::new(500, "InternalError", "unreachable route", "0000-00000000"))
            }
        }
    }

    fn list_buckets(&self, state: &OssState, target: &Target, request_id: &str) -> SimResponse {
        let prefix = target.param("prefix").unwrap_or_default();
        let marker = target.param("marker").unwrap_or_default();
        let max_keys: usize = target.param("max-keys").and_then(|m| m.parse().ok()).unwrap_or(100).clamp(1, 1000);
        let matching: Vec<&SimBucket> =
            state.buckets.values().filter(|b| b.name.starts_with(prefix) && b.name.as_str() > marker).collect();
        let truncated = matching.len() > max_keys;
        let page = &matching[..matching.len().min(max_keys)];
        let account = self.identity.account_id();
        let mut xml = String::from("<ListAllMyBucketsResult>");
        if truncated {
            let next = page.last().map(|b| b.name.as_str()).unwrap_or_default();
            let _ = write!(
                xml,
                "<Prefix>{}</Prefix><Marker>{}</Marker><MaxKeys>{max_keys}</MaxKeys><IsTruncated>true</IsTruncated><NextMarker>{next}</NextMarker>",
                xml_escape(prefix),
                xml_escape(marker)
            );
        }
        let _ = write!(xml, "<Owner><ID>{account}</ID><DisplayName>{account}</DisplayName></Owner><Buckets>");
        for b in page {
            let _ = write!(
                xml,
                "<Bucket><CreationDate>{}</CreationDate><ExtranetEndpoint>{host}</ExtranetEndpoint><IntranetEndpoint>oss-{region}-internal.aliyuncs.com</IntranetEndpoint><Location>oss-{region}</Location><Name>{}</Name><Region>{region}</Region><StorageClass>{}</StorageClass><ResourceGroupId>{}</ResourceGroupId></Bucket>",
                iso(b.created),
                b.name,
                b.storage_class,
                xml_escape(&b.resource_group_id),
                host = self.endpoint_host,
                region = self.region
            );
        }
        xml.push_str("</Buckets></ListAllMyBucketsResult>");
        self.ok_xml(request_id, xml)
    }

    fn bucket_info_xml(&self, b: &SimBucket) -> String {
        format!(
            "<BucketInfo><Bucket><AccessMonitor>Disabled</AccessMonitor><CreationDate>{created}</CreationDate><CrossRegionReplication>Disabled</CrossRegionReplication><DataRedundancyType>{red}</DataRedundancyType><ExtranetEndpoint>{host}</ExtranetEndpoint><IntranetEndpoint>oss-{region}-internal.aliyuncs.com</IntranetEndpoint><Location>oss-{region}</Location><Name>{name}</Name><ResourceGroupId>{rg}</ResourceGroupId><StorageClass>{class}</StorageClass><TransferAcceleration>Disabled</TransferAcceleration><Owner><DisplayName>{owner}</DisplayName><ID>{owner}</ID></Owner><AccessControlList><Grant>{acl}</Grant></AccessControlList><ServerSideEncryptionRule><SSEAlgorithm>None</SSEAlgorithm></ServerSideEncryptionRule><BucketPolicy><LogBucket></LogBucket><LogPrefix></LogPrefix></BucketPolicy><BlockPublicAccess>{bpa}</BlockPublicAccess></Bucket></BucketInfo>",
            created = iso(b.created),
            red = b.redundancy,
            host = self.endpoint_host,
            region = self.region,
            name = b.name,
            rg = xml_escape(&b.resource_group_id),
            class = b.storage_class,
            owner = b.owner,
            acl = b.acl,
            bpa = b.block_public_access
        )
    }

    fn preflight(&self, request: &SimRequest, target: &Target, request_id: &str) -> Result<SimResponse, OssError> {
        let forbidden = |m: &str| OssError::new(403, "AccessForbidden", m, "0003-00000010");
        let state = lock(&self.state);
        let name = target.bucket.clone().unwrap_or_default();
        let Some(bucket) = state.buckets.get(&name) else {
            return Err(OssError::new(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101"));
        };
        let (Some(origin), Some(method)) = (request.header("origin"), request.header("access-control-request-method"))
        else {
            return Err(forbidden("Insufficient information. Origin request header needed."));
        };
        let Some(cors) = &bucket.cors else {
            return Err(forbidden("CORSResponse: CORS is not enabled for this bucket."));
        };
        let requested: Vec<String> = request
            .header("access-control-request-headers")
            .map(|h| h.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let Some(rule) = matching_rule(cors, origin, method, &requested) else {
            return Err(forbidden(
                "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
            ));
        };
        let allow_origin = if rule.allowed_origins.iter().any(|o| o == "*") { "*" } else { origin };
        let mut response = self
            .ok(request_id, 200)
            .with_header("access-control-allow-origin", allow_origin)
            .with_header("access-control-allow-methods", rule.allowed_methods.join(", "));
        if !requested.is_empty() {
            response = response.with_header("access-control-allow-headers", requested.join(", "));
        }
        if !rule.expose_headers.is_empty() {
            response = response.with_header("access-control-expose-headers", rule.expose_headers.join(", "));
        }
        if let Some(age) = rule.max_age_seconds {
            response = response.with_header("access-control-max-age", age.to_string());
        }
        if cors.response_vary {
            response = response.with_header("vary", "Origin");
        }
        Ok(response)
    }

    fn respond(&self, request: &SimRequest, request_id: &str) -> Result<SimResponse, (String, OssError)> {
        let target = self.route(request).map_err(|e| (request.host().unwrap_or_default().to_string(), e))?;
        let host = target.host.clone();
        let fail = |e: OssError| (host.clone(), e);
        if request.method == Method::OPTIONS {
            return self.preflight(request, &target, request_id).map_err(fail);
        }
        let op = Op::classify(&request.method, &target).ok_or_else(|| {
            fail(OssError::new(
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                "0016-00000002",
            ))
        })?;
        match self.authenticate(request, &target).map_err(fail)? {
            Caller::Anonymous => {
                if !self.anonymous_allowed(op, &target) {
                    return Err(fail(OssError::new(
                        403,
                        "AccessDenied",
                        "You have no right to access this object because of bucket acl.",
                        "0003-00000001",
                    )));
                }
            }
            Caller::Principal(principal) => {
                if !self.identity.authorize(&principal, op.action(), &self.resource(&target)) {
                    return Err(fail(
                        OssError::new(
                            403,
                            "AccessDenied",
                            format!(
                                "You are not authorized to do this action ({}). You should be authorized by RAM.",
                                op.action()
                            ),
                            "0003-00000301",
                        )
                        .with("AuthAction", op.action())
                        .with("AuthResource", self.resource(&target)),
                    ));
                }
            }
        }
        self.dispatch(op, request, &target, request_id).map_err(fail)
    }
}

fn public_acl_blocked() -> OssError {
    OssError::new(403, "AccessDenied", "Put public bucket acl is not allowed.", "0003-00000905")
}

fn base64_md5(body: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

fn matching_rule<'a>(cors: &'a SimCors, origin: &str, method: &str, requested: &[String]) -> Option<&'a SimCorsRule> {
    cors.rules.iter().find(|rule| {
        rule.allowed_origins.iter().any(|o| glob(o, origin, false))
            && rule.allowed_methods.iter().any(|m| m.eq_ignore_ascii_case(method))
            && requested.iter().all(|h| rule.allowed_headers.iter().any(|a| glob(a, h, true)))
    })
}

/// Adds `Access-Control-Allow-Origin` and friends to an actual (non-preflight) request that carries a matching
/// `Origin`.
fn with_cors_headers(response: SimResponse, bucket: &SimBucket, request: &SimRequest) -> SimResponse {
    let (Some(origin), Some(cors)) = (request.header("origin"), &bucket.cors) else { return response };
    let Some(rule) = matching_rule(cors, origin, request.method.as_str(), &[]) else { return response };
    let allow_origin = if rule.allowed_origins.iter().any(|o| o == "*") { "*" } else { origin };
    let mut response = response
        .with_header("access-control-allow-origin", allow_origin)
        .with_header("access-control-allow-methods", rule.allowed_methods.join(", "));
    if !rule.expose_headers.is_empty() {
        response = response.with_header("access-control-expose-headers", rule.expose_headers.join(", "));
    }
    if cors.response_vary {
        response = response.with_header("vary", "Origin");
    }
    response
}

fn malformed(what: &str) -> OssError {
    OssError::new(
        400,
        "MalformedXML",
        format!("The XML you provided was not well-formed or did not validate: {what}"),
        "0016-00000903",
    )
}

fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, OssError> {
    let text = std::str::from_utf8(body).map_err(|_| malformed("not UTF-8"))?;
    quick_xml::de::from_str(text).map_err(|e| malformed(&e.to_string()))
}

#[derive(Deserialize)]
#[serde(rename = "PublicAccessBlockConfiguration")]
struct BpaXml {
    #[serde(rename = "BlockPublicAccess")]
    block_public_access: bool,
}

fn parse_bpa(body: &[u8]) -> Result<bool, OssError> {
    parse_body::<BpaXml>(body).map(|b| b.block_public_access)
}

fn bpa_xml(block: bool) -> String {
    format!(
        "<PublicAccessBlockConfiguration><BlockPublicAccess>{block}</BlockPublicAccess></PublicAccessBlockConfiguration>"
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateConfigXml {
    #[serde(rename = "StorageClass")]
    storage_class: Option<String>,
    #[serde(rename = "DataRedundancyType")]
    redundancy: Option<String>,
}

fn parse_create_config(body: &[u8]) -> Result<CreateConfigXml, OssError> {
    if body.is_empty() {
        return Ok(CreateConfigXml::default());
    }
    let config: CreateConfigXml = parse_body(body)?;
    if let Some(c) = &config.storage_class
        && !matches!(c.as_str(), "Standard" | "IA" | "Archive" | "ColdArchive" | "DeepColdArchive")
    {
        return Err(OssError::new(400, "InvalidArgument", format!("Invalid storage class {c}"), "0015-00000205"));
    }
    if let Some(r) = &config.redundancy
        && !matches!(r.as_str(), "LRS" | "ZRS")
    {
        return Err(OssError::new(
            400,
            "InvalidArgument",
            format!("Invalid data redundancy type {r}"),
            "0015-00000206",
        ));
    }
    Ok(config)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CorsRuleXml {
    #[serde(rename = "AllowedOrigin")]
    allowed_origins: Vec<String>,
    #[serde(rename = "AllowedMethod")]
    allowed_methods: Vec<String>,
    #[serde(rename = "AllowedHeader")]
    allowed_headers: Vec<String>,
    #[serde(rename = "ExposeHeader")]
    expose_headers: Vec<String>,
    #[serde(rename = "MaxAgeSeconds")]
    max_age_seconds: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CorsXml {
    #[serde(rename = "CORSRule")]
    rules: Vec<CorsRuleXml>,
    #[serde(rename = "ResponseVary")]
    response_vary: Option<bool>,
}

fn parse_cors(body: &[u8]) -> Result<SimCors, OssError> {
    if body.len() > 16 * 1024 {
        return Err(OssError::new(400, "EntityTooLarge", "The CORS configuration exceeds 16 KB.", "0015-00000601"));
    }
    let doc: CorsXml = parse_body(body)?;
    let invalid = |m: String| OssError::new(400, "InvalidArgument", m, "0015-00000602");
    if doc.rules.is_empty() {
        return Err(malformed("no CORSRule"));
    }
    if doc.rules.len() > 10 {
        return Err(invalid("too many CORS rules (at most 10)".into()));
    }
    let mut rules = Vec::new();
    for r in doc.rules {
        if r.allowed_origins.is_empty() || r.allowed_methods.is_empty() {
            return Err(malformed("a CORSRule needs AllowedOrigin and AllowedMethod"));
        }
        if let Some(m) =
            r.allowed_methods.iter().find(|m| !matches!(m.as_str(), "GET" | "PUT" | "DELETE" | "POST" | "HEAD"))
        {
            return Err(invalid(format!("Unsupported method {m} in CORS config")));
        }
        if r.allowed_origins.iter().chain(&r.allowed_headers).any(|v| v.matches('*').count() > 1) {
            return Err(invalid("at most one wildcard is allowed in AllowedOrigin and AllowedHeader".into()));
        }
        if r.expose_headers.iter().any(|h| h.contains('*')) {
            return Err(invalid("ExposeHeader must not contain a wildcard".into()));
        }
        rules.push(SimCorsRule {
            allowed_origins: r.allowed_origins,
            allowed_methods: r.allowed_methods,
            allowed_headers: r.allowed_headers,
            expose_headers: r.expose_headers,
            max_age_seconds: r.max_age_seconds,
        });
    }
    Ok(SimCors { rules, response_vary: doc.response_vary.unwrap_or(false) })
}

fn cors_xml(cors: &SimCors) -> String {
    let mut xml = String::from("<CORSConfiguration>");
    for rule in &cors.rules {
        xml.push_str("<CORSRule>");
        for (tag, values) in [
            ("AllowedOrigin", &rule.allowed_origins),
            ("AllowedMethod", &rule.allowed_methods),
            ("AllowedHeader", &rule.allowed_headers),
            ("ExposeHeader", &rule.expose_headers),
        ] {
            for v in values {
                let _ = write!(xml, "<{tag}>{}</{tag}>", xml_escape(v));
            }
        }
        if let Some(age) = rule.max_age_seconds {
            let _ = write!(xml, "<MaxAgeSeconds>{age}</MaxAgeSeconds>");
        }
        xml.push_str("</CORSRule>");
    }
    let _ = write!(xml, "<ResponseVary>{}</ResponseVary></CORSConfiguration>", cors.response_vary);
    xml
}

fn list_objects_xml(bucket: &SimBucket, target: &Target) -> String {
    let prefix = target.param("prefix").unwrap_or_default();
    let marker = target.param("marker").unwrap_or_default();
    let max_keys: usize = target.param("max-keys").and_then(|m| m.parse().ok()).unwrap_or(100).clamp(1, 1000);
    let matching: Vec<(&String, &SimObject)> =
        bucket.objects.iter().filter(|(k, _)| k.starts_with(prefix) && k.as_str() > marker).collect();
    let truncated = matching.len() > max_keys;
    let page = &matching[..matching.len().min(max_keys)];
    let mut xml = format!(
        "<ListBucketResult><Name>{}</Name><Prefix>{}</Prefix><Marker>{}</Marker><MaxKeys>{max_keys}</MaxKeys><Delimiter></Delimiter><IsTruncated>{truncated}</IsTruncated>",
        bucket.name,
        xml_escape(prefix),
        xml_escape(marker)
    );
    if truncated && let Some((k, _)) = page.last() {
        let _ = write!(xml, "<NextMarker>{}</NextMarker>", xml_escape(k));
    }
    for (k, o) in page {
        let _ = write!(
            xml,
            "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Type>Normal</Type><Size>{}</Size><StorageClass>{}</StorageClass><Owner><ID>{owner}</ID><DisplayName>{owner}</DisplayName></Owner></Contents>",
            xml_escape(k),
            iso(o.last_modified),
            xml_escape(&o.etag),
            o.body.len(),
            bucket.storage_class,
            owner = bucket.owner
        );
    }
    xml.push_str("</ListBucketResult>");
    xml
}

impl Simulator for OssSimulator {
    fn service(&self) -> &'static str {
        "oss"
    }

    fn handle(&self, request: &SimRequest) -> SimResponse {
        let request_id = self.request_id();
        match self.respond(request, &request_id) {
            Ok(response) => response,
            Err((host, e)) => self.error_response(request, &host, &request_id, e),
        }
    }

    fn injected_error(&self, error: InjectedError) -> SimResponse {
        let request_id = self.request_id();
        let host = self.endpoint_host.clone();
        let request = SimRequest::new(Method::GET, "/", &[], "");
        match error {
            InjectedError::InternalError => self.error_response(
                &request,
                &host,
                &request_id,
                OssError::new(
                    500,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                    "0000-00000001",
                ),
            ),
            InjectedError::ServiceUnavailable => self.error_response(
                &request,
                &host,
                &request_id,
                OssError::new(
                    503,
                    "ServiceUnavailable",
                    "Service is temporarily unavailable, please try again later.",
                    "0000-00000002",
                ),
            ),
            InjectedError::Throttled { retry_after } => self
                .error_response(
                    &request,
                    &host,
                    &request_id,
                    OssError::new(503, "SlowDown", "Please reduce your request rate.", "0000-00000003"),
                )
                .with_header("retry-after", retry_after.as_secs().max(1).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_allow_one_wildcard() {
        assert!(glob("*", "https://a.example.com", false));
        assert!(glob("https://*.example.com", "https://a.example.com", false));
        assert!(!glob("https://*.example.com", "https://example.org", false));
        assert!(glob("X-OSS-*", "x-oss-meta-a", true));
        assert!(!glob("https://a.com", "https://b.com", false));
    }

    #[test]
    fn routing_by_host() {
        let sim = OssSimulator::standalone("cn-hangzhou", "ak", "sk");
        let r = SimRequest::new(Method::GET, "/a%20b?acl", &[("host", "b1-x.oss-cn-hangzhou.aliyuncs.com:1234")], "");
        let t = sim.route(&r).ok().unwrap_or_else(|| panic!("routed"));
        assert_eq!(t.bucket.as_deref(), Some("b1-x"));
        assert_eq!(t.key.as_deref(), Some("a b"));
        assert_eq!(t.query, vec![("acl".to_string(), String::new())]);
        let path_style = SimRequest::new(Method::GET, "/b1-x/k", &[("host", "oss-cn-hangzhou.aliyuncs.com")], "");
        assert!(sim.route(&path_style).err().is_some_and(|e| e.code == "SecondLevelDomainForbidden"));
        let bad = SimRequest::new(Method::GET, "/", &[("host", "Bad_Name.oss-cn-hangzhou.aliyuncs.com")], "");
        assert!(sim.route(&bad).err().is_some_and(|e| e.code == "InvalidBucketName"));
        let elsewhere = SimRequest::new(Method::GET, "/", &[("host", "b1-x.oss-cn-beijing.aliyuncs.com")], "");
        assert!(sim.route(&elsewhere).err().is_some_and(|e| e.code == "AccessDenied"));
    }
}
