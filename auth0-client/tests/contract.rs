//! Contract test: every request body the client can send validates against its operation's request schema in
//! the Auth0 Management API OpenAPI document (`shared/specs/auth0-management-api.yml`, where request schemas are
//! `additionalProperties: false`). Bodies are captured from the wire, while the client runs every operation
//! that has a body against wiremock, so that what is checked is what is sent.
//!
//! The spec is found through `AUTH0_OPENAPI_SPEC` (a path), else `../shared/specs/auth0-management-api.yml`
//! beside the repository. Without it, the tests that need it are reported as **ignored**, with the reason, not
//! as passed (this file uses `libtest-mimic` as its harness so it can decide that at run time).

mod common;

use auth0_client::{
    ChangePasswordTicketRequestContent, ConnectionClientStatus, CreateClientRequestContent, CreateUserRequestContent,
    JwtConfiguration, UpdateClientRequestContent, UpdateConnectionRequestContent,
};
use common::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Where the spec is: `AUTH0_OPENAPI_SPEC`, else `shared/specs/` beside the repository (`../shared/specs/`
/// from the repository root). `None` when neither exists.
fn spec_path() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("AUTH0_OPENAPI_SPEC").map(PathBuf::from),
        Some(manifest.join("../../shared/specs/auth0-management-api.yml")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = spec_path().expect("the spec (tests that need it are ignored without it)");
        let text = std::fs::read_to_string(path).expect("read the spec");
        serde_yaml_ng::from_str::<Value>(&text).expect("parse the spec")
    })
}

/// The operation in the spec for `method` and a concrete path below `/api/v2`.
fn operation(method: &str, concrete: &str) -> (String, &'static Value) {
    let paths = spec()["paths"].as_object().expect("paths");
    let concrete: Vec<&str> = concrete.trim_matches('/').split('/').collect();
    for (template, item) in paths {
        let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
        let matches = parts.len() == concrete.len()
            && parts.iter().zip(&concrete).all(|(t, c)| (t.starts_with('{') && t.ends_with('}')) || t == c);
        if matches && let Some(op) = item.get(method.to_lowercase()) {
            return (format!("{method} {template}"), op);
        }
    }
    panic!("no operation for {method} /{}", concrete.join("/"))
}

/// Validates `body` against the JSON request schema of the operation.
fn validate(method: &str, concrete_path: &str, body: &Value) -> Result<String, String> {
    let (name, op) = operation(method, concrete_path);
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "{name} has no JSON request schema");
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": spec()["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::validator_for(&root).map_err(|e| format!("{name}: schema does not compile: {e}"))?;
    let errors: Vec<String> = validator.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    if errors.is_empty() { Ok(name) } else { Err(format!("{name}: {}", errors.join("; "))) }
}

fn full_create_client() -> CreateClientRequestContent {
    CreateClientRequestContent {
        name: "LobeHub".into(),
        description: Some("LobeHub chat".into()),
        app_type: Some("regular_web".into()),
        callbacks: Some(vec!["https://chat.example.com/api/auth/callback/auth0".into()]),
        allowed_logout_urls: Some(vec!["https://chat.example.com".into()]),
        web_origins: Some(vec!["https://chat.example.com".into()]),
        allowed_origins: Some(vec!["https://chat.example.com".into()]),
        grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
        token_endpoint_auth_method: Some("client_secret_post".into()),
        oidc_conformant: Some(true),
        is_first_party: Some(true),
        initiate_login_uri: Some("https://chat.example.com/login".into()),
        jwt_configuration: Some(JwtConfiguration { alg: Some("RS256".into()), lifetime_in_seconds: Some(36_000) }),
    }
}

fn full_update_client() -> UpdateClientRequestContent {
    let c = full_create_client();
    UpdateClientRequestContent {
        name: Some(c.name),
        description: c.description,
        app_type: c.app_type,
        callbacks: c.callbacks,
        allowed_logout_urls: c.allowed_logout_urls,
        web_origins: c.web_origins,
        allowed_origins: c.allowed_origins,
        grant_types: c.grant_types,
        token_endpoint_auth_method: c.token_endpoint_auth_method,
        oidc_conformant: c.oidc_conformant,
        is_first_party: c.is_first_party,
        initiate_login_uri: c.initiate_login_uri,
        jwt_configuration: c.jwt_configuration,
    }
}

fn db_connection() -> Value {
    json!({
        "id": "con_db", "name": "Username-Password-Authentication", "display_name": "Email", "strategy": "auth0",
        "options": {"passwordPolicy": "good", "mfa": {"active": true}, "brute_force_protection": true,
                    "x_unknown": {"nested": [1, 2]}, "disable_signup": false},
        "realms": ["Username-Password-Authentication"]
    })
}

fn full_user() -> CreateUserRequestContent {
    let mut meta = Map::new();
    meta.insert("invited_by".into(), json!("provisioner"));
    CreateUserRequestContent {
        name: Some("Ada Lovelace".into()),
        given_name: Some("Ada".into()),
        family_name: Some("Lovelace".into()),
        nickname: Some("ada".into()),
        blocked: Some(false),
        user_metadata: Some(meta.clone()),
        app_metadata: Some(meta),
        ..CreateUserRequestContent::with_random_password("Username-Password-Authentication", "ada@example.com")
    }
}

/// Runs every operation with a body against wiremock and returns the captured `(method, path, body)`.
async fn captured_bodies() -> Vec<(String, String, Value)> {
    let server = MockServer::start().await;
    mount_token(&server, ALL).await;
    let user = json!({"user_id": "auth0|1", "email": "ada@example.com",
        "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "1"}]});
    let mut patched = db_connection();
    patched["options"]["disable_signup"] = json!(true);
    let mounts = [
        (
            "POST",
            "^/api/v2/clients$",
            ResponseTemplate::new(201).set_body_json(json!({"client_id": "app", "name": "LobeHub"})),
        ),
        (
            "GET",
            "^/api/v2/clients$",
            ResponseTemplate::new(200).set_body_json(json!({"start": 0, "limit": 100, "total": 0, "clients": []})),
        ),
        (
            "GET",
            "^/api/v2/clients/app$",
            ResponseTemplate::new(200).set_body_json(json!({"client_id": "app", "callbacks": []})),
        ),
        ("PATCH", "^/api/v2/clients/app$", ResponseTemplate::new(200).set_body_json(json!({"client_id": "app"}))),
        ("GET", "^/api/v2/connections$", ResponseTemplate::new(200).set_body_json(json!([db_connection()]))),
        ("POST", "^/api/v2/connections$", ResponseTemplate::new(201).set_body_json(db_connection())),
        ("GET", "^/api/v2/connections/con_db$", ResponseTemplate::new(200).set_body_json(db_connection())),
        ("PATCH", "^/api/v2/connections/con_db$", ResponseTemplate::new(200).set_body_json(patched)),
        ("PATCH", "^/api/v2/connections/[^/]+/clients$", ResponseTemplate::new(204)),
        (
            "GET",
            "^/api/v2/clients/app/connections$",
            ResponseTemplate::new(200).set_body_json(
                json!({"connections": [{"id": "con_g", "name": "google-oauth2", "strategy": "google-oauth2"}]}),
            ),
        ),
        (
            "GET",
            "^/api/v2/tenants/settings$",
            ResponseTemplate::new(200).set_body_json(json!({"flags": {"enable_client_connections": true}})),
        ),
        (
            "PATCH",
            "^/api/v2/tenants/settings$",
            ResponseTemplate::new(200).set_body_json(json!({"flags": {"enable_client_connections": false}})),
        ),
        ("GET", "^/api/v2/users-by-email$", ResponseTemplate::new(200).set_body_json(json!([]))),
        ("POST", "^/api/v2/users$", ResponseTemplate::new(201).set_body_json(user)),
        (
            "POST",
            "^/api/v2/tickets/password-change$",
            ResponseTemplate::new(201).set_body_json(json!({"ticket": "https://t/lo/reset?ticket=1#"})),
        ),
    ];
    for (m, p, r) in mounts {
        Mock::given(method(m)).and(path_regex(p)).respond_with(r).mount(&server).await;
    }
    Mock::given(method("GET")).and(path("/never")).respond_with(ResponseTemplate::new(404)).mount(&server).await;

    let auth0 = client(&server);
    auth0.clients().create(&CreateClientRequestContent::regular_web_app("LobeHub")).await.unwrap();
    auth0.clients().create(&full_create_client()).await.unwrap();
    auth0.clients().create_or_find(&CreateClientRequestContent::regular_web_app("LobeHub")).await.unwrap();
    auth0.clients().update("app", &full_update_client()).await.unwrap();
    auth0
        .clients()
        .ensure_urls("app", &auth0_client::AppUrls::for_origin("https://chat.example.com").unwrap())
        .await
        .unwrap();
    auth0
        .connections()
        .update(
            "con_db",
            &UpdateConnectionRequestContent {
                show_as_button: Some(false),
                is_domain_connection: Some(false),
                realms: Some(vec!["r".into()]),
                metadata: Some(Map::new()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // disable_signups: the merged options PATCH and the connection-clients PATCH.
    let report = auth0.disable_signups("app", "Username-Password-Authentication").await;
    // The verification read sees google-oauth2 still (static mock): that is an error, after the writes.
    assert!(report.is_err());
    auth0
        .connections()
        .set_enabled_clients("con_db", &[ConnectionClientStatus { client_id: "app".into(), status: true }])
        .await
        .unwrap();
    auth0
        .users()
        .create(&CreateUserRequestContent::with_random_password("Username-Password-Authentication", "b@example.com"))
        .await
        .unwrap();
    auth0.users().create(&full_user()).await.unwrap();
    auth0
        .users()
        .create_or_find(&CreateUserRequestContent::with_random_password(
            "Username-Password-Authentication",
            "c@example.com",
        ))
        .await
        .unwrap();
    auth0.tickets().password_change(&ChangePasswordTicketRequestContent::invite("auth0|1", "app")).await.unwrap();
    // The dedicated database connection provisioning creates.
    auth0
        .connections()
        .create(&auth0_client::CreateConnectionRequestContent::dedicated_database("lobehub-users"))
        .await
        .unwrap();
    assert!(auth0.tenant_settings().set_enable_client_connections(false).await.unwrap());
    auth0
        .tickets()
        .password_change(&ChangePasswordTicketRequestContent {
            email: Some("ada@example.com".into()),
            connection_id: Some("con_db00000000000001".into()),
            ttl_sec: Some(3_600),
            mark_email_as_verified: Some(true),
            include_email_in_redirect: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    auth0.tickets().password_change(&ChangePasswordTicketRequestContent::invite("auth0|1", "app")).await.unwrap();
    // Classic Universal Login: result_url, never together with client_id (the client refuses that body).
    auth0
        .tickets()
        .password_change(
            &ChangePasswordTicketRequestContent { user_id: Some("auth0|1".into()), ..Default::default() }
                .result_url("https://chat.example.com/"),
        )
        .await
        .unwrap();

    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().starts_with("/api/v2/") && !r.body.is_empty())
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).expect("JSON body");
            (r.method.to_string(), r.url.path().trim_start_matches("/api/v2").to_string(), body)
        })
        .collect()
}

async fn every_body_the_client_sends_matches_the_spec() {
    let bodies = captured_bodies().await;
    let mut operations = BTreeSet::new();
    let mut failures = Vec::new();
    for (m, p, body) in &bodies {
        match validate(m, p, body) {
            Ok(name) => {
                operations.insert(name);
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "bodies that Auth0 would reject:\n{}", failures.join("\n"));
    let expected: BTreeSet<String> = [
        "POST /clients",
        "PATCH /clients/{id}",
        "PATCH /connections/{id}",
        "PATCH /connections/{id}/clients",
        "POST /users",
        "POST /tickets/password-change",
        "PATCH /tenants/settings",
        "POST /connections",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(operations, expected, "every operation with a body was exercised");
    assert!(bodies.len() >= 14, "{} bodies", bodies.len());
    // The merged options PATCH kept the unknown option and sent display_name back.
    let merged = bodies
        .iter()
        .find(|(m, p, b)| m == "PATCH" && p == "/connections/con_db" && b.get("options").is_some())
        .expect("options PATCH");
    assert_eq!(merged.2["options"]["x_unknown"]["nested"], json!([1, 2]));
    assert_eq!(merged.2["display_name"], "Email");
}

fn the_validator_rejects_what_auth0_rejects() {
    // The check is not vacuous: unknown fields, a missing `status`, an empty array, a bad app type.
    let bad = [
        ("POST", "/clients", json!({"name": "x", "bogus": 1})),
        ("POST", "/clients", json!({"name": "x", "app_type": "not-a-type"})),
        ("POST", "/clients", json!({"name": "<x>"})),
        ("PATCH", "/connections/con_1", json!({"options": {}, "typo_field": 1})),
        ("PATCH", "/connections/con_1/clients", json!([{"client_id": "a"}])),
        ("PATCH", "/connections/con_1/clients", json!([])),
        ("POST", "/users", json!({"email": "a@b.co"})),
        ("POST", "/tickets/password-change", json!({"user_id": "auth0|1", "mystery": true})),
    ];
    for (m, p, body) in bad {
        assert!(validate(m, p, &body).is_err(), "{m} {p} {body} should be rejected");
    }
    assert!(validate("POST", "/clients", &json!({"name": "x"})).is_ok());
}

fn responses_keep_unknown_fields() {
    let c: auth0_client::Connection = serde_json::from_value(
        json!({"id": "c", "name": "n", "strategy": "auth0", "brand_new": 1, "options": {"new_opt": true}}),
    )
    .unwrap();
    assert_eq!(c.extra["brand_new"], 1);
    assert_eq!(c.options.unwrap()["new_opt"], true);
    let u: auth0_client::User =
        serde_json::from_value(json!({"user_id": "auth0|1", "last_ip": "1.2.3.4", "logins_count": 3})).unwrap();
    assert_eq!(u.extra["logins_count"], 3);
    let t: auth0_client::PasswordChangeTicket =
        serde_json::from_value(json!({"ticket": "u", "expires_at": "x"})).unwrap();
    assert_eq!(t.extra["expires_at"], "x");
}

fn main() -> std::process::ExitCode {
    use libtest_mimic::{Arguments, Failed, Trial};
    let args = Arguments::from_args();
    let has_spec = spec_path().is_some();
    if !has_spec {
        eprintln!(
            "note: the Auth0 Management API spec was not found: set AUTH0_OPENAPI_SPEC to its path, or place \
             shared/specs/auth0-management-api.yml beside the repository; the tests that need it are ignored"
        );
    }
    let run = |f: fn()| -> Result<(), Failed> {
        std::panic::catch_unwind(f).map_err(|e| {
            let text = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".to_string());
            Failed::from(text)
        })
    };
    let needs_spec = |name: &str, f: fn()| {
        Trial::test(name, move || run(f))
            .with_kind(if has_spec { "" } else { "needs AUTH0_OPENAPI_SPEC or ../shared/specs" })
            .with_ignored_flag(!has_spec)
    };
    let trials = vec![
        needs_spec("every_body_the_client_sends_matches_the_spec", || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(every_body_the_client_sends_matches_the_spec())
        }),
        needs_spec("the_validator_rejects_what_auth0_rejects", the_validator_rejects_what_auth0_rejects),
        Trial::test("responses_keep_unknown_fields", move || run(responses_keep_unknown_fields)),
    ];
    libtest_mimic::run(&args, trials).exit_code()
}
