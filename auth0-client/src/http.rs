//! Building, authorising and sending one Management API request, and turning its answer into a value or an
//! [`Error`], as Auth0's side of the shared request driver ([`cloud_http::driver`]): each attempt waits for the
//! rate limiter, takes a (possibly refreshed) token and builds the request anew.

use crate::client::Inner;
use crate::error::{Error, ErrorKind, Result};
use chrono::{DateTime, Utc};
use cloud_http::driver::{self, CallInfo, Channel, Service};
use cloud_http::secrecy::ExposeSecret;
use cloud_http::{ErrorMetadata, RawResponse};
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;

/// Scope requirement of an operation: every group must be satisfied by at least one of its scopes.
pub(crate) type ScopeRequirement = &'static [&'static [&'static str]];

/// One Management API call, described before it is built.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// Path segments below `/api/v2/` (each is percent-encoded when the URL is built).
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<serde_json::Value>,
    pub(crate) scopes: ScopeRequirement,
    /// Whether repeating the request after a lost answer is harmless.
    pub(crate) idempotent: bool,
}

impl ApiRequest {
    pub(crate) fn new(operation: &'static str, method: Method, segments: &[&str], scopes: ScopeRequirement) -> Self {
        let idempotent = method != Method::POST;
        Self {
            operation,
            method,
            segments: segments.iter().map(|s| s.to_string()).collect(),
            query: Vec::new(),
            body: None,
            scopes,
            idempotent,
        }
    }

    pub(crate) fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub(crate) fn query_opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    pub(crate) fn json<T: serde::Serialize>(mut self, body: &T) -> Result<Self> {
        let value = serde_json::to_value(body)
            .map_err(|e| Error::invalid_input(self.operation, format!("cannot serialise the request body: {e}")))?;
        self.body = Some(value);
        Ok(self)
    }
}

/// Decodes a JSON body, naming the operation and the path of the offending field on failure, never the value
/// ([`cloud_http::driver::decode_json_body`]).
pub(crate) fn decode_json<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T> {
    Ok(cloud_http::driver::decode_json_body(operation, body)?)
}

/// The request id Auth0 puts on responses.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-auth0-requestid", "x-request-id", "cf-ray"]
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()).map(str::to_string))
}

/// A 429: the delay is `Retry-After`, else `x-ratelimit-reset`, else left to the backoff.
pub(crate) fn rate_limited(operation: &'static str, raw: &RawResponse, now: DateTime<Utc>, message: &str) -> Error {
    let reset_at = raw
        .header("x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0));
    let retry_after = cloud_http::rate_limit::retry_after(&raw.headers, now)
        .or_else(|| cloud_http::rate_limit::reset_header(&raw.headers, "x-ratelimit-reset", now));
    Error::new(operation, ErrorKind::RateLimited { reset_at, retry_after }, message)
}

/// The scopes named in a 403 message ("Insufficient scope, expected any of: create:clients" or
/// "Updating the \"options\" property requires the \"update:connections_options\" scope").
pub(crate) fn scopes_in_message(message: &str) -> Vec<String> {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '_' || c == '-'))
        .filter(|w| {
            let mut parts = w.split(':');
            matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty())
        })
        .map(str::to_string)
        .collect()
}

/// Maps a Management API error answer (`{statusCode, error, message, errorCode}`) to an [`Error`].
pub(crate) fn api_error(operation: &'static str, raw: &RawResponse, now: DateTime<Utc>, idempotent: bool) -> Error {
    let status = raw.status.as_u16();
    let body: Option<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(&raw.body).ok();
    let text = |key: &str| body.as_ref().and_then(|b| b.get(key)).and_then(|v| v.as_str()).map(str::to_string);
    let message =
        text("message").or_else(|| text("description")).or_else(|| text("error_description")).unwrap_or_else(|| {
            let t = raw.text_lossy();
            if t.trim().is_empty() { format!("HTTP {status} without a body") } else { t.chars().take(300).collect() }
        });
    let code = text("errorCode").or_else(|| text("error")).or_else(|| text("code"));
    let mut meta = ErrorMetadata::new(status).with_message(message.clone());
    if let Some(c) = &code {
        meta = meta.with_code(c.clone());
    }
    if let Some(id) = request_id(&raw.headers) {
        meta = meta.with_request_id(id);
    }
    if let Some(e) = text("error")
        && code.as_deref() != Some(e.as_str())
    {
        meta = meta.with_extra("error", e);
    }
    for h in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        if let Some(v) = raw.header(h) {
            meta = meta.with_extra(h, v);
        }
    }
    let error = match status {
        400 => Error::new(operation, ErrorKind::BadRequest, message),
        401 => Error::new(operation, ErrorKind::Unauthorized, message),
        403 => {
            let expected = scopes_in_message(&message);
            if code.as_deref() == Some("insufficient_scope") || (!expected.is_empty() && message.contains("scope")) {
                Error::new(operation, ErrorKind::InsufficientScope { expected }, message)
            } else {
                Error::new(operation, ErrorKind::Forbidden, message)
            }
        }
        404 => Error::new(operation, ErrorKind::NotFound, message),
        409 => Error::new(operation, ErrorKind::Conflict, message),
        429 => rate_limited(operation, raw, now, &message),
        408 | 500..=599 => Error::new(operation, ErrorKind::ServerError, message).retryable(idempotent),
        _ => Error::new(operation, ErrorKind::UnexpectedStatus, message),
    };
    error.with_metadata(meta)
}

impl Inner {
    /// Checks the token's scopes against the operation's requirement, without sending anything but the token
    /// request (retried within one budget when the token has to be fetched).
    pub(crate) async fn check_operation_scopes(&self, operation: &'static str, scopes: ScopeRequirement) -> Result<()> {
        self.retry.run(operation, || self.check_scopes_once(operation, scopes)).await
    }

    /// One check of the token's scopes; fetches the token once when the cache has none (no retry of its own).
    async fn check_scopes_once(&self, operation: &'static str, scopes: ScopeRequirement) -> Result<()> {
        if scopes.is_empty() {
            return Ok(());
        }
        let (token, _) = self.tokens.token().await?;
        let missing: Vec<String> = scopes
            .iter()
            .filter(|group| !group.iter().any(|s| token.info.has_scope(s)))
            .map(|group| group.join(" or "))
            .collect();
        if missing.is_empty() { Ok(()) } else { Err(Error::missing_scopes(operation, missing)) }
    }

    /// Sends `request` with retries, returning the raw successful answer.
    ///
    /// One retry budget for the whole logical call ([`cloud_http::driver`]): fetching the token (when the cached
    /// one is missing or about to expire), the scope checks and the request itself are one attempt, so a failing
    /// token endpoint spends the same attempts and the same time budget as a failing API — never a retry loop
    /// inside a retry loop.
    pub(crate) async fn send(&self, request: &ApiRequest) -> Result<RawResponse> {
        driver::send(self, request).await
    }

    /// Sends `request` and decodes the answer.
    pub(crate) async fn call<T: DeserializeOwned>(&self, request: &ApiRequest) -> Result<T> {
        let raw = self.send(request).await?;
        decode_json(request.operation, &raw.body)
    }
}

/// Auth0's side of the shared driver: each attempt checks the token's scopes, waits for the client-side rate
/// limiter and takes a (possibly refreshed) token before it is built; a 401 on a cached token invalidates it and
/// is retried once with a new one.
impl Service for Inner {
    type Request = ApiRequest;
    type Kind = ErrorKind;
    type Error = Error;
    /// Whether the attempt's token was fetched for it (a 401 then is not a stale cache).
    type Attempt = bool;
    type CallState = ();

    fn channel(&self) -> Channel<'_> {
        Channel::new(&self.http, &self.retry).max_body(self.max_body)
    }

    fn call_info(&self, request: &ApiRequest) -> CallInfo {
        CallInfo::new(request.operation, request.idempotent)
    }

    async fn prepare(&self, request: &ApiRequest) -> Result<(reqwest::Request, bool)> {
        self.ensure_required_scopes().await?;
        self.check_scopes_once(request.operation, request.scopes).await?;
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        let (token, fresh) = self.tokens.token().await?;
        let mut url = self.api_base.clone();
        {
            let mut segments =
                url.path_segments_mut().map_err(|_| Error::invalid_config("the base URL cannot carry a path"))?;
            segments.pop_if_empty();
            for s in &request.segments {
                segments.push(s);
            }
        }
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.iter());
        }
        let token = token.value.expose_secret();
        let built =
            driver::bearer_json(self, request.method.clone(), url, token, request.body.as_ref(), request.operation)?;
        Ok((built, fresh))
    }

    async fn classify(&self, request: &ApiRequest, fresh: &bool, raw: &RawResponse) -> Error {
        let error = api_error(request.operation, raw, self.clock.now(), request.idempotent);
        if raw.status.as_u16() == 401 && !*fresh {
            // A cached token the service no longer accepts: fetch a new one and try once more.
            self.tokens.invalidate().await;
            return error.retryable(true);
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_found_in_both_message_shapes() {
        assert_eq!(
            scopes_in_message("Insufficient scope, expected any of: create:clients, update:client_keys"),
            vec!["create:clients", "update:client_keys"]
        );
        assert_eq!(
            scopes_in_message("Updating the \"options\" property requires the \"update:connections_options\" scope"),
            vec!["update:connections_options"]
        );
        assert!(scopes_in_message("You reached the limit of entities of this type for this tenant.").is_empty());
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any status and any body map to an error without panicking, and keep the status.
        #[test]
        fn any_error_answer_maps_without_panicking(status in 400u16..600, body in proptest::collection::vec(any::<u8>(), 0..200), json_message in proptest::option::of(".{0,40}")) {
            let body = match json_message {
                Some(m) => serde_json::json!({"statusCode": status, "message": m, "errorCode": 7}).to_string().into_bytes(),
                None => body,
            };
            let raw = RawResponse::new(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST), HeaderMap::new(), body.into());
            let e = api_error("Op", &raw, chrono::Utc::now(), true);
            prop_assert_eq!(e.status(), Some(raw.status.as_u16()));
            prop_assert!(!e.to_string().is_empty());
        }

        #[test]
        fn domain_validation_never_panics(domain in ".{0,40}") {
            let _ = crate::client::validate_domain(&domain);
        }
    }
}
