//! Aliyun RAM (Resource Access Management): users, access keys and policies over the RPC API
//! (`https://ram.aliyuncs.com`, `Version=2015-05-01`), signed with ACS3-HMAC-SHA256 (V3, the default) or the
//! classic HMAC-SHA1 RPC signature (V2).
//!
//! Resource handlers hang off [`RamClient`], octocrab-style: `ram.users()`, `ram.access_keys(user)`,
//! `ram.policies()`, `ram.user_policies(user)`; each request is a builder ending in `.send().await`. Every
//! attempt is built and signed anew (fresh `SignatureNonce` and timestamp) under the shared
//! [`cloud_http::RetryPolicy`]; `Throttling.*` is retried even with HTTP 400, and CreateAccessKey is never
//! repeated after a failure that may have created a key.
//!
//! ```no_run
//! use oss_client::{Credentials, ErrorKind, ram::{PolicyDocument, PolicyType, RamClient}};
//! # async fn demo() -> oss_client::Result<()> {
//! let ram = RamClient::new(Credentials::from_env().expect("credentials"))?;
//! match ram.users().create("lobehub-oss").send().await {
//!     Ok(_) => {}
//!     Err(e) if e.kind() == &ErrorKind::EntityAlreadyExists => {}
//!     Err(e) => return Err(e),
//! }
//! let doc = PolicyDocument::oss_bucket_objects("lobehub-assets")?;
//! ram.policies().create("lobehub-oss-rw", &doc).send().await?;
//! ram.user_policies("lobehub-oss").attach(PolicyType::Custom, "lobehub-oss-rw").send().await?;
//! let key = ram.access_keys("lobehub-oss").create().send().await?;
//! # let _ = key; Ok(()) }
//! ```

pub mod access_keys;
pub mod client;
pub mod encoding;
pub mod names;
pub mod policies;
pub mod policy_document;
pub mod service_error;
pub mod signing;
pub mod user_policies;
pub mod users;

pub use access_keys::{AccessKey, AccessKeyStatus, AccessKeysHandler, CreatedAccessKey};
pub use client::{DEFAULT_ENDPOINT, RamClient, RamClientBuilder};
pub use policies::{
    MAX_POLICY_VERSIONS, PoliciesHandler, Policy, PolicyOutcome, PolicyType, PolicyVersion, PolicyWithDefaultVersion,
    RotateStrategy,
};
pub use policy_document::{Effect, MAX_POLICY_DOCUMENT_CHARS, PolicyDocument, Statement, StringList};
pub use signing::{NonceSource, RandomNonce, RpcMethod, SignatureVersion};
pub use user_policies::{AttachedPolicy, UserPoliciesHandler};
pub use users::{User, UsersHandler, UsersPage};
