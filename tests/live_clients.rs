//! Live smoke tests of each client against a real account. Each is `#[ignore]`d with the reason (the variables it
//! needs), so a normal run reports it as ignored, never as passed; run them with
//! `cargo test --test live_clients -- --ignored` once the variables are set (a missing one then fails the test,
//! naming it). They create only throw-away resources and remove them.

use secrecy::SecretString;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A variable the live test needs: its absence fails the test, naming it.
fn need(name: &str) -> String {
    var(name).unwrap_or_else(|| panic!("the live test needs {name} (it is run only with --ignored)"))
}

/// OSS: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, OSS_LIVE_REGION, OSS_LIVE_BUCKET (a
/// bucket name that may be created and deleted).
#[tokio::test]
#[ignore = "live: needs OSS_LIVE_REGION, OSS_LIVE_BUCKET, ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET"]
async fn live_oss_bucket_cors_round_trip() {
    let (region, bucket) = (need("OSS_LIVE_REGION"), need("OSS_LIVE_BUCKET"));
    let creds = oss_client::Credentials::from_env().expect("ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET");
    let oss = oss_client::OssClient::builder().credentials(creds).region(region).build().expect("client");
    let b = oss.bucket(bucket.clone());
    b.create().send().await.expect("create bucket");
    let rule = oss_client::bucket::cors::CorsRule::new()
        .allowed_origin("https://example.com")
        .allowed_method(oss_client::bucket::cors::CorsMethod::Get);
    let put = b.put_cors(oss_client::bucket::cors::CorsConfiguration::new(vec![rule])).send().await;
    let got = b.get_cors().send().await;
    let deleted = b.delete().send().await;
    put.expect("put cors");
    assert_eq!(got.expect("get cors").rules.len(), 1);
    deleted.expect("delete bucket");
}

/// Auth0: AUTH0_LIVE_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET (read-only: token, scopes, connections).
#[tokio::test]
#[ignore = "live: needs AUTH0_LIVE_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET"]
async fn live_auth0_token_and_connections() {
    let (domain, id, secret) = (need("AUTH0_LIVE_DOMAIN"), need("AUTH0_CLIENT_ID"), need("AUTH0_CLIENT_SECRET"));
    let auth0 =
        auth0_client::Auth0Client::builder().domain(domain).client_credentials(id, secret).build().expect("client");
    auth0.token_info().await.expect("token");
    let connections = auth0.connections().list().all().await.expect("connections");
    assert!(!connections.is_empty());
    let discovery = auth0.oidc().discovery().await.expect("discovery");
    assert!(discovery.issuer.ends_with('/'));
}

/// Vercel: VERCEL_TOKEN and VERCEL_LIVE=1 (optionally VERCEL_TEAM_ID): read-only listing of projects.
#[tokio::test]
#[ignore = "live: needs VERCEL_TOKEN and VERCEL_LIVE=1 (VERCEL_TEAM_ID for a team)"]
async fn live_vercel_projects() {
    let (token, _) = (need("VERCEL_TOKEN"), need("VERCEL_LIVE"));
    let mut b = vercel_client::VercelClient::builder().token(SecretString::from(token));
    if let Some(team) = var("VERCEL_TEAM_ID") {
        b = b.team_id(team);
    }
    let vercel = b.build().expect("client");
    vercel.projects().list().await.expect("list projects");
}
