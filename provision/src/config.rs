//! Inputs: a TOML file (see `provision.example.toml`) for everything that is not a credential, and environment
//! variables for credentials. Every input is validated up front; all problems are reported together, each
//! naming its field.

use crate::lobehub::Profile;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variables that carry credentials.
pub mod env_names {
    /// The Vercel access token.
    pub const VERCEL_TOKEN: &str = "VERCEL_TOKEN";
    /// The Vercel team id (overrides `vercel.team_id`).
    pub const VERCEL_TEAM_ID: &str = "VERCEL_TEAM_ID";
    /// The Auth0 machine-to-machine application's client id.
    pub const AUTH0_CLIENT_ID: &str = "AUTH0_CLIENT_ID";
    /// The Auth0 machine-to-machine application's client secret.
    pub const AUTH0_CLIENT_SECRET: &str = "AUTH0_CLIENT_SECRET";
    /// The Aliyun admin AccessKey id.
    pub const ALIYUN_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
    /// The Aliyun admin AccessKey secret.
    pub const ALIYUN_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
    /// The Postgres connection string for LobeHub.
    pub const DATABASE_URL: &str = "DATABASE_URL";
    /// The Postgres connection string for preview deployments (only with `[previews] enabled = true`): every
    /// preview build runs LobeHub's migrations against it (field-truth §1.7).
    pub const PREVIEW_DATABASE_URL: &str = "PREVIEW_DATABASE_URL";
    /// A GitHub token that may fork into the account and manage its Actions workflows (`[github]`).
    pub const GITHUB_TOKEN: &str = "GITHUB_TOKEN";
    /// A Neon API key (`[database] provider = "neon"`).
    pub const NEON_API_KEY: &str = "NEON_API_KEY";
}

/// Where environment values come from (the process environment, or a map in tests).
pub trait EnvSource {
    /// The value of `name`, if set and not empty.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl EnvSource for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).filter(|v| !v.is_empty()).cloned()
    }
}

/// Which RAM policy the sub-user gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OssPolicyChoice {
    /// A custom policy allowing object operations on the one bucket (default).
    #[default]
    LeastPrivilege,
    /// The system policy `AliyunOSSFullAccess`, as in the original guide.
    FullAccess,
}

/// How the bucket's objects are served (`aliyun.access`).
///
/// LobeHub serves files by presigned GET unless `S3_SET_ACL=1`; only then does it put `public-read` on each object
/// and build URLs from `S3_PUBLIC_DOMAIN` (LH `src/server/services/file/impls/s3.ts` @ `170233397286c03fbbe97920869f184b10a52283`,
/// `src/server/modules/S3/index.ts` @ `681e4ef2ddb3073355ddba2e6c23368319479492`; field-truth §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BucketAccess {
    /// Block Public Access on, private ACL, `S3_SET_ACL=0`: files are read through presigned GETs only (default).
    #[default]
    Private,
    /// Block Public Access off, public-read ACL, `S3_SET_ACL=1`, `S3_PUBLIC_DOMAIN`: every object is readable by
    /// anyone who has its URL (the LobeHub guide's way).
    PublicRead,
}

impl BucketAccess {
    /// `S3_SET_ACL` for this mode.
    pub fn s3_set_acl(self) -> &'static str {
        match self {
            BucketAccess::Private => "0",
            BucketAccess::PublicRead => "1",
        }
    }

    /// What this mode exposes, for the plan.
    pub fn exposes(self) -> &'static str {
        match self {
            BucketAccess::Private => {
                "nothing public: objects are read only through presigned GETs LobeHub signs with the RAM key (valid S3_PREVIEW_URL_EXPIRE_IN, default 7200 s)"
            }
            BucketAccess::PublicRead => {
                "every object, to anyone who has its URL, permanently (LobeHub puts public-read on each upload and links S3_PUBLIC_DOMAIN)"
            }
        }
    }
}

impl fmt::Display for BucketAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BucketAccess::Private => "private",
            BucketAccess::PublicRead => "public-read",
        })
    }
}

/// The TOML file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    profile: Profile,
    state_file: Option<PathBuf>,
    vercel: FileVercel,
    auth0: FileAuth0,
    aliyun: FileAliyun,
    #[serde(default)]
    app: FileApp,
    #[serde(default)]
    endpoints: FileEndpoints,
    #[serde(default)]
    previews: FilePreviews,
    github: Option<FileGithub>,
    database: Option<FileDatabase>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileGithub {
    owner: Option<String>,
    repository: Option<String>,
    #[serde(default)]
    auto_sync: bool,
    #[serde(default = "default_upstream")]
    upstream: String,
}

fn default_upstream() -> String {
    "lobehub/lobehub".into()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDatabase {
    #[serde(default)]
    provider: DatabaseProvider,
    neon_project: Option<String>,
    neon_region: Option<String>,
    neon_org_id: Option<String>,
    /// `url = "vercel-integration"` (issue 13's spelling of `provider = "vercel-integration"`).
    url: Option<String>,
}

/// Where LobeHub's Postgres database comes from (`[database] provider`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatabaseProvider {
    /// `DATABASE_URL` from the environment, as given (the default).
    #[default]
    Url,
    /// A Neon project created or adopted by name through the Neon API (`NEON_API_KEY`).
    Neon,
    /// The Vercel–Neon integration's variable, kept as the integration wrote it.
    VercelIntegration,
}

/// The GitHub fork (`[github]`).
#[derive(Clone)]
pub struct GithubConfig {
    /// The account or organization to fork into; the token's user when `None`.
    pub owner: Option<String>,
    /// The fork's name when one is created (default: the upstream's name). An existing fork is adopted whatever
    /// its name.
    pub repository: Option<String>,
    /// Keep LobeHub's `Upstream Sync` workflow enabled in the fork (default false: it is disabled).
    pub auto_sync: bool,
    /// The repository to fork (`lobehub/lobehub`).
    pub upstream: String,
    /// `GITHUB_TOKEN`.
    pub token: SecretString,
}

/// The database (`[database]`).
#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    /// The provider.
    pub provider: DatabaseProvider,
    /// The Neon project's name (default: the Vercel project's name).
    pub neon_project: String,
    /// The Neon region (`aws-eu-central-1`); required for `neon`.
    pub neon_region: Option<String>,
    /// The Neon organization to create the project in, if the key needs one.
    pub neon_org_id: Option<String>,
    /// `NEON_API_KEY` (empty unless `neon`).
    pub neon_api_key: SecretString,
    /// Whether the configuration has a `[database]` section. Without one, provision behaves as before it had
    /// one: `DATABASE_URL` as given, `DATABASE_DRIVER` only from `app.database_driver`, and `verify`/`doctor`
    /// do not connect to the database (they say so).
    pub explicit: bool,
}

/// Where LobeHub's `DATABASE_URL` comes from (`[database] url`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DatabaseSource {
    /// The `DATABASE_URL` environment variable of the provisioning run; the tool writes it to Vercel.
    #[default]
    Env,
    /// `url = "vercel-integration"`: an integration (Neon through the Vercel Marketplace) injected an
    /// integration-owned `DATABASE_URL` (`configurationId` set, vercel.md §6.1 and Gotcha 16); the tool never
    /// writes or deletes it, and `doctor` still checks it.
    VercelIntegration,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePreviews {
    #[serde(default)]
    enabled: bool,
    domain: Option<String>,
    git_branch: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileVercel {
    project: String,
    git_repository: String,
    team_id: Option<String>,
    #[serde(default = "default_branch")]
    production_branch: String,
}

fn default_branch() -> String {
    "main".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAuth0 {
    domain: String,
    #[serde(default = "default_app_name")]
    application_name: String,
    #[serde(default)]
    trusted_users: Vec<String>,
    /// The database connection trusted users live in (`connection`; `database_connection` is the old name).
    #[serde(default = "default_db_connection", alias = "database_connection")]
    connection: String,
    /// Opt-in: `connection` is an existing connection other applications share.
    #[serde(default)]
    shared_connection: bool,
}

fn default_app_name() -> String {
    "LobeHub".into()
}

/// A dedicated database connection by default: `disable_signup` on a shared connection would change every other
/// application of the tenant (field-truth §3.4).
fn default_db_connection() -> String {
    "lobehub-users".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAliyun {
    region: String,
    bucket: String,
    #[serde(default = "default_ram_user")]
    ram_user: String,
    #[serde(default)]
    policy: OssPolicyChoice,
    public_domain: Option<String>,
    access: Option<BucketAccess>,
}

fn default_ram_user() -> String {
    "lobehub-oss".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileApp {
    domain: Option<String>,
    #[serde(default)]
    vercel_app_fallbacks: Vec<String>,
    database_driver: Option<String>,
    #[serde(default = "yes")]
    restrict_to_trusted_emails: bool,
}

fn yes() -> bool {
    true
}

impl Default for FileApp {
    fn default() -> Self {
        Self { domain: None, vercel_app_fallbacks: Vec::new(), database_driver: None, restrict_to_trusted_emails: true }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEndpoints {
    vercel: Option<String>,
    auth0: Option<String>,
    oss: Option<String>,
    ram: Option<String>,
    github: Option<String>,
    neon: Option<String>,
}

/// Vercel settings.
#[derive(Clone)]
pub struct VercelConfig {
    /// The project name.
    pub project: String,
    /// The GitHub repository (`owner/name`) the project deploys: the user's fork of LobeHub.
    pub git_repository: String,
    /// The team id, if the project lives in a team.
    pub team_id: Option<String>,
    /// The production branch.
    pub production_branch: String,
    /// The access token.
    pub token: SecretString,
}

/// Auth0 settings.
#[derive(Clone)]
pub struct Auth0Config {
    /// The tenant domain (`tenant.eu.auth0.com`).
    pub domain: String,
    /// The LobeHub application's name.
    pub application_name: String,
    /// E-mail addresses of the users to create.
    pub trusted_users: Vec<String>,
    /// The database connection users live in (`auth0.connection`, default `lobehub-users`): created by
    /// `apply` with sign-ups disabled and enabled only for the LobeHub application, unless it already exists.
    pub database_connection: String,
    /// `auth0.shared_connection = true`: using an existing connection that other applications share is allowed
    /// (the plan then lists every other application the sign-up setting affects).
    pub shared_connection: bool,
    /// The M2M application's client id.
    pub m2m_client_id: String,
    /// The M2M application's client secret.
    pub m2m_client_secret: SecretString,
}

/// Aliyun settings.
#[derive(Clone)]
pub struct AliyunConfig {
    /// The region id (`cn-beijing`).
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// The RAM sub-user's name.
    pub ram_user: String,
    /// Which policy the sub-user gets.
    pub policy: OssPolicyChoice,
    /// A custom public domain for the bucket (`https://files.example.com`).
    pub public_domain: Option<String>,
    /// How objects are served (`aliyun.access`, default private).
    pub access: BucketAccess,
    /// Whether `aliyun.access` was written in the file: only then is an existing bucket switched to it.
    pub access_explicit: bool,
    /// The admin AccessKey id.
    pub access_key_id: String,
    /// The admin AccessKey secret.
    pub access_key_secret: SecretString,
}

/// Endpoint overrides (for the simulators, or a proxy). `None` means the real service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// Vercel API base URL.
    pub vercel: Option<String>,
    /// Auth0 tenant base URL.
    pub auth0: Option<String>,
    /// OSS endpoint.
    pub oss: Option<String>,
    /// RAM endpoint.
    pub ram: Option<String>,
    /// GitHub API base URL override (a simulator).
    pub github: Option<String>,
    /// Neon API base URL override, with its `/api/v2` path (a simulator).
    pub neon: Option<String>,
}

/// Preview deployments (opt-in, `[previews]`): they get LobeHub's variables only with their own database and
/// their own app URL, because every preview build runs migrations against its `DATABASE_URL` and a login
/// completes only on the `APP_URL` host (field-truth §1.7).
#[derive(Clone)]
pub struct PreviewConfig {
    /// The preview app host (a custom host, or a `*.vercel.app` name), added to the project for `git_branch`.
    pub domain: String,
    /// The branch whose preview deployments the domain serves.
    pub git_branch: String,
    /// The preview database (`PREVIEW_DATABASE_URL`).
    pub database_url: SecretString,
}

/// The validated configuration.
#[derive(Clone)]
pub struct Config {
    /// The LobeHub profile.
    pub profile: Profile,
    /// Where the state file lives.
    pub state_file: PathBuf,
    /// Vercel.
    pub vercel: VercelConfig,
    /// Auth0.
    pub auth0: Auth0Config,
    /// Aliyun.
    pub aliyun: AliyunConfig,
    /// The custom domain of the app (`chat.example.com`), if any.
    pub domain: Option<String>,
    /// Without a custom domain: the `*.vercel.app` hosts to claim, in order — `<project>.vercel.app` first, then
    /// `app.vercel_app_fallbacks` (each `name` or `name.vercel.app`).
    pub vercel_app_candidates: Vec<String>,
    /// Preview deployments, when `[previews] enabled = true`; `None`: LobeHub's variables target production only.
    pub previews: Option<PreviewConfig>,
    /// `DATABASE_DRIVER` (`node` for plain TCP Postgres), if any.
    pub database_driver: Option<String>,
    /// Whether to set `AUTH_ALLOWED_EMAILS` to the trusted users.
    pub restrict_to_trusted_emails: bool,
    /// The Postgres URL (empty with [`DatabaseSource::VercelIntegration`]).
    pub database_url: SecretString,
    /// Where `DATABASE_URL` comes from.
    pub database_source: DatabaseSource,
    /// Endpoint overrides.
    pub endpoints: Endpoints,
    /// The fork, when `[github]` is present.
    pub github: Option<GithubConfig>,
    /// The database.
    pub database: DatabaseConfig,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("profile", &self.profile)
            .field("state_file", &self.state_file)
            .field("vercel.project", &self.vercel.project)
            .field("vercel.git_repository", &self.vercel.git_repository)
            .field("vercel.team_id", &self.vercel.team_id)
            .field("vercel.token", &"[REDACTED]")
            .field("auth0.domain", &self.auth0.domain)
            .field("auth0.application_name", &self.auth0.application_name)
            .field("auth0.trusted_users", &self.auth0.trusted_users)
            .field("auth0.m2m_client_id", &self.auth0.m2m_client_id)
            .field("auth0.m2m_client_secret", &"[REDACTED]")
            .field("aliyun.region", &self.aliyun.region)
            .field("aliyun.bucket", &self.aliyun.bucket)
            .field("aliyun.ram_user", &self.aliyun.ram_user)
            .field("aliyun.access", &self.aliyun.access)
            .field("aliyun.access_key_id", &self.aliyun.access_key_id)
            .field("aliyun.access_key_secret", &"[REDACTED]")
            .field("domain", &self.domain)
            .field("database_url", &"[REDACTED]")
            .field("endpoints", &self.endpoints)
            .field("github", &self.github.as_ref().map(|g| (&g.owner, &g.repository, g.auto_sync)))
            .field("database", &self.database)
            .finish()
    }
}

/// One problem with one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The field (`aliyun.bucket`) or environment variable (`env VERCEL_TOKEN`).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Every problem found in the inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in file order.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration has {} problem(s):", self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "  {}: {}", p.field, p.message)?;
        }
        Ok(())
    }
}

impl ConfigError {
    fn one(field: &str, message: impl Into<String>) -> Self {
        Self { problems: vec![ConfigProblem { field: field.into(), message: message.into() }] }
    }

    /// Whether some problem is about `field`.
    pub fn mentions(&self, field: &str) -> bool {
        self.problems.iter().any(|p| p.field == field)
    }
}

impl Config {
    /// Reads and validates the TOML file at `path`, with credentials from the process environment.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::one("config", format!("cannot read {}: {e}", path.display())))?;
        Self::from_toml(&text, &ProcessEnv)
    }

    /// Parses and validates TOML text with credentials from `env`.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let toml = r#"
    ///     [vercel]
    ///     project = "lobehub"
    ///     git_repository = "me/lobehub"
    ///     [auth0]
    ///     domain = "me.eu.auth0.com"
    ///     trusted_users = ["alice@example.com"]
    ///     [aliyun]
    ///     region = "cn-beijing"
    ///     bucket = "my-lobehub-files"
    /// "#;
    /// let env: BTreeMap<String, String> = [
    ///     ("VERCEL_TOKEN", "t"), ("AUTH0_CLIENT_ID", "c"), ("AUTH0_CLIENT_SECRET", "s"),
    ///     ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "k"),
    ///     ("DATABASE_URL", "postgres://u:p@db/lobehub"),
    /// ].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    /// let config = provision::config::Config::from_toml(toml, &env).unwrap();
    /// assert_eq!(config.aliyun.ram_user, "lobehub-oss");
    /// let err = provision::config::Config::from_toml(&toml.replace("my-lobehub-files", "My_Bucket"), &env).unwrap_err();
    /// assert!(err.mentions("aliyun.bucket"));
    /// ```
    pub fn from_toml(text: &str, env: &dyn EnvSource) -> Result<Self, ConfigError> {
        let file: FileConfig = toml::from_str(text).map_err(|e| match e.span() {
            Some(span) => {
                let (field, line) = field_at(text, span.start);
                ConfigError::one(&field, format!("{} (line {line})", e.message()))
            }
            None => ConfigError::one("config", e.message().to_string()),
        })?;
        let mut problems = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                problems.push(ConfigProblem { field: field.into(), message });
            }
        };
        let secret = |name: &str, what: &str, problems: &mut Vec<ConfigProblem>| -> SecretString {
            match env.get(name) {
                Some(v) => SecretString::from(v),
                None => {
                    problems.push(ConfigProblem {
                        field: format!("env {name}"),
                        message: format!("is not set; it holds {what}"),
                    });
                    SecretString::from(String::new())
                }
            }
        };
        let mut creds = Vec::new();
        let token = secret(env_names::VERCEL_TOKEN, "the Vercel access token", &mut creds);
        let m2m_secret =
            secret(env_names::AUTH0_CLIENT_SECRET, "the Auth0 M2M application's client secret", &mut creds);
        let aliyun_secret =
            secret(env_names::ALIYUN_ACCESS_KEY_SECRET, "the Aliyun admin AccessKey secret", &mut creds);
        let db_explicit = file.database.is_some();
        let mut db_file = file.database.clone().unwrap_or_default();
        match db_file.url.as_deref() {
            None | Some("env") => {}
            Some("vercel-integration") => db_file.provider = DatabaseProvider::VercelIntegration,
            Some(other) => creds.push(ConfigProblem {
                field: "database.url".into(),
                message: format!(
                    "`{other}` is not a source: use \"vercel-integration\" (the Neon integration's DATABASE_URL) or leave it out (the DATABASE_URL environment variable)"
                ),
            }),
        }
        let database_source = if db_file.provider == DatabaseProvider::VercelIntegration {
            DatabaseSource::VercelIntegration
        } else {
            DatabaseSource::Env
        };
        let database_url = if db_file.provider == DatabaseProvider::Url {
            secret(env_names::DATABASE_URL, "LobeHub's Postgres connection string", &mut creds)
        } else {
            SecretString::from(env.get(env_names::DATABASE_URL).unwrap_or_default())
        };
        let github_token = match &file.github {
            Some(_) => secret(env_names::GITHUB_TOKEN, "a GitHub token that can fork and manage workflows", &mut creds),
            None => SecretString::from(String::new()),
        };
        let neon_api_key = if db_file.provider == DatabaseProvider::Neon {
            secret(env_names::NEON_API_KEY, "the Neon API key", &mut creds)
        } else {
            SecretString::from(String::new())
        };
        if db_file.provider == DatabaseProvider::Neon {
            match &db_file.neon_region {
                None => creds.push(ConfigProblem {
                    field: "database.neon_region".into(),
                    message: "is required with provider = \"neon\" (a Neon region such as aws-eu-central-1)".into(),
                }),
                Some(r)
                    if !(r.starts_with("aws-") || r.starts_with("azure-"))
                        || !r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') =>
                {
                    creds.push(ConfigProblem {
                        field: "database.neon_region".into(),
                        message: format!("`{r}` is not a Neon region id such as aws-eu-central-1"),
                    })
                }
                Some(_) => {}
            }
        }
        if let Some(g) = &file.github {
            let gh_name = crate::github::valid_name;
            if let Some(o) = &g.owner
                && !gh_name(o)
            {
                creds.push(ConfigProblem {
                    field: "github.owner".into(),
                    message: format!("`{o}` is not a GitHub account name"),
                });
            }
            if let Some(r) = &g.repository
                && !gh_name(r)
            {
                creds.push(ConfigProblem {
                    field: "github.repository".into(),
                    message: format!("`{r}` is not a repository name"),
                });
            }
            if validate_git_repository(&g.upstream).is_err() {
                creds.push(ConfigProblem { field: "github.upstream".into(), message: "must be owner/name".into() });
            }
        }
        let m2m_id = env.get(env_names::AUTH0_CLIENT_ID).unwrap_or_default();
        if m2m_id.is_empty() {
            creds.push(ConfigProblem {
                field: format!("env {}", env_names::AUTH0_CLIENT_ID),
                message: "is not set; it holds the Auth0 M2M application's client id".into(),
            });
        }
        let aliyun_id = env.get(env_names::ALIYUN_ACCESS_KEY_ID).unwrap_or_default();
        if aliyun_id.is_empty() {
            creds.push(ConfigProblem {
                field: format!("env {}", env_names::ALIYUN_ACCESS_KEY_ID),
                message: "is not set; it holds the Aliyun admin AccessKey id".into(),
            });
        }

        check("vercel.project", validate_vercel_project(&file.vercel.project));
        check("vercel.git_repository", validate_git_repository(&file.vercel.git_repository));
        check("vercel.production_branch", non_empty(&file.vercel.production_branch));
        check(
            "auth0.domain",
            validate_hostname(&file.auth0.domain).map_err(|e| format!("{e} (a bare host like tenant.eu.auth0.com)")),
        );
        check("auth0.application_name", validate_app_name(&file.auth0.application_name));
        check(
            "auth0.connection",
            auth0_client::connections::validate_connection_name(&file.auth0.connection)
                .map_err(|e| e.message().to_string()),
        );
        for (i, email) in file.auth0.trusted_users.iter().enumerate() {
            check(&format!("auth0.trusted_users[{i}]"), validate_email(email));
        }
        check("aliyun.region", validate_region(&file.aliyun.region));
        check("aliyun.bucket", validate_bucket_name(&file.aliyun.bucket));
        check("aliyun.ram_user", validate_ram_user_name(&file.aliyun.ram_user));
        if let Some(d) = &file.aliyun.public_domain {
            check("aliyun.public_domain", validate_https_url(d));
        }
        if let Some(d) = &file.app.domain {
            check("app.domain", validate_hostname(d).map_err(|e| format!("{e} (a bare host like chat.example.com)")));
        }
        let mut candidates = vec![format!("{}.vercel.app", file.vercel.project)];
        for (i, name) in file.app.vercel_app_fallbacks.iter().enumerate() {
            let host = vercel_app_host(name);
            match validate_hostname(&host) {
                Ok(()) if host.len() - ".vercel.app".len() <= 63 => candidates.push(host),
                Ok(()) => creds.push(ConfigProblem {
                    field: format!("app.vercel_app_fallbacks[{i}]"),
                    message: format!("`{name}` is longer than 63 characters; Vercel would shorten it"),
                }),
                Err(e) => creds.push(ConfigProblem {
                    field: format!("app.vercel_app_fallbacks[{i}]"),
                    message: format!("{e} (a name like lobehub-alice, or lobehub-alice.vercel.app)"),
                }),
            }
        }
        candidates.dedup();
        let previews = if file.previews.enabled {
            let domain = file.previews.domain.clone().unwrap_or_default().to_ascii_lowercase();
            if domain.is_empty() {
                creds.push(ConfigProblem {
                    field: "previews.domain".into(),
                    message:
                        "is required with previews.enabled: preview logins complete only on their own APP_URL host"
                            .into(),
                });
            } else if let Err(e) = validate_hostname(&domain) {
                creds.push(ConfigProblem { field: "previews.domain".into(), message: e });
            } else if Some(&domain) == file.app.domain.as_ref().map(|d| d.to_ascii_lowercase()).as_ref()
                || domain == format!("{}.vercel.app", file.vercel.project)
            {
                creds.push(ConfigProblem {
                    field: "previews.domain".into(),
                    message: "must differ from the production app host".into(),
                });
            }
            let branch = file.previews.git_branch.clone().unwrap_or_default();
            if branch.trim().is_empty() {
                creds.push(ConfigProblem {
                    field: "previews.git_branch".into(),
                    message: "is required with previews.enabled: the branch whose previews previews.domain serves"
                        .into(),
                });
            } else if branch == file.vercel.production_branch {
                creds.push(ConfigProblem {
                    field: "previews.git_branch".into(),
                    message: "must not be the production branch".into(),
                });
            }
            let db = secret(env_names::PREVIEW_DATABASE_URL, "the preview deployments' own Postgres URL", &mut creds);
            {
                use secrecy::ExposeSecret;
                if db.expose_secret() == env.get(env_names::DATABASE_URL).unwrap_or_default()
                    && !db.expose_secret().is_empty()
                {
                    creds.push(ConfigProblem {
                        field: format!("env {}", env_names::PREVIEW_DATABASE_URL),
                        message: "is the production DATABASE_URL: preview builds would migrate the production database"
                            .into(),
                    });
                }
            }
            Some(PreviewConfig { domain, git_branch: branch, database_url: db })
        } else {
            if file.previews.domain.is_some() || file.previews.git_branch.is_some() {
                creds.push(ConfigProblem {
                    field: "previews.enabled".into(),
                    message: "previews.domain/git_branch are set but previews are not enabled; add enabled = true"
                        .into(),
                });
            }
            None
        };
        if let Some(d) = &file.app.database_driver {
            check(
                "app.database_driver",
                if d == "node" || d == "neon" { Ok(()) } else { Err(format!("`{d}` is not `node` or `neon`")) },
            );
        }
        for (field, url) in [
            ("endpoints.vercel", &file.endpoints.vercel),
            ("endpoints.auth0", &file.endpoints.auth0),
            ("endpoints.oss", &file.endpoints.oss),
            ("endpoints.ram", &file.endpoints.ram),
            ("endpoints.github", &file.endpoints.github),
            ("endpoints.neon", &file.endpoints.neon),
        ] {
            if let Some(url) = url {
                check(field, cloud_http::validate_base_url(url).map(|_| ()).map_err(|e| e.to_string()));
            }
        }
        {
            use secrecy::ExposeSecret;
            let db = database_url.expose_secret();
            if !(db.is_empty() || db.starts_with("postgres://") || db.starts_with("postgresql://")) {
                creds.push(ConfigProblem {
                    field: format!("env {}", env_names::DATABASE_URL),
                    message: "is not a postgres:// or postgresql:// URL".into(),
                });
            }
        }
        problems.extend(creds);
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        let neon_project = db_file.neon_project.clone().unwrap_or_else(|| file.vercel.project.clone());
        Ok(Config {
            profile: file.profile,
            state_file: file.state_file.unwrap_or_else(|| PathBuf::from(".provision-state.json")),
            vercel: VercelConfig {
                project: file.vercel.project,
                git_repository: file.vercel.git_repository,
                team_id: env.get(env_names::VERCEL_TEAM_ID).or(file.vercel.team_id),
                production_branch: file.vercel.production_branch,
                token,
            },
            auth0: Auth0Config {
                domain: file.auth0.domain.to_ascii_lowercase(),
                application_name: file.auth0.application_name,
                trusted_users: file.auth0.trusted_users.iter().map(|e| e.trim().to_ascii_lowercase()).collect(),
                database_connection: file.auth0.connection,
                shared_connection: file.auth0.shared_connection,
                m2m_client_id: m2m_id,
                m2m_client_secret: m2m_secret,
            },
            aliyun: AliyunConfig {
                region: file.aliyun.region,
                bucket: file.aliyun.bucket,
                ram_user: file.aliyun.ram_user,
                policy: file.aliyun.policy,
                public_domain: file.aliyun.public_domain.map(|d| d.trim_end_matches('/').to_string()),
                access: file.aliyun.access.unwrap_or_default(),
                access_explicit: file.aliyun.access.is_some(),
                access_key_id: aliyun_id,
                access_key_secret: aliyun_secret,
            },
            domain: file.app.domain.map(|d| d.to_ascii_lowercase()),
            vercel_app_candidates: candidates,
            previews,
            database_driver: file.app.database_driver,
            restrict_to_trusted_emails: file.app.restrict_to_trusted_emails,
            database_url,
            database_source,
            endpoints: Endpoints {
                vercel: file.endpoints.vercel,
                auth0: file.endpoints.auth0,
                oss: file.endpoints.oss,
                ram: file.endpoints.ram,
                github: file.endpoints.github,
                neon: file.endpoints.neon,
            },
            github: file.github.map(|g| GithubConfig {
                owner: g.owner,
                repository: g.repository,
                auto_sync: g.auto_sync,
                upstream: g.upstream,
                token: github_token,
            }),
            database: DatabaseConfig {
                provider: db_file.provider,
                neon_project,
                neon_region: db_file.neon_region,
                neon_org_id: db_file.neon_org_id,
                neon_api_key,
                explicit: db_explicit,
            },
        })
    }
}

/// The dotted key (`vercel.project`) whose `key = value` line holds byte `offset` of `text`, and the line number;
/// `config` when the line is not a `key = value` line (a table header, a continued array).
fn field_at(text: &str, offset: usize) -> (String, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_no = text[..line_start].matches('\n').count() + 1;
    let line = text[line_start..].lines().next().unwrap_or_default();
    let Some((key, _)) = line.split_once('=') else { return ("config".into(), line_no) };
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.contains(char::is_whitespace) {
        return ("config".into(), line_no);
    }
    let table = text[..line_start].lines().rev().map(str::trim).find_map(|l| {
        l.strip_prefix('[').and_then(|l| l.split(']').next()).map(|t| t.trim_matches('[').trim().to_string())
    });
    match table {
        Some(t) if !t.is_empty() => (format!("{t}.{key}"), line_no),
        _ => (key.to_string(), line_no),
    }
}

/// `name` → `name.vercel.app`; a name already ending in `.vercel.app` is kept (lower-cased).
fn vercel_app_host(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    if n.ends_with(".vercel.app") { n } else { format!("{n}.vercel.app") }
}

fn non_empty(v: &str) -> Result<(), String> {
    if v.trim().is_empty() { Err("must not be empty".into()) } else { Ok(()) }
}

/// Checks a DNS host name (no scheme, port or path): the workspace's one host-name rule,
/// [`cloud_http::validate_host_name`] (RFC 1123 §2.1 labels, fully qualified).
///
/// ```
/// assert!(provision::config::validate_hostname("chat.example.com").is_ok());
/// assert!(provision::config::validate_hostname("https://chat.example.com").is_err());
/// ```
pub fn validate_hostname(v: &str) -> Result<(), String> {
    cloud_http::validate_host_name(v).map_err(|e| e.to_string())
}

/// Checks an e-mail address with auth0-client's own check ([`auth0_client::users::validate_email`]: a local part
/// of at most 64 characters, a fully qualified host after the `@`, no spaces), so the config refuses exactly what
/// the client would.
///
/// ```
/// assert!(provision::config::validate_email("alice@example.com").is_ok());
/// assert!(provision::config::validate_email("alice@localhost").is_err());
/// assert!(provision::config::validate_email("alice example.com").is_err());
/// ```
pub fn validate_email(v: &str) -> Result<(), String> {
    auth0_client::users::validate_email("config", v.trim()).map_err(|e| e.message().to_string())
}

/// Checks an Aliyun region id (`cn-beijing`, `ap-southeast-1`) with oss-client's own check
/// ([`oss_client::endpoint::validate_region`]).
///
/// ```
/// assert!(provision::config::validate_region("cn-beijing").is_ok());
/// assert!(provision::config::validate_region("oss-cn-beijing").is_err());
/// ```
pub fn validate_region(v: &str) -> Result<(), String> {
    oss_client::endpoint::validate_region(v).map_err(|e| e.detail().unwrap_or("invalid").to_string())
}

/// Checks an OSS bucket name: 3–63 characters, lower-case letters, digits and `-`, starting and ending with a
/// letter or digit (oss-client's own check, so the config refuses exactly what the client would).
///
/// ```
/// assert!(provision::config::validate_bucket_name("lobehub-files").is_ok());
/// assert!(provision::config::validate_bucket_name("Lobehub_Files").is_err());
/// ```
pub fn validate_bucket_name(v: &str) -> Result<(), String> {
    oss_client::endpoint::validate_bucket_name("config", v).map_err(|e| e.detail().unwrap_or("invalid").to_string())
}

/// Checks a RAM user name: 1–64 characters of `A-Za-z0-9._-` (oss-client's own check).
///
/// ```
/// assert!(provision::config::validate_ram_user_name("lobehub-oss").is_ok());
/// assert!(provision::config::validate_ram_user_name("lobe hub").is_err());
/// ```
pub fn validate_ram_user_name(v: &str) -> Result<(), String> {
    oss_client::ram::names::validate_user_name("config", v).map_err(|e| e.detail().unwrap_or("invalid").to_string())
}

fn validate_vercel_project(v: &str) -> Result<(), String> {
    let ok = (1..=100).contains(&v.len())
        && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && !v.contains("---");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{v}` is not a valid Vercel project name: up to 100 lower-case letters, digits, `.`, `_`, `-` (no `---`)"
        ))
    }
}

fn validate_git_repository(v: &str) -> Result<(), String> {
    let parts: Vec<&str> = v.split('/').collect();
    let ok = parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')));
    if ok {
        Ok(())
    } else {
        Err(format!("`{v}` is not a GitHub repository `owner/name` (your fork of lobehub/lobehub)"))
    }
}

fn validate_app_name(v: &str) -> Result<(), String> {
    if v.trim().is_empty() || v.len() > 128 || v.contains('<') || v.contains('>') {
        Err("must be 1-128 characters without < or >".into())
    } else {
        Ok(())
    }
}

fn validate_https_url(v: &str) -> Result<(), String> {
    let url = url::Url::parse(v).map_err(|_| format!("`{v}` is not a URL"))?;
    if url.scheme() != "https" && !cloud_http::endpoint::is_loopback_host(url.host_str().unwrap_or("")) {
        return Err(format!("`{v}` is not https"));
    }
    if url.path() != "/" || url.query().is_some() {
        return Err(format!("`{v}` must be an origin without a path"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> BTreeMap<String, String> {
        [
            ("VERCEL_TOKEN", "tok-secret"),
            ("AUTH0_CLIENT_ID", "m2m"),
            ("AUTH0_CLIENT_SECRET", "m2m-secret"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIadmin"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "admin-secret"),
            ("DATABASE_URL", "postgres://u:dbpass@db/lobehub"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    const GOOD: &str = r#"
        profile = "current"
        [vercel]
        project = "lobehub"
        git_repository = "me/lobehub"
        [auth0]
        domain = "me.eu.auth0.com"
        trusted_users = ["alice@example.com"]
        [aliyun]
        region = "cn-beijing"
        bucket = "my-lobehub-files"
        [app]
        domain = "chat.example.com"
    "#;

    #[test]
    fn good_config_loads_and_debug_hides_secrets() {
        let c = Config::from_toml(GOOD, &env()).unwrap();
        assert_eq!(c.domain.as_deref(), Some("chat.example.com"));
        let shown = format!("{c:?}");
        for secret in ["tok-secret", "m2m-secret", "admin-secret", "dbpass"] {
            assert!(!shown.contains(secret), "{secret}");
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = GOOD
            .replace("my-lobehub-files", "Bad_Bucket")
            .replace("cn-beijing", "beijing")
            .replace("alice@example.com", "alice")
            .replace("me.eu.auth0.com", "https://me.eu.auth0.com/")
            .replace("chat.example.com", "chat example")
            .replace("me/lobehub", "lobehub");
        let mut e = env();
        e.remove("VERCEL_TOKEN");
        e.insert("DATABASE_URL".into(), "mysql://x".into());
        let err = Config::from_toml(&bad, &e).unwrap_err();
        for field in [
            "aliyun.bucket",
            "aliyun.region",
            "auth0.trusted_users[0]",
            "auth0.domain",
            "app.domain",
            "vercel.git_repository",
            "env VERCEL_TOKEN",
            "env DATABASE_URL",
        ] {
            assert!(err.mentions(field), "{field}: {err}");
        }
        assert!(!err.to_string().contains("mysql://x"));
    }

    #[test]
    fn toml_errors_name_the_key() {
        let err = Config::from_toml(&GOOD.replace("project = \"lobehub\"", "project = 42"), &env()).unwrap_err();
        assert!(err.mentions("vercel.project"), "{err}");
        assert!(err.to_string().contains("line 4"), "{err}");
        let err = Config::from_toml(&GOOD.replace("[app]", "[app]\ncolour = \"red\""), &env()).unwrap_err();
        assert!(err.mentions("app.colour"), "{err}");
        let err = Config::from_toml("[vercel\nproject = ", &env()).unwrap_err();
        assert!(err.mentions("config"), "{err}");
    }

    #[test]
    fn unknown_fields_and_insecure_endpoints_are_refused() {
        let err = Config::from_toml(&format!("{GOOD}\n[endpoints]\nvercel = \"http://api.vercel.com\"\n"), &env())
            .unwrap_err();
        assert!(err.mentions("endpoints.vercel"), "{err}");
        let err = Config::from_toml(&GOOD.replace("[app]", "[app]\ncolour = \"red\""), &env()).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}

/// The credentials every configuration needs, as placeholders: the environment of unit tests.
#[cfg(test)]
pub(crate) fn test_env() -> std::collections::BTreeMap<String, String> {
    [
        ("VERCEL_TOKEN", "t"),
        ("AUTH0_CLIENT_ID", "c"),
        ("AUTH0_CLIENT_SECRET", "s"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "k"),
        ("DATABASE_URL", "postgres://u:p@db/lobehub"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[cfg(test)]
mod example_file {
    #[test]
    fn the_documented_example_parses() {
        let env = super::test_env();
        let text = include_str!("../provision.example.toml");
        let config = super::Config::from_toml(text, &env).unwrap();
        assert_eq!(config.aliyun.region, "cn-hangzhou");
    }
}
