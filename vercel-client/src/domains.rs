//! Project domains: `addProjectDomain` (idempotent here), `getProjectDomain`, `getProjectDomains` (every page),
//! `verifyProjectDomain`, `removeProjectDomain`, and the DNS configuration check `getDomainConfig`
//! (`GET /v6/domains/{domain}/config`) turned into the DNS records the user must create.
//!
//! The record values always come from Vercel's answer (`recommendedIPv4` / `recommendedCNAME`, rank 1); none is
//! hard-coded here.

use crate::client::{ApiRequest, VercelClient, check_id};
use crate::error::{Error, ErrorKind, Result};
use crate::pagination::{CursorParam, PAGE_LIMIT, Page, Pagination, collect_pages};
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt;

/// A TXT (or other) challenge proving ownership of a domain used by another Vercel account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VerificationChallenge {
    /// Record type (`TXT`).
    #[serde(rename = "type")]
    pub record_type: String,
    /// Record name (`_vercel.example.com`).
    pub domain: String,
    /// Record value (`vc-domain-verify=…`).
    pub value: String,
    /// Why it is needed.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A domain of a project.
///
/// ```
/// let d: vercel_client::ProjectDomain = serde_json::from_str(
///     r#"{"name":"chat.example.com","apexName":"example.com","projectId":"prj_1","verified":true}"#,
/// ).unwrap();
/// assert!(!d.is_apex());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProjectDomain {
    /// The domain.
    pub name: String,
    /// Its apex (registrable) domain.
    #[serde(default)]
    pub apex_name: Option<String>,
    /// The project id.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Redirect target, if this domain redirects.
    #[serde(default)]
    pub redirect: Option<String>,
    /// Redirect status code.
    #[serde(default)]
    pub redirect_status_code: Option<u16>,
    /// Git branch the domain serves.
    #[serde(default)]
    pub git_branch: Option<String>,
    /// Whether ownership is verified.
    #[serde(default)]
    pub verified: bool,
    /// Pending challenges (when not verified).
    #[serde(default)]
    pub verification: Vec<VerificationChallenge>,
    /// Creation time (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
}

impl ProjectDomain {
    /// Whether the domain is its own apex (`example.com` rather than `chat.example.com`).
    pub fn is_apex(&self) -> bool {
        match &self.apex_name {
            Some(apex) => apex.eq_ignore_ascii_case(&self.name),
            None => self.name.matches('.').count() == 1,
        }
    }
}

/// Recommended A record values of one rank.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RankedIpv4 {
    /// 1 = preferred.
    pub rank: u32,
    /// IPv4 addresses.
    #[serde(default)]
    pub value: Vec<String>,
}

/// A recommended CNAME target of one rank.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RankedCname {
    /// 1 = preferred.
    pub rank: u32,
    /// The target host name.
    pub value: String,
}

/// The answer of `getDomainConfig`.
///
/// ```
/// let c: vercel_client::DomainConfig = serde_json::from_str(
///     r#"{"misconfigured":true,"configuredBy":null,"acceptedChallenges":["http-01"],
///         "recommendedIPv4":[{"rank":1,"value":["192.0.2.1"]}],"recommendedCNAME":[{"rank":1,"value":"x.example.net."}]}"#,
/// ).unwrap();
/// assert_eq!(c.rank_one_ipv4(), vec!["192.0.2.1".to_string()]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DomainConfig {
    /// Whether DNS does not (yet) point at Vercel.
    #[serde(default)]
    pub misconfigured: bool,
    /// How it is configured (`A`, `CNAME`, `http`, `dns-01`), if it is.
    #[serde(default)]
    pub configured_by: Option<String>,
    /// Certificate challenges Vercel can use.
    #[serde(default)]
    pub accepted_challenges: Vec<String>,
    /// Recommended A record values, ranked.
    #[serde(default, rename = "recommendedIPv4")]
    pub recommended_ipv4: Vec<RankedIpv4>,
    /// Recommended CNAME targets, ranked.
    #[serde(default, rename = "recommendedCNAME")]
    pub recommended_cname: Vec<RankedCname>,
}

impl DomainConfig {
    /// The best-ranked (rank 1, else the lowest rank) A record values.
    pub fn rank_one_ipv4(&self) -> Vec<String> {
        self.recommended_ipv4.iter().min_by_key(|r| r.rank).map(|r| r.value.clone()).unwrap_or_default()
    }

    /// The best-ranked CNAME target.
    pub fn rank_one_cname(&self) -> Option<String> {
        self.recommended_cname.iter().min_by_key(|r| r.rank).map(|r| r.value.clone())
    }
}

/// A DNS record type the user must create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsRecordType {
    /// An A record (apex domains).
    A,
    /// A CNAME record (subdomains).
    Cname,
    /// A TXT record (ownership verification).
    Txt,
}

impl fmt::Display for DnsRecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DnsRecordType::A => "A",
            DnsRecordType::Cname => "CNAME",
            DnsRecordType::Txt => "TXT",
        })
    }
}

/// A DNS record to create at the user's DNS provider.
///
/// ```
/// let r = vercel_client::DnsRecord { record_type: vercel_client::DnsRecordType::Cname, name: "chat.example.com".into(), value: "x.example.net.".into() };
/// assert_eq!(r.to_string(), "chat.example.com CNAME x.example.net.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// The type.
    pub record_type: DnsRecordType,
    /// The fully qualified record name.
    pub name: String,
    /// The value.
    pub value: String,
}

impl fmt::Display for DnsRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.name, self.record_type, self.value)
    }
}

/// A domain's full state: the project domain, its DNS config, and the records still to create.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DomainStatus {
    /// The project domain.
    pub domain: ProjectDomain,
    /// The DNS configuration check.
    pub config: DomainConfig,
    /// The records the user must create: the rank-1 A (apex) or CNAME (subdomain), plus any TXT challenge.
    pub records: Vec<DnsRecord>,
}

impl DomainStatus {
    /// Verified and not misconfigured.
    pub fn is_configured(&self) -> bool {
        self.domain.verified && !self.config.misconfigured
    }
}

/// The DNS records for `domain` given Vercel's config answer: rank-1 A records for an apex, the rank-1 CNAME for a
/// subdomain, and the TXT challenges while the domain is not verified.
///
/// ```
/// let domain: vercel_client::ProjectDomain = serde_json::from_str(r#"{"name":"example.com","apexName":"example.com","verified":true}"#).unwrap();
/// let config: vercel_client::DomainConfig = serde_json::from_str(r#"{"misconfigured":true,"recommendedIPv4":[{"rank":2,"value":["192.0.2.9"]},{"rank":1,"value":["192.0.2.1"]}]}"#).unwrap();
/// let records = vercel_client::domains::required_records(&domain, &config);
/// assert_eq!(records[0].to_string(), "example.com A 192.0.2.1");
/// ```
pub fn required_records(domain: &ProjectDomain, config: &DomainConfig) -> Vec<DnsRecord> {
    let mut records = Vec::new();
    if domain.is_apex() {
        for ip in config.rank_one_ipv4() {
            records.push(DnsRecord { record_type: DnsRecordType::A, name: domain.name.clone(), value: ip });
        }
    } else if let Some(target) = config.rank_one_cname() {
        records.push(DnsRecord { record_type: DnsRecordType::Cname, name: domain.name.clone(), value: target });
    }
    if !domain.verified {
        for c in &domain.verification {
            let record_type = match c.record_type.to_ascii_uppercase().as_str() {
                "A" => DnsRecordType::A,
                "CNAME" => DnsRecordType::Cname,
                _ => DnsRecordType::Txt,
            };
            records.push(DnsRecord { record_type, name: c.domain.clone(), value: c.value.clone() });
        }
    }
    records
}

/// Normalises and checks a domain name: lower case, without a trailing root dot, then the shared host-name rule
/// ([`cloud_http::validate_host_name`], RFC 1123 §2.1).
///
/// ```
/// assert_eq!(vercel_client::domains::normalize_domain("Chat.Example.com").unwrap(), "chat.example.com");
/// assert!(vercel_client::domains::normalize_domain("https://x.com").is_err());
/// ```
pub fn normalize_domain(domain: &str) -> Result<String> {
    const OP: &str = "addProjectDomain";
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    cloud_http::validate_host_name(&d).map_err(|e| {
        Error::invalid_input(OP, format!("`{}` is not a valid domain name", domain.escape_debug())).with_source(e)
    })?;
    Ok(d)
}

#[derive(Deserialize)]
pub(crate) struct DomainsPage {
    // Required: a 200 answer without the list is not an empty list (treating it as one would, for the
    // environment, make generated secrets look absent and have them replaced).
    domains: Vec<ProjectDomain>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

impl Page for DomainsPage {
    type Item = ProjectDomain;
    fn into_parts(self) -> (Vec<ProjectDomain>, Option<Pagination>) {
        (self.domains, self.pagination)
    }
    fn item_id(item: &ProjectDomain) -> String {
        item.name.clone()
    }
}

/// Domain operations of one project; from [`VercelClient::domains`].
#[derive(Debug)]
pub struct DomainsHandler<'c> {
    client: &'c VercelClient,
    project: String,
}

impl<'c> DomainsHandler<'c> {
    pub(crate) fn new(client: &'c VercelClient, project: String) -> Self {
        Self { client, project }
    }

    /// Starts an `addProjectDomain` (`POST /v10/projects/{id}/domains`). If the domain is already on this project,
    /// the existing domain is returned instead of an error.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let d = client.domains("lobechat").add("chat.example.com").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn add(&self, domain: impl Into<String>) -> AddDomain<'c> {
        AddDomain {
            client: self.client,
            project: self.project.clone(),
            domain: domain.into(),
            redirect: None,
            git_branch: None,
        }
    }

    /// `getProjectDomain` (`GET /v9/projects/{id}/domains/{domain}`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let d = client.domains("lobechat").get("chat.example.com").await?;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, domain: &str) -> Result<ProjectDomain> {
        const OP: &str = "getProjectDomain";
        check_id(OP, "project id or name", &self.project)?;
        let d = normalize_domain(domain).map_err(|e| relabel(e, OP))?;
        self.client.json(ApiRequest::new(OP, Method::GET, &["v9", "projects", &self.project, "domains", &d])).await
    }

    /// `getProjectDomains` (`GET /v9/projects/{id}/domains`), every page (`until=<pagination.next>`, vsdk
    /// `projectsGetProjectDomains.ts`), each domain once: the project's own domain list as Vercel holds it, its
    /// automatic `*.vercel.app` production domain included.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let all = client.domains("lobechat").list().await?;
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<ProjectDomain>> {
        const OP: &str = "getProjectDomains";
        check_id(OP, "project id or name", &self.project)?;
        let project = self.project.as_str();
        collect_pages::<DomainsPage>(self.client, OP, CursorParam::Until, usize::MAX, || {
            ApiRequest::new(OP, Method::GET, &["v9", "projects", project, "domains"])
                .query("limit", PAGE_LIMIT.to_string())
        })
        .await
    }

    /// `verifyProjectDomain` (`POST /v9/projects/{id}/domains/{domain}/verify`): an error while the TXT record is
    /// missing.
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let d = client.domains("lobechat").verify("chat.example.com").await?;
    /// assert!(d.verified);
    /// # Ok(()) }
    /// ```
    pub async fn verify(&self, domain: &str) -> Result<ProjectDomain> {
        const OP: &str = "verifyProjectDomain";
        check_id(OP, "project id or name", &self.project)?;
        let d = normalize_domain(domain).map_err(|e| relabel(e, OP))?;
        self.client
            .json(
                ApiRequest::new(OP, Method::POST, &["v9", "projects", &self.project, "domains", &d, "verify"])
                    .idempotent(true),
            )
            .await
    }

    /// `removeProjectDomain` (`DELETE /v9/projects/{id}/domains/{domain}`, no body: domains that redirect to this
    /// one stay).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// client.domains("lobechat").remove("chat.example.com").await?;
    /// # Ok(()) }
    /// ```
    pub async fn remove(&self, domain: &str) -> Result<()> {
        const OP: &str = "removeProjectDomain";
        check_id(OP, "project id or name", &self.project)?;
        let d = normalize_domain(domain).map_err(|e| relabel(e, OP))?;
        self.client
            .no_content(ApiRequest::new(OP, Method::DELETE, &["v9", "projects", &self.project, "domains", &d]))
            .await
    }

    /// `getDomainConfig` (`GET /v6/domains/{domain}/config?projectIdOrName=`).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let c = client.domains("lobechat").config("chat.example.com").await?;
    /// println!("misconfigured: {}", c.misconfigured);
    /// # Ok(()) }
    /// ```
    pub async fn config(&self, domain: &str) -> Result<DomainConfig> {
        const OP: &str = "getDomainConfig";
        check_id(OP, "project id or name", &self.project)?;
        let d = normalize_domain(domain).map_err(|e| relabel(e, OP))?;
        self.client
            .json(
                ApiRequest::new(OP, Method::GET, &["v6", "domains", &d, "config"])
                    .query("projectIdOrName", self.project.clone()),
            )
            .await
    }

    /// The domain, its config and the DNS records still needed (two requests).
    ///
    /// ```no_run
    /// # async fn demo(client: vercel_client::VercelClient) -> vercel_client::Result<()> {
    /// let status = client.domains("lobechat").status("chat.example.com").await?;
    /// for r in &status.records { println!("{r}"); }
    /// # Ok(()) }
    /// ```
    pub async fn status(&self, domain: &str) -> Result<DomainStatus> {
        let project_domain = self.get(domain).await?;
        let config = self.config(domain).await?;
        let records = required_records(&project_domain, &config);
        Ok(DomainStatus { domain: project_domain, config, records })
    }
}

fn relabel(e: Error, operation: &'static str) -> Error {
    Error::invalid_input(operation, e.detail().unwrap_or_default().to_string())
}

/// An `addProjectDomain` request; from [`DomainsHandler::add`].
#[derive(Debug)]
pub struct AddDomain<'c> {
    client: &'c VercelClient,
    project: String,
    domain: String,
    redirect: Option<(String, u16)>,
    git_branch: Option<String>,
}

impl<'c> AddDomain<'c> {
    /// Redirects this domain to `to` with a 301, 302, 307 or 308.
    pub fn redirect(mut self, to: impl Into<String>, status: u16) -> Self {
        self.redirect = Some((to.into(), status));
        self
    }

    /// Serves a git branch on this domain.
    pub fn git_branch(mut self, branch: impl Into<String>) -> Self {
        self.git_branch = Some(branch.into());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<ProjectDomain> {
        const OP: &str = "addProjectDomain";
        check_id(OP, "project id or name", &self.project)?;
        let name = normalize_domain(&self.domain)?;
        let mut body = json!({ "name": name });
        if let Some(obj) = body.as_object_mut() {
            if let Some((to, status)) = &self.redirect {
                if !matches!(status, 301 | 302 | 307 | 308) {
                    return Err(Error::invalid_input(
                        OP,
                        format!("redirect status {status} must be 301, 302, 307 or 308"),
                    ));
                }
                let to = normalize_domain(to)?;
                obj.insert("redirect".into(), Value::String(to));
                obj.insert("redirectStatusCode".into(), json!(status));
            }
            if let Some(b) = &self.git_branch {
                obj.insert("gitBranch".into(), Value::String(b.clone()));
            }
        }
        let req = ApiRequest::new(OP, Method::POST, &["v10", "projects", &self.project, "domains"])
            .body(body)
            .idempotent(true);
        match self.client.json::<ProjectDomain>(req).await {
            Ok(d) => Ok(d),
            Err(e) if matches!(e.kind(), ErrorKind::BadRequest | ErrorKind::Conflict) => {
                // Already on this project? Then adding is done; otherwise the original error stands.
                let handler = DomainsHandler::new(self.client, self.project.clone());
                match handler.get(&name).await {
                    Ok(existing) => {
                        tracing::debug!(domain = %name, "domain already on the project");
                        Ok(existing)
                    }
                    Err(_) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }
}
