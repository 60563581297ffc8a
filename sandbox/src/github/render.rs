//! The JSON shapes GitHub answers: users and owners, repositories, workflows, installations, and the error body
//! `{"message", "documentation_url"}`.

use super::*;

pub(super) fn err(status: u16, message: &str) -> SimResponse {
    SimResponse::json(status, &json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}))
}

/// A user or organization object as GitHub renders it (every required field of the REST schema `simple-user`).
pub(super) fn user_json(login: &str, kind: &str, id: u64) -> Value {
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

pub(super) fn owner_json(s: &State, login: &str) -> Value {
    let org = s.orgs.iter().any(|o| eq(o, login)) || eq(login, "lobehub");
    let id = 10_000 + login.bytes().map(u64::from).sum::<u64>();
    user_json(login, if org { "Organization" } else { "User" }, if eq(login, &s.user) { 1001 } else { id })
}

pub(super) fn repo_json(s: &State, r: &Repo) -> Value {
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

pub(super) fn workflow_json(r: &Repo, w: &SimWorkflow) -> Value {
    let full = full_name(r);
    json!({
        "id": w.id, "node_id": format!("W_kwDO{}", w.id), "name": w.name, "path": w.path, "state": w.state,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "url": format!("https://api.github.com/repos/{full}/actions/workflows/{}", w.id),
        "html_url": format!("https://github.com/{full}/blob/{}/{}", r.default_branch, w.path),
        "badge_url": format!("https://github.com/{full}/workflows/{}/badge.svg", w.name.replace(' ', "%20")),
    })
}

pub(super) fn installation_json(id: u64, account: &str, s: &State, access: &AppAccess) -> Value {
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
