//! RAM users and their access keys: CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers, CreateAccessKey,
//! ListAccessKeys, UpdateAccessKey, DeleteAccessKey (RAM API 2015-05-01; shapes in
//! `shared/reference/aliyun-oss-ram.md` §3.3 and the `alibabacloud_ram20150501` response models).

use super::handlers::{Params, check_user_name, invalid_action, not_user, page, page_json};
use super::{MAX_KEYS_PER_USER, MAX_USERS, RamError, RamResult, err};
use crate::aliyun_identity::{AccessKeyRecord, AccountState, KeyStatus, Principal, RamUser};
use serde_json::{Value, json};

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
            let mut user = new_user(s, name, display, comments, now);
            user.email = p.get("Email").unwrap_or_default().to_string();
            user.mobile_phone = p.get("MobilePhone").unwrap_or_default().to_string();
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
            if let Some(e) = p.get("NewEmail") {
                user.email = e.to_string();
            }
            if let Some(m) = p.get("NewMobilePhone") {
                user.mobile_phone = m.to_string();
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
            let (users, marker) = page(p, s.users.values(), |u: &RamUser| u.user_name.clone())?;
            Ok(page_json("Users", "User", users.into_iter().map(user_json).collect(), marker))
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
        other => Err(invalid_action(other)),
    }
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
        email: String::new(),
        mobile_phone: String::new(),
    }
}

fn user_json(u: &RamUser) -> Value {
    let mut out = json!({
        "UserId": u.user_id,
        "UserName": u.user_name,
        "DisplayName": u.display_name,
        "Comments": u.comments,
        "CreateDate": u.create_date,
        "UpdateDate": u.update_date,
    });
    // Set only on the China site and only when given (CreateUser `Email` / `MobilePhone`).
    if !u.email.is_empty() {
        out["Email"] = Value::String(u.email.clone());
    }
    if !u.mobile_phone.is_empty() {
        out["MobilePhone"] = Value::String(u.mobile_phone.clone());
    }
    out
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

fn status_str(s: KeyStatus) -> &'static str {
    match s {
        KeyStatus::Active => "Active",
        KeyStatus::Inactive => "Inactive",
    }
}
