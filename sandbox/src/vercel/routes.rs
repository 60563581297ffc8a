//! Authentication, team scope and dispatch of each request to its handler; deployed apps served by host name.

// Handlers return `Result<SimResponse, SimResponse>` so that `?` turns any refusal into the answer; the size of
// the error variant does not matter in a test simulator.
#![allow(clippy::result_large_err)]

use super::VercelSim;
use super::handlers::*;
use super::render::*;
use super::state::State;
use crate::server::{InjectedError, SimRequest, SimResponse, Simulator, lock};
use http::Method;
use serde_json::{Value, json};
use std::collections::HashSet;

impl VercelSim {
    /// Resolves the scope of a request: the account id calls act in.
    fn scope(&self, s: &State, req: &SimRequest) -> Result<String, SimResponse> {
        let auth = req.header("authorization").unwrap_or_default();
        let token = auth.strip_prefix("Bearer ").map(str::trim).unwrap_or_default();
        let Some(tok) = s.tokens.get(token) else {
            return Err(error_with(403, "forbidden", "Not authorized", json!({"invalidToken": true})));
        };
        let team_id = req.query_param("teamId");
        let slug = req.query_param("slug");
        if team_id.is_none() && slug.is_none() {
            return Ok(tok.user_id.clone());
        }
        let team = s
            .teams
            .iter()
            .find(|t| team_id.as_deref().is_none_or(|id| id == t.id) && slug.as_deref().is_none_or(|sl| sl == t.slug));
        match team {
            Some(t) if tok.teams.contains(&t.id) => Ok(t.id.clone()),
            _ => Err(error_with(
                403,
                "forbidden",
                "Not authorized: you don't have permission to access this team.",
                json!({"invalidToken": false}),
            )),
        }
    }

    fn route(&self, req: &SimRequest) -> Reply {
        let mut s = lock(&self.state);
        let scope = self.scope(&s, req)?;
        let segs: Vec<String> = req
            .path()
            .trim_matches('/')
            .split('/')
            .map(|x| percent_encoding::percent_decode_str(x).decode_utf8_lossy().into_owned())
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let m = &req.method;
        match (m, segs.as_slice()) {
            (&Method::POST, ["v11", "projects"]) => create_project(&mut s, &scope, req),
            (&Method::GET, ["v10", "projects"]) => list_projects(&s, &scope, req),
            (&Method::GET, ["v9", "projects", p]) => {
                let p = find_project(&s, &scope, p)?;
                Ok(SimResponse::json(200, &project_answer(&s, p)))
            }
            (&Method::PATCH, ["v9", "projects", p]) => update_project(&mut s, &scope, p, req),
            (&Method::DELETE, ["v9", "projects", p]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                s.projects.remove(&id);
                s.domains.retain(|d| d.project_id != id);
                s.deployments.retain(|d| d.project_id != id);
                Ok(SimResponse::empty(204))
            }
            (&Method::POST, ["v9", "projects", p, "link"]) => link_project(&mut s, &scope, p, req),
            (&Method::DELETE, ["v9", "projects", p, "link"]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let now = s.now_ms();
                let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
                project.linked_repo = None;
                project.updated_at = now;
                let project = project.clone();
                Ok(SimResponse::json(200, &project_answer(&s, &project)))
            }
            (&Method::GET, ["v10", "projects", p, "env"]) => {
                let project = find_project(&s, &scope, p)?;
                let reveal = if req.query_param("decrypt").as_deref() == Some("true") {
                    Reveal::Decrypted
                } else {
                    Reveal::Ciphertext
                };
                let branch = req.query_param("gitBranch");
                let envs: Vec<Value> = project
                    .env
                    .iter()
                    .filter(|e| branch.is_none() || e.git_branch == branch)
                    .map(|e| env_json(e, reveal))
                    .collect();
                Ok(SimResponse::json(
                    200,
                    &json!({"envs": envs, "pagination": {"count": envs.len(), "next": null, "prev": null}}),
                ))
            }
            (&Method::POST, ["v10", "projects", p, "env"]) => create_env(&mut s, &scope, p, req),
            (&Method::DELETE, ["v1", "projects", p, "env"]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let body = parse_body(req)?;
                let Some(ids) = body.get("ids").and_then(Value::as_array) else {
                    return Err(error(400, "bad_request", "Invalid request: missing required property `ids`."));
                };
                let ids: HashSet<&str> = ids.iter().filter_map(Value::as_str).collect();
                let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
                let deleted: Vec<String> =
                    project.env.iter().filter(|e| ids.contains(e.id.as_str())).map(|e| e.id.clone()).collect();
                project.env.retain(|e| !ids.contains(e.id.as_str()));
                Ok(SimResponse::json(200, &json!({"deleted": deleted.len(), "ids": deleted})))
            }
            (&Method::GET, ["v1", "projects", p, "env", env_id]) => {
                let project = find_project(&s, &scope, p)?;
                let e =
                    project.env.iter().find(|e| e.id == *env_id).ok_or_else(|| not_found("Environment Variable"))?;
                Ok(SimResponse::json(200, &env_json(e, Reveal::Decrypted)))
            }
            (&Method::PATCH, ["v9", "projects", p, "env", env_id]) => edit_env(&mut s, &scope, p, env_id, req),
            (&Method::DELETE, ["v9", "projects", p, "env", env_id]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let project = s.projects.get_mut(&id).ok_or_else(|| not_found("Project"))?;
                let pos = project
                    .env
                    .iter()
                    .position(|e| e.id == *env_id)
                    .ok_or_else(|| not_found("Environment Variable"))?;
                let removed = project.env.remove(pos);
                Ok(SimResponse::json(200, &env_json(&removed, Reveal::Ciphertext)))
            }
            (&Method::POST, ["v10", "projects", p, "domains"]) => add_domain(&mut s, &scope, p, req),
            (&Method::GET, ["v9", "projects", p, "domains"]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let domains: Vec<Value> = s.domains.iter().filter(|d| d.project_id == id).map(domain_json).collect();
                Ok(SimResponse::json(
                    200,
                    &json!({"domains": domains, "pagination": {"count": domains.len(), "next": null, "prev": null}}),
                ))
            }
            (&Method::GET, ["v9", "projects", p, "domains", d]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let d =
                    s.domains.iter().find(|x| x.project_id == id && x.name == *d).ok_or_else(|| not_found("Domain"))?;
                Ok(SimResponse::json(200, &domain_json(d)))
            }
            (&Method::DELETE, ["v9", "projects", p, "domains", d]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let before = s.domains.len();
                s.domains.retain(|x| !(x.project_id == id && x.name == *d));
                if s.domains.len() == before {
                    return Err(not_found("Domain"));
                }
                Ok(SimResponse::json(200, &json!({})))
            }
            (&Method::POST, ["v9", "projects", p, "domains", d, "verify"]) => {
                let id = find_project(&s, &scope, p)?.id.clone();
                let txt_ok = s.txt_created.contains(*d);
                let dom = s
                    .domains
                    .iter_mut()
                    .find(|x| x.project_id == id && x.name == *d)
                    .ok_or_else(|| not_found("Domain"))?;
                if !dom.verified {
                    if !txt_ok {
                        let token = dom.challenge.clone().unwrap_or_default();
                        return Err(error(
                            400,
                            "missing_txt_record",
                            format!(
                                "Domain _vercel.{} is missing required TXT Record \"vc-domain-verify={},{}\"",
                                dom.apex, dom.name, token
                            ),
                        ));
                    }
                    dom.verified = true;
                }
                Ok(SimResponse::json(200, &domain_json(dom)))
            }
            (&Method::GET, ["v6", "domains", d, "config"]) => {
                let configured = s.dns_configured.contains(*d);
                let apex = apex_of(d);
                let is_apex = apex == *d;
                let ipv4: Vec<Value> =
                    s.dns.ipv4.iter().enumerate().map(|(i, v)| json!({"rank": i + 1, "value": v})).collect();
                let cname: Vec<Value> =
                    s.dns.cname.iter().enumerate().map(|(i, v)| json!({"rank": i + 1, "value": v})).collect();
                Ok(SimResponse::json(
                    200,
                    &json!({
                        "configuredBy": if configured { Value::String(if is_apex { "A" } else { "CNAME" }.into()) } else { Value::Null },
                        "acceptedChallenges": if is_apex { json!(["http-01"]) } else { json!(["dns-01", "http-01"]) },
                        "misconfigured": !configured,
                        "recommendedIPv4": ipv4,
                        "recommendedCNAME": cname,
                    }),
                ))
            }
            (&Method::POST, ["v13", "deployments"]) => create_deployment(&mut s, &scope, req),
            (&Method::GET, ["v13", "deployments", id]) => {
                let d = s
                    .deployments
                    .iter()
                    .find(|d| d.account_id == scope && (d.id == *id || d.url == *id))
                    .ok_or_else(|| error(404, "not_found", "Deployment not found"))?;
                Ok(SimResponse::json(200, &deployment_json(d, &s)))
            }
            (&Method::PATCH, ["v12", "deployments", id, "cancel"]) => {
                let pos = s
                    .deployments
                    .iter()
                    .position(|d| d.account_id == scope && d.id == *id)
                    .ok_or_else(|| error(404, "not_found", "Deployment not found"))?;
                let state = s.deployments[pos].state();
                if matches!(state, "READY" | "ERROR" | "CANCELED") {
                    return Err(error(
                        400,
                        "bad_request",
                        format!("Deployment is already {state} and cannot be canceled."),
                    ));
                }
                s.deployments[pos].canceled = true;
                Ok(SimResponse::json(200, &deployment_json(&s.deployments[pos], &s)))
            }
            (&Method::GET, ["v7", "deployments"]) => list_deployments(&s, &scope, req),
            (&Method::GET, ["v2", "user"]) => {
                Ok(SimResponse::json(200, &json!({"user": {"id": "user_sim", "username": "sim"}})))
            }
            _ => Err(error(404, "not_found", "The requested API endpoint was not found.")),
        }
    }
}

/// Whether a `Host` names a deployed app rather than the API: a `*.vercel.app` host or a custom domain (the
/// API is reached as `127.0.0.1`, `localhost` or `api.vercel.com`).
fn is_app_host(host: &str) -> bool {
    !(host == "api.vercel.com" || cloud_http::endpoint::is_loopback_host(host))
}

impl VercelSim {
    /// Serves a deployed app the way Vercel's edge does: `200` with a page when a READY production deployment
    /// carries `host` as an alias (`<project>.vercel.app`, or a verified custom domain), else `404` with
    /// `x-vercel-error: DEPLOYMENT_NOT_FOUND`.
    fn serve_app(&self, host: &str) -> SimResponse {
        let s = lock(&self.state);
        let serving = s.deployments.iter().rev().find(|d| {
            if d.target.as_deref() != Some("production") || d.state() != "READY" {
                return false;
            }
            // The project's own verified domains, its automatic `*.vercel.app` one included.
            s.domains.iter().any(|x| x.project_id == d.project_id && x.verified && x.name == host)
        });
        if serving.is_none() && s.taken_vercel_app.contains(host) {
            // Someone else's project answers on a `*.vercel.app` name they hold (field-truth §4.7).
            return SimResponse::empty(200)
                .with_header("content-type", "text/html; charset=utf-8")
                .with_body("<!doctype html><title>Someone else's app</title>");
        }
        match serving {
            Some(d) => SimResponse::empty(200)
                .with_header("content-type", "text/html; charset=utf-8")
                .with_header("x-vercel-deployment-url", &d.url)
                .with_body(format!("<!doctype html><title>LobeHub</title><p>deployment {}</p>", d.id)),
            None => SimResponse::empty(404)
                .with_header("x-vercel-error", "DEPLOYMENT_NOT_FOUND")
                .with_body("The deployment could not be found on Vercel."),
        }
    }
}

impl Simulator for VercelSim {
    fn service(&self) -> &'static str {
        "vercel"
    }

    fn handle(&self, request: &SimRequest) -> SimResponse {
        let id = format!("sim1::{:x}", fastrand::u64(..));
        if let Some(host) = request.host().filter(|h| is_app_host(h)) {
            return self.serve_app(host).with_header("x-vercel-id", id);
        }
        match self.route(request) {
            Ok(r) | Err(r) => r.with_header("x-vercel-id", id),
        }
    }

    fn injected_error(&self, error_kind: InjectedError) -> SimResponse {
        match error_kind {
            InjectedError::InternalError => {
                error(500, "internal_server_error", "An unexpected internal error occurred.")
            }
            InjectedError::ServiceUnavailable => {
                error(503, "service_unavailable", "The service is temporarily unavailable.")
            }
            InjectedError::Throttled { retry_after } => {
                let reset_ms = chrono::Utc::now().timestamp_millis() + retry_after.as_millis() as i64;
                error_with(
                    429,
                    "rate_limited",
                    "Rate limit exceeded",
                    json!({"limit": {"remaining": 0, "reset": (reset_ms + 999) / 1000, "resetMs": reset_ms, "total": 100}}),
                )
                .with_header("retry-after", format!("{:.3}", retry_after.as_secs_f64()))
            }
        }
    }
}
