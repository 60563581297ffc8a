//! auth0-client against the Auth0 simulator: the LobeHub flow end to end (application, sign-ups disabled on
//! every path, admin-created user with an invite ticket, login, token verification), the naive-PATCH trap,
//! scopes, errors, pagination, rate limits and faults.
#![cfg(feature = "auth0")]

use auth0_client::{
    AppUrls, Auth0Client, ChangePasswordTicketRequestContent, Claims, ConnectionClientStatus,
    CreateClientRequestContent, CreateUserRequestContent, ErrorKind, RateBudget, RetryPolicy,
    UpdateConnectionRequestContent,
};
use sandbox::auth0::{
    ALL_SCOPES, Auth0Simulator, DATABASE_CONNECTION, M2M_CLIENT_ID, M2M_CLIENT_SECRET, SOCIAL_CONNECTION,
};
use sandbox::{FaultMix, Faults, RequestLog, SimServer};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(6)
        .with_min_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(50))
        .with_max_elapsed(Duration::from_secs(20))
}

fn client_for(server: &SimServer, id: &str, secret: &str) -> Auth0Client {
    Auth0Client::builder()
        .base_url(server.base_url())
        .client_credentials(id, secret)
        .rate_budget(RateBudget { per_second: 1000, burst: 1000 })
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

async fn setup() -> (Arc<Auth0Simulator>, SimServer, Auth0Client) {
    setup_with(Auth0Simulator::new()).await
}

/// A tenant whose M2M application holds every scope the simulator knows (for the operations provisioning never
/// calls: secret rotation, tenant settings); the default grant is exactly the published list.
async fn setup_all_scopes() -> (Arc<Auth0Simulator>, SimServer, Auth0Client) {
    setup_with(Auth0Simulator::builder().m2m_scopes(ALL_SCOPES).build()).await
}

async fn setup_with(sim: Auth0Simulator) -> (Arc<Auth0Simulator>, SimServer, Auth0Client) {
    let sim = Arc::new(sim);
    let server = sim.start(RequestLog::new()).await.expect("server");
    let client = client_for(&server, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    (sim, server, client)
}

fn lobehub_app(origin: &str) -> CreateClientRequestContent {
    let urls = AppUrls::for_origin(origin).expect("urls");
    CreateClientRequestContent::regular_web_app("LobeHub")
        .callbacks(urls.callbacks)
        .allowed_logout_urls(urls.allowed_logout_urls)
        .web_origins(urls.web_origins)
}

async fn raw_token(server: &SimServer, id: &str, secret: &str) -> String {
    let http = reqwest::Client::new();
    let response: Value = http
        .post(format!("{}/oauth/token", server.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("audience", &format!("{}/api/v2/", server.base_url())),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    response["access_token"].as_str().expect("access_token").to_string()
}

async fn public_signup(server: &SimServer, client_id: &str, connection: &str, email: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/dbconnections/signup", server.base_url()))
        .json(&json!({"client_id": client_id, "connection": connection, "email": email, "password": "Sup3r-secret-pw"}))
        .send()
        .await
        .expect("signup request");
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// A social first login through `GET /authorize`; returns the redirect location.
async fn social_login(server: &SimServer, client_id: &str, redirect_uri: &str, email: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let response = http
        .get(format!("{}/authorize", server.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("connection", SOCIAL_CONNECTION),
            ("redirect_uri", redirect_uri),
            ("login_hint", email),
            ("state", "xyz"),
        ])
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status().as_u16(), 302);
    response.headers()["location"].to_str().expect("location").to_string()
}

#[tokio::test]
async fn lobehub_flow_signups_refused_everywhere_admin_users_still_work() {
    let (sim, server, auth0) = setup().await;
    let log = server.log().clone();
    let callback = "https://chat.example.com/api/auth/callback/auth0";

    // The application: a regular web app, with every connection enabled by default (google-oauth2 included).
    let (app, created) = auth0.clients().create_or_find(&lobehub_app("https://chat.example.com")).await.unwrap();
    assert!(created);
    let secret = app.client_secret.as_ref().map(|s| secrecy::ExposeSecret::expose_secret(s).to_string());
    assert_eq!(secret.as_deref().map(str::len), Some(64));
    assert_eq!(sim.enabled_connections(&app.client_id), vec![DATABASE_CONNECTION, SOCIAL_CONNECTION]);
    let stored = sim.client(&app.client_id).unwrap();
    assert_eq!(stored["app_type"], "regular_web");
    assert_eq!(stored["oidc_conformant"], true);
    assert_eq!(stored["grant_types"], json!(["authorization_code", "refresh_token"]));
    assert_eq!(stored["callbacks"][0], callback);

    // Before: both sign-up paths are open.
    assert_eq!(public_signup(&server, &app.client_id, DATABASE_CONNECTION, "early@example.com").await.0, 200);
    assert!(social_login(&server, &app.client_id, callback, "social-early@example.com").await.contains("code="));

    // disable_signups: one options write, one connection turned off, then verified.
    let report = auth0.disable_signups(&app.client_id, DATABASE_CONNECTION).await.unwrap();
    assert!(report.signup_disabled_now);
    assert!(!report.database_connection_enabled_now);
    assert_eq!(report.writes, 2);
    assert_eq!(
        report.disabled_connections.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec![SOCIAL_CONNECTION]
    );
    assert_eq!(sim.enabled_connections(&app.client_id), vec![DATABASE_CONNECTION]);
    // Other applications keep their connections.
    assert_eq!(sim.enabled_connections(M2M_CLIENT_ID), vec![DATABASE_CONNECTION, SOCIAL_CONNECTION]);

    // Idempotent: the second call sends no write at all.
    let before = log.mutating().len();
    let again = auth0.disable_signups(&app.client_id, DATABASE_CONNECTION).await.unwrap();
    assert!(!again.changed(), "{again:?}");
    assert_eq!(log.mutating().len(), before);

    // After: no one can sign up through any connection of the application.
    let (status, body) = public_signup(&server, &app.client_id, DATABASE_CONNECTION, "intruder@example.com").await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "operation_not_allowed");
    assert_eq!(body["description"], "public signup is disabled");
    let denied = social_login(&server, &app.client_id, callback, "social-intruder@example.com").await;
    assert!(denied.contains("error=invalid_request") && denied.contains("not+enabled"), "{denied}");
    assert!(
        sim.users().iter().all(|u| u["email"] != "intruder@example.com" && u["email"] != "social-intruder@example.com")
    );
    assert!(sim.try_social_signup(&app.client_id, SOCIAL_CONNECTION, "x@example.com").is_err());
    assert!(sim.try_signup(&app.client_id, DATABASE_CONNECTION, "y@example.com", "Abcdefgh1!").is_err());

    // An admin-created user is still created and gets an invite ticket.
    let body = CreateUserRequestContent::with_random_password(DATABASE_CONNECTION, "Ada@Example.com").name("Ada");
    let (user, created) = auth0.users().create_or_find(&body).await.unwrap();
    assert!(created);
    assert_eq!(user.email.as_deref(), Some("ada@example.com"));
    assert_eq!(user.email_verified, Some(false));
    let (same, created_again) = auth0.users().create_or_find(&body).await.unwrap();
    assert!(!created_again);
    assert_eq!(same.user_id, user.user_id);

    let ticket = auth0
        .tickets()
        .password_change(&ChangePasswordTicketRequestContent::invite(&user.user_id, &app.client_id))
        .await
        .unwrap();
    assert!(ticket.ticket.starts_with(&format!("{}/lo/reset?ticket=", server.base_url())), "{}", ticket.ticket);
    let issued = sim.tickets();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].client_id.as_deref(), Some(app.client_id.as_str()));
    assert!(issued[0].mark_email_as_verified);
    assert_eq!(issued[0].ttl_sec, 432_000);

    // The user sets a password through the ticket and logs in; the ID token verifies.
    sim.use_ticket(&ticket.ticket, "Chosen-by-Ada-42").unwrap();
    let secret = secret.unwrap();
    let tokens: Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", server.base_url()))
        .form(&[
            ("grant_type", "http://auth0.com/oauth/grant-type/password-realm"),
            ("realm", DATABASE_CONNECTION),
            ("username", "ada@example.com"),
            ("password", "Chosen-by-Ada-42"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "openid email profile"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = tokens["id_token"].as_str().expect("id_token");
    let verifier = auth0.oidc().verifier([app.client_id.clone()]).await.unwrap();
    assert_eq!(verifier.issuer(), format!("{}/", server.base_url()));
    let claims: Claims = verifier.verify_refreshing(id_token).await.unwrap();
    assert_eq!(claims.sub, user.user_id);
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
    assert_eq!(claims.extra["email_verified"], true);
    // A token for another audience, or checked against the issuer without the slash, is refused.
    let wrong_aud = auth0.oidc().verifier(["someone-else"]).await.unwrap();
    assert!(matches!(wrong_aud.verify::<Claims>(id_token).unwrap_err().kind(), ErrorKind::InvalidToken));
    let no_slash = auth0_client::TokenVerifier::new(
        server.base_url(),
        [app.client_id.clone()],
        auth0.oidc().jwks().await.unwrap(),
    );
    assert!(no_slash.verify::<Claims>(id_token).is_err());
}

#[tokio::test]
async fn naive_options_patch_wipes_settings_but_disable_signups_keeps_them() {
    let (sim, _server, auth0) = setup().await;
    let before = sim.connection(DATABASE_CONNECTION).unwrap();
    let id = before["id"].as_str().unwrap().to_string();
    assert_eq!(before["display_name"], "Email and password");

    // The naive PATCH: options with only disable_signup.
    let mut only = serde_json::Map::new();
    only.insert("disable_signup".into(), Value::Bool(true));
    auth0
        .connections()
        .update(&id, &UpdateConnectionRequestContent { options: Some(only), ..Default::default() })
        .await
        .unwrap();
    let wiped = sim.connection(DATABASE_CONNECTION).unwrap();
    assert_eq!(wiped["options"], json!({"disable_signup": true}), "every other option is gone");
    assert_eq!(wiped["display_name"], DATABASE_CONNECTION, "display_name reset to the name");

    // The same change done right, on a fresh tenant.
    let (sim, _server, auth0) = setup().await;
    let app = auth0.clients().create(&lobehub_app("https://chat.example.com")).await.unwrap();
    auth0.disable_signups(&app.client_id, DATABASE_CONNECTION).await.unwrap();
    let after = sim.connection(DATABASE_CONNECTION).unwrap();
    let mut expected = before["options"].clone();
    expected["disable_signup"] = Value::Bool(true);
    assert_eq!(after["options"], expected, "every other option, unknown keys included, is kept");
    assert_eq!(after["options"]["x_sim_opaque_setting"]["kept"], json!([1, 2, 3]));
    assert_eq!(after["display_name"], "Email and password");
}

#[tokio::test]
async fn disable_signups_enables_the_database_connection_when_missing_and_disables_many() {
    let (sim, server, auth0) = setup().await;
    sim.set_enable_client_connections(false);
    for i in 0..3 {
        sim.add_connection(&format!("social-{i}"), "github", json!({"scope": ["user:email"]}));
    }
    let app = auth0.clients().create(&lobehub_app("https://a.example.com")).await.unwrap();
    assert!(sim.enabled_connections(&app.client_id).is_empty());
    let conns = auth0.connections().list().all().await.unwrap();
    let social: Vec<ConnectionClientStatus> = conns
        .iter()
        .filter(|c| !c.is_database())
        .map(|_| ConnectionClientStatus { client_id: app.client_id.clone(), status: true })
        .collect();
    assert_eq!(social.len(), 4);
    for c in conns.iter().filter(|c| !c.is_database()) {
        auth0.connections().set_enabled_clients(&c.id, &social[..1]).await.unwrap();
    }
    assert_eq!(sim.enabled_connections(&app.client_id).len(), 4);
    let report = auth0.disable_signups(&app.client_id, DATABASE_CONNECTION).await.unwrap();
    assert!(report.database_connection_enabled_now);
    assert_eq!(report.disabled_connections.len(), 4);
    assert_eq!(sim.enabled_connections(&app.client_id), vec![DATABASE_CONNECTION]);
    let via_api = auth0.clients().connections(&app.client_id).await.unwrap();
    assert_eq!(via_api.len(), 1);
    assert!(server.log().entries().iter().all(|e| !e.query.contains("enabled_clients")));
}

#[tokio::test]
async fn missing_scopes_fail_before_any_management_request() {
    let (sim, server, _) = setup().await;
    sim.add_m2m_client("limited", "limited-secret-value", &["read:clients", "read:connections", "update:connections"]);
    let log = server.log().clone();

    let strict = Auth0Client::builder()
        .base_url(server.base_url())
        .client_credentials("limited", "limited-secret-value")
        .required_scopes(auth0_client::scopes::LOBEHUB_PROVISIONING.iter().copied())
        .no_rate_limit()
        .build()
        .unwrap();
    let err = strict.clients().list().all().await.unwrap_err();
    let ErrorKind::MissingScopes { missing } = err.kind() else { panic!("{err}") };
    assert!(missing.contains(&"read:connections_options".to_string()));
    assert!(missing.contains(&"update:connections_options".to_string()));
    assert!(!missing.contains(&"read:clients".to_string()));
    assert!(err.to_string().contains("update:connections_options"));

    // disable_signups checks its own scopes up front, even without required_scopes.
    let plain = client_for(&server, "limited", "limited-secret-value");
    let err = plain.disable_signups(M2M_CLIENT_ID, DATABASE_CONNECTION).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::MissingScopes { missing } if missing.contains(&"read:connections_options".to_string()))
    );
    // A PATCH with options needs update:connections_options: refused before sending.
    let err = plain
        .connections()
        .update("con_x", &UpdateConnectionRequestContent { options: Some(Default::default()), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::MissingScopes { .. }));
    assert!(log.entries().iter().all(|e| !e.path.starts_with("/api/v2/")), "{:?}", log.entries());
}

#[tokio::test]
async fn server_enforces_scopes_options_visibility_and_known_fields() {
    let (sim, server, _) = setup().await;
    sim.add_m2m_client("reader", "reader-secret-value", &["read:connections", "update:connections", "read:clients"]);
    let token = raw_token(&server, "reader", "reader-secret-value").await;
    let http = reqwest::Client::new();
    let api = format!("{}/api/v2", server.base_url());

    let r =
        http.post(format!("{api}/users")).bearer_auth(&token).json(&json!({"connection": "x"})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "insufficient_scope");
    assert!(body["message"].as_str().unwrap().contains("create:users"));

    let conns: Value =
        http.get(format!("{api}/connections")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert!(
        conns.as_array().unwrap().iter().all(|c| c.get("options").is_none()),
        "options need read:connections_options"
    );
    let id = conns[0]["id"].as_str().unwrap();
    let r = http
        .patch(format!("{api}/connections/{id}"))
        .bearer_auth(&token)
        .json(&json!({"options": {"disable_signup": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("update:connections_options"));

    // Through the client, the server's 403 maps to InsufficientScope naming the scope.
    let reader = client_for(&server, "reader", "reader-secret-value");
    let conn = reader.connections().get(id).await.unwrap();
    assert!(conn.options.is_none());
    let err = reader.connections().set_option(id, "disable_signup", Value::Bool(true)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::MissingScopes { .. }), "{err}");

    // Unknown body fields are refused, enabled_clients included.
    let admin = raw_token(&server, M2M_CLIENT_ID, M2M_CLIENT_SECRET).await;
    let r = http
        .post(format!("{api}/clients"))
        .bearer_auth(&admin)
        .json(&json!({"name": "x", "bogus": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("Additional properties not allowed: bogus"));
    let r = http
        .patch(format!("{api}/connections/{id}"))
        .bearer_auth(&admin)
        .json(&json!({"enabled_clients": [M2M_CLIENT_ID]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // No token, a forged token.
    assert_eq!(http.get(format!("{api}/clients")).send().await.unwrap().status().as_u16(), 401);
    let r = http.get(format!("{api}/clients")).bearer_auth("e30.e30.e30").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn token_errors_are_clear_and_never_show_the_secret() {
    let (sim, server, _) = setup().await;
    let wrong = client_for(&server, M2M_CLIENT_ID, "not-the-right-secret-1234");
    let err = wrong.token_info().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidClientCredentials);
    assert_eq!(err.code(), Some("access_denied"));
    assert!(!err.to_string().contains("not-the-right-secret-1234"));
    assert!(!format!("{err:?}{wrong:?}").contains("not-the-right-secret-1234"));

    sim.add_client_without_grant("no-grant", "no-grant-secret-value");
    let err = client_for(&server, "no-grant", "no-grant-secret-value").token_info().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::ClientNotAuthorized);
    assert!(err.to_string().contains("client grant"));

    let ok = client_for(&server, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    let info = ok.token_info().await.unwrap();
    assert_eq!(info.scopes.len(), sandbox::auth0::DEFAULT_M2M_SCOPES.len());
    assert_eq!(info.scopes, auth0_client::scopes::LOBEHUB_PROVISIONING.iter().map(|s| s.to_string()).collect());
    assert!(info.expires_at > chrono::Utc::now() + chrono::Duration::hours(23));
    // Cached: a second call does not ask again.
    ok.token_info().await.unwrap();
    assert_eq!(server.log().entries().iter().filter(|e| e.path == "/oauth/token").count(), 3);
}

#[tokio::test]
async fn tokens_are_refreshed_before_they_expire() {
    let sim = Arc::new(Auth0Simulator::builder().token_lifetime(40).build());
    let server = sim.start(RequestLog::new()).await.unwrap();
    // Refresh 60 s before exp: a 40 s token is always due, so every call fetches a new one.
    let eager = Auth0Client::builder()
        .base_url(server.base_url())
        .client_credentials(M2M_CLIENT_ID, M2M_CLIENT_SECRET)
        .token_refresh_leeway(Duration::from_secs(60))
        .no_rate_limit()
        .build()
        .unwrap();
    eager.clients().get(M2M_CLIENT_ID).await.unwrap();
    eager.clients().get(M2M_CLIENT_ID).await.unwrap();
    let tokens = server.log().entries().iter().filter(|e| e.path == "/oauth/token").count();
    assert!(tokens >= 2, "{tokens}");
    // With the default leeway the same token serves both calls.
    server.log().clear();
    let lazy = client_for(&server, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    lazy.clients().get(M2M_CLIENT_ID).await.unwrap();
    lazy.clients().get(M2M_CLIENT_ID).await.unwrap();
    assert_eq!(server.log().entries().iter().filter(|e| e.path == "/oauth/token").count(), 1);
}

#[tokio::test]
async fn pagination_in_every_shape() {
    let (sim, server, auth0) = setup().await;
    for i in 0..130 {
        sim.add_connection(&format!("extra-{i:03}"), if i % 2 == 0 { "github" } else { "auth0" }, json!({}));
    }
    let all = auth0.connections().list().all().await.unwrap();
    assert_eq!(all.len(), 132);
    let github = auth0.connections().list().strategy("github").all().await.unwrap();
    assert_eq!(github.len(), 65);
    let both = auth0.connections().list().strategy("github").strategy("google-oauth2").take(7).all().await.unwrap();
    assert_eq!(both.len(), 66);
    let db = auth0.connections().find_database(DATABASE_CONNECTION).await.unwrap();
    assert!(db.is_database() && db.options.is_some());
    assert!(auth0.connections().find_database("nope").await.unwrap_err().is_not_found());

    // The three raw shapes.
    let token = raw_token(&server, M2M_CLIENT_ID, M2M_CLIENT_SECRET).await;
    let http = reqwest::Client::new();
    let get = |q: &'static str| {
        let http = http.clone();
        let token = token.clone();
        let url = format!("{}/api/v2/connections?{q}", server.base_url());
        async move { http.get(url).bearer_auth(token).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert!(get("strategy=auth0&name=Username-Password-Authentication").await.is_array());
    let offset = get("include_totals=true&per_page=10&page=2").await;
    assert_eq!(
        (offset["total"].as_u64(), offset["start"].as_u64(), offset["connections"].as_array().map(Vec::len)),
        (Some(132), Some(20), Some(10))
    );
    let checkpoint = get("take=100").await;
    assert!(checkpoint["next"].is_string());
    assert_eq!(checkpoint["connections"].as_array().map(Vec::len), Some(100));

    // Connection clients: more than one checkpoint page, and PATCH in chunks of at most 50.
    let mut ids = Vec::new();
    for i in 0..60 {
        ids.push(
            auth0
                .clients()
                .create(&CreateClientRequestContent::regular_web_app(format!("app-{i}")))
                .await
                .unwrap()
                .client_id,
        );
    }
    let enabled = auth0.connections().enabled_clients(&db.id).await.unwrap();
    assert_eq!(enabled.len(), 61);
    server.log().clear();
    let off: Vec<ConnectionClientStatus> =
        ids.iter().map(|id| ConnectionClientStatus { client_id: id.clone(), status: false }).collect();
    auth0.connections().set_enabled_clients(&db.id, &off).await.unwrap();
    let patches = server.log().entries().into_iter().filter(|e| e.method == "PATCH").count();
    assert_eq!(patches, 2);
    assert_eq!(auth0.connections().enabled_clients(&db.id).await.unwrap(), vec![M2M_CLIENT_ID]);
    let raw = http
        .patch(format!("{}/api/v2/connections/{}/clients", server.base_url(), db.id))
        .bearer_auth(&token)
        .json(&(0..51).map(|_| json!({"client_id": M2M_CLIENT_ID, "status": true})).collect::<Vec<_>>())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);

    // Clients: every page; find_by_name refuses ambiguity.
    let apps = auth0.clients().list().is_global(false).per_page(7).all().await.unwrap();
    assert_eq!(apps.len(), 61);
    auth0.clients().create(&CreateClientRequestContent::regular_web_app("app-3")).await.unwrap();
    assert_eq!(auth0.clients().find_by_name("app-3").await.unwrap_err().kind(), &ErrorKind::Ambiguous);
    assert!(auth0.clients().find_by_name("missing").await.unwrap().is_none());

    // Users: pages, the 1000 cap, lookups by email whatever the case.
    for i in 0..12 {
        auth0
            .users()
            .create(&CreateUserRequestContent::with_random_password(DATABASE_CONNECTION, format!("u{i}@example.com")))
            .await
            .unwrap();
    }
    assert_eq!(auth0.users().list().per_page(5).in_connection(DATABASE_CONNECTION).all().await.unwrap().len(), 12);
    assert_eq!(auth0.users().by_email("U3@EXAMPLE.com").await.unwrap().len(), 1);
    let capped = http
        .get(format!("{}/api/v2/users?page=10&per_page=100", server.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(capped.status().as_u16(), 400);
}

#[tokio::test]
async fn application_lifecycle_and_user_errors() {
    let (sim, _server, auth0) = setup_all_scopes().await;
    let app = auth0.clients().create(&lobehub_app("https://chat.example.com")).await.unwrap();
    // Reading without read:client_keys hides the secret; the default M2M app has it.
    let read = auth0.clients().get(&app.client_id).await.unwrap();
    assert!(read.client_secret.is_some());
    assert_eq!(read.extra["is_token_endpoint_ip_header_trusted"], false);

    let preview = AppUrls::for_origin("https://lobehub-git-main.vercel.app").unwrap();
    assert!(auth0.clients().ensure_urls(&app.client_id, &preview).await.unwrap());
    assert!(!auth0.clients().ensure_urls(&app.client_id, &preview).await.unwrap());
    // One callback per origin (LobeHub sends only /api/auth/callback/auth0; field-truth §1.2).
    assert_eq!(sim.client(&app.client_id).unwrap()["callbacks"].as_array().unwrap().len(), 2);

    let old = sim.client(&app.client_id).unwrap()["client_secret"].clone();
    let rotated = auth0.clients().rotate_secret(&app.client_id).await.unwrap();
    assert_ne!(
        Value::String(secrecy::ExposeSecret::expose_secret(rotated.client_secret.as_ref().unwrap()).into()),
        old
    );

    // 409 for an existing user, and a too-weak password, mapped to kinds.
    let body = CreateUserRequestContent::with_random_password(DATABASE_CONNECTION, "grace@example.com");
    let user = auth0.users().create(&body).await.unwrap();
    let err = auth0.users().create(&body).await.unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(err.code(), Some("auth0_idp_error"));
    let weak = CreateUserRequestContent { password: Some("abc".to_string().into()), ..body.clone() };
    let err = auth0
        .users()
        .create(&CreateUserRequestContent { email: Some("weak@example.com".into()), ..weak })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::BadRequest);
    assert!(err.message().contains("PasswordStrengthError"));
    let err = auth0
        .users()
        .create(&CreateUserRequestContent::with_random_password(SOCIAL_CONNECTION, "s@example.com"))
        .await
        .unwrap_err();
    assert!(err.message().contains("does not support user creation"));

    assert_eq!(auth0.users().get(&user.user_id).await.unwrap().email.as_deref(), Some("grace@example.com"));
    auth0.users().delete(&user.user_id).await.unwrap();
    assert!(auth0.users().get(&user.user_id).await.unwrap_err().is_not_found());
    let err = auth0
        .tickets()
        .password_change(&ChangePasswordTicketRequestContent::invite(&user.user_id, &app.client_id))
        .await
        .unwrap_err();
    assert!(err.is_not_found());

    auth0.clients().delete(&app.client_id).await.unwrap();
    assert!(auth0.clients().get(&app.client_id).await.unwrap_err().is_not_found());
    assert!(sim.enabled_connections(&app.client_id).is_empty());
}

#[tokio::test]
async fn rate_limits_are_honoured_and_the_client_budget_avoids_them() {
    // The server allows a burst of 3 then 20/s; without a client budget the client hits 429s and waits.
    let sim = Arc::new(Auth0Simulator::builder().rate_budget(3, 20.0).build());
    let server = sim.start(RequestLog::new()).await.unwrap();
    let unlimited = Auth0Client::builder()
        .base_url(server.base_url())
        .client_credentials(M2M_CLIENT_ID, M2M_CLIENT_SECRET)
        .no_rate_limit()
        .retry_policy(fast_retry().with_max_retries(10))
        .build()
        .unwrap();
    for _ in 0..8 {
        unlimited.clients().get(M2M_CLIENT_ID).await.unwrap();
    }
    let throttled = server.log().entries().iter().filter(|e| e.status == Some(429)).count();
    assert!(throttled > 0, "the burst of 3 was exceeded");

    // A client budget under the server's: no 429 at all.
    sim.set_rate_budget(Some((3, 20.0)));
    server.log().clear();
    let polite = Auth0Client::builder()
        .base_url(server.base_url())
        .client_credentials(M2M_CLIENT_ID, M2M_CLIENT_SECRET)
        .rate_budget(RateBudget { per_second: 15, burst: 2 })
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    for _ in 0..10 {
        polite.clients().get(M2M_CLIENT_ID).await.unwrap();
    }
    assert!(server.log().entries().iter().all(|e| e.status != Some(429)));

    // With retries off, the 429 surfaces as RateLimited with the reset time.
    sim.set_rate_budget(Some((1, 0.01)));
    let once = Auth0Client::builder()
        .base_url(server.base_url())
        .client_credentials(M2M_CLIENT_ID, M2M_CLIENT_SECRET)
        .no_rate_limit()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    once.clients().get(M2M_CLIENT_ID).await.unwrap();
    let err = once.clients().get(M2M_CLIENT_ID).await.unwrap_err();
    let ErrorKind::RateLimited { reset_at, retry_after } = err.kind() else { panic!("{err}") };
    assert!(reset_at.is_some() && retry_after.is_some());
    assert_eq!(err.metadata().and_then(|m| m.extra("x-ratelimit-remaining")), Some("0"));
}

#[tokio::test]
async fn faults_are_retried_and_lost_creates_are_not_duplicated() {
    let (sim, server, auth0) = setup().await;
    server.set_faults(
        Faults::none()
            .with_failure_rate(0.4)
            .with_seed(11)
            .with_throttle_retry_after(Duration::from_millis(10))
            .with_mix(FaultMix {
                internal_error: 1,
                service_unavailable: 1,
                throttled: 1,
                connection_reset: 0,
                stall: 0,
                response_lost: 0,
            }),
    );
    for _ in 0..10 {
        auth0.connections().list().all().await.unwrap();
    }
    assert!(server.log().entries().iter().any(|e| e.fault.is_some()));

    // Every create's answer is lost once: create_or_find looks before it creates again.
    server.set_faults(Faults::none().with_failure_rate(0.5).with_seed(3).with_mix(FaultMix {
        internal_error: 0,
        service_unavailable: 0,
        throttled: 0,
        connection_reset: 0,
        stall: 0,
        response_lost: 1,
    }));
    for i in 0..6 {
        let email = format!("lost{i}@example.com");
        let mut attempt = 0;
        let user = loop {
            attempt += 1;
            match auth0
                .users()
                .create_or_find(&CreateUserRequestContent::with_random_password(DATABASE_CONNECTION, &email))
                .await
            {
                Ok((u, _)) => break u,
                // A lost answer to the lookup itself (a GET) is retried by the client; give the test a few tries.
                Err(e) if attempt < 5 => eprintln!("retrying after {e}"),
                Err(e) => panic!("{e}"),
            }
        };
        assert_eq!(user.email.as_deref(), Some(email.as_str()));
        assert_eq!(sim.users().iter().filter(|u| u["email"] == email.as_str()).count(), 1, "{email} created once");
    }
    let (app, _) = auth0.clients().create_or_find(&lobehub_app("https://x.example.com")).await.unwrap();
    assert_eq!(sim.clients().iter().filter(|c| c["name"] == "LobeHub").count(), 1);
    assert!(!app.client_id.is_empty());
}

#[tokio::test]
async fn tenant_flag_stops_new_applications_from_getting_every_connection() {
    let (sim, server, auth0) = setup_all_scopes().await;
    assert!(auth0.tenant_settings().get().await.unwrap().enable_client_connections());
    assert!(auth0.tenant_settings().set_enable_client_connections(false).await.unwrap());
    let before = server.log().mutating().len();
    assert!(!auth0.tenant_settings().set_enable_client_connections(false).await.unwrap());
    assert_eq!(server.log().mutating().len(), before, "no write when the flag already has the value");
    let app = auth0.clients().create(&lobehub_app("https://chat.example.com")).await.unwrap();
    assert!(sim.enabled_connections(&app.client_id).is_empty());
    // disable_signups then enables just the database connection.
    let report = auth0.disable_signups(&app.client_id, DATABASE_CONNECTION).await.unwrap();
    assert!(report.database_connection_enabled_now && report.disabled_connections.is_empty());
    assert_eq!(sim.enabled_connections(&app.client_id), vec![DATABASE_CONNECTION]);
}

#[tokio::test]
async fn the_simulator_hands_out_a_ready_client_builder() {
    let sim = Arc::new(Auth0Simulator::new());
    let server = sim.start(RequestLog::new()).await.unwrap();
    let auth0 = Auth0Simulator::client_builder(&server).build().unwrap();
    assert_eq!(auth0.issuer(), format!("{}/", server.base_url()));
    auth0.check_scopes(auth0_client::scopes::LOBEHUB_PROVISIONING).await.unwrap();
    let db = auth0.connections().find_database(DATABASE_CONNECTION).await.unwrap();
    assert_eq!(db.display_name.as_deref(), Some("Email and password"));
}
