//! Project domains: the accepted names, the apex of a name, and adding a domain (verified, or held elsewhere and
//! waiting for its TXT challenge).

use super::super::render::*;
use super::super::state::{SimDomain, State};
use super::*;
use crate::server::{SimRequest, SimResponse};
use serde_json::Value;

pub(crate) const TWO_LEVEL_SUFFIXES: &[&str] =
    &["co.uk", "org.uk", "com.cn", "net.cn", "org.cn", "com.au", "co.jp", "com.hk", "com.tw"];

pub(crate) fn apex_of(domain: &str) -> String {
    let labels: Vec<&str> = domain.split('.').collect();
    let n = labels.len();
    if n >= 3 && TWO_LEVEL_SUFFIXES.contains(&labels[n - 2..].join(".").as_str()) {
        return labels[n - 3..].join(".");
    }
    if n >= 2 { labels[n - 2..].join(".") } else { domain.to_string() }
}

pub(crate) fn valid_domain(d: &str) -> bool {
    d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

pub(crate) fn add_domain(s: &mut State, scope: &str, p: &str, req: &SimRequest) -> Reply {
    let id = find_project(s, scope, p)?.id.clone();
    let body = parse_body(req)?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    if !valid_domain(&name) {
        return Err(error(400, "invalid_domain", format!("The domain name \"{name}\" is invalid.")));
    }
    // A `*.vercel.app` host is global: held by a project of another account, adding it is a 409 (field-truth §4.7).
    if name.ends_with(".vercel.app") && s.taken_vercel_app.contains(&name) {
        return Err(error(
            409,
            "domain_already_in_use",
            format!("Domain \"{name}\" is already in use by another project."),
        ));
    }
    if let Some(existing) = s.domains.iter().find(|d| d.name == name) {
        return Err(if existing.project_id == id {
            error(400, "domain_already_in_use", format!("Domain \"{name}\" is already assigned to this project."))
        } else {
            error(409, "domain_already_in_use", format!("Domain \"{name}\" is already in use by another project."))
        });
    }
    let status = body.get("redirectStatusCode").and_then(Value::as_u64).map(|c| c as u16);
    if let Some(c) = status
        && !matches!(c, 301 | 302 | 307 | 308)
    {
        return Err(error(400, "bad_request", "Invalid request: `redirectStatusCode` must be 301, 302, 307 or 308."));
    }
    let apex = apex_of(&name);
    let taken = s.taken_domains.contains(&name) || s.taken_domains.contains(&apex);
    let now = s.now_ms();
    let challenge = if taken {
        let rng = &mut s.rng;
        Some((0..20).map(|_| format!("{:x}", rng.u8(0..16))).collect::<String>())
    } else {
        None
    };
    let d = SimDomain {
        name,
        apex,
        project_id: id,
        verified: !taken,
        challenge,
        redirect: body.get("redirect").and_then(Value::as_str).map(str::to_string),
        redirect_status_code: status,
        git_branch: body.get("gitBranch").and_then(Value::as_str).map(str::to_string),
        created_at: now,
        updated_at: now,
    };
    let out = domain_json(&d);
    s.domains.push(d);
    Ok(SimResponse::json(200, &out))
}
