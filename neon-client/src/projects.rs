//! Projects and what hangs off them: the default branch, its databases, and connection URIs.
//!
//! Operations (Neon API v2 reference, "Projects" and "Branches"): `createProject` (`POST /projects`),
//! `getProject` (`GET /projects/{project_id}`), `listProjects` (`GET /projects`, cursor-paginated, `search` by
//! partial name or id), `deleteProject` (`DELETE /projects/{project_id}`), `listProjectBranches`
//! (`GET /projects/{project_id}/branches`), `listProjectBranchDatabases`
//! (`GET /projects/{project_id}/branches/{branch_id}/databases`) and `getConnectionUri`
//! (`GET /projects/{project_id}/connection_uri`).

use crate::client::{ApiRequest, NeonClient, check_id};
use crate::error::{Error, ErrorKind, Result};
use cloud_http::pagination::{DedupById, PageGuard};
use http::Method;
use secrecy::SecretString;
use serde::Deserialize;
use std::fmt;

/// The page size of `listProjects` (the API's maximum is 400; 100 keeps answers small).
const PAGE_LIMIT: usize = 100;

/// A Neon project (the fields this client uses).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Project {
    /// The project id (`spring-example-302709`).
    pub id: String,
    /// The project name (not unique: Neon allows two projects of one name).
    pub name: String,
    /// The region (`aws-eu-central-1`, `azure-eastus2`, …; Neon "Regions" page).
    pub region_id: String,
    /// The Postgres major version.
    #[serde(default)]
    pub pg_version: Option<u32>,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// The organization that owns it.
    #[serde(default)]
    pub org_id: Option<String>,
}

/// A branch of a project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Branch {
    /// The branch id (`br-…`).
    pub id: String,
    /// The branch name (`main`).
    pub name: String,
    /// Whether it is the project's default branch.
    #[serde(default)]
    pub default: bool,
    /// The older name of `default`; Neon still sends both.
    #[serde(default)]
    pub primary: bool,
}

impl Branch {
    /// Whether it is the project's default branch (`default`, or the older `primary`).
    pub fn is_default(&self) -> bool {
        self.default || self.primary
    }
}

/// A database on a branch.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Database {
    /// The database name (`neondb`).
    pub name: String,
    /// The role that owns it (`neondb_owner`).
    pub owner_name: String,
    /// The branch it is on.
    pub branch_id: String,
}

/// A compute endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Endpoint {
    /// The endpoint id (`ep-…`).
    pub id: String,
    /// Its host name (`ep-….eu-central-1.aws.neon.tech`).
    pub host: String,
    /// The branch it serves.
    pub branch_id: String,
    /// `read_write` or `read_only`.
    #[serde(rename = "type")]
    pub endpoint_type: String,
}

/// One entry of `createProject`'s `connection_uris`: the URI (with the password: a secret) and its parts.
#[derive(Clone)]
pub struct ConnectionDetails {
    /// The direct (non-pooled) connection URI.
    pub connection_uri: SecretString,
    /// The database name.
    pub database: String,
    /// The role name.
    pub role: String,
    /// The direct host.
    pub host: String,
    /// The pooler's host (`…-pooler…`).
    pub pooler_host: Option<String>,
}

impl fmt::Debug for ConnectionDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionDetails")
            .field("connection_uri", &"[REDACTED]")
            .field("database", &self.database)
            .field("role", &self.role)
            .field("host", &self.host)
            .field("pooler_host", &self.pooler_host)
            .finish()
    }
}

/// What `createProject` answers: the project, its default branch, databases, endpoints and connection URIs.
#[derive(Debug, Clone)]
pub struct CreatedProject {
    /// The project.
    pub project: Project,
    /// The default branch.
    pub branch: Option<Branch>,
    /// The databases created with it.
    pub databases: Vec<Database>,
    /// The endpoints created with it.
    pub endpoints: Vec<Endpoint>,
    /// The connection URIs (direct), one per database/role.
    pub connection_uris: Vec<ConnectionDetails>,
}

#[derive(Deserialize)]
struct ProjectEnvelope {
    project: Project,
}

#[derive(Deserialize)]
struct RawCreated {
    project: Project,
    #[serde(default)]
    branch: Option<Branch>,
    #[serde(default)]
    databases: Vec<Database>,
    #[serde(default)]
    endpoints: Vec<Endpoint>,
    #[serde(default)]
    connection_uris: Vec<RawConnectionUri>,
}

#[derive(Deserialize)]
struct RawConnectionUri {
    connection_uri: String,
    connection_parameters: RawConnectionParameters,
}

#[derive(Deserialize)]
struct RawConnectionParameters {
    database: String,
    role: String,
    host: String,
    #[serde(default)]
    pooler_host: Option<String>,
}

#[derive(Deserialize)]
struct ProjectsPage {
    projects: Vec<Project>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
struct Pagination {
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct BranchesPage {
    branches: Vec<Branch>,
}

#[derive(Deserialize)]
struct DatabasesPage {
    databases: Vec<Database>,
}

#[derive(Deserialize)]
struct ConnectionUri {
    uri: String,
}

/// Project operations; from [`NeonClient::projects`].
#[derive(Debug, Clone, Copy)]
pub struct ProjectsHandler<'c> {
    client: &'c NeonClient,
}

/// A `createProject` call being built; from [`ProjectsHandler::create`].
///
/// ```no_run
/// # async fn demo(neon: neon_client::NeonClient) -> neon_client::Result<()> {
/// let created = neon.projects().create("lobehub").region("aws-eu-central-1").pg_version(17).send().await?;
/// println!("{} in {}", created.project.id, created.project.region_id);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct CreateProject<'c> {
    client: &'c NeonClient,
    name: String,
    region: Option<String>,
    pg_version: Option<u32>,
}

/// Checks a project name: non-empty, at most 64 characters, no control characters.
fn check_project_name(operation: &'static str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid_input(operation, "the project name must not be empty"));
    }
    if name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            operation,
            "the project name must be at most 64 characters without control characters",
        ));
    }
    Ok(())
}

/// Checks a region id: lowercase ASCII letters, digits and `-` (`aws-us-east-2`, `azure-gwc`).
fn check_region(operation: &'static str, region: &str) -> Result<()> {
    if region.is_empty()
        || !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || !(region.starts_with("aws-") || region.starts_with("azure-"))
    {
        return Err(Error::invalid_input(
            operation,
            format!("`{}` is not a Neon region id such as `aws-eu-central-1`", region.escape_debug()),
        ));
    }
    Ok(())
}

impl CreateProject<'_> {
    /// The region (`region_id`, e.g. `aws-eu-central-1`; Neon "Regions" page). Pick the one nearest the app's
    /// Vercel functions; Neon chooses when unset.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The Postgres major version (`pg_version`; Neon's default when unset).
    pub fn pg_version(mut self, version: u32) -> Self {
        self.pg_version = Some(version);
        self
    }

    /// Sends `createProject`. Not retried after a lost answer (it is not idempotent: Neon would make a second
    /// project of the same name); look the name up with [`ProjectsHandler::find_by_name`] instead.
    ///
    /// Errors: [`ErrorKind::InvalidInput`] before sending; the service's errors otherwise (an unknown region is
    /// a 400/422 [`ErrorKind::BadRequest`]; the plan's project limit too).
    pub async fn send(self) -> Result<CreatedProject> {
        const OP: &str = "createProject";
        check_project_name(OP, &self.name)?;
        let mut project = serde_json::json!({ "name": self.name });
        if let Some(region) = &self.region {
            check_region(OP, region)?;
            project["region_id"] = region.clone().into();
        }
        if let Some(v) = self.pg_version {
            if !(14..=18).contains(&v) {
                return Err(Error::invalid_input(OP, format!("Postgres {v} is not offered (14 to 18)")));
            }
            project["pg_version"] = v.into();
        }
        if let Some(org) = self.client.org_id() {
            project["org_id"] = org.into();
        }
        let raw: RawCreated = self
            .client
            .json(ApiRequest::new(OP, Method::POST, &["projects"]).body(serde_json::json!({ "project": project })))
            .await?;
        Ok(CreatedProject {
            project: raw.project,
            branch: raw.branch,
            databases: raw.databases,
            endpoints: raw.endpoints,
            connection_uris: raw
                .connection_uris
                .into_iter()
                .map(|c| ConnectionDetails {
                    connection_uri: SecretString::from(c.connection_uri),
                    database: c.connection_parameters.database,
                    role: c.connection_parameters.role,
                    host: c.connection_parameters.host,
                    pooler_host: c.connection_parameters.pooler_host,
                })
                .collect(),
        })
    }
}

impl<'c> ProjectsHandler<'c> {
    pub(crate) fn new(client: &'c NeonClient) -> Self {
        Self { client }
    }

    /// Starts a `createProject` call for a project called `name`.
    pub fn create(&self, name: impl Into<String>) -> CreateProject<'c> {
        CreateProject { client: self.client, name: name.into(), region: None, pg_version: None }
    }

    /// `getProject`. A missing project is [`ErrorKind::NotFound`].
    pub async fn get(&self, project_id: &str) -> Result<Project> {
        const OP: &str = "getProject";
        check_id(OP, "project id", project_id)?;
        let envelope: ProjectEnvelope =
            self.client.json(ApiRequest::new(OP, Method::GET, &["projects", project_id])).await?;
        Ok(envelope.project)
    }

    /// `listProjects`, every page (at most 1,000 pages; a repeated cursor is refused), optionally narrowed by
    /// `search` (partial name or id, matched by Neon).
    pub async fn list(&self, search: Option<&str>) -> Result<Vec<Project>> {
        const OP: &str = "listProjects";
        let mut guard = PageGuard::<String>::with_default_cap(OP);
        let mut dedup = DedupById::default();
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        guard.first_page().map_err(|e| Error::decode(OP, e.to_string()))?;
        loop {
            let mut req = ApiRequest::new(OP, Method::GET, &["projects"]).query("limit", PAGE_LIMIT.to_string());
            if let Some(s) = search {
                req = req.query("search", s);
            }
            if let Some(org) = self.client.org_id() {
                req = req.query("org_id", org);
            }
            if let Some(c) = &cursor {
                req = req.query("cursor", c.clone());
            }
            let page: ProjectsPage = self.client.json(req).await?;
            let count = page.projects.len();
            out.extend(page.projects.into_iter().filter(|p| dedup.first_time(p.id.clone())));
            let next = page.pagination.and_then(|p| p.cursor).filter(|c| !c.is_empty());
            match next {
                Some(next) if count >= PAGE_LIMIT => {
                    guard.next_page(&next).map_err(|e| Error::decode(OP, e.to_string()))?;
                    cursor = Some(next);
                }
                _ => return Ok(out),
            }
        }
    }

    /// The one project called exactly `name`, if any. Two projects of that name is a
    /// [`ErrorKind::Conflict`] (Neon does not keep names unique; the caller must pick by id).
    ///
    /// ```no_run
    /// # async fn demo(neon: neon_client::NeonClient) -> neon_client::Result<()> {
    /// if let Some(p) = neon.projects().find_by_name("lobehub").await? { println!("{}", p.id); }
    /// # Ok(()) }
    /// ```
    pub async fn find_by_name(&self, name: &str) -> Result<Option<Project>> {
        const OP: &str = "listProjects";
        check_project_name(OP, name)?;
        let mut matches: Vec<Project> = self.list(Some(name)).await?.into_iter().filter(|p| p.name == name).collect();
        match matches.len() {
            0 => Ok(None),
            1 => Ok(matches.pop()),
            n => Err(Error::new(ErrorKind::Conflict, OP).with_detail(format!(
                "{n} Neon projects are called `{name}` ({}); rename or delete all but one",
                matches.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// `listProjectBranches`.
    pub async fn branches(&self, project_id: &str) -> Result<Vec<Branch>> {
        const OP: &str = "listProjectBranches";
        check_id(OP, "project id", project_id)?;
        let page: BranchesPage =
            self.client.json(ApiRequest::new(OP, Method::GET, &["projects", project_id, "branches"])).await?;
        Ok(page.branches)
    }

    /// `listProjectBranchDatabases`.
    pub async fn databases(&self, project_id: &str, branch_id: &str) -> Result<Vec<Database>> {
        const OP: &str = "listProjectBranchDatabases";
        check_id(OP, "project id", project_id)?;
        check_id(OP, "branch id", branch_id)?;
        let page: DatabasesPage = self
            .client
            .json(ApiRequest::new(OP, Method::GET, &["projects", project_id, "branches", branch_id, "databases"]))
            .await?;
        Ok(page.databases)
    }

    /// `getConnectionUri`: the URI of `database` as `role` on `branch_id` (the default branch when `None`),
    /// through the pooler when `pooled` ("Adds the -pooler option to the connection URI when set to true",
    /// API reference).
    ///
    /// **Which one LobeHub should use: the direct one (`pooled = false`).** LobeHub's build runs `db:migrate`
    /// with the same `DATABASE_URL` (LobeHub `package.json` `build:vercel`; `scripts/migrateServerDB`), and Neon
    /// says to use the direct string for migrations because its PgBouncer pooler runs in transaction mode, which
    /// breaks session state ("Use the direct string for migrations, pg_dump, and logical replication", Neon
    /// connection-pooling FAQ). At run time LobeHub's default `neon` driver connects over WebSockets through
    /// Neon's proxy (LobeHub `src/config/db.ts`), so the pooler buys it nothing there; and the guide this tool
    /// automates copies `POSTGRES_URL_NONPOOLING` into `DATABASE_URL`.
    pub async fn connection_uri(
        &self,
        project_id: &str,
        branch_id: Option<&str>,
        database: &str,
        role: &str,
        pooled: bool,
    ) -> Result<SecretString> {
        const OP: &str = "getConnectionUri";
        check_id(OP, "project id", project_id)?;
        check_id(OP, "database name", database)?;
        check_id(OP, "role name", role)?;
        let mut req = ApiRequest::new(OP, Method::GET, &["projects", project_id, "connection_uri"])
            .query("database_name", database)
            .query("role_name", role)
            .query("pooled", pooled.to_string());
        if let Some(b) = branch_id {
            check_id(OP, "branch id", b)?;
            req = req.query("branch_id", b);
        }
        let answer: ConnectionUri = self.client.json(req).await?;
        if !(answer.uri.starts_with("postgresql://") || answer.uri.starts_with("postgres://")) {
            return Err(Error::decode(OP, "`uri` is not a postgresql:// URI"));
        }
        Ok(SecretString::from(answer.uri))
    }

    /// The connection URI of the default branch's database: its default branch, the database on it (the one
    /// called `neondb` if there are several), owned by its owner role. Three reads.
    pub async fn default_connection_uri(&self, project_id: &str, pooled: bool) -> Result<SecretString> {
        let branches = self.branches(project_id).await?;
        let branch = branches.iter().find(|b| b.is_default()).or_else(|| branches.first()).ok_or_else(|| {
            Error::new(ErrorKind::NotFound, "listProjectBranches")
                .with_detail(format!("project {project_id} has no branch"))
        })?;
        let databases = self.databases(project_id, &branch.id).await?;
        let database =
            databases.iter().find(|d| d.name == "neondb").or_else(|| databases.first()).ok_or_else(|| {
                Error::new(ErrorKind::NotFound, "listProjectBranchDatabases")
                    .with_detail(format!("branch {} of project {project_id} has no database", branch.id))
            })?;
        self.connection_uri(project_id, Some(&branch.id), &database.name, &database.owner_name, pooled).await
    }

    /// `deleteProject`: deletes the project **and every database in it**. Answers the deleted project.
    pub async fn delete(&self, project_id: &str) -> Result<Project> {
        const OP: &str = "deleteProject";
        check_id(OP, "project id", project_id)?;
        let envelope: ProjectEnvelope =
            self.client.json(ApiRequest::new(OP, Method::DELETE, &["projects", project_id])).await?;
        Ok(envelope.project)
    }
}
