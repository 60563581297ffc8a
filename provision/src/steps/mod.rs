//! The provisioning steps, one module per service. Every step reads live state first and does the minimum; in
//! [`Mode::Plan`] it only records what it would do.

pub mod aliyun;
pub mod auth0;
pub mod database;
pub mod github;
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
}

impl Ctx<'_> {
    /// Whether the step may change things.
    pub fn applying(&self) -> bool {
        self.mode == Mode::Apply
    }

    /// The app's public URL.
    pub fn app_url(&self) -> String {
        crate::desired::app_url(self.domain.as_deref(), &self.config.vercel.project)
    }

    /// Every origin the app is served from.
    pub fn origins(&self) -> Vec<String> {
        crate::desired::app_origins(self.domain.as_deref(), &self.config.vercel.project)
    }
}
