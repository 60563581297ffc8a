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
use crate::plan::{Action, Plan};
use cloud_http::pagination::PageGuard;
use std::time::Duration;

/// What the GitHub step found or made.
#[derive(Debug, Clone, Default)]
pub struct GithubOutcome {
    /// The fork's full name (`owner/name`); `None` without `[github]` or in a plan before it exists.
    pub repository: Option<String>,
}

/// The page a user opens to install the Vercel GitHub App.
pub const VERCEL_APP_INSTALL_URL: &str = "https://github.com/apps/vercel/installations/new";

fn status(e: &octocrab::Error) -> Option<u16> {
    match e {
        octocrab::Error::GitHub { source, .. } => Some(source.status_code.as_u16()),
        _ => None,
    }
}

fn describe(e: &octocrab::Error) -> String {
    match e {
        octocrab::Error::GitHub { source, .. } => {
            format!("GitHub answered HTTP {}: {}", source.status_code.as_u16(), source.message)
        }
        other => format!("GitHub request failed: {other}"),
    }
}

fn failed(step: &str, e: &octocrab::Error) -> Error {
    let fix = match status(e) {
        Some(401) => "check GITHUB_TOKEN (it is missing, expired or revoked)",
        Some(403) => {
            "give GITHUB_TOKEN the `repo` and `workflow` scopes (classic) or Administration, Contents and Actions write (fine-grained) on the account, then run apply again"
        }
        _ => "run apply again",
    };
    Error::blocked(format!("github: {step}"), describe(e), fix)
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn is_fork_of(repo: &octocrab::models::Repository, upstream: &str) -> bool {
    let named = |r: &Option<Box<octocrab::models::Repository>>| {
        r.as_ref().and_then(|r| r.full_name.as_deref()).is_some_and(|f| eq(f, upstream))
    };
    repo.fork == Some(true) && (named(&repo.parent) || named(&repo.source))
}

fn full_name(repo: &octocrab::models::Repository) -> String {
    repo.full_name.clone().unwrap_or_else(|| {
        format!("{}/{}", repo.owner.as_ref().map(|o| o.login.as_str()).unwrap_or_default(), repo.name)
    })
}

/// The GitHub step. Without `[github]` it does nothing.
pub async fn fork(ctx: &Ctx<'_>) -> Result<(Plan, GithubOutcome)> {
    let mut plan = Plan::default();
    let (Some(cfg), Some(octo)) = (&ctx.config.github, &ctx.services.github) else {
        return Ok((plan, GithubOutcome::default()));
    };
    let step = ctx.progress.start("github: fork");
    let (up_owner, up_name) = cfg.upstream.split_once('/').unwrap_or(("lobehub", "lobehub"));
    let user = octo.current().user().await.map_err(|e| failed("who am I", &e))?.login;
    let owner = cfg.owner.clone().unwrap_or_else(|| user.clone());
    let wanted = cfg.repository.clone().unwrap_or_else(|| up_name.to_string());

    // 1. The wanted name.
    let mut fork: Option<octocrab::models::Repository> = match octo.repos(&owner, &wanted).get().await {
        Ok(repo) if is_fork_of(&repo, &cfg.upstream) => Some(repo),
        Ok(repo) => {
            return Err(Error::blocked(
                "github: fork",
                format!("{} exists and is not a fork of {}", full_name(&repo), cfg.upstream),
                "set github.repository to the name the fork should have (or of your existing fork)",
            ));
        }
        Err(e) if status(&e) == Some(404) => None,
        Err(e) => return Err(failed("read repository", &e)),
    };
    // 2. A renamed fork: the owner's entry among the upstream's forks.
    if fork.is_none() {
        let mut guard = PageGuard::<u32>::with_default_cap("listForks");
        let mut page = 1u32;
        loop {
            let result = octo
                .repos(up_owner, up_name)
                .list_forks()
                .per_page(100)
                .page(page)
                .send()
                .await
                .map_err(|e| failed("list forks", &e))?;
            let count = result.items.len();
            if let Some(r) = result.items.into_iter().find(|r| r.owner.as_ref().is_some_and(|o| eq(&o.login, &owner))) {
                // The list entry has no parent: read the repository itself.
                let full = full_name(&r);
                let (o, n) = full.split_once('/').unwrap_or((&owner, &wanted));
                fork = Some(octo.repos(o, n).get().await.map_err(|e| failed("read fork", &e))?);
                break;
            }
            if count < 100 || result.next.is_none() {
                break;
            }
            page += 1;
            guard
                .next_page(&page)
                .map_err(|e| Error::blocked("github: list forks", e.to_string(), "run apply again"))?;
        }
    }

    let full = match &fork {
        Some(repo) => {
            let full = full_name(repo);
            plan.resource("github", format!("fork {full}"), Action::Unchanged, format!("fork of {}", cfg.upstream));
            Some(full)
        }
        None if !ctx.applying() => {
            plan.resource(
                "github",
                format!("fork {owner}/{wanted}"),
                Action::Create,
                format!("fork {} into {owner}; wait until its default branch can be read", cfg.upstream),
            );
            None
        }
        None => {
            let upstream = octo.repos(up_owner, up_name);
            let mut create = upstream.create_fork().default_branch_only(true);
            if !eq(&owner, &user) {
                create = create.organization(owner.clone());
            }
            if !eq(&wanted, up_name) {
                create = create.name(wanted.clone());
            }
            let repo = create.send().await.map_err(|e| failed("create fork", &e))?;
            let full = full_name(&repo);
            ctx.state.update(|s| s.mark_created("github-fork", &full))?;
            plan.resource("github", format!("fork {full}"), Action::Create, format!("forked {}", cfg.upstream));
            let branch = repo.default_branch.clone().unwrap_or_else(|| "main".into());
            wait_until_ready(octo, &full, &branch).await?;
            fork = Some(repo);
            Some(full)
        }
    };

    if let Some(full) = &full {
        sync_workflow(ctx, octo, full, cfg.auto_sync, &mut plan).await?;
        vercel_can_see(ctx, octo, &owner, full, &mut plan).await?;
        if !eq(full, &ctx.config.vercel.git_repository) {
            return Err(Error::blocked(
                "github: fork",
                format!("the fork is {full} but vercel.git_repository is {}", ctx.config.vercel.git_repository),
                format!("set vercel.git_repository = \"{full}\""),
            ));
        }
    } else {
        plan.resource(
            "github",
            "workflow Upstream Sync",
            Action::Update,
            if cfg.auto_sync {
                "enable in the new fork (auto_sync = true)"
            } else {
                "disable in the new fork (auto_sync = false: upstream changes reach the deployment only when you sync)"
            },
        );
    }
    let _ = fork;
    step.done(full.as_deref().unwrap_or("planned"));
    Ok((plan, GithubOutcome { repository: full }))
}

/// Polls the fork's default branch until it answers (the fork is copied asynchronously). Bounded: at most 60
/// reads, 0.5 s to 5 s apart (about 4.5 minutes, GitHub: "If this takes longer than 5 minutes, be sure to
/// contact GitHub Support").
async fn wait_until_ready(octo: &octocrab::Octocrab, full: &str, branch: &str) -> Result<()> {
    let mut delay = Duration::from_millis(500);
    for _ in 0..60 {
        let route = format!("/repos/{full}/branches/{branch}");
        match octo.get::<serde_json::Value, _, ()>(route, None).await {
            Ok(_) => return Ok(()),
            Err(e) if matches!(status(&e), Some(404 | 409)) => {}
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

/// Finds LobeHub's upstream-sync workflow and disables (or, with `auto_sync`, enables) it.
async fn sync_workflow(
    ctx: &Ctx<'_>,
    octo: &octocrab::Octocrab,
    full: &str,
    auto_sync: bool,
    plan: &mut Plan,
) -> Result<()> {
    let (o, n) = full.split_once('/').unwrap_or((full, full));
    let list = octo.workflows(o, n).list().per_page(100u8).send().await.map_err(|e| failed("list workflows", &e))?;
    let Some(wf) = list.items.iter().find(|w| w.path.ends_with("/sync.yml") || w.name == "Upstream Sync") else {
        plan.note(format!(
            "github: {full} has no Upstream Sync workflow; nothing to {}",
            if auto_sync { "enable" } else { "disable" }
        ));
        return Ok(());
    };
    let name = format!("workflow {} ({})", wf.name, wf.path);
    let want_active = auto_sync;
    let is_active = wf.state == "active";
    if want_active == is_active && (want_active || wf.state == "disabled_manually") {
        let why = if auto_sync { "enabled (auto_sync = true)" } else { "disabled (auto_sync = false)" };
        plan.resource("github", &name, Action::Unchanged, why);
        return Ok(());
    }
    let detail = if auto_sync {
        "enable: github.auto_sync = true keeps the fork following lobehub/lobehub".to_string()
    } else {
        format!(
            "disable (state {}): an unattended upstream update can break a working deployment; sync by hand, or set github.auto_sync = true",
            wf.state
        )
    };
    plan.resource("github", &name, Action::Update, detail);
    if ctx.applying() {
        let handler = octo.workflows(o, n);
        let id = wf.id.to_string();
        let result = if auto_sync { handler.enable_workflow(id).await } else { handler.disable_workflow(id).await };
        result.map_err(|e| failed(if auto_sync { "enable workflow" } else { "disable workflow" }, &e))?;
    }
    Ok(())
}

/// Checks that the Vercel GitHub App is installed on `owner` with access to `full`.
async fn vercel_can_see(
    _ctx: &Ctx<'_>,
    octo: &octocrab::Octocrab,
    owner: &str,
    full: &str,
    plan: &mut Plan,
) -> Result<()> {
    let installs = match octo
        .get::<serde_json::Value, _, [(&str, &str); 1]>("/user/installations", Some(&[("per_page", "100")]))
        .await
    {
        Ok(v) => v,
        Err(e) if matches!(status(&e), Some(401 | 403 | 404)) => {
            plan.note(format!(
                "github: this token cannot list GitHub App installations ({}); Vercel's answer when linking the project will tell whether it can see {full}",
                describe(&e)
            ));
            return Ok(());
        }
        Err(e) => return Err(failed("list app installations", &e)),
    };
    let list = installs.get("installations").and_then(|v| v.as_array()).cloned().unwrap_or_default();
    let vercel = list.iter().find(|i| {
        i.get("app_slug").and_then(|s| s.as_str()) == Some("vercel")
            && i.pointer("/account/login").and_then(|s| s.as_str()).is_some_and(|l| eq(l, owner))
    });
    let Some(install) = vercel else {
        return Err(Error::blocked(
            "github: Vercel access",
            format!("the Vercel GitHub App is not installed on {owner}, so Vercel cannot see {full}"),
            format!("install it on {owner} at {VERCEL_APP_INSTALL_URL}, then run apply again"),
        ));
    };
    let id = install.get("id").and_then(|v| v.as_u64()).unwrap_or_default();
    if install.get("repository_selection").and_then(|s| s.as_str()) == Some("all") {
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
        let route = format!("/user/installations/{id}/repositories");
        let p = page.to_string();
        let v: serde_json::Value = octo
            .get(route, Some(&[("per_page", "100"), ("page", p.as_str())]))
            .await
            .map_err(|e| failed("list the Vercel app's repositories", &e))?;
        let repos = v.get("repositories").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        if repos.iter().any(|r| r.get("full_name").and_then(|f| f.as_str()).is_some_and(|f| eq(f, full))) {
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
    let org = install.get("target_type").and_then(|t| t.as_str()) == Some("Organization");
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
    },
}
