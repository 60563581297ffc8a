//! The Neon API operations: authentication, then one arm per path (create, list, get and delete projects, the
//! connection URI), with the project creation that starts a real PostgreSQL server when one is wanted.

use super::render::*;
use super::*;

impl NeonSim {
    pub(super) fn route(&self, req: &SimRequest) -> SimResponse {
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
