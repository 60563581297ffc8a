//! The GitHub App installations the token's user can see, and the repositories one of them may access.
//!
//! Operations ("REST API endpoints for GitHub App installations", API version 2022-11-28): "List app
//! installations accessible to the user access token" (`apps/list-installations-for-authenticated-user`,
//! `GET /user/installations`, answering `{"total_count", "installations": [installation]}`) and "List
//! repositories accessible to the user access token" (`apps/list-installation-repos-for-authenticated-user`,
//! `GET /user/installations/{installation_id}/repositories`, answering `{"total_count",
//! "repository_selection", "repositories": [repository]}`).

use super::repos::{Page, Repository, check_paging};
use super::{ApiRequest, GithubClient, Result};
use http::Method;
use serde::Deserialize;

/// An installation of a GitHub App (the `installation` schema; the fields read here).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Installation {
    /// The installation id.
    pub id: u64,
    /// The app's slug (`vercel`).
    pub app_slug: String,
    /// The account it is installed on (`null` for a deleted one; an enterprise has no login).
    #[serde(default)]
    pub account: Option<InstallationAccount>,
    /// `all` or `selected`.
    #[serde(default)]
    pub repository_selection: String,
    /// `User` or `Organization`.
    #[serde(default)]
    pub target_type: String,
}

/// The account of an installation (a `simple-user`, or an `enterprise` which has no `login`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InstallationAccount {
    /// The login of the user or organization.
    #[serde(default)]
    pub login: Option<String>,
}

impl Installation {
    /// The login of the account it is installed on, if it has one.
    pub fn login(&self) -> Option<&str> {
        self.account.as_ref().and_then(|a| a.login.as_deref())
    }
}

#[derive(Deserialize)]
struct InstallationList {
    installations: Vec<Installation>,
}

#[derive(Deserialize)]
struct RepositoryList {
    repositories: Vec<Repository>,
}

/// The GitHub App installations the token's user can see, octocrab-style: `github.installations().list(100)`.
#[derive(Debug, Clone, Copy)]
pub struct InstallationsHandler<'a> {
    client: &'a GithubClient,
}

impl GithubClient {
    /// The app installations the token's user can see.
    pub fn installations(&self) -> InstallationsHandler<'_> {
        InstallationsHandler { client: self }
    }
}

impl InstallationsHandler<'_> {
    /// The first `per_page` (1–100) app installations the token's user can see ("List app installations
    /// accessible to the user access token"). GitHub answers 401/403 for a token that may not list them (a
    /// fine-grained or app token).
    ///
    /// # Errors
    /// Transport, rate-limit, service and decode errors.
    pub async fn list(&self, per_page: u8) -> Result<Vec<Installation>> {
        const OP: &str = "apps/list-installations-for-authenticated-user";
        check_paging(OP, per_page, 1)?;
        let req = ApiRequest::new(OP, Method::GET, &["user", "installations"]).query("per_page", per_page);
        Ok(self.client.json::<InstallationList>(req).await?.installations)
    }

    /// One page of the repositories installation `id` may access that the user can see too ("List repositories
    /// accessible to the user access token"); `has_next` from the `Link` header.
    ///
    /// # Errors
    /// `per_page` outside 1–100 or `page` 0 is refused before sending;
    /// [`ErrorKind::NotFound`](super::ErrorKind::NotFound) for an installation the user cannot see.
    pub async fn repositories(&self, id: u64, per_page: u8, page: u32) -> Result<Page<Repository>> {
        const OP: &str = "apps/list-installation-repos-for-authenticated-user";
        check_paging(OP, per_page, page)?;
        let id = id.to_string();
        let req = ApiRequest::new(OP, Method::GET, &["user", "installations", &id, "repositories"])
            .query("per_page", per_page)
            .query("page", page);
        let (list, has_next) = self.client.json_page::<RepositoryList>(req).await?;
        Ok(Page { items: list.repositories, has_next })
    }
}
