//! The Aliyun OSS simulator: buckets, ACLs, CORS, Block Public Access and objects in memory, behind the real
//! service's signature checks (OSS V1 and V4, and AWS SigV4 on the S3-compatible path) and RAM authorisation.
//!
//! Requests are routed by `Host` as OSS does ([`routes`]): `<bucket>.oss-<region>.aliyuncs.com` and
//! `<bucket>.s3.oss-<region>.aliyuncs.com` (the endpoint Aliyun documents for AWS SDKs) for bucket and object
//! operations, `oss-<region>.aliyuncs.com` for ListBuckets and the account's Block Public Access; `-internal`
//! variants too. The server listens on `127.0.0.1`, so clients connect there and keep the real `Host` header
//! (the port is ignored).
//!
//! The simulator verifies signatures with code of its own ([`signature`], checked on the official vectors) and,
//! for AWS SigV4, from the AWS specification ([`sigv4`]); it never uses `oss-client` to decide what is
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
//!
//! Layout: this file (the simulator, its test hooks, the request pipeline and the [`Simulator`] impl), [`routes`]
//! (host routing, the operation table), `auth` (authentication of each signature scheme, authorisation by RAM
//! policy or ACL), [`signature`] and [`sigv4`] (signature computation), `handlers` (one function per
//! operation), [`render`] (XML in and out, the error document), `state` (what the account holds).

mod auth;
mod handlers;
pub(crate) mod render;
pub(crate) mod routes;
pub(crate) mod signature;
pub(crate) mod sigv4;
mod state;

pub use state::{SimBucket, SimCors, SimCorsRule, SimObject};

use crate::aliyun_identity::AliyunIdentity;
use crate::server::lock;
use crate::{InjectedError, RequestLog, SimRequest, SimResponse, SimServer, Simulator};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::Method;
use render::{OssError, http_date};
use routes::{Op, Scope};
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
    use super::signature::v4;
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
