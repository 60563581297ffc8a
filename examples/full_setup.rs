//! The showcase: a whole LobeHub deployment — a private Aliyun OSS bucket and RAM key, Auth0 application with
//! sign-ups disabled and invited users, Vercel project with its environment, an app host the project owns and a
//! READY deployment — from code.
//!
//! ```sh
//! cargo run --example full_setup
//! ```
//!
//! With none of the credential variables set, it runs everything against the in-process simulators (labelled as
//! such): plan, apply — the GitHub fork and the Neon database first (the Neon project gets a real PostgreSQL
//! server when PostgreSQL is installed, and the demo says so when it is not), then bucket, RAM, Auth0, Vercel and
//! the deployment — verify (with the database checks against that real PostgreSQL), then a second apply that
//! changes nothing. In the simulated cloud `lobehub.vercel.app` belongs to someone else (as it does on the real
//! Vercel), so the app is served from the fallback name `lobehub-alice.vercel.app`, which Vercel grants to the
//! project. With all of them set (VERCEL_TOKEN,
//! AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
//! DATABASE_URL) it runs against the real services with the configuration in `provision.toml` (or the file
//! named by PROVISION_CONFIG).

use provision::config::{Config, EnvSource, ProcessEnv, env_names};
use provision::engine::{Outcome, Provisioner, ProvisionerOptions};
use provision::progress::ProgressMode;
use sandbox::cloud::{CloudOptions, SimulatedCloud};
use std::time::{Duration, Instant};

const CREDENTIALS: &[&str] = &[
    env_names::VERCEL_TOKEN,
    env_names::AUTH0_CLIENT_ID,
    env_names::AUTH0_CLIENT_SECRET,
    env_names::ALIYUN_ACCESS_KEY_ID,
    env_names::ALIYUN_ACCESS_KEY_SECRET,
    env_names::DATABASE_URL,
];

const DEMO_CONFIG: &str = r#"
profile = "current"

[vercel]
project = "lobehub"
git_repository = "alice/lobehub"

[auth0]
domain = "alice.eu.auth0.com"
application_name = "LobeHub"
trusted_users = ["alice@example.com", "bob@example.com"]

[aliyun]
region = "cn-hangzhou"
bucket = "alice-lobehub-files"
ram_user = "lobehub-oss"
policy = "least-privilege"

# The default: Block Public Access on, private ACL, S3_SET_ACL=0, files served by presigned GET.
access = "private"

[app]
# No custom domain: the first of <project>.vercel.app and these names that Vercel grants the project.
vercel_app_fallbacks = ["lobehub-alice"]

# The guide's first two steps: fork lobehub/lobehub (its Upstream Sync workflow disabled) and a Neon database.
[github]

[database]
provider = "neon"
neon_region = "aws-ap-southeast-1"
"#;

fn print_outcome(title: &str, outcome: &Outcome) {
    println!("\n== {title}\n{}", outcome.plan.render_text());
    for (email, link) in &outcome.invites {
        println!("Invite link for {email}: {}", link.expose());
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    provision::logging::init(tracing::level_filters::LevelFilter::ERROR);
    let set: Vec<&str> = CREDENTIALS.iter().copied().filter(|k| ProcessEnv.get(k).is_some()).collect();
    if set.is_empty() {
        simulated().await
    } else if set.len() == CREDENTIALS.len() {
        real().await
    } else {
        let missing: Vec<&str> = CREDENTIALS.iter().copied().filter(|k| !set.contains(k)).collect();
        Err(format!(
            "some credentials are set ({}) but not all: also set {} — or unset them all for the offline demo",
            set.join(", "),
            missing.join(", ")
        )
        .into())
    }
}

async fn simulated() -> Result<(), Box<dyn std::error::Error>> {
    println!("No credentials in the environment: running against the IN-PROCESS SIMULATORS of Aliyun OSS + RAM,");
    println!("Auth0 and Vercel (nothing leaves this machine). Set the documented credentials to run for real.\n");
    let cloud = SimulatedCloud::start(CloudOptions {
        build_duration: Duration::from_millis(500),
        // As on the real Vercel: `lobehub.vercel.app` is another project's.
        vercel_taken_names: vec!["lobehub".into()],
        ..Default::default()
    })
    .await?;
    // The GitHub user is alice (the Vercel GitHub App is installed on her account).
    cloud.github.set_user("alice");
    if cloud.neon.postgres_available() {
        println!("PostgreSQL is installed: the simulated Neon project gets a REAL PostgreSQL server on a loopback");
        println!("port (temporary data directory), and verify's database checks connect to it.\n");
    } else {
        println!("!! PostgreSQL is NOT installed (no initdb/pg_ctl found): the simulated Neon project has no real");
        println!("!! server, so verify's database checks will fail. Install it (`apt-get install -y postgresql`).\n");
    }
    let dir = tempfile::tempdir()?;
    let text = format!(
        "state_file = \"{}\"\n{DEMO_CONFIG}\n{}",
        dir.path().join("state.json").display(),
        cloud.endpoints_toml()
    );
    let mut env = cloud.credentials_env();
    env.remove(env_names::DATABASE_URL); // the Neon step makes it
    let config = Config::from_toml(&text, &env)?;
    let options = ProvisionerOptions {
        progress: ProgressMode::Lines,
        deploy: provision::steps::vercel::DeployOptions {
            poll_interval: Duration::from_millis(100),
            ..Default::default()
        },
        ..Default::default()
    };
    let p = Provisioner::new(config, options)?;

    print_outcome("plan (simulated cloud, nothing changed yet)", &p.plan().await?);

    let started = Instant::now();
    let applied = p.apply().await?;
    print_outcome(
        &format!("apply (simulated cloud) — {} requests in {:.2?}", cloud.log.len(), started.elapsed()),
        &applied,
    );

    println!(
        "\n== builds: {} (lobehub.vercel.app is taken; APP_URL = {})",
        cloud.vercel.deployments("lobehub").len(),
        applied.app_url
    );
    if let Some(bucket) = cloud.oss.bucket("alice-lobehub-files") {
        println!(
            "== bucket alice-lobehub-files: ACL {}, Block Public Access {}",
            bucket.acl,
            if bucket.block_public_access { "on" } else { "off" }
        );
    }

    println!("\n== resulting LobeHub environment (production only; secrets masked)");
    print!("{}", Provisioner::masked_env(&applied));

    let report = provision::verify::verify(&p).await?;
    println!("\n== verify (simulated cloud)\n{}", report.render_text());

    cloud.log.clear();
    let again = p.apply().await?;
    println!(
        "== second apply (simulated cloud): {} changes, {} mutating requests",
        if again.plan.has_changes() { "some" } else { "no" },
        cloud.log.mutating().len()
    );
    if !report.passed() {
        let only_database = report.checks.iter().all(|c| c.passed || c.not_run || c.name.starts_with("database:"));
        if only_database && !cloud.neon.postgres_available() {
            println!("!! the database checks failed because PostgreSQL is not installed (see above)");
            return Ok(());
        }
        return Err("verify failed against the simulators".into());
    }
    Ok(())
}

async fn real() -> Result<(), Box<dyn std::error::Error>> {
    let path = ProcessEnv.get("PROVISION_CONFIG").unwrap_or_else(|| "provision.toml".into());
    println!("Credentials found: running against the REAL services with {path}.\n");
    let config = Config::load(std::path::Path::new(&path))?;
    let p = Provisioner::new(config, ProvisionerOptions { progress: ProgressMode::detect(), ..Default::default() })?;
    print_outcome("plan", &p.plan().await?);
    let applied = p.apply().await?;
    print_outcome("apply", &applied);
    println!("\n== resulting LobeHub environment (secrets masked)");
    print!("{}", Provisioner::masked_env(&applied));
    let report = provision::verify::verify(&p).await?;
    println!("\n== verify\n{}", report.render_text());
    if !report.passed() {
        return Err("verify found problems (see the table)".into());
    }
    Ok(())
}
