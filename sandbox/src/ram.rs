//! The RAM simulator: the RPC API at `/` (`Version=2015-05-01`) over the shared [`AliyunIdentity`], so users,
//! keys and policies created here are what the OSS simulator authenticates and authorises against.
//!
//! Documented behaviour it reproduces:
//! - **Signatures**: V2 (`SignatureMethod=HMAC-SHA1`, GET query or POST form, key = secret + `&`) and V3
//!   (`Authorization: ACS3-HMAC-SHA256 …` over the canonical request, `x-acs-content-sha256` checked), verified
//!   by an implementation independent of the client's; a mismatch answers `SignatureDoesNotMatch` with the
//!   server's string to sign.
//! - **Replay protection**: a reused `SignatureNonce` gets `SignatureNonceUsed`; a `Timestamp` / `x-acs-date`
//!   more than 15 minutes off gets `InvalidTimeStamp.Expired` (with the server's `Date`), a malformed one
//!   `InvalidTimeStamp.Format`.
//! - **Keys**: `InvalidAccessKeyId.NotFound` / `.Inactive`; at most two keys per user
//!   (`LimitExceeded.User.AccessKey`); the secret appears only in the CreateAccessKey answer; without `UserName`
//!   key operations act on the caller.
//! - **Users**: `EntityAlreadyExists.User`, `EntityNotExist.User`, DeleteUser refused with
//!   `DeleteConflict.User.AccessKey` / `DeleteConflict.User.Policy` while keys or policies remain; ListUsers
//!   pages with `Marker` / `IsTruncated`.
//! - **Policies**: the system policies `AliyunOSSFullAccess` and `AliyunOSSReadOnlyAccess`; custom policies
//!   with up to five versions (`LimitExceeded.Policy.Version`, or `RotateStrategy`), `SetAsDefault`,
//!   `DeleteConflict.Policy.User` / `.Version` unless `CascadingDelete`, `DeleteConflict.PolicyVersion.Default`,
//!   `MalformedPolicyDocument`, the 6144-character limit; attach and detach answer
//!   `EntityAlreadyExists.User.Policy` / `EntityNotExist.User.Policy`.
//! - **Permissions**: a RAM user's key may call RAM only if its policies allow `ram:<Action>`
//!   (`NoPermission` otherwise).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sandbox::ram::RamSimulator;
//! let sim = RamSimulator::with_account_key("1234567890", "LTAIadmin", "admin-secret");
//! let server = sim.start(sandbox::RequestLog::new()).await?;
//! println!("RAM at {}", server.base_url());
//! # Ok(()) }
//! ```

use crate::aliyun_identity::{
    AccessKeyRecord, AccountState, AliyunIdentity, KeyStatus, Policy, PolicyType, PolicyVersion, Principal, RamUser,
};
use crate::server::{InjectedError, RequestLog, SimRequest, SimResponse, SimServer, Simulator, lock};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

    /// A RAM client builder pointed at `server` (plain http to loopback). Add credentials and build.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use oss_client::Credentials;
    /// let sim = sandbox::ram::RamSimulator::with_account_key("1234567890", "LTAIadmin", "admin-secret");
    /// let server = sim.start(sandbox::RequestLog::new()).await?;
    /// let ram = sim.client_builder(&server).credentials(Credentials::new("LTAIadmin", "admin-secret")).build()?;
    /// ram.users().create("lobehub-oss").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn client_builder(&self, server: &SimServer) -> oss_client::ram::RamClientBuilder {
        oss_client::ram::RamClient::builder().endpoint(server.base_url())
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

    fn authenticate(&self, request: &SimRequest) -> Result<Authenticated, RamError> {
        let mut params: Vec<(String, String)> = request.query_pairs();
        let is_form = request
            .header("content-type")
            .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        let form: Vec<(String, String)> =
            if is_form { url::form_urlencoded::parse(&request.body).into_owned().collect() } else { Vec::new() };
        params.extend(form);
        let authorization = request.header("authorization").unwrap_or_default().to_string();
        let (key_id, timestamp, nonce, action, version) = if authorization.starts_with("ACS3-HMAC-SHA256") {
            self.verify_v3(request, &authorization)?
        } else {
            self.verify_v2(request, &params)?
        };
        if version != RAM_VERSION {
            return Err(err(400, "InvalidVersion", format!("Specified parameter Version is not valid: {version}")));
        }
        // Timestamp window.
        let at = DateTime::parse_from_rfc3339(&timestamp)
            .ok()
            .filter(|_| timestamp.ends_with('Z'))
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| {
                err(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
            })?;
        let now = self.clock();
        let skew = (now - at).num_seconds().unsigned_abs();
        if skew > TIMESTAMP_WINDOW.as_secs() {
            let mut e = err(
                400,
                "InvalidTimeStamp.Expired",
                format!("Specified time stamp or date value is expired. server time: {}", iso(now)),
            );
            e.date = Some(now.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
            return Err(e);
        }
        // Nonce replay.
        if !lock(&self.replay).nonces.insert(nonce) {
            return Err(err(400, "SignatureNonceUsed", "Specified signature nonce was used already."));
        }
        let principal = self
            .identity
            .lookup_key(&key_id)
            .map(|k| k.principal)
            .ok_or_else(|| err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."))?;
        let params = params.into_iter().filter(|(k, _)| !COMMON_V2.contains(&k.as_str())).collect();
        Ok(Authenticated { principal, action, params })
    }

    /// Looks up an active key and returns its secret.
    fn secret_for(&self, key_id: &str) -> Result<String, RamError> {
        let key = self
            .identity
            .lookup_key(key_id)
            .ok_or_else(|| err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."))?;
        if key.status != KeyStatus::Active {
            return Err(err(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled."));
        }
        Ok(key.secret)
    }

    fn verify_v2(
        &self,
        request: &SimRequest,
        params: &[(String, String)],
    ) -> Result<(String, String, String, String, String), RamError> {
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let required = |name: &str| {
            get(name).ok_or_else(|| {
                err(
                    400,
                    "MissingParameter",
                    format!(
                        "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
                    ),
                )
            })
        };
        let signature = required("Signature")?;
        let key_id = required("AccessKeyId")?;
        let action = required("Action")?;
        let version = required("Version")?;
        let timestamp = required("Timestamp")?;
        let nonce = required("SignatureNonce")?;
        if get("SignatureMethod").as_deref() != Some("HMAC-SHA1") {
            return Err(err(400, "InvalidParameter.SignatureMethod", "SignatureMethod must be HMAC-SHA1."));
        }
        if get("SignatureVersion").as_deref() != Some("1.0") {
            return Err(err(400, "InvalidParameter.SignatureVersion", "SignatureVersion must be 1.0."));
        }
        let secret = self.secret_for(&key_id)?;
        let mut pairs: Vec<(String, String)> =
            params.iter().filter(|(k, _)| k != "Signature").map(|(k, v)| (rfc3986(k), rfc3986(v))).collect();
        pairs.sort();
        let query = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let string_to_sign = format!("{}&%2F&{}", request.method.as_str(), rfc3986(&query));
        let mut key = secret.into_bytes();
        key.push(b'&');
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).map_err(|_| err(500, "InternalError", "hmac"))?;
        mac.update(string_to_sign.as_bytes());
        let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        if expected != signature {
            return Err(err(
                400,
                "SignatureDoesNotMatch",
                format!(
                    "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
                ),
            ));
        }
        Ok((key_id, timestamp, nonce, action, version))
    }

    fn verify_v3(
        &self,
        request: &SimRequest,
        authorization: &str,
    ) -> Result<(String, String, String, String, String), RamError> {
        let incomplete =
            || err(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
        let rest = authorization.strip_prefix("ACS3-HMAC-SHA256").ok_or_else(incomplete)?.trim();
        let mut fields = BTreeMap::new();
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=').ok_or_else(incomplete)?;
            fields.insert(k.trim().to_string(), v.trim().to_string());
        }
        let key_id = fields.get("Credential").cloned().ok_or_else(incomplete)?;
        let signed_headers = fields.get("SignedHeaders").cloned().ok_or_else(incomplete)?;
        let signature = fields.get("Signature").cloned().ok_or_else(incomplete)?;
        let header = |name: &str| {
            request.header(name).map(str::to_string).ok_or_else(|| {
                err(
                    400,
                    "MissingParameter",
                    format!("The header \"{name}\" that is mandatory for processing this request is not supplied."),
                )
            })
        };
        let action = header("x-acs-action")?;
        let version = header("x-acs-version")?;
        let timestamp = header("x-acs-date")?;
        let nonce = header("x-acs-signature-nonce")?;
        let content_sha = header("x-acs-content-sha256")?;
        if content_sha != hex::encode(Sha256::digest(&request.body)) {
            return Err(err(400, "SignatureDoesNotMatch", "x-acs-content-sha256 does not match the request body."));
        }
        let names: Vec<String> = signed_headers.split(';').map(|s| s.trim().to_ascii_lowercase()).collect();
        let must_sign = request
            .headers
            .keys()
            .map(|n| n.as_str().to_ascii_lowercase())
            .filter(|n| n == "host" || n.starts_with("x-acs-"));
        for name in must_sign {
            if !names.contains(&name) {
                return Err(err(400, "SignatureDoesNotMatch", format!("The header {name} must be signed.")));
            }
        }
        let secret = self.secret_for(&key_id)?;
        let mut query: Vec<(String, String)> =
            request.query_pairs().into_iter().map(|(k, v)| (rfc3986(&k), rfc3986(&v))).collect();
        query.sort();
        let canonical_query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let mut canonical_headers = String::new();
        let mut sorted = names.clone();
        sorted.sort();
        for name in &sorted {
            let value = request
                .headers
                .get_all(name.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(",");
            canonical_headers.push_str(&format!("{name}:{value}\n"));
        }
        let canonical_request = format!(
            "{}\n{}\n{canonical_query}\n{canonical_headers}\n{}\n{content_sha}",
            request.method.as_str(),
            request.path(),
            sorted.join(";")
        );
        let string_to_sign = format!("ACS3-HMAC-SHA256\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .map_err(|_| err(500, "InternalError", "hmac"))?;
        mac.update(string_to_sign.as_bytes());
        if hex::encode(mac.finalize().into_bytes()) != signature {
            return Err(err(
                400,
                "SignatureDoesNotMatch",
                format!(
                    "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
                ),
            ));
        }
        Ok((key_id, timestamp, nonce, action, version))
    }
}

/// The common V2 parameters, removed before dispatch.
const COMMON_V2: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
    "SecurityToken",
    "RegionId",
];

struct Authenticated {
    principal: Principal,
    action: String,
    params: Vec<(String, String)>,
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
        let action = request
            .query_pairs()
            .into_iter()
            .chain(url::form_urlencoded::parse(&request.body).into_owned())
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v)
            .or_else(|| request.header("x-acs-action").map(str::to_string))
            .unwrap_or_default();
        !(action.starts_with("Get") || action.starts_with("List"))
    }
}

struct Params<'a>(&'a [(String, String)]);

impl Params<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, RamError> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            err(
                400,
                "MissingParameter",
                format!(
                    "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
                ),
            )
        })
    }

    fn bool(&self, name: &str) -> Result<bool, RamError> {
        match self.get(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(err(
                400,
                &format!("InvalidParameter.{name}"),
                format!("The parameter {name} must be true or false, not {other}."),
            )),
        }
    }

    fn user_name(&self) -> Result<&str, RamError> {
        let name = self.required("UserName")?;
        check_user_name(name, "UserName")?;
        Ok(name)
    }

    fn policy_name(&self) -> Result<&str, RamError> {
        let name = self.required("PolicyName")?;
        if name.chars().count() > 128 {
            return Err(err(
                400,
                "InvalidParameter.PolicyName.Length",
                "The parameter PolicyName is beyond the length limit.",
            ));
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(err(
                400,
                "InvalidParameter.PolicyName.InvalidChars",
                "The parameter PolicyName contains invalid chars.",
            ));
        }
        Ok(name)
    }

    fn policy_type(&self) -> Result<PolicyType, RamError> {
        match self.required("PolicyType")? {
            "System" => Ok(PolicyType::System),
            "Custom" => Ok(PolicyType::Custom),
            _ => Err(err(400, "InvalidParameter.PolicyType", "The parameter PolicyType is invalid.")),
        }
    }
}

fn check_user_name(name: &str, field: &str) -> Result<(), RamError> {
    if name.chars().count() > 64 {
        return Err(err(
            400,
            &format!("InvalidParameter.{field}.Length"),
            format!("The parameter {field} is beyond the length limit."),
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        return Err(err(
            400,
            &format!("InvalidParameter.{field}.InvalidChars"),
            format!("The parameter {field} contains invalid chars."),
        ));
    }
    Ok(())
}

fn rfc3986(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn random_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n).map(|_| CHARS[fastrand::usize(..CHARS.len())] as char).collect()
}

fn user_keys<'a>(s: &'a AccountState, user_name: &'a str) -> impl Iterator<Item = &'a AccessKeyRecord> + 'a {
    s.keys.values().filter(move |k| matches!(&k.principal, Principal::RamUser { user_name: u } if u == user_name))
}

fn new_user(s: &mut AccountState, name: &str, display: &str, comments: &str, now: &str) -> RamUser {
    s.next_id += 1;
    RamUser {
        user_id: format!("2{:015}", s.next_id),
        user_name: name.to_string(),
        display_name: display.to_string(),
        comments: comments.to_string(),
        create_date: now.to_string(),
        update_date: now.to_string(),
    }
}

fn user_json(u: &RamUser) -> Value {
    json!({
        "UserId": u.user_id,
        "UserName": u.user_name,
        "DisplayName": u.display_name,
        "Comments": u.comments,
        "CreateDate": u.create_date,
        "UpdateDate": u.update_date,
    })
}

fn version_json(v: &PolicyVersion) -> Value {
    json!({
        "VersionId": v.version_id,
        "IsDefaultVersion": v.is_default,
        "PolicyDocument": v.document,
        "CreateDate": v.create_date,
    })
}

fn attachment_count(s: &AccountState, key: &(PolicyType, String)) -> usize {
    s.attachments.values().filter(|list| list.contains(key)).count()
}

fn policy_json(s: &AccountState, p: &Policy) -> Value {
    let default = p.versions.iter().find(|v| v.is_default).map(|v| v.version_id.clone()).unwrap_or_default();
    json!({
        "PolicyName": p.name,
        "PolicyType": p.policy_type.as_str(),
        "Description": p.description,
        "DefaultVersion": default,
        "CreateDate": p.create_date,
        "UpdateDate": p.versions.iter().map(|v| v.create_date.clone()).max().unwrap_or_default(),
        "AttachmentCount": attachment_count(s, &(p.policy_type, p.name.clone())),
    })
}

/// Checks a policy document as RAM does: size, JSON, `Version` "1", statements with Effect, Action, Resource.
fn check_document(doc: &str) -> Result<(), RamError> {
    if doc.chars().count() > MAX_POLICY_DOCUMENT {
        return Err(err(
            400,
            "InvalidParameter.PolicyDocument.Length",
            "The parameter PolicyDocument is beyond the length limit.",
        ));
    }
    let malformed =
        |why: &str| err(400, "MalformedPolicyDocument", format!("The policy document is malformed: {why}."));
    let v: Value = serde_json::from_str(doc).map_err(|_| malformed("not JSON"))?;
    if v.get("Version").and_then(Value::as_str) != Some("1") {
        return Err(malformed("Version must be \"1\""));
    }
    let statements = v.get("Statement").and_then(Value::as_array).ok_or_else(|| malformed("no Statement list"))?;
    if statements.is_empty() {
        return Err(malformed("empty Statement"));
    }
    for s in statements {
        if !matches!(s.get("Effect").and_then(Value::as_str), Some("Allow" | "Deny")) {
            return Err(malformed("Effect must be Allow or Deny"));
        }
        for field in ["Action", "Resource"] {
            let ok = match s.get(field) {
                Some(Value::String(x)) => !x.is_empty(),
                Some(Value::Array(a)) => !a.is_empty() && a.iter().all(|x| x.as_str().is_some_and(|x| !x.is_empty())),
                _ => false,
            };
            if !ok {
                return Err(malformed(&format!("{field} must be a non-empty string or list")));
            }
        }
    }
    Ok(())
}

fn not_user(name: &str) -> RamError {
    err(404, "EntityNotExist.User", format!("The user does not exist: {name}"))
}

fn not_policy(name: &str) -> RamError {
    err(404, "EntityNotExist.Policy", format!("The policy does not exist: {name}"))
}

/// The user a key operation acts on: `UserName`, or the caller when it is absent.
fn key_owner(p: &Params<'_>, caller: &Principal) -> Result<Principal, RamError> {
    match p.get("UserName") {
        Some(name) if !name.is_empty() => {
            check_user_name(name, "UserName")?;
            Ok(Principal::RamUser { user_name: name.to_string() })
        }
        _ => Ok(caller.clone()),
    }
}

fn dispatch(s: &mut AccountState, action: &str, p: &Params<'_>, caller: &Principal, now: &str) -> RamResult {
    match action {
        "CreateUser" => {
            let name = p.user_name()?;
            let display = p.get("DisplayName").unwrap_or_default();
            let comments = p.get("Comments").unwrap_or_default();
            if display.chars().count() > 128 {
                return Err(err(
                    400,
                    "InvalidParameter.DisplayName.Length",
                    "The parameter DisplayName is beyond the length limit.",
                ));
            }
            if comments.chars().count() > 128 {
                return Err(err(
                    400,
                    "InvalidParameter.Comments.Length",
                    "The parameter Comments is beyond the length limit.",
                ));
            }
            if s.users.contains_key(name) {
                return Err(err(409, "EntityAlreadyExists.User", "The user does already EXIST."));
            }
            if s.users.len() >= MAX_USERS {
                return Err(err(409, "LimitExceeded.User", "The count of users beyond the current limits."));
            }
            let user = new_user(s, name, display, comments, now);
            let out = user_json(&user);
            s.users.insert(name.to_string(), user);
            Ok(json!({ "User": out }))
        }
        "GetUser" => {
            let name = p.user_name()?;
            let user = s.users.get(name).ok_or_else(|| not_user(name))?;
            Ok(json!({ "User": user_json(user) }))
        }
        "UpdateUser" => {
            let name = p.user_name()?.to_string();
            if !s.users.contains_key(&name) {
                return Err(not_user(&name));
            }
            let new_name = p.get("NewUserName").filter(|n| !n.is_empty() && *n != name).map(str::to_string);
            if let Some(n) = &new_name {
                check_user_name(n, "NewUserName")?;
                if s.users.contains_key(n) {
                    return Err(err(409, "EntityAlreadyExists.User", "The user does already EXIST."));
                }
            }
            let Some(mut user) = s.users.remove(&name) else { return Err(not_user(&name)) };
            if let Some(d) = p.get("NewDisplayName") {
                user.display_name = d.to_string();
            }
            if let Some(c) = p.get("NewComments") {
                user.comments = c.to_string();
            }
            user.update_date = now.to_string();
            if let Some(n) = new_name {
                user.user_name = n.clone();
                for key in s.keys.values_mut() {
                    if matches!(&key.principal, Principal::RamUser { user_name } if *user_name == name) {
                        key.principal = Principal::RamUser { user_name: n.clone() };
                    }
                }
                if let Some(list) = s.attachments.remove(&name) {
                    s.attachments.insert(n.clone(), list);
                }
            }
            let out = user_json(&user);
            s.users.insert(user.user_name.clone(), user);
            Ok(json!({ "User": out }))
        }
        "DeleteUser" => {
            let name = p.user_name()?;
            if !s.users.contains_key(name) {
                return Err(not_user(name));
            }
            if user_keys(s, name).next().is_some() {
                return Err(err(409, "DeleteConflict.User.AccessKey", "The user has access keys; delete them first."));
            }
            if s.attachments.get(name).is_some_and(|l| !l.is_empty()) {
                return Err(err(
                    409,
                    "DeleteConflict.User.Policy",
                    "The user has attached policies; detach them first.",
                ));
            }
            s.users.remove(name);
            s.attachments.remove(name);
            Ok(json!({}))
        }
        "ListUsers" => {
            let max = match p.get("MaxItems") {
                None => 100,
                Some(v) => v.parse::<usize>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
                    err(400, "InvalidParameter.MaxItems", "The parameter MaxItems must be 1 to 1000.")
                })?,
            };
            let after = match p.get("Marker").filter(|m| !m.is_empty()) {
                Some(m) => Some(
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(m)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .ok_or_else(|| err(400, "InvalidParameter.Marker", "The parameter Marker is invalid."))?,
                ),
                None => None,
            };
            let remaining: Vec<&RamUser> =
                s.users.values().filter(|u| after.as_ref().is_none_or(|a| u.user_name > *a)).collect();
            let page: Vec<Value> = remaining.iter().take(max).map(|u| user_json(u)).collect();
            let mut out = json!({ "IsTruncated": remaining.len() > max, "Users": { "User": page } });
            if remaining.len() > max
                && let Some(last) = remaining.get(max - 1)
            {
                out["Marker"] = Value::String(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&last.user_name));
            }
            Ok(out)
        }
        "CreateAccessKey" => {
            let owner = key_owner(p, caller)?;
            if let Principal::RamUser { user_name } = &owner {
                if !s.users.contains_key(user_name) {
                    return Err(not_user(user_name));
                }
                if user_keys(s, user_name).count() >= MAX_KEYS_PER_USER {
                    return Err(err(
                        409,
                        "LimitExceeded.User.AccessKey",
                        "The count of AccessKey of the user exceeds the limit.",
                    ));
                }
            }
            let mut id = format!("LTAI{}", random_alnum(20));
            while s.keys.contains_key(&id) {
                id = format!("LTAI{}", random_alnum(20));
            }
            let record = AccessKeyRecord {
                id: id.clone(),
                secret: random_alnum(30),
                principal: owner,
                status: KeyStatus::Active,
                create_date: now.to_string(),
            };
            let out = json!({ "AccessKey": {
                "AccessKeyId": record.id, "AccessKeySecret": record.secret, "Status": "Active", "CreateDate": now,
            }});
            s.keys.insert(id, record);
            Ok(out)
        }
        "ListAccessKeys" => {
            let owner = key_owner(p, caller)?;
            if let Principal::RamUser { user_name } = &owner
                && !s.users.contains_key(user_name)
            {
                return Err(not_user(user_name));
            }
            let keys: Vec<Value> = s
                .keys
                .values()
                .filter(|k| k.principal == owner)
                .map(|k| json!({ "AccessKeyId": k.id, "Status": status_str(k.status), "CreateDate": k.create_date }))
                .collect();
            Ok(json!({ "AccessKeys": { "AccessKey": keys } }))
        }
        "UpdateAccessKey" | "DeleteAccessKey" => {
            let owner = key_owner(p, caller)?;
            if let Principal::RamUser { user_name } = &owner
                && !s.users.contains_key(user_name)
            {
                return Err(not_user(user_name));
            }
            let id = p.required("UserAccessKeyId")?.to_string();
            let status = if action == "UpdateAccessKey" {
                Some(match p.required("Status")? {
                    "Active" => KeyStatus::Active,
                    "Inactive" => KeyStatus::Inactive,
                    _ => {
                        return Err(err(
                            400,
                            "InvalidParameter.Status",
                            "The parameter Status must be Active or Inactive.",
                        ));
                    }
                })
            } else {
                None
            };
            let key = s
                .keys
                .get_mut(&id)
                .filter(|k| k.principal == owner)
                .ok_or_else(|| err(404, "EntityNotExist.User.AccessKey", "The AccessKey does not exist."))?;
            match status {
                Some(st) => key.status = st,
                None => {
                    s.keys.remove(&id);
                }
            }
            Ok(json!({}))
        }
        "CreatePolicy" => {
            let name = p.policy_name()?;
            let doc = p.required("PolicyDocument")?;
            check_document(doc)?;
            let description = p.get("Description").unwrap_or_default();
            if description.chars().count() > 1024 {
                return Err(err(
                    400,
                    "InvalidParameter.Description.Length",
                    "The parameter Description is beyond the length limit.",
                ));
            }
            if s.policies.contains_key(&(PolicyType::Custom, name.to_string()))
                || s.policies.contains_key(&(PolicyType::System, name.to_string()))
            {
                return Err(err(409, "EntityAlreadyExists.Policy", "The policy does already EXIST."));
            }
            if s.policies.keys().filter(|(t, _)| *t == PolicyType::Custom).count() >= MAX_CUSTOM_POLICIES {
                return Err(err(
                    409,
                    "LimitExceeded.Policy",
                    "The count of custom policies beyond the current limits.",
                ));
            }
            let policy = Policy {
                name: name.to_string(),
                policy_type: PolicyType::Custom,
                description: description.to_string(),
                versions: vec![PolicyVersion {
                    version_id: "v1".into(),
                    document: doc.to_string(),
                    is_default: true,
                    create_date: now.to_string(),
                }],
                next_version: 2,
                create_date: now.to_string(),
            };
            let out = json!({ "Policy": {
                "PolicyName": policy.name, "PolicyType": "Custom", "Description": policy.description,
                "DefaultVersion": "v1", "CreateDate": now,
            }});
            s.policies.insert((PolicyType::Custom, name.to_string()), policy);
            Ok(out)
        }
        "GetPolicy" => {
            let name = p.policy_name()?;
            let t = p.policy_type()?;
            let policy = s.policies.get(&(t, name.to_string())).ok_or_else(|| not_policy(name))?;
            let default = policy.versions.iter().find(|v| v.is_default).map(version_json);
            Ok(json!({ "Policy": policy_json(s, policy), "DefaultPolicyVersion": default }))
        }
        "ListPolicyVersions" => {
            let name = p.policy_name()?;
            let t = p.policy_type()?;
            let policy = s.policies.get(&(t, name.to_string())).ok_or_else(|| not_policy(name))?;
            let versions: Vec<Value> = policy.versions.iter().map(version_json).collect();
            Ok(json!({ "PolicyVersions": { "PolicyVersion": versions } }))
        }
        "CreatePolicyVersion" => {
            let name = p.policy_name()?;
            let doc = p.required("PolicyDocument")?;
            check_document(doc)?;
            let set_default = p.bool("SetAsDefault")?;
            let rotate = match p.get("RotateStrategy") {
                None | Some("None") => false,
                Some("DeleteOldestNonDefaultVersionWhenLimitExceeded") => true,
                Some(_) => {
                    return Err(err(
                        400,
                        "InvalidParameter.RotateStrategy",
                        "The parameter RotateStrategy is invalid.",
                    ));
                }
            };
            let policy = s.policies.get_mut(&(PolicyType::Custom, name.to_string())).ok_or_else(|| not_policy(name))?;
            if policy.versions.len() >= MAX_POLICY_VERSIONS {
                if !rotate {
                    return Err(err(
                        409,
                        "LimitExceeded.Policy.Version",
                        "The count of versions of the policy beyond the current limits.",
                    ));
                }
                if let Some(oldest) = policy.versions.iter().position(|v| !v.is_default) {
                    policy.versions.remove(oldest);
                }
            }
            let id = format!("v{}", policy.next_version);
            policy.next_version += 1;
            if set_default {
                for v in &mut policy.versions {
                    v.is_default = false;
                }
            }
            let version = PolicyVersion {
                version_id: id,
                document: doc.to_string(),
                is_default: set_default,
                create_date: now.to_string(),
            };
            let out = version_json(&version);
            policy.versions.push(version);
            Ok(json!({ "PolicyVersion": out }))
        }
        "DeletePolicyVersion" | "SetDefaultPolicyVersion" => {
            let name = p.policy_name()?;
            let version_id = p.required("VersionId")?;
            let policy = s.policies.get_mut(&(PolicyType::Custom, name.to_string())).ok_or_else(|| not_policy(name))?;
            let index = policy
                .versions
                .iter()
                .position(|v| v.version_id == version_id)
                .ok_or_else(|| err(404, "EntityNotExist.Policy.Version", "The policy version does not exist."))?;
            if action == "DeletePolicyVersion" {
                if policy.versions.get(index).is_some_and(|v| v.is_default) {
                    return Err(err(
                        409,
                        "DeleteConflict.PolicyVersion.Default",
                        "The default version of the policy cannot be deleted.",
                    ));
                }
                policy.versions.remove(index);
            } else {
                for (i, v) in policy.versions.iter_mut().enumerate() {
                    v.is_default = i == index;
                }
            }
            Ok(json!({}))
        }
        "DeletePolicy" => {
            let name = p.policy_name()?;
            let cascading = p.bool("CascadingDelete")?;
            let key = (PolicyType::Custom, name.to_string());
            let policy = s.policies.get(&key).ok_or_else(|| not_policy(name))?;
            if !cascading {
                if attachment_count(s, &key) > 0 {
                    return Err(err(
                        409,
                        "DeleteConflict.Policy.User",
                        "The policy is attached to users; detach it first.",
                    ));
                }
                if policy.versions.len() > 1 {
                    return Err(err(
                        409,
                        "DeleteConflict.Policy.Version",
                        "The policy has non-default versions; delete them first.",
                    ));
                }
            }
            for list in s.attachments.values_mut() {
                list.retain(|k| *k != key);
            }
            s.policies.remove(&key);
            Ok(json!({}))
        }
        "AttachPolicyToUser" | "DetachPolicyFromUser" => {
            let t = p.policy_type()?;
            let name = p.policy_name()?;
            let user = p.user_name()?;
            let key = (t, name.to_string());
            if !s.policies.contains_key(&key) {
                return Err(not_policy(name));
            }
            if !s.users.contains_key(user) {
                return Err(not_user(user));
            }
            let list = s.attachments.entry(user.to_string()).or_default();
            if action == "AttachPolicyToUser" {
                if list.contains(&key) {
                    return Err(err(
                        409,
                        "EntityAlreadyExists.User.Policy",
                        "The policy has already been attached to the user.",
                    ));
                }
                let (limit, same_type) = match t {
                    PolicyType::Custom => (MAX_CUSTOM_POLICIES_PER_USER, PolicyType::Custom),
                    PolicyType::System => (MAX_SYSTEM_POLICIES_PER_USER, PolicyType::System),
                };
                if list.iter().filter(|(lt, _)| *lt == same_type).count() >= limit {
                    return Err(err(
                        409,
                        "LimitExceeded.User.Policy",
                        "The count of policies attached to the user beyond the current limits.",
                    ));
                }
                list.push(key.clone());
                s.attach_dates.insert((user.to_string(), t, name.to_string()), now.to_string());
            } else {
                let before = list.len();
                list.retain(|k| *k != key);
                if list.len() == before {
                    return Err(err(404, "EntityNotExist.User.Policy", "The policy is not attached to the user."));
                }
                s.attach_dates.remove(&(user.to_string(), t, name.to_string()));
            }
            Ok(json!({}))
        }
        "ListPoliciesForUser" => {
            let user = p.user_name()?;
            if !s.users.contains_key(user) {
                return Err(not_user(user));
            }
            let list = s.attachments.get(user).cloned().unwrap_or_default();
            let policies: Vec<Value> = list
                .iter()
                .filter_map(|key| {
                    let policy = s.policies.get(key)?;
                    let default =
                        policy.versions.iter().find(|v| v.is_default).map(|v| v.version_id.clone()).unwrap_or_default();
                    let attach_date =
                        s.attach_dates.get(&(user.to_string(), key.0, key.1.clone())).cloned().unwrap_or_default();
                    Some(json!({
                        "PolicyName": policy.name, "PolicyType": policy.policy_type.as_str(),
                        "Description": policy.description, "DefaultVersion": default, "AttachDate": attach_date,
                    }))
                })
                .collect();
            Ok(json!({ "Policies": { "Policy": policies } }))
        }
        other => Err(err(
            404,
            "InvalidAction.NotFound",
            format!("Specified api is not found, please check your url and method: {other}"),
        )),
    }
}

fn status_str(s: KeyStatus) -> &'static str {
    match s {
        KeyStatus::Active => "Active",
        KeyStatus::Inactive => "Inactive",
    }
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
