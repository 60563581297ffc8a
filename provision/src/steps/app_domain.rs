//! The app's hosts, confirmed before the first build: the configured custom domain, or a `*.vercel.app` host
//! that this step adds to the project and that Vercel then lists as the project's own; and the preview host
//! when `[previews]` is enabled.
//!
//! Why: `<project>.vercel.app` is one global host held by at most one project; a project gets it only if the name
//! is free, and adding a host another project holds is refused (409, or 403 across teams) (field-truth §4.7; github
//! vercel/examples `domains-api` README). A login completes only on the `APP_URL` host, whose callback Auth0 must
//! allow exactly (LobeHub's state cookie is host-only: field-truth §1.2). So the host is never guessed: it is
//! taken from the project's domain list (`getProjectDomains`, vsdk) after `addProjectDomain` (vtf
//! `vercel_project_domain` claims `i-love.vercel.app` the same way).

use super::{AppHosts, Ctx};
use crate::error::{Error, Result, StepContext};
use crate::plan::{Action, Plan};
use vercel_client::{ErrorKind, Project, ProjectDomain};

/// Whether `d` is `host`, on `project`, verified: Vercel confirms the project owns it.
fn owned(d: &ProjectDomain, host: &str, project: &str) -> bool {
    d.name.eq_ignore_ascii_case(host) && d.verified && d.project_id.as_deref().is_none_or(|p| p == project)
}

/// Confirms the app hosts. `project` is `None` in a plan before the project exists: then nothing can be
/// confirmed and the plan says which names apply will try.
pub async fn confirm(ctx: &Ctx<'_>, project: Option<&Project>) -> Result<(Plan, Option<AppHosts>)> {
    let mut plan = Plan::default();
    let Some(project) = project else {
        if ctx.domain.is_none() {
            plan.resource(
                "vercel",
                format!("app host {}", ctx.config.vercel_app_candidates.join(" | ")),
                Action::Create,
                "the first name Vercel grants this project becomes APP_URL (known after apply)",
            );
        }
        if let Some(p) = &ctx.config.previews {
            plan.resource("vercel", format!("preview domain {}", p.domain), Action::Create, "for previews");
        }
        return Ok((plan, None));
    };
    let domains = ctx.services.vercel.domains(project.id.clone());
    let listed = domains.list().await.step("vercel: list domains")?;
    let app = match &ctx.domain {
        // The custom domain the user owns (added by the project step; verification may still be pending).
        Some(d) => d.clone(),
        None => match claim_vercel_app(ctx, &domains, &listed, &project.id, &mut plan).await? {
            Some(host) => host,
            None => {
                // Only in a plan: the first candidate that apply would try.
                return Ok((plan, None));
            }
        },
    };
    let preview = match &ctx.config.previews {
        None => None,
        Some(p) => {
            let present = listed.iter().any(|d| d.name.eq_ignore_ascii_case(&p.domain));
            if present {
                plan.resource(
                    "vercel",
                    format!("preview domain {}", p.domain),
                    Action::Unchanged,
                    format!("serves branch {}", p.git_branch),
                );
            } else {
                plan.resource(
                    "vercel",
                    format!("preview domain {}", p.domain),
                    Action::Create,
                    format!("serves branch {}", p.git_branch),
                );
                if ctx.applying() {
                    match domains.add(p.domain.clone()).git_branch(p.git_branch.clone()).send().await {
                        Ok(_) => ctx.state.update(|s| s.mark_created("vercel-domain", &p.domain))?,
                        Err(e) if taken(&e) => {
                            return Err(Error::blocked(
                                "vercel: preview domain",
                                format!(
                                    "Vercel refused {} for this project: it belongs to another project ({e})",
                                    p.domain
                                ),
                                "choose another previews.domain",
                            ));
                        }
                        Err(e) => return Err(e).step("vercel: add preview domain"),
                    }
                }
            }
            Some(p.domain.clone())
        }
    };
    Ok((plan, Some(AppHosts { app, preview })))
}

/// Whether an addProjectDomain error means the host belongs to someone else.
fn taken(e: &vercel_client::Error) -> bool {
    matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Forbidden)
}

/// The `*.vercel.app` host: a candidate already confirmed on the project, else the first candidate Vercel grants
/// on `addProjectDomain` and then lists as the project's, verified. `None` only in a plan.
async fn claim_vercel_app(
    ctx: &Ctx<'_>,
    domains: &vercel_client::domains::DomainsHandler<'_>,
    listed: &[ProjectDomain],
    project_id: &str,
    plan: &mut Plan,
) -> Result<Option<String>> {
    let candidates = &ctx.config.vercel_app_candidates;
    if let Some(host) = candidates.iter().find(|c| listed.iter().any(|d| owned(d, c, project_id))) {
        plan.resource("vercel", format!("app host {host}"), Action::Unchanged, "the project's own domain");
        return Ok(Some(host.clone()));
    }
    if !ctx.applying() {
        plan.resource(
            "vercel",
            format!("app host {}", candidates.join(" | ")),
            Action::Create,
            "the first name Vercel grants this project becomes APP_URL (known after apply)",
        );
        return Ok(None);
    }
    let mut refused = Vec::new();
    for host in candidates {
        let step = ctx.progress.start(&format!("vercel: claim {host}"));
        match domains.add(host.clone()).send().await {
            Ok(_) => {}
            Err(e) if taken(&e) => {
                step.fail("taken");
                refused.push(format!("{host} ({e})"));
                continue;
            }
            Err(e) => return Err(e).step("vercel: add app domain"),
        }
        // Confirmed only by the project's own domain list, never by the add answer alone.
        let confirmed = domains.get(host).await.step("vercel: read app domain")?;
        if owned(&confirmed, host, project_id) {
            ctx.state.update(|s| s.mark_created("vercel-domain", host))?;
            plan.resource("vercel", format!("app host {host}"), Action::Create, "granted to the project by Vercel");
            step.done("granted");
            return Ok(Some(host.clone()));
        }
        // Added but not verified: the name is held elsewhere. Take it off again; it can never serve this app.
        step.fail("not granted");
        refused.push(format!("{host} (added but not verified: held by another account)"));
        match domains.remove(host).await {
            Ok(()) => {}
            Err(e) if matches!(e.kind(), ErrorKind::NotFound) => {}
            Err(e) => return Err(e).step("vercel: remove unverified app domain"),
        }
    }
    Err(Error::blocked(
        "vercel: app host",
        format!(
            "Vercel granted none of the *.vercel.app names to project `{}`: {}. LobeHub's APP_URL, the Auth0 callback \
             and the OSS CORS origin must be a host the project owns, so nothing was built",
            ctx.config.vercel.project,
            refused.join("; ")
        ),
        "add free names to app.vercel_app_fallbacks (e.g. [\"lobehub-yourname\"]), or set app.domain to a custom domain you own",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(json: &str) -> ProjectDomain {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_host_is_owned_only_when_verified_on_this_project() {
        let ours = domain(r#"{"name":"lobehub-alice.vercel.app","projectId":"prj_1","verified":true}"#);
        assert!(owned(&ours, "lobehub-alice.vercel.app", "prj_1"));
        assert!(owned(&ours, "LOBEHUB-ALICE.vercel.app", "prj_1"));
        assert!(!owned(&ours, "lobehub-alice.vercel.app", "prj_2"), "another project's");
        assert!(!owned(&ours, "lobehub.vercel.app", "prj_1"), "another name");
        let pending = domain(r#"{"name":"lobehub.vercel.app","projectId":"prj_1","verified":false}"#);
        assert!(!owned(&pending, "lobehub.vercel.app", "prj_1"), "not verified");
    }
}
