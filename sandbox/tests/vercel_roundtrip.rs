//! Round trips of `vercel-client` against the Vercel simulator: the provisioning flow end to end, the
//! simulator's documented semantics, and behaviour under injected faults.
#![cfg(feature = "vercel")]

use sandbox::vercel::{BuildRules, VercelSim};
use sandbox::{Faults, RequestLog, SimServer};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use vercel_client::{EnvTarget::*, EnvType, ErrorKind, GitRepository, GitSource, NewEnvVar, VercelClient, WaitOptions};

const REPO: &str = "myorg/lobehub";

fn retry() -> cloud_http::RetryPolicy {
    cloud_http::RetryPolicy::default()
        .with_min_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(10))
        .with_max_retries(8)
}

async fn start(build: Duration) -> (Arc<VercelSim>, SimServer, VercelClient) {
    let sim = VercelSim::builder().build_duration(build).build();
    let server = sim.clone().start(RequestLog::new()).await.unwrap();
    let client = client_for(&sim, &server, Some(sim.team_id()));
    (sim, server, client)
}

fn client_for(sim: &VercelSim, server: &SimServer, team: Option<&str>) -> VercelClient {
    let mut b = VercelClient::builder()
        .token(SecretString::from(sim.token().to_string()))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(2))
        .retry_policy(retry());
    if let Some(t) = team {
        b = b.team_id(t);
    }
    b.build().unwrap()
}

fn fast_wait() -> WaitOptions {
    WaitOptions::default()
        .poll_interval(Duration::from_millis(20))
        .max_poll_interval(Duration::from_millis(60))
        .timeout(Duration::from_secs(10))
}

fn lobehub_env() -> Vec<NewEnvVar> {
    let both = [Production, Preview];
    vec![
        NewEnvVar::encrypted("APP_URL", "https://chat.example.com", both),
        NewEnvVar::sensitive("AUTH_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", both),
        NewEnvVar::sensitive("KEY_VAULTS_SECRET", "a2V5LXZhdWx0cy1zZWNyZXQta2V5LXZhdWx0cw==", both),
        NewEnvVar::sensitive("DATABASE_URL", "postgres://u:p@db.example.com/neondb", both),
        NewEnvVar::plain("AUTH_SSO_PROVIDERS", "auth0", both),
        NewEnvVar::encrypted("AUTH_AUTH0_ID", "client-id", both),
        NewEnvVar::sensitive("AUTH_AUTH0_SECRET", "client-secret", both),
        NewEnvVar::encrypted("AUTH_AUTH0_ISSUER", "https://tenant.auth0.com", both),
        NewEnvVar::encrypted("S3_BUCKET", "lobehub-files", both),
        NewEnvVar::plain("NEXT_PUBLIC_APP_NAME", "LobeHub", both),
        NewEnvVar::encrypted("PREVIEW_ONLY", "x", [Preview]).git_branch("dev"),
    ]
}

#[tokio::test]
async fn provisioning_flow_reaches_ready_and_a_second_sync_writes_nothing() {
    let (sim, server, client) = start(Duration::from_millis(200)).await;
    let log = server.log().clone();

    // 1. Find or create the project, linked to the fork.
    assert!(client.projects().find("lobechat").await.unwrap().is_none());
    let project = client
        .projects()
        .create("lobechat")
        .framework("nextjs")
        .git_repository(GitRepository::github(REPO))
        .send()
        .await
        .unwrap();
    assert!(project.is_linked_to(REPO));
    let repo_id = project.link.as_ref().and_then(|l| l.numeric_repo_id()).unwrap();
    assert_eq!(repo_id, sim.repo_id(REPO));

    // 2. Env for production + preview, with a stale deprecated variable removed.
    sim.seed_env("lobechat", "NEXT_PUBLIC_SERVICE_MODE", "server", "plain", &["production", "preview"]);
    let report =
        client.sync_env(&project.id, lobehub_env()).delete_keys(["NEXT_PUBLIC_SERVICE_MODE"]).send().await.unwrap();
    assert_eq!(report.created.len(), 11);
    assert_eq!(report.deleted.len(), 1);
    assert_eq!(report.requests, 3, "list + one batch create + one batch delete: {report}");
    let stored = sim.env("lobechat");
    assert_eq!(stored.len(), 11);
    assert!(stored.iter().any(|e| e.key == "AUTH_SECRET" && e.kind == "sensitive"));

    // 3. Custom domain (idempotent) and its DNS records.
    let domain = client.domains(&project.id).add("chat.example.com").send().await.unwrap();
    assert!(domain.verified);
    let again = client.domains(&project.id).add("chat.example.com").send().await.unwrap();
    assert_eq!(again.name, "chat.example.com");
    let status = client.domains(&project.id).status("chat.example.com").await.unwrap();
    assert!(!status.is_configured(), "DNS not set yet");
    assert_eq!(status.records.len(), 1);
    assert_eq!(status.records[0].value, sim.dns_recommendations().cname[0]);
    sim.set_dns_configured("chat.example.com", true);
    assert!(client.domains(&project.id).status("chat.example.com").await.unwrap().is_configured());

    // 4. Production deployment from git, waited for.
    let d = client
        .deployments()
        .create("lobechat")
        .project(&project.id)
        .production()
        .git_source(GitSource::github_repo_id(repo_id, "main"))
        .send()
        .await
        .unwrap();
    let ready = client.deployments().wait_until_ready(&d.id, fast_wait()).await.unwrap();
    assert!(ready.is_ready());
    assert!(ready.alias.contains(&"chat.example.com".to_string()), "{:?}", ready.alias);

    // 5. The same set again: only the list request, no write.
    let writes_before = log.mutating().len();
    let requests_before = log.len();
    let report = client.sync_env(&project.id, lobehub_env()).send().await.unwrap();
    assert!(report.is_converged(), "{report}");
    assert_eq!(report.requests, 1);
    assert_eq!(log.len() - requests_before, 1);
    assert_eq!(log.mutating().len(), writes_before);

    // 6. A changed value: exactly one PATCH; the unchanged ones are not rewritten.
    let mut changed = lobehub_env();
    changed[0] = NewEnvVar::encrypted("APP_URL", "https://chat2.example.com", [Production, Preview]);
    let before = log.mutating().len();
    let report = client.sync_env(&project.id, changed).send().await.unwrap();
    assert_eq!(report.updated.len(), 1);
    assert_eq!(log.mutating().len() - before, 1);
    let app_url = sim.env("lobechat").into_iter().find(|e| e.key == "APP_URL").unwrap();
    assert_eq!(app_url.value, "https://chat2.example.com");

    // 7. Redeploy the latest production deployment.
    let latest = client.deployments().latest(&project.id, Some("production")).await.unwrap().unwrap();
    assert_eq!(latest.uid, d.id);
    let redeploy = client.deployments().create("lobechat").redeploy(&latest.uid).production().send().await.unwrap();
    client.deployments().wait_until_ready(&redeploy.id, fast_wait()).await.unwrap();

    // 8. Tear down.
    client.domains(&project.id).remove("chat.example.com").await.unwrap();
    let ids: Vec<String> = client.env(&project.id).list().await.unwrap().into_iter().map(|e| e.id).collect();
    let deleted = client.env(&project.id).batch_delete(&ids).await.unwrap();
    assert_eq!(deleted.deleted, 11);
    client.projects().delete(&project.id).await.unwrap();
    assert!(sim.projects().is_empty());
}

#[tokio::test]
async fn lobehub_build_fails_on_deprecated_or_missing_variables() {
    let (sim, _server, client) = start(Duration::from_millis(80)).await;
    let p = client.projects().create("lobechat").git_repository(GitRepository::github(REPO)).send().await.unwrap();
    let mut env = lobehub_env();
    env.push(NewEnvVar::plain("NEXTAUTH_URL", "https://chat.example.com", [Production]));
    client.sync_env(&p.id, env).send().await.unwrap();
    let deploy = |target_production: bool| {
        let c = client.deployments().create("lobechat").git_source(GitSource::github(REPO, "main"));
        if target_production { c.production() } else { c }
    };
    let d = deploy(true).send().await.unwrap();
    let err = client.deployments().wait_until_ready(&d.id, fast_wait()).await.unwrap_err();
    let failure = err.deployment_failure().unwrap();
    assert_eq!(failure.ready_state, "ERROR");
    assert_eq!(failure.error_code.as_deref(), Some("BUILD_UTILS_SPAWN_1"));
    assert!(failure.error_message.as_deref().unwrap().contains("NEXTAUTH_URL"), "{failure}");
    assert!(failure.inspector_url.is_some());

    // The preview target does not carry NEXTAUTH_URL: its build passes.
    let d = deploy(false).send().await.unwrap();
    client.deployments().wait_until_ready(&d.id, fast_wait()).await.unwrap();

    // Missing a required variable fails too.
    let q = client.projects().create("second").git_repository(GitRepository::github(REPO)).send().await.unwrap();
    client.sync_env(&q.id, vec![NewEnvVar::sensitive("AUTH_SECRET", "x", [Production])]).send().await.unwrap();
    let d = client
        .deployments()
        .create("second")
        .production()
        .git_source(GitSource::github(REPO, "main"))
        .send()
        .await
        .unwrap();
    let err = client.deployments().wait_until_ready(&d.id, fast_wait()).await.unwrap_err();
    assert!(err.to_string().contains("KEY_VAULTS_SECRET is required"), "{err}");

    // A project that is not LobeHub: the rules are off.
    sim.set_build_rules(BuildRules::none());
    let d = client
        .deployments()
        .create("second")
        .production()
        .git_source(GitSource::github(REPO, "main"))
        .send()
        .await
        .unwrap();
    assert!(client.deployments().wait_until_ready(&d.id, fast_wait()).await.unwrap().is_ready());
}

#[tokio::test]
async fn deployments_move_through_queued_and_building_and_can_be_canceled() {
    let (sim, _server, client) = start(Duration::from_secs(2)).await;
    sim.set_build_rules(BuildRules::none());
    client.projects().create("site").git_repository(GitRepository::github(REPO)).send().await.unwrap();
    let d = client.deployments().create("site").git_source(GitSource::github(REPO, "main")).send().await.unwrap();
    assert_eq!(d.ready_state, vercel_client::ReadyState::Queued);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(client.deployments().get(&d.id).await.unwrap().ready_state, vercel_client::ReadyState::Building);
    let short = fast_wait().timeout(Duration::from_millis(50));
    let err = client.deployments().wait_until_ready(&d.id, short).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::WaitTimedOut { .. }));
    client.deployments().cancel(&d.id).await.unwrap();
    let err = client.deployments().wait_until_ready(&d.id, fast_wait()).await.unwrap_err();
    assert_eq!(err.deployment_failure().unwrap().ready_state, "CANCELED");
    assert_eq!(sim.deployment_state(&d.id), Some("CANCELED"));
    // A git source that is not the linked repository is refused.
    let err = client
        .deployments()
        .create("site")
        .git_source(GitSource::github("other/repo", "main"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("incorrect_git_source_info"));
}

#[tokio::test]
async fn team_scoping_and_tokens() {
    let (sim, server, client) = start(Duration::from_millis(50)).await;
    client.projects().create("scoped").send().await.unwrap();
    let personal = client_for(&sim, &server, None);
    assert_eq!(personal.projects().get("scoped").await.unwrap_err().kind(), &ErrorKind::NotFound);
    let wrong_team = client_for(&sim, &server, Some("team_other"));
    assert_eq!(wrong_team.projects().get("scoped").await.unwrap_err().kind(), &ErrorKind::Forbidden);
    sim.add_team_with_token("team_other", "other", "other-token");
    assert_eq!(
        wrong_team.projects().get("scoped").await.unwrap_err().kind(),
        &ErrorKind::Forbidden,
        "not the token's team"
    );
    let by_slug = VercelClient::builder()
        .token(SecretString::from(sim.token().to_string()))
        .team_slug(sim.team_slug())
        .base_url(server.base_url())
        .build()
        .unwrap();
    assert_eq!(by_slug.projects().get("scoped").await.unwrap().name, "scoped");
    let bad = VercelClient::builder().token(SecretString::from("nope")).base_url(server.base_url()).build().unwrap();
    assert_eq!(
        bad.projects().list().await.unwrap_err().kind(),
        &ErrorKind::InvalidToken,
        "403 with invalidToken: true"
    );
}

#[tokio::test]
async fn projects_conflict_git_errors_and_pagination() {
    let (sim, _server, client) = start(Duration::from_millis(50)).await;
    client.projects().create("taken").send().await.unwrap();
    let err = client.projects().create("taken").send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Conflict);
    assert!(err.to_string().contains("already exists"));

    sim.set_github_connected(false);
    let err = client.projects().create("linked").git_repository(GitRepository::github(REPO)).send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::GitIntegration);
    assert_eq!(err.action(), Some("Add a Login Connection"));
    assert!(err.link().unwrap().starts_with("https://vercel.com/docs"));
    sim.set_github_connected(true);
    sim.set_github_app_installed(false);
    let err = client.projects().link("taken", &GitRepository::github(REPO)).await.unwrap_err();
    assert_eq!(err.action(), Some("Install GitHub App"));
    sim.set_github_app_installed(true);
    let linked = client.projects().link("taken", &GitRepository::github(REPO)).await.unwrap();
    assert!(linked.is_linked_to(REPO));
    assert!(client.projects().unlink("taken").await.unwrap().link.is_none());
    let updated =
        client.projects().update("taken").framework("nextjs").disable_vercel_authentication().send().await.unwrap();
    assert_eq!(updated.framework.as_deref(), Some("nextjs"));

    for i in 0..104 {
        client.projects().create(format!("p{i:03}")).send().await.unwrap();
    }
    let all = client.projects().list().await.unwrap();
    assert_eq!(all.len(), 105, "two pages of 100");
    let names: std::collections::HashSet<_> = all.iter().map(|p| p.name.clone()).collect();
    assert_eq!(names.len(), 105, "no duplicates across pages");
}

#[tokio::test]
async fn env_conflicts_upsert_failed_entries_and_write_only_sensitive() {
    let (sim, _server, client) = start(Duration::from_millis(50)).await;
    client.projects().create("envs").send().await.unwrap();
    let env = client.env("envs");
    env.create(vec![NewEnvVar::encrypted("A", "one", [Production, Preview])]).send().await.unwrap();
    let err = env.create(vec![NewEnvVar::plain("A", "two", [Production])]).send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::EnvConflict);
    assert!(!err.to_string().contains("two"));

    // Upsert updates the value only.
    env.create(vec![NewEnvVar::plain("A", "two", [Production])]).upsert(true).send().await.unwrap();
    let stored = sim.env("envs");
    assert_eq!((stored[0].value.as_str(), stored[0].kind.as_str(), stored[0].targets.len()), ("two", "encrypted", 2));

    // A batch with one conflicting entry: 201 with failed[] naming it; the other is created.
    let err = env
        .create(vec![NewEnvVar::plain("B", "b", [Development]), NewEnvVar::plain("A", "three", [Preview])])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.failed_env_vars().iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["A"]);
    assert_eq!(err.failed_env_vars()[0].code.as_deref(), Some("ENV_CONFLICT"));
    assert!(!err.to_string().contains("three"));
    assert!(sim.env("envs").iter().any(|e| e.key == "B"));

    // Sensitive values never come back, not even from the decrypting endpoints.
    let created = env.create(vec![NewEnvVar::sensitive("S", "write-only-value", [Production])]).send().await.unwrap();
    let id = created[0].id.clone();
    assert!(env.get(&id).await.unwrap().readable_value().is_none());
    for v in env.list_decrypted().await.unwrap() {
        if v.kind == EnvType::Sensitive {
            assert!(v.value.as_ref().is_none_or(|s| s.expose_secret().is_empty()));
        }
    }
    let a = env.list().await.unwrap().into_iter().find(|v| v.key == "A").unwrap();
    assert!(a.readable_value().is_none(), "list without decrypt returns ciphertext");
    assert_eq!(env.get(&a.id).await.unwrap().readable_value().unwrap().expose_secret(), "two");

    // Edit and delete.
    env.edit(&a.id).value("four").send().await.unwrap();
    assert_eq!(sim.env("envs").iter().find(|e| e.key == "A").unwrap().value, "four");
    env.delete(&a.id).await.unwrap();
    assert!(sim.env("envs").iter().all(|e| e.key != "A"));
}

#[tokio::test]
async fn a_domain_held_elsewhere_needs_its_txt_record_then_dns() {
    let (sim, _server, client) = start(Duration::from_millis(50)).await;
    client.projects().create("dom").send().await.unwrap();
    sim.mark_domain_taken("example.com");
    let domains = client.domains("dom");
    let added = domains.add("example.com").send().await.unwrap();
    assert!(!added.verified);
    assert_eq!(added.verification[0].domain, "_vercel.example.com");
    assert!(added.verification[0].value.starts_with("vc-domain-verify=example.com,"));
    let status = domains.status("example.com").await.unwrap();
    let expected_a = &sim.dns_recommendations().ipv4[0];
    let shown: Vec<String> = status.records.iter().map(ToString::to_string).collect();
    assert_eq!(shown[0], format!("example.com A {}", expected_a[0]));
    assert!(shown[1].starts_with("_vercel.example.com TXT vc-domain-verify="), "{shown:?}");

    let err = domains.verify("example.com").await.unwrap_err();
    assert_eq!(err.code(), Some("missing_txt_record"));
    sim.set_txt_record_created("example.com");
    assert!(domains.verify("example.com").await.unwrap().verified);
    let status = domains.status("example.com").await.unwrap();
    assert_eq!(status.records.len(), 1, "no TXT once verified");
    assert!(status.config.misconfigured);
    sim.set_dns_configured("example.com", true);
    let status = domains.status("example.com").await.unwrap();
    assert!(status.is_configured());
    assert_eq!(status.config.configured_by.as_deref(), Some("A"));
    assert_eq!(domains.list().await.unwrap().len(), 2, "the automatic *.vercel.app domain and example.com");

    // Held by another project of the same account: a conflict, not silently adopted.
    client.projects().create("dom2").send().await.unwrap();
    let err = client.domains("dom2").add("example.com").send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Conflict);
}

#[tokio::test]
async fn reads_survive_injected_faults_and_writes_converge_afterwards() {
    let (sim, server, client) = start(Duration::from_millis(60)).await;
    sim.set_build_rules(BuildRules::none());
    let project = client.projects().create("faulty").git_repository(GitRepository::github(REPO)).send().await.unwrap();
    let mix = sandbox::FaultMix {
        internal_error: 1,
        service_unavailable: 1,
        throttled: 2,
        connection_reset: 0,
        stall: 0,
        response_lost: 0,
    };
    server.set_faults(Faults::none().with_failure_rate(0.3).with_mix(mix).with_seed(7));
    // Idempotent reads retry through 500, 503 and 429 (honouring Retry-After) and all succeed.
    for _ in 0..20 {
        assert_eq!(client.projects().get(&project.id).await.unwrap().id, project.id);
    }
    let faults: Vec<_> = server.log().entries().into_iter().filter_map(|e| e.fault).collect();
    for kind in
        [sandbox::FaultKind::InternalError, sandbox::FaultKind::ServiceUnavailable, sandbox::FaultKind::Throttled]
    {
        assert!(faults.contains(&kind), "{kind:?} was injected and absorbed: {faults:?}");
    }
    // A sync under faults may stop at a non-idempotent create (never blindly repeated); once the faults stop,
    // rerunning converges and a further run writes nothing.
    let env = || vec![NewEnvVar::encrypted("A", "1", [Production, Preview]), NewEnvVar::plain("B", "2", [Production])];
    for _ in 0..5 {
        match client.sync_env(&project.id, env()).send().await {
            Ok(_) => break,
            Err(e) => assert!(matches!(e.kind(), ErrorKind::Server | ErrorKind::RateLimited), "{e}"),
        }
    }
    server.set_faults(Faults::none());
    client.sync_env(&project.id, env()).send().await.unwrap();
    let report = client.sync_env(&project.id, env()).send().await.unwrap();
    assert!(report.is_converged() && report.requests == 1, "{report}");
    assert_eq!(sim.env("faulty").len(), 2);
}

#[tokio::test]
async fn split_variables_are_merged_without_conflicts() {
    let (sim, server, client) = start(Duration::from_millis(50)).await;
    client.projects().create("merge").send().await.unwrap();
    sim.seed_env("merge", "A", "old", "encrypted", &["production"]);
    sim.seed_env("merge", "A", "old", "encrypted", &["preview", "development"]);
    let desired = || vec![NewEnvVar::encrypted("A", "new", [Production, Preview])];
    let before = server.log().mutating().len();
    let report = client.sync_env("merge", desired()).send().await.unwrap();
    assert_eq!((report.updated.len(), report.deleted.len(), report.requests), (1, 1, 3), "{report}");
    assert_eq!(server.log().mutating().len() - before, 2);
    let stored = sim.env("merge");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].value, "new");
    assert_eq!(stored[0].targets.iter().map(String::as_str).collect::<Vec<_>>(), ["preview", "production"]);
    assert!(client.sync_env("merge", desired()).send().await.unwrap().is_converged());
}

#[tokio::test]
async fn deployed_app_is_served_on_its_alias_only_when_ready() {
    let sim = sandbox::vercel::VercelSim::builder().build_duration(std::time::Duration::from_millis(40)).build();
    let server = sim.clone().start(sandbox::RequestLog::new()).await.unwrap();
    let http = reqwest::Client::new();
    let get = |host: &'static str| {
        let http = http.clone();
        let url = server.base_url();
        async move { http.get(&url).header("host", host).send().await.unwrap() }
    };
    let missing = get("lobehub.vercel.app").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["x-vercel-error"], "DEPLOYMENT_NOT_FOUND");

    let client = vercel_client::VercelClient::builder()
        .token(secrecy::SecretString::from(sim.token().to_string()))
        .team_id(sim.team_id())
        .base_url(server.base_url())
        .build()
        .unwrap();
    sim.set_build_rules(sandbox::vercel::BuildRules::none());
    let project = client
        .projects()
        .create("lobehub")
        .git_repository(vercel_client::GitRepository::github("me/lobehub"))
        .send()
        .await
        .unwrap();
    let repo_id = project.link.as_ref().and_then(|l| l.numeric_repo_id()).unwrap();
    let dpl = client
        .deployments()
        .create("lobehub")
        .project(project.id.clone())
        .production()
        .git_source(vercel_client::GitSource::github_repo_id(repo_id, "main"))
        .send()
        .await
        .unwrap();
    client
        .deployments()
        .wait_until_ready(
            &dpl.id,
            vercel_client::WaitOptions::default().poll_interval(std::time::Duration::from_millis(10)),
        )
        .await
        .unwrap();
    let page = get("lobehub.vercel.app").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(&dpl.id));
    assert_eq!(get("other.vercel.app").await.status(), 404);
}
