//! What the simulated Vercel account holds: projects with their variables, domains, deployments (each with the
//! environment it was built from), tokens and teams.

use super::BuildRules;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

/// A variable as the simulator stores it (for test inspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEnvVar {
    /// The id.
    pub id: String,
    /// The key.
    pub key: String,
    /// The plain value.
    pub value: String,
    /// `encrypted`, `plain`, `sensitive` or `system`.
    pub kind: String,
    /// Sorted targets.
    pub targets: BTreeSet<String>,
    /// The branch.
    pub git_branch: Option<String>,
    /// The comment.
    pub comment: Option<String>,
    /// The integration configuration that owns it (`configurationId`), e.g. the Neon integration's
    /// `DATABASE_URL`.
    pub configuration_id: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A project as the simulator stores it (for test inspection).
#[derive(Debug, Clone, PartialEq)]
pub struct SimProject {
    /// `prj_…`.
    pub id: String,
    /// The name.
    pub name: String,
    /// The owning scope (a team id, or the user id).
    pub account_id: String,
    /// The linked `owner/name`, if any.
    pub linked_repo: Option<String>,
    /// Top-level settings (framework, buildCommand, …).
    pub settings: Map<String, Value>,
    /// Variables.
    pub env: Vec<SimEnvVar>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct SimDomain {
    pub(crate) name: String,
    pub(crate) apex: String,
    pub(crate) project_id: String,
    pub(crate) verified: bool,
    pub(crate) challenge: Option<String>,
    pub(crate) redirect: Option<String>,
    pub(crate) redirect_status_code: Option<u16>,
    pub(crate) git_branch: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Ready,
    Error { code: String, message: String },
}

#[derive(Debug, Clone)]
pub(crate) struct SimDeployment {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) project_id: String,
    pub(crate) account_id: String,
    pub(crate) target: Option<String>,
    pub(crate) git_ref: Option<String>,
    pub(crate) created: Instant,
    pub(crate) created_at: i64,
    pub(crate) queued_for: Duration,
    pub(crate) build_for: Duration,
    pub(crate) outcome: Outcome,
    pub(crate) canceled: bool,
    pub(crate) url: String,
    /// The variables of the build's target as they were when the deployment was created (key → value): what
    /// the build, and so the running app, saw. Vercel reads the environment at build time.
    pub(crate) env: EnvSnapshot,
    /// The `meta` strings given at creation.
    pub(crate) meta: BTreeMap<String, String>,
}

/// The environment a deployment was built from: key → value, for the variables of its target.
pub type EnvSnapshot = BTreeMap<String, String>;

/// A deployment as the simulator stores it (for test inspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimDeploymentInfo {
    /// `dpl_…`.
    pub id: String,
    /// `production`, `staging`, or `None` (preview).
    pub target: Option<String>,
    /// The current `readyState`.
    pub state: &'static str,
    /// The environment it was built from.
    pub env: EnvSnapshot,
    /// Its `meta`.
    pub meta: BTreeMap<String, String>,
    /// Creation time (ms).
    pub created_at: i64,
}

impl SimDeployment {
    pub(crate) fn info(&self) -> SimDeploymentInfo {
        SimDeploymentInfo {
            id: self.id.clone(),
            target: self.target.clone(),
            state: self.state(),
            env: self.env.clone(),
            meta: self.meta.clone(),
            created_at: self.created_at,
        }
    }
}

impl SimDeployment {
    pub(crate) fn state(&self) -> &'static str {
        if self.canceled {
            return "CANCELED";
        }
        let elapsed = self.created.elapsed();
        if elapsed < self.queued_for {
            "QUEUED"
        } else if elapsed < self.queued_for + self.build_for {
            "BUILDING"
        } else {
            match self.outcome {
                Outcome::Ready => "READY",
                Outcome::Error { .. } => "ERROR",
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) user_id: String,
    pub(crate) teams: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub(crate) id: String,
    pub(crate) slug: String,
}

/// The recommended DNS values the simulator serves in `getDomainConfig` (never hard-coded in the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecommendations {
    /// A record values by rank (rank 1 first).
    pub ipv4: Vec<Vec<String>>,
    /// CNAME targets by rank (rank 1 first).
    pub cname: Vec<String>,
}

impl Default for DnsRecommendations {
    /// Documentation-range addresses and a simulator host name, so that a client that hard-codes Vercel's values
    /// is caught by tests.
    fn default() -> Self {
        Self {
            ipv4: vec![vec!["198.51.100.17".into()], vec!["198.51.100.76".into()]],
            cname: vec!["a1b2c3d4e5f6a7b8.vercel-dns-sim.test.".into(), "cname.vercel-dns-sim.test.".into()],
        }
    }
}

pub(crate) struct State {
    pub(crate) tokens: HashMap<String, Token>,
    pub(crate) teams: Vec<Team>,
    pub(crate) projects: BTreeMap<String, SimProject>,
    pub(crate) domains: Vec<SimDomain>,
    pub(crate) deployments: Vec<SimDeployment>,
    pub(crate) taken_domains: HashSet<String>,
    /// `*.vercel.app` hosts held by projects outside this simulated account (someone else's `lobehub.vercel.app`).
    pub(crate) taken_vercel_app: HashSet<String>,
    pub(crate) txt_created: HashSet<String>,
    pub(crate) dns_configured: HashSet<String>,
    pub(crate) github_connected: bool,
    pub(crate) github_app_installed: bool,
    pub(crate) build_rules: BuildRules,
    pub(crate) queued_for: Duration,
    pub(crate) build_for: Duration,
    pub(crate) dns: DnsRecommendations,
    pub(crate) rng: fastrand::Rng,
    pub(crate) last_ts: i64,
}

impl State {
    /// Whether a `*.vercel.app` host is held by anyone: someone else, or a project of this simulator.
    pub(crate) fn vercel_app_taken(&self, host: &str) -> bool {
        self.taken_vercel_app.contains(host) || self.domains.iter().any(|d| d.name == host)
    }

    pub(crate) fn now_ms(&mut self) -> i64 {
        let now = chrono::Utc::now().timestamp_millis().max(self.last_ts + 1);
        self.last_ts = now;
        now
    }

    pub(crate) fn id(&mut self, prefix: &str) -> String {
        let rng = &mut self.rng;
        let tail: String = (0..24).map(|_| rng.alphanumeric()).collect();
        format!("{prefix}{tail}")
    }
}
