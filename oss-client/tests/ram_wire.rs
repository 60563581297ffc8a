//! Wire format of every RAM action, for V3, V2-POST (form body) and V2-GET (query): method, path, Host,
//! common parameters or `x-acs-*` headers, the exact business parameters and a signature recomputed here.

#[path = "ram_support.rs"]
mod support;

use oss_client::ram::{
    AccessKeyStatus, PolicyDocument, PolicyType, RotateStrategy, RpcMethod, SignatureVersion, Statement,
};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use support::*;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::path};

/// Answers each action with a realistic body (plus a field RAM might add later, which must be ignored).
struct Canned;

impl Respond for Canned {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let action = req
            .headers
            .get("x-acs-action")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| all_params(req).get("Action").cloned())
            .unwrap_or_default();
        let user = json!({"UserId": "2000000000000001", "UserName": "lobehub-oss", "DisplayName": "LobeHub OSS",
                          "CreateDate": "2025-01-01T00:00:00Z", "NewFieldFromTheFuture": {"x": 1}});
        let policy = json!({"PolicyName": "lobehub-oss-rw", "PolicyType": "Custom", "Description": "d",
                            "DefaultVersion": "v1", "CreateDate": "2025-01-01T00:00:00Z"});
        let version = json!({"VersionId": "v2", "IsDefaultVersion": true,
                             "PolicyDocument": "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"oss:*\",\"Resource\":\"*\"}]}",
                             "CreateDate": "2025-01-01T00:00:00Z"});
        let body = match action.as_str() {
            "CreateUser" | "GetUser" | "UpdateUser" => json!({"RequestId": "r", "User": user}),
            "ListUsers" => json!({"RequestId": "r", "IsTruncated": false, "Users": {"User": [user]}}),
            "CreateAccessKey" => {
                json!({"RequestId": "r", "AccessKey": {"AccessKeyId": "LTAI5tNewKey", "AccessKeySecret": "brand-new-secret",
                                        "Status": "Active", "CreateDate": "2025-01-01T00:00:00Z"}})
            }
            "ListAccessKeys" => {
                json!({"RequestId": "r", "AccessKeys": {"AccessKey": [{"AccessKeyId": "LTAI5tNewKey", "Status": "Inactive",
                                       "CreateDate": "2025-01-01T00:00:00Z"}]}})
            }
            "CreatePolicy" => json!({"RequestId": "r", "Policy": policy}),
            "GetPolicy" => json!({"RequestId": "r", "Policy": policy, "DefaultPolicyVersion": version}),
            "CreatePolicyVersion" => json!({"RequestId": "r", "PolicyVersion": version}),
            "ListPolicyVersions" => json!({"RequestId": "r", "PolicyVersions": {"PolicyVersion": [version]}}),
            "ListPoliciesForUser" => {
                json!({"RequestId": "r", "Policies": {"Policy": [{"PolicyName": "AliyunOSSReadOnlyAccess",
                                            "PolicyType": "System", "DefaultVersion": "v1", "AttachDate": "2025-01-01T00:00:00Z"}]}})
            }
            _ => json!({"RequestId": "r"}),
        };
        ResponseTemplate::new(200).set_body_json(body)
    }
}

fn doc() -> PolicyDocument {
    PolicyDocument::new().statement(
        Statement::allow().actions(["oss:GetObject", "oss:PutObject"]).resource("acs:oss:*:*:lobechat-assets/*"),
    )
}

const DOC_JSON: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject","oss:PutObject"],"Resource":["acs:oss:*:*:lobechat-assets/*"]}]}"#;

async fn every_action(version: SignatureVersion, method: RpcMethod) {
    let server = MockServer::start().await;
    Mock::given(path("/")).respond_with(Canned).mount(&server).await;
    let ram = client(&server, version, method);

    // Users.
    let u =
        ram.users().create("lobehub-oss").display_name("LobeHub OSS").comments("made by tests").send().await.unwrap();
    assert_eq!(u.user_name, "lobehub-oss");
    assert_eq!(u.user_id.as_deref(), Some("2000000000000001"));
    ram.users().get("lobehub-oss").send().await.unwrap();
    ram.users().update("lobehub-oss").new_display_name("LobeHub").new_comments("c").send().await.unwrap();
    assert_eq!(ram.users().list().max_items(50).send().await.unwrap().len(), 1);
    ram.users().delete("lobehub-oss").send().await.unwrap();
    // Keys.
    let keys = ram.access_keys("lobehub-oss");
    let created = keys.create().send().await.unwrap();
    assert_eq!(created.access_key_id, "LTAI5tNewKey");
    assert_eq!(created.access_key_secret.expose_secret(), "brand-new-secret");
    assert_eq!(keys.list().send().await.unwrap()[0].status, AccessKeyStatus::Inactive);
    keys.update("LTAI5tNewKey", AccessKeyStatus::Inactive).send().await.unwrap();
    keys.delete("LTAI5tNewKey").send().await.unwrap();
    // Policies.
    let p = ram.policies().create("lobehub-oss-rw", &doc()).description("LobeHub bucket").send().await.unwrap();
    assert_eq!(p.default_version.as_deref(), Some("v1"));
    let got = ram.policies().get("lobehub-oss-rw").send().await.unwrap();
    assert_eq!(got.document().unwrap().statement[0].action_list(), ["oss:*"]);
    ram.policies().get("AliyunOSSFullAccess").policy_type(PolicyType::System).send().await.unwrap();
    let v = ram
        .policies()
        .create_version("lobehub-oss-rw", &doc())
        .set_as_default(true)
        .rotate_strategy(RotateStrategy::DeleteOldestNonDefaultVersionWhenLimitExceeded)
        .send()
        .await
        .unwrap();
    assert!(v.is_default_version);
    assert_eq!(ram.policies().list_versions("lobehub-oss-rw").send().await.unwrap().len(), 1);
    ram.policies().delete_version("lobehub-oss-rw", "v1").send().await.unwrap();
    ram.policies().set_default_version("lobehub-oss-rw", "v2").send().await.unwrap();
    ram.policies().delete("lobehub-oss-rw").cascading(true).send().await.unwrap();
    ram.policies().delete("other-policy").send().await.unwrap();
    // Attachments.
    let attached = ram.user_policies("lobehub-oss");
    attached.attach(PolicyType::System, "AliyunOSSReadOnlyAccess").send().await.unwrap();
    attached.detach(PolicyType::Custom, "lobehub-oss-rw").send().await.unwrap();
    let list = attached.list().send().await.unwrap();
    assert_eq!(list[0].policy_type, PolicyType::System);

    let expected: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "CreateUser",
            vec![("UserName", "lobehub-oss"), ("DisplayName", "LobeHub OSS"), ("Comments", "made by tests")],
        ),
        ("GetUser", vec![("UserName", "lobehub-oss")]),
        ("UpdateUser", vec![("UserName", "lobehub-oss"), ("NewDisplayName", "LobeHub"), ("NewComments", "c")]),
        ("ListUsers", vec![("MaxItems", "50")]),
        ("DeleteUser", vec![("UserName", "lobehub-oss")]),
        ("CreateAccessKey", vec![("UserName", "lobehub-oss")]),
        ("ListAccessKeys", vec![("UserName", "lobehub-oss")]),
        (
            "UpdateAccessKey",
            vec![("UserName", "lobehub-oss"), ("UserAccessKeyId", "LTAI5tNewKey"), ("Status", "Inactive")],
        ),
        ("DeleteAccessKey", vec![("UserName", "lobehub-oss"), ("UserAccessKeyId", "LTAI5tNewKey")]),
        (
            "CreatePolicy",
            vec![("PolicyName", "lobehub-oss-rw"), ("PolicyDocument", DOC_JSON), ("Description", "LobeHub bucket")],
        ),
        ("GetPolicy", vec![("PolicyName", "lobehub-oss-rw"), ("PolicyType", "Custom")]),
        ("GetPolicy", vec![("PolicyName", "AliyunOSSFullAccess"), ("PolicyType", "System")]),
        (
            "CreatePolicyVersion",
            vec![
                ("PolicyName", "lobehub-oss-rw"),
                ("PolicyDocument", DOC_JSON),
                ("SetAsDefault", "true"),
                ("RotateStrategy", "DeleteOldestNonDefaultVersionWhenLimitExceeded"),
            ],
        ),
        ("ListPolicyVersions", vec![("PolicyName", "lobehub-oss-rw"), ("PolicyType", "Custom")]),
        ("DeletePolicyVersion", vec![("PolicyName", "lobehub-oss-rw"), ("VersionId", "v1")]),
        ("SetDefaultPolicyVersion", vec![("PolicyName", "lobehub-oss-rw"), ("VersionId", "v2")]),
        ("DeletePolicy", vec![("PolicyName", "lobehub-oss-rw"), ("CascadingDelete", "true")]),
        ("DeletePolicy", vec![("PolicyName", "other-policy")]),
        (
            "AttachPolicyToUser",
            vec![("PolicyType", "System"), ("PolicyName", "AliyunOSSReadOnlyAccess"), ("UserName", "lobehub-oss")],
        ),
        (
            "DetachPolicyFromUser",
            vec![("PolicyType", "Custom"), ("PolicyName", "lobehub-oss-rw"), ("UserName", "lobehub-oss")],
        ),
        ("ListPoliciesForUser", vec![("UserName", "lobehub-oss")]),
    ];
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), expected.len());
    let mut nonces = std::collections::HashSet::new();
    for (req, (action, params)) in received.iter().zip(&expected) {
        let (got_action, got_params) = signed_call(req, version);
        assert_eq!(&got_action, action);
        assert_eq!(got_params, map(params), "{action}");
        let nonce = match version {
            SignatureVersion::V2 => all_params(req)["SignatureNonce"].clone(),
            SignatureVersion::V3 => req.headers["x-acs-signature-nonce"].to_str().unwrap().to_string(),
        };
        assert!(nonces.insert(nonce), "nonces are never reused");
        assert_eq!(req.headers["host"].to_str().unwrap(), server.address().to_string());
        match (version, method) {
            (SignatureVersion::V3, _) => {
                assert!(req.body.is_empty());
                assert!(req.headers.get("content-type").is_none());
            }
            (SignatureVersion::V2, RpcMethod::Post) => {
                assert_eq!(req.method.as_str(), "POST");
                assert_eq!(req.headers["content-type"], "application/x-www-form-urlencoded");
                assert!(req.url.query().is_none(), "V2 POST puts everything in the body");
            }
            (SignatureVersion::V2, RpcMethod::Get) => {
                assert_eq!(req.method.as_str(), "GET");
                assert!(req.body.is_empty());
            }
        }
    }
}

#[tokio::test]
async fn every_action_v3() {
    every_action(SignatureVersion::V3, RpcMethod::Post).await;
}

#[tokio::test]
async fn every_action_v2_post_form() {
    every_action(SignatureVersion::V2, RpcMethod::Post).await;
}

#[tokio::test]
async fn every_action_v2_get_query() {
    every_action(SignatureVersion::V2, RpcMethod::Get).await;
}

#[tokio::test]
async fn encoded_values_on_the_wire_use_rfc3986() {
    let server = MockServer::start().await;
    Mock::given(path("/")).respond_with(Canned).mount(&server).await;
    let ram = client(&server, SignatureVersion::V2, RpcMethod::Post);
    ram.policies().create("lobehub-oss-rw", &doc()).description("LobeChat OSS access").send().await.unwrap();
    let req = &server.received_requests().await.unwrap()[0];
    let body = String::from_utf8(req.body.clone()).unwrap();
    assert!(body.contains("Description=LobeChat%20OSS%20access"), "{body}");
    assert!(body.contains("%3Alobechat-assets%2F%2A%22"), "`*` is %2A and `/` is %2F: {body}");
    assert!(!body.contains('+'), "no `+` for spaces, and the signature's `+` is encoded: {body}");
}

#[tokio::test]
async fn list_users_follows_every_page() {
    let server = MockServer::start().await;
    struct Pages;
    impl Respond for Pages {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let user = |n: &str| json!({"UserName": n});
            let body: Value = match all_params(req).get("Marker").map(String::as_str) {
                None => json!({"IsTruncated": true, "Marker": "m1", "Users": {"User": [user("a"), user("b")]}}),
                Some("m1") => json!({"IsTruncated": true, "Marker": "m2", "Users": {"User": [user("c")]}}),
                Some("m2") => json!({"IsTruncated": false, "Users": {"User": [user("d")]}}),
                Some(_) => json!({"IsTruncated": false, "Users": {}}),
            };
            ResponseTemplate::new(200).set_body_json(body)
        }
    }
    Mock::given(path("/")).respond_with(Pages).mount(&server).await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    let users = ram.users().list().max_items(2).send().await.unwrap();
    let names: Vec<_> = users.iter().map(|u| u.user_name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    let markers: Vec<_> =
        server.received_requests().await.unwrap().iter().map(|r| business_params(r).get("Marker").cloned()).collect();
    assert_eq!(markers, [None, Some("m1".to_string()), Some("m2".to_string())]);
}

#[tokio::test]
async fn a_truncated_page_without_a_new_marker_is_a_decode_error_not_a_loop() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"IsTruncated": true, "Users": {"User": []}})))
        .mount(&server)
        .await;
    let ram = client(&server, SignatureVersion::V3, RpcMethod::Post);
    let e = ram.users().list().send().await.unwrap_err();
    assert_eq!(e.kind(), &oss_client::ErrorKind::Decode);
    assert_eq!(e.operation(), "ListUsers");
}
