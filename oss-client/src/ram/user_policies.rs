//! The policies attached to a RAM user: AttachPolicyToUser, DetachPolicyFromUser and ListPoliciesForUser.

use super::client::{Idempotency, RamClient};
use super::names::{validate_policy_name, validate_user_name};
use super::policies::PolicyType;
use crate::Error;
use serde::Deserialize;
use serde::de::IgnoredAny;

/// A policy attached to a user, as ListPoliciesForUser shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    /// The policy name.
    pub policy_name: String,
    /// System or Custom.
    pub policy_type: PolicyType,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The default version id.
    #[serde(default)]
    pub default_version: Option<String>,
    /// When it was attached (ISO 8601).
    #[serde(default)]
    pub attach_date: Option<String>,
}

#[derive(Deserialize, Default)]
struct PolicyList {
    #[serde(rename = "Policy", default)]
    policy: Vec<AttachedPolicy>,
}

#[derive(Deserialize)]
pub(crate) struct ListPoliciesForUserResponse {
    #[serde(rename = "Policies", default)]
    policies: PolicyList,
}

/// The policy attachments of one user: `ram.user_policies("user")`.
///
/// ```no_run
/// # async fn demo(ram: oss_client::ram::RamClient) -> oss_client::Result<()> {
/// use oss_client::{ErrorKind, ram::PolicyType};
/// let attachments = ram.user_policies("lobehub-oss");
/// match attachments.attach(PolicyType::System, "AliyunOSSReadOnlyAccess").send().await {
///     Ok(()) => {}
///     Err(e) if e.kind() == &ErrorKind::EntityAlreadyExists => {} // already attached
///     Err(e) => return Err(e),
/// }
/// let attached = attachments.list().send().await?;
/// # let _ = attached; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct UserPoliciesHandler<'a> {
    client: &'a RamClient,
    user_name: String,
}

impl RamClient {
    /// The policy attachments of `user_name`.
    pub fn user_policies(&self, user_name: impl Into<String>) -> UserPoliciesHandler<'_> {
        UserPoliciesHandler { client: self, user_name: user_name.into() }
    }
}

impl<'a> UserPoliciesHandler<'a> {
    /// AttachPolicyToUser. Already attached: `EntityAlreadyExists.User.Policy`.
    pub fn attach(&self, policy_type: PolicyType, policy_name: impl Into<String>) -> AttachPolicyToUser<'a> {
        AttachPolicyToUser {
            action: "AttachPolicyToUser",
            client: self.client,
            user_name: self.user_name.clone(),
            policy_type,
            policy_name: policy_name.into(),
        }
    }

    /// DetachPolicyFromUser. Not attached: `EntityNotExist.User.Policy`.
    pub fn detach(&self, policy_type: PolicyType, policy_name: impl Into<String>) -> AttachPolicyToUser<'a> {
        AttachPolicyToUser {
            action: "DetachPolicyFromUser",
            client: self.client,
            user_name: self.user_name.clone(),
            policy_type,
            policy_name: policy_name.into(),
        }
    }

    /// ListPoliciesForUser.
    pub fn list(&self) -> ListPoliciesForUser<'a> {
        ListPoliciesForUser { client: self.client, user_name: self.user_name.clone() }
    }

    /// Whether the policy is attached to the user (ListPoliciesForUser).
    pub async fn is_attached(&self, policy_type: PolicyType, policy_name: &str) -> Result<bool, Error> {
        let attached = self.list().send().await?;
        Ok(attached.iter().any(|p| p.policy_type == policy_type && p.policy_name == policy_name))
    }

    /// Lists the user's policies and attaches this one only if it is missing (a concurrent
    /// `EntityAlreadyExists.User.Policy` counts as success). Returns whether this call attached it.
    pub async fn ensure_attached(&self, policy_type: PolicyType, policy_name: &str) -> Result<bool, Error> {
        if self.is_attached(policy_type, policy_name).await? {
            return Ok(false);
        }
        match self.attach(policy_type, policy_name).send().await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == &crate::ErrorKind::EntityAlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Detaches the policy if it is attached (a concurrent `EntityNotExist.User.Policy` counts as success).
    /// Returns whether this call detached it.
    pub async fn ensure_detached(&self, policy_type: PolicyType, policy_name: &str) -> Result<bool, Error> {
        if !self.is_attached(policy_type, policy_name).await? {
            return Ok(false);
        }
        match self.detach(policy_type, policy_name).send().await {
            Ok(()) => Ok(true),
            Err(e) if e.code() == Some("EntityNotExist.User.Policy") => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The AttachPolicyToUser or DetachPolicyFromUser request (same parameters).
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct AttachPolicyToUser<'a> {
    action: &'static str,
    client: &'a RamClient,
    user_name: String,
    policy_type: PolicyType,
    policy_name: String,
}

impl AttachPolicyToUser<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        validate_user_name(self.action, &self.user_name)?;
        validate_policy_name(self.action, &self.policy_name)?;
        let params = [
            ("PolicyType", self.policy_type.as_str().to_string()),
            ("PolicyName", self.policy_name),
            ("UserName", self.user_name),
        ];
        let _: IgnoredAny = self.client.call(self.action, &params, Idempotency::Safe).await?;
        Ok(())
    }
}

/// The ListPoliciesForUser request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct ListPoliciesForUser<'a> {
    client: &'a RamClient,
    user_name: String,
}

impl ListPoliciesForUser<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<Vec<AttachedPolicy>, Error> {
        const OP: &str = "ListPoliciesForUser";
        validate_user_name(OP, &self.user_name)?;
        let out: ListPoliciesForUserResponse =
            self.client.call(OP, &[("UserName", self.user_name)], Idempotency::Safe).await?;
        Ok(out.policies.policy)
    }
}
