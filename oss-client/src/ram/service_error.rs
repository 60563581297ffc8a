//! RAM error responses: the JSON body `{"Code","Message","RequestId","HostId","Recommend"}` (or its XML form)
//! mapped to an [`Error`] whose [`ErrorKind`] a caller can match, with the full code, message, request id and
//! host id in the metadata and `Recommend` in the metadata extras.

use crate::{Error, ErrorKind};
use cloud_http::redact::scrub;
use cloud_http::{ErrorMetadata, RawResponse};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    host_id: Option<String>,
    recommend: Option<String>,
}

/// The kind of a RAM or POP gateway error code. The families (`EntityAlreadyExists.*`, `EntityNotExist.*`,
/// `LimitExceeded.*`, `DeleteConflict.*`, `Throttling.*`, `InvalidTimeStamp.*`) map to one kind each; the full
/// code stays in the error's metadata.
///
/// ```
/// use oss_client::{ErrorKind, ram::service_error::kind_for_code};
/// assert_eq!(kind_for_code("EntityAlreadyExists.User", 409), ErrorKind::EntityAlreadyExists);
/// assert_eq!(kind_for_code("LimitExceeded.User.AccessKey", 409), ErrorKind::LimitExceeded);
/// assert_eq!(kind_for_code("Throttling.User", 400), ErrorKind::Throttled);
/// assert_eq!(kind_for_code("InvalidTimeStamp.Expired", 400), ErrorKind::ClockSkew);
/// assert_eq!(kind_for_code("NoPermission", 403), ErrorKind::AccessDenied);
/// assert_eq!(kind_for_code("MalformedPolicyDocument", 400), ErrorKind::Service);
/// ```
pub fn kind_for_code(code: &str, status: u16) -> ErrorKind {
    let family = |prefix: &str| code == prefix || code.starts_with(&format!("{prefix}."));
    if family("EntityAlreadyExists") {
        ErrorKind::EntityAlreadyExists
    } else if family("EntityNotExist") {
        ErrorKind::EntityNotExist
    } else if family("LimitExceeded") {
        ErrorKind::LimitExceeded
    } else if family("DeleteConflict") {
        ErrorKind::DeleteConflict
    } else if family("Throttling") || code.ends_with(".Throttling") || code.contains("Throttling.") || status == 429 {
        ErrorKind::Throttled
    } else if code == "SignatureNonceUsed" {
        ErrorKind::SignatureNonceUsed
    } else if family("InvalidTimeStamp") {
        ErrorKind::ClockSkew
    } else if code == "NoPermission" || family("Forbidden") {
        ErrorKind::AccessDenied
    } else if code == "SignatureDoesNotMatch" || code == "IncompleteSignature" {
        ErrorKind::SignatureMismatch { server_string_to_sign: None }
    } else {
        ErrorKind::Service
    }
}

/// The string the server signed, as RAM reports it in a `SignatureDoesNotMatch` message
/// (`… server string to sign is:GET&%2F&…`).
fn server_string_to_sign(message: &str) -> Option<String> {
    let marker = "server string to sign is:";
    let at = message.find(marker)?;
    let rest = message.get(at + marker.len()..)?.trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

/// Turns a non-success response into an [`Error`]. `secrets` are scrubbed from every server-provided text.
pub(crate) fn from_response(
    operation: &'static str,
    response: &RawResponse,
    now: chrono::DateTime<chrono::Utc>,
    secrets: &[&str],
) -> Error {
    let status = response.status.as_u16();
    let text = response.text_lossy();
    let parsed: Option<ErrorBody> = serde_json::from_str::<ErrorBody>(&text)
        .ok()
        .or_else(|| quick_xml::de::from_str::<ErrorBody>(&text).ok())
        .filter(|b| b.code.is_some() || b.message.is_some());
    let scrubbed = |s: &str| scrub(s, secrets.iter().copied());
    let mut meta = ErrorMetadata::new(status);
    let header_request_id = response.header("x-acs-request-id").map(str::to_string);
    let mut detail = None;
    let kind = match &parsed {
        Some(body) => {
            if let Some(code) = &body.code {
                meta = meta.with_code(code.clone());
            }
            if let Some(message) = &body.message {
                meta = meta.with_message(scrubbed(message));
            }
            if let Some(id) = body.request_id.clone().or(header_request_id) {
                meta = meta.with_request_id(id);
            }
            if let Some(host) = &body.host_id {
                meta = meta.with_host_id(host.clone());
            }
            if let Some(recommend) = &body.recommend {
                meta = meta.with_extra("Recommend", recommend.clone());
            }
            match kind_for_code(body.code.as_deref().unwrap_or(""), status) {
                ErrorKind::SignatureMismatch { .. } => ErrorKind::SignatureMismatch {
                    server_string_to_sign: body.message.as_deref().and_then(server_string_to_sign),
                },
                ErrorKind::Service if status == 429 => ErrorKind::Throttled,
                other => other,
            }
        }
        None => {
            if let Some(id) = header_request_id {
                meta = meta.with_request_id(id);
            }
            let shown: String = scrubbed(&text).chars().take(200).collect();
            if !shown.trim().is_empty() {
                detail = Some(format!("unrecognised error body: {shown}"));
            }
            if status == 429 { ErrorKind::Throttled } else { ErrorKind::Service }
        }
    };
    let mut error = Error::service(kind, operation, meta);
    if let Some(d) = detail {
        error = error.with_detail(d);
    }
    if let Some(delay) = cloud_http::rate_limit::retry_after(&response.headers, now) {
        error = error.with_retry_after(delay);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};

    fn resp(status: u16, body: &str) -> RawResponse {
        RawResponse::new(StatusCode::from_u16(status).unwrap(), HeaderMap::new(), body.to_string().into())
    }

    #[test]
    fn xml_and_garbage_bodies() {
        let now = chrono::Utc::now();
        let e = from_response(
            "GetUser",
            &resp(
                404,
                "<Error><RequestId>r1</RequestId><HostId>h</HostId><Code>EntityNotExist.User</Code><Message>m</Message></Error>",
            ),
            now,
            &[],
        );
        assert_eq!(e.kind(), &ErrorKind::EntityNotExist);
        assert_eq!(e.request_id(), Some("r1"));
        let e = from_response("GetUser", &resp(502, "<html>bad gateway sk-123</html>"), now, &["sk-123"]);
        assert_eq!(e.kind(), &ErrorKind::Service);
        assert!(!e.to_string().contains("sk-123"));
    }

    #[test]
    fn string_to_sign_is_extracted() {
        assert_eq!(
            server_string_to_sign(
                "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&A"
            )
            .as_deref(),
            Some("GET&%2F&A")
        );
    }
}
