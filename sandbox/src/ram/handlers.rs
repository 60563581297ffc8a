//! The RAM actions: users, access keys and policies over the shared [`AccountState`].

use super::{
    MAX_CUSTOM_POLICIES, MAX_CUSTOM_POLICIES_PER_USER, MAX_KEYS_PER_USER, MAX_POLICY_DOCUMENT, MAX_POLICY_VERSIONS,
    MAX_SYSTEM_POLICIES_PER_USER, MAX_USERS, RamError, RamResult, err,
};
use crate::aliyun_identity::{
    AccessKeyRecord, AccountState, KeyStatus, Policy, PolicyType, PolicyVersion, Principal, RamUser,
};
use base64::Engine as _;
use serde_json::{Value, json};

pub(super) struct Params<'a>(pub(super) &'a [(String, String)]);

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

fn random_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n).map(|_| CHARS[fastrand::usize(..CHARS.len())] as char).collect()
}

pub(super) fn user_keys<'a>(s: &'a AccountState, user_name: &'a str) -> impl Iterator<Item = &'a AccessKeyRecord> + 'a {
    s.keys.values().filter(move |k| matches!(&k.principal, Principal::RamUser { user_name: u } if u == user_name))
}

pub(super) fn new_user(s: &mut AccountState, name: &str, display: &str, comments: &str, now: &str) -> RamUser {
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

pub(super) fn dispatch(s: &mut AccountState, action: &str, p: &Params<'_>, caller: &Principal, now: &str) -> RamResult {
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
