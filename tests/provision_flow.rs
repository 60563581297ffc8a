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
