//! [`Auth0Client`] and its builder: the tenant domain (or a loopback base URL for a simulator), the
//! client-credentials pair, the scopes the caller needs, the retry policy and the client-side rate budget.

use crate::error::{Error, Result};
use crate::token::{TokenInfo, TokenProvider};
use cloud_http::secrecy::SecretString;
use cloud_http::{Clock, RetryPolicy, SystemClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The client-side request budget for the Management API: a steady rate plus a burst.
///
/// The default is the free-tenant limit, 2 requests per second with bursts of 10. Tests against a simulator may
/// raise it, or turn it off with [`Auth0ClientBuilder::no_rate_limit`].
///
/// ```
/// use auth0_client::RateBudget;
/// assert_eq!(RateBudget::default(), RateBudget { per_second: 2, burst: 10 });
/// let fast = RateBudget { per_second: 1000, burst: 1000 };
/// assert!(fast.per_second > 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateBudget {
    /// Sustained requests per second (at least 1).
    pub per_second: u32,
    /// Requests allowed at once before the rate applies (at least 1).
    pub burst: u32,
}

impl Default for RateBudget {
    fn default() -> Self {
        Self { per_second: 2, burst: 10 }
    }
}

/// Builds an [`Auth0Client`].
///
/// ```
/// use auth0_client::Auth0Client;
/// let client = Auth0Client::builder()
///     .domain("tenant.eu.auth0.com")
///     .client_credentials("m2m-client-id", "m2m-client-secret")
///     .required_scopes(["read:clients", "create:clients"])
///     .build()
///     .unwrap();
/// assert_eq!(client.issuer(), "https://tenant.eu.auth0.com/");
/// assert!(!format!("{client:?}").contains("m2m-client-secret"));
/// ```
pub struct Auth0ClientBuilder {
    domain: Option<String>,
    base_url: Option<String>,
    audience: Option<String>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    required_scopes: Vec<String>,
    rate_budget: Option<RateBudget>,
    retry: RetryPolicy,
    timeout: Duration,
    refresh_leeway: Duration,
    clock: Arc<dyn Clock>,
    max_body: usize,
    http: Option<reqwest::Client>,
}

impl std::fmt::Debug for Auth0ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0ClientBuilder")
            .field("domain", &self.domain)
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl Default for Auth0ClientBuilder {
    fn default() -> Self {
        Self {
            domain: None,
            base_url: None,
            audience: None,
            client_id: None,
            client_secret: None,
            required_scopes: Vec::new(),
            rate_budget: Some(RateBudget::default()),
            retry: RetryPolicy::default().with_max_retries(3).with_max_retry_after(Duration::from_secs(60)),
            timeout: Duration::from_secs(30),
            refresh_leeway: Duration::from_secs(30),
            clock: Arc::new(SystemClock),
            max_body: cloud_http::transport::DEFAULT_MAX_BODY,
            http: None,
        }
    }
}

/// Checks that `domain` is a bare host name such as `tenant.eu.auth0.com`: no scheme, port, path, query or
/// fragment (the Node SDK refuses `/[/?#]/` with "Provide a bare hostname", `token-provider.js`), and a fully
/// qualified host by the shared rule [`cloud_http::validate_host_name`] (or `localhost` for a simulator).
///
/// ```
/// assert!(auth0_client::client::validate_domain("tenant.eu.auth0.com").is_ok());
/// assert!(auth0_client::client::validate_domain("https://tenant.eu.auth0.com/").is_err());
/// assert!(auth0_client::client::validate_domain("tenant.auth0.com/api").is_err());
/// ```
pub fn validate_domain(domain: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::invalid_config(format!(
            "domain `{domain}` {why}; provide a bare host name, e.g. \"tenant.eu.auth0.com\""
        ))
    };
    if domain.is_empty() {
        return Err(bad("is empty"));
    }
    if domain.contains("://") {
        return Err(bad("has a scheme"));
    }
    if domain.contains(['/', '?', '#', '@', ':']) || domain.chars().any(char::is_whitespace) {
        return Err(bad("contains a path, query, fragment, port, user info or whitespace"));
    }
    let url = Url::parse(&format!("https://{domain}/")).map_err(|e| bad(&format!("is not a valid host ({e})")))?;
    let host = url.host_str().unwrap_or_default().to_string();
    if host != "localhost" {
        cloud_http::validate_host_name(&host).map_err(|e| match e {
            cloud_http::HostNameError::NotFullyQualified(_) => bad("is not a fully qualified host name"),
            other => bad(&format!("is not a valid host ({other})")),
        })?;
    }
    Ok(host)
}

impl Auth0ClientBuilder {
    /// The tenant domain, a bare host (`tenant.eu.auth0.com`, `tenant.auth0.com` or a custom domain).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Sends everything to this base URL instead of `https://{domain}` (a simulator or mock server): `https`,
    /// or plain `http` for loopback only. The issuer then is this URL with a trailing slash, and the audience
    /// `{base_url}/api/v2/` unless [`audience`](Self::audience) says otherwise.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Overrides the Management API audience (needed when calling through a custom domain: the audience stays
    /// `https://{tenant}.auth0.com/api/v2/`).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The machine-to-machine application's client id and secret.
    pub fn client_credentials(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(SecretString::from(client_secret.into()));
        self
    }

    /// Like [`client_credentials`](Self::client_credentials), with the secret already in a [`SecretString`].
    pub fn client_credentials_secret(mut self, client_id: impl Into<String>, client_secret: SecretString) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret);
        self
    }

    /// Scopes the token must carry. The first call fails with [`ErrorKind::MissingScopes`](crate::ErrorKind)
    /// naming the missing ones, before any Management API request is sent. See
    /// [`scopes::LOBEHUB_PROVISIONING`](crate::scopes::LOBEHUB_PROVISIONING).
    pub fn required_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// The client-side rate budget (default: 2 requests/s, burst 10).
    pub fn rate_budget(mut self, budget: RateBudget) -> Self {
        self.rate_budget = Some(budget);
        self
    }

    /// Turns the client-side rate limiter off.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_budget = None;
        self
    }

    /// The retry policy (default: 3 retries, 60 s budget, `Retry-After` honoured up to 60 s).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The timeout of one HTTP request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long before `exp` the token is refreshed (default 30 s).
    pub fn token_refresh_leeway(mut self, leeway: Duration) -> Self {
        self.refresh_leeway = leeway;
        self
    }

    /// The clock used for token expiry and rate-limit resets (tests inject a fixed one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses this `reqwest` client (its own timeout applies).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Validates the configuration and builds the client. Nothing is sent yet.
    pub fn build(self) -> Result<Auth0Client> {
        let base = match (&self.base_url, &self.domain) {
            (Some(url), _) => {
                let mut parsed =
                    cloud_http::validate_base_url(url).map_err(|e| Error::invalid_config(format!("base URL: {e}")))?;
                if !parsed.path().ends_with('/') {
                    let path = format!("{}/", parsed.path());
                    parsed.set_path(&path);
                }
                if let Some(domain) = &self.domain {
                    validate_domain(domain)?;
                }
                parsed
            }
            (None, Some(domain)) => {
                let host = validate_domain(domain)?;
                Url::parse(&format!("https://{host}/")).map_err(|e| Error::invalid_config(e.to_string()))?
            }
            (None, None) => return Err(Error::invalid_config("set the tenant domain (or a base URL)")),
        };
        let client_id = self.client_id.ok_or_else(|| Error::invalid_config("set the client credentials"))?;
        if client_id.trim().is_empty() {
            return Err(Error::invalid_config("the client id is empty"));
        }
        let client_secret = self.client_secret.ok_or_else(|| Error::invalid_config("set the client credentials"))?;
        if cloud_http::secrecy::ExposeSecret::expose_secret(&client_secret).is_empty() {
            return Err(Error::invalid_config("the client secret is empty"));
        }
        let audience = match self.audience {
            Some(a) => {
                cloud_http::validate_base_url(&a).map_err(|e| Error::invalid_config(format!("audience: {e}")))?;
                a
            }
            None => format!("{base}api/v2/"),
        };
        let limiter = match self.rate_budget {
            None => None,
            Some(budget) => {
                let per_second = NonZeroU32::new(budget.per_second)
                    .ok_or_else(|| Error::invalid_config("the rate budget needs at least 1 request per second"))?;
                let burst = NonZeroU32::new(budget.burst)
                    .ok_or_else(|| Error::invalid_config("the rate budget needs a burst of at least 1"))?;
                Some(Arc::new(RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst))))
            }
        };
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .user_agent(concat!("auth0-client-rs/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::invalid_config(format!("cannot build the HTTP client: {e}")))?,
        };
        let token_url = base.join("oauth/token").map_err(|e| Error::invalid_config(e.to_string()))?;
        let api_base = base.join("api/v2/").map_err(|e| Error::invalid_config(e.to_string()))?;
        let tokens = TokenProvider {
            http: http.clone(),
            token_url,
            audience,
            client_id,
            client_secret,
            clock: self.clock.clone(),
            refresh_leeway: self.refresh_leeway,
            retry: self.retry,
            max_body: self.max_body,
            cache: tokio::sync::Mutex::new(None),
        };
        Ok(Auth0Client {
            inner: Arc::new(Inner {
                http,
                base,
                api_base,
                tokens,
                limiter,
                retry: self.retry,
                clock: self.clock,
                max_body: self.max_body,
                required_scopes: self.required_scopes,
            }),
        })
    }
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) api_base: Url,
    pub(crate) tokens: TokenProvider,
    pub(crate) limiter: Option<Arc<DefaultDirectRateLimiter>>,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) max_body: usize,
    pub(crate) required_scopes: Vec<String>,
}

impl Inner {
    pub(crate) async fn ensure_required_scopes(&self) -> Result<()> {
        if self.required_scopes.is_empty() {
            return Ok(());
        }
        let (token, _) = self.tokens.token().await?;
        let missing = token.info.missing(self.required_scopes.iter().map(String::as_str));
        if missing.is_empty() { Ok(()) } else { Err(Error::missing_scopes("CheckScopes", missing)) }
    }
}

/// A client of one tenant's Management API. Cheap to clone; clones share the token cache and rate limiter.
///
/// ```no_run
/// # async fn demo() -> auth0_client::Result<()> {
/// use auth0_client::{Auth0Client, CreateClientRequestContent};
/// let auth0 = Auth0Client::builder()
///     .domain("tenant.eu.auth0.com")
///     .client_credentials("id", "secret")
///     .required_scopes(auth0_client::scopes::LOBEHUB_PROVISIONING.iter().copied())
///     .build()?;
/// let app = auth0
///     .clients()
///     .create(&CreateClientRequestContent::regular_web_app("LobeHub").callbacks(["https://chat.example.com/api/auth/callback/auth0"]))
///     .await?;
/// let report = auth0.disable_signups(&app.client_id, "Username-Password-Authentication").await?;
/// println!("{report:?}");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Auth0Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Auth0Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0Client")
            .field("base", &self.inner.base.as_str())
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

impl Auth0Client {
    /// Starts building a client.
    pub fn builder() -> Auth0ClientBuilder {
        Auth0ClientBuilder::default()
    }

    /// The issuer of the tenant's tokens: `https://{domain}/`, **with** the trailing slash.
    pub fn issuer(&self) -> String {
        self.inner.base.to_string()
    }

    /// The Management API audience the token is requested for.
    pub fn audience(&self) -> &str {
        &self.inner.tokens.audience
    }

    /// The current token's expiry and scopes (fetching a token if there is none).
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let info = auth0.token_info().await?;
    /// println!("token valid until {}, scopes {:?}", info.expires_at, info.scopes);
    /// # Ok(()) }
    /// ```
    pub async fn token_info(&self) -> Result<TokenInfo> {
        Ok(self.inner.tokens.token_retried().await?.0.info)
    }

    /// Fails with [`ErrorKind::MissingScopes`](crate::ErrorKind) naming every scope of `required` that the
    /// token lacks. Sends only the token request.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// auth0.check_scopes(auth0_client::scopes::LOBEHUB_PROVISIONING).await?;
    /// # Ok(()) }
    /// ```
    pub async fn check_scopes(&self, required: &[&str]) -> Result<()> {
        let info = self.token_info().await?;
        let missing = info.missing(required.iter().copied());
        if missing.is_empty() { Ok(()) } else { Err(Error::missing_scopes("CheckScopes", missing)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_must_be_bare_hosts() {
        for ok in ["tenant.auth0.com", "tenant.eu.auth0.com", "login.example.com"] {
            assert_eq!(validate_domain(ok).unwrap(), ok);
        }
        for bad in [
            "",
            "https://t.auth0.com",
            "t.auth0.com/",
            "t.auth0.com?x",
            "t.auth0.com#f",
            "t.auth0.com:443",
            "a b.com",
            "tenant",
        ] {
            assert!(validate_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn build_refuses_bad_config_before_sending() {
        assert!(Auth0Client::builder().client_credentials("a", "b").build().is_err());
        assert!(Auth0Client::builder().domain("t.auth0.com").build().is_err());
        assert!(Auth0Client::builder().domain("t.auth0.com").client_credentials("a", "").build().is_err());
        assert!(Auth0Client::builder().base_url("http://example.com").client_credentials("a", "b").build().is_err());
        assert!(
            Auth0Client::builder()
                .domain("t.auth0.com")
                .client_credentials("a", "b")
                .rate_budget(RateBudget { per_second: 0, burst: 1 })
                .build()
                .is_err()
        );
        let c = Auth0Client::builder().base_url("http://127.0.0.1:9").client_credentials("a", "b").build().unwrap();
        assert_eq!(c.issuer(), "http://127.0.0.1:9/");
        assert_eq!(c.audience(), "http://127.0.0.1:9/api/v2/");
        let d = Auth0Client::builder().domain("T.EU.auth0.com").client_credentials("a", "b").build().unwrap();
        assert_eq!(d.audience(), "https://t.eu.auth0.com/api/v2/");
    }
}
