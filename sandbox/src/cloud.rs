//! All four simulators at once, wired together the way the real services are: one Aliyun account behind OSS
//! and RAM (keys created through RAM work at OSS, limited by their policies), an Auth0 tenant with a
//! machine-to-machine application, and a Vercel account — sharing one [`RequestLog`]. The offline demo and the
//! workspace tests provision LobeHub against it.

use crate::aliyun_identity::AliyunIdentity;
use crate::auth0::{self, Auth0Simulator};
use crate::github::GithubSim;
use crate::neon::NeonSim;
use crate::oss::OssSimulator;
use crate::ram::RamSimulator;
use crate::server::{Faults, RequestLog, SimServer};
use crate::vercel::VercelSim;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The Aliyun account id of the simulated cloud.
pub const ACCOUNT_ID: &str = "1000000000000042";
/// The simulated Aliyun admin AccessKey id.
pub const ADMIN_ACCESS_KEY_ID: &str = "LTAI5tSimulatedAdminKey01";
/// The simulated Aliyun admin AccessKey secret.
pub const ADMIN_ACCESS_KEY_SECRET: &str = "simulated-admin-secret-not-a-real-key";

/// Options of [`SimulatedCloud::start`].
#[derive(Debug, Clone)]
pub struct CloudOptions {
    /// The OSS region.
    pub region: String,
    /// How long a Vercel deployment takes to build.
    pub build_duration: Duration,
    /// Fixed loopback ports: OSS on `port_base`, RAM on `+1`, Auth0 on `+2`, Vercel on `+3`, GitHub on `+4`, Neon
    /// on `+5`. `None` (the
    /// default) lets the OS choose free ports.
    pub port_base: Option<u16>,
    // Account-scenario knobs of the other simulators go below (one field each, with its
    // `lobehub-sandbox serve` flag in sandbox/src/bin/lobehub-sandbox.rs).
    /// An old Aliyun account that may still sign OSS requests with V1 (`--oss-allow-v1`); V1 is refused for
    /// accounts created from 2025-03-01 (field-truth §2.1).
    pub oss_allow_v1: bool,
    /// An account that activated OSS after 2025-03-20 (`--aliyun-new-account`): data calls to mainland buckets
    /// through the default public endpoints get 400 `PublicEndpointForbidden` (field-truth §2.2).
    pub aliyun_new_account: bool,
    /// `*.vercel.app` names held by someone outside the simulated account (`lobehub` or `lobehub.vercel.app`):
    /// a project of such a name gets a suffixed production domain (see
    /// [`VercelSimBuilder::vercel_app_taken`](crate::vercel::VercelSimBuilder::vercel_app_taken)).
    pub vercel_taken_names: Vec<String>,
    /// Whether the Neon simulator starts a real PostgreSQL server for each project (when one is installed).
    pub neon_postgres: bool,
}

impl Default for CloudOptions {
    fn default() -> Self {
        Self {
            region: "cn-hangzhou".into(),
            build_duration: Duration::from_millis(300),
            port_base: None,
            oss_allow_v1: false,
            aliyun_new_account: false,
            vercel_taken_names: Vec::new(),
            neon_postgres: true,
        }
    }
}

/// The four simulators, running.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// let cloud = sandbox::cloud::SimulatedCloud::start(Default::default()).await?;
/// println!("Vercel at {}", cloud.vercel_server.base_url());
/// let env = cloud.credentials_env();
/// assert!(env.contains_key("VERCEL_TOKEN"));
/// # Ok(()) }
/// ```
pub struct SimulatedCloud {
    /// The shared Aliyun account.
    pub identity: Arc<AliyunIdentity>,
    /// The OSS simulator.
    pub oss: Arc<OssSimulator>,
    /// The RAM simulator.
    pub ram: Arc<RamSimulator>,
    /// The Auth0 simulator.
    pub auth0: Arc<Auth0Simulator>,
    /// The Vercel simulator.
    pub vercel: Arc<VercelSim>,
    /// The OSS server.
    pub oss_server: SimServer,
    /// The RAM server.
    pub ram_server: SimServer,
    /// The Auth0 server.
    pub auth0_server: SimServer,
    /// The Vercel server.
    pub vercel_server: SimServer,
    /// Every request to any of them.
    pub log: RequestLog,
    /// The OSS region (from [`CloudOptions::region`]).
    pub region: String,
    /// The GitHub simulator (the fork of `lobehub/lobehub`).
    pub github: GithubSim,
    /// The GitHub server.
    pub github_server: SimServer,
    /// The Neon simulator (projects whose connection URIs reach a real PostgreSQL).
    pub neon: NeonSim,
    /// The Neon server (clients use `<base_url>/api/v2`).
    pub neon_server: SimServer,
}

impl std::fmt::Debug for SimulatedCloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedCloud")
            .field("oss", &self.oss_server.base_url())
            .field("ram", &self.ram_server.base_url())
            .field("auth0", &self.auth0_server.base_url())
            .field("vercel", &self.vercel_server.base_url())
            .finish()
    }
}

impl SimulatedCloud {
    /// Starts the four simulators on loopback ports.
    pub async fn start(options: CloudOptions) -> std::io::Result<Self> {
        let log = RequestLog::new();
        let identity = Arc::new(AliyunIdentity::new(ACCOUNT_ID));
        identity.register_account_key(ADMIN_ACCESS_KEY_ID, ADMIN_ACCESS_KEY_SECRET);
        let oss = OssSimulator::new(identity.clone(), &options.region);
        oss.set_v1_signatures_allowed(options.oss_allow_v1);
        oss.set_new_account(options.aliyun_new_account);
        let ram = RamSimulator::new(identity.clone());
        let auth0 = Arc::new(Auth0Simulator::new());
        let vercel = options
            .vercel_taken_names
            .iter()
            .fold(VercelSim::builder().build_duration(options.build_duration), |b, name| {
                b.vercel_app_taken(name.clone())
            })
            .build();
        let port = |offset: u16| match options.port_base {
            Some(base) => base.checked_add(offset).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("port base {base} + {offset} > 65535"))
            }),
            None => Ok(0),
        };
        let oss_server = SimServer::start_on_port(oss.clone(), log.clone(), port(0)?).await?;
        let ram_server = SimServer::start_on_port(ram.clone(), log.clone(), port(1)?).await?;
        let auth0_server = SimServer::start_on_port(auth0.clone(), log.clone(), port(2)?).await?;
        let vercel_server = SimServer::start_on_port(vercel.clone(), log.clone(), port(3)?).await?;
        // GitHub on `port_base + 4`, Neon on `+5`.
        let github = GithubSim::new();
        let github_server = SimServer::start_on_port(Arc::new(github.clone()), log.clone(), port(4)?).await?;
        let neon = if options.neon_postgres { NeonSim::new() } else { NeonSim::without_postgres() };
        let neon_server = SimServer::start_on_port(Arc::new(neon.clone()), log.clone(), port(5)?).await?;
        let region = options.region.clone();
        Ok(Self {
            identity,
            oss,
            ram,
            auth0,
            vercel,
            oss_server,
            ram_server,
            auth0_server,
            vercel_server,
            log,
            region,
            github,
            github_server,
            neon,
            neon_server,
        })
    }

    /// The credentials a provisioning run reads from its environment, for this cloud: the Vercel token, the
    /// Auth0 M2M application, the Aliyun admin key and a `DATABASE_URL`.
    pub fn credentials_env(&self) -> BTreeMap<String, String> {
        [
            ("VERCEL_TOKEN", self.vercel.token().to_string()),
            ("VERCEL_TEAM_ID", self.vercel.team_id().to_string()),
            ("AUTH0_CLIENT_ID", auth0::M2M_CLIENT_ID.to_string()),
            ("AUTH0_CLIENT_SECRET", auth0::M2M_CLIENT_SECRET.to_string()),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID.to_string()),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ADMIN_ACCESS_KEY_SECRET.to_string()),
            ("DATABASE_URL", "postgresql://lobehub:simulated-db-password@127.0.0.1:5432/lobehub".to_string()),
            ("GITHUB_TOKEN", self.github.token()),
            ("NEON_API_KEY", self.neon.api_key()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// The variables of the conformance contract (`conformance/run`, `lobehub-sandbox serve`), in print order:
    /// `SANDBOX_OSS_ENDPOINT`, `SANDBOX_OSS_PORT`, `SANDBOX_OSS_REGION`, the Aliyun account id and admin key,
    /// `SANDBOX_RAM_ENDPOINT`, the Auth0 base URL and M2M application, the Vercel base URL, token and team.
    /// Every value is simulated (no real credential).
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// let cloud = sandbox::cloud::SimulatedCloud::start(Default::default()).await?;
    /// for (key, value) in cloud.sandbox_env() {
    ///     println!("{key}={value}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn sandbox_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SANDBOX_OSS_ENDPOINT", self.oss_server.base_url()),
            ("SANDBOX_OSS_PORT", self.oss_server.addr().port().to_string()),
            ("SANDBOX_OSS_REGION", self.region.clone()),
            ("SANDBOX_ALIYUN_ACCOUNT_ID", ACCOUNT_ID.to_string()),
            ("SANDBOX_ALIYUN_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID.to_string()),
            ("SANDBOX_ALIYUN_ACCESS_KEY_SECRET", ADMIN_ACCESS_KEY_SECRET.to_string()),
            ("SANDBOX_RAM_ENDPOINT", self.ram_server.base_url()),
            ("SANDBOX_AUTH0_BASE_URL", self.auth0_server.base_url()),
            ("SANDBOX_AUTH0_CLIENT_ID", auth0::M2M_CLIENT_ID.to_string()),
            ("SANDBOX_AUTH0_CLIENT_SECRET", auth0::M2M_CLIENT_SECRET.to_string()),
            ("SANDBOX_VERCEL_BASE_URL", self.vercel_server.base_url()),
            ("SANDBOX_VERCEL_TOKEN", self.vercel.token().to_string()),
            ("SANDBOX_VERCEL_TEAM_ID", self.vercel.team_id().to_string()),
            ("SANDBOX_GITHUB_BASE_URL", self.github_server.base_url()),
            ("SANDBOX_GITHUB_TOKEN", self.github.token()),
            ("SANDBOX_NEON_BASE_URL", format!("{}/api/v2", self.neon_server.base_url())),
            ("SANDBOX_NEON_API_KEY", self.neon.api_key()),
        ]
    }

    /// The `[endpoints]` section of a provisioning config pointing at these simulators.
    pub fn endpoints_toml(&self) -> String {
        format!(
            "[endpoints]\nvercel = \"{}\"\nauth0 = \"{}\"\noss = \"{}\"\nram = \"{}\"\n",
            self.vercel_server.base_url(),
            self.auth0_server.base_url(),
            self.oss_server.base_url(),
            self.ram_server.base_url()
        ) + &format!(
            "github = \"{}\"\nneon = \"{}/api/v2\"\n",
            self.github_server.base_url(),
            self.neon_server.base_url()
        )
    }

    /// Sets the same fault knobs on all four servers (each gets a seed derived from `faults.seed`).
    pub fn set_faults(&self, faults: Faults) {
        for (i, server) in self.servers().into_iter().enumerate() {
            server.set_faults(faults.clone().with_seed(faults.seed.wrapping_mul(31).wrapping_add(i as u64)));
        }
        for (i, server) in [&self.github_server, &self.neon_server].into_iter().enumerate() {
            server.set_faults(faults.clone().with_seed(faults.seed.wrapping_mul(37).wrapping_add(i as u64)));
        }
    }

    /// The four servers.
    pub fn servers(&self) -> [&SimServer; 4] {
        [&self.oss_server, &self.ram_server, &self.auth0_server, &self.vercel_server]
    }
}
