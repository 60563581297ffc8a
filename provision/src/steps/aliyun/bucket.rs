//! Stage `oss.bucket`: the bucket exists (else it is created with no ACL header: private, and Block Public Access
//! on for new buckets since 2025-10-13, field-truth §2.2) → its access mode.
//!
//! * `aliyun.access = "private"` (default): a new bucket is left exactly as OSS creates it — no operation touches
//!   Block Public Access or the ACL.
//! * `"public-read"`: Block Public Access off, then ACL public-read.
//! * An existing bucket whose mode differs is switched only when `aliyun.access` is written in the file;
//!   otherwise the plan shows the difference and has no operation for it.

use super::{OssOp, Progressing, foreign_op};
use crate::config::{BucketAccess, Config};
use crate::error::{Error, Result, StepContext};
use crate::journal::{Created, Record};
use crate::plan::{Action, Op, Plan};
use crate::steps::Ctx;
use oss_client::ErrorKind;
use oss_client::bucket::acl::Acl;
use serde::{Deserialize, Serialize};

/// The bucket the configuration asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketDesired {
    /// `aliyun.bucket`.
    pub name: String,
    /// `aliyun.region`.
    pub region: String,
    /// `aliyun.access`.
    pub access: BucketAccess,
    /// Whether `aliyun.access` is written in the file (only then is an existing bucket switched).
    pub access_explicit: bool,
}

impl BucketDesired {
    /// The desired bucket of `config` (`[aliyun]` `bucket`, `region`, `access`).
    pub fn from_config(config: &Config) -> Self {
        Self {
            name: config.aliyun.bucket.clone(),
            region: config.aliyun.region.clone(),
            access: config.aliyun.access,
            access_explicit: config.aliyun.access_explicit,
        }
    }
}

/// A canned bucket ACL a plan sets (OSS API "PutBucketAcl", `x-oss-acl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BucketAcl {
    /// `private`.
    Private,
    /// `public-read`.
    PublicRead,
}

impl BucketAcl {
    /// The client's ACL.
    pub fn acl(self) -> Acl {
        match self {
            BucketAcl::Private => Acl::Private,
            BucketAcl::PublicRead => Acl::PublicRead,
        }
    }
}

/// What OSS says about the bucket (GetBucketInfo; GetBucketPublicAccessBlock when the info does not carry it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BucketObserved {
    /// Whether the bucket exists (and this account can read it).
    pub exists: bool,
    /// Its ACL (`None`: absent, or not reported).
    #[serde(serialize_with = "serialize_acl")]
    pub acl: Option<Acl>,
    /// Whether Block Public Access is on (`None`: the bucket is absent).
    pub block_public_access: Option<bool>,
}

fn serialize_acl<S: serde::Serializer>(acl: &Option<Acl>, s: S) -> std::result::Result<S::Ok, S::Error> {
    acl.map(Acl::as_str).serialize(s)
}

/// Reads the bucket: GetBucketInfo, and GetBucketPublicAccessBlock for an existing bucket whose info does not
/// say. 403 `AccessDenied` stops the run (bucket names are global: it is another account's).
///
/// # Errors
/// [`Error::Blocked`] for a bucket this account cannot read; [`Error::Aliyun`] for a failed read.
pub async fn observe_bucket(ctx: &Ctx<'_>, desired: &BucketDesired) -> Result<BucketObserved> {
    let name = &desired.name;
    let bucket = ctx.services.oss.bucket(name.clone());
    let info = match bucket.info().send().await {
        Ok(info) => info,
        Err(e) if *e.kind() == ErrorKind::NoSuchBucket => {
            return Ok(BucketObserved { exists: false, acl: None, block_public_access: None });
        }
        Err(e) if *e.kind() == ErrorKind::AccessDenied => {
            return Err(Error::blocked(
                "oss: bucket",
                format!("bucket `{name}` exists but this account cannot read it ({e})"),
                "bucket names are global: it is probably another Aliyun account's; choose another aliyun.bucket",
            ));
        }
        Err(e) => return Err(e).step("oss: read bucket"),
    };
    let block_public_access = match info.block_public_access {
        Some(b) => b,
        None => bucket.get_public_access_block().send().await.step("oss: read Block Public Access")?,
    };
    Ok(BucketObserved { exists: true, acl: info.acl, block_public_access: Some(block_public_access) })
}

/// The bucket's plan (pure): its rows and operations, and whether the bucket is created by it.
///
/// ```
/// use provision::config::BucketAccess;
/// use provision::steps::aliyun::{BucketDesired, BucketObserved, OssOp, plan_bucket};
/// let desired = BucketDesired { name: "files".into(), region: "ap-southeast-1".into(),
///     access: BucketAccess::Private, access_explicit: false };
/// let (plan, created) = plan_bucket(&desired, &BucketObserved { exists: false, acl: None, block_public_access: None });
/// assert!(created);
/// assert_eq!(plan.ops().count(), 1, "only the create: a new bucket is private");
/// ```
pub fn plan_bucket(desired: &BucketDesired, observed: &BucketObserved) -> (Plan, bool) {
    let mut plan = Plan::default();
    let name = &desired.name;
    let access = desired.access;
    if crate::desired::is_mainland_region(&desired.region) {
        plan.note(crate::desired::mainland_warning(&desired.region));
    }
    let created = !observed.exists;
    if created {
        plan.change(
            "oss",
            format!("bucket {name}"),
            Action::Create,
            format!("region {}, access {access}: exposes {}", desired.region, access.exposes()),
            Op::Oss(OssOp::CreateBucket { bucket: name.clone() }),
        );
        if access == BucketAccess::Private {
            plan.resource("oss", "access (bucket)", Action::Unchanged, "private as created; not touched");
            return (plan, true);
        }
    } else {
        plan.resource("oss", format!("bucket {name}"), Action::Unchanged, "exists");
    }

    let acl = observed.acl;
    let blocked = observed.block_public_access; // unknown for a bucket this plan creates
    let current = match (acl, blocked) {
        (Some(Acl::PublicRead | Acl::PublicReadWrite), Some(false)) => Some(BucketAccess::PublicRead),
        (Some(Acl::Private), _) => Some(BucketAccess::Private),
        _ => None,
    };
    if !created && current != Some(access) && !desired.access_explicit {
        let is = match acl {
            Some(a) => format!("ACL {}, Block Public Access {}", a.as_str(), on_off(blocked)),
            None => format!("Block Public Access {}", on_off(blocked)),
        };
        plan.resource(
            "oss",
            "access (bucket)",
            Action::Unchanged,
            format!("left as it is ({is}); the default `private` would expose {}", access.exposes()),
        );
        plan.note(format!(
            "bucket {name} is not {access} ({is}); apply does not switch an existing bucket unless asked: write aliyun.access = \"{access}\" to switch it, or aliyun.access = \"public-read\" to keep it public"
        ));
        return (plan, false);
    }
    let put_acl = |acl: BucketAcl| Op::Oss(OssOp::PutBucketAcl { bucket: name.clone(), acl });
    let put_block = |enabled: bool| Op::Oss(OssOp::PutPublicAccessBlock { bucket: name.clone(), enabled });
    match access {
        BucketAccess::PublicRead => {
            if blocked != Some(false) {
                plan.change(
                    "oss",
                    "block public access (bucket)",
                    Action::Update,
                    "off, so the bucket can be public-read",
                    put_block(false),
                );
            } else {
                plan.resource("oss", "block public access (bucket)", Action::Unchanged, "off");
            }
            if !matches!(acl, Some(Acl::PublicRead)) {
                plan.change(
                    "oss",
                    "acl",
                    Action::Update,
                    format!("public-read: exposes {}", access.exposes()),
                    put_acl(BucketAcl::PublicRead),
                );
            } else {
                plan.resource("oss", "acl", Action::Unchanged, "public-read");
            }
        }
        BucketAccess::Private => {
            // Only reached for an existing bucket with `aliyun.access = "private"` written in the file.
            if acl != Some(Acl::Private) {
                plan.change(
                    "oss",
                    "acl",
                    Action::Update,
                    format!("private: exposes {}", access.exposes()),
                    put_acl(BucketAcl::Private),
                );
            } else {
                plan.resource("oss", "acl", Action::Unchanged, "private");
            }
            if blocked == Some(false) {
                plan.change(
                    "oss",
                    "block public access (bucket)",
                    Action::Update,
                    "on (asked: aliyun.access)",
                    put_block(true),
                );
            }
        }
    }
    (plan, created)
}

fn on_off(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    }
}

/// Executes the bucket's plan, in order; journals a created bucket right after OSS's answer. Returns whether it
/// created the bucket.
///
/// # Errors
/// [`Error::Blocked`] when the name is another account's (409 `BucketAlreadyExists`) or account-level Block
/// Public Access refuses the public ACL (`PublicAclBlocked`); [`Error::Aliyun`] for other failures.
pub async fn apply_bucket(ctx: &Ctx<'_>, plan: &Plan) -> Result<bool> {
    apply(ctx, plan, None).await
}

async fn apply(ctx: &Ctx<'_>, plan: &Plan, step: Option<&Progressing>) -> Result<bool> {
    let fail = |why: &str| {
        if let Some(s) = step {
            s.fail(why);
        }
    };
    let mut created = false;
    for op in plan.ops() {
        match op {
            Op::Oss(OssOp::CreateBucket { bucket }) => {
                // No ACL header: a new bucket is private anyway, and a repeated PutBucket with `x-oss-acl`
                // *modifies* the ACL — a late copy of this request (a retry after a timeout) would undo a
                // public-read set after it.
                match ctx.services.oss.bucket(bucket.clone()).create().send().await {
                    Ok(()) => {}
                    Err(e) if *e.kind() == ErrorKind::BucketAlreadyExists => {
                        fail("name taken");
                        return Err(Error::blocked(
                            "oss: create bucket",
                            format!("bucket name `{bucket}` is held by another Aliyun account"),
                            "choose another aliyun.bucket (names are global across all accounts)",
                        ));
                    }
                    Err(e) => return Err(e).step("oss: create bucket"),
                }
                ctx.state.record([Record::Created(Created::OssBucket(bucket.clone()))])?;
                created = true;
            }
            Op::Oss(OssOp::PutPublicAccessBlock { bucket, enabled }) => {
                let what =
                    if *enabled { "oss: turn Block Public Access on" } else { "oss: turn Block Public Access off" };
                ctx.services.oss.bucket(bucket.clone()).put_public_access_block(*enabled).send().await.step(what)?;
            }
            Op::Oss(OssOp::PutBucketAcl { bucket, acl: BucketAcl::PublicRead }) => {
                match ctx.services.oss.bucket(bucket.clone()).put_acl(Acl::PublicRead).send().await {
                    Ok(()) => {}
                    Err(e) if *e.kind() == ErrorKind::PublicAclBlocked => {
                        fail("public ACL blocked");
                        return Err(Error::blocked(
                            "oss: public-read ACL",
                            "Block Public Access is on for the whole Aliyun account, which overrides the bucket's setting",
                            "turn off account-level Block Public Access (OSS console → Block Public Access), or use aliyun.access = \"private\"",
                        ));
                    }
                    Err(e) => return Err(e).step("oss: set public-read ACL"),
                }
            }
            Op::Oss(OssOp::PutBucketAcl { bucket, acl: BucketAcl::Private }) => {
                ctx.services
                    .oss
                    .bucket(bucket.clone())
                    .put_acl(Acl::Private)
                    .send()
                    .await
                    .step("oss: set private ACL")?;
            }
            other => return Err(foreign_op("oss.bucket", other)),
        }
    }
    Ok(created)
}

/// Stage `oss.bucket`: observe, plan, and (when applying) execute. Returns the plan and whether the bucket is
/// (or, in a plan, would be) created by this run.
///
/// # Errors
/// As [`observe_bucket`] and [`apply_bucket`].
pub async fn bucket(ctx: &Ctx<'_>) -> Result<(Plan, bool)> {
    let desired = ctx.desired.bucket.clone();
    let step = Progressing::start(ctx, &format!("oss: bucket {}", desired.name));
    let observed = match observe_bucket(ctx, &desired).await {
        Ok(o) => o,
        Err(e) => {
            step.fail(if matches!(e, Error::Blocked { .. }) { "access denied" } else { "error" });
            return Err(e);
        }
    };
    let planned = plan_bucket(&desired, &observed);
    let progress = &step;
    let (plan, created) = ctx
        .stage("oss.bucket", &observed, planned, |plan, _| async move { apply(ctx, &plan, Some(progress)).await })
        .await?;
    step.done(if plan.has_changes() { "changed" } else { "unchanged" });
    Ok((plan, created))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(access: BucketAccess, explicit: bool) -> BucketDesired {
        BucketDesired { name: "files".into(), region: "ap-southeast-1".into(), access, access_explicit: explicit }
    }

    fn ops(plan: &Plan) -> Vec<OssOp> {
        plan.ops().filter_map(|o| if let Op::Oss(o) = o { Some(o.clone()) } else { None }).collect()
    }

    const ABSENT: BucketObserved = BucketObserved { exists: false, acl: None, block_public_access: None };

    #[test]
    fn a_new_private_bucket_is_only_created() {
        let (plan, created) = plan_bucket(&desired(BucketAccess::Private, false), &ABSENT);
        assert!(created);
        assert_eq!(ops(&plan), [OssOp::CreateBucket { bucket: "files".into() }]);
        assert!(plan.render_text().contains("private as created; not touched"));
    }

    #[test]
    fn a_new_public_bucket_is_created_then_opened() {
        let (plan, created) = plan_bucket(&desired(BucketAccess::PublicRead, true), &ABSENT);
        assert!(created);
        assert_eq!(
            ops(&plan),
            [
                OssOp::CreateBucket { bucket: "files".into() },
                OssOp::PutPublicAccessBlock { bucket: "files".into(), enabled: false },
                OssOp::PutBucketAcl { bucket: "files".into(), acl: BucketAcl::PublicRead },
            ]
        );
    }

    #[test]
    fn an_existing_bucket_is_switched_only_when_asked() {
        let public = BucketObserved { exists: true, acl: Some(Acl::PublicRead), block_public_access: Some(false) };
        let (plan, created) = plan_bucket(&desired(BucketAccess::Private, false), &public);
        assert!(!created && ops(&plan).is_empty() && !plan.has_changes());
        assert!(plan.notes.iter().any(|n| n.contains("apply does not switch an existing bucket unless asked")));
        let (plan, _) = plan_bucket(&desired(BucketAccess::Private, true), &public);
        assert_eq!(
            ops(&plan),
            [
                OssOp::PutBucketAcl { bucket: "files".into(), acl: BucketAcl::Private },
                OssOp::PutPublicAccessBlock { bucket: "files".into(), enabled: true },
            ]
        );
    }

    #[test]
    fn a_converged_bucket_plans_nothing_and_a_mainland_region_is_noted() {
        let private = BucketObserved { exists: true, acl: Some(Acl::Private), block_public_access: Some(true) };
        let (plan, _) = plan_bucket(&desired(BucketAccess::Private, false), &private);
        assert!(ops(&plan).is_empty() && !plan.has_changes() && plan.notes.is_empty());
        let mainland = BucketDesired { region: "cn-hangzhou".into(), ..desired(BucketAccess::Private, false) };
        let (plan, _) = plan_bucket(&mainland, &private);
        assert_eq!(plan.notes.len(), 1);
    }

    #[test]
    fn operations_round_trip_through_json() {
        let (plan, _) = plan_bucket(&desired(BucketAccess::PublicRead, true), &ABSENT);
        let json = serde_json::to_string(&plan).unwrap();
        assert!(json.contains(r#""kind":"put_bucket_acl""#) && json.contains(r#""acl":"public-read""#), "{json}");
        assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
    }
}
