//! Deployments: creating one (the build reads the env of its target and follows the [`BuildRules`](super::super::BuildRules)),
//! and listing them.

use super::super::render::*;
use super::super::state::{EnvSnapshot, Outcome, SimDeployment, State};
use super::*;
use crate::server::{SimRequest, SimResponse};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Instant;

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
