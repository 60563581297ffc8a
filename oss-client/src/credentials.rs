//! Aliyun credentials: an AccessKey pair, optionally with an STS security token. Shared by OSS and RAM.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// An AccessKey id and secret, with an optional STS security token.
///
/// The secret and the token live in [`SecretString`]s; `Debug` never prints them.
///
/// ```
/// use oss_client::Credentials;
/// let creds = Credentials::new("LTAI5tExample", "very-secret").with_security_token("sts-token");
/// assert_eq!(creds.access_key_id(), "LTAI5tExample");
/// let shown = format!("{creds:?}");
/// assert!(!shown.contains("very-secret") && !shown.contains("sts-token"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: SecretString,
    security_token: Option<SecretString>,
}

impl Credentials {
    /// Credentials from an AccessKey pair.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: SecretString::from(access_key_secret.into()),
            security_token: None,
        }
    }

    /// Adds an STS security token (sent as `x-oss-security-token` / `SecurityToken`).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(SecretString::from(token.into()));
        self
    }

    /// Reads `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and the optional
    /// `ALIBABA_CLOUD_SECURITY_TOKEN` (the names the official SDKs use). `None` when the id or secret is missing.
    ///
    /// ```no_run
    /// let creds = oss_client::Credentials::from_env().expect("set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET");
    /// ```
    pub fn from_env() -> Option<Self> {
        let id = std::env::var("ALIBABA_CLOUD_ACCESS_KEY_ID").ok().filter(|v| !v.is_empty())?;
        let secret = std::env::var("ALIBABA_CLOUD_ACCESS_KEY_SECRET").ok().filter(|v| !v.is_empty())?;
        let creds = Self::new(id, secret);
        Some(match std::env::var("ALIBABA_CLOUD_SECURITY_TOKEN").ok().filter(|v| !v.is_empty()) {
            Some(token) => creds.with_security_token(token),
            None => creds,
        })
    }

    /// The AccessKey id (not secret).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKey secret.
    pub fn access_key_secret(&self) -> &SecretString {
        &self.access_key_secret
    }

    /// The STS security token, if any.
    pub fn security_token(&self) -> Option<&SecretString> {
        self.security_token.as_ref()
    }

    /// The secret values, for scrubbing server messages before they are put into errors.
    pub(crate) fn secret_values(&self) -> Vec<&str> {
        let mut out = vec![self.access_key_secret.expose_secret()];
        if let Some(t) = &self.security_token {
            out.push(t.expose_secret());
        }
        out
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[REDACTED]")
            .field("security_token", &self.security_token.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}
