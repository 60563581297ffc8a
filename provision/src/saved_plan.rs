//! A plan saved to a file (`provision plan --out plan.json`) and executed later (`provision apply plan.json`),
//! as Terraform's `plan -out` / `apply PLAN`: the reviewed plan is what runs, or nothing runs.
//!
//! The file holds the plan as shown (rows with their typed operations, variables, notes), a fingerprint of every
//! stage's observed live state and of the configuration, and no secret: secret values are never in a plan row,
//! an operation or an observation (observations are stored only as SHA-256 fingerprints).
//!
//! Format (`format` 1), JSON:
//! ```json
//! { "format": 1, "tool": "provision 0.1.0", "created_at": "2026-11-29T22:00:00Z",
//!   "config": "<sha256 hex>", "domain": null,
//!   "stages": { "oss.bucket": { "observed": "<sha256 hex>", "plan": { "resources": [...], "env": [], "notes": [] } } },
//!   "plan": { "resources": [...], "env": [...], "notes": [...] } }
//! ```

use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::run::StageRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The plan file format this version writes and reads.
pub const FORMAT: u32 = 1;

/// A saved plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// [`FORMAT`].
    pub format: u32,
    /// The tool that wrote it (`provision <version>`).
    pub tool: String,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// SHA-256 (hex) of the configuration's desired state (credentials excluded).
    pub config: String,
    /// The custom domain in effect when it was made.
    pub domain: Option<String>,
    /// Every stage: its observation's fingerprint and its plan.
    pub stages: BTreeMap<String, StageRecord>,
    /// The whole plan, as shown.
    pub plan: Plan,
}

/// The tool name written into plan files.
pub fn tool() -> String {
    format!("provision {}", env!("CARGO_PKG_VERSION"))
}

/// The fingerprint of a configuration's desired state: its `Debug` form, in which every credential is redacted.
pub fn config_fingerprint(config: &crate::config::Config) -> String {
    crate::run::fingerprint(&format!("{config:?}"))
}

impl SavedPlan {
    /// Writes the plan to `path` atomically and privately (mode 0600), as the state file is written.
    ///
    /// # Errors
    /// [`Error::Blocked`] naming the path when it cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let fail =
            |e: String| Error::blocked("plan --out", format!("cannot write {}: {e}", path.display()), "check the path");
        let text = serde_json::to_string_pretty(self).map_err(|e| fail(e.to_string()))? + "\n";
        crate::state::write_private(path, text.as_bytes()).map_err(|e| fail(e.to_string()))
    }

    /// Reads a plan file.
    ///
    /// # Errors
    /// [`Error::Blocked`] when the file cannot be read, is not a plan file, or was written in another format.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::blocked(
                "apply PLAN",
                format!("cannot read {}: {e}", path.display()),
                "give the file `provision plan --out` wrote",
            )
        })?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::blocked(
                "apply PLAN",
                format!("{} is not a plan file (line {}: {:?} error)", path.display(), e.line(), e.classify()),
                "give the file `provision plan --out` wrote",
            )
        })?;
        let format = value.get("format").and_then(|f| f.as_u64());
        if format != Some(u64::from(FORMAT)) {
            return Err(Error::blocked(
                "apply PLAN",
                format!("{} has plan format {format:?}; this {} reads format {FORMAT}", path.display(), tool()),
                "make the plan again with this version: `provision plan --out PLAN`",
            ));
        }
        serde_json::from_value(value).map_err(|e| {
            Error::blocked(
                "apply PLAN",
                format!("{} is not a valid plan file: {e}", path.display()),
                "make the plan again: `provision plan --out PLAN`",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;

    #[test]
    fn round_trips_and_refuses_other_formats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let mut plan = Plan::default();
        plan.resource("oss", "bucket b", Action::Create, "private");
        let saved = SavedPlan {
            format: FORMAT,
            tool: tool(),
            created_at: "2026-11-29T22:00:00Z".into(),
            config: "c".into(),
            domain: None,
            stages: BTreeMap::from([("oss.bucket".into(), StageRecord { observed: "o".into(), plan: plan.clone() })]),
            plan,
        };
        saved.write(&path).unwrap();
        assert_eq!(SavedPlan::read(&path).unwrap(), saved);
        std::fs::write(&path, r#"{"format": 99}"#).unwrap();
        let e = SavedPlan::read(&path).unwrap_err().to_string();
        assert!(e.contains("format Some(99)") && e.contains("plan --out"), "{e}");
        std::fs::write(&path, "not json").unwrap();
        assert!(SavedPlan::read(&path).unwrap_err().to_string().contains("is not a plan file"));
    }
}
