//! Runs `conformance/steps/vercel_sdk.mjs` (the official `@vercel/sdk` 1.28.35 against the Vercel simulator) until
//! the conformance runner (`conformance/run`) takes it over. Needs `node` and the SDK installed in
//! `conformance/node_modules` (`cd conformance && npm install @vercel/sdk@1.28.35`), hence ignored by default:
//!
//! ```text
//! cargo test -p sandbox --test vercel_sdk_step -- --ignored
//! ```
#![cfg(feature = "vercel")]

use sandbox::RequestLog;
use sandbox::vercel::VercelSim;
use std::path::PathBuf;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node and conformance/node_modules/@vercel/sdk"]
async fn the_official_sdk_accepts_every_answer_the_workspace_relies_on() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let step = root.join("conformance/steps/vercel_sdk.mjs");
    assert!(
        root.join("conformance/node_modules/@vercel/sdk").is_dir(),
        "install the SDK first: cd conformance && npm install @vercel/sdk@1.28.35"
    );
    // The step's `// sandbox-flags: --vercel-taken-name lobehub`.
    let sim =
        VercelSim::builder().vercel_app_taken("lobehub").build_duration(std::time::Duration::from_millis(200)).build();
    let server = sim.clone().start(RequestLog::new()).await.expect("simulator starts");
    let mut command = std::process::Command::new("node");
    command
        .arg(&step)
        .env("SANDBOX_VERCEL_BASE_URL", server.base_url())
        .env("SANDBOX_VERCEL_TOKEN", sim.token())
        .env("SANDBOX_VERCEL_TEAM_ID", sim.team_id());
    let out = tokio::task::spawn_blocking(move || command.output()).await.expect("joined").expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the SDK refused simulator answers (see the FAIL lines above)");
}
