//! Crash and resume between the environment write and the deployment (issue 13): Vercel reads the environment at
//! build time, so a run killed after it wrote the environment and before the new deployment is READY leaves the
//! old environment live. The next `apply` must notice (the live deployment's environment fingerprint differs)
//! and redeploy, await a build of the current environment instead of duplicating it, and finish a key rotation's
//! retirement once that deployment is READY.
//!
//! Each scenario starts from a converged deployment, changes something that rewrites the environment (`set-domain`,
//! a disabled access key), and is killed right after each Vercel environment write and right after the
//! `createDeployment` (the kill mechanism of `crash_resume.rs`: the request log's trip wire drops the run like a
//! killed process). A fresh provisioner then runs `apply`; the READY production deployment must have been built
//! from the environment Vercel holds, one deployment at most is created for the change, and a third `apply`
//! writes nothing.

mod common;

use common::{Fixture, convergence_problems, live_deployment_problems};
use provision::engine::ProvisionerOptions;

const DOMAIN: &str = "chat.example.com";

#[derive(Debug, Clone, Copy)]
enum Scenario {
    /// `set-domain` on a converged deployment: APP_URL changes.
    SetDomain,
    /// The access key Vercel uses is disabled in RAM: the apply rotates it (new key in the environment).
    Rotation,
}

/// A converged deployment in the scenario's starting state, with an empty request log; the old key id for a
/// rotation.
async fn prepare(scenario: Scenario) -> (Fixture, Option<String>) {
    let fx = Fixture::new("").await;
    fx.provisioner().apply().await.expect("initial apply");
    let mut old_key = None;
    if let Scenario::Rotation = scenario {
        let id = fx.state_on_disk().access_key.expect("key").id;
        fx.cloud.identity.with_state(|s| {
            if let Some(k) = s.keys.get_mut(&id) {
                k.status = sandbox::aliyun_identity::KeyStatus::Inactive;
            }
        });
        old_key = Some(id);
    }
    fx.cloud.log.clear();
    (fx, old_key)
}

/// Chains one after another, polls well past the 60 ms build: the same request order in every run.
fn provisioner(fx: &Fixture) -> provision::engine::Provisioner {
    let mut options = ProvisionerOptions { sequential: true, ..common::fast_options() };
    options.deploy.poll_interval = std::time::Duration::from_millis(250);
    fx.provisioner_with(options)
}

async fn operation(p: &provision::engine::Provisioner, scenario: Scenario) -> provision::Result<()> {
    match scenario {
        Scenario::SetDomain => p.set_domain(DOMAIN).await.map(drop),
        Scenario::Rotation => p.apply().await.map(drop),
    }
}

fn is_env_write(e: &sandbox::LoggedRequest) -> bool {
    e.service == "vercel" && e.mutating && e.path.contains("/env")
}

fn is_create_deployment(e: &sandbox::LoggedRequest) -> bool {
    e.service == "vercel" && e.method == "POST" && e.path.starts_with("/v13/deployments")
}

/// Positions (from 1) of the environment writes and the deployment creation in an uninterrupted run.
async fn kill_points(scenario: Scenario) -> Vec<usize> {
    let (fx, _) = prepare(scenario).await;
    operation(&provisioner(&fx), scenario).await.expect("uninterrupted run");
    let entries = fx.cloud.log.entries();
    let points: Vec<usize> =
        entries.iter().filter(|e| is_env_write(e) || is_create_deployment(e)).map(|e| e.seq).collect();
    assert!(entries.iter().any(is_env_write), "{scenario:?} writes the environment");
    assert!(entries.iter().any(is_create_deployment), "{scenario:?} deploys");
    points
}

async fn crash_after(scenario: Scenario, k: usize) {
    let (fx, old_key) = prepare(scenario).await;
    let trip = fx.cloud.log.trip_after(k);
    let killed = {
        let p = provisioner(&fx);
        let op = operation(&p, scenario);
        tokio::select! {
            biased;
            _ = trip.notified() => true,
            result = op => {
                result.unwrap_or_else(|e| panic!("k={k}: the run before the crash failed: {e}"));
                false
            }
        }
    };
    fx.cloud.log.disarm();
    let last = fx.cloud.log.entries().get(k - 1).map(|e| format!("{} {}", e.method, e.path)).unwrap_or_default();
    assert!(killed, "{scenario:?} k={k}: the run ended before its kill point");

    let resumed = provisioner(&fx).apply().await;
    resumed.unwrap_or_else(|e| panic!("{scenario:?} k={k} ({last}): the resumed apply failed: {e}"));
    let problems = convergence_problems(&fx);
    assert!(problems.is_empty(), "{scenario:?} k={k} ({last}): not converged: {problems:#?}");
    let live = live_deployment_problems(&fx);
    assert!(live.is_empty(), "{scenario:?} k={k} ({last}): the live deployment runs an old environment: {live:#?}");

    let live = fx.cloud.vercel.live_production("lobehub").expect("a live deployment");
    let creates = fx.cloud.log.entries().iter().filter(|e| is_create_deployment(e)).count();
    assert_eq!(creates, 1, "{scenario:?} k={k} ({last}): one deployment for the change, awaited not duplicated");
    match scenario {
        Scenario::SetDomain => {
            assert_eq!(
                live.env.get("APP_URL").map(String::as_str),
                Some("https://chat.example.com"),
                "k={k} ({last}): the live app runs the new APP_URL"
            );
        }
        Scenario::Rotation => {
            let old = old_key.expect("old key");
            assert_ne!(live.env.get("S3_ACCESS_KEY_ID"), Some(&old), "k={k} ({last}): the live app uses the new key");
            assert!(
                !fx.cloud.ram.access_key_ids("lobehub-oss").contains(&old),
                "k={k} ({last}): the replaced key was not retired"
            );
            assert!(fx.state_on_disk().retire_access_keys.is_empty(), "k={k} ({last}): retirement left pending");
        }
    }

    fx.cloud.log.clear();
    let third = fx.provisioner().apply().await.unwrap_or_else(|e| panic!("k={k}: third apply failed: {e}"));
    assert!(!third.plan.has_changes(), "k={k} ({last}): {}", third.plan.render_text());
    let writes = fx.cloud.log.mutating();
    assert!(writes.is_empty(), "{scenario:?} k={k} ({last}): the converged apply wrote: {writes:#?}");
}

async fn kill_between_env_and_deployment(scenario: Scenario) {
    let points = kill_points(scenario).await;
    println!("{scenario:?}: killed after requests {points:?} (environment writes and createDeployment)");
    for k in points {
        crash_after(scenario, k).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_domain_killed_between_env_write_and_deployment_goes_live_with_the_new_app_url() {
    kill_between_env_and_deployment(Scenario::SetDomain).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_killed_between_env_write_and_deployment_goes_live_and_retires_the_old_key() {
    kill_between_env_and_deployment(Scenario::Rotation).await;
}

/// Deploys production outside the tool (a rollback, a git push) with the given `meta` and waits until READY.
async fn deploy_outside(fx: &Fixture, meta: Option<&str>) {
    let p = fx.provisioner();
    let vercel = &p.services().vercel;
    let project = vercel.projects().get("lobehub").await.expect("project");
    let repo_id = project.link.as_ref().and_then(|l| l.numeric_repo_id()).expect("repo id");
    let mut create = vercel
        .deployments()
        .create("lobehub")
        .project(project.id.clone())
        .production()
        .git_source(vercel_client::GitSource::github_repo_id(repo_id, "main"));
    if let Some(fp) = meta {
        create = create.meta(vercel_client::ENV_FINGERPRINT_META, fp);
    }
    let d = create.send().await.expect("deployment");
    let wait = vercel_client::WaitOptions::default().poll_interval(std::time::Duration::from_millis(20));
    vercel.deployments().wait_until_ready(&d.id, wait).await.expect("READY");
}

/// A live deployment recorded as built from another environment (an old build promoted again) is replaced by one
/// built from the current environment, once; a deployment made outside the tool after the last environment
/// change (a git push: no fingerprint) is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_deployment_of_another_environment_is_redeployed_once() {
    let fx = Fixture::new("").await;
    fx.provisioner().apply().await.expect("initial apply");
    deploy_outside(&fx, Some("0000000000000000000000000000000000000000000000000000000000000000")).await;
    fx.cloud.log.clear();
    let again = fx.provisioner().apply().await.expect("apply");
    assert!(again.plan.has_changes(), "the stale live deployment is replaced");
    let creates = fx.cloud.log.entries().iter().filter(|e| is_create_deployment(e)).count();
    assert_eq!(creates, 1);
    assert!(live_deployment_problems(&fx).is_empty());

    deploy_outside(&fx, None).await;
    fx.cloud.log.clear();
    let third = fx.provisioner().apply().await.expect("apply");
    assert!(!third.plan.has_changes(), "{}", third.plan.render_text());
    assert!(fx.cloud.log.mutating().is_empty(), "a git-push deployment after the last env change is current");
}
