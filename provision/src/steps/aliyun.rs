//! Aliyun: the bucket (created private; its access mode converged only when `aliyun.access` asks), its CORS
//! rule (once the app's origins are confirmed), the RAM sub-user with a policy that follows the access mode, and
//! its access key (created once; rotated only when no copy of the secret is held anywhere).

use super::Ctx;
use crate::config::{BucketAccess, OssPolicyChoice};
use crate::error::{Error, Result, StepContext};
use crate::plan::{Action, Plan};
use crate::state::{AccessKeyState, StoredSecret};
use oss_client::ErrorKind;
use oss_client::bucket::acl::Acl;
use oss_client::bucket::cors::{CorsConfiguration, CorsMethod, CorsRule};
use oss_client::ram::{AccessKey, AccessKeyStatus, PolicyDocument, PolicyType};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeSet;

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

type Shape = (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>, BTreeSet<String>);

fn normalized(rule: &CorsRule) -> Shape {
    (
        rule.allowed_origins.iter().cloned().collect(),
        rule.allowed_methods.iter().map(|m| m.as_str().to_string()).collect(),
        rule.allowed_headers.iter().map(|h| h.to_ascii_lowercase()).collect(),
        rule.expose_headers.iter().map(|h| h.to_ascii_lowercase()).collect(),
    )
}

/// The shape (methods, headers, exposed headers) of the rule earlier versions of this tool wrote: it is
/// replaced by the current one.
fn legacy_shape(r: &CorsRule) -> bool {
    let n = normalized(r);
    let methods: BTreeSet<String> = ["GET", "PUT", "HEAD", "POST", "DELETE"].iter().map(|m| m.to_string()).collect();
    n.1 == methods && n.2 == BTreeSet::from(["*".to_string()]) && n.3 == BTreeSet::from(["etag".to_string()])
}

/// The CORS configuration to put: ours first, then the existing rules that are not ours (rules for other
/// origins that someone added by hand are kept). `None` when the existing configuration already holds ours.
pub fn merged_cors(existing: &[CorsRule], ours: &CorsRule) -> Option<Vec<CorsRule>> {
    let want = normalized(ours);
    if existing.iter().any(|r| normalized(r) == want) {
        return None;
    }
    // A rule "is ours" when it has our shape with another origin list, or the shape an older version wrote.
    let ours_shape = |r: &CorsRule| {
        let n = normalized(r);
        (n.1 == want.1 && n.3 == want.3 && n.2 == want.2) || legacy_shape(r)
    };
    let mut rules = vec![ours.clone()];
    rules.extend(existing.iter().filter(|r| !ours_shape(r)).cloned());
    rules.truncate(10);
    Some(rules)
}

/// The bucket chain: exists (else created with no ACL header: private, and Block Public Access on for new buckets
/// since 2025-10-13, field-truth §2.2) → the access mode.
///
/// * `aliyun.access = "private"` (default): a new bucket is left exactly as OSS creates it — no step touches
///   Block Public Access or the ACL.
/// * `"public-read"`: Block Public Access off, then ACL public-read.
/// * An existing bucket whose mode differs is switched only when `aliyun.access` is written in the file;
///   otherwise the plan shows the difference and apply leaves the bucket as it is.
pub async fn bucket(ctx: &Ctx<'_>) -> Result<(Plan, bool)> {
    let mut plan = Plan::default();
    let name = ctx.config.aliyun.bucket.clone();
    let access = ctx.config.aliyun.access;
    let bucket = ctx.services.oss.bucket(name.clone());
    let step = ctx.progress.start(&format!("oss: bucket {name}"));
    if crate::desired::is_mainland_region(&ctx.config.aliyun.region) {
        plan.note(crate::desired::mainland_warning(&ctx.config.aliyun.region));
    }
    let info = match bucket.info().send().await {
        Ok(info) => Some(info),
        Err(e) if *e.kind() == ErrorKind::NoSuchBucket => None,
        Err(e) if *e.kind() == ErrorKind::AccessDenied => {
            step.fail("access denied");
            return Err(Error::blocked(
                "oss: bucket",
                format!("bucket `{name}` exists but this account cannot read it ({e})"),
                "bucket names are global: it is probably another Aliyun account's; choose another aliyun.bucket",
            ));
        }
        Err(e) => {
            step.fail("error");
            return Err(e).step("oss: read bucket");
        }
    };
    let created = info.is_none();
    if created {
        plan.resource(
            "oss",
            format!("bucket {name}"),
            Action::Create,
            format!("region {}, access {access}: exposes {}", ctx.config.aliyun.region, access.exposes()),
        );
        if ctx.applying() {
            // No ACL header: a new bucket is private anyway, and a repeated PutBucket with `x-oss-acl` *modifies*
            // the ACL — a late copy of this request (a retry after a timeout) would undo a public-read below.
            match bucket.create().send().await {
                Ok(()) => {}
                Err(e) if *e.kind() == ErrorKind::BucketAlreadyExists => {
                    step.fail("name taken");
                    return Err(Error::blocked(
                        "oss: create bucket",
                        format!("bucket name `{name}` is held by another Aliyun account"),
                        "choose another aliyun.bucket (names are global across all accounts)",
                    ));
                }
                Err(e) => return Err(e).step("oss: create bucket"),
            }
            ctx.state.update(|s| s.mark_created("oss-bucket", &name))?;
        }
        if access == BucketAccess::Private {
            plan.resource("oss", "access (bucket)", Action::Unchanged, "private as created; not touched");
            step.done("changed");
            return Ok((plan, true));
        }
    } else {
        plan.resource("oss", format!("bucket {name}"), Action::Unchanged, "exists");
    }

    let acl = info.as_ref().and_then(|i| i.acl);
    let blocked = match info.as_ref().and_then(|i| i.block_public_access) {
        Some(b) => Some(b),
        None if created => None, // unknown for a bucket this run creates
        None => Some(bucket.get_public_access_block().send().await.step("oss: read Block Public Access")?),
    };
    let current = match (acl, blocked) {
        (Some(Acl::PublicRead | Acl::PublicReadWrite), Some(false)) => Some(BucketAccess::PublicRead),
        (Some(Acl::Private), _) => Some(BucketAccess::Private),
        _ => None,
    };
    if !created && current != Some(access) && !ctx.config.aliyun.access_explicit {
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
        step.done("unchanged");
        return Ok((plan, false));
    }
    match access {
        BucketAccess::PublicRead => {
            if blocked != Some(false) {
                plan.resource(
                    "oss",
                    "block public access (bucket)",
                    Action::Update,
                    "off, so the bucket can be public-read",
                );
                if ctx.applying() {
                    bucket.put_public_access_block(false).send().await.step("oss: turn Block Public Access off")?;
                }
            } else {
                plan.resource("oss", "block public access (bucket)", Action::Unchanged, "off");
            }
            if !matches!(acl, Some(Acl::PublicRead)) {
                plan.resource("oss", "acl", Action::Update, format!("public-read: exposes {}", access.exposes()));
                if ctx.applying() {
                    match bucket.put_acl(Acl::PublicRead).send().await {
                        Ok(()) => {}
                        Err(e) if *e.kind() == ErrorKind::PublicAclBlocked => {
                            step.fail("public ACL blocked");
                            return Err(Error::blocked(
                                "oss: public-read ACL",
                                "Block Public Access is on for the whole Aliyun account, which overrides the bucket's setting",
                                "turn off account-level Block Public Access (OSS console → Block Public Access), or use aliyun.access = \"private\"",
                            ));
                        }
                        Err(e) => return Err(e).step("oss: set public-read ACL"),
                    }
                }
            } else {
                plan.resource("oss", "acl", Action::Unchanged, "public-read");
            }
        }
        BucketAccess::Private => {
            // Only reached for an existing bucket with `aliyun.access = "private"` written in the file.
            if acl != Some(Acl::Private) {
                plan.resource("oss", "acl", Action::Update, format!("private: exposes {}", access.exposes()));
                if ctx.applying() {
                    bucket.put_acl(Acl::Private).send().await.step("oss: set private ACL")?;
                }
            } else {
                plan.resource("oss", "acl", Action::Unchanged, "private");
            }
            if blocked == Some(false) {
                plan.resource("oss", "block public access (bucket)", Action::Update, "on (asked: aliyun.access)");
                if ctx.applying() {
                    bucket.put_public_access_block(true).send().await.step("oss: turn Block Public Access on")?;
                }
            }
        }
    }
    step.done(if plan.has_changes() { "changed" } else { "unchanged" });
    Ok((plan, created))
}

fn on_off(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    }
}

/// The bucket's CORS rule for the app's confirmed origins ([`Ctx::origins`]); run once they are known. Rules for
/// other origins are kept.
pub async fn cors(ctx: &Ctx<'_>, bucket_created: bool) -> Result<Plan> {
    let mut plan = Plan::default();
    let bucket = ctx.services.oss.bucket(ctx.config.aliyun.bucket.clone());
    let ours = lobehub_cors_rule(&ctx.origins());
    let existing = if bucket_created {
        Vec::new()
    } else {
        match bucket.get_cors().send().await {
            Ok(cfg) => cfg.rules,
            Err(e) if matches!(e.kind(), ErrorKind::NoSuchCorsConfiguration | ErrorKind::NoSuchBucket) => Vec::new(),
            Err(e) => return Err(e).step("oss: read CORS"),
        }
    };
    match merged_cors(&existing, &ours) {
        None => plan.resource("oss", "cors", Action::Unchanged, format!("origins {}", ours.allowed_origins.join(", "))),
        Some(rules) => {
            let action = if existing.is_empty() { Action::Create } else { Action::Update };
            plan.resource(
                "oss",
                "cors",
                action,
                format!("origins {}; PUT GET HEAD; header content-type", ours.allowed_origins.join(", ")),
            );
            if ctx.applying() {
                bucket.put_cors(CorsConfiguration::new(rules)).send().await.step("oss: put CORS rule")?;
            }
        }
    }
    Ok(plan)
}

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

/// Before anything is built: one data call (GetObject of a key that does not exist) with the RAM key on the
/// bucket's default endpoint. `PublicEndpointForbidden` stops the run; 404 `NoSuchKey` is the expected answer;
/// any other error becomes a plan note (a new key may take a moment to be accepted everywhere).
pub async fn probe_default_endpoint(ctx: &Ctx<'_>, key_id: &str, secret: &SecretString) -> Result<Plan> {
    let mut plan = Plan::default();
    let oss =
        ctx.services.oss_with(ctx.config, oss_client::Credentials::new(key_id.to_string(), secret.expose_secret()))?;
    let key = format!(".provision-probe/{}", uuid::Uuid::new_v4().simple());
    match oss.bucket(ctx.config.aliyun.bucket.clone()).object(key).get().send().await {
        Ok(_) => {}
        Err(e) if *e.kind() == ErrorKind::NoSuchKey => {}
        Err(e) if is_public_endpoint_forbidden(&e) => {
            return Err(public_endpoint_forbidden(&ctx.config.aliyun.region, &ctx.config.aliyun.bucket));
        }
        Err(e) => plan.note(format!("the RAM key's probe data call on the default endpoint failed: {e}")),
    }
    Ok(plan)
}

/// The policy name used for the least-privilege policy of `bucket`.
pub fn policy_name(bucket: &str) -> String {
    format!("lobehub-oss-{bucket}")
}

/// What the RAM user chain learned.
#[derive(Debug, Clone, Default)]
pub struct RamUser {
    /// The user's access keys (empty when the user is new).
    pub keys: Vec<AccessKey>,
}

/// The RAM chain: the sub-user, its policy, the attachment; returns the user's keys.
pub async fn ram_user(ctx: &Ctx<'_>) -> Result<(Plan, RamUser)> {
    let mut plan = Plan::default();
    let ram = &ctx.services.ram;
    let user = ctx.config.aliyun.ram_user.clone();
    let step = ctx.progress.start(&format!("ram: user {user}"));
    let exists = match ram.users().get(user.clone()).send().await {
        Ok(_) => true,
        Err(e) if *e.kind() == ErrorKind::EntityNotExist => false,
        Err(e) => return Err(e).step("ram: read user"),
    };
    if exists {
        plan.resource("ram", format!("user {user}"), Action::Unchanged, "exists");
    } else {
        plan.resource("ram", format!("user {user}"), Action::Create, "sub-user for LobeHub's OSS access");
        if ctx.applying() {
            match ram
                .users()
                .create(user.clone())
                .display_name("LobeHub OSS")
                .comments("created by provision")
                .send()
                .await
            {
                Ok(_) => {}
                // A lost response of an earlier attempt: the user is there.
                Err(e) if *e.kind() == ErrorKind::EntityAlreadyExists => {}
                Err(e) => return Err(e).step("ram: create user"),
            }
            ctx.state.update(|s| s.mark_created("ram-user", &user))?;
        }
    }

    // The policy the user should have.
    let (policy_type, name) = match ctx.config.aliyun.policy {
        OssPolicyChoice::FullAccess => (PolicyType::System, "AliyunOSSFullAccess".to_string()),
        OssPolicyChoice::LeastPrivilege => (PolicyType::Custom, policy_name(&ctx.config.aliyun.bucket)),
    };
    if policy_type == PolicyType::Custom {
        // The policy follows the access mode: object-ACL actions only when LobeHub sets ACLs (S3_SET_ACL=1).
        let document = match ctx.config.aliyun.access {
            BucketAccess::Private => PolicyDocument::oss_bucket_objects_private(&ctx.config.aliyun.bucket),
            BucketAccess::PublicRead => PolicyDocument::oss_bucket_objects(&ctx.config.aliyun.bucket),
        }
        .step("ram: policy document")?;
        match ram.policies().get(name.clone()).policy_type(PolicyType::Custom).send().await {
            Ok(current) => {
                let same = current.document().map(|d| d.is_equivalent(&document)).unwrap_or(false);
                if same {
                    plan.resource("ram", format!("policy {name}"), Action::Unchanged, "objects of the bucket only");
                } else {
                    plan.resource(
                        "ram",
                        format!("policy {name}"),
                        Action::Update,
                        "new default version: objects of the bucket only",
                    );
                    if ctx.applying() {
                        ram.policies().replace_document(&name, &document).await.step("ram: update policy")?;
                    }
                }
            }
            Err(e) if *e.kind() == ErrorKind::EntityNotExist => {
                plan.resource(
                    "ram",
                    format!("policy {name}"),
                    Action::Create,
                    "least privilege: objects of the bucket only",
                );
                if ctx.applying() {
                    match ram
                        .policies()
                        .create(name.clone(), &document)
                        .description(format!("LobeHub: objects of OSS bucket {}", ctx.config.aliyun.bucket))
                        .send()
                        .await
                    {
                        Ok(_) => {}
                        Err(e) if *e.kind() == ErrorKind::EntityAlreadyExists => {}
                        Err(e) => return Err(e).step("ram: create policy"),
                    }
                    ctx.state.update(|s| s.mark_created("ram-policy", &name))?;
                }
            }
            Err(e) => return Err(e).step("ram: read policy"),
        }
    }

    let attached = if exists {
        ram.user_policies(user.clone()).list().send().await.step("ram: list user policies")?
    } else {
        Vec::new()
    };
    let has = attached.iter().any(|p| p.policy_type == policy_type && p.policy_name == name);
    if has {
        plan.resource("ram", format!("attach {name}"), Action::Unchanged, format!("to {user}"));
    } else {
        plan.resource("ram", format!("attach {name}"), Action::Create, format!("to {user}"));
        if ctx.applying() {
            match ram.user_policies(user.clone()).attach(policy_type, name.clone()).send().await {
                Ok(()) => {}
                Err(e) if *e.kind() == ErrorKind::EntityAlreadyExists => {}
                Err(e) => return Err(e).step("ram: attach policy"),
            }
            ctx.state.update(|s| s.mark_created("ram-attachment", &format!("{}:{name}", policy_type.as_str())))?;
        }
    }
    // A policy this tool attached earlier under the other choice goes.
    let state = ctx.state.snapshot();
    for p in &attached {
        let tag = format!("{}:{}", p.policy_type.as_str(), p.policy_name);
        if !(p.policy_type == policy_type && p.policy_name == name) && state.was_created("ram-attachment", &tag) {
            plan.resource(
                "ram",
                format!("attach {}", p.policy_name),
                Action::Delete,
                "no longer the configured policy",
            );
            if ctx.applying() {
                ram.user_policies(user.clone())
                    .detach(p.policy_type, p.policy_name.clone())
                    .send()
                    .await
                    .step("ram: detach policy")?;
                ctx.state.update(|s| s.forget("ram-attachment", &tag))?;
            }
        }
    }

    let keys = if exists {
        ram.access_keys(user.clone()).list().send().await.step("ram: list access keys")?
    } else {
        Vec::new()
    };
    step.done(if plan.has_changes() { "changed" } else { "unchanged" });
    Ok((plan, RamUser { keys }))
}

/// The access key LobeHub should use, and what must happen to get there.
#[derive(Clone, Default)]
pub struct KeyDecision {
    /// The AccessKeyId for `S3_ACCESS_KEY_ID` (None in a plan when a key is still to be created).
    pub id: Option<String>,
    /// The secret, when this run holds it (from the state file or just created).
    pub secret: Option<SecretString>,
    /// Whether Vercel's `S3_SECRET_ACCESS_KEY` must be rewritten (the key changed).
    pub overwrite_secret: bool,
    /// Keys to delete once a deployment with the new key is READY.
    pub retire_after_deploy: Vec<String>,
    /// When a create's outcome was unknown: the keys to keep; any other key of the user found after the
    /// deployment is an orphan of a lost answer and is deleted.
    pub orphan_scan: Option<Vec<String>>,
}

impl std::fmt::Debug for KeyDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyDecision")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .field("overwrite_secret", &self.overwrite_secret)
            .field("retire_after_deploy", &self.retire_after_deploy)
            .field("orphan_scan", &self.orphan_scan)
            .finish()
    }
}

/// Decides the access key from the user's keys, what Vercel holds (`S3_ACCESS_KEY_ID`'s value, and whether
/// `S3_SECRET_ACCESS_KEY` exists) and the state file; creates a key when no usable secret exists anywhere.
/// Never more than two keys; Vercel is never left pointing at a deleted key (old keys are retired only after
/// the new deployment is READY).
pub async fn access_key(
    ctx: &Ctx<'_>,
    keys: &[AccessKey],
    vercel_key_id: Option<&str>,
    vercel_has_secret: bool,
) -> Result<(Plan, KeyDecision)> {
    let mut plan = Plan::default();
    let user = ctx.config.aliyun.ram_user.clone();
    let active = |id: &str| keys.iter().any(|k| k.access_key_id == id && k.status == AccessKeyStatus::Active);
    let state = ctx.state.snapshot();

    // 1. The state file holds a key that is still active: use it.
    if let Some(held) = state.access_key.as_ref().filter(|k| active(&k.id)) {
        let in_vercel = vercel_key_id == Some(held.id.as_str()) && vercel_has_secret;
        plan.resource("ram", format!("access key {}", held.id), Action::Unchanged, "secret held in the state file");
        let retire = keys
            .iter()
            .filter(|k| k.access_key_id != held.id && Some(k.access_key_id.as_str()) == vercel_key_id)
            .map(|k| k.access_key_id.clone())
            .collect();
        return Ok((
            plan,
            KeyDecision {
                id: Some(held.id.clone()),
                secret: Some(held.secret.0.clone()),
                overwrite_secret: !in_vercel,
                retire_after_deploy: retire,
                orphan_scan: None,
            },
        ));
    }
    // 2. Vercel already uses an active key of the user and holds its secret: nothing to do.
    if let Some(id) = vercel_key_id.filter(|id| active(id) && vercel_has_secret) {
        plan.resource(
            "ram",
            format!("access key {id}"),
            Action::Unchanged,
            "in use by Vercel (its secret stays there)",
        );
        return Ok((plan, KeyDecision { id: Some(id.to_string()), ..KeyDecision::default() }));
    }
    // 3. No usable secret anywhere: create a key (making room first: at most two per user).
    let mut retire: Vec<String> = keys.iter().map(|k| k.access_key_id.clone()).collect();
    let mut room_made = None;
    if keys.len() >= 2 {
        // Delete one that Vercel does not point at: an inactive one first, else the oldest.
        let mut candidates: Vec<&AccessKey> =
            keys.iter().filter(|k| Some(k.access_key_id.as_str()) != vercel_key_id).collect();
        candidates.sort_by_key(|k| (k.status == AccessKeyStatus::Active, k.create_date.clone()));
        if let Some(victim) = candidates.first() {
            room_made = Some(victim.access_key_id.clone());
            retire.retain(|id| id != &victim.access_key_id);
        }
    }
    if let Some(victim) = &room_made {
        plan.resource(
            "ram",
            format!("access key {victim}"),
            Action::Delete,
            "not used by Vercel; makes room (two keys per user)",
        );
    }
    let why = if keys.is_empty() {
        "the user has no key yet"
    } else {
        "no copy of an existing key's secret is held; rotating"
    };
    plan.resource("ram", format!("access key for {user}"), Action::Create, why);
    for id in &retire {
        plan.resource("ram", format!("access key {id}"), Action::Delete, "after the new deployment is READY");
    }
    if !ctx.applying() {
        return Ok((
            plan,
            KeyDecision {
                id: None,
                secret: None,
                overwrite_secret: true,
                retire_after_deploy: retire,
                orphan_scan: None,
            },
        ));
    }
    let ram = &ctx.services.ram;
    if let Some(victim) = &room_made {
        match ram.access_keys(user.clone()).delete(victim.clone()).send().await {
            Ok(()) => {}
            Err(e) if *e.kind() == ErrorKind::EntityNotExist => {}
            Err(e) => return Err(e).step("ram: delete unused access key"),
        }
    }
    let step = ctx.progress.start("ram: create access key");
    // The keys the user has besides the one being created: any other key that appears is an orphan of an attempt
    // whose answer (and with it the secret, returned only once) was lost.
    let mut known: Vec<String> =
        keys.iter().map(|k| k.access_key_id.clone()).filter(|id| Some(id) != room_made.as_ref()).collect();
    let mut outcome_was_unknown = false;
    let mut attempt = 0;
    let created = loop {
        attempt += 1;
        let error = match ram.access_keys(user.clone()).create().send().await {
            Ok(created) => break created,
            Err(e) => e,
        };
        let failure = classify_ram(&error);
        if failure == super::unknown::Failure::Final || attempt >= super::unknown::CREATE_ATTEMPTS {
            step.fail("error");
            return Err(error).step("ram: create access key");
        }
        outcome_was_unknown = true;
        match failure {
            super::unknown::Failure::Unknown { timed_out: true } => super::unknown::settle(ctx).await,
            _ => super::unknown::backoff(ctx, attempt).await,
        }
        let now = ram.access_keys(user.clone()).list().send().await.step("ram: list access keys")?;
        let orphans: Vec<String> =
            now.iter().map(|k| k.access_key_id.clone()).filter(|id| !known.contains(id)).collect();
        if now.len() >= MAX_KEYS_PER_USER {
            // No room for the replacement: an orphan goes first. Nothing uses it (its secret was never seen).
            for id in &orphans {
                delete_key(ctx, id, "ram: delete orphaned access key").await?;
            }
        } else {
            // Room left: the orphan is deleted once the replacement is live (after the deployment).
            known.extend(orphans.iter().cloned());
            retire.extend(orphans);
        }
    };
    // Write-ahead: the secret is returned exactly once.
    let held =
        AccessKeyState { id: created.access_key_id.clone(), secret: StoredSecret(created.access_key_secret.clone()) };
    ctx.state.update(|s| s.access_key = Some(held))?;
    step.done(&created.access_key_id);
    let secret = SecretString::from(created.access_key_secret.expose_secret().to_string());
    Ok((
        plan,
        KeyDecision {
            orphan_scan: outcome_was_unknown.then(|| {
                let mut keep = known.clone();
                keep.retain(|id| !retire.contains(id));
                keep.push(created.access_key_id.clone());
                keep
            }),
            id: Some(created.access_key_id),
            secret: Some(secret),
            overwrite_secret: true,
            retire_after_deploy: retire,
        },
    ))
}

/// RAM allows two access keys per user (`LimitExceeded.User.AccessKey`).
const MAX_KEYS_PER_USER: usize = 2;

/// How a failed RAM create is followed up (see [`super::unknown`]).
fn classify_ram(e: &oss_client::Error) -> super::unknown::Failure {
    use super::unknown::Failure;
    match e.kind() {
        ErrorKind::EntityAlreadyExists => Failure::Conflict,
        ErrorKind::Timeout => Failure::Unknown { timed_out: true },
        ErrorKind::Transport(_) => Failure::Unknown { timed_out: false },
        ErrorKind::Service | ErrorKind::Throttled if e.metadata().is_some_and(|m| m.status >= 500) => {
            Failure::Unknown { timed_out: false }
        }
        _ => Failure::Final,
    }
}

async fn delete_key(ctx: &Ctx<'_>, id: &str, step: &str) -> Result<()> {
    match ctx.services.ram.access_keys(ctx.config.aliyun.ram_user.clone()).delete(id.to_string()).send().await {
        Ok(()) => Ok(()),
        Err(e) if *e.kind() == ErrorKind::EntityNotExist => Ok(()),
        Err(e) => Err(e).step(step),
    }
}

/// After the deployment with the new key is READY: deletes the retired keys, and — when a create's outcome was
/// unknown in this run — every key of the user that appeared meanwhile and is not the one in use (an attempt
/// whose answer was lost, or landed late, made it; its secret was never seen, so nothing can use it).
pub async fn retire_after_deploy(ctx: &Ctx<'_>, retire: &[String], orphan_scan: Option<&[String]>) -> Result<()> {
    retire_keys(ctx, retire).await?;
    if let Some(keep) = orphan_scan {
        let user = ctx.config.aliyun.ram_user.clone();
        let now = ctx.services.ram.access_keys(user).list().send().await.step("ram: list access keys")?;
        for k in now.iter().filter(|k| !keep.contains(&k.access_key_id)) {
            delete_key(ctx, &k.access_key_id, "ram: delete orphaned access key").await?;
        }
    }
    Ok(())
}

/// Deletes the keys that were retired (after the deployment with the new key is READY).
pub async fn retire_keys(ctx: &Ctx<'_>, ids: &[String]) -> Result<()> {
    for id in ids {
        match ctx.services.ram.access_keys(ctx.config.aliyun.ram_user.clone()).delete(id.clone()).send().await {
            Ok(()) => {}
            Err(e) if *e.kind() == ErrorKind::EntityNotExist => {}
            Err(e) => return Err(e).step("ram: delete retired access key"),
        }
    }
    Ok(())
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
}

/// The OSS operations of a plan (what `apply` sends), one per changing row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OssOp {
    /// PutBucket, no ACL header (OSS API "PutBucket").
    CreateBucket {
        /// The bucket.
        bucket: String,
    },
}

/// The RAM operations of a plan (what `apply` sends), one per changing row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RamOp {
    /// CreateUser (RAM API "CreateUser").
    CreateUser {
        /// The user name.
        user: String,
    },
}
