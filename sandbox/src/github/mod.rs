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
//!
//! Layout: this file (the simulator, its state and test hooks), `routes` (the operations), `render` (JSON shapes).

mod render;
mod routes;

use render::err;

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

fn find(s: &State, owner: &str, repo: &str) -> Option<usize> {
    s.repos.iter().position(|r| eq(&r.owner, owner) && eq(&r.name, repo))
}

fn full_name(r: &Repo) -> String {
    format!("{}/{}", r.owner, r.name)
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
