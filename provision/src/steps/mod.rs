//! The provisioning steps, one module per service. Every step reads live state first and does the minimum; in
//! [`Mode::Plan`] it only records what it would do.

pub mod aliyun;
pub mod app_domain;
pub mod auth0;
pub mod database;
pub mod github;
pub mod unknown;
pub mod vercel;

use crate::config::Config;
use crate::progress::Progress;
use crate::services::Services;
use crate::state::StateStore;

/// Whether steps change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read live state and record the changes; change nothing.
    Plan,
    /// Make the changes.
    Apply,
}

/// What every step can see.
pub struct Ctx<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// The clients.
    pub services: &'a Services,
    /// The state file.
    pub state: &'a StateStore,
    /// Progress output.
    pub progress: &'a Progress,
    /// Plan or apply.
    pub mode: Mode,
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
    /// Whether the step may change things.
    pub fn applying(&self) -> bool {
        self.mode == Mode::Apply
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
