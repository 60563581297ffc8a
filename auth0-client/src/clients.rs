//! Applications (`/api/v2/clients`): create, get, list every page, find by name, update, delete, rotate the
//! secret, and list the connections enabled for an application.

use crate::client::Auth0Client;
use crate::connections::Connection;
use crate::error::{Error, ErrorKind, Result};
use crate::http::ApiRequest;
use crate::scopes;
use cloud_http::pagination::{DedupById, PageGuard};
use cloud_http::secrecy::SecretString;
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An application as the Management API returns it. Fields this crate does not model are kept in `extra`.
/// `client_secret` is present only on creation, rotation, or with `read:client_keys`.
///
/// ```
/// let c: auth0_client::Client = serde_json::from_value(serde_json::json!({
///     "client_id": "abc", "name": "LobeHub", "client_secret": "s3cr3t", "brand_new_field": 1
/// })).unwrap();
/// assert_eq!(c.extra["brand_new_field"], 1);
/// assert!(!format!("{c:?}").contains("s3cr3t"));
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct Client {
    /// The client id.
    pub client_id: String,
    /// The name (not unique).
    #[serde(default)]
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The secret, when the response carries it.
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    /// `regular_web`, `spa`, `native`, `non_interactive`, …
    #[serde(default)]
    pub app_type: Option<String>,
    /// Whether this is the tenant's global client.
    #[serde(default)]
    pub global: Option<bool>,
    /// Whether the client is first party.
    #[serde(default)]
    pub is_first_party: Option<bool>,
    /// Whether the client follows strict OIDC.
    #[serde(default)]
    pub oidc_conformant: Option<bool>,
    /// Allowed callback URLs.
    #[serde(default)]
    pub callbacks: Vec<String>,
    /// Allowed logout URLs.
    #[serde(default)]
    pub allowed_logout_urls: Vec<String>,
    /// Allowed web origins.
    #[serde(default)]
    pub web_origins: Vec<String>,
    /// Allowed CORS origins.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Grant types.
    #[serde(default)]
    pub grant_types: Vec<String>,
    /// `none`, `client_secret_post` or `client_secret_basic`.
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// The login route of the application (used by password-change tickets with New Universal Login).
    #[serde(default)]
    pub initiate_login_uri: Option<String>,
    /// JWT settings (`alg`, `lifetime_in_seconds`, …).
    #[serde(default)]
    pub jwt_configuration: Option<Value>,
    /// Every other field of the response.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `POST /clients` (`CreateClientRequestContent`). Only these fields are ever sent; Auth0 rejects
/// unknown ones.
///
/// ```
/// use auth0_client::CreateClientRequestContent;
/// let body = CreateClientRequestContent::regular_web_app("LobeHub")
///     .callbacks(["https://chat.example.com/api/auth/callback/auth0"])
///     .allowed_logout_urls(["https://chat.example.com"])
///     .web_origins(["https://chat.example.com"]);
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["app_type"], "regular_web");
/// assert_eq!(json["grant_types"], serde_json::json!(["authorization_code", "refresh_token"]));
/// assert!(json.get("description").is_none());
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CreateClientRequestContent {
    /// The name (required; no `<` or `>`).
    pub name: String,
    /// A description (at most 140 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The application type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
    /// Allowed callback URLs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Vec<String>>,
    /// Allowed logout URLs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_logout_urls: Option<Vec<String>>,
    /// Allowed web origins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_origins: Option<Vec<String>>,
    /// Allowed CORS origins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    /// Grant types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    /// `none`, `client_secret_post` or `client_secret_basic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// Whether the client follows strict OIDC (Auth0 defaults to false; set true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc_conformant: Option<bool>,
    /// Whether the client is first party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_first_party: Option<bool>,
    /// The https login route of the application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initiate_login_uri: Option<String>,
    /// JWT settings, e.g. `{"alg": "RS256"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt_configuration: Option<JwtConfiguration>,
}

/// `jwt_configuration` of a client.
///
/// ```
/// let c = auth0_client::JwtConfiguration { alg: Some("RS256".into()), lifetime_in_seconds: None };
/// assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"alg":"RS256"}"#);
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JwtConfiguration {
    /// The ID token signing algorithm (`RS256`, `HS256`, `PS256`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// ID token lifetime in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_in_seconds: Option<i64>,
}

fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

impl CreateClientRequestContent {
    /// A Regular Web Application as LobeHub needs it: `regular_web`, grant types `authorization_code` and
    /// `refresh_token`, `client_secret_post`, OIDC conformant, first party, RS256.
    pub fn regular_web_app(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            app_type: Some("regular_web".into()),
            grant_types: Some(strings(["authorization_code", "refresh_token"])),
            token_endpoint_auth_method: Some("client_secret_post".into()),
            oidc_conformant: Some(true),
            is_first_party: Some(true),
            jwt_configuration: Some(JwtConfiguration { alg: Some("RS256".into()), lifetime_in_seconds: None }),
            ..Self::default()
        }
    }

    /// Sets the callback URLs.
    pub fn callbacks<I: IntoIterator<Item = S>, S: Into<String>>(mut self, urls: I) -> Self {
        self.callbacks = Some(strings(urls));
        self
    }

    /// Sets the logout URLs.
    pub fn allowed_logout_urls<I: IntoIterator<Item = S>, S: Into<String>>(mut self, urls: I) -> Self {
        self.allowed_logout_urls = Some(strings(urls));
        self
    }

    /// Sets the web origins.
    pub fn web_origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, urls: I) -> Self {
        self.web_origins = Some(strings(urls));
        self
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the https login route.
    pub fn initiate_login_uri(mut self, url: impl Into<String>) -> Self {
        self.initiate_login_uri = Some(url.into());
        self
    }

    fn validate(&self, operation: &'static str) -> Result<()> {
        validate_name(operation, &self.name)?;
        if let Some(d) = &self.description
            && d.chars().count() > 140
        {
            return Err(Error::invalid_input(operation, "the description is longer than 140 characters"));
        }
        for list in [&self.callbacks, &self.allowed_logout_urls, &self.web_origins, &self.allowed_origins] {
            validate_urls(operation, list.as_deref().unwrap_or_default())?;
        }
        if let Some(uri) = &self.initiate_login_uri {
            validate_login_uri(operation, uri)?;
        }
        Ok(())
    }
}

/// The body of `PATCH /clients/{id}` (`UpdateClientRequestContent`): only the fields set are sent, and an array
/// sent replaces the stored one.
///
/// ```
/// let body = auth0_client::UpdateClientRequestContent {
///     callbacks: Some(vec!["https://a.example.com/api/auth/callback/auth0".into()]),
///     ..Default::default()
/// };
/// assert_eq!(serde_json::to_value(&body).unwrap(), serde_json::json!({"callbacks": ["https://a.example.com/api/auth/callback/auth0"]}));
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpdateClientRequestContent {
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The application type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
    /// Allowed callback URLs (replaces the stored list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Vec<String>>,
    /// Allowed logout URLs (replaces the stored list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_logout_urls: Option<Vec<String>>,
    /// Allowed web origins (replaces the stored list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_origins: Option<Vec<String>>,
    /// Allowed CORS origins (replaces the stored list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    /// Grant types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    /// Token endpoint authentication method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// Strict OIDC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc_conformant: Option<bool>,
    /// First party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_first_party: Option<bool>,
    /// The https login route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initiate_login_uri: Option<String>,
    /// JWT settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt_configuration: Option<JwtConfiguration>,
}

impl UpdateClientRequestContent {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    fn validate(&self, operation: &'static str) -> Result<()> {
        if self.is_empty() {
            return Err(Error::invalid_input(operation, "the update sets no field"));
        }
        if let Some(name) = &self.name {
            validate_name(operation, name)?;
        }
        if let Some(d) = &self.description
            && d.chars().count() > 140
        {
            return Err(Error::invalid_input(operation, "the description is longer than 140 characters (spec)"));
        }
        for list in [&self.callbacks, &self.allowed_logout_urls, &self.web_origins, &self.allowed_origins] {
            validate_urls(operation, list.as_deref().unwrap_or_default())?;
        }
        if let Some(uri) = &self.initiate_login_uri {
            validate_login_uri(operation, uri)?;
        }
        Ok(())
    }
}

/// The URL lists of an application, for [`ClientsHandler::ensure_urls`] and its decision
/// [`AppUrls::update_for`]. Serializable (a plan may carry the URLs it adds); URLs are never secret.
///
/// ```
/// let urls = auth0_client::AppUrls::for_origin("https://chat.example.com").unwrap();
/// assert!(urls.callbacks.contains(&"https://chat.example.com/api/auth/callback/auth0".to_string()));
/// assert_eq!(urls.callbacks.len(), 1);
/// assert_eq!(urls.web_origins, vec!["https://chat.example.com"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppUrls {
    /// Callback URLs.
    pub callbacks: Vec<String>,
    /// Logout URLs.
    pub allowed_logout_urls: Vec<String>,
    /// Web origins.
    pub web_origins: Vec<String>,
}

impl AppUrls {
    /// The URLs LobeHub needs at `origin` (`https://host`, or `http://localhost:port`): the one callback
    /// LobeHub sends, `/api/auth/callback/auth0` (LobeHub `src/libs/better-auth/sso/index.ts` sets it for generic
    /// providers; Better Auth's `/api/auth/oauth2/callback/auth0` is never sent, so allowing it would only widen
    /// the redirect list: field-truth §1.2), and the origin as logout URL and web origin.
    pub fn for_origin(origin: &str) -> Result<Self> {
        let url = url::Url::parse(origin)
            .map_err(|e| Error::invalid_input("AppUrls", format!("`{origin}` is not a URL: {e}")))?;
        if url.scheme() != "https" && !(url.scheme() == "http" && url.host_str().is_some_and(|h| h == "localhost")) {
            return Err(Error::invalid_input("AppUrls", format!("`{origin}` must be https (or http://localhost)")));
        }
        let origin = url.origin().ascii_serialization();
        Ok(Self {
            callbacks: vec![format!("{origin}/api/auth/callback/auth0")],
            allowed_logout_urls: vec![origin.clone()],
            web_origins: vec![origin],
        })
    }

    /// Adds the URLs of another origin.
    pub fn merge(mut self, other: AppUrls) -> Self {
        merge_into(&mut self.callbacks, &other.callbacks);
        merge_into(&mut self.allowed_logout_urls, &other.allowed_logout_urls);
        merge_into(&mut self.web_origins, &other.web_origins);
        self
    }

    /// The URL lists `client` has now (`callbacks`, `allowed_logout_urls`, `web_origins` of `GET /clients/{id}`).
    pub fn of(client: &Client) -> Self {
        Self {
            callbacks: client.callbacks.clone(),
            allowed_logout_urls: client.allowed_logout_urls.clone(),
            web_origins: client.web_origins.clone(),
        }
    }

    /// The URLs of `self` that `current` lacks, list by list, in `self`'s order (what
    /// [`update_from`](Self::update_from) adds). Pure.
    ///
    /// ```
    /// use auth0_client::AppUrls;
    /// let want = AppUrls::for_origin("https://a.example.com").unwrap().merge(AppUrls::for_origin("https://b.example.com").unwrap());
    /// let missing = want.missing_from(&AppUrls::for_origin("https://a.example.com").unwrap());
    /// assert_eq!(missing, AppUrls::for_origin("https://b.example.com").unwrap());
    /// assert!(want.missing_from(&want).is_empty());
    /// ```
    pub fn missing_from(&self, current: &AppUrls) -> AppUrls {
        let missing = |want: &[String], have: &[String]| -> Vec<String> {
            want.iter().filter(|u| !have.contains(u)).cloned().collect()
        };
        AppUrls {
            callbacks: missing(&self.callbacks, &current.callbacks),
            allowed_logout_urls: missing(&self.allowed_logout_urls, &current.allowed_logout_urls),
            web_origins: missing(&self.web_origins, &current.web_origins),
        }
    }

    /// Whether every list is empty.
    pub fn is_empty(&self) -> bool {
        self.callbacks.is_empty() && self.allowed_logout_urls.is_empty() && self.web_origins.is_empty()
    }

    /// The decision of [`ClientsHandler::ensure_urls`], without a server: the `PATCH /clients/{id}` body
    /// (`UpdateClientRequestContent`) that adds the URLs of `self` that `current` lacks, or `None` when it has
    /// them all (then nothing is sent). Each list that changes is sent **whole** — the current URLs first, in
    /// their order, then the missing ones — because an array in that body replaces the stored one ([spec]
    /// `UpdateClientRequestContent`: "callbacks", "allowed_logout_urls", "web_origins" are the complete lists);
    /// a list with nothing missing is not sent at all. Pure.
    ///
    /// ```
    /// use auth0_client::AppUrls;
    /// let current = AppUrls { callbacks: vec!["https://old.example.com/cb".into()], ..AppUrls::default() };
    /// let want = AppUrls::for_origin("https://chat.example.com").unwrap();
    /// let body = want.update_from(&current).unwrap();
    /// assert_eq!(body.callbacks.unwrap(), ["https://old.example.com/cb", "https://chat.example.com/api/auth/callback/auth0"]);
    /// assert_eq!(body.web_origins.unwrap(), ["https://chat.example.com"]);
    /// assert!(body.initiate_login_uri.is_none());
    /// assert_eq!(want.update_from(&want), None, "nothing missing: nothing sent");
    /// ```
    pub fn update_from(&self, current: &AppUrls) -> Option<UpdateClientRequestContent> {
        let mut update = UpdateClientRequestContent::default();
        let mut callbacks = current.callbacks.clone();
        if merge_into(&mut callbacks, &self.callbacks) {
            update.callbacks = Some(callbacks);
        }
        let mut logout = current.allowed_logout_urls.clone();
        if merge_into(&mut logout, &self.allowed_logout_urls) {
            update.allowed_logout_urls = Some(logout);
        }
        let mut origins = current.web_origins.clone();
        if merge_into(&mut origins, &self.web_origins) {
            update.web_origins = Some(origins);
        }
        (!update.is_empty()).then_some(update)
    }

    /// [`update_from`](Self::update_from) the lists of `current` as `GET /clients/{id}` returned it.
    pub fn update_for(&self, current: &Client) -> Option<UpdateClientRequestContent> {
        self.update_from(&AppUrls::of(current))
    }
}

fn merge_into(target: &mut Vec<String>, extra: &[String]) -> bool {
    let mut changed = false;
    for u in extra {
        if !target.contains(u) {
            target.push(u.clone());
            changed = true;
        }
    }
    changed
}

fn validate_name(operation: &'static str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid_input(operation, "the client name is empty"));
    }
    if name.contains(['<', '>']) {
        return Err(Error::invalid_input(operation, format!("the client name `{name}` contains `<` or `>`")));
    }
    Ok(())
}

fn validate_urls(operation: &'static str, urls: &[String]) -> Result<()> {
    for u in urls {
        // Auth0 allows wildcards (`https://*.example.com`), so check only the overall shape.
        let parsed = url::Url::parse(&u.replace("*.", "wildcard."))
            .map_err(|e| Error::invalid_input(operation, format!("`{u}` is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(Error::invalid_input(operation, format!("`{u}` is not an http(s) URL")));
        }
    }
    Ok(())
}

/// `initiate_login_uri`: "Initiate login uri, must be https" ([spec] `CreateClientRequestContent`, format
/// `absolute-https-uri-with-placeholders-or-empty`), and it cannot point to localhost (Auth0's "Configure default
/// login routes" page). Empty clears it.
pub(crate) fn validate_login_uri(operation: &'static str, uri: &str) -> Result<()> {
    if uri.is_empty() {
        return Ok(());
    }
    let parsed = url::Url::parse(uri)
        .map_err(|e| Error::invalid_input(operation, format!("initiate_login_uri `{uri}` is not a URL: {e}")))?;
    if parsed.scheme() != "https" {
        return Err(Error::invalid_input(operation, format!("initiate_login_uri `{uri}` must be https (spec)")));
    }
    let host = parsed.host_str().unwrap_or_default();
    if host.eq_ignore_ascii_case("localhost") || cloud_http::endpoint::is_loopback_host(host) {
        return Err(Error::invalid_input(
            operation,
            format!("initiate_login_uri `{uri}` cannot point to localhost (Auth0 default login routes)"),
        ));
    }
    Ok(())
}

pub(crate) fn validate_id(operation: &'static str, what: &str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::invalid_input(operation, format!("the {what} is empty")));
    }
    if id.contains(['/', '?', '#']) || id.chars().any(char::is_control) {
        return Err(Error::invalid_input(operation, format!("the {what} `{id}` contains `/`, `?`, `#` or controls")));
    }
    Ok(())
}

/// One page of `GET /clients`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum ClientsPage {
    Array(Vec<Client>),
    Offset {
        total: u64,
        clients: Vec<Client>,
    },
    Checkpoint {
        clients: Vec<Client>,
        #[serde(default)]
        next: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ClientConnectionsPage {
    connections: Vec<Connection>,
    #[serde(default)]
    next: Option<String>,
}

/// The applications of the tenant. Get it from [`Auth0Client::clients`].
#[derive(Debug, Clone)]
pub struct ClientsHandler {
    client: Auth0Client,
}

/// A `GET /clients` query; send it with [`ListClients::all`].
#[derive(Debug, Clone)]
pub struct ListClients {
    client: Auth0Client,
    is_global: Option<bool>,
    is_first_party: Option<bool>,
    app_type: Option<String>,
    per_page: u32,
}

impl ListClients {
    /// Only the global client (`true`) or only the others (`false`).
    pub fn is_global(mut self, value: bool) -> Self {
        self.is_global = Some(value);
        self
    }

    /// Only first-party (`true`) or third-party (`false`) clients.
    pub fn is_first_party(mut self, value: bool) -> Self {
        self.is_first_party = Some(value);
        self
    }

    /// Only these application types (comma-separated, e.g. `regular_web,spa`).
    pub fn app_type(mut self, types: impl Into<String>) -> Self {
        self.app_type = Some(types.into());
        self
    }

    /// Page size, 1–100 (default 100).
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = n;
        self
    }

    /// Fetches every page (`page`/`per_page` with `include_totals`).
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let apps = auth0.clients().list().is_global(false).all().await?;
    /// # Ok(()) }
    /// ```
    pub async fn all(self) -> Result<Vec<Client>> {
        const OP: &str = "ListClients";
        if !(1..=100).contains(&self.per_page) {
            return Err(Error::invalid_input(OP, format!("per_page must be 1..=100, not {}", self.per_page)));
        }
        let mut out = Vec::new();
        let mut guard = PageGuard::with_default_cap(OP);
        let mut dedup = DedupById::default();
        guard.first_page().map_err(|e| Error::decode(OP, e.to_string()))?;
        for page in 0u32.. {
            if page > 0 {
                guard.next_page(&page).map_err(|e| Error::decode(OP, e.to_string()))?;
            }
            let request = ApiRequest::new(OP, Method::GET, &["clients"], scopes::LIST_CLIENTS.any_of)
                .query("page", page)
                .query("per_page", self.per_page)
                .query("include_totals", true)
                .query_opt("is_global", self.is_global)
                .query_opt("is_first_party", self.is_first_party)
                .query_opt("app_type", self.app_type.clone());
            let (items, total, next) = match self.client.inner.call::<ClientsPage>(&request).await? {
                ClientsPage::Array(items) => (items, None, None),
                ClientsPage::Offset { total, clients } => (clients, Some(total), None),
                ClientsPage::Checkpoint { clients, next } => (clients, None, next),
            };
            let got = items.len();
            out.extend(items.into_iter().filter(|c| dedup.first_time(c.client_id.clone())));
            // A checkpoint answer is never requested here; tolerate one by stopping when it has no `next`.
            let done = got == 0
                || got < self.per_page as usize
                || total.is_some_and(|t| out.len() as u64 >= t)
                || matches!(next.as_deref(), Some(""));
            if done {
                break;
            }
        }
        Ok(out)
    }
}

impl ClientsHandler {
    pub(crate) fn new(client: Auth0Client) -> Self {
        Self { client }
    }

    /// Creates an application (`POST /clients`, `create:clients`). The answer carries the generated
    /// `client_secret`. A POST whose answer was lost is not repeated blindly: see
    /// [`create_or_find`](Self::create_or_find).
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// use auth0_client::CreateClientRequestContent;
    /// let app = auth0.clients().create(&CreateClientRequestContent::regular_web_app("LobeHub")).await?;
    /// println!("{}", app.client_id);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, body: &CreateClientRequestContent) -> Result<Client> {
        const OP: &str = "CreateClient";
        body.validate(OP)?;
        let request = ApiRequest::new(OP, Method::POST, &["clients"], scopes::CREATE_CLIENT.any_of).json(body)?;
        self.client.inner.call(&request).await
    }

    /// Returns the only non-global application named `body.name`, or creates it. If the create request's
    /// answer is lost (timeout, reset, 5xx), the list is read again: the application is returned if the request
    /// took effect, else the error (the create is never repeated, since the first request may still take effect
    /// and two applications would then share the name; run again later). Fails with [`ErrorKind::Ambiguous`]
    /// when several applications have that name.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// use auth0_client::CreateClientRequestContent;
    /// let (app, created) = auth0.clients().create_or_find(&CreateClientRequestContent::regular_web_app("LobeHub")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_or_find(&self, body: &CreateClientRequestContent) -> Result<(Client, bool)> {
        body.validate("CreateClient")?;
        if let Some(existing) = self.find_by_name(&body.name).await? {
            return Ok((existing, false));
        }
        match self.create(body).await {
            Ok(created) => Ok((created, true)),
            Err(e) if e.outcome_unknown() => {
                tracing::warn!(error = %e, "CreateClient outcome unknown; checking whether it took effect");
                // Not found yet does not mean it failed: a request the client gave up on may still be processed,
                // and a second create would then leave two applications with the name. Report the error instead;
                // a later run finds the application if it was created.
                match self.find_by_name(&body.name).await? {
                    Some(found) => Ok((found, true)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Gets one application (`GET /clients/{id}`).
    pub async fn get(&self, client_id: &str) -> Result<Client> {
        const OP: &str = "GetClient";
        validate_id(OP, "client id", client_id)?;
        let request = ApiRequest::new(OP, Method::GET, &["clients", client_id], scopes::GET_CLIENT.any_of);
        self.client.inner.call(&request).await
    }

    /// Starts a `GET /clients` query.
    pub fn list(&self) -> ListClients {
        ListClients {
            client: self.client.clone(),
            is_global: None,
            is_first_party: None,
            app_type: None,
            per_page: 100,
        }
    }

    /// The non-global application with this exact name, if any. The Management API has no name filter, so
    /// this lists every page. Several matches are an [`ErrorKind::Ambiguous`] error.
    pub async fn find_by_name(&self, name: &str) -> Result<Option<Client>> {
        validate_name("FindClientByName", name)?;
        let mut matches: Vec<Client> =
            self.list().is_global(false).all().await?.into_iter().filter(|c| c.name == name).collect();
        match matches.len() {
            0 => Ok(None),
            1 => Ok(matches.pop()),
            n => Err(Error::new(
                "FindClientByName",
                ErrorKind::Ambiguous,
                format!(
                    "{n} applications are named `{name}` ({}); name is not unique, pass the client id instead",
                    matches.iter().map(|c| c.client_id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }

    /// Updates an application (`PATCH /clients/{id}`). Arrays sent replace the stored ones.
    pub async fn update(&self, client_id: &str, body: &UpdateClientRequestContent) -> Result<Client> {
        const OP: &str = "UpdateClient";
        validate_id(OP, "client id", client_id)?;
        body.validate(OP)?;
        let request =
            ApiRequest::new(OP, Method::PATCH, &["clients", client_id], scopes::UPDATE_CLIENT.any_of).json(body)?;
        self.client.inner.call(&request).await
    }

    /// Makes sure the application allows `urls`, keeping the URLs it already has: reads it (`GET /clients/{id}`),
    /// decides with [`AppUrls::update_for`], and sends what was decided (`PATCH /clients/{id}`). Returns whether
    /// anything was written; no PATCH is sent when every URL is already there. To know what it would send
    /// without sending (a plan), call [`AppUrls::update_for`] on a client you read.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let urls = auth0_client::AppUrls::for_origin("https://chat.example.com")?;
    /// let changed = auth0.clients().ensure_urls("client-id", &urls).await?;
    /// # Ok(()) }
    /// ```
    pub async fn ensure_urls(&self, client_id: &str, urls: &AppUrls) -> Result<bool> {
        let current = self.get(client_id).await?;
        let Some(update) = urls.update_for(&current) else { return Ok(false) };
        self.update(client_id, &update).await?;
        Ok(true)
    }

    /// Deletes an application (`DELETE /clients/{id}`, 204).
    pub async fn delete(&self, client_id: &str) -> Result<()> {
        const OP: &str = "DeleteClient";
        validate_id(OP, "client id", client_id)?;
        let request = ApiRequest::new(OP, Method::DELETE, &["clients", client_id], scopes::DELETE_CLIENT.any_of);
        self.client.inner.send(&request).await.map(|_| ())
    }

    /// Replaces the application's secret (`POST /clients/{id}/rotate-secret`, `update:client_keys`); the
    /// answer carries the new one. Not repeated after a lost answer (the old secret would be gone).
    pub async fn rotate_secret(&self, client_id: &str) -> Result<Client> {
        const OP: &str = "RotateClientSecret";
        validate_id(OP, "client id", client_id)?;
        let request = ApiRequest::new(
            OP,
            Method::POST,
            &["clients", client_id, "rotate-secret"],
            scopes::ROTATE_CLIENT_SECRET.any_of,
        );
        self.client.inner.call(&request).await
    }

    /// The connections enabled for an application (`GET /clients/{id}/connections`), every checkpoint page.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// for c in auth0.clients().connections("client-id").await? {
    ///     println!("{} ({})", c.name, c.strategy);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn connections(&self, client_id: &str) -> Result<Vec<Connection>> {
        const OP: &str = "ListClientConnections";
        validate_id(OP, "client id", client_id)?;
        let mut out = Vec::new();
        let mut from: Option<String> = None;
        let mut guard = PageGuard::with_default_cap(OP);
        let mut dedup = DedupById::default();
        guard.first_page().map_err(|e| Error::decode(OP, e.to_string()))?;
        loop {
            let request = ApiRequest::new(
                OP,
                Method::GET,
                &["clients", client_id, "connections"],
                scopes::LIST_CLIENT_CONNECTIONS.any_of,
            )
            .query("take", 50)
            .query_opt("from", from.take());
            let page: ClientConnectionsPage = self.client.inner.call(&request).await?;
            let empty = page.connections.is_empty();
            out.extend(page.connections.into_iter().filter(|c| dedup.first_time(c.id.clone())));
            match page.next {
                Some(next) if !next.is_empty() && !empty => {
                    guard.next_page(&next).map_err(|e| Error::decode(OP, e.to_string()))?;
                    from = Some(next)
                }
                _ => break,
            }
        }
        Ok(out)
    }
}

impl Auth0Client {
    /// The applications (`/api/v2/clients`).
    pub fn clients(&self) -> ClientsHandler {
        ClientsHandler::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls_are_checked_before_sending() {
        let ok = CreateClientRequestContent::regular_web_app("LobeHub").callbacks(["https://a.example.com/cb"]);
        assert!(ok.validate("T").is_ok());
        assert!(CreateClientRequestContent::regular_web_app("<script>").validate("T").is_err());
        assert!(CreateClientRequestContent::regular_web_app(" ").validate("T").is_err());
        assert!(CreateClientRequestContent::regular_web_app("x").callbacks(["not a url"]).validate("T").is_err());
        assert!(
            CreateClientRequestContent::regular_web_app("x").initiate_login_uri("http://a.com").validate("T").is_err()
        );
        assert!(UpdateClientRequestContent::default().validate("T").is_err());
        assert!(validate_id("T", "client id", "a/b").is_err());
    }

    #[test]
    fn app_urls_merge_without_duplicates() {
        let a = AppUrls::for_origin("https://a.example.com/some/path").unwrap();
        assert_eq!(a.web_origins, vec!["https://a.example.com"]);
        let b = a.clone().merge(AppUrls::for_origin("https://b.vercel.app").unwrap()).merge(a.clone());
        assert_eq!(b.callbacks.len(), 2, "one callback per origin, none twice");
        assert!(AppUrls::for_origin("http://example.com").is_err());
        assert!(AppUrls::for_origin("http://localhost:3210").is_ok());
    }

    fn client_with(urls: &AppUrls) -> Client {
        serde_json::from_value(serde_json::json!({
            "client_id": "app", "callbacks": urls.callbacks, "allowed_logout_urls": urls.allowed_logout_urls,
            "web_origins": urls.web_origins, "client_secret": "s3cr3t"
        }))
        .unwrap()
    }

    #[test]
    fn the_url_update_keeps_every_current_url_and_sends_only_changed_lists() {
        let a = AppUrls::for_origin("https://a.example.com").unwrap();
        let b = AppUrls::for_origin("https://b.example.com").unwrap();
        let both = a.clone().merge(b.clone());
        // Nothing missing: no request.
        assert_eq!(both.update_for(&client_with(&both)), None);
        assert_eq!(a.update_for(&client_with(&both)), None, "extra URLs on the client are kept, not removed");
        // One origin missing: every list is sent whole, current URLs first.
        let body = both.update_for(&client_with(&a)).unwrap();
        assert_eq!(body.callbacks, Some(both.callbacks.clone()));
        assert_eq!(body.allowed_logout_urls, Some(both.allowed_logout_urls.clone()));
        assert_eq!(body.web_origins, Some(both.web_origins.clone()));
        assert_eq!(both.missing_from(&a), b);
        // Only the logout URL missing: only that list is sent.
        let mut partial = both.clone();
        partial.allowed_logout_urls.pop();
        let body = both.update_for(&client_with(&partial)).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"allowed_logout_urls": both.allowed_logout_urls})
        );
        assert!(body.validate("UpdateClient").is_ok(), "the decided body passes the client's own checks");
    }
}
