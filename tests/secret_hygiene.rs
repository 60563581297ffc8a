//! Secret hygiene: apply (clean, and under injected faults so that retries and failures are logged), plan,
//! doctor, verify and a destroy preview run with a TRACE subscriber capturing every event (the `log` records of
//! dependencies included) into a buffer. No secret value may appear in those logs, in the `Debug` output of the
//! public types involved, in error messages (including failures caused by wrong credentials) or in plan output.
//!
//! The secrets: the admin AccessKey secret, the RAM sub-user's AccessKey secret, the Auth0 M2M client secret,
//! the LobeHub application's client secret, the M2M access token (a JWT: any JWT in the output fails the test),
//! `KEY_VAULTS_SECRET`, `AUTH_SECRET`, the private parts of `JWKS_KEY`, the Vercel token, the `DATABASE_URL`
//! password and the invite links (password-change tickets).

mod common;

use common::{Fixture, config_text, faulty_options};
use provision::config::Config;
use sandbox::Faults;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Everything every subscriber event wrote, for the whole test binary.
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        use tracing_subscriber::util::SubscriberInitExt;
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish()
            .try_init()
            .expect("the only subscriber of this test binary");
        buffer
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_text() -> String {
    String::from_utf8_lossy(&captured().lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

/// A named secret value.
struct Secret {
    what: String,
    value: String,
}

/// Every secret of a provisioned fixture, read from the simulators and the state file.
fn secrets_of(fx: &Fixture) -> Vec<Secret> {
    let mut out = Vec::new();
    let mut add = |what: &str, value: &str| {
        assert!(value.len() >= 8, "{what} is too short to search for");
        out.push(Secret { what: what.to_string(), value: value.to_string() });
    };
    add("admin AccessKey secret", sandbox::cloud::ADMIN_ACCESS_KEY_SECRET);
    add("Auth0 M2M client secret", sandbox::auth0::M2M_CLIENT_SECRET);
    add("Vercel token", fx.cloud.vercel.token());
    add("DATABASE_URL password", "simulated-db-password");
    let state = fx.state_on_disk();
    let key = state.access_key.as_ref().expect("the state file holds the RAM key");
    let record = fx.cloud.identity.lookup_key(&key.id).expect("the RAM key exists");
    assert_eq!(record.secret, key.secret.expose());
    add("RAM AccessKey secret", &record.secret);
    let app = fx
        .cloud
        .auth0
        .clients()
        .into_iter()
        .find(|c| c.get("name").and_then(serde_json::Value::as_str) == Some("LobeHub"))
        .expect("the LobeHub application");
    add("Auth0 application client secret", app["client_secret"].as_str().expect("client secret"));
    for name in ["KEY_VAULTS_SECRET", "AUTH_SECRET"] {
        add(name, state.generated[name].expose());
    }
    // Invite links are 5-day bearer URLs: secrets too.
    let tickets = fx.cloud.auth0.tickets();
    assert!(!tickets.is_empty(), "no invite link was issued");
    for t in &tickets {
        add("invite link", &t.url);
    }
    let jwks = state.generated["JWKS_KEY"].expose().to_string();
    let parsed: serde_json::Value = serde_json::from_str(&jwks).expect("JWKS_KEY is JSON");
    for part in ["d", "p", "q", "dp", "dq", "qi"] {
        let value = parsed["keys"][0][part].as_str().expect("private JWK part");
        // Long base64url numbers: a 24-character slice is as telling as the whole.
        add(&format!("JWKS_KEY private part {part}"), &value[..24.min(value.len())]);
    }
    out
}

/// Fails when `text` (described by `where_`) contains a secret or a JWT.
fn assert_clean(where_: &str, text: &str, secrets: &[Secret]) {
    for s in secrets {
        assert!(!text.contains(&s.value), "{where_} contains the {}", s.what);
    }
    // A JWT (the M2M access token, an ID token) starts with the base64url of `{"`.
    if let Some(at) = text.find("eyJ") {
        let around = &text[at.saturating_sub(80)..(at + 20).min(text.len())];
        panic!("{where_} contains something like a JWT: …{around}…");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_debug_errors_or_plans() {
    captured();
    let fx = Fixture::new("[app]\ndomain = \"chat.example.com\"\n").await;
    let mut shown = Vec::<(String, String)>::new();
    let mut keep = |what: &str, text: String| shown.push((what.to_string(), text));

    // Under faults first: retries, failures and their errors are logged and returned.
    fx.cloud.set_faults(Faults::none().with_failure_rate(0.3).with_stall(Duration::from_millis(400)).with_seed(11));
    let mut failures = 0;
    let first = loop {
        // The first attempt without retries, so that it fails and its error is checked too.
        let mut options = faulty_options(Duration::from_millis(250));
        if failures == 0 {
            options.clients.retry = cloud_http::RetryPolicy::never();
        }
        let p = fx.provisioner_with(options);
        match p.apply().await {
            Ok(outcome) => break outcome,
            Err(e) => {
                failures += 1;
                keep("apply error (Display)", e.to_string());
                keep("apply error (Debug)", format!("{e:?}"));
                keep("apply error (alternate Debug)", format!("{e:#?}"));
                assert!(failures < 10, "apply under faults keeps failing: {e}");
                // Stalled requests land before the next run (the simulators say when; no fixed sleep).
                fx.cloud.log.wait_idle().await;
            }
        }
    };
    fx.cloud.set_faults(Faults::none());
    fx.cloud.log.wait_idle().await;

    let p = fx.provisioner();
    let second = p.apply().await.expect("apply");
    let plan = p.plan().await.expect("plan");
    let doctor = p.doctor().await.expect("doctor");
    let verify = provision::verify::verify(&p).await.expect("verify");
    let destroy_preview =
        provision::destroy::destroy(&p, provision::destroy::DestroyOptions { dry_run: true, ..Default::default() })
            .await
            .expect("destroy preview");
    assert!(!doctor.is_fatal(), "{}", doctor.render_text());

    for (what, outcome) in [("first apply", &first), ("second apply", &second), ("plan", &plan)] {
        keep(&format!("{what} outcome (Debug)"), format!("{outcome:?}"));
        keep(&format!("{what} plan text"), outcome.plan.render_text());
        keep(&format!("{what} masked env"), provision::engine::Provisioner::masked_env(outcome));
    }
    keep("doctor text", doctor.render_text());
    keep("doctor JSON", serde_json::to_string(&doctor).expect("json"));
    keep("doctor (Debug)", format!("{doctor:?}"));
    keep("verify text", verify.render_text());
    keep("verify JSON", serde_json::to_string(&verify).expect("json"));
    keep("destroy preview", destroy_preview.render_text());
    keep("Config (Debug)", format!("{:?}", p.config()));
    keep("Config (alternate Debug)", format!("{:#?}", p.config()));
    keep("Services (Debug)", format!("{:#?}", p.services()));
    keep("StateStore (Debug)", format!("{:?}", p.state()));
    keep("State (Debug)", format!("{:#?}", p.state().snapshot()));
    keep("client options (Debug)", format!("{:?}", p.services().options));
    let access_key = p.state().snapshot().access_key.expect("key");
    keep("AccessKeyState (Debug)", format!("{access_key:?}"));
    let project_id = fx.cloud.vercel.project("lobehub").expect("project").id;
    let env = p.services().vercel.env(project_id).list_decrypted().await.expect("env");
    keep("Vercel env as listed (Debug)", format!("{env:?}"));
    let created = fx.cloud.ram.access_key_ids("lobehub-oss");
    keep("RAM key ids", format!("{created:?}"));

    let secrets = secrets_of(&fx);
    assert!(verify.passed(), "{}", verify.render_text());
    for (what, text) in &shown {
        assert_clean(what, text, &secrets);
    }
    let logs = log_text();
    assert!(logs.contains("TRACE") || logs.contains("DEBUG"), "the subscriber captured nothing below INFO");
    assert!(logs.contains("retrying"), "the faulty applies logged no retry");
    assert_clean("the TRACE log", &logs, &secrets);
    assert!(failures > 0, "no apply failed, so no error was checked");
    // The one place secrets are written in the clear is the state file, readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(fx.state_path()).expect("state file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "state file mode {mode:o}");
    }
    println!("{failures} applies failed under faults; {} bytes of logs checked", logs.len());
}

/// Wrong credentials make each service refuse; the errors (and the logs) never echo what was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_not_echoed() {
    captured();
    let fx = Fixture::new("").await;
    let cases = [
        ("VERCEL_TOKEN", "wrong-vercel-token-4d1f", "vercel:"),
        ("AUTH0_CLIENT_SECRET", "wrong-m2m-secret-77e2", "auth0:"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-admin-secret-9c3a", "oss:"),
    ];
    let mut secrets: Vec<Secret> = vec![
        Secret { what: "admin AccessKey secret".into(), value: sandbox::cloud::ADMIN_ACCESS_KEY_SECRET.into() },
        Secret { what: "Auth0 M2M client secret".into(), value: sandbox::auth0::M2M_CLIENT_SECRET.into() },
        Secret { what: "Vercel token".into(), value: fx.cloud.vercel.token().into() },
        Secret { what: "DATABASE_URL password".into(), value: "simulated-db-password".into() },
    ];
    secrets.extend(cases.iter().map(|(k, v, _)| Secret { what: format!("wrong {k}"), value: v.to_string() }));
    for (name, value, service) in cases {
        let mut env = fx.cloud.credentials_env();
        env.insert(name.into(), value.into());
        let config = Config::from_toml(&config_text(&fx.cloud, &fx.state_path(), ""), &env).expect("config");
        let p = provision::engine::Provisioner::new(config, common::fast_options()).expect("provisioner");
        let err = match p.apply().await {
            Ok(_) => panic!("apply with a wrong {name} succeeded"),
            Err(e) => e,
        };
        let text = format!("{err}\n{err:?}\n{err:#?}");
        assert!(text.contains(service), "a wrong {name} is not reported as a {service} failure: {err}");
        assert_clean(&format!("the error for a wrong {name}"), &text, &secrets);
    }
    assert_clean("the TRACE log", &log_text(), &secrets);
}

/// Configuration errors name the variable but never echo a credential or the database password.
#[test]
fn config_errors_do_not_echo_credentials() {
    let mut env: std::collections::BTreeMap<String, String> = [
        ("VERCEL_TOKEN", "tok-abcdef-123456"),
        ("AUTH0_CLIENT_ID", "m2m"),
        ("AUTH0_CLIENT_SECRET", "m2m-secret-abcdef"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIadmin"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "admin-secret-abcdef"),
        ("DATABASE_URL", "mysql://lobehub:db-password-abcdef@db:3306/lobehub"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let toml = r#"
        [vercel]
        project = "lobehub"
        git_repository = "me/lobehub"
        [auth0]
        domain = "me.eu.auth0.com"
        [aliyun]
        region = "cn-beijing"
        bucket = "Bad_Bucket"
    "#;
    let err = Config::from_toml(toml, &env).unwrap_err();
    assert!(err.mentions("env DATABASE_URL") && err.mentions("aliyun.bucket"), "{err}");
    let text = format!("{err}\n{err:?}");
    for v in ["tok-abcdef-123456", "m2m-secret-abcdef", "admin-secret-abcdef", "db-password-abcdef"] {
        assert!(!text.contains(v), "{text}");
    }
    // A valid configuration's Debug hides them too.
    env.insert("DATABASE_URL".into(), "postgres://lobehub:db-password-abcdef@db/lobehub".into());
    let config = Config::from_toml(&toml.replace("Bad_Bucket", "good-bucket"), &env).expect("valid");
    let shown = format!("{config:?}{config:#?}");
    for v in ["tok-abcdef-123456", "m2m-secret-abcdef", "admin-secret-abcdef", "db-password-abcdef"] {
        assert!(!shown.contains(v), "{shown}");
    }
}

/// Answers every request with one body; the token endpoint with a usable token unless `.1`.
struct Canned(&'static str, bool);

impl sandbox::Simulator for Canned {
    fn service(&self) -> &'static str {
        "canned"
    }
    fn handle(&self, request: &sandbox::SimRequest) -> sandbox::SimResponse {
        if request.path() == "/oauth/token" && !self.1 {
            let token = serde_json::json!({"access_token": "opaque", "expires_in": 86400, "scope": "read:clients"});
            return sandbox::SimResponse::json(200, &token);
        }
        sandbox::SimResponse::empty(200).with_header("content-type", "application/json").with_body(self.0)
    }
    fn injected_error(&self, _: sandbox::InjectedError) -> sandbox::SimResponse {
        sandbox::SimResponse::empty(500)
    }
}

async fn canned(body: &'static str) -> sandbox::SimServer {
    sandbox::SimServer::start(Arc::new(Canned(body, false)), sandbox::RequestLog::new()).await.expect("server")
}

async fn canned_token(body: &'static str) -> sandbox::SimServer {
    sandbox::SimServer::start(Arc::new(Canned(body, true)), sandbox::RequestLog::new()).await.expect("server")
}

/// An answer that carries a secret in a place the decoder does not expect: the decode error names the
/// operation and the problem but does not quote the value.
#[tokio::test]
async fn decode_errors_do_not_quote_secrets_from_the_answer() {
    let never = cloud_http::RetryPolicy::never;
    for body in [
        r#"{"RequestId": "r", "AccessKey": "PLANTED-KEY-SECRET"}"#,
        r#"{"RequestId": "r", "AccessKey": {"AccessKeyId": "LTAI1", "AccessKeySecret": "PLANTED-KEY-SECRET", "CreateDate": 7}}"#,
    ] {
        let server = canned(body).await;
        let ram = oss_client::ram::RamClient::builder()
            .credentials(oss_client::Credentials::new("LTAItest", "admin-secret"))
            .endpoint(server.base_url())
            .retry_policy(never())
            .build()
            .expect("client");
        let err = ram.access_keys("lobehub-oss").create().send().await.expect_err("garbled answer accepted");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("CreateAccessKey") && !shown.contains("PLANTED"), "{shown}");
    }
    for body in [r#""PLANTED-TOKEN""#, r#"{"access_token": "x", "expires_in": "PLANTED-TOKEN"}"#] {
        let server = canned_token(body).await;
        let auth0 = auth0_client::Auth0Client::builder()
            .base_url(server.base_url())
            .client_credentials("m2m", "m2m-secret")
            .no_rate_limit()
            .retry_policy(never())
            .build()
            .expect("client");
        let err = auth0.clients().get("abc").await.expect_err("garbled token accepted");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("GetManagementToken") && !shown.contains("PLANTED"), "{shown}");
    }
    let server =
        canned(r#"{"client_id": "abc", "name": "LobeHub", "client_secret": ["x"], "app_type": "PLANTED-APP"}"#).await;
    let auth0 = auth0_client::Auth0Client::builder()
        .base_url(server.base_url())
        .client_credentials("m2m", "m2m-secret")
        .no_rate_limit()
        .retry_policy(never())
        .build()
        .expect("client");
    let err = auth0.clients().get("abc").await.expect_err("garbled application accepted");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("GetClient") && !shown.contains("PLANTED"), "{shown}");
    let server = canned(r#"{"envs": [{"id": "e", "key": "AUTH_SECRET", "value": "PLANTED-ENV", "type": 5}]}"#).await;
    let vercel = vercel_client::VercelClient::builder()
        .token("token".into())
        .base_url(server.base_url())
        .retry_policy(never())
        .build()
        .expect("client");
    let err = vercel.env("prj_1").list_decrypted().await.expect_err("garbled environment accepted");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("filterProjectEnvs") && !shown.contains("PLANTED"), "{shown}");
}
