//! Stages `ram.access_key` (the key LobeHub uses: kept, or created when no copy of a usable key's secret is held
//! anywhere) and `ram.retire` (keys replaced by a rotation, deleted once a deployment built without them is
//! READY). Never more than two keys per user; Vercel is never left pointing at a deleted key.

use super::{RamOp, foreign_op};
use crate::config::Config;
use crate::error::{Result, StepContext};
use crate::journal::Record;
use crate::plan::{Action, Op, Plan};
use crate::state::{AccessKeyState, StoredSecret};
use crate::steps::Ctx;
use crate::steps::unknown::{self, Failure};
use oss_client::ErrorKind;
use oss_client::ram::{AccessKey, AccessKeyStatus};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::ram::ObservedKey;

/// RAM allows two access keys per user (`LimitExceeded.User.AccessKey`).
const MAX_KEYS_PER_USER: usize = 2;

/// The access key the configuration asks for: one usable key of `aliyun.ram_user` whose secret Vercel holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDesired {
    /// `aliyun.ram_user`.
    pub user: String,
}

impl KeyDesired {
    /// The desired key of `config`.
    pub fn from_config(config: &Config) -> Self {
        Self { user: config.aliyun.ram_user.clone() }
    }
}

/// What the key decision sees (never a secret: for the state file's key, only its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyObserved {
    /// The user's keys (ListAccessKeys, read by `ram.user`).
    pub keys: Vec<ObservedKey>,
    /// `S3_ACCESS_KEY_ID`'s value in Vercel.
    pub vercel_key_id: Option<String>,
    /// Whether Vercel has `S3_SECRET_ACCESS_KEY`.
    pub vercel_has_secret: bool,
    /// The id of the key whose secret the state file holds.
    pub held: Option<String>,
}

/// Gathers what the key decision sees: the user's keys (as `ram.user` listed them), what Vercel holds and the
/// state file's key id. Sends nothing.
pub fn observe_access_key(
    ctx: &Ctx<'_>,
    keys: &[AccessKey],
    vercel_key_id: Option<&str>,
    vercel_has_secret: bool,
) -> KeyObserved {
    KeyObserved {
        keys: keys.iter().map(ObservedKey::from).collect(),
        vercel_key_id: vercel_key_id.map(str::to_string),
        vercel_has_secret,
        held: ctx.state.snapshot().access_key.map(|k| k.id),
    }
}

/// The access key LobeHub should use, and what must happen to get there.
#[derive(Clone, Default)]
pub struct KeyDecision {
    /// The AccessKeyId for `S3_ACCESS_KEY_ID` (None in a plan when a key is still to be created).
    pub id: Option<String>,
    /// The secret, when this run holds it (from the state file or just created).
    pub secret: Option<SecretString>,
    /// Whether this run holds the key's secret — or will, once the plan is carried out (a key it creates).
    pub holds_secret: bool,
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
            .field("holds_secret", &self.holds_secret)
            .field("overwrite_secret", &self.overwrite_secret)
            .field("retire_after_deploy", &self.retire_after_deploy)
            .field("orphan_scan", &self.orphan_scan)
            .finish()
    }
}

/// The key decision (pure), from the user's keys, what Vercel holds (`S3_ACCESS_KEY_ID`'s value, and whether
/// `S3_SECRET_ACCESS_KEY` exists) and the state file (`held_secret`: the secret of the key `observed.held`
/// names, passed apart so that the observation holds no secret):
///
/// 1. the state file holds a key that is still active: use it (retire the other key Vercel points at);
/// 2. Vercel uses an active key of the user and holds its secret: nothing to do;
/// 3. no usable secret anywhere: create a key, first deleting one Vercel does not use when the user already
///    has two (an inactive one first, else the oldest); every other key is retired after the deployment.
///
/// ```
/// use provision::steps::aliyun::{KeyDesired, KeyObserved, plan_access_key};
/// let observed = KeyObserved { keys: vec![], vercel_key_id: None, vercel_has_secret: false, held: None };
/// let (plan, decision) = plan_access_key(&KeyDesired { user: "lobehub-oss".into() }, &observed, None);
/// assert_eq!(plan.ops().count(), 1, "CreateAccessKey");
/// assert!(decision.id.is_none() && decision.holds_secret);
/// ```
pub fn plan_access_key(
    desired: &KeyDesired,
    observed: &KeyObserved,
    held_secret: Option<&SecretString>,
) -> (Plan, KeyDecision) {
    let mut plan = Plan::default();
    let user = &desired.user;
    let keys = &observed.keys;
    let vercel_key_id = observed.vercel_key_id.as_deref();
    let active = |id: &str| keys.iter().any(|k| k.id == id && k.status == AccessKeyStatus::Active);

    // 1. The state file holds a key that is still active: use it.
    if let (Some(held), Some(secret)) = (observed.held.as_deref().filter(|id| active(id)), held_secret) {
        let in_vercel = vercel_key_id == Some(held) && observed.vercel_has_secret;
        plan.resource("ram", format!("access key {held}"), Action::Unchanged, "secret held in the state file");
        let retire = keys.iter().filter(|k| k.id != held && Some(k.id.as_str()) == vercel_key_id).map(|k| k.id.clone());
        return (
            plan,
            KeyDecision {
                id: Some(held.to_string()),
                secret: Some(secret.clone()),
                holds_secret: true,
                overwrite_secret: !in_vercel,
                retire_after_deploy: retire.collect(),
                orphan_scan: None,
            },
        );
    }
    // 2. Vercel already uses an active key of the user and holds its secret: nothing to do.
    if let Some(id) = vercel_key_id.filter(|id| active(id) && observed.vercel_has_secret) {
        plan.resource(
            "ram",
            format!("access key {id}"),
            Action::Unchanged,
            "in use by Vercel (its secret stays there)",
        );
        return (plan, KeyDecision { id: Some(id.to_string()), ..KeyDecision::default() });
    }
    // 3. No usable secret anywhere: create a key (making room first: at most two per user).
    let mut retire: Vec<String> = keys.iter().map(|k| k.id.clone()).collect();
    if keys.len() >= MAX_KEYS_PER_USER {
        // Delete one that Vercel does not point at: an inactive one first, else the oldest.
        let mut candidates: Vec<&ObservedKey> = keys.iter().filter(|k| Some(k.id.as_str()) != vercel_key_id).collect();
        candidates.sort_by_key(|k| (k.status == AccessKeyStatus::Active, k.create_date.clone()));
        if let Some(victim) = candidates.first() {
            retire.retain(|id| *id != victim.id);
            plan.change(
                "ram",
                format!("access key {}", victim.id),
                Action::Delete,
                "not used by Vercel; makes room (two keys per user)",
                Op::Ram(RamOp::DeleteAccessKey { user: user.clone(), id: victim.id.clone() }),
            );
        }
    }
    let why = if keys.is_empty() {
        "the user has no key yet"
    } else {
        "no copy of an existing key's secret is held; rotating"
    };
    plan.change(
        "ram",
        format!("access key for {user}"),
        Action::Create,
        why,
        Op::Ram(RamOp::CreateAccessKey { user: user.clone() }),
    );
    // Deleted by `ram.retire`, after the deployment (rows only, to show them now).
    for id in &retire {
        plan.resource("ram", format!("access key {id}"), Action::Delete, "after the new deployment is READY");
    }
    (
        plan,
        KeyDecision {
            id: None,
            secret: None,
            holds_secret: true,
            overwrite_secret: true,
            retire_after_deploy: retire,
            orphan_scan: None,
        },
    )
}

/// Executes the key plan: the room-making DeleteAccessKey, then CreateAccessKey, whose secret (returned once,
/// ever) is journaled before anything else happens. A create whose outcome is unknown (timeout, reset, 5xx) is
/// not simply repeated: the user's keys are listed first; a key that appeared is the orphan of a lost answer
/// (its secret was never seen) — deleted at once when it leaves no room, else after the deployment
/// ([`retire_after_deploy`]). `planned` is the plan's outcome; it is returned unchanged when the plan has no
/// operation.
///
/// # Errors
/// [`crate::Error::Aliyun`] when a write fails, or the create fails [`unknown::CREATE_ATTEMPTS`] times;
/// [`crate::Error::State`] when the secret cannot be journaled.
pub async fn apply_access_key(
    ctx: &Ctx<'_>,
    plan: &Plan,
    observed: &KeyObserved,
    planned: KeyDecision,
) -> Result<KeyDecision> {
    let mut decision = planned;
    let mut room_made: Option<&str> = None;
    for op in plan.ops() {
        match op {
            Op::Ram(RamOp::DeleteAccessKey { user, id }) => {
                delete_key(ctx, user, id, "ram: delete unused access key").await?;
                room_made = Some(id);
            }
            Op::Ram(RamOp::CreateAccessKey { user }) => {
                // The keys the user has besides the one being created: any other key that appears is an orphan
                // of an attempt whose answer (and with it the secret, returned only once) was lost.
                let known: Vec<String> =
                    observed.keys.iter().map(|k| k.id.clone()).filter(|id| Some(id.as_str()) != room_made).collect();
                create_key(ctx, user, known, &mut decision).await?;
            }
            other => return Err(foreign_op("ram.access_key", other)),
        }
    }
    Ok(decision)
}

async fn create_key(ctx: &Ctx<'_>, user: &str, mut known: Vec<String>, decision: &mut KeyDecision) -> Result<()> {
    let ram = &ctx.services.ram;
    let step = ctx.progress.start("ram: create access key");
    let mut outcome_was_unknown = false;
    let mut attempt = 0;
    let created = loop {
        attempt += 1;
        let error = match ram.access_keys(user.to_string()).create().send().await {
            Ok(created) => break created,
            Err(e) => e,
        };
        let failure = classify_ram(&error);
        if failure == Failure::Final || attempt >= unknown::CREATE_ATTEMPTS {
            step.fail("error");
            return Err(error).step("ram: create access key");
        }
        outcome_was_unknown = true;
        match failure {
            Failure::Unknown { timed_out: true } => unknown::settle(ctx).await,
            _ => unknown::backoff(ctx, attempt).await,
        }
        let now = ram.access_keys(user.to_string()).list().send().await.step("ram: list access keys")?;
        let orphans: Vec<String> =
            now.iter().map(|k| k.access_key_id.clone()).filter(|id| !known.contains(id)).collect();
        if now.len() >= MAX_KEYS_PER_USER {
            // No room for the replacement: an orphan goes first. Nothing uses it (its secret was never seen).
            for id in &orphans {
                delete_key(ctx, user, id, "ram: delete orphaned access key").await?;
            }
        } else {
            // Room left: the orphan is deleted once the replacement is live (after the deployment).
            known.extend(orphans.iter().cloned());
            decision.retire_after_deploy.extend(orphans);
        }
    };
    // Write-ahead: the secret is returned exactly once.
    let held =
        AccessKeyState { id: created.access_key_id.clone(), secret: StoredSecret(created.access_key_secret.clone()) };
    ctx.state.record([Record::AccessKey(held)])?;
    step.done(&created.access_key_id);
    if outcome_was_unknown {
        let mut keep = known;
        keep.retain(|id| !decision.retire_after_deploy.contains(id));
        keep.push(created.access_key_id.clone());
        decision.orphan_scan = Some(keep);
    }
    decision.secret = Some(SecretString::from(created.access_key_secret.expose_secret().to_string()));
    decision.id = Some(created.access_key_id);
    decision.overwrite_secret = true;
    decision.holds_secret = true;
    Ok(())
}

/// How a failed RAM create is followed up (see [`unknown`]).
fn classify_ram(e: &oss_client::Error) -> Failure {
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

/// DeleteAccessKey; an already deleted key (`EntityNotExist`) is not an error.
async fn delete_key(ctx: &Ctx<'_>, user: &str, id: &str, step: &str) -> Result<()> {
    match ctx.services.ram.access_keys(user.to_string()).delete(id.to_string()).send().await {
        Ok(()) => Ok(()),
        Err(e) if *e.kind() == ErrorKind::EntityNotExist => Ok(()),
        Err(e) => Err(e).step(step),
    }
}

/// Stage `ram.access_key`: decides the access key from the user's keys, what Vercel holds (`S3_ACCESS_KEY_ID`'s
/// value, and whether `S3_SECRET_ACCESS_KEY` exists) and the state file; creates a key when no usable secret
/// exists anywhere (see [`plan_access_key`]).
///
/// # Errors
/// As [`apply_access_key`].
pub async fn access_key(
    ctx: &Ctx<'_>,
    keys: &[AccessKey],
    vercel_key_id: Option<&str>,
    vercel_has_secret: bool,
) -> Result<(Plan, KeyDecision)> {
    let desired = ctx.desired.key.clone();
    let observed = observe_access_key(ctx, keys, vercel_key_id, vercel_has_secret);
    let held = ctx.state.snapshot().access_key.filter(|k| observed.held.as_deref() == Some(k.id.as_str()));
    let held_secret = held.map(|k| k.secret.0);
    let planned = plan_access_key(&desired, &observed, held_secret.as_ref());
    let decision = planned.1.clone();
    let observed_ref = &observed;
    ctx.stage("ram.access_key", &observed, planned, |plan, _| async move {
        apply_access_key(ctx, &plan, observed_ref, decision).await
    })
    .await
}

/// The keys waiting for retirement: the state file's list joined with this run's rotation (no request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetireObserved {
    /// The user.
    pub user: String,
    /// The AccessKeyIds to delete, sorted.
    pub pending: Vec<String>,
}

/// What `ram.retire` sees: the keys to retire (`retire`, from the state file's list and the key decision).
pub fn observe_retire(ctx: &Ctx<'_>, retire: &[String]) -> RetireObserved {
    let mut pending = retire.to_vec();
    pending.sort();
    pending.dedup();
    RetireObserved { user: ctx.config.aliyun.ram_user.clone(), pending }
}

/// The retirement plan (pure): one DeleteAccessKey per pending key.
///
/// ```
/// use provision::steps::aliyun::{RetireObserved, plan_retire};
/// let plan = plan_retire(&RetireObserved { user: "lobehub-oss".into(), pending: vec!["LTAIold".into()] });
/// assert_eq!(plan.ops().count(), 1);
/// ```
pub fn plan_retire(observed: &RetireObserved) -> Plan {
    let mut plan = Plan::default();
    for id in &observed.pending {
        plan.change(
            "ram",
            format!("access key {id}"),
            Action::Delete,
            "replaced; a deployment without it is READY",
            Op::Ram(RamOp::DeleteAccessKey { user: observed.user.clone(), id: id.clone() }),
        );
    }
    plan
}

/// Executes the retirement plan, then takes the deleted keys off the state file's retirement list.
///
/// # Errors
/// [`crate::Error::Aliyun`] when a deletion fails (an already deleted key is not an error).
pub async fn apply_retire(ctx: &Ctx<'_>, plan: &Plan) -> Result<()> {
    let mut deleted = Vec::new();
    for op in plan.ops() {
        match op {
            Op::Ram(RamOp::DeleteAccessKey { user, id }) => {
                delete_key(ctx, user, id, "ram: delete retired access key").await?;
                deleted.push(id.clone());
            }
            other => return Err(foreign_op("ram.retire", other)),
        }
    }
    let mut left = ctx.state.snapshot().retire_access_keys;
    if left.iter().any(|id| deleted.contains(id)) {
        left.retain(|id| !deleted.contains(id));
        ctx.state.record([Record::RetireAccessKeys(left)])?;
    }
    Ok(())
}

/// After the deployment with the new key is READY: stage `ram.retire` deletes the retired keys; then — only
/// when a create's outcome was unknown in this run (`orphan_scan`, set only by an executed create) — every key
/// of the user that appeared meanwhile and is not one to keep is deleted (an attempt whose answer was lost, or
/// landed late, made it; its secret was never seen, so nothing can use it). That sweep is the follow-up of
/// executing the create safely (like [`unknown::create_or_find`]'s lookup), not a planned change.
///
/// # Errors
/// As [`apply_retire`]; [`crate::Error::Aliyun`] when the sweep's ListAccessKeys or a deletion fails.
pub async fn retire_after_deploy(ctx: &Ctx<'_>, retire: &[String], orphan_scan: Option<&[String]>) -> Result<()> {
    if !retire.is_empty() {
        let observed = observe_retire(ctx, retire);
        let planned = (plan_retire(&observed), ());
        ctx.stage("ram.retire", &observed, planned, |plan, _| async move { apply_retire(ctx, &plan).await }).await?;
    }
    if let Some(keep) = orphan_scan {
        let user = &ctx.config.aliyun.ram_user;
        let now = ctx.services.ram.access_keys(user.clone()).list().send().await.step("ram: list access keys")?;
        for k in now.iter().filter(|k| !keep.contains(&k.access_key_id)) {
            delete_key(ctx, user, &k.access_key_id, "ram: delete orphaned access key").await?;
        }
    }
    Ok(())
}

/// Deletes the keys `ids` of the configured user (already deleted ones are skipped).
///
/// # Errors
/// [`crate::Error::Aliyun`] when a deletion fails.
pub async fn retire_keys(ctx: &Ctx<'_>, ids: &[String]) -> Result<()> {
    for id in ids {
        delete_key(ctx, &ctx.config.aliyun.ram_user, id, "ram: delete retired access key").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, active: bool, date: &str) -> ObservedKey {
        ObservedKey {
            id: id.into(),
            status: if active { AccessKeyStatus::Active } else { AccessKeyStatus::Inactive },
            create_date: Some(date.into()),
        }
    }

    fn desired() -> KeyDesired {
        KeyDesired { user: "u".into() }
    }

    fn ops(plan: &Plan) -> Vec<RamOp> {
        plan.ops().filter_map(|o| if let Op::Ram(o) = o { Some(o.clone()) } else { None }).collect()
    }

    #[test]
    fn a_held_active_key_is_kept_and_the_one_vercel_used_is_retired() {
        let observed = KeyObserved {
            keys: vec![key("A", true, "2026-01-01"), key("B", true, "2026-02-01")],
            vercel_key_id: Some("A".into()),
            vercel_has_secret: true,
            held: Some("B".into()),
        };
        let secret = SecretString::from("s");
        let (plan, d) = plan_access_key(&desired(), &observed, Some(&secret));
        assert!(ops(&plan).is_empty());
        assert_eq!((d.id.as_deref(), d.overwrite_secret, d.retire_after_deploy), (Some("B"), true, vec!["A".into()]));
        assert!(d.secret.is_some() && d.holds_secret);
    }

    #[test]
    fn vercel_holding_an_active_key_needs_nothing() {
        let observed = KeyObserved {
            keys: vec![key("A", true, "2026-01-01")],
            vercel_key_id: Some("A".into()),
            vercel_has_secret: true,
            held: None,
        };
        let (plan, d) = plan_access_key(&desired(), &observed, None);
        assert!(ops(&plan).is_empty() && !plan.has_changes());
        assert!(!d.holds_secret && d.secret.is_none() && !d.overwrite_secret);
    }

    #[test]
    fn a_rotation_makes_room_creates_and_retires_after_the_deployment() {
        // Two keys, Vercel points at the disabled A, no secret held: B (not Vercel's) makes room.
        let observed = KeyObserved {
            keys: vec![key("A", false, "2026-01-01"), key("B", true, "2026-02-01")],
            vercel_key_id: Some("A".into()),
            vercel_has_secret: true,
            held: None,
        };
        let (plan, d) = plan_access_key(&desired(), &observed, None);
        assert_eq!(
            ops(&plan),
            [RamOp::DeleteAccessKey { user: "u".into(), id: "B".into() }, RamOp::CreateAccessKey { user: "u".into() }]
        );
        assert_eq!(d.retire_after_deploy, ["A"]);
        assert!(d.id.is_none() && d.holds_secret && d.overwrite_secret);
        assert!(plan.render_text().contains("after the new deployment is READY"));
        assert!(!format!("{:?}", serde_json::to_string(&plan)).contains("secret\":"));
    }

    #[test]
    fn retirement_deletes_each_pending_key_once() {
        let ctx_free = RetireObserved { user: "u".into(), pending: vec!["A".into(), "B".into()] };
        assert_eq!(
            ops(&plan_retire(&ctx_free)),
            [
                RamOp::DeleteAccessKey { user: "u".into(), id: "A".into() },
                RamOp::DeleteAccessKey { user: "u".into(), id: "B".into() }
            ]
        );
        assert!(plan_retire(&RetireObserved { user: "u".into(), pending: vec![] }).ops().next().is_none());
    }
}
