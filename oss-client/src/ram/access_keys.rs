//! Access keys of a RAM user: CreateAccessKey (the secret is returned once, in a [`SecretString`]),
//! ListAccessKeys, UpdateAccessKey and DeleteAccessKey. `UserName` is always sent: without it RAM would act on
//! the caller's own keys.
//!
//! CreateAccessKey is **not idempotent**: a repeat after a timeout or a dropped connection could create a second
//! key whose secret nobody ever sees (and a user holds at most two). The client therefore retries it only after
//! failures that prove the request was not processed (no connection, throttling, 503); any other failure is
//! returned, and the caller lists the user's keys to find out what happened.

use super::client::{Idempotency, RamClient};
use super::names::{validate_access_key_id, validate_user_name};
use crate::{Credentials, Error};
use secrecy::{ExposeSecret, SecretString};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a key may sign requests.
///
/// ```
/// assert_eq!(oss_client::ram::AccessKeyStatus::Inactive.as_str(), "Inactive");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessKeyStatus {
    /// Usable.
    Active,
    /// Disabled.
    Inactive,
}

impl AccessKeyStatus {
    /// `Active` or `Inactive`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKeyStatus::Active => "Active",
            AccessKeyStatus::Inactive => "Inactive",
        }
    }
}

/// An access key as ListAccessKeys shows it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKey {
    /// The AccessKeyId.
    pub access_key_id: String,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub create_date: Option<String>,
}

/// A newly created access key, with the secret RAM shows only this once.
///
/// ```
/// use oss_client::ram::{AccessKeyStatus, CreatedAccessKey};
/// let key = CreatedAccessKey::new("LTAI5tNew", "the-only-copy", AccessKeyStatus::Active);
/// assert!(!format!("{key:?}").contains("the-only-copy"));
/// assert_eq!(key.credentials().access_key_id(), "LTAI5tNew");
/// ```
#[derive(Clone)]
pub struct CreatedAccessKey {
    /// The AccessKeyId.
    pub access_key_id: String,
    /// The AccessKeySecret: store it now, RAM never shows it again.
    pub access_key_secret: SecretString,
    /// The status (`Active` after creation).
    pub status: AccessKeyStatus,
    /// Creation time (ISO 8601).
    pub create_date: Option<String>,
}

impl CreatedAccessKey {
    /// A key from its parts (for tests and for callers that persist keys).
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>, status: AccessKeyStatus) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: SecretString::from(secret.into()),
            status,
            create_date: None,
        }
    }

    /// The key as [`Credentials`] for an OSS or RAM client.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(self.access_key_id.clone(), self.access_key_secret.expose_secret())
    }
}

impl fmt::Debug for CreatedAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedAccessKey")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[REDACTED]")
            .field("status", &self.status)
            .field("create_date", &self.create_date)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCreatedKey {
    access_key_id: String,
    access_key_secret: String,
    #[serde(default = "active")]
    status: AccessKeyStatus,
    #[serde(default)]
    create_date: Option<String>,
}

fn active() -> AccessKeyStatus {
    AccessKeyStatus::Active
}

#[derive(Deserialize)]
pub(crate) struct CreateAccessKeyResponse {
    #[serde(rename = "AccessKey")]
    access_key: RawCreatedKey,
}

#[derive(Deserialize, Default)]
struct AccessKeyList {
    #[serde(rename = "AccessKey", default)]
    access_key: Vec<AccessKey>,
}

#[derive(Deserialize)]
pub(crate) struct ListAccessKeysResponse {
    #[serde(rename = "AccessKeys", default)]
    access_keys: AccessKeyList,
}

/// The access-key operations of one user: `ram.access_keys("user")`.
///
/// ```no_run
/// # async fn demo(ram: oss_client::ram::RamClient) -> oss_client::Result<()> {
/// use oss_client::ram::AccessKeyStatus;
/// let keys = ram.access_keys("lobehub-oss");
/// let created = keys.create().send().await?;          // the secret is in created.access_key_secret
/// keys.update(&created.access_key_id, AccessKeyStatus::Inactive).send().await?;
/// for key in keys.list().send().await? { println!("{} {:?}", key.access_key_id, key.status); }
/// keys.delete(&created.access_key_id).send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AccessKeysHandler<'a> {
    client: &'a RamClient,
    user_name: String,
}

impl RamClient {
    /// The access-key operations of `user_name`.
    pub fn access_keys(&self, user_name: impl Into<String>) -> AccessKeysHandler<'_> {
        AccessKeysHandler { client: self, user_name: user_name.into() }
    }
}

impl<'a> AccessKeysHandler<'a> {
    /// CreateAccessKey. Over the limit of two keys: `LimitExceeded.User.AccessKey`.
    pub fn create(&self) -> CreateAccessKey<'a> {
        CreateAccessKey { client: self.client, user_name: self.user_name.clone() }
    }

    /// ListAccessKeys.
    pub fn list(&self) -> ListAccessKeys<'a> {
        ListAccessKeys { client: self.client, user_name: self.user_name.clone() }
    }

    /// UpdateAccessKey: activate or deactivate a key.
    pub fn update(&self, access_key_id: impl Into<String>, status: AccessKeyStatus) -> UpdateAccessKey<'a> {
        UpdateAccessKey {
            client: self.client,
            user_name: self.user_name.clone(),
            access_key_id: access_key_id.into(),
            status,
        }
    }

    /// DeleteAccessKey. A missing key: `EntityNotExist.User.AccessKey`.
    pub fn delete(&self, access_key_id: impl Into<String>) -> DeleteAccessKey<'a> {
        DeleteAccessKey { client: self.client, user_name: self.user_name.clone(), access_key_id: access_key_id.into() }
    }
}

/// The CreateAccessKey request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct CreateAccessKey<'a> {
    client: &'a RamClient,
    user_name: String,
}

impl CreateAccessKey<'_> {
    /// Sends the request (never repeated after an answer that may have been lost; see the module docs).
    pub async fn send(self) -> Result<CreatedAccessKey, Error> {
        const OP: &str = "CreateAccessKey";
        validate_user_name(OP, &self.user_name)?;
        let out: CreateAccessKeyResponse =
            self.client.call(OP, &[("UserName", self.user_name)], Idempotency::Unsafe).await?;
        let raw = out.access_key;
        if raw.access_key_secret.is_empty() {
            return Err(Error::decode(OP, "the response has an empty AccessKeySecret"));
        }
        Ok(CreatedAccessKey {
            access_key_id: raw.access_key_id,
            access_key_secret: SecretString::from(raw.access_key_secret),
            status: raw.status,
            create_date: raw.create_date,
        })
    }
}

/// The ListAccessKeys request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct ListAccessKeys<'a> {
    client: &'a RamClient,
    user_name: String,
}

impl ListAccessKeys<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<Vec<AccessKey>, Error> {
        const OP: &str = "ListAccessKeys";
        validate_user_name(OP, &self.user_name)?;
        let out: ListAccessKeysResponse =
            self.client.call(OP, &[("UserName", self.user_name)], Idempotency::Safe).await?;
        Ok(out.access_keys.access_key)
    }
}

/// The UpdateAccessKey request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct UpdateAccessKey<'a> {
    client: &'a RamClient,
    user_name: String,
    access_key_id: String,
    status: AccessKeyStatus,
}

impl UpdateAccessKey<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        const OP: &str = "UpdateAccessKey";
        validate_user_name(OP, &self.user_name)?;
        validate_access_key_id(OP, &self.access_key_id)?;
        let params = [
            ("UserName", self.user_name),
            ("UserAccessKeyId", self.access_key_id),
            ("Status", self.status.as_str().to_string()),
        ];
        let _: IgnoredAny = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(())
    }
}

/// The DeleteAccessKey request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct DeleteAccessKey<'a> {
    client: &'a RamClient,
    user_name: String,
    access_key_id: String,
}

impl DeleteAccessKey<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        const OP: &str = "DeleteAccessKey";
        validate_user_name(OP, &self.user_name)?;
        validate_access_key_id(OP, &self.access_key_id)?;
        let params = [("UserName", self.user_name), ("UserAccessKeyId", self.access_key_id)];
        let _: IgnoredAny = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(())
    }
}
