//! The Aliyun OSS simulator: buckets, ACLs, CORS, Block Public Access and objects in memory, behind the real
//! service's signature checks (OSS V1 and V4, and AWS SigV4 on the S3-compatible path) and RAM authorisation.
//!
//! Requests are routed by `Host` as OSS does ([`routes`]): `<bucket>.oss-<region>.aliyuncs.com` and
//! `<bucket>.s3.oss-<region>.aliyuncs.com` (the endpoint Aliyun documents for AWS SDKs) for bucket and object
//! operations, `oss-<region>.aliyuncs.com` for ListBuckets and the account's Block Public Access; `-internal`
//! variants too. The server listens on `127.0.0.1`, so clients connect there and keep the real `Host` header
//! (the port is ignored).
//!
//! The simulator verifies signatures with code of its own ([`auth`], checked on the official vectors) and,
//! for AWS SigV4, with the `aws-sigv4` crate ([`sigv4`]); it never uses `oss-client` to decide what is
//! correct. Operations are an explicit table; anything else is refused without a state change.
//!
//! Documented behaviour reproduced: `SignatureDoesNotMatch` with the `StringToSign`, the 15-minute skew window
//! (`RequestTimeTooSkewed`), unknown or disabled keys (`InvalidAccessKeyId`), V1 refused for new accounts
//! unless allowed (403, EC `0002-00000080`), the mainland default-endpoint ban for accounts flagged new (400
//! `PublicEndpointForbidden`, EC `0048-00000401`), `InvalidBucketName`, `BucketAlreadyExists`, Block Public
//! Access on for new buckets, CORS replace semantics and preflight, `BucketNotEmpty`, anonymous reads of public
//! objects, ListObjects V1/V2 with delimiters, batch delete, `Range`, conditional GET/HEAD, object ACLs and
//! `x-oss-err` on HEAD errors.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use sandbox::oss::OssSimulator;
//! let sim = OssSimulator::standalone("cn-hangzhou", "LTAI5tTEST", "test-secret");
//! let server = sim.start(sandbox::RequestLog::new()).await.unwrap();
//! sim.seed_bucket("lobechat-assets");
//! assert!(sim.bucket("lobechat-assets").unwrap().block_public_access);
//! // Anonymous access to a bucket that does not exist: 404 NoSuchBucket.
//! let url = format!("{}/", server.base_url());
//! let answer = reqwest::Client::new().get(&url).header("host", "missing.oss-cn-hangzhou.aliyuncs.com").send().await.unwrap();
//! assert_eq!(answer.status(), 404);
//! # });
//! ```

pub(crate) mod auth;
mod handlers;
pub(crate) mod render;
pub(crate) mod routes;
pub(crate) mod sigv4;
mod state;

pub use state::{SimBucket, SimCors, SimCorsRule, SimObject};

use crate::aliyun_identity::{AliyunIdentity, KeyStatus, Principal};
use crate::server::lock;
use crate::{InjectedError, RequestLog, SimRequest, SimResponse, SimServer, Simulator};
use auth::{same_signature, v1, v4};
use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};
use http::Method;
use render::{OssError, http_date, iso};
use routes::{Op, Scope, Target};
use sha2::{Digest, Sha256};
use state::{OssState, new_bucket, new_object};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The skew OSS tolerates between the request time and its own clock.
pub const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);
/// The most buckets an account may own in a region.
pub const MAX_BUCKETS: usize = 100;
/// The EC OSS answers when V1 signatures are refused.
pub const EC_V1_DISABLED: &str = "0002-00000080";
/// The EC of `PublicEndpointForbidden` (field-truth §2.2).
pub const EC_PUBLIC_ENDPOINT_FORBIDDEN: &str = "0048-00000401";

/// The OSS simulator. Build it with [`OssSimulator::new`] (sharing an account with the RAM simulator) or
/// [`OssSimulator::standalone`], serve it with [`OssSimulator::start`], and inspect or seed its state with the
/// test hooks.
pub struct OssSimulator {
    identity: Arc<AliyunIdentity>,
    region: String,
    endpoint_host: String,
    state: Mutex<OssState>,
    next_request: AtomicU64,
    /// Milliseconds added to the system clock (kept outside `state` so it can be read while `state` is locked).
    clock_offset_ms: AtomicI64,
}

impl std::fmt::Debug for OssSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OssSimulator").field("region", &self.region).field("endpoint", &self.endpoint_host).finish()
    }
}

/// Who signed the request.
pub(crate) enum Caller {
    Anonymous,
    Principal(Principal),
}

impl OssSimulator {
    /// A simulator for `region` (an id such as `cn-hangzhou`) backed by the shared account `identity`. Like a
    /// new Aliyun account, it refuses V1 signatures until [`set_v1_signatures_allowed`](Self::set_v1_signatures_allowed).
    pub fn new(identity: Arc<AliyunIdentity>, region: &str) -> Arc<Self> {
        Arc::new(Self {
            identity,
            region: region.to_string(),
            endpoint_host: format!("oss-{region}.aliyuncs.com"),
            state: Mutex::new(OssState::new()),
            next_request: AtomicU64::new(1),
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

    /// The S3-compatible endpoint host, `s3.oss-<region>.aliyuncs.com`.
    pub fn s3_endpoint_host(&self) -> String {
        format!("s3.{}", self.endpoint_host)
    }

    /// Allows or refuses V1 signatures (refused by default, as for accounts created after 2025-03-01).
    pub fn set_v1_signatures_allowed(&self, allowed: bool) {
        lock(&self.state).v1_allowed = allowed;
    }

    /// Flags the account as one that activated OSS after 2025-03-20: data API calls (object operations and
    /// batch delete) through the default public endpoints of a Chinese-mainland region then answer 400
    /// `PublicEndpointForbidden`, EC `0048-00000401`; bucket management, `-internal` endpoints and regions
    /// outside the mainland (`cn-hongkong`, `ap-*`, …) are not affected
    /// (https://help.aliyun.com/zh/oss/publicendpointforbidden-error-when-upload-object; field-truth §2.2).
    pub fn set_new_account(&self, new_account: bool) {
        lock(&self.state).new_account = new_account;
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

    /// A fingerprint of everything the simulator holds (buckets, objects, configuration, account knobs), for
    /// tests asserting that a request changed nothing.
    pub fn state_fingerprint(&self) -> String {
        format!("{:?}", *lock(&self.state))
    }

    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.clock_offset_ms.load(Ordering::Relaxed))
    }

    fn request_id(&self) -> String {
        format!("5F{:022X}", self.next_request.fetch_add(1, Ordering::Relaxed))
    }

    /// The error answer; on HEAD without a body, the document base64-encoded in `x-oss-err` instead.
    fn error_response(&self, request: &SimRequest, host: &str, request_id: &str, e: OssError) -> SimResponse {
        let xml = e.xml(request_id, host);
        let response = SimResponse::empty(e.status)
            .with_header("x-oss-request-id", request_id)
            .with_header("date", http_date(self.now()))
            .with_header("server", "AliyunOSS");
        let response = if e.ec.is_empty() { response } else { response.with_header("x-oss-ec", e.ec) };
        if request.method == Method::HEAD {
            return response.with_header("x-oss-err", render::x_oss_err(&xml));
        }
        response.with_header("content-type", "application/xml").with_body(xml)
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

    /// The request pipeline: route, pick the operation from the table, the mainland endpoint rule,
    /// authenticate, authorise, then the handler.
    fn respond(&self, request: &SimRequest, request_id: &str) -> Result<SimResponse, (String, OssError)> {
        let target =
            routes::route(request, &self.region).map_err(|e| (request.host().unwrap_or_default().to_string(), e))?;
        let host = target.host.clone();
        let fail = |e: OssError| (host.clone(), e);
        let scope = target.scope();
        if request.method == Method::OPTIONS && scope != Scope::Service {
            return self.preflight(request, &target, request_id).map_err(fail);
        }
        let subs = target.sub_resources();
        let op = routes::lookup(request.method.as_str(), scope, &subs)
            .ok_or_else(|| fail(routes::unsupported(request.method.as_str(), scope)))?;
        // CopyObject is not modelled: refused rather than served as an empty PutObject.
        if op == Op::PutObject
            && (request.header("x-oss-copy-source").is_some() || request.header("x-amz-copy-source").is_some())
        {
            return Err(fail(routes::unsupported("PUT", scope)));
        }
        if op.is_data() && !target.internal && routes::is_mainland(&self.region) && lock(&self.state).new_account {
            return Err(fail(OssError::new(
                400,
                "PublicEndpointForbidden",
                "Data API operations on buckets in the Chinese mainland are forbidden through the default public endpoint for this account. Bind a custom domain name to the bucket and use it instead.",
                EC_PUBLIC_ENDPOINT_FORBIDDEN,
            )));
        }
        let caller = self.authenticate(request, &target).map_err(fail)?;
        self.authorize(&caller, op, request, &target).map_err(fail)?;
        self.dispatch(op, request, &target, request_id).map_err(fail)
    }

    fn resource(&self, bucket: Option<&str>, key: Option<&str>) -> String {
        let account = self.identity.account_id();
        match (bucket, key) {
            (None, _) => format!("acs:oss:*:{account}:*"),
            (Some(b), None) => format!("acs:oss:*:{account}:{b}"),
            (Some(b), Some(k)) => format!("acs:oss:*:{account}:{b}/{k}"),
        }
    }

    fn authorize(&self, caller: &Caller, op: Op, request: &SimRequest, target: &Target) -> Result<(), OssError> {
        let principal = match caller {
            Caller::Anonymous => return self.anonymous_allowed(op, target),
            Caller::Principal(p) => p,
        };
        let denied = |resource: String| {
            OssError::new(
                403,
                "AccessDenied",
                format!("You are not authorized to do this action ({}). You should be authorized by RAM.", op.action()),
                "0003-00000301",
            )
            .with("AuthAction", op.action())
            .with("AuthResource", resource)
        };
        let bucket = target.bucket.as_deref();
        if op == Op::DeleteMultipleObjects {
            // Each key needs oss:DeleteObject on its object (a malformed body is the handler's error).
            if let Ok((_, keys)) = render::parse_delete(&request.body) {
                for key in keys {
                    let resource = self.resource(bucket, Some(&key));
                    if !self.identity.authorize(principal, op.action(), &resource) {
                        return Err(denied(resource));
                    }
                }
            }
            return Ok(());
        }
        let resource = self.resource(bucket, target.key.as_deref());
        if !self.identity.authorize(principal, op.action(), &resource) {
            return Err(denied(resource));
        }
        Ok(())
    }

    /// An anonymous caller may read objects in a public bucket and write in a public-read-write one, while
    /// Block Public Access is off; a bucket that does not exist is 404 `NoSuchBucket` (field-truth §2.3).
    fn anonymous_allowed(&self, op: Op, target: &Target) -> Result<(), OssError> {
        let denied = || {
            OssError::new(
                403,
                "AccessDenied",
                "You have no right to access this object because of bucket acl.",
                "0003-00000001",
            )
        };
        let state = lock(&self.state);
        let Some(name) = &target.bucket else { return Err(denied()) };
        let Some(bucket) = state.buckets.get(name) else {
            if state.foreign.contains(name) {
                return Err(denied());
            }
            return Err(OssError::new(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101")
                .with("BucketName", name.clone()));
        };
        if state.effective_bpa(bucket) {
            return Err(denied());
        }
        let acl = match target.key.as_ref().and_then(|k| bucket.objects.get(k)).map(|o| o.acl.as_str()) {
            Some(a) if a != "default" => a,
            _ => bucket.acl.as_str(),
        };
        let allowed = match op {
            Op::GetObject | Op::HeadObject => acl == "public-read" || acl == "public-read-write",
            Op::PutObject | Op::DeleteObject => bucket.acl == "public-read-write",
            _ => false,
        };
        if allowed { Ok(()) } else { Err(denied()) }
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

    /// Identifies the caller from whichever signature the request carries (aliyun-oss-ram.md §1; S3 SigV4 on
    /// either endpoint), or anonymous.
    fn authenticate(&self, request: &SimRequest, target: &Target) -> Result<Caller, OssError> {
        let invalid = |m: &str| OssError::new(400, "InvalidArgument", m, "0002-00000003");
        let method = request.method.as_str();
        let (bucket, key) = (target.bucket.as_deref(), target.key.as_deref());
        let presigned = target.has("Signature") || target.has("x-oss-signature") || target.has("X-Amz-Signature");
        if let Some(authorization) = request.header("authorization") {
            if presigned {
                return Err(invalid("Authorization header and query-string authentication used together."));
            }
            if authorization.starts_with(sigv4::ALGORITHM) {
                return self.authenticate_sigv4(request, target, Some(authorization));
            }
            if authorization.starts_with(v4::ALGORITHM) {
                let parsed = v4::parse_authorization(authorization)
                    .ok_or_else(|| invalid("Authorization header is invalid."))?;
                let c = &parsed.credential;
                let (principal, secret) = self.principal_for(&c.access_key_id)?;
                if c.region != self.region {
                    return Err(invalid("Invalid signing region in Authorization header."));
                }
                let datetime = request
                    .header("x-oss-date")
                    .ok_or_else(|| OssError::new(403, "AccessDenied", "Missing x-oss-date header.", "0002-00000012"))?;
                let signed_at = NaiveDateTime::parse_from_str(datetime, "%Y%m%dT%H%M%SZ")
                    .map_err(|_| OssError::new(403, "AccessDenied", "Invalid x-oss-date header.", "0002-00000012"))?
                    .and_utc();
                match request.header("x-oss-content-sha256") {
                    Some("UNSIGNED-PAYLOAD") => {}
                    Some(_) => {
                        return Err(OssError::new(
                            400,
                            "InvalidArgument",
                            "x-oss-content-sha256 must be UNSIGNED-PAYLOAD.",
                            "0002-00000214",
                        ));
                    }
                    None => return Err(invalid("Missing required header x-oss-content-sha256.")),
                }
                self.check_skew(signed_at)?;
                let requested: Vec<&str> = parsed.additional_headers.iter().map(String::as_str).collect();
                let additional = v4::additional_headers(&request.headers, &requested);
                let canonical =
                    v4::canonical_request(method, bucket, key, &target.query, &request.headers, &additional);
                let sts = v4::string_to_sign(datetime, &v4::scope(&c.date, &c.region), &canonical);
                if !same_signature(&v4::signature(&secret, &c.date, &c.region, &sts), &parsed.signature) {
                    return Err(Self::mismatch(&sts, &parsed.signature, &c.access_key_id, Some(&canonical)));
                }
                return Ok(Caller::Principal(principal));
            }
            let (ak, provided) =
                v1::parse_authorization(authorization).ok_or_else(|| invalid("Authorization header is invalid."))?;
            let (principal, secret) = self.principal_for(&ak)?;
            self.v1_refused()?;
            let date_line = request
                .header("x-oss-date")
                .or(request.header("date"))
                .ok_or_else(|| OssError::new(403, "AccessDenied", "Missing Date header.", "0002-00000012"))?;
            let signed_at = DateTime::parse_from_rfc2822(date_line)
                .map_err(|_| OssError::new(403, "AccessDenied", "Invalid Date header.", "0002-00000012"))?
                .with_timezone(&Utc);
            self.check_skew(signed_at)?;
            let sts = v1::string_to_sign(method, &request.headers, bucket, key, &target.query, date_line);
            if !same_signature(&v1::signature(&secret, &sts), &provided) {
                return Err(Self::mismatch(&sts, &provided, &ak, None));
            }
            return Ok(Caller::Principal(principal));
        }
        if target.has("X-Amz-Signature") || target.has("X-Amz-Algorithm") || target.has("X-Amz-Credential") {
            return self.authenticate_sigv4(request, target, None);
        }
        if let Some(provided) = target.param("x-oss-signature") {
            let credential = target.param("x-oss-credential").ok_or_else(|| invalid("Missing x-oss-credential."))?;
            let c = v4::parse_credential(credential).ok_or_else(|| invalid("Invalid x-oss-credential."))?;
            let (principal, secret) = self.principal_for(&c.access_key_id)?;
            if c.region != self.region {
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
            let query: Vec<(String, String)> =
                target.query.iter().filter(|(k, _)| k != "x-oss-signature").cloned().collect();
            let requested: Vec<&str> =
                target.param("x-oss-additional-headers").map(|h| h.split(';').collect()).unwrap_or_default();
            let additional = v4::additional_headers(&request.headers, &requested);
            let canonical = v4::canonical_request(method, bucket, key, &query, &request.headers, &additional);
            let sts = v4::string_to_sign(datetime, &v4::scope(&c.date, &c.region), &canonical);
            if !same_signature(&v4::signature(&secret, &c.date, &c.region, &sts), provided) {
                return Err(Self::mismatch(&sts, provided, &c.access_key_id, Some(&canonical)));
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
            let sts = v1::string_to_sign(method, &request.headers, bucket, key, &target.query, expires);
            if !same_signature(&v1::signature(&secret, &sts), provided) {
                return Err(Self::mismatch(&sts, provided, ak, None));
            }
            return Ok(Caller::Principal(principal));
        }
        Ok(Caller::Anonymous)
    }

    /// AWS SigV4, header (`authorization` given) or presigned.
    fn authenticate_sigv4(
        &self,
        request: &SimRequest,
        target: &Target,
        authorization: Option<&str>,
    ) -> Result<Caller, OssError> {
        let auth = match authorization {
            Some(value) => sigv4::parse_header(value, &request.headers)?,
            None => sigv4::parse_query(&target.query)?,
        };
        let payload = if auth.presigned() {
            None
        } else {
            let Some(payload) = request.header("x-amz-content-sha256") else {
                return Err(OssError::new(
                    400,
                    "InvalidRequest",
                    "Missing required header for this request: x-amz-content-sha256",
                    "",
                ));
            };
            // OSS refuses aws-chunked uploads (field-truth §2.1, infiniflow/ragflow#12766).
            if payload.starts_with("STREAMING-") {
                return Err(OssError::new(
                    400,
                    "InvalidArgument",
                    "aws-chunked encoding is not supported with the specified x-amz-content-sha256 value.",
                    "",
                ));
            }
            if payload != "UNSIGNED-PAYLOAD" {
                let actual = hex::encode(Sha256::digest(&request.body));
                if !payload.eq_ignore_ascii_case(&actual) {
                    return Err(OssError::new(
                        400,
                        "XAmzContentSHA256Mismatch",
                        "The provided 'x-amz-content-sha256' header does not match what was computed.",
                        "",
                    )
                    .with("ClientComputedContentSHA256", payload)
                    .with("S3ComputedContentSHA256", actual));
                }
            }
            Some(payload)
        };
        sigv4::check_scope(&auth, &self.region)?;
        let (principal, secret) = self.principal_for(&auth.access_key_id)?;
        let signed_at = auth.signed_at().ok_or_else(|| {
            OssError::new(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", "")
        })?;
        let now = self.now();
        match auth.expires {
            Some(expires) => {
                if signed_at - now > MAX_SKEW {
                    return Err(OssError::new(403, "AccessDenied", "Request is not valid yet", ""));
                }
                if now > signed_at + chrono::Duration::seconds(expires as i64) {
                    return Err(OssError::new(403, "AccessDenied", "Request has expired", "0002-00000069")
                        .with("X-Amz-Expires", expires.to_string())
                        .with("Expires", iso(signed_at + chrono::Duration::seconds(expires as i64)))
                        .with("ServerTime", iso(now)));
                }
            }
            None => self.check_skew(signed_at)?,
        }
        let expected = sigv4::expected_signature(
            &auth,
            &secret,
            request.method.as_str(),
            request.path(),
            request.query(),
            &request.headers,
            payload,
        )?;
        if !same_signature(&expected, &auth.signature) {
            return Err(OssError::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                "0002-00000040",
            )
            .with("AWSAccessKeyId", auth.access_key_id.clone())
            .with("SignatureProvided", auth.signature.clone()));
        }
        Ok(Caller::Principal(principal))
    }
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
        let (e, retry_after) = match error {
            InjectedError::InternalError => (
                OssError::new(
                    500,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                    "0000-00000001",
                ),
                None,
            ),
            InjectedError::ServiceUnavailable => (
                OssError::new(
                    503,
                    "ServiceUnavailable",
                    "Service is temporarily unavailable, please try again later.",
                    "0000-00000002",
                ),
                None,
            ),
            InjectedError::Throttled { retry_after } => {
                (OssError::new(503, "SlowDown", "Please reduce your request rate.", "0000-00000003"), Some(retry_after))
            }
        };
        let response = self.error_response(&request, &host, &request_id, e);
        match retry_after {
            Some(after) => response.with_header("retry-after", after.as_secs().max(1).to_string()),
            None => response,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AK: &str = "LTAIprop";
    const SK: &str = "prop-secret";

    /// A simulator where a fall-through would be visible: a public-read-write bucket with Block Public Access
    /// off, an object, CORS, and the account key.
    fn seeded() -> Arc<OssSimulator> {
        let sim = OssSimulator::standalone("cn-hangzhou", AK, SK);
        sim.seed_object("bk1", "k", "original", "text/plain");
        {
            let mut state = lock(&sim.state);
            let bucket = state.buckets.get_mut("bk1").unwrap();
            bucket.block_public_access = false;
            bucket.acl = "public-read-write".into();
            bucket.cors = Some(SimCors::default());
        }
        sim
    }

    /// Signs with OSS V4 (the simulator's own canonicalisation) as the account.
    fn signed(sim: &OssSimulator, method: &Method, host: &str, path: &str, query: &str, body: &str) -> SimRequest {
        let now = sim.now();
        let datetime = now.format("%Y%m%dT%H%M%SZ").to_string();
        let date = &datetime[..8];
        let uri = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
        let mut request = SimRequest::new(
            method.clone(),
            &uri,
            &[("host", host), ("x-oss-date", &datetime), ("x-oss-content-sha256", "UNSIGNED-PAYLOAD")],
            body.to_string(),
        );
        let target = routes::route(&request, "cn-hangzhou").unwrap();
        let canonical = v4::canonical_request(
            method.as_str(),
            target.bucket.as_deref(),
            target.key.as_deref(),
            &target.query,
            &request.headers,
            &[],
        );
        let sts = v4::string_to_sign(&datetime, &v4::scope(date, "cn-hangzhou"), &canonical);
        let signature = v4::signature(SK, date, "cn-hangzhou", &sts);
        let value =
            format!("OSS4-HMAC-SHA256 Credential={AK}/{date}/cn-hangzhou/oss/aliyun_v4_request,Signature={signature}");
        request.headers.insert("authorization", http::HeaderValue::from_str(&value).unwrap());
        request
    }

    #[test]
    fn a_signed_request_in_the_table_is_served() {
        let sim = seeded();
        let r = signed(&sim, &Method::GET, "bk1.oss-cn-hangzhou.aliyuncs.com", "/k", "", "");
        let response = sim.handle(&r);
        assert_eq!(response.status.as_u16(), 200, "{}", String::from_utf8_lossy(&response.body));
        assert_eq!(&response.body[..], b"original");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// A request whose (method, sub-resource) is not in the routing table never changes the simulator's
        /// state, signed by the account or anonymous, whatever its body.
        #[test]
        fn requests_outside_the_table_change_nothing(
            method in prop::sample::select(vec!["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "COPY"]),
            scope in 0usize..3,
            sub in prop::option::of(prop::sample::select(routes::OPERATION_SUB_RESOURCES.to_vec())),
            second in prop::option::of(prop::sample::select(routes::OPERATION_SUB_RESOURCES.to_vec())),
            value in "[a-z0-9]{0,6}",
            body in "[ -~]{0,60}",
            sign in any::<bool>(),
        ) {
            let (host, path, scope_enum) = match scope {
                0 => ("oss-cn-hangzhou.aliyuncs.com", "/", Scope::Service),
                1 => ("bk1.oss-cn-hangzhou.aliyuncs.com", "/", Scope::Bucket),
                _ => ("bk1.oss-cn-hangzhou.aliyuncs.com", "/k", Scope::Object),
            };
            let mut subs: Vec<&str> = sub.into_iter().chain(second).collect();
            subs.sort_unstable();
            subs.dedup();
            prop_assume!(routes::lookup(method, scope_enum, &subs).is_none());
            let query = subs.iter().map(|s| if value.is_empty() { s.to_string() } else { format!("{s}={value}") }).collect::<Vec<_>>().join("&");
            let sim = seeded();
            let before = sim.state_fingerprint();
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let request = if sign {
                signed(&sim, &m, host, path, &query, &body)
            } else {
                let uri = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
                SimRequest::new(m, &uri, &[("host", host)], body.clone())
            };
            let response = sim.handle(&request);
            prop_assert_eq!(response.status.as_u16(), 405, "{} {:?}", method, subs);
            prop_assert_eq!(sim.state_fingerprint(), before);
        }
    }
}
