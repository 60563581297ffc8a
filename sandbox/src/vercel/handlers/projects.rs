//! Projects: `POST /v11/projects`, listing, `PATCH` with the accepted properties, linking a Git repository (which
//! needs the GitHub login connection and the Vercel GitHub App), and the automatic `*.vercel.app` domain.

use super::super::render::*;
use super::super::state::{SimDomain, SimEnvVar, SimProject, State};
use super::*;
use crate::server::{SimRequest, SimResponse};
use serde_json::{Map, Value, json};

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
