//! A small typed client for the few GitHub REST calls the fork step makes (API version `2022-11-28`), on the
//! shared request driver of `cloud-http` (retry → build → authorize → send → classify → decode, one budget).
//!
//! - [`repos`]: the authenticated user ([`GithubClient::current_user`]); on one repository
//!   ([`GithubClient::repo`], an octocrab-like handler) the repository, its forks, creating a fork, a branch.
//! - [`actions`]: a repository's workflows, enabling and disabling one (on the same handler).
//! - [`installations`]: the GitHub App installations the token's user can see, and their repositories
//!   ([`GithubClient::installations`]).
//!
//! Every request carries the headers GitHub's "Getting started with the REST API" asks for:
//! `Authorization: Bearer <token>` ("Authenticating to the REST API"), `Accept: application/vnd.github+json`,
//! `X-GitHub-Api-Version: 2022-11-28` ("API Versions") and a `User-Agent` ("All API requests must include a valid
//! `User-Agent` header. Requests with no `User-Agent` header will be rejected").
//!
//! Errors are one [`Error`] with a matchable [`ErrorKind`], GitHub's `message` and `documentation_url` (its error
//! body) and the `x-github-request-id` header. Retries (GitHub "Rate limits for the REST API", "Exceeding the
//! rate limit"): a 429, or a 403 with `retry-after`, `x-ratelimit-remaining: 0` or a message naming the
//! (secondary) rate limit, is [`ErrorKind::RateLimited`] and is retried after `retry-after` seconds, else after
//! `x-ratelimit-reset`, else after one minute — within the policy's budget; the request was refused, so this
//! holds for any method. A 5xx or a lost answer is retried only for `GET` and `PUT` (idempotent, RFC 9110
//! §9.2.2): a fork whose creation answer was lost is looked up by the next `apply`, never created blindly again.
//!
//! ```no_run
//! # async fn demo() -> provision::github::Result<()> {
//! use provision::github::GithubClient;
//! use secrecy::SecretString;
//! let github = GithubClient::builder().token(SecretString::from("ghp_…")).build()?;
//! let me = github.current_user().await?;
//! let repo = github.repo(&me.login, "lobehub").get().await?;
//! # let _ = repo;
//! # Ok(()) }
//! ```

pub mod actions;
pub mod error;
pub mod installations;
pub mod repos;

pub use actions::Workflow;
pub use error::{Error, ErrorKind, Result};
pub use installations::{Installation, InstallationAccount, InstallationsHandler};
pub use repos::{Account, Branch, CreateFork, Page, RepoHandler, Repository};

use cloud_http::api::{self, ClientProfile, ClientSettings, Connection, Json, JsonApi, JsonRequest};
use cloud_http::driver;
use cloud_http::retry::RetryDecision;
use cloud_http::{RawResponse, rate_limit};
use http::{HeaderValue, Method};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// GitHub's REST API ("Getting started with the REST API": `https://api.github.com`). GitHub Enterprise Server
/// is `https://HOST/api/v3`.
pub const DEFAULT_BASE_URL: &str = "https://api.github.com";

/// The REST API version this client speaks (GitHub "API Versions": sent as `X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";

/// GitHub's recommended media type ("Getting started with the REST API", "Media types").
const ACCEPT: &str = "application/vnd.github+json";

/// The largest answer read (4 MiB; a page of 100 repositories is a few hundred KB).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A typed client for the GitHub REST calls of the fork step. Cheap to clone; clones share one connection pool.
/// `Debug` never shows the token.
#[derive(Clone)]
pub struct GithubClient {
    inner: Arc<Connection>,
}

impl fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubClient").field("connection", &self.inner).finish()
    }
}

/// How the GitHub client fills in the shared [`ClientSettings`]: GitHub rejects a request without a
/// `User-Agent` ("Getting started with the REST API").
const PROFILE: ClientProfile = ClientProfile {
    credential: "GitHub token",
    default_base_url: DEFAULT_BASE_URL,
    user_agent: concat!("lobehub-deploy-provision/", env!("CARGO_PKG_VERSION")),
};

/// Builds a [`GithubClient`]. Only the token is required.
///
/// ```
/// use provision::github::GithubClient;
/// use secrecy::SecretString;
/// let gh = GithubClient::builder().token(SecretString::from("ghp_secret")).base_url("http://127.0.0.1:9").build().unwrap();
/// assert!(!format!("{gh:?}").contains("ghp_secret"));
/// // Plain http is only for a loopback simulator; a token is required.
/// assert!(GithubClient::builder().token(SecretString::from("t")).base_url("http://example.com").build().is_err());
/// assert!(GithubClient::builder().build().is_err());
/// ```
#[derive(Default, Debug)]
pub struct GithubClientBuilder {
    settings: ClientSettings,
}

impl GithubClientBuilder {
    cloud_http::client_settings_setters! {
        settings;
        /// The token (classic or fine-grained personal access token), sent as `Authorization: Bearer …`.
        token: token;
        /// Overrides the base URL ([`DEFAULT_BASE_URL`]; `https`, or plain `http` only on loopback).
        base_url;
    }

    /// Checks the configuration ([`ClientSettings::build`]) and builds the client. Nothing is sent.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for a missing or malformed token or base URL.
    pub fn build(self) -> Result<GithubClient> {
        Ok(GithubClient { inner: Arc::new(self.settings.build(&PROFILE)?) })
    }
}

/// One API call, described independently of any attempt so that each attempt is rebuilt from it. Its
/// idempotence is read from the method ([`idempotent`]), not from the request's own flag.
pub(crate) type ApiRequest = JsonRequest;

impl GithubClient {
    /// Starts building a client.
    pub fn builder() -> GithubClientBuilder {
        GithubClientBuilder::default()
    }

    /// Sends `req` and decodes its JSON answer (a failure names the operation and the field's path).
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T> {
        driver::json(&Json(self), &req).await
    }

    /// Sends `req`, decodes its JSON answer and reads whether the `Link` header names a `rel="next"` page
    /// (GitHub "Using pagination in the REST API").
    pub(crate) async fn json_page<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<(T, bool)> {
        let raw = driver::send(&Json(self), &req).await?;
        let body = driver::decode_json(req.operation, &raw)?;
        Ok((body, has_next_link(&raw)))
    }

    /// Sends `req` and ignores the answer's body (204).
    pub(crate) async fn no_content(&self, req: ApiRequest) -> Result<()> {
        driver::no_content(&Json(self), &req).await
    }

    /// Classifies a non-2xx answer. GitHub's error body is `{"message", "documentation_url"}` with, for 422, an
    /// `errors` list ("Troubleshooting the REST API"); the request id is the `x-github-request-id` header.
    fn service_error(&self, req: &ApiRequest, response: &RawResponse) -> Error {
        let status = response.status.as_u16();
        let token = self.inner.token.expose_secret();
        let clean = |s: &str| cloud_http::redact::scrub(s, [token]);
        let (mut meta, body) = api::error_metadata(response, "x-github-request-id");
        match body.as_ref().and_then(|v| v.as_object()) {
            Some(obj) => {
                if let Some(m) = obj.get("message").and_then(|m| m.as_str()) {
                    meta = meta.with_message(clean(m));
                }
                if let Some(d) = obj.get("documentation_url").and_then(|d| d.as_str()) {
                    meta = meta.with_extra("documentation_url", clean(d));
                }
                let errors: Vec<String> = obj
                    .get("errors")
                    .and_then(|e| e.as_array())
                    .into_iter()
                    .flatten()
                    .take(5)
                    .filter_map(|e| e.get("message").or_else(|| e.get("code")).and_then(|m| m.as_str()))
                    .map(clean)
                    .collect();
                if !errors.is_empty() {
                    meta = meta.with_extra("errors", errors.join("; "));
                }
            }
            None if !response.body.is_empty() => meta = meta.with_message(api::error_snippet(response, [token])),
            None => {}
        }
        if let Some(wait) = rate_limited(status, response, meta.message(), self.inner.clock.now()) {
            return Error::new(ErrorKind::RateLimited, req.operation).with_metadata(meta).with_retry(wait);
        }
        let kind = match status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            422 => ErrorKind::Validation,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Service,
        };
        let retry = api::server_error_retry(status, idempotent(&req.method), &response.headers, self.inner.clock.now());
        Error::new(kind, req.operation).with_metadata(meta).with_retry(retry)
    }
}

/// Whether repeating a request after a lost answer is harmless: `GET` and `PUT` (RFC 9110 §9.2.2). `POST`
/// (create a fork) is not.
fn idempotent(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::PUT | Method::HEAD | Method::DELETE)
}

/// When a 403/429 is GitHub's rate limit, when to try again (GitHub "Rate limits for the REST API", "Exceeding
/// the rate limit"): "If the `retry-after` response header is present, you should not retry your request until
/// after that many seconds has elapsed. If the `x-ratelimit-remaining` header is `0`, you should not retry your
/// request until after the time … specified by the `x-ratelimit-reset` header. Otherwise, wait for at least one
/// minute before retrying." `None`: not a rate limit.
fn rate_limited(
    status: u16,
    response: &RawResponse,
    message: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<RetryDecision> {
    let headers = &response.headers;
    let exhausted = response.header("x-ratelimit-remaining").is_some_and(|v| v.trim() == "0");
    let says_so = message.is_some_and(|m| m.to_ascii_lowercase().contains("rate limit"));
    let after = rate_limit::retry_after(headers, now);
    if !(status == 429 || (status == 403 && (after.is_some() || exhausted || says_so))) {
        return None;
    }
    let wait = after
        .or_else(|| exhausted.then(|| rate_limit::reset_header(headers, "x-ratelimit-reset", now)).flatten())
        .unwrap_or(Duration::from_secs(60));
    Some(RetryDecision::RetryAfter(wait))
}

/// Whether a `Link` header lists a `rel="next"` page (RFC 8288; GitHub "Using pagination in the REST API").
fn has_next_link(raw: &RawResponse) -> bool {
    raw.headers
        .get_all(http::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|link| link.split(';').skip(1).any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next")))
}

/// GitHub's side of the shared driver: bearer authentication, GitHub's headers, its error body and which
/// answers may be repeated.
impl JsonApi for GithubClient {
    type Kind = ErrorKind;
    type Error = Error;
    const MAX_BODY: usize = MAX_BODY;

    fn connection(&self) -> &Connection {
        &self.inner
    }

    fn idempotent(&self, request: &ApiRequest) -> bool {
        idempotent(&request.method)
    }

    fn decorate(&self, request: &mut reqwest::Request) {
        let headers = request.headers_mut();
        headers.insert(http::header::ACCEPT, HeaderValue::from_static(ACCEPT));
        headers.insert("x-github-api-version", HeaderValue::from_static(API_VERSION));
    }

    fn classify(&self, req: &ApiRequest, response: &RawResponse) -> Error {
        self.service_error(req, response)
    }
}

/// Whether `name` can be a GitHub account or repository name: 1–100 ASCII letters, digits, `-`, `_` and `.`,
/// and not `.` or `..` (GitHub replaces any other character with `-` when a repository is created, "Creating a
/// new repository"; logins are letters, digits and `-`, and `_` for managed users). The one rule for the
/// configuration (`github.owner`, `github.repository`) and this client.
///
/// ```
/// use provision::github::valid_name;
/// assert!(valid_name("lobehub") && valid_name("my-chat.v2") && valid_name("octo_emu"));
/// assert!(!valid_name("") && !valid_name("a/b") && !valid_name("..") && !valid_name("a b"));
/// ```
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Refuses a name that is not [`valid_name`] before anything is sent.
pub(crate) fn check_name(operation: &'static str, what: &str, value: &str) -> Result<()> {
    if valid_name(value) {
        return Ok(());
    }
    Err(Error::invalid_input(
        operation,
        format!(
            "{what} `{}` must be 1–100 letters, digits, `-`, `_` or `.` (no `/`)",
            value.chars().take(120).collect::<String>().escape_debug()
        ),
    ))
}
