//! Auth0 as a real tenant behaves (issue 12), against the simulated cloud whose M2M application holds exactly
//! the published scopes: a dedicated database connection instead of a tenant-wide switch, invites that lead back
//! to the app, expired invites re-issued, a shared connection only on request, destroy leaving the tenant as it
//! was, and a missing scope stopping destroy before its first write.

mod common;

use common::*;
use provision::config::Config;
use provision::engine::Provisioner;
use provision::plan::Action;
use serde_json::Value;

fn now_secs() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

const DEDICATED: &str = "lobehub-users";
const SHARED: &str = "Username-Password-Authentication";

fn connection_options(fx: &Fixture, name: &str) -> Value {
    fx.cloud.auth0.connection(name).map(|c| c["options"].clone()).unwrap_or(Value::Null)
}

fn app_id(fx: &Fixture) -> String {
    fx.cloud
        .auth0
        .clients()
        .into_iter()
        .find(|c| c["name"] == "LobeHub")
        .and_then(|c| c["client_id"].as_str().map(str::to_string))
        .expect("the LobeHub application")
}

/// The fixture's configuration with extra `[auth0]` keys.
fn with_auth0_keys(fx: &Fixture, keys: &str, env: &std::collections::BTreeMap<String, String>) -> Config {
    let text = config_text(&fx.cloud, &fx.state_path(), "").replace(
        "trusted_users = [\"alice@example.com\", \"bob@example.com\"]",
        &format!("trusted_users = [\"alice@example.com\", \"bob@example.com\"]\n{keys}"),
    );
    Config::from_toml(&text, env).expect("valid config")
}

#[tokio::test]
async fn apply_verify_destroy_uses_a_dedicated_connection_and_leaves_the_tenant_as_it_was() {
    let fx = Fixture::new("").await;
    let connections_before = fx.cloud.auth0.connections();
    let clients_before = fx.cloud.auth0.clients();
    let p = fx.provisioner();
    p.apply().await.expect("apply");

    // The dedicated connection: sign-ups off, enabled for the LobeHub application only.
    let app = app_id(&fx);
    assert_eq!(connection_options(&fx, DEDICATED)["disable_signup"], true);
    assert_eq!(fx.cloud.auth0.enabled_connections(&app), vec![DEDICATED.to_string()]);
    // The tenant's shared connection is untouched (no tenant-wide switch).
    assert_eq!(connection_options(&fx, SHARED)["disable_signup"], false);
    assert_eq!(fx.cloud.auth0.connection(SHARED), connections_before.iter().find(|c| c["name"] == SHARED).cloned());
    // The trusted users live in the dedicated connection.
    for u in fx.cloud.auth0.users() {
        assert_eq!(u["identities"][0]["connection"], DEDICATED, "{u}");
    }
    // The app's login route is the sign-in page of the (https) app URL.
    let client = fx.cloud.auth0.client(&app).expect("app");
    assert_eq!(client["initiate_login_uri"], "https://lobehub.vercel.app/signin");

    let report = provision::verify::verify(&p).await.expect("verify");
    let signup = report.checks.iter().find(|c| c.name == "auth0: sign-up refused").expect("the check");
    assert!(signup.passed, "{}", report.render_text());
    assert!(signup.detail.contains(DEDICATED), "{}", signup.detail);

    provision::destroy::destroy(&p, Default::default()).await.expect("destroy");
    assert_eq!(fx.cloud.auth0.connections(), connections_before, "every connection as before");
    assert_eq!(fx.cloud.auth0.clients(), clients_before, "every application as before");
    assert!(fx.cloud.auth0.users().is_empty());
}

#[tokio::test]
async fn the_invite_link_leads_to_the_apps_login_route() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    let outcome = p.apply().await.expect("apply");
    assert_eq!(outcome.invites.len(), 2);
    let tickets = fx.cloud.auth0.tickets();
    assert_eq!(tickets.len(), 2);
    let app = app_id(&fx);
    for t in &tickets {
        assert_eq!(t.result_url, None, "client_id and result_url are never combined");
        assert_eq!(t.client_id.as_deref(), Some(app.as_str()));
        assert_eq!(t.ttl_sec, 432_000);
    }
    let next = fx.cloud.auth0.follow_ticket(&tickets[0].url, "Chosen-by-Alice-42").expect("ticket works");
    let next = next.expect("the user is sent back to the app");
    let url = reqwest::Url::parse(&next).expect("URL");
    assert_eq!(format!("{}{}", url.origin().ascii_serialization(), url.path()), "https://lobehub.vercel.app/signin");
    assert!(url.query_pairs().any(|(k, _)| k == "iss"), "Auth0 appends iss: {next}");
    // The expiry is recorded for every invited user.
    let state = fx.state_on_disk();
    let now = now_secs();
    for email in ["alice@example.com", "bob@example.com"] {
        let exp = state.invite_expires.get(email).copied().expect("expiry recorded");
        assert!(exp > now + 431_000 && exp <= now + 432_000, "{email}: {exp}");
    }
}

#[tokio::test]
async fn an_expired_invite_is_reissued_for_a_user_who_never_signed_in() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    let first = p.apply().await.expect("apply");
    assert_eq!(fx.cloud.auth0.tickets().len(), 2);
    // The links were shown (as the CLI does after printing them): they leave the state file.
    let shown: Vec<String> = first.invites.iter().map(|(e, _)| e.to_string()).collect();
    assert_eq!(shown.len(), 2);
    p.invites_shown(&shown).expect("acknowledge");
    // A converged run issues nothing.
    p.apply().await.expect("apply again");
    assert_eq!(fx.cloud.auth0.tickets().len(), 2);

    // Alice's link has expired (she never used it); Bob's is still valid.
    p.state().update(|s| s.invite_expires.insert("alice@example.com".into(), now_secs() - 60)).unwrap();
    let plan = p.plan().await.expect("plan").plan;
    let alice = plan.resources.iter().find(|r| r.resource == "user alice@example.com").expect("alice in the plan");
    assert_eq!(alice.action, Action::Update);
    assert!(alice.detail.contains("new link"), "{}", alice.detail);
    let bob = plan.resources.iter().find(|r| r.resource == "user bob@example.com").expect("bob");
    assert_eq!(bob.action, Action::Unchanged);

    let outcome = p.apply().await.expect("apply re-issues");
    assert_eq!(outcome.invites.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(), vec!["alice@example.com"]);
    assert_eq!(fx.cloud.auth0.tickets().len(), 3);
    assert!(fx.state_on_disk().invite_expires["alice@example.com"] > now_secs());
}

#[tokio::test]
async fn a_shared_connection_is_opt_in_lists_the_other_apps_and_is_restored_by_destroy() {
    let fx = Fixture::new("").await;
    // Another application of the tenant uses the shared database connection.
    let auth0 = sandbox::auth0::Auth0Simulator::client_builder(&fx.cloud.auth0_server).build().expect("client");
    let other = auth0
        .clients()
        .create(&auth0_client::CreateClientRequestContent::regular_web_app("Team Wiki"))
        .await
        .expect("another app");
    let env = fx.cloud.credentials_env();

    let implicit = Provisioner::new(with_auth0_keys(&fx, &format!("connection = \"{SHARED}\""), &env), fast_options())
        .expect("provisioner");
    let err = implicit.apply().await.expect_err("a shared connection needs the opt-in").to_string();
    assert!(err.contains("Team Wiki") && err.contains("shared_connection"), "{err}");
    assert_eq!(connection_options(&fx, SHARED)["disable_signup"], false, "nothing changed");

    let keys = format!("connection = \"{SHARED}\"\nshared_connection = true");
    let p = Provisioner::new(with_auth0_keys(&fx, &keys, &env), fast_options()).expect("provisioner");
    let plan = p.plan().await.expect("plan").plan;
    let entry = plan.resources.iter().find(|r| r.resource == format!("database connection {SHARED}")).expect("entry");
    assert_eq!(entry.action, Action::Update);
    assert!(entry.detail.contains("Team Wiki") && entry.detail.contains(&other.client_id), "{}", entry.detail);

    p.apply().await.expect("apply on the shared connection");
    assert_eq!(connection_options(&fx, SHARED)["disable_signup"], true);
    provision::destroy::destroy(&p, Default::default()).await.expect("destroy");
    assert_eq!(connection_options(&fx, SHARED)["disable_signup"], false, "the tenant-wide change is reverted");
    assert!(fx.cloud.auth0.connection(SHARED).is_some(), "a connection it did not create stays");
    assert!(fx.cloud.auth0.client(&other.client_id).is_some(), "the other app stays");
}

#[tokio::test]
async fn a_missing_scope_stops_destroy_before_any_write() {
    let fx = Fixture::new("").await;
    fx.provisioner().apply().await.expect("apply");
    let without: Vec<&str> =
        sandbox::auth0::DEFAULT_M2M_SCOPES.iter().copied().filter(|s| *s != "delete:users").collect();
    fx.cloud.auth0.add_m2m_client("limited-m2m", "limited-m2m-secret-value", &without);
    let mut env = fx.cloud.credentials_env();
    env.insert("AUTH0_CLIENT_ID".into(), "limited-m2m".into());
    env.insert("AUTH0_CLIENT_SECRET".into(), "limited-m2m-secret-value".into());
    let p = Provisioner::new(with_auth0_keys(&fx, "", &env), fast_options()).expect("provisioner");
    let writes_before = fx.cloud.log.mutating().len();
    let err = provision::destroy::destroy(&p, Default::default()).await.expect_err("blocked").to_string();
    assert!(err.contains("delete:users") && err.contains("destroy"), "{err}");
    assert_eq!(fx.cloud.log.mutating().len(), writes_before, "no write before the preflight");
    // The same token is enough for apply, which names what destroy would lack only when apply itself lacks a scope.
    p.apply().await.expect("apply needs no delete scope");
}

#[tokio::test]
async fn verify_fails_unless_signup_is_refused_by_auth0_and_only_the_dedicated_connection_is_on() {
    let fx = Fixture::new("").await;
    let p = fx.provisioner();
    p.apply().await.expect("apply");
    let app = app_id(&fx);
    let admin = sandbox::auth0::Auth0Simulator::client_builder(&fx.cloud.auth0_server).build().expect("client");
    let check = |report: &provision::verify::VerifyReport| {
        report.checks.iter().find(|c| c.name == "auth0: sign-up refused").cloned().expect("the check")
    };

    // A social connection switched back on for the app: sign-ups are possible there.
    let google = fx.cloud.auth0.connection(sandbox::auth0::SOCIAL_CONNECTION).expect("google");
    let google_id = google["id"].as_str().expect("id").to_string();
    let on = auth0_client::ConnectionClientStatus { client_id: app.clone(), status: true };
    admin.connections().set_enabled_clients(&google_id, &[on]).await.expect("enable");
    let c = check(&provision::verify::verify(&p).await.expect("verify"));
    assert!(!c.passed && c.detail.contains("google-oauth2") && c.detail.contains(DEDICATED), "{}", c.detail);
    let off = auth0_client::ConnectionClientStatus { client_id: app.clone(), status: false };
    admin.connections().set_enabled_clients(&google_id, &[off]).await.expect("disable");

    // Sign-ups open on the dedicated connection: the probe's user is created, then removed again.
    let dedicated = fx.cloud.auth0.connection(DEDICATED).expect("dedicated");
    let dedicated_id = dedicated["id"].as_str().expect("id").to_string();
    admin.connections().set_option(&dedicated_id, "disable_signup", Value::Bool(false)).await.expect("open");
    let users_before = fx.cloud.auth0.users().len();
    let c = check(&provision::verify::verify(&p).await.expect("verify"));
    assert!(!c.passed && c.detail.contains("sign-ups are open"), "{}", c.detail);
    assert_eq!(fx.cloud.auth0.users().len(), users_before, "the probe user was cleaned up");

    // Restored: the check passes again on Auth0's specific answer.
    admin.connections().set_option(&dedicated_id, "disable_signup", Value::Bool(true)).await.expect("close");
    assert!(check(&provision::verify::verify(&p).await.expect("verify")).passed);
}
