//! The `provision` command line: doctor on the original guide's env set and on a current one, apply and verify
//! against the simulators, and destroy refusing without confirmation — with the documented exit codes.

mod common;

use clap::Parser;
use common::{Fixture, fast_options};
use provision::cli::{self, Cli};
use secrecy::ExposeSecret;

const SEED_ENV: &str = "\
# The variables the original guide ends with (LobeChat 1.x, NextAuth).
DATABASE_URL=postgresql://u:p@ep-x.neon.tech/db
NEXT_PUBLIC_SERVICE_MODE=server
KEY_VAULTS_SECRET=Kix2Fj6B0Rk8cUAbdHoBQO8uZtZ9tk3X8d2q8iKrQiI=
APP_URL=https://chat.example.com
NEXT_PUBLIC_ENABLE_NEXT_AUTH=1
NEXT_AUTH_SECRET=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=
NEXT_AUTH_SSO_PROVIDERS=auth0
AUTH_AUTH0_ID=abc
AUTH_AUTH0_SECRET=def
AUTH_AUTH0_ISSUER=https://tenant.us.auth0.com
NEXTAUTH_URL=https://chat.example.com/api/auth
S3_ACCESS_KEY_ID=LT123123123123
S3_SECRET_ACCESS_KEY=y524523452345234cG976h822346346gB
S3_ENDPOINT=https://oss-cn-beijing.aliyuncs.com
S3_BUCKET=liujianmeisima
S3_PUBLIC_DOMAIN=https://zhaojiesima.oss-cn-beijing.aliyuncs.com
";

fn current_env() -> String {
    let jwks = provision::secrets::generate_jwks_key().expect("jwks");
    format!(
        "APP_URL=https://chat.example.com
DATABASE_URL=postgresql://u:p@ep-x.neon.tech/db
KEY_VAULTS_SECRET={kv}
AUTH_SECRET={auth}
JWKS_KEY='{jwks}'
AUTH_SSO_PROVIDERS=auth0
AUTH_DISABLE_EMAIL_PASSWORD=1
AUTH_AUTH0_ID=abc
AUTH_AUTH0_SECRET=def
AUTH_AUTH0_ISSUER=https://tenant.us.auth0.com/
S3_ACCESS_KEY_ID=LTAI5tExample
S3_SECRET_ACCESS_KEY=secret
S3_BUCKET=files
S3_ENDPOINT=https://oss-cn-beijing.aliyuncs.com
S3_REGION=cn-beijing
S3_PUBLIC_DOMAIN=https://files.oss-cn-beijing.aliyuncs.com
S3_ENABLE_PATH_STYLE=0
S3_SET_ACL=0
",
        kv = provision::secrets::random_base64_32().expose_secret(),
        auth = provision::secrets::random_base64_32().expose_secret(),
        jwks = jwks.expose_secret(),
    )
}

#[tokio::test]
async fn doctor_exit_codes_on_the_guides_env_and_a_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.env");
    std::fs::write(&seed, SEED_ENV).unwrap();
    let current = dir.path().join("current.env");
    std::fs::write(&current, current_env()).unwrap();
    let run = |args: Vec<String>| async move { cli::run(Cli::parse_from(args)).await };
    let path = |p: &std::path::Path| p.display().to_string();

    let code = run(vec!["provision".into(), "doctor".into(), "--env-file".into(), path(&seed)]).await;
    assert_eq!(code, cli::EXIT_PROBLEMS, "the guide's variables fail the current build");
    let code = run(vec![
        "provision".into(),
        "doctor".into(),
        "--env-file".into(),
        path(&seed),
        "--profile".into(),
        "legacy-nextauth".into(),
    ])
    .await;
    assert_eq!(code, cli::EXIT_OK, "they are right for LobeChat 1.x");
    let code =
        run(vec!["provision".into(), "--json".into(), "doctor".into(), "--env-file".into(), path(&current)]).await;
    assert_eq!(code, cli::EXIT_OK, "a current env passes");
    let code =
        run(vec!["provision".into(), "doctor".into(), "--env-file".into(), path(&dir.path().join("missing.env"))])
            .await;
    assert_eq!(code, cli::EXIT_CONFIG);
    let code =
        run(vec!["provision".into(), "--config".into(), path(&dir.path().join("nope.toml")), "plan".into()]).await;
    assert_eq!(code, cli::EXIT_CONFIG);
}

#[tokio::test]
async fn apply_verify_doctor_and_an_unconfirmed_destroy_through_the_cli() {
    let fx = Fixture::new("").await;
    let args = |cmd: &[&str]| Cli::parse_from(std::iter::once("provision").chain(cmd.iter().copied()));
    assert_eq!(cli::run_with(args(&["apply"]), fx.config.clone(), fast_options()).await, cli::EXIT_OK);
    assert_eq!(cli::run_with(args(&["verify"]), fx.config.clone(), fast_options()).await, cli::EXIT_OK);
    assert_eq!(cli::run_with(args(&["--json", "doctor"]), fx.config.clone(), fast_options()).await, cli::EXIT_OK);
    // Standard input is not a terminal here: without --yes nothing is removed.
    assert_eq!(cli::run_with(args(&["destroy"]), fx.config.clone(), fast_options()).await, cli::EXIT_NOT_CONFIRMED);
    assert_eq!(fx.cloud.vercel.projects().len(), 1);
    assert_eq!(cli::run_with(args(&["destroy", "--yes"]), fx.config.clone(), fast_options()).await, cli::EXIT_OK);
    assert!(fx.cloud.vercel.projects().is_empty());
}
