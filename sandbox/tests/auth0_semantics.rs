//! The Auth0 simulator's documented semantics, request by request (through `Simulator::handle`, no socket).
#![cfg(feature = "auth0")]

use http::Method;
use sandbox::auth0::{Auth0Simulator, DATABASE_CONNECTION, M2M_CLIENT_ID, M2M_CLIENT_SECRET, SOCIAL_CONNECTION};
use sandbox::{SimRequest, Simulator};
use serde_json::{Value, json};
use std::sync::OnceLock;

const HOST: &str = "127.0.0.1:4000";

fn call(sim: &Auth0Simulator, method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("host", HOST), ("content-type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let response = sim.handle(&SimRequest::new(method, uri, &headers, body));
    (response.status.as_u16(), serde_json::from_slice(&response.body).unwrap_or(Value::Null))
}

fn token_for(sim: &Auth0Simulator, id: &str, secret: &str) -> String {
    let (status, body) = call(
        sim,
        Method::POST,
        "/oauth/token",
        None,
        Some(
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": format!("http://{HOST}/api/v2/")}),
        ),
    );
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

/// One simulator for the read-mostly tests (key generation is the slow part).
fn shared() -> &'static (Auth0Simulator, String) {
    static SIM: OnceLock<(Auth0Simulator, String)> = OnceLock::new();
    SIM.get_or_init(|| {
        let sim = Auth0Simulator::new();
        let token = token_for(&sim, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
        (sim, token)
    })
}

fn db_id(sim: &Auth0Simulator) -> String {
    sim.connection(DATABASE_CONNECTION).unwrap()["id"].as_str().unwrap().to_string()
}

#[test]
fn the_token_is_an_rs256_jwt_with_issuer_audience_and_scopes() {
    let (sim, token) = shared();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(token).unwrap();
    assert_eq!(claims["iss"], format!("http://{HOST}/"));
    assert_eq!(claims["aud"], format!("http://{HOST}/api/v2/"));
    assert_eq!(claims["sub"], format!("{M2M_CLIENT_ID}@clients"));
    assert_eq!(claims["gty"], "client-credentials");
    assert!(claims["scope"].as_str().unwrap().contains("update:connections_options"));
    let (_, discovery) = call(sim, Method::GET, "/.well-known/openid-configuration", None, None);
    assert_eq!(discovery["issuer"], format!("http://{HOST}/"));
    let (_, jwks) = call(sim, Method::GET, "/.well-known/jwks.json", None, None);
    assert_eq!(jwks["keys"][0]["kid"], header.kid.unwrap());
    // The wrong audience, a form body with the wrong secret.
    let (status, body) = call(
        sim,
        Method::POST,
        "/oauth/token",
        None,
        Some(
            json!({"grant_type": "client_credentials", "client_id": M2M_CLIENT_ID, "client_secret": M2M_CLIENT_SECRET, "audience": "https://other/api/v2/"}),
        ),
    );
    assert_eq!((status, body["error"].as_str()), (403, Some("access_denied")));
    let form = SimRequest::new(
        Method::POST,
        "/oauth/token",
        &[("host", HOST), ("content-type", "application/x-www-form-urlencoded")],
        format!("grant_type=client_credentials&client_id={M2M_CLIENT_ID}&client_secret=wrong&audience=x"),
    );
    let response = sim.handle(&form);
    assert_eq!(response.status.as_u16(), 401);
    assert!(String::from_utf8_lossy(&response.body).contains("access_denied"));
}

#[test]
fn expired_and_foreign_tokens_are_refused() {
    let sim = Auth0Simulator::builder().token_lifetime(-10).build();
    let expired = token_for(&sim, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    let (status, body) = call(&sim, Method::GET, "/api/v2/clients", Some(&expired), None);
    assert_eq!(status, 401);
    assert!(body["message"].as_str().unwrap().contains("Expired"));
    // A token of another simulator (another key) is invalid here.
    let (_, other) = shared();
    let (status, _) = call(&sim, Method::GET, "/api/v2/clients", Some(other), None);
    assert_eq!(status, 401);
}

#[test]
fn a_patch_without_display_name_resets_it_to_the_name() {
    let sim = Auth0Simulator::new();
    let token = token_for(&sim, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    let id = db_id(&sim);
    let (status, body) = call(
        &sim,
        Method::PATCH,
        &format!("/api/v2/connections/{id}"),
        Some(&token),
        Some(json!({"show_as_button": false})),
    );
    assert_eq!(status, 200);
    assert_eq!(body["display_name"], DATABASE_CONNECTION);
    assert_eq!(body["show_as_button"], false);
    // Options untouched when not sent.
    assert_eq!(body["options"]["passwordPolicy"], "good");
    let (status, _) =
        call(&sim, Method::PATCH, "/api/v2/connections/con_nope", Some(&token), Some(json!({"show_as_button": true})));
    assert_eq!(status, 404);
}

#[test]
fn connection_clients_validate_items_and_clients() {
    let (sim, token) = shared();
    let id = db_id(sim);
    let uri = format!("/api/v2/connections/{id}/clients");
    for bad in [
        json!([]),
        json!([{"client_id": M2M_CLIENT_ID}]),
        json!([{"client_id": M2M_CLIENT_ID, "status": true, "x": 1}]),
        json!({"client_id": "a"}),
    ] {
        assert_eq!(call(sim, Method::PATCH, &uri, Some(token), Some(bad.clone())).0, 400, "{bad}");
    }
    let (status, body) =
        call(sim, Method::PATCH, &uri, Some(token), Some(json!([{"client_id": "ghost", "status": true}])));
    assert_eq!((status, body["message"].as_str()), (404, Some("The client does not exist")));
    let (status, body) = call(sim, Method::GET, &format!("{uri}?take=1"), Some(token), None);
    assert_eq!(status, 200);
    assert_eq!(body["clients"].as_array().unwrap().len(), 1);
    assert!(body.get("next").is_none(), "one client: no next page");
    assert_eq!(call(sim, Method::GET, &format!("{uri}?take=0"), Some(token), None).0, 400);
    assert_eq!(call(sim, Method::GET, &format!("{uri}?from=garbage"), Some(token), None).0, 400);
}

#[test]
fn public_signups_follow_the_connection_settings() {
    let sim = Auth0Simulator::new();
    // The M2M application has both connections enabled.
    assert!(sim.try_signup(M2M_CLIENT_ID, DATABASE_CONNECTION, "weak@example.com", "short").is_err());
    let ok = sim.try_signup(M2M_CLIENT_ID, DATABASE_CONNECTION, "new@example.com", "Good-enough-1").unwrap();
    assert_eq!(ok["email"], "new@example.com");
    // A second sign-up with the same email does not say whether the user exists.
    let again = sim.try_signup(M2M_CLIENT_ID, DATABASE_CONNECTION, "NEW@example.com", "Good-enough-1").unwrap_err();
    assert_eq!(again["code"], "invalid_signup");
    assert_eq!(
        sim.try_signup("ghost", DATABASE_CONNECTION, "a@example.com", "Good-enough-1").unwrap_err()["code"],
        "invalid_request"
    );
    assert!(sim.try_signup(M2M_CLIENT_ID, SOCIAL_CONNECTION, "a@example.com", "Good-enough-1").is_err());
    // A social first login needs a callback URL, and creates the user.
    assert!(
        sim.try_social_signup(M2M_CLIENT_ID, SOCIAL_CONNECTION, "g@example.com").is_err(),
        "no callback registered"
    );
    let token = token_for(&sim, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    let (_, app) = call(
        &sim,
        Method::POST,
        "/api/v2/clients",
        Some(&token),
        Some(json!({"name": "A", "callbacks": ["https://a.example.com/cb"]})),
    );
    let app_id = app["client_id"].as_str().unwrap();
    let location = sim.try_social_signup(app_id, SOCIAL_CONNECTION, "g@example.com").unwrap();
    assert!(location.starts_with("https://a.example.com/cb?code="));
    assert!(
        sim.users()
            .iter()
            .any(|u| u["user_id"].as_str().unwrap().starts_with("google-oauth2|") && u["email"] == "g@example.com")
    );
    let mismatch = SimRequest::new(
        Method::GET,
        &format!(
            "/authorize?client_id={app_id}&connection=google-oauth2&redirect_uri=https://evil.example.com/cb&login_hint=x@example.com"
        ),
        &[("host", HOST)],
        "",
    );
    assert_eq!(sim.handle(&mismatch).status.as_u16(), 400);
    // Sign-up disabled on the database connection: refused even for an application with it enabled.
    let id = db_id(&sim);
    let mut options = sim.connection(DATABASE_CONNECTION).unwrap()["options"].clone();
    options["disable_signup"] = json!(true);
    call(&sim, Method::PATCH, &format!("/api/v2/connections/{id}"), Some(&token), Some(json!({"options": options})));
    let refused = sim.try_signup(app_id, DATABASE_CONNECTION, "late@example.com", "Good-enough-1").unwrap_err();
    assert_eq!(refused["description"], "public signup is disabled");
    // The social connection is unaffected by disable_signup: still open while enabled for the application.
    assert!(sim.try_social_signup(app_id, SOCIAL_CONNECTION, "late-social@example.com").is_ok());
}

#[test]
fn users_and_tickets_follow_the_documented_errors() {
    let sim = Auth0Simulator::new();
    let token = token_for(&sim, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    let create = |body: Value| call(&sim, Method::POST, "/api/v2/users", Some(&token), Some(body));
    assert_eq!(create(json!({"email": "a@example.com"})).0, 400);
    assert_eq!(
        create(json!({"connection": "nope", "email": "a@example.com", "password": "Good-enough-1"})).1["message"],
        "Connection does not exist."
    );
    assert_eq!(
        create(json!({"connection": DATABASE_CONNECTION, "email": "a@example.com", "password": "Good-enough-1", "username": "a"})).1["message"],
        "Cannot set username for connection without requires_username."
    );
    let (status, user) = create(
        json!({"connection": DATABASE_CONNECTION, "email": "A@Example.com", "password": "Good-enough-1", "email_verified": false}),
    );
    assert_eq!(status, 201);
    assert_eq!(user["email"], "a@example.com");
    assert!(user["user_id"].as_str().unwrap().starts_with("auth0|"));
    let (status, conflict) =
        create(json!({"connection": DATABASE_CONNECTION, "email": "a@example.com", "password": "Good-enough-1"}));
    assert_eq!(
        (status, conflict["errorCode"].as_str(), conflict["message"].as_str()),
        (409, Some("auth0_idp_error"), Some("The user already exists."))
    );
    // users-by-email is case-sensitive; stored emails are lower case.
    assert_eq!(
        call(&sim, Method::GET, "/api/v2/users-by-email?email=A%40Example.com", Some(&token), None).1,
        json!([])
    );
    assert_eq!(
        call(&sim, Method::GET, "/api/v2/users-by-email?email=a%40example.com", Some(&token), None)
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The user id is percent-decoded in paths.
    let encoded = user["user_id"].as_str().unwrap().replace('|', "%7C");
    assert_eq!(call(&sim, Method::GET, &format!("/api/v2/users/{encoded}"), Some(&token), None).0, 200);

    let ticket = |body: Value| call(&sim, Method::POST, "/api/v2/tickets/password-change", Some(&token), Some(body));
    let uid = user["user_id"].as_str().unwrap();
    assert_eq!(ticket(json!({"user_id": uid, "email": "a@example.com", "connection_id": db_id(&sim)})).0, 400);
    assert_eq!(ticket(json!({"user_id": uid, "result_url": "https://a.com", "organization_id": "org_1"})).0, 400);
    assert_eq!(ticket(json!({"user_id": uid, "client_id": "ghost"})).1["message"], "The client does not exist");
    assert_eq!(ticket(json!({"user_id": "auth0|nobody"})).0, 404);
    let (status, by_email) = ticket(json!({"email": "a@example.com", "connection_id": db_id(&sim), "ttl_sec": 60}));
    assert_eq!(status, 201);
    let url = by_email["ticket"].as_str().unwrap();
    assert!(url.starts_with(&format!("http://{HOST}/lo/reset?ticket=")));
    assert_eq!(sim.tickets()[0].ttl_sec, 60);
    sim.use_ticket(url, "New-password-1").unwrap();
    assert!(sim.use_ticket(url, "Again-password-1").is_err(), "single use");
}

#[test]
fn list_shapes_and_the_users_cap() {
    let (sim, token) = shared();
    let (_, bare) = call(sim, Method::GET, "/api/v2/clients?is_global=false", Some(token), None);
    assert!(bare.as_array().unwrap().iter().all(|c| c["global"] == false));
    let (_, totals) = call(sim, Method::GET, "/api/v2/clients?include_totals=true&per_page=1", Some(token), None);
    assert_eq!(totals["limit"], 1);
    assert!(totals["total"].as_u64().unwrap() >= 2);
    let (_, checkpoint) = call(sim, Method::GET, "/api/v2/clients?take=1", Some(token), None);
    assert!(checkpoint["next"].is_string());
    assert_eq!(call(sim, Method::GET, "/api/v2/clients?per_page=101", Some(token), None).0, 400);
    assert_eq!(call(sim, Method::GET, "/api/v2/users?per_page=50&page=20", Some(token), None).0, 400);
    assert_eq!(call(sim, Method::GET, "/api/v2/nothing-here", Some(token), None).0, 404);
    // Without read:client_keys the secret is not shown.
    sim.add_m2m_client("summary-reader", "summary-secret", &["read:clients"]);
    let limited = token_for(sim, "summary-reader", "summary-secret");
    let (_, clients) = call(sim, Method::GET, "/api/v2/clients", Some(&limited), None);
    assert!(clients.as_array().unwrap().iter().all(|c| c.get("client_secret").is_none()));
}

#[test]
fn the_budget_answers_429_with_rate_limit_headers() {
    let sim = Auth0Simulator::builder().rate_budget(2, 0.001).build();
    let token = token_for(&sim, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    let request = SimRequest::new(
        Method::GET,
        "/api/v2/clients",
        &[("host", HOST), ("authorization", &format!("Bearer {token}"))],
        "",
    );
    let first = sim.handle(&request);
    assert_eq!(first.status.as_u16(), 200);
    assert_eq!(first.headers["x-ratelimit-limit"], "2");
    assert_eq!(first.headers["x-ratelimit-remaining"], "1");
    assert_eq!(sim.handle(&request).status.as_u16(), 200);
    let refused = sim.handle(&request);
    assert_eq!(refused.status.as_u16(), 429);
    assert_eq!(refused.headers["x-ratelimit-remaining"], "0");
    let reset: i64 = refused.headers["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    assert!(reset > chrono::Utc::now().timestamp());
    let body: Value = serde_json::from_slice(&refused.body).unwrap();
    assert_eq!(body["message"], "Global limit has been reached");
    // The token endpoint is not part of the Management API budget.
    token_for(&sim, M2M_CLIENT_ID, M2M_CLIENT_SECRET);
    // Writes are counted as mutating; token requests are not.
    assert!(sim.is_mutating(&SimRequest::new(Method::PATCH, "/api/v2/connections/x", &[], "")));
    assert!(!sim.is_mutating(&SimRequest::new(Method::POST, "/oauth/token", &[], "")));
}
