//! The state journal: typed records of what the tool created, the secrets services returned and the decisions a
//! later run must honour, written through one API ([`StateStore::record`]) with write-ahead semantics — a record
//! is on disk (0600, atomic, locked; see [`crate::state`]) before the call returns, so it is written right after
//! the answer that produced it and before anything that depends on it.
//!
//! On disk the created resources stay in the state file's `created` map (kind → names), the format earlier
//! versions wrote; [`Created`] is the only code that reads or writes it, so no caller parses a name.
//!
//! ```
//! use provision::journal::{Created, Record};
//! use provision::state::StateStore;
//! let store = StateStore::in_memory();
//! store.record([Record::Created(Created::RamAttachment { policy_type: "Custom".into(), policy: "p".into() })]).unwrap();
//! let state = store.snapshot();
//! assert!(state.has(&Created::RamAttachment { policy_type: "Custom".into(), policy: "p".into() }));
//! assert_eq!(state.created_of(Created::kind_ram_attachment()).len(), 1);
//! ```

use crate::state::{AccessKeyState, State, StateError, StateStore, StoredSecret};

/// A resource the tool created (or a setting it changed and must restore on `destroy`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Created {
    /// A GitHub fork (`owner/name`).
    GithubFork(String),
    /// A Neon project (its id).
    NeonProject(String),
    /// An OSS bucket (its name).
    OssBucket(String),
    /// A RAM user (its name).
    RamUser(String),
    /// A custom RAM policy (its name).
    RamPolicy(String),
    /// A policy attached to the RAM user.
    RamAttachment {
        /// `System` or `Custom`.
        policy_type: String,
        /// The policy's name.
        policy: String,
    },
    /// An Auth0 application (its client id).
    Auth0Client(String),
    /// An Auth0 database connection (its id).
    Auth0Connection(String),
    /// Sign-ups turned off on a connection the tool did not create (its id): `destroy` turns them back on.
    Auth0SignupDisabled(String),
    /// An Auth0 user (its user id).
    Auth0User(String),
    /// A Vercel project (its id).
    VercelProject(String),
    /// A domain added to the Vercel project.
    VercelDomain(String),
    /// An environment variable the tool created on the project (its key).
    VercelEnv(String),
}

/// A kind of [`Created`] resource, for listing them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind(&'static str);

impl Kind {
    /// `auth0-invited`: a flag earlier versions kept among the created resources (an invite was sent), not a
    /// resource; `destroy` removes it with the application ([`Record::RemovedAll`]). Never listed in
    /// [`Created::KINDS`].
    pub const LEGACY_AUTH0_INVITED: Kind = Kind("auth0-invited");
}

impl Created {
    /// The RAM attachment kind.
    pub fn kind_ram_attachment() -> Kind {
        Kind("ram-attachment")
    }

    /// This resource's kind.
    pub fn kind(&self) -> Kind {
        Kind(self.key().0)
    }

    /// Every kind, in the order `destroy` removes them (dependents first).
    pub const KINDS: [Kind; 13] = [
        Kind("vercel-domain"),
        Kind("vercel-env"),
        Kind("vercel-project"),
        Kind("auth0-user"),
        Kind("auth0-client"),
        Kind("auth0-signup-disabled"),
        Kind("auth0-connection"),
        Kind("ram-attachment"),
        Kind("ram-policy"),
        Kind("ram-user"),
        Kind("oss-bucket"),
        Kind("neon-project"),
        Kind("github-fork"),
    ];

    /// The kind and the name as stored in the state file's `created` map.
    fn key(&self) -> (&'static str, String) {
        match self {
            Created::GithubFork(n) => ("github-fork", n.clone()),
            Created::NeonProject(n) => ("neon-project", n.clone()),
            Created::OssBucket(n) => ("oss-bucket", n.clone()),
            Created::RamUser(n) => ("ram-user", n.clone()),
            Created::RamPolicy(n) => ("ram-policy", n.clone()),
            Created::RamAttachment { policy_type, policy } => ("ram-attachment", format!("{policy_type}:{policy}")),
            Created::Auth0Client(n) => ("auth0-client", n.clone()),
            Created::Auth0Connection(n) => ("auth0-connection", n.clone()),
            Created::Auth0SignupDisabled(n) => ("auth0-signup-disabled", n.clone()),
            Created::Auth0User(n) => ("auth0-user", n.clone()),
            Created::VercelProject(n) => ("vercel-project", n.clone()),
            Created::VercelDomain(n) => ("vercel-domain", n.clone()),
            Created::VercelEnv(n) => ("vercel-env", n.clone()),
        }
    }

    /// The typed record for a stored (kind, name); `None` for a kind this version does not know (kept on disk,
    /// never acted on) or a malformed attachment name.
    fn parse(kind: &str, name: &str) -> Option<Created> {
        let n = name.to_string();
        Some(match kind {
            "github-fork" => Created::GithubFork(n),
            "neon-project" => Created::NeonProject(n),
            "oss-bucket" => Created::OssBucket(n),
            "ram-user" => Created::RamUser(n),
            "ram-policy" => Created::RamPolicy(n),
            "ram-attachment" => {
                let (policy_type, policy) = name.split_once(':')?;
                Created::RamAttachment { policy_type: policy_type.into(), policy: policy.into() }
            }
            "auth0-client" => Created::Auth0Client(n),
            "auth0-connection" => Created::Auth0Connection(n),
            "auth0-signup-disabled" => Created::Auth0SignupDisabled(n),
            "auth0-user" => Created::Auth0User(n),
            "vercel-project" => Created::VercelProject(n),
            "vercel-domain" => Created::VercelDomain(n),
            "vercel-env" => Created::VercelEnv(n),
            _ => return None,
        })
    }
}

/// One journal record.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// The tool created a resource (recorded right after the service's answer).
    Created(Created),
    /// A created resource is gone (deleted by `destroy`, or detached).
    Removed(Created),
    /// Every resource of a kind is gone (e.g. the project's variables with the project).
    RemovedAll(Kind),
    /// RAM returned an access key secret (once, ever): kept before anything else happens.
    AccessKey(AccessKeyState),
    /// A generated secret (`KEY_VAULTS_SECRET`, …), kept before it is pushed anywhere, never regenerated.
    Generated {
        /// The variable.
        name: String,
        /// The value.
        value: StoredSecret,
    },
    /// An invite link issued to a trusted user (shown once the run completes), valid until `expires` (Unix s).
    Invite {
        /// The user's e-mail.
        email: String,
        /// The link.
        link: StoredSecret,
        /// When it expires (Unix seconds).
        expires: i64,
    },
    /// An invite link was shown to the user: it leaves the state file.
    InviteShown(String),
    /// The fingerprint of a secret value written to a Vercel variable (by `DesiredVar::state_key`).
    Pushed {
        /// The state key (`KEY` or `KEY@target`).
        key: String,
        /// [`crate::state::fingerprint`] of the value.
        fingerprint: String,
    },
    /// The Vercel project's id.
    VercelProjectId(Option<String>),
    /// The Auth0 application's client id.
    Auth0ClientId(Option<String>),
    /// The custom domain `set-domain` recorded.
    Domain(Option<String>),
    /// The access key ids to retire once a deployment without them is READY (replaces the list).
    RetireAccessKeys(Vec<String>),
    /// `destroy` deleted an access key: the state file's copy goes if it is that key.
    AccessKeyDeleted(String),
    /// A variable is gone: its pushed fingerprint goes.
    Unpushed(String),
    /// The project is gone: every pushed fingerprint goes.
    UnpushedAll,
    /// The application is gone, and the invite links that pointed at it with it.
    InvitesDropped,
    /// `destroy --forget-secrets`: the generated secrets leave the state file.
    GeneratedForgotten,
}

impl State {
    /// Whether the tool created `resource`.
    pub fn has(&self, resource: &Created) -> bool {
        let (kind, name) = resource.key();
        self.created.get(kind).is_some_and(|l| l.contains(&name))
    }

    /// The created resources of `kind`, in the order they were recorded.
    pub fn created_of(&self, kind: Kind) -> Vec<Created> {
        self.created.get(kind.0).into_iter().flatten().filter_map(|n| Created::parse(kind.0, n)).collect()
    }

    /// Applies one record to the state (in memory).
    pub fn apply_record(&mut self, record: Record) {
        match record {
            Record::Created(c) => {
                let (kind, name) = c.key();
                let list = self.created.entry(kind.to_string()).or_default();
                if !list.contains(&name) {
                    list.push(name);
                }
            }
            Record::Removed(c) => {
                let (kind, name) = c.key();
                if let Some(list) = self.created.get_mut(kind) {
                    list.retain(|n| *n != name);
                    if list.is_empty() {
                        self.created.remove(kind);
                    }
                }
            }
            Record::RemovedAll(kind) => {
                self.created.remove(kind.0);
            }
            Record::AccessKey(k) => self.access_key = Some(k),
            Record::Generated { name, value } => {
                self.generated.insert(name, value);
            }
            Record::Invite { email, link, expires } => {
                self.pending_invites.insert(email.clone(), link);
                self.invite_expires.insert(email, expires);
            }
            Record::InviteShown(email) => {
                self.pending_invites.remove(&email);
            }
            Record::Pushed { key, fingerprint } => {
                self.pushed.insert(key, fingerprint);
            }
            Record::VercelProjectId(id) => self.vercel_project_id = id,
            Record::Auth0ClientId(id) => self.auth0_client_id = id,
            Record::Domain(d) => self.domain = d,
            Record::RetireAccessKeys(ids) => self.retire_access_keys = ids,
            Record::AccessKeyDeleted(id) => {
                if self.access_key.as_ref().is_some_and(|k| k.id == id) {
                    self.access_key = None;
                }
            }
            Record::Unpushed(key) => {
                self.pushed.remove(&key);
            }
            Record::UnpushedAll => self.pushed.clear(),
            Record::InvitesDropped => {
                self.pending_invites.clear();
                self.invite_expires.clear();
            }
            Record::GeneratedForgotten => self.generated.clear(),
        }
    }
}

impl StateStore {
    /// Writes `records` to the journal, all at once, before returning (write-ahead): read-merge-write under the
    /// file's lock, atomic rename, mode 0600. The only way steps change the state file.
    ///
    /// # Errors
    /// [`StateError`] when the file cannot be written or another process holds its lock too long.
    pub fn record(&self, records: impl IntoIterator<Item = Record>) -> Result<(), StateError> {
        let records: Vec<Record> = records.into_iter().collect();
        if records.is_empty() {
            return Ok(());
        }
        self.update(|s| {
            for r in records {
                s.apply_record(r);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_records_round_trip_through_the_on_disk_map() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let store = StateStore::open(&path).unwrap();
        let att = Created::RamAttachment { policy_type: "Custom".into(), policy: "lobehub-oss".into() };
        store
            .record([
                Record::Created(Created::RamUser("lobehub".into())),
                Record::Created(att.clone()),
                Record::Created(Created::VercelEnv("APP_URL".into())),
                Record::Created(Created::VercelEnv("APP_URL".into())),
            ])
            .unwrap();
        let state = StateStore::open(&path).unwrap().snapshot();
        assert!(state.has(&att) && state.has(&Created::RamUser("lobehub".into())));
        assert_eq!(state.created["ram-attachment"], ["Custom:lobehub-oss"], "the format earlier versions wrote");
        assert_eq!(state.created_of(Kind("vercel-env")), [Created::VercelEnv("APP_URL".into())]);
        store.record([Record::Removed(att.clone()), Record::RemovedAll(Kind("vercel-env"))]).unwrap();
        let state = store.snapshot();
        assert!(
            !state.has(&att)
                && !state.created.contains_key("vercel-env")
                && !state.created.contains_key("ram-attachment")
        );
    }

    #[test]
    fn unknown_kinds_and_malformed_names_are_kept_but_never_acted_on() {
        let mut state = State::default();
        state.created.insert("auth0-invited".into(), vec!["a@example.com".into()]);
        state.created.insert("ram-attachment".into(), vec!["no-colon".into()]);
        assert!(state.created_of(Created::kind_ram_attachment()).is_empty());
        assert!(Created::KINDS.iter().all(|k| k.0 != "auth0-invited"));
    }

    #[test]
    fn secrets_and_invites_are_journaled_and_redacted() {
        let store = StateStore::in_memory();
        store
            .record([
                Record::Invite { email: "a@example.com".into(), link: StoredSecret::new("https://t/x"), expires: 9 },
                Record::Generated { name: "KEY_VAULTS_SECRET".into(), value: StoredSecret::new("kv") },
            ])
            .unwrap();
        let s = store.snapshot();
        assert_eq!(s.invite_expires["a@example.com"], 9);
        assert_eq!(s.generated["KEY_VAULTS_SECRET"].expose(), "kv");
        assert!(!format!("{s:?}").contains("https://t/x"));
        store.record([Record::InviteShown("a@example.com".into())]).unwrap();
        assert!(store.snapshot().pending_invites.is_empty());
        assert_eq!(store.snapshot().invite_expires["a@example.com"], 9, "the expiry stays: a new link after it");
    }
}
