//! The desired LobeHub environment of a deployment, built from the configuration and the facts the steps
//! learn (the Auth0 application's credentials, the RAM access key, the generated secrets).

use crate::config::Config;
use crate::lobehub::{self, Profile};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// One variable LobeHub should have, for production and preview.
#[derive(Clone)]
pub struct DesiredVar {
    /// The name.
    pub key: String,
    /// The value.
    pub value: SecretString,
    /// Whether it is a secret (written as a Vercel `sensitive` variable, never printed).
    pub secret: bool,
}

impl DesiredVar {
    fn new(key: &str, value: impl Into<String>) -> Self {
        Self { key: key.to_string(), value: SecretString::from(value.into()), secret: lobehub::is_secret(key) }
    }

    /// The value as it may be shown: the value itself for non-secrets, a mask for secrets.
    pub fn shown(&self) -> String {
        if self.secret {
            cloud_http::redact::mask(self.value.expose_secret())
        } else {
            self.value.expose_secret().to_string()
        }
    }
}

impl fmt::Debug for DesiredVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesiredVar").field("key", &self.key).field("value", &self.shown()).finish()
    }
}

/// What the steps learned that the environment needs.
#[derive(Clone, Default)]
pub struct EnvFacts {
    /// The Auth0 application's client id.
    pub auth0_client_id: Option<String>,
    /// The Auth0 application's client secret.
    pub auth0_client_secret: Option<SecretString>,
    /// The issuer, verbatim from OIDC discovery (`https://tenant/` with the slash).
    pub auth0_issuer: Option<String>,
    /// The RAM sub-user's AccessKey id.
    pub s3_access_key_id: Option<String>,
    /// The RAM sub-user's AccessKey secret (absent when Vercel already holds it and it is not changing).
    pub s3_secret_access_key: Option<SecretString>,
    /// Generated secrets by name (absent when Vercel already holds them).
    pub generated: Vec<(String, SecretString)>,
}

impl EnvFacts {
    /// The variables whose values exist only once apply has created their resource (a plan shows them as
    /// "known after apply").
    pub fn unknown_until_applied(&self) -> Vec<&'static str> {
        let mut unknown = Vec::new();
        if self.auth0_client_id.is_none() {
            unknown.extend(["AUTH_AUTH0_ID", "AUTH_AUTH0_SECRET"]);
        }
        if self.s3_access_key_id.is_none() {
            unknown.extend(["S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]);
        }
        unknown
    }
}

impl fmt::Debug for EnvFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvFacts")
            .field("auth0_client_id", &self.auth0_client_id)
            .field("auth0_client_secret", &self.auth0_client_secret.as_ref().map(|_| "[REDACTED]"))
            .field("auth0_issuer", &self.auth0_issuer)
            .field("s3_access_key_id", &self.s3_access_key_id)
            .field("s3_secret_access_key", &self.s3_secret_access_key.as_ref().map(|_| "[REDACTED]"))
            .field("generated", &self.generated.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

/// The app's public URL: the custom domain when one is configured, else the project's `vercel.app` URL.
///
/// ```
/// assert_eq!(provision::desired::app_url(Some("chat.example.com"), "lobehub"), "https://chat.example.com");
/// assert_eq!(provision::desired::app_url(None, "lobehub"), "https://lobehub.vercel.app");
/// ```
pub fn app_url(domain: Option<&str>, project: &str) -> String {
    match domain {
        Some(d) => format!("https://{d}"),
        None => format!("https://{project}.vercel.app"),
    }
}

/// The app origins Auth0 and the OSS CORS rule must allow: the custom domain (if any) and the `vercel.app` URL.
pub fn app_origins(domain: Option<&str>, project: &str) -> Vec<String> {
    let mut origins = vec![];
    if let Some(d) = domain {
        origins.push(format!("https://{d}"));
    }
    origins.push(format!("https://{project}.vercel.app"));
    origins
}

/// The public endpoint of OSS in a region.
pub fn oss_endpoint(region: &str) -> String {
    format!("https://oss-{region}.aliyuncs.com")
}

/// The public base URL of the bucket: the configured custom domain, else the bucket's default domain.
pub fn bucket_public_url(config: &Config) -> String {
    match &config.aliyun.public_domain {
        Some(d) => d.clone(),
        None => format!("https://{}.oss-{}.aliyuncs.com", config.aliyun.bucket, config.aliyun.region),
    }
}

/// Builds the variables LobeHub should have for `config.profile`. Variables whose value is not known (a secret
/// that Vercel already holds and that is not changing) are left out: the sync keeps what is there.
pub fn desired_env(config: &Config, domain: Option<&str>, facts: &EnvFacts) -> Vec<DesiredVar> {
    let app = app_url(domain, &config.vercel.project);
    let mut vars = vec![DesiredVar::new("APP_URL", app.clone())];
    // An integration-owned DATABASE_URL (the Neon integration) is the integration's: never written here.
    if config.database_source == crate::config::DatabaseSource::Env {
        vars.push(DesiredVar { key: "DATABASE_URL".into(), value: config.database_url.clone(), secret: true });
    }
    if let Some(driver) = &config.database_driver {
        vars.push(DesiredVar::new("DATABASE_DRIVER", driver.clone()));
    }
    for (key, value) in &facts.generated {
        vars.push(DesiredVar { key: key.clone(), value: value.clone(), secret: true });
    }
    match config.profile {
        Profile::Current => {
            vars.push(DesiredVar::new("AUTH_SSO_PROVIDERS", "auth0"));
            vars.push(DesiredVar::new("AUTH_DISABLE_EMAIL_PASSWORD", "1"));
            if config.restrict_to_trusted_emails && !config.auth0.trusted_users.is_empty() {
                vars.push(DesiredVar::new("AUTH_ALLOWED_EMAILS", config.auth0.trusted_users.join(",")));
            }
        }
        Profile::LegacyNextauth => {
            vars.push(DesiredVar::new("NEXT_PUBLIC_SERVICE_MODE", "server"));
            vars.push(DesiredVar::new("NEXT_PUBLIC_ENABLE_NEXT_AUTH", "1"));
            vars.push(DesiredVar::new("NEXT_AUTH_SSO_PROVIDERS", "auth0"));
            vars.push(DesiredVar::new("NEXTAUTH_URL", format!("{app}/api/auth")));
        }
    }
    if let Some(id) = &facts.auth0_client_id {
        vars.push(DesiredVar::new("AUTH_AUTH0_ID", id.clone()));
    }
    if let Some(secret) = &facts.auth0_client_secret {
        vars.push(DesiredVar { key: "AUTH_AUTH0_SECRET".into(), value: secret.clone(), secret: true });
    }
    vars.push(DesiredVar::new(
        "AUTH_AUTH0_ISSUER",
        facts.auth0_issuer.clone().unwrap_or_else(|| format!("https://{}/", config.auth0.domain)),
    ));
    if let Some(id) = &facts.s3_access_key_id {
        vars.push(DesiredVar::new("S3_ACCESS_KEY_ID", id.clone()));
    }
    if let Some(secret) = &facts.s3_secret_access_key {
        vars.push(DesiredVar { key: "S3_SECRET_ACCESS_KEY".into(), value: secret.clone(), secret: true });
    }
    vars.push(DesiredVar::new("S3_BUCKET", config.aliyun.bucket.clone()));
    vars.push(DesiredVar::new("S3_ENDPOINT", oss_endpoint(&config.aliyun.region)));
    vars.push(DesiredVar::new("S3_REGION", config.aliyun.region.clone()));
    vars.push(DesiredVar::new("S3_PUBLIC_DOMAIN", bucket_public_url(config)));
    vars.push(DesiredVar::new("S3_ENABLE_PATH_STYLE", "0"));
    vars.push(DesiredVar::new("S3_SET_ACL", "0"));
    vars
}

/// The names of existing variables that must go: for the current profile, every variable that makes the
/// build exit.
pub fn variables_to_remove<'a>(profile: Profile, existing: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    match profile {
        Profile::Current => {
            existing.into_iter().filter(|k| lobehub::deprecation(k).is_some()).map(str::to_string).collect()
        }
        Profile::LegacyNextauth => Vec::new(),
    }
}
