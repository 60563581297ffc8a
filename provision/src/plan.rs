//! The plan: what `apply` would change, per resource and per environment variable. Secrets are never shown.
//!
//! Each row that changes something carries its typed operation ([`Op`]): what `apply` sends, fully specified
//! except for values known only once an earlier operation has answered (a created application's client id, a
//! new access key). A plan is a pure function of the desired state ([`crate::desired`]) and the observed live
//! state; `provision plan --out plan.json` saves it ([`crate::saved_plan`]) and `provision apply plan.json`
//! executes exactly it.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// What happens to a resource or a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It will be created.
    Create,
    /// It will be changed.
    Update,
    /// It will be deleted.
    Delete,
    /// It is as desired.
    Unchanged,
}

impl Action {
    fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Delete => "-",
            Action::Unchanged => "=",
        }
    }
}

/// The typed operation of a change, by service: what `apply` sends for one row of the plan. Never holds a
/// secret value (secrets are named, and read from the state journal or the answer that returned them when the
/// operation runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "service", content = "op", rename_all = "lowercase")]
pub enum Op {
    /// GitHub (the fork).
    Github(crate::steps::github::GithubOp),
    /// The database (Neon).
    Database(crate::steps::database::DatabaseOp),
    /// OSS (the bucket).
    Oss(crate::steps::aliyun::OssOp),
    /// RAM (the sub-user, its policy and key).
    Ram(crate::steps::aliyun::RamOp),
    /// Auth0 (application, connection, users).
    Auth0(crate::steps::auth0::Auth0Op),
    /// Vercel (project, domains, environment, deployment).
    Vercel(crate::steps::vercel::VercelOp),
    /// A generated secret, kept in the state file (nothing is sent).
    Secret(crate::steps::generated::SecretOp),
    /// A removal of `destroy`.
    Destroy(crate::destroy::DestroyOp),
}

impl Op {
    /// Whether this operation, computed while executing a saved plan, is what `planned` announced (see
    /// [`crate::steps::vercel::VercelOp::satisfies`] for the values a plan can only name).
    pub fn satisfies(&self, planned: &Op) -> bool {
        match (self, planned) {
            (Op::Vercel(a), Op::Vercel(b)) => a.satisfies(b),
            _ => self == planned,
        }
    }
}

/// A change to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// The service (`oss`, `ram`, `auth0`, `vercel`).
    pub service: String,
    /// The resource (`bucket lobehub-files`, `cors`, `application LobeHub`).
    pub resource: String,
    /// What happens.
    pub action: Action,
    /// Why, or what changes (never a secret value).
    pub detail: String,
    /// What `apply` sends for this row (`None` for a row that only informs: unchanged, or done by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Op>,
}

/// A change to one environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvChange {
    /// The variable.
    pub key: String,
    /// What happens.
    pub action: Action,
    /// Whether it is a secret (its value is never shown).
    pub secret: bool,
    /// The new value for non-secret variables, when it is known.
    pub value: Option<String>,
    /// Why.
    pub detail: String,
}

/// The whole plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Resource changes, in execution order.
    pub resources: Vec<ResourceChange>,
    /// Variable changes.
    pub env: Vec<EnvChange>,
    /// Things the user must do or know (DNS records to create, invite links, …).
    pub notes: Vec<String>,
    /// The typed writes of the environment rows (`env`), in the order they are sent (values of secrets are
    /// named by their source, never given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_ops: Vec<Op>,
}

impl Plan {
    /// Records a resource row without an operation (unchanged, or informational).
    pub fn resource(
        &mut self,
        service: &'static str,
        resource: impl Into<String>,
        action: Action,
        detail: impl Into<String>,
    ) {
        self.resources.push(ResourceChange {
            service: service.into(),
            resource: resource.into(),
            action,
            detail: detail.into(),
            op: None,
        });
    }

    /// Records a resource change with the typed operation `apply` sends for it.
    pub fn change(
        &mut self,
        service: &'static str,
        resource: impl Into<String>,
        action: Action,
        detail: impl Into<String>,
        op: Op,
    ) {
        self.resources.push(ResourceChange {
            service: service.into(),
            resource: resource.into(),
            action,
            detail: detail.into(),
            op: Some(op),
        });
    }

    /// The operations of this plan, in order: the resources', then the environment's.
    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.resources.iter().filter_map(|r| r.op.as_ref()).chain(&self.env_ops)
    }

    /// Records a variable change.
    pub fn env_change(&mut self, change: EnvChange) {
        self.env.push(change);
    }

    /// Adds a note.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Merges another plan's entries after this one's.
    pub fn extend(&mut self, other: Plan) {
        self.resources.extend(other.resources);
        self.env.extend(other.env);
        self.notes.extend(other.notes);
        self.env_ops.extend(other.env_ops);
    }

    /// Whether anything would change.
    pub fn has_changes(&self) -> bool {
        self.resources.iter().any(|r| r.action != Action::Unchanged)
            || self.env.iter().any(|e| e.action != Action::Unchanged)
    }

    /// Counts of (create, update, delete) over resources and variables.
    pub fn counts(&self) -> (usize, usize, usize) {
        let actions = self.resources.iter().map(|r| r.action).chain(self.env.iter().map(|e| e.action));
        actions.fold((0, 0, 0), |(c, u, d), a| match a {
            Action::Create => (c + 1, u, d),
            Action::Update => (c, u + 1, d),
            Action::Delete => (c, u, d + 1),
            Action::Unchanged => (c, u, d),
        })
    }

    /// The plan as text, one line per resource and per variable.
    ///
    /// ```
    /// use provision::plan::{Action, EnvChange, Plan};
    /// let mut plan = Plan::default();
    /// plan.resource("oss", "bucket files", Action::Create, "private, then public-read");
    /// plan.env_change(EnvChange { key: "KEY_VAULTS_SECRET".into(), action: Action::Create, secret: true, value: None, detail: "generated once".into() });
    /// let text = plan.render_text();
    /// assert!(text.contains("+ oss     bucket files"));
    /// assert!(text.contains("KEY_VAULTS_SECRET (secret)"));
    /// ```
    pub fn render_text(&self) -> String {
        let mut out = String::from("Resources:\n");
        for r in &self.resources {
            let _ = writeln!(out, "  {} {:<7} {:<40} {}", r.action.symbol(), r.service, r.resource, r.detail);
        }
        out.push_str("Environment (production, preview):\n");
        for e in &self.env {
            let value = match (&e.value, e.secret) {
                (_, true) => " (secret)".to_string(),
                (Some(v), false) => format!(" = {v}"),
                (None, false) => String::new(),
            };
            let _ = writeln!(out, "  {} {}{}  {}", e.action.symbol(), e.key, value, e.detail);
        }
        let (c, u, d) = self.counts();
        let _ = writeln!(out, "Summary: {c} to create, {u} to update, {d} to delete.");
        for n in &self.notes {
            let _ = writeln!(out, "Note: {n}");
        }
        out
    }
}
