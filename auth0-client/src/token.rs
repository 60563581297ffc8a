//! The Management API token: the client-credentials grant at `https://{domain}/oauth/token`, cached and
//! refreshed shortly before the `exp` read from the JWT, and the granted scopes.

use crate::error::{Error, ErrorKind, Result};
use chrono::{DateTime, Utc};
use cloud_http::secrecy::{ExposeSecret, SecretString};
use cloud_http::{Clock, ErrorMetadata, RawResponse, RetryPolicy};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

const OPERATION: &str = "GetManagementToken";

/// What is known about the current Management API token (never the token itself).
///
/// ```
/// use auth0_client::TokenInfo;
/// let info = TokenInfo {
///     expires_at: chrono::DateTime::from_timestamp(2_000_000_000, 0).unwrap(),
///     scopes: ["read:clients".to_string()].into_iter().collect(),
/// };
/// assert!(info.has_scope("read:clients"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// When the token expires (`exp`).
    pub expires_at: DateTime<Utc>,
    /// The granted scopes (`scope`, plus `permissions` when present).
    pub scopes: BTreeSet<String>,
}

impl TokenInfo {
    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// The scopes of `required` that were not granted, in order.
    ///
    /// ```
    /// # use auth0_client::TokenInfo;
    /// let info = TokenInfo { expires_at: chrono::Utc::now(), scopes: ["read:clients".to_string()].into() };
    /// assert_eq!(info.missing(["read:clients", "update:connections_options"]), vec!["update:connections_options"]);
    /// ```
    pub fn missing<'a>(&self, required: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        required.into_iter().filter(|s| !self.scopes.contains(*s)).map(str::to_string).collect()
    }
}

#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) value: SecretString,
    pub(crate) info: TokenInfo,
}

#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: SecretString,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
struct TokenClaims {
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    permissions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct OAuthError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// Fetches and caches the Management API token.
pub(crate) struct TokenProvider {
    pub(crate) http: reqwest::Client,
    pub(crate) token_url: Url,
    pub(crate) audience: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) refresh_leeway: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body: usize,
    pub(crate) cache: tokio::sync::Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenProvider")
            .field("token_url", &self.token_url.as_str())
            .field("audience", &self.audience)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// The cached token, or a new one when there is none or it expires within the leeway. `fresh` says whether
    /// it was fetched by this call.
    pub(crate) async fn token(&self) -> Result<(CachedToken, bool)> {
        let mut cache = self.cache.lock().await;
        let now = self.clock.now();
        if let Some(cached) = cache.as_ref() {
            let refresh_at = cached.info.expires_at
                - chrono::Duration::from_std(self.refresh_leeway).unwrap_or(chrono::Duration::zero());
            if now < refresh_at {
                return Ok((cached.clone(), false));
            }
            tracing::debug!(expires_at = %cached.info.expires_at, "Management API token expires soon; refreshing");
        }
        let fetched = self.retry.run(OPERATION, || self.fetch()).await?;
        *cache = Some(fetched.clone());
        Ok((fetched, true))
    }

    /// Forgets the cached token (after a 401 from the Management API).
    pub(crate) async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    async fn fetch(&self) -> Result<CachedToken> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("audience", self.audience.as_str()),
        ];
        let request = self
            .http
            .post(self.token_url.clone())
            .header(http::header::ACCEPT, "application/json")
            .form(&form)
            .build()
            .map_err(|e| Error::new(OPERATION, ErrorKind::InvalidConfig, e.without_url().to_string()))?;
        // The grant has no side effect: repeating it after a timeout is harmless.
        let raw = cloud_http::transport::send(&self.http, request, OPERATION, self.max_body)
            .await
            .map_err(|e| Error::transport(e, true))?;
        if !raw.status.is_success() {
            return Err(self.map_oauth_error(&raw));
        }
        let parsed: TokenResponse = crate::http::decode_json(OPERATION, &raw.body)?;
        let claims =
            jsonwebtoken::dangerous::insecure_decode_claims::<TokenClaims>(parsed.access_token.expose_secret()).ok();
        let now = self.clock.now();
        let expires_at = claims
            .as_ref()
            .and_then(|c| c.exp)
            .and_then(|exp| DateTime::from_timestamp(exp, 0))
            .or_else(|| parsed.expires_in.map(|secs| now + chrono::Duration::seconds(secs)))
            .ok_or_else(|| Error::decode(OPERATION, "the token has no `exp` claim and the response no `expires_in`"))?;
        let mut scopes = BTreeSet::new();
        let scope_text = parsed.scope.or_else(|| claims.as_ref().and_then(|c| c.scope.clone())).unwrap_or_default();
        scopes.extend(scope_text.split_whitespace().map(str::to_string));
        if let Some(permissions) = claims.and_then(|c| c.permissions) {
            scopes.extend(permissions);
        }
        tracing::debug!(%expires_at, scopes = scopes.len(), "Management API token obtained");
        Ok(CachedToken { value: parsed.access_token, info: TokenInfo { expires_at, scopes } })
    }

    fn map_oauth_error(&self, raw: &RawResponse) -> Error {
        let status = raw.status.as_u16();
        let parsed: Option<OAuthError> = serde_json::from_slice(&raw.body).ok();
        let code = parsed.as_ref().and_then(|p| p.error.clone());
        let description = parsed.as_ref().and_then(|p| p.error_description.clone());
        let mut meta = ErrorMetadata::new(status);
        if let Some(c) = &code {
            meta = meta.with_code(c.clone());
        }
        if let Some(d) = &description {
            meta = meta.with_message(cloud_http::redact::scrub(d, [self.client_secret.expose_secret()]));
        }
        if let Some(id) = crate::http::request_id(&raw.headers) {
            meta = meta.with_request_id(id);
        }
        let (kind, message, retryable) = match (status, code.as_deref()) {
            (401, _) => (
                ErrorKind::InvalidClientCredentials,
                format!("the token endpoint refused client `{}`: check the client id and secret", self.client_id),
                false,
            ),
            (403, _) if description.as_deref().is_some_and(|d| d.contains("not authorized")) => (
                ErrorKind::ClientNotAuthorized,
                format!(
                    "client `{}` is not authorised for `{}`: create a client grant for it on the Auth0 Management API",
                    self.client_id, self.audience
                ),
                false,
            ),
            (429, _) => {
                return crate::http::rate_limited(OPERATION, raw, self.clock.now(), "token endpoint rate limit")
                    .with_metadata(meta);
            }
            (s, _) if s >= 500 || s == 408 => (ErrorKind::ServerError, "the token endpoint failed".to_string(), true),
            _ => (
                ErrorKind::TokenRequest,
                description.clone().unwrap_or_else(|| "the token endpoint refused the request".into()),
                false,
            ),
        };
        Error::new(OPERATION, kind, message).with_metadata(meta).retryable(retryable)
    }
}
