//! Tokens and scopes: the tenant's RS256 signing key (published in the JWKS), the claims of issued ID tokens,
//! validation of Management API bearer tokens (issuer, audience `{issuer}api/v2/`, expiry) and the scope checks
//! each operation makes (403 `insufficient_scope` naming the unmet group).

use super::Auth0Simulator;
use super::render::api_error;
use super::state::{User, now_secs};
use crate::server::{SimRequest, SimResponse, lock};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

pub(super) struct SigningKey {
    pub(super) kid: String,
    pub(super) encoding: EncodingKey,
    pub(super) decoding: DecodingKey,
    pub(super) n: String,
    pub(super) e: String,
}

pub(super) fn generate_key() -> SigningKey {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    let mut rng = rand::thread_rng();
    // Generation only fails for unusable sizes; 2048 is fixed.
    let private = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA-2048 key generation");
    let der = private.to_pkcs1_der().expect("PKCS#1 encoding of a fresh key");
    let n = private.n().to_bytes_be();
    let e = private.e().to_bytes_be();
    SigningKey {
        kid: format!("sim-{:016x}", fastrand::u64(..)),
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        decoding: DecodingKey::from_rsa_raw_components(&n, &e),
        n: URL_SAFE_NO_PAD.encode(&n),
        e: URL_SAFE_NO_PAD.encode(&e),
    }
}

/// The token's granted scopes.
pub(super) struct Caller {
    pub(super) scopes: Vec<String>,
}

impl Caller {
    pub(super) fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Each group must be met by one of its scopes; the 403 names the first unmet group.
    pub(super) fn require(&self, groups: &[&[&str]]) -> Result<(), SimResponse> {
        for group in groups {
            if !group.iter().any(|s| self.has(s)) {
                return Err(api_error(
                    403,
                    &format!("Insufficient scope, expected any of: {}", group.join(",")),
                    Some("insufficient_scope"),
                ));
            }
        }
        Ok(())
    }
}

pub(super) fn id_token_claims(issuer: &str, client_id: &str, user: &User, lifetime: i64) -> Value {
    let now = now_secs();
    json!({
        "iss": issuer,
        "sub": user.json.get("user_id"),
        "aud": client_id,
        "iat": now,
        "exp": now + lifetime,
        "email": user.email,
        "email_verified": user.json.get("email_verified"),
        "name": user.json.get("name"),
    })
}

impl Auth0Simulator {
    /// base URL plus `/`), for verifier tests.
    pub fn issue_id_token(&self, issuer: &str, client_id: &str, user_id: &str) -> Option<String> {
        let st = lock(&self.state);
        let user = st.user(user_id)?;
        let claims = id_token_claims(issuer, client_id, user, st.token_lifetime);
        drop(st);
        self.sign(&claims)
    }

    pub(super) fn sign(&self, claims: &Value) -> Option<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key.encoding).ok()
    }

    pub(super) fn issuer(request: &SimRequest) -> String {
        format!("http://{}/", request.header("host").unwrap_or("127.0.0.1"))
    }

    pub(super) fn authenticate(&self, request: &SimRequest) -> Result<Caller, SimResponse> {
        let Some(token) = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")) else {
            return Err(api_error(401, "Missing authentication", None));
        };
        let issuer = Self::issuer(request);
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.set_issuer(&[issuer.as_str()]);
        validation.set_audience(&[format!("{issuer}api/v2/")]);
        match jsonwebtoken::decode::<Value>(token.trim(), &self.key.decoding, &validation) {
            Ok(data) => {
                let scopes = data.claims.get("scope").and_then(Value::as_str).unwrap_or_default();
                Ok(Caller { scopes: scopes.split_whitespace().map(str::to_string).collect() })
            }
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(api_error(401, "Expired token received for JSON Web Token validation", None))
            }
            Err(_) => Err(api_error(401, "Invalid token", None)),
        }
    }
}
