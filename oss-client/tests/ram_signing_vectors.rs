//! Every RPC (V2) and ACS3 (V3) vector of `shared/reference/test-vectors.md` §7–8, asserted stage by stage:
//! canonical query or request, string to sign, signature, then what goes on the wire.

use chrono::{TimeZone, Utc};
use oss_client::Credentials;
use oss_client::ram::encoding::{canonical_query, percent_encode};
use oss_client::ram::signing::{
    sha256_hex, sign_v2, sign_v3, v2_signature, v2_string_to_sign, v3_authorization, v3_canonical_request,
    v3_signature, v3_string_to_sign,
};
use oss_client::ram::{PolicyDocument, RpcMethod, Statement};
use secrecy::SecretString;

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn secret() -> SecretString {
    SecretString::from("testsecret")
}

fn pairs<'a>(p: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    p.iter().copied()
}

/// Checks one V2 vector through each stage.
fn check_v2(method: RpcMethod, params: &[(&str, &str)], query: Option<&str>, sts: &str, signature: &str) {
    if let Some(q) = query {
        assert_eq!(canonical_query(pairs(params)), q, "canonical query");
    }
    assert_eq!(v2_string_to_sign(method, pairs(params)), sts, "string to sign");
    assert_eq!(v2_signature(&secret(), sts), signature, "signature");
}

#[test]
fn r1_ram_create_user_official() {
    let params = [
        ("UserName", "test"),
        ("SignatureVersion", "1.0"),
        ("Format", "JSON"),
        ("Timestamp", "2015-08-18T03:15:45Z"),
        ("AccessKeyId", "testid"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("Version", "2015-05-01"),
        ("Action", "CreateUser"),
        ("SignatureNonce", "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"),
    ];
    check_v2(
        RpcMethod::Get,
        &params,
        Some(
            "AccessKeyId=testid&Action=CreateUser&Format=JSON&SignatureMethod=HMAC-SHA1&SignatureNonce=6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2&SignatureVersion=1.0&Timestamp=2015-08-18T03%3A15%3A45Z&UserName=test&Version=2015-05-01",
        ),
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp%3D2015-08-18T03%253A15%253A45Z%26UserName%3Dtest%26Version%3D2015-05-01",
        "kRA2cnpJVacIhDMzXnoNZG9tDCI=",
    );
    assert_eq!(percent_encode("kRA2cnpJVacIhDMzXnoNZG9tDCI="), "kRA2cnpJVacIhDMzXnoNZG9tDCI%3D");
    // The whole-request signer with the same inputs.
    let creds = Credentials::new("testid", "testsecret");
    let t = Utc.with_ymd_and_hms(2015, 8, 18, 3, 15, 45).unwrap();
    let signed = sign_v2(
        &creds,
        RpcMethod::Get,
        "CreateUser",
        "2015-05-01",
        &[("UserName", "test".into())],
        t,
        "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2",
    );
    assert_eq!(signed.last().unwrap(), &("Signature".to_string(), "kRA2cnpJVacIhDMzXnoNZG9tDCI=".to_string()));
}

const R2_PARAMS: [(&str, &str); 8] = [
    ("Timestamp", "2016-02-23T12:46:24Z"),
    ("Format", "XML"),
    ("AccessKeyId", "testid"),
    ("Action", "DescribeRegions"),
    ("SignatureMethod", "HMAC-SHA1"),
    ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
    ("Version", "2014-05-26"),
    ("SignatureVersion", "1.0"),
];

#[test]
fn r2_ecs_describe_regions_official() {
    check_v2(
        RpcMethod::Get,
        &R2_PARAMS,
        Some(
            "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26",
        ),
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
        "OLeaidS1JvxuMvnyHOwuJ+uX5qY=",
    );
}

#[test]
fn r3_describe_regions_post_derived() {
    check_v2(
        RpcMethod::Post,
        &R2_PARAMS,
        None,
        "POST&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
        "MxbnVAM4w6sft9xjVpe/GCKueuk=",
    );
}

const R4_DOCUMENT: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject","oss:PutObject"],"Resource":["acs:oss:*:*:lobechat-assets/*"]}]}"#;

#[test]
fn r4_ram_create_policy_post_derived() {
    let params = [
        ("Action", "CreatePolicy"),
        ("PolicyName", "lobechat-oss-rw"),
        ("Description", "LobeChat OSS access"),
        ("PolicyDocument", R4_DOCUMENT),
        ("Format", "JSON"),
        ("Version", "2015-05-01"),
        ("AccessKeyId", "testid"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "c1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0002"),
        ("Timestamp", "2025-01-01T00:00:00Z"),
    ];
    check_v2(
        RpcMethod::Post,
        &params,
        Some(
            "AccessKeyId=testid&Action=CreatePolicy&Description=LobeChat%20OSS%20access&Format=JSON&PolicyDocument=%7B%22Version%22%3A%221%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22oss%3AGetObject%22%2C%22oss%3APutObject%22%5D%2C%22Resource%22%3A%5B%22acs%3Aoss%3A%2A%3A%2A%3Alobechat-assets%2F%2A%22%5D%7D%5D%7D&PolicyName=lobechat-oss-rw&SignatureMethod=HMAC-SHA1&SignatureNonce=c1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0002&SignatureVersion=1.0&Timestamp=2025-01-01T00%3A00%3A00Z&Version=2015-05-01",
        ),
        "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCreatePolicy%26Description%3DLobeChat%2520OSS%2520access%26Format%3DJSON%26PolicyDocument%3D%257B%2522Version%2522%253A%25221%2522%252C%2522Statement%2522%253A%255B%257B%2522Effect%2522%253A%2522Allow%2522%252C%2522Action%2522%253A%255B%2522oss%253AGetObject%2522%252C%2522oss%253APutObject%2522%255D%252C%2522Resource%2522%253A%255B%2522acs%253Aoss%253A%252A%253A%252A%253Alobechat-assets%252F%252A%2522%255D%257D%255D%257D%26PolicyName%3Dlobechat-oss-rw%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0002%26SignatureVersion%3D1.0%26Timestamp%3D2025-01-01T00%253A00%253A00Z%26Version%3D2015-05-01",
        "LSX3B320FYXmrKelmthQrumJ/8Q=",
    );
    // The typed builder produces exactly the vector's document, so the client signs the same bytes.
    let doc = PolicyDocument::new().statement(
        Statement::allow().actions(["oss:GetObject", "oss:PutObject"]).resource("acs:oss:*:*:lobechat-assets/*"),
    );
    assert_eq!(doc.to_json().unwrap(), R4_DOCUMENT);
    let creds = Credentials::new("testid", "testsecret");
    let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let signed = sign_v2(
        &creds,
        RpcMethod::Post,
        "CreatePolicy",
        "2015-05-01",
        &[
            ("PolicyName", "lobechat-oss-rw".into()),
            ("Description", "LobeChat OSS access".into()),
            ("PolicyDocument", doc.to_json().unwrap()),
        ],
        t,
        "c1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0002",
    );
    assert_eq!(signed.last().unwrap().1, "LSX3B320FYXmrKelmthQrumJ/8Q=");
}

#[test]
fn r5_ram_create_user_get_derived() {
    let params = [
        ("Action", "CreateUser"),
        ("UserName", "lobechat-oss"),
        ("DisplayName", "LobeChat OSS"),
        ("Format", "JSON"),
        ("Version", "2015-05-01"),
        ("AccessKeyId", "testid"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "c1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0001"),
        ("Timestamp", "2025-01-01T00:00:00Z"),
    ];
    check_v2(
        RpcMethod::Get,
        &params,
        Some(
            "AccessKeyId=testid&Action=CreateUser&DisplayName=LobeChat%20OSS&Format=JSON&SignatureMethod=HMAC-SHA1&SignatureNonce=c1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0001&SignatureVersion=1.0&Timestamp=2025-01-01T00%3A00%3A00Z&UserName=lobechat-oss&Version=2015-05-01",
        ),
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26DisplayName%3DLobeChat%2520OSS%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0001%26SignatureVersion%3D1.0%26Timestamp%3D2025-01-01T00%253A00%253A00Z%26UserName%3Dlobechat-oss%26Version%3D2015-05-01",
        "jOTpJ4bsQOG+9ihU3xeC3Qk1pYk=",
    );
}

#[test]
fn a1_ecs_run_instances_official() {
    let query = [("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), ("RegionId", "cn-shanghai")];
    let headers = [
        ("host", "ecs.cn-shanghai.aliyuncs.com"),
        ("x-acs-action", "RunInstances"),
        ("x-acs-version", "2014-05-26"),
        ("x-acs-date", "2023-10-26T09:01:01Z"),
        ("x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"),
        ("x-acs-content-sha256", EMPTY_SHA256),
    ];
    assert_eq!(sha256_hex(b""), EMPTY_SHA256);
    let c = v3_canonical_request("POST", "/", pairs(&query), pairs(&headers), EMPTY_SHA256);
    assert_eq!(
        c.canonical_request,
        "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\nhost:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2023-10-26T09:01:01Z\nx-acs-signature-nonce:d410180a5abf7fe235dd9b74aca91fc0\nx-acs-version:2014-05-26\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let sts = v3_string_to_sign(&c.canonical_request);
    assert_eq!(sts, "ACS3-HMAC-SHA256\n29622f5feb1e9fcaaa2e276a72889c975f7b16f00e02be1ca34965b18cd85015");
    let sig = v3_signature(&SecretString::from("YourAccessKeySecret"), &sts);
    assert_eq!(sig, "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804");
    assert_eq!(
        v3_authorization("YourAccessKeyId", &c.signed_headers, &sig),
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"
    );
    // The whole-request signer reproduces it too.
    let creds = Credentials::new("YourAccessKeyId", "YourAccessKeySecret");
    let t = Utc.with_ymd_and_hms(2023, 10, 26, 9, 1, 1).unwrap();
    let signed = sign_v3(
        &creds,
        "ecs.cn-shanghai.aliyuncs.com",
        "RunInstances",
        "2014-05-26",
        &[("ImageId", query[0].1.into()), ("RegionId", query[1].1.into())],
        b"",
        None,
        t,
        "d410180a5abf7fe235dd9b74aca91fc0",
    );
    assert!(
        signed
            .headers
            .last()
            .unwrap()
            .1
            .ends_with("Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804")
    );
}

#[test]
fn a2_ram_create_user_derived() {
    let query = [("DisplayName", "LobeChat OSS"), ("UserName", "lobechat-oss")];
    let headers = [
        ("host", "ram.aliyuncs.com"),
        ("x-acs-action", "CreateUser"),
        ("x-acs-version", "2015-05-01"),
        ("x-acs-date", "2025-01-01T00:00:00Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        ("x-acs-content-sha256", EMPTY_SHA256),
    ];
    let c = v3_canonical_request("POST", "/", pairs(&query), pairs(&headers), EMPTY_SHA256);
    assert_eq!(
        c.canonical_request,
        "POST\n/\nDisplayName=LobeChat%20OSS&UserName=lobechat-oss\nhost:ram.aliyuncs.com\nx-acs-action:CreateUser\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2025-01-01T00:00:00Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2015-05-01\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let sts = v3_string_to_sign(&c.canonical_request);
    assert_eq!(sts, "ACS3-HMAC-SHA256\n4d85372823c8dbecebdd9a3df722a8062f1a1c777c34cde78303e064611bc015");
    let sig = v3_signature(&secret(), &sts);
    assert_eq!(sig, "826e059a72794be9ada5ef5483b7fa3640ef397f3e51da4bba41c34ec662024d");
    let creds = Credentials::new("testid", "testsecret");
    let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let signed = sign_v3(
        &creds,
        "ram.aliyuncs.com",
        "CreateUser",
        "2015-05-01",
        &[("UserName", "lobechat-oss".into()), ("DisplayName", "LobeChat OSS".into())],
        b"",
        None,
        t,
        "3156853299f313e23d1673dc12e1703d",
    );
    assert_eq!(
        signed.headers.last().unwrap(),
        &(
            "authorization".to_string(),
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=826e059a72794be9ada5ef5483b7fa3640ef397f3e51da4bba41c34ec662024d".to_string()
        )
    );
    assert!(!format!("{signed:?}").contains("826e059a"), "Debug redacts the Authorization header");
}

#[test]
fn sts_token_is_signed_in_both_versions() {
    let creds = Credentials::new("testid", "testsecret").with_security_token("sts-token");
    let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let v2 = sign_v2(&creds, RpcMethod::Post, "GetUser", "2015-05-01", &[("UserName", "u".into())], t, "n");
    assert!(v2.iter().any(|(k, v)| k == "SecurityToken" && v == "sts-token"));
    let v3 =
        sign_v3(&creds, "ram.aliyuncs.com", "GetUser", "2015-05-01", &[("UserName", "u".into())], b"", None, t, "n");
    assert!(v3.headers.iter().any(|(k, v)| k == "x-acs-security-token" && v == "sts-token"));
    assert!(v3.headers.last().unwrap().1.contains("x-acs-security-token"));
}
