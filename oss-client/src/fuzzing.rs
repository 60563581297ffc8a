//! Entry points for the fuzz targets in the workspace's `fuzz/` crate: the response parsers exactly as the clients
//! run them on a response body. Not a stable API.
#![allow(missing_docs)]

use crate::bucket::{AccessControlPolicy, BucketInfo, CorsConfiguration};
use crate::error::Error;
use crate::service::ListBucketsPage;
use cloud_http::RawResponse;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;

/// A secret the fuzz targets plant in bodies; it must never come out of an error's `Display` or `Debug`.
pub const PLANTED_SECRET: &str = "fuzz-planted-secret-Zq8w";

fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(*name), HeaderValue::from_str(value)) {
            map.append(name, value);
        }
    }
    RawResponse::new(status, map, bytes::Bytes::copy_from_slice(body))
}

/// The OSS error for a non-2xx answer (the `<Error>` document, or the status and headers of a HEAD).
pub fn oss_error(status: u16, is_head: bool, has_key: bool, headers: &[(&str, &str)], body: &[u8]) -> Error {
    let ctx = crate::xml::ErrorContext {
        operation: "Fuzz",
        is_head,
        has_key,
        secrets: vec![PLANTED_SECRET],
        now: chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap_or_default(),
    };
    crate::xml::error_from_response(&ctx, &response(status, headers, body))
}

/// GetBucketInfo.
pub fn bucket_info(body: &[u8]) -> Result<BucketInfo, Error> {
    crate::bucket::parse_bucket_info(body)
}

/// GetBucketAcl.
pub fn bucket_acl(body: &[u8]) -> Result<AccessControlPolicy, Error> {
    crate::bucket::acl::parse_acl(body)
}

/// GetBucketCors.
pub fn bucket_cors(body: &[u8]) -> Result<CorsConfiguration, Error> {
    crate::xml::from_xml("GetBucketCors", body)
}

/// PutBucketCors's body for a configuration (to check that what was read can be written back).
pub fn cors_to_xml(cors: &CorsConfiguration) -> Result<String, Error> {
    crate::xml::to_xml("PutBucketCors", cors)
}

/// One ListBuckets page.
pub fn list_buckets(body: &[u8]) -> Result<ListBucketsPage, Error> {
    crate::service::parse_list_buckets(body)
}

/// The RAM error for a non-2xx answer (JSON or XML body).
pub fn ram_error(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Error {
    let now = chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap_or_default();
    crate::ram::service_error::from_response("Fuzz", &response(status, headers, body), now, &[PLANTED_SECRET])
}

fn ram_decode<T: DeserializeOwned>(action: &'static str, body: &[u8]) -> Result<(), Error> {
    serde_json::from_slice::<T>(body).map(|_| ()).map_err(|e| {
        Error::decode(
            action,
            format!("unexpected {action} response body: {}", cloud_http::redact::without_quoted_value(&e.to_string())),
        )
    })
}

/// The RAM actions whose answers are decoded into models.
pub const RAM_ACTIONS: [&str; 7] = [
    "GetUser",
    "ListUsers",
    "CreateAccessKey",
    "ListAccessKeys",
    "GetPolicy",
    "ListPolicyVersions",
    "ListPoliciesForUser",
];

/// Decodes a successful RAM answer as the client does for `action` (one of [`RAM_ACTIONS`]).
pub fn ram_response(action: &str, body: &[u8]) -> Result<(), Error> {
    use crate::ram::{access_keys, policies, user_policies, users};
    match action {
        "GetUser" => ram_decode::<users::UserEnvelope>("GetUser", body),
        "ListUsers" => ram_decode::<users::ListUsersResponse>("ListUsers", body),
        "CreateAccessKey" => ram_decode::<access_keys::CreateAccessKeyResponse>("CreateAccessKey", body),
        "ListAccessKeys" => ram_decode::<access_keys::ListAccessKeysResponse>("ListAccessKeys", body),
        "GetPolicy" => ram_decode::<policies::PolicyEnvelope>("GetPolicy", body),
        "ListPolicyVersions" => ram_decode::<policies::ListPolicyVersionsResponse>("ListPolicyVersions", body),
        _ => ram_decode::<user_policies::ListPoliciesForUserResponse>("ListPoliciesForUser", body),
    }
}
