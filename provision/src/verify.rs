//! `verify`: end-to-end checks of a deployment with its real credentials — an upload with the RAM key, the
//! object read back through the public domain, a CORS preflight from the app origin, a presigned PUT, OIDC
//! discovery for the issuer, every callback registered, sign-up refused, the deployment READY, `APP_URL`
//! answering, and the environment passing `doctor`. Prints a pass/fail table with reasons.

use crate::doctor::{self, DoctorContext, EnvSnapshot};
use crate::engine::Provisioner;
use crate::lobehub;
use secrecy::ExposeSecret;
use serde::Serialize;
use std::time::Duration;
use url::Url;

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why (never a secret).
    pub detail: String,
    /// The check could not be run here (the detail says why); neither passed nor failed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_run: bool,
}

/// The verify report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl VerifyReport {
    fn add(&mut self, name: &str, result: Result<String, String>) {
        let (passed, detail) = match result {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        self.checks.push(Check { name: name.to_string(), passed, detail, not_run: false });
    }

    /// Records a check that was not run, with the reason (it does not count as passed).
    pub fn add_not_run(&mut self, name: &str, reason: impl Into<String>) {
        self.checks.push(Check { name: name.to_string(), passed: false, detail: reason.into(), not_run: true });
    }

    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed || c.not_run)
    }

    /// The table as text.
    ///
    /// ```
    /// let report = provision::verify::VerifyReport::default();
    /// assert!(report.render_text().contains("0/0 checks passed"));
    /// ```
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = if c.not_run {
                "SKIP"
            } else if c.passed {
                "PASS"
            } else {
                "FAIL"
            };
            out.push_str(&format!("  {mark} {:<38} {}\n", c.name, c.detail));
        }
        let ok = self.checks.iter().filter(|c| c.passed).count();
        let not_run = self.checks.iter().filter(|c| c.not_run).count();
        if not_run == 0 {
            out.push_str(&format!("{ok}/{} checks passed\n", self.checks.len()));
        } else {
            out.push_str(&format!("{ok}/{} checks passed, {not_run} not run\n", self.checks.len() - not_run));
        }
        out
    }
}

/// Where a request for `url` really goes (a simulator when endpoints are overridden) and the `Host` to send.
fn route(p: &Provisioner, url: &Url) -> (Url, Option<String>) {
    let services = p.services();
    let host = url.host_str().unwrap_or_default().to_string();
    if services.oss_connect_to.is_some() && host.ends_with(".aliyuncs.com") {
        let (target, host) = services.oss.transport_target(url);
        return (target, Some(host));
    }
    if let Some(base) = &p.config().endpoints.vercel
        && (host.ends_with(".vercel.app") || p.domain().as_deref() == Some(host.as_str()))
        && let Ok(mut target) = Url::parse(base)
    {
        target.set_path(url.path());
        target.set_query(url.query());
        return (target, Some(host));
    }
    (url.clone(), None)
}

async fn send(req: reqwest::RequestBuilder) -> Result<reqwest::Response, String> {
    req.timeout(Duration::from_secs(30)).send().await.map_err(|e| format!("request failed: {}", e.without_url()))
}

fn request(http: &reqwest::Client, p: &Provisioner, method: reqwest::Method, url: &Url) -> reqwest::RequestBuilder {
    let (target, host) = route(p, url);
    let mut req = http.request(method, target);
    if let Some(h) = host {
        req = req.header(reqwest::header::HOST, h);
    }
    req
}

/// Runs every check. Objects it writes are deleted again.
pub async fn verify(p: &Provisioner) -> crate::Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let config = p.config();
    let services = p.services();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| {
        crate::Error::blocked("verify", format!("cannot build an HTTP client: {e}"), "check the TLS setup")
    })?;
    let state = p.state().snapshot();
    let app_url = crate::desired::app_url(p.domain().as_deref(), &config.vercel.project);

    // The environment as Vercel holds it.
    let project = services.vercel.projects().find(&config.vercel.project).await;
    let project = match project {
        Ok(Some(project)) => Some(project),
        Ok(None) => {
            report.add(
                "vercel: project",
                Err(format!("project `{}` not found; run `provision apply`", config.vercel.project)),
            );
            None
        }
        Err(e) => {
            report.add("vercel: project", Err(e.to_string()));
            None
        }
    };
    let env = match &project {
        Some(pr) => services.vercel.env(pr.id.clone()).list_decrypted().await.unwrap_or_default(),
        None => Vec::new(),
    };
    let env_value = |key: &str| {
        env.iter()
            .find(|v| v.key == key && v.target.contains(&vercel_client::EnvTarget::Production))
            .and_then(|v| v.readable_value())
            .map(|v| v.expose_secret().to_string())
    };

    // OSS with the RAM key.
    let key_id = env_value("S3_ACCESS_KEY_ID");
    let ram_key = state.access_key.clone().filter(|k| Some(&k.id) == key_id.as_ref());
    let object_key = format!(".provision-verify/{}.txt", uuid::Uuid::new_v4().simple());
    let body = format!("provision verify {object_key}");
    let ram_oss = match &ram_key {
        Some(k) => Some(p.services().oss_with(config, oss_client::Credentials::new(k.id.clone(), k.secret.expose()))?),
        None => None,
    };
    match &ram_oss {
        None => report.add(
            "oss: upload with the RAM key",
            Err("no local copy of the secret of the key Vercel uses (it is write-only there); run verify where apply ran".into()),
        ),
        Some(oss) => {
            let put = oss.bucket(config.aliyun.bucket.clone()).object(object_key.clone()).put(body.clone()).content_type("text/plain").send().await;
            report.add("oss: upload with the RAM key", put.map(|_| format!("wrote {object_key}")).map_err(|e| e.to_string()));
        }
    }

    // Public read through S3_PUBLIC_DOMAIN (or the bucket's default domain).
    let public_base = env_value("S3_PUBLIC_DOMAIN").unwrap_or_else(|| crate::desired::bucket_public_url(config));
    let public_url = Url::parse(&format!("{}/{}", public_base.trim_end_matches('/'), object_key));
    match (&ram_oss, public_url) {
        (None, _) => report.add("oss: public read", Err("skipped: nothing was uploaded".into())),
        (_, Err(_)) => report.add("oss: public read", Err(format!("S3_PUBLIC_DOMAIN `{public_base}` is not a URL"))),
        (Some(_), Ok(url)) => {
            let res = send(request(&http, p, reqwest::Method::GET, &url)).await;
            let result = match res {
                Ok(r) if r.status().is_success() => match r.text().await {
                    Ok(text) if text == body => Ok(format!("{} → 200", url.host_str().unwrap_or_default())),
                    Ok(_) => Err("the public object differs from what was uploaded".into()),
                    Err(e) => Err(format!("reading the body failed: {}", e.without_url())),
                },
                Ok(r) => Err(format!("HTTP {} (is the bucket public-read?)", r.status().as_u16())),
                Err(e) => Err(e),
            };
            report.add("oss: public read", result);
        }
    }

    // CORS preflight from the app origin.
    let origin = app_url.clone();
    match services.oss.public_url(&config.aliyun.bucket, &object_key) {
        Err(e) => report.add("oss: CORS preflight", Err(e.to_string())),
        Ok(url) => {
            let req = request(&http, p, reqwest::Method::OPTIONS, &url)
                .header("origin", &origin)
                .header("access-control-request-method", "PUT")
                .header("access-control-request-headers", "content-type");
            let result = match send(req).await {
                Ok(r) => {
                    let allowed = r
                        .headers()
                        .get("access-control-allow-origin")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    match allowed {
                        Some(a) if a == origin || a == "*" => Ok(format!("PUT from {origin} allowed")),
                        _ => Err(format!(
                            "HTTP {}: PUT from {origin} not allowed (CORS rule missing the origin?)",
                            r.status().as_u16()
                        )),
                    }
                }
                Err(e) => Err(e),
            };
            report.add("oss: CORS preflight", result);
        }
    }

    // Presigned PUT, as LobeHub's browser uploads do.
    match &ram_oss {
        None => report.add("oss: presigned PUT", Err("skipped: no RAM key secret held".into())),
        Some(oss) => {
            let presign_key = format!("{object_key}.presigned");
            let presigned = oss
                .bucket(config.aliyun.bucket.clone())
                .object(presign_key.clone())
                .presign_put(Duration::from_secs(600))
                .content_type("text/plain")
                .build();
            let result = match presigned {
                Err(e) => Err(e.to_string()),
                Ok(pre) => {
                    let mut req = request(&http, p, pre.method.clone(), &pre.url).body("presigned");
                    for (k, v) in &pre.headers {
                        if k != reqwest::header::HOST {
                            req = req.header(k, v);
                        }
                    }
                    match send(req).await {
                        Ok(r) if r.status().is_success() => Ok("upload through a presigned URL works".into()),
                        Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
                        Err(e) => Err(e),
                    }
                }
            };
            report.add("oss: presigned PUT", result);
            let bucket = oss.bucket(config.aliyun.bucket.clone());
            let _ = bucket.object(presign_key).delete().send().await;
            let _ = bucket.object(object_key.clone()).delete().send().await;
        }
    }

    // Auth0.
    let auth0 = &services.auth0;
    let issuer_env = env_value("AUTH_AUTH0_ISSUER");
    match auth0.oidc().discovery().await {
        Ok(d) => {
            let same = issuer_env.as_deref().map(|i| i.trim_end_matches('/') == d.issuer.trim_end_matches('/'));
            report.add(
                "auth0: OIDC discovery",
                match same {
                    Some(true) => Ok(format!("issuer {}", d.issuer)),
                    Some(false) => Err(format!("AUTH_AUTH0_ISSUER is not the tenant's issuer {}", d.issuer)),
                    None => Err("AUTH_AUTH0_ISSUER is not set in Vercel".into()),
                },
            );
        }
        Err(e) => report.add("auth0: OIDC discovery", Err(e.to_string())),
    }
    let client_id = env_value("AUTH_AUTH0_ID").or(state.auth0_client_id.clone());
    let client = match &client_id {
        Some(id) => auth0.clients().get(id).await.ok(),
        None => None,
    };
    match &client {
        None => {
            report.add("auth0: callbacks", Err("the LobeHub application was not found; run `provision apply`".into()))
        }
        Some(c) => {
            let missing: Vec<String> = lobehub::callback_paths(config.profile)
                .iter()
                .map(|path| format!("{}{path}", app_url.trim_end_matches('/')))
                .filter(|u| !c.callbacks.contains(u))
                .collect();
            report.add(
                "auth0: callbacks",
                if missing.is_empty() {
                    Ok(format!("{} registered", c.callbacks.len()))
                } else {
                    Err(format!("missing {}", missing.join(", ")))
                },
            );
        }
    }
    match &client {
        None => report.add("auth0: sign-up refused", Err("no application to test with".into())),
        Some(c) => report.add("auth0: sign-up refused", signup_refused(p, &http, &c.client_id).await),
    }

    // Vercel deployment and the app.
    match &project {
        None => report.add("vercel: deployment READY", Err("no project".into())),
        Some(pr) => {
            let latest = services.vercel.deployments().latest(&pr.id, Some("production")).await;
            report.add(
                "vercel: deployment READY",
                match latest {
                    Ok(Some(d)) if d.state() == vercel_client::ReadyState::Ready => Ok(format!("{} READY", d.uid)),
                    Ok(Some(d)) => Err(format!("{} is {:?}", d.uid, d.state())),
                    Ok(None) => Err("no production deployment".into()),
                    Err(e) => Err(e.to_string()),
                },
            );
        }
    }
    let app = env_value("APP_URL").unwrap_or(app_url.clone());
    match Url::parse(&app) {
        Err(_) => report.add("app: APP_URL answers", Err(format!("`{app}` is not a URL"))),
        Ok(url) => {
            let result = match send(request(&http, p, reqwest::Method::GET, &url)).await {
                Ok(r) if r.status().as_u16() < 500 && r.headers().get("x-vercel-error").is_none() => {
                    Ok(format!("{app} → HTTP {}", r.status().as_u16()))
                }
                Ok(r) => Err(format!(
                    "{app} → HTTP {} {}",
                    r.status().as_u16(),
                    r.headers().get("x-vercel-error").and_then(|v| v.to_str().ok()).unwrap_or_default()
                )),
                Err(e) => Err(e),
            };
            report.add("app: APP_URL answers", result);
        }
    }

    // The environment, through doctor.
    let mut snapshot = EnvSnapshot::new();
    for v in env.iter().filter(|v| v.target.contains(&vercel_client::EnvTarget::Production)) {
        match v.readable_value() {
            Some(value) => snapshot.insert(&v.key, value.expose_secret()),
            None => snapshot.insert_hidden(&v.key),
        }
    }
    let ctx = DoctorContext {
        profile: config.profile,
        auth0_domain: Url::parse(&auth0.issuer()).ok().and_then(|u| u.host_str().map(str::to_string)),
        auth0_callbacks: client.as_ref().map(|c| c.callbacks.clone()),
    };
    let diagnosis = doctor::diagnose(&snapshot, &ctx);
    let fatal: Vec<String> = diagnosis
        .findings
        .iter()
        .filter(|f| f.severity == doctor::Severity::Fatal)
        .map(|f| format!("{} {}", f.key, f.message))
        .collect();
    report.add("env: doctor", if fatal.is_empty() { Ok("no fatal problem".into()) } else { Err(fatal.join("; ")) });

    // The database, with the URL the deployment uses.
    database_checks(p, &mut report, env_value("DATABASE_URL")).await;
    Ok(report)
}

/// `select 1` with the deployment's `DATABASE_URL`; then, once the deployment is READY, LobeHub's migration
/// record. Against simulated Vercel no LobeHub build runs `db:migrate`: that check is reported as not run.
async fn database_checks(p: &Provisioner, report: &mut VerifyReport, vercel_value: Option<String>) {
    use crate::steps::database;
    let config = p.config();
    if !config.database.explicit {
        report.add_not_run(
            "database: select 1",
            "not run: the configuration has no [database] section (add `[database] provider = \"url\"` to check DATABASE_URL)",
        );
        return;
    }
    let Some(url) = database::deployment_url(config, p.services(), vercel_value).await else {
        report.add(
            "database: select 1",
            Err("no DATABASE_URL to connect with (not readable in Vercel, and none configured)".into()),
        );
        return;
    };
    let reachable = database::select_one(&url).await;
    let ok = reachable.is_ok();
    report.add("database: select 1", reachable);
    let ready = report.checks.iter().any(|c| c.name == "vercel: deployment READY" && c.passed);
    const NAME: &str = "database: LobeHub migrations ran";
    if let Some(sim) = &config.endpoints.vercel {
        report.add_not_run(
            NAME,
            format!(
                "not run: Vercel is simulated ({sim}); no LobeHub build ran db:migrate, so {} has nothing to show",
                database::MIGRATIONS_TABLE
            ),
        );
    } else if !ready {
        report.add(NAME, Err("the deployment is not READY (its build runs db:migrate)".into()));
    } else if !ok {
        report.add(NAME, Err("the database is unreachable".into()));
    } else {
        report.add(NAME, database::migrations_recorded(&url).await);
    }
}

/// Tries a public sign-up through the database connection; it must be refused. A sign-up that goes through is
/// a failure, and the user it made is deleted again.
async fn signup_refused(p: &Provisioner, http: &reqwest::Client, client_id: &str) -> Result<String, String> {
    let config = p.config();
    let base = config.endpoints.auth0.clone().unwrap_or_else(|| format!("https://{}", config.auth0.domain));
    let url = format!("{}/dbconnections/signup", base.trim_end_matches('/'));
    let email = format!("provision-verify-{}@example.invalid", uuid::Uuid::new_v4().simple());
    let password = auth0_client::users::random_password();
    let body = serde_json::json!({
        "client_id": client_id,
        "connection": config.auth0.database_connection,
        "email": email,
        "password": password.expose_secret(),
    });
    let res = http
        .post(&url)
        .json(&body)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| format!("request failed: {}", e.without_url()))?;
    let status = res.status();
    if status.is_success() {
        if let Ok(users) = p.services().auth0.users().by_email(&email).await {
            for u in users {
                let _ = p.services().auth0.users().delete(&u.user_id).await;
            }
        }
        return Err(format!(
            "a public sign-up through {} succeeded (HTTP {}); sign-ups are open",
            config.auth0.database_connection,
            status.as_u16()
        ));
    }
    Ok(format!("public sign-up refused (HTTP {})", status.as_u16()))
}
