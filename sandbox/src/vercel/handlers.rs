//! One function per operation: the rules Vercel applies to each request, and the change it makes.

// Handlers return `Result<SimResponse, SimResponse>` so that `?` turns any refusal into the answer; the size of
// the error variant does not matter in a test simulator.
#![allow(clippy::result_large_err)]

use super::render::*;
use super::state::{EnvSnapshot, Outcome, SimDeployment, SimDomain, SimEnvVar, SimProject, State};
use crate::server::{SimRequest, SimResponse};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::time::Instant;

pub(crate) const PROJECT_PATCH_FIELDS: &[&str] = &[
    "name",
    "framework",
    "buildCommand",
    "installCommand",
    "outputDirectory",
    "rootDirectory",
    "devCommand",
    "nodeVersion",
    "serverlessFunctionRegion",
    "ssoProtection",
    "passwordProtection",
    "autoExposeSystemEnvs",
    "publicSource",
];

pub(crate) const PROJECT_CREATE_FIELDS: &[&str] = &[
    "name",
    "framework",
    "gitRepository",
    "buildCommand",
    "installCommand",
    "outputDirectory",
    "rootDirectory",
    "devCommand",
    "environmentVariables",
    "serverlessFunctionRegion",
    "ssoProtection",
    "publicSource",
];

pub(crate) fn valid_project_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.contains("---")
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

pub(crate) fn valid_env_key(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) const TWO_LEVEL_SUFFIXES: &[&str] =
    &["co.uk", "org.uk", "com.cn", "net.cn", "org.cn", "com.au", "co.jp", "com.hk", "com.tw"];

pub(crate) fn apex_of(domain: &str) -> String {
    let labels: Vec<&str> = domain.split('.').collect();
    let n = labels.len();
    if n >= 3 && TWO_LEVEL_SUFFIXES.contains(&labels[n - 2..].join(".").as_str()) {
        return labels[n - 3..].join(".");
    }
    if n >= 2 { labels[n - 2..].join(".") } else { domain.to_string() }
}

pub(crate) fn valid_domain(d: &str) -> bool {
    d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
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

pub(crate) fn find_project<'s>(s: &'s State, scope: &str, id_or_name: &str) -> Result<&'s SimProject, SimResponse> {
    s.projects
        .values()
        .find(|p| p.account_id == scope && (p.id == id_or_name || p.name == id_or_name))
        .ok_or_else(|| not_found("Project"))
}

pub(crate) fn check_git(s: &State, repo: &str) -> Result<(), SimResponse> {
    let shape_ok = repo.split_once('/').is_some_and(|(o, n)| !o.is_empty() && !n.is_empty());
    if !shape_ok {
        return Err(error(400, "bad_request", format!("Invalid repository `{repo}`.")));
    }
    if !s.github_connected {
        return Err(error_with(
            400,
            "bad_request",
            format!("Failed to link {repo}. You need to add a Login Connection to your GitHub account first."),
            json!({
                "action": "Add a Login Connection",
                "link": "https://vercel.com/docs/accounts/create-an-account#login-methods-and-connections",
                "repo": repo,
            }),
        ));
    }
    if !s.github_app_installed {
        return Err(error_with(
            400,
            "bad_request",
            format!("To link a GitHub repository, you need to install the GitHub integration first. ({repo})"),
            json!({"action": "Install GitHub App", "link": "https://github.com/apps/vercel", "repo": repo}),
        ));
    }
    Ok(())
}

pub(crate) fn create_project(s: &mut State, scope: &str, req: &SimRequest) -> Reply {
    let body = parse_body(req)?;
    let Some(obj) = body.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: body must be an object."));
    };
    for k in obj.keys() {
        if !PROJECT_CREATE_FIELDS.contains(&k.as_str()) {
            return Err(error(
                400,
                "bad_request",
                format!("Invalid request: should NOT have additional property `{k}`."),
            ));
        }
    }
    let Some(name) = obj.get("name").and_then(Value::as_str) else {
        return Err(error(400, "bad_request", "Invalid request: missing required property `name`."));
    };
    if !valid_project_name(name) {
        return Err(error(400, "bad_request", format!("The name \"{name}\" is invalid.")));
    }
    if s.projects.values().any(|p| p.account_id == scope && p.name == name) {
        return Err(error(409, "conflict", format!("Project \"{name}\" already exists.")));
    }
    let mut linked = None;
    if let Some(git) = obj.get("gitRepository") {
        let kind = git.get("type").and_then(Value::as_str).unwrap_or_default();
        let repo = git.get("repo").and_then(Value::as_str).unwrap_or_default();
        if kind != "github" {
            return Err(error(
                400,
                "bad_request",
                format!("The simulator only links GitHub repositories (got `{kind}`)."),
            ));
        }
        check_git(s, repo)?;
        linked = Some(repo.to_string());
    }
    let now = s.now_ms();
    let mut env = Vec::new();
    if let Some(vars) = obj.get("environmentVariables").and_then(Value::as_array) {
        for v in vars {
            // `createProject.environmentVariables[]` defines only these (vsdk `EnvironmentVariables`).
            if let Some(extra) = v.as_object().and_then(|o| {
                o.keys().find(|k| !matches!(k.as_str(), "key" | "target" | "gitBranch" | "type" | "value"))
            }) {
                return Err(error(
                    400,
                    "bad_request",
                    format!("Invalid request: `environmentVariables[]` should NOT have additional property `{extra}`."),
                ));
            }
            let item = env_from_json(s, v, now)?;
            if env.iter().any(|e: &SimEnvVar| conflicts(e, &item.key, &item.targets, &item.git_branch)) {
                return Err(error(
                    400,
                    "ENV_CONFLICT",
                    format!("A variable with the name `{}` already exists.", item.key),
                ));
            }
            env.push(item);
        }
    }
    let settings: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "name" | "gitRepository" | "environmentVariables"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let id = s.id("prj_");
    let project = SimProject {
        id: id.clone(),
        name: name.to_string(),
        account_id: scope.to_string(),
        linked_repo: linked,
        settings,
        env,
        created_at: now,
        updated_at: now,
    };
    s.projects.insert(id.clone(), project);
    assign_production_domain(s, &id, name, now);
    let project = s.projects.get(&id).cloned().ok_or_else(|| not_found("Project"))?;
    let out = project_answer(s, &project);
    Ok(SimResponse::json(200, &out))
}

/// Gives a new project its automatic production domain: `<name>.vercel.app` when nobody holds it, else a
/// suffixed `*.vercel.app` host (field-truth §4.7: "typically suffixed; the exact form is not documented").
pub(crate) fn assign_production_domain(s: &mut State, project_id: &str, name: &str, now: i64) {
    let mut host = format!("{name}.vercel.app");
    // Bounded: 36^6 suffixes, and a simulator holds a handful of names.
    for _ in 0..64 {
        if !s.vercel_app_taken(&host) {
            break;
        }
        let rng = &mut s.rng;
        let suffix: String = (0..6).map(|_| rng.alphanumeric().to_ascii_lowercase()).collect();
        host = format!("{name}-{suffix}.vercel.app");
    }
    s.domains.push(SimDomain {
        name: host,
        apex: "vercel.app".into(),
        project_id: project_id.to_string(),
        verified: true,
        challenge: None,
        redirect: None,
        redirect_status_code: None,
        git_branch: None,
        created_at: now,
        updated_at: now,
    });
}

pub(crate) fn list_projects(s: &State, scope: &str, req: &SimRequest) -> Reply {
    let limit = req.query_param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(20).clamp(1, 100);
    // getProjects (v10) continues with `from` ("updated after the given timestamp or continuation token", vsdk
    // projectsGetProjects.ts); `until` is not a parameter of it and is ignored, as an undefined parameter is.
    let from = req.query_param("from").and_then(|u| u.parse::<i64>().ok());
    let search = req.query_param("search");
    let mut all: Vec<&SimProject> = s
        .projects
        .values()
        .filter(|p| p.account_id == scope)
        .filter(|p| search.as_deref().is_none_or(|q| p.name.contains(q)))
        .filter(|p| from.is_none_or(|u| p.created_at < u))
        .collect();
    all.sort_by_key(|x| std::cmp::Reverse(x.created_at));
    let more = all.len() > limit;
    let page: Vec<&SimProject> = all.into_iter().take(limit).collect();
    let next = if more { page.last().map(|p| p.created_at) } else { None };
    let projects: Vec<Value> = page.iter().map(|p| project_answer(s, p)).collect();
    Ok(SimResponse::json(
        200,
        &json!({"projects": projects, "pagination": {"count": projects.len(), "next": next, "prev": page.first().map(|p| p.created_at)}}),
    ))
}

pub(crate) fn update_project(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    let Some(obj) = body.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: body must be an object."));
    };
    for k in obj.keys() {
        if !PROJECT_PATCH_FIELDS.contains(&k.as_str()) {
            return Err(error(
                400,
                "bad_request",
                format!("Invalid request: should NOT have additional property `{k}`."),
            ));
        }
    }
    if let Some(name) = obj.get("name").and_then(Value::as_str) {
        if !valid_project_name(name) {
            return Err(error(400, "bad_request", format!("The name \"{name}\" is invalid.")));
        }
        if s.projects.values().any(|x| x.account_id == scope && x.name == name && x.id != id) {
            return Err(error(409, "conflict", format!("Project \"{name}\" already exists.")));
        }
    }
    let now = s.now_ms();
    let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
    for (k, v) in obj {
        if k == "name" {
            if let Some(n) = v.as_str() {
                project.name = n.to_string();
            }
        } else {
            project.settings.insert(k.clone(), v.clone());
        }
    }
    project.updated_at = now;
    let project = project.clone();
    Ok(SimResponse::json(200, &project_answer(s, &project)))
}

pub(crate) fn link_project(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    if body.get("type").and_then(Value::as_str) != Some("github") {
        return Err(error(400, "bad_request", "Invalid request: `type` must be `github` in the simulator."));
    }
    let repo = body.get("repo").and_then(Value::as_str).unwrap_or_default().to_string();
    check_git(s, &repo)?;
    let now = s.now_ms();
    let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
    project.linked_repo = Some(repo);
    project.updated_at = now;
    let project = project.clone();
    Ok(SimResponse::json(200, &project_answer(s, &project)))
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

pub(crate) fn add_domain(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    if !valid_domain(&name) {
        return Err(error(400, "invalid_domain", format!("The domain name \"{name}\" is invalid.")));
    }
    // A `*.vercel.app` host is global: held by a project of another account, adding it is a 409 (field-truth §4.7).
    if name.ends_with(".vercel.app") && s.taken_vercel_app.contains(&name) {
        return Err(error(
            409,
            "domain_already_in_use",
            format!("Domain \"{name}\" is already in use by another project."),
        ));
    }
    if let Some(existing) = s.domains.iter().find(|d| d.name == name) {
        return Err(if existing.project_id == id {
            error(400, "domain_already_in_use", format!("Domain \"{name}\" is already assigned to this project."))
        } else {
            error(409, "domain_already_in_use", format!("Domain \"{name}\" is already in use by another project."))
        });
    }
    let status = body.get("redirectStatusCode").and_then(Value::as_u64).map(|c| c as u16);
    if let Some(c) = status
        && !matches!(c, 301 | 302 | 307 | 308)
    {
        return Err(error(400, "bad_request", "Invalid request: `redirectStatusCode` must be 301, 302, 307 or 308."));
    }
    let apex = apex_of(&name);
    let taken = s.taken_domains.contains(&name) || s.taken_domains.contains(&apex);
    let now = s.now_ms();
    let challenge = if taken {
        let rng = &mut s.rng;
        Some((0..20).map(|_| format!("{:x}", rng.u8(0..16))).collect::<String>())
    } else {
        None
    };
    let d = SimDomain {
        name,
        apex,
        project_id: id,
        verified: !taken,
        challenge,
        redirect: body.get("redirect").and_then(Value::as_str).map(str::to_string),
        redirect_status_code: status,
        git_branch: body.get("gitBranch").and_then(Value::as_str).map(str::to_string),
        created_at: now,
        updated_at: now,
    };
    let out = domain_json(&d);
    s.domains.push(d);
    Ok(SimResponse::json(200, &out))
}

pub(crate) fn create_deployment(s: &mut State, scope: &str, req: &SimRequest) -> Reply {
    let body = parse_body(req)?;
    let Some(obj) = body.as_object() else {
        return Err(error(400, "bad_request", "Invalid request: body must be an object."));
    };
    let Some(name) = obj.get("name").and_then(Value::as_str) else {
        return Err(error(400, "bad_request", "Invalid request: missing required property `name`."));
    };
    let project_ref = obj.get("project").and_then(Value::as_str).unwrap_or(name);
    let project = find_project(s, scope, project_ref)?.clone();
    let target = match obj.get("target") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t == "production" || t == "staging" => Some(t.clone()),
        Some(other) => return Err(error(400, "bad_request", format!("Invalid request: unknown target {other}."))),
    };
    let git_ref = match (obj.get("gitSource"), obj.get("deploymentId").and_then(Value::as_str)) {
        (Some(src), None) => {
            let Some(linked) = &project.linked_repo else {
                return Err(error(400, "bad_request", "The project is not connected to a Git repository."));
            };
            let matches_repo = match src.get("repoId") {
                Some(id) => id.as_u64().or_else(|| id.as_str().and_then(|x| x.parse().ok())) == Some(repo_id(linked)),
                None => {
                    let org = src.get("org").and_then(Value::as_str).unwrap_or_default();
                    let repo = src.get("repo").and_then(Value::as_str).unwrap_or_default();
                    format!("{org}/{repo}").eq_ignore_ascii_case(linked)
                }
            };
            if src.get("type").and_then(Value::as_str) != Some("github") || !matches_repo {
                return Err(error(
                    400,
                    "incorrect_git_source_info",
                    "The provided `gitSource` does not match the repository linked to the project.",
                ));
            }
            let Some(r) = src.get("ref").and_then(Value::as_str) else {
                return Err(error(400, "bad_request", "Invalid request: `gitSource.ref` is required."));
            };
            Some(r.to_string())
        }
        (None, Some(dep)) => {
            let Some(previous) = s.deployments.iter().find(|d| d.id == dep && d.project_id == project.id) else {
                return Err(error(404, "not_found", "Deployment not found"));
            };
            previous.git_ref.clone()
        }
        _ => {
            return Err(error(
                400,
                "missing_files",
                "Missing `gitSource` or `deploymentId` (the simulator does not take files).",
            ));
        }
    };
    // The build reads the env of its target (and, for previews, of its branch) at build time.
    let build_target = if target.as_deref() == Some("production") { "production" } else { "preview" };
    let env: EnvSnapshot = project
        .env
        .iter()
        .filter(|e| e.targets.contains(build_target))
        .filter(|e| e.git_branch.is_none() || (build_target == "preview" && e.git_branch == git_ref))
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect();
    let keys: BTreeSet<String> = env.keys().cloned().collect();
    // `meta` is `{[k: string]: string}` (vsdk createDeployment request body).
    let mut meta = std::collections::BTreeMap::new();
    match obj.get("meta") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let Some(v) = v.as_str() else {
                    return Err(error(400, "bad_request", format!("Invalid request: `meta.{k}` should be string.")));
                };
                meta.insert(k.clone(), v.to_string());
            }
        }
        Some(_) => return Err(error(400, "bad_request", "Invalid request: `meta` should be object.")),
    }
    let outcome = match s.build_rules.check(&keys) {
        Ok(()) => Outcome::Ready,
        Err(reason) => Outcome::Error {
            code: "BUILD_UTILS_SPAWN_1".into(),
            message: format!("Command \"bun run build:vercel\" exited with 1: {reason}"),
        },
    };
    let id = s.id("dpl_");
    let now = s.now_ms();
    let suffix: String = id.chars().skip(4).take(9).collect::<String>().to_ascii_lowercase();
    let d = SimDeployment {
        id,
        name: project.name.clone(),
        project_id: project.id.clone(),
        account_id: scope.to_string(),
        target,
        git_ref,
        created: Instant::now(),
        created_at: now,
        queued_for: s.queued_for,
        build_for: s.build_for,
        outcome,
        canceled: false,
        url: format!("{}-{suffix}.vercel.app", project.name),
        env,
        meta,
    };
    let out = deployment_json(&d, s);
    s.deployments.push(d);
    Ok(SimResponse::json(200, &out))
}

pub(crate) fn list_deployments(s: &State, scope: &str, req: &SimRequest) -> Reply {
    let limit = req.query_param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(20).clamp(1, 100);
    let until = req.query_param("until").and_then(|u| u.parse::<i64>().ok());
    let project = req.query_param("projectId");
    let target = req.query_param("target");
    let mut all: Vec<&SimDeployment> = s
        .deployments
        .iter()
        .filter(|d| d.account_id == scope)
        .filter(|d| project.as_deref().is_none_or(|p| p == d.project_id || p == d.name))
        .filter(|d| target.as_deref().is_none_or(|t| Some(t) == d.target.as_deref()))
        .filter(|d| until.is_none_or(|u| d.created_at < u))
        .collect();
    all.sort_by_key(|x| std::cmp::Reverse(x.created_at));
    let more = all.len() > limit;
    let page: Vec<&SimDeployment> = all.into_iter().take(limit).collect();
    let next = if more { page.last().map(|d| d.created_at) } else { None };
    let items: Vec<Value> = page.iter().map(|d| deployment_item_json(d)).collect();
    Ok(SimResponse::json(
        200,
        &json!({"deployments": items, "pagination": {"count": items.len(), "next": next, "prev": null}}),
    ))
}
