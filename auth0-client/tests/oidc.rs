//! OIDC discovery, JWKS and RS256 verification against wiremock, with a real RSA key.

mod common;

use auth0_client::{Claims, ErrorKind, TokenVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use std::sync::OnceLock;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Key {
    kid: &'static str,
    encoding: EncodingKey,
    jwk: Value,
}

fn make_key(kid: &'static str) -> Key {
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let der = private.to_pkcs1_der().unwrap();
    let jwk = json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
    });
    Key { kid, encoding: EncodingKey::from_rsa_der(der.as_bytes()), jwk }
}

fn keys() -> &'static (Key, Key) {
    static KEYS: OnceLock<(Key, Key)> = OnceLock::new();
    KEYS.get_or_init(|| (make_key("key-1"), make_key("key-2")))
}

fn sign(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.into());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

async fn mount_discovery(server: &MockServer, issuer: &str) {
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": issuer,
            "jwks_uri": format!("{}/.well-known/jwks.json", server.uri()),
            "authorization_endpoint": format!("{}/authorize", server.uri()),
            "token_endpoint": format!("{}/oauth/token", server.uri()),
            "id_token_signing_alg_values_supported": ["RS256"],
        })))
        .mount(server)
        .await;
}

fn id_claims(issuer: &str, aud: Value, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": issuer, "sub": "auth0|1", "aud": aud, "iat": now, "exp": now + exp_offset, "email": "ada@example.com"})
}

#[tokio::test]
async fn discovery_jwks_and_verification_with_the_trailing_slash_issuer() {
    let (k1, _) = keys();
    let server = MockServer::start().await;
    let issuer = format!("{}/", server.uri());
    mount_discovery(&server, &issuer).await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": [k1.jwk]})))
        .mount(&server)
        .await;
    let auth0 = client(&server);
    let discovery = auth0.oidc().discovery().await.unwrap();
    assert_eq!(discovery.issuer, issuer);
    let verifier = auth0.oidc().verifier(["lobehub"]).await.unwrap();

    let good = sign(k1, &id_claims(&issuer, json!("lobehub"), 300));
    let claims: Claims = verifier.verify(&good).unwrap();
    assert_eq!(claims.sub, "auth0|1");
    // An access token with an array audience.
    let array_aud = sign(k1, &id_claims(&issuer, json!(["https://api", "lobehub"]), 300));
    assert!(verifier.verify::<Claims>(&array_aud).is_ok());

    let refused = |token: String| {
        let err = verifier.verify::<Claims>(&token).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidToken, "{err}");
        err.to_string()
    };
    // The issuer without its trailing slash is a different issuer.
    refused(sign(k1, &id_claims(issuer.trim_end_matches('/'), json!("lobehub"), 300)));
    refused(sign(k1, &id_claims(&issuer, json!("someone-else"), 300)));
    refused(sign(k1, &id_claims(&issuer, json!("lobehub"), -3_600)));
    // A tampered payload.
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(id_claims(&issuer, json!("lobehub"), 9_999).to_string());
    refused(parts.join("."));
    // HS256 with the public key as secret (algorithm confusion) is refused.
    let hs = jsonwebtoken::encode(
        &Header { kid: Some("key-1".into()), ..Header::new(Algorithm::HS256) },
        &id_claims(&issuer, json!("lobehub"), 300),
        &EncodingKey::from_secret(b"whatever"),
    )
    .unwrap();
    assert!(refused(hs).contains("not RS256"));
    // A verifier configured with the slash-less issuer refuses Auth0's tokens.
    let jwks = auth0.oidc().jwks().await.unwrap();
    let strict = TokenVerifier::new(issuer.trim_end_matches('/'), ["lobehub"], jwks);
    assert!(strict.verify::<Claims>(&good).is_err());
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_once() {
    let (k1, k2) = keys();
    let server = MockServer::start().await;
    let issuer = format!("{}/", server.uri());
    mount_discovery(&server, &issuer).await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": [k1.jwk]})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": [k1.jwk, k2.jwk]})))
        .mount(&server)
        .await;
    let verifier = client(&server).oidc().verifier(["lobehub"]).await.unwrap();
    let rotated = sign(k2, &id_claims(&issuer, json!("lobehub"), 300));
    assert!(verifier.verify::<Claims>(&rotated).unwrap_err().message().contains("unknown signing key"));
    let claims: Claims = verifier.verify_refreshing(&rotated).await.unwrap();
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
    let jwks_fetches =
        server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/.well-known/jwks.json").count();
    assert_eq!(jwks_fetches, 2);
}

#[tokio::test]
async fn a_discovery_document_for_another_issuer_is_refused() {
    let server = MockServer::start().await;
    mount_discovery(&server, "https://evil.example.com/").await;
    let err = client(&server).oidc().discovery().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Decode);
    assert!(err.to_string().contains("evil.example.com"));
}
