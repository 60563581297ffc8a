//! OSS's own request signatures, V1 (`OSS <ak>:<sig>`, HMAC-SHA1) and V4 (`OSS4-HMAC-SHA256`), canonicalised
//! and verified by the simulator itself: nothing here comes from `oss-client`, so a canonicalisation bug in the
//! client fails a client-vs-simulator test instead of being mirrored.
//!
//! Written from the OSS documentation as summarised in `shared/reference/aliyun-oss-ram.md` §1 (V1 header:
//! "Add a signature to the header"; V1 query: "Add signatures to a URL"; V4: "Recommend to use signature
//! version 4") and checked on every OSS vector of `shared/reference/test-vectors.md` (§1–§6, in `signature/tests.rs`).

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// RFC 3986 unreserved characters are kept (`A-Z a-z 0-9 - _ . ~`); everything else is `%XX` (upper case).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// As [`UNRESERVED`], keeping `/` too (the V4 canonical URI).
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Percent-encodes `s` per RFC 3986 (`keep_slash`: leave `/` as is).
pub(crate) fn uri_encode(s: &str, keep_slash: bool) -> String {
    let set = if keep_slash { UNRESERVED_AND_SLASH } else { UNRESERVED };
    utf8_percent_encode(s, set).to_string()
}

/// Decodes a percent-encoded path or query component; `plus_is_space` for query components (`oss2` sends
/// `prefix=a+b%2F` meaning `a b/`, field-truth §2.3). `None` when the bytes are not UTF-8.
pub(crate) fn decode_component(s: &str, plus_is_space: bool) -> Option<String> {
    let replaced;
    let s = if plus_is_space && s.contains('+') {
        replaced = s.replace('+', " ");
        replaced.as_str()
    } else {
        s
    };
    percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned())
}

/// A header's values joined with `,`, trimmed (repeated headers are joined, as go-sdk-v2 signs them).
fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::trim).collect();
    (!values.is_empty()).then(|| values.join(","))
}

pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time comparison of a provided signature with the expected one.
pub(crate) fn same_signature(expected: &str, provided: &str) -> bool {
    expected.len() == provided.len()
        && expected.bytes().zip(provided.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

pub(crate) mod v1;
pub(crate) mod v4;

#[cfg(test)]
mod tests;
