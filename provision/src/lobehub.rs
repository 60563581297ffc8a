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

/// Callback paths on the app origin that Auth0 must allow, per profile: exactly `APP_URL` +
/// `/api/auth/callback/auth0`, the `redirect_uri` LobeHub sends in every era (LH `src/libs/better-auth/sso/index.ts`
/// @ `6fb75dd38d47819f556aaf6217954a6325b3468a` and @ `09a40cc05c79e54dfcf4a4f59438434dc5102fd9` set it for generic
/// providers; `/api/auth/oauth2/callback/auth0` is never sent: field-truth §1.2).
///
/// ```
/// use provision::lobehub::{callback_paths, Profile};
/// assert_eq!(callback_paths(Profile::Current), ["/api/auth/callback/auth0"]);
/// assert_eq!(callback_paths(Profile::LegacyNextauth), ["/api/auth/callback/auth0"]);
/// ```
pub fn callback_paths(profile: Profile) -> &'static [&'static str] {
    match profile {
        Profile::Current | Profile::LegacyNextauth => &["/api/auth/callback/auth0"],
    }
}

/// Why a variable fails LobeHub's deprecated-variable check, and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    /// What the check says or why it exits.
    pub reason: &'static str,
    /// What to do instead.
    pub replacement: &'static str,
}

/// Key prefixes the check refuses whatever the value (it tests the key list, so an empty value fires too).
pub const DEPRECATED_PREFIXES: [&str; 2] = ["NEXT_AUTH", "NEXTAUTH"];

/// Exact names the check refuses when their value is truthy (non-empty).
pub const DEPRECATED_NAMES: &[&str] = &[
    "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_WEBHOOK_SECRET",
    "ENABLE_MAGIC_LINK",
    "NEXT_PUBLIC_AUTH_EMAIL_VERIFICATION",
    "NEXT_PUBLIC_ENABLE_MAGIC_LINK",
    "NEXT_PUBLIC_SERVICE_MODE",
    "ACCESS_CODE",
    "NEXT_PUBLIC_ENABLE_BETTER_AUTH",
    "NEXT_PUBLIC_AUTH_URL",
    "AUTH_URL",
    "AZURE_AD_CLIENT_ID",
    "AZURE_AD_CLIENT_SECRET",
    "AZURE_AD_TENANT_ID",
    "AUTH_AZURE_AD_ID",
    "AUTH_AZURE_AD_SECRET",
    "AUTH_AZURE_AD_TENANT_ID",
    "AUTH_MICROSOFT_ENTRA_ID_ID",
    "AUTH_MICROSOFT_ENTRA_ID_SECRET",
    "AUTH_MICROSOFT_ENTRA_ID_TENANT_ID",
    "AUTH_MICROSOFT_ENTRA_ID_BASE_URL",
    "ZITADEL_CLIENT_ID",
    "ZITADEL_CLIENT_SECRET",
    "ZITADEL_ISSUER",
    "OIDC_JWKS_KEY",
];

/// Whether LobeHub's deprecated-variable check (LH `scripts/_shared/checkDeprecatedAuth.js` @
/// `deb08764bac90bb0a99a8cb7b3cdfc7a2782514e`; field-truth §1.3) exits on `key` with `value` (`None`: the value
/// cannot be read, e.g. a Vercel sensitive variable, and is taken as set), and why. Exactly its rules: a key
/// starting with `NEXT_AUTH` or `NEXTAUTH` (any value), or one of its exact names with a non-empty value.
/// `NEXT_PUBLIC_ENABLE_NEXT_AUTH` and other `AZURE_AD_*` names are *not* matched.
///
/// Where it runs: in 2.1.x the Vercel build (`prebuild`); in 2.2.17/2.2.19 `build:vercel` has no prebuild, so on
/// Vercel these variables are silently ignored; it still runs in Docker and `bun run dev` (LH `package.json` @
/// `c9fb13f0`, @ `0015eda9`).
///
/// ```
/// use provision::lobehub::deprecation;
/// assert!(deprecation("NEXTAUTH_URL", Some("")).is_some());
/// assert!(deprecation("NEXT_PUBLIC_SERVICE_MODE", Some("server")).is_some());
/// assert!(deprecation("NEXT_PUBLIC_SERVICE_MODE", Some("")).is_none());
/// assert!(deprecation("AUTH_AZURE_AD_ID", Some("x")).is_some());
/// assert!(deprecation("AZURE_AD_OTHER", Some("x")).is_none());
/// assert!(deprecation("NEXT_PUBLIC_ENABLE_NEXT_AUTH", Some("1")).is_none());
/// assert!(deprecation("AUTH_SECRET", Some("x")).is_none());
/// ```
pub fn deprecation(key: &str, value: Option<&str>) -> Option<Deprecation> {
    let d = |reason, replacement| Some(Deprecation { reason, replacement });
    if DEPRECATED_PREFIXES.iter().any(|p| key.starts_with(p)) {
        return d(
            "NextAuth has been removed; the check exits when any NEXT_AUTH*/NEXTAUTH* variable exists",
            "delete it; Better Auth uses AUTH_SECRET, AUTH_SSO_PROVIDERS and APP_URL",
        );
    }
    if !DEPRECATED_NAMES.contains(&key) || value.is_some_and(str::is_empty) {
        return None;
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
        _ => d("the Azure AD / Entra ID variables were renamed", "use AUTH_MICROSOFT_ID / AUTH_MICROSOFT_SECRET"),
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
            ("S3_ENDPOINT", "the OSS S3 endpoint, https://s3.oss-<region>.aliyuncs.com (no bucket, no path)"),
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
