//! OIDC discovery, the JWKS, and verification of RS256 ID and access tokens. The issuer is
//! `https://{domain}/` **with** the trailing slash, and is compared exactly: use the discovery value verbatim.

use crate::client::Auth0Client;
use crate::error::{Error, ErrorKind, Result};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::sync::RwLock;
use url::Url;

/// The discovery document (`/.well-known/openid-configuration`).
///
/// ```
/// let d: auth0_client::OpenIdConfiguration = serde_json::from_value(serde_json::json!({
///     "issuer": "https://t.eu.auth0.com/", "jwks_uri": "https://t.eu.auth0.com/.well-known/jwks.json",
///     "authorization_endpoint": "https://t.eu.auth0.com/authorize", "token_endpoint": "https://t.eu.auth0.com/oauth/token",
///     "some_new_field": true
/// })).unwrap();
/// assert!(d.issuer.ends_with('/'));
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct OpenIdConfiguration {
    /// The issuer, verbatim (`https://{domain}/`).
    pub issuer: String,
    /// Where the signing keys are.
    pub jwks_uri: String,
    /// The authorization endpoint.
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// The token endpoint.
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// The userinfo endpoint.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// ID token signing algorithms.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `aud`: one string or an array.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `aud` contains `value`.
    ///
    /// ```
    /// let a = auth0_client::oidc::Audience::Many(vec!["x".into(), "y".into()]);
    /// assert!(a.contains("y"));
    /// ```
    pub fn contains(&self, value: &str) -> bool {
        match self {
            Audience::One(a) => a == value,
            Audience::Many(list) => list.iter().any(|a| a == value),
        }
    }
}

/// The claims this crate reads from an ID or access token; the rest are in `extra`.
///
/// ```
/// let c: auth0_client::Claims = serde_json::from_value(serde_json::json!({
///     "iss": "https://t.auth0.com/", "sub": "auth0|1", "aud": ["a", "b"], "exp": 1, "scope": "openid email"
/// })).unwrap();
/// assert!(c.aud.contains("b"));
/// assert_eq!(c.scopes(), vec!["openid", "email"]);
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject.
    pub sub: String,
    /// Audience(s).
    pub aud: Audience,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Issued at.
    #[serde(default)]
    pub iat: Option<i64>,
    /// Space-separated scopes (access tokens).
    #[serde(default)]
    pub scope: Option<String>,
    /// Authorised party.
    #[serde(default)]
    pub azp: Option<String>,
    /// Email (ID tokens).
    #[serde(default)]
    pub email: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Claims {
    /// The scopes in `scope`.
    pub fn scopes(&self) -> Vec<&str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace().collect()
    }
}

/// Verifies RS256 tokens against a JWKS: signature, `iss` (exactly), `aud`, `exp` (60 s leeway). An unknown
/// `kid` makes [`verify_refreshing`](Self::verify_refreshing) fetch the JWKS again once.
///
/// ```
/// use auth0_client::TokenVerifier;
/// let verifier = TokenVerifier::new("https://t.eu.auth0.com/", ["client-id"], Default::default());
/// let err = verifier.verify::<auth0_client::Claims>("not-a-jwt").unwrap_err();
/// assert!(matches!(err.kind(), auth0_client::ErrorKind::InvalidToken));
/// ```
#[derive(Debug)]
pub struct TokenVerifier {
    issuer: String,
    audiences: Vec<String>,
    jwks: RwLock<JwkSet>,
    refetch: Option<(Auth0Client, Url)>,
    leeway: u64,
}

impl TokenVerifier {
    /// A verifier for tokens from `issuer` (verbatim, e.g. `https://t.eu.auth0.com/`) meant for one of
    /// `audiences` (the application's client id for ID tokens, an API identifier for access tokens).
    pub fn new<I, S>(issuer: impl Into<String>, audiences: I, jwks: JwkSet) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            issuer: issuer.into(),
            audiences: audiences.into_iter().map(Into::into).collect(),
            jwks: RwLock::new(jwks),
            refetch: None,
            leeway: 60,
        }
    }

    /// Sets the clock leeway in seconds (default 60).
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// The issuer compared against `iss`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Verifies `token` with the keys at hand and returns its claims.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<C> {
        const OP: &str = "VerifyToken";
        let invalid = |m: String| Error::new(OP, ErrorKind::InvalidToken, m);
        let header = jsonwebtoken::decode_header(token).map_err(|e| invalid(format!("not a JWT: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid(format!("algorithm {:?} is not RS256", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| invalid("the token header has no `kid`".into()))?;
        let key = {
            let jwks = self.jwks.read().unwrap_or_else(|p| p.into_inner());
            let jwk = jwks.find(&kid).ok_or_else(|| invalid(format!("unknown signing key `{kid}`")))?;
            DecodingKey::from_jwk(jwk).map_err(|e| invalid(format!("unusable signing key `{kid}`: {e}")))?
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = self.leeway;
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.set_audience(&self.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<C>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| invalid(format!("verification failed: {e}")))
    }

    /// Like [`verify`](Self::verify), but on an unknown `kid` (the tenant rotated its keys) fetches the JWKS
    /// once more and retries.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client, id_token: &str) -> auth0_client::Result<()> {
    /// let verifier = auth0.oidc().verifier(["lobehub-client-id"]).await?;
    /// let claims: auth0_client::Claims = verifier.verify_refreshing(id_token).await?;
    /// # Ok(()) }
    /// ```
    pub async fn verify_refreshing<C: DeserializeOwned>(&self, token: &str) -> Result<C> {
        match self.verify(token) {
            Err(e) if e.message().starts_with("unknown signing key") => {
                let Some((client, uri)) = &self.refetch else { return Err(e) };
                let fresh = client.oidc().fetch_jwks(uri.clone()).await?;
                *self.jwks.write().unwrap_or_else(|p| p.into_inner()) = fresh;
                self.verify(token)
            }
            other => other,
        }
    }
}

/// OIDC discovery and keys. Get it from [`Auth0Client::oidc`].
#[derive(Debug, Clone)]
pub struct OidcHandler {
    client: Auth0Client,
}

impl OidcHandler {
    async fn get_public<T: DeserializeOwned>(&self, operation: &'static str, url: Url) -> Result<T> {
        let inner = &self.client.inner;
        let raw = inner
            .retry
            .run(operation, || async {
                let request = inner
                    .http
                    .get(url.clone())
                    .header(http::header::ACCEPT, "application/json")
                    .build()
                    .map_err(|e| Error::invalid_input(operation, e.without_url().to_string()))?;
                let raw = cloud_http::transport::send(&inner.http, request, operation, inner.max_body)
                    .await
                    .map_err(|e| Error::transport(e, true))?;
                if raw.status.is_success() {
                    Ok(raw)
                } else {
                    Err(crate::http::api_error(operation, &raw, inner.clock.now(), true))
                }
            })
            .await?;
        crate::http::decode_json(operation, &raw.body)
    }

    /// Fetches the discovery document and checks that its issuer is this tenant's (`https://{domain}/`).
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// let discovery = auth0.oidc().discovery().await?;
    /// println!("AUTH_AUTH0_ISSUER={}", discovery.issuer);
    /// # Ok(()) }
    /// ```
    pub async fn discovery(&self) -> Result<OpenIdConfiguration> {
        const OP: &str = "GetOpenIdConfiguration";
        let url = self
            .client
            .inner
            .base
            .join(".well-known/openid-configuration")
            .map_err(|e| Error::invalid_config(e.to_string()))?;
        let doc: OpenIdConfiguration = self.get_public(OP, url).await?;
        let expected = self.client.issuer();
        if doc.issuer != expected {
            return Err(Error::decode(
                OP,
                format!("the discovery issuer `{}` is not this tenant's `{expected}`", doc.issuer),
            ));
        }
        Ok(doc)
    }

    /// Fetches the JWKS named by the discovery document.
    pub async fn jwks(&self) -> Result<JwkSet> {
        let discovery = self.discovery().await?;
        let uri = self.jwks_url(&discovery)?;
        self.fetch_jwks(uri).await
    }

    fn jwks_url(&self, discovery: &OpenIdConfiguration) -> Result<Url> {
        let uri = Url::parse(&discovery.jwks_uri)
            .map_err(|e| Error::decode("GetOpenIdConfiguration", format!("jwks_uri is not a URL: {e}")))?;
        cloud_http::validate_base_url(uri.as_str())
            .map_err(|e| Error::decode("GetOpenIdConfiguration", format!("jwks_uri refused: {e}")))?;
        Ok(uri)
    }

    pub(crate) async fn fetch_jwks(&self, uri: Url) -> Result<JwkSet> {
        self.get_public("GetJwks", uri).await
    }

    /// A [`TokenVerifier`] for this tenant's tokens meant for `audiences`, with the discovery issuer and the
    /// current JWKS; it refetches the JWKS once on an unknown key.
    pub async fn verifier<I, S>(&self, audiences: I) -> Result<TokenVerifier>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let discovery = self.discovery().await?;
        let uri = self.jwks_url(&discovery)?;
        let jwks = self.fetch_jwks(uri.clone()).await?;
        let mut verifier = TokenVerifier::new(discovery.issuer, audiences, jwks);
        verifier.refetch = Some((self.client.clone(), uri));
        Ok(verifier)
    }
}

impl Auth0Client {
    /// OIDC discovery, JWKS and token verification.
    pub fn oidc(&self) -> OidcHandler {
        OidcHandler { client: self.clone() }
    }
}
