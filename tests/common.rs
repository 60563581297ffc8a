//! Shared helpers for the workspace-level tests: a simulated cloud and a provisioner pointed at it.
#![allow(dead_code)]

use provision::config::Config;
use provision::engine::{Provisioner, ProvisionerOptions};
use provision::services::ClientOptions;
use provision::steps::vercel::DeployOptions;
use sandbox::cloud::{CloudOptions, SimulatedCloud};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The configuration the tests provision, pointed at `cloud`.
pub fn config_text(cloud: &SimulatedCloud, state_file: &Path, extra: &str) -> String {
    format!(
        r#"
profile = "current"
state_file = "{state}"

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

{extra}
{endpoints}
"#,
        state = state_file.display(),
        endpoints = cloud.endpoints_toml()
    )
}

/// Options that keep tests fast: short timeouts, quick polling, fast retries.
pub fn fast_options() -> ProvisionerOptions {
    ProvisionerOptions {
        clients: ClientOptions {
            timeout: Duration::from_secs(2),
            retry: cloud_http::RetryPolicy::default()
                .with_min_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(100))
                .with_max_retries(8)
                .with_max_elapsed(Duration::from_secs(30)),
            auth0_rate_limit: false,
        },
        deploy: DeployOptions {
            poll_interval: Duration::from_millis(20),
            timeout: Duration::from_secs(30),
            ..DeployOptions::default()
        },
        ..ProvisionerOptions::default()
    }
}

/// A started cloud, a temporary directory for the state file, and the parsed configuration.
pub struct Fixture {
    pub cloud: SimulatedCloud,
    pub dir: tempfile::TempDir,
    pub config: Config,
}

impl Fixture {
    pub async fn new(extra: &str) -> Self {
        Self::with_options(CloudOptions::default(), extra).await
    }

    /// A fixture on a cloud started with `options` (its build duration is shortened for tests).
    pub async fn with_options(options: CloudOptions, extra: &str) -> Self {
        let cloud = SimulatedCloud::start(CloudOptions { build_duration: Duration::from_millis(60), ..options })
            .await
            .expect("simulators start");
        let dir = tempfile::tempdir().expect("temp dir");
        let text = config_text(&cloud, &dir.path().join("state.json"), extra);
        let config = Config::from_toml(&text, &cloud.credentials_env()).expect("valid config");
        Self { cloud, dir, config }
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.path().join("state.json")
    }

    pub fn provisioner(&self) -> Provisioner {
        Provisioner::new(self.config.clone(), fast_options()).expect("provisioner")
    }
}

/// Options for runs under injected faults: a short client timeout (so a stall costs little), fast retries.
pub fn faulty_options(timeout: Duration) -> ProvisionerOptions {
    let mut options = fast_options();
    options.clients.timeout = timeout;
    options.clients.retry = cloud_http::RetryPolicy::default()
        .with_min_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(50))
        .with_max_retries(10)
        .with_max_elapsed(Duration::from_secs(20));
    options
}

impl Fixture {
    /// A provisioner with other options, on the same configuration and state file.
    pub fn provisioner_with(&self, options: ProvisionerOptions) -> Provisioner {
        Provisioner::new(self.config.clone(), options).expect("provisioner")
    }

    /// The state as the file on disk holds it (what a fresh process would read).
    pub fn state_on_disk(&self) -> provision::state::State {
        provision::state::StateStore::open(self.state_path()).expect("state file readable").snapshot()
    }
}

/// The generated secrets of the current profile.
pub const GENERATED: [&str; 3] = ["KEY_VAULTS_SECRET", "AUTH_SECRET", "JWKS_KEY"];

/// Checks that the simulated cloud holds exactly the desired deployment of the [`config_text`] configuration,
/// returning every deviation found (empty when converged):
/// one bucket, one RAM user with at most two keys of which the one in Vercel is active and its secret in Vercel
/// is the one RAM issued, one Auth0 application whose id and secret are in Vercel, each trusted user once, one
/// Vercel project without duplicate (key, target) variables, and the generated secrets in Vercel equal to the
/// copies in the state file on disk.
pub fn convergence_problems(fx: &Fixture) -> Vec<String> {
    let mut problems = Vec::new();
    let cloud = &fx.cloud;
    let buckets = cloud.oss.bucket_names();
    if buckets != vec!["alice-lobehub-files".to_string()] {
        problems.push(format!("buckets: {buckets:?}"));
    }
    let bucket = cloud.oss.bucket("alice-lobehub-files");
    // The default access mode: private, Block Public Access on (as OSS creates the bucket; never touched).
    if let Some(b) = &bucket
        && (b.acl != "private" || !b.block_public_access)
    {
        problems.push(format!("bucket ACL {} with Block Public Access {}", b.acl, b.block_public_access));
    }
    let users = cloud.ram.user_names();
    if users != vec!["lobehub-oss".to_string()] {
        problems.push(format!("RAM users: {users:?}"));
    }
    let keys = cloud.ram.access_key_ids("lobehub-oss");
    if keys.is_empty() || keys.len() > 2 {
        problems.push(format!("{} access keys", keys.len()));
    }
    let projects: Vec<_> = cloud.vercel.projects().into_iter().map(|p| p.name).collect();
    if projects != vec!["lobehub".to_string()] {
        problems.push(format!("Vercel projects: {projects:?}"));
    }
    let env = cloud.vercel.env("lobehub");
    let mut seen = std::collections::BTreeSet::new();
    for v in &env {
        for t in &v.targets {
            if !seen.insert((v.key.clone(), t.clone(), v.git_branch.clone())) {
                problems.push(format!("duplicate variable {} for {t}", v.key));
            }
        }
    }
    let value = |key: &str| -> Option<String> {
        env.iter().find(|v| v.key == key && v.targets.contains("production")).map(|v| v.value.clone())
    };
    // The access key in Vercel works: it is the user's, active, and its secret is the one RAM issued.
    match (value("S3_ACCESS_KEY_ID"), value("S3_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            if !keys.contains(&id) {
                problems.push(format!("S3_ACCESS_KEY_ID {id} is not a key of the user ({keys:?})"));
            }
            match cloud.identity.lookup_key(&id) {
                Some(record) => {
                    if record.status != sandbox::aliyun_identity::KeyStatus::Active {
                        problems.push(format!("key {id} in Vercel is not active"));
                    }
                    if record.secret != secret {
                        problems.push(format!("S3_SECRET_ACCESS_KEY in Vercel is not the secret RAM issued for {id}"));
                    }
                }
                None => problems.push(format!("key {id} in Vercel does not exist")),
            }
        }
        other => problems.push(format!("S3 key variables missing: {:?}", (other.0.is_some(), other.1.is_some()))),
    }
    // The app's origin is allowed by the bucket's CORS rules and the Auth0 application's callbacks.
    let app_url = value("APP_URL").unwrap_or_default();
    if app_url.is_empty() {
        problems.push("APP_URL missing".into());
    }
    let cors_ok =
        bucket.and_then(|b| b.cors).is_some_and(|c| c.rules.iter().any(|r| r.allowed_origins.contains(&app_url)));
    if !cors_ok {
        problems.push(format!("no CORS rule allows {app_url}"));
    }
    // One LobeHub application, and Vercel holds its id and secret.
    let apps: Vec<_> = cloud
        .auth0
        .clients()
        .into_iter()
        .filter(|c| c.get("name").and_then(serde_json::Value::as_str) == Some("LobeHub"))
        .collect();
    if apps.len() != 1 {
        problems.push(format!("{} Auth0 applications named LobeHub", apps.len()));
    }
    if let Some(app) = apps.first() {
        let field = |k: &str| app.get(k).and_then(serde_json::Value::as_str).map(str::to_string);
        if value("AUTH_AUTH0_ID") != field("client_id") {
            problems.push("AUTH_AUTH0_ID in Vercel is not the application's client id".into());
        }
        if value("AUTH_AUTH0_SECRET") != field("client_secret") {
            problems.push("AUTH_AUTH0_SECRET in Vercel is not the application's client secret".into());
        }
        let callbacks = app.get("callbacks").and_then(serde_json::Value::as_array).cloned().unwrap_or_default();
        if !callbacks.iter().filter_map(serde_json::Value::as_str).any(|c| c.starts_with(&app_url)) {
            problems.push(format!("no Auth0 callback for {app_url}: {callbacks:?}"));
        }
    }
    let emails: Vec<String> = cloud
        .auth0
        .users()
        .iter()
        .filter_map(|u| u.get("email").and_then(serde_json::Value::as_str).map(str::to_string))
        .collect();
    for trusted in ["alice@example.com", "bob@example.com"] {
        let n = emails.iter().filter(|e| *e == trusted).count();
        if n != 1 {
            problems.push(format!("{n} Auth0 users {trusted}"));
        }
    }
    // Generated secrets: Vercel holds the state file's copy.
    let state = fx.state_on_disk();
    for name in GENERATED {
        match (state.generated.get(name), value(name)) {
            (Some(held), Some(live)) if held.expose() == live => {}
            (Some(_), Some(_)) => problems.push(format!("{name} in Vercel differs from the state file's copy")),
            (held, live) => problems.push(format!(
                "{name}: state file has it: {}, Vercel has it: {}",
                held.is_some(),
                live.is_some()
            )),
        }
    }
    problems
}

/// Checks that the production deployment serving the project (the newest READY one) was built from the
/// environment Vercel holds now for production: every variable present with the same value, none since removed.
/// Returns the deviations (names only, never values); empty when the live app runs the desired environment.
pub fn live_deployment_problems(fx: &Fixture) -> Vec<String> {
    let Some(live) = fx.cloud.vercel.live_production("lobehub") else {
        return vec!["no READY production deployment".into()];
    };
    let env: std::collections::BTreeMap<String, String> = fx
        .cloud
        .vercel
        .env("lobehub")
        .into_iter()
        .filter(|v| v.targets.contains("production") && v.git_branch.is_none())
        .map(|v| (v.key, v.value))
        .collect();
    let mut problems = Vec::new();
    for (key, value) in &env {
        match live.env.get(key) {
            Some(built) if built == value => {}
            Some(_) => problems.push(format!("{key}: the live deployment {} was built with another value", live.id)),
            None => problems.push(format!("{key}: the live deployment {} was built without it", live.id)),
        }
    }
    for key in live.env.keys().filter(|k| !env.contains_key(*k)) {
        problems.push(format!("{key}: the live deployment {} was built with it, since removed", live.id));
    }
    problems
}
