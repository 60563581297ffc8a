//! The state file's cross-process lock: two applies started at once on the same state file run one after the
//! other (the second waits a bounded time), no secret is lost, and a second apply that may not wait stops with a
//! message naming the holder.

mod common;

use common::{Fixture, GENERATED, convergence_problems, fast_options};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_at_once_lose_no_secret() {
    let fx = Fixture::new("").await;
    // Two independent provisioners (as two processes would be), each with its own view of the state file.
    let a = fx.provisioner();
    let b = fx.provisioner();
    let (ra, rb) = futures::join!(a.apply(), b.apply());
    ra.expect("first apply");
    rb.expect("second apply (after waiting for the first)");
    assert!(convergence_problems(&fx).is_empty(), "{:#?}", convergence_problems(&fx));

    // Exactly one access key was created, and its secret is in the state file and in Vercel.
    let state = fx.state_on_disk();
    let key = state.access_key.as_ref().expect("the access key's secret is in the state file");
    assert_eq!(fx.cloud.ram.access_key_ids("lobehub-oss"), vec![key.id.clone()]);
    let env = fx.cloud.vercel.env("lobehub");
    let value = |k: &str| env.iter().find(|v| v.key == k).map(|v| v.value.clone());
    assert_eq!(value("S3_SECRET_ACCESS_KEY").as_deref(), Some(key.secret.expose()));
    for name in GENERATED {
        let held = state.generated.get(name).map(|s| s.expose().to_string());
        assert!(held.is_some(), "{name} is in the state file");
        assert_eq!(value(name), held, "{name} in Vercel is the state file's copy");
    }
    // Both are done: a third run writes nothing.
    fx.cloud.log.clear();
    let third = fx.provisioner().apply().await.expect("third apply");
    assert!(!third.plan.has_changes(), "{}", third.plan.render_text());
    assert!(fx.cloud.log.mutating().is_empty());
}

#[tokio::test]
async fn a_second_apply_that_may_not_wait_names_the_holder() {
    let fx = Fixture::new("").await;
    let first = fx.provisioner();
    let mut options = fast_options();
    options.state_lock_wait = Duration::ZERO;
    let second = fx.provisioner_with(options);
    // `join!` polls the first apply first: it takes the lock before the second asks for it.
    let (ra, rb) = futures::join!(first.apply(), second.apply());
    ra.expect("first apply");
    let text = rb.expect_err("the second stops").to_string();
    assert!(text.contains(&format!("process {}", std::process::id())), "{text}");
    assert!(text.contains("`provision apply`") && text.contains("started"), "{text}");
    // The lock went with the first run: the second can run now.
    second.apply().await.expect("apply after the first finished");
}
