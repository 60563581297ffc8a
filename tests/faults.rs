//! Fault injection: the full apply against the simulators with 20 % of requests failing (500, 503, throttling
//! with `Retry-After`, connection resets, stalls past the client timeout), for many seeds. Every run must end in
//! exactly the desired deployment, the generated secrets never change across retries, and a second apply without
//! faults sends no mutating request.
//!
//! One apply must converge: a create whose outcome is unknown is looked up and, when absent, tried again within
//! the run, so a transient fault never fails it. The 50-seed suites allow exactly one apply per step; the long
//! soak allows re-runs with a fresh provisioner on the same state file (as a user would) and counts them. Run
//! with `--nocapture` to see the per-seed figures.
//!
//! The long variant (`cargo test --test faults -- --ignored --nocapture`) runs 200 seeds and adds lost responses
//! (processed, then the connection dropped) to the mix.

mod common;

use common::{Fixture, GENERATED, convergence_problems, faulty_options};
use sandbox::{FaultKind, FaultMix, Faults};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The client timeout under faults, and the stall that exceeds it.
const TIMEOUT: Duration = Duration::from_millis(250);
const STALL: Duration = Duration::from_millis(400);
/// Applies allowed per step: one (single-run convergence).
const SINGLE_RUN: usize = 1;
/// For the soak: a user gives up after this many applies; reaching it fails the test.
const MAX_APPLIES: usize = 8;

/// What one seed's run looked like.
#[derive(Debug, Default)]
struct SeedRun {
    seed: u64,
    /// Runs of apply (and set-domain), failed ones included.
    applies: usize,
    /// Runs that failed outright and were run again.
    failed: usize,
    requests: usize,
    faults: BTreeMap<String, usize>,
    elapsed: Duration,
    first_error: Option<String>,
}

fn mix(response_lost: u32) -> FaultMix {
    FaultMix { internal_error: 1, service_unavailable: 1, throttled: 1, connection_reset: 1, stall: 1, response_lost }
}

/// The generated secrets as the state file and Vercel hold them: name → (state copy, Vercel value).
fn secrets_seen(fx: &Fixture) -> BTreeMap<&'static str, (Option<String>, Option<String>)> {
    let state = fx.state_on_disk();
    let env = fx.cloud.vercel.env("lobehub");
    GENERATED
        .into_iter()
        .map(|name| {
            let held = state.generated.get(name).map(|s| s.expose().to_string());
            let live = env.iter().find(|v| v.key == name).map(|v| v.value.clone());
            (name, (held, live))
        })
        .collect()
}

/// Applies under faults until an apply succeeds (at most [`MAX_APPLIES`] runs), then, with `domain`, runs
/// `set-domain` the same way; then checks the end state, the stability of the generated secrets and that a
/// fault-free apply writes nothing.
async fn converge_under_faults(seed: u64, mix: FaultMix, domain: Option<&'static str>, max_applies: usize) -> SeedRun {
    let started = Instant::now();
    let fx = Fixture::new("").await;
    fx.cloud.set_faults(
        Faults::none()
            .with_failure_rate(0.2)
            .with_mix(mix)
            .with_stall(STALL)
            .with_throttle_retry_after(Duration::from_millis(10))
            .with_seed(seed),
    );
    let mut run = SeedRun { seed, ..SeedRun::default() };
    // The first value of each generated secret, wherever it was first seen; it must never change afterwards.
    let mut first: BTreeMap<&'static str, String> = BTreeMap::new();
    let steps: &[Option<&str>] = if domain.is_some() { &[None, domain] } else { &[None] };
    for step in steps {
        let mut runs = 0;
        loop {
            run.applies += 1;
            runs += 1;
            // A fresh provisioner each time: a re-run is a new process reading the state file.
            let provisioner = fx.provisioner_with(faulty_options(TIMEOUT));
            let result = match step {
                None => provisioner.apply().await,
                Some(d) => provisioner.set_domain(d).await,
            };
            drop(provisioner);
            if result.is_err() {
                // Let stalled requests of the failed run land before looking (and before the user re-runs): the
                // simulators say when they are done (no fixed sleep).
                fx.cloud.log.wait_idle().await;
            }
            for (name, (held, live)) in secrets_seen(&fx) {
                for value in [held, live].into_iter().flatten() {
                    let was = first.entry(name).or_insert_with(|| value.clone());
                    assert_eq!(*was, value, "seed {seed}: {name} changed during run {}", run.applies);
                }
            }
            match result {
                Ok(outcome) => {
                    assert!(outcome.deployment_id.is_some(), "seed {seed}: no deployment");
                    break;
                }
                Err(e) => {
                    run.failed += 1;
                    run.first_error.get_or_insert_with(|| e.to_string());
                    assert!(runs < max_applies, "seed {seed}: {step:?} failed {runs} time(s), last: {e}");
                }
            }
        }
    }
    let entries = fx.cloud.log.entries();
    run.requests = entries.len();
    for e in &entries {
        if let Some(kind) = e.fault {
            *run.faults.entry(format!("{kind:?}")).or_default() += 1;
        }
    }
    assert!(!run.faults.is_empty(), "seed {seed}: no fault was injected");

    fx.cloud.set_faults(Faults::none());
    // Stalled requests the client gave up on still land; the state must be right after they did.
    fx.cloud.log.wait_idle().await;
    let problems = convergence_problems(&fx);
    assert!(problems.is_empty(), "seed {seed}: not converged after {} applies: {problems:#?}", run.applies);
    let live = common::live_deployment_problems(&fx);
    assert!(live.is_empty(), "seed {seed}: the live deployment is not built from the desired environment: {live:#?}");
    for name in GENERATED {
        let now = fx.state_on_disk().generated.get(name).map(|s| s.expose().to_string());
        assert_eq!(now.as_ref(), first.get(name), "seed {seed}: {name} is not the first value generated");
    }

    fx.cloud.log.clear();
    let second = fx.provisioner().apply().await;
    let second = second.unwrap_or_else(|e| panic!("seed {seed}: fault-free apply failed: {e}"));
    assert!(!second.plan.has_changes(), "seed {seed}: {}", second.plan.render_text());
    let writes = fx.cloud.log.mutating();
    assert!(writes.is_empty(), "seed {seed}: the fault-free apply wrote: {writes:#?}");
    assert!(convergence_problems(&fx).is_empty());
    if let Some(d) = domain {
        let app_url = fx.cloud.vercel.env("lobehub").into_iter().find(|v| v.key == "APP_URL").map(|v| v.value);
        assert_eq!(app_url, Some(format!("https://{d}")), "seed {seed}");
        assert!(fx.cloud.vercel.domains("lobehub").iter().any(|(name, _)| name == d), "seed {seed}: no domain");
    }
    run.elapsed = started.elapsed();
    run
}

fn report(runs: &[SeedRun]) {
    let reruns: Vec<&SeedRun> = runs.iter().filter(|r| r.failed > 0).collect();
    let mut faults: BTreeMap<String, usize> = BTreeMap::new();
    for r in runs {
        for (k, n) in &r.faults {
            *faults.entry(k.clone()).or_default() += n;
        }
    }
    let requests: usize = runs.iter().map(|r| r.requests).sum();
    let slowest = runs.iter().map(|r| r.elapsed).max().unwrap_or_default();
    println!(
        "{} seeds: {} requests, faults injected {faults:?}; {} seeds had a run fail outright and re-ran it ({} failed runs, at most {} in one seed); slowest seed {slowest:?}",
        runs.len(),
        requests,
        reruns.len(),
        reruns.iter().map(|r| r.failed).sum::<usize>(),
        runs.iter().map(|r| r.failed).max().unwrap_or(0),
    );
    for r in &reruns {
        println!(
            "  seed {}: {} of {} runs failed, first failure: {}",
            r.seed,
            r.failed,
            r.applies,
            r.first_error.as_deref().unwrap_or("").lines().next().unwrap_or("")
        );
    }
}

/// Runs `seeds` with up to `parallel` seeds at a time (each has its own simulated cloud).
async fn run_seeds(
    seeds: std::ops::Range<u64>,
    mix: FaultMix,
    parallel: usize,
    domain: Option<&'static str>,
    max_applies: usize,
) -> Vec<SeedRun> {
    use futures::StreamExt;
    let mut runs: Vec<SeedRun> = futures::stream::iter(seeds)
        .map(|seed| tokio::spawn(converge_under_faults(seed, mix, domain, max_applies)))
        .buffer_unordered(parallel)
        .map(|joined| joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())))
        .collect()
        .await;
    runs.sort_by_key(|r| r.seed);
    runs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_seeds_converge_under_twenty_percent_faults() {
    let runs = run_seeds(0..50, mix(0), 4, None, SINGLE_RUN).await;
    report(&runs);
    assert_eq!(runs.len(), 50);
    assert!(runs.iter().all(|r| r.applies == 1 && r.failed == 0), "every seed converges in one apply");
    // Every kind of the mix was exercised somewhere.
    for kind in [
        FaultKind::InternalError,
        FaultKind::ServiceUnavailable,
        FaultKind::Throttled,
        FaultKind::ConnectionReset,
        FaultKind::Stall,
    ] {
        let name = format!("{kind:?}");
        assert!(runs.iter().any(|r| r.faults.contains_key(&name)), "{name} never injected");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_responses_converge_too() {
    let runs = run_seeds(1000..1010, mix(2), 4, None, SINGLE_RUN).await;
    report(&runs);
    assert!(runs.iter().any(|r| r.faults.contains_key("ResponseLost")), "no lost response injected");
}

/// `apply`, then `set-domain`, both under faults, each converging in one run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_domain_under_faults_converges() {
    let runs = run_seeds(2000..2012, mix(1), 4, Some("chat.example.com"), SINGLE_RUN).await;
    report(&runs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: 200 seeds with lost responses; run with `cargo test --test faults -- --ignored --nocapture`"]
async fn two_hundred_seeds_with_lost_responses() {
    let runs = run_seeds(5000..5200, mix(1), 4, None, MAX_APPLIES).await;
    report(&runs);
    let reruns = runs.iter().filter(|r| r.failed > 0).count();
    println!("{} of {} seeds converged in a single apply", runs.len() - reruns, runs.len());
}
