//! `destroy`: removes what the tool created — and nothing else — in reverse order: the Vercel domain, the
//! environment and the project; the Auth0 application and the users it created; the access keys, the policy
//! attachment, the policy and the RAM user; the bucket only when it is empty, or with its objects when asked.
//! What the tool did not create (an adopted project, a bucket that existed) is left alone, and said so.

use crate::engine::Provisioner;
use crate::error::{Result, StepContext};
use crate::plan::{Action, Plan};
use oss_client::ram::PolicyType;

/// Options of `destroy`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DestroyOptions {
    /// Delete the bucket's objects first, so a non-empty bucket the tool created can go too.
    pub delete_bucket_contents: bool,
    /// Only report what would be removed.
    pub dry_run: bool,
}

fn not_found<E>(result: std::result::Result<(), E>, is_not_found: impl Fn(&E) -> bool) -> std::result::Result<(), E> {
    match result {
        Err(e) if is_not_found(&e) => Ok(()),
        other => other,
    }
}

/// Removes what the state file says the tool created. Returns what was (or, with `dry_run`, would be) removed.
pub async fn destroy(p: &Provisioner, options: DestroyOptions) -> Result<Plan> {
    let mut plan = Plan::default();
    let state = p.state().snapshot();
    let config = p.config();
    let s = p.services();
    let apply = !options.dry_run;
    let created = |kind: &str| state.created.get(kind).cloned().unwrap_or_default();
    if apply {
        // Before any write: a missing scope (e.g. delete:users) must not stop destroy halfway.
        crate::steps::auth0::preflight(&s.auth0, auth0_client::scopes::Command::Destroy).await?;
    }

    // Vercel: domain → environment → project.
    if let Some(project_id) = &state.vercel_project_id {
        let project_is_ours = state.was_created("vercel-project", project_id);
        for domain in created("vercel-domain") {
            plan.resource("vercel", format!("domain {domain}"), Action::Delete, "");
            if apply {
                not_found(s.vercel.domains(project_id.clone()).remove(&domain).await, |e| {
                    matches!(e.kind(), vercel_client::ErrorKind::NotFound)
                })
                .step("destroy: remove domain")?;
                p.state().update(|st| st.forget("vercel-domain", &domain))?;
            }
        }
        if project_is_ours {
            plan.resource(
                "vercel",
                format!("project {}", config.vercel.project),
                Action::Delete,
                "with its environment and deployments",
            );
            if apply {
                not_found(s.vercel.projects().delete(project_id).await, |e| {
                    matches!(e.kind(), vercel_client::ErrorKind::NotFound)
                })
                .step("destroy: delete project")?;
                p.state().update(|st| {
                    st.forget("vercel-project", project_id);
                    st.vercel_project_id = None;
                })?;
            }
        } else {
            // An adopted project stays; only the variables this tool manages go.
            let env = match s.vercel.env(project_id.clone()).list().await {
                Ok(env) => env,
                Err(e) if matches!(e.kind(), vercel_client::ErrorKind::NotFound) => Vec::new(),
                Err(e) => return Err(e).step("destroy: list environment"),
            };
            let ours: Vec<String> = env.iter().filter(|v| managed_key(&v.key)).map(|v| v.id.clone()).collect();
            for v in env.iter().filter(|v| managed_key(&v.key)) {
                plan.env_change(crate::plan::EnvChange {
                    key: v.key.clone(),
                    action: Action::Delete,
                    secret: crate::lobehub::is_secret(&v.key),
                    value: None,
                    detail: "managed by provision".into(),
                });
            }
            plan.resource(
                "vercel",
                format!("project {}", config.vercel.project),
                Action::Unchanged,
                "adopted, not created by provision: kept",
            );
            if apply && !ours.is_empty() {
                s.vercel.env(project_id.clone()).batch_delete(&ours).await.step("destroy: delete environment")?;
            }
        }
    }

    // Auth0: users → application → the sign-up setting it changed → the dedicated connection.
    crate::steps::auth0::destroy(p, apply, &mut plan).await?;

    // RAM: keys → attachments → policy → user.
    let user = config.aliyun.ram_user.clone();
    let user_is_ours = state.was_created("ram-user", &user);
    let keys: Vec<String> = if user_is_ours {
        match s.ram.access_keys(user.clone()).list().send().await {
            Ok(keys) => keys.into_iter().map(|k| k.access_key_id).collect(),
            Err(e) if *e.kind() == oss_client::ErrorKind::EntityNotExist => Vec::new(),
            Err(e) => return Err(e).step("destroy: list access keys"),
        }
    } else {
        state.access_key.iter().map(|k| k.id.clone()).collect()
    };
    for id in keys {
        plan.resource("ram", format!("access key {id}"), Action::Delete, "");
        if apply {
            not_found(s.ram.access_keys(user.clone()).delete(id.clone()).send().await, |e| e.is_not_found())
                .step("destroy: delete access key")?;
            p.state().update(|st| {
                if st.access_key.as_ref().is_some_and(|k| k.id == id) {
                    st.access_key = None;
                }
            })?;
        }
    }
    for tag in created("ram-attachment") {
        let (kind, name) = tag.split_once(':').unwrap_or(("Custom", tag.as_str()));
        let policy_type = if kind == "System" { PolicyType::System } else { PolicyType::Custom };
        plan.resource("ram", format!("attach {name}"), Action::Delete, format!("from {user}"));
        if apply {
            not_found(s.ram.user_policies(user.clone()).detach(policy_type, name.to_string()).send().await, |e| {
                e.is_not_found()
            })
            .step("destroy: detach policy")?;
            p.state().update(|st| st.forget("ram-attachment", &tag))?;
        }
    }
    for name in created("ram-policy") {
        plan.resource("ram", format!("policy {name}"), Action::Delete, "");
        if apply {
            not_found(s.ram.policies().delete(name.clone()).cascading(true).send().await, |e| e.is_not_found())
                .step("destroy: delete policy")?;
            p.state().update(|st| st.forget("ram-policy", &name))?;
        }
    }
    if user_is_ours {
        plan.resource("ram", format!("user {user}"), Action::Delete, "");
        if apply {
            not_found(s.ram.users().delete(user.clone()).send().await, |e| e.is_not_found())
                .step("destroy: delete user")?;
            p.state().update(|st| st.forget("ram-user", &user))?;
        }
    }

    // OSS: the bucket, only if the tool created it.
    for name in created("oss-bucket") {
        let bucket = s.oss.bucket(name.clone());
        let objects = match bucket.list_objects().collect_all().await {
            Ok(o) => o,
            Err(e) if *e.kind() == oss_client::ErrorKind::NoSuchBucket => {
                p.state().update(|st| st.forget("oss-bucket", &name))?;
                continue;
            }
            Err(e) => return Err(e).step("destroy: list objects"),
        };
        if !objects.is_empty() && !options.delete_bucket_contents {
            plan.resource(
                "oss",
                format!("bucket {name}"),
                Action::Unchanged,
                format!("holds {} objects: kept (pass --delete-bucket-contents to remove them too)", objects.len()),
            );
            continue;
        }
        plan.resource(
            "oss",
            format!("bucket {name}"),
            Action::Delete,
            if objects.is_empty() { "empty".to_string() } else { format!("with its {} objects", objects.len()) },
        );
        if apply {
            for o in &objects {
                not_found(bucket.object(o.key.clone()).delete().send().await, |e| e.is_not_found())
                    .step("destroy: delete object")?;
            }
            not_found(bucket.delete().send().await, |e| e.is_not_found()).step("destroy: delete bucket")?;
            p.state().update(|st| st.forget("oss-bucket", &name))?;
        }
    }
    if apply {
        // Secrets tied to a deployment that no longer exists are forgotten; a kept (adopted) project had its
        // variables removed above.
        p.state().update(|st| {
            st.generated.clear();
            st.domain = None;
        })?;
    }
    Ok(plan)
}

/// Whether provision manages this variable (it is removed from an adopted project on destroy).
fn managed_key(key: &str) -> bool {
    crate::lobehub::required_variables(crate::lobehub::Profile::Current).iter().any(|(k, _)| *k == key)
        || crate::lobehub::required_variables(crate::lobehub::Profile::LegacyNextauth).iter().any(|(k, _)| *k == key)
        || matches!(
            key,
            "AUTH_DISABLE_EMAIL_PASSWORD"
                | "AUTH_ALLOWED_EMAILS"
                | "S3_ENABLE_PATH_STYLE"
                | "S3_SET_ACL"
                | "DATABASE_DRIVER"
        )
}
