#![cfg(feature = "oss")]
//! The `oss-client` README example (a public-read bucket with a CORS rule) run against the OSS simulator.

use oss_client::bucket::{Acl, CorsConfiguration, CorsMethod, CorsRule};
use oss_client::{Credentials, ErrorKind, OssClient};
use sandbox::RequestLog;
use sandbox::oss::OssSimulator;

async fn make_public_bucket(oss: &OssClient) -> oss_client::Result<()> {
    if oss.get_public_access_block().send().await? {
        oss.put_public_access_block(false).send().await?;
    }
    let bucket = oss.bucket("lobechat-assets");
    match bucket.create().send().await {
        Ok(()) => {}
        Err(e) if *e.kind() == ErrorKind::BucketAlreadyExists => panic!("the name is taken by another account"),
        Err(e) => return Err(e),
    }
    bucket.put_public_access_block(false).send().await?;
    bucket.put_acl(Acl::PublicRead).send().await?;
    let rule = CorsRule::new()
        .allowed_origin("https://chat.example.com")
        .allowed_methods([CorsMethod::Get, CorsMethod::Put, CorsMethod::Head])
        .allowed_header("*")
        .expose_header("ETag")
        .max_age_seconds(3600);
    bucket.put_cors(CorsConfiguration::new(vec![rule])).send().await?;
    Ok(())
}

#[tokio::test]
async fn readme_example_runs_against_the_simulator_and_is_idempotent() {
    let sim = OssSimulator::standalone("cn-hangzhou", "LTAI5tDEMO", "demo-secret");
    let server = sim.start(RequestLog::new()).await.unwrap();
    let oss = oss_client::OssClient::builder()
        .region(sim.region())
        .connect_to(server.base_url())
        .credentials(Credentials::new("LTAI5tDEMO", "demo-secret"))
        .build()
        .unwrap();
    sim.set_account_public_access_block(Some(true));
    make_public_bucket(&oss).await.unwrap();
    make_public_bucket(&oss).await.unwrap();
    let bucket = sim.bucket("lobechat-assets").unwrap();
    assert_eq!(bucket.acl, "public-read");
    assert!(!bucket.block_public_access);
    assert_eq!(sim.account_public_access_block(), Some(false));
    let cors = bucket.cors.unwrap();
    assert_eq!(cors.rules.len(), 1);
    assert_eq!(cors.rules[0].allowed_methods, ["GET", "PUT", "HEAD"]);
    let info = oss.bucket("lobechat-assets").info().send().await.unwrap();
    assert_eq!(info.acl, Some(Acl::PublicRead));
}
