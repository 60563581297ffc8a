//! RAM policies: CreatePolicy, GetPolicy, CreatePolicyVersion (with SetAsDefault and the clean-up of old
//! versions a policy needs, as it holds at most five), ListPolicyVersions, DeletePolicyVersion,
//! SetDefaultPolicyVersion and DeletePolicy.

use super::client::{Idempotency, RamClient, bool_param};
use super::names::{MAX_DESCRIPTION, validate_policy_name};
use super::policy_document::PolicyDocument;
use super::users::push_text;
use crate::Error;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

/// The most versions a policy holds.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// System (provided by Alibaba Cloud, e.g. `AliyunOSSFullAccess`) or Custom (created by the account).
///
/// ```
/// assert_eq!(oss_client::ram::PolicyType::System.as_str(), "System");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PolicyType {
    /// A system policy.
    System,
    /// A custom policy.
    Custom,
}

impl PolicyType {
    /// `System` or `Custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::System => "System",
            PolicyType::Custom => "Custom",
        }
    }
}

/// A policy's summary.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    /// The name.
    pub policy_name: String,
    /// System or Custom.
    pub policy_type: PolicyType,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The default (effective) version id, `v1`, `v2`, …
    #[serde(default)]
    pub default_version: Option<String>,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub create_date: Option<String>,
    /// Last update (ISO 8601).
    #[serde(default)]
    pub update_date: Option<String>,
    /// How many principals it is attached to.
    #[serde(default)]
    pub attachment_count: Option<u32>,
}

/// One version of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    /// `v1`, `v2`, …
    pub version_id: String,
    /// Whether it is the default version.
    #[serde(default)]
    pub is_default_version: bool,
    /// The document as JSON text.
    #[serde(default)]
    pub policy_document: Option<String>,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub create_date: Option<String>,
}

impl PolicyVersion {
    /// The parsed document.
    pub fn document(&self) -> Result<PolicyDocument, Error> {
        let text = self.policy_document.as_deref().ok_or_else(|| {
            Error::decode("PolicyDocument", format!("version {} has no PolicyDocument", self.version_id))
        })?;
        PolicyDocument::from_json(text)
    }
}

/// GetPolicy's answer: the policy and its default version (with the document).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyWithDefaultVersion {
    /// The policy.
    pub policy: Policy,
    /// The default version, with its document.
    #[serde(default)]
    pub default_policy_version: Option<PolicyVersion>,
}

impl PolicyWithDefaultVersion {
    /// The default version's parsed document.
    pub fn document(&self) -> Result<PolicyDocument, Error> {
        self.default_policy_version
            .as_ref()
            .ok_or_else(|| Error::decode("GetPolicy", "the response has no DefaultPolicyVersion"))?
            .document()
    }
}

/// What [`PoliciesHandler::ensure`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyOutcome {
    /// The policy did not exist and was created.
    Created(Policy),
    /// The policy existed with another document; this version is now the default.
    Updated(PolicyVersion),
    /// The policy existed with an equivalent document; nothing was written.
    Unchanged,
}

/// What CreatePolicyVersion does when the policy already has five versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RotateStrategy {
    /// Fail with `LimitExceeded.Policy.Version`.
    #[default]
    None,
    /// Delete the oldest non-default version first.
    DeleteOldestNonDefaultVersionWhenLimitExceeded,
}

impl RotateStrategy {
    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            RotateStrategy::None => "None",
            RotateStrategy::DeleteOldestNonDefaultVersionWhenLimitExceeded => {
                "DeleteOldestNonDefaultVersionWhenLimitExceeded"
            }
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct PolicyEnvelope {
    #[serde(rename = "Policy")]
    policy: Policy,
}

#[derive(Deserialize)]
struct PolicyVersionEnvelope {
    #[serde(rename = "PolicyVersion")]
    policy_version: PolicyVersion,
}

#[derive(Deserialize, Default)]
struct PolicyVersionList {
    #[serde(rename = "PolicyVersion", default)]
    policy_version: Vec<PolicyVersion>,
}

#[derive(Deserialize)]
pub(crate) struct ListPolicyVersionsResponse {
    #[serde(rename = "PolicyVersions", default)]
    policy_versions: PolicyVersionList,
}

/// The policy operations: `ram.policies()`.
///
/// ```no_run
/// # async fn demo(ram: oss_client::ram::RamClient) -> oss_client::Result<()> {
/// use oss_client::ram::{PolicyDocument, PolicyType};
/// let doc = PolicyDocument::oss_bucket_objects("lobehub-assets")?;
/// ram.policies().create("lobehub-oss-rw", &doc).description("LobeHub bucket").send().await?;
/// let current = ram.policies().get("lobehub-oss-rw").send().await?;
/// if !current.document()?.is_equivalent(&doc) {
///     ram.policies().replace_document("lobehub-oss-rw", &doc).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PoliciesHandler<'a> {
    client: &'a RamClient,
}

impl RamClient {
    /// The policy operations.
    pub fn policies(&self) -> PoliciesHandler<'_> {
        PoliciesHandler { client: self }
    }
}

impl<'a> PoliciesHandler<'a> {
    /// CreatePolicy (a custom policy). A taken name: `EntityAlreadyExists.Policy`.
    pub fn create(&self, policy_name: impl Into<String>, document: &PolicyDocument) -> CreatePolicy<'a> {
        CreatePolicy {
            client: self.client,
            policy_name: policy_name.into(),
            document: document.clone(),
            description: None,
        }
    }

    /// GetPolicy (custom by default).
    pub fn get(&self, policy_name: impl Into<String>) -> GetPolicy<'a> {
        GetPolicy { client: self.client, policy_name: policy_name.into(), policy_type: PolicyType::Custom }
    }

    /// CreatePolicyVersion.
    pub fn create_version(&self, policy_name: impl Into<String>, document: &PolicyDocument) -> CreatePolicyVersion<'a> {
        CreatePolicyVersion {
            client: self.client,
            policy_name: policy_name.into(),
            document: document.clone(),
            set_as_default: false,
            rotate_strategy: RotateStrategy::None,
        }
    }

    /// ListPolicyVersions (custom by default).
    pub fn list_versions(&self, policy_name: impl Into<String>) -> ListPolicyVersions<'a> {
        ListPolicyVersions { client: self.client, policy_name: policy_name.into(), policy_type: PolicyType::Custom }
    }

    /// DeletePolicyVersion. The default version cannot be deleted (`DeleteConflict.PolicyVersion.Default`).
    pub fn delete_version(
        &self,
        policy_name: impl Into<String>,
        version_id: impl Into<String>,
    ) -> DeletePolicyVersion<'a> {
        DeletePolicyVersion { client: self.client, policy_name: policy_name.into(), version_id: version_id.into() }
    }

    /// SetDefaultPolicyVersion.
    pub fn set_default_version(
        &self,
        policy_name: impl Into<String>,
        version_id: impl Into<String>,
    ) -> SetDefaultPolicyVersion<'a> {
        SetDefaultPolicyVersion { client: self.client, policy_name: policy_name.into(), version_id: version_id.into() }
    }

    /// DeletePolicy. Without cascading, RAM refuses while the policy is attached (`DeleteConflict.Policy.User`)
    /// or has non-default versions (`DeleteConflict.Policy.Version`).
    pub fn delete(&self, policy_name: impl Into<String>) -> DeletePolicy<'a> {
        DeletePolicy { client: self.client, policy_name: policy_name.into(), cascading: false }
    }

    /// Reads the custom policy and creates it if it does not exist, or brings it to `document`: when its
    /// default version is not [equivalent](PolicyDocument::is_equivalent), a new default version is created
    /// (see [`replace_document`](Self::replace_document)). Nothing is written when it already matches.
    ///
    /// ```no_run
    /// # async fn demo(ram: oss_client::ram::RamClient) -> oss_client::Result<()> {
    /// use oss_client::ram::{PolicyDocument, policies::PolicyOutcome};
    /// let doc = PolicyDocument::oss_bucket_objects("lobehub-assets")?;
    /// match ram.policies().ensure("lobehub-oss-rw", &doc, Some("LobeHub bucket")).await? {
    ///     PolicyOutcome::Created(_) | PolicyOutcome::Updated(_) | PolicyOutcome::Unchanged => {}
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn ensure(
        &self,
        policy_name: &str,
        document: &PolicyDocument,
        description: Option<&str>,
    ) -> Result<PolicyOutcome, Error> {
        let current = match self.get(policy_name).send().await {
            Ok(current) => current,
            Err(e) if e.kind() == &crate::ErrorKind::EntityNotExist => {
                let mut create = self.create(policy_name, document);
                if let Some(d) = description {
                    create = create.description(d);
                }
                match create.send().await {
                    Ok(policy) => return Ok(PolicyOutcome::Created(policy)),
                    Err(e) if e.kind() == &crate::ErrorKind::EntityAlreadyExists => {
                        self.get(policy_name).send().await?
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        if current.document()?.is_equivalent(document) {
            Ok(PolicyOutcome::Unchanged)
        } else {
            Ok(PolicyOutcome::Updated(self.replace_document(policy_name, document).await?))
        }
    }

    /// Makes `document` the policy's default version in one request: CreatePolicyVersion with
    /// `SetAsDefault=true` and `RotateStrategy=DeleteOldestNonDefaultVersionWhenLimitExceeded`, so that when the
    /// policy already holds its five versions RAM itself "deletes the earliest non-active version" (RAM API
    /// CreatePolicyVersion, `RotateStrategy`, as documented in the RAM SDK's `CreatePolicyVersionRequest`).
    /// Nothing is listed or deleted by the client. Returns the new version.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] for a bad name or a document over 6,144 bytes (nothing sent); RAM's
    /// error otherwise (`EntityNotExist.Policy`, …).
    pub async fn replace_document(&self, policy_name: &str, document: &PolicyDocument) -> Result<PolicyVersion, Error> {
        self.create_version(policy_name, document)
            .set_as_default(true)
            .rotate_strategy(RotateStrategy::DeleteOldestNonDefaultVersionWhenLimitExceeded)
            .send()
            .await
    }
}

/// The CreatePolicy request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct CreatePolicy<'a> {
    client: &'a RamClient,
    policy_name: String,
    document: PolicyDocument,
    description: Option<String>,
}

impl CreatePolicy<'_> {
    /// The description (up to 1024 characters).
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Policy, Error> {
        const OP: &str = "CreatePolicy";
        validate_policy_name(OP, &self.policy_name)?;
        let document = self.document.to_json()?;
        let mut params = vec![("PolicyName", self.policy_name), ("PolicyDocument", document)];
        push_text(OP, &mut params, "Description", self.description, MAX_DESCRIPTION)?;
        let out: PolicyEnvelope = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(out.policy)
    }
}

/// The GetPolicy request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct GetPolicy<'a> {
    client: &'a RamClient,
    policy_name: String,
    policy_type: PolicyType,
}

impl GetPolicy<'_> {
    /// System or Custom (default Custom).
    pub fn policy_type(mut self, t: PolicyType) -> Self {
        self.policy_type = t;
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<PolicyWithDefaultVersion, Error> {
        const OP: &str = "GetPolicy";
        validate_policy_name(OP, &self.policy_name)?;
        let params = [("PolicyName", self.policy_name), ("PolicyType", self.policy_type.as_str().to_string())];
        self.client.call(OP, &params, Idempotency::Safe).await
    }
}

/// The CreatePolicyVersion request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct CreatePolicyVersion<'a> {
    client: &'a RamClient,
    policy_name: String,
    document: PolicyDocument,
    set_as_default: bool,
    rotate_strategy: RotateStrategy,
}

impl CreatePolicyVersion<'_> {
    /// Makes the new version the default (effective) one.
    pub fn set_as_default(mut self, yes: bool) -> Self {
        self.set_as_default = yes;
        self
    }

    /// What RAM does when the policy already has five versions.
    pub fn rotate_strategy(mut self, strategy: RotateStrategy) -> Self {
        self.rotate_strategy = strategy;
        self
    }

    /// Sends the request. Not repeated after an answer that may have been lost (it would add a version).
    pub async fn send(self) -> Result<PolicyVersion, Error> {
        const OP: &str = "CreatePolicyVersion";
        validate_policy_name(OP, &self.policy_name)?;
        let document = self.document.to_json()?;
        let mut params = vec![
            ("PolicyName", self.policy_name),
            ("PolicyDocument", document),
            ("SetAsDefault", bool_param(self.set_as_default)),
        ];
        if self.rotate_strategy != RotateStrategy::None {
            params.push(("RotateStrategy", self.rotate_strategy.as_str().to_string()));
        }
        let out: PolicyVersionEnvelope = self.client.call(OP, &params, Idempotency::Unsafe).await?;
        Ok(out.policy_version)
    }
}

/// The ListPolicyVersions request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct ListPolicyVersions<'a> {
    client: &'a RamClient,
    policy_name: String,
    policy_type: PolicyType,
}

impl ListPolicyVersions<'_> {
    /// System or Custom (default Custom).
    pub fn policy_type(mut self, t: PolicyType) -> Self {
        self.policy_type = t;
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Vec<PolicyVersion>, Error> {
        const OP: &str = "ListPolicyVersions";
        validate_policy_name(OP, &self.policy_name)?;
        let params = [("PolicyName", self.policy_name), ("PolicyType", self.policy_type.as_str().to_string())];
        let out: ListPolicyVersionsResponse = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(out.policy_versions.policy_version)
    }
}

/// The DeletePolicyVersion request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct DeletePolicyVersion<'a> {
    client: &'a RamClient,
    policy_name: String,
    version_id: String,
}

impl DeletePolicyVersion<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        const OP: &str = "DeletePolicyVersion";
        validate_policy_name(OP, &self.policy_name)?;
        validate_version_id(OP, &self.version_id)?;
        let params = [("PolicyName", self.policy_name), ("VersionId", self.version_id)];
        let _: IgnoredAny = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(())
    }
}

/// The SetDefaultPolicyVersion request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct SetDefaultPolicyVersion<'a> {
    client: &'a RamClient,
    policy_name: String,
    version_id: String,
}

impl SetDefaultPolicyVersion<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        const OP: &str = "SetDefaultPolicyVersion";
        validate_policy_name(OP, &self.policy_name)?;
        validate_version_id(OP, &self.version_id)?;
        let params = [("PolicyName", self.policy_name), ("VersionId", self.version_id)];
        let _: IgnoredAny = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(())
    }
}

/// The DeletePolicy request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct DeletePolicy<'a> {
    client: &'a RamClient,
    policy_name: String,
    cascading: bool,
}

impl DeletePolicy<'_> {
    /// Also detach the policy everywhere and delete its versions (`CascadingDelete=true`).
    pub fn cascading(mut self, yes: bool) -> Self {
        self.cascading = yes;
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        const OP: &str = "DeletePolicy";
        validate_policy_name(OP, &self.policy_name)?;
        let mut params = vec![("PolicyName", self.policy_name)];
        if self.cascading {
            params.push(("CascadingDelete", bool_param(true)));
        }
        let _: IgnoredAny = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(())
    }
}

fn validate_version_id(operation: &'static str, version_id: &str) -> Result<(), Error> {
    let digits = version_id.strip_prefix('v').unwrap_or("");
    if digits.is_empty() || digits.len() > 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid_input(operation, format!("VersionId `{version_id}` must look like `v1`, `v2`, …")));
    }
    Ok(())
}
