//! RAM policies: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, the version operations, and attaching
//! policies to users (RAM API 2015-05-01; shapes in `shared/reference/aliyun-oss-ram.md` §3.3 and the
//! `alibabacloud_ram20150501` response models).

use super::handlers::{Params, invalid_action, not_policy, not_user, page, page_json};
use super::{
    MAX_CUSTOM_POLICIES, MAX_CUSTOM_POLICIES_PER_USER, MAX_POLICY_DOCUMENT, MAX_POLICY_VERSIONS,
    MAX_SYSTEM_POLICIES_PER_USER, RamError, RamResult, err,
};
use crate::aliyun_identity::{AccountState, Policy, PolicyType, PolicyVersion};
use serde_json::{Value, json};

pub(super) fn dispatch(s: &mut AccountState, action: &str, p: &Params<'_>, now: &str) -> RamResult {
    match action {
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
        "ListPolicies" => {
            let filter = match p.get("PolicyType").filter(|t| !t.is_empty()) {
                None => None,
                Some(_) => Some(p.policy_type()?),
            };
            // Sorted by name across both types (the map is keyed (type, name)).
            let mut all: Vec<&Policy> =
                s.policies.values().filter(|pol| filter.is_none_or(|t| pol.policy_type == t)).collect();
            all.sort_by(|a, b| a.name.cmp(&b.name));
            let (policies, marker) = page(p, all.into_iter(), |pol: &Policy| pol.name.clone())?;
            let items = policies.into_iter().map(|pol| policy_json(s, pol)).collect();
            Ok(page_json("Policies", "Policy", items, marker))
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
        other => Err(invalid_action(other)),
    }
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
