//! Project environment variables: `filterProjectEnvs` (every page), `getProjectEnv` (decrypted),
//! `createProjectEnv` (one or many, `upsert`), `editProjectEnv`, `removeProjectEnv` and `batchRemoveProjectEnv`.
//!
//! Values are [`SecretString`]s in memory: `Debug` and errors never show them. The rules Vercel enforces (and the CLI
//! checks) are checked before anything is sent: no `sensitive` on `development`, never a `sensitive` `NEXT_PUBLIC_*`,
//! `gitBranch` only with the `preview` target alone, no `secret` type.

use crate::client::{ApiRequest, VercelClient, check_id};
use crate::error::{Error, ErrorKind, FailedEnvVar, Result};
use crate::pagination::Pagination;
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt;

/// The largest value Vercel accepts for all variables of a deployment together (64 KB); one value may not exceed it.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// How Vercel stores a variable.
///
/// ```
/// assert_eq!(vercel_client::EnvType::Sensitive.as_str(), "sensitive");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnvType {
    /// Encrypted at rest, readable through the API and dashboard.
    Encrypted,
    /// Stored as plain text.
    Plain,
    /// Write-only: never readable after saving. Not allowed on `development`.
    Sensitive,
    /// A Vercel system variable (read-only for callers).
    System,
    /// A type this crate does not know (the legacy `secret`, or a newer one).
    Unknown,
}

impl EnvType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvType::Encrypted => "encrypted",
            EnvType::Plain => "plain",
            EnvType::Sensitive => "sensitive",
            EnvType::System => "system",
            EnvType::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "encrypted" => EnvType::Encrypted,
            "plain" => EnvType::Plain,
            "sensitive" => EnvType::Sensitive,
            "system" => EnvType::System,
            _ => EnvType::Unknown,
        }
    }
}

impl<'de> Deserialize<'de> for EnvType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(EnvType::parse(&String::deserialize(d)?))
    }
}

/// A deployment environment a variable applies to.
///
/// ```
/// assert_eq!(vercel_client::EnvTarget::Preview.as_str(), "preview");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnvTarget {
    /// Production deployments.
    Production,
    /// Preview deployments.
    Preview,
    /// `vercel dev` / `vercel env pull`.
    Development,
}

impl EnvTarget {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvTarget::Production => "production",
            EnvTarget::Preview => "preview",
            EnvTarget::Development => "development",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "production" => Some(EnvTarget::Production),
            "preview" => Some(EnvTarget::Preview),
            "development" => Some(EnvTarget::Development),
            _ => None,
        }
    }
}

impl fmt::Display for EnvTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `target` may be a string or an array; unknown names (custom environments) are skipped.
fn de_targets<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BTreeSet<EnvTarget>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => EnvTarget::parse(&s).into_iter().collect(),
        Value::Array(items) => items.iter().filter_map(|v| v.as_str().and_then(EnvTarget::parse)).collect(),
        _ => BTreeSet::new(),
    })
}

fn de_secret<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(SecretString::from))
}

/// A variable as Vercel returns it. The value is only meaningful when [`decrypted`](Self::decrypted) is true or
/// the type is `plain`; `sensitive` values never come back.
///
/// ```
/// let v: vercel_client::EnvVar = serde_json::from_str(
///     r#"{"id":"e1","key":"APP_URL","value":"https://x","type":"plain","target":["production"],"decrypted":true}"#,
/// ).unwrap();
/// assert_eq!(v.key, "APP_URL");
/// assert!(!format!("{v:?}").contains("https://x"));
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvVar {
    /// The variable id.
    #[serde(default)]
    pub id: String,
    /// The key.
    pub key: String,
    /// The type.
    #[serde(rename = "type")]
    pub kind: EnvType,
    /// The value, as returned (ciphertext unless decrypted).
    #[serde(default, deserialize_with = "de_secret")]
    pub value: Option<SecretString>,
    /// The targets.
    #[serde(default, deserialize_with = "de_targets")]
    pub target: BTreeSet<EnvTarget>,
    /// The git branch (preview only).
    #[serde(default)]
    pub git_branch: Option<String>,
    /// A comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Whether `value` is the decrypted value.
    #[serde(default)]
    pub decrypted: Option<bool>,
    /// Set when an integration owns the variable.
    #[serde(default)]
    pub configuration_id: Option<String>,
    /// Creation time (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Last update (ms).
    #[serde(default)]
    pub updated_at: Option<i64>,
}

impl EnvVar {
    /// The readable value: a `plain` value, or a decrypted one; `None` for ciphertext and `sensitive`.
    pub fn readable_value(&self) -> Option<&SecretString> {
        match self.kind {
            EnvType::Plain => self.value.as_ref(),
            EnvType::Encrypted | EnvType::System if self.decrypted == Some(true) => self.value.as_ref(),
            _ => None,
        }
    }
}

/// A variable to create (or, in [`sync_env`](crate::VercelClient::sync_env), the desired state of one).
///
/// ```
/// use vercel_client::{EnvTarget, NewEnvVar};
/// let v = NewEnvVar::sensitive("AUTH_SECRET", "s3cr3t", [EnvTarget::Production, EnvTarget::Preview]);
/// assert!(v.validate("demo").is_ok());
/// assert!(!format!("{v:?}").contains("s3cr3t"));
/// let bad = NewEnvVar::sensitive("NEXT_PUBLIC_X", "1", [EnvTarget::Production]);
/// assert!(bad.validate("demo").is_err());
/// ```
#[derive(Clone)]
pub struct NewEnvVar {
    /// The key.
    pub key: String,
    /// The value.
    pub value: SecretString,
    /// The type (`encrypted`, `plain` or `sensitive`).
    pub kind: EnvType,
    /// The targets (at least one).
    pub targets: BTreeSet<EnvTarget>,
    /// A git branch; only with the `preview` target alone.
    pub git_branch: Option<String>,
    /// A comment.
    pub comment: Option<String>,
}

impl fmt::Debug for NewEnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewEnvVar")
            .field("key", &self.key)
            .field("value", &cloud_http::redact::mask(self.value.expose_secret()))
            .field("kind", &self.kind)
            .field("targets", &self.targets)
            .field("git_branch", &self.git_branch)
            .field("comment", &self.comment)
            .finish()
    }
}

impl NewEnvVar {
    /// A variable of any type.
    pub fn new(
        key: impl Into<String>,
        value: impl Into<String>,
        kind: EnvType,
        targets: impl IntoIterator<Item = EnvTarget>,
    ) -> Self {
        Self {
            key: key.into(),
            value: SecretString::from(value.into()),
            kind,
            targets: targets.into_iter().collect(),
            git_branch: None,
            comment: None,
        }
    }

    /// An `encrypted` variable.
    pub fn encrypted(
        key: impl Into<String>,
        value: impl Into<String>,
        targets: impl IntoIterator<Item = EnvTarget>,
    ) -> Self {
        Self::new(key, value, EnvType::Encrypted, targets)
    }

    /// A `plain` variable.
    pub fn plain(
        key: impl Into<String>,
        value: impl Into<String>,
        targets: impl IntoIterator<Item = EnvTarget>,
    ) -> Self {
        Self::new(key, value, EnvType::Plain, targets)
    }

    /// A `sensitive` (write-only) variable.
    pub fn sensitive(
        key: impl Into<String>,
        value: impl Into<String>,
        targets: impl IntoIterator<Item = EnvTarget>,
    ) -> Self {
        Self::new(key, value, EnvType::Sensitive, targets)
    }

    /// Restricts the variable to one preview branch.
    pub fn git_branch(mut self, branch: impl Into<String>) -> Self {
        self.git_branch = Some(branch.into());
        self
    }

    /// Sets a comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Checks the variable against Vercel's rules; `operation` names the call in the error.
    pub fn validate(&self, operation: &'static str) -> Result<()> {
        validate_key(operation, &self.key)?;
        let key = &self.key;
        if self.targets.is_empty() {
            return Err(Error::invalid_input(operation, format!("{key}: at least one target is required")));
        }
        check_type_rules(operation, key, self.kind, &self.targets)?;
        if let Some(branch) = &self.git_branch {
            check_branch(operation, key, branch, &self.targets)?;
        }
        if self.value.expose_secret().len() > MAX_VALUE_BYTES {
            return Err(Error::invalid_input(
                operation,
                format!("{key}: the value is larger than {MAX_VALUE_BYTES} bytes"),
            ));
        }
        Ok(())
    }

    /// The body of one `createProjectEnv` item (which defines `comment`).
    pub(crate) fn to_json(&self) -> Value {
        self.to_json_with(true)
    }

    /// The item of `createProject.environmentVariables[]`, which defines only `key`, `target`, `gitBranch`,
    /// `type` and `value` (vsdk `src/models/createprojectcontenthint2.ts`, `EnvironmentVariables`): no `comment`.
    pub(crate) fn to_project_create_json(&self) -> Value {
        self.to_json_with(false)
    }

    fn to_json_with(&self, with_comment: bool) -> Value {
        let mut body = json!({
            "key": self.key,
            "value": self.value.expose_secret(),
            "type": self.kind.as_str(),
            "target": self.targets.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(b) = &self.git_branch {
                obj.insert("gitBranch".into(), Value::String(b.clone()));
            }
            if let Some(c) = self.comment.as_ref().filter(|_| with_comment) {
                obj.insert("comment".into(), Value::String(c.clone()));
            }
        }
        body
    }
}

fn validate_key(operation: &'static str, key: &str) -> Result<()> {
    let mut chars = key.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || key.len() > 256 {
        return Err(Error::invalid_input(
            operation,
            format!(
                "env key `{}` must be letters, digits and `_`, not start with a digit, at most 256 characters",
                key.escape_debug()
            ),
        ));
    }
    Ok(())
}

fn check_type_rules(operation: &'static str, key: &str, kind: EnvType, targets: &BTreeSet<EnvTarget>) -> Result<()> {
    match kind {
        EnvType::Encrypted | EnvType::Plain => Ok(()),
        EnvType::Sensitive if targets.contains(&EnvTarget::Development) => Err(Error::invalid_input(
            operation,
            format!("{key}: sensitive variables are not allowed on the development target"),
        )),
        EnvType::Sensitive if key.starts_with("NEXT_PUBLIC_") => Err(Error::invalid_input(
            operation,
            format!(
                "{key}: NEXT_PUBLIC_* variables are inlined into the browser bundle and cannot be sensitive; use encrypted or plain"
            ),
        )),
        EnvType::Sensitive => Ok(()),
        EnvType::System | EnvType::Unknown => Err(Error::invalid_input(
            operation,
            format!("{key}: type `{}` cannot be written; use encrypted, plain or sensitive", kind.as_str()),
        )),
    }
}

fn check_branch(operation: &'static str, key: &str, branch: &str, targets: &BTreeSet<EnvTarget>) -> Result<()> {
    if targets.len() != 1 || !targets.contains(&EnvTarget::Preview) {
        return Err(Error::invalid_input(
            operation,
            format!("{key}: gitBranch is only allowed with the preview target alone"),
        ));
    }
    if branch.is_empty() || branch.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_input(
            operation,
            format!("{key}: git branch `{}` is not valid", branch.escape_debug()),
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
pub(crate) struct EnvPage {
    // Required: a 200 answer without the list is not an empty list (treating it as one would, for the
    // environment, make generated secrets look absent and have them replaced).
    envs: Vec<EnvVar>,
    #[serde(default)]
    pagination: Option<Pagination>,
    /// vsdk `FilterProjectEnvsResponseBody3`: production variables left out of `envs`.
    #[serde(default, rename = "hiddenProductionEnvCount")]
    hidden_production_env_count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrManyEnv {
    Many(Vec<EnvVar>),
    One(Box<EnvVar>),
}

#[derive(Deserialize)]
pub(crate) struct CreatedEnv {
    #[serde(default)]
    created: Option<OneOrManyEnv>,
    #[serde(default)]
    failed: Vec<Value>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailedError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    env_var_key: Option<String>,
    #[serde(default, deserialize_with = "de_target_names")]
    target: Vec<String>,
    #[serde(default)]
    git_branch: Option<String>,
}

fn de_target_names<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => vec![s],
        Value::Array(items) => items.into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    })
}

/// The `failed[]` items of an env create answer (a 201, or the non-2xx answer when every item failed), one
/// [`FailedEnvVar`] each. The echoed `value` is never read, and messages are scrubbed of `secrets` before
/// anything else is done with them. An item that is not an object is reported as `<unknown>`.
pub(crate) fn failed_entries(failed: &Value, secrets: &[&str]) -> Vec<FailedEnvVar> {
    let Some(items) = failed.as_array() else { return Vec::new() };
    items
        .iter()
        .map(|item| {
            let e: FailedError =
                item.get("error").and_then(|e| serde_json::from_value(e.clone()).ok()).unwrap_or_default();
            FailedEnvVar {
                key: e.key.or(e.env_var_key).unwrap_or_else(|| "<unknown>".into()),
                code: e.code,
                message: e.message.map(|m| cloud_http::redact::scrub(&m, secrets.iter().copied())),
                target: e.target,
                git_branch: e.git_branch,
            }
        })
        .collect()
}

/// The answer of `batchRemoveProjectEnv`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct BatchDeleted {
    /// How many were deleted.
    #[serde(default)]
    pub deleted: u64,
    /// Their ids.
    #[serde(default)]
    pub ids: Vec<String>,
}

/// Environment variable operations of one project; from [`VercelClient::env`].
#[derive(Debug)]
pub struct EnvHandler<'c> {
    client: &'c VercelClient,
    project: String,
}

impl<'c> EnvHandler<'c> {
    pub(crate) fn new(client: &'c VercelClient, project: String) -> Self {
        Self { client, project }
    }

    /// The project id or name.
    pub fn project(&self) -> &str {
        &self.project
    }

    pub(crate) fn client_ref(&self) -> &'c VercelClient {
        self.client
    }

    /// `filterProjectEnvs` (`GET /v10/projects/{id}/env`): one request (the endpoint documents no cursor), each
    /// variable once. Values are ciphertext (or absent). An answer with `hiddenProductionEnvCount > 0` (the token
    /// cannot see production variables, vsdk `FilterProjectEnvsResponseBody3`) is
    /// [`ErrorKind::HiddenProductionEnv`]: a listing without them would make present variables look absent.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// for v in client.env("lobechat").list().await? { println!("{} {:?}", v.key, v.target); }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<EnvVar>> {
        self.list_inner(false).await
    }

    /// Like [`list`](Self::list) with `decrypt=true` (deprecated by Vercel but still served; what terraform uses):
    /// `encrypted` values come back readable in the one request; `sensitive` ones never do.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let vars = client.env("lobechat").list_decrypted().await?;
    /// # Ok(()) }
    /// ```
    pub async fn list_decrypted(&self) -> Result<Vec<EnvVar>> {
        self.list_inner(true).await
    }

    async fn list_inner(&self, decrypt: bool) -> Result<Vec<EnvVar>> {
        const OP: &str = "filterProjectEnvs";
        check_id(OP, "project id or name", &self.project)?;
        let project = self.project.as_str();
        // filterProjectEnvs documents no cursor (no `until`, no `limit`): one request (field-truth §4.2).
        let req = ApiRequest::new(OP, Method::GET, &["v10", "projects", project, "env"]);
        let req = if decrypt { req.query("decrypt", "true") } else { req };
        let page: EnvPage = self.client.json(req).await?;
        if let Some(hidden) = page.hidden_production_env_count.filter(|n| *n > 0) {
            return Err(Error::new(ErrorKind::HiddenProductionEnv { hidden }, OP).with_detail(format!(
                "the token cannot see production variables ({hidden} hidden); use a token of a team member with \
                 access to production environment variables"
            )));
        }
        if page.pagination.as_ref().is_some_and(|p| p.next.is_some()) {
            tracing::warn!(operation = OP, "the answer names a next page, but the endpoint documents no cursor");
        }
        let mut dedup = cloud_http::pagination::DedupById::<String>::default();
        Ok(page.envs.into_iter().filter(|v| v.id.is_empty() || dedup.first_time(v.id.clone())).collect())
    }

    /// `getProjectEnv` (`GET /v1/projects/{id}/env/{envId}`): one variable, decrypted (not for `sensitive`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let v = client.env("lobechat").get("env_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, env_id: &str) -> Result<EnvVar> {
        const OP: &str = "getProjectEnv";
        check_id(OP, "project id or name", &self.project)?;
        check_id(OP, "env id", env_id)?;
        self.client.json(ApiRequest::new(OP, Method::GET, &["v1", "projects", &self.project, "env", env_id])).await
    }

    /// Starts a `createProjectEnv` (`POST /v10/projects/{id}/env`, 201) of one variable or many (sent as an array).
    /// A 201 with a non-empty `failed[]` is [`ErrorKind::EnvCreateFailed`] listing each failed key.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// use vercel_client::{EnvTarget::*, NewEnvVar};
    /// let created = client.env("lobechat")
    ///     .create(vec![NewEnvVar::encrypted("S3_BUCKET", "lobe", [Production, Preview])])
    ///     .upsert(true).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self, vars: Vec<NewEnvVar>) -> CreateEnv<'c> {
        CreateEnv { client: self.client, project: self.project.clone(), vars, upsert: false }
    }

    /// Starts an `editProjectEnv` (`PATCH /v9/projects/{id}/env/{envId}`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// client.env("lobechat").edit("env_123").value("new").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn edit(&self, env_id: impl Into<String>) -> EditEnv<'c> {
        EditEnv {
            client: self.client,
            project: self.project.clone(),
            env_id: env_id.into(),
            key: None,
            value: None,
            kind: None,
            targets: None,
            git_branch: None,
            comment: None,
        }
    }

    /// `removeProjectEnv` (`DELETE /v9/projects/{id}/env/{envId}`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// client.env("lobechat").delete("env_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, env_id: &str) -> Result<()> {
        const OP: &str = "removeProjectEnv";
        check_id(OP, "project id or name", &self.project)?;
        check_id(OP, "env id", env_id)?;
        self.client
            .no_content(ApiRequest::new(OP, Method::DELETE, &["v9", "projects", &self.project, "env", env_id]))
            .await
    }

    /// `batchRemoveProjectEnv` (`DELETE /v1/projects/{id}/env` with `{"ids": […]}`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let out = client.env("lobechat").batch_delete(&["env_1".into(), "env_2".into()]).await?;
    /// assert_eq!(out.deleted, 2);
    /// # Ok(()) }
    /// ```
    pub async fn batch_delete(&self, ids: &[String]) -> Result<BatchDeleted> {
        const OP: &str = "batchRemoveProjectEnv";
        check_id(OP, "project id or name", &self.project)?;
        if ids.is_empty() {
            return Err(Error::invalid_input(OP, "no env ids to delete"));
        }
        for id in ids {
            check_id(OP, "env id", id)?;
        }
        self.client
            .json(
                ApiRequest::new(OP, Method::DELETE, &["v1", "projects", &self.project, "env"])
                    .body(json!({ "ids": ids })),
            )
            .await
    }
}

/// A `createProjectEnv` request; from [`EnvHandler::create`].
#[derive(Debug)]
pub struct CreateEnv<'c> {
    client: &'c VercelClient,
    project: String,
    vars: Vec<NewEnvVar>,
    upsert: bool,
}

impl<'c> CreateEnv<'c> {
    /// `?upsert=true`: an existing variable with the same key and target gets its **value** updated (its type and
    /// targets stay as they are; change those with [`EnvHandler::edit`]).
    pub fn upsert(mut self, upsert: bool) -> Self {
        self.upsert = upsert;
        self
    }

    /// Sends the request; returns the created variables.
    pub async fn send(self) -> Result<Vec<EnvVar>> {
        const OP: &str = "createProjectEnv";
        check_id(OP, "project id or name", &self.project)?;
        if self.vars.is_empty() {
            return Err(Error::invalid_input(OP, "no variables to create"));
        }
        let mut seen = BTreeSet::new();
        for var in &self.vars {
            var.validate(OP)?;
            for t in &var.targets {
                if !seen.insert((var.key.clone(), *t, var.git_branch.clone())) {
                    return Err(Error::invalid_input(OP, format!("{}: listed twice for target {t}", var.key)));
                }
            }
        }
        let body = if self.vars.len() == 1 {
            self.vars[0].to_json()
        } else {
            Value::Array(self.vars.iter().map(NewEnvVar::to_json).collect())
        };
        let secrets: Vec<SecretString> = self.vars.iter().map(|v| v.value.clone()).collect();
        let mut req = ApiRequest::new(OP, Method::POST, &["v10", "projects", &self.project, "env"])
            .body(body)
            .secrets(secrets.clone())
            .idempotent(self.upsert);
        if self.upsert {
            req = req.query("upsert", "true");
        }
        let answer: CreatedEnv = self.client.json(req).await?;
        if !answer.failed.is_empty() {
            let exposed: Vec<&str> = secrets.iter().map(|s| s.expose_secret()).collect();
            let failed = failed_entries(&Value::Array(answer.failed), &exposed);
            return Err(Error::new(ErrorKind::EnvCreateFailed(failed), OP));
        }
        Ok(match answer.created {
            Some(OneOrManyEnv::Many(v)) => v,
            Some(OneOrManyEnv::One(v)) => vec![*v],
            None => Vec::new(),
        })
    }
}

/// An `editProjectEnv` request; from [`EnvHandler::edit`].
pub struct EditEnv<'c> {
    client: &'c VercelClient,
    project: String,
    env_id: String,
    key: Option<String>,
    value: Option<SecretString>,
    kind: Option<EnvType>,
    targets: Option<BTreeSet<EnvTarget>>,
    git_branch: Option<Option<String>>,
    comment: Option<String>,
}

impl fmt::Debug for EditEnv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EditEnv")
            .field("project", &self.project)
            .field("env_id", &self.env_id)
            .field("key", &self.key)
            .field("value", &self.value.as_ref().map(|v| cloud_http::redact::mask(v.expose_secret())))
            .field("kind", &self.kind)
            .field("targets", &self.targets)
            .field("git_branch", &self.git_branch)
            .finish()
    }
}

impl<'c> EditEnv<'c> {
    /// A new key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// A new value.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(SecretString::from(value.into()));
        self
    }

    /// A new value, already secret.
    pub fn secret_value(mut self, value: SecretString) -> Self {
        self.value = Some(value);
        self
    }

    /// A new type.
    pub fn kind(mut self, kind: EnvType) -> Self {
        self.kind = Some(kind);
        self
    }

    /// New targets.
    pub fn targets(mut self, targets: impl IntoIterator<Item = EnvTarget>) -> Self {
        self.targets = Some(targets.into_iter().collect());
        self
    }

    /// A new git branch (`None` clears it).
    pub fn git_branch(mut self, branch: Option<String>) -> Self {
        self.git_branch = Some(branch);
        self
    }

    /// A new comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Sends the request; returns the edited variable.
    pub async fn send(self) -> Result<EnvVar> {
        const OP: &str = "editProjectEnv";
        check_id(OP, "project id or name", &self.project)?;
        check_id(OP, "env id", &self.env_id)?;
        let key_for_msg = self.key.clone().unwrap_or_else(|| self.env_id.clone());
        let mut body = serde_json::Map::new();
        if let Some(k) = &self.key {
            validate_key(OP, k)?;
            body.insert("key".into(), Value::String(k.clone()));
        }
        if let Some(targets) = &self.targets {
            if targets.is_empty() {
                return Err(Error::invalid_input(OP, format!("{key_for_msg}: at least one target is required")));
            }
            body.insert("target".into(), json!(targets.iter().map(|t| t.as_str()).collect::<Vec<_>>()));
        }
        if let Some(kind) = self.kind {
            let targets = self.targets.clone().unwrap_or_default();
            let key = self.key.as_deref().unwrap_or("");
            check_type_rules(OP, if key.is_empty() { &key_for_msg } else { key }, kind, &targets)?;
            body.insert("type".into(), Value::String(kind.as_str().into()));
        }
        if let Some(branch) = &self.git_branch {
            match branch {
                Some(b) => {
                    if let Some(targets) = &self.targets {
                        check_branch(OP, &key_for_msg, b, targets)?;
                    }
                    body.insert("gitBranch".into(), Value::String(b.clone()));
                }
                None => {
                    body.insert("gitBranch".into(), Value::Null);
                }
            }
        }
        if let Some(c) = &self.comment {
            body.insert("comment".into(), Value::String(c.clone()));
        }
        let mut secrets = Vec::new();
        if let Some(v) = &self.value {
            if v.expose_secret().len() > MAX_VALUE_BYTES {
                return Err(Error::invalid_input(
                    OP,
                    format!("{key_for_msg}: the value is larger than {MAX_VALUE_BYTES} bytes"),
                ));
            }
            body.insert("value".into(), Value::String(v.expose_secret().to_string()));
            secrets.push(v.clone());
        }
        if body.is_empty() {
            return Err(Error::invalid_input(OP, "nothing to edit"));
        }
        self.client
            .json(
                ApiRequest::new(OP, Method::PATCH, &["v9", "projects", &self.project, "env", &self.env_id])
                    .body(Value::Object(body))
                    .secrets(secrets),
            )
            .await
    }
}
