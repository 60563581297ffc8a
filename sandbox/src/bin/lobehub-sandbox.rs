//! `lobehub-sandbox`: the simulators (Aliyun OSS and RAM, Auth0, Vercel, GitHub, Neon) as one local server that anything
//! can be pointed at — the official SDKs, Terraform providers, your own code, or the workspace's conformance
//! suite (`conformance/run`).
//!
//! ```text
//! $ cargo run -p sandbox --bin lobehub-sandbox -- serve
//! SANDBOX_OSS_ENDPOINT=http://127.0.0.1:40211
//! SANDBOX_OSS_PORT=40211
//! …
//! SANDBOX_VERCEL_TEAM_ID=team_sim…
//!
//! ```
//!
//! `serve` prints one `KEY=VALUE` line per variable (or, with `--json`, one JSON object with the same keys),
//! then a blank line, then serves until Ctrl-C (SIGINT) or SIGTERM, after which it stops the servers and exits 0.
//! The variables and flags are those of `conformance-contract.md`: `--region`, `--port-base`, `--fault-rate`,
//! `--latency-ms`, `--seed`, and the account-scenario flags of each simulator. Every credential printed is a
//! simulated one, valid only against this process.
//!
//! Exit codes: 0 after a clean stop, 1 when a server cannot start (e.g. a `--port-base` port is taken) or the
//! output cannot be written, 2 for invalid flags (clap's usage error).

use clap::{Args, Parser, Subcommand};
use sandbox::Faults;
use sandbox::cloud::{CloudOptions, SimulatedCloud};
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

/// Simulators of Aliyun OSS + RAM, Auth0 and Vercel on loopback ports.
#[derive(Debug, Parser)]
#[command(name = "lobehub-sandbox", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the four simulators, print their endpoints and simulated credentials, serve until Ctrl-C / SIGTERM.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Print one JSON object instead of `KEY=VALUE` lines.
    #[arg(long)]
    json: bool,
    /// Fixed ports: OSS on N, RAM on N+1, Auth0 on N+2, Vercel on N+3, GitHub on N+4, Neon on N+5 (default: free
    /// ports chosen by the OS).
    #[arg(long, value_name = "N")]
    port_base: Option<u16>,
    /// The OSS region id (`oss-<region>.aliyuncs.com`).
    #[arg(long, value_name = "REGION", default_value = "cn-hangzhou", value_parser = parse_region)]
    region: String,
    /// Probability in [0, 1] that a request gets an injected fault (500, 503, throttling, reset or stall).
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_rate)]
    fault_rate: f64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// Seed of the fault generator (the same seed draws the same faults for the same request sequence).
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// How long a Vercel deployment takes to build, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 300)]
    build_ms: u64,
    // ---- Account-scenario flags of the simulators (contract: `--oss-allow-v1`, `--aliyun-new-account`,
    // ---- `--vercel-taken-name NAME`). Each helper adds its flag here and maps it in `ServeArgs::options`.
    /// OSS accepts V1 signatures (an account created before 2025-03-01).
    #[arg(long)]
    oss_allow_v1: bool,
    /// The Aliyun account activated OSS after 2025-03-20: data calls to mainland buckets through the default
    /// public endpoints answer 400 PublicEndpointForbidden.
    #[arg(long)]
    aliyun_new_account: bool,
    /// A `*.vercel.app` name held by someone outside the simulated account (`lobehub` or
    /// `lobehub.vercel.app`): a project of that name gets a suffixed production domain, and adding the host
    /// answers 409. Repeatable.
    #[arg(long = "vercel-taken-name", value_name = "NAME")]
    vercel_taken_names: Vec<String>,
}

impl ServeArgs {
    /// The [`CloudOptions`] these flags ask for.
    // `..default()` keeps fields without a flag (added by other simulators) at their defaults.
    #[allow(clippy::needless_update)]
    fn options(&self) -> CloudOptions {
        CloudOptions {
            region: self.region.clone(),
            build_duration: Duration::from_millis(self.build_ms),
            port_base: self.port_base,
            // ---- account-scenario fields go here ----
            oss_allow_v1: self.oss_allow_v1,
            aliyun_new_account: self.aliyun_new_account,
            vercel_taken_names: self.vercel_taken_names.clone(),
            ..CloudOptions::default()
        }
    }

    /// The fault knobs these flags ask for.
    fn faults(&self) -> Faults {
        Faults::none()
            .with_failure_rate(self.fault_rate)
            .with_latency(Duration::from_millis(self.latency_ms))
            .with_seed(self.seed)
    }
}

/// A region id as Aliyun spells them (`cn-hangzhou`, `ap-southeast-1`): lowercase letters, digits and hyphens.
fn parse_region(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok { Ok(s.to_string()) } else { Err(format!("`{s}` is not a region id like cn-hangzhou")) }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("`{s}` is not a probability in [0, 1]")),
    }
}

/// The variables as printed: `KEY=VALUE` lines, or one JSON object; then a blank line.
fn render(env: &[(&'static str, String)], json: bool) -> String {
    if json {
        let map: serde_json::Map<String, serde_json::Value> =
            env.iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone()))).collect();
        format!("{}\n\n", serde_json::Value::Object(map))
    } else {
        let mut out: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        out.push('\n');
        out
    }
}

/// The stop signals, registered when created (a signal arriving before [`Signals::recv`] is still seen).
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Registers SIGINT and SIGTERM handlers (on Unix; elsewhere Ctrl-C is registered on first wait).
    fn register() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves on Ctrl-C (SIGINT) or SIGTERM; names the signal.
    async fn recv(&mut self) -> std::io::Result<&'static str> {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Ok("SIGINT"),
                _ = self.terminate.recv() => Ok("SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.map(|()| "Ctrl-C")
        }
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    // Signal handlers first, so a signal sent right after the output is read is never missed.
    let mut signals = match Signals::register() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lobehub-sandbox: cannot register signal handlers: {e}");
            return ExitCode::from(1);
        }
    };
    let cloud = match SimulatedCloud::start(args.options()).await {
        Ok(cloud) => cloud,
        Err(e) => {
            eprintln!("lobehub-sandbox: cannot start the simulators: {e}");
            return ExitCode::from(1);
        }
    };
    cloud.set_faults(args.faults());
    let text = render(&cloud.sandbox_env(), args.json);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        eprintln!("lobehub-sandbox: cannot write the variables: {e}");
        return ExitCode::from(1);
    }
    drop(stdout);
    eprintln!("lobehub-sandbox: serving (Ctrl-C or SIGTERM stops)");
    let code = match signals.recv().await {
        Ok(name) => {
            eprintln!("lobehub-sandbox: {name} received, stopping");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lobehub-sandbox: cannot wait for signals: {e}");
            ExitCode::from(1)
        }
    };
    drop(cloud);
    code
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lobehub-sandbox: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_map_onto_options() {
        let cli = Cli::try_parse_from([
            "lobehub-sandbox",
            "serve",
            "--json",
            "--region",
            "ap-southeast-1",
            "--fault-rate",
            "0.25",
            "--latency-ms",
            "40",
            "--seed",
            "7",
            "--port-base",
            "18000",
        ])
        .expect("valid flags");
        let Command::Serve(args) = cli.command;
        assert!(args.json);
        let options = args.options();
        assert_eq!(options.region, "ap-southeast-1");
        assert_eq!(options.port_base, Some(18000));
        let faults = args.faults();
        assert_eq!(faults.failure_rate, 0.25);
        assert_eq!(faults.latency, Duration::from_millis(40));
        assert_eq!(faults.seed, 7);
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for bad in [["--fault-rate", "1.5"], ["--region", "CN_Hangzhou"], ["--port-base", "70000"]] {
            let err = Cli::try_parse_from(["lobehub-sandbox", "serve", bad[0], bad[1]]).expect_err("refused");
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
    }

    #[test]
    fn render_lines_and_json_end_with_a_blank_line() {
        let env = vec![("SANDBOX_A", "x".to_string()), ("SANDBOX_B", "http://127.0.0.1:1".to_string())];
        assert_eq!(render(&env, false), "SANDBOX_A=x\nSANDBOX_B=http://127.0.0.1:1\n\n");
        let json = render(&env, true);
        assert!(json.ends_with("}\n\n"));
        let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
        assert_eq!(v["SANDBOX_B"], "http://127.0.0.1:1");
    }
}
