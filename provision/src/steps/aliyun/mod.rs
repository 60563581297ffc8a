//! Aliyun: the bucket (created private; its access mode converged only when `aliyun.access` asks), its CORS
//! rule (once the app's origins are confirmed), the RAM sub-user with a policy that follows the access mode, and
//! its access key (created once; rotated only when no copy of the secret is held anywhere); before anything is
//! built, the mainland default-endpoint probe with that key; after the deployment, the retirement of replaced keys.
//!
//! Each stage is observe → pure plan → execute (see [`crate::steps`]):
//!
//! | stage                | module    | observes                                   | operations                      |
//! |----------------------|-----------|--------------------------------------------|---------------------------------|
//! | `oss.bucket`         | [`bucket`]| GetBucketInfo (+ GetBucketPublicAccessBlock) | [`OssOp::CreateBucket`], [`OssOp::PutPublicAccessBlock`], [`OssOp::PutBucketAcl`] |
//! | `ram.user`           | [`ram`]   | GetUser, GetPolicy, ListPoliciesForUser, ListAccessKeys | [`RamOp::CreateUser`], [`RamOp::CreatePolicy`], [`RamOp::CreatePolicyVersion`], [`RamOp::AttachPolicy`], [`RamOp::DetachPolicy`] |
//! | `ram.access_key`     | [`key`]   | the keys `ram.user` listed, Vercel's `S3_*`, the state file | [`RamOp::DeleteAccessKey`], [`RamOp::CreateAccessKey`] |
//! | `oss.cors`           | [`cors`]  | GetBucketCors                              | [`OssOp::PutBucketCors`]        |
//! | `oss.endpoint_probe` | [`probe`] | whether the run holds the key's secret (no request) | [`OssOp::ProbeDefaultEndpoint`] (a read, sent only when applying) |
//! | `ram.retire`         | [`key`]   | the keys waiting for retirement            | [`RamOp::DeleteAccessKey`]      |

pub mod bucket;
pub mod cors;
pub mod key;
pub mod probe;
pub mod ram;

pub use bucket::{BucketAcl, BucketDesired, BucketObserved, apply_bucket, bucket, observe_bucket, plan_bucket};
pub use cors::{CorsDesired, CorsObserved, apply_cors, cors, lobehub_cors_rule, merged_cors, observe_cors, plan_cors};
pub use key::{
    KeyDecision, KeyDesired, KeyObserved, RetireObserved, access_key, apply_access_key, apply_retire,
    observe_access_key, observe_retire, plan_access_key, plan_retire, retire_after_deploy, retire_keys,
};
pub use probe::{
    ProbeAnswer, ProbeDesired, ProbeObserved, apply_probe, is_public_endpoint_forbidden, observe_probe, plan_probe,
    probe_default_endpoint, public_endpoint_forbidden,
};
pub use ram::{
    AttachmentObserved, ObservedKey, PolicyObserved, RamUser, RamUserDesired, RamUserObserved, apply_ram_user,
    observe_ram_user, plan_ram_user, policy_name, ram_user,
};

use crate::error::Error;
use crate::plan::Op;
use crate::progress::Step;
use oss_client::ram::{PolicyDocument, PolicyType};
use std::sync::Mutex;

/// The OSS operations of a plan (what `apply` sends), one per changing row. Each names every parameter of its
/// request (OSS API reference, operation named per variant); none holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OssOp {
    /// PutBucket, no ACL header (OSS API "PutBucket"): the bucket is created private, and a late copy of the
    /// request cannot undo a public-read set after it (a PutBucket with `x-oss-acl` on an existing bucket
    /// *modifies* its ACL).
    CreateBucket {
        /// The bucket.
        bucket: String,
    },
    /// PutBucketPublicAccessBlock (OSS API "PutBucketPublicAccessBlock").
    PutPublicAccessBlock {
        /// The bucket.
        bucket: String,
        /// `BlockPublicAccess`: `true` blocks every public ACL and policy.
        enabled: bool,
    },
    /// PutBucketAcl (OSS API "PutBucketAcl", header `x-oss-acl`).
    PutBucketAcl {
        /// The bucket.
        bucket: String,
        /// The canned ACL.
        acl: BucketAcl,
    },
    /// PutBucketCors (OSS API "PutBucketCors"): replaces every rule of the bucket with `rules`.
    PutBucketCors {
        /// The bucket.
        bucket: String,
        /// The whole configuration, in order (OSS applies the first rule that matches).
        rules: Vec<oss_client::bucket::cors::CorsRule>,
    },
    /// GetObject of a key that does not exist, signed with the RAM user's access key (the one the run holds:
    /// from the state file or just created) on the bucket's default endpoint. Changes nothing; tells whether the
    /// account may use the default endpoint at all (field-truth §2.2, `PublicEndpointForbidden`).
    ProbeDefaultEndpoint {
        /// The bucket.
        bucket: String,
    },
}

/// The RAM operations of a plan (what `apply` sends), one per changing row. Each names every parameter of its
/// request (RAM API reference, operation named per variant); none holds a secret (a created key's secret is
/// journaled the moment RAM returns it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RamOp {
    /// CreateUser (RAM API "CreateUser").
    CreateUser {
        /// The user name.
        user: String,
        /// `DisplayName`.
        display_name: String,
        /// `Comments`.
        comments: String,
    },
    /// CreatePolicy (RAM API "CreatePolicy"), a custom policy.
    CreatePolicy {
        /// `PolicyName`.
        policy: String,
        /// `PolicyDocument`.
        document: PolicyDocument,
        /// `Description`.
        description: String,
    },
    /// CreatePolicyVersion with `SetAsDefault=true` and `RotateStrategy=DeleteOldestNonDefaultVersionWhenLimitExceeded`
    /// (RAM API "CreatePolicyVersion"): when the policy already has the five versions RAM allows, RAM deletes the
    /// earliest non-default one (`PoliciesHandler::replace_document`, one request).
    CreatePolicyVersion {
        /// `PolicyName`.
        policy: String,
        /// `PolicyDocument`.
        document: PolicyDocument,
    },
    /// AttachPolicyToUser (RAM API "AttachPolicyToUser").
    AttachPolicy {
        /// `UserName`.
        user: String,
        /// `PolicyType`.
        policy_type: PolicyType,
        /// `PolicyName`.
        policy: String,
    },
    /// DetachPolicyFromUser (RAM API "DetachPolicyFromUser"): a policy this tool attached under another
    /// `aliyun.policy` choice.
    DetachPolicy {
        /// `UserName`.
        user: String,
        /// `PolicyType`.
        policy_type: PolicyType,
        /// `PolicyName`.
        policy: String,
    },
    /// CreateAccessKey (RAM API "CreateAccessKey"). The secret RAM returns (once, ever) is journaled before
    /// anything else happens; it is never part of a plan.
    CreateAccessKey {
        /// `UserName`.
        user: String,
    },
    /// DeleteAccessKey (RAM API "DeleteAccessKey"); an already deleted key is not an error.
    DeleteAccessKey {
        /// `UserName`.
        user: String,
        /// `UserAccessKeyId`.
        id: String,
    },
}

/// The error for an operation a stage's plan holds but the stage does not execute (a hand-edited plan file).
fn foreign_op(stage: &str, op: &Op) -> Error {
    Error::blocked(
        stage,
        format!("the plan holds an operation this stage does not execute: {op:?}"),
        "make a new plan with `provision plan --out PLAN`",
    )
}

/// A progress line that observe and apply may both end (the first ending wins).
struct Progressing(Mutex<Option<Step>>);

impl Progressing {
    fn start(ctx: &super::Ctx<'_>, name: &str) -> Self {
        Self(Mutex::new(Some(ctx.progress.start(name))))
    }

    fn take(&self) -> Option<Step> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn fail(&self, why: &str) {
        if let Some(s) = self.take() {
            s.fail(why);
        }
    }

    fn done(&self, outcome: &str) {
        if let Some(s) = self.take() {
            s.done(outcome);
        }
    }
}
