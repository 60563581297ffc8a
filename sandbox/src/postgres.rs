//! A real PostgreSQL server for tests and the offline demo: `initdb` into a temporary directory, `pg_ctl start`
//! on a free loopback port, stopped (and the directory removed) on drop.
//!
//! The binaries (`initdb`, `pg_ctl`, `postgres`, `psql`, all in one directory) are looked up in `$PG_BIN_DIR`, then on `PATH`, then under `/usr/lib/postgresql/<major>/bin`
//! (Debian's `postgresql` package; the newest major wins). When none is found, [`PostgresServer::start`] fails
//! with [`PostgresError::NotInstalled`], which says how to install them. `initdb` refuses to run as root, so as
//! root the server runs as the `postgres` system user (created by Debian's package) through `runuser`.
//!
//! Connections over TCP need a password (`scram-sha-256`, so a wrong password really fails); the harness itself
//! administers the server as the `postgres` superuser over its Unix socket (`trust`), in the data directory.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Why a PostgreSQL server could not be started or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostgresError {
    /// No PostgreSQL server binaries were found.
    #[error(
        "PostgreSQL is not installed: no initdb/pg_ctl found in $PG_BIN_DIR, on PATH or under \
         /usr/lib/postgresql/*/bin (install it with `apt-get install -y postgresql`)"
    )]
    NotInstalled,
    /// A command failed.
    #[error("{command} failed: {detail}")]
    Command {
        /// The command (`initdb`, `pg_ctl start`, `psql`).
        command: String,
        /// Its error output (trimmed).
        detail: String,
    },
}

/// A running PostgreSQL server on `127.0.0.1`, stopped on drop.
///
/// ```no_run
/// let pg = sandbox::postgres::PostgresServer::start().expect("PostgreSQL installed");
/// pg.create_role_and_database("app_owner", "s3cret", "app").unwrap();
/// let url = format!("postgresql://app_owner:s3cret@127.0.0.1:{}/app", pg.port());
/// # let _ = url;
/// ```
#[derive(Debug)]
pub struct PostgresServer {
    bin_dir: PathBuf,
    data: tempfile::TempDir,
    port: u16,
    run_as: Option<String>,
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl PostgresServer {
    /// The directory holding `initdb`, `pg_ctl` and `psql`, or [`PostgresError::NotInstalled`].
    pub fn find_binaries() -> Result<PathBuf, PostgresError> {
        let has = |dir: &Path| ["initdb", "pg_ctl", "postgres", "psql"].iter().all(|b| dir.join(b).is_file());
        if let Some(dir) = std::env::var_os("PG_BIN_DIR").map(PathBuf::from)
            && has(&dir)
        {
            return Ok(dir);
        }
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                if has(&dir) {
                    return Ok(dir);
                }
            }
        }
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let major = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                has(&bin).then_some((major, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin).ok_or(PostgresError::NotInstalled)
    }

    /// Whether PostgreSQL server binaries are present.
    pub fn is_installed() -> bool {
        Self::find_binaries().is_ok()
    }

    /// `initdb` + `pg_ctl start` on a free loopback port. Blocking (a second or two); from async code call it
    /// through `tokio::task::spawn_blocking`.
    pub fn start() -> Result<Self, PostgresError> {
        Self::start_on(None)
    }

    /// Like [`start`](Self::start), on `port` when given (else a free port found by probing).
    pub fn start_on(port: Option<u16>) -> Result<Self, PostgresError> {
        Self::start_inner(port, None)
    }

    /// Like [`start_on`](Self::start_on), with a login role owning a database created **before** the server
    /// accepts TCP connections (in single-user mode), so no client can connect in between and see "password
    /// authentication failed" for a role that is about to exist. This is how a Neon compute behaves: the
    /// project's role and database exist before its endpoint answers (Neon API, "Create project": the answer
    /// already carries `roles` and `databases`). Names must be simple identifiers; the password must not
    /// contain `'`.
    pub fn start_with_owner(
        port: Option<u16>,
        role: &str,
        password: &str,
        database: &str,
    ) -> Result<Self, PostgresError> {
        check_names(role, password, database)?;
        let setup = format!(
            "CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'\nCREATE DATABASE \"{database}\" OWNER \"{role}\"\n"
        );
        let server = Self::start_inner(port, Some(&setup))?;
        let found = server.psql(
            "postgres",
            &format!(
                "select count(*) from pg_roles r, pg_database d where r.rolname = '{role}' and d.datname = \
                 '{database}' and d.datdba = r.oid"
            ),
        )?;
        if found != "1" {
            return Err(PostgresError::Command {
                command: "postgres --single".into(),
                detail: format!("role {role} owning database {database} was not created"),
            });
        }
        Ok(server)
    }

    fn start_inner(port: Option<u16>, single_user_setup: Option<&str>) -> Result<Self, PostgresError> {
        let bin_dir = Self::find_binaries()?;
        let run_as = is_root().then(|| "postgres".to_string());
        let data = tempfile::Builder::new().prefix("sandbox-pg-").tempdir().map_err(|e| io("create data dir", e))?;
        if run_as.is_some() {
            let out = Command::new("chown")
                .arg("-R")
                .arg("postgres:")
                .arg(data.path())
                .output()
                .map_err(|e| io("chown", e))?;
            check("chown", &out)?;
        }
        let mut server = Self { bin_dir, data, port: 0, run_as };
        let out = server
            .command("initdb")
            .arg("-D")
            .arg(server.pgdata())
            .args(["-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"])
            .output()
            .map_err(|e| io("initdb", e))?;
        check("initdb", &out)?;
        if let Some(sql) = single_user_setup {
            // Single-user mode: one statement per line, read from stdin; nothing listens meanwhile.
            use std::io::Write as _;
            let mut child = server
                .command("postgres")
                .args(["--single", "-D"])
                .arg(server.pgdata())
                .args(["-F", "-c", "listen_addresses=", "postgres"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| io("postgres --single", e))?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(sql.as_bytes()).map_err(|e| io("postgres --single", e))?;
            }
            let out = child.wait_with_output().map_err(|e| io("postgres --single", e))?;
            check("postgres --single", &out)?;
        }
        // A free port can be taken between the probe and the start: try a few.
        let mut last = None;
        let attempts = if port.is_some() { 1 } else { 3 };
        for _ in 0..attempts {
            let port = match port {
                Some(p) => p,
                None => TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .map_err(|e| io("find a free port", e))?
                    .port(),
            };
            let options = format!(
                "-p {port} -h 127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                server.data.path().display()
            );
            let out = server
                .command("pg_ctl")
                .arg("start")
                .arg("-D")
                .arg(server.pgdata())
                .args(["-w", "-t", "60", "-l"])
                .arg(server.data.path().join("server.log"))
                .args(["-o", &options])
                .output()
                .map_err(|e| io("pg_ctl start", e))?;
            match check("pg_ctl start", &out) {
                Ok(()) => {
                    server.port = port;
                    return Ok(server);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(PostgresError::NotInstalled))
    }

    fn pgdata(&self) -> PathBuf {
        self.data.path().join("pgdata")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin_dir.join(program);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host to connect to (`127.0.0.1`).
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// Runs SQL as the superuser in database `db` (over the Unix socket) and returns psql's unaligned output.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String, PostgresError> {
        let out = self
            .command("psql")
            .arg("-h")
            .arg(self.data.path())
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db, "-X", "-q", "-A", "-t"])
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .map_err(|e| io("psql", e))?;
        check("psql", &out)?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Creates a login role with `password` and a database it owns (what Neon makes for a new project).
    /// Names must be simple identifiers (letters, digits, `_`).
    pub fn create_role_and_database(&self, role: &str, password: &str, database: &str) -> Result<(), PostgresError> {
        check_names(role, password, database)?;
        self.psql("postgres", &format!("CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))?;
        self.psql("postgres", &format!("CREATE DATABASE \"{database}\" OWNER \"{role}\""))?;
        Ok(())
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if self.port != 0 {
            let _ = self
                .command("pg_ctl")
                .arg("stop")
                .arg("-D")
                .arg(self.pgdata())
                .args(["-m", "immediate", "-w"])
                .output();
        }
    }
}

fn check_names(role: &str, password: &str, database: &str) -> Result<(), PostgresError> {
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident(role) || !ident(database) || password.contains('\'') || password.contains('\n') {
        return Err(PostgresError::Command {
            command: "create role".into(),
            detail: "role and database must be simple identifiers; the password must not contain `'` or a newline"
                .into(),
        });
    }
    Ok(())
}

fn io(what: &str, e: std::io::Error) -> PostgresError {
    PostgresError::Command { command: what.into(), detail: e.to_string() }
}

fn check(what: &str, out: &Output) -> Result<(), PostgresError> {
    if out.status.success() {
        return Ok(());
    }
    let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if detail.is_empty() {
        detail = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    let detail: String = detail.chars().take(600).collect();
    Err(PostgresError::Command { command: what.into(), detail })
}
