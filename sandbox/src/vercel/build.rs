//! The checks a simulated build applies to the environment of its target ([`BuildRules`]): LobeHub's
//! deprecated-variable exit and its required variables.

use std::collections::BTreeSet;

/// The environment checks a simulated build applies, after LobeHub's `scripts/_shared/checkDeprecatedAuth.js`
/// (which exits 1 when a deprecated variable is set) and its Vercel build (which runs database migrations).
///
/// ```
/// use sandbox::vercel::BuildRules;
/// let rules = BuildRules::lobehub();
/// let keys = ["AUTH_SECRET", "KEY_VAULTS_SECRET", "DATABASE_URL"].map(String::from).into_iter().collect();
/// assert!(rules.check(&keys).is_ok());
/// let mut bad = keys.clone();
/// bad.insert("NEXTAUTH_URL".into());
/// assert!(rules.check(&bad).unwrap_err().contains("NEXTAUTH_URL"));
/// assert!(BuildRules::none().check(&Default::default()).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRules {
    /// Keys whose presence fails the build.
    pub forbidden_keys: Vec<String>,
    /// Key prefixes whose presence fails the build.
    pub forbidden_prefixes: Vec<String>,
    /// Keys whose absence fails the build.
    pub required_keys: Vec<String>,
}

impl BuildRules {
    /// The current LobeHub (2.x, Better Auth) rules: `lobehub-env.md` §3 (deprecated) and §2/§4 (`AUTH_SECRET`
    /// enables auth; `DATABASE_URL` and `KEY_VAULTS_SECRET` are needed by the migrations the build runs).
    pub fn lobehub() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        Self {
            forbidden_keys: s(&[
                "NEXT_PUBLIC_ENABLE_NEXT_AUTH",
                "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY",
                "CLERK_SECRET_KEY",
                "CLERK_WEBHOOK_SECRET",
                "NEXT_PUBLIC_SERVICE_MODE",
                "ACCESS_CODE",
                "NEXT_PUBLIC_ENABLE_BETTER_AUTH",
                "AUTH_URL",
                "NEXT_PUBLIC_AUTH_URL",
                "ENABLE_MAGIC_LINK",
                "NEXT_PUBLIC_ENABLE_MAGIC_LINK",
                "NEXT_PUBLIC_AUTH_EMAIL_VERIFICATION",
                "ZITADEL_CLIENT_ID",
                "ZITADEL_CLIENT_SECRET",
                "ZITADEL_ISSUER",
                "OIDC_JWKS_KEY",
            ]),
            forbidden_prefixes: s(&[
                "NEXT_AUTH",
                "NEXTAUTH",
                "AZURE_AD_",
                "AUTH_AZURE_AD_",
                "AUTH_MICROSOFT_ENTRA_ID_",
            ]),
            required_keys: s(&["AUTH_SECRET", "KEY_VAULTS_SECRET", "DATABASE_URL"]),
        }
    }

    /// No checks: every build succeeds (for projects that are not LobeHub).
    pub fn none() -> Self {
        Self { forbidden_keys: Vec::new(), forbidden_prefixes: Vec::new(), required_keys: Vec::new() }
    }

    /// Checks the keys present for a build; the error says which rule failed.
    pub fn check(&self, keys: &BTreeSet<String>) -> Result<(), String> {
        let mut problems = Vec::new();
        for key in keys {
            if self.forbidden_keys.contains(key) || self.forbidden_prefixes.iter().any(|p| key.starts_with(p.as_str()))
            {
                problems.push(format!("{key} is deprecated and must be removed"));
            }
        }
        for key in &self.required_keys {
            if !keys.contains(key) {
                problems.push(format!("{key} is required"));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }
}

impl Default for BuildRules {
    fn default() -> Self {
        Self::lobehub()
    }
}
