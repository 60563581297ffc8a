//! The RAM actions: the routing table from `Action` to the users-and-keys or the policies handlers, request
//! parameters, and what both share (name checks, `Marker` / `MaxItems` paging).

use super::{RamError, RamResult, err, policies, users};
use crate::aliyun_identity::{AccountState, PolicyType, Principal};
use base64::Engine as _;
use serde_json::Value;

/// Every action the simulator answers, and who handles it; any other `Action` is `InvalidAction.NotFound`.
pub(super) fn dispatch(s: &mut AccountState, action: &str, p: &Params<'_>, caller: &Principal, now: &str) -> RamResult {
    match action {
        "CreateUser" | "GetUser" | "UpdateUser" | "DeleteUser" | "ListUsers" | "CreateAccessKey" | "ListAccessKeys"
        | "UpdateAccessKey" | "DeleteAccessKey" => users::dispatch(s, action, p, caller, now),
        "CreatePolicy"
        | "GetPolicy"
        | "ListPolicies"
        | "DeletePolicy"
        | "ListPolicyVersions"
        | "CreatePolicyVersion"
        | "DeletePolicyVersion"
        | "SetDefaultPolicyVersion"
        | "AttachPolicyToUser"
        | "DetachPolicyFromUser"
        | "ListPoliciesForUser" => policies::dispatch(s, action, p, now),
        other => Err(invalid_action(other)),
    }
}

pub(super) fn invalid_action(action: &str) -> RamError {
    err(
        404,
        "InvalidAction.NotFound",
        format!("Specified api is not found, please check your url and method: {action}"),
    )
}

/// The request's own parameters (the common ones removed).
pub(super) struct Params<'a>(pub(super) &'a [(String, String)]);

impl Params<'_> {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(super) fn required(&self, name: &str) -> Result<&str, RamError> {
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

    pub(super) fn bool(&self, name: &str) -> Result<bool, RamError> {
        // Case-insensitive: the official Python RAM SDK (alibabacloud_ram20150501 on Tea OpenAPI) sends a
        // boolean as Python's `str(True)`, "True", and RAM accepts it (the conformance suite's ram_tea.py
        // CreatePolicyVersion / DeletePolicy steps); anything but true/false is refused.
        match self.get(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(other) => Err(err(
                400,
                &format!("InvalidParameter.{name}"),
                format!("The parameter {name} must be true or false, not {other}."),
            )),
        }
    }

    pub(super) fn user_name(&self) -> Result<&str, RamError> {
        let name = self.required("UserName")?;
        check_user_name(name, "UserName")?;
        Ok(name)
    }

    pub(super) fn policy_name(&self) -> Result<&str, RamError> {
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

    pub(super) fn policy_type(&self) -> Result<PolicyType, RamError> {
        match self.required("PolicyType")? {
            "System" => Ok(PolicyType::System),
            "Custom" => Ok(PolicyType::Custom),
            _ => Err(err(400, "InvalidParameter.PolicyType", "The parameter PolicyType is invalid.")),
        }
    }
}

/// One page of a `Marker` / `MaxItems` listing (ListUsers, ListPolicies): `MaxItems` 1–1000, default 100; the
/// marker is opaque to callers (here the base64url of the last name returned) and present only when
/// `IsTruncated` is true. Items must be sorted by `name`.
pub(super) fn page<'a, T>(
    p: &Params<'_>,
    items: impl Iterator<Item = &'a T>,
    name: impl Fn(&T) -> String,
) -> Result<(Vec<&'a T>, Option<String>), RamError>
where
    T: 'a,
{
    let max = match p.get("MaxItems") {
        None => 100,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| err(400, "InvalidParameter.MaxItems", "The parameter MaxItems must be 1 to 1000."))?,
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
    let remaining: Vec<&T> = items.filter(|t| after.as_ref().is_none_or(|a| name(t) > *a)).collect();
    let truncated = remaining.len() > max;
    let page: Vec<&T> = remaining.into_iter().take(max).collect();
    let marker = if truncated {
        page.last().map(|last| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(name(last)))
    } else {
        None
    };
    Ok((page, marker))
}

/// `{"IsTruncated": …, "Marker": …(only when truncated), <key>: {<inner>: [...]}}`.
pub(super) fn page_json(key: &str, inner: &str, items: Vec<Value>, marker: Option<String>) -> Value {
    let mut out = serde_json::json!({ "IsTruncated": marker.is_some(), key: { inner: items } });
    if let Some(m) = marker {
        out["Marker"] = Value::String(m);
    }
    out
}

pub(super) fn check_user_name(name: &str, field: &str) -> Result<(), RamError> {
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

pub(super) fn not_user(name: &str) -> RamError {
    err(404, "EntityNotExist.User", format!("The user does not exist: {name}"))
}

pub(super) fn not_policy(name: &str) -> RamError {
    err(404, "EntityNotExist.Policy", format!("The policy does not exist: {name}"))
}
