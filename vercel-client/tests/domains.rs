//! Wire format of the domain operations and the DNS records derived from the config answer.

mod common;

use common::setup;
use serde_json::json;
use vercel_client::{DnsRecordType, ErrorKind};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn domain(name: &str, apex: &str, verified: bool) -> serde_json::Value {
    let mut v = json!({"name": name, "apexName": apex, "projectId": "prj_1", "verified": verified, "createdAt": 1,
                       "redirect": null, "gitBranch": null, "customEnvironmentId": null});
    if !verified {
        v["verification"] = json!([{"type": "TXT", "domain": format!("_vercel.{apex}"),
            "value": format!("vc-domain-verify={name},abc123"), "reason": "pending_domain_verification"}]);
    }
    v
}

#[tokio::test]
async fn add_sends_the_name_and_is_idempotent() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/domains"))
        .and(query_param("teamId", "team_1"))
        .and(body_json(json!({"name": "chat.example.com"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(domain("chat.example.com", "example.com", true)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/domains"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"code": "domain_already_in_use", "message": "already assigned"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/prj_1/domains/chat.example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(domain("chat.example.com", "example.com", true)))
        .expect(1)
        .mount(&server)
        .await;
    let d = client.domains("prj_1").add("Chat.Example.com").send().await.unwrap();
    assert!(d.verified && !d.is_apex());
    let again = client.domains("prj_1").add("chat.example.com").send().await.unwrap();
    assert_eq!(again.name, "chat.example.com");
}

#[tokio::test]
async fn add_held_elsewhere_keeps_the_original_error() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v10/projects/prj_1/domains"))
        .and(body_json(json!({"name": "example.com", "redirect": "www.example.com", "redirectStatusCode": 308})))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(
                json!({"error": {"code": "domain_already_in_use", "message": "in use by another project"}}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/prj_1/domains/example.com"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": {"code": "not_found", "message": "Domain not found"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client.domains("prj_1").add("example.com").redirect("www.example.com", 308).send().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Conflict);
    assert_eq!(err.code(), Some("domain_already_in_use"));
}

#[tokio::test]
async fn list_verify_remove() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/prj_1/domains"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"domains": [domain("a.example.com", "example.com", true)],
            "pagination": {"count": 1, "next": null, "prev": null}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v9/projects/prj_1/domains/a.example.com/verify"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"code": "missing_txt_record", "message": "TXT missing"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v9/projects/prj_1/domains/a.example.com/verify"))
        .respond_with(ResponseTemplate::new(200).set_body_json(domain("a.example.com", "example.com", true)))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v9/projects/prj_1/domains/a.example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let d = client.domains("prj_1");
    assert_eq!(d.list().await.unwrap().len(), 1);
    let err = d.verify("a.example.com").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::BadRequest);
    assert_eq!(err.code(), Some("missing_txt_record"));
    assert!(d.verify("a.example.com").await.unwrap().verified);
    d.remove("a.example.com").await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[1].body.is_empty(), "verify has no body");
    assert!(requests[3].body.is_empty(), "remove has no body");
}

#[tokio::test]
async fn subdomain_needs_the_rank_one_cname_and_the_txt_challenge() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/prj_1/domains/chat.example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(domain("chat.example.com", "example.com", false)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v6/domains/chat.example.com/config"))
        .and(query_param("projectIdOrName", "prj_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "configuredBy": null, "acceptedChallenges": ["dns-01", "http-01"], "misconfigured": true,
            "recommendedIPv4": [{"rank": 1, "value": ["203.0.113.5"]}],
            "recommendedCNAME": [{"rank": 2, "value": "old.example.net."}, {"rank": 1, "value": "fresh-17.example.net."}]})))
        .mount(&server)
        .await;
    let status = client.domains("prj_1").status("chat.example.com").await.unwrap();
    assert!(!status.is_configured());
    assert_eq!(status.records.len(), 2);
    assert_eq!(status.records[0].record_type, DnsRecordType::Cname);
    assert_eq!(status.records[0].value, "fresh-17.example.net.");
    assert_eq!(status.records[1].to_string(), "_vercel.example.com TXT vc-domain-verify=chat.example.com,abc123");
}

#[tokio::test]
async fn apex_needs_rank_one_a_records_and_configured_means_verified_and_not_misconfigured() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v9/projects/prj_1/domains/example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(domain("example.com", "example.com", true)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v6/domains/example.com/config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "configuredBy": "A", "misconfigured": false,
            "recommendedIPv4": [{"rank": 2, "value": ["203.0.113.9"]}, {"rank": 1, "value": ["203.0.113.5", "203.0.113.6"]}],
            "recommendedCNAME": [{"rank": 1, "value": "x.example.net."}]})))
        .mount(&server)
        .await;
    let status = client.domains("prj_1").status("example.com").await.unwrap();
    assert!(status.is_configured());
    let shown: Vec<String> = status.records.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["example.com A 203.0.113.5", "example.com A 203.0.113.6"]);
}

#[tokio::test]
async fn bad_domains_are_refused_before_sending() {
    let (server, client) = setup().await;
    for bad in ["", "localhost", "https://x.com", "-a.example.com", "a..b.com", "x y.com"] {
        assert_eq!(
            client.domains("prj_1").add(bad).send().await.unwrap_err().kind(),
            &ErrorKind::InvalidInput,
            "{bad}"
        );
    }
    assert!(client.domains("prj_1").add("ok.example.com").redirect("x.example.com", 200).send().await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}
