//! The secrets the tool generates — `KEY_VAULTS_SECRET`, `AUTH_SECRET` (and the legacy `NEXT_AUTH_SECRET`),
//! `JWKS_KEY` — with a CSPRNG, exactly once; and the checks that tell whether an existing value is well formed.

use aws_lc_rs::encoding::AsDer as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use pkcs1::der::Decode as _;
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// 32 random bytes from the operating system's CSPRNG, base64-encoded: the `openssl rand -base64 32` of the
/// guides, for `KEY_VAULTS_SECRET`, `AUTH_SECRET` and `NEXT_AUTH_SECRET`. The bytes come from aws-lc-rs'
/// `rand::fill` (the system generator, as OpenSSL's); it panics only if the operating system has no usable random
/// source, where nothing safe can be generated.
///
/// ```
/// use secrecy::ExposeSecret;
/// let s = provision::secrets::random_base64_32();
/// assert_eq!(provision::secrets::key_vaults_secret_len(s.expose_secret()), Ok(32));
/// ```
pub fn random_base64_32() -> SecretString {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("the operating system's random source failed");
    let encoded = STANDARD.encode(bytes);
    bytes.fill(0);
    SecretString::from(encoded)
}

/// The decoded length of a `KEY_VAULTS_SECRET` when it is valid base64 of 16, 24 or 32 bytes (what LobeHub's
/// AES-GCM key import accepts); otherwise a description of the problem (never containing the value).
///
/// ```
/// use provision::secrets::key_vaults_secret_len;
/// assert_eq!(key_vaults_secret_len("AAAAAAAAAAAAAAAAAAAAAA=="), Ok(16));
/// assert!(key_vaults_secret_len("not base64!").is_err());
/// assert!(key_vaults_secret_len("AAAA").is_err());
/// ```
pub fn key_vaults_secret_len(value: &str) -> Result<usize, String> {
    let bytes = STANDARD.decode(value.trim()).map_err(|_| "is not valid base64".to_string())?;
    match bytes.len() {
        16 | 24 | 32 => Ok(bytes.len()),
        n => Err(format!("decodes to {n} bytes; it must decode to 16, 24 or 32 bytes")),
    }
}

/// A one-line JWKS holding one freshly generated RSA-2048 private key (`kty RSA`, `alg RS256`, `use sig`, `kid`
/// = the first 16 hex digits of its RFC 7638 thumbprint), as LobeHub's `JWKS_KEY` expects.
///
/// ```
/// use secrecy::ExposeSecret;
/// let jwks = provision::secrets::generate_jwks_key().unwrap();
/// assert!(provision::secrets::check_jwks_key(jwks.expose_secret()).is_ok());
/// assert!(!jwks.expose_secret().contains('\n'));
/// ```
pub fn generate_jwks_key() -> Result<SecretString, String> {
    // aws-lc-rs generates the key (2048-bit modulus, e = 65537) and exports it only as PKCS#8 (RFC 5208); its
    // `privateKey` OCTET STRING is the PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2) holding every JWK member
    // (RFC 7518 §6.3). Both are decoded by RustCrypto's `pkcs8`/`pkcs1`, which check the DER.
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|_| "RSA key generation failed".to_string())?;
    let pkcs8_der = pair.as_der().map_err(|_| "RSA key export (PKCS#8) failed".to_string())?;
    let info = pkcs8::PrivateKeyInfo::from_der(pkcs8_der.as_ref())
        .map_err(|e| format!("the generated key is not valid PKCS#8: {e}"))?;
    let key = pkcs1::RsaPrivateKey::from_der(info.private_key)
        .map_err(|e| format!("the generated key is not a valid PKCS#1 RSAPrivateKey: {e}"))?;
    if key.other_prime_infos.is_some() {
        return Err("RSA key generation returned more than two primes".into());
    }
    // `UintRef` holds the big-endian magnitude without leading zeros: RFC 7518 §6.3's Base64urlUInt.
    let b64 = |n: pkcs1::UintRef<'_>| URL_SAFE_NO_PAD.encode(n.as_bytes());
    let (n, e) = (b64(key.modulus), b64(key.public_exponent));
    let thumbprint = Sha256::digest(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#).as_bytes());
    let kid = hex::encode(&thumbprint[..8]);
    let jwk = json!({
        "kty": "RSA",
        "n": n,
        "e": e,
        "d": b64(key.private_exponent),
        "p": b64(key.prime1),
        "q": b64(key.prime2),
        "dp": b64(key.exponent1),
        "dq": b64(key.exponent2),
        "qi": b64(key.coefficient),
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
    });
    Ok(SecretString::from(json!({ "keys": [jwk] }).to_string()))
}

/// Checks a `JWKS_KEY` value the way LobeHub uses it: one line of JSON, a non-empty `keys` array, some key with
/// `kty RSA` and `alg RS256` that is private (`d` present) with a modulus of at least 2048 bits. The error never
/// contains key material.
///
/// ```
/// assert!(provision::secrets::check_jwks_key(r#"{"keys":[]}"#).is_err());
/// assert!(provision::secrets::check_jwks_key("not json").is_err());
/// ```
pub fn check_jwks_key(value: &str) -> Result<(), String> {
    if value.contains('\n') {
        return Err("spans several lines; it must be a single line of JSON".into());
    }
    let parsed: Value = serde_json::from_str(value).map_err(|_| "is not valid JSON".to_string())?;
    let keys = parsed.get("keys").and_then(Value::as_array).ok_or("has no `keys` array")?;
    if keys.is_empty() {
        return Err("has an empty `keys` array".into());
    }
    let rsa = keys
        .iter()
        .find(|k| {
            k.get("kty").and_then(Value::as_str) == Some("RSA") && k.get("alg").and_then(Value::as_str) == Some("RS256")
        })
        .ok_or("has no key with kty RSA and alg RS256")?;
    if rsa.get("d").and_then(Value::as_str).is_none() {
        return Err("holds a public key only; LobeHub needs the private key (`d`, `p`, `q`, …)".into());
    }
    let modulus = rsa.get("n").and_then(Value::as_str).ok_or("has an RSA key without `n`")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(modulus.trim_end_matches('='))
        .map_err(|_| "has an `n` that is not base64url".to_string())?;
    if bytes.len() * 8 < 2048 {
        return Err(format!("has a {}-bit RSA key; use 2048 bits or more", bytes.len() * 8));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn generated_secrets_differ() {
        let a = random_base64_32();
        let b = random_base64_32();
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn generated_jwks_is_valid_and_signs() {
        let jwks = generate_jwks_key().unwrap();
        check_jwks_key(jwks.expose_secret()).unwrap();
        let v: Value = serde_json::from_str(jwks.expose_secret()).unwrap();
        assert_eq!(v["keys"][0]["kid"].as_str().unwrap().len(), 16);
        assert_eq!(v["keys"][0]["use"], "sig");
        assert_eq!(v["keys"][0]["e"], "AQAB");
    }

    /// The JWK's private members are one consistent key: rebuilt from them (aws-lc checks the CRT values), it
    /// signs an RS256 message that its public members (`n`, `e`) verify; the `kid` is the RFC 7638 thumbprint.
    #[test]
    fn generated_jwk_members_form_one_key() {
        use aws_lc_rs::rsa::{KeyPair, KeyPairComponents, PublicKeyComponents};
        use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
        let jwks = generate_jwks_key().unwrap();
        let v: Value = serde_json::from_str(jwks.expose_secret()).unwrap();
        let k = &v["keys"][0];
        let m = |name: &str| URL_SAFE_NO_PAD.decode(k[name].as_str().unwrap()).unwrap();
        assert_eq!(m("n").len(), 256);
        let public = PublicKeyComponents { n: m("n"), e: m("e") };
        let (d, p, q, dp, dq, qi) = (m("d"), m("p"), m("q"), m("dp"), m("dq"), m("qi"));
        let pair = KeyPair::from_components(&KeyPairComponents {
            public_key: PublicKeyComponents { n: &public.n[..], e: &public.e[..] },
            d: &d[..],
            p: &p[..],
            q: &q[..],
            dP: &dp[..],
            dQ: &dq[..],
            qInv: &qi[..],
        })
        .unwrap();
        let mut sig = vec![0; pair.public_modulus_len()];
        pair.sign(&RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), b"lobehub", &mut sig).unwrap();
        public.verify(&RSA_PKCS1_2048_8192_SHA256, b"lobehub", &sig).unwrap();
        let thumbprint = Sha256::digest(
            format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, k["e"].as_str().unwrap(), k["n"].as_str().unwrap())
                .as_bytes(),
        );
        assert_eq!(k["kid"].as_str().unwrap(), hex::encode(&thumbprint[..8]));
    }

    #[test]
    fn small_or_public_keys_are_refused() {
        let public_only = r#"{"keys":[{"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"}]}"#;
        assert!(check_jwks_key(public_only).unwrap_err().contains("public key only"));
        let small = r#"{"keys":[{"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB","d":"AQAB"}]}"#;
        assert!(check_jwks_key(small).unwrap_err().contains("bit RSA key"));
    }
}
