//! Deployments: `createDeployment` from a git source or as a redeploy, `getDeployment`, `getDeployments`,
//! `cancelDeployment`, and [`wait_until_ready`](DeploymentsHandler::wait_until_ready), which polls with backoff
//! under an overall timeout and returns READY (with its alias assigned) or the failure with `errorCode`,
//! `errorMessage` and `inspectorUrl`.

use crate::client::{ApiRequest, VercelClient, check_id};
use crate::error::{DeploymentFailure, Error, ErrorKind, Result};
use crate::pagination::{CursorParam, Page, Pagination, collect_pages};
use http::Method;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// The `meta` key under which a deployment records the fingerprint of the environment it was built from (see
/// `provision`'s deployment step): a hash, never values.
pub const ENV_FINGERPRINT_META: &str = "envFingerprint";

/// A deployment's `readyState`.
///
/// ```
/// assert!(vercel_client::ReadyState::Error.is_terminal());
/// assert!(!vercel_client::ReadyState::Building.is_terminal());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadyState {
    /// Waiting for a build slot.
    Queued,
    /// Starting.
    Initializing,
    /// Building.
    Building,
    /// Built and serving.
    Ready,
    /// The build failed.
    Error,
    /// Canceled.
    Canceled,
    /// Blocked (for example by a missing Git author permission).
    Blocked,
    /// Deleted.
    Deleted,
    /// A state this crate does not know.
    Unknown,
}

impl ReadyState {
    fn parse(s: &str) -> Self {
        match s {
            "QUEUED" => ReadyState::Queued,
            "INITIALIZING" => ReadyState::Initializing,
            "BUILDING" => ReadyState::Building,
            "READY" => ReadyState::Ready,
            "ERROR" => ReadyState::Error,
            "CANCELED" => ReadyState::Canceled,
            "BLOCKED" => ReadyState::Blocked,
            "DELETED" => ReadyState::Deleted,
            _ => ReadyState::Unknown,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadyState::Queued => "QUEUED",
            ReadyState::Initializing => "INITIALIZING",
            ReadyState::Building => "BUILDING",
            ReadyState::Ready => "READY",
            ReadyState::Error => "ERROR",
            ReadyState::Canceled => "CANCELED",
            ReadyState::Blocked => "BLOCKED",
            ReadyState::Deleted => "DELETED",
            ReadyState::Unknown => "UNKNOWN",
        }
    }

    /// Whether the state can no longer change by itself: READY, ERROR, CANCELED, DELETED, and BLOCKED (which
    /// "does not progress by itself" until someone acts on its `seatBlock`, vsdk
    /// `src/models/getdeploymentservicesfunctions.ts`).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ReadyState::Ready | ReadyState::Error | ReadyState::Canceled | ReadyState::Deleted | ReadyState::Blocked
        )
    }

    /// Whether a build is still to come or under way (QUEUED, INITIALIZING, BUILDING).
    pub fn is_in_progress(self) -> bool {
        matches!(self, ReadyState::Queued | ReadyState::Initializing | ReadyState::Building)
    }
}

impl<'de> Deserialize<'de> for ReadyState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(ReadyState::parse(&String::deserialize(d)?))
    }
}

/// `aliasAssigned` is a boolean in v13, a timestamp in older answers.
fn de_alias_assigned<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(_) => true,
        _ => false,
    })
}

/// Keeps the string entries of `meta` (vsdk: `{[k: string]: string}`); anything else is dropped.
fn de_meta<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BTreeMap<String, String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect(),
        _ => BTreeMap::new(),
    })
}

/// Why a deployment is `BLOCKED` (`seatBlock`, vsdk `src/models/getdeploymentservicesfunctions.ts`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SeatBlock {
    /// `COMMIT_AUTHOR_REQUIRED` or `TEAM_ACCESS_REQUIRED`.
    #[serde(default)]
    pub block_code: Option<String>,
}

/// `aliasError`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AliasError {
    /// The code.
    #[serde(default)]
    pub code: Option<String>,
    /// The message.
    #[serde(default)]
    pub message: Option<String>,
}

/// A deployment (`getDeployment`). Unknown fields are ignored.
///
/// ```
/// let d: vercel_client::Deployment = serde_json::from_str(
///     r#"{"id":"dpl_1","name":"lobechat","url":"lobechat-abc.vercel.app","readyState":"READY","aliasAssigned":true}"#,
/// ).unwrap();
/// assert!(d.is_ready());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Deployment {
    /// `dpl_…`.
    pub id: String,
    /// The project name.
    #[serde(default)]
    pub name: String,
    /// The deployment URL (without scheme).
    #[serde(default)]
    pub url: Option<String>,
    /// The state.
    pub ready_state: ReadyState,
    /// `STAGED`, `ROLLING`, `PROMOTED`: a READY production deployment that is `STAGED` is built but does not serve
    /// production traffic (vsdk field description).
    #[serde(default)]
    pub ready_substate: Option<String>,
    /// Why it is BLOCKED.
    #[serde(default)]
    pub seat_block: Option<SeatBlock>,
    /// The `meta` strings given at creation (e.g. [`ENV_FINGERPRINT_META`]).
    #[serde(default, deserialize_with = "de_meta")]
    pub meta: BTreeMap<String, String>,
    /// `production`, or `None` for preview.
    #[serde(default)]
    pub target: Option<String>,
    /// The project id.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Why it failed, in words.
    #[serde(default)]
    pub error_message: Option<String>,
    /// Whether the aliases (production domains) point at it.
    #[serde(default, deserialize_with = "de_alias_assigned")]
    pub alias_assigned: bool,
    /// Why aliasing failed.
    #[serde(default)]
    pub alias_error: Option<AliasError>,
    /// The aliases.
    #[serde(default)]
    pub alias: Vec<String>,
    /// Where to read the build logs.
    #[serde(default)]
    pub inspector_url: Option<String>,
    /// Creation time (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
}

impl Deployment {
    /// READY with its alias assigned, no alias error, and not `STAGED` (a staged deployment is built but does not
    /// serve production traffic).
    pub fn is_ready(&self) -> bool {
        self.ready_state == ReadyState::Ready && self.alias_assigned && self.alias_error.is_none() && !self.is_staged()
    }

    /// `readySubstate` is `STAGED`.
    pub fn is_staged(&self) -> bool {
        self.ready_substate.as_deref() == Some("STAGED")
    }

    fn failure(&self) -> DeploymentFailure {
        let (ready_state, error_code, error_message) = match self.ready_state {
            ReadyState::Blocked => (
                "BLOCKED".to_string(),
                self.seat_block.as_ref().and_then(|b| b.block_code.clone()).or_else(|| self.error_code.clone()),
                Some(
                    "the deployment is blocked and does not progress by itself (COMMIT_AUTHOR_REQUIRED: the commit \
                     author must be a member of the team; TEAM_ACCESS_REQUIRED: grant the team access), then deploy again"
                        .to_string(),
                ),
            ),
            ReadyState::Ready if self.is_staged() => (
                "READY (STAGED)".to_string(),
                self.error_code.clone(),
                Some(
                    "built but not serving production traffic (readySubstate STAGED): the project does not assign \
                     production domains automatically; promote the deployment in Vercel"
                        .to_string(),
                ),
            ),
            _ => (self.ready_state.as_str().to_string(), self.error_code.clone(), self.error_message.clone()),
        };
        DeploymentFailure {
            id: self.id.clone(),
            ready_state,
            error_code,
            error_message,
            inspector_url: self.inspector_url.clone(),
            alias_error: self.alias_error.as_ref().map(|a| {
                format!(
                    "{}{}",
                    a.code.as_deref().unwrap_or("alias_error"),
                    a.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
                )
            }),
        }
    }
}

/// A deployment as listed by `getDeployments` (`uid`, `state`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeploymentSummary {
    /// `dpl_…`.
    pub uid: String,
    /// The project name.
    #[serde(default)]
    pub name: String,
    /// The URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The state (`state`, or `readyState`).
    #[serde(default)]
    pub state: Option<ReadyState>,
    /// The state, when sent as `readyState`.
    #[serde(default)]
    pub ready_state: Option<ReadyState>,
    /// `production` or `None`.
    #[serde(default)]
    pub target: Option<String>,
    /// Creation time (ms).
    #[serde(default)]
    pub created: Option<i64>,
    /// `STAGED`, `ROLLING`, `PROMOTED`.
    #[serde(default)]
    pub ready_substate: Option<String>,
    /// The `meta` strings given at creation.
    #[serde(default, deserialize_with = "de_meta")]
    pub meta: BTreeMap<String, String>,
}

impl DeploymentSummary {
    /// The state, from whichever field carried it.
    pub fn state(&self) -> ReadyState {
        self.state.or(self.ready_state).unwrap_or(ReadyState::Unknown)
    }

    /// READY and not `STAGED`: it serves production traffic (for a production deployment).
    pub fn is_live(&self) -> bool {
        self.state() == ReadyState::Ready && self.ready_substate.as_deref() != Some("STAGED")
    }
}

#[derive(Deserialize)]
pub(crate) struct DeploymentsPage {
    // Required: a 200 answer without the list is not an empty list (treating it as one would, for the
    // environment, make generated secrets look absent and have them replaced).
    deployments: Vec<DeploymentSummary>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

impl Page for DeploymentsPage {
    type Item = DeploymentSummary;
    fn into_parts(self) -> (Vec<DeploymentSummary>, Option<Pagination>) {
        (self.deployments, self.pagination)
    }
    fn item_id(item: &DeploymentSummary) -> String {
        item.uid.clone()
    }
}

/// Where a git deployment's source comes from.
///
/// ```
/// let by_id = vercel_client::GitSource::github_repo_id(123456789, "main");
/// let by_name = vercel_client::GitSource::github("myorg/lobehub", "main").sha("abc123");
/// # let _ = (by_id, by_name);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSource {
    repo: GitRepoRef,
    git_ref: String,
    sha: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum GitRepoRef {
    Id(u64),
    Name(String),
}

impl GitSource {
    /// A GitHub source by numeric repository id (`project.link.repoId`).
    pub fn github_repo_id(repo_id: u64, git_ref: impl Into<String>) -> Self {
        Self { repo: GitRepoRef::Id(repo_id), git_ref: git_ref.into(), sha: None }
    }

    /// A GitHub source by `owner/name`.
    pub fn github(repo: impl Into<String>, git_ref: impl Into<String>) -> Self {
        Self { repo: GitRepoRef::Name(repo.into()), git_ref: git_ref.into(), sha: None }
    }

    /// Pins a commit.
    pub fn sha(mut self, sha: impl Into<String>) -> Self {
        self.sha = Some(sha.into());
        self
    }

    fn to_json(&self, operation: &'static str) -> Result<Value> {
        if self.git_ref.is_empty() || self.git_ref.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_input(
                operation,
                format!("git ref `{}` is not valid", self.git_ref.escape_debug()),
            ));
        }
        let mut v = json!({"type": "github", "ref": self.git_ref});
        if let Some(obj) = v.as_object_mut() {
            match &self.repo {
                GitRepoRef::Id(id) => {
                    obj.insert("repoId".into(), json!(id));
                }
                GitRepoRef::Name(name) => {
                    crate::GitRepository::github(name.clone()).validate(operation)?;
                    let (org, repo) = name.split_once('/').unwrap_or_default();
                    obj.insert("org".into(), json!(org));
                    obj.insert("repo".into(), json!(repo));
                }
            }
            if let Some(sha) = &self.sha {
                obj.insert("sha".into(), json!(sha));
            }
        }
        Ok(v)
    }
}

/// How [`DeploymentsHandler::wait_until_ready`] polls.
///
/// ```
/// use std::time::Duration;
/// let fast = vercel_client::WaitOptions::default().poll_interval(Duration::from_millis(50)).timeout(Duration::from_secs(5));
/// assert_eq!(fast.timeout, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// The first delay between polls.
    pub poll_interval: Duration,
    /// The largest delay between polls (the delay grows by half each time).
    pub max_poll_interval: Duration,
    /// The overall limit.
    pub timeout: Duration,
}

impl Default for WaitOptions {
    /// 2 s growing to 15 s, for at most 20 minutes.
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(2),
            max_poll_interval: Duration::from_secs(15),
            timeout: Duration::from_secs(20 * 60),
        }
    }
}

impl WaitOptions {
    /// Sets the first delay between polls.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        if self.max_poll_interval < d {
            self.max_poll_interval = d;
        }
        self
    }

    /// Sets the largest delay between polls.
    pub fn max_poll_interval(mut self, d: Duration) -> Self {
        self.max_poll_interval = d;
        self
    }

    /// Sets the overall limit.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
}

/// Deployment operations; from [`VercelClient::deployments`].
#[derive(Debug)]
pub struct DeploymentsHandler<'c> {
    client: &'c VercelClient,
}

impl<'c> DeploymentsHandler<'c> {
    pub(crate) fn new(client: &'c VercelClient) -> Self {
        Self { client }
    }

    /// Starts a `createDeployment` (`POST /v13/deployments?skipAutoDetectionConfirmation=1`) for project `name`;
    /// give it a [`git_source`](CreateDeployment::git_source) or a [`redeploy`](CreateDeployment::redeploy).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// use vercel_client::GitSource;
    /// let d = client.deployments().create("lobechat").production()
    ///     .git_source(GitSource::github_repo_id(123456789, "main")).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self, name: impl Into<String>) -> CreateDeployment<'c> {
        CreateDeployment {
            client: self.client,
            name: name.into(),
            project: None,
            target: None,
            git_source: None,
            redeploy: None,
            with_latest_commit: None,
            force_new: false,
            meta: Map::new(),
        }
    }

    /// `getDeployment` (`GET /v13/deployments/{idOrUrl}`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let d = client.deployments().get("dpl_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id_or_url: &str) -> Result<Deployment> {
        const OP: &str = "getDeployment";
        check_id(OP, "deployment id or URL", id_or_url)?;
        self.client.json(ApiRequest::new(OP, Method::GET, &["v13", "deployments", id_or_url])).await
    }

    /// `getDeployments` (`GET /v7/deployments`), newest first, reading pages (`until=<pagination.next>`, vsdk
    /// `deploymentsGetDeployments.ts`) until `max_items`, each deployment once.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let recent = client.deployments().list(Some("prj_1"), Some("production"), 20).await?;
    /// # Ok(()) }
    /// ```
    pub async fn list(
        &self,
        project_id: Option<&str>,
        target: Option<&str>,
        max_items: usize,
    ) -> Result<Vec<DeploymentSummary>> {
        const OP: &str = "getDeployments";
        if let Some(p) = project_id {
            check_id(OP, "project id", p)?;
        }
        let limit = max_items.clamp(1, 100);
        collect_pages::<DeploymentsPage>(self.client, OP, CursorParam::Until, max_items, || {
            ApiRequest::new(OP, Method::GET, &["v7", "deployments"])
                .query_opt("projectId", project_id)
                .query_opt("target", target)
                .query("limit", limit.to_string())
        })
        .await
    }

    /// The newest deployment of a project for a target (`production`), if any.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// if let Some(latest) = client.deployments().latest("prj_1", Some("production")).await? { println!("{}", latest.uid); }
    /// # Ok(()) }
    /// ```
    pub async fn latest(&self, project_id: &str, target: Option<&str>) -> Result<Option<DeploymentSummary>> {
        Ok(self.list(Some(project_id), target, 1).await?.into_iter().next())
    }

    /// `cancelDeployment` (`PATCH /v12/deployments/{id}/cancel`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let d = client.deployments().cancel("dpl_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn cancel(&self, id: &str) -> Result<Deployment> {
        const OP: &str = "cancelDeployment";
        check_id(OP, "deployment id", id)?;
        self.client.json(ApiRequest::new(OP, Method::PATCH, &["v12", "deployments", id, "cancel"])).await
    }

    /// Polls `getDeployment` (backing off from `poll_interval` to `max_poll_interval`) until the deployment is READY
    /// with its alias assigned, fails (`ERROR`, `CANCELED`, `BLOCKED` (which never progresses by itself), READY but
    /// `STAGED` (not live), or an alias error: [`ErrorKind::DeploymentFailed`] with `errorCode` / the `seatBlock`
    /// code, `errorMessage`, `inspectorUrl`), or `timeout` passes ([`ErrorKind::WaitTimedOut`]).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let ready = client.deployments().wait_until_ready("dpl_123", vercel_client::WaitOptions::default()).await?;
    /// println!("https://{}", ready.url.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_ready(&self, id: &str, options: WaitOptions) -> Result<Deployment> {
        const OP: &str = "waitUntilReady";
        check_id(OP, "deployment id", id)?;
        let deadline = Instant::now() + options.timeout;
        let mut delay = options.poll_interval;
        loop {
            let d = self.get(id).await?;
            tracing::debug!(
                deployment = id,
                state = d.ready_state.as_str(),
                alias_assigned = d.alias_assigned,
                "polled deployment"
            );
            match d.ready_state {
                ReadyState::Ready if d.alias_error.is_some() || d.is_staged() => {
                    return Err(Error::new(ErrorKind::DeploymentFailed(Box::new(d.failure())), OP));
                }
                ReadyState::Ready if d.alias_assigned => return Ok(d),
                ReadyState::Error | ReadyState::Canceled | ReadyState::Deleted | ReadyState::Blocked => {
                    return Err(Error::new(ErrorKind::DeploymentFailed(Box::new(d.failure())), OP));
                }
                _ => {}
            }
            let now = Instant::now();
            if now + delay > deadline {
                return Err(Error::new(
                    ErrorKind::WaitTimedOut { id: id.to_string(), last_state: d.ready_state.as_str().to_string() },
                    OP,
                ));
            }
            tokio::time::sleep(delay).await;
            delay = delay.mul_f64(1.5).min(options.max_poll_interval.max(options.poll_interval));
        }
    }
}

/// A `createDeployment` request; from [`DeploymentsHandler::create`].
#[derive(Debug)]
pub struct CreateDeployment<'c> {
    client: &'c VercelClient,
    name: String,
    project: Option<String>,
    target: Option<String>,
    git_source: Option<GitSource>,
    redeploy: Option<String>,
    with_latest_commit: Option<bool>,
    force_new: bool,
    meta: Map<String, Value>,
}

impl<'c> CreateDeployment<'c> {
    /// The project id (overrides the name's lookup).
    pub fn project(mut self, project_id: impl Into<String>) -> Self {
        self.project = Some(project_id.into());
        self
    }

    /// Targets production (the default is a preview deployment).
    pub fn production(mut self) -> Self {
        self.target = Some("production".into());
        self
    }

    /// Targets `production`, `staging` or a custom environment.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Deploys from git.
    pub fn git_source(mut self, source: GitSource) -> Self {
        self.git_source = Some(source);
        self
    }

    /// Redeploys an existing deployment (`deploymentId`).
    pub fn redeploy(mut self, deployment_id: impl Into<String>) -> Self {
        self.redeploy = Some(deployment_id.into());
        self
    }

    /// With [`redeploy`](Self::redeploy): build the branch's latest commit instead of the same one.
    pub fn with_latest_commit(mut self, yes: bool) -> Self {
        self.with_latest_commit = Some(yes);
        self
    }

    /// `forceNew=1`: never reuse an identical recent deployment.
    pub fn force_new(mut self, yes: bool) -> Self {
        self.force_new = yes;
        self
    }

    /// Adds a `meta` entry.
    pub fn meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta.insert(key.into(), Value::String(value.into()));
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Deployment> {
        const OP: &str = "createDeployment";
        crate::projects::validate_project_name(&self.name)
            .map_err(|e| Error::invalid_input(OP, e.detail().unwrap_or_default().to_string()))?;
        let mut body = Map::new();
        body.insert("name".into(), Value::String(self.name));
        match (&self.git_source, &self.redeploy) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_input(OP, "give either a git source or a deployment to redeploy, not both"));
            }
            (None, None) => {
                return Err(Error::invalid_input(OP, "a git source or a deployment to redeploy is required"));
            }
            (Some(src), None) => {
                body.insert("gitSource".into(), src.to_json(OP)?);
            }
            (None, Some(id)) => {
                check_id(OP, "deployment id", id)?;
                body.insert("deploymentId".into(), Value::String(id.clone()));
                if let Some(latest) = self.with_latest_commit {
                    body.insert("withLatestCommit".into(), Value::Bool(latest));
                }
            }
        }
        if let Some(p) = self.project {
            check_id(OP, "project id", &p)?;
            body.insert("project".into(), Value::String(p));
        }
        if let Some(t) = self.target {
            body.insert("target".into(), Value::String(t));
        }
        if !self.meta.is_empty() {
            body.insert("meta".into(), Value::Object(self.meta));
        }
        let mut req =
            ApiRequest::new(OP, Method::POST, &["v13", "deployments"]).query("skipAutoDetectionConfirmation", "1");
        if self.force_new {
            req = req.query("forceNew", "1");
        }
        self.client.json(req.body(Value::Object(body))).await
    }
}
