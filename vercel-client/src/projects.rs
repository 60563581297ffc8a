//! Projects: `createProject` (`POST /v11/projects`, 200), `getProject`, `getProjects` (every page),
//! `updateProject`, `deleteProject` (204), and linking / unlinking a git repository (`/v9/projects/{id}/link`).

use crate::client::{ApiRequest, VercelClient, check_id};
use crate::env::NewEnvVar;
use crate::error::{Error, Result};
use crate::pagination::{CursorParam, PAGE_LIMIT, Page, Pagination, collect_pages};
use http::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::fmt;

/// A git provider Vercel can link a project to.
///
/// ```
/// assert_eq!(vercel_client::GitProvider::Github.as_str(), "github");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GitProvider {
    /// GitHub (through the Vercel GitHub App).
    Github,
    /// GitHub with limited permissions.
    GithubLimited,
    /// GitLab.
    Gitlab,
    /// Bitbucket.
    Bitbucket,
}

impl GitProvider {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            GitProvider::Github => "github",
            GitProvider::GithubLimited => "github-limited",
            GitProvider::Gitlab => "gitlab",
            GitProvider::Bitbucket => "bitbucket",
        }
    }
}

/// A git repository to link: provider and `owner/name`.
///
/// ```
/// let repo = vercel_client::GitRepository::github("myorg/lobehub");
/// assert_eq!(repo.repo, "myorg/lobehub");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRepository {
    /// The provider.
    pub provider: GitProvider,
    /// `owner/name`.
    pub repo: String,
}

impl GitRepository {
    /// A GitHub repository, `owner/name`.
    pub fn github(repo: impl Into<String>) -> Self {
        Self { provider: GitProvider::Github, repo: repo.into() }
    }

    /// Any provider.
    pub fn new(provider: GitProvider, repo: impl Into<String>) -> Self {
        Self { provider, repo: repo.into() }
    }

    pub(crate) fn validate(&self, operation: &'static str) -> Result<()> {
        let ok = match self.repo.split_once('/') {
            Some((owner, name)) => {
                let part_ok = |s: &str| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                };
                part_ok(owner) && part_ok(name) && !name.ends_with('/')
            }
            None => false,
        };
        if !ok {
            return Err(Error::invalid_input(
                operation,
                format!("git repository `{}` must be `owner/name`", self.repo),
            ));
        }
        Ok(())
    }

    fn to_json(&self) -> Value {
        json!({"type": self.provider.as_str(), "repo": self.repo})
    }
}

/// A linked repository's id: numeric (GitHub, GitLab, Bitbucket) or a string (`vercel`, `v0`, `cursor-origin`
/// links; vsdk `src/models/getprojectfrompreset.ts`).
///
/// ```
/// let link: vercel_client::ProjectLink = serde_json::from_str(r#"{"type":"vercel","repoId":"repo_abc"}"#).unwrap();
/// assert_eq!(link.repo_id, Some(vercel_client::RepoId::Text("repo_abc".into())));
/// assert_eq!(link.numeric_repo_id(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoId {
    /// A numeric id.
    Number(u64),
    /// A string id.
    Text(String),
}

fn de_repo_id<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<RepoId>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().map(RepoId::Number),
        Value::String(s) if !s.is_empty() => Some(match s.parse::<u64>() {
            Ok(n) => RepoId::Number(n),
            Err(_) => RepoId::Text(s),
        }),
        _ => None,
    })
}

/// A deploy hook of a linked project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeployHook {
    /// The hook id.
    #[serde(default)]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The git ref it deploys.
    #[serde(default, rename = "ref")]
    pub git_ref: String,
    /// The URL that triggers it (a credential: anyone with it can deploy).
    #[serde(default)]
    pub url: String,
}

/// A project's git link (`link`).
///
/// ```
/// let link: vercel_client::ProjectLink = serde_json::from_str(
///     r#"{"type":"github","org":"myorg","repo":"lobehub","repoId":123,"productionBranch":"main","deployHooks":[]}"#,
/// ).unwrap();
/// assert_eq!(link.full_name().as_deref(), Some("myorg/lobehub"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProjectLink {
    /// `github`, `gitlab`, …
    #[serde(default, rename = "type")]
    pub provider: Option<String>,
    /// The repository owner (GitHub org or user).
    #[serde(default)]
    pub org: Option<String>,
    /// The repository name (GitHub: without the owner).
    #[serde(default)]
    pub repo: Option<String>,
    /// The repository id, for `gitSource.repoId`: a number for GitHub links, a string for the `vercel`, `v0` and
    /// `cursor-origin` link types (vsdk `src/models/getprojectfrompreset.ts`).
    #[serde(default, deserialize_with = "de_repo_id")]
    pub repo_id: Option<RepoId>,
    /// The production branch.
    #[serde(default)]
    pub production_branch: Option<String>,
    /// Deploy hooks.
    #[serde(default)]
    pub deploy_hooks: Vec<DeployHook>,
}

impl ProjectLink {
    /// `owner/name`, when known.
    pub fn full_name(&self) -> Option<String> {
        let repo = self.repo.as_deref()?;
        if repo.contains('/') {
            return Some(repo.to_string());
        }
        Some(format!("{}/{}", self.org.as_deref()?, repo))
    }

    /// The numeric repository id, when the link has one (what a GitHub `gitSource.repoId` takes).
    pub fn numeric_repo_id(&self) -> Option<u64> {
        match &self.repo_id {
            Some(RepoId::Number(n)) => Some(*n),
            _ => None,
        }
    }

    /// Whether the link points at `owner/name` (case-insensitive, as GitHub is).
    pub fn is_repo(&self, repo: &str) -> bool {
        self.full_name().is_some_and(|n| n.eq_ignore_ascii_case(repo))
    }
}

/// A Vercel project. Unknown fields are ignored.
///
/// ```
/// let p: vercel_client::Project = serde_json::from_str(r#"{"id":"prj_1","name":"lobechat","framework":"nextjs","extra":1}"#).unwrap();
/// assert_eq!(p.name, "lobechat");
/// assert!(!p.is_linked_to("a/b"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Project {
    /// `prj_…`.
    pub id: String,
    /// The project name.
    pub name: String,
    /// The owning account (user or team id).
    #[serde(default)]
    pub account_id: Option<String>,
    /// The framework preset (`nextjs`, …).
    #[serde(default)]
    pub framework: Option<String>,
    /// The git link, if any.
    #[serde(default)]
    pub link: Option<ProjectLink>,
    /// Build command override.
    #[serde(default)]
    pub build_command: Option<String>,
    /// Install command override.
    #[serde(default)]
    pub install_command: Option<String>,
    /// Output directory override.
    #[serde(default)]
    pub output_directory: Option<String>,
    /// Root directory.
    #[serde(default)]
    pub root_directory: Option<String>,
    /// Node.js version.
    #[serde(default)]
    pub node_version: Option<String>,
    /// Creation time (ms since the epoch).
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Last update (ms since the epoch).
    #[serde(default)]
    pub updated_at: Option<i64>,
}

impl Project {
    /// Whether the project is linked to the git repository `owner/name`.
    pub fn is_linked_to(&self, repo: &str) -> bool {
        self.link.as_ref().is_some_and(|l| l.is_repo(repo))
    }
}

#[derive(Deserialize)]
pub(crate) struct ProjectsPage {
    // Required: a 200 answer without the list is not an empty list (treating it as one would, for the
    // environment, make generated secrets look absent and have them replaced).
    projects: Vec<Project>,
    #[serde(default)]
    pagination: Option<crate::pagination::TokenPagination>,
}

impl Page for ProjectsPage {
    type Item = Project;
    fn into_parts(self) -> (Vec<Project>, Option<Pagination>) {
        (self.projects, self.pagination.map(Pagination::from))
    }
    fn item_id(item: &Project) -> String {
        item.id.clone()
    }
}

/// Checks a project name as Vercel does: at most 100 characters of lower-case letters, digits, `.`, `_`, `-`, and
/// no `---`.
///
/// ```
/// assert!(vercel_client::projects::validate_project_name("lobe-chat").is_ok());
/// assert!(vercel_client::projects::validate_project_name("Lobe Chat").is_err());
/// ```
pub fn validate_project_name(name: &str) -> Result<()> {
    const OP: &str = "createProject";
    if name.is_empty() || name.len() > 100 {
        return Err(Error::invalid_input(OP, "a project name must be 1 to 100 characters"));
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
        return Err(Error::invalid_input(
            OP,
            format!(
                "project name `{}` may only contain lower-case letters, digits, `.`, `_` and `-`",
                name.escape_debug()
            ),
        ));
    }
    if name.contains("---") {
        return Err(Error::invalid_input(OP, format!("project name `{name}` must not contain `---`")));
    }
    Ok(())
}

/// Project operations; from [`VercelClient::projects`].
#[derive(Debug)]
pub struct ProjectsHandler<'c> {
    client: &'c VercelClient,
}

impl<'c> ProjectsHandler<'c> {
    pub(crate) fn new(client: &'c VercelClient) -> Self {
        Self { client }
    }

    /// Starts a `createProject` (`POST /v11/projects`, 200). A taken name is [`ErrorKind::Conflict`](crate::ErrorKind::Conflict).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// use vercel_client::GitRepository;
    /// let project = client.projects().create("lobechat").framework("nextjs")
    ///     .git_repository(GitRepository::github("myorg/lobehub")).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self, name: impl Into<String>) -> CreateProject<'c> {
        CreateProject { client: self.client, name: name.into(), fields: Map::new(), git: None, env: Vec::new() }
    }

    /// `getProject` (`GET /v9/projects/{idOrName}`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let project = client.projects().get("lobechat").await?;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id_or_name: &str) -> Result<Project> {
        const OP: &str = "getProject";
        check_id(OP, "project id or name", id_or_name)?;
        self.client.json(ApiRequest::new(OP, Method::GET, &["v9", "projects", id_or_name])).await
    }

    /// Like [`get`](Self::get), with a 404 as `None`.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// if client.projects().find("lobechat").await?.is_none() { /* create it */ }
    /// # Ok(()) }
    /// ```
    pub async fn find(&self, id_or_name: &str) -> Result<Option<Project>> {
        match self.get(id_or_name).await {
            Ok(p) => Ok(Some(p)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `getProjects` (`GET /v10/projects`), every page.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// for p in client.projects().list().await? { println!("{}", p.name); }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Project>> {
        self.list_matching(None).await
    }

    /// `getProjects` with `search=`, every page. The next page is requested with `from=<pagination.next>`, which
    /// may be a timestamp or a continuation token (vsdk `projectsGetProjects.ts`, `Pagination1`); a repeated
    /// cursor or too many pages is [`ErrorKind::Pagination`](crate::ErrorKind::Pagination).
    pub async fn list_matching(&self, search: Option<&str>) -> Result<Vec<Project>> {
        const OP: &str = "getProjects";
        collect_pages::<ProjectsPage>(self.client, OP, CursorParam::From, usize::MAX, || {
            ApiRequest::new(OP, Method::GET, &["v10", "projects"])
                .query_opt("search", search)
                .query("limit", PAGE_LIMIT.to_string())
        })
        .await
    }

    /// Starts an `updateProject` (`PATCH /v9/projects/{idOrName}`). The git link is changed with
    /// [`link`](Self::link), not here.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// client.projects().update("lobechat").build_command("bun run build:vercel").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id_or_name: impl Into<String>) -> UpdateProject<'c> {
        UpdateProject { client: self.client, id: id_or_name.into(), fields: Map::new() }
    }

    /// `deleteProject` (`DELETE /v9/projects/{idOrName}`, 204).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// client.projects().delete("lobechat").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id_or_name: &str) -> Result<()> {
        const OP: &str = "deleteProject";
        check_id(OP, "project id or name", id_or_name)?;
        self.client.no_content(ApiRequest::new(OP, Method::DELETE, &["v9", "projects", id_or_name])).await
    }

    /// Links a git repository (`POST /v9/projects/{idOrName}/link`). A missing GitHub connection or app is
    /// [`ErrorKind::GitIntegration`](crate::ErrorKind::GitIntegration) with [`Error::action`] and [`Error::link`].
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// client.projects().link("lobechat", &vercel_client::GitRepository::github("myorg/lobehub")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn link(&self, id_or_name: &str, repo: &GitRepository) -> Result<Project> {
        const OP: &str = "linkProjectRepository";
        check_id(OP, "project id or name", id_or_name)?;
        repo.validate(OP)?;
        self.client
            .json(
                ApiRequest::new(OP, Method::POST, &["v9", "projects", id_or_name, "link"])
                    .body(repo.to_json())
                    .idempotent(true),
            )
            .await
    }

    /// Unlinks the git repository (`DELETE /v9/projects/{idOrName}/link`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// client.projects().unlink("lobechat").await?;
    /// # Ok(()) }
    /// ```
    pub async fn unlink(&self, id_or_name: &str) -> Result<Project> {
        const OP: &str = "unlinkProjectRepository";
        check_id(OP, "project id or name", id_or_name)?;
        self.client.json(ApiRequest::new(OP, Method::DELETE, &["v9", "projects", id_or_name, "link"])).await
    }
}

/// A `createProject` request; from [`ProjectsHandler::create`].
pub struct CreateProject<'c> {
    client: &'c VercelClient,
    name: String,
    fields: Map<String, Value>,
    git: Option<GitRepository>,
    env: Vec<NewEnvVar>,
}

impl fmt::Debug for CreateProject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateProject")
            .field("name", &self.name)
            .field("fields", &self.fields)
            .field("git", &self.git)
            .field("env", &self.env)
            .finish()
    }
}

impl<'c> CreateProject<'c> {
    /// The framework preset (`nextjs`).
    pub fn framework(mut self, framework: impl Into<String>) -> Self {
        self.fields.insert("framework".into(), Value::String(framework.into()));
        self
    }

    /// The git repository to link at creation.
    pub fn git_repository(mut self, repo: GitRepository) -> Self {
        self.git = Some(repo);
        self
    }

    /// Build command override.
    pub fn build_command(mut self, command: impl Into<String>) -> Self {
        self.fields.insert("buildCommand".into(), Value::String(command.into()));
        self
    }

    /// Install command override.
    pub fn install_command(mut self, command: impl Into<String>) -> Self {
        self.fields.insert("installCommand".into(), Value::String(command.into()));
        self
    }

    /// Output directory override.
    pub fn output_directory(mut self, dir: impl Into<String>) -> Self {
        self.fields.insert("outputDirectory".into(), Value::String(dir.into()));
        self
    }

    /// Root directory.
    pub fn root_directory(mut self, dir: impl Into<String>) -> Self {
        self.fields.insert("rootDirectory".into(), Value::String(dir.into()));
        self
    }

    /// Function region (`iad1`, …).
    pub fn serverless_function_region(mut self, region: impl Into<String>) -> Self {
        self.fields.insert("serverlessFunctionRegion".into(), Value::String(region.into()));
        self
    }

    /// Turns off Vercel Authentication on deployments (`ssoProtection: null`).
    pub fn disable_vercel_authentication(mut self) -> Self {
        self.fields.insert("ssoProtection".into(), Value::Null);
        self
    }

    /// Environment variables created with the project (checked like [`EnvHandler::create`](crate::EnvHandler::create)).
    pub fn environment_variables(mut self, vars: Vec<NewEnvVar>) -> Self {
        self.env = vars;
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Project> {
        const OP: &str = "createProject";
        validate_project_name(&self.name)?;
        let mut body = self.fields;
        body.insert("name".into(), Value::String(self.name));
        if let Some(repo) = &self.git {
            repo.validate(OP)?;
            body.insert("gitRepository".into(), repo.to_json());
        }
        let mut secrets = Vec::new();
        if !self.env.is_empty() {
            let mut vars = Vec::with_capacity(self.env.len());
            for var in &self.env {
                var.validate(OP)?;
                vars.push(var.to_project_create_json());
                secrets.push(var.value.clone());
            }
            body.insert("environmentVariables".into(), Value::Array(vars));
        }
        self.client
            .json(ApiRequest::new(OP, Method::POST, &["v11", "projects"]).body(Value::Object(body)).secrets(secrets))
            .await
    }
}

/// An `updateProject` request; from [`ProjectsHandler::update`].
#[derive(Debug)]
pub struct UpdateProject<'c> {
    client: &'c VercelClient,
    id: String,
    fields: Map<String, Value>,
}

impl<'c> UpdateProject<'c> {
    /// The project's new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.fields.insert("name".into(), Value::String(name.into()));
        self
    }

    /// The framework preset.
    pub fn framework(mut self, framework: impl Into<String>) -> Self {
        self.fields.insert("framework".into(), Value::String(framework.into()));
        self
    }

    /// Build command override.
    pub fn build_command(mut self, command: impl Into<String>) -> Self {
        self.fields.insert("buildCommand".into(), Value::String(command.into()));
        self
    }

    /// Install command override.
    pub fn install_command(mut self, command: impl Into<String>) -> Self {
        self.fields.insert("installCommand".into(), Value::String(command.into()));
        self
    }

    /// Output directory override.
    pub fn output_directory(mut self, dir: impl Into<String>) -> Self {
        self.fields.insert("outputDirectory".into(), Value::String(dir.into()));
        self
    }

    /// Root directory.
    pub fn root_directory(mut self, dir: impl Into<String>) -> Self {
        self.fields.insert("rootDirectory".into(), Value::String(dir.into()));
        self
    }

    /// Resets the build command, install command and output directory to the framework defaults (`null`).
    pub fn reset_command_overrides(mut self) -> Self {
        for key in ["buildCommand", "installCommand", "outputDirectory"] {
            self.fields.insert(key.into(), Value::Null);
        }
        self
    }

    /// Node.js version (`22.x`).
    pub fn node_version(mut self, version: impl Into<String>) -> Self {
        self.fields.insert("nodeVersion".into(), Value::String(version.into()));
        self
    }

    /// Turns off Vercel Authentication on deployments (`ssoProtection: null`).
    pub fn disable_vercel_authentication(mut self) -> Self {
        self.fields.insert("ssoProtection".into(), Value::Null);
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Project> {
        const OP: &str = "updateProject";
        check_id(OP, "project id or name", &self.id)?;
        if let Some(Value::String(name)) = self.fields.get("name") {
            validate_project_name(name)
                .map_err(|e| Error::invalid_input(OP, e.detail().unwrap_or_default().to_string()))?;
        }
        if self.fields.is_empty() {
            return Err(Error::invalid_input(OP, "nothing to update"));
        }
        self.client
            .json(ApiRequest::new(OP, Method::PATCH, &["v9", "projects", &self.id]).body(Value::Object(self.fields)))
            .await
    }
}
