//! The RAM client against the RAM simulator: users, the two-key limit, the once-only secret, delete
//! conflicts, policy versions, attachment idempotency codes, signatures (V2 GET/POST and V3), replay
//! protection, and the fault knobs.
#![cfg(feature = "ram")]

use chrono::{TimeZone, Utc};
use cloud_http::{FixedClock, RetryPolicy};
use oss_client::ram::signing::{NonceSource, sign_v3};
use oss_client::ram::{
    AccessKeyStatus, PolicyDocument, PolicyType, RamClient, RotateStrategy, RpcMethod, SignatureVersion, Statement,
};
use oss_client::{Credentials, ErrorKind};
use sandbox::ram::RamSimulator;
use sandbox::{FaultMix, Faults, RequestLog, SimServer};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

const ADMIN_ID: &str = "LTAIadminKey0001";
const ADMIN_SECRET: &str = "admin-secret-0001";

async fn start() -> (Arc<RamSimulator>, SimServer) {
    let sim = RamSimulator::with_account_key("1234567890", ADMIN_ID, ADMIN_SECRET);
    let server = sim.start(RequestLog::new()).await.unwrap();
    (sim, server)
}

fn fast() -> RetryPolicy {
    RetryPolicy::default().with_min_delay(Duration::from_millis(1)).with_max_delay(Duration::from_millis(5))
}

fn client_with(server: &SimServer, creds: Credentials, version: SignatureVersion, method: RpcMethod) -> RamClient {
    RamClient::builder()
        .credentials(creds)
        .endpoint(server.base_url())
        .signature_version(version)
        .rpc_method(method)
        .retry_policy(fast())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn admin(server: &SimServer) -> RamClient {
    client_with(server, Credentials::new(ADMIN_ID, ADMIN_SECRET), SignatureVersion::V3, RpcMethod::Post)
}

#[tokio::test]
async fn user_lifecycle_with_every_signature_flavour() {
    let (sim, server) = start().await;
    for (i, (version, method)) in [
        (SignatureVersion::V3, RpcMethod::Post),
        (SignatureVersion::V2, RpcMethod::Post),
        (SignatureVersion::V2, RpcMethod::Get),
    ]
    .into_iter()
    .enumerate()
    {
        let ram = client_with(&server, Credentials::new(ADMIN_ID, ADMIN_SECRET), version, method);
        let name = format!("user-{i}");
        let created = ram.users().create(&name).display_name("Test User").comments("c").send().await.unwrap();
        assert_eq!(created.user_name, name);
        assert_eq!(created.display_name.as_deref(), Some("Test User"));
        let e = ram.users().create(&name).send().await.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::EntityAlreadyExists);
        assert_eq!(e.code(), Some("EntityAlreadyExists.User"));
        assert!(e.metadata().unwrap().extra("Recommend").is_some());
        assert_eq!(ram.users().get(&name).send().await.unwrap().user_id, created.user_id);
        let renamed = format!("{name}-renamed");
        let updated =
            ram.users().update(&name).new_user_name(&renamed).new_display_name("Renamed").send().await.unwrap();
        assert_eq!(updated.user_name, renamed);
        assert_eq!(ram.users().get(&name).send().await.unwrap_err().code(), Some("EntityNotExist.User"));
        ram.users().delete(&renamed).send().await.unwrap();
        assert_eq!(ram.users().delete(&renamed).send().await.unwrap_err().kind(), &ErrorKind::EntityNotExist);
    }
    assert!(sim.user_names().is_empty());
}

#[tokio::test]
async fn list_users_reads_every_page() {
    let (sim, server) = start().await;
    for i in 0..250 {
        assert!(sim.seed_user(&format!("u{i:03}")));
    }
    let ram = admin(&server);
    let all = ram.users().list().max_items(100).send().await.unwrap();
    assert_eq!(all.len(), 250);
    assert_eq!(all.first().unwrap().user_name, "u000");
    assert_eq!(all.last().unwrap().user_name, "u249");
    let pages = server.log().entries().iter().filter(|e| e.action == "ListUsers").count();
    assert_eq!(pages, 3);
    let first = ram.users().list().max_items(100).page(None).await.unwrap();
    assert_eq!(first.users.len(), 100);
    assert!(first.next_marker.is_some());
}

#[tokio::test]
async fn two_keys_per_user_and_the_secret_is_shown_once() {
    let (sim, server) = start().await;
    let ram = admin(&server);
    ram.users().create("lobehub-oss").send().await.unwrap();
    let keys = ram.access_keys("lobehub-oss");
    let first = keys.create().send().await.unwrap();
    let second = keys.create().send().await.unwrap();
    assert_ne!(first.access_key_id, second.access_key_id);
    assert!(first.access_key_id.starts_with("LTAI"));
    assert_eq!(first.access_key_secret.expose_secret().len(), 30);
    let e = keys.create().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::LimitExceeded);
    assert_eq!(e.code(), Some("LimitExceeded.User.AccessKey"));
    assert_eq!(sim.access_key_ids("lobehub-oss").len(), 2);

    // The key belongs to the user, not to the caller.
    assert!(sim.access_key_ids("lobehub-oss").contains(&first.access_key_id));
    let listed = keys.list().send().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|k| k.status == AccessKeyStatus::Active));

    // The raw ListAccessKeys answer carries no secret at all.
    let creds = Credentials::new(ADMIN_ID, ADMIN_SECRET);
    let host = server.addr().to_string();
    let signed = sign_v3(
        &creds,
        &host,
        "ListAccessKeys",
        "2015-05-01",
        &[("UserName", "lobehub-oss".into())],
        b"",
        None,
        Utc::now(),
        "raw-1",
    );
    let mut req = reqwest::Client::new().post(format!("{}/?UserName=lobehub-oss", server.base_url())).body("");
    for (k, v) in &signed.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let body = req.send().await.unwrap().text().await.unwrap();
    assert!(body.contains(&first.access_key_id), "{body}");
    assert!(!body.contains("AccessKeySecret") && !body.contains(first.access_key_secret.expose_secret()), "{body}");

    // Deactivate, delete, and the slot is free again.
    keys.update(&first.access_key_id, AccessKeyStatus::Inactive).send().await.unwrap();
    assert_eq!(
        keys.list().send().await.unwrap().iter().find(|k| k.access_key_id == first.access_key_id).unwrap().status,
        AccessKeyStatus::Inactive
    );
    keys.delete(&first.access_key_id).send().await.unwrap();
    assert_eq!(
        keys.delete(&first.access_key_id).send().await.unwrap_err().code(),
        Some("EntityNotExist.User.AccessKey")
    );
    keys.create().send().await.unwrap();
    assert_eq!(ram.access_keys("nobody").create().send().await.unwrap_err().code(), Some("EntityNotExist.User"));
}

#[tokio::test]
async fn created_keys_sign_requests_and_are_limited_by_policy() {
    let (_sim, server) = start().await;
    let ram = admin(&server);
    ram.users().create("operator").send().await.unwrap();
    let key = ram.access_keys("operator").create().send().await.unwrap();
    let as_user = client_with(&server, key.credentials(), SignatureVersion::V2, RpcMethod::Post);
    // No policy: RAM refuses.
    let e = as_user.users().list().send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::AccessDenied);
    assert_eq!(e.code(), Some("NoPermission"));
    // A policy allowing read-only RAM actions.
    let doc = PolicyDocument::new().statement(Statement::allow().actions(["ram:Get*", "ram:List*"]).resource("*"));
    ram.policies().create("ram-read", &doc).send().await.unwrap();
    ram.user_policies("operator").attach(PolicyType::Custom, "ram-read").send().await.unwrap();
    assert_eq!(as_user.users().list().send().await.unwrap().len(), 1);
    assert_eq!(as_user.users().create("sneaky").send().await.unwrap_err().kind(), &ErrorKind::AccessDenied);
    // A deactivated key stops working.
    ram.access_keys("operator").update(&key.access_key_id, AccessKeyStatus::Inactive).send().await.unwrap();
    let e = as_user.users().list().send().await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidAccessKeyId.Inactive"));
}

#[tokio::test]
async fn delete_user_is_refused_while_keys_or_policies_remain() {
    let (_sim, server) = start().await;
    let ram = admin(&server);
    ram.users().create("lobehub-oss").send().await.unwrap();
    let key = ram.access_keys("lobehub-oss").create().send().await.unwrap();
    ram.user_policies("lobehub-oss").attach(PolicyType::System, "AliyunOSSReadOnlyAccess").send().await.unwrap();
    let e = ram.users().delete("lobehub-oss").send().await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (&ErrorKind::DeleteConflict, Some("DeleteConflict.User.AccessKey")));
    ram.access_keys("lobehub-oss").delete(&key.access_key_id).send().await.unwrap();
    let e = ram.users().delete("lobehub-oss").send().await.unwrap_err();
    assert_eq!(e.code(), Some("DeleteConflict.User.Policy"));
    ram.user_policies("lobehub-oss").detach(PolicyType::System, "AliyunOSSReadOnlyAccess").send().await.unwrap();
    ram.users().delete("lobehub-oss").send().await.unwrap();
}

#[tokio::test]
async fn system_policies_attachments_and_their_idempotency_codes() {
    let (sim, server) = start().await;
    let ram = admin(&server);
    for name in ["AliyunOSSFullAccess", "AliyunOSSReadOnlyAccess"] {
        let p = ram.policies().get(name).policy_type(PolicyType::System).send().await.unwrap();
        assert_eq!(p.policy.policy_type, PolicyType::System);
        assert!(p.document().unwrap().statement[0].action_list().iter().any(|a| a.starts_with("oss:")));
    }
    assert_eq!(
        ram.policies().get("AliyunOSSFullAccess").send().await.unwrap_err().code(),
        Some("EntityNotExist.Policy")
    );
    ram.users().create("u").send().await.unwrap();
    let attachments = ram.user_policies("u");
    attachments.attach(PolicyType::System, "AliyunOSSFullAccess").send().await.unwrap();
    let again = attachments.attach(PolicyType::System, "AliyunOSSFullAccess").send().await.unwrap_err();
    assert_eq!(
        (again.kind(), again.code()),
        (&ErrorKind::EntityAlreadyExists, Some("EntityAlreadyExists.User.Policy"))
    );
    let listed = attachments.list().send().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].policy_name, "AliyunOSSFullAccess");
    assert!(listed[0].attach_date.as_deref().is_some_and(|d| d.ends_with('Z')));
    attachments.detach(PolicyType::System, "AliyunOSSFullAccess").send().await.unwrap();
    let again = attachments.detach(PolicyType::System, "AliyunOSSFullAccess").send().await.unwrap_err();
    assert_eq!((again.kind(), again.code()), (&ErrorKind::EntityNotExist, Some("EntityNotExist.User.Policy")));
    assert!(sim.attached_policies("u").is_empty());
    assert_eq!(
        attachments.attach(PolicyType::Custom, "missing").send().await.unwrap_err().code(),
        Some("EntityNotExist.Policy")
    );
}

fn doc_for(bucket: &str) -> PolicyDocument {
    PolicyDocument::oss_bucket_objects(bucket).unwrap()
}

#[tokio::test]
async fn custom_policy_versions_defaults_and_clean_up() {
    let (sim, server) = start().await;
    let ram = admin(&server);
    let policies = ram.policies();
    let created = policies.create("lobehub-oss-rw", &doc_for("bucket-1")).description("LobeHub").send().await.unwrap();
    assert_eq!(created.default_version.as_deref(), Some("v1"));
    let e = policies.create("lobehub-oss-rw", &doc_for("bucket-1")).send().await.unwrap_err();
    assert_eq!(e.code(), Some("EntityAlreadyExists.Policy"));
    // The stored document is what was sent, and compares equivalent.
    let got = policies.get("lobehub-oss-rw").send().await.unwrap();
    assert!(got.document().unwrap().is_equivalent(&doc_for("bucket-1")));
    // Versions up to five, then the limit.
    for i in 2..=5 {
        let v = policies.create_version("lobehub-oss-rw", &doc_for(&format!("bucket-{i}"))).send().await.unwrap();
        assert_eq!(v.version_id, format!("v{i}"));
        assert!(!v.is_default_version);
    }
    let e = policies.create_version("lobehub-oss-rw", &doc_for("bucket-6")).send().await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (&ErrorKind::LimitExceeded, Some("LimitExceeded.Policy.Version")));
    // replace_document asks RAM to make room (RotateStrategy: the oldest non-default, v2, goes) and sets the new
    // default.
    let v6 = policies.replace_document("lobehub-oss-rw", &doc_for("bucket-6")).await.unwrap();
    assert_eq!(v6.version_id, "v6");
    assert!(v6.is_default_version);
    assert_eq!(
        sim.policy_versions("lobehub-oss-rw").unwrap(),
        (vec!["v1", "v3", "v4", "v5", "v6"].into_iter().map(String::from).collect(), "v6".to_string())
    );
    assert!(
        policies.get("lobehub-oss-rw").send().await.unwrap().document().unwrap().is_equivalent(&doc_for("bucket-6"))
    );
    // The server-side rotation does the same.
    let v7 = policies
        .create_version("lobehub-oss-rw", &doc_for("bucket-7"))
        .rotate_strategy(RotateStrategy::DeleteOldestNonDefaultVersionWhenLimitExceeded)
        .send()
        .await
        .unwrap();
    assert_eq!(v7.version_id, "v7");
    assert_eq!(policies.list_versions("lobehub-oss-rw").send().await.unwrap().len(), 5);
    // The default cannot be deleted; another can; the default can move.
    assert_eq!(
        policies.delete_version("lobehub-oss-rw", "v6").send().await.unwrap_err().code(),
        Some("DeleteConflict.PolicyVersion.Default")
    );
    policies.set_default_version("lobehub-oss-rw", "v7").send().await.unwrap();
    policies.delete_version("lobehub-oss-rw", "v6").send().await.unwrap();
    // DeletePolicy conflicts, then cascading.
    ram.users().create("u").send().await.unwrap();
    ram.user_policies("u").attach(PolicyType::Custom, "lobehub-oss-rw").send().await.unwrap();
    assert_eq!(policies.delete("lobehub-oss-rw").send().await.unwrap_err().code(), Some("DeleteConflict.Policy.User"));
    ram.user_policies("u").detach(PolicyType::Custom, "lobehub-oss-rw").send().await.unwrap();
    assert_eq!(
        policies.delete("lobehub-oss-rw").send().await.unwrap_err().code(),
        Some("DeleteConflict.Policy.Version")
    );
    ram.user_policies("u").attach(PolicyType::Custom, "lobehub-oss-rw").send().await.unwrap();
    policies.delete("lobehub-oss-rw").cascading(true).send().await.unwrap();
    assert!(sim.attached_policies("u").is_empty());
    assert_eq!(policies.get("lobehub-oss-rw").send().await.unwrap_err().kind(), &ErrorKind::EntityNotExist);
}

#[tokio::test]
async fn malformed_documents_are_refused_by_the_simulator() {
    let (_sim, server) = start().await;
    let creds = Credentials::new(ADMIN_ID, ADMIN_SECRET);
    // Bypass the client's checks by signing a raw request with a bad document.
    for (doc, code) in [
        ("not json", "MalformedPolicyDocument"),
        (r#"{"Version":"2","Statement":[]}"#, "MalformedPolicyDocument"),
        (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#, "MalformedPolicyDocument"),
    ] {
        let params = [("PolicyName", "p".to_string()), ("PolicyDocument", doc.to_string())];
        let signed = sign_v3(
            &creds,
            &server.addr().to_string(),
            "CreatePolicy",
            "2015-05-01",
            &params,
            b"",
            None,
            Utc::now(),
            &uuid_like(doc),
        );
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let mut req = reqwest::Client::new().post(format!("{}/?{query}", server.base_url())).body("");
        for (k, v) in &signed.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 400);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["Code"], code, "{doc}");
    }
}

fn uuid_like(seed: &str) -> String {
    format!("nonce-{}", seed.len())
}

#[derive(Debug)]
struct SameNonce;
impl NonceSource for SameNonce {
    fn next_nonce(&self) -> String {
        "always-the-same".into()
    }
}

#[tokio::test]
async fn a_reused_nonce_is_refused() {
    let (_sim, server) = start().await;
    let ram = RamClient::builder()
        .credentials(Credentials::new(ADMIN_ID, ADMIN_SECRET))
        .endpoint(server.base_url())
        .nonce_source(Arc::new(SameNonce))
        .retry_policy(fast())
        .build()
        .unwrap();
    ram.users().create("first").send().await.unwrap();
    let e = ram.users().create("second").send().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::SignatureNonceUsed);
    assert_eq!(e.code(), Some("SignatureNonceUsed"));
}

#[tokio::test]
async fn timestamps_outside_the_window_are_refused_and_the_client_corrects_its_clock() {
    let (sim, server) = start().await;
    let server_now = Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap();
    sim.set_now(Some(server_now));
    // 14 minutes off: inside the window.
    let near = RamClient::builder()
        .credentials(Credentials::new(ADMIN_ID, ADMIN_SECRET))
        .endpoint(server.base_url())
        .clock(Arc::new(FixedClock(server_now - chrono::Duration::minutes(14))))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    near.users().create("a").send().await.unwrap();
    // An hour off with no retries: InvalidTimeStamp.Expired.
    let far = RamClient::builder()
        .credentials(Credentials::new(ADMIN_ID, ADMIN_SECRET))
        .endpoint(server.base_url())
        .clock(Arc::new(FixedClock(server_now - chrono::Duration::hours(1))))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let e = far.users().get("a").send().await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (&ErrorKind::ClockSkew, Some("InvalidTimeStamp.Expired")));
    // With retries, the client learns the offset from the server's Date header and succeeds.
    let corrected = RamClient::builder()
        .credentials(Credentials::new(ADMIN_ID, ADMIN_SECRET))
        .endpoint(server.base_url())
        .signature_version(SignatureVersion::V2)
        .clock(Arc::new(FixedClock(server_now - chrono::Duration::hours(1))))
        .retry_policy(fast())
        .build()
        .unwrap();
    corrected.users().get("a").send().await.unwrap();
    assert_eq!(corrected.clock_offset_millis(), 3_600_000);
}

#[tokio::test]
async fn a_wrong_secret_gets_signature_does_not_match_with_the_string_to_sign() {
    let (_sim, server) = start().await;
    for version in [SignatureVersion::V2, SignatureVersion::V3] {
        let ram = client_with(&server, Credentials::new(ADMIN_ID, "wrong"), version, RpcMethod::Post);
        let e = ram.users().get("a").send().await.unwrap_err();
        match e.kind() {
            ErrorKind::SignatureMismatch { server_string_to_sign: Some(sts) } => {
                let prefix = if version == SignatureVersion::V2 { "POST&%2F&" } else { "ACS3-HMAC-SHA256\n" };
                assert!(sts.starts_with(prefix), "{sts}");
            }
            other => panic!("{other:?}"),
        }
    }
    let unknown = client_with(&server, Credentials::new("LTAInobody", "x"), SignatureVersion::V3, RpcMethod::Post);
    assert_eq!(unknown.users().get("a").send().await.unwrap_err().code(), Some("InvalidAccessKeyId.NotFound"));
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_through_the_fault_knobs() {
    let (sim, server) = start().await;
    server.set_faults(
        Faults::none()
            .with_failure_rate(0.4)
            .with_mix(FaultMix {
                internal_error: 1,
                service_unavailable: 1,
                throttled: 2,
                connection_reset: 0,
                stall: 0,
                response_lost: 0,
            })
            .with_throttle_retry_after(Duration::from_millis(5))
            .with_seed(42),
    );
    let ram = RamClient::builder()
        .credentials(Credentials::new(ADMIN_ID, ADMIN_SECRET))
        .endpoint(server.base_url())
        .retry_policy(fast().with_max_retries(10))
        .build()
        .unwrap();
    for i in 0..20 {
        ram.users().create(format!("user-{i}")).send().await.unwrap();
    }
    // A 500 may hide a created key, so CreateAccessKey is retried only after throttling and 503, which prove
    // the request was refused before processing.
    server.set_faults(
        Faults::none()
            .with_failure_rate(0.4)
            .with_mix(FaultMix {
                internal_error: 0,
                service_unavailable: 1,
                throttled: 2,
                connection_reset: 0,
                stall: 0,
                response_lost: 0,
            })
            .with_throttle_retry_after(Duration::from_millis(5))
            .with_seed(7),
    );
    for i in 0..20 {
        ram.access_keys(format!("user-{i}")).create().send().await.unwrap();
    }
    assert_eq!(sim.user_names().len(), 20);
    for i in 0..20 {
        assert_eq!(sim.access_key_ids(&format!("user-{i}")).len(), 1, "exactly one key each, despite the faults");
    }
    let log = server.log();
    assert!(log.entries().iter().any(|e| e.fault.is_some()), "faults were injected");
    assert!(log.entries().iter().any(|e| e.status == Some(400) && e.fault == Some(sandbox::FaultKind::Throttled)));
    assert_eq!(log.mutating().len(), 40, "40 changes were processed");
}

#[tokio::test]
async fn a_lost_create_access_key_answer_is_surfaced_not_repeated() {
    let (sim, server) = start().await;
    let ram = admin(&server);
    ram.users().create("lobehub-oss").send().await.unwrap();
    server.set_faults(Faults::none().with_failure_rate(1.0).with_mix(FaultMix {
        internal_error: 0,
        service_unavailable: 0,
        throttled: 0,
        connection_reset: 0,
        stall: 0,
        response_lost: 1,
    }));
    let e = ram.access_keys("lobehub-oss").create().send().await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Transport(_)), "{e}");
    server.set_faults(Faults::none());
    let attempts = server.log().entries().iter().filter(|e| e.action == "CreateAccessKey").count();
    assert_eq!(attempts, 1, "never repeated blindly");
    // The key was created; the caller finds it by listing (its secret is lost, so it would rotate it).
    let listed = ram.access_keys("lobehub-oss").list().send().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(sim.access_key_ids("lobehub-oss"), vec![listed[0].access_key_id.clone()]);
}

#[tokio::test]
async fn reads_are_not_counted_as_mutations() {
    let (_sim, server) = start().await;
    let ram = admin(&server);
    ram.users().create("u").send().await.unwrap();
    ram.users().get("u").send().await.unwrap();
    ram.users().list().send().await.unwrap();
    ram.access_keys("u").list().send().await.unwrap();
    let mutating: Vec<String> = server.log().mutating().into_iter().map(|e| e.action).collect();
    assert_eq!(mutating, ["CreateUser"]);
    assert!(server.log().for_service("ram").iter().all(|e| e.path == "/"));
}

#[tokio::test]
async fn ensure_helpers_converge_and_then_write_nothing() {
    use oss_client::ram::PolicyOutcome;
    let (sim, server) = start().await;
    let ram = admin(&server);
    let doc = PolicyDocument::oss_bucket_objects("lobehub-assets").unwrap();
    for round in 0..2 {
        let (user, created) = ram.users().ensure("lobehub-oss").await.unwrap();
        assert_eq!((user.user_name.as_str(), created), ("lobehub-oss", round == 0));
        let outcome = ram.policies().ensure("lobehub-oss-rw", &doc, Some("LobeHub")).await.unwrap();
        assert_eq!(matches!(outcome, PolicyOutcome::Created(_)), round == 0);
        assert_eq!(matches!(outcome, PolicyOutcome::Unchanged), round == 1);
        let attached =
            ram.user_policies("lobehub-oss").ensure_attached(PolicyType::Custom, "lobehub-oss-rw").await.unwrap();
        assert_eq!(attached, round == 0);
    }
    // A changed document becomes the new default version.
    let other = PolicyDocument::oss_bucket_objects("other-assets").unwrap();
    let PolicyOutcome::Updated(v) = ram.policies().ensure("lobehub-oss-rw", &other, None).await.unwrap() else {
        panic!()
    };
    assert_eq!(v.version_id, "v2");
    assert_eq!(sim.policy_versions("lobehub-oss-rw").unwrap().1, "v2");
    assert!(ram.user_policies("lobehub-oss").ensure_detached(PolicyType::Custom, "lobehub-oss-rw").await.unwrap());
    assert!(!ram.user_policies("lobehub-oss").ensure_detached(PolicyType::Custom, "lobehub-oss-rw").await.unwrap());
    // A converged second run sends no mutating request.
    server.log().clear();
    ram.users().ensure("lobehub-oss").await.unwrap();
    ram.policies().ensure("lobehub-oss-rw", &other, None).await.unwrap();
    ram.user_policies("lobehub-oss").ensure_detached(PolicyType::Custom, "lobehub-oss-rw").await.unwrap();
    assert!(server.log().mutating().is_empty(), "{:?}", server.log().mutating());
    assert_eq!(server.log().len(), 3);
}

/// A raw RPC V2 call (GET, every parameter in the query), signed per the RAM signature doc with the
/// simulator's documented algorithm; for actions the RAM client has no method for.
async fn raw_v2(server: &SimServer, params: &[(&str, &str)]) -> (u16, serde_json::Value) {
    use sandbox::ram::signature::{percent_encode, rpc_signature, rpc_string_to_sign};
    let nonce = uuid::Uuid::new_v4().to_string();
    let timestamp = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut all: Vec<(&str, &str)> = vec![
        ("Format", "JSON"),
        ("Version", "2015-05-01"),
        ("AccessKeyId", ADMIN_ID),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", &nonce),
        ("Timestamp", &timestamp),
    ];
    all.extend_from_slice(params);
    let signature = rpc_signature(ADMIN_SECRET, &rpc_string_to_sign("GET", all.iter().copied()));
    all.push(("Signature", &signature));
    let query: Vec<String> = all.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    let resp = reqwest::get(format!("{}/?{}", server.base_url(), query.join("&"))).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn list_policies_pages_filters_by_type_and_refuses_bad_input() {
    let (_sim, server) = start().await;
    let ram = admin(&server);
    for name in ["conf-a", "conf-b", "conf-c"] {
        ram.policies().create(name, &doc_for("bucket")).send().await.unwrap();
    }
    // Custom only, one per page: every policy once, `Marker` only while truncated.
    let (mut seen, mut marker, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        pages += 1;
        assert!(pages <= 10, "pagination ends");
        let mut params = vec![("Action", "ListPolicies"), ("PolicyType", "Custom"), ("MaxItems", "1")];
        if !marker.is_empty() {
            params.push(("Marker", &marker));
        }
        let (status, body) = raw_v2(&server, &params).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["RequestId"].as_str().is_some_and(|r| !r.is_empty()));
        for p in body["Policies"]["Policy"].as_array().unwrap() {
            assert_eq!(p["PolicyType"], "Custom");
            assert_eq!(p["DefaultVersion"], "v1");
            assert_eq!(p["AttachmentCount"], 0);
            seen.push(p["PolicyName"].as_str().unwrap().to_string());
        }
        if body["IsTruncated"] == false {
            assert!(body.get("Marker").is_none(), "no Marker on the last page: {body}");
            break;
        }
        marker = body["Marker"].as_str().unwrap().to_string();
    }
    assert_eq!(seen, ["conf-a", "conf-b", "conf-c"]);
    // System only: the simulated account's system policies, no custom one.
    let (status, body) = raw_v2(&server, &[("Action", "ListPolicies"), ("PolicyType", "System")]).await;
    assert_eq!(status, 200);
    let names: Vec<&str> =
        body["Policies"]["Policy"].as_array().unwrap().iter().map(|p| p["PolicyName"].as_str().unwrap()).collect();
    assert!(names.contains(&"AliyunOSSFullAccess") && !names.contains(&"conf-a"), "{names:?}");
    // No type: both.
    let (_, body) = raw_v2(&server, &[("Action", "ListPolicies")]).await;
    assert_eq!(body["Policies"]["Policy"].as_array().unwrap().len(), names.len() + 3);
    // Refused input.
    for (params, code) in [
        (vec![("Action", "ListPolicies"), ("PolicyType", "Other")], "InvalidParameter.PolicyType"),
        (vec![("Action", "ListPolicies"), ("MaxItems", "0")], "InvalidParameter.MaxItems"),
        (vec![("Action", "ListPolicies"), ("Marker", "%%%")], "InvalidParameter.Marker"),
        (vec![("Action", "NoSuchAction")], "InvalidAction.NotFound"),
    ] {
        let (status, body) = raw_v2(&server, &params).await;
        assert!((400..500).contains(&status), "{params:?}: {status}");
        assert_eq!(body["Code"], code, "{params:?}: {body}");
        assert_eq!(body["HostId"], "ram.aliyuncs.com");
    }
}

#[tokio::test]
async fn email_and_mobile_phone_are_kept_and_shown_only_when_set() {
    let (_sim, server) = start().await;
    let (status, body) = raw_v2(
        &server,
        &[
            ("Action", "CreateUser"),
            ("UserName", "with-contact"),
            ("Email", "a@example.com"),
            ("MobilePhone", "86-18600000000"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["User"]["Email"], "a@example.com");
    assert_eq!(body["User"]["MobilePhone"], "86-18600000000");
    let (_, body) = raw_v2(&server, &[("Action", "CreateUser"), ("UserName", "plain")]).await;
    assert!(body["User"].get("Email").is_none() && body["User"].get("MobilePhone").is_none(), "{body}");
    let (_, body) = raw_v2(&server, &[("Action", "GetUser"), ("UserName", "with-contact")]).await;
    assert_eq!(body["User"]["Email"], "a@example.com");
}
