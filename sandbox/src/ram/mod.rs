//! The RAM simulator: the RPC API at `/` (`Version=2015-05-01`) over the shared [`AliyunIdentity`], so users,
//! keys and policies created here are what the OSS simulator authenticates and authorises against.
//!
//! Documented behaviour it reproduces:
//! - **Signatures**: V2 (`SignatureMethod=HMAC-SHA1`, GET query or POST form, key = secret + `&`) and V3
//!   (`Authorization: ACS3-HMAC-SHA256 …` over the canonical request, `x-acs-content-sha256` checked), computed
//!   by [`signature`] — the simulator's own code, tested on the documented vectors, sharing nothing with
//!   `oss-client`; a mismatch answers `SignatureDoesNotMatch` with the server's string to sign.
//! - **Replay protection**: a reused `SignatureNonce` gets `SignatureNonceUsed`; a `Timestamp` / `x-acs-date`
//!   more than 15 minutes off gets `InvalidTimeStamp.Expired` (with the server's `Date`), a malformed one
//!   `InvalidTimeStamp.Format`.
//! - **Keys**: `InvalidAccessKeyId.NotFound` / `.Inactive`; at most two keys per user
//!   (`LimitExceeded.User.AccessKey`); the secret appears only in the CreateAccessKey answer; without `UserName`
//!   key operations act on the caller.
//! - **Users**: `EntityAlreadyExists.User`, `EntityNotExist.User`, DeleteUser refused with
//!   `DeleteConflict.User.AccessKey` / `DeleteConflict.User.Policy` while keys or policies remain; ListUsers
//!   and ListPolicies page with `MaxItems` (1–1000, default 100), `Marker` and `IsTruncated`.
//! - **Policies**: the system policies `AliyunOSSFullAccess` and `AliyunOSSReadOnlyAccess`; custom policies
//!   with up to five versions (`LimitExceeded.Policy.Version`, or `RotateStrategy`), `SetAsDefault`,
//!   `DeleteConflict.Policy.User` / `.Version` unless `CascadingDelete`, `DeleteConflict.PolicyVersion.Default`,
//!   `MalformedPolicyDocument`, the 6144-character limit; attach and detach answer
//!   `EntityAlreadyExists.User.Policy` / `EntityNotExist.User.Policy`.
//! - **Permissions**: a RAM user's key may call RAM only if its policies allow `ram:<Action>`
//!   (`NoPermission` otherwise).
//! - **Answers**: `RequestId` in every body and in `x-acs-request-id`; errors in RAM's JSON envelope
//!   (`RequestId`, `HostId`, `Code`, `Message`, `Recommend`) — what the Tea SDK decodes
//!   (`conformance/steps/ram_tea.py`; notes in `sandbox/README.md`, "RAM").
//!
//! Layout: this file (the simulator and its [`Simulator`] impl), `ram/auth.rs` (authentication),
//! `ram/handlers.rs` (the action table, parameters, paging), `ram/users.rs`, `ram/policies.rs`, [`signature`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sandbox::ram::RamSimulator;
//! let sim = RamSimulator::with_account_key("1234567890", "LTAIadmin", "admin-secret");
//! let server = sim.start(sandbox::RequestLog::new()).await?;
//! println!("RAM at {}", server.base_url());
//! # Ok(()) }
//! ```

mod auth;
mod handlers;
mod policies;
pub mod signature;
mod users;

use crate::aliyun_identity::{AliyunIdentity, PolicyType, Principal};
use crate::server::{InjectedError, RequestLog, SimRequest, SimResponse, SimServer, Simulator, lock};
use chrono::{DateTime, Utc};
use handlers::{Params, dispatch};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use users::{new_user, user_keys};

/// The host id RAM reports.
pub const RAM_HOST: &str = "ram.aliyuncs.com";
/// The accepted API version.
pub const RAM_VERSION: &str = "2015-05-01";
/// How far a request's timestamp may be from the server's clock.
pub const TIMESTAMP_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Access keys per RAM user.
pub const MAX_KEYS_PER_USER: usize = 2;
/// Versions per policy.
pub const MAX_POLICY_VERSIONS: usize = 5;
/// Largest policy document, in characters.
pub const MAX_POLICY_DOCUMENT: usize = 6144;
/// RAM users per account.
pub const MAX_USERS: usize = 1000;
/// Custom policies per account.
pub const MAX_CUSTOM_POLICIES: usize = 200;
/// Custom policies attached to one user.
pub const MAX_CUSTOM_POLICIES_PER_USER: usize = 5;
/// System policies attached to one user.
pub const MAX_SYSTEM_POLICIES_PER_USER: usize = 20;

#[derive(Debug, Default)]
struct Replay {
    nonces: HashSet<String>,
    now: Option<DateTime<Utc>>,
    request_seq: u64,
}

/// The RAM simulator. Construct it with [`RamSimulator::new`] over a shared [`AliyunIdentity`] (the one the
/// OSS simulator uses), or [`RamSimulator::with_account_key`] for a fresh account; serve it with
/// [`RamSimulator::start`].
#[derive(Debug)]
pub struct RamSimulator {
    identity: Arc<AliyunIdentity>,
    replay: Mutex<Replay>,
}

/// A RAM error: status, code and message.
struct RamError {
    status: u16,
    code: String,
    message: String,
    date: Option<String>,
}

fn err(status: u16, code: &str, message: impl Into<String>) -> RamError {
    RamError { status, code: code.to_string(), message: message.into(), date: None }
}

type RamResult = Result<Value, RamError>;

impl RamSimulator {
    /// A simulator over `identity`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sandbox::{aliyun_identity::AliyunIdentity, ram::RamSimulator};
    /// let identity = Arc::new(AliyunIdentity::new("1234567890"));
    /// identity.register_account_key("LTAIadmin", "admin-secret");
    /// let sim = RamSimulator::new(identity.clone());
    /// assert_eq!(sim.identity().account_id(), "1234567890");
    /// ```
    pub fn new(identity: Arc<AliyunIdentity>) -> Arc<Self> {
        Arc::new(Self { identity, replay: Mutex::new(Replay::default()) })
    }

    /// A simulator over a new account with one account (admin) key.
    ///
    /// ```
    /// let sim = sandbox::ram::RamSimulator::with_account_key("1234567890", "LTAIadmin", "admin-secret");
    /// assert!(sim.identity().lookup_key("LTAIadmin").is_some());
    /// ```
    pub fn with_account_key(account_id: &str, key_id: &str, secret: &str) -> Arc<Self> {
        let identity = Arc::new(AliyunIdentity::new(account_id));
        identity.register_account_key(key_id, secret);
        Self::new(identity)
    }

    /// Serves the simulator on a loopback port, recording into `log`.
    pub async fn start(self: &Arc<Self>, log: RequestLog) -> std::io::Result<SimServer> {
        SimServer::start(self.clone(), log).await
    }

    /// The account behind the simulator.
    pub fn identity(&self) -> &Arc<AliyunIdentity> {
        &self.identity
    }

    /// Pins the server's clock (for timestamp-window tests); `None` returns to the system clock.
    pub fn set_now(&self, now: Option<DateTime<Utc>>) {
        lock(&self.replay).now = now;
    }

    /// The names of every RAM user, sorted.
    pub fn user_names(&self) -> Vec<String> {
        self.identity.with_state(|s| s.users.keys().cloned().collect())
    }

    /// The AccessKeyIds of a user's keys.
    pub fn access_key_ids(&self, user_name: &str) -> Vec<String> {
        self.identity.with_state(|s| user_keys(s, user_name).map(|k| k.id.clone()).collect())
    }

    /// The policies attached to a user, as (type, name).
    pub fn attached_policies(&self, user_name: &str) -> Vec<(PolicyType, String)> {
        self.identity.with_state(|s| s.attachments.get(user_name).cloned().unwrap_or_default())
    }

    /// The version ids of a custom policy, oldest first, and the default one.
    pub fn policy_versions(&self, policy_name: &str) -> Option<(Vec<String>, String)> {
        self.identity.with_state(|s| {
            let p = s.policies.get(&(PolicyType::Custom, policy_name.to_string()))?;
            let default = p.versions.iter().find(|v| v.is_default)?.version_id.clone();
            Some((p.versions.iter().map(|v| v.version_id.clone()).collect(), default))
        })
    }

    /// Creates a RAM user directly (test seeding), returning false if it already exists.
    pub fn seed_user(&self, user_name: &str) -> bool {
        let now = self.now();
        self.identity.with_state(|s| {
            if s.users.contains_key(user_name) {
                return false;
            }
            let user = new_user(s, user_name, "", "", &now);
            s.users.insert(user_name.to_string(), user);
            true
        })
    }

    fn now(&self) -> String {
        iso(self.clock())
    }

    fn clock(&self) -> DateTime<Utc> {
        lock(&self.replay).now.unwrap_or_else(Utc::now)
    }

    fn next_request_id(&self) -> String {
        let mut r = lock(&self.replay);
        r.request_seq += 1;
        let n = r.request_seq;
        format!(
            "{:08X}-{:04X}-4{:03X}-A{:03X}-{:012X}",
            n.wrapping_mul(2_654_435_761) & 0xFFFF_FFFF,
            n & 0xFFFF,
            n & 0xFFF,
            (n >> 12) & 0xFFF,
            n
        )
    }

    fn error_response(&self, request_id: &str, e: RamError) -> SimResponse {
        let body = json!({
            "RequestId": request_id,
            "HostId": RAM_HOST,
            "Code": e.code,
            "Message": e.message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product=Ram&requestId={request_id}", e.code),
        });
        let mut resp = SimResponse::json(e.status, &body).with_header("x-acs-request-id", request_id);
        if let Some(date) = e.date {
            resp = resp.with_header("date", date);
        }
        resp
    }

    fn process(&self, request: &SimRequest) -> RamResult {
        let auth = self.authenticate(request)?;
        let action = auth.action.as_str();
        if let Principal::RamUser { .. } = &auth.principal {
            let account = self.identity.account_id();
            if !self.identity.authorize(&auth.principal, &format!("ram:{action}"), &format!("acs:ram:*:{account}:*")) {
                return Err(err(
                    403,
                    "NoPermission",
                    "You are not authorized to do this action. You should be authorized by RAM.",
                ));
            }
        }
        let p = Params(&auth.params);
        let now = self.now();
        let caller = &auth.principal;
        self.identity.with_state(|s| dispatch(s, action, &p, caller, &now))
    }
}

impl Simulator for RamSimulator {
    fn service(&self) -> &'static str {
        "ram"
    }

    fn handle(&self, request: &SimRequest) -> SimResponse {
        let request_id = self.next_request_id();
        if request.path() != "/" {
            return self.error_response(
                &request_id,
                err(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."),
            );
        }
        match self.process(request) {
            Ok(mut body) => {
                if let Value::Object(map) = &mut body {
                    map.insert("RequestId".into(), Value::String(request_id.clone()));
                }
                SimResponse::json(200, &body).with_header("x-acs-request-id", &request_id)
            }
            Err(e) => self.error_response(&request_id, e),
        }
    }

    fn injected_error(&self, error: InjectedError) -> SimResponse {
        let request_id = self.next_request_id();
        match error {
            InjectedError::InternalError => self.error_response(
                &request_id,
                err(
                    500,
                    "InternalError",
                    "The request processing has failed due to some unknown error, exception or failure.",
                ),
            ),
            InjectedError::ServiceUnavailable => self.error_response(
                &request_id,
                err(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
            ),
            InjectedError::Throttled { retry_after } => self
                .error_response(
                    &request_id,
                    err(400, "Throttling.User", "Request was denied due to user flow control."),
                )
                .with_header("retry-after", format!("{:.3}", retry_after.as_secs_f64())),
        }
    }

    fn is_mutating(&self, request: &SimRequest) -> bool {
        let action = request.rpc_action();
        !(action.starts_with("Get") || action.starts_with("List"))
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`, the form of RAM's dates.
fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use http::Method;

    /// The simulator's own verifier accepts the official vectors (R-1 for V2, A-2 for V3) and nothing else.
    #[test]
    fn official_vectors_verify() {
        let sim = RamSimulator::with_account_key("1", "testid", "testsecret");
        sim.set_now(Some(Utc.with_ymd_and_hms(2015, 8, 18, 3, 15, 45).unwrap()));
        let r1 = "/?AccessKeyId=testid&Action=CreateUser&Format=JSON&SignatureMethod=HMAC-SHA1&SignatureNonce=6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2&SignatureVersion=1.0&Timestamp=2015-08-18T03%3A15%3A45Z&UserName=test&Version=2015-05-01&Signature=kRA2cnpJVacIhDMzXnoNZG9tDCI%3D";
        let ok = sim.handle(&SimRequest::new(Method::GET, r1, &[("host", "ram.aliyuncs.com")], ""));
        assert_eq!(ok.status.as_u16(), 200, "{}", String::from_utf8_lossy(&ok.body));
        assert_eq!(sim.user_names(), ["test"]);
        // The same request again: the nonce is spent.
        let replay = sim.handle(&SimRequest::new(Method::GET, r1, &[("host", "ram.aliyuncs.com")], ""));
        assert!(String::from_utf8_lossy(&replay.body).contains("SignatureNonceUsed"));
        // A tampered parameter breaks the signature.
        let tampered = r1.replace("UserName=test", "UserName=tesT").replace("6a6e0ca6", "7a6e0ca6");
        let bad = sim.handle(&SimRequest::new(Method::GET, &tampered, &[("host", "ram.aliyuncs.com")], ""));
        assert!(String::from_utf8_lossy(&bad.body).contains("SignatureDoesNotMatch"));

        sim.set_now(Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()));
        let headers = [
            ("host", "ram.aliyuncs.com"),
            ("x-acs-action", "CreateUser"),
            ("x-acs-version", "2015-05-01"),
            ("x-acs-date", "2025-01-01T00:00:00Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (
                "authorization",
                "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=826e059a72794be9ada5ef5483b7fa3640ef397f3e51da4bba41c34ec662024d",
            ),
        ];
        let ok = sim.handle(&SimRequest::new(
            Method::POST,
            "/?DisplayName=LobeChat%20OSS&UserName=lobechat-oss",
            &headers,
            "",
        ));
        assert_eq!(ok.status.as_u16(), 200, "{}", String::from_utf8_lossy(&ok.body));
        assert!(sim.user_names().contains(&"lobechat-oss".to_string()));
    }

    #[test]
    fn injected_throttling_uses_rams_own_format() {
        let sim = RamSimulator::with_account_key("1", "a", "b");
        let r = sim.injected_error(InjectedError::Throttled { retry_after: Duration::from_millis(250) });
        assert_eq!(r.status.as_u16(), 400);
        assert_eq!(r.headers["retry-after"], "0.250");
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["Code"], "Throttling.User");
        assert!(body["RequestId"].as_str().is_some_and(|s| !s.is_empty()));
    }
}
