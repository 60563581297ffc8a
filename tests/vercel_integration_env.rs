//! An integration-owned `DATABASE_URL` (Neon connected through the Vercel Marketplace, vercel.md §6.1 and Gotcha
//! 16): with `[database] url = "vercel-integration"` the tool keeps it (never writes or deletes it) and `doctor`
//! still checks it; without that setting the conflict is a clear error naming the owner and the fix.

mod common;

use common::{Fixture, live_deployment_problems};

const NEON_URL: &str = "postgresql://neondb_owner:npg_simulated@ep-sim-123456-pooler.us-east-2.aws.neon.tech/neondb";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_integration_database_url_is_kept_and_checked() {
    let fx = Fixture::new("[database]\nurl = \"vercel-integration\"\n").await;
    let p = fx.provisioner();
    // No integration connected yet: the apply stops with what to do, before any deployment.
    let err = p.apply().await.expect_err("no integration DATABASE_URL yet");
    let text = err.to_string();
    assert!(text.contains("integration") && text.contains("Neon"), "{text}");
    assert!(fx.cloud.vercel.deployments("lobehub").is_empty(), "no build without a database");

    fx.cloud.vercel.seed_integration_env("lobehub", "DATABASE_URL", NEON_URL, "icfg_neon_sim");
    let outcome = p.apply().await.expect("apply with the integration's DATABASE_URL");
    assert!(outcome.deployment_id.is_some());
    let db: Vec<_> = fx.cloud.vercel.env("lobehub").into_iter().filter(|v| v.key == "DATABASE_URL").collect();
    assert_eq!(db.len(), 1, "one DATABASE_URL");
    assert_eq!(db[0].value, NEON_URL, "the integration's value is untouched");
    assert_eq!(db[0].configuration_id.as_deref(), Some("icfg_neon_sim"));
    assert!(live_deployment_problems(&fx).is_empty(), "{:#?}", live_deployment_problems(&fx));

    let doctor = p.doctor().await.expect("doctor");
    assert!(
        doctor.for_key("DATABASE_URL").iter().all(|f| !f.message.contains("missing") && !f.message.contains("not set")),
        "{}",
        doctor.render_text()
    );

    fx.cloud.log.clear();
    let again = p.apply().await.expect("converged apply");
    assert!(!again.plan.has_changes(), "{}", again.plan.render_text());
    assert!(fx.cloud.log.mutating().is_empty(), "{:#?}", fx.cloud.log.mutating());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_with_the_integration_names_the_owner_and_the_fix() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("initial apply");
    // The user connects Neon afterwards: the integration's DATABASE_URL replaces the tool's.
    let env = fx.cloud.vercel.env("lobehub");
    let ours = env.iter().find(|v| v.key == "DATABASE_URL").expect("DATABASE_URL").id.clone();
    let vercel = &p.services().vercel;
    let project = vercel.projects().get("lobehub").await.expect("project");
    vercel.env(project.id.clone()).delete(&ours).await.expect("delete");
    fx.cloud.vercel.seed_integration_env("lobehub", "DATABASE_URL", NEON_URL, "icfg_neon_sim");

    let err = p.apply().await.expect_err("the tool's DATABASE_URL conflicts with the integration's");
    let text = err.to_string();
    assert!(text.contains("icfg_neon_sim") || text.contains("integration"), "names the owner: {text}");
    assert!(text.contains("vercel-integration"), "names the fix: {text}");
    let db: Vec<_> = fx.cloud.vercel.env("lobehub").into_iter().filter(|v| v.key == "DATABASE_URL").collect();
    assert_eq!(db.len(), 1);
    assert_eq!(db[0].value, NEON_URL, "the integration's variable was neither overwritten nor deleted");
}
