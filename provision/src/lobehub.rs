//! LobeHub's environment variables: the sets each profile needs, the variables that make the current build
//! exit, and the desired variable set for a deployment (facts from `shared/reference/lobehub-env.md`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which LobeHub generation the deployment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// LobeHub 2.x with Better Auth (the default).
    #[default]
    Current,
    /// LobeChat 1.x with NextAuth: the variables of the original guide (`NEXT_AUTH_*`, `NEXTAUTH_URL`, …).
    LegacyNextauth,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Current => "current",
            Profile::LegacyNextauth => "legacy-nextauth",
        })
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "current" => Ok(Profile::Current),
            "legacy-nextauth" => Ok(Profile::LegacyNextauth),
            other => Err(format!("unknown LobeHub profile `{other}`: use `current` or `legacy-nextauth`")),
        }
    }
}

/// Callback paths on the app origin that Auth0 must allow, per profile.
///
/// Both Better Auth paths are registered because LobeHub's sources disagree on which one the generic OAuth
/// plugin uses (`lobehub-env.md` §6).
///
/// ```
/// use provision::lobehub::{callback_paths, Profile};
/// assert_eq!(callback_paths(Profile::Current), ["/api/auth/callback/auth0", "/api/auth/oauth2/callback/auth0"]);
/// assert_eq!(callback_paths(Profile::LegacyNextauth), ["/api/auth/callback/auth0"]);
/// ```
pub fn callback_paths(profile: Profile) -> &'static [&'static str] {
    match profile {
        Profile::Current => &["/api/auth/callback/auth0", "/api/auth/oauth2/callback/auth0"],
        Profile::LegacyNextauth => &["/api/auth/callback/auth0"],
    }
}

/// Why a variable fails the current LobeHub build, and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    /// What the build says or why it exits.
    pub reason: &'static str,
    /// What to do instead.
    pub replacement: &'static str,
}

/// Whether setting `key` makes the current LobeHub build exit (`scripts/_shared/checkDeprecatedAuth.js`), and why.
///
/// ```
/// use provision::lobehub::deprecation;
/// assert!(deprecation("NEXTAUTH_URL").is_some());
/// assert!(deprecation("NEXT_PUBLIC_SERVICE_MODE").is_some());
/// assert!(deprecation("AUTH_AZURE_AD_ID").is_some());
/// assert!(deprecation("AUTH_SECRET").is_none());
/// ```
pub fn deprecation(key: &str) -> Option<Deprecation> {
    let d = |reason, replacement| Some(Deprecation { reason, replacement });
    if key.starts_with("NEXT_AUTH") || key.starts_with("NEXTAUTH") || key == "NEXT_PUBLIC_ENABLE_NEXT_AUTH" {
        return d(
            "NextAuth has been removed; the build exits when any NEXT_AUTH*/NEXTAUTH* variable is set",
            "delete it; Better Auth uses AUTH_SECRET, AUTH_SSO_PROVIDERS and APP_URL",
        );
    }
    if key.starts_with("AZURE_AD_") || key.starts_with("AUTH_AZURE_AD_") || key.starts_with("AUTH_MICROSOFT_ENTRA_ID_")
    {
        return d("the Azure AD variables were renamed", "use AUTH_MICROSOFT_ID / AUTH_MICROSOFT_SECRET");
    }
    match key {
        "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY" | "CLERK_SECRET_KEY" | "CLERK_WEBHOOK_SECRET" => {
            d("Clerk has been removed", "delete it; use Better Auth with an SSO provider")
        }
        "NEXT_PUBLIC_SERVICE_MODE" => d(
            "LobeChat 2.0 no longer supports client-side database mode; the variable is obsolete",
            "delete it (server mode is the only mode)",
        ),
        "ACCESS_CODE" => d("ACCESS_CODE is not supported in 2.0", "delete it; restrict sign-in through Auth0 instead"),
        "NEXT_PUBLIC_ENABLE_BETTER_AUTH" => d(
            "no longer needed: Better Auth is detected from AUTH_SECRET",
            "delete it and make sure AUTH_SECRET is set",
        ),
        "AUTH_URL" | "NEXT_PUBLIC_AUTH_URL" => {
            d("the auth URL is now detected from request headers", "delete it; set APP_URL")
        }
        "ENABLE_MAGIC_LINK" | "NEXT_PUBLIC_ENABLE_MAGIC_LINK" => d("renamed", "use AUTH_ENABLE_MAGIC_LINK"),
        "NEXT_PUBLIC_AUTH_EMAIL_VERIFICATION" => d("renamed", "use AUTH_EMAIL_VERIFICATION"),
        "ZITADEL_CLIENT_ID" | "ZITADEL_CLIENT_SECRET" | "ZITADEL_ISSUER" => d("renamed", "use AUTH_ZITADEL_*"),
        "OIDC_JWKS_KEY" => d("renamed", "use JWKS_KEY"),
        _ => None,
    }
}

/// Variables a deployment of this profile must have, each with what it is for.
///
/// ```
/// use provision::lobehub::{required_variables, Profile};
/// assert!(required_variables(Profile::Current).iter().any(|(k, _)| *k == "JWKS_KEY"));
/// assert!(required_variables(Profile::LegacyNextauth).iter().any(|(k, _)| *k == "NEXTAUTH_URL"));
/// ```
pub fn required_variables(profile: Profile) -> &'static [(&'static str, &'static str)] {
    match profile {
        Profile::Current => &[
            ("APP_URL", "the public base URL of the app (the custom domain once it is live)"),
            ("DATABASE_URL", "the Postgres connection string; the build runs migrations with it"),
            (
                "KEY_VAULTS_SECRET",
                "encrypts users' stored API keys: `openssl rand -base64 32`, never changed afterwards",
            ),
            ("AUTH_SECRET", "enables Better Auth: `openssl rand -base64 32`"),
            ("JWKS_KEY", "one-line JWKS with an RS256 private key (RSA-2048)"),
            ("AUTH_SSO_PROVIDERS", "`auth0`"),
            ("AUTH_AUTH0_ID", "the Auth0 application's client id"),
            ("AUTH_AUTH0_SECRET", "the Auth0 application's client secret"),
            ("AUTH_AUTH0_ISSUER", "the Auth0 tenant URL, e.g. https://tenant.eu.auth0.com/"),
            ("S3_ACCESS_KEY_ID", "the RAM sub-user's AccessKey id"),
            ("S3_SECRET_ACCESS_KEY", "the RAM sub-user's AccessKey secret"),
            ("S3_BUCKET", "the OSS bucket name"),
            ("S3_ENDPOINT", "the OSS endpoint, https://oss-<region>.aliyuncs.com (no bucket, no path)"),
            ("S3_REGION", "the OSS region id, e.g. cn-beijing"),
            ("S3_PUBLIC_DOMAIN", "the public base URL of the bucket"),
        ],
        Profile::LegacyNextauth => &[
            ("APP_URL", "the public base URL of the app (the custom domain once it is live)"),
            ("DATABASE_URL", "the Postgres connection string"),
            (
                "KEY_VAULTS_SECRET",
                "encrypts users' stored API keys: `openssl rand -base64 32`, never changed afterwards",
            ),
            ("NEXT_PUBLIC_SERVICE_MODE", "`server` (LobeChat 1.x server-database mode)"),
            ("NEXT_PUBLIC_ENABLE_NEXT_AUTH", "`1`: turns NextAuth on (build time)"),
            ("NEXT_AUTH_SECRET", "NextAuth's secret: `openssl rand -base64 32`"),
            ("NEXT_AUTH_SSO_PROVIDERS", "`auth0`"),
            ("NEXTAUTH_URL", "APP_URL + `/api/auth`"),
            ("AUTH_AUTH0_ID", "the Auth0 application's client id"),
            ("AUTH_AUTH0_SECRET", "the Auth0 application's client secret"),
            ("AUTH_AUTH0_ISSUER", "the Auth0 tenant URL, e.g. https://tenant.eu.auth0.com/"),
            ("S3_ACCESS_KEY_ID", "the RAM sub-user's AccessKey id"),
            ("S3_SECRET_ACCESS_KEY", "the RAM sub-user's AccessKey secret"),
            ("S3_BUCKET", "the OSS bucket name"),
            ("S3_ENDPOINT", "the OSS endpoint, https://oss-<region>.aliyuncs.com (no bucket, no path)"),
            ("S3_PUBLIC_DOMAIN", "the public base URL of the bucket"),
        ],
    }
}

/// Whether a variable's value is a secret: such values are written as Vercel `sensitive` variables and are
/// never printed.
///
/// ```
/// assert!(provision::lobehub::is_secret("KEY_VAULTS_SECRET"));
/// assert!(!provision::lobehub::is_secret("S3_BUCKET"));
/// ```
pub fn is_secret(key: &str) -> bool {
    matches!(
        key,
        "KEY_VAULTS_SECRET"
            | "LEGACY_KEY_VAULTS_SECRET"
            | "AUTH_SECRET"
            | "NEXT_AUTH_SECRET"
            | "JWKS_KEY"
            | "AUTH_AUTH0_SECRET"
            | "S3_SECRET_ACCESS_KEY"
            | "DATABASE_URL"
    )
}

/// The secrets of a profile that the tool generates once and never regenerates.
///
/// ```
/// use provision::lobehub::{generated_secrets, Profile};
/// assert_eq!(generated_secrets(Profile::Current), ["KEY_VAULTS_SECRET", "AUTH_SECRET", "JWKS_KEY"]);
/// assert_eq!(generated_secrets(Profile::LegacyNextauth), ["KEY_VAULTS_SECRET", "NEXT_AUTH_SECRET"]);
/// ```
pub fn generated_secrets(profile: Profile) -> &'static [&'static str] {
    match profile {
        Profile::Current => &["KEY_VAULTS_SECRET", "AUTH_SECRET", "JWKS_KEY"],
        Profile::LegacyNextauth => &["KEY_VAULTS_SECRET", "NEXT_AUTH_SECRET"],
    }
}
