//! The orchestrator: runs the steps as a dependency graph — the OSS bucket, the RAM user and the Vercel project
//! concurrently; once the project has confirmed the app hosts, the Auth0 application and the access key (it needs
//! the RAM user's keys and Vercel's environment); then the bucket's CORS rule and the mainland default-endpoint
//! probe; then the environment; then the one deployment; then the retirement of replaced keys.

use crate::config::Config;
use crate::desired::{self, Desired, EnvFacts};
use crate::error::{Error, Result};
use crate::journal::Record;
use crate::lobehub;
use crate::plan::Plan;
use crate::progress::Progress;
use crate::run::{Mode, Run};
use crate::saved_plan::SavedPlan;
use crate::secrets;
use crate::services::Services;
use crate::state::{StateStore, StoredSecret};
use crate::steps::vercel::DeployOptions;
use crate::steps::{Ctx, aliyun, auth0, vercel};
use secrecy::ExposeSecret;

/// What an `apply` (or a `plan`) did or would do.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every resource and variable, with its action.
    pub plan: Plan,
    /// Invite links not yet shown: (e-mail, link), the link redacted in `Debug`. Print them (they are not
    /// e-mailed), then call [`Provisioner::invites_shown`]: until then they stay in the state file and every
    /// apply returns them again.
    pub invites: Vec<(String, StoredSecret)>,
    /// The production deployment that serves the app.
    pub deployment_id: Option<String>,
    /// The environment as applied, secrets masked: (key, shown value).
    pub env: Vec<(String, String)>,
    /// The app's URL.
    pub app_url: String,
}

/// Provisions one LobeHub deployment.
///
/// ```no_run
/// # async fn demo() -> provision::Result<()> {
/// use provision::engine::Provisioner;
/// let config = provision::config::Config::load(std::path::Path::new("provision.toml"))?;
/// let provisioner = Provisioner::new(config, Default::default())?;
/// let outcome = provisioner.apply().await?;
/// println!("{}", outcome.plan.render_text());
/// # Ok(()) }
/// ```
pub struct Provisioner {
    config: Config,
    services: Services,
    state: StateStore,
    progress: Progress,
    deploy: DeployOptions,
    sequential: bool,
    state_lock_wait: std::time::Duration,
}

/// How a [`Provisioner`] talks and waits.
#[derive(Debug, Clone)]
pub struct ProvisionerOptions {
    /// Client timeouts and retries.
    pub clients: crate::services::ClientOptions,
    /// Deployment polling.
    pub deploy: DeployOptions,
    /// Progress output.
    pub progress: crate::progress::ProgressMode,
    /// Keep state in memory only (no file).
    pub in_memory_state: bool,
    /// Run the independent chains one after another instead of concurrently (for benchmarks).
    pub sequential: bool,
    /// How long `apply`, `set-domain` and `destroy` wait for another process's lock on the state file before
    /// stopping with a message naming it (default 30 s).
    pub state_lock_wait: std::time::Duration,
}

impl Default for ProvisionerOptions {
    fn default() -> Self {
        Self {
            clients: Default::default(),
            deploy: Default::default(),
            progress: crate::progress::ProgressMode::Silent,
            in_memory_state: false,
            sequential: false,
            state_lock_wait: std::time::Duration::from_secs(30),
        }
    }
}

impl Provisioner {
    /// A provisioner for `config`; opens the state file and builds the clients (nothing is sent yet).
    pub fn new(config: Config, options: ProvisionerOptions) -> Result<Self> {
        let services = Services::from_config(&config, options.clients.clone())?;
        let state =
            if options.in_memory_state { StateStore::in_memory() } else { StateStore::open(&config.state_file)? };
        Ok(Self {
            config,
            services,
            state,
            progress: crate::progress::Progress::new(options.progress),
            deploy: options.deploy,
            sequential: options.sequential,
            state_lock_wait: options.state_lock_wait,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The clients.
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The state file.
    pub fn state(&self) -> &StateStore {
        &self.state
    }

    /// The custom domain in effect: the configuration's, else the one `set-domain` recorded.
    pub fn domain(&self) -> Option<String> {
        self.config.domain.clone().or_else(|| self.state.snapshot().domain)
    }

    /// Takes the state file's cross-process lock until the returned guard is dropped (see
    /// [`StateStore::lock_for_run`]): a second `apply` waits for the first, or stops naming it.
    pub async fn lock_state(&self, command: &str) -> Result<crate::state::RunLock> {
        Ok(self.state.lock_for_run(command, self.state_lock_wait).await?)
    }

    fn ctx<'a>(&'a self, run: &'a Run, desired: &'a Desired, domain: Option<String>) -> Ctx<'a> {
        Ctx {
            config: &self.config,
            desired,
            services: &self.services,
            state: &self.state,
            progress: &self.progress,
            run,
            domain,
            hosts: None,
        }
    }

    /// Reads live state everywhere and returns what `apply` would change. Sends no mutating request.
    pub async fn plan(&self) -> Result<Outcome> {
        self.run(&Run::new(Mode::Plan, None), self.domain(), false).await
    }

    /// [`plan`](Self::plan), and the plan as a file to review and execute later with
    /// [`apply_saved`](Self::apply_saved) (`provision plan --out plan.json`). Sends no mutating request.
    pub async fn plan_saved(&self) -> Result<(Outcome, SavedPlan)> {
        let domain = self.domain();
        let run = Run::new(Mode::Plan, None);
        let outcome = self.run(&run, domain.clone(), false).await?;
        let saved = SavedPlan {
            format: crate::saved_plan::FORMAT,
            tool: crate::saved_plan::tool(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            config: crate::saved_plan::config_fingerprint(&self.config),
            domain,
            stages: run.records(),
            plan: outcome.plan.clone(),
        };
        Ok((outcome, saved))
    }

    /// Executes a saved plan (`provision apply plan.json`): exactly its operations, or nothing.
    ///
    /// First the live state is planned again without writing; when the configuration, the custom domain or any
    /// stage's observed state or operations differ from the saved plan, it stops with [`Error::StalePlan`]
    /// before the first write. While executing, each stage is checked again before it sends anything (see
    /// [`crate::run`]).
    ///
    /// # Errors
    /// [`Error::StalePlan`], or what [`apply`](Self::apply) returns.
    pub async fn apply_saved(&self, saved: &SavedPlan) -> Result<Outcome> {
        let _lock = self.lock_state("apply").await?;
        if saved.config != crate::saved_plan::config_fingerprint(&self.config) {
            return Err(Error::StalePlan {
                stage: "config".into(),
                what: "the configuration changed since the plan was made".into(),
            });
        }
        let domain = self.domain();
        if saved.domain != domain {
            return Err(Error::StalePlan {
                stage: "config".into(),
                what: format!("the custom domain is now {domain:?}, the plan was made for {:?}", saved.domain),
            });
        }
        let check = Run::new(Mode::Plan, Some(saved.stages.clone()));
        self.run(&check, domain.clone(), false).await?;
        check.check_complete()?;
        let exec = Run::new(Mode::Apply, Some(saved.stages.clone()));
        self.run(&exec, domain, false).await
    }

    /// Converges the deployment. A second run on a converged deployment sends no mutating request.
    pub async fn apply(&self) -> Result<Outcome> {
        let _lock = self.lock_state("apply").await?;
        self.run(&Run::new(Mode::Apply, None), self.domain(), false).await
    }

    /// Seed step 5 as one command: the Vercel domain, `APP_URL` (and `NEXTAUTH_URL` for the legacy profile),
    /// the Auth0 URLs and the OSS CORS origins updated together, then a redeploy.
    pub async fn set_domain(&self, domain: &str) -> Result<Outcome> {
        crate::config::validate_hostname(domain).map_err(|message| {
            Error::Config(crate::config::ConfigError {
                problems: vec![crate::config::ConfigProblem { field: "DOMAIN".into(), message }],
            })
        })?;
        let domain = domain.to_ascii_lowercase();
        let _lock = self.lock_state("set-domain").await?;
        self.state.record([Record::Domain(Some(domain.clone()))])?;
        self.run(&Run::new(Mode::Apply, None), Some(domain), false).await
    }

    async fn run(&self, run: &Run, domain: Option<String>, force_deploy: bool) -> Result<Outcome> {
        let desired = Desired::from_config(&self.config, domain.as_deref())?;
        let ctx = self.ctx(run, &desired, domain);
        let config = &self.config;

        // The guide's first two steps: the fork (the Vercel project links it) and the database (its URL goes into
        // the environment). Both do nothing without `[github]` / with `provider = "url"`.
        let (fork, database) = futures::join!(crate::steps::github::fork(&ctx), crate::steps::database::database(&ctx));
        let (fork, database) = match (fork, database) {
            (Ok(f), Ok(d)) => (f, d),
            (f, d) => {
                let errors = [f.err(), d.err()].into_iter().flatten().collect();
                return Err(Error::combine(errors)
                    .err()
                    .unwrap_or_else(|| Error::blocked("apply", "a step ended without a result", "run apply again")));
            }
        };
        let ((fork_plan, _fork), (database_plan, database_out)) = (fork, database);

        // Independent chains, concurrently (with `sequential`, one after another, for measuring what the
        // concurrency buys).
        // RSA key generation takes 50-250 ms of CPU: when a JWKS_KEY may be needed, start it now on a blocking
        // thread so it is off the critical path. Used only if neither the state file nor Vercel holds one.
        // (The engine, not a step, knows whether this run executes.)
        let jwks_needed = run.mode() == Mode::Apply
            && lobehub::generated_secrets(config.profile).contains(&"JWKS_KEY")
            && !self.state.snapshot().generated.contains_key("JWKS_KEY");
        let jwks_task = jwks_needed.then(|| tokio::task::spawn_blocking(secrets::generate_jwks_key));
        // The app hosts must be confirmed before anything that names them: the Auth0 URLs, the CORS rule and
        // APP_URL. So the project (and its domains) come first on this chain; the Auth0 application and the
        // access key follow, concurrently; the bucket and the RAM user run alongside from the start.
        let main_chain = async {
            let (ram_user, project) = if self.sequential {
                (aliyun::ram_user(&ctx).await, vercel::project(&ctx).await)
            } else {
                futures::join!(aliyun::ram_user(&ctx), vercel::project(&ctx))
            };
            // Both errors are reported when both chains fail.
            let (ram_user, project) = match (ram_user, project) {
                (Ok(r), Ok(p)) => (r, p),
                (r, p) => {
                    let errors = [r.err(), p.err()].into_iter().flatten().collect();
                    return Err(Error::combine(errors).err().unwrap_or_else(|| {
                        Error::blocked("apply", "a step ended without a result", "run apply again")
                    }));
                }
            };
            let (ram_plan, ram_out) = ram_user;
            let (project_plan, project_out) = project;
            let (hosts_plan, hosts) =
                crate::steps::app_domain::confirm(&ctx, project_out.project.as_ref(), project_out.created_now).await?;
            let ctx2 = Ctx { hosts: hosts.clone(), ..self.ctx(run, &desired, ctx.domain.clone()) };
            let vercel_key = project_out.value("S3_ACCESS_KEY_ID");
            let has_secret = project_out.has("S3_SECRET_ACCESS_KEY");
            let (application, key) = if self.sequential {
                (
                    auth0::application(&ctx2).await,
                    aliyun::access_key(&ctx2, &ram_out.keys, vercel_key.as_deref(), has_secret).await,
                )
            } else {
                futures::join!(
                    auth0::application(&ctx2),
                    aliyun::access_key(&ctx2, &ram_out.keys, vercel_key.as_deref(), has_secret)
                )
            };
            let (application, key) = match (application, key) {
                (Ok(a), Ok(k)) => (a, k),
                (a, k) => {
                    let errors = [a.err(), k.err()].into_iter().flatten().collect();
                    return Err(Error::combine(errors).err().unwrap_or_else(|| {
                        Error::blocked("apply", "a step ended without a result", "run apply again")
                    }));
                }
            };
            let (auth0_plan, auth0_out) = application;
            let (key_plan, key) = key;
            let mut plan = ram_plan;
            plan.extend(project_plan);
            plan.extend(hosts_plan);
            plan.extend(auth0_plan);
            plan.extend(key_plan);
            Ok::<_, Error>((plan, project_out, key, auth0_out, hosts))
        };
        let (bucket, main_chain) = if self.sequential {
            (aliyun::bucket(&ctx).await, main_chain.await)
        } else {
            futures::join!(aliyun::bucket(&ctx), main_chain)
        };
        let mut errors = Vec::new();
        let bucket = bucket.map_err(|e| errors.push(e)).ok();
        let main_chain = main_chain.map_err(|e| errors.push(e)).ok();
        Error::combine(errors)?;
        let (Some((bucket_plan, bucket_created)), Some((main_plan, project_out, key, auth0_out, hosts))) =
            (bucket, main_chain)
        else {
            return Err(Error::blocked("apply", "a step ended without a result", "run apply again"));
        };
        let ctx = Ctx { hosts: hosts.clone(), ..self.ctx(run, &desired, ctx.domain.clone()) };
        let mut plan = Plan::default();
        plan.extend(fork_plan);
        plan.extend(database_plan);
        plan.extend(bucket_plan);
        plan.extend(main_plan);
        plan.extend(aliyun::cors(&ctx, bucket_created).await?);
        // The mainland default-endpoint rule, checked with the RAM key before anything is built (a stage: the
        // probe is its operation, sent only when applying).
        plan.extend(aliyun::probe_default_endpoint(&ctx, &key).await?);

        // Generated secrets: from the state file, else left as Vercel holds them, else generated once.
        let jwks = match jwks_task {
            Some(task) => Some(task.await.map_err(|e| e.to_string()).and_then(|r| r)),
            None => None,
        };
        let observed = crate::steps::generated::observe(&ctx, &project_out);
        let held = self.state.snapshot().generated;
        let planned = crate::steps::generated::plan(&observed, &held);
        let (secrets_plan, generated) = ctx
            .stage("secrets", &observed, planned, |p, base| {
                let (ctx, project_out) = (&ctx, &project_out);
                async move { crate::steps::generated::apply(ctx, &p, base, project_out, jwks) }
            })
            .await?;
        plan.extend(secrets_plan);

        let facts = EnvFacts {
            auth0_client_id: auth0_out.client_id.clone(),
            auth0_client_secret: auth0_out.client_secret.clone(),
            auth0_issuer: Some(auth0_out.issuer.clone()),
            s3_access_key_id: key.id.clone(),
            s3_secret_access_key: key.secret.clone(),
            generated: generated.iter().filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v))).collect(),
        };
        let desired_env = desired::desired_env(config, &ctx.app_url(), &facts);
        let desired_env = crate::steps::database::adjust_env(desired_env, &database_out);
        let remove = desired::variables_to_remove(
            config,
            project_out.env.iter().map(|v| (v.key.as_str(), v.readable_value().map(|s| s.expose_secret()))),
        );
        let mut overwrite = Vec::new();
        if key.overwrite_secret && key.secret.is_some() {
            overwrite.push("S3_SECRET_ACCESS_KEY".to_string());
        }
        // A secret whose value differs from the one this tool last wrote is rewritten (Vercel cannot show it).
        let pushed = self.state.snapshot().pushed;
        for d in desired_env.iter().filter(|d| d.secret) {
            if pushed.get(&d.state_key()).is_some_and(|fp| *fp != crate::state::fingerprint(d.value.expose_secret()))
                && !overwrite.contains(&d.key)
            {
                overwrite.push(d.key.clone());
            }
        }

        let mut outcome = Outcome { app_url: ctx.app_url(), ..Outcome::default() };
        outcome.env = desired_env.iter().map(|d| (d.key.clone(), d.shown())).collect();
        // Keys replaced by a rotation are retired only once a deployment built without them is READY. Recorded
        // before the environment is written: a run killed in between leaves the retirement to the next run.
        let mut retire = self.state.snapshot().retire_access_keys;
        retire.extend(key.retire_after_deploy.iter().cloned());
        retire.sort();
        retire.dedup();
        retire.retain(|id| key.id.as_deref() != Some(id.as_str()));
        let scheduled = self.state.snapshot().retire_access_keys;
        let planned = (Plan::default(), retire.clone());
        let (_, retire) = ctx
            .stage("ram.retire_schedule", &scheduled, planned, |_, _| {
                let (state, retire, scheduled) = (&self.state, retire.clone(), &scheduled);
                async move {
                    if retire != *scheduled {
                        state.record([Record::RetireAccessKeys(retire.clone())])?;
                    }
                    Ok(retire)
                }
            })
            .await?;
        // The environment ("vercel.env": the client's own sync decision, journaling what it wrote), then the one
        // deployment ("vercel.deployment"). Before the project exists (a plan), every variable is new.
        let env_desired =
            vercel::EnvDesired { vars: desired_env.clone(), remove, overwrite, unknown: facts.unknown_until_applied() };
        let project = project_out.project.as_ref();
        let (env_plan, env_out) = vercel::environment(&ctx, project, &project_out.env, &env_desired).await?;
        plan.extend(env_plan);
        let deploy_desired =
            vercel::DeploymentDesired { env: desired_env.clone(), env_changed: env_out.changed() || force_deploy };
        let (deploy_plan, deployment) =
            vercel::deployment(&ctx, project, &deploy_desired, &project_out.env, self.deploy).await?;
        plan.extend(deploy_plan);
        outcome.deployment_id = deployment;

        // A stage (its deletions run only when applying; they leave the state file's list as they run).
        if !retire.is_empty() || key.orphan_scan.is_some() {
            aliyun::retire_after_deploy(&ctx, &retire, key.orphan_scan.as_deref()).await?;
        }
        if run.mode() == Mode::Apply {
            // Every invite link not yet shown (also those of an earlier run that failed later on). They stay in
            // the state file until the caller has shown them: see `invites_shown`.
            outcome.invites = self.state.snapshot().pending_invites.into_iter().collect();
        }
        outcome.plan = plan;
        Ok(outcome)
    }

    /// Removes the invite links of `emails` from the state file: call it once they were shown to the user (written
    /// to the terminal or the `--json` output without error).
    pub fn invites_shown(&self, emails: &[String]) -> Result<()> {
        if emails.is_empty() {
            return Ok(());
        }
        self.state.record(emails.iter().map(|e| Record::InviteShown(e.clone())))?;
        Ok(())
    }

    /// The desired environment, for printing (secrets masked).
    pub fn masked_env(outcome: &Outcome) -> String {
        outcome.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
    }

    /// Exposes a secret for callers that must hand it on (tests of secret stability).
    pub fn held_secret(&self, name: &str) -> Option<String> {
        self.state.snapshot().generated.get(name).map(|s| s.0.expose_secret().to_string())
    }
}

impl Provisioner {
    /// `doctor` on the live deployment: the Vercel project's environment (sensitive values are checked for
    /// presence only), against the Auth0 application's callbacks and the tenant's issuer.
    pub async fn doctor(&self) -> Result<crate::doctor::DoctorReport> {
        use crate::error::StepContext;
        let services = &self.services;
        let project =
            services.vercel.projects().find(&self.config.vercel.project).await.step("doctor: find project")?;
        let Some(project) = project else {
            return Err(Error::blocked(
                "doctor",
                format!("the Vercel project `{}` does not exist", self.config.vercel.project),
                "run `provision apply`, or `provision doctor --env-file PATH` to check a .env file",
            ));
        };
        let env = services.vercel.env(project.id.clone()).list_decrypted().await.step("doctor: read environment")?;
        let mut snapshot = crate::doctor::EnvSnapshot::new();
        for v in env.iter().filter(|v| v.target.contains(&vercel_client::EnvTarget::Production)) {
            match v.readable_value() {
                Some(value) => snapshot.insert(&v.key, value.expose_secret()),
                None => snapshot.insert_hidden(&v.key),
            }
        }
        let client_id = snapshot.value("AUTH_AUTH0_ID").map(str::to_string).or(self.state.snapshot().auth0_client_id);
        // A check that cannot run is reported as "not checked" with the reason, never skipped silently.
        let (callbacks, unavailable) = match client_id {
            Some(id) => match services.auth0.clients().get(&id).await {
                Ok(c) => (Some(c.callbacks), None),
                Err(e) => (None, Some(format!("reading the Auth0 application {id} failed: {e}"))),
            },
            None => (None, Some("no Auth0 application id (AUTH_AUTH0_ID unset, none in the state file)".to_string())),
        };
        let ctx = crate::doctor::DoctorContext {
            profile: self.config.profile,
            auth0_domain: url::Url::parse(&services.auth0.issuer()).ok().and_then(|u| u.host_str().map(str::to_string)),
            auth0_callbacks: callbacks,
            auth0_callbacks_unavailable: unavailable,
        };
        let mut report = crate::doctor::diagnose(&snapshot, &ctx);
        let url = crate::steps::database::deployment_url(
            &self.config,
            services,
            snapshot.value("DATABASE_URL").map(str::to_string),
        )
        .await;
        if self.config.database.explicit {
            crate::steps::database::doctor_reachability(&mut report, url).await;
        }
        Ok(report)
    }
}
