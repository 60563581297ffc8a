//! Crash and resume: for every k from 1 to N (N = the requests of a fresh apply), the apply is killed right after
//! the simulators processed request k (the request log's trip wire fires and the apply future is dropped, like a
//! killed process: the answer to request k is never read). A fresh provisioner on the same state file then runs
//! apply again. It must converge to exactly the desired deployment, keep every secret the first run received
//! (generated secrets, the RAM key, the Auth0 application), and a third apply must send no mutating request.
//!
//! The same is done for a key rotation: on a converged deployment the key Vercel uses is disabled in RAM, and the
//! apply that replaces it (new key, environment, deployment, retirement of the old key) is killed after each k.
//! And for `set-domain` on a converged deployment: the resumed `apply` finishes the move to the custom domain
//! (recorded in the state file before the first request).

mod common;

use common::{Fixture, GENERATED, convergence_problems};
use provision::engine::ProvisionerOptions;
use std::time::Instant;

/// What the killed run left behind, and how the resumed run ended.
#[derive(Debug)]
struct CrashRun {
    k: usize,
    /// Whether the trip wire fired (false: the apply finished in fewer than k requests).
    killed: bool,
    /// The request the run was killed after.
    last: String,
    /// Its kind (see [`kind`]), when it was a mutating request.
    last_write: Option<String>,
}

/// A request's kind, without ids: service, method, action (RPC) or path with id-like segments replaced, and the
/// query's parameter names (OSS sub-resources).
fn kind(e: &sandbox::LoggedRequest) -> String {
    let path: Vec<&str> =
        e.path
            .split('/')
            .map(|seg| {
                if seg.len() > 16 || seg.contains('_') || seg.chars().any(|c| c.is_ascii_uppercase()) {
                    "*"
                } else {
                    seg
                }
            })
            .collect();
    let query: Vec<&str> = e.query.split('&').filter_map(|p| p.split('=').next()).filter(|k| !k.is_empty()).collect();
    format!("{} {} {} {} {}", e.service, e.method, e.action, path.join("/"), query.join(","))
}

/// What the killed apply starts from.
#[derive(Debug, Clone, Copy)]
enum Scenario {
    /// Nothing exists.
    Fresh,
    /// A converged deployment whose access key was disabled in RAM: the apply rotates it.
    Rotation,
    /// A converged deployment moved to a custom domain with `set-domain`.
    SetDomain,
}

const DOMAIN: &str = "chat.example.com";

/// Runs the operation the scenario kills: `apply`, or `set-domain`.
async fn operation(p: &provision::engine::Provisioner, scenario: Scenario) -> provision::Result<()> {
    match scenario {
        Scenario::SetDomain => p.set_domain(DOMAIN).await.map(drop),
        _ => p.apply().await.map(drop),
    }
}

/// A fixture in the scenario's starting state, with an empty request log.
async fn prepare(scenario: Scenario) -> Fixture {
    let fx = Fixture::new("").await;
    if let Scenario::SetDomain = scenario {
        fx.provisioner().apply().await.expect("initial apply");
        fx.cloud.log.clear();
    }
    if let Scenario::Rotation = scenario {
        fx.provisioner().apply().await.expect("initial apply");
        let id = fx.state_on_disk().access_key.expect("key").id;
        fx.cloud.identity.with_state(|s| {
            if let Some(k) = s.keys.get_mut(&id) {
                k.status = sandbox::aliyun_identity::KeyStatus::Inactive;
            }
        });
        fx.cloud.log.clear();
    }
    fx
}

/// A provisioner running its chains concurrently, or one after another: then the order of requests, and so
/// what request k is, is the same in every run (deployments are polled at 250 ms, well past the 60 ms build, so
/// that every wait takes exactly two polls).
fn provisioner(fx: &Fixture, sequential: bool) -> provision::engine::Provisioner {
    let mut options = ProvisionerOptions { sequential, ..common::fast_options() };
    if sequential {
        options.deploy.poll_interval = std::time::Duration::from_millis(250);
    }
    fx.provisioner_with(options)
}

async fn crash_after(scenario: Scenario, k: usize, sequential: bool) -> CrashRun {
    let fx = prepare(scenario).await;
    let trip = fx.cloud.log.trip_after(k);
    let killed = {
        let provisioner = provisioner(&fx, sequential);
        let apply = operation(&provisioner, scenario);
        tokio::select! {
            biased;
            _ = trip.notified() => true,
            result = apply => {
                result.unwrap_or_else(|e| panic!("k={k}: the apply before the crash failed: {e}"));
                false
            }
        }
        // The provisioner and the apply future are dropped here: in-flight requests are abandoned.
    };
    fx.cloud.log.disarm();
    let entry = fx.cloud.log.entries().get(k - 1).cloned();
    let last = entry
        .as_ref()
        .map(|e| format!("{} {} {} {}", e.service, e.method, e.path, e.action).trim_end().to_string())
        .unwrap_or_default();
    let last_write = entry.as_ref().filter(|e| killed && e.mutating).map(kind);
    // What the killed run had received and written ahead.
    let before = fx.state_on_disk();

    let resumed = provisioner(&fx, sequential).apply().await;
    let resumed = resumed.unwrap_or_else(|e| panic!("k={k} ({last}): the resumed apply failed: {e}"));
    assert!(resumed.deployment_id.is_some(), "k={k}: no deployment after resume");
    let problems = convergence_problems(&fx);
    assert!(problems.is_empty(), "k={k} ({last}): not converged after resume: {problems:#?}");

    // No secret the killed run received is lost or replaced.
    let after = fx.state_on_disk();
    for name in GENERATED {
        if let Some(held) = before.generated.get(name) {
            assert_eq!(after.generated.get(name), Some(held), "k={k} ({last}): {name} was regenerated");
        }
    }
    let usable = |id: &str| {
        fx.cloud.identity.lookup_key(id).is_some_and(|r| r.status == sandbox::aliyun_identity::KeyStatus::Active)
    };
    if let Some(key) = before.access_key.as_ref().filter(|k| usable(&k.id)) {
        // The run had a usable key's secret: the resumed run keeps that key (no rotation), and Vercel uses it.
        let in_vercel =
            fx.cloud.vercel.env("lobehub").into_iter().find(|v| v.key == "S3_ACCESS_KEY_ID").map(|v| v.value);
        assert_eq!(in_vercel.as_deref(), Some(key.id.as_str()), "k={k} ({last}): the held key was replaced");
        assert_eq!(after.access_key.as_ref(), Some(key), "k={k} ({last}): the state file lost the key");
    }
    if let Some(id) = &before.auth0_client_id {
        assert_eq!(after.auth0_client_id.as_ref(), Some(id), "k={k} ({last}): another Auth0 application");
    }
    // At most one key was lost with its answer (the one created by request k itself), so at most two keys
    // were ever created.
    let creates = fx.cloud.log.entries().iter().filter(|e| e.action == "CreateAccessKey").count();
    assert!(creates <= 2, "k={k} ({last}): {creates} CreateAccessKey requests");
    if let Scenario::Rotation = scenario {
        assert!(creates >= 1, "k={k} ({last}): the disabled key was not replaced");
    }
    if let Scenario::SetDomain = scenario {
        // The common checks saw the CORS rule and callbacks for APP_URL; it must be the custom domain's.
        let app_url = fx.cloud.vercel.env("lobehub").into_iter().find(|v| v.key == "APP_URL").map(|v| v.value);
        assert_eq!(app_url.as_deref(), Some("https://chat.example.com"), "k={k} ({last})");
        assert!(fx.cloud.vercel.domains("lobehub").iter().any(|(d, _)| d == DOMAIN), "k={k} ({last}): no domain");
    }

    fx.cloud.log.clear();
    let third = fx.provisioner().apply().await.unwrap_or_else(|e| panic!("k={k}: third apply failed: {e}"));
    assert!(!third.plan.has_changes(), "k={k} ({last}): {}", third.plan.render_text());
    let writes = fx.cloud.log.mutating();
    assert!(writes.is_empty(), "k={k} ({last}): the converged apply wrote: {writes:#?}");
    CrashRun { k, killed, last, last_write }
}

/// An uninterrupted run of the scenario: the kind of each request that is a write, by position (from 1).
async fn uninterrupted(scenario: Scenario, sequential: bool) -> Vec<(usize, Option<String>)> {
    let fx = prepare(scenario).await;
    operation(&provisioner(&fx, sequential), scenario).await.expect("uninterrupted run");
    fx.cloud.log.entries().iter().map(|e| (e.seq, e.mutating.then(|| kind(e)))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_every_request_resumes_and_converges() {
    kill_after_every_request(Scenario::Fresh, 20, true).await;
}

/// With the chains concurrent, what request k is varies from run to run (and other chains' requests may be in
/// flight when the process dies).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_every_request_of_a_concurrent_apply_resumes_and_converges() {
    kill_after_every_request(Scenario::Fresh, 20, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_a_key_rotation_resumes_and_converges() {
    kill_after_every_request(Scenario::Rotation, 10, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_set_domain_resumes_and_converges() {
    kill_after_every_request(Scenario::SetDomain, 10, true).await;
}

async fn kill_after_every_request(scenario: Scenario, at_least: usize, sequential: bool) {
    use futures::StreamExt;
    use std::collections::BTreeSet;
    let started = Instant::now();
    let positions = uninterrupted(scenario, sequential).await;
    let n = positions.len();
    let writes: BTreeSet<String> = positions.iter().filter_map(|(_, w)| w.clone()).collect();
    assert!(n > at_least, "the {scenario:?} apply sends more than {at_least} requests, got {n}");
    let crash_all = |ks: Vec<usize>| {
        futures::stream::iter(ks)
            .map(|k| tokio::spawn(crash_after(scenario, k, sequential)))
            .buffer_unordered(4)
            .map(|joined| joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())))
            .collect::<Vec<CrashRun>>()
    };
    // Deployment polling makes the count vary a little from run to run: a few k past N too (a run that ends
    // before its k is not killed, and is checked all the same).
    let mut runs = crash_all((1..=n + 4).collect()).await;
    let covered =
        |runs: &[CrashRun]| -> BTreeSet<String> { runs.iter().filter_map(|r| r.last_write.clone()).collect() };
    // The trusted users are handled concurrently even in order mode, so a write may land one or two places
    // away from where it was in the uninterrupted run: kill again around it.
    if sequential {
        let missed: BTreeSet<String> = writes.difference(&covered(&runs)).cloned().collect();
        let again: BTreeSet<usize> = positions
            .iter()
            .filter(|(_, w)| w.as_ref().is_some_and(|w| missed.contains(w)))
            .flat_map(|(k, _)| k.saturating_sub(3).max(1)..=k + 3)
            .collect();
        runs.extend(crash_all(again.into_iter().collect()).await);
    }
    runs.sort_by_key(|r| r.k);
    let killed = runs.iter().filter(|r| r.killed).count();
    let missed: Vec<String> = writes.difference(&covered(&runs)).cloned().collect();
    println!(
        "{scenario:?} ({}): N = {n} requests in an uninterrupted apply; {} runs killed after request k = 1..={}: {killed} killed, after {} of the {} kinds of write, all resumed and converged in {:?}",
        if sequential { "chains in order" } else { "chains concurrent" },
        runs.len(),
        n + 4,
        writes.len() - missed.len(),
        writes.len(),
        started.elapsed()
    );
    for r in runs.iter().filter(|r| r.killed) {
        println!("  k={:>3}: killed after {}", r.k, r.last);
    }
    // In order, every kind of write of the uninterrupted run was the last request of some killed run.
    assert!(!sequential || missed.is_empty(), "no run was killed right after these writes: {missed:#?}");
    assert!(killed + 8 >= n, "only {killed} of {n} runs were killed");
}
