//! Policy documents: exact JSON, the least-privilege preset, parsing of RAM's forms, equivalence, size limit.

use oss_client::ErrorKind;
use oss_client::ram::{Effect, MAX_POLICY_DOCUMENT_CHARS, PolicyDocument, Statement};

#[test]
fn preset_matches_the_reference_document() {
    let doc = PolicyDocument::oss_bucket_objects("lobechat-assets").unwrap();
    let expected = concat!(
        r#"{"Version":"1","Statement":["#,
        r#"{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject","oss:DeleteObject","oss:PutObjectAcl","oss:GetObjectAcl","oss:AbortMultipartUpload","oss:ListParts"],"Resource":["acs:oss:*:*:lobechat-assets/*"]},"#,
        r#"{"Effect":"Allow","Action":["oss:ListObjects","oss:GetBucketInfo","oss:GetBucketAcl"],"Resource":["acs:oss:*:*:lobechat-assets"]}"#,
        r#"]}"#
    );
    assert_eq!(doc.to_json().unwrap(), expected);
    // Round trip.
    assert_eq!(PolicyDocument::from_json(expected).unwrap(), doc);
}

#[test]
fn preset_refuses_bad_bucket_names() {
    for bad in ["", "ab", "-abc", "abc-", "ABC", "a_b_c", &"a".repeat(64), "a/b"] {
        let e = PolicyDocument::oss_bucket_objects(bad).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::InvalidInput, "{bad}");
    }
    assert!(PolicyDocument::oss_bucket_objects("abc").is_ok());
    assert!(PolicyDocument::oss_bucket_objects(&"a".repeat(63)).is_ok());
}

#[test]
fn conditions_and_deny_serialise_as_ram_expects() {
    let doc = PolicyDocument::new()
        .statement(Statement::allow().action("oss:GetObject").resource("acs:oss:*:*:b/*").condition(
            "IpAddress",
            "acs:SourceIp",
            ["192.0.2.0/24"],
        ))
        .statement(Statement::deny().action("oss:DeleteBucket").resource("*"));
    assert_eq!(
        doc.to_json().unwrap(),
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Resource":["acs:oss:*:*:b/*"],"Condition":{"IpAddress":{"acs:SourceIp":["192.0.2.0/24"]}}},{"Effect":"Deny","Action":["oss:DeleteBucket"],"Resource":["*"]}]}"#
    );
}

#[test]
fn parses_single_strings_scalars_and_unknown_fields() {
    let doc = PolicyDocument::from_json(
        r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":false}},"Sid":"x"}],"Extra":1}"#,
    )
    .unwrap();
    let s = &doc.statement[0];
    assert_eq!(s.effect, Effect::Deny);
    assert_eq!(s.action_list(), ["oss:*"]);
    assert_eq!(s.resource_list(), ["*"]);
    assert_eq!(s.condition["Bool"]["acs:SecureTransport"].0, ["false"]);
    for bad in [
        "",
        "[]",
        r#"{"Statement":[]}"#,
        r#"{"Version":"1","Statement":[{"Effect":"Maybe","Action":"a","Resource":"r"}]}"#,
    ] {
        assert_eq!(PolicyDocument::from_json(bad).unwrap_err().kind(), &ErrorKind::Decode, "{bad}");
    }
}

#[test]
fn equivalence_ignores_order_and_duplicates_but_not_content() {
    let a = PolicyDocument::oss_bucket_objects("bucket-a").unwrap();
    let mut reordered = a.clone();
    reordered.statement.reverse();
    reordered.statement[0].action.0.reverse();
    assert!(a.is_equivalent(&reordered));
    assert!(!a.is_equivalent(&PolicyDocument::oss_bucket_objects("bucket-b").unwrap()));
    let mut widened = a.clone();
    widened.statement[0].action.0.push("oss:PutBucketAcl".into());
    assert!(!a.is_equivalent(&widened));
}

#[test]
fn size_limit_is_on_characters() {
    // A document exactly at the limit passes; one character more fails.
    let base = PolicyDocument::new().statement(Statement::allow().action("oss:GetObject").resource("r"));
    let overhead = base.to_json().unwrap().chars().count() - 1;
    let at_limit = PolicyDocument::new().statement(
        Statement::allow().action("oss:GetObject").resource("é".repeat(MAX_POLICY_DOCUMENT_CHARS - overhead)),
    );
    assert_eq!(at_limit.to_json().unwrap().chars().count(), MAX_POLICY_DOCUMENT_CHARS);
    let over = PolicyDocument::new().statement(
        Statement::allow().action("oss:GetObject").resource("é".repeat(MAX_POLICY_DOCUMENT_CHARS - overhead + 1)),
    );
    let e = over.to_json().unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidInput);
    assert!(e.to_string().contains("6145 characters"));
}
