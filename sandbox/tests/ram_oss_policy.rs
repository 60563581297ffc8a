//! End to end across the two Aliyun simulators sharing one account: a key created through RAM, for a user
//! holding only the least-privilege "objects of one bucket" preset, writes objects to its bucket and is refused
//! on another bucket by the OSS simulator, which enforces the user's attached policies.
#![cfg(all(feature = "ram", feature = "oss"))]

use cloud_http::RetryPolicy;
use oss_client::ram::{AccessKeyStatus, PolicyDocument, PolicyType, RamClient};
use oss_client::{Credentials, ErrorKind, OssClient};
use sandbox::aliyun_identity::AliyunIdentity;
use sandbox::oss::OssSimulator;
use sandbox::ram::RamSimulator;
use sandbox::{RequestLog, SimServer};
use std::sync::Arc;
use std::time::Duration;

const ADMIN_ID: &str = "LTAI5tAccountAdmin01";
const ADMIN_SECRET: &str = "account-admin-secret-0123";
const BUCKET: &str = "lobehub-assets";
const OTHER: &str = "someone-elses-data";

struct Account {
    oss_sim: Arc<OssSimulator>,
    oss_server: SimServer,
    _ram_server: SimServer,
    ram: RamClient,
    log: RequestLog,
}

fn fast() -> RetryPolicy {
    RetryPolicy::default().with_min_delay(Duration::from_millis(1)).with_max_delay(Duration::from_millis(5))
}

async fn account() -> Account {
    let identity = Arc::new(AliyunIdentity::new("1234567890123456"));
    identity.register_account_key(ADMIN_ID, ADMIN_SECRET);
    let log = RequestLog::new();
    let ram_sim = RamSimulator::new(identity.clone());
    let oss_sim = OssSimulator::new(identity, "cn-hangzhou");
    let ram_server = ram_sim.start(log.clone()).await.unwrap();
    let oss_server = oss_sim.start(log.clone()).await.unwrap();
    let ram = RamClient::builder()
        .endpoint(ram_server.base_url())
        .credentials(Credentials::new(ADMIN_ID, ADMIN_SECRET))
        .retry_policy(fast())
        .build()
        .unwrap();
    Account { oss_sim, oss_server, _ram_server: ram_server, ram, log }
}

impl Account {
    fn oss(&self, creds: Credentials) -> OssClient {
        oss_client::OssClient::builder()
            .region(self.oss_sim.region())
            .connect_to(self.oss_server.base_url())
            .credentials(creds)
            .retry_policy(fast())
            .build()
            .unwrap()
    }
}

fn assert_denied<T: std::fmt::Debug>(result: oss_client::Result<T>, what: &str) {
    let e = result.expect_err(what);
    assert_eq!(e.kind(), &ErrorKind::AccessDenied, "{what}: {e}");
}

#[tokio::test]
async fn least_privilege_key_writes_its_bucket_and_is_refused_elsewhere() {
    let acct = account().await;
    let admin_oss = acct.oss(Credentials::new(ADMIN_ID, ADMIN_SECRET));
    admin_oss.bucket(BUCKET).create().send().await.unwrap();
    admin_oss.bucket(OTHER).create().send().await.unwrap();
    admin_oss.bucket(OTHER).object("secret.txt").put("do not read").send().await.unwrap();

    // Provision through RAM, as the provisioning tool does.
    let ram = &acct.ram;
    ram.users().ensure("lobehub-oss").await.unwrap();
    let preset = PolicyDocument::oss_bucket_objects(BUCKET).unwrap();
    ram.policies().ensure("lobehub-oss-rw", &preset, Some("LobeHub: objects of one bucket")).await.unwrap();
    let key = ram.access_keys("lobehub-oss").create().send().await.unwrap();

    // A key whose user has no policy yet can do nothing at OSS.
    let lobehub = acct.oss(key.credentials());
    assert_denied(lobehub.bucket(BUCKET).object("early.png").put("x").send().await, "no policy attached yet");

    ram.user_policies("lobehub-oss").ensure_attached(PolicyType::Custom, "lobehub-oss-rw").await.unwrap();

    // Its own bucket: object write, read, delete, and bucket info.
    let mine = lobehub.bucket(BUCKET);
    mine.object("files/avatar.png").put(&b"\x89PNG..."[..]).content_type("image/png").send().await.unwrap();
    let read = mine.object("files/avatar.png").get().send().await.unwrap();
    assert_eq!(&read.body[..], b"\x89PNG...");
    mine.object("files/avatar.png").head().send().await.unwrap();
    mine.info().send().await.unwrap();
    mine.object("files/avatar.png").delete().send().await.unwrap();
    assert!(acct.oss_sim.object(BUCKET, "files/avatar.png").is_none());
    mine.object("files/kept.txt").put("kept").send().await.unwrap();
    assert!(acct.oss_sim.object(BUCKET, "files/kept.txt").is_some());

    // Another bucket: refused for every object action, and nothing was written.
    let theirs = lobehub.bucket(OTHER);
    assert_denied(theirs.object("files/avatar.png").put("x").send().await, "PutObject on another bucket");
    assert_denied(theirs.object("secret.txt").get().send().await, "GetObject on another bucket");
    assert_denied(theirs.object("secret.txt").delete().send().await, "DeleteObject on another bucket");
    assert_denied(theirs.info().send().await, "GetBucketInfo on another bucket");
    assert!(acct.oss_sim.object(OTHER, "files/avatar.png").is_none());
    assert!(acct.oss_sim.object(OTHER, "secret.txt").is_some());

    // Its own bucket, but bucket administration the preset does not grant.
    assert_denied(mine.put_public_access_block(false).send().await, "PutBucketPublicAccessBlock");
    assert_denied(mine.delete().send().await, "DeleteBucket");
    assert_denied(lobehub.bucket("a-new-bucket-of-mine").create().send().await, "PutBucket");

    // The account key is unaffected.
    admin_oss.bucket(OTHER).object("secret.txt").get().send().await.unwrap();

    // Both services saw the traffic in one shared log.
    let services: std::collections::BTreeSet<_> = acct.log.entries().iter().map(|e| e.service).collect();
    assert_eq!(services.into_iter().collect::<Vec<_>>(), ["oss", "ram"]);
}

#[tokio::test]
async fn policy_changes_take_effect_at_oss_immediately() {
    let acct = account().await;
    let admin_oss = acct.oss(Credentials::new(ADMIN_ID, ADMIN_SECRET));
    admin_oss.bucket(BUCKET).create().send().await.unwrap();
    admin_oss.bucket(OTHER).create().send().await.unwrap();
    let ram = &acct.ram;
    ram.users().ensure("lobehub-oss").await.unwrap();
    let key = ram.access_keys("lobehub-oss").create().send().await.unwrap();
    let lobehub = acct.oss(key.credentials());

    // The read-only system policy: reads work, writes do not.
    admin_oss.bucket(BUCKET).object("public.txt").put("hello").send().await.unwrap();
    ram.user_policies("lobehub-oss").ensure_attached(PolicyType::System, "AliyunOSSReadOnlyAccess").await.unwrap();
    assert_eq!(&lobehub.bucket(BUCKET).object("public.txt").get().send().await.unwrap().body[..], b"hello");
    assert_denied(lobehub.bucket(BUCKET).object("new.txt").put("x").send().await, "read-only policy");
    ram.user_policies("lobehub-oss").ensure_detached(PolicyType::System, "AliyunOSSReadOnlyAccess").await.unwrap();
    assert_denied(lobehub.bucket(BUCKET).object("public.txt").get().send().await, "detached");

    // The preset for one bucket, then a new default version for the other bucket: the grant moves.
    ram.policies().ensure("lobehub-oss-rw", &PolicyDocument::oss_bucket_objects(BUCKET).unwrap(), None).await.unwrap();
    ram.user_policies("lobehub-oss").ensure_attached(PolicyType::Custom, "lobehub-oss-rw").await.unwrap();
    lobehub.bucket(BUCKET).object("a.txt").put("a").send().await.unwrap();
    ram.policies().ensure("lobehub-oss-rw", &PolicyDocument::oss_bucket_objects(OTHER).unwrap(), None).await.unwrap();
    assert_denied(lobehub.bucket(BUCKET).object("b.txt").put("b").send().await, "old default version");
    lobehub.bucket(OTHER).object("b.txt").put("b").send().await.unwrap();

    // A deactivated key is refused outright; a deleted one is unknown.
    ram.access_keys("lobehub-oss").update(&key.access_key_id, AccessKeyStatus::Inactive).send().await.unwrap();
    let e = lobehub.bucket(OTHER).object("c.txt").put("c").send().await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidAccessKeyId"), "{e}");
    ram.access_keys("lobehub-oss").delete(&key.access_key_id).send().await.unwrap();
    let e = lobehub.bucket(OTHER).object("c.txt").put("c").send().await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidAccessKeyId"), "{e}");
}
