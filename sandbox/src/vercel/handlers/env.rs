//! Environment variables: key, type, target and branch rules, `ENV_CONFLICT` and `upsert`, batch creation with
//! `failed[]`, and edits.

use super::super::render::*;
use super::super::state::{SimEnvVar, State};
use super::*;
use crate::server::{SimRequest, SimResponse};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub(crate) fn valid_env_key(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses `target` (a string or an array of strings).
pub(crate) fn parse_targets(v: Option<&Value>) -> Result<BTreeSet<String>, String> {
    let list: Vec<String> = match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or("`target` entries must be strings"))
            .collect::<Result<_, _>>()?,
        None | Some(Value::Null) => return Err("`target` is required".into()),
        _ => return Err("`target` must be a string or an array".into()),
    };
    if list.is_empty() {
        return Err("`target` must not be empty".into());
    }
    for t in &list {
        if !matches!(t.as_str(), "production" | "preview" | "development") {
            return Err(format!(
                "`target` should be equal to one of the allowed values \"production, preview, development\" (got `{t}`)"
            ));
        }
    }
    Ok(list.into_iter().collect())
}

/// Checks type, targets and branch of one (new or edited) variable.
pub(crate) fn check_env_rules(
    key: &str,
    kind: &str,
    targets: &BTreeSet<String>,
    branch: &Option<String>,
) -> Result<(), SimResponse> {
    if !matches!(kind, "encrypted" | "plain" | "sensitive" | "system") {
        return Err(error(
            400,
            "bad_request",
            format!(
                "Invalid request: `type` should be equal to one of the allowed values \"system, encrypted, plain, sensitive\" (got `{kind}`)."
            ),
        ));
    }
    if kind == "sensitive" && targets.contains("development") {
        return Err(error(
            400,
            "bad_request",
            format!("Sensitive Environment Variables cannot be created for the Development environment ({key})."),
        ));
    }
    if branch.is_some() && (targets.len() != 1 || !targets.contains("preview")) {
        return Err(error(
            400,
            "bad_request",
            format!("`gitBranch` is only allowed with the preview target alone ({key})."),
        ));
    }
    Ok(())
}

pub(crate) fn conflicts(e: &SimEnvVar, key: &str, targets: &BTreeSet<String>, branch: &Option<String>) -> bool {
    e.key == key && e.git_branch == *branch && e.targets.intersection(targets).next().is_some()
}

/// Parses and checks one variable of a create body.
pub(crate) fn env_from_json(s: &mut State, v: &Value, now: i64) -> Result<SimEnvVar, SimResponse> {
    let Some(obj) = v.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: each variable must be an object."));
    };
    let key = obj.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
    if !valid_env_key(&key) {
        return Err(error(
            400,
            "bad_request",
            format!("Invalid request: `key` `{key}` is not a valid environment variable name."),
        ));
    }
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("encrypted").to_string();
    let Some(value) = obj.get("value").and_then(Value::as_str) else {
        return Err(error(400, "bad_request", format!("Invalid request: missing required property `value` ({key}).")));
    };
    let targets = parse_targets(obj.get("target"))
        .map_err(|m| error(400, "bad_request", format!("Invalid request: {m} ({key}).")))?;
    let branch = obj.get("gitBranch").and_then(Value::as_str).map(str::to_string);
    check_env_rules(&key, &kind, &targets, &branch)?;
    Ok(SimEnvVar {
        id: s.id(""),
        key,
        value: value.to_string(),
        kind,
        targets,
        git_branch: branch,
        comment: obj.get("comment").and_then(Value::as_str).map(str::to_string),
        configuration_id: None,
        created_at: now,
        updated_at: now,
    })
}

pub(crate) fn failed_entry(resp: &SimResponse, v: &Value) -> Value {
    let parsed: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let mut err = parsed.get("error").cloned().unwrap_or_else(|| json!({}));
    if let Some(e) = err.as_object_mut() {
        let key = v.get("key").cloned().unwrap_or(Value::Null);
        e.insert("key".into(), key.clone());
        e.insert("envVarKey".into(), key);
        e.insert("target".into(), v.get("target").cloned().unwrap_or(Value::Null));
        e.insert("gitBranch".into(), v.get("gitBranch").cloned().unwrap_or(Value::Null));
    }
    json!({ "error": err })
}

pub(crate) fn create_env(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let upsert = req.query_param("upsert").as_deref() == Some("true");
    let body = parse_body(req)?;
    let (items, single) = match &body {
        Value::Array(a) => (a.clone(), false),
        Value::Object(_) => (vec![body.clone()], true),
        _ => return Err(error(400, "bad_request", "Invalid request: body must be an object or an array.")),
    };
    let now = s.now_ms();
    let mut created = Vec::new();
    let mut failed = Vec::new();
    for item in &items {
        let parsed = match env_from_json(s, item, now) {
            Ok(e) => e,
            Err(resp) if single => return Err(resp),
            Err(resp) => {
                failed.push(failed_entry(&resp, item));
                continue;
            }
        };
        let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
        match project.env.iter_mut().find(|e| conflicts(e, &parsed.key, &parsed.targets, &parsed.git_branch)) {
            Some(existing) if upsert => {
                // Upsert updates the value only.
                existing.value = parsed.value;
                existing.updated_at = now;
                created.push(env_json(existing, Reveal::Ciphertext));
            }
            Some(existing) => {
                let target = existing.targets.intersection(&parsed.targets).next().cloned().unwrap_or_default();
                let resp = error(
                    400,
                    "ENV_CONFLICT",
                    format!(
                        "A variable with the name `{}` already exists for the target {target} on branch {}",
                        parsed.key,
                        parsed.git_branch.as_deref().unwrap_or("undefined")
                    ),
                );
                if single {
                    return Err(resp);
                }
                failed.push(failed_entry(&resp, item));
            }
            None => {
                created.push(env_json(&parsed, Reveal::Ciphertext));
                project.env.push(parsed);
            }
        }
    }
    let created = if single { created.into_iter().next().unwrap_or(Value::Null) } else { Value::Array(created) };
    Ok(SimResponse::json(201, &json!({"created": created, "failed": failed})))
}

pub(crate) fn edit_env(s: &mut State, scope: &str, p: &str, env_id: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    let Some(obj) = body.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: body must be an object."));
    };
    for k in obj.keys() {
        if !matches!(k.as_str(), "key" | "value" | "type" | "target" | "gitBranch" | "comment" | "customEnvironmentIds")
        {
            return Err(error(
                400,
                "bad_request",
                format!("Invalid request: should NOT have additional property `{k}`."),
            ));
        }
    }
    let now = s.now_ms();
    let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
    let pos = project.env.iter().position(|e| e.id == env_id).ok_or_else(|| not_found("Environment Variable"))?;
    let mut next = project.env[pos].clone();
    if let Some(k) = obj.get("key").and_then(Value::as_str) {
        if !valid_env_key(k) {
            return Err(error(
                400,
                "bad_request",
                format!("Invalid request: `key` `{k}` is not a valid environment variable name."),
            ));
        }
        next.key = k.to_string();
    }
    if let Some(v) = obj.get("value").and_then(Value::as_str) {
        next.value = v.to_string();
    }
    if let Some(t) = obj.get("type").and_then(Value::as_str) {
        next.kind = t.to_string();
    }
    if obj.contains_key("target") {
        next.targets = parse_targets(obj.get("target"))
            .map_err(|m| error(400, "bad_request", format!("Invalid request: {m}.")))?;
    }
    if let Some(b) = obj.get("gitBranch") {
        next.git_branch = b.as_str().map(str::to_string);
    }
    if let Some(c) = obj.get("comment") {
        next.comment = c.as_str().map(str::to_string);
    }
    check_env_rules(&next.key, &next.kind, &next.targets, &next.git_branch)?;
    if project.env.iter().any(|e| e.id != env_id && conflicts(e, &next.key, &next.targets, &next.git_branch)) {
        return Err(error(
            400,
            "ENV_CONFLICT",
            format!("A variable with the name `{}` already exists for an overlapping target.", next.key),
        ));
    }
    next.updated_at = now;
    project.env[pos] = next;
    Ok(SimResponse::json(200, &env_json(&project.env[pos], Reveal::Ciphertext)))
}
