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
use std::time::Duration;

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
    /// RAM AccessKey ids replaced by a rotation, to delete once a production deployment built from the
    /// environment that no longer uses them is READY (recorded before that deployment is made, so a run killed
    /// in between leaves the retirement to whichever later run sees the deployment READY).
    pub retire_access_keys: Vec<String>,
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
    /// Another process holds the state file's lock (another `apply`, `set-domain` or `destroy` is running).
    #[error(
        "state file {path} is in use by {holder}; waited {waited_secs} s. Wait for that run to finish and try again \
         (if that process no longer exists, the lock was released with it: just run again)"
    )]
    Locked {
        /// The state file.
        path: PathBuf,
        /// Who holds the lock: pid, command and start time, as the holder recorded them.
        holder: String,
        /// How long this process waited, in seconds.
        waited_secs: u64,
    },
}

/// Who holds the state file's lock, as written into the lock file by the holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// The holder's process id.
    pub pid: u32,
    /// The command it runs (`apply`, `set-domain`, `destroy`, `state write`).
    pub command: String,
    /// When it took the lock (RFC 3339, UTC).
    pub started: String,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "process {} (`provision {}`, started {})", self.pid, self.command, self.started)
    }
}

/// The lock file next to the state file: `state.json` → `state.json.lock`.
pub fn lock_path(state_path: &Path) -> PathBuf {
    let mut name = state_path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "state".into());
    name.push(".lock");
    state_path.with_file_name(name)
}

/// An exclusive advisory lock (`flock(2)` through the `fd-lock` crate) on the lock file. The lock belongs to the
/// open file: it is released when this value is dropped, and by the operating system when the process dies, so
/// a crashed run never leaves a stale lock behind.
struct HeldLock {
    // The guard is forgotten once taken (it only borrows the file); closing the file releases the lock.
    _file: fd_lock::RwLock<std::fs::File>,
}

impl fmt::Debug for HeldLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HeldLock")
    }
}

impl HeldLock {
    /// Tries once to take the lock; `Ok(None)` when another open file holds it.
    fn try_take(state_path: &Path, command: &str) -> Result<Option<Self>, StateError> {
        let path = lock_path(state_path);
        let io = |source| StateError::Io { path: path.clone(), source };
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(io)?;
        let mut lock = fd_lock::RwLock::new(file);
        match lock.try_write() {
            Ok(mut guard) => {
                // Record who holds it, for the message another process shows while waiting.
                let holder = LockHolder {
                    pid: std::process::id(),
                    command: command.to_string(),
                    started: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                };
                if let Ok(text) = serde_json::to_vec(&holder) {
                    use std::io::Seek;
                    let file: &mut std::fs::File = &mut guard;
                    let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(&text));
                }
                // Held until the file is closed (when `Self` is dropped), not until the guard goes.
                std::mem::forget(guard);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(None),
            Err(source) => return Err(io(source)),
        }
        Ok(Some(Self { _file: lock }))
    }

    /// The holder recorded in the lock file, as text (or "another process" when it cannot be read).
    fn holder(state_path: &Path) -> String {
        std::fs::read(lock_path(state_path))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<LockHolder>(&bytes).ok())
            .map(|h| h.to_string())
            .unwrap_or_else(|| "another process".to_string())
    }
}

/// The state file's lock held for a run (see [`StateStore::lock_for_run`]); released when dropped.
#[derive(Debug)]
#[must_use = "the lock is released when this guard is dropped"]
pub struct RunLock {
    slot: Option<Arc<Mutex<Option<HeldLock>>>>,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
    }
}

/// How long a single state write waits for a lock held by another process before giving up.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(10);
const LOCK_POLL: Duration = Duration::from_millis(50);

/// The state file, shared by concurrent steps: each change is written through at once.
///
/// Across processes, the file is guarded by an exclusive lock on `<file>.lock` ([`lock_path`]): `apply`,
/// `set-domain` and `destroy` hold it for the whole run ([`StateStore::lock_for_run`]), and every write takes
/// it for the time of the write when the run does not already hold it. Every write is *read-merge-write*: the
/// change is applied to the file as it is on disk at that moment, so one process never drops a change (such as a
/// write-ahead secret) another process wrote since this one read the file.
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
    run_lock: Arc<Mutex<Option<HeldLock>>>,
}

impl StateStore {
    /// Opens (or starts) the state file at `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, StateError> {
        let path = path.into();
        let state = read_state(&path)?.unwrap_or_else(|| State { version: 1, ..State::default() });
        Ok(Self { path: Some(path), state: Arc::new(Mutex::new(state)), run_lock: Arc::default() })
    }

    /// A store that keeps state in memory only (for `plan` and tests).
    pub fn in_memory() -> Self {
        Self {
            path: None,
            state: Arc::new(Mutex::new(State { version: 1, ..State::default() })),
            run_lock: Arc::default(),
        }
    }

    /// The file path, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A copy of the current state.
    pub fn snapshot(&self) -> State {
        self.lock().clone()
    }

    /// Takes the state file's lock for a whole run of `command` (held until the returned guard is dropped),
    /// waiting at most `max_wait` for another process to release it; then re-reads the file, so the run starts
    /// from what the previous holder wrote. Errors with [`StateError::Locked`], naming the holder (pid, command,
    /// start time), when the wait runs out. A store without a file, or one already holding the lock, returns at
    /// once (the inner guard then releases nothing).
    pub async fn lock_for_run(&self, command: &str, max_wait: Duration) -> Result<RunLock, StateError> {
        let Some(path) = &self.path else { return Ok(RunLock { slot: None }) };
        if self.holds_run_lock() {
            return Ok(RunLock { slot: None });
        }
        let started = tokio::time::Instant::now();
        let held = loop {
            if let Some(held) = HeldLock::try_take(path, command)? {
                break held;
            }
            let waited = started.elapsed();
            if waited >= max_wait {
                return Err(StateError::Locked {
                    path: path.clone(),
                    holder: HeldLock::holder(path),
                    waited_secs: waited.as_secs(),
                });
            }
            if waited.is_zero() {
                tracing::warn!(holder = %HeldLock::holder(path), "state file in use; waiting");
            }
            tokio::time::sleep(LOCK_POLL.min(max_wait.saturating_sub(waited))).await;
        };
        *self.run_lock.lock().unwrap_or_else(|p| p.into_inner()) = Some(held);
        let guard = RunLock { slot: Some(self.run_lock.clone()) };
        if let Some(fresh) = read_state(path)? {
            *self.lock() = fresh;
        }
        Ok(guard)
    }

    /// Whether this store holds the run lock.
    pub fn holds_run_lock(&self) -> bool {
        self.run_lock.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Changes the state and writes it to disk before returning (write-ahead). Read-merge-write: under the
    /// lock, `f` is applied to the file as it is on disk now (not to this process's older copy), so what other
    /// processes wrote meanwhile is kept.
    pub fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> Result<R, StateError> {
        let mut guard = self.lock();
        let Some(path) = &self.path else { return Ok(f(&mut guard)) };
        let _write_lock = if self.holds_run_lock() { None } else { Some(self.write_lock(path)?) };
        let mut fresh = read_state(path)?.unwrap_or_else(|| guard.clone());
        let out = f(&mut fresh);
        write_atomically(path, &fresh)?;
        *guard = fresh;
        Ok(out)
    }

    /// The lock for one write, when the run does not hold it: waits up to [`WRITE_LOCK_WAIT`].
    fn write_lock(&self, path: &Path) -> Result<HeldLock, StateError> {
        let started = std::time::Instant::now();
        loop {
            if let Some(held) = HeldLock::try_take(path, "state write")? {
                return Ok(held);
            }
            let waited = started.elapsed();
            if waited >= WRITE_LOCK_WAIT {
                return Err(StateError::Locked {
                    path: path.to_path_buf(),
                    holder: HeldLock::holder(path),
                    waited_secs: waited.as_secs(),
                });
            }
            std::thread::sleep(LOCK_POLL);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads the state file; `None` when it does not exist.
fn read_state(path: &Path) -> Result<Option<State>, StateError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| StateError::Corrupt {
            path: path.to_path_buf(),
            line: e.line(),
            reason: e.classify_reason(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StateError::Io { path: path.to_path_buf(), source }),
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
    let text = serde_json::to_vec_pretty(state).map_err(|e| io(std::io::Error::other(e)))?;
    write_private(path, &text).map_err(io)
}

/// Replaces the file at `path` with `bytes`, atomically and privately: a temporary file beside it (mode 0600 on
/// Unix), written and synced, renamed over `path`, then the directory synced. A reader sees the old file or the
/// new one, never a part. Creates the directory if needed. Used for the state file and `plan --out` files.
///
/// # Errors
/// The I/O error of the step that failed (the temporary file may be left behind on a failed rename).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
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
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
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
        // No temporary file is left behind (only the state file and its lock file).
        let mut names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["state.json", "state.json.lock"]);
    }

    #[test]
    fn writes_merge_with_what_another_process_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        // Two processes that both read the file before either wrote.
        let a = StateStore::open(&path).unwrap();
        let b = StateStore::open(&path).unwrap();
        a.update(|s| s.access_key = Some(AccessKeyState { id: "LTAI1".into(), secret: StoredSecret::new("k1") }))
            .unwrap();
        b.update(|s| {
            s.generated.insert("AUTH_SECRET".into(), StoredSecret::new("g1"));
        })
        .unwrap();
        let on_disk = StateStore::open(&path).unwrap().snapshot();
        assert_eq!(on_disk.access_key.map(|k| k.secret.expose().to_string()).as_deref(), Some("k1"));
        assert_eq!(on_disk.generated["AUTH_SECRET"].expose(), "g1");
        // B's copy now includes A's write too.
        assert!(b.snapshot().access_key.is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_second_run_waits_a_bounded_time_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let first = StateStore::open(&path).unwrap();
        let held = first.lock_for_run("apply", Duration::ZERO).await.unwrap();
        assert!(first.holds_run_lock());
        // The holder's own writes need no second lock.
        first.update(|s| s.domain = Some("chat.example.com".into())).unwrap();

        let second = StateStore::open(&path).unwrap();
        let started = tokio::time::Instant::now();
        let err = second.lock_for_run("destroy", Duration::from_secs(5)).await.unwrap_err();
        // Paused clock: the wait is measured on tokio's clock, not the wall clock.
        assert!(started.elapsed() >= Duration::from_secs(5));
        let text = err.to_string();
        assert!(matches!(err, StateError::Locked { .. }), "{text}");
        assert!(text.contains(&format!("process {}", std::process::id())), "{text}");
        assert!(text.contains("provision apply"), "{text}");

        drop(held);
        assert!(!first.holds_run_lock());
        let _held = second.lock_for_run("destroy", Duration::ZERO).await.unwrap();
        // The run starts from what the previous holder wrote.
        assert_eq!(second.snapshot().domain.as_deref(), Some("chat.example.com"));
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
