//! Sends the operations of a `destroy` plan ([`execute`]), journaling each removal as it is answered.

use super::DestroyOp;
use crate::engine::Provisioner;
use crate::error::{Error, Result, StepContext};
use crate::journal::{Created, Kind, Record};
use crate::plan::{Action, Op, Plan};
use oss_client::ram::PolicyType;

/// A delete whose target is already gone counts as done.
fn not_found<E>(result: std::result::Result<(), E>, is_not_found: impl Fn(&E) -> bool) -> std::result::Result<(), E> {
    match result {
        Err(e) if is_not_found(&e) => Ok(()),
        other => other,
    }
}

/// Executes the [`DestroyOp`]s of `plan` in order — the rows', then the variables' — and returns what failed.
/// Every operation runs even when an earlier one failed, except `RamUser` after a failed removal of its keys,
/// attachments or policies (RAM refuses it); that row then says the user is kept. Each removal is written to
/// the journal as soon as the service answered. Operations of other kinds are refused (a plan of `apply`).
pub async fn execute(p: &Provisioner, plan: &mut Plan) -> Vec<Error> {
    let mut failures = Vec::new();
    let mut ram_failed = false;
    for i in 0..plan.resources.len() {
        let Some(op) = plan.resources[i].op.clone() else { continue };
        let Op::Destroy(op) = op else {
            failures.push(Error::blocked("destroy", "the plan has an operation of apply", "run destroy again"));
            continue;
        };
        let ram =
            matches!(op, DestroyOp::RamAccessKey { .. } | DestroyOp::RamDetach { .. } | DestroyOp::RamPolicy { .. });
        if matches!(op, DestroyOp::RamUser { .. }) && ram_failed {
            let row = &mut plan.resources[i];
            row.action = Action::Unchanged;
            row.detail = "kept for now: its keys or policies could not be removed".into();
            continue;
        }
        if let Err(e) = one(p, &op).await {
            ram_failed |= ram;
            failures.push(e);
        }
    }
    for op in plan.env_ops.clone() {
        let Op::Destroy(op) = op else { continue };
        if let Err(e) = one(p, &op).await {
            failures.push(e);
        }
    }
    failures
}

/// Sends one removal and journals it.
async fn one(p: &Provisioner, op: &DestroyOp) -> Result<()> {
    let s = p.services();
    let records = match op {
        DestroyOp::VercelDomain { project_id, domain } => {
            not_found(s.vercel.domains(project_id.clone()).remove(domain).await, vercel_gone)
                .step("destroy: remove domain")?;
            vec![Record::Removed(Created::VercelDomain(domain.clone()))]
        }
        DestroyOp::VercelProject { project_id } => {
            not_found(s.vercel.projects().delete(project_id).await, vercel_gone).step("destroy: delete project")?;
            vec![
                Record::Removed(Created::VercelProject(project_id.clone())),
                Record::RemovedAll(Created::VercelEnv(String::new()).kind()),
                Record::VercelProjectId(None),
                Record::UnpushedAll,
            ]
        }
        DestroyOp::VercelEnv { project_id, ids, keys } => {
            if !ids.is_empty() {
                s.vercel.env(project_id.clone()).batch_delete(ids).await.step("destroy: delete environment")?;
            }
            let removed = keys.iter().map(|k| Record::Removed(Created::VercelEnv(k.clone())));
            removed.chain(keys.iter().map(|k| Record::Unpushed(k.clone()))).collect()
        }
        DestroyOp::Auth0User { user_id } => {
            not_found(s.auth0.users().delete(user_id).await, |e| e.is_not_found()).step("destroy: delete user")?;
            vec![Record::Removed(Created::Auth0User(user_id.clone()))]
        }
        DestroyOp::Auth0Client { client_id } => {
            not_found(s.auth0.clients().delete(client_id).await, |e| e.is_not_found())
                .step("destroy: delete application")?;
            vec![
                Record::Removed(Created::Auth0Client(client_id.clone())),
                // Invite links point at the application: without it they are dead.
                Record::RemovedAll(Kind::LEGACY_AUTH0_INVITED),
                Record::InvitesDropped,
                Record::Auth0ClientId(None),
            ]
        }
        DestroyOp::Auth0RestoreSignup { connection_id } => {
            let restored = s
                .auth0
                .connections()
                .set_option(connection_id, "disable_signup", serde_json::Value::Bool(false))
                .await
                .map(|_| ());
            not_found(restored, |e| e.is_not_found()).step("destroy: restore sign-ups")?;
            vec![Record::Removed(Created::Auth0SignupDisabled(connection_id.clone()))]
        }
        DestroyOp::Auth0Connection { connection_id } => {
            not_found(s.auth0.connections().delete(connection_id).await, |e| e.is_not_found())
                .step("destroy: delete the database connection")?;
            vec![Record::Removed(Created::Auth0Connection(connection_id.clone()))]
        }
        DestroyOp::RamAccessKey { user, access_key_id } => {
            let deleted = s.ram.access_keys(user.clone()).delete(access_key_id.clone()).send().await;
            not_found(deleted, |e| e.is_not_found()).step("destroy: delete access key")?;
            vec![Record::AccessKeyDeleted(access_key_id.clone())]
        }
        DestroyOp::RamDetach { user, policy_type, policy } => {
            let kind = if policy_type == "System" { PolicyType::System } else { PolicyType::Custom };
            let detached = s.ram.user_policies(user.clone()).detach(kind, policy.clone()).send().await;
            not_found(detached, |e| e.is_not_found()).step("destroy: detach policy")?;
            vec![Record::Removed(Created::RamAttachment { policy_type: policy_type.clone(), policy: policy.clone() })]
        }
        DestroyOp::RamPolicy { policy } => {
            let deleted = s.ram.policies().delete(policy.clone()).cascading(true).send().await;
            not_found(deleted, |e| e.is_not_found()).step("destroy: delete policy")?;
            vec![Record::Removed(Created::RamPolicy(policy.clone()))]
        }
        DestroyOp::RamUser { user } => {
            not_found(s.ram.users().delete(user.clone()).send().await, |e| e.is_not_found())
                .step("destroy: delete user")?;
            vec![Record::Removed(Created::RamUser(user.clone()))]
        }
        DestroyOp::OssBucket { bucket, objects } => {
            let handle = s.oss.bucket(bucket.clone());
            let mut failed = Vec::new();
            for key in objects {
                let deleted = not_found(handle.object(key.clone()).delete().send().await, |e| e.is_not_found())
                    .step("destroy: delete object");
                failed.extend(deleted.err());
            }
            // The bucket goes only when every object did (OSS refuses a non-empty bucket: BucketNotEmpty).
            Error::combine(failed)?;
            not_found(handle.delete().send().await, |e| e.is_not_found()).step("destroy: delete bucket")?;
            vec![Record::Removed(Created::OssBucket(bucket.clone()))]
        }
        DestroyOp::ForgetBucket { bucket } => vec![Record::Removed(Created::OssBucket(bucket.clone()))],
        DestroyOp::NeonProject { project_id } => {
            let Some(neon) = &s.neon else {
                return Err(Error::blocked("destroy: database", "no Neon client is configured", "set NEON_API_KEY"));
            };
            neon.projects()
                .delete(project_id)
                .await
                .map_err(|e| crate::steps::database::neon_failed("delete project", &e))?;
            vec![Record::Removed(Created::NeonProject(project_id.clone()))]
        }
    };
    p.state().record(records)?;
    Ok(())
}

fn vercel_gone(e: &vercel_client::Error) -> bool {
    matches!(e.kind(), vercel_client::ErrorKind::NotFound)
}

/// Once every removal succeeded: the recorded custom domain is forgotten, and with `forget_secrets` the
/// generated secrets too.
pub(super) fn forget_deployment(p: &Provisioner, forget_secrets: bool, failures: &mut Vec<Error>) {
    let mut records = vec![Record::Domain(None)];
    if forget_secrets {
        records.push(Record::GeneratedForgotten);
    }
    if let Err(e) = p.state().record(records) {
        failures.push(e.into());
    }
}
