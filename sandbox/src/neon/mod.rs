//! A Neon API v2 simulator: projects, their default branch, database, role and read-write endpoint, and
//! connection URIs that point at a **real PostgreSQL** server ([`crate::postgres::PostgresServer`]) started for
//! each project, as each Neon project has its own compute.
//!
//! Behaviour, from the Neon API v2 reference:
//! - **Auth**: `Authorization: Bearer <api key>`; otherwise 401.
//! - `POST /api/v2/projects` (body `{"project": {"name", "region_id", "pg_version", "org_id"}}`) answers **201**
//!   with `project`, `branch` (the default `main`), `databases` (`neondb`, owned by `neondb_owner`), `roles`,
//!   `endpoints` (one `read_write`), `operations` and `connection_uris` (`connection_uri` +
//!   `connection_parameters`). An unknown `region_id` is 400. Names need not be unique (as on Neon).
//! - `GET /api/v2/projects` (`limit` 1–400, default 10; `cursor`; `search` by partial name or id) answers
//!   `{"projects": […], "pagination": {"cursor": <last id>}}`.
//! - `GET|DELETE /api/v2/projects/{id}`; `GET …/branches`, `…/branches/{branch_id}/databases`,
//!   `…/branches/{branch_id}/roles`, `…/endpoints`.
//! - `GET …/connection_uri?database_name&role_name[&branch_id][&pooled]` answers `{"uri"}`; an unknown database
//!   or role is 404.
//! - Errors are `{"code": "", "message": "…"}` with an `X-Neon-Ret-Request-ID` header.
//!
//! As on Neon, a new project's compute starts asynchronously: `createProject` answers at once with its
//! operations `running` and the endpoint in state `init`; the real server comes up on the announced port a few
//! seconds later (`initdb` + `pg_ctl start` on a background thread), and connections are refused until then.
//!
//! Differences, said plainly: the URIs carry no `sslmode=require` (the local server has no TLS) and there is no
//! PgBouncer — a pooled URI names the same server by `localhost` instead of `127.0.0.1`. When PostgreSQL is not
//! installed, projects are still created but their URIs point at a closed port, and
//! [`NeonSim::postgres_available`] says so.
//!
//! Layout: this file (the simulator, its state and test hooks), `routes` (the operations), `render` (JSON shapes).

mod render;
mod routes;

use render::err;

use crate::postgres::PostgresServer;
use crate::server::{InjectedError, SimRequest, SimResponse, Simulator, lock};
use http::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The API key the simulator accepts.
pub const API_KEY: &str = "napi_simulatedNeonApiKey000000000000000000000000000000000000";

/// Neon's regions (Neon docs, "Regions").
pub const REGIONS: &[&str] = &[
    "aws-us-east-1",
    "aws-us-east-2",
    "aws-us-west-2",
    "aws-eu-central-1",
    "aws-eu-west-2",
    "aws-ap-southeast-1",
    "aws-ap-southeast-2",
    "aws-sa-east-1",
    "azure-eastus2",
    "azure-westus3",
    "azure-gwc",
];

struct SimProject {
    id: String,
    name: String,
    region_id: String,
    pg_version: u32,
    created_at: String,
    org_id: Option<String>,
    branch_id: String,
    endpoint_id: String,
    database: String,
    role: String,
    password: String,
    port: u16,
    server: Arc<Mutex<Compute>>,
}

/// The real server behind a project.
enum Compute {
    /// No PostgreSQL on this machine.
    Absent,
    /// Being started on a background thread.
    Starting,
    /// Running.
    Ready(PostgresServer),
    /// Could not be started.
    Failed(String),
}

impl Compute {
    fn state(&self) -> &'static str {
        match self {
            Compute::Ready(_) => "active",
            Compute::Starting => "init",
            Compute::Absent | Compute::Failed(_) => "idle",
        }
    }
}

struct State {
    api_key: String,
    projects: Vec<SimProject>,
    seq: u64,
    use_postgres: bool,
}

/// The Neon simulator. Cheap to clone (shared state).
#[derive(Clone)]
pub struct NeonSim {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for NeonSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeonSim").field("projects", &lock(&self.state).projects.len()).finish()
    }
}

impl Default for NeonSim {
    fn default() -> Self {
        Self::new()
    }
}

impl NeonSim {
    /// A Neon account with no projects, accepting [`API_KEY`]; projects get a real PostgreSQL server when one
    /// is installed.
    ///
    /// ```
    /// let neon = sandbox::neon::NeonSim::new();
    /// assert_eq!(neon.api_key(), sandbox::neon::API_KEY);
    /// assert_eq!(neon.project_count(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                api_key: API_KEY.into(),
                projects: Vec::new(),
                seq: 0,
                use_postgres: PostgresServer::is_installed(),
            })),
        }
    }

    /// A simulator that never starts PostgreSQL (API-only tests).
    pub fn without_postgres() -> Self {
        let sim = Self::new();
        lock(&sim.state).use_postgres = false;
        sim
    }

    /// Whether new projects get a real PostgreSQL server.
    pub fn postgres_available(&self) -> bool {
        lock(&self.state).use_postgres
    }

    /// The accepted API key.
    pub fn api_key(&self) -> String {
        lock(&self.state).api_key.clone()
    }

    /// How many projects exist.
    pub fn project_count(&self) -> usize {
        lock(&self.state).projects.len()
    }

    /// Test hook: runs SQL as the superuser in project `id`'s database (its real server).
    pub fn psql(&self, project_id: &str, sql: &str) -> Result<String, crate::postgres::PostgresError> {
        let s = lock(&self.state);
        let p = s.projects.iter().find(|p| p.id == project_id).ok_or(crate::postgres::PostgresError::NotInstalled)?;
        let compute = lock(&p.server);
        match &*compute {
            Compute::Ready(server) => server.psql(&p.database, sql),
            Compute::Failed(e) => {
                Err(crate::postgres::PostgresError::Command { command: "start".into(), detail: e.clone() })
            }
            Compute::Starting => Err(crate::postgres::PostgresError::Command {
                command: "start".into(),
                detail: "the compute is still starting".into(),
            }),
            Compute::Absent => Err(crate::postgres::PostgresError::NotInstalled),
        }
    }

    /// Test hook: waits (blocking, at most `timeout`) until project `id`'s server is up; whether it is.
    pub fn wait_until_ready(&self, project_id: &str, timeout: std::time::Duration) -> bool {
        let Some(slot) = lock(&self.state).projects.iter().find(|p| p.id == project_id).map(|p| p.server.clone())
        else {
            return false;
        };
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match &*lock(&slot) {
                Compute::Ready(_) => return true,
                Compute::Starting => {}
                Compute::Absent | Compute::Failed(_) => return false,
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Starts the simulator on a loopback port. Its base URL for clients is `<server>/api/v2`.
    pub async fn start(self, log: crate::RequestLog) -> std::io::Result<crate::SimServer> {
        crate::SimServer::start(Arc::new(self), log).await
    }
}

impl Simulator for NeonSim {
    fn service(&self) -> &'static str {
        "neon"
    }

    fn handle(&self, request: &SimRequest) -> SimResponse {
        self.route(request).with_header("x-neon-ret-request-id", format!("sim-{:x}", fastrand::u64(..)))
    }

    fn injected_error(&self, error: InjectedError) -> SimResponse {
        match error {
            InjectedError::InternalError => err(500, "internal server error"),
            InjectedError::ServiceUnavailable => err(503, "service unavailable"),
            InjectedError::Throttled { retry_after } => {
                err(429, "too many requests").with_header("retry-after", retry_after.as_secs().max(1).to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, uri: &str, body: &str) -> SimRequest {
        SimRequest::new(method, uri, &[("authorization", &format!("Bearer {API_KEY}"))], body.to_string())
    }

    #[test]
    fn projects_are_created_listed_by_search_and_deleted() {
        let neon = NeonSim::without_postgres();
        let r = neon.handle(&req(
            Method::POST,
            "/api/v2/projects",
            r#"{"project":{"name":"lobehub","region_id":"aws-eu-central-1"}}"#,
        ));
        assert_eq!(r.status.as_u16(), 201);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        let id = v["project"]["id"].as_str().unwrap().to_string();
        assert!(
            v["connection_uris"][0]["connection_uri"].as_str().unwrap().starts_with("postgresql://neondb_owner:npg_")
        );
        let r = neon.handle(&req(Method::GET, "/api/v2/projects?search=lobe", ""));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["projects"][0]["id"], id.as_str());
        let r = neon.handle(&req(Method::POST, "/api/v2/projects", r#"{"project":{"region_id":"eu-central-1"}}"#));
        assert_eq!(r.status.as_u16(), 400);
        let r = neon.handle(&req(Method::DELETE, &format!("/api/v2/projects/{id}"), ""));
        assert_eq!(r.status.as_u16(), 200);
        assert_eq!(neon.project_count(), 0);
        assert_eq!(neon.handle(&SimRequest::new(Method::GET, "/api/v2/projects", &[], "")).status.as_u16(), 401);
    }
}
