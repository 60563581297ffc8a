//! Stage `oss.cors`: the bucket's CORS rule for the app's confirmed origins ([`Ctx::origins`]); run once they
//! are known. Rules for other origins are kept.

use super::{OssOp, foreign_op};
use crate::config::Config;
use crate::error::{Result, StepContext};
use crate::plan::{Action, Op, Plan};
use crate::steps::Ctx;
use oss_client::ErrorKind;
use oss_client::bucket::cors::{CorsConfiguration, CorsMethod, CorsRule};
use serde::Serialize;

/// The CORS rule LobeHub's browser uploads need, for `origins` (each an exact `https://host` origin, never `*`):
/// `PUT` (the presigned upload, preflighted because of its `Content-Type`), `GET` and `HEAD` (reading files back
/// through presigned URLs), request header `content-type`; nothing exposed (LobeHub does not read `ETag`).
/// Source: LH `src/services/upload.ts` @ `681e4ef2ddb3073355ddba2e6c23368319479492` (one PUT with a
/// Content-Type; ETag unused), field-truth §1.5.
///
/// ```
/// let rule = provision::steps::aliyun::lobehub_cors_rule(&["https://chat.example.com".into()]);
/// assert_eq!(rule.allowed_origins, ["https://chat.example.com"]);
/// assert_eq!(rule.allowed_headers, ["content-type"]);
/// assert!(rule.expose_headers.is_empty());
/// ```
pub fn lobehub_cors_rule(origins: &[String]) -> CorsRule {
    let mut rule = CorsRule::new()
        .allowed_methods([CorsMethod::Put, CorsMethod::Get, CorsMethod::Head])
        .allowed_header("content-type")
        .max_age_seconds(3600);
    for origin in origins.iter().filter(|o| o.as_str() != "*") {
        rule = rule.allowed_origin(origin.clone());
    }
    rule
}

/// The rule earlier versions of this tool wrote (methods GET PUT HEAD POST DELETE, any header, `ETag`
/// exposed): it is replaced by the current one.
fn legacy_shape(r: &CorsRule) -> bool {
    let legacy = CorsRule::new()
        .allowed_methods([CorsMethod::Get, CorsMethod::Put, CorsMethod::Head, CorsMethod::Post, CorsMethod::Delete])
        .allowed_header("*")
        .expose_header("ETag");
    r.same_shape(&legacy)
}

/// The CORS configuration to put: ours first, then the existing rules that are not ours (rules for other
/// origins that someone added by hand are kept). `None` when the existing configuration already holds ours.
/// A rule "is ours" when it has our shape with another origin list, or the shape an older version wrote. The
/// merge itself is the client's ([`CorsConfiguration::merged`]).
///
/// ```
/// use provision::steps::aliyun::{lobehub_cors_rule, merged_cors};
/// let ours = lobehub_cors_rule(&["https://chat.example.com".into()]);
/// let old = lobehub_cors_rule(&["https://old.example.com".into()]);
/// assert_eq!(merged_cors(&[old], &ours), Some(vec![ours.clone()]));
/// assert_eq!(merged_cors(&[ours.clone()], &ours), None);
/// ```
pub fn merged_cors(existing: &[CorsRule], ours: &CorsRule) -> Option<Vec<CorsRule>> {
    CorsConfiguration::merged(existing, ours, |r| r.same_shape(ours) || legacy_shape(r))
}

/// The CORS rule the configuration asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsDesired {
    /// `aliyun.bucket`.
    pub bucket: String,
    /// Our rule ([`lobehub_cors_rule`] for the app's origins).
    pub rule: CorsRule,
}

impl CorsDesired {
    /// The desired rule of `config` for the app's `origins` (`https://host`, from [`Ctx::origins`]).
    pub fn from_config(config: &Config, origins: &[String]) -> Self {
        Self { bucket: config.aliyun.bucket.clone(), rule: lobehub_cors_rule(origins) }
    }
}

/// The bucket's CORS rules (GetBucketCors; none for a bucket without a configuration, or one this run creates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorsObserved {
    /// The rules, in order.
    pub rules: Vec<CorsRule>,
}

/// Reads the bucket's CORS rules; no request for a bucket the run creates (`bucket_created`): it has none.
///
/// # Errors
/// [`crate::Error::Aliyun`] for a failed read (`NoSuchCORSConfiguration` and `NoSuchBucket` read as "no rules").
pub async fn observe_cors(ctx: &Ctx<'_>, desired: &CorsDesired, bucket_created: bool) -> Result<CorsObserved> {
    if bucket_created {
        return Ok(CorsObserved { rules: Vec::new() });
    }
    let rules = match ctx.services.oss.bucket(desired.bucket.clone()).get_cors().send().await {
        Ok(cfg) => cfg.rules,
        Err(e) if matches!(e.kind(), ErrorKind::NoSuchCorsConfiguration | ErrorKind::NoSuchBucket) => Vec::new(),
        Err(e) => return Err(e).step("oss: read CORS"),
    };
    Ok(CorsObserved { rules })
}

/// The CORS plan (pure): one row; a [`OssOp::PutBucketCors`] with the whole merged configuration when ours is
/// missing.
///
/// ```
/// use provision::steps::aliyun::{CorsDesired, CorsObserved, lobehub_cors_rule, plan_cors};
/// let desired = CorsDesired { bucket: "files".into(), rule: lobehub_cors_rule(&["https://chat.example.com".into()]) };
/// let plan = plan_cors(&desired, &CorsObserved { rules: vec![] });
/// assert_eq!(plan.ops().count(), 1);
/// let plan = plan_cors(&desired, &CorsObserved { rules: vec![desired.rule.clone()] });
/// assert_eq!(plan.ops().count(), 0);
/// ```
pub fn plan_cors(desired: &CorsDesired, observed: &CorsObserved) -> Plan {
    let mut plan = Plan::default();
    let ours = &desired.rule;
    let origins = ours.allowed_origins.join(", ");
    match merged_cors(&observed.rules, ours) {
        None => plan.resource("oss", "cors", Action::Unchanged, format!("origins {origins}")),
        Some(rules) => {
            let action = if observed.rules.is_empty() { Action::Create } else { Action::Update };
            plan.change(
                "oss",
                "cors",
                action,
                format!("origins {origins}; PUT GET HEAD; header content-type"),
                Op::Oss(OssOp::PutBucketCors { bucket: desired.bucket.clone(), rules }),
            );
        }
    }
    plan
}

/// Executes the CORS plan.
///
/// # Errors
/// [`crate::Error::Aliyun`] when PutBucketCors fails.
pub async fn apply_cors(ctx: &Ctx<'_>, plan: &Plan) -> Result<()> {
    for op in plan.ops() {
        match op {
            Op::Oss(OssOp::PutBucketCors { bucket, rules }) => {
                ctx.services
                    .oss
                    .bucket(bucket.clone())
                    .put_cors(CorsConfiguration::new(rules.clone()))
                    .send()
                    .await
                    .step("oss: put CORS rule")?;
            }
            other => return Err(foreign_op("oss.cors", other)),
        }
    }
    Ok(())
}

/// Stage `oss.cors`: the bucket's CORS rule for the app's confirmed origins ([`Ctx::origins`]); run once they
/// are known. Rules for other origins are kept.
///
/// # Errors
/// As [`observe_cors`] and [`apply_cors`].
pub async fn cors(ctx: &Ctx<'_>, bucket_created: bool) -> Result<Plan> {
    let desired = crate::desired::Desired::for_hosts(ctx.config, &ctx.app_url(), &ctx.origins())?.cors;
    let observed = observe_cors(ctx, &desired, bucket_created).await?;
    let planned = (plan_cors(&desired, &observed), ());
    let (plan, ()) =
        ctx.stage("oss.cors", &observed, planned, |plan, _| async move { apply_cors(ctx, &plan).await }).await?;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_merge_keeps_foreign_rules_and_is_idempotent() {
        let ours = lobehub_cors_rule(&["https://chat.example.com".into(), "https://lobehub-alice.vercel.app".into()]);
        let foreign = CorsRule::new().allowed_origin("https://other.example.com").allowed_method(CorsMethod::Get);
        let old_ours = lobehub_cors_rule(&["https://lobehub-alice.vercel.app".into()]);
        let legacy = CorsRule::new()
            .allowed_methods([CorsMethod::Get, CorsMethod::Put, CorsMethod::Head, CorsMethod::Post, CorsMethod::Delete])
            .allowed_header("*")
            .expose_header("ETag")
            .allowed_origin("https://lobehub.vercel.app");
        let replaced = merged_cors(&[legacy, foreign.clone()], &ours).unwrap();
        assert_eq!(replaced, vec![ours.clone(), foreign.clone()], "the legacy wildcard rule is replaced");
        assert!(!lobehub_cors_rule(&["*".into()]).allowed_origins.iter().any(|o| o == "*"));
        let merged = merged_cors(&[old_ours, foreign.clone()], &ours).unwrap();
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0], ours);
        assert_eq!(merged[1], foreign);
        assert!(merged_cors(&merged, &ours).is_none());
    }

    #[test]
    fn the_plan_puts_the_whole_merged_configuration() {
        let desired =
            CorsDesired { bucket: "files".into(), rule: lobehub_cors_rule(&["https://a.example.com".into()]) };
        let foreign = CorsRule::new().allowed_origin("https://other.example.com").allowed_method(CorsMethod::Get);
        let plan = plan_cors(&desired, &CorsObserved { rules: vec![foreign.clone()] });
        assert_eq!(plan.resources[0].action, Action::Update);
        let ops: Vec<&Op> = plan.ops().collect();
        assert_eq!(
            ops,
            [&Op::Oss(OssOp::PutBucketCors { bucket: "files".into(), rules: vec![desired.rule.clone(), foreign] })]
        );
        let empty = plan_cors(&desired, &CorsObserved { rules: vec![] });
        assert_eq!(empty.resources[0].action, Action::Create);
        assert!(empty.render_text().contains("origins https://a.example.com; PUT GET HEAD; header content-type"));
    }
}
