//! The whole LobeHub flow against the simulators: fresh apply, a second apply with zero writes, apply after the
//! state file is lost, set-domain, and the secrets that must never change.

mod common;

use common::Fixture;

#[tokio::test]
async fn fresh_apply_then_converged_apply_sends_no_write() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    let first = p.apply().await.expect("fresh apply");
    assert!(first.plan.has_changes());
    assert_eq!(first.invites.len(), 2, "one invite link per trusted user");
    assert!(first.deployment_id.is_some(), "{}", first.plan.render_text());

    // The cloud is as desired.
    assert_eq!(fx.cloud.oss.bucket_names(), vec!["alice-lobehub-files".to_string()]);
    assert_eq!(fx.cloud.ram.access_key_ids("lobehub-oss").len(), 1);
    let env = fx.cloud.vercel.env("lobehub");
    for key in [
        "APP_URL",
        "KEY_VAULTS_SECRET",
        "AUTH_SECRET",
        "JWKS_KEY",
        "AUTH_AUTH0_ID",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
    ] {
        assert!(env.iter().any(|v| v.key == key), "{key} missing");
    }

    fx.cloud.log.clear();
    let second = p.apply().await.expect("second apply");
    assert!(!second.plan.has_changes(), "{}", second.plan.render_text());
    let writes = fx.cloud.log.mutating();
    assert!(writes.is_empty(), "converged apply wrote: {writes:#?}");
}

#[tokio::test]
async fn verify_passes_after_apply_and_fails_when_cors_is_gone() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("apply");
    let report = provision::verify::verify(&p).await.expect("verify runs");
    assert!(report.passed(), "{}", report.render_text());
    assert!(report.checks.len() >= 10);

    // Break it the way the original guide's users did: no CORS rule for the app origin.
    fx.cloud.oss_server.set_faults(sandbox::Faults::none());
    let oss = p.services().oss.bucket("alice-lobehub-files");
    oss.delete_cors().send().await.expect("delete cors");
    let report = provision::verify::verify(&p).await.expect("verify runs");
    let cors = report.checks.iter().find(|c| c.name == "oss: CORS preflight").expect("cors check");
    assert!(!cors.passed, "{}", report.render_text());
    assert!(!report.passed());
}

#[tokio::test]
async fn state_file_lost_then_apply_creates_nothing_and_keeps_every_secret() {
    let fx = Fixture::new("").await;
    let first = fx.provisioner();
    first.apply().await.expect("fresh apply");
    let secret_values = |key: &str| {
        fx.cloud.vercel.env("lobehub").into_iter().filter(|v| v.key == key).map(|v| v.value.clone()).collect::<Vec<_>>()
    };
    let before: Vec<_> = ["KEY_VAULTS_SECRET", "AUTH_SECRET", "JWKS_KEY", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]
        .iter()
        .map(|k| secret_values(k))
        .collect();
    let keys_before = fx.cloud.ram.access_key_ids("lobehub-oss");
    drop(first);

    std::fs::remove_file(fx.state_path()).expect("state file exists");
    fx.cloud.log.clear();
    let again = fx.provisioner();
    let outcome = again.apply().await.expect("apply without state");
    let creates: Vec<_> = outcome
        .plan
        .resources
        .iter()
        .filter(|r| r.action == provision::plan::Action::Create)
        .map(|r| r.resource.clone())
        .collect();
    assert!(creates.is_empty(), "created after state loss: {creates:?}\n{}", outcome.plan.render_text());
    let after: Vec<_> = ["KEY_VAULTS_SECRET", "AUTH_SECRET", "JWKS_KEY", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]
        .iter()
        .map(|k| secret_values(k))
        .collect();
    assert_eq!(before, after, "a secret changed after the state file was lost");
    assert_eq!(fx.cloud.ram.access_key_ids("lobehub-oss"), keys_before);
    assert_eq!(fx.cloud.auth0.clients().iter().filter(|c| c["name"] == "LobeHub").count(), 1);
    assert_eq!(fx.cloud.vercel.projects().len(), 1);
    // No bucket, user, key, application, project or variable was created.
    let creating: Vec<_> = fx
        .cloud
        .log
        .mutating()
        .into_iter()
        .filter(|e| e.method == "POST" || e.method == "PUT" || e.action.starts_with("Create"))
        .filter(|e| !e.path.contains("tickets") && !e.path.ends_with("/oauth/token"))
        .map(|e| format!("{} {} {}{}", e.service, e.method, e.path, e.action))
        .collect();
    assert!(creating.is_empty(), "{creating:#?}");
}

#[tokio::test]
async fn set_domain_updates_vercel_auth0_cors_and_env_together() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("fresh apply");
    let outcome = p.set_domain("chat.example.com").await.expect("set-domain");
    assert!(outcome.deployment_id.is_some());
    assert!(outcome.plan.notes.iter().any(|n| n.contains("DNS")), "{}", outcome.plan.render_text());

    let env = fx.cloud.vercel.env("lobehub");
    let app_url = env.iter().find(|v| v.key == "APP_URL").map(|v| v.value.clone());
    assert_eq!(app_url.as_deref(), Some("https://chat.example.com"));
    let app = fx.cloud.auth0.clients().into_iter().find(|c| c["name"] == "LobeHub").expect("app");
    let callbacks = app["callbacks"].to_string();
    assert!(callbacks.contains("https://chat.example.com/api/auth/callback/auth0"));
    // LobeHub never sends Better Auth's `/api/auth/oauth2/callback/auth0` (field-truth §1.2): not allowed.
    assert!(!callbacks.contains("oauth2/callback"));
    let cors = fx.cloud.oss.bucket("alice-lobehub-files").expect("bucket").cors.expect("cors");
    assert!(format!("{cors:?}").contains("https://chat.example.com"));
    assert!(
        fx.cloud
            .vercel
            .domains(&fx.cloud.vercel.project("lobehub").unwrap().id)
            .iter()
            .any(|d| d.0 == "chat.example.com")
    );

    // It is remembered: the next apply keeps the domain and changes nothing.
    fx.cloud.log.clear();
    let again = p.apply().await.expect("apply");
    assert!(!again.plan.has_changes(), "{}", again.plan.render_text());
    assert!(fx.cloud.log.mutating().is_empty());
}

#[tokio::test]
async fn destroy_removes_what_it_created_and_nothing_else() {
    let fx = Fixture::new("").await;
    // Things that exist before provisioning and are not the tool's.
    fx.cloud.oss.seed_bucket("someone-elses-bucket");
    fx.cloud.ram.seed_user("another-user");
    let p = fx.provisioner();
    p.apply().await.expect("apply");
    let plan =
        provision::destroy::destroy(&p, provision::destroy::DestroyOptions { dry_run: true, ..Default::default() })
            .await
            .expect("dry run");
    assert!(plan.resources.iter().any(|r| r.resource.contains("project")));
    assert_eq!(fx.cloud.vercel.projects().len(), 1, "dry run removed nothing");

    let done = provision::destroy::destroy(&p, Default::default()).await.expect("destroy");
    assert!(done.has_changes());
    assert!(fx.cloud.vercel.projects().is_empty());
    assert_eq!(fx.cloud.oss.bucket_names(), vec!["someone-elses-bucket".to_string()]);
    assert_eq!(fx.cloud.ram.user_names(), vec!["another-user".to_string()]);
    assert!(fx.cloud.auth0.clients().iter().all(|c| c["name"] != "LobeHub"));
    assert!(fx.cloud.auth0.users().is_empty());
    // A second destroy has nothing left to do.
    let again = provision::destroy::destroy(&p, Default::default()).await.expect("destroy again");
    assert!(!again.has_changes(), "{}", again.render_text());
}

#[tokio::test]
async fn legacy_profile_writes_the_guides_variables() {
    let fx = Fixture::new("").await;
    let mut config = fx.config.clone();
    config.profile = provision::lobehub::Profile::LegacyNextauth;
    fx.cloud.vercel.set_build_rules(sandbox::vercel::BuildRules::none());
    let p = provision::engine::Provisioner::new(config, common::fast_options()).unwrap();
    p.apply().await.expect("apply");
    let env = fx.cloud.vercel.env("lobehub");
    let get = |k: &str| env.iter().find(|v| v.key == k).map(|v| v.value.clone());
    assert_eq!(get("NEXTAUTH_URL").as_deref(), Some("https://lobehub.vercel.app/api/auth"));
    assert_eq!(get("NEXT_PUBLIC_SERVICE_MODE").as_deref(), Some("server"));
    assert!(env.iter().any(|v| v.key == "NEXT_AUTH_SECRET"));
    assert!(!env.iter().any(|v| v.key == "JWKS_KEY" || v.key == "AUTH_SECRET"));
}

#[tokio::test]
async fn deprecated_variables_of_an_adopted_project_are_removed() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("apply");
    // Someone follows the old guide by hand.
    fx.cloud.vercel.seed_env("lobehub", "NEXT_PUBLIC_SERVICE_MODE", "server", "plain", &["production", "preview"]);
    fx.cloud.vercel.seed_env("lobehub", "NEXTAUTH_URL", "https://x/api/auth", "plain", &["production"]);
    let outcome = p.apply().await.expect("apply");
    let deleted: Vec<_> = outcome
        .plan
        .env
        .iter()
        .filter(|e| e.action == provision::plan::Action::Delete)
        .map(|e| e.key.clone())
        .collect();
    assert!(
        deleted.contains(&"NEXT_PUBLIC_SERVICE_MODE".to_string()) && deleted.contains(&"NEXTAUTH_URL".to_string()),
        "{deleted:?}"
    );
    assert!(fx.cloud.vercel.env("lobehub").iter().all(|v| v.key != "NEXTAUTH_URL"));
    assert!(outcome.deployment_id.is_some());
}

#[tokio::test]
async fn plan_sends_no_mutating_request() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    let plan = p.plan().await.expect("plan");
    assert!(plan.plan.has_changes());
    assert!(fx.cloud.log.mutating().iter().all(|e| e.path.ends_with("/oauth/token")), "{:#?}", fx.cloud.log.mutating());
    assert!(fx.cloud.vercel.projects().is_empty());
    let text = plan.plan.render_text();
    assert!(text.contains("+ oss     bucket alice-lobehub-files"));
    assert!(!text.contains("simulated-db-password"));
}

#[tokio::test]
async fn a_domain_held_elsewhere_is_verified_once_its_txt_record_exists() {
    let fx = Fixture::new("").await;
    fx.cloud.vercel.mark_domain_taken("chat.example.com");
    let p = fx.provisioner();
    p.apply().await.expect("apply");
    let outcome = p.set_domain("chat.example.com").await.expect("set-domain");
    assert!(outcome.plan.notes.iter().any(|n| n.contains("TXT")), "{}", outcome.plan.render_text());
    let report = provision::verify::verify(&p).await.expect("verify");
    let app = report.checks.iter().find(|c| c.name == "app: APP_URL answers").expect("check");
    assert!(!app.passed, "an unverified domain does not serve the app yet");

    fx.cloud.vercel.set_txt_record_created("chat.example.com");
    fx.cloud.vercel.set_dns_configured("chat.example.com", true);
    let after = p.apply().await.expect("apply after DNS");
    assert!(after.plan.notes.iter().all(|n| !n.contains("DNS")), "{}", after.plan.render_text());
    let project = fx.cloud.vercel.project("lobehub").expect("project");
    assert!(
        fx.cloud.vercel.domains(&project.id).iter().any(|(name, verified)| name == "chat.example.com" && *verified)
    );
}

#[tokio::test]
async fn a_changed_secret_input_is_rewritten_and_an_unchanged_one_is_not() {
    let fx = Fixture::new("").await;
    p_apply(&fx.config, &fx).await;
    // The database password changes: the sensitive DATABASE_URL must be rewritten, nothing else.
    let mut config = fx.config.clone();
    config.database_url =
        secrecy::SecretString::from("postgresql://lobehub:new-password@127.0.0.1:5432/lobehub".to_string());
    fx.cloud.log.clear();
    let p = provision::engine::Provisioner::new(config, common::fast_options()).unwrap();
    let outcome = p.apply().await.expect("apply");
    let updated: Vec<_> = outcome
        .plan
        .env
        .iter()
        .filter(|e| e.action == provision::plan::Action::Update)
        .map(|e| e.key.clone())
        .collect();
    assert_eq!(updated, vec!["DATABASE_URL".to_string()], "{}", outcome.plan.render_text());
    let env = fx.cloud.vercel.env("lobehub");
    assert!(env.iter().any(|v| v.key == "DATABASE_URL" && v.value.contains("new-password")));
    assert!(outcome.deployment_id.is_some(), "a changed env is redeployed");
}

async fn p_apply(config: &provision::config::Config, _fx: &Fixture) {
    provision::engine::Provisioner::new(config.clone(), common::fast_options()).unwrap().apply().await.expect("apply");
}

#[tokio::test]
async fn full_access_policy_when_asked_and_back_to_least_privilege() {
    let fx = Fixture::new("").await;
    let mut config = fx.config.clone();
    config.aliyun.policy = provision::config::OssPolicyChoice::FullAccess;
    provision::engine::Provisioner::new(config, common::fast_options()).unwrap().apply().await.expect("apply");
    let attached = fx.cloud.ram.attached_policies("lobehub-oss");
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0].1, "AliyunOSSFullAccess");

    fx.provisioner().apply().await.expect("apply least privilege");
    let attached: Vec<String> = fx.cloud.ram.attached_policies("lobehub-oss").into_iter().map(|(_, n)| n).collect();
    assert_eq!(attached, vec!["lobehub-oss-alice-lobehub-files".to_string()]);
}

#[tokio::test]
async fn invite_links_survive_an_apply_that_fails_later() {
    let fx = Fixture::new("").await;
    // The build fails (a variable the tool never sets is required), after the users got their links.
    let mut rules = sandbox::vercel::BuildRules::lobehub();
    rules.required_keys.push("SOMETHING_ELSE".into());
    fx.cloud.vercel.set_build_rules(rules);
    let p = fx.provisioner();
    let err = p.apply().await.expect_err("the deployment fails");
    assert!(err.to_string().contains("deployment"), "{err}");
    assert_eq!(fx.cloud.auth0.tickets().len(), 2);

    fx.cloud.vercel.set_build_rules(sandbox::vercel::BuildRules::lobehub());
    let outcome = p.apply().await.expect("apply");
    let mut emails: Vec<_> = outcome.invites.iter().map(|(e, _)| e.clone()).collect();
    emails.sort();
    assert_eq!(emails, ["alice@example.com", "bob@example.com"]);
    assert_eq!(fx.cloud.auth0.tickets().len(), 2, "no new ticket was issued");
    // Shown again until acknowledged as shown, then never again.
    assert_eq!(p.apply().await.expect("apply").invites.len(), 2, "not acknowledged yet: still pending");
    p.invites_shown(&emails).expect("acknowledge");
    assert!(p.apply().await.expect("apply").invites.is_empty());
}

// ---- issue 11: a real user's first run ----

use sandbox::cloud::CloudOptions;

fn taken_lobehub() -> CloudOptions {
    CloudOptions { vercel_taken_names: vec!["lobehub".into()], ..Default::default() }
}

fn env_of(fx: &Fixture, key: &str) -> Vec<(String, Vec<String>)> {
    fx.cloud
        .vercel
        .env("lobehub")
        .into_iter()
        .filter(|v| v.key == key)
        .map(|v| (v.value.clone(), v.targets.iter().cloned().collect()))
        .collect()
}

#[tokio::test]
async fn a_taken_vercel_app_name_is_never_used_the_fallback_is_claimed_and_built_once() {
    let fx = Fixture::with_options(taken_lobehub(), "[app]\nvercel_app_fallbacks = [\"lobehub-alice\"]").await;
    let p = fx.provisioner();
    let outcome = p.apply().await.expect("apply");
    assert_eq!(outcome.app_url, "https://lobehub-alice.vercel.app");
    assert_eq!(
        env_of(&fx, "APP_URL"),
        vec![("https://lobehub-alice.vercel.app".to_string(), vec!["production".to_string()])]
    );
    assert!(fx.cloud.vercel.domains("lobehub").contains(&("lobehub-alice.vercel.app".to_string(), true)));
    assert!(!fx.cloud.vercel.domains("lobehub").iter().any(|(d, _)| d == "lobehub.vercel.app"));
    // Auth0 and CORS name only the confirmed host.
    let app = fx.cloud.auth0.clients().into_iter().find(|c| c["name"] == "LobeHub").expect("application");
    let callbacks: Vec<String> =
        app["callbacks"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(callbacks.contains(&"https://lobehub-alice.vercel.app/api/auth/callback/auth0".to_string()));
    assert!(callbacks.iter().all(|c| c.starts_with("https://lobehub-alice.vercel.app/")), "{callbacks:?}");
    let cors = fx.cloud.oss.bucket("alice-lobehub-files").unwrap().cors.expect("cors");
    let cors = format!("{cors:?}");
    assert!(
        cors.contains("https://lobehub-alice.vercel.app") && !cors.contains("https://lobehub.vercel.app"),
        "{cors}"
    );
    // Exactly one build.
    assert_eq!(fx.cloud.vercel.deployments("lobehub").len(), 1);
    let report = provision::verify::verify(&p).await.expect("verify");
    assert!(report.passed(), "{}", report.render_text());
    let owned = report.checks.iter().find(|c| c.name == "vercel: APP_URL host is the project's").unwrap();
    assert!(owned.detail.contains("lobehub-alice.vercel.app"), "{}", owned.detail);
    // A second apply claims nothing again.
    fx.cloud.log.clear();
    let again = p.apply().await.expect("second apply");
    assert!(!again.plan.has_changes(), "{}", again.plan.render_text());
}

#[tokio::test]
async fn a_taken_name_without_fallbacks_stops_before_anything_is_built() {
    let fx = Fixture::with_options(taken_lobehub(), "").await;
    let err = fx.provisioner().apply().await.expect_err("no host the project owns");
    let text = err.to_string();
    assert!(text.contains("lobehub.vercel.app") && text.contains("vercel_app_fallbacks"), "{text}");
    assert!(fx.cloud.vercel.deployments("lobehub").is_empty(), "nothing built");
    assert!(fx.cloud.auth0.clients().iter().all(|c| c["name"] != "LobeHub"), "no Auth0 application with a guessed URL");
}

#[tokio::test]
async fn verify_fails_when_app_url_is_not_a_domain_of_the_project() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("apply");
    let id = fx.cloud.vercel.env("lobehub").into_iter().find(|v| v.key == "APP_URL").unwrap().id;
    p.services()
        .vercel
        .env(fx.cloud.vercel.project("lobehub").unwrap().id)
        .edit(id)
        .value("https://someone-else.vercel.app")
        .send()
        .await
        .expect("edit");
    let report = provision::verify::verify(&p).await.expect("verify");
    let owned = report.checks.iter().find(|c| c.name == "vercel: APP_URL host is the project's").unwrap();
    assert!(!owned.passed && owned.detail.starts_with("APP_URL"), "{}", report.render_text());
}

#[tokio::test]
async fn private_is_the_default_and_no_step_touches_block_public_access_or_the_acl() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    let outcome = p.apply().await.expect("apply");
    let bucket = fx.cloud.oss.bucket("alice-lobehub-files").unwrap();
    assert_eq!(bucket.acl, "private");
    assert!(bucket.block_public_access);
    let touched: Vec<_> = fx
        .cloud
        .log
        .entries()
        .into_iter()
        .filter(|e| e.service == "oss" && (e.query.contains("acl") || e.query.contains("publicAccessBlock")))
        .filter(|e| e.method == "PUT")
        .collect();
    assert!(touched.is_empty(), "{touched:#?}");
    assert_eq!(env_of(&fx, "S3_SET_ACL")[0].0, "0");
    assert!(env_of(&fx, "S3_PUBLIC_DOMAIN").is_empty());
    assert_eq!(env_of(&fx, "S3_ENDPOINT")[0].0, "https://s3.oss-cn-hangzhou.aliyuncs.com");
    assert!(outcome.plan.render_text().contains("presigned GET"), "{}", outcome.plan.render_text());
    // The RAM policy has no object-ACL action.
    let policy = p
        .services()
        .ram
        .policies()
        .get("lobehub-oss-alice-lobehub-files")
        .policy_type(oss_client::ram::PolicyType::Custom)
        .send()
        .await
        .expect("policy");
    let doc = policy.document().expect("document").to_json().unwrap();
    assert!(!doc.contains("Acl"), "{doc}");
    let report = provision::verify::verify(&p).await.expect("verify");
    assert!(report.passed(), "{}", report.render_text());
    for name in ["oss: read back (presigned GET)", "oss: bucket private", "oss: clean-up (batch delete)"] {
        assert!(report.checks.iter().any(|c| c.name == name && c.passed), "{name}: {}", report.render_text());
    }
    assert!(fx.cloud.oss.bucket("alice-lobehub-files").unwrap().objects.is_empty(), "verify cleaned up");
}

#[tokio::test]
async fn public_read_is_opt_in_and_verify_reads_through_the_public_domain() {
    let fx = Fixture::new("").await;
    let mut config = fx.config.clone();
    config.aliyun.access = provision::config::BucketAccess::PublicRead;
    config.aliyun.access_explicit = true;
    let p = provision::engine::Provisioner::new(config, common::fast_options()).expect("provisioner");
    let outcome = p.apply().await.expect("apply");
    let bucket = fx.cloud.oss.bucket("alice-lobehub-files").unwrap();
    assert_eq!(bucket.acl, "public-read");
    assert!(!bucket.block_public_access);
    assert_eq!(env_of(&fx, "S3_SET_ACL")[0].0, "1");
    assert_eq!(env_of(&fx, "S3_PUBLIC_DOMAIN")[0].0, "https://alice-lobehub-files.oss-cn-hangzhou.aliyuncs.com");
    assert!(outcome.plan.render_text().contains("to anyone who has its URL"), "{}", outcome.plan.render_text());
    let report = provision::verify::verify(&p).await.expect("verify");
    assert!(report.passed(), "{}", report.render_text());
    assert!(report.checks.iter().any(|c| c.name == "oss: read back (public URL)" && c.passed));

    // Back to the default (not written in the file): the bucket is left public, the plan says so.
    let p2 = fx.provisioner();
    let plan = p2.plan().await.expect("plan");
    let text = plan.plan.render_text();
    assert!(text.contains("apply does not switch an existing bucket unless asked"), "{text}");
    p2.apply().await.expect("apply");
    assert_eq!(fx.cloud.oss.bucket("alice-lobehub-files").unwrap().acl, "public-read");
    // Asked explicitly: switched to private with Block Public Access on.
    let mut config = fx.config.clone();
    config.aliyun.access_explicit = true;
    let p3 = provision::engine::Provisioner::new(config, common::fast_options()).expect("provisioner");
    p3.apply().await.expect("apply");
    let bucket = fx.cloud.oss.bucket("alice-lobehub-files").unwrap();
    assert_eq!(bucket.acl, "private");
    assert!(bucket.block_public_access);
}

#[tokio::test]
async fn a_new_account_with_a_mainland_bucket_stops_before_the_build_with_the_cause_and_fixes() {
    let fx = Fixture::with_options(CloudOptions { aliyun_new_account: true, ..Default::default() }, "").await;
    let plan = fx.provisioner().plan().await.expect("plan");
    assert!(plan.plan.render_text().contains("PublicEndpointForbidden"), "plan warns: {}", plan.plan.render_text());
    let err = fx.provisioner().apply().await.expect_err("PublicEndpointForbidden");
    let text = err.to_string();
    for needle in ["PublicEndpointForbidden", "0048-00000401", "cn-hongkong", "ap-southeast-1", "custom domain"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert!(fx.cloud.vercel.deployments("lobehub").is_empty(), "nothing built");
}

#[tokio::test]
async fn a_new_account_outside_the_mainland_is_not_affected() {
    let options = CloudOptions { aliyun_new_account: true, region: "cn-hongkong".into(), ..Default::default() };
    let fx = Fixture::with_options(options, "").await;
    let mut config = fx.config.clone();
    config.aliyun.region = "cn-hongkong".into();
    let p = provision::engine::Provisioner::new(config, common::fast_options()).expect("provisioner");
    p.apply().await.expect("apply outside the mainland");
    let report = provision::verify::verify(&p).await.expect("verify");
    assert!(report.passed(), "{}", report.render_text());
}

#[tokio::test]
async fn previews_are_opt_in_with_their_own_database_and_app_url() {
    let fx = Fixture::new("").await;
    // Default: production only.
    fx.provisioner().apply().await.expect("apply");
    assert!(
        fx.cloud.vercel.env("lobehub").iter().all(|v| !v.targets.contains("preview")),
        "LobeHub's variables target production only by default"
    );
    // Opted in.
    let mut env = fx.cloud.credentials_env();
    env.insert("PREVIEW_DATABASE_URL".into(), "postgres://u:p@preview-db/lobehub".into());
    let text = common::config_text(
        &fx.cloud,
        &fx.state_path(),
        "[previews]\nenabled = true\ndomain = \"preview.example.com\"\ngit_branch = \"preview\"",
    );
    let config = provision::config::Config::from_toml(&text, &env).expect("config");
    let p = provision::engine::Provisioner::new(config, common::fast_options()).expect("provisioner");
    p.apply().await.expect("apply with previews");
    let app = env_of(&fx, "APP_URL");
    assert!(app.contains(&("https://preview.example.com".to_string(), vec!["preview".to_string()])), "{app:?}");
    assert!(app.contains(&("https://lobehub.vercel.app".to_string(), vec!["production".to_string()])), "{app:?}");
    let db = env_of(&fx, "DATABASE_URL");
    assert_eq!(db.len(), 2, "{db:?}");
    let bucket = env_of(&fx, "S3_BUCKET");
    assert_eq!(bucket[0].1, ["preview", "production"]);
    let callbacks = fx.cloud.auth0.clients().into_iter().find(|c| c["name"] == "LobeHub").unwrap()["callbacks"].clone();
    assert!(callbacks.to_string().contains("https://preview.example.com/api/auth/callback/auth0"), "{callbacks}");
    // Converged afterwards.
    let again = p.apply().await.expect("again");
    assert!(!again.plan.has_changes(), "{}", again.plan.render_text());
}
