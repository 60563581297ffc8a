//! The RFC 3986 percent-encoding that both RPC signatures (V2 and ACS3) use.
//!
//! Unreserved characters `A-Z a-z 0-9 - _ . ~` stay as they are; every other UTF-8 byte becomes `%XY` with
//! upper-case hex. So a space is `%20` (never `+`), `*` is `%2A` and `~` stays `~`.

/// Percent-encodes `s` as the Aliyun RPC signatures require.
///
/// ```
/// use oss_client::ram::encoding::percent_encode;
/// assert_eq!(percent_encode("a b*c~"), "a%20b%2Ac~");
/// assert_eq!(percent_encode("2015-08-18T03:15:45Z"), "2015-08-18T03%3A15%3A45Z");
/// assert_eq!(percent_encode("é"), "%C3%A9");
/// ```
pub fn percent_encode(s: &str) -> String {
    // The same encoder as the OSS V4 signature's (one implementation for the crate).
    crate::signing::encoding::encode(s)
}

/// The canonical query of the RPC signatures: each key and value percent-encoded, sorted by encoded key (then
/// value), `k=v` joined with `&`. An empty value gives `k=`.
///
/// ```
/// use oss_client::ram::encoding::canonical_query;
/// let params = [("b", "2"), ("a", "x y")];
/// assert_eq!(canonical_query(params.iter().map(|(k, v)| (*k, *v))), "a=x%20y&b=2");
/// ```
pub fn canonical_query<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    crate::signing::encoding::canonical_query(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_unreserved() {
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(percent_encode("/:+=&%"), "%2F%3A%2B%3D%26%25");
    }
}
