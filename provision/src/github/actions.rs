//! A repository's GitHub Actions workflows: list them, enable or disable one.
//!
//! Operations ("REST API endpoints for workflows", API version 2022-11-28): "List repository workflows"
//! (`actions/list-repo-workflows`, `GET /repos/{owner}/{repo}/actions/workflows`, answering
//! `{"total_count", "workflows": [workflow]}`), "Enable a workflow" (`actions/enable-workflow`) and "Disable a
//! workflow" (`actions/disable-workflow`), `PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable|disable`,
//! answered 204.

use super::repos::{RepoHandler, check_paging};
use super::{ApiRequest, Result};
use http::Method;
use serde::Deserialize;

/// A workflow (the `workflow` schema; the fields read here).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Workflow {
    /// The workflow id.
    pub id: u64,
    /// Its `name:` (`Upstream Sync`).
    pub name: String,
    /// Its file (`.github/workflows/sync.yml`).
    pub path: String,
    /// `active`, `deleted`, `disabled_fork`, `disabled_inactivity` or `disabled_manually`.
    pub state: String,
}

#[derive(Deserialize)]
struct WorkflowList {
    workflows: Vec<Workflow>,
}

impl RepoHandler<'_> {
    /// The first `per_page` (1–100) workflows of a repository ("List repository workflows").
    ///
    /// # Errors
    /// A bad name or `per_page` is refused before sending; [`ErrorKind::NotFound`](super::ErrorKind::NotFound)
    /// for an unknown repository; transport, rate-limit and decode errors.
    pub async fn list_workflows(&self, per_page: u8) -> Result<Vec<Workflow>> {
        const OP: &str = "actions/list-repo-workflows";
        let (owner, repo) = self.check(OP)?;
        check_paging(OP, per_page, 1)?;
        let req = ApiRequest::new(OP, Method::GET, &["repos", owner, repo, "actions", "workflows"])
            .query("per_page", per_page);
        Ok(self.client.json::<WorkflowList>(req).await?.workflows)
    }

    /// Enables (`enable = true`, "Enable a workflow") or disables ("Disable a workflow") workflow `id`; doing it
    /// twice is harmless (a `PUT`), so a lost answer is retried.
    ///
    /// # Errors
    /// A bad name is refused before sending; [`ErrorKind::NotFound`](super::ErrorKind::NotFound) for an unknown
    /// workflow; [`ErrorKind::Forbidden`](super::ErrorKind::Forbidden) without the `workflow` scope or Actions
    /// write permission.
    pub async fn set_workflow_enabled(&self, id: u64, enable: bool) -> Result<()> {
        let (op, action) =
            if enable { ("actions/enable-workflow", "enable") } else { ("actions/disable-workflow", "disable") };
        let (owner, repo) = self.check(op)?;
        let id = id.to_string();
        self.client
            .no_content(ApiRequest::new(op, Method::PUT, &["repos", owner, repo, "actions", "workflows", &id, action]))
            .await
    }
}
