//! Stage `ram.user`: the RAM sub-user, its policy (a custom least-privilege policy that follows the access mode,
//! or the system `AliyunOSSFullAccess`), the attachment, and the detachment of a policy this tool attached under
//! the other `aliyun.policy` choice. Its observation also lists the user's access keys, for `ram.access_key`.

use super::{Progressing, RamOp, foreign_op};
use crate::config::{BucketAccess, Config, OssPolicyChoice};
use crate::error::{Result, StepContext};
use crate::journal::{Created, Record};
use crate::plan::{Action, Op, Plan};
use crate::steps::Ctx;
use oss_client::ErrorKind;
use oss_client::ram::{AccessKey, AccessKeyStatus, PolicyDocument, PolicyType};
use serde::Serialize;

/// The policy name used for the least-privilege policy of `bucket`.
///
/// ```
/// assert_eq!(provision::steps::aliyun::policy_name("files"), "lobehub-oss-files");
/// ```
pub fn policy_name(bucket: &str) -> String {
    format!("lobehub-oss-{bucket}")
}

/// The RAM user, policy and attachment the configuration asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RamUserDesired {
    /// `aliyun.ram_user`.
    pub user: String,
    /// The user's `DisplayName` when created.
    pub display_name: String,
    /// The user's `Comments` when created.
    pub comments: String,
    /// `System` (`AliyunOSSFullAccess`) or `Custom` (least privilege).
    pub policy_type: PolicyType,
    /// The policy's name.
    pub policy: String,
    /// The custom policy's document (`None` for the system policy): objects of the bucket only, with the
    /// object-ACL actions only when LobeHub sets ACLs (`S3_SET_ACL=1`, public-read).
    pub document: Option<PolicyDocument>,
    /// The custom policy's `Description` when created.
    pub description: String,
}

impl RamUserDesired {
    /// The desired RAM user of `config` (`aliyun.ram_user`, `aliyun.policy`, `aliyun.access`, `aliyun.bucket`).
    ///
    /// # Errors
    /// [`crate::Error::Aliyun`] when the bucket name cannot make a policy document (the configuration checks it
    /// first).
    pub fn from_config(config: &Config) -> Result<Self> {
        let bucket = &config.aliyun.bucket;
        let (policy_type, policy, document) = match config.aliyun.policy {
            OssPolicyChoice::FullAccess => (PolicyType::System, "AliyunOSSFullAccess".to_string(), None),
            OssPolicyChoice::LeastPrivilege => {
                // The policy follows the access mode: object-ACL actions only when LobeHub sets ACLs.
                let document = match config.aliyun.access {
                    BucketAccess::Private => PolicyDocument::oss_bucket_objects_private(bucket),
                    BucketAccess::PublicRead => PolicyDocument::oss_bucket_objects(bucket),
                }
                .step("ram: policy document")?;
                (PolicyType::Custom, policy_name(bucket), Some(document))
            }
        };
        Ok(Self {
            user: config.aliyun.ram_user.clone(),
            display_name: "LobeHub OSS".into(),
            comments: "created by provision".into(),
            policy_type,
            policy,
            document,
            description: format!("LobeHub: objects of OSS bucket {bucket}"),
        })
    }
}

/// The custom policy as RAM has it (GetPolicy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PolicyObserved {
    /// `EntityNotExist.Policy`.
    Absent,
    /// It exists; its default version's document (`None` when it does not parse).
    Present {
        /// The document.
        document: Option<PolicyDocument>,
    },
}

/// A policy attached to the user (ListPoliciesForUser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentObserved {
    /// `System` or `Custom`.
    pub policy_type: PolicyType,
    /// The policy's name.
    pub policy: String,
    /// Whether this tool attached it (the state journal holds the attachment).
    pub ours: bool,
}

/// An access key of the user (ListAccessKeys; never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservedKey {
    /// The AccessKeyId.
    pub id: String,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// Creation time (ISO 8601).
    pub create_date: Option<String>,
}

impl From<&AccessKey> for ObservedKey {
    fn from(k: &AccessKey) -> Self {
        Self { id: k.access_key_id.clone(), status: k.status, create_date: k.create_date.clone() }
    }
}

/// What RAM says about the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RamUserObserved {
    /// Whether the user exists.
    pub exists: bool,
    /// The custom policy (`None` when the desired policy is a system one: not read).
    pub policy: Option<PolicyObserved>,
    /// The policies attached to the user (empty for a new user).
    pub attached: Vec<AttachmentObserved>,
    /// The user's access keys (empty for a new user).
    #[serde(serialize_with = "serialize_keys")]
    pub keys: Vec<AccessKey>,
}

fn serialize_keys<S: serde::Serializer>(keys: &[AccessKey], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(keys.iter().map(ObservedKey::from))
}

/// Reads the user, in order: GetUser, GetPolicy (custom policy only), then for an existing user
/// ListPoliciesForUser and ListAccessKeys.
///
/// # Errors
/// [`crate::Error::Aliyun`] for a failed read.
pub async fn observe_ram_user(ctx: &Ctx<'_>, desired: &RamUserDesired) -> Result<RamUserObserved> {
    let ram = &ctx.services.ram;
    let user = &desired.user;
    let exists = match ram.users().get(user.clone()).send().await {
        Ok(_) => true,
        Err(e) if *e.kind() == ErrorKind::EntityNotExist => false,
        Err(e) => return Err(e).step("ram: read user"),
    };
    let policy = if desired.policy_type == PolicyType::Custom {
        Some(match ram.policies().get(desired.policy.clone()).policy_type(PolicyType::Custom).send().await {
            Ok(current) => PolicyObserved::Present { document: current.document().ok() },
            Err(e) if *e.kind() == ErrorKind::EntityNotExist => PolicyObserved::Absent,
            Err(e) => return Err(e).step("ram: read policy"),
        })
    } else {
        None
    };
    if !exists {
        return Ok(RamUserObserved { exists, policy, attached: Vec::new(), keys: Vec::new() });
    }
    let state = ctx.state.snapshot();
    let attached = ram
        .user_policies(user.clone())
        .list()
        .send()
        .await
        .step("ram: list user policies")?
        .into_iter()
        .map(|p| AttachmentObserved {
            ours: state.has(&Created::RamAttachment {
                policy_type: p.policy_type.as_str().into(),
                policy: p.policy_name.clone(),
            }),
            policy_type: p.policy_type,
            policy: p.policy_name,
        })
        .collect();
    let keys = ram.access_keys(user.clone()).list().send().await.step("ram: list access keys")?;
    Ok(RamUserObserved { exists, policy, attached, keys })
}

/// What the RAM user chain learned.
#[derive(Debug, Clone, Default)]
pub struct RamUser {
    /// The user's access keys (empty when the user is new).
    pub keys: Vec<AccessKey>,
}

/// The RAM user's plan (pure): user, policy (created, or a new default version), attachment, and the
/// detachment of a policy this tool attached under the other choice.
///
/// ```
/// use oss_client::ram::PolicyType;
/// use provision::steps::aliyun::{RamUserDesired, RamUserObserved, plan_ram_user};
/// let desired = RamUserDesired { user: "lobehub-oss".into(), display_name: "LobeHub OSS".into(),
///     comments: "created by provision".into(), policy_type: PolicyType::System,
///     policy: "AliyunOSSFullAccess".into(), document: None, description: String::new() };
/// let new = RamUserObserved { exists: false, policy: None, attached: vec![], keys: vec![] };
/// let (plan, _) = plan_ram_user(&desired, &new);
/// assert_eq!(plan.ops().count(), 2, "create the user, attach the policy");
/// ```
pub fn plan_ram_user(desired: &RamUserDesired, observed: &RamUserObserved) -> (Plan, RamUser) {
    let mut plan = Plan::default();
    let user = &desired.user;
    let name = &desired.policy;
    if observed.exists {
        plan.resource("ram", format!("user {user}"), Action::Unchanged, "exists");
    } else {
        plan.change(
            "ram",
            format!("user {user}"),
            Action::Create,
            "sub-user for LobeHub's OSS access",
            Op::Ram(RamOp::CreateUser {
                user: user.clone(),
                display_name: desired.display_name.clone(),
                comments: desired.comments.clone(),
            }),
        );
    }
    if let (Some(document), Some(current)) = (&desired.document, &observed.policy) {
        match current {
            PolicyObserved::Present { document: Some(d) } if d.is_equivalent(document) => {
                plan.resource("ram", format!("policy {name}"), Action::Unchanged, "objects of the bucket only");
            }
            PolicyObserved::Present { .. } => plan.change(
                "ram",
                format!("policy {name}"),
                Action::Update,
                "new default version: objects of the bucket only",
                Op::Ram(RamOp::CreatePolicyVersion { policy: name.clone(), document: document.clone() }),
            ),
            PolicyObserved::Absent => plan.change(
                "ram",
                format!("policy {name}"),
                Action::Create,
                "least privilege: objects of the bucket only",
                Op::Ram(RamOp::CreatePolicy {
                    policy: name.clone(),
                    document: document.clone(),
                    description: desired.description.clone(),
                }),
            ),
        }
    }
    let is_desired = |a: &AttachmentObserved| a.policy_type == desired.policy_type && a.policy == *name;
    if observed.attached.iter().any(is_desired) {
        plan.resource("ram", format!("attach {name}"), Action::Unchanged, format!("to {user}"));
    } else {
        plan.change(
            "ram",
            format!("attach {name}"),
            Action::Create,
            format!("to {user}"),
            Op::Ram(RamOp::AttachPolicy { user: user.clone(), policy_type: desired.policy_type, policy: name.clone() }),
        );
    }
    // A policy this tool attached earlier under the other choice goes.
    for a in observed.attached.iter().filter(|a| a.ours && !is_desired(a)) {
        plan.change(
            "ram",
            format!("attach {}", a.policy),
            Action::Delete,
            "no longer the configured policy",
            Op::Ram(RamOp::DetachPolicy { user: user.clone(), policy_type: a.policy_type, policy: a.policy.clone() }),
        );
    }
    (plan, RamUser { keys: observed.keys.clone() })
}

/// Executes the RAM user's plan, in order; journals each created user, policy and attachment right after RAM's
/// answer (an `EntityAlreadyExists` answer is the lost answer of an earlier attempt: the resource is there), and
/// each detachment.
///
/// # Errors
/// [`crate::Error::Aliyun`] when a write fails.
pub async fn apply_ram_user(ctx: &Ctx<'_>, plan: &Plan) -> Result<()> {
    let ram = &ctx.services.ram;
    for op in plan.ops() {
        match op {
            Op::Ram(RamOp::CreateUser { user, display_name, comments }) => {
                match ram
                    .users()
                    .create(user.clone())
                    .display_name(display_name.clone())
                    .comments(comments.clone())
                    .send()
                    .await
                {
                    Ok(_) => {}
                    // A lost response of an earlier attempt: the user is there.
                    Err(e) if *e.kind() == ErrorKind::EntityAlreadyExists => {}
                    Err(e) => return Err(e).step("ram: create user"),
                }
                ctx.state.record([Record::Created(Created::RamUser(user.clone()))])?;
            }
            Op::Ram(RamOp::CreatePolicy { policy, document, description }) => {
                match ram.policies().create(policy.clone(), document).description(description.clone()).send().await {
                    Ok(_) => {}
                    Err(e) if *e.kind() == ErrorKind::EntityAlreadyExists => {}
                    Err(e) => return Err(e).step("ram: create policy"),
                }
                ctx.state.record([Record::Created(Created::RamPolicy(policy.clone()))])?;
            }
            Op::Ram(RamOp::CreatePolicyVersion { policy, document }) => {
                ram.policies().replace_document(policy, document).await.step("ram: update policy")?;
            }
            Op::Ram(RamOp::AttachPolicy { user, policy_type, policy }) => {
                match ram.user_policies(user.clone()).attach(*policy_type, policy.clone()).send().await {
                    Ok(()) => {}
                    Err(e) if *e.kind() == ErrorKind::EntityAlreadyExists => {}
                    Err(e) => return Err(e).step("ram: attach policy"),
                }
                ctx.state.record([Record::Created(Created::RamAttachment {
                    policy_type: policy_type.as_str().into(),
                    policy: policy.clone(),
                })])?;
            }
            Op::Ram(RamOp::DetachPolicy { user, policy_type, policy }) => {
                ram.user_policies(user.clone())
                    .detach(*policy_type, policy.clone())
                    .send()
                    .await
                    .step("ram: detach policy")?;
                ctx.state.record([Record::Removed(Created::RamAttachment {
                    policy_type: policy_type.as_str().into(),
                    policy: policy.clone(),
                })])?;
            }
            other => return Err(foreign_op("ram.user", other)),
        }
    }
    Ok(())
}

/// Stage `ram.user`: the sub-user, its policy, the attachment; returns the user's keys.
///
/// # Errors
/// As [`RamUserDesired::from_config`], [`observe_ram_user`] and [`apply_ram_user`].
pub async fn ram_user(ctx: &Ctx<'_>) -> Result<(Plan, RamUser)> {
    let step = Progressing::start(ctx, &format!("ram: user {}", ctx.config.aliyun.ram_user));
    let desired = ctx.desired.ram_user.clone();
    let observed = observe_ram_user(ctx, &desired).await?;
    let planned = plan_ram_user(&desired, &observed);
    let keys = planned.1.clone();
    let (plan, out) = ctx
        .stage("ram.user", &observed, planned, |plan, _| async move {
            apply_ram_user(ctx, &plan).await?;
            Ok(keys)
        })
        .await?;
    step.done(if plan.has_changes() { "changed" } else { "unchanged" });
    Ok((plan, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(custom: bool) -> RamUserDesired {
        RamUserDesired {
            user: "lobehub-oss".into(),
            display_name: "LobeHub OSS".into(),
            comments: "created by provision".into(),
            policy_type: if custom { PolicyType::Custom } else { PolicyType::System },
            policy: if custom { policy_name("files") } else { "AliyunOSSFullAccess".into() },
            document: custom.then(|| PolicyDocument::oss_bucket_objects_private("files").unwrap()),
            description: "LobeHub: objects of OSS bucket files".into(),
        }
    }

    fn ops(plan: &Plan) -> Vec<RamOp> {
        plan.ops().filter_map(|o| if let Op::Ram(o) = o { Some(o.clone()) } else { None }).collect()
    }

    #[test]
    fn a_new_user_gets_its_policy_and_the_attachment() {
        let d = desired(true);
        let observed =
            RamUserObserved { exists: false, policy: Some(PolicyObserved::Absent), attached: vec![], keys: vec![] };
        let (plan, out) = plan_ram_user(&d, &observed);
        assert!(out.keys.is_empty());
        assert_eq!(
            ops(&plan),
            [
                RamOp::CreateUser {
                    user: "lobehub-oss".into(),
                    display_name: "LobeHub OSS".into(),
                    comments: "created by provision".into()
                },
                RamOp::CreatePolicy {
                    policy: "lobehub-oss-files".into(),
                    document: d.document.clone().unwrap(),
                    description: d.description.clone()
                },
                RamOp::AttachPolicy {
                    user: "lobehub-oss".into(),
                    policy_type: PolicyType::Custom,
                    policy: "lobehub-oss-files".into()
                },
            ]
        );
    }

    #[test]
    fn a_changed_document_gets_a_new_version_and_an_old_attachment_of_ours_goes() {
        let d = desired(true);
        let public = PolicyDocument::oss_bucket_objects("files").unwrap();
        let observed = RamUserObserved {
            exists: true,
            policy: Some(PolicyObserved::Present { document: Some(public) }),
            attached: vec![
                AttachmentObserved { policy_type: PolicyType::Custom, policy: "lobehub-oss-files".into(), ours: true },
                AttachmentObserved {
                    policy_type: PolicyType::System,
                    policy: "AliyunOSSFullAccess".into(),
                    ours: true,
                },
                AttachmentObserved {
                    policy_type: PolicyType::System,
                    policy: "AliyunECSFullAccess".into(),
                    ours: false,
                },
            ],
            keys: vec![],
        };
        let (plan, _) = plan_ram_user(&d, &observed);
        assert_eq!(
            ops(&plan),
            [
                RamOp::CreatePolicyVersion {
                    policy: "lobehub-oss-files".into(),
                    document: d.document.clone().unwrap()
                },
                RamOp::DetachPolicy {
                    user: "lobehub-oss".into(),
                    policy_type: PolicyType::System,
                    policy: "AliyunOSSFullAccess".into()
                },
            ],
            "a policy someone else attached stays"
        );
    }

    #[test]
    fn a_converged_user_plans_nothing() {
        let d = desired(true);
        let observed = RamUserObserved {
            exists: true,
            policy: Some(PolicyObserved::Present { document: d.document.clone() }),
            attached: vec![AttachmentObserved {
                policy_type: PolicyType::Custom,
                policy: "lobehub-oss-files".into(),
                ours: false,
            }],
            keys: vec![],
        };
        let (plan, _) = plan_ram_user(&d, &observed);
        assert!(ops(&plan).is_empty() && !plan.has_changes());
        // An unreadable document is replaced.
        let unreadable = RamUserObserved { policy: Some(PolicyObserved::Present { document: None }), ..observed };
        assert_eq!(ops(&plan_ram_user(&d, &unreadable).0).len(), 1);
    }
}
