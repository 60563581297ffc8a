//! The desired LobeHub environment of a deployment, built from the configuration and the facts the steps
//! learn (the Auth0 application's credentials, the RAM access key, the generated secrets).

use crate::config::{BucketAccess, Config};
use crate::lobehub::{self, Profile};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// Which deployments a variable is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Production only (the default: previews get nothing unless `[previews]` is enabled).
    Production,
    /// Preview deployments only (their own `APP_URL` and `DATABASE_URL`).
    Preview,
    /// Production and preview (only with `[previews]` enabled; the same value for both).
    Both,
}

impl Scope {
    /// The Vercel targets of this scope.
    pub fn targets(self) -> Vec<vercel_client::EnvTarget> {
        use vercel_client::EnvTarget::{Preview, Production};
        match self {
            Scope::Production => vec![Production],
            Scope::Preview => vec![Preview],
            Scope::Both => vec![Production, Preview],
        }
    }
}

/// One variable LobeHub should have.
#[derive(Clone)]
pub struct DesiredVar {
    /// The name.
    pub key: String,
    /// The value.
    pub value: SecretString,
    /// Whether it is a secret (written as a Vercel `sensitive` variable, never printed).
    pub secret: bool,
    /// Which deployments it is for.
    pub scope: Scope,
}

impl DesiredVar {
    /// A production variable `key` = `value`, secret when LobeHub's variable is one ([`lobehub::is_secret`]).
    pub fn new(key: &str, value: impl Into<String>) -> Self {
        Self {
            key: key.to_string(),
            value: SecretString::from(value.into()),
            secret: lobehub::is_secret(key),
            scope: Scope::Production,
        }
    }

    /// The value as it may be shown: the value itself for non-secrets, a mask for secrets.
    pub fn shown(&self) -> String {
        if self.secret {
            cloud_http::redact::mask(self.value.expose_secret())
        } else {
            self.value.expose_secret().to_string()
        }
    }

    /// The name under which the state file remembers what was written (`KEY`, or `KEY@preview`).
    pub fn state_key(&self) -> String {
        match self.scope {
            Scope::Preview => format!("{}@preview", self.key),
            _ => self.key.clone(),
        }
    }
}

impl fmt::Debug for DesiredVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesiredVar")
            .field("key", &self.key)
            .field("value", &self.shown())
            .field("scope", &self.scope)
            .finish()
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

/// The app's public URL for a confirmed host: `https://<host>`, never with a trailing slash (LobeHub appends
/// `/api/auth/callback/auth0` to `APP_URL` verbatim: LH `src/libs/better-auth/sso/index.ts` @
/// `09a40cc05c79e54dfcf4a4f59438434dc5102fd9`, `packages/env/src/app.ts` @ `166752f1`; field-truth §1.2).
///
/// ```
/// assert_eq!(provision::desired::app_url("chat.example.com"), "https://chat.example.com");
/// ```
pub fn app_url(host: &str) -> String {
    format!("https://{}", host.trim_end_matches('/'))
}

/// Whether an Aliyun region is in the Chinese mainland (`cn-*` except `cn-hongkong`): there, OSS accounts opened
/// since 2025-03-20 cannot use the default public endpoints for data calls (field-truth §2.2).
///
/// ```
/// assert!(provision::desired::is_mainland_region("cn-hangzhou"));
/// assert!(!provision::desired::is_mainland_region("cn-hongkong"));
/// assert!(!provision::desired::is_mainland_region("ap-southeast-1"));
/// ```
pub fn is_mainland_region(region: &str) -> bool {
    region.starts_with("cn-") && region != "cn-hongkong"
}

/// The warning plan and doctor give for a mainland region.
pub fn mainland_warning(region: &str) -> String {
    format!(
        "{region} is a Chinese-mainland region: OSS accounts opened since 2025-03-20 get 400 PublicEndpointForbidden \
         (EC 0048-00000401) for uploads and downloads through the default endpoints, which LobeHub's presigned URLs \
         always use; apply probes this with the RAM key before building. Safe choices: a region outside the mainland \
         (cn-hongkong, ap-southeast-1)"
    )
}

/// `S3_ENDPOINT` in the form Aliyun documents for AWS SDKs: `https://s3.oss-<region>.aliyuncs.com` (no bucket, no
/// path; LobeHub's schema requires the scheme: LH `packages/env/src/file.ts` @ `0cd996f36b1bdab500721f258bbb6efa9d7aafed`;
/// https://www.alibabacloud.com/help/en/oss/developer-reference/use-amazon-s3-sdks-to-access-oss).
///
/// ```
/// assert_eq!(provision::desired::s3_endpoint("cn-hangzhou"), "https://s3.oss-cn-hangzhou.aliyuncs.com");
/// ```
pub fn s3_endpoint(region: &str) -> String {
    format!("https://s3.oss-{region}.aliyuncs.com")
}

/// The public base URL of the bucket: the configured custom domain, else the bucket's default domain.
pub fn bucket_public_url(config: &Config) -> String {
    match &config.aliyun.public_domain {
        Some(d) => d.clone(),
        None => format!("https://{}.oss-{}.aliyuncs.com", config.aliyun.bucket, config.aliyun.region),
    }
}

/// Builds the variables LobeHub should have for `config.profile`, with `APP_URL` = `app_url` (a confirmed host).
/// Variables whose value is not known (a secret that Vercel already holds and that is not changing) are left out:
/// the sync keeps what is there.
///
/// Targets: production only, unless `[previews]` is enabled; then every variable is for production and preview
/// except `APP_URL` and `DATABASE_URL`, which previews get from `previews.domain` and `PREVIEW_DATABASE_URL`
/// (field-truth §1.7).
pub fn desired_env(config: &Config, app_url: &str, facts: &EnvFacts) -> Vec<DesiredVar> {
    let app = app_url.trim_end_matches('/').to_string();
    let mut vars = vec![DesiredVar::new("APP_URL", app.clone())];
    // An integration-owned DATABASE_URL (the Neon integration) is the integration's: never written here.
    if config.database_source == crate::config::DatabaseSource::Env {
        vars.push(DesiredVar {
            key: "DATABASE_URL".into(),
            value: config.database_url.clone(),
            secret: true,
            scope: Scope::Production,
        });
    }
    if let Some(driver) = &config.database_driver {
        vars.push(DesiredVar::new("DATABASE_DRIVER", driver.clone()));
    }
    for (key, value) in &facts.generated {
        vars.push(DesiredVar { key: key.clone(), value: value.clone(), secret: true, scope: Scope::Production });
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
        vars.push(DesiredVar {
            key: "AUTH_AUTH0_SECRET".into(),
            value: secret.clone(),
            secret: true,
            scope: Scope::Production,
        });
    }
    vars.push(DesiredVar::new(
        "AUTH_AUTH0_ISSUER",
        facts.auth0_issuer.clone().unwrap_or_else(|| format!("https://{}/", config.auth0.domain)),
    ));
    if let Some(id) = &facts.s3_access_key_id {
        vars.push(DesiredVar::new("S3_ACCESS_KEY_ID", id.clone()));
    }
    if let Some(secret) = &facts.s3_secret_access_key {
        vars.push(DesiredVar {
            key: "S3_SECRET_ACCESS_KEY".into(),
            value: secret.clone(),
            secret: true,
            scope: Scope::Production,
        });
    }
    vars.push(DesiredVar::new("S3_BUCKET", config.aliyun.bucket.clone()));
    vars.push(DesiredVar::new("S3_ENDPOINT", s3_endpoint(&config.aliyun.region)));
    vars.push(DesiredVar::new("S3_REGION", config.aliyun.region.clone()));
    // S3_PUBLIC_DOMAIN is read only with S3_SET_ACL=1 (LH `src/server/services/file/impls/s3.ts` @ `17023339`).
    if config.aliyun.access == BucketAccess::PublicRead {
        vars.push(DesiredVar::new("S3_PUBLIC_DOMAIN", bucket_public_url(config)));
    }
    vars.push(DesiredVar::new("S3_ENABLE_PATH_STYLE", "0"));
    vars.push(DesiredVar::new("S3_SET_ACL", config.aliyun.access.s3_set_acl()));
    if let Some(preview) = &config.previews {
        for v in &mut vars {
            if v.key != "APP_URL" && v.key != "DATABASE_URL" && v.key != "NEXTAUTH_URL" {
                v.scope = Scope::Both;
            }
        }
        let preview_app = self::app_url(&preview.domain);
        let mut url = DesiredVar::new("APP_URL", preview_app.clone());
        url.scope = Scope::Preview;
        vars.push(url);
        vars.push(DesiredVar {
            key: "DATABASE_URL".into(),
            value: preview.database_url.clone(),
            secret: true,
            scope: Scope::Preview,
        });
        if config.profile == Profile::LegacyNextauth {
            let mut v = DesiredVar::new("NEXTAUTH_URL", format!("{preview_app}/api/auth"));
            v.scope = Scope::Preview;
            vars.push(v);
        }
    }
    vars
}

/// The names of existing variables that must go: for the current profile, every variable that makes the
/// build exit; and `S3_PUBLIC_DOMAIN` in private mode (unused with `S3_SET_ACL=0`, and misleading).
///
/// `existing` gives each variable's key and, when readable, its value (a hidden value counts as set).
pub fn variables_to_remove<'a>(
    config: &Config,
    existing: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, value) in existing {
        let deprecated = config.profile == Profile::Current && lobehub::deprecation(k, value).is_some();
        let unused = k == "S3_PUBLIC_DOMAIN" && config.aliyun.access == BucketAccess::Private;
        if (deprecated || unused) && !out.iter().any(|o| o == k) {
            out.push(k.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env() -> BTreeMap<String, String> {
        [
            ("VERCEL_TOKEN", "t"),
            ("AUTH0_CLIENT_ID", "c"),
            ("AUTH0_CLIENT_SECRET", "s"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "k"),
            ("DATABASE_URL", "postgres://u:prod@db/lobehub"),
            ("PREVIEW_DATABASE_URL", "postgres://u:preview@db/lobehub_preview"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn config(extra: &str) -> Config {
        let text = format!(
            "[vercel]\nproject = \"lobehub\"\ngit_repository = \"me/lobehub\"\n[auth0]\ndomain = \"me.eu.auth0.com\"\n\
             [aliyun]\nregion = \"cn-hangzhou\"\nbucket = \"my-files\"\n{extra}\n"
        );
        Config::from_toml(&text, &env()).unwrap()
    }

    fn get<'a>(vars: &'a [DesiredVar], key: &str, scope: Scope) -> Option<&'a DesiredVar> {
        vars.iter().find(|v| v.key == key && v.scope == scope)
    }

    #[test]
    fn private_by_default_production_only_and_the_s3_endpoint_form() {
        let c = config("");
        assert_eq!(c.aliyun.access, BucketAccess::Private);
        let vars = desired_env(&c, "https://lobehub.vercel.app", &EnvFacts::default());
        assert!(vars.iter().all(|v| v.scope == Scope::Production), "production only by default");
        let value = |k: &str| get(&vars, k, Scope::Production).map(|v| v.value.expose_secret().to_string());
        assert_eq!(value("S3_SET_ACL").as_deref(), Some("0"));
        assert_eq!(value("S3_ENDPOINT").as_deref(), Some("https://s3.oss-cn-hangzhou.aliyuncs.com"));
        assert_eq!(value("S3_REGION").as_deref(), Some("cn-hangzhou"));
        assert_eq!(value("S3_PUBLIC_DOMAIN"), None, "unused with S3_SET_ACL=0");
        assert_eq!(value("APP_URL").as_deref(), Some("https://lobehub.vercel.app"));
        let remove = variables_to_remove(
            &c,
            [("S3_PUBLIC_DOMAIN", Some("https://x")), ("NEXTAUTH_URL", Some("")), ("AUTH_URL", Some(""))],
        );
        assert_eq!(remove, ["S3_PUBLIC_DOMAIN", "NEXTAUTH_URL"]);
    }

    #[test]
    fn public_read_mode_writes_set_acl_and_the_public_domain() {
        let c = config("access = \"public-read\"");
        assert!(c.aliyun.access_explicit);
        let vars = desired_env(&c, "https://chat.example.com", &EnvFacts::default());
        let value = |k: &str| get(&vars, k, Scope::Production).map(|v| v.value.expose_secret().to_string());
        assert_eq!(value("S3_SET_ACL").as_deref(), Some("1"));
        assert_eq!(value("S3_PUBLIC_DOMAIN").as_deref(), Some("https://my-files.oss-cn-hangzhou.aliyuncs.com"));
        assert!(variables_to_remove(&c, [("S3_PUBLIC_DOMAIN", Some("https://x"))]).is_empty());
    }

    #[test]
    fn previews_get_their_own_database_and_app_url() {
        let c = config("[previews]\nenabled = true\ndomain = \"preview.example.com\"\ngit_branch = \"preview\"");
        let vars = desired_env(&c, "https://chat.example.com", &EnvFacts::default());
        let prod_db = get(&vars, "DATABASE_URL", Scope::Production).unwrap();
        let prev_db = get(&vars, "DATABASE_URL", Scope::Preview).unwrap();
        assert!(prod_db.value.expose_secret().contains("prod"));
        assert!(prev_db.value.expose_secret().contains("preview"));
        assert_eq!(prev_db.state_key(), "DATABASE_URL@preview");
        assert_eq!(get(&vars, "APP_URL", Scope::Preview).unwrap().value.expose_secret(), "https://preview.example.com");
        assert!(get(&vars, "S3_BUCKET", Scope::Both).is_some());
        // Same database for previews is refused up front.
        let mut e = env();
        e.insert("PREVIEW_DATABASE_URL".into(), "postgres://u:prod@db/lobehub".into());
        let text = "[vercel]\nproject = \"lobehub\"\ngit_repository = \"me/lobehub\"\n[auth0]\ndomain = \"me.eu.auth0.com\"\n\
                    [aliyun]\nregion = \"cn-hangzhou\"\nbucket = \"my-files\"\n[previews]\nenabled = true\n\
                    domain = \"preview.example.com\"\ngit_branch = \"preview\"\n";
        let err = Config::from_toml(text, &e).unwrap_err();
        assert!(err.mentions("env PREVIEW_DATABASE_URL"), "{err}");
        let err = Config::from_toml(&text.replace("git_branch = \"preview\"\n", ""), &env()).unwrap_err();
        assert!(err.mentions("previews.git_branch"), "{err}");
    }

    #[test]
    fn vercel_app_candidates_are_the_project_then_the_fallbacks() {
        let c = config("[app]\nvercel_app_fallbacks = [\"lobehub-alice\", \"other.vercel.app\"]");
        assert_eq!(c.vercel_app_candidates, ["lobehub.vercel.app", "lobehub-alice.vercel.app", "other.vercel.app"]);
        let text = "[vercel]\nproject = \"lobehub\"\ngit_repository = \"me/lobehub\"\n[auth0]\ndomain = \"me.eu.auth0.com\"\n\
                    [aliyun]\nregion = \"cn-hangzhou\"\nbucket = \"my-files\"\n[app]\nvercel_app_fallbacks = [\"bad name\"]\n";
        assert!(Config::from_toml(text, &env()).unwrap_err().mentions("app.vercel_app_fallbacks[0]"));
    }
}

/// The desired state of every resource, built from the configuration in one place ([`Desired::from_config`]):
/// the fork, the database, the bucket and its access mode, the RAM user with its policy and attachment, the
/// access key, the endpoint probe, the Vercel project and its domains, the app hosts. What names the app's
/// hosts — the Auth0 application's URLs and the CORS origins — is built by [`Desired::for_hosts`] once the hosts
/// are confirmed; the environment by [`desired_env`] once the services' answers are known.
#[derive(Debug, Clone)]
pub struct Desired {
    /// The fork (`[github]`).
    pub github: crate::steps::github::GithubDesired,
    /// The database (`[database]`).
    pub database: crate::steps::database::DatabaseDesired,
    /// The bucket and its access mode (`[aliyun]`).
    pub bucket: crate::steps::aliyun::bucket::BucketDesired,
    /// The RAM user, its policy and attachment.
    pub ram_user: crate::steps::aliyun::ram::RamUserDesired,
    /// The access key.
    pub key: crate::steps::aliyun::key::KeyDesired,
    /// The mainland default-endpoint probe.
    pub probe: crate::steps::aliyun::probe::ProbeDesired,
    /// The Vercel project and its custom domain.
    pub project: crate::steps::vercel::ProjectDesired,
    /// The app hosts (custom domain, or `*.vercel.app` candidates; the preview host).
    pub hosts: crate::steps::app_domain::HostsDesired,
}

/// The desired state that names the app's hosts.
#[derive(Debug, Clone)]
pub struct HostBound {
    /// The Auth0 application, its dedicated connection and the trusted users.
    pub auth0: crate::steps::auth0::Auth0Desired,
    /// The bucket's CORS rule.
    pub cors: crate::steps::aliyun::cors::CorsDesired,
}

impl Desired {
    /// Everything the configuration and the effective custom domain (`domain`: the configuration's, or the one
    /// `set-domain` recorded) determine.
    ///
    /// # Errors
    /// The RAM policy document cannot be built (an invalid bucket name; the configuration is validated first).
    pub fn from_config(config: &Config, domain: Option<&str>) -> crate::Result<Self> {
        Ok(Self {
            github: crate::steps::github::GithubDesired::from_config(config),
            database: crate::steps::database::DatabaseDesired::from_config(config),
            bucket: crate::steps::aliyun::bucket::BucketDesired::from_config(config),
            ram_user: crate::steps::aliyun::ram::RamUserDesired::from_config(config)?,
            key: crate::steps::aliyun::key::KeyDesired::from_config(config),
            probe: crate::steps::aliyun::probe::ProbeDesired::from_config(config),
            project: crate::steps::vercel::ProjectDesired::from_config(config, domain),
            hosts: crate::steps::app_domain::HostsDesired::from_config(config, domain),
        })
    }

    /// The desired state that names the hosts: `app_url` (`https://host`) and every origin the app is served
    /// from.
    ///
    /// # Errors
    /// An origin Auth0 would refuse.
    pub fn for_hosts(config: &Config, app_url: &str, origins: &[String]) -> crate::Result<HostBound> {
        Ok(HostBound {
            auth0: crate::steps::auth0::Auth0Desired::from_config(config, app_url, origins)?,
            cors: crate::steps::aliyun::cors::CorsDesired::from_config(config, origins),
        })
    }
}
