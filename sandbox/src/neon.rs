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

    fn route(&self, req: &SimRequest) -> SimResponse {
        let mut s = lock(&self.state);
        let auth = req.header("authorization").unwrap_or_default();
        if auth.strip_prefix("Bearer ").map(str::trim) != Some(s.api_key.as_str()) {
            return err(401, "authentication required");
        }
        let path = req.path().trim_end_matches('/').to_string();
        let Some(rest) = path.strip_prefix("/api/v2/") else { return err(404, "not found") };
        let parts: Vec<&str> = rest.split('/').collect();
        match (&req.method, parts.as_slice()) {
            (&Method::POST, ["projects"]) => create(&mut s, req),
            (&Method::GET, ["projects"]) => list(&s, req),
            (m, ["projects", id, tail @ ..]) => {
                let Some(i) = s.projects.iter().position(|p| p.id == *id) else {
                    return err(404, "project not found");
                };
                let p = &s.projects[i];
                match (m, tail) {
                    (&Method::GET, []) => SimResponse::json(200, &json!({"project": project_json(p)})),
                    (&Method::DELETE, []) => {
                        let p = s.projects.remove(i);
                        // Dropping the server stops it: the database is gone, as on Neon.
                        SimResponse::json(200, &json!({"project": project_json(&p)}))
                    }
                    (&Method::GET, ["branches"]) => SimResponse::json(200, &json!({"branches": [branch_json(p)]})),
                    (&Method::GET, ["branches", b, "databases"]) if *b == p.branch_id => {
                        SimResponse::json(200, &json!({"databases": [database_json(p)]}))
                    }
                    (&Method::GET, ["branches", b, "roles"]) if *b == p.branch_id => {
                        SimResponse::json(200, &json!({"roles": [role_json(p, false)]}))
                    }
                    (&Method::GET, ["branches", _, ..]) => err(404, "branch not found"),
                    (&Method::GET, ["endpoints"]) => SimResponse::json(200, &json!({"endpoints": [endpoint_json(p)]})),
                    (&Method::GET, ["connection_uri"]) => connection_uri(p, req),
                    _ => err(404, "not found"),
                }
            }
            _ => err(404, "not found"),
        }
    }
}

fn err(status: u16, message: &str) -> SimResponse {
    SimResponse::json(status, &json!({"code": "", "message": message}))
}

fn create(s: &mut State, req: &SimRequest) -> SimResponse {
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return err(400, "request body must be a JSON object"),
    };
    let project = body.get("project").cloned().unwrap_or_else(|| json!({}));
    s.seq += 1;
    let seq = s.seq;
    let name = match project.get("name") {
        None | Some(Value::Null) => format!("project-{seq}"),
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 64 => n.clone(),
        Some(_) => return err(400, "project.name: must be a non-empty string of at most 64 characters"),
    };
    let region_id = match project.get("region_id") {
        None | Some(Value::Null) => "aws-us-east-2".to_string(),
        Some(Value::String(r)) if REGIONS.contains(&r.as_str()) => r.clone(),
        Some(_) => return err(400, "project.region_id: unsupported region"),
    };
    let pg_version = match project.get("pg_version") {
        None | Some(Value::Null) => 17,
        Some(v) => match v.as_u64() {
            Some(n @ 14..=18) => n as u32,
            _ => return err(400, "project.pg_version: unsupported version"),
        },
    };
    let org_id = project.get("org_id").and_then(|v| v.as_str()).map(str::to_string);
    let password = format!("npg_{}", (0..12).map(|_| fastrand::alphanumeric()).collect::<String>());
    let port = closed_port();
    let server = Arc::new(Mutex::new(if s.use_postgres { Compute::Starting } else { Compute::Absent }));
    if s.use_postgres {
        let slot = server.clone();
        let password = password.clone();
        std::thread::spawn(move || {
            // The role and database exist before the port accepts connections, as on Neon.
            let started = PostgresServer::start_with_owner(Some(port), "neondb_owner", &password, "neondb");
            *lock(&slot) = match started {
                Ok(server) => Compute::Ready(server),
                Err(e) => Compute::Failed(e.to_string()),
            };
        });
    }
    let op_status = if s.use_postgres { "running" } else { "finished" };
    let p = SimProject {
        id: format!("sim-project-{seq:06}"),
        name,
        region_id,
        pg_version,
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        org_id,
        branch_id: format!("br-sim-{seq:06}"),
        endpoint_id: format!("ep-sim-{seq:06}"),
        database: "neondb".into(),
        role: "neondb_owner".into(),
        password,
        port,
        server,
    };
    let answer = json!({
        "project": project_json(&p),
        "branch": branch_json(&p),
        "databases": [database_json(&p)],
        "roles": [role_json(&p, true)],
        "endpoints": [endpoint_json(&p)],
        "operations": [
            {"id": format!("op-{seq}-1"), "project_id": p.id, "branch_id": p.branch_id, "action": "create_timeline", "status": "finished"},
            {"id": format!("op-{seq}-2"), "project_id": p.id, "branch_id": p.branch_id, "endpoint_id": p.endpoint_id, "action": "start_compute", "status": op_status}
        ],
        "connection_uris": [{
            "connection_uri": uri(&p, false),
            "connection_parameters": {"database": p.database, "password": p.password, "role": p.role,
                "host": "127.0.0.1", "pooler_host": "localhost"}
        }]
    });
    s.projects.push(p);
    SimResponse::json(201, &answer)
}

/// A loopback port with nothing listening (for projects without a real server).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(9)
}

fn list(s: &State, req: &SimRequest) -> SimResponse {
    let limit = match req.query_param("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(n @ 1..=400)) => n,
        Some(_) => return err(400, "limit: must be between 1 and 400"),
    };
    let search = req.query_param("search").map(|q| q.to_lowercase());
    let cursor = req.query_param("cursor");
    let matching: Vec<&SimProject> = s
        .projects
        .iter()
        .filter(|p| {
            search.as_deref().is_none_or(|q| p.name.to_lowercase().contains(q) || p.id.to_lowercase().contains(q))
        })
        .collect();
    let start = match cursor {
        Some(c) => matching.iter().position(|p| p.id == c).map(|i| i + 1).unwrap_or(matching.len()),
        None => 0,
    };
    let page: Vec<&SimProject> = matching.iter().skip(start).take(limit).copied().collect();
    let mut answer = json!({"projects": page.iter().map(|p| project_json(p)).collect::<Vec<_>>()});
    if let Some(last) = page.last() {
        answer["pagination"] = json!({"cursor": last.id});
    }
    SimResponse::json(200, &answer)
}

fn connection_uri(p: &SimProject, req: &SimRequest) -> SimResponse {
    let (Some(db), Some(role)) = (req.query_param("database_name"), req.query_param("role_name")) else {
        return err(400, "database_name and role_name are required");
    };
    if let Some(b) = req.query_param("branch_id")
        && b != p.branch_id
    {
        return err(404, "branch not found");
    }
    if db != p.database {
        return err(404, "database not found");
    }
    if role != p.role {
        return err(404, "role not found");
    }
    let pooled = req.query_param("pooled").as_deref() == Some("true");
    SimResponse::json(200, &json!({"uri": uri(p, pooled)}))
}

fn uri(p: &SimProject, pooled: bool) -> String {
    let host = if pooled { "localhost" } else { "127.0.0.1" };
    format!("postgresql://{}:{}@{host}:{}/{}", p.role, p.password, p.port, p.database)
}

fn project_json(p: &SimProject) -> Value {
    json!({"id": p.id, "name": p.name, "region_id": p.region_id, "pg_version": p.pg_version,
        "platform_id": p.region_id.split('-').next().unwrap_or("aws"), "provisioner": "k8s-neonvm",
        "created_at": p.created_at, "updated_at": p.created_at, "org_id": p.org_id, "store_passwords": true})
}

fn branch_json(p: &SimProject) -> Value {
    json!({"id": p.branch_id, "project_id": p.id, "name": "main", "default": true, "primary": true,
        "current_state": "ready", "created_at": p.created_at})
}

fn database_json(p: &SimProject) -> Value {
    json!({"id": 1, "branch_id": p.branch_id, "name": p.database, "owner_name": p.role, "created_at": p.created_at})
}

fn role_json(p: &SimProject, with_password: bool) -> Value {
    let mut v = json!({"branch_id": p.branch_id, "name": p.role, "protected": false, "created_at": p.created_at});
    if with_password {
        v["password"] = p.password.clone().into();
    }
    v
}

fn endpoint_json(p: &SimProject) -> Value {
    json!({"id": p.endpoint_id, "host": "127.0.0.1", "port": p.port, "project_id": p.id, "branch_id": p.branch_id,
        "type": "read_write", "current_state": lock(&p.server).state(),
        "pooler_enabled": false, "pooler_mode": "transaction", "region_id": p.region_id})
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
