//! The local state file: ids of what the tool created and every secret the moment a service returns it
//! (write-ahead: a crash right after `CreateAccessKey` must not lose the secret).
//!
//! The file is a cache, not the truth: with it deleted, `apply` converges from live state. It is written
//! atomically (temporary file in the same directory, fsync, rename) with mode 0600.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A secret as stored in the state file: plain in the 0600 file, a [`SecretString`] in memory, redacted in
/// `Debug`.
#[derive(Clone)]
pub struct StoredSecret(pub SecretString);

impl StoredSecret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The value.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl PartialEq for StoredSecret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Serialize for StoredSecret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for StoredSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::new(String::deserialize(d)?))
    }
}

/// A RAM access key the tool created, with its secret (returned only once by RAM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessKeyState {
    /// The AccessKeyId.
    pub id: String,
    /// The AccessKeySecret.
    pub secret: StoredSecret,
}

/// Everything the tool remembers about one deployment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Format version.
    pub version: u32,
    /// Generated secrets by variable name (`KEY_VAULTS_SECRET`, `AUTH_SECRET`, `JWKS_KEY`, `NEXT_AUTH_SECRET`).
    pub generated: BTreeMap<String, StoredSecret>,
    /// The RAM user's access key that Vercel uses.
    pub access_key: Option<AccessKeyState>,
    /// The Vercel project id.
    pub vercel_project_id: Option<String>,
    /// The Auth0 application's client id.
    pub auth0_client_id: Option<String>,
    /// The custom domain recorded by `set-domain`.
    pub domain: Option<String>,
    /// SHA-256 fingerprints (hex) of the secret values last written to Vercel, by variable: Vercel never shows
    /// them again, so this is how a changed secret (a new database password, a rotated client secret) is told
    /// apart from an unchanged one.
    pub pushed: BTreeMap<String, String>,
    /// Invite links issued but not yet shown by a run that completed, by e-mail.
    pub pending_invites: BTreeMap<String, StoredSecret>,
    /// Resources the tool created (kind → names), so `destroy` removes those and nothing else.
    pub created: BTreeMap<String, Vec<String>>,
    /// When the last invite link issued to each trusted user expires (Unix seconds), by e-mail: `apply` issues a
    /// new one once it has expired and the user never signed in.
    pub invite_expires: BTreeMap<String, i64>,
}

/// The fingerprint of a secret value as kept in [`State::pushed`].
///
/// ```
/// let a = provision::state::fingerprint("s3cr3t");
/// assert_eq!(a.len(), 64);
/// assert_ne!(a, provision::state::fingerprint("other"));
/// ```
pub fn fingerprint(value: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(value.as_bytes()))
}

impl State {
    /// Records that the tool created `name` of `kind` (idempotent).
    pub fn mark_created(&mut self, kind: &str, name: &str) {
        let list = self.created.entry(kind.to_string()).or_default();
        if !list.iter().any(|n| n == name) {
            list.push(name.to_string());
        }
    }

    /// Whether the tool created `name` of `kind`.
    pub fn was_created(&self, kind: &str, name: &str) -> bool {
        self.created.get(kind).is_some_and(|l| l.iter().any(|n| n == name))
    }

    /// Forgets every resource of `kind`.
    pub fn forget_all(&mut self, kind: &str) {
        self.created.remove(kind);
    }

    /// Forgets that `name` of `kind` exists.
    pub fn forget(&mut self, kind: &str, name: &str) {
        if let Some(list) = self.created.get_mut(kind) {
            list.retain(|n| n != name);
            if list.is_empty() {
                self.created.remove(kind);
            }
        }
    }
}

/// Errors reading or writing the state file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file could not be read or written.
    #[error("state file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid state JSON.
    #[error(
        "state file {path} is not valid (line {line}): {reason}; move it away and run apply again (live state is the truth)"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line of the error.
        line: usize,
        /// The parser's reason.
        reason: String,
    },
}

/// The state file, shared by concurrent steps: each change is written through at once.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let store = provision::state::StateStore::open(dir.path().join("state.json")).unwrap();
/// store.update(|s| s.vercel_project_id = Some("prj_1".into())).unwrap();
/// let again = provision::state::StateStore::open(dir.path().join("state.json")).unwrap();
/// assert_eq!(again.snapshot().vercel_project_id.as_deref(), Some("prj_1"));
/// ```
#[derive(Debug, Clone)]
pub struct StateStore {
    path: Option<PathBuf>,
    state: Arc<Mutex<State>>,
}

impl StateStore {
    /// Opens (or starts) the state file at `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, StateError> {
        let path = path.into();
        let state = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| StateError::Corrupt {
                path: path.clone(),
                line: e.line(),
                reason: e.classify_reason(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State { version: 1, ..State::default() },
            Err(source) => return Err(StateError::Io { path, source }),
        };
        Ok(Self { path: Some(path), state: Arc::new(Mutex::new(state)) })
    }

    /// A store that keeps state in memory only (for `plan` and tests).
    pub fn in_memory() -> Self {
        Self { path: None, state: Arc::new(Mutex::new(State { version: 1, ..State::default() })) }
    }

    /// The file path, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A copy of the current state.
    pub fn snapshot(&self) -> State {
        self.lock().clone()
    }

    /// Changes the state and writes it to disk before returning (write-ahead).
    pub fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> Result<R, StateError> {
        let mut guard = self.lock();
        let out = f(&mut guard);
        if let Some(path) = &self.path {
            write_atomically(path, &guard)?;
        }
        Ok(out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

trait ClassifyReason {
    fn classify_reason(&self) -> String;
}

impl ClassifyReason for serde_json::Error {
    fn classify_reason(&self) -> String {
        // Never echo file contents (they may be secrets): only the category and column.
        format!("{:?} error at column {}", self.classify(), self.column())
    }
}

fn write_atomically(path: &Path, state: &State) -> Result<(), StateError> {
    let io = |source| StateError::Io { path: path.to_path_buf(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let text = serde_json::to_vec_pretty(state).map_err(|e| io(std::io::Error::other(e)))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id()
    ));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
        file.write_all(&text).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_is_private_and_round_trips_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let store = StateStore::open(&path).unwrap();
        store
            .update(|s| {
                s.access_key = Some(AccessKeyState { id: "LTAI1".into(), secret: StoredSecret::new("s3cr3t") });
                s.mark_created("ram-user", "lobehub");
            })
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let reopened = StateStore::open(&path).unwrap().snapshot();
        assert_eq!(reopened.access_key.unwrap().secret.expose(), "s3cr3t");
        assert!(reopened.created["ram-user"].contains(&"lobehub".to_string()));
        assert!(!format!("{:?}", store.snapshot()).contains("s3cr3t"));
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn corrupt_file_error_does_not_echo_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{\"generated\": {\"AUTH_SECRET\": topsecret").unwrap();
        let err = StateStore::open(&path).unwrap_err().to_string();
        assert!(!err.contains("topsecret"), "{err}");
        assert!(err.contains("not valid"));
    }
}
