//! The four service clients, built from the configuration (real endpoints, or the overrides in `[endpoints]`).

use crate::config::Config;
use crate::error::{Error, Result, StepContext};
use cloud_http::RetryPolicy;
use oss_client::ram::RamClient;
use oss_client::{Credentials, OssClient};
use secrecy::ExposeSecret;
use std::time::Duration;

/// Client settings that are not part of the configuration file.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retry policy for every client.
    pub retry: RetryPolicy,
    /// Whether to pace Auth0 calls for a free tenant (2 requests/s, burst 10). Off for loopback simulators.
    pub auth0_rate_limit: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(30), retry: RetryPolicy::default(), auth0_rate_limit: true }
    }
}

/// The clients of one deployment.
#[derive(Clone, Debug)]
pub struct Services {
    /// Aliyun OSS, signed with the admin key.
    pub oss: OssClient,
    /// Aliyun RAM, signed with the admin key.
    pub ram: RamClient,
    /// The Auth0 Management API.
    pub auth0: auth0_client::Auth0Client,
    /// The Vercel REST API.
    pub vercel: vercel_client::VercelClient,
    /// Where OSS requests really go when an endpoint override is set (the simulator), for `verify`.
    pub oss_connect_to: Option<String>,
    /// The options used.
    pub options: ClientOptions,
    /// GitHub's REST API ([`crate::github::GithubClient`]), when `[github]` is configured.
    pub github: Option<crate::github::GithubClient>,
    /// The Neon API, when `[database] provider = "neon"`.
    pub neon: Option<neon_client::NeonClient>,
}

impl Services {
    /// Builds the clients for `config`. Bad endpoints or credentials are reported before any request.
    pub fn from_config(config: &Config, options: ClientOptions) -> Result<Self> {
        let admin =
            Credentials::new(config.aliyun.access_key_id.clone(), config.aliyun.access_key_secret.expose_secret());
        let mut oss = OssClient::builder()
            .credentials(admin.clone())
            .region(config.aliyun.region.clone())
            .retry_policy(options.retry)
            .timeout(options.timeout);
        if let Some(url) = &config.endpoints.oss {
            oss = oss.connect_to(url.clone());
        }
        let oss = oss.build().step("oss client")?;
        let mut ram = RamClient::builder().credentials(admin).retry_policy(options.retry).timeout(options.timeout);
        if let Some(url) = &config.endpoints.ram {
            ram = ram.endpoint(url.clone());
        }
        let ram = ram.build().step("ram client")?;

        let mut auth0 = auth0_client::Auth0Client::builder()
            .domain(config.auth0.domain.clone())
            .client_credentials_secret(config.auth0.m2m_client_id.clone(), config.auth0.m2m_client_secret.clone())
            .retry_policy(options.retry)
            .timeout(options.timeout);
        let loopback_auth0 = config.endpoints.auth0.is_some();
        if let Some(url) = &config.endpoints.auth0 {
            auth0 = auth0.base_url(url.clone());
        }
        if !options.auth0_rate_limit || loopback_auth0 {
            auth0 = auth0.no_rate_limit();
        }
        let auth0 = auth0.build().step("auth0 client")?;

        let mut vercel = vercel_client::VercelClient::builder()
            .token(config.vercel.token.clone())
            .retry_policy(options.retry)
            .timeout(options.timeout);
        if let Some(team) = &config.vercel.team_id {
            vercel = vercel.team_id(team.clone());
        }
        if let Some(url) = &config.endpoints.vercel {
            vercel = vercel.base_url(url.clone());
        }
        let vercel = vercel.build().step("vercel client")?;
        let github = match &config.github {
            Some(g) => {
                let mut b = crate::github::GithubClient::builder()
                    .token(g.token.clone())
                    .retry_policy(options.retry)
                    .timeout(options.timeout);
                if let Some(url) = &config.endpoints.github {
                    b = b.base_url(url.clone());
                }
                Some(b.build().map_err(|e| {
                    let fix =
                        if config.endpoints.github.is_some() { "fix endpoints.github" } else { "check GITHUB_TOKEN" };
                    Error::blocked("github client", e.to_string(), fix)
                })?)
            }
            None => None,
        };
        let neon = match config.database.provider {
            crate::config::DatabaseProvider::Neon => {
                let mut b = neon_client::NeonClient::builder()
                    .api_key(config.database.neon_api_key.clone())
                    .retry_policy(options.retry)
                    .timeout(options.timeout);
                if let Some(org) = &config.database.neon_org_id {
                    b = b.org_id(org.clone());
                }
                if let Some(url) = &config.endpoints.neon {
                    b = b.base_url(url.clone());
                }
                Some(b.build().map_err(|e| Error::blocked("neon client", e.to_string(), "check NEON_API_KEY"))?)
            }
            _ => None,
        };
        Ok(Self { oss, ram, auth0, vercel, oss_connect_to: config.endpoints.oss.clone(), options, github, neon })
    }

    /// An OSS client signing with another key (the RAM sub-user's), same endpoint and options.
    pub fn oss_with(&self, config: &Config, credentials: Credentials) -> Result<OssClient> {
        let mut b = OssClient::builder()
            .credentials(credentials)
            .region(config.aliyun.region.clone())
            .retry_policy(self.options.retry)
            .timeout(self.options.timeout);
        if let Some(url) = &self.oss_connect_to {
            b = b.connect_to(url.clone());
        }
        b.build().map_err(|source| Error::Aliyun { step: "oss client (RAM key)".into(), source })
    }
}
