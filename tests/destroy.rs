//! `destroy` without data loss: on an adopted project only the variables the tool created go (a
//! `KEY_VAULTS_SECRET` or `DATABASE_URL` someone else set stays, with its value); the generated secrets stay in
//! the state file unless `forget_secrets`; what cannot be undone is listed; a failing service does not stop the
//! others, every failure is reported, and a re-run finishes the job.

mod common;

use common::Fixture;
use provision::destroy::{DestroyOptions, destroy};
use sandbox::{FaultMix, Faults};
use vercel_client::GitRepository;

const THEIR_VAULT_KEY: &str = "c29tZW9uZS1lbHNlcy1rZXktb2YtMzItYnl0ZXMtLi4=";
const THEIR_DATABASE: &str = "postgresql://them:pw@db.example.com:5432/lobehub";

#[tokio::test]
async fn an_adopted_project_keeps_every_variable_the_tool_did_not_create() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    // The project exists before provisioning, linked to the repository, with the user's own values.
    p.services()
        .vercel
        .projects()
        .create("lobehub")
        .framework("nextjs")
        .git_repository(GitRepository::github("alice/lobehub"))
        .send()
        .await
        .expect("project");
    fx.cloud.vercel.seed_env("lobehub", "KEY_VAULTS_SECRET", THEIR_VAULT_KEY, "encrypted", &["production", "preview"]);
    fx.cloud.vercel.seed_env("lobehub", "DATABASE_URL", THEIR_DATABASE, "encrypted", &["production", "preview"]);
    fx.cloud.vercel.seed_env("lobehub", "MY_OWN_FLAG", "1", "plain", &["production"]);
    p.apply().await.expect("apply");
    let created: Vec<String> = fx.state_on_disk().created.get("vercel-env").cloned().unwrap_or_default();
    assert!(created.iter().any(|k| k == "APP_URL"), "the tool's own variables are recorded: {created:?}");
    assert!(!created.iter().any(|k| k == "KEY_VAULTS_SECRET" || k == "DATABASE_URL" || k == "MY_OWN_FLAG"));
    let held_vault_key = fx.state_on_disk().generated.get("KEY_VAULTS_SECRET").map(|s| s.expose().to_string());

    let preview = destroy(&p, DestroyOptions { dry_run: true, ..Default::default() }).await.expect("preview");
    assert!(
        preview.env.iter().all(|e| e.key != "KEY_VAULTS_SECRET" && e.key != "DATABASE_URL"),
        "{}",
        preview.render_text()
    );
    assert!(preview.render_text().contains("adopted, not created by provision: kept"));

    destroy(&p, DestroyOptions::default()).await.expect("destroy");
    assert_eq!(fx.cloud.vercel.projects().len(), 1, "the adopted project stays");
    let env = fx.cloud.vercel.env("lobehub");
    let value = |k: &str| env.iter().find(|v| v.key == k).map(|v| v.value.clone());
    assert_eq!(value("MY_OWN_FLAG").as_deref(), Some("1"));
    assert!(value("DATABASE_URL").is_some(), "DATABASE_URL was not the tool's: kept");
    assert!(value("KEY_VAULTS_SECRET").is_some(), "KEY_VAULTS_SECRET was not the tool's: kept");
    for key in &created {
        assert!(value(key).is_none(), "{key} was created by the tool and must be gone");
    }
    // The secrets stay in the state file: a later apply restores the same deployment.
    let state = fx.state_on_disk();
    assert_eq!(state.generated.get("KEY_VAULTS_SECRET").map(|s| s.expose().to_string()), held_vault_key);
    assert!(state.generated.contains_key("AUTH_SECRET"));
    assert!(!state.created.contains_key("vercel-env"));
}

#[tokio::test]
async fn forget_secrets_is_listed_as_irreversible_and_removes_the_copies() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("apply");
    fx.cloud.oss.seed_object("alice-lobehub-files", "files/a.png", "png", "image/png");
    let options = DestroyOptions { forget_secrets: true, delete_bucket_contents: true, ..Default::default() };
    let preview = destroy(&p, DestroyOptions { dry_run: true, ..options }).await.expect("preview");
    let text = preview.render_text();
    assert!(preview.irreversible.iter().any(|w| w.contains("KEY_VAULTS_SECRET")), "{text}");
    assert!(preview.irreversible.iter().any(|w| w.contains("objects in bucket")), "{text}");
    assert!(preview.irreversible.iter().any(|w| w.contains("Vercel project lobehub")), "{text}");
    assert!(text.contains("Cannot be undone:"));
    assert!(fx.state_on_disk().generated.contains_key("KEY_VAULTS_SECRET"), "a preview forgets nothing");

    destroy(&p, options).await.expect("destroy");
    assert!(fx.state_on_disk().generated.is_empty());
    assert!(fx.cloud.oss.bucket_names().is_empty());
}

#[tokio::test]
async fn a_failing_service_does_not_stop_the_others_and_a_rerun_finishes() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("apply");

    // RAM answers every request with 500 (the retries run out); the other services work.
    fx.cloud.ram_server.set_faults(Faults::none().with_failure_rate(1.0).with_mix(FaultMix {
        internal_error: 1,
        service_unavailable: 0,
        throttled: 0,
        connection_reset: 0,
        stall: 0,
        response_lost: 0,
    }));
    let err = destroy(&p, DestroyOptions::default()).await.expect_err("RAM fails");
    let text = err.to_string();
    assert!(text.contains("destroy: list access keys"), "{text}");
    // Everything that does not depend on RAM was removed all the same, and forgotten in the state file.
    assert!(fx.cloud.vercel.projects().is_empty());
    assert!(fx.cloud.auth0.users().is_empty());
    assert!(fx.cloud.oss.bucket_names().is_empty());
    assert_eq!(fx.cloud.ram.user_names(), vec!["lobehub-oss".to_string()]);
    let state = fx.state_on_disk();
    assert!(state.created.contains_key("ram-user"), "what failed stays recorded: {:?}", state.created);
    assert!(!state.created.contains_key("vercel-project") && !state.created.contains_key("oss-bucket"));

    // RAM is back: a re-run (a new process) removes the rest, and touches nothing else.
    fx.cloud.ram_server.set_faults(Faults::none());
    fx.cloud.log.clear();
    drop(p);
    let p = fx.provisioner();
    destroy(&p, DestroyOptions::default()).await.expect("the re-run finishes the job");
    assert!(fx.cloud.ram.user_names().is_empty());
    let state = fx.state_on_disk();
    assert!(state.created.is_empty(), "{:?}", state.created);
    assert!(fx.cloud.log.mutating().iter().all(|e| e.service == "ram"), "{:#?}", fx.cloud.log.mutating());
    // A third run has nothing left to do.
    let again = destroy(&p, DestroyOptions::default()).await.expect("nothing left");
    assert!(!again.has_changes(), "{}", again.render_text());
}
