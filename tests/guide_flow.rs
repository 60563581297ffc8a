//! The guide's first two steps from code, against the simulators: the GitHub fork (with the upstream-sync
//! workflow disabled and Vercel's access checked) and the Neon database, whose connection URI reaches a real
//! PostgreSQL server when one is installed; verify's database checks; a converged second apply; destroy keeping
//! the database unless its name is typed back.

mod common;

use provision::config::Config;
use provision::engine::Provisioner;
use sandbox::cloud::{CloudOptions, SimulatedCloud};
use sandbox::github::AppAccess;
use std::time::Duration;

fn guide_config(cloud: &SimulatedCloud, dir: &std::path::Path, github: &str, git_repository: &str) -> String {
    format!(
        r#"
profile = "current"
state_file = "{state}"

[vercel]
project = "lobehub"
git_repository = "{git_repository}"

[auth0]
domain = "alice.eu.auth0.com"
trusted_users = ["alice@example.com"]

[aliyun]
region = "cn-hangzhou"
bucket = "alice-lobehub-files"

{github}

[database]
provider = "neon"
neon_region = "aws-eu-central-1"

{endpoints}
"#,
        state = dir.join("state.json").display(),
        endpoints = cloud.endpoints_toml()
    )
}

async fn start() -> (SimulatedCloud, tempfile::TempDir) {
    let cloud = SimulatedCloud::start(CloudOptions { build_duration: Duration::from_millis(60), ..Default::default() })
        .await
        .expect("simulators start");
    cloud.github.set_fork_ready_after(1);
    (cloud, tempfile::tempdir().expect("temp dir"))
}

fn provisioner(text: &str, cloud: &SimulatedCloud) -> Provisioner {
    let mut env = cloud.credentials_env();
    env.remove("DATABASE_URL");
    let config = Config::from_toml(text, &env).expect("valid config");
    Provisioner::new(config, common::fast_options()).expect("provisioner")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_and_neon_database_then_verify_against_real_postgres_and_converge() {
    let (cloud, dir) = start().await;
    let text = guide_config(&cloud, dir.path(), "[github]", "octo-owner/lobehub");
    let p = provisioner(&text, &cloud);

    // The plan changes nothing and announces the fork, the workflow and the Neon project.
    let plan = p.plan().await.expect("plan");
    let shown = plan.plan.render_text();
    assert!(shown.contains("fork octo-owner/lobehub"), "{shown}");
    assert!(shown.contains("project lobehub"), "{shown}");
    assert!(cloud.log.mutating().is_empty(), "a plan must not write: {:?}", cloud.log.mutating());

    let applied = p.apply().await.expect("apply");
    let (fork, parent, workflows) = cloud.github.repository("octo-owner/lobehub").expect("the fork exists");
    assert_eq!(fork, "octo-owner/lobehub");
    assert_eq!(parent.as_deref(), Some("lobehub/lobehub"));
    let sync = workflows.iter().find(|w| w.path.ends_with("sync.yml")).expect("sync workflow");
    assert_eq!(sync.state, "disabled_manually", "auto_sync defaults to false");
    assert_eq!(cloud.neon.project_count(), 1);
    let env: std::collections::BTreeMap<_, _> = applied.env.iter().cloned().collect();
    assert!(env.contains_key("DATABASE_URL"));
    assert!(!env.contains_key("DATABASE_DRIVER"), "Neon uses LobeHub's default driver");
    assert!(!format!("{:?}", applied.env).contains("npg_"), "the password is masked");

    let report = provision::verify::verify(&p).await.expect("verify");
    let select = report.checks.iter().find(|c| c.name == "database: select 1").expect("select 1 check");
    let migrations =
        report.checks.iter().find(|c| c.name == "database: LobeHub migrations ran").expect("migrations check");
    assert!(migrations.not_run && migrations.detail.contains("__drizzle_migrations"), "{}", report.render_text());
    if cloud.neon.postgres_available() {
        assert!(select.passed, "{}", report.render_text());
        assert!(select.detail.contains("PostgreSQL"), "{}", select.detail);
        assert!(report.passed(), "{}", report.render_text());
    } else {
        eprintln!("PostgreSQL is not installed: the select 1 check could not reach a real server");
        assert!(!select.passed);
    }

    cloud.log.clear();
    let again = p.apply().await.expect("second apply");
    assert!(!again.plan.has_changes(), "{}", again.plan.render_text());
    assert!(cloud.log.mutating().is_empty(), "second apply wrote: {:?}", cloud.log.mutating());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_fork_is_adopted_and_auto_sync_enables_the_workflow() {
    let (cloud, dir) = start().await;
    // The user forked earlier and renamed the fork; then disabled its sync by hand.
    let http = reqwest::Client::new();
    let gh = cloud.github_server.base_url();
    let r = http
        .post(format!("{gh}/repos/lobehub/lobehub/forks"))
        .bearer_auth(cloud.github.token())
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("fork");
    assert_eq!(r.status().as_u16(), 202);
    cloud.github.rename("octo-owner/lobehub", "my-chat");
    let r = http
        .put(format!("{gh}/repos/octo-owner/my-chat/actions/workflows/sync.yml/disable"))
        .bearer_auth(cloud.github.token())
        .send()
        .await
        .expect("disable");
    assert_eq!(r.status().as_u16(), 204);

    let text = guide_config(&cloud, dir.path(), "[github]\nauto_sync = true", "octo-owner/my-chat");
    let p = provisioner(&text, &cloud);
    cloud.log.clear();
    p.apply().await.expect("apply");
    let forks = cloud.log.for_service("github").into_iter().filter(|e| e.method == "POST").count();
    assert_eq!(forks, 0, "an existing fork is adopted, not forked again");
    let (_, _, workflows) = cloud.github.repository("octo-owner/my-chat").expect("fork");
    assert_eq!(workflows.iter().find(|w| w.path.ends_with("sync.yml")).map(|w| w.state.as_str()), Some("active"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vercel_without_access_to_the_fork_stops_with_the_page_to_grant_it() {
    let (cloud, dir) = start().await;
    cloud.github.set_vercel_app("octo-owner", Some(AppAccess::Selected(vec!["octo-owner/other".into()])));
    let text = guide_config(&cloud, dir.path(), "[github]", "octo-owner/lobehub");
    let p = provisioner(&text, &cloud);
    let err = p.apply().await.expect_err("must stop").to_string();
    assert!(err.contains("https://github.com/settings/installations/"), "{err}");
    assert!(err.contains("octo-owner/lobehub"), "{err}");

    cloud.github.set_vercel_app("octo-owner", None);
    let err = p.apply().await.expect_err("must stop").to_string();
    assert!(err.contains(provision::steps::github::VERCEL_APP_INSTALL_URL), "{err}");
}

#[tokio::test]
async fn database_url_is_required_only_for_the_url_provider() {
    let (cloud, dir) = start().await;
    let mut env = cloud.credentials_env();
    env.remove("DATABASE_URL");
    let neon = guide_config(&cloud, dir.path(), "", "octo-owner/lobehub");
    Config::from_toml(&neon, &env).expect("neon needs no DATABASE_URL");
    let url = neon.replace("provider = \"neon\"", "provider = \"url\"");
    let err = Config::from_toml(&url, &env).expect_err("url needs DATABASE_URL");
    assert!(err.mentions("env DATABASE_URL"), "{err}");
    let integration = neon.replace("provider = \"neon\"", "provider = \"vercel-integration\"");
    Config::from_toml(&integration, &env).expect("the integration's variable is kept");
    let mut no_key = env.clone();
    no_key.remove("NEON_API_KEY");
    let err = Config::from_toml(&neon, &no_key).expect_err("neon needs NEON_API_KEY");
    assert!(err.mentions("env NEON_API_KEY"), "{err}");
    let err = Config::from_toml(&neon.replace("aws-eu-central-1", "eu-central-1"), &env).expect_err("bad region");
    assert!(err.mentions("database.neon_region"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_keeps_the_database_unless_its_name_is_typed_back() {
    let (cloud, dir) = start().await;
    let text = guide_config(&cloud, dir.path(), "", "alice/lobehub");
    let p = provisioner(&text, &cloud);
    p.apply().await.expect("apply");
    assert_eq!(cloud.neon.project_count(), 1);

    let mut kept = provision::steps::database::destroy_database(&p, None).await.expect("destroy");
    assert!(kept.render_text().contains("kept"), "{}", kept.render_text());
    assert!(provision::destroy::execute(&p, &mut kept).await.is_empty());
    assert_eq!(cloud.neon.project_count(), 1);

    let err = provision::steps::database::destroy_database(&p, Some("lobehub-typo")).await.expect_err("refused");
    assert!(err.to_string().contains("nothing was deleted"), "{err}");
    assert_eq!(cloud.neon.project_count(), 1);

    let mut delete = provision::steps::database::destroy_database(&p, Some("lobehub")).await.expect("planned");
    assert_eq!(cloud.neon.project_count(), 1, "planning deletes nothing");
    let failures = provision::destroy::execute(&p, &mut delete).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(cloud.neon.project_count(), 0);
}
