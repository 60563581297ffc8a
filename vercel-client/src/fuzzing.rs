//! Entry points for the fuzz targets in the workspace's `fuzz/` crate: the error mapping and the JSON decoding
//! exactly as the client runs them on a response. Not a stable API.
#![allow(missing_docs)]

use crate::client::{ApiRequest, VercelClient};
use crate::error::Error;
use cloud_http::RawResponse;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use std::sync::OnceLock;

/// The token of the fuzzing client, and a secret sent in the request body: neither may come out of an error's
/// `Display` or `Debug`.
pub const PLANTED_TOKEN: &str = "fuzz-planted-token-Kx7r";
/// See [`PLANTED_TOKEN`].
pub const PLANTED_BODY_SECRET: &str = "fuzz-planted-body-secret-M2p";

fn client() -> Option<&'static VercelClient> {
    static CLIENT: OnceLock<Option<VercelClient>> = OnceLock::new();
    CLIENT
        .get_or_init(|| VercelClient::builder().token(SecretString::from(PLANTED_TOKEN.to_string())).build().ok())
        .as_ref()
}

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

/// The error for a non-2xx answer to a request whose body held [`PLANTED_BODY_SECRET`]. `None` only if the
/// client cannot be built (it always can).
pub fn service_error(status: u16, headers: &[(&str, &str)], body: &[u8], idempotent: bool) -> Option<Error> {
    let req = ApiRequest::new("fuzz", Method::POST, &["v10", "projects", "p", "env"])
        .idempotent(idempotent)
        .secrets(vec![SecretString::from(PLANTED_BODY_SECRET.to_string())]);
    client().map(|c| c.service_error(&req, &response(status, headers, body)))
}

fn decode<T: DeserializeOwned>(operation: &'static str, status: u16, body: &[u8]) -> Result<(), Error> {
    crate::client::decode::<T>(operation, &response(status, &[], body)).map(|_| ())
}

/// The answers decoded into models, by operation.
pub const OPERATIONS: [&str; 10] = [
    "getProject",
    "getProjects",
    "filterProjectEnvs",
    "getProjectEnv",
    "createProjectEnv",
    "getDeployment",
    "getDeployments",
    "getProjectDomain",
    "getProjectDomains",
    "getDomainConfig",
];

/// Decodes a successful answer as the client does for `operation` (one of [`OPERATIONS`]).
pub fn response_body(operation: &str, status: u16, body: &[u8]) -> Result<(), Error> {
    match operation {
        "getProject" => decode::<crate::Project>("getProject", status, body),
        "getProjects" => decode::<crate::projects::ProjectsPage>("getProjects", status, body),
        "filterProjectEnvs" => decode::<crate::env::EnvPage>("filterProjectEnvs", status, body),
        "getProjectEnv" => decode::<crate::EnvVar>("getProjectEnv", status, body),
        "createProjectEnv" => decode::<crate::env::CreatedEnv>("createProjectEnv", status, body),
        "getDeployment" => decode::<crate::Deployment>("getDeployment", status, body),
        "getDeployments" => decode::<crate::deployments::DeploymentsPage>("getDeployments", status, body),
        "getProjectDomain" => decode::<crate::ProjectDomain>("getProjectDomain", status, body),
        "getProjectDomains" => decode::<crate::domains::DomainsPage>("getProjectDomains", status, body),
        _ => decode::<crate::DomainConfig>("getDomainConfig", status, body),
    }
}
