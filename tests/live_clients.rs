//! Live smoke tests of each client against a real account, each gated by its own variables and skipped with a
//! one-line reason otherwise. They create only throw-away resources and remove them.

use secrecy::SecretString;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// OSS: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, OSS_LIVE_REGION, OSS_LIVE_BUCKET (a
/// bucket name that may be created and deleted).
#[tokio::test]
async fn live_oss_bucket_cors_round_trip() {
    let (Some(region), Some(bucket)) = (var("OSS_LIVE_REGION"), var("OSS_LIVE_BUCKET")) else {
        eprintln!(
            "skipped: set OSS_LIVE_REGION, OSS_LIVE_BUCKET and the ALIBABA_CLOUD_* keys to run the live OSS test"
        );
        return;
    };
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
async fn live_auth0_token_and_connections() {
    let (Some(domain), Some(id), Some(secret)) =
        (var("AUTH0_LIVE_DOMAIN"), var("AUTH0_CLIENT_ID"), var("AUTH0_CLIENT_SECRET"))
    else {
        eprintln!("skipped: set AUTH0_LIVE_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET to run the live Auth0 test");
        return;
    };
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
async fn live_vercel_projects() {
    let (Some(token), Some(_)) = (var("VERCEL_TOKEN"), var("VERCEL_LIVE")) else {
        eprintln!(
            "skipped: set VERCEL_LIVE=1 and VERCEL_TOKEN (and VERCEL_TEAM_ID for a team) to run the live Vercel test"
        );
        return;
    };
    let mut b = vercel_client::VercelClient::builder().token(SecretString::from(token));
    if let Some(team) = var("VERCEL_TEAM_ID") {
        b = b.team_id(team);
    }
    let vercel = b.build().expect("client");
    vercel.projects().list().await.expect("list projects");
}
