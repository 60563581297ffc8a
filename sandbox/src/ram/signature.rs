//! The two request signatures RAM accepts, computed the way the service documents them — the simulator's own
//! code, independent of any client's signer.
//!
//! - **RPC V2** (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`): every parameter but `Signature`,
//!   percent-encoded per RFC 3986 (`A-Z a-z 0-9 - _ . ~` kept, space as `%20`, `*` as `%2A`), sorted by encoded
//!   name, joined `k=v&…`; the string to sign is `METHOD&%2F&` + the encoded canonical query; the signature is
//!   base64(HMAC-SHA1(secret + "&", string to sign)). Source: RAM "Signature mechanism"
//!   (AlibabaCloudDocs/ram `intl.en-US/API Reference/Calling methods/Signature mechanism.md`); vectors R-1…R-5 in
//!   `shared/reference/test-vectors.md` §7.
//! - **OpenAPI V3** (`ACS3-HMAC-SHA256`): the canonical request `METHOD\nPATH\nQUERY\nHEADERS\nSIGNED\nHASH`
//!   (query pairs encoded and sorted, headers lowercased `name:trimmed-value\n` in sorted order, `HASH` =
//!   `x-acs-content-sha256` = hex SHA-256 of the body), string to sign `ACS3-HMAC-SHA256\n` + hex SHA-256 of
//!   it, signature hex HMAC-SHA256(secret, string to sign). Source: "V3 request signature"
//!   (help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature); vectors A-1, A-2 in §8.
//!
//! ```
//! use sandbox::ram::signature::{rpc_signature, rpc_string_to_sign};
//! let params = [("Action", "CreateUser"), ("UserName", "test")];
//! let sts = rpc_string_to_sign("GET", params.iter().map(|(k, v)| (*k, *v)));
//! assert_eq!(sts, "GET&%2F&Action%3DCreateUser%26UserName%3Dtest");
//! assert_eq!(rpc_signature("testsecret", &sts).len(), 28);
//! ```

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The algorithm name of the V3 signature (`Authorization: ACS3-HMAC-SHA256 Credential=…`).
pub const ACS3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// RFC 3986 percent-encoding as Aliyun's signatures use it: unreserved `A-Z a-z 0-9 - _ . ~` kept, every other
/// byte of the UTF-8 form as `%XX` (so space is `%20`, `*` is `%2A`, `/` is `%2F`).
///
/// ```
/// assert_eq!(sandbox::ram::signature::percent_encode("a b*~/é"), "a%20b%2A~%2F%C3%A9");
/// ```
pub fn percent_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// `k=v&…` of the pairs encoded with [`percent_encode`] and sorted by encoded name (then value).
fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> =
        pairs.into_iter().map(|(k, v)| (percent_encode(k), percent_encode(v))).collect();
    encoded.sort();
    encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The RPC V2 string to sign for `method` (`GET` or `POST`) and every request parameter (query and form
/// together); a `Signature` parameter among them is left out.
pub fn rpc_string_to_sign<'a>(method: &str, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let query = canonical_query(params.into_iter().filter(|(k, _)| *k != "Signature"));
    format!("{method}&%2F&{}", percent_encode(&query))
}

/// The RPC V2 signature: base64 of HMAC-SHA1 keyed with `secret + "&"`.
pub fn rpc_signature(secret: &str, string_to_sign: &str) -> String {
    let mut key = secret.as_bytes().to_vec();
    key.push(b'&');
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The parts of a request the V3 canonical request is built from.
#[derive(Debug, Clone)]
pub struct Acs3Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path as sent (`/` for RPC-style APIs such as RAM).
    pub path: &'a str,
    /// The decoded query pairs.
    pub query: Vec<(&'a str, &'a str)>,
    /// The signed headers: lowercase name and value; a name given several times is joined with `,`.
    pub signed_headers: Vec<(String, String)>,
    /// `x-acs-content-sha256`: hex SHA-256 of the body.
    pub content_sha256: &'a str,
}

/// The V3 canonical request.
pub fn acs3_canonical_request(r: &Acs3Request<'_>) -> String {
    let mut headers: Vec<(String, String)> =
        r.signed_headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string())).collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        match merged.last_mut() {
            Some((last, joined)) if *last == name => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => merged.push((name, value)),
        }
    }
    let canonical_headers: String = merged.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed = merged.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed}\n{}",
        r.method,
        r.path,
        canonical_query(r.query.iter().copied()),
        r.content_sha256
    )
}

/// The V3 string to sign: `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
pub fn acs3_string_to_sign(canonical_request: &str) -> String {
    format!("{ACS3_ALGORITHM}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())))
}

/// The V3 signature: hex HMAC-SHA256 keyed with the secret.
pub fn acs3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Hex SHA-256 of a body (`x-acs-content-sha256`).
pub fn content_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Constant-time comparison of two signatures (no early exit on the first differing byte).
pub fn signatures_match(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (method, parameters, string to sign, signature) — test-vectors.md §7, key `testid` / `testsecret`.
    type RpcVector = (&'static str, Vec<(&'static str, &'static str)>, &'static str, &'static str);

    fn rpc_vectors() -> Vec<RpcVector> {
        vec![
            (
                "GET",
                vec![
                    ("UserName", "test"),
                    ("SignatureVersion", "1.0"),
                    ("Format", "JSON"),
                    ("Timestamp", "2015-08-18T03:15:45Z"),
                    ("AccessKeyId", "testid"),
                    ("SignatureMethod", "HMAC-SHA1"),
                    ("Version", "2015-05-01"),
                    ("Action", "CreateUser"),
                    ("SignatureNonce", "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"),
                ],
                "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp%3D2015-08-18T03%253A15%253A45Z%26UserName%3Dtest%26Version%3D2015-05-01",
                "kRA2cnpJVacIhDMzXnoNZG9tDCI=",
            ),
            (
                "GET",
                vec![
                    ("Timestamp", "2016-02-23T12:46:24Z"),
                    ("Format", "XML"),
                    ("AccessKeyId", "testid"),
                    ("Action", "DescribeRegions"),
                    ("SignatureMethod", "HMAC-SHA1"),
                    ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
                    ("Version", "2014-05-26"),
                    ("SignatureVersion", "1.0"),
                ],
                "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
                "OLeaidS1JvxuMvnyHOwuJ+uX5qY=",
            ),
            (
                "POST",
                vec![
                    ("Timestamp", "2016-02-23T12:46:24Z"),
                    ("Format", "XML"),
                    ("AccessKeyId", "testid"),
                    ("Action", "DescribeRegions"),
                    ("SignatureMethod", "HMAC-SHA1"),
                    ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
                    ("Version", "2014-05-26"),
                    ("SignatureVersion", "1.0"),
                ],
                "POST&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
                "MxbnVAM4w6sft9xjVpe/GCKueuk=",
            ),
            (
                "POST",
                vec![
                    ("Action", "CreatePolicy"),
                    ("PolicyName", "lobechat-oss-rw"),
                    ("Description", "LobeChat OSS access"),
                    (
                        "PolicyDocument",
                        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject","oss:PutObject"],"Resource":["acs:oss:*:*:lobechat-assets/*"]}]}"#,
                    ),
                    ("Format", "JSON"),
                    ("Version", "2015-05-01"),
                    ("AccessKeyId", "testid"),
                    ("SignatureMethod", "HMAC-SHA1"),
                    ("SignatureVersion", "1.0"),
                    ("SignatureNonce", "c1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0002"),
                    ("Timestamp", "2025-01-01T00:00:00Z"),
                ],
                "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCreatePolicy%26Description%3DLobeChat%2520OSS%2520access%26Format%3DJSON%26PolicyDocument%3D%257B%2522Version%2522%253A%25221%2522%252C%2522Statement%2522%253A%255B%257B%2522Effect%2522%253A%2522Allow%2522%252C%2522Action%2522%253A%255B%2522oss%253AGetObject%2522%252C%2522oss%253APutObject%2522%255D%252C%2522Resource%2522%253A%255B%2522acs%253Aoss%253A%252A%253A%252A%253Alobechat-assets%252F%252A%2522%255D%257D%255D%257D%26PolicyName%3Dlobechat-oss-rw%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0002%26SignatureVersion%3D1.0%26Timestamp%3D2025-01-01T00%253A00%253A00Z%26Version%3D2015-05-01",
                "LSX3B320FYXmrKelmthQrumJ/8Q=",
            ),
            (
                "GET",
                vec![
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
                ],
                "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26DisplayName%3DLobeChat%2520OSS%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0001%26SignatureVersion%3D1.0%26Timestamp%3D2025-01-01T00%253A00%253A00Z%26UserName%3Dlobechat-oss%26Version%3D2015-05-01",
                "jOTpJ4bsQOG+9ihU3xeC3Qk1pYk=",
            ),
        ]
    }

    #[test]
    fn rpc_v2_vectors_r1_to_r5() {
        for (i, (method, params, sts, signature)) in rpc_vectors().into_iter().enumerate() {
            let got = rpc_string_to_sign(method, params.iter().copied());
            assert_eq!(got, sts, "R-{} string to sign", i + 1);
            assert_eq!(rpc_signature("testsecret", &got), signature, "R-{} signature", i + 1);
            // A Signature parameter among the inputs is not signed.
            let with_sig = params.iter().copied().chain([("Signature", signature)]);
            assert_eq!(rpc_string_to_sign(method, with_sig), sts, "R-{} ignores Signature", i + 1);
        }
    }

    const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn acs3_headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn acs3_vector_a1_runinstances() {
        let r = Acs3Request {
            method: "POST",
            path: "/",
            query: vec![
                ("RegionId", "cn-shanghai"),
                ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
            ],
            signed_headers: acs3_headers(&[
                ("host", "ecs.cn-shanghai.aliyuncs.com"),
                ("x-acs-action", "RunInstances"),
                ("x-acs-version", "2014-05-26"),
                ("x-acs-date", "2023-10-26T09:01:01Z"),
                ("x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"),
                ("x-acs-content-sha256", EMPTY_SHA),
            ]),
            content_sha256: EMPTY_SHA,
        };
        let canonical = acs3_canonical_request(&r);
        assert_eq!(
            canonical,
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\nhost:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2023-10-26T09:01:01Z\nx-acs-signature-nonce:d410180a5abf7fe235dd9b74aca91fc0\nx-acs-version:2014-05-26\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let sts = acs3_string_to_sign(&canonical);
        assert_eq!(sts, "ACS3-HMAC-SHA256\n29622f5feb1e9fcaaa2e276a72889c975f7b16f00e02be1ca34965b18cd85015");
        assert_eq!(
            acs3_signature("YourAccessKeySecret", &sts),
            "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"
        );
    }

    #[test]
    fn acs3_vector_a2_ram_createuser() {
        let r = Acs3Request {
            method: "POST",
            path: "/",
            query: vec![("UserName", "lobechat-oss"), ("DisplayName", "LobeChat OSS")],
            signed_headers: acs3_headers(&[
                ("x-acs-version", "2015-05-01"),
                ("host", "ram.aliyuncs.com"),
                ("x-acs-action", "CreateUser"),
                ("x-acs-date", "2025-01-01T00:00:00Z"),
                ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
                ("x-acs-content-sha256", EMPTY_SHA),
            ]),
            content_sha256: EMPTY_SHA,
        };
        let sts = acs3_string_to_sign(&acs3_canonical_request(&r));
        assert_eq!(sts, "ACS3-HMAC-SHA256\n4d85372823c8dbecebdd9a3df722a8062f1a1c777c34cde78303e064611bc015");
        assert_eq!(
            acs3_signature("testsecret", &sts),
            "826e059a72794be9ada5ef5483b7fa3640ef397f3e51da4bba41c34ec662024d"
        );
        assert_eq!(content_sha256(b""), EMPTY_SHA);
    }

    #[test]
    fn comparison_and_encoding() {
        assert!(signatures_match("abc", "abc"));
        assert!(!signatures_match("abc", "abd"));
        assert!(!signatures_match("abc", "ab"));
        assert_eq!(percent_encode("-_.~AZaz09"), "-_.~AZaz09");
        assert_eq!(percent_encode("+=&%"), "%2B%3D%26%25");
    }
}
