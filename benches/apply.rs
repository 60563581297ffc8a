//! A full `apply` against the four simulators with a fixed latency on every request, measured four ways:
//! a fresh apply (the engine's concurrent dependency graph), the same fresh apply with every step run one after
//! another (`ProvisionerOptions.sequential`), a converged apply (read-only), and a fresh apply whose `JWKS_KEY`
//! is already in the state file (what generating the RSA key off the critical path would give).
//!
//! `APPLY_BENCH_TIMELINE=1` also prints every request of the instrumented runs with its completion time.
//!
//! Before the timed runs, one instrumented run of each prints the request counts, the requests of each chain of
//! the engine's dependency graph, the critical-path lower bound derived from them (the engine's own chains: it
//! measures scheduling slack only), and beside it the bound of the dependency graph of the API calls
//! (`lobehub_deploy_benches::FRESH` / `CONVERGED`: which request needs which answer, independently of the engine)
//! with the requests the engine sent beyond that graph (see BENCHMARKS.md for both derivations).
//!
//! Run with `cargo bench -p lobehub-deploy-benches --bench apply` (or `cargo bench --bench apply` from
//! `benches/`); `APPLY_BENCH_LATENCY_MS`, `APPLY_BENCH_BUILD_MS` and
//! `APPLY_BENCH_POLL_MS` override the latency (50), the build duration (250) and the first deployment poll
//! interval (25).

#[path = "../tests/common.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use provision::engine::{Provisioner, ProvisionerOptions};
use provision::state::StoredSecret;
use provision::steps::vercel::DeployOptions;
use sandbox::Faults;
use sandbox::cloud::{CloudOptions, SimulatedCloud};
use sandbox::server::LoggedRequest;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_ms(name: &str, default: u64) -> Duration {
    Duration::from_millis(std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}

#[derive(Clone, Copy)]
struct Params {
    latency: Duration,
    build: Duration,
    poll: Duration,
}

impl Params {
    fn from_env() -> Self {
        Self {
            latency: env_ms("APPLY_BENCH_LATENCY_MS", 50),
            build: env_ms("APPLY_BENCH_BUILD_MS", 250),
            poll: env_ms("APPLY_BENCH_POLL_MS", 25),
        }
    }
}

/// A started cloud with latency on every server, a state directory, and a provisioner pointed at it.
struct Setup {
    cloud: SimulatedCloud,
    _dir: tempfile::TempDir,
    provisioner: Provisioner,
}

async fn setup(p: Params, sequential: bool) -> Setup {
    setup_with(p, sequential, None).await
}

/// [`setup`], with `JWKS_KEY` already in the state file when `jwks` is given (as if it had been generated while
/// the first phase's requests were in flight instead of after them).
async fn setup_with(p: Params, sequential: bool, jwks: Option<&SecretString>) -> Setup {
    setup_full(p, sequential, jwks, false).await
}

/// [`setup_with`]; with `taken`, `lobehub.vercel.app` belongs to another project and the configuration names the
/// fallback `lobehub-alice` (the app host is then claimed by adding that name to the project).
async fn setup_full(p: Params, sequential: bool, jwks: Option<&SecretString>, taken: bool) -> Setup {
    let taken_names = if taken { vec!["lobehub".to_string()] } else { Vec::new() };
    let cloud = SimulatedCloud::start(CloudOptions {
        build_duration: p.build,
        vercel_taken_names: taken_names,
        ..Default::default()
    })
    .await
    .expect("simulators start");
    cloud.set_faults(Faults::none().with_latency(p.latency));
    let dir = tempfile::tempdir().expect("temp dir");
    let extra = if taken { "[app]\nvercel_app_fallbacks = [\"lobehub-alice\"]" } else { "" };
    let text = common::config_text(&cloud, &dir.path().join("state.json"), extra);
    let config = provision::config::Config::from_toml(&text, &cloud.credentials_env()).expect("valid config");
    let options = ProvisionerOptions {
        deploy: DeployOptions { poll_interval: p.poll, timeout: Duration::from_secs(60), ..DeployOptions::default() },
        sequential,
        ..common::fast_options()
    };
    let provisioner = Provisioner::new(config, options).expect("provisioner");
    if let Some(key) = jwks {
        provisioner
            .state()
            .update(|s| s.generated.insert("JWKS_KEY".to_string(), StoredSecret(key.clone())))
            .expect("state update");
    }
    Setup { cloud, _dir: dir, provisioner }
}

/// The chain of the engine's dependency graph a logged request belongs to. The engine runs
/// `bucket ∥ ((ram_user ∥ project) → host → (auth0 ∥ key))`, then `cors → probe → env → deploy → retire`; every
/// request inside one of these steps waits for the previous one (`host`: the app host confirmed among the
/// project's domains before anything names it).
fn chain_of(e: &LoggedRequest, first_key_seq: Option<usize>, first_deploy_seq: Option<usize>) -> &'static str {
    match e.service {
        "oss" if e.query.split('&').any(|q| q == "cors" || q.starts_with("cors=")) => "cors",
        "oss" if e.path.contains(".provision-probe") => "probe",
        "oss" => "bucket",
        "auth0" if e.path.starts_with("/api/v2/users") || e.path.starts_with("/api/v2/tickets") => "auth0_users",
        "auth0" => "auth0",
        "ram" => match e.action.as_str() {
            "CreateAccessKey" => "key",
            "DeleteAccessKey" if first_deploy_seq.is_some_and(|d| e.seq > d) => "retire",
            "DeleteAccessKey" => "key",
            _ => "ram_user",
        },
        _ if e.path.contains("/deployments") => "deploy",
        _ if e.path.contains("/domains") => "host",
        _ if first_key_seq.is_some_and(|k| e.seq > k) => "env",
        _ => "project",
    }
}

/// The operation of a logged request, named as the graph of `lobehub_deploy_benches` names it: `ram <Action>`,
/// `oss <S3-style operation>`, and `<service> <METHOD> <path>` with ids replaced by `{id}` for the REST services.
fn operation_of(e: &LoggedRequest) -> String {
    match e.service {
        "ram" => format!("ram {}", e.action),
        "oss" => {
            let has = |q: &str| e.query.split('&').any(|p| p == q || p.starts_with(&format!("{q}=")));
            let op = match (e.method.as_str(), e.path.as_str()) {
                ("GET", _) if has("bucketInfo") => "GetBucketInfo",
                ("GET", _) if has("cors") => "GetBucketCors",
                ("PUT", _) if has("cors") => "PutBucketCors",
                ("GET", _) if has("acl") => "GetBucketAcl",
                ("PUT", _) if has("acl") => "PutBucketAcl",
                ("GET", _) if has("publicAccessBlock") => "GetBucketPublicAccessBlock",
                ("PUT", _) if has("publicAccessBlock") => "PutBucketPublicAccessBlock",
                ("GET", p) if p.contains(".provision-probe") => "GetObject",
                ("PUT", _) if e.query.is_empty() => "PutBucket",
                (m, _) => return format!("oss {m} {}", e.path),
            };
            format!("oss {op}")
        }
        service => {
            const ID_AFTER: [&str; 7] =
                ["projects", "deployments", "clients", "connections", "users", "domains", "env"];
            let mut out = Vec::new();
            let mut previous = "";
            for segment in e.path.split('/').filter(|s| !s.is_empty()) {
                let word = segment.chars().all(|c| c.is_ascii_lowercase() || c == '-') && segment != "lobehub";
                let is_known = matches!(
                    segment,
                    "connections" | "clients" | "domains" | "env" | "users" | "password-change" | "users-by-email"
                );
                if ID_AFTER.contains(&previous) && !(word && is_known) {
                    out.push("{id}");
                } else {
                    out.push(segment);
                }
                previous = segment;
            }
            format!("{service} {} /{}", e.method, out.join("/"))
        }
    }
}

/// Prints the bound of the dependency graph of the API calls beside the run, and what the engine sent beyond it.
fn report_graph(graph: &[lobehub_deploy_benches::Call], entries: &[LoggedRequest], wall: Duration, p: Params) {
    let gp = lobehub_deploy_benches::Params { latency: p.latency, build: p.build };
    let (bound, path) = lobehub_deploy_benches::longest_path(graph, gp);
    let ops: Vec<String> = entries.iter().map(operation_of).collect();
    let c = lobehub_deploy_benches::compare(graph, &ops);
    println!(
        "   API-call graph: {} requests needed, bound {:.0} ms = {}; wall / graph bound = {:.2}",
        graph.len(),
        bound.as_secs_f64() * 1e3,
        path.join(" → "),
        wall.as_secs_f64() / bound.as_secs_f64()
    );
    println!(
        "   requests beyond the graph: {} {:?}; deployment polls before READY: {}",
        c.beyond_count(),
        c.beyond,
        c.extra_polls
    );
    if !c.missing.is_empty() {
        println!("   graph requests this run did not send (the graph does not describe it): {:?}", c.missing);
    }
}

/// Request counts per chain (a fresh apply: the access key is created, so the key request splits the Vercel
/// requests of the project chain from those of the environment sync).
fn chains(entries: &[LoggedRequest]) -> BTreeMap<&'static str, usize> {
    let first_key = entries.iter().find(|e| e.action == "CreateAccessKey").map(|e| e.seq);
    let first_deploy = entries.iter().find(|e| e.path.contains("/deployments")).map(|e| e.seq);
    let mut out: BTreeMap<&'static str, usize> = [
        "bucket",
        "auth0",
        "auth0_users",
        "ram_user",
        "project",
        "host",
        "key",
        "cors",
        "probe",
        "env",
        "deploy",
        "retire",
    ]
    .iter()
    .map(|c| (*c, 0))
    .collect();
    for e in entries {
        *out.entry(chain_of(e, first_key, first_deploy)).or_default() += 1;
    }
    out
}

/// The trusted users of the benchmark's configuration (`tests/common.rs`): the Auth0 step handles them
/// concurrently, each with the same requests (lookup, create, invite link).
const TRUSTED_USERS: u32 = 2;

/// The critical-path lower bound of the engine's graph: every request costs at least the latency; a deployment
/// cannot be seen READY before `build` has passed since the create request was handled, and seeing it takes one
/// more request. Returns (bound, the longest of the three concurrent chains as a label).
fn critical_path(c: &BTreeMap<&'static str, usize>, p: Params) -> (Duration, String) {
    let l = p.latency;
    let count = |k: &str| c.get(k).copied().unwrap_or(0) as u32;
    // The Auth0 chain: its own requests one after another, then the users side by side.
    let n = |k: &str| match k {
        "auth0" => count("auth0") + count("auth0_users").div_ceil(TRUSTED_USERS),
        _ => count(k),
    };
    let main = n("ram_user").max(n("project")) + n("host") + n("auth0").max(n("key"));
    let phase1 = n("bucket").max(main);
    let label = if phase1 == main {
        format!(
            "{}+host+{}",
            if n("ram_user") >= n("project") { "ram_user" } else { "project" },
            if n("auth0") >= n("key") { "auth0" } else { "key" }
        )
    } else {
        "bucket".to_string()
    };
    let deploy = if n("deploy") > 0 { l + p.build.max(l) } else { Duration::ZERO };
    let after = n("cors") + n("probe") + n("env");
    let bound = l * (phase1 + after) + deploy + l * n("retire");
    let path = format!(
        "{label} ({phase1}) + cors, probe, env ({after}) + deploy (create, then ≥ build {} ms, then one GET) + retire ({})",
        p.build.as_millis(),
        n("retire")
    );
    (bound, path)
}

/// Samples the request log every millisecond; returns, for each log length reached, when it was first seen
/// (the completion times of the requests, to ±1 ms).
fn sample_log(cloud: &SimulatedCloud, start: Instant) -> (Arc<Mutex<Vec<Duration>>>, tokio::task::JoinHandle<()>) {
    let times = Arc::new(Mutex::new(Vec::new()));
    let log = cloud.log.clone();
    let out = times.clone();
    let handle = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let len = log.len();
            let mut t = out.lock().unwrap_or_else(|e| e.into_inner());
            while t.len() < len {
                t.push(start.elapsed());
            }
        }
    });
    (times, handle)
}

/// The longest chain of requests that waited for one another in this run, from the completion times: a request
/// completed at `t` was sent at about `t - latency`, so it depends on every request completed before then.
fn measured_depth(times: &[Duration], latency: Duration) -> usize {
    let slack = Duration::from_millis(3);
    let mut depth: Vec<usize> = Vec::with_capacity(times.len());
    for (i, t) in times.iter().enumerate() {
        let sent = t.saturating_sub(latency) + slack;
        let before = (0..i).filter(|&j| times[j] <= sent).map(|j| depth[j]).max().unwrap_or(0);
        depth.push(before + 1);
    }
    depth.into_iter().max().unwrap_or(0)
}

/// One instrumented run: prints what the run did and where the time went.
async fn report(name: &str, p: Params, sequential: bool, converged: bool, jwks: Option<&SecretString>, taken: bool) {
    let s = setup_full(p, sequential, jwks, taken).await;
    if converged {
        s.provisioner.apply().await.expect("first apply");
        s.cloud.log.clear();
    }
    let start = Instant::now();
    let (times, sampler) = sample_log(&s.cloud, start);
    let outcome = s.provisioner.apply().await.expect("apply");
    let wall = start.elapsed();
    tokio::time::sleep(Duration::from_millis(3)).await;
    sampler.abort();
    let entries = s.cloud.log.entries();
    let writes = s.cloud.log.mutating().len();
    let c = chains(&entries);
    let (bound, path) = critical_path(&c, p);
    let builds = s.cloud.vercel.deployments("lobehub").len();
    println!(
        "\n== {name}: {} requests ({writes} mutating), wall {:.0} ms, builds {builds} (app host {})",
        entries.len(),
        wall.as_secs_f64() * 1e3,
        outcome.app_url
    );
    if !converged {
        assert_eq!(builds, 1, "a fresh apply with no custom domain builds exactly once");
    }
    let per_service: BTreeMap<&str, usize> = entries.iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.service).or_default() += 1;
        m
    });
    println!("   per service: {per_service:?}");
    let times = times.lock().unwrap_or_else(|e| e.into_inner()).clone();
    println!(
        "   longest chain of requests that waited for one another (from the completion times): {}",
        measured_depth(&times, p.latency)
    );
    if !converged {
        println!("   per chain:   {c:?}");
        println!(
            "   engine-chain bound (from the log) {:.0} ms = {path}; wall / bound = {:.2}",
            bound.as_secs_f64() * 1e3,
            wall.as_secs_f64() / bound.as_secs_f64()
        );
        if !taken {
            report_graph(lobehub_deploy_benches::FRESH, &entries, wall, p);
        }
    } else {
        println!("   plan has changes: {}", outcome.plan.has_changes());
        report_graph(lobehub_deploy_benches::CONVERGED, &entries, wall, p);
    }
    if std::env::var_os("APPLY_BENCH_TIMELINE").is_some() {
        let first_key = entries.iter().find(|e| e.action == "CreateAccessKey").map(|e| e.seq);
        let first_deploy = entries.iter().find(|e| e.path.contains("/deployments")).map(|e| e.seq);
        for (i, e) in entries.iter().enumerate() {
            let at = times.get(i).map(|t| t.as_millis()).unwrap_or_default();
            println!(
                "   {at:>5} ms  #{:<3} {:<8} {:<6} {:<7} {} {}  [{}]",
                e.seq,
                chain_of(e, first_key, first_deploy),
                e.service,
                e.method,
                if e.action.is_empty() { e.path.as_str() } else { e.action.as_str() },
                e.status.map(|s| s.to_string()).unwrap_or_default(),
                operation_of(e)
            );
        }
    }
}

fn bench(c: &mut Criterion) {
    let p = Params::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!(
        "latency {} ms per request, build {} ms, first poll interval {} ms",
        p.latency.as_millis(),
        p.build.as_millis(),
        p.poll.as_millis()
    );
    // The one CPU-heavy local step of a fresh apply: the RSA-2048 key of JWKS_KEY, generated between the first
    // phase and the environment sync.
    let mut keygen: Vec<Duration> = (0..7)
        .map(|_| {
            let start = Instant::now();
            let _ = std::hint::black_box(provision::secrets::generate_jwks_key());
            start.elapsed()
        })
        .collect();
    keygen.sort();
    println!(
        "JWKS_KEY (RSA-2048) generation: median {:.0} ms, min {:.0} ms, max {:.0} ms (7 runs)",
        keygen[3].as_secs_f64() * 1e3,
        keygen[0].as_secs_f64() * 1e3,
        keygen[6].as_secs_f64() * 1e3
    );
    let jwks = provision::secrets::generate_jwks_key().expect("JWKS key");
    rt.block_on(async {
        report("fresh apply (concurrent graph)", p, false, false, None, false).await;
        report("fresh apply (sequential)", p, true, false, None, false).await;
        report("converged apply", p, false, true, None, false).await;
        report("fresh apply (concurrent graph), JWKS_KEY generated beforehand", p, false, false, Some(&jwks), false)
            .await;
        report("fresh apply, lobehub.vercel.app taken (fallback claimed)", p, false, false, None, true).await;
    });

    let mut group = c.benchmark_group("apply");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(15));
    for (name, sequential) in [("fresh (concurrent)", false), ("fresh (sequential)", true)] {
        group.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let s = setup(p, sequential).await;
                    let start = Instant::now();
                    s.provisioner.apply().await.expect("fresh apply");
                    total += start.elapsed();
                }
                total
            })
        });
    }
    let jwks = &jwks;
    group.bench_function("fresh (concurrent, JWKS_KEY generated beforehand)", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let s = setup_with(p, false, Some(jwks)).await;
                let start = Instant::now();
                s.provisioner.apply().await.expect("fresh apply");
                total += start.elapsed();
            }
            total
        })
    });
    let converged = rt.block_on(async {
        let s = setup(p, false).await;
        s.provisioner.apply().await.expect("first apply");
        s
    });
    group.bench_function("converged", |b| {
        b.to_async(&rt).iter(|| async { converged.provisioner.apply().await.expect("converged apply") })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
