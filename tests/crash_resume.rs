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
use std::time::Instant;

/// What the killed run left behind, and how the resumed run ended.
#[derive(Debug)]
struct CrashRun {
    k: usize,
    /// Whether the trip wire fired (false: the apply finished in fewer than k requests).
    killed: bool,
    /// The request the run was killed after.
    last: String,
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

async fn crash_after(scenario: Scenario, k: usize) -> CrashRun {
    let fx = prepare(scenario).await;
    let trip = fx.cloud.log.trip_after(k);
    let killed = {
        let provisioner = fx.provisioner();
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
    let last = fx
        .cloud
        .log
        .entries()
        .get(k - 1)
        .map(|e| {
            format!(
                "{} {} {}{}",
                e.service,
                e.method,
                e.path,
                if e.action.is_empty() { String::new() } else { format!(" {}", e.action) }
            )
        })
        .unwrap_or_default();
    // What the killed run had received and written ahead.
    let before = fx.state_on_disk();

    let resumed = fx.provisioner().apply().await;
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
    CrashRun { k, killed, last }
}

/// The number of requests of an uninterrupted apply in the scenario.
async fn apply_requests(scenario: Scenario) -> usize {
    let fx = prepare(scenario).await;
    operation(&fx.provisioner(), scenario).await.expect("uninterrupted run");
    fx.cloud.log.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_every_request_resumes_and_converges() {
    kill_after_every_request(Scenario::Fresh, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_a_key_rotation_resumes_and_converges() {
    kill_after_every_request(Scenario::Rotation, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_set_domain_resumes_and_converges() {
    kill_after_every_request(Scenario::SetDomain, 10).await;
}

async fn kill_after_every_request(scenario: Scenario, at_least: usize) {
    use futures::StreamExt;
    let started = Instant::now();
    let n = apply_requests(scenario).await;
    assert!(n > at_least, "the {scenario:?} apply sends more than {at_least} requests, got {n}");
    let mut runs: Vec<CrashRun> = futures::stream::iter(1..=n)
        .map(|k| tokio::spawn(crash_after(scenario, k)))
        .buffer_unordered(4)
        .map(|joined| joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())))
        .collect()
        .await;
    runs.sort_by_key(|r| r.k);
    let killed = runs.iter().filter(|r| r.killed).count();
    println!(
        "{scenario:?}: N = {n} requests in an uninterrupted apply; killed after k = 1..={n}: {killed} runs killed, all resumed and converged in {:?}",
        started.elapsed()
    );
    for r in runs.iter().filter(|r| r.killed) {
        println!("  k={:>3}: killed after {}", r.k, r.last);
    }
    // Deployment polling makes N vary a little between runs; nearly every k must have been a real kill.
    assert!(killed + 5 >= n, "only {killed} of {n} runs were killed");
}
