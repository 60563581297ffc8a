//! Users, repositories, forks and branches.
//!
//! Operations (GitHub REST reference, API version 2022-11-28): "Get the authenticated user"
//! (`users/get-authenticated`, `GET /user`), "Get a repository" (`repos/get`, `GET /repos/{owner}/{repo}`),
//! "List forks" (`repos/list-forks`, `GET /repos/{owner}/{repo}/forks`), "Create a fork" (`repos/create-fork`,
//! `POST /repos/{owner}/{repo}/forks`) and "Get a branch" (`repos/get-branch`,
//! `GET /repos/{owner}/{repo}/branches/{branch}`). Shapes: the `simple-user`, `minimal-repository` and
//! `full-repository` schemas of github/rest-api-description; only the fields read here are decoded, unknown
//! fields are ignored.

use super::{ApiRequest, GithubClient, Result, check_name};
use http::Method;
use serde::{Deserialize, Serialize};

/// A user or organization (`simple-user`; the fields read here).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    /// The login (`octocat`).
    pub login: String,
    /// `User` or `Organization`.
    #[serde(default, rename = "type")]
    pub account_type: Option<String>,
}

/// A repository (`repository` / `minimal-repository` / `full-repository`; the fields read here).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Repository {
    /// The repository id.
    pub id: u64,
    /// Its name (`Hello-World`).
    pub name: String,
    /// `owner/name` (`octocat/Hello-World`).
    pub full_name: String,
    /// Its owner.
    pub owner: Account,
    /// Whether it is a fork.
    #[serde(default)]
    pub fork: bool,
    /// Its default branch (`main`); GitHub sends it on every repository, a list entry may lack it.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// The repository it was forked from (only on "Get a repository" and "Create a fork" of a fork).
    #[serde(default)]
    pub parent: Option<Box<Repository>>,
    /// The root of its fork network (as `parent`).
    #[serde(default)]
    pub source: Option<Box<Repository>>,
}

impl Repository {
    /// Whether this is a fork whose parent or network root is `upstream` (`owner/name`, compared without
    /// regard to case: GitHub names are case-insensitive).
    ///
    /// ```
    /// let repo: provision::github::Repository = serde_json::from_value(serde_json::json!({
    ///     "id": 2, "name": "chat", "full_name": "octo/chat", "owner": {"login": "octo"}, "fork": true,
    ///     "parent": {"id": 1, "name": "lobehub", "full_name": "lobehub/lobehub", "owner": {"login": "lobehub"}}
    /// })).unwrap();
    /// assert!(repo.is_fork_of("LobeHub/lobehub"));
    /// assert!(!repo.is_fork_of("other/lobehub"));
    /// ```
    pub fn is_fork_of(&self, upstream: &str) -> bool {
        let named =
            |r: &Option<Box<Repository>>| r.as_ref().is_some_and(|r| r.full_name.eq_ignore_ascii_case(upstream));
        self.fork && (named(&self.parent) || named(&self.source))
    }
}

/// A branch (`branch-with-protection`; the name is all that is read).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Branch {
    /// The branch name.
    pub name: String,
}

/// One page of a list, and whether GitHub's `Link` header names a next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Whether a `rel="next"` page exists.
    pub has_next: bool,
}

/// The body of "Create a fork": every field optional.
///
/// ```
/// let body = provision::github::CreateFork { organization: Some("acme".into()), name: None, default_branch_only: true };
/// assert_eq!(serde_json::to_value(&body).unwrap(), serde_json::json!({"organization": "acme", "default_branch_only": true}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateFork {
    /// "Optional parameter to specify the organization name if forking into an organization"; `None`: the
    /// token's user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// "When forking from an existing repository, a new name for the fork"; `None`: the upstream's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// "When forking from an existing repository, fork with only the default branch."
    pub default_branch_only: bool,
}

/// The calls on one repository, octocrab-style: `github.repo("octo", "lobehub").get()`. The owner and name are
/// checked by every call before anything is sent.
#[derive(Debug, Clone, Copy)]
pub struct RepoHandler<'a> {
    pub(crate) client: &'a GithubClient,
    pub(crate) owner: &'a str,
    pub(crate) repo: &'a str,
}

impl GithubClient {
    /// The calls on repository `owner/repo`.
    pub fn repo<'a>(&'a self, owner: &'a str, repo: &'a str) -> RepoHandler<'a> {
        RepoHandler { client: self, owner, repo }
    }

    /// The token's user ("Get the authenticated user", `GET /user`).
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](super::ErrorKind::Unauthorized) for a bad token; transport, rate-limit and
    /// decode errors.
    pub async fn current_user(&self) -> Result<Account> {
        self.json(ApiRequest::new("users/get-authenticated", Method::GET, &["user"])).await
    }
}

impl<'a> RepoHandler<'a> {
    /// Checks the owner and name before a call of `operation`.
    pub(crate) fn check(&self, operation: &'static str) -> Result<(&'a str, &'a str)> {
        check_name(operation, "owner", self.owner)?;
        check_name(operation, "repository", self.repo)?;
        Ok((self.owner, self.repo))
    }

    /// A repository ("REST API endpoints for repositories — Get a repository", `GET /repos/{owner}/{repo}`);
    /// a fork comes with its `parent` and `source`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](super::ErrorKind::InvalidInput) for a bad name (nothing sent);
    /// [`ErrorKind::NotFound`](super::ErrorKind::NotFound) when it does not exist or the token cannot see it.
    pub async fn get(&self) -> Result<Repository> {
        const OP: &str = "repos/get";
        let (owner, repo) = self.check(OP)?;
        self.client.json(ApiRequest::new(OP, Method::GET, &["repos", owner, repo])).await
    }

    /// One page of a repository's forks ("REST API endpoints for forks — List forks",
    /// `GET /repos/{owner}/{repo}/forks?per_page=…&page=…`; `per_page` at most 100, `page` from 1). The entries
    /// carry no `parent`: read one with [`get`](Self::get).
    ///
    /// # Errors
    /// As [`get`](Self::get); `per_page` outside 1–100 or `page` 0 is refused before sending.
    pub async fn list_forks(&self, per_page: u8, page: u32) -> Result<Page<Repository>> {
        const OP: &str = "repos/list-forks";
        let (owner, repo) = self.check(OP)?;
        check_paging(OP, per_page, page)?;
        let req = ApiRequest::new(OP, Method::GET, &["repos", owner, repo, "forks"])
            .query("per_page", per_page)
            .query("page", page);
        let (items, has_next) = self.client.json_page(req).await?;
        Ok(Page { items, has_next })
    }

    /// Forks `owner/repo` ("REST API endpoints for forks — Create a fork", `POST /repos/{owner}/{repo}/forks`,
    /// answered 202 with the new repository). "Forking a Repository happens asynchronously. You may have to wait
    /// a short period of time before you can access the git objects": poll [`get_branch`](Self::get_branch).
    /// Not repeated after a 5xx or a lost answer (a `POST`): look the fork up before trying again.
    ///
    /// # Errors
    /// As [`get`](Self::get); a bad `organization` or `name` is refused before sending; GitHub
    /// answers 403 for an organization the token may not fork into and 422 for an invalid one.
    pub async fn create_fork(&self, fork: &CreateFork) -> Result<Repository> {
        const OP: &str = "repos/create-fork";
        let (owner, repo) = self.check(OP)?;
        if let Some(org) = &fork.organization {
            check_name(OP, "organization", org)?;
        }
        if let Some(name) = &fork.name {
            check_name(OP, "fork name", name)?;
        }
        let body = serde_json::to_value(fork)
            .map_err(|e| super::Error::invalid_input(OP, format!("could not encode the body: {e}")))?;
        self.client.json(ApiRequest::new(OP, Method::POST, &["repos", owner, repo, "forks"]).body(body)).await
    }

    /// A branch ("REST API endpoints for branches — Get a branch", `GET /repos/{owner}/{repo}/branches/{branch}`;
    /// a `/` in the branch name is percent-encoded).
    ///
    /// # Errors
    /// As [`get`](Self::get); [`ErrorKind::NotFound`](super::ErrorKind::NotFound) while a new fork is
    /// still being copied.
    pub async fn get_branch(&self, branch: &str) -> Result<Branch> {
        const OP: &str = "repos/get-branch";
        let (owner, repo) = self.check(OP)?;
        if branch.is_empty() || branch.len() > 255 || branch.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(super::Error::invalid_input(OP, "the branch name is empty, too long or has whitespace"));
        }
        self.client.json(ApiRequest::new(OP, Method::GET, &["repos", owner, repo, "branches", branch])).await
    }
}

/// Refuses a `per_page` outside 1–100 or a `page` of 0 ("Using pagination in the REST API": "max 100").
pub(crate) fn check_paging(operation: &'static str, per_page: u8, page: u32) -> Result<()> {
    if !(1..=100).contains(&per_page) || page == 0 {
        return Err(super::Error::invalid_input(operation, "per_page must be 1–100 and page at least 1"));
    }
    Ok(())
}
