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

/// `current_env()` with `KEY=VALUE` lines replaced or added (an empty value removes the line).
fn current_env_with(changes: &[(&str, &str)]) -> String {
    let mut lines: Vec<String> = current_env().lines().map(str::to_string).collect();
    for (key, value) in changes {
        lines.retain(|l| !l.starts_with(&format!("{key}=")));
        if !value.is_empty() {
            lines.push(format!("{key}={value}"));
        }
    }
    lines.join("\n") + "\n"
}

#[tokio::test]
async fn doctor_env_file_follows_lobehubs_own_rules() {
    let dir = tempfile::tempdir().unwrap();
    /// (what, the changed variables, the expected exit code)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], i32);
    let cases: &[Case] = &[
        ("trailing slash on APP_URL", &[("APP_URL", "https://chat.example.com/")], cli::EXIT_PROBLEMS),
        ("AUTH_SECRET of 31 characters", &[("AUTH_SECRET", "0123456789012345678901234567890")], cli::EXIT_PROBLEMS),
        ("KEY_VAULTS_SECRET of 36 bytes", &[("KEY_VAULTS_SECRET", &"A".repeat(48))], cli::EXIT_PROBLEMS),
        (
            "non-Neon URL without DATABASE_DRIVER",
            &[("DATABASE_URL", "postgres://u:p@db.example.com/lobehub")],
            cli::EXIT_PROBLEMS,
        ),
        (
            "non-Neon URL with DATABASE_DRIVER=node",
            &[("DATABASE_URL", "postgres://u:p@db.example.com/lobehub"), ("DATABASE_DRIVER", "node")],
            cli::EXIT_OK,
        ),
        (
            "issuer given as its discovery URL",
            &[("AUTH_AUTH0_ISSUER", "https://tenant.us.auth0.com/.well-known/openid-configuration")],
            cli::EXIT_OK,
        ),
        ("S3_SET_ACL=1 without S3_PUBLIC_DOMAIN", &[("S3_SET_ACL", "1"), ("S3_PUBLIC_DOMAIN", "")], cli::EXIT_PROBLEMS),
        ("private without S3_PUBLIC_DOMAIN or S3_REGION", &[("S3_PUBLIC_DOMAIN", ""), ("S3_REGION", "")], cli::EXIT_OK),
        (
            "NEXT_PUBLIC_ENABLE_NEXT_AUTH is not in LobeHub's list",
            &[("NEXT_PUBLIC_ENABLE_NEXT_AUTH", "1")],
            cli::EXIT_OK,
        ),
        ("an empty NEXTAUTH_SECRET still fires (a key prefix)", &[("NEXTAUTH_SECRET", "\"\"")], cli::EXIT_PROBLEMS),
    ];
    for (i, (name, changes, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.env"));
        std::fs::write(&path, current_env_with(changes)).unwrap();
        let code = cli::run(Cli::parse_from(["provision", "doctor", "--env-file", &path.display().to_string()])).await;
        assert_eq!(code, *expected, "{name}");
    }
}

#[tokio::test]
async fn doctor_env_file_checks_the_callback_when_auth0_credentials_are_set() {
    use provision::doctor::{EnvSnapshot, auth0_context_for_env_file, diagnose};
    let fx = Fixture::new("").await;
    provision::engine::Provisioner::new(fx.config.clone(), fast_options()).unwrap().apply().await.expect("apply");
    let mut env = EnvSnapshot::new();
    for v in fx.cloud.vercel.env("lobehub") {
        env.insert(&v.key, &v.value);
    }
    let creds = fx.cloud.credentials_env();
    let mut source = std::collections::BTreeMap::new();
    for k in ["AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"] {
        source.insert(k.to_string(), creds[k].clone());
    }
    // Without the Management API credentials the check is skipped, not failed.
    assert!(auth0_context_for_env_file(&env, &std::collections::BTreeMap::new()).await.unwrap().is_none());
    source.insert(provision::doctor::AUTH0_ENDPOINT_ENV.to_string(), fx.cloud.auth0_server.base_url());
    let (domain, callbacks) =
        auth0_context_for_env_file(&env, &source).await.expect("look-up").expect("credentials set");
    assert!(callbacks.contains(&"https://lobehub.vercel.app/api/auth/callback/auth0".to_string()), "{callbacks:?}");
    let ctx = provision::doctor::DoctorContext {
        auth0_domain: Some(domain),
        auth0_callbacks: Some(callbacks),
        ..Default::default()
    };
    assert!(diagnose(&env, &ctx).for_key("APP_URL").is_empty());
    let moved = env.clone().with("APP_URL", "https://elsewhere.example.com");
    let report = diagnose(&moved, &ctx);
    assert!(
        report.for_key("APP_URL").iter().any(|f| f.message.contains("allowed callback")),
        "{}",
        report.render_text()
    );
}
