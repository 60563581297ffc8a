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

use super::vercel::VercelOp;
use super::{AppHosts, Ctx};
use crate::error::{Error, Result, StepContext};
use crate::journal::{Created, Record};
use crate::plan::{Action, Op, Plan};
use vercel_client::{ErrorKind, Project, ProjectDomain};

/// Whether `d` is `host`, on `project`, verified: Vercel confirms the project owns it.
fn owned(d: &ProjectDomain, host: &str, project: &str) -> bool {
    owns(&d.name, d.verified, d.project_id.as_deref(), host, project)
}

/// Whether a listed domain (`name`, `verified`, `projectId`) is `host`, verified, on `project`.
fn owns(name: &str, verified: bool, on: Option<&str>, host: &str, project: &str) -> bool {
    name.eq_ignore_ascii_case(host) && verified && on.is_none_or(|p| p == project)
}

/// The hosts wanted: the custom domain (else one of the `*.vercel.app` candidates), and the preview host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostsDesired {
    /// The custom domain in effect, if any.
    pub domain: Option<String>,
    /// The `*.vercel.app` names to try, in order (`app.vercel_app_fallbacks`).
    pub candidates: Vec<String>,
    /// The preview host and the branch it serves, with `[previews]`.
    pub preview: Option<(String, String)>,
}

impl HostsDesired {
    /// From the configuration and the effective custom domain.
    pub fn from_config(config: &crate::config::Config, domain: Option<&str>) -> Self {
        Self {
            domain: domain.map(str::to_string),
            candidates: config.vercel_app_candidates.clone(),
            preview: config.previews.as_ref().map(|p| (p.domain.clone(), p.git_branch.clone())),
        }
    }
}

/// One domain of the project, as listed (`getProjectDomains`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObservedHost {
    /// The host.
    pub name: String,
    /// Verified.
    pub verified: bool,
    /// The project it is on.
    pub project_id: Option<String>,
}

/// The project's domains (none before the project exists).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostsObserved {
    /// The project's id.
    pub project_id: Option<String>,
    /// Its domains.
    pub domains: Vec<ObservedHost>,
    /// The project is created by this run: the hosts are planned as for a project still to be created (what
    /// Vercel grants a new project is known after apply), in a plan and while executing it alike.
    pub project_new: bool,
}

/// Lists the project's domains.
pub async fn observe_hosts(ctx: &Ctx<'_>, project: Option<&Project>, project_new: bool) -> Result<HostsObserved> {
    let Some(project) = project else { return Ok(HostsObserved { project_new, ..HostsObserved::default() }) };
    let listed = ctx.services.vercel.domains(project.id.clone()).list().await.step("vercel: list domains")?;
    Ok(HostsObserved {
        project_new,
        project_id: Some(project.id.clone()),
        domains: listed
            .into_iter()
            .map(|d| ObservedHost { name: d.name, verified: d.verified, project_id: d.project_id })
            .collect(),
    })
}

/// The hosts stage's plan (pure). The outcome is the confirmed hosts; `None` while the app host is known only
/// after apply (a project still to be created, or a `*.vercel.app` name still to be claimed).
pub fn plan_hosts(desired: &HostsDesired, observed: &HostsObserved) -> (Plan, Option<AppHosts>) {
    let mut plan = Plan::default();
    let claim = || Op::Vercel(VercelOp::ClaimAppHost { candidates: desired.candidates.clone() });
    let claim_row = |plan: &mut Plan| {
        plan.change(
            "vercel",
            format!("app host {}", desired.candidates.join(" | ")),
            Action::Create,
            "the first name Vercel grants this project becomes APP_URL (known after apply)",
            claim(),
        )
    };
    let project_id = observed.project_id.as_ref().filter(|_| !observed.project_new);
    let Some(project_id) = project_id else {
        if desired.domain.is_none() {
            claim_row(&mut plan);
        }
        if let Some((domain, branch)) = &desired.preview {
            plan.change(
                "vercel",
                format!("preview domain {domain}"),
                Action::Create,
                "for previews",
                Op::Vercel(VercelOp::AddPreviewDomain { domain: domain.clone(), git_branch: branch.clone() }),
            );
        }
        return (plan, None);
    };
    let app = match &desired.domain {
        // The custom domain the user owns (added by the project step; verification may still be pending).
        Some(d) => Some(d.clone()),
        None => {
            let ours = desired.candidates.iter().find(|c| {
                observed.domains.iter().any(|d| owns(&d.name, d.verified, d.project_id.as_deref(), c, project_id))
            });
            match ours {
                Some(host) => {
                    plan.resource("vercel", format!("app host {host}"), Action::Unchanged, "the project's own domain");
                    Some(host.clone())
                }
                None => {
                    claim_row(&mut plan);
                    None
                }
            }
        }
    };
    let preview = desired.preview.as_ref().map(|(domain, branch)| {
        let present = observed.domains.iter().any(|d| d.name.eq_ignore_ascii_case(domain));
        let resource = format!("preview domain {domain}");
        let detail = format!("serves branch {branch}");
        if present {
            plan.resource("vercel", resource, Action::Unchanged, detail);
        } else {
            let op = VercelOp::AddPreviewDomain { domain: domain.clone(), git_branch: branch.clone() };
            plan.change("vercel", resource, Action::Create, detail, Op::Vercel(op));
        }
        domain.clone()
    });
    (plan, app.map(|app| AppHosts { app, preview }))
}

/// Executes the hosts stage: claims a `*.vercel.app` name (confirmed only by the project's own domain list),
/// adds the preview host; each added domain is journaled as created.
pub async fn apply_hosts(
    ctx: &Ctx<'_>,
    plan: Plan,
    project: Option<&Project>,
    desired: &HostsDesired,
    planned: Option<AppHosts>,
    observed: &HostsObserved,
) -> Result<Option<AppHosts>> {
    let Some(project) = project else {
        return Err(Error::blocked("vercel: app host", "the project does not exist", "run apply again"));
    };
    let domains = ctx.services.vercel.domains(project.id.clone());
    let mut app = planned.as_ref().map(|h| h.app.clone()).or_else(|| desired.domain.clone());
    let mut preview = planned.and_then(|h| h.preview);
    for op in plan.ops() {
        match op {
            Op::Vercel(VercelOp::ClaimAppHost { candidates }) => {
                // A new project may already own the first name (Vercel assigns `<name>.vercel.app` on creation):
                // the listing just read says so, and nothing is sent.
                let owned = candidates.iter().find(|c| {
                    observed.domains.iter().any(|d| owns(&d.name, d.verified, d.project_id.as_deref(), c, &project.id))
                });
                app = Some(match owned {
                    Some(host) => host.clone(),
                    None => claim_vercel_app(ctx, &domains, candidates, &project.id).await?,
                });
            }
            Op::Vercel(VercelOp::AddPreviewDomain { domain, git_branch }) => {
                match domains.add(domain.clone()).git_branch(git_branch.clone()).send().await {
                    Ok(_) => ctx.state.record([Record::Created(Created::VercelDomain(domain.clone()))])?,
                    Err(e) if taken(&e) => {
                        return Err(Error::blocked(
                            "vercel: preview domain",
                            format!("Vercel refused {domain} for this project: it belongs to another project ({e})"),
                            "choose another previews.domain",
                        ));
                    }
                    Err(e) => return Err(e).step("vercel: add preview domain"),
                }
                preview = Some(domain.clone());
            }
            _ => {}
        }
    }
    Ok(app.map(|app| AppHosts { app, preview }))
}

/// The hosts stage ("vercel.hosts"): confirms the app hosts. `project` is `None` in a plan before the project
/// exists: then nothing can be confirmed and the plan says which names apply will try.
pub async fn confirm(ctx: &Ctx<'_>, project: Option<&Project>, project_new: bool) -> Result<(Plan, Option<AppHosts>)> {
    let desired = ctx.desired.hosts.clone();
    let observed = observe_hosts(ctx, project, project_new).await?;
    let planned = plan_hosts(&desired, &observed);
    let hosts = planned.1.clone();
    ctx.stage("vercel.hosts", &observed, planned, |plan, _| apply_hosts(ctx, plan, project, &desired, hosts, &observed))
        .await
}

/// Whether an addProjectDomain error means the host belongs to someone else.
fn taken(e: &vercel_client::Error) -> bool {
    matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Forbidden)
}

/// The first candidate Vercel grants on `addProjectDomain` and then lists as the project's, verified.
async fn claim_vercel_app(
    ctx: &Ctx<'_>,
    domains: &vercel_client::domains::DomainsHandler<'_>,
    candidates: &[String],
    project_id: &str,
) -> Result<String> {
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
            ctx.state.record([Record::Created(Created::VercelDomain(host.clone()))])?;
            step.done("granted");
            return Ok(host.clone());
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

    fn desired(domain: Option<&str>, preview: bool) -> HostsDesired {
        HostsDesired {
            domain: domain.map(str::to_string),
            candidates: vec!["lobehub.vercel.app".into(), "lobehub-alice.vercel.app".into()],
            preview: preview.then(|| ("preview.example.com".to_string(), "dev".to_string())),
        }
    }

    fn observed(hosts: &[(&str, bool)]) -> HostsObserved {
        HostsObserved {
            project_id: Some("prj_1".into()),
            domains: hosts
                .iter()
                .map(|(n, v)| ObservedHost { name: n.to_string(), verified: *v, project_id: Some("prj_1".into()) })
                .collect(),
            project_new: false,
        }
    }

    #[test]
    fn a_project_this_run_creates_is_planned_the_same_before_and_after_it_exists() {
        let before = HostsObserved { project_new: true, ..HostsObserved::default() };
        let after = HostsObserved { project_new: true, ..observed(&[("lobehub.vercel.app", true)]) };
        let (a, _) = plan_hosts(&desired(None, true), &before);
        let (b, _) = plan_hosts(&desired(None, true), &after);
        assert_eq!(a, b, "a saved plan for a new project matches its execution");
        assert!(a.ops().any(|o| matches!(o, Op::Vercel(VercelOp::ClaimAppHost { .. }))));
    }

    #[test]
    fn an_owned_candidate_is_the_app_host_else_claiming_is_a_typed_write() {
        let (plan, hosts) = plan_hosts(&desired(None, false), &observed(&[("lobehub-alice.vercel.app", true)]));
        assert_eq!(hosts.map(|h| h.app).as_deref(), Some("lobehub-alice.vercel.app"));
        assert_eq!(plan.ops().count(), 0);
        // Listed but unverified (held elsewhere): not ours; the claim is planned, the host known after apply.
        let (plan, hosts) = plan_hosts(&desired(None, true), &observed(&[("lobehub.vercel.app", false)]));
        assert!(hosts.is_none());
        let ops: Vec<_> = plan.ops().cloned().collect();
        assert_eq!(
            ops,
            [
                Op::Vercel(VercelOp::ClaimAppHost {
                    candidates: vec!["lobehub.vercel.app".into(), "lobehub-alice.vercel.app".into()]
                }),
                Op::Vercel(VercelOp::AddPreviewDomain {
                    domain: "preview.example.com".into(),
                    git_branch: "dev".into()
                }),
            ]
        );
    }

    #[test]
    fn a_custom_domain_is_the_app_host_and_nothing_is_claimed() {
        let (plan, hosts) =
            plan_hosts(&desired(Some("chat.example.com"), true), &observed(&[("preview.example.com", true)]));
        let hosts = hosts.expect("confirmed");
        assert_eq!((hosts.app.as_str(), hosts.preview.as_deref()), ("chat.example.com", Some("preview.example.com")));
        assert_eq!(plan.ops().count(), 0);
        let (plan, hosts) = plan_hosts(&desired(Some("chat.example.com"), false), &HostsObserved::default());
        assert!(hosts.is_none() && plan.resources.is_empty(), "before the project exists");
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
