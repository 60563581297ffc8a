//! The JSON shapes Neon answers: the error body, connection URIs, and the project, branch, database, role and
//! endpoint objects.

use super::*;

pub(super) fn err(status: u16, message: &str) -> SimResponse {
    SimResponse::json(status, &json!({"code": "", "message": message}))
}

pub(super) fn uri(p: &SimProject, pooled: bool) -> String {
    let host = if pooled { "localhost" } else { "127.0.0.1" };
    format!("postgresql://{}:{}@{host}:{}/{}", p.role, p.password, p.port, p.database)
}

pub(super) fn project_json(p: &SimProject) -> Value {
    json!({"id": p.id, "name": p.name, "region_id": p.region_id, "pg_version": p.pg_version,
        "platform_id": p.region_id.split('-').next().unwrap_or("aws"), "provisioner": "k8s-neonvm",
        "created_at": p.created_at, "updated_at": p.created_at, "org_id": p.org_id, "store_passwords": true})
}

pub(super) fn branch_json(p: &SimProject) -> Value {
    json!({"id": p.branch_id, "project_id": p.id, "name": "main", "default": true, "primary": true,
        "current_state": "ready", "created_at": p.created_at})
}

pub(super) fn database_json(p: &SimProject) -> Value {
    json!({"id": 1, "branch_id": p.branch_id, "name": p.database, "owner_name": p.role, "created_at": p.created_at})
}

pub(super) fn role_json(p: &SimProject, with_password: bool) -> Value {
    let mut v = json!({"branch_id": p.branch_id, "name": p.role, "protected": false, "created_at": p.created_at});
    if with_password {
        v["password"] = p.password.clone().into();
    }
    v
}

pub(super) fn endpoint_json(p: &SimProject) -> Value {
    json!({"id": p.endpoint_id, "host": "127.0.0.1", "port": p.port, "project_id": p.id, "branch_id": p.branch_id,
        "type": "read_write", "current_state": lock(&p.server).state(),
        "pooler_enabled": false, "pooler_mode": "transaction", "region_id": p.region_id})
}
