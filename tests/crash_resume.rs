//! Crash and resume: for every k from 1 to N (N = the requests of a fresh apply), the apply is killed right after
//! the simulators processed request k (the request log's trip wire fires and the apply future is dropped, like a
//! killed process: the answer to request k is never read). A fresh provisioner on the same state file then runs
//! apply again. It must converge to exactly the desired deployment, keep every secret the first run received
//! (generated secrets, the RAM key, the Auth0 application), and a third apply must send no mutating request.

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

async fn crash_after(k: usize) -> CrashRun {
    let fx = Fixture::new("").await;
    let trip = fx.cloud.log.trip_after(k);
    let killed = {
        let provisioner = fx.provisioner();
        let apply = provisioner.apply();
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
    if let Some(key) = &before.access_key {
        // The run had the key's secret: the resumed run keeps that key (no rotation), and Vercel uses it.
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

    fx.cloud.log.clear();
    let third = fx.provisioner().apply().await.unwrap_or_else(|e| panic!("k={k}: third apply failed: {e}"));
    assert!(!third.plan.has_changes(), "k={k} ({last}): {}", third.plan.render_text());
    let writes = fx.cloud.log.mutating();
    assert!(writes.is_empty(), "k={k} ({last}): the converged apply wrote: {writes:#?}");
    CrashRun { k, killed, last }
}

/// The number of requests of a fresh, uninterrupted apply.
async fn fresh_apply_requests() -> usize {
    let fx = Fixture::new("").await;
    fx.provisioner().apply().await.expect("fresh apply");
    fx.cloud.log.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_every_request_resumes_and_converges() {
    use futures::StreamExt;
    let started = Instant::now();
    let n = fresh_apply_requests().await;
    assert!(n > 20, "a fresh apply sends more than 20 requests, got {n}");
    let mut runs: Vec<CrashRun> = futures::stream::iter(1..=n)
        .map(|k| tokio::spawn(crash_after(k)))
        .buffer_unordered(4)
        .map(|joined| joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())))
        .collect()
        .await;
    runs.sort_by_key(|r| r.k);
    let killed = runs.iter().filter(|r| r.killed).count();
    println!(
        "N = {n} requests in a fresh apply; killed after k = 1..={n}: {killed} runs killed, all resumed and converged in {:?}",
        started.elapsed()
    );
    for r in runs.iter().filter(|r| r.killed) {
        println!("  k={:>3}: killed after {}", r.k, r.last);
    }
    // Deployment polling makes N vary a little between runs; nearly every k must have been a real kill.
    assert!(killed + 5 >= n, "only {killed} of {n} runs were killed");
}
