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

/// The longest lifetime believed for a token: 30 days, the largest "Token Expiration" Auth0 allows for an API
/// (Auth0 docs, "Update Access Token Lifetime": maximum 2592000 seconds). A longer `expires_in` or a later `exp`
/// is capped, so server data can neither overflow the arithmetic nor keep a token cached for ever.
pub(crate) const MAX_TOKEN_LIFETIME_SECS: i64 = 2_592_000;

/// When a token fetched at `now` expires: its JWT `exp` claim when it is a representable time, else
/// `now + expires_in` (RFC 6749 §5.1: "the lifetime in seconds of the access token"). Saturating: a time in the
/// past means expired now; anything beyond [`MAX_TOKEN_LIFETIME_SECS`] is capped there. `None` when the answer
/// gives neither.
pub(crate) fn expires_at(now: DateTime<Utc>, exp: Option<i64>, expires_in: Option<i64>) -> Option<DateTime<Utc>> {
    let cap = now.checked_add_signed(chrono::Duration::seconds(MAX_TOKEN_LIFETIME_SECS)).unwrap_or(now);
    let from_claim = exp.and_then(|exp| DateTime::from_timestamp(exp, 0));
    let from_lifetime = || {
        let secs = expires_in?.clamp(0, MAX_TOKEN_LIFETIME_SECS);
        Some(now.checked_add_signed(chrono::Duration::seconds(secs)).unwrap_or(cap))
    };
    let at = from_claim.or_else(from_lifetime)?;
    Some(at.min(cap))
}

/// When a token expiring at `expires_at` is refreshed: `leeway` earlier, saturating at the earliest time.
pub(crate) fn refresh_at(expires_at: DateTime<Utc>, leeway: Duration) -> DateTime<Utc> {
    let leeway = chrono::Duration::from_std(leeway).unwrap_or(chrono::Duration::MAX);
    expires_at.checked_sub_signed(leeway).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Decodes a token endpoint answer received at `now`: the token, its expiry ([`expires_at`]) and its scopes
/// (`scope`, else the JWT's `scope` claim, plus its `permissions`). Decode errors name the operation and never
/// quote the token.
pub(crate) fn parse_token_response(body: &[u8], now: DateTime<Utc>) -> Result<CachedToken> {
    let parsed: TokenResponse = crate::http::decode_json(OPERATION, body)?;
    let claims =
        jsonwebtoken::dangerous::insecure_decode_claims::<TokenClaims>(parsed.access_token.expose_secret()).ok();
    let expires_at = expires_at(now, claims.as_ref().and_then(|c| c.exp), parsed.expires_in)
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
    /// it was fetched by this call. One request at most: the caller's retry loop (one budget per logical call)
    /// decides whether a failed fetch is tried again — see `Inner::send`.
    pub(crate) async fn token(&self) -> Result<(CachedToken, bool)> {
        let mut cache = self.cache.lock().await;
        let now = self.clock.now();
        if let Some(cached) = cache.as_ref() {
            let refresh_at = refresh_at(cached.info.expires_at, self.refresh_leeway);
            if now < refresh_at {
                return Ok((cached.clone(), false));
            }
            tracing::debug!(expires_at = %cached.info.expires_at, "Management API token expires soon; refreshing");
        }
        let fetched = self.fetch().await?;
        *cache = Some(fetched.clone());
        Ok((fetched, true))
    }

    /// [`token`](Self::token) as a logical call of its own (for `token_info`): retried within the policy.
    pub(crate) async fn token_retried(&self) -> Result<(CachedToken, bool)> {
        self.retry.run(OPERATION, || self.token()).await
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
        parse_token_response(&raw.body, self.clock.now())
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_735_689_600, 0).unwrap()
    }

    #[test]
    fn out_of_range_lifetimes_saturate() {
        let cap = now() + chrono::Duration::seconds(MAX_TOKEN_LIFETIME_SECS);
        assert_eq!(expires_at(now(), None, Some(i64::MAX)), Some(cap));
        assert_eq!(expires_at(now(), None, Some(i64::MIN)), Some(now()));
        assert_eq!(expires_at(now(), None, Some(86_400)), Some(now() + chrono::Duration::seconds(86_400)));
        assert_eq!(expires_at(now(), Some(i64::MAX), None), None, "an unrepresentable exp is not believed");
        assert_eq!(expires_at(now(), Some(i64::MAX), Some(60)), Some(now() + chrono::Duration::seconds(60)));
        assert_eq!(expires_at(now(), Some(4_000_000_000), None), Some(cap));
        assert_eq!(expires_at(now(), None, None), None);
        assert_eq!(refresh_at(DateTime::<Utc>::MIN_UTC, Duration::from_secs(60)), DateTime::<Utc>::MIN_UTC);
        assert_eq!(refresh_at(now(), Duration::MAX), DateTime::<Utc>::MIN_UTC);
    }

    proptest! {
        /// Any `exp` and `expires_in` give an expiry within [now, now + 30 days] (or none), without panicking.
        #[test]
        fn expiry_is_always_within_bounds(exp in proptest::option::of(any::<i64>()), expires_in in proptest::option::of(any::<i64>()), leeway in any::<u64>()) {
            if let Some(at) = expires_at(now(), exp, expires_in) {
                prop_assert!(at >= DateTime::<Utc>::MIN_UTC);
                prop_assert!(at <= now() + chrono::Duration::seconds(MAX_TOKEN_LIFETIME_SECS));
                let _ = refresh_at(at, Duration::from_secs(leeway));
            }
        }

        /// Any body, and any JSON token answer, decodes or fails with a decode error: never a panic.
        #[test]
        fn any_token_answer_decodes_without_panicking(expires_in in any::<i64>(), token in ".{0,80}", raw in proptest::collection::vec(any::<u8>(), 0..120)) {
            let body = serde_json::json!({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}).to_string();
            let _ = parse_token_response(body.as_bytes(), now());
            let _ = parse_token_response(&raw, now());
        }
    }
}
