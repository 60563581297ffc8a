//! Live test of the whole flow against real accounts: apply, verify, destroy (with the bucket's contents).
//!
//! `#[ignore]`d with the reason, so a normal run reports it as ignored (never as passed). Run it with
//! `cargo test --test live_provision -- --ignored` when `PROVISION_LIVE_CONFIG` names a configuration file for
//! throw-away sandbox accounts and the credentials it needs are set (VERCEL_TOKEN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET,
//! ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, DATABASE_URL). Everything it creates is
//! destroyed at the end, also when a check fails.

use provision::config::Config;
use provision::engine::{Provisioner, ProvisionerOptions};

#[tokio::test]
#[ignore = "live: needs PROVISION_LIVE_CONFIG and the credentials it names (VERCEL_TOKEN, AUTH0_*, ALIBABA_CLOUD_*, DATABASE_URL)"]
async fn live_apply_verify_destroy() {
    let Some(path) = std::env::var("PROVISION_LIVE_CONFIG").ok().filter(|p| !p.is_empty()) else {
        panic!("the live test needs PROVISION_LIVE_CONFIG (it is run only with --ignored)");
    };
    let config = match Config::load(std::path::Path::new(&path)) {
        Ok(c) => c,
        Err(e) => panic!("PROVISION_LIVE_CONFIG is set but the configuration is unusable:\n{e}"),
    };
    let p = Provisioner::new(config, ProvisionerOptions::default()).expect("clients");
    let applied = p.apply().await;
    let verified = match &applied {
        Ok(_) => Some(provision::verify::verify(&p).await),
        Err(_) => None,
    };
    let destroyed = provision::destroy::destroy(
        &p,
        provision::destroy::DestroyOptions { delete_bucket_contents: true, ..Default::default() },
    )
    .await;
    applied.expect("apply");
    let report = verified.expect("verify ran").expect("verify");
    assert!(report.passed(), "{}", report.render_text());
    destroyed.expect("destroy");
}
