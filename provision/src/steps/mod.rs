//! The provisioning steps, one module per service. Each stage of a step is three functions:
//!
//! * `observe_<stage>(ctx, …) -> Result<…Observed>` — reads the live state the stage needs, and only reads
//!   (concurrently where the service allows). The observation is `Serialize` and holds no secret value: the
//!   engine fingerprints it so `apply plan.json` can tell that the live state changed since the plan.
//! * `plan_<stage>(desired, &observed, …) -> (Plan, …Outcome)` — **pure**: the rows to show, each change with
//!   its typed operation ([`crate::plan::Op`]), and the outcome later stages see if the plan is carried out
//!   (values known only after apply are `None`). Unit-tested without a server.
//! * `apply_<stage>(ctx, &plan, &observed, …) -> Result<…Outcome>` — executes exactly the plan's operations,
//!   in order, journaling each created resource and secret the moment the service answers
//!   ([`crate::journal`]). It decides nothing the plan did not (it may still look up a create whose answer was
//!   lost, see [`unknown`]).
//!
//! The engine ([`crate::engine`]) is the only code that knows whether it is planning or applying: it calls
//! `apply_*` or takes the planned outcome. No step checks a mode.

pub mod aliyun;
pub mod app_domain;
pub mod auth0;
pub mod database;
pub mod generated;
pub mod github;
pub mod unknown;
pub mod vercel;

use crate::config::Config;
use crate::progress::Progress;
use crate::services::Services;
use crate::state::StateStore;

/// What every step can see.
pub struct Ctx<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// The desired state, built from the configuration in one place ([`crate::desired::Desired`]).
    pub desired: &'a crate::desired::Desired,
    /// The clients.
    pub services: &'a Services,
    /// The state file.
    pub state: &'a StateStore,
    /// Progress output.
    pub progress: &'a Progress,
    /// The run: stages go through it ([`Ctx::stage`]).
    pub run: &'a crate::run::Run,
    /// The effective custom domain (configuration, or the one `set-domain` recorded).
    pub domain: Option<String>,
    /// The app hosts the Vercel project is confirmed to own (set once the project chain has confirmed them;
    /// `None` before). `APP_URL`, the Auth0 URLs and the CORS origins come only from these.
    pub hosts: Option<AppHosts>,
}

/// The hosts a deployment is served from, each confirmed as one of the project's own domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppHosts {
    /// The production app host (`APP_URL`'s).
    pub app: String,
    /// The preview app host, with `[previews]` enabled.
    pub preview: Option<String>,
}

impl Ctx<'_> {
    /// Runs one stage through the run ([`crate::run::Run::stage`]): fingerprints the observation, checks a saved
    /// plan, and executes the plan only when the engine is applying.
    pub async fn stage<Obs, Out, F, Fut>(
        &self,
        name: &str,
        observed: &Obs,
        planned: (crate::plan::Plan, Out),
        execute: F,
    ) -> crate::error::Result<(crate::plan::Plan, Out)>
    where
        Obs: serde::Serialize,
        F: FnOnce(crate::plan::Plan, Out) -> Fut,
        Fut: std::future::Future<Output = crate::error::Result<Out>>,
    {
        self.run.stage(name, observed, planned, execute).await
    }

    /// The app's public URL: the confirmed host; before confirmation (a plan for a project that does not exist
    /// yet) the custom domain or the first `*.vercel.app` candidate, for display.
    pub fn app_url(&self) -> String {
        let host = match (&self.hosts, &self.domain) {
            (Some(h), _) => h.app.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => self.config.vercel_app_candidates.first().cloned().unwrap_or_default(),
        };
        crate::desired::app_url(&host)
    }

    /// Every origin the app is served from (production, and the preview host when previews are enabled).
    pub fn origins(&self) -> Vec<String> {
        let mut origins = vec![self.app_url()];
        if let Some(p) = self.hosts.as_ref().and_then(|h| h.preview.as_ref()) {
            origins.push(crate::desired::app_url(p));
        } else if self.hosts.is_none()
            && let Some(p) = &self.config.previews
        {
            origins.push(crate::desired::app_url(&p.domain));
        }
        origins
    }
}
