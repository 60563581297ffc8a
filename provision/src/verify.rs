//! `verify`: end-to-end checks of a deployment with its real credentials — LobeHub's own upload path (a PUT
//! presigned with AWS SigV4 against `S3_ENDPOINT`/`S3_REGION` with the RAM key, its CORS preflight from the
//! `APP_URL` origin, the upload with a Content-Type, the read-back by presigned GET or public URL, the clean-up by
//! batch delete), OIDC discovery for the issuer, the callback registered, sign-up refused, the deployment READY,
//! `APP_URL` one of the project's own domains and answering, and the environment passing `doctor`. Prints a
//! pass/fail table; every failure names the variable or setting to fix.

use crate::doctor::{self, DoctorContext, EnvSnapshot};
use crate::engine::Provisioner;
use crate::lobehub;
use secrecy::{ExposeSecret, SecretString};
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
    // APP_URL as Vercel holds it; before that is read, the custom domain or the first `*.vercel.app` candidate.
    let app_url = crate::desired::app_url(
        &p.domain().unwrap_or_else(|| config.vercel_app_candidates.first().cloned().unwrap_or_default()),
    );

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

    // From here on, APP_URL is the one Vercel holds (what LobeHub uses), when it is set.
    let app_url = env_value("APP_URL").map(|v| v.trim_end_matches('/').to_string()).unwrap_or(app_url);

    // LobeHub's upload path, with the RAM key.
    let key_id = env_value("S3_ACCESS_KEY_ID");
    let ram_key = state.access_key.clone().filter(|k| Some(&k.id) == key_id.as_ref());
    let s3 = S3Env {
        endpoint: env_value("S3_ENDPOINT").unwrap_or_else(|| crate::desired::s3_endpoint(&config.aliyun.region)),
        region: env_value("S3_REGION"),
        bucket: env_value("S3_BUCKET").unwrap_or_else(|| config.aliyun.bucket.clone()),
        set_acl: env_value("S3_SET_ACL").as_deref() == Some("1"),
        public_domain: env_value("S3_PUBLIC_DOMAIN"),
    };
    let app_origin = app_url.clone();
    match &ram_key {
        None => report.add(
            "oss: upload path (S3 SigV4)",
            Err("S3_SECRET_ACCESS_KEY: no local copy of the secret of the key Vercel uses (it is write-only there); run verify where apply ran".into()),
        ),
        Some(k) => {
            let creds = (k.id.clone(), SecretString::from(k.secret.expose().to_string()));
            upload_path(p, &http, &mut report, &s3, &creds, app_origin.trim_end_matches('/')).await;
        }
    }

    // Auth0.
    let auth0 = &services.auth0;
    if let Err(e) = crate::steps::auth0::preflight(auth0, auth0_client::scopes::Command::Verify).await {
        report.add("auth0: scopes", Err(e.to_string()));
    }
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
    let (client, client_unavailable) = match &client_id {
        Some(id) => match auth0.clients().get(id).await {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(format!("reading the Auth0 application {id} failed: {e}"))),
        },
        None => (None, Some("no Auth0 application id (AUTH_AUTH0_ID unset, none in the state file)".to_string())),
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
    // Answering is not enough: the host must be one of the project's own domains (a `*.vercel.app` name held by
    // another project answers 200 too, and would receive the users' authorization codes).
    let app_host = Url::parse(&app).ok().and_then(|u| u.host_str().map(str::to_string));
    match (&project, app_host) {
        (None, _) => report.add("vercel: APP_URL host is the project's", Err("no project".into())),
        (_, None) => report.add("vercel: APP_URL host is the project's", Err(format!("APP_URL `{app}` is not a URL"))),
        (Some(pr), Some(host)) => {
            let result = match services.vercel.domains(pr.id.clone()).list().await {
                Err(e) => Err(format!("listing the project's domains failed: {e}")),
                Ok(domains) => match domains.iter().find(|d| d.name.eq_ignore_ascii_case(&host)) {
                    Some(d) if d.verified => Ok(format!("{host} is a verified domain of {}", pr.name)),
                    Some(_) => {
                        Err(format!("APP_URL: {host} is on the project but not verified (DNS TXT record missing)"))
                    }
                    None => Err(format!(
                        "APP_URL: {host} is not one of project {}'s domains; logins would go to another owner's host (run provision apply)",
                        pr.name
                    )),
                },
            };
            report.add("vercel: APP_URL host is the project's", result);
        }
    }
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
        auth0_callbacks_unavailable: client_unavailable,
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

/// The `S3_*` variables as Vercel holds them (defaults where absent).
struct S3Env {
    endpoint: String,
    region: Option<String>,
    bucket: String,
    set_acl: bool,
    public_domain: Option<String>,
}

/// A URL presigned with AWS Signature V4 exactly as LobeHub's S3 client (AWS SDK v3 + `@aws-sdk/s3-request-presigner`)
/// builds it (LH `src/server/modules/S3/index.ts` @ `681e4ef2ddb3073355ddba2e6c23368319479492`; field-truth §1.5):
/// virtual-hosted (`<bucket>.<S3_ENDPOINT host>`), only `host` signed, `X-Amz-Content-Sha256=UNSIGNED-PAYLOAD`,
/// `x-id=<operation>`, `X-Amz-Expires` = `expires`, the credential scope `<date>/<region>/s3/aws4_request`; with
/// `public_read` also `x-amz-acl=public-read` (LobeHub with `S3_SET_ACL=1`). Signed by [`sign_query`] (S3
/// settings: single percent-encoding, no path normalisation).
///
/// ```
/// use secrecy::SecretString;
/// let creds = ("AKID".to_string(), SecretString::from("secret".to_string()));
/// let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
/// let url = provision::verify::presign_s3(
///     "PUT", "https://s3.oss-cn-hangzhou.aliyuncs.com", "files", "a b.txt", "cn-hangzhou", &creds,
///     std::time::Duration::from_secs(3600), at, Some("PutObject"), false,
/// ).unwrap();
/// assert_eq!(url.host_str(), Some("files.s3.oss-cn-hangzhou.aliyuncs.com"));
/// assert_eq!(url.path(), "/a%20b.txt");
/// let q: std::collections::BTreeMap<_, _> = url.query_pairs().into_owned().collect();
/// assert_eq!(q["X-Amz-SignedHeaders"], "host");
/// assert_eq!(q["X-Amz-Content-Sha256"], "UNSIGNED-PAYLOAD");
/// assert_eq!(q["X-Amz-Credential"], "AKID/20231114/cn-hangzhou/s3/aws4_request");
/// assert_eq!(q["X-Amz-Expires"], "3600");
/// assert_eq!(q["x-id"], "PutObject");
/// ```
#[allow(clippy::too_many_arguments)]
pub fn presign_s3(
    method: &str,
    endpoint: &str,
    bucket: &str,
    key: &str,
    region: &str,
    credentials: &(String, SecretString),
    expires: Duration,
    at: std::time::SystemTime,
    operation: Option<&str>,
    public_read: bool,
) -> Result<Url, String> {
    let endpoint = Url::parse(endpoint).map_err(|_| format!("S3_ENDPOINT `{endpoint}` is not a URL"))?;
    let host = endpoint.host_str().ok_or_else(|| format!("S3_ENDPOINT `{endpoint}` has no host"))?;
    let mut url = Url::parse(&format!("{}://{bucket}.{host}/", endpoint.scheme()))
        .map_err(|_| format!("S3_BUCKET `{bucket}` does not make a host name with S3_ENDPOINT"))?;
    if let Some(port) = endpoint.port() {
        let _ = url.set_port(Some(port));
    }
    // The key as one path of RFC 3986 segments (`/` kept), like the SDK's serializer.
    let encoded: String = key
        .split('/')
        .map(|seg| percent_encoding::utf8_percent_encode(seg, &S3_KEY_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/");
    url.set_path(&encoded);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
        if let Some(op) = operation {
            q.append_pair("x-id", op);
        }
        if public_read {
            q.append_pair("x-amz-acl", "public-read");
        }
    }
    sign_query(method, url, region, credentials, expires, at)
}

/// Adds AWS SigV4 query authentication for service `s3` to `url` (its query is kept and signed): only `host`
/// signed, `UNSIGNED-PAYLOAD`, single percent-encoding, no path normalisation — oss-client's
/// [`oss_client::signing::s3v4::presign`], which follows AWS "Authenticating Requests: Using Query Parameters
/// (AWS Signature Version 4)" and is checked against that page's presigned-URL example and the `aws-sigv4` crate.
pub fn sign_query(
    method: &str,
    url: Url,
    region: &str,
    credentials: &(String, SecretString),
    expires: Duration,
    at: std::time::SystemTime,
) -> Result<Url, String> {
    let method =
        reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| format!("`{method}` is not an HTTP method"))?;
    let creds = oss_client::Credentials::new(credentials.0.clone(), credentials.1.expose_secret());
    oss_client::signing::s3v4::presign(&method, &url, region, &creds, expires, at.into())
        .map_err(|e| format!("signing failed: {e}"))
}

/// RFC 3986 unreserved characters stay; everything else in a key segment is percent-encoded (AWS SigV4 for S3).
const S3_KEY_SEGMENT: percent_encoding::AsciiSet =
    percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Which variable an S3 error points at.
fn s3_fix(code: &str) -> &'static str {
    match code {
        "SignatureDoesNotMatch" => "S3_SECRET_ACCESS_KEY or S3_REGION (the signature's key or region is wrong)",
        "InvalidAccessKeyId" => "S3_ACCESS_KEY_ID (the key does not exist or is disabled)",
        "AccessDenied" => "the RAM policy of the S3_ACCESS_KEY_ID user (or the bucket's settings)",
        "NoSuchBucket" => "S3_BUCKET",
        "PublicEndpointForbidden" => {
            "S3_ENDPOINT / aliyun.region: this account cannot use the default endpoint of a mainland bucket (use cn-hongkong or ap-southeast-1)"
        }
        "SecondLevelDomainForbidden" => "S3_ENABLE_PATH_STYLE (OSS refuses path style)",
        _ => "S3_ENDPOINT, S3_REGION and the S3_* keys",
    }
}

/// Describes a failed S3 answer: status, code from the XML body, and the variable to fix.
async fn s3_failure(r: reqwest::Response) -> String {
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    let code = body
        .split("<Code>")
        .nth(1)
        .and_then(|rest| rest.split("</Code>").next())
        .map(str::to_string)
        .unwrap_or_default();
    if code.is_empty() {
        format!("HTTP {status}; fix {}", s3_fix(""))
    } else {
        format!("HTTP {status} {code}; fix {}", s3_fix(&code))
    }
}

/// LobeHub's upload path, step by step; each step adds one check.
async fn upload_path(
    p: &Provisioner,
    http: &reqwest::Client,
    report: &mut VerifyReport,
    s3: &S3Env,
    creds: &(String, SecretString),
    origin: &str,
) {
    // LobeHub signs for us-east-1 when S3_REGION is unset (LH `src/server/modules/S3/index.ts` @ `681e4ef2`).
    let region = s3.region.clone().unwrap_or_else(|| "us-east-1".to_string());
    let key = format!(".provision-verify/{}.txt", uuid::Uuid::new_v4().simple());
    let body = format!("provision verify {key}");
    let now = std::time::SystemTime::now();
    let put_url = match presign_s3(
        "PUT",
        &s3.endpoint,
        &s3.bucket,
        &key,
        &region,
        creds,
        Duration::from_secs(3600),
        now,
        Some("PutObject"),
        s3.set_acl,
    ) {
        Ok(u) => u,
        Err(e) => {
            report.add("oss: presign PUT (S3 SigV4)", Err(e));
            return;
        }
    };
    report.add(
        "oss: presign PUT (S3 SigV4)",
        Ok(format!(
            "AWS SigV4 on {} (S3_ENDPOINT {}, S3_REGION {region}), host only, UNSIGNED-PAYLOAD, 3600 s",
            put_url.host_str().unwrap_or_default(),
            s3.endpoint
        )),
    );

    // The browser's preflight: PUT with a Content-Type from the APP_URL origin.
    let preflight = request(http, p, reqwest::Method::OPTIONS, &put_url)
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type");
    let result = match send(preflight).await {
        Ok(r) => {
            let allow = |name: &str| {
                r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase).unwrap_or_default()
            };
            let origin_ok = allow("access-control-allow-origin") == origin.to_ascii_lowercase();
            let method_ok = allow("access-control-allow-methods").split(',').any(|m| m.trim() == "put");
            let header_ok =
                allow("access-control-allow-headers").split(',').any(|h| h.trim() == "content-type" || h.trim() == "*");
            if r.status().is_success() && origin_ok && method_ok && header_ok {
                Ok(format!("PUT with content-type from {origin} allowed"))
            } else {
                Err(format!(
                    "HTTP {}: PUT with content-type from {origin} not allowed; fix the bucket's CORS rule (provision apply writes it from APP_URL)",
                    r.status().as_u16()
                ))
            }
        }
        Err(e) => Err(format!("{e}; fix S3_ENDPOINT")),
    };
    report.add("oss: CORS preflight", result);

    // The upload, as the browser sends it.
    let put = request(http, p, reqwest::Method::PUT, &put_url)
        .header("origin", origin)
        .header("content-type", "text/plain")
        .body(body.clone());
    let uploaded = match send(put).await {
        Ok(r) if r.status().is_success() => Ok(format!("uploaded {key} with Content-Type text/plain")),
        Ok(r) => Err(s3_failure(r).await),
        Err(e) => Err(format!("{e}; fix S3_ENDPOINT")),
    };
    let ok = uploaded.is_ok();
    report.add("oss: upload (presigned PUT)", uploaded);
    if !ok {
        report.add("oss: read back", Err("skipped: nothing was uploaded".into()));
        return;
    }

    // Read back as LobeHub serves files.
    if s3.set_acl {
        let base = s3.public_domain.clone().unwrap_or_default();
        let result = match Url::parse(&format!("{}/{key}", base.trim_end_matches('/'))) {
            Err(_) => Err(format!("S3_PUBLIC_DOMAIN `{base}` is not a URL")),
            Ok(url) => match send(request(http, p, reqwest::Method::GET, &url)).await {
                Ok(r) if r.status().is_success() => match r.text().await {
                    Ok(text) if text == body => Ok(format!("public URL {} → 200", url.host_str().unwrap_or_default())),
                    _ => Err("S3_PUBLIC_DOMAIN: the public object differs from what was uploaded".into()),
                },
                Ok(r) => Err(format!(
                    "HTTP {} from S3_PUBLIC_DOMAIN; fix S3_PUBLIC_DOMAIN or the bucket ACL",
                    r.status().as_u16()
                )),
                Err(e) => Err(format!("{e}; fix S3_PUBLIC_DOMAIN")),
            },
        };
        report.add("oss: read back (public URL)", result);
    } else {
        let result = match presign_s3(
            "GET",
            &s3.endpoint,
            &s3.bucket,
            &key,
            &region,
            creds,
            Duration::from_secs(7200),
            now,
            Some("GetObject"),
            false,
        ) {
            Err(e) => Err(e),
            Ok(url) => match send(request(http, p, reqwest::Method::GET, &url).header("origin", origin)).await {
                Ok(r) if r.status().is_success() => match r.text().await {
                    Ok(text) if text == body => Ok("presigned GET returns the upload".to_string()),
                    _ => Err("the object read back differs from what was uploaded".into()),
                },
                Ok(r) => Err(s3_failure(r).await),
                Err(e) => Err(format!("{e}; fix S3_ENDPOINT")),
            },
        };
        report.add("oss: read back (presigned GET)", result);
        // Private means private: an anonymous GET is refused.
        let mut plain = put_url.clone();
        plain.set_query(None);
        let anonymous = send(request(http, p, reqwest::Method::GET, &plain)).await;
        report.add(
            "oss: bucket private",
            match anonymous {
                Ok(r) if r.status().as_u16() == 403 => Ok("anonymous GET refused (403)".into()),
                Ok(r) => Err(format!(
                    "anonymous GET answered HTTP {}: objects are public while S3_SET_ACL=0; set aliyun.access = \"private\" and apply",
                    r.status().as_u16()
                )),
                Err(e) => Err(e),
            },
        );
    }

    // Clean-up with one batch delete (DeleteObjects, as LobeHub's deleteFiles); every failure reported.
    let cleanup =
        match p.services().oss_with(p.config(), oss_client::Credentials::new(creds.0.clone(), creds.1.expose_secret()))
        {
            Err(e) => Err(e.to_string()),
            Ok(oss) => match oss.bucket(s3.bucket.clone()).delete_objects([key.clone()]).send().await {
                Ok(r) if r.errors.is_empty() => Ok(format!("deleted {}", r.deleted.join(", "))),
                Ok(r) => Err(r
                    .errors
                    .iter()
                    .map(|e| format!("{} not deleted: {} {}", e.key, e.code, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")),
                Err(e) => Err(format!("batch delete of {key} failed: {e}")),
            },
        };
    report.add("oss: clean-up (batch delete)", cleanup);
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

/// Tries a public sign-up through the database connection for the application. Passes only on Auth0's specific
/// sign-up-disabled answer (`400 {"code": "operation_not_allowed", "description": "public signup is disabled"}`,
/// auth0.md §3; any other refusal — a 400 for a bad body, 404, 429, 5xx — proves nothing) **and** when the
/// application's enabled connections are exactly the configured one (`GET /clients/{id}/connections`), since a
/// social connection left on would still sign people up. A probe user that got created is deleted, and reported
/// when it cannot be.
async fn signup_refused(p: &Provisioner, http: &reqwest::Client, client_id: &str) -> Result<String, String> {
    let config = p.config();
    let auth0 = &p.services().auth0;
    let db = &config.auth0.database_connection;
    let enabled = auth0
        .clients()
        .connections(client_id)
        .await
        .map_err(|e| format!("cannot read the application's connections: {e}"))?;
    let names: Vec<&str> = enabled.iter().map(|c| c.name.as_str()).collect();
    if names != [db.as_str()] {
        return Err(format!("the application's enabled connections are [{}], not exactly [{db}]", names.join(", ")));
    }
    let base = config.endpoints.auth0.clone().unwrap_or_else(|| format!("https://{}", config.auth0.domain));
    let url = format!("{}/dbconnections/signup", base.trim_end_matches('/'));
    let email = format!("provision-verify-{}@example.invalid", uuid::Uuid::new_v4().simple());
    let password = auth0_client::users::random_password();
    let body = serde_json::json!({
        "client_id": client_id,
        "connection": db,
        "email": email,
        "password": password.expose_secret(),
    });
    let answer = http.post(&url).json(&body).timeout(Duration::from_secs(30)).send().await;
    let (status, code) = match answer {
        Ok(res) => {
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
            let code = body.get("code").and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
            (Some(status), code)
        }
        Err(e) => (None, e.without_url().to_string()),
    };
    if status == Some(400) && code == "operation_not_allowed" {
        return Ok(format!("public sign-up through {db} refused (operation_not_allowed); only {db} is enabled"));
    }
    // Anything else: the probe may have created a user. Remove it, or say it is left behind.
    let cleanup = match auth0.users().by_email(&email).await {
        Ok(users) => {
            let mut left = Vec::new();
            for u in users {
                if let Err(e) = auth0.users().delete(&u.user_id).await {
                    left.push(format!("probe user {} ({email}) could not be deleted: {e}", u.user_id));
                }
            }
            left
        }
        Err(e) => vec![format!("could not look for the probe user {email}: {e}")],
    };
    let what = match status {
        Some(s) if (200..300).contains(&s) => {
            format!("a public sign-up through {db} succeeded (HTTP {s}); sign-ups are open")
        }
        Some(s) => format!(
            "the sign-up probe got HTTP {s} `{code}`, not Auth0's sign-up-disabled answer (400 operation_not_allowed)"
        ),
        None => format!("the sign-up probe got no answer ({code})"),
    };
    Err(if cleanup.is_empty() { what } else { format!("{what}; {}", cleanup.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_signing_matches_the_aws_documentation_example() {
        // AWS S3 "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", the GET example.
        let creds = (
            "AKIAIOSFODNN7EXAMPLE".to_string(),
            SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string()),
        );
        let at = std::time::UNIX_EPOCH + Duration::from_secs(1_369_353_600); // 2013-05-24T00:00:00Z
        let url = Url::parse("https://examplebucket.s3.amazonaws.com/test.txt").unwrap();
        let signed = sign_query("GET", url, "us-east-1", &creds, Duration::from_secs(86400), at).unwrap();
        let q: std::collections::BTreeMap<_, _> = signed.query_pairs().into_owned().collect();
        assert_eq!(q["X-Amz-Signature"], "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
        assert_eq!(q["X-Amz-SignedHeaders"], "host");
    }

    #[test]
    fn lobehub_presigned_put_carries_acl_only_when_asked() {
        let creds = ("AKID".to_string(), SecretString::from("s".to_string()));
        let at = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let put = |acl| {
            presign_s3(
                "PUT",
                "https://s3.oss-cn-hongkong.aliyuncs.com",
                "files",
                "dir/a+b.png",
                "cn-hongkong",
                &creds,
                Duration::from_secs(3600),
                at,
                Some("PutObject"),
                acl,
            )
            .unwrap()
        };
        assert!(!put(false).query().unwrap().contains("x-amz-acl"));
        assert!(put(true).query().unwrap().contains("x-amz-acl=public-read"));
        assert_eq!(put(false).path(), "/dir/a%2Bb.png");
        assert!(
            presign_s3("PUT", "not a url", "b", "k", "r", &creds, Duration::from_secs(1), at, None, false)
                .unwrap_err()
                .contains("S3_ENDPOINT")
        );
    }
}
