//! Stage `oss.endpoint_probe`: before anything is built, one data call (GetObject of a key that does not exist)
//! with the RAM key on the bucket's default endpoint. Accounts that activated OSS after 2025-03-20 cannot use
//! the default public endpoint of a Chinese-mainland bucket (400 `PublicEndpointForbidden`, EC `0048-00000401`;
//! field-truth §2.2), and LobeHub's presigned URLs always use it.
//!
//! The probe needs the key's secret and sends a request, so it is an operation of the plan
//! ([`OssOp::ProbeDefaultEndpoint`]), not part of the observation: a plan sends nothing, and an apply sends the
//! one GetObject it always sent. The observation is whether the run holds (or, once `ram.access_key` is carried
//! out, will hold) the key's secret; the probe's answer is the stage's outcome ([`ProbeAnswer`]).

use super::key::KeyDecision;
use super::{OssOp, foreign_op};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::plan::{Action, Op, Plan};
use crate::steps::Ctx;
use oss_client::ErrorKind;
use secrecy::ExposeSecret;
use serde::Serialize;

/// Whether an OSS error is the mainland default-endpoint refusal (400 `PublicEndpointForbidden`, EC
/// `0048-00000401`; field-truth §2.2).
pub fn is_public_endpoint_forbidden(e: &oss_client::Error) -> bool {
    e.code() == Some("PublicEndpointForbidden")
}

/// The blocking error for a [`is_public_endpoint_forbidden`] answer: the exact cause and the fixes.
pub fn public_endpoint_forbidden(region: &str, bucket: &str) -> Error {
    Error::blocked(
        "oss: default-endpoint probe",
        format!(
            "OSS answered 400 PublicEndpointForbidden (EC 0048-00000401) to a data call with the RAM key on the default \
             endpoint of bucket {bucket} in {region}: this Aliyun account activated OSS after 2025-03-20, and such \
             accounts cannot upload or download through the default public domains of Chinese-mainland buckets. \
             LobeHub's presigned PUT and GET URLs are always built on <bucket>.s3.oss-{region}.aliyuncs.com, so every \
             upload and every preview would fail; nothing was built"
        ),
        "use a bucket in a region outside the mainland (aliyun.region = \"cn-hongkong\" or \"ap-southeast-1\"; a new \
         aliyun.bucket name), or bind a custom domain to the bucket (OSS console → Domain Names) — LobeHub's S3 client has \
         no custom-domain mode (it prepends the bucket to S3_ENDPOINT's host, and S3_PUBLIC_DOMAIN is read only with \
         S3_SET_ACL=1), so a custom domain helps only for public-read serving, not for uploads",
    )
}

/// The bucket the probe reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeDesired {
    /// `aliyun.bucket`.
    pub bucket: String,
    /// `aliyun.region`.
    pub region: String,
}

impl ProbeDesired {
    /// The probe of `config`.
    pub fn from_config(config: &Config) -> Self {
        Self { bucket: config.aliyun.bucket.clone(), region: config.aliyun.region.clone() }
    }
}

/// What decides whether the probe is sent (no request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeObserved {
    /// Whether the run holds the key's secret, or will once `ram.access_key` is carried out
    /// ([`KeyDecision::holds_secret`]).
    pub key_held: bool,
}

/// Reads nothing: whether the key decision gives this run the key's secret.
pub fn observe_probe(key: &KeyDecision) -> ProbeObserved {
    ProbeObserved { key_held: key.holds_secret }
}

/// The probe's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeAnswer {
    /// Not sent (a plan, or no key secret held).
    NotProbed,
    /// 404 `NoSuchKey` (or the object): the default endpoint accepts the key.
    Accepted,
    /// Another error (a new key may take a moment to be accepted everywhere): a note, not a stop.
    Inconclusive(String),
}

/// The probe's plan (pure): a [`OssOp::ProbeDefaultEndpoint`] when the run holds the key's secret.
///
/// ```
/// use provision::steps::aliyun::{ProbeAnswer, ProbeDesired, ProbeObserved, plan_probe};
/// let desired = ProbeDesired { bucket: "files".into(), region: "cn-hangzhou".into() };
/// let (plan, answer) = plan_probe(&desired, &ProbeObserved { key_held: true });
/// assert_eq!((plan.ops().count(), answer), (1, ProbeAnswer::NotProbed));
/// assert_eq!(plan_probe(&desired, &ProbeObserved { key_held: false }).0.ops().count(), 0);
/// ```
pub fn plan_probe(desired: &ProbeDesired, observed: &ProbeObserved) -> (Plan, ProbeAnswer) {
    let mut plan = Plan::default();
    if observed.key_held {
        plan.change(
            "oss",
            "default endpoint",
            Action::Unchanged,
            "probed with the RAM key before anything is built",
            Op::Oss(OssOp::ProbeDefaultEndpoint { bucket: desired.bucket.clone() }),
        );
    }
    (plan, ProbeAnswer::NotProbed)
}

/// Executes the probe with the key the run holds (`key`): `PublicEndpointForbidden` stops the run; 404
/// `NoSuchKey` is the expected answer; any other error is [`ProbeAnswer::Inconclusive`].
///
/// # Errors
/// [`Error::Blocked`] for `PublicEndpointForbidden`, or when the run does not hold the key the plan probes
/// with; [`crate::Error::Config`] when the client cannot be built.
pub async fn apply_probe(ctx: &Ctx<'_>, plan: &Plan, key: &KeyDecision) -> Result<ProbeAnswer> {
    let mut answer = ProbeAnswer::NotProbed;
    for op in plan.ops() {
        let Op::Oss(OssOp::ProbeDefaultEndpoint { bucket }) = op else {
            return Err(foreign_op("oss.endpoint_probe", op));
        };
        let (Some(id), Some(secret)) = (&key.id, &key.secret) else {
            return Err(Error::blocked(
                "oss: default-endpoint probe",
                "the plan probes with the RAM key, but this run holds no key secret",
                "make a new plan with `provision plan --out PLAN`",
            ));
        };
        let oss =
            ctx.services.oss_with(ctx.config, oss_client::Credentials::new(id.clone(), secret.expose_secret()))?;
        let object = format!(".provision-probe/{}", uuid::Uuid::new_v4().simple());
        answer = match oss.bucket(bucket.clone()).object(object).get().send().await {
            Ok(_) => ProbeAnswer::Accepted,
            Err(e) if *e.kind() == ErrorKind::NoSuchKey => ProbeAnswer::Accepted,
            Err(e) if is_public_endpoint_forbidden(&e) => {
                return Err(public_endpoint_forbidden(&ctx.config.aliyun.region, bucket));
            }
            Err(e) => ProbeAnswer::Inconclusive(e.to_string()),
        };
    }
    Ok(answer)
}

/// Stage `oss.endpoint_probe` (see the module doc). Returns the notes the answer calls for (the stage's row is
/// in the run's record, not in the rendered plan).
///
/// # Errors
/// As [`apply_probe`].
pub async fn probe_default_endpoint(ctx: &Ctx<'_>, key: &KeyDecision) -> Result<Plan> {
    let desired = ctx.desired.probe.clone();
    let observed = observe_probe(key);
    let planned = plan_probe(&desired, &observed);
    let (_, answer) = ctx
        .stage("oss.endpoint_probe", &observed, planned, |plan, _| async move { apply_probe(ctx, &plan, key).await })
        .await?;
    let mut notes = Plan::default();
    if let ProbeAnswer::Inconclusive(e) = answer {
        notes.note(format!("the RAM key's probe data call on the default endpoint failed: {e}"));
    }
    Ok(notes)
}
