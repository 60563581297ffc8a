//! CORS as OSS applies it: the first rule matching origin, method and requested headers; the
//! `Access-Control-*` headers on actual requests; and the `OPTIONS` preflight.

use super::super::OssSimulator;
use super::super::render::{OssError, glob};
use super::super::routes::Target;
use super::super::state::{SimBucket, SimCors, SimCorsRule};
use crate::server::lock;
use crate::{SimRequest, SimResponse};

/// The first CORS rule allowing `origin`, `method` and every requested header (`*` wildcards, headers compared
/// case-insensitively), as OSS picks it for a preflight or an actual request.
pub(crate) fn matching_rule<'a>(
    cors: &'a SimCors,
    origin: &str,
    method: &str,
    requested: &[String],
) -> Option<&'a SimCorsRule> {
    cors.rules.iter().find(|rule| {
        rule.allowed_origins.iter().any(|o| glob(o, origin, false))
            && rule.allowed_methods.iter().any(|m| m.eq_ignore_ascii_case(method))
            && requested.iter().all(|h| rule.allowed_headers.iter().any(|a| glob(a, h, true)))
    })
}

/// Adds `Access-Control-Allow-Origin` and friends to an actual (non-preflight) request with a matching `Origin`.
pub(super) fn with_cors_headers(response: SimResponse, bucket: &SimBucket, request: &SimRequest) -> SimResponse {
    let (Some(origin), Some(cors)) = (request.header("origin"), &bucket.cors) else { return response };
    let Some(rule) = matching_rule(cors, origin, request.method.as_str(), &[]) else { return response };
    let allow_origin = if rule.allowed_origins.iter().any(|o| o == "*") { "*" } else { origin };
    let mut response = response
        .with_header("access-control-allow-origin", allow_origin)
        .with_header("access-control-allow-methods", rule.allowed_methods.join(", "));
    if !rule.expose_headers.is_empty() {
        response = response.with_header("access-control-expose-headers", rule.expose_headers.join(", "));
    }
    if cors.response_vary {
        response = response.with_header("vary", "Origin");
    }
    response
}

impl OssSimulator {
    pub(in crate::oss) fn preflight(
        &self,
        request: &SimRequest,
        target: &Target,
        request_id: &str,
    ) -> Result<SimResponse, OssError> {
        let forbidden = |m: &str| OssError::new(403, "AccessForbidden", m, "0003-00000010");
        let state = lock(&self.state);
        let name = target.bucket.clone().unwrap_or_default();
        let Some(bucket) = state.buckets.get(&name) else {
            return Err(OssError::new(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101"));
        };
        let (Some(origin), Some(method)) = (request.header("origin"), request.header("access-control-request-method"))
        else {
            return Err(forbidden("Insufficient information. Origin request header needed."));
        };
        let Some(cors) = &bucket.cors else {
            return Err(forbidden("CORSResponse: CORS is not enabled for this bucket."));
        };
        let requested: Vec<String> = request
            .header("access-control-request-headers")
            .map(|h| h.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let Some(rule) = matching_rule(cors, origin, method, &requested) else {
            return Err(forbidden(
                "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
            ));
        };
        let allow_origin = if rule.allowed_origins.iter().any(|o| o == "*") { "*" } else { origin };
        let mut response = self
            .ok(request_id, 200)
            .with_header("access-control-allow-origin", allow_origin)
            .with_header("access-control-allow-methods", rule.allowed_methods.join(", "));
        if !requested.is_empty() {
            response = response.with_header("access-control-allow-headers", requested.join(", "));
        }
        if !rule.expose_headers.is_empty() {
            response = response.with_header("access-control-expose-headers", rule.expose_headers.join(", "));
        }
        if let Some(age) = rule.max_age_seconds {
            response = response.with_header("access-control-max-age", age.to_string());
        }
        if cors.response_vary {
            response = response.with_header("vary", "Origin");
        }
        Ok(response)
    }
}
