//! The REST operations: authentication, then one arm per path (user, repositories, forks, workflows,
//! installations), and fork creation.

use super::render::*;
use super::*;

impl GithubSim {
    pub(super) fn route(&self, req: &SimRequest) -> SimResponse {
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
