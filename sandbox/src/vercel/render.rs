//! Answers in the shapes `@vercel/sdk` 1.28.35 validates (field-truth §4.6): every required object and array is
//! present, enums stay inside their closed sets, optional fields are omitted rather than `null` where the SDK does
//! not allow `null`.

// Handlers return `Result<SimResponse, SimResponse>` so that `?` turns any refusal into the answer; the size of
// the error variant does not matter in a test simulator.
#![allow(clippy::result_large_err)]

use super::state::{Outcome, SimDeployment, SimDomain, SimEnvVar, SimProject, State};
use crate::server::{SimRequest, SimResponse};
use serde_json::{Value, json};

pub(crate) type Reply = Result<SimResponse, SimResponse>;

pub(crate) fn error(status: u16, code: &str, message: impl Into<String>) -> SimResponse {
    SimResponse::json(status, &json!({"error": {"code": code, "message": message.into()}}))
}

pub(crate) fn error_with(status: u16, code: &str, message: impl Into<String>, extra: Value) -> SimResponse {
    let mut err = json!({"code": code, "message": message.into()});
    if let (Some(e), Some(x)) = (err.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    SimResponse::json(status, &json!({ "error": err }))
}

pub(crate) fn not_found(what: &str) -> SimResponse {
    error(404, "not_found", format!("{what} not found"))
}

pub(crate) fn repo_id(repo: &str) -> u64 {
    // FNV-1a: a stable numeric id per repository name.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in repo.to_ascii_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    100_000_000 + h % 900_000_000
}

pub(crate) fn ciphertext(value: &str) -> String {
    let hex: String = value.bytes().rev().map(|b| format!("{:02x}", b ^ 0x5a)).collect();
    format!("eyJ2IjoidjIifQ.{hex}")
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reveal {
    /// As list and create answers show it: ciphertext for encrypted.
    Ciphertext,
    /// Decrypted where allowed (never sensitive).
    Decrypted,
}

/// One variable as `filterProjectEnvs`, `createProjectEnv`, `editProjectEnv` and `removeProjectEnv` answer it:
/// `securityIssues` (a required array), `gitBranch` / `comment` / `configurationId` omitted when unset (optional,
/// not nullable), `value` present except for `sensitive` variables (vsdk `ResponseBodyEnvs`).
pub(crate) fn env_json(e: &SimEnvVar, reveal: Reveal) -> Value {
    let mut v = json!({
        "id": e.id,
        "key": e.key,
        "type": e.kind,
        "target": e.targets.iter().collect::<Vec<_>>(),
        "customEnvironmentIds": [],
        "securityIssues": [],
        "createdAt": e.created_at,
        "updatedAt": e.updated_at,
    });
    let (value, decrypted) = match (e.kind.as_str(), reveal) {
        ("sensitive", _) => (None, false),
        ("plain", _) => (Some(e.value.clone()), false),
        (_, Reveal::Decrypted) => (Some(e.value.clone()), true),
        (_, Reveal::Ciphertext) => (Some(ciphertext(&e.value)), false),
    };
    if let Some(obj) = v.as_object_mut() {
        if let Some(value) = value {
            obj.insert("value".into(), Value::String(value));
        }
        obj.insert("decrypted".into(), Value::Bool(decrypted));
        for (k, val) in
            [("gitBranch", &e.git_branch), ("comment", &e.comment), ("configurationId", &e.configuration_id)]
        {
            if let Some(val) = val {
                obj.insert(k.into(), Value::String(val.clone()));
            }
        }
    }
    v
}

/// A project as create, get, update and list answer it, with the objects and arrays the SDK requires (`alias`,
/// `defaultResourceConfig`, `deploymentExpiration`, `resourceConfig`, `directoryListing`; field-truth §4.6) and
/// `targets.production.alias` naming the automatic production domain.
pub(crate) fn project_json(p: &SimProject, production_domains: &[String]) -> Value {
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "accountId": p.account_id,
        "createdAt": p.created_at,
        "updatedAt": p.updated_at,
        "nodeVersion": "22.x",
        "framework": null,
        "alias": [],
        "defaultResourceConfig": {"functionDefaultRegions": ["iad1"]},
        "resourceConfig": {"functionDefaultRegions": ["iad1"]},
        "deploymentExpiration": {"expirationDays": 180, "expirationDaysProduction": 365},
        "directoryListing": false,
        "serverlessFunctionRegion": "iad1",
        "env": [],
    });
    if let Some(obj) = v.as_object_mut() {
        for (k, val) in &p.settings {
            obj.insert(k.clone(), val.clone());
        }
        // `targets.production` is the current production deployment object (not only its aliases); the project
        // answer's `alias` entries carry the domains instead.
        let alias: Vec<Value> = production_domains
            .iter()
            .map(|d| json!({"domain": d, "environment": "production", "target": "PRODUCTION", "deployment": null}))
            .collect();
        obj.insert("alias".into(), Value::Array(alias));
        if let Some(repo) = &p.linked_repo {
            let (org, name) = repo.split_once('/').unwrap_or(("", repo));
            obj.insert(
                "link".into(),
                json!({
                    "type": "github", "org": org, "repo": name, "repoId": repo_id(repo),
                    "repoOwnerId": repo_id(org), "productionBranch": "main", "gitCredentialId": "cred_sim",
                    "deployHooks": [], "createdAt": p.created_at, "updatedAt": p.updated_at,
                }),
            );
        }
    }
    v
}

/// [`project_json`] with the project's production domains from `state`.
pub(crate) fn project_answer(state: &State, p: &SimProject) -> Value {
    project_json(p, &production_aliases(state, &p.id))
}

/// A project domain (`addProjectDomain`, `getProjectDomain`, `getProjectDomains` items, `verifyProjectDomain`).
pub(crate) fn domain_json(d: &SimDomain) -> Value {
    let mut v = json!({
        "name": d.name, "apexName": d.apex, "projectId": d.project_id, "redirect": d.redirect,
        "redirectStatusCode": d.redirect_status_code, "customEnvironmentId": null,
        "createdAt": d.created_at, "updatedAt": d.updated_at, "verified": d.verified,
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(b) = &d.git_branch {
            obj.insert("gitBranch".into(), Value::String(b.clone()));
        }
        if let (false, Some(token)) = (d.verified, &d.challenge) {
            obj.insert(
                "verification".into(),
                json!([{
                    "type": "TXT",
                    "domain": format!("_vercel.{}", d.apex),
                    "value": format!("vc-domain-verify={},{}", d.name, token),
                    "reason": "pending_domain_verification",
                }]),
            );
        }
    }
    v
}

/// The hosts a READY production deployment of `project_id` is aliased to: the project's verified domains that
/// neither redirect nor serve a branch (vtf `vercel_project_domain` docs), the automatic `*.vercel.app` one first.
pub(crate) fn production_aliases(state: &State, project_id: &str) -> Vec<String> {
    state
        .domains
        .iter()
        .filter(|x| x.project_id == project_id && x.verified && x.redirect.is_none() && x.git_branch.is_none())
        .map(|x| x.name.clone())
        .collect()
}

/// A deployment in the full shape of `getDeployment` / `createDeployment` / `cancelDeployment` (vsdk
/// `CancelDeploymentResponseBody`: `build`, `creator`, `env`, `plan`, `projectSettings`, `regions`, `type`, …).
/// `env` lists the names (never the values) of the variables the build saw.
pub(crate) fn deployment_json(d: &SimDeployment, state: &State) -> Value {
    let ready_state = d.state();
    let mut meta = serde_json::Map::new();
    if let Some(r) = &d.git_ref {
        meta.insert("githubCommitRef".into(), Value::String(r.clone()));
    }
    for (k, val) in &d.meta {
        meta.insert(k.clone(), Value::String(val.clone()));
    }
    let mut v = json!({
        "id": d.id, "name": d.name, "url": d.url, "projectId": d.project_id, "ownerId": d.account_id,
        "readyState": ready_state, "status": ready_state, "createdAt": d.created_at,
        "buildingAt": d.created_at, "bootedAt": d.created_at, "createdIn": "sfo1", "version": 2,
        "inspectorUrl": format!("https://vercel.com/{}/{}/{}", d.account_id, d.name, d.id.trim_start_matches("dpl_")),
        "aliasAssigned": false, "alias": [], "meta": meta, "type": "LAMBDAS", "plan": "pro", "public": false,
        "regions": ["iad1"], "routes": null, "build": {"env": []}, "env": d.env.keys().collect::<Vec<_>>(),
        "creator": {"uid": "user_sim", "username": "sim"}, "projectSettings": {}, "buildSkipped": false,
        "isInConcurrentBuildsQueue": false, "isInSystemBuildsQueue": false, "source": "git",
    });
    let Some(obj) = v.as_object_mut() else { return v };
    if let Some(t) = &d.target {
        obj.insert("target".into(), Value::String(t.clone()));
    }
    match (ready_state, &d.outcome) {
        ("READY", _) => {
            let aliases = if d.target.as_deref() == Some("production") {
                production_aliases(state, &d.project_id)
            } else {
                vec![format!("{}-git-{}.vercel.app", d.name, d.git_ref.as_deref().unwrap_or("main"))]
            };
            obj.insert("alias".into(), json!(aliases));
            obj.insert("aliasAssigned".into(), Value::Bool(true));
            if d.target.as_deref() == Some("production") {
                obj.insert("readySubstate".into(), Value::String("PROMOTED".into()));
            }
        }
        ("ERROR", Outcome::Error { code, message }) => {
            obj.insert("errorCode".into(), Value::String(code.clone()));
            obj.insert("errorMessage".into(), Value::String(message.clone()));
        }
        _ => {}
    }
    v
}

/// A `getDeployments` item (vsdk `Deployments`: `creator`, `type`, `readyState`, `createdAt`, `inspectorUrl`,
/// `projectId` required).
pub(crate) fn deployment_item_json(d: &SimDeployment) -> Value {
    let state = d.state();
    let mut meta = serde_json::Map::new();
    for (k, val) in &d.meta {
        meta.insert(k.clone(), Value::String(val.clone()));
    }
    let mut v = json!({
        "uid": d.id, "name": d.name, "url": d.url, "created": d.created_at, "createdAt": d.created_at,
        "state": state, "readyState": state, "projectId": d.project_id, "type": "LAMBDAS",
        "creator": {"uid": "user_sim", "username": "sim"}, "meta": meta, "source": "git",
        "inspectorUrl": format!("https://vercel.com/{}/{}/{}", d.account_id, d.name, d.id.trim_start_matches("dpl_")),
        "aliasAssigned": state == "READY",
    });
    if let Some(obj) = v.as_object_mut() {
        obj.insert("target".into(), d.target.clone().map(Value::String).unwrap_or(Value::Null));
        if state == "READY" && d.target.as_deref() == Some("production") {
            obj.insert("readySubstate".into(), Value::String("PROMOTED".into()));
        }
    }
    v
}

pub(crate) fn parse_body(req: &SimRequest) -> Result<Value, SimResponse> {
    if req.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&req.body).map_err(|_| error(400, "bad_request", "Invalid JSON body."))
}
