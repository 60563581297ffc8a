//! GitHub: the guide's first step — fork LobeHub into the user's account or organization, keep the fork from
//! following upstream on its own, and make sure Vercel's GitHub App can read it.
//!
//! - **Fork** (`POST /repos/{owner}/{repo}/forks`, GitHub REST "Create a fork": "Forking a Repository happens
//!   asynchronously. You may have to wait a short period of time before you can access the git objects"): the
//!   step waits until the fork's default branch answers (`GET /repos/{owner}/{repo}/branches/{branch}`).
//! - **Adopt** an existing fork: the configured (or upstream's) name first; else the owner's fork among the
//!   upstream's forks (`GET /repos/{owner}/{repo}/forks`), whatever it was renamed to.
//! - **Upstream sync**: LobeHub ships `.github/workflows/sync.yml` ("Upstream Sync", every 6 hours, forks only;
//!   `lobehub/lobehub` @ 172b8b3e). Unless `github.auto_sync = true` it is disabled
//!   (`PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/disable`): an unattended upstream update can
//!   break a working deployment (the guide's lesson; LobeHub's build also migrates the database, field-truth
//!   §1.6). With `auto_sync = true` it is enabled (`…/enable`).
//! - **Vercel can see it**: the Vercel GitHub App's installation on the owner (`GET /user/installations`,
//!   `GET /user/installations/{id}/repositories`); when it is missing or does not include the fork the step
//!   stops with the exact page to grant it. When the token cannot list installations, the check is left to
//!   Vercel's own answer when the project is linked.
//! - `destroy` never deletes a repository.

use super::Ctx;
use crate::error::{Error, Result};
use crate::github::Error as GithubError;
use crate::github::{CreateFork, ErrorKind, GithubClient, Workflow};
use crate::journal::{Created, Record};
use crate::plan::{Action, Op, Plan};
use cloud_http::pagination::PageGuard;
use std::time::Duration;

/// What the GitHub step found or made.
#[derive(Debug, Clone, Default)]
pub struct GithubOutcome {
    /// The fork's full name (`owner/name`); `None` without `[github]` or in a plan before it exists.
    pub repository: Option<String>,
    /// Notes found while applying (a new fork without the sync workflow).
    pub notes: Vec<String>,
}

/// The page a user opens to install the Vercel GitHub App.
pub const VERCEL_APP_INSTALL_URL: &str = "https://github.com/apps/vercel/installations/new";

fn describe(e: &GithubError) -> String {
    match (e.status(), e.message()) {
        (Some(status), Some(message)) => format!("GitHub answered HTTP {status}: {message}"),
        (Some(status), None) => format!("GitHub answered HTTP {status}"),
        _ => format!("GitHub request failed: {e}"),
    }
}

fn failed(step: &str, e: &GithubError) -> Error {
    let fix = match e.kind() {
        ErrorKind::Unauthorized => "check GITHUB_TOKEN (it is missing, expired or revoked)",
        ErrorKind::Forbidden => {
            "give GITHUB_TOKEN the `repo` and `workflow` scopes (classic) or Administration, Contents and Actions write (fine-grained) on the account, then run apply again"
        }
        ErrorKind::RateLimited => {
            "GitHub's rate limit for this token is spent: wait until it resets, then run apply again"
        }
        _ => "run apply again",
    };
    Error::blocked(format!("github: {step}"), describe(e), fix)
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Splits `owner/name` (a full name GitHub gave, or `vercel.git_repository`).
fn split(full: &str) -> (&str, &str) {
    full.split_once('/').unwrap_or((full, full))
}

/// What the GitHub step wants, from the configuration ([`GithubDesired::from_config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubDesired {
    /// The fork; `None` without `[github]` (the step does nothing).
    pub fork: Option<ForkDesired>,
    /// `vercel.git_repository`: the fork must be this repository.
    pub git_repository: String,
}

/// The desired fork (`[github]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkDesired {
    /// The repository to fork (`lobehub/lobehub`).
    pub upstream: String,
    /// The account or organization to fork into; the token's user when `None`.
    pub owner: Option<String>,
    /// The fork's name when one is created; the upstream's name when `None`.
    pub repository: Option<String>,
    /// Whether LobeHub's `Upstream Sync` workflow is to be enabled (`true`) or disabled (`false`).
    pub auto_sync: bool,
}

impl ForkDesired {
    /// The upstream's owner and name (`lobehub`, `lobehub`).
    fn upstream_parts(&self) -> (&str, &str) {
        self.upstream.split_once('/').unwrap_or(("lobehub", "lobehub"))
    }
}

impl GithubDesired {
    /// The desired fork from `[github]` and `vercel.git_repository`.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            fork: config.github.as_ref().map(|g| ForkDesired {
                upstream: g.upstream.clone(),
                owner: g.owner.clone(),
                repository: g.repository.clone(),
                auto_sync: g.auto_sync,
            }),
            git_repository: config.vercel.git_repository.clone(),
        }
    }
}

/// What the fork stage observed (fingerprinted for the stale-plan check).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GithubObserved {
    /// The token's user (`GET /user`).
    pub user: String,
    /// The account the fork belongs to (`github.owner`, else the user).
    pub owner: String,
    /// The fork's name when one is created (`github.repository`, else the upstream's name).
    pub name: String,
    /// The fork found (by its name, else among the upstream's forks); `None`: there is none.
    pub fork: Option<ForkSeen>,
}

/// An existing fork of the upstream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ForkSeen {
    /// `owner/name`.
    pub full_name: String,
    /// LobeHub's upstream-sync workflow in it; `None`: the fork has none.
    pub sync_workflow: Option<WorkflowSeen>,
}

/// A workflow as GitHub lists it (`GET /repos/{owner}/{repo}/actions/workflows`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WorkflowSeen {
    /// Its id.
    pub id: u64,
    /// Its name (`Upstream Sync`).
    pub name: String,
    /// Its path (`.github/workflows/sync.yml`).
    pub path: String,
    /// `active`, `disabled_manually`, `disabled_fork`, …
    pub state: String,
}

/// Whether a workflow in `state` must be enabled (`auto_sync`) or disabled: an active one is disabled; any
/// disabled state but `disabled_manually` (e.g. `disabled_fork`, `disabled_inactivity`) is disabled by hand so
/// that GitHub does not re-enable it; with `auto_sync` anything but `active` is enabled.
fn workflow_needs_change(auto_sync: bool, state: &str) -> bool {
    let is_active = state == "active";
    !(auto_sync == is_active && (auto_sync || state == "disabled_manually"))
}

/// LobeHub's upstream-sync workflow among a repository's workflows (`.github/workflows/sync.yml`, "Upstream Sync").
fn find_sync_workflow(list: &[Workflow]) -> Option<WorkflowSeen> {
    list.iter().find(|w| w.path.ends_with("/sync.yml") || w.name == "Upstream Sync").map(|w| WorkflowSeen {
        id: w.id,
        name: w.name.clone(),
        path: w.path.clone(),
        state: w.state.clone(),
    })
}

async fn list_sync_workflow(github: &GithubClient, full: &str) -> Result<Option<WorkflowSeen>> {
    let (o, n) = split(full);
    let list = github.repo(o, n).list_workflows(100).await.map_err(|e| failed("list workflows", &e))?;
    Ok(find_sync_workflow(&list))
}

/// Reads the fork: the token's user (`GET /user`), the repository of the wanted name
/// (`GET /repos/{owner}/{name}`), else the owner's entry among the upstream's forks (`GET /repos/{up}/forks`,
/// paged, bounded by [`PageGuard`]) and that repository; then its workflows. Only reads.
///
/// # Errors
/// `blocked` when the wanted name is a repository that is not a fork of the upstream, or GitHub refuses a read.
pub async fn observe_fork(github: &GithubClient, desired: &ForkDesired) -> Result<GithubObserved> {
    let (up_owner, up_name) = desired.upstream_parts();
    let user = github.current_user().await.map_err(|e| failed("who am I", &e))?.login;
    let owner = desired.owner.clone().unwrap_or_else(|| user.clone());
    let wanted = desired.repository.clone().unwrap_or_else(|| up_name.to_string());

    // 1. The wanted name.
    let mut fork = match github.repo(&owner, &wanted).get().await {
        Ok(repo) if repo.is_fork_of(&desired.upstream) => Some(repo),
        Ok(repo) => {
            return Err(Error::blocked(
                "github: fork",
                format!("{} exists and is not a fork of {}", repo.full_name, desired.upstream),
                "set github.repository to the name the fork should have (or of your existing fork)",
            ));
        }
        Err(e) if e.kind() == &ErrorKind::NotFound => None,
        Err(e) => return Err(failed("read repository", &e)),
    };
    // 2. A renamed fork: the owner's entry among the upstream's forks.
    if fork.is_none() {
        let mut guard = PageGuard::<u32>::with_default_cap("listForks");
        let mut page = 1u32;
        loop {
            let result =
                github.repo(up_owner, up_name).list_forks(100, page).await.map_err(|e| failed("list forks", &e))?;
            let count = result.items.len();
            if let Some(r) = result.items.into_iter().find(|r| eq(&r.owner.login, &owner)) {
                // The list entry has no parent: read the repository itself.
                let (o, n) = split(&r.full_name);
                fork = Some(github.repo(o, n).get().await.map_err(|e| failed("read fork", &e))?);
                break;
            }
            if count < 100 || !result.has_next {
                break;
            }
            page += 1;
            guard
                .next_page(&page)
                .map_err(|e| Error::blocked("github: list forks", e.to_string(), "run apply again"))?;
        }
    }
    let fork = match fork {
        Some(repo) => {
            let sync_workflow = list_sync_workflow(github, &repo.full_name).await?;
            Some(ForkSeen { full_name: repo.full_name, sync_workflow })
        }
        None => None,
    };
    Ok(GithubObserved { user, owner, name: wanted, fork })
}

/// The fork stage's plan (pure): the fork as it is or to create, and the upstream-sync workflow to enable or
/// disable (in a fork that does not exist yet: the one it will have).
///
/// ```
/// use provision::steps::github::{plan_fork, ForkDesired, GithubObserved};
/// let desired = ForkDesired { upstream: "lobehub/lobehub".into(), owner: None, repository: None, auto_sync: false };
/// let observed = GithubObserved { user: "octo".into(), owner: "octo".into(), name: "lobehub".into(), fork: None };
/// let (plan, out) = plan_fork(&desired, &observed);
/// assert!(plan.render_text().contains("+ github  fork octo/lobehub"));
/// assert_eq!(plan.ops().count(), 2, "the fork, then its sync workflow");
/// assert_eq!(out.repository, None, "known after apply");
/// ```
pub fn plan_fork(desired: &ForkDesired, observed: &GithubObserved) -> (Plan, GithubOutcome) {
    let mut plan = Plan::default();
    let auto_sync = desired.auto_sync;
    let sync_op = |repository: Option<String>, workflow_id: Option<u64>| {
        Op::Github(if auto_sync {
            GithubOp::EnableSyncWorkflow { repository, workflow_id }
        } else {
            GithubOp::DisableSyncWorkflow { repository, workflow_id }
        })
    };
    let Some(fork) = &observed.fork else {
        let (owner, wanted) = (&observed.owner, &observed.name);
        let (_, up_name) = desired.upstream_parts();
        plan.change(
            "github",
            format!("fork {owner}/{wanted}"),
            Action::Create,
            format!("fork {} into {owner}; wait until its default branch can be read", desired.upstream),
            Op::Github(GithubOp::CreateFork {
                upstream: desired.upstream.clone(),
                organization: (!eq(owner, &observed.user)).then(|| owner.clone()),
                name: (!eq(wanted, up_name)).then(|| wanted.clone()),
            }),
        );
        plan.change(
            "github",
            "workflow Upstream Sync",
            Action::Update,
            if auto_sync {
                "enable in the new fork (auto_sync = true)"
            } else {
                "disable in the new fork (auto_sync = false: upstream changes reach the deployment only when you sync)"
            },
            sync_op(None, None),
        );
        return (plan, GithubOutcome::default());
    };
    let full = &fork.full_name;
    plan.resource("github", format!("fork {full}"), Action::Unchanged, format!("fork of {}", desired.upstream));
    match &fork.sync_workflow {
        None => plan.note(no_sync_workflow(full, auto_sync)),
        Some(wf) => {
            let name = format!("workflow {} ({})", wf.name, wf.path);
            if !workflow_needs_change(auto_sync, &wf.state) {
                let why = if auto_sync { "enabled (auto_sync = true)" } else { "disabled (auto_sync = false)" };
                plan.resource("github", &name, Action::Unchanged, why);
            } else {
                let detail = if auto_sync {
                    "enable: github.auto_sync = true keeps the fork following lobehub/lobehub".to_string()
                } else {
                    format!(
                        "disable (state {}): an unattended upstream update can break a working deployment; sync by hand, or set github.auto_sync = true",
                        wf.state
                    )
                };
                plan.change("github", &name, Action::Update, detail, sync_op(Some(full.clone()), Some(wf.id)));
            }
        }
    }
    (plan, GithubOutcome { repository: Some(full.clone()), notes: Vec::new() })
}

fn no_sync_workflow(full: &str, auto_sync: bool) -> String {
    format!("github: {full} has no Upstream Sync workflow; nothing to {}", if auto_sync { "enable" } else { "disable" })
}

/// Executes the fork stage's plan, in order: creates the fork (`POST /repos/{upstream}/forks`, journaled the
/// moment GitHub answers) and waits until its default branch can be read; enables or disables the sync workflow
/// (`PUT /repos/{owner}/{repo}/actions/workflows/{id}/{enable|disable}`) — in a fork created by this plan, the
/// workflow is first found among its workflows (and left alone when already as wanted).
///
/// # Errors
/// `blocked` when GitHub refuses a request, or the new fork is not ready after about 4 minutes.
pub async fn apply_fork(
    ctx: &Ctx<'_>,
    github: &GithubClient,
    plan: Plan,
    observed: &GithubObserved,
) -> Result<GithubOutcome> {
    let mut out = GithubOutcome { repository: observed.fork.as_ref().map(|f| f.full_name.clone()), notes: Vec::new() };
    for op in plan.ops() {
        let Op::Github(op) = op else {
            return Err(Error::blocked("github", "the plan has another service's operation", "run plan again"));
        };
        match op {
            GithubOp::CreateFork { upstream, organization, name } => {
                let (up_owner, up_name) = upstream.split_once('/').unwrap_or(("lobehub", "lobehub"));
                let body =
                    CreateFork { organization: organization.clone(), name: name.clone(), default_branch_only: true };
                let repo =
                    github.repo(up_owner, up_name).create_fork(&body).await.map_err(|e| failed("create fork", &e))?;
                let full = repo.full_name.clone();
                ctx.state.record([Record::Created(Created::GithubFork(full.clone()))])?;
                let branch = repo.default_branch.clone().unwrap_or_else(|| "main".into());
                wait_until_ready(github, &full, &branch).await?;
                out.repository = Some(full);
            }
            GithubOp::EnableSyncWorkflow { repository, workflow_id }
            | GithubOp::DisableSyncWorkflow { repository, workflow_id } => {
                let enable = matches!(op, GithubOp::EnableSyncWorkflow { .. });
                let Some(full) = repository.clone().or_else(|| out.repository.clone()) else {
                    return Err(Error::blocked("github: workflow", "no fork to change", "run plan again"));
                };
                let id = match workflow_id {
                    Some(id) => *id,
                    // The fork this plan created: find its workflow first.
                    None => match list_sync_workflow(github, &full).await? {
                        Some(wf) if workflow_needs_change(enable, &wf.state) => wf.id,
                        Some(_) => continue,
                        None => {
                            out.notes.push(no_sync_workflow(&full, enable));
                            continue;
                        }
                    },
                };
                let (o, n) = split(&full);
                let result = github.repo(o, n).set_workflow_enabled(id, enable).await;
                result.map_err(|e| failed(if enable { "enable workflow" } else { "disable workflow" }, &e))?;
            }
        }
    }
    Ok(out)
}

/// The GitHub step (stage `github.fork`): observe the fork, plan, and — applying — fork and set the sync
/// workflow; then check that Vercel's GitHub App can read the fork and that `vercel.git_repository` names it.
/// Without `[github]` it does nothing.
///
/// # Errors
/// `blocked` when GitHub refuses a request, Vercel's app cannot see the fork (with the page to grant it), or
/// the fork is not `vercel.git_repository`.
pub async fn fork(ctx: &Ctx<'_>) -> Result<(Plan, GithubOutcome)> {
    let desired = ctx.desired.github.clone();
    let (Some(want), Some(github)) = (&desired.fork, &ctx.services.github) else {
        return Ok((Plan::default(), GithubOutcome::default()));
    };
    let step = ctx.progress.start("github: fork");
    let observed = observe_fork(github, want).await?;
    let planned = plan_fork(want, &observed);
    let (mut plan, out) =
        ctx.stage("github.fork", &observed, planned, |plan, _| apply_fork(ctx, github, plan, &observed)).await?;
    plan.notes.extend(out.notes.iter().cloned());

    // Checks that write nothing, on the fork as it now is.
    if let Some(full) = &out.repository {
        vercel_can_see(github, &observed.owner, full, &mut plan).await?;
        if !eq(full, &desired.git_repository) {
            return Err(Error::blocked(
                "github: fork",
                format!("the fork is {full} but vercel.git_repository is {}", desired.git_repository),
                format!("set vercel.git_repository = \"{full}\""),
            ));
        }
    }
    step.done(out.repository.as_deref().unwrap_or("planned"));
    Ok((plan, out))
}

/// Polls the fork's default branch until it answers (the fork is copied asynchronously). Bounded: at most 60
/// reads, 0.5 s to 5 s apart (about 4.5 minutes, GitHub: "If this takes longer than 5 minutes, be sure to
/// contact GitHub Support").
async fn wait_until_ready(github: &GithubClient, full: &str, branch: &str) -> Result<()> {
    let (o, n) = split(full);
    let mut delay = Duration::from_millis(500);
    for _ in 0..60 {
        match github.repo(o, n).get_branch(branch).await {
            Ok(_) => return Ok(()),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Conflict) => {}
            Err(e) => return Err(failed("wait for the fork", &e)),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
    Err(Error::blocked(
        "github: wait for the fork",
        format!("{full} was not ready after about 4 minutes"),
        "check the fork on GitHub, then run apply again (the fork is adopted)",
    ))
}

/// Checks that the Vercel GitHub App is installed on `owner` with access to `full`.
async fn vercel_can_see(github: &GithubClient, owner: &str, full: &str, plan: &mut Plan) -> Result<()> {
    let installs = match github.installations().list(100).await {
        Ok(v) => v,
        Err(e) if matches!(e.kind(), ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::NotFound) => {
            plan.note(format!(
                "github: this token cannot list GitHub App installations ({}); Vercel's answer when linking the project will tell whether it can see {full}",
                describe(&e)
            ));
            return Ok(());
        }
        Err(e) => return Err(failed("list app installations", &e)),
    };
    let vercel = installs.iter().find(|i| i.app_slug == "vercel" && i.login().is_some_and(|l| eq(l, owner)));
    let Some(install) = vercel else {
        return Err(Error::blocked(
            "github: Vercel access",
            format!("the Vercel GitHub App is not installed on {owner}, so Vercel cannot see {full}"),
            format!("install it on {owner} at {VERCEL_APP_INSTALL_URL}, then run apply again"),
        ));
    };
    let id = install.id;
    if install.repository_selection == "all" {
        plan.resource(
            "github",
            "Vercel GitHub App access",
            Action::Unchanged,
            format!("installed on {owner} for all repositories"),
        );
        return Ok(());
    }
    let mut guard = PageGuard::<u32>::with_default_cap("listInstallationRepos");
    let mut page = 1u32;
    loop {
        let repos = github
            .installations()
            .repositories(id, 100, page)
            .await
            .map_err(|e| failed("list the Vercel app's repositories", &e))?
            .items;
        if repos.iter().any(|r| eq(&r.full_name, full)) {
            plan.resource(
                "github",
                "Vercel GitHub App access",
                Action::Unchanged,
                format!("{full} is among the selected repositories"),
            );
            return Ok(());
        }
        if repos.len() < 100 {
            break;
        }
        page += 1;
        guard
            .next_page(&page)
            .map_err(|e| Error::blocked("github: Vercel access", e.to_string(), "run apply again"))?;
    }
    let org = install.target_type == "Organization";
    let page = if org {
        format!("https://github.com/organizations/{owner}/settings/installations/{id}")
    } else {
        format!("https://github.com/settings/installations/{id}")
    };
    Err(Error::blocked(
        "github: Vercel access",
        format!(
            "the Vercel GitHub App on {owner} has access to selected repositories only, and {full} is not one of them"
        ),
        format!("add {full} under \"Repository access\" at {page}, then run apply again"),
    ))
}

/// The GitHub operations of a plan (what `apply` sends), one per changing row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GithubOp {
    /// `POST /repos/{owner}/{repo}/forks` (REST "Create a fork").
    CreateFork {
        /// The upstream repository (`lobehub/lobehub`).
        upstream: String,
        /// The organization to fork into (`organization`); `None`: the token's user.
        organization: Option<String>,
        /// The fork's name (`name`); `None`: the upstream's. The fork copies the default branch only.
        name: Option<String>,
    },
    /// `PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable` (REST "Enable a workflow").
    EnableSyncWorkflow {
        /// The fork (`owner/name`); `None`: the fork this plan creates.
        repository: Option<String>,
        /// The workflow's id; `None`: found in the new fork when it exists (LobeHub's `sync.yml`).
        workflow_id: Option<u64>,
    },
    /// `PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/disable` (REST "Disable a workflow").
    DisableSyncWorkflow {
        /// The fork (`owner/name`); `None`: the fork this plan creates.
        repository: Option<String>,
        /// The workflow's id; `None`: found in the new fork when it exists (LobeHub's `sync.yml`).
        workflow_id: Option<u64>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(auto_sync: bool) -> ForkDesired {
        ForkDesired { upstream: "lobehub/lobehub".into(), owner: None, repository: None, auto_sync }
    }

    fn observed(fork: Option<ForkSeen>) -> GithubObserved {
        GithubObserved { user: "octo".into(), owner: "octo".into(), name: "lobehub".into(), fork }
    }

    fn fork_with(state: Option<&str>) -> ForkSeen {
        ForkSeen {
            full_name: "octo/my-chat".into(),
            sync_workflow: state.map(|s| WorkflowSeen {
                id: 7,
                name: "Upstream Sync".into(),
                path: ".github/workflows/sync.yml".into(),
                state: s.into(),
            }),
        }
    }

    #[test]
    fn a_missing_fork_is_created_then_its_sync_workflow_set() {
        let (plan, out) = plan_fork(&desired(false), &observed(None));
        let ops: Vec<_> = plan.ops().cloned().collect();
        assert_eq!(
            ops,
            [
                Op::Github(GithubOp::CreateFork { upstream: "lobehub/lobehub".into(), organization: None, name: None }),
                Op::Github(GithubOp::DisableSyncWorkflow { repository: None, workflow_id: None }),
            ]
        );
        assert_eq!(plan.resources[0].resource, "fork octo/lobehub");
        assert_eq!(out.repository, None);

        // Into an organization, under another name; auto_sync enables.
        let want = ForkDesired { owner: Some("acme".into()), repository: Some("chat".into()), ..desired(true) };
        let seen = GithubObserved { owner: "acme".into(), name: "chat".into(), ..observed(None) };
        let (plan, _) = plan_fork(&want, &seen);
        let ops: Vec<_> = plan.ops().cloned().collect();
        assert_eq!(
            ops[0],
            Op::Github(GithubOp::CreateFork {
                upstream: "lobehub/lobehub".into(),
                organization: Some("acme".into()),
                name: Some("chat".into()),
            })
        );
        assert_eq!(ops[1], Op::Github(GithubOp::EnableSyncWorkflow { repository: None, workflow_id: None }));
        assert!(plan.render_text().contains("enable in the new fork"));
    }

    #[test]
    fn an_existing_fork_is_adopted_and_only_a_workflow_in_the_wrong_state_changes() {
        for (auto_sync, state, change) in [
            (false, "active", true),
            (false, "disabled_fork", true),
            (false, "disabled_manually", false),
            (true, "active", false),
            (true, "disabled_manually", true),
        ] {
            let (plan, out) = plan_fork(&desired(auto_sync), &observed(Some(fork_with(Some(state)))));
            assert_eq!(out.repository.as_deref(), Some("octo/my-chat"));
            assert_eq!(plan.resources[0].action, Action::Unchanged, "the fork is adopted");
            let ops: Vec<_> = plan.ops().cloned().collect();
            let expected = match (change, auto_sync) {
                (false, _) => vec![],
                (true, true) => vec![Op::Github(GithubOp::EnableSyncWorkflow {
                    repository: Some("octo/my-chat".into()),
                    workflow_id: Some(7),
                })],
                (true, false) => vec![Op::Github(GithubOp::DisableSyncWorkflow {
                    repository: Some("octo/my-chat".into()),
                    workflow_id: Some(7),
                })],
            };
            assert_eq!(ops, expected, "auto_sync {auto_sync}, state {state}");
            assert_eq!(plan.resources[1].resource, "workflow Upstream Sync (.github/workflows/sync.yml)");
        }
    }

    #[test]
    fn a_fork_without_the_sync_workflow_gets_a_note() {
        let (plan, _) = plan_fork(&desired(false), &observed(Some(fork_with(None))));
        assert_eq!(plan.ops().count(), 0);
        assert_eq!(plan.notes, ["github: octo/my-chat has no Upstream Sync workflow; nothing to disable"]);
    }
}
