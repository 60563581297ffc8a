//! `provision plan --out FILE` / `provision apply FILE` (issue 15): the saved plan holds no secret, is executed
//! exactly, and is refused — before anything is written — when the live state or the configuration changed
//! since it was made.

mod common;

use clap::Parser;
use common::{Fixture, convergence_problems, fast_options};
use oss_client::bucket::cors::{CorsConfiguration, CorsMethod, CorsRule};
use provision::cli::{self, Cli};
use provision::saved_plan::SavedPlan;

/// Mutating requests other than Auth0 token requests (a POST that changes nothing).
fn writes(fx: &Fixture) -> Vec<String> {
    fx.cloud
        .log
        .mutating()
        .iter()
        .filter(|e| !e.path.ends_with("/oauth/token"))
        .map(|e| format!("{} {} {}", e.service, e.method, e.path))
        .collect()
}

fn rows(plan: &provision::plan::Plan) -> Vec<(String, String, provision::plan::Action)> {
    plan.resources.iter().map(|r| (r.service.clone(), r.resource.clone(), r.action)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_of_a_fresh_deployment_holds_no_secret_and_is_executed_exactly() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    let (shown, saved) = p.plan_saved().await.expect("plan");
    assert!(writes(&fx).is_empty(), "a plan must not write: {:?}", writes(&fx));
    assert!(!saved.stages.is_empty(), "every stage is in the plan");
    assert!(saved.plan.ops().count() > 5, "the changes carry their operations:\n{}", saved.plan.render_text());

    let path = fx.dir.path().join("plan.json");
    saved.write(&path).expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    for (name, secret) in fx.cloud.credentials_env() {
        if name.contains("TOKEN")
            || name.contains("SECRET")
            || name.contains("PASSWORD")
            || name.contains("DATABASE_URL")
        {
            assert!(secret.len() < 6 || !text.contains(&secret), "{name} is in the plan file");
        }
    }
    let saved = SavedPlan::read(&path).expect("read back");

    let applied = p.apply_saved(&saved).await.expect("apply the saved plan");
    assert_eq!(rows(&applied.plan), rows(&shown.plan), "apply executed the reviewed plan");
    assert!(convergence_problems(&fx).is_empty(), "{:?}", convergence_problems(&fx));
    let again = p.plan().await.expect("plan");
    assert!(!again.plan.has_changes(), "{}", again.plan.render_text());
    // The same file again: the live state is no longer what it was made from.
    fx.cloud.log.clear();
    let e = p.apply_saved(&saved).await.expect_err("an executed plan is stale");
    assert!(e.is_stale_plan(), "{e}");
    assert!(writes(&fx).is_empty(), "{:?}", writes(&fx));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_whose_live_state_changed_is_refused_before_any_write() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("apply");
    // Drift: the CORS rule is gone; the plan puts it back.
    let bucket = p.services().oss.bucket("alice-lobehub-files");
    bucket.delete_cors().send().await.expect("delete cors");
    let (_, saved) = p.plan_saved().await.expect("plan");
    assert!(saved.plan.render_text().contains("cors"), "{}", saved.plan.render_text());

    // Someone else changes the bucket's CORS after the plan was reviewed.
    let theirs = CorsRule::new().allowed_origin("https://other.example.com").allowed_methods([CorsMethod::Get]);
    bucket.put_cors(CorsConfiguration::new(vec![theirs])).send().await.expect("put cors");
    fx.cloud.log.clear();
    let e = p.apply_saved(&saved).await.expect_err("stale");
    let text = e.to_string();
    assert!(matches!(e, provision::Error::StalePlan { ref stage, .. } if stage == "oss.cors"), "{text}");
    assert!(text.contains("plan --out"), "the fix is named: {text}");
    assert!(writes(&fx).is_empty(), "nothing was written: {:?}", writes(&fx));
    let cors = fx.cloud.oss.bucket("alice-lobehub-files").expect("bucket").cors.expect("cors");
    assert!(format!("{cors:?}").contains("other.example.com"), "their rule is untouched");

    // A plan made now is current, and runs.
    let (_, fresh) = p.plan_saved().await.expect("plan");
    p.apply_saved(&fresh).await.expect("a current plan runs");
    assert!(convergence_problems(&fx).is_empty(), "{:?}", convergence_problems(&fx));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_configuration_makes_the_plan_stale() {
    let fx = Fixture::new("").await;
    let (_, saved) = fx.provisioner().plan_saved().await.expect("plan");
    let mut config = fx.config.clone();
    config.aliyun.ram_user = "someone-else".into();
    let p = provision::engine::Provisioner::new(config, fast_options()).expect("provisioner");
    let e = p.apply_saved(&saved).await.expect_err("stale");
    assert!(matches!(e, provision::Error::StalePlan { ref stage, .. } if stage == "config"), "{e}");
    assert!(writes(&fx).is_empty(), "{:?}", writes(&fx));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_out_then_apply_file_through_the_cli() {
    let fx = Fixture::new("").await;
    let file = fx.dir.path().join("plan.json");
    let file_arg = file.display().to_string();
    let args = |cmd: &[&str]| Cli::parse_from(std::iter::once("provision").chain(cmd.iter().copied()));
    let mut out = Vec::new();
    let code =
        cli::run_with_output(args(&["plan", "--out", &file_arg]), fx.config.clone(), fast_options(), &mut out).await;
    assert_eq!(code, cli::EXIT_OK);
    assert!(String::from_utf8_lossy(&out).contains("+ oss     bucket alice-lobehub-files"));
    assert!(file.exists());
    assert!(writes(&fx).is_empty());
    assert_eq!(cli::run_with(args(&["apply", &file_arg]), fx.config.clone(), fast_options()).await, cli::EXIT_OK);
    assert_eq!(fx.cloud.vercel.projects().len(), 1);
    // Applied once, the file is stale.
    assert_eq!(
        cli::run_with(args(&["apply", &file_arg]), fx.config.clone(), fast_options()).await,
        cli::EXIT_STALE_PLAN
    );
    // Not a plan file.
    std::fs::write(&file, "{}").expect("write");
    assert_eq!(cli::run_with(args(&["apply", &file_arg]), fx.config.clone(), fast_options()).await, cli::EXIT_FAILED);
}
