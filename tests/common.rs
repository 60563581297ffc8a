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
        deploy: DeployOptions { poll_interval: Duration::from_millis(20), timeout: Duration::from_secs(30) },
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
        let cloud =
            SimulatedCloud::start(CloudOptions { build_duration: Duration::from_millis(60), ..Default::default() })
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
