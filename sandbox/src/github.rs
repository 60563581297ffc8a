//! A GitHub REST API simulator: the operations the guide's first step needs — the authenticated user, a
//! repository, its forks, creating a fork (asynchronously ready), a repository's Actions workflows and their
//! enable/disable, and the GitHub App installations the user can see (to tell whether Vercel's app can read the
//! fork).
//!
//! Behaviour modelled on GitHub's REST reference (API version 2022-11-28):
//! - **Auth**: `Authorization: Bearer <token>` or `token <token>`; anything else is 401 `Requires authentication`.
//! - **Create a fork** (`POST /repos/{owner}/{repo}/forks`, body `organization`, `name`, `default_branch_only`)
//!   answers **202** with the new repository; "Forking a Repository happens asynchronously. You may have to wait
//!   a short period of time before you can access the git objects" — here the default branch answers 404
//!   `Branch not found` for the first [`GithubSim::set_fork_ready_after`] reads. Forking again into the same
//!   account answers the existing fork (also one renamed since). A name already taken by another repository of
//!   the account gets a `-1` suffix. An `organization` the user is not a member of is 403; an unknown one 422.
//! - **List forks** (`GET /repos/{owner}/{repo}/forks`, `per_page` ≤ 100, `page`) with a `Link` header.
//! - **Workflows** (`GET /repos/{owner}/{repo}/actions/workflows`; `PUT …/workflows/{workflow_id}/disable` and
//!   `…/enable`, by id or file name, 204). A fork carries the upstream's workflows (LobeHub's `Upstream Sync`
//!   `.github/workflows/sync.yml`, `lobehub/lobehub` @ 172b8b3e) in state `active`.
//! - **Installations** (`GET /user/installations`, `GET /user/installations/{id}/repositories`): the Vercel app,
//!   installed on the user's account for all repositories unless a test says otherwise.
//! - Errors are `{"message": "…", "documentation_url": "…"}`.

use crate::server::{InjectedError, SimRequest, SimResponse, Simulator, lock};
use http::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// The token the simulator accepts by default.
pub const TOKEN: &str = "ghp_simulatedGithubToken000000000000000";
/// The authenticated user's login by default.
pub const USER: &str = "octo-owner";
/// The upstream repository the guide forks.
pub const UPSTREAM: &str = "lobehub/lobehub";

const DOCS: &str = "https://docs.github.com/rest";

/// A workflow file of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimWorkflow {
    /// The workflow id.
    pub id: u64,
    /// Its `name:`.
    pub name: String,
    /// Its path (`.github/workflows/sync.yml`).
    pub path: String,
    /// `active`, `disabled_manually`, `disabled_fork`, `disabled_inactivity` or `deleted`.
    pub state: String,
}

#[derive(Debug, Clone)]
struct Repo {
    id: u64,
    owner: String,
    name: String,
    default_branch: String,
    /// The full name of the repository it was forked from.
    parent: Option<String>,
    /// The root of the fork network.
    source: Option<String>,
    workflows: Vec<SimWorkflow>,
    /// Reads of the default branch still answered 404 (the fork is being copied).
    not_ready_reads: u32,
    private: bool,
}

/// How the Vercel GitHub App is installed on an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppAccess {
    /// Every repository of the account.
    All,
    /// Only these repositories (full names).
    Selected(Vec<String>),
}

#[derive(Debug)]
struct State {
    token: String,
    user: String,
    orgs: BTreeSet<String>,
    repos: Vec<Repo>,
    next_id: u64,
    fork_ready_after: u32,
    /// account login (lowercase) -> (installation id, access)
    vercel_app: BTreeMap<String, (u64, AppAccess)>,
}

/// The GitHub simulator. Cheap to clone (shared state).
#[derive(Clone)]
pub struct GithubSim {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for GithubSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubSim").field("user", &lock(&self.state).user).finish()
    }
}

impl Default for GithubSim {
    fn default() -> Self {
        Self::new()
    }
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl GithubSim {
    /// A GitHub with `lobehub/lobehub` (with its `Upstream Sync` and `Test CI` workflows), the user
    /// [`USER`] holding [`TOKEN`], and the Vercel app installed on the user's account for all repositories.
    ///
    /// ```
    /// let gh = sandbox::github::GithubSim::new();
    /// assert!(gh.repository("lobehub/lobehub").is_some());
    /// assert_eq!(gh.token(), sandbox::github::TOKEN);
    /// ```
    pub fn new() -> Self {
        let upstream = Repo {
            id: 643_909_591,
            owner: "lobehub".into(),
            name: "lobehub".into(),
            default_branch: "main".into(),
            parent: None,
            source: None,
            workflows: vec![
                SimWorkflow {
                    id: 71_000_001,
                    name: "Upstream Sync".into(),
                    path: ".github/workflows/sync.yml".into(),
                    state: "active".into(),
                },
                SimWorkflow {
                    id: 71_000_002,
                    name: "Test CI".into(),
                    path: ".github/workflows/test.yml".into(),
                    state: "active".into(),
                },
            ],
            not_ready_reads: 0,
            private: false,
        };
        let mut vercel_app = BTreeMap::new();
        vercel_app.insert(USER.to_ascii_lowercase(), (5_000_001, AppAccess::All));
        Self {
            state: Arc::new(Mutex::new(State {
                token: TOKEN.into(),
                user: USER.into(),
                orgs: BTreeSet::new(),
                repos: vec![upstream],
                next_id: 800_000_000,
                fork_ready_after: 2,
                vercel_app,
            })),
        }
    }

    /// The accepted token.
    pub fn token(&self) -> String {
        lock(&self.state).token.clone()
    }

    /// The authenticated user's login.
    pub fn user(&self) -> String {
        lock(&self.state).user.clone()
    }

    /// Test hook: the authenticated user is `login` (the Vercel app moves to that account with it).
    pub fn set_user(&self, login: &str) {
        let mut s = lock(&self.state);
        let old = s.user.to_ascii_lowercase();
        if let Some(install) = s.vercel_app.remove(&old) {
            s.vercel_app.insert(login.to_ascii_lowercase(), install);
        }
        s.user = login.to_string();
    }

    /// Test hook: makes the user a member of organization `org`.
    pub fn add_org(&self, org: &str) {
        lock(&self.state).orgs.insert(org.to_string());
    }

    /// Test hook: how many reads of a new fork's default branch answer 404 before it is ready (default 2).
    pub fn set_fork_ready_after(&self, reads: u32) {
        lock(&self.state).fork_ready_after = reads;
    }

    /// Test hook: how the Vercel GitHub App is installed on `account` (`None`: not installed).
    pub fn set_vercel_app(&self, account: &str, access: Option<AppAccess>) {
        let mut s = lock(&self.state);
        let key = account.to_ascii_lowercase();
        match access {
            None => {
                s.vercel_app.remove(&key);
            }
            Some(a) => {
                let id = s.vercel_app.get(&key).map(|(id, _)| *id).unwrap_or(5_000_000 + s.next_id);
                s.vercel_app.insert(key, (id, a));
            }
        }
    }

    /// Test hook: renames a repository (as a user would on GitHub).
    pub fn rename(&self, full_name: &str, new_name: &str) {
        let mut s = lock(&self.state);
        if let Some(r) = s.repos.iter_mut().find(|r| eq(&format!("{}/{}", r.owner, r.name), full_name)) {
            r.name = new_name.to_string();
        }
    }

    /// Test hook: a repository's full name, fork parent and workflows, if it exists.
    pub fn repository(&self, full_name: &str) -> Option<(String, Option<String>, Vec<SimWorkflow>)> {
        let s = lock(&self.state);
        s.repos
            .iter()
            .find(|r| eq(&format!("{}/{}", r.owner, r.name), full_name))
            .map(|r| (format!("{}/{}", r.owner, r.name), r.parent.clone(), r.workflows.clone()))
    }

    /// Starts the simulator on a loopback port.
    pub async fn start(self, log: crate::RequestLog) -> std::io::Result<crate::SimServer> {
        crate::SimServer::start(Arc::new(self), log).await
    }

    fn route(&self, req: &SimRequest) -> SimResponse {
        let mut s = lock(&self.state);
        let auth = req.header("authorization").unwrap_or_default();
        let token = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("token ")).map(str::trim);
        if token != Some(s.token.as_str()) {
            return err(401, "Requires authentication");
        }
        let path = req.path().trim_end_matches('/').to_string();
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        match (&req.method, parts.as_slice()) {
            (&Method::GET, ["user"]) => SimResponse::json(200, &user_json(&s.user, "User", 1001)),
            (&Method::GET, ["user", "installations"]) => {
                let installs: Vec<Value> = s
                    .vercel_app
                    .iter()
                    .map(|(account, (id, access))| installation_json(*id, account, &s, access))
                    .collect();
                SimResponse::json(200, &json!({"total_count": installs.len(), "installations": installs}))
            }
            (&Method::GET, ["user", "installations", id, "repositories"]) => {
                let Some((account, (_, access))) = s.vercel_app.iter().find(|(_, (i, _))| i.to_string() == *id) else {
                    return err(404, "Not Found");
                };
                let repos: Vec<Value> = s
                    .repos
                    .iter()
                    .filter(|r| eq(&r.owner, account))
                    .filter(|r| match access {
                        AppAccess::All => true,
                        AppAccess::Selected(list) => list.iter().any(|f| eq(f, &format!("{}/{}", r.owner, r.name))),
                    })
                    .map(|r| repo_json(&s, r))
                    .collect();
                let selection = if matches!(access, AppAccess::All) { "all" } else { "selected" };
                SimResponse::json(
                    200,
                    &json!({"total_count": repos.len(), "repository_selection": selection, "repositories": repos}),
                )
            }
            (&Method::GET, ["repos", owner, repo]) => match find(&s, owner, repo) {
                Some(i) => SimResponse::json(200, &repo_json(&s, &s.repos[i])),
                None => err(404, "Not Found"),
            },
            (&Method::GET, ["repos", owner, repo, "branches", branch]) => {
                let Some(i) = find(&s, owner, repo) else { return err(404, "Not Found") };
                let r = &mut s.repos[i];
                if r.not_ready_reads > 0 {
                    r.not_ready_reads -= 1;
                    return err(404, "Branch not found");
                }
                if !eq(&r.default_branch, branch) {
                    return err(404, "Branch not found");
                }
                let sha = format!("{:040x}", r.id);
                SimResponse::json(200, &json!({"name": r.default_branch, "commit": {"sha": sha}, "protected": false}))
            }
            (&Method::GET, ["repos", owner, repo, "forks"]) => {
                let Some(i) = find(&s, owner, repo) else { return err(404, "Not Found") };
                let full = full_name(&s.repos[i]);
                let per_page: usize = match req.query_param("per_page").map(|v| v.parse::<usize>()) {
                    None => 30,
                    Some(Ok(n)) => n.clamp(1, 100),
                    Some(Err(_)) => return err(422, "Invalid request: per_page"),
                };
                let page: usize = req.query_param("page").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
                let forks: Vec<&Repo> =
                    s.repos.iter().filter(|r| r.parent.as_deref().is_some_and(|p| eq(p, &full))).collect();
                let items: Vec<Value> =
                    forks.iter().skip((page - 1) * per_page).take(per_page).map(|r| repo_json(&s, r)).collect();
                let mut resp = SimResponse::json(200, &Value::Array(items));
                if page * per_page < forks.len() {
                    let next = format!(
                        "<https://api.github.com/repos/{full}/forks?per_page={per_page}&page={}>; rel=\"next\"",
                        page + 1
                    );
                    resp = resp.with_header("link", next);
                }
                resp
            }
            (&Method::POST, ["repos", owner, repo, "forks"]) => self.create_fork(&mut s, owner, repo, req),
            (&Method::GET, ["repos", owner, repo, "actions", "workflows"]) => {
                let Some(i) = find(&s, owner, repo) else { return err(404, "Not Found") };
                let r = &s.repos[i];
                let list: Vec<Value> = r.workflows.iter().map(|w| workflow_json(r, w)).collect();
                SimResponse::json(200, &json!({"total_count": list.len(), "workflows": list}))
            }
            (&Method::PUT, ["repos", owner, repo, "actions", "workflows", id, action @ ("enable" | "disable")]) => {
                let Some(i) = find(&s, owner, repo) else { return err(404, "Not Found") };
                let Some(w) = s.repos[i]
                    .workflows
                    .iter_mut()
                    .find(|w| w.id.to_string() == *id || w.path.rsplit('/').next() == Some(*id))
                else {
                    return err(404, "Not Found");
                };
                w.state = if *action == "enable" { "active".into() } else { "disabled_manually".into() };
                SimResponse::empty(204)
            }
            _ => err(404, "Not Found"),
        }
    }

    fn create_fork(&self, s: &mut State, owner: &str, repo: &str, req: &SimRequest) -> SimResponse {
        let Some(i) = find(s, owner, repo) else { return err(404, "Not Found") };
        let body: Value = if req.body.is_empty() {
            json!({})
        } else {
            match serde_json::from_slice(&req.body) {
                Ok(v @ Value::Object(_)) => v,
                _ => return err(400, "Problems parsing JSON"),
            }
        };
        let target = match body.get("organization") {
            None | Some(Value::Null) => s.user.clone(),
            Some(Value::String(org)) => {
                if !s.orgs.iter().any(|o| eq(o, org)) {
                    return if eq(org, &s.user) {
                        err(422, "Validation Failed")
                    } else {
                        err(403, "Resource not accessible by personal access token")
                    };
                }
                s.orgs.iter().find(|o| eq(o, org)).cloned().unwrap_or_default()
            }
            Some(_) => return err(422, "Invalid request: organization is not a string"),
        };
        let source = s.repos[i].source.clone().unwrap_or_else(|| full_name(&s.repos[i]));
        // Forking again answers the account's existing fork of this network, whatever it is called now.
        if let Some(existing) =
            s.repos.iter().find(|r| eq(&r.owner, &target) && r.source.as_deref().is_some_and(|src| eq(src, &source)))
        {
            return SimResponse::json(202, &repo_json(s, existing));
        }
        let wanted = match body.get("name") {
            None | Some(Value::Null) => s.repos[i].name.clone(),
            Some(Value::String(n)) if valid_repo_name(n) => n.clone(),
            Some(_) => return err(422, "Validation Failed: name is invalid"),
        };
        let mut name = wanted.clone();
        let mut n = 0;
        while s.repos.iter().any(|r| eq(&r.owner, &target) && eq(&r.name, &name)) && n < 100 {
            n += 1;
            name = format!("{wanted}-{n}");
        }
        s.next_id += 1;
        let parent = &s.repos[i];
        let fork = Repo {
            id: s.next_id,
            owner: target,
            name,
            default_branch: parent.default_branch.clone(),
            parent: Some(full_name(parent)),
            source: Some(source),
            workflows: parent.workflows.iter().map(|w| SimWorkflow { id: w.id + s.next_id, ..w.clone() }).collect(),
            not_ready_reads: s.fork_ready_after,
            private: parent.private,
        };
        let out = repo_json(s, &fork);
        s.repos.push(fork);
        SimResponse::json(202, &out)
    }
}

fn valid_repo_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 100 && n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn find(s: &State, owner: &str, repo: &str) -> Option<usize> {
    s.repos.iter().position(|r| eq(&r.owner, owner) && eq(&r.name, repo))
}

fn full_name(r: &Repo) -> String {
    format!("{}/{}", r.owner, r.name)
}

fn err(status: u16, message: &str) -> SimResponse {
    SimResponse::json(status, &json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}))
}

/// A user or organization object as GitHub renders it (every field octocrab's `Author` requires).
fn user_json(login: &str, kind: &str, id: u64) -> Value {
    let api = format!("https://api.github.com/users/{login}");
    json!({
        "login": login, "id": id, "node_id": format!("MDQ6VXNlcj{id}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"), "gravatar_id": "",
        "url": api, "html_url": format!("https://github.com/{login}"),
        "followers_url": format!("{api}/followers"), "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"), "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"), "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"), "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"), "type": kind, "site_admin": false
    })
}

fn owner_json(s: &State, login: &str) -> Value {
    let org = s.orgs.iter().any(|o| eq(o, login)) || eq(login, "lobehub");
    let id = 10_000 + login.bytes().map(u64::from).sum::<u64>();
    user_json(login, if org { "Organization" } else { "User" }, if eq(login, &s.user) { 1001 } else { id })
}

fn repo_json(s: &State, r: &Repo) -> Value {
    let full = full_name(r);
    let mut v = json!({
        "id": r.id, "node_id": format!("R_kgDO{}", r.id), "name": r.name, "full_name": full,
        "owner": owner_json(s, &r.owner), "private": r.private, "html_url": format!("https://github.com/{full}"),
        "url": format!("https://api.github.com/repos/{full}"), "fork": r.parent.is_some(),
        "default_branch": r.default_branch, "visibility": if r.private { "private" } else { "public" },
        "archived": false, "disabled": false,
    });
    let related = |name: &str| s.repos.iter().find(|x| eq(&full_name(x), name)).map(|x| repo_json(s, x));
    if let Some(p) = r.parent.as_deref().and_then(related) {
        v["parent"] = p;
    }
    if let Some(src) = r.source.as_deref().and_then(related) {
        v["source"] = src;
    }
    v
}

fn workflow_json(r: &Repo, w: &SimWorkflow) -> Value {
    let full = full_name(r);
    json!({
        "id": w.id, "node_id": format!("W_kwDO{}", w.id), "name": w.name, "path": w.path, "state": w.state,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "url": format!("https://api.github.com/repos/{full}/actions/workflows/{}", w.id),
        "html_url": format!("https://github.com/{full}/blob/{}/{}", r.default_branch, w.path),
        "badge_url": format!("https://github.com/{full}/workflows/{}/badge.svg", w.name.replace(' ', "%20")),
    })
}

fn installation_json(id: u64, account: &str, s: &State, access: &AppAccess) -> Value {
    let selection = if matches!(access, AppAccess::All) { "all" } else { "selected" };
    let acc = owner_json(s, account);
    let target_type = acc["type"].clone();
    json!({
        "id": id, "app_id": 8329, "app_slug": "vercel", "account": acc, "repository_selection": selection,
        "target_type": target_type,
        "html_url": if target_type == "Organization" {
            format!("https://github.com/organizations/{account}/settings/installations/{id}")
        } else {
            format!("https://github.com/settings/installations/{id}")
        },
    })
}

impl Simulator for GithubSim {
    fn service(&self) -> &'static str {
        "github"
    }

    fn handle(&self, request: &SimRequest) -> SimResponse {
        self.route(request).with_header("x-github-request-id", format!("SIM:{:X}", fastrand::u64(..)))
    }

    fn injected_error(&self, error: InjectedError) -> SimResponse {
        match error {
            InjectedError::InternalError => err(500, "Server Error"),
            InjectedError::ServiceUnavailable => err(503, "Service Unavailable"),
            InjectedError::Throttled { retry_after } => {
                err(429, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
                    .with_header("retry-after", retry_after.as_secs().max(1).to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, uri: &str, body: &str) -> SimRequest {
        SimRequest::new(method, uri, &[("authorization", &format!("Bearer {TOKEN}"))], body.to_string())
    }

    #[test]
    fn a_fork_is_ready_only_after_some_reads_and_forking_again_returns_it() {
        let gh = GithubSim::new();
        let r = gh.handle(&req(Method::POST, "/repos/lobehub/lobehub/forks", "{}"));
        assert_eq!(r.status.as_u16(), 202);
        let branch = "/repos/octo-owner/lobehub/branches/main";
        assert_eq!(gh.handle(&req(Method::GET, branch, "")).status.as_u16(), 404);
        assert_eq!(gh.handle(&req(Method::GET, branch, "")).status.as_u16(), 404);
        assert_eq!(gh.handle(&req(Method::GET, branch, "")).status.as_u16(), 200);
        gh.rename("octo-owner/lobehub", "my-chat");
        let again = gh.handle(&req(Method::POST, "/repos/lobehub/lobehub/forks", "{}"));
        let v: Value = serde_json::from_slice(&again.body).unwrap();
        assert_eq!(v["full_name"], "octo-owner/my-chat");
        assert_eq!(v["parent"]["full_name"], "lobehub/lobehub");
    }

    #[test]
    fn unauthenticated_and_foreign_org_are_refused() {
        let gh = GithubSim::new();
        let r = gh.handle(&SimRequest::new(Method::GET, "/user", &[], ""));
        assert_eq!(r.status.as_u16(), 401);
        let r = gh.handle(&req(Method::POST, "/repos/lobehub/lobehub/forks", r#"{"organization":"acme"}"#));
        assert_eq!(r.status.as_u16(), 403);
    }

    #[test]
    fn workflows_are_disabled_by_file_name() {
        let gh = GithubSim::new();
        gh.handle(&req(Method::POST, "/repos/lobehub/lobehub/forks", ""));
        let r = gh.handle(&req(Method::PUT, "/repos/octo-owner/lobehub/actions/workflows/sync.yml/disable", ""));
        assert_eq!(r.status.as_u16(), 204);
        let (_, _, wf) = gh.repository("octo-owner/lobehub").unwrap();
        assert_eq!(wf[0].state, "disabled_manually");
        assert_eq!(gh.repository("lobehub/lobehub").unwrap().2[0].state, "active");
    }
}
