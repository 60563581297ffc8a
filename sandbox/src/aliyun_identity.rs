//! The Aliyun account behind the OSS and RAM simulators: access keys, RAM users, policies and attachments, and
//! the evaluation of a RAM user's policies for an OSS action.
//!
//! The OSS simulator authenticates requests with [`AliyunIdentity::lookup_key`] and authorises them with
//! [`AliyunIdentity::authorize`]; the RAM simulator creates users, keys and policies here, so a key created
//! through RAM is a valid OSS credential restricted by the policies attached to its user.

use crate::server::lock;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Who an access key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account itself (the main account's key): allowed everything.
    Account,
    /// A RAM user of the account.
    RamUser {
        /// The user's name.
        user_name: String,
    },
}

/// Whether an access key may sign requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// The key works.
    Active,
    /// The key is disabled.
    Inactive,
}

/// An access key as the account stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    /// The AccessKeyId.
    pub id: String,
    /// The AccessKeySecret.
    pub secret: String,
    /// The owner.
    pub principal: Principal,
    /// Active or inactive.
    pub status: KeyStatus,
    /// Creation time, ISO 8601.
    pub create_date: String,
}

impl std::fmt::Debug for AccessKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyRecord")
            .field("id", &self.id)
            .field("secret", &"[REDACTED]")
            .field("principal", &self.principal)
            .field("status", &self.status)
            .finish()
    }
}

/// A RAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RamUser {
    /// The user's id.
    pub user_id: String,
    /// The user's name.
    pub user_name: String,
    /// The display name.
    pub display_name: String,
    /// Comments.
    pub comments: String,
    /// Creation time, ISO 8601.
    pub create_date: String,
    /// Last update, ISO 8601.
    pub update_date: String,
    /// The e-mail address (`Email`; empty when not set).
    pub email: String,
    /// The mobile phone, `<country code>-<number>` (`MobilePhone`; empty when not set).
    pub mobile_phone: String,
}

/// System or custom policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyType {
    /// Provided by Aliyun (AliyunOSSFullAccess, …).
    System,
    /// Created by the account.
    Custom,
}

impl PolicyType {
    /// `System` or `Custom`, as RAM spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::System => "System",
            PolicyType::Custom => "Custom",
        }
    }
}

/// One version of a policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// `v1`, `v2`, …
    pub version_id: String,
    /// The document as JSON text.
    pub document: String,
    /// Whether this is the default (effective) version.
    pub is_default: bool,
    /// Creation time, ISO 8601.
    pub create_date: String,
}

/// A policy with its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The name.
    pub name: String,
    /// System or custom.
    pub policy_type: PolicyType,
    /// The description.
    pub description: String,
    /// Versions, oldest first.
    pub versions: Vec<PolicyVersion>,
    /// The number used for the next version id.
    pub next_version: u32,
    /// Creation time, ISO 8601.
    pub create_date: String,
}

impl Policy {
    /// The default version's document.
    pub fn default_document(&self) -> Option<&str> {
        self.versions.iter().find(|v| v.is_default).map(|v| v.document.as_str())
    }
}

/// Everything the account holds; the simulators lock it for each request.
#[derive(Debug, Default)]
pub struct AccountState {
    /// The account id (uid).
    pub account_id: String,
    /// Access keys by id.
    pub keys: BTreeMap<String, AccessKeyRecord>,
    /// RAM users by name.
    pub users: BTreeMap<String, RamUser>,
    /// Policies by (type, name).
    pub policies: BTreeMap<(PolicyType, String), Policy>,
    /// Attachments: user name → set of (type, policy name).
    pub attachments: BTreeMap<String, Vec<(PolicyType, String)>>,
    /// When each attachment was made: (user, type, policy name) → ISO 8601.
    pub attach_dates: BTreeMap<(String, PolicyType, String), String>,
    /// A counter for ids.
    pub next_id: u64,
}

/// The shared account. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct AliyunIdentity {
    state: Mutex<AccountState>,
}

/// The two system policies the simulator knows.
pub const SYSTEM_POLICIES: &[(&str, &str, &str)] = &[
    (
        "AliyunOSSFullAccess",
        "Provides full access to Object Storage Service (OSS) via Management Console.",
        r#"{"Version":"1","Statement":[{"Action":"oss:*","Resource":"*","Effect":"Allow"}]}"#,
    ),
    (
        "AliyunOSSReadOnlyAccess",
        "Provides read-only access to Object Storage Service (OSS) via Management Console.",
        r#"{"Version":"1","Statement":[{"Action":["oss:Get*","oss:List*"],"Effect":"Allow","Resource":"*"}]}"#,
    ),
];

impl AliyunIdentity {
    /// An account with this id, the system policies and no keys.
    ///
    /// ```
    /// use sandbox::aliyun_identity::{AliyunIdentity, Principal};
    /// let id = AliyunIdentity::new("1234567890");
    /// id.register_account_key("LTAIroot", "root-secret");
    /// assert_eq!(id.lookup_key("LTAIroot").unwrap().principal, Principal::Account);
    /// ```
    pub fn new(account_id: impl Into<String>) -> Self {
        let mut state = AccountState { account_id: account_id.into(), ..AccountState::default() };
        for (name, description, document) in SYSTEM_POLICIES {
            state.policies.insert(
                (PolicyType::System, name.to_string()),
                Policy {
                    name: name.to_string(),
                    policy_type: PolicyType::System,
                    description: description.to_string(),
                    versions: vec![PolicyVersion {
                        version_id: "v1".into(),
                        document: document.to_string(),
                        is_default: true,
                        create_date: "2015-01-01T00:00:00Z".into(),
                    }],
                    next_version: 2,
                    create_date: "2015-01-01T00:00:00Z".into(),
                },
            );
        }
        Self { state: Mutex::new(state) }
    }

    /// Registers a key of the account itself (the "admin" key a test or the demo signs with).
    pub fn register_account_key(&self, id: &str, secret: &str) {
        let record = AccessKeyRecord {
            id: id.to_string(),
            secret: secret.to_string(),
            principal: Principal::Account,
            status: KeyStatus::Active,
            create_date: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        };
        lock(&self.state).keys.insert(id.to_string(), record);
    }

    /// The account id.
    pub fn account_id(&self) -> String {
        lock(&self.state).account_id.clone()
    }

    /// Looks up an active or inactive key by id.
    pub fn lookup_key(&self, id: &str) -> Option<AccessKeyRecord> {
        lock(&self.state).keys.get(id).cloned()
    }

    /// Runs `f` with the account state locked (for the RAM simulator and tests).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut AccountState) -> R) -> R {
        f(&mut lock(&self.state))
    }

    /// Whether `principal` may perform `action` (e.g. `oss:PutObject`) on `resource`
    /// (e.g. `acs:oss:*:1234567890:bucket/key`). The account is allowed everything; a RAM user is allowed when
    /// some attached policy's default version allows it and none denies it (explicit deny wins), as RAM
    /// evaluates policies. Resources in policies may use the `*` account wildcard form `acs:oss:*:*:bucket/*`.
    pub fn authorize(&self, principal: &Principal, action: &str, resource: &str) -> bool {
        let user_name = match principal {
            Principal::Account => return true,
            Principal::RamUser { user_name } => user_name,
        };
        let state = lock(&self.state);
        let Some(attached) = state.attachments.get(user_name) else { return false };
        let mut allowed = false;
        for key in attached {
            let Some(doc) = state.policies.get(key).and_then(|p| p.default_document()) else { continue };
            let Ok(doc) = serde_json::from_str::<Value>(doc) else { continue };
            for statement in doc.get("Statement").and_then(Value::as_array).into_iter().flatten() {
                let matches = strings(statement.get("Action")).iter().any(|p| wildcard_match(p, action, true))
                    && strings(statement.get("Resource")).iter().any(|p| wildcard_match(p, resource, false));
                if !matches {
                    continue;
                }
                // The simulator does not evaluate conditions (source IP, secure transport, …): a conditional
                // Allow grants nothing and a conditional Deny applies, so it errs on the side of refusing.
                let conditional =
                    statement.get("Condition").is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()));
                match statement.get("Effect").and_then(Value::as_str) {
                    Some("Deny") => return false,
                    Some("Allow") if !conditional => allowed = true,
                    _ => {}
                }
            }
        }
        allowed
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// Glob matching with `*` (any run) and `?` (one character), as RAM matches actions and resources. Actions are
/// compared case-insensitively.
///
/// ```
/// use sandbox::aliyun_identity::wildcard_match;
/// assert!(wildcard_match("oss:Get*", "oss:GetObject", true));
/// assert!(wildcard_match("acs:oss:*:*:bucket/*", "acs:oss:*:123:bucket/a/b.png", false));
/// assert!(!wildcard_match("acs:oss:*:*:bucket/*", "acs:oss:*:123:other/a", false));
/// ```
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if case_insensitive {
        (pattern.to_lowercase().chars().collect(), text.to_lowercase().chars().collect())
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ram_user_is_limited_by_attached_policies() {
        let id = AliyunIdentity::new("1234567890");
        let user = Principal::RamUser { user_name: "lobehub".into() };
        assert!(!id.authorize(&user, "oss:PutObject", "acs:oss:*:1234567890:b1/x"));
        id.with_state(|s| {
            s.policies.insert(
                (PolicyType::Custom, "p".into()),
                Policy {
                    name: "p".into(),
                    policy_type: PolicyType::Custom,
                    description: String::new(),
                    versions: vec![PolicyVersion {
                        version_id: "v1".into(),
                        document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject"],"Resource":["acs:oss:*:*:b1/*"]},{"Effect":"Deny","Action":"oss:GetObject","Resource":"acs:oss:*:*:b1/private/*"}]}"#.into(),
                        is_default: true,
                        create_date: String::new(),
                    }],
                    next_version: 2,
                    create_date: String::new(),
                },
            );
            s.attachments.insert("lobehub".into(), vec![(PolicyType::Custom, "p".into())]);
        });
        assert!(id.authorize(&user, "oss:PutObject", "acs:oss:*:1234567890:b1/x"));
        assert!(!id.authorize(&user, "oss:PutObject", "acs:oss:*:1234567890:b2/x"));
        assert!(!id.authorize(&user, "oss:DeleteBucket", "acs:oss:*:1234567890:b1"));
        assert!(!id.authorize(&user, "oss:GetObject", "acs:oss:*:1234567890:b1/private/k"));
        assert!(id.authorize(&Principal::Account, "oss:DeleteBucket", "acs:oss:*:1234567890:b1"));
    }

    #[test]
    fn conditional_allow_grants_nothing_and_versions_follow_the_default() {
        let id = AliyunIdentity::new("1");
        let user = Principal::RamUser { user_name: "u".into() };
        let version = |n: &str, doc: &str, default: bool| PolicyVersion {
            version_id: n.into(),
            document: doc.into(),
            is_default: default,
            create_date: String::new(),
        };
        id.with_state(|s| {
            s.policies.insert(
                (PolicyType::Custom, "p".into()),
                Policy {
                    name: "p".into(),
                    policy_type: PolicyType::Custom,
                    description: String::new(),
                    versions: vec![
                        version("v1", r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#, false),
                        version("v2", r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:b/*","Condition":{"IpAddress":{"acs:SourceIp":"192.0.2.1"}}}]}"#, true),
                    ],
                    next_version: 3,
                    create_date: String::new(),
                },
            );
            s.attachments.insert("u".into(), vec![(PolicyType::Custom, "p".into())]);
        });
        // v1 would allow everything, but v2 is the default, and its only Allow is conditional.
        assert!(!id.authorize(&user, "oss:GetObject", "acs:oss:*:1:b/k"));
        assert!(!id.authorize(&user, "oss:PutObject", "acs:oss:*:1:b/k"));
        // System policies are attachable like custom ones.
        id.with_state(|s| {
            s.attachments.insert("u".into(), vec![(PolicyType::System, "AliyunOSSReadOnlyAccess".into())])
        });
        assert!(id.authorize(&user, "oss:GetObject", "acs:oss:*:1:b/k"));
        assert!(id.authorize(&user, "oss:ListObjects", "acs:oss:*:1:b"));
        assert!(!id.authorize(&user, "oss:PutObject", "acs:oss:*:1:b/k"));
    }
}
