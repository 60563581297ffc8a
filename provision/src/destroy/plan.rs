//! What `destroy` reads ([`observe`]) and what it decides from that and the state file ([`plan`], pure).

use super::{DestroyOp, DestroyOptions, DestroyReport};
use crate::config::Config;
use crate::engine::Provisioner;
use crate::error::{Error, StepContext};
use crate::journal::{Created, Kind};
use crate::plan::{Action, EnvChange, Op};
use crate::state::State;
use serde::Serialize;

/// What the services answered to the listings a removal needs. Holds no secret.
#[derive(Debug, Default, Serialize)]
pub struct DestroyObserved {
    /// On an adopted project where the tool created variables: those of them that exist now, `(key, id)`.
    /// `None` when there is nothing to list, or the listing failed.
    pub adopted_env: Option<Vec<(String, String)>>,
    /// The access key ids of the RAM user the tool created (or the one in the state file, for an adopted user).
    pub ram_keys: Vec<String>,
    /// Whether listing the RAM user's keys failed (the user is then kept for this run).
    pub ram_keys_unknown: bool,
    /// Each bucket the tool created, as found.
    pub buckets: Vec<(String, BucketSeen)>,
    /// The listings that failed (each part they belong to is left out of the plan; `destroy` reports them).
    #[serde(skip)]
    pub failures: Vec<Error>,
}

/// A bucket the tool created, as `ListObjects` found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum BucketSeen {
    /// `NoSuchBucket`: already deleted.
    Gone,
    /// Its objects' keys (empty when the bucket is empty).
    Objects(Vec<String>),
}

/// The names of the resources of one kind the tool created (`created(&state, Created::VercelDomain)`), in the
/// order they were recorded.
fn created(state: &State, make: fn(String) -> Created) -> Vec<String> {
    state.created_of(kind(make)).into_iter().filter_map(name_of).collect()
}

/// The kind of the resources `make` builds (`kind(Created::VercelEnv)`).
fn kind(make: fn(String) -> Created) -> Kind {
    make(String::new()).kind()
}

/// The name of a resource recorded by name (every kind but the RAM attachment).
fn name_of(c: Created) -> Option<String> {
    match c {
        Created::GithubFork(n)
        | Created::NeonProject(n)
        | Created::OssBucket(n)
        | Created::RamUser(n)
        | Created::RamPolicy(n)
        | Created::Auth0Client(n)
        | Created::Auth0Connection(n)
        | Created::Auth0SignupDisabled(n)
        | Created::Auth0User(n)
        | Created::VercelProject(n)
        | Created::VercelDomain(n)
        | Created::VercelEnv(n) => Some(n),
        Created::RamAttachment { .. } => None,
    }
}

/// Reads what the removals need: an adopted project's variables (`filterProjectEnvs`), the RAM user's access
/// keys (`ListAccessKeys`), each created bucket's objects (`ListObjects`, paged). Only reads; the three services
/// are read concurrently. A failed listing is kept in [`DestroyObserved::failures`], not returned: the other
/// parts are still planned.
pub async fn observe(p: &Provisioner, state: &State) -> DestroyObserved {
    let (env, keys, buckets) = tokio::join!(observe_env(p, state), observe_keys(p, state), observe_buckets(p, state));
    let mut out = DestroyObserved::default();
    match env {
        Ok(env) => out.adopted_env = env,
        Err(e) => out.failures.push(e),
    }
    match keys {
        Ok(keys) => out.ram_keys = keys,
        Err(e) => {
            out.ram_keys_unknown = true;
            out.failures.push(e);
        }
    }
    for (name, seen) in buckets {
        match seen {
            Ok(seen) => out.buckets.push((name, seen)),
            Err(e) => out.failures.push(e),
        }
    }
    out
}

async fn observe_env(p: &Provisioner, state: &State) -> crate::error::Result<Option<Vec<(String, String)>>> {
    let Some(project_id) = &state.vercel_project_id else { return Ok(None) };
    let ours = created(state, Created::VercelEnv);
    if state.has(&Created::VercelProject(project_id.clone())) || ours.is_empty() {
        return Ok(None);
    }
    let listed = match p.services().vercel.env(project_id.clone()).list().await {
        Err(e) if matches!(e.kind(), vercel_client::ErrorKind::NotFound) => Ok(Vec::new()),
        other => other.step("destroy: list environment"),
    }?;
    Ok(Some(listed.into_iter().filter(|v| ours.contains(&v.key)).map(|v| (v.key, v.id)).collect()))
}

async fn observe_keys(p: &Provisioner, state: &State) -> crate::error::Result<Vec<String>> {
    let user = &p.config().aliyun.ram_user;
    if !state.has(&Created::RamUser(user.clone())) {
        return Ok(state.access_key.iter().map(|k| k.id.clone()).collect());
    }
    let listed = match p.services().ram.access_keys(user.clone()).list().send().await {
        Err(e) if *e.kind() == oss_client::ErrorKind::EntityNotExist => Ok(Vec::new()),
        other => other.step("destroy: list access keys"),
    }?;
    Ok(listed.into_iter().map(|k| k.access_key_id).collect())
}

async fn observe_buckets(p: &Provisioner, state: &State) -> Vec<(String, crate::error::Result<BucketSeen>)> {
    let mut out = Vec::new();
    for name in created(state, Created::OssBucket) {
        let seen = match p.services().oss.bucket(name.clone()).list_objects().collect_all().await {
            Ok(objects) => Ok(BucketSeen::Objects(objects.into_iter().map(|o| o.key).collect())),
            Err(e) if *e.kind() == oss_client::ErrorKind::NoSuchBucket => Ok(BucketSeen::Gone),
            Err(e) => Err(Error::Aliyun { step: "destroy: list objects".into(), source: e }),
        };
        out.push((name, seen));
    }
    out
}

fn op(op: DestroyOp) -> Op {
    Op::Destroy(op)
}

/// What `destroy` removes, from the state file (what the tool created) and what [`observe`] found. Pure: no
/// request, no write. Rows in execution order: Vercel (domains → project, or an adopted project's variables),
/// Auth0 (users → application → sign-up setting → connection), RAM (keys → attachments → policies → user), OSS
/// (buckets), the generated secrets.
pub fn plan(config: &Config, state: &State, options: DestroyOptions, observed: &DestroyObserved) -> DestroyReport {
    let mut r = DestroyReport::default();
    plan_vercel(config, state, observed, &mut r);
    plan_auth0(state, &mut r);
    plan_ram(config, state, observed, &mut r);
    plan_oss(options, observed, &mut r);
    plan_secrets(state, options, &mut r);
    r
}

fn plan_vercel(config: &Config, state: &State, observed: &DestroyObserved, r: &mut DestroyReport) {
    let Some(project_id) = state.vercel_project_id.clone() else { return };
    let project_name = &config.vercel.project;
    for domain in created(state, Created::VercelDomain) {
        let o = op(DestroyOp::VercelDomain { project_id: project_id.clone(), domain: domain.clone() });
        r.plan.change("vercel", format!("domain {domain}"), Action::Delete, "", o);
    }
    if state.has(&Created::VercelProject(project_id.clone())) {
        r.plan.change(
            "vercel",
            format!("project {project_name}"),
            Action::Delete,
            "with its environment and deployments",
            op(DestroyOp::VercelProject { project_id }),
        );
        r.irreversible.push(format!("Vercel project {project_name}: its deployments, build logs and environment"));
        return;
    }
    r.plan.resource(
        "vercel",
        format!("project {project_name}"),
        Action::Unchanged,
        "adopted, not created by provision: kept",
    );
    // Only the variables it created go; those already gone are forgotten too.
    let Some(found) = &observed.adopted_env else { return };
    for (key, _) in found {
        r.plan.env_change(EnvChange {
            key: key.clone(),
            action: Action::Delete,
            secret: crate::lobehub::is_secret(key),
            value: None,
            detail: "created by provision".into(),
        });
    }
    let ids = found.iter().map(|(_, id)| id.clone()).collect();
    let keys = created(state, Created::VercelEnv);
    r.plan.env_ops.push(op(DestroyOp::VercelEnv { project_id, ids, keys }));
}

fn plan_auth0(state: &State, r: &mut DestroyReport) {
    for user_id in created(state, Created::Auth0User) {
        r.irreversible.push(format!("Auth0 user {user_id}: their password and sign-in history"));
        let o = op(DestroyOp::Auth0User { user_id: user_id.clone() });
        r.plan.change("auth0", format!("user {user_id}"), Action::Delete, "", o);
    }
    for client_id in created(state, Created::Auth0Client) {
        let o = op(DestroyOp::Auth0Client { client_id: client_id.clone() });
        r.plan.change("auth0", format!("application {client_id}"), Action::Delete, "", o);
    }
    // A tenant-wide setting the tool changed (sign-ups on a shared connection) is put back.
    for connection_id in created(state, Created::Auth0SignupDisabled) {
        r.plan.change(
            "auth0",
            format!("connection {connection_id}"),
            Action::Update,
            "disable_signup back to false (it was turned on by provision)",
            op(DestroyOp::Auth0RestoreSignup { connection_id }),
        );
    }
    for connection_id in created(state, Created::Auth0Connection) {
        r.irreversible.push(format!("Auth0 database connection {connection_id} and every user in it"));
        r.plan.change(
            "auth0",
            format!("database connection {connection_id}"),
            Action::Delete,
            "dedicated, with its users",
            op(DestroyOp::Auth0Connection { connection_id }),
        );
    }
}

fn plan_ram(config: &Config, state: &State, observed: &DestroyObserved, r: &mut DestroyReport) {
    let user = &config.aliyun.ram_user;
    for id in &observed.ram_keys {
        let o = op(DestroyOp::RamAccessKey { user: user.clone(), access_key_id: id.clone() });
        r.plan.change("ram", format!("access key {id}"), Action::Delete, "", o);
    }
    for attachment in state.created_of(Created::kind_ram_attachment()) {
        let Created::RamAttachment { policy_type, policy } = attachment else { continue };
        r.plan.change(
            "ram",
            format!("attach {policy}"),
            Action::Delete,
            format!("from {user}"),
            op(DestroyOp::RamDetach { user: user.clone(), policy_type, policy }),
        );
    }
    for policy in created(state, Created::RamPolicy) {
        r.plan.change(
            "ram",
            format!("policy {policy}"),
            Action::Delete,
            "",
            op(DestroyOp::RamPolicy { policy: policy.clone() }),
        );
    }
    if !state.has(&Created::RamUser(user.clone())) {
        return;
    }
    if observed.ram_keys_unknown {
        r.plan.resource(
            "ram",
            format!("user {user}"),
            Action::Unchanged,
            "kept for now: its access keys could not be listed",
        );
    } else {
        r.plan.change("ram", format!("user {user}"), Action::Delete, "", op(DestroyOp::RamUser { user: user.clone() }));
    }
}

fn plan_oss(options: DestroyOptions, observed: &DestroyObserved, r: &mut DestroyReport) {
    for (bucket, seen) in &observed.buckets {
        let objects = match seen {
            BucketSeen::Gone => {
                r.plan.change(
                    "oss",
                    format!("bucket {bucket}"),
                    Action::Unchanged,
                    "already deleted: forgotten in the state file",
                    op(DestroyOp::ForgetBucket { bucket: bucket.clone() }),
                );
                continue;
            }
            BucketSeen::Objects(objects) => objects,
        };
        if !objects.is_empty() && !options.delete_bucket_contents {
            r.plan.resource(
                "oss",
                format!("bucket {bucket}"),
                Action::Unchanged,
                format!("holds {} objects: kept (pass --delete-bucket-contents to remove them too)", objects.len()),
            );
            continue;
        }
        let detail =
            if objects.is_empty() { "empty".to_string() } else { format!("with its {} objects", objects.len()) };
        if !objects.is_empty() {
            r.irreversible.push(format!("the {} objects in bucket {bucket} (the files users uploaded)", objects.len()));
        }
        let o = op(DestroyOp::OssBucket { bucket: bucket.clone(), objects: objects.clone() });
        r.plan.change("oss", format!("bucket {bucket}"), Action::Delete, detail, o);
    }
}

/// The generated secrets: kept in the state file unless `forget_secrets` (done by [`super::execute`]'s epilogue
/// once everything else went).
fn plan_secrets(state: &State, options: DestroyOptions, r: &mut DestroyReport) {
    let names: Vec<String> = state.generated.keys().cloned().collect();
    if names.is_empty() {
        return;
    }
    if !options.forget_secrets {
        r.plan.resource(
            "state",
            format!("generated secrets {}", names.join(", ")),
            Action::Unchanged,
            "kept in the state file (a later apply reuses them; --forget-secrets removes them)",
        );
        return;
    }
    r.plan.resource("state", format!("generated secrets {}", names.join(", ")), Action::Delete, "--forget-secrets");
    if names.iter().any(|n| n == "KEY_VAULTS_SECRET") {
        r.irreversible.push(
            "the state file's copy of KEY_VAULTS_SECRET: API keys users stored in the database can no longer be decrypted"
                .into(),
        );
    }
    for n in names.iter().filter(|n| *n != "KEY_VAULTS_SECRET") {
        r.irreversible.push(format!("the state file's copy of {n}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Record;

    fn config() -> Config {
        let env = crate::config::test_env();
        let text = "[vercel]\nproject = \"lobehub\"\ngit_repository = \"me/lobehub\"\n[auth0]\ndomain = \"me.eu.auth0.com\"\n\
                    [aliyun]\nregion = \"cn-hangzhou\"\nbucket = \"my-files\"\n";
        Config::from_toml(text, &env).unwrap()
    }

    fn state(records: Vec<Record>) -> State {
        let mut s = State::default();
        for r in records {
            s.apply_record(r);
        }
        s
    }

    fn ops(r: &DestroyReport) -> Vec<DestroyOp> {
        r.plan.ops().filter_map(|o| if let Op::Destroy(d) = o { Some(d.clone()) } else { None }).collect()
    }

    #[test]
    fn everything_the_tool_created_goes_in_reverse_order_and_nothing_else() {
        let c = config();
        let user = c.aliyun.ram_user.clone();
        let st = state(vec![
            Record::VercelProjectId(Some("prj_1".into())),
            Record::Created(Created::VercelProject("prj_1".into())),
            Record::Created(Created::VercelDomain("chat.example.com".into())),
            Record::Created(Created::Auth0User("auth0|1".into())),
            Record::Created(Created::Auth0Client("cid".into())),
            Record::Created(Created::RamUser(user.clone())),
            Record::Created(Created::RamAttachment { policy_type: "Custom".into(), policy: "lobehub-oss".into() }),
            Record::Created(Created::RamPolicy("lobehub-oss".into())),
            Record::Created(Created::OssBucket("my-files".into())),
        ]);
        let observed = DestroyObserved {
            ram_keys: vec!["LTAInew".into()],
            buckets: vec![("my-files".into(), BucketSeen::Objects(vec![]))],
            ..Default::default()
        };
        let r = plan(&c, &st, DestroyOptions::default(), &observed);
        assert_eq!(
            ops(&r),
            vec![
                DestroyOp::VercelDomain { project_id: "prj_1".into(), domain: "chat.example.com".into() },
                DestroyOp::VercelProject { project_id: "prj_1".into() },
                DestroyOp::Auth0User { user_id: "auth0|1".into() },
                DestroyOp::Auth0Client { client_id: "cid".into() },
                DestroyOp::RamAccessKey { user: user.clone(), access_key_id: "LTAInew".into() },
                DestroyOp::RamDetach { user: user.clone(), policy_type: "Custom".into(), policy: "lobehub-oss".into() },
                DestroyOp::RamPolicy { policy: "lobehub-oss".into() },
                DestroyOp::RamUser { user },
                DestroyOp::OssBucket { bucket: "my-files".into(), objects: vec![] },
            ]
        );
        assert!(r.irreversible.iter().any(|w| w.contains("Vercel project lobehub")));
        assert!(r.irreversible.iter().any(|w| w.contains("Auth0 user auth0|1")));
    }

    #[test]
    fn an_adopted_project_loses_only_the_variables_the_tool_created() {
        let st = state(vec![
            Record::VercelProjectId(Some("prj_1".into())),
            Record::Created(Created::VercelEnv("APP_URL".into())),
            Record::Created(Created::VercelEnv("S3_BUCKET".into())),
        ]);
        // S3_BUCKET is already gone; KEY_VAULTS_SECRET (someone else's) is not even listed by observe.
        let observed =
            DestroyObserved { adopted_env: Some(vec![("APP_URL".into(), "env_1".into())]), ..Default::default() };
        let r = plan(&config(), &st, DestroyOptions::default(), &observed);
        assert!(
            r.plan.resources.iter().any(|row| row.resource == "project lobehub" && row.action == Action::Unchanged)
        );
        assert_eq!(r.plan.env.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["APP_URL"]);
        assert_eq!(
            ops(&r),
            vec![DestroyOp::VercelEnv {
                project_id: "prj_1".into(),
                ids: vec!["env_1".into()],
                keys: vec!["APP_URL".into(), "S3_BUCKET".into()],
            }]
        );
        // The listing failed: nothing is planned for the variables (and nothing forgotten).
        let r = plan(&config(), &st, DestroyOptions::default(), &DestroyObserved::default());
        assert!(ops(&r).is_empty() && r.plan.env.is_empty());
    }

    #[test]
    fn a_bucket_with_objects_stays_unless_asked_and_a_gone_one_is_only_forgotten() {
        let seen = |objects: Vec<&str>| DestroyObserved {
            buckets: vec![("my-files".into(), BucketSeen::Objects(objects.into_iter().map(String::from).collect()))],
            ..Default::default()
        };
        let st = state(vec![Record::Created(Created::OssBucket("my-files".into()))]);
        let kept = plan(&config(), &st, DestroyOptions::default(), &seen(vec!["a.png"]));
        assert!(ops(&kept).is_empty());
        assert!(kept.plan.render_text().contains("--delete-bucket-contents"));
        let asked = DestroyOptions { delete_bucket_contents: true, ..Default::default() };
        let gone = plan(&config(), &st, asked, &seen(vec!["a.png"]));
        assert_eq!(ops(&gone), vec![DestroyOp::OssBucket { bucket: "my-files".into(), objects: vec!["a.png".into()] }]);
        assert!(gone.irreversible.iter().any(|w| w.contains("the 1 objects in bucket my-files")));
        let observed = DestroyObserved { buckets: vec![("my-files".into(), BucketSeen::Gone)], ..Default::default() };
        let r = plan(&config(), &st, DestroyOptions::default(), &observed);
        assert_eq!(ops(&r), vec![DestroyOp::ForgetBucket { bucket: "my-files".into() }]);
        assert!(!r.plan.has_changes());
    }

    #[test]
    fn a_ram_user_whose_keys_could_not_be_listed_is_kept_and_secrets_stay_unless_asked() {
        let c = config();
        let st = state(vec![
            Record::Created(Created::RamUser(c.aliyun.ram_user.clone())),
            Record::Generated { name: "KEY_VAULTS_SECRET".into(), value: crate::state::StoredSecret::new("x") },
        ]);
        let observed = DestroyObserved { ram_keys_unknown: true, ..Default::default() };
        let r = plan(&c, &st, DestroyOptions::default(), &observed);
        assert!(ops(&r).is_empty());
        let text = r.plan.render_text();
        assert!(text.contains("kept for now") && text.contains("kept in the state file"), "{text}");
        assert!(r.irreversible.is_empty());
        let forget = plan(&c, &st, DestroyOptions { forget_secrets: true, ..Default::default() }, &observed);
        assert!(forget.irreversible.iter().any(|w| w.contains("KEY_VAULTS_SECRET")));
    }
}
