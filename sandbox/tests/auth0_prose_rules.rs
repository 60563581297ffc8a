//! The spec's prose rules, simulator side: each rule of `auth0-client/README.md` ("Prose rules") answered with
//! Auth0's 400 (or the documented behaviour), request by request through `Simulator::handle`. The client side of
//! each rule is `auth0-client/tests/prose_rules.rs`.
#![cfg(feature = "auth0")]

use http::Method;
use sandbox::auth0::{ALL_SCOPES, Auth0Simulator, DATABASE_CONNECTION, M2M_CLIENT_ID, M2M_CLIENT_SECRET};
use sandbox::{SimRequest, Simulator};
use serde_json::{Value, json};

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

fn setup() -> (Auth0Simulator, String) {
    let sim = Auth0Simulator::builder().m2m_scopes(ALL_SCOPES).build();
    let (status, body) = call(
        &sim,
        Method::POST,
        "/oauth/token",
        None,
        Some(
            json!({"grant_type": "client_credentials", "client_id": M2M_CLIENT_ID, "client_secret": M2M_CLIENT_SECRET,
                    "audience": format!("http://{HOST}/api/v2/")}),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().expect("token").to_string();
    (sim, token)
}

fn app(sim: &Auth0Simulator, token: &str) -> String {
    let (s, b) = call(sim, Method::POST, "/api/v2/clients", Some(token), Some(json!({"name": "LobeHub"})));
    assert_eq!(s, 201, "{b}");
    b["client_id"].as_str().expect("id").to_string()
}

fn user(sim: &Auth0Simulator, token: &str) -> String {
    let body = json!({"connection": DATABASE_CONNECTION, "email": "ada@example.com", "password": "Sup3r-secret-pw!"});
    let (s, b) = call(sim, Method::POST, "/api/v2/users", Some(token), Some(body));
    assert_eq!(s, 201, "{b}");
    b["user_id"].as_str().expect("id").to_string()
}

#[test]
fn ticket_result_url_is_refused_with_client_id() {
    let (sim, token) = setup();
    let (client_id, user_id) = (app(&sim, &token), user(&sim, &token));
    let body = json!({"user_id": user_id, "client_id": client_id, "result_url": "https://chat.example.com/"});
    let (s, b) = call(&sim, Method::POST, "/api/v2/tickets/password-change", Some(&token), Some(body));
    assert_eq!(s, 400, "{b}");
    assert!(b["message"].as_str().unwrap_or_default().contains("client_id"), "{b}");
    // The working body: user_id + client_id.
    let ok = json!({"user_id": user_id, "client_id": client_id});
    assert_eq!(call(&sim, Method::POST, "/api/v2/tickets/password-change", Some(&token), Some(ok)).0, 201);
}

#[test]
fn ticket_user_forms_and_connection_id_pattern() {
    let (sim, token) = setup();
    let user_id = user(&sim, &token);
    let post = |body: Value| call(&sim, Method::POST, "/api/v2/tickets/password-change", Some(&token), Some(body)).0;
    assert_eq!(
        post(json!({"user_id": user_id, "email": "ada@example.com", "connection_id": "con_db00000000000001"})),
        400
    );
    assert_eq!(post(json!({"email": "ada@example.com"})), 400, "email needs connection_id");
    assert_eq!(
        post(json!({"email": "ada@example.com", "connection_id": "db"})),
        400,
        "pattern ^con_[A-Za-z0-9]{{16}}$"
    );
    assert_eq!(post(json!({"email": "ada@example.com", "connection_id": "con_db00000000000001"})), 201);
    let ticket = sim.tickets().pop().expect("ticket");
    assert_eq!(ticket.ttl_sec, 432_000, "0 or absent: 5 days");
}

#[test]
fn initiate_login_uri_must_be_https_and_not_localhost() {
    let (sim, token) = setup();
    for bad in ["http://chat.example.com/signin", "https://localhost/signin", "https://127.0.0.1:3210/signin", "nope"] {
        let body = json!({"name": "x", "initiate_login_uri": bad});
        let (s, b) = call(&sim, Method::POST, "/api/v2/clients", Some(&token), Some(body));
        assert_eq!(s, 400, "{bad}: {b}");
    }
    let id = app(&sim, &token);
    let patch = |uri: &str| {
        call(
            &sim,
            Method::PATCH,
            &format!("/api/v2/clients/{id}"),
            Some(&token),
            Some(json!({"initiate_login_uri": uri})),
        )
        .0
    };
    assert_eq!(patch("http://chat.example.com/signin"), 400);
    assert_eq!(patch("https://chat.example.com/signin"), 200);
    assert_eq!(patch(""), 200, "empty clears it");
}

#[test]
fn client_description_at_most_140_and_auth_methods_exclusive() {
    let (sim, token) = setup();
    let long = "d".repeat(141);
    let (s, _) =
        call(&sim, Method::POST, "/api/v2/clients", Some(&token), Some(json!({"name": "x", "description": long})));
    assert_eq!(s, 400);
    let ok = "d".repeat(140);
    assert_eq!(
        call(&sim, Method::POST, "/api/v2/clients", Some(&token), Some(json!({"name": "x", "description": ok}))).0,
        201
    );
    let both = json!({"name": "x", "token_endpoint_auth_method": "client_secret_post",
                      "client_authentication_methods": {"private_key_jwt": {"credentials": []}}});
    assert_eq!(call(&sim, Method::POST, "/api/v2/clients", Some(&token), Some(both)).0, 400);
}

#[test]
fn connection_name_display_name_metadata_and_enabled_clients() {
    let (sim, token) = setup();
    let create = |body: Value| call(&sim, Method::POST, "/api/v2/connections", Some(&token), Some(body));
    assert_eq!(create(json!({"name": "lobehub--users", "strategy": "auth0"})).0, 400, "pattern");
    assert_eq!(create(json!({"name": "x".repeat(129), "strategy": "auth0"})).0, 400, "maxLength 128");
    assert_eq!(create(json!({"name": "lobehub-users", "strategy": "auth0", "enabled_clients": []})).0, 400);
    let many: serde_json::Map<String, Value> = (0..11).map(|i| (format!("k{i}"), json!("v"))).collect();
    assert_eq!(create(json!({"name": "a1", "strategy": "auth0", "metadata": many})).0, 400, "at most 10 keys");
    assert_eq!(create(json!({"name": "a2", "strategy": "auth0", "metadata": {"k": "v".repeat(256)}})).0, 400);
    assert_eq!(create(json!({"name": "a3", "strategy": "auth0", "display_name": "d".repeat(129)})).0, 400);
    let (s, b) = create(json!({"name": "lobehub-users", "strategy": "auth0", "options": {"disable_signup": true}}));
    assert_eq!(s, 201, "{b}");
    assert_eq!(create(json!({"name": "lobehub-users", "strategy": "auth0"})).0, 409, "names are unique");
    let id = b["id"].as_str().expect("id");
    let patch =
        |body: Value| call(&sim, Method::PATCH, &format!("/api/v2/connections/{id}"), Some(&token), Some(body)).0;
    assert_eq!(patch(json!({"display_name": "d".repeat(129)})), 400);
    assert_eq!(patch(json!({"metadata": {"k": 1}})), 400, "string values only");
    assert_eq!(patch(json!({"enabled_clients": []})), 400, "deprecated: use /connections/{{id}}/clients");
    assert_eq!(patch(json!({"display_name": "Users"})), 200);
    // Deleting a connection deletes its users; a second delete is 204 too.
    assert_eq!(call(&sim, Method::DELETE, &format!("/api/v2/connections/{id}"), Some(&token), None).0, 204);
    assert_eq!(call(&sim, Method::DELETE, &format!("/api/v2/connections/{id}"), Some(&token), None).0, 204);
}

#[test]
fn connection_clients_limits() {
    let (sim, token) = setup();
    let conn = sim.connection(DATABASE_CONNECTION).expect("db")["id"].as_str().expect("id").to_string();
    let get =
        |q: &str| call(&sim, Method::GET, &format!("/api/v2/connections/{conn}/clients?{q}"), Some(&token), None).0;
    assert_eq!(get("take=1000"), 200, "take up to 1000 here");
    assert_eq!(get("take=1001"), 400);
    assert_eq!(get("take=0"), 400);
    assert_eq!(get(&format!("from={}", "a".repeat(1001))), 400, "from at most 1000 characters");
    let client = app(&sim, &token);
    let getc =
        |q: &str| call(&sim, Method::GET, &format!("/api/v2/clients/{client}/connections?{q}"), Some(&token), None).0;
    assert_eq!(getc("take=100"), 200);
    assert_eq!(getc("take=101"), 400, "take 1..=100 for a client's connections");
    let items: Vec<Value> = (0..51).map(|_| json!({"client_id": client, "status": true})).collect();
    let (s, _) = call(
        &sim,
        Method::PATCH,
        &format!("/api/v2/connections/{conn}/clients"),
        Some(&token),
        Some(Value::Array(items)),
    );
    assert_eq!(s, 400, "at most 50 items");
    let (s, _) =
        call(&sim, Method::PATCH, &format!("/api/v2/connections/{conn}/clients"), Some(&token), Some(json!([])));
    assert_eq!(s, 400, "at least 1 item");
}

#[test]
fn username_is_required_exactly_when_the_connection_requires_it() {
    let (sim, token) = setup();
    sim.add_connection("with-usernames", "auth0", json!({"requires_username": true, "passwordPolicy": "good"}));
    let post = |body: Value| call(&sim, Method::POST, "/api/v2/users", Some(&token), Some(body));
    let base = json!({"connection": "with-usernames", "email": "u@example.com", "password": "Sup3r-secret-pw!"});
    let (s, b) = post(base.clone());
    assert_eq!(s, 400, "missing username: {b}");
    let mut with = base.clone();
    with["username"] = json!("ursula");
    assert_eq!(post(with).0, 201);
    let mut extra =
        json!({"connection": DATABASE_CONNECTION, "email": "v@example.com", "password": "Sup3r-secret-pw!"});
    extra["username"] = json!("victor");
    let (s, b) = post(extra);
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap_or_default().contains("requires_username"), "{b}");
}

#[test]
fn users_connection_filter_is_ignored_and_q_filters() {
    let (sim, token) = setup();
    user(&sim, &token);
    sim.add_connection("other-db", "auth0", json!({"passwordPolicy": "good"}));
    let body = json!({"connection": "other-db", "email": "zed@example.com", "password": "Sup3r-secret-pw!"});
    assert_eq!(call(&sim, Method::POST, "/api/v2/users", Some(&token), Some(body)).0, 201);
    let list = |q: &str| {
        let (s, b) = call(&sim, Method::GET, &format!("/api/v2/users?{q}"), Some(&token), None);
        assert_eq!(s, 200, "{b}");
        b.as_array().map(Vec::len).unwrap_or(0)
    };
    assert_eq!(list("connection=other-db"), 2, "`connection` applies only to search_engine=v1: it filters nothing");
    assert_eq!(list("search_engine=v3&q=identities.connection%3A%22other-db%22"), 1);
    assert_eq!(call(&sim, Method::GET, "/api/v2/users?search_engine=v1&connection=x", Some(&token), None).0, 400);
    assert_eq!(call(&sim, Method::GET, "/api/v2/users?per_page=101", Some(&token), None).0, 400);
    assert_eq!(
        call(&sim, Method::GET, "/api/v2/users?per_page=100&page=10", Some(&token), None).0,
        400,
        "first 1000 only"
    );
}

#[test]
fn an_expired_or_used_ticket_is_refused_and_the_login_route_follows() {
    let (sim, token) = setup();
    let client = app(&sim, &token);
    let uri = "https://chat.example.com/signin";
    let patch = json!({"initiate_login_uri": uri});
    assert_eq!(call(&sim, Method::PATCH, &format!("/api/v2/clients/{client}"), Some(&token), Some(patch)).0, 200);
    let user_id = user(&sim, &token);
    let body = json!({"user_id": user_id, "client_id": client, "ttl_sec": 60});
    let (_, b) = call(&sim, Method::POST, "/api/v2/tickets/password-change", Some(&token), Some(body.clone()));
    let url = b["ticket"].as_str().expect("ticket").to_string();
    sim.age_tickets(61);
    assert!(sim.follow_ticket(&url, "New-password-1").unwrap_err().contains("expired"));
    let (_, b) = call(&sim, Method::POST, "/api/v2/tickets/password-change", Some(&token), Some(body));
    let url = b["ticket"].as_str().expect("ticket").to_string();
    let next = sim.follow_ticket(&url, "New-password-1").expect("valid").expect("a redirect");
    assert!(next.starts_with(&format!("{uri}?iss=")), "{next}");
    assert!(sim.follow_ticket(&url, "Again-password-1").is_err(), "single use");
}
