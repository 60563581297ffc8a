//! Property tests of the RFC 3986 encoder and the canonical query the RPC signatures are computed over.

use oss_client::ram::encoding::{canonical_query, percent_encode};
use oss_client::ram::signing::v2_string_to_sign;
use oss_client::ram::{PolicyDocument, RpcMethod, Statement};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.~".contains(c)
}

proptest! {
    #[test]
    fn decoding_undoes_encoding(s in "\\PC*") {
        let encoded = percent_encode(&s);
        prop_assert_eq!(percent_decode_str(&encoded).decode_utf8().unwrap(), s.as_str());
    }

    #[test]
    fn output_is_unreserved_or_uppercase_escapes(s in "\\PC*") {
        let encoded = percent_encode(&s);
        let bytes = encoded.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                prop_assert!(i + 2 < bytes.len() + 1 && bytes.len() >= i + 3);
                for b in &bytes[i + 1..i + 3] {
                    prop_assert!(b.is_ascii_digit() || (b'A'..=b'F').contains(b), "upper-case hex in {}", encoded);
                }
                i += 3;
            } else {
                prop_assert!(is_unreserved(bytes[i] as char), "{} in {}", bytes[i] as char, encoded);
                i += 1;
            }
        }
    }

    #[test]
    fn unreserved_text_is_untouched(s in "[A-Za-z0-9._~-]*") {
        prop_assert_eq!(percent_encode(&s), s);
    }

    #[test]
    fn star_space_plus_and_tilde(prefix in "[a-z]{0,5}", suffix in "[a-z]{0,5}") {
        let star = format!("{prefix}*{suffix}");
        prop_assert_eq!(percent_encode(&star), format!("{prefix}%2A{suffix}"));
        let space = format!("{prefix} {suffix}");
        prop_assert_eq!(percent_encode(&space), format!("{prefix}%20{suffix}"));
        let plus = format!("{prefix}+{suffix}");
        prop_assert_eq!(percent_encode(&plus), format!("{prefix}%2B{suffix}"));
        let tilde = format!("{prefix}~{suffix}");
        prop_assert_eq!(percent_encode(&tilde), tilde.clone());
    }

    #[test]
    fn canonical_query_ignores_input_order(mut pairs in prop::collection::btree_map("[A-Za-z][A-Za-z0-9]{0,8}", "\\PC{0,12}", 0..8)
        .prop_map(|m| m.into_iter().collect::<Vec<_>>()), seed in any::<u64>()) {
        let sorted = canonical_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        // A deterministic shuffle.
        let n = pairs.len();
        if n > 1 {
            for i in 0..n {
                let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % n as u64) as usize;
                pairs.swap(i, j);
            }
        }
        let shuffled = canonical_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        prop_assert_eq!(sorted, shuffled);
    }

    /// JSON parameters are encoded twice in the V2 string to sign: `{` → `%7B` in the query → `%257B`.
    #[test]
    fn json_parameters_are_double_encoded(bucket in "[a-z0-9][a-z0-9-]{1,20}[a-z0-9]", action in "[A-Z][a-zA-Z]{2,10}") {
        let doc = PolicyDocument::new().statement(Statement::allow().action(format!("oss:{action}")).resource(format!("acs:oss:*:*:{bucket}/*")));
        let json = doc.to_json().unwrap();
        let sts = v2_string_to_sign(RpcMethod::Post, [("PolicyDocument", json.as_str())]);
        let expected_value = percent_encode(&percent_encode(&json));
        prop_assert_eq!(sts, format!("POST&%2F&PolicyDocument%3D{expected_value}"));
        prop_assert!(expected_value.starts_with("%257B%2522Version%2522%253A%25221%2522"));
        prop_assert!(expected_value.contains("%252A"), "`*` is %2A, then %252A");
    }
}
