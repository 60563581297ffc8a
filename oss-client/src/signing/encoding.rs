//! RFC 3986 percent-encoding as OSS signatures need it: every byte except the unreserved characters
//! `A-Z a-z 0-9 - _ . ~` is escaped as `%XX` (upper-case hex), so a space is `%20` and `+` is `%2B`.
//!
//! ```
//! use oss_client::signing::encoding::{encode, encode_path};
//! assert_eq!(encode("a b+c/d"), "a%20b%2Bc%2Fd");
//! assert_eq!(encode_path("/bucket/files/a b/测试.png"), "/bucket/files/a%20b/%E6%B5%8B%E8%AF%95.png");
//! ```

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but the RFC 3986 unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// As [`UNRESERVED`], but `/` is kept (object keys and canonical URIs).
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Percent-encodes `value` (query keys and values, the V4 canonical query).
///
/// ```
/// assert_eq!(oss_client::signing::encoding::encode("|param1"), "%7Cparam1");
/// ```
pub fn encode(value: &str) -> String {
    std::borrow::Cow::from(utf8_percent_encode(value, UNRESERVED)).into_owned()
}

/// Percent-encodes a path, keeping `/` (object keys on the wire, the V4 canonical URI).
///
/// ```
/// assert_eq!(oss_client::signing::encoding::encode_path("1234+-/123/1.txt"), "1234%2B-/123/1.txt");
/// ```
pub fn encode_path(path: &str) -> String {
    std::borrow::Cow::from(utf8_percent_encode(path, PATH)).into_owned()
}

/// Decodes a percent-encoded string (as the simulator reads a request path); `None` if it is not UTF-8.
///
/// ```
/// assert_eq!(oss_client::signing::encoding::decode("a%20b%2B").as_deref(), Some("a b+"));
/// ```
pub fn decode(value: &str) -> Option<String> {
    percent_encoding::percent_decode_str(value).decode_utf8().ok().map(|c| c.into_owned())
}

/// The canonical query shared by the signatures of this crate (AWS SigV4, RPC V2 and ACS3): each key and value
/// [`encode`]d, sorted by encoded key (then value), `k=v` joined with `&`; an empty value gives `k=`.
///
/// ```
/// let q = oss_client::signing::encoding::canonical_query([("x-id", "PutObject"), ("acl", ""), ("a b", "~/")]);
/// assert_eq!(q, "a%20b=~%2F&acl=&x-id=PutObject");
/// ```
pub fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> = pairs.into_iter().map(|(k, v)| (encode(k), encode(v))).collect();
    encoded.sort();
    let mut out = String::with_capacity(encoded.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn is_unreserved(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')
    }

    proptest! {
        #[test]
        fn encode_round_trips(s in "\\PC*") {
            let plain = decode(&encode(&s));
            let path = decode(&encode_path(&s));
            prop_assert_eq!(plain.as_deref(), Some(s.as_str()));
            prop_assert_eq!(path.as_deref(), Some(s.as_str()));
        }

        #[test]
        fn encoded_output_is_unreserved_or_escapes(s in "\\PC*") {
            let out = encode(&s);
            let mut chars = out.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '%' {
                    let hi = chars.next();
                    let lo = chars.next();
                    prop_assert!(hi.is_some_and(|h| h.is_ascii_digit() || ('A'..='F').contains(&h)));
                    prop_assert!(lo.is_some_and(|l| l.is_ascii_digit() || ('A'..='F').contains(&l)));
                } else {
                    prop_assert!(is_unreserved(c), "unescaped {c:?} in {out}");
                }
            }
        }

        #[test]
        fn unreserved_strings_are_unchanged(s in "[A-Za-z0-9._~-]*") {
            prop_assert_eq!(encode(&s), s.clone());
            prop_assert_eq!(encode_path(&s), s);
        }

        #[test]
        fn path_encoding_keeps_slashes_only(s in "\\PC*") {
            let out = encode_path(&s);
            prop_assert_eq!(out.matches('/').count(), s.matches('/').count());
            prop_assert_eq!(out.replace('/', "%2F"), encode(&s));
        }
    }

    #[test]
    fn space_plus_and_star() {
        assert_eq!(encode(" "), "%20");
        assert_eq!(encode("+"), "%2B");
        assert_eq!(encode("*"), "%2A");
        assert_eq!(encode("~"), "~");
    }
}
