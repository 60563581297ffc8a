//! XML in and out: serde (quick-xml) for bodies, and the OSS `<Error>` document turned into an [`Error`].

use crate::error::{Error, ErrorKind};
use cloud_http::{ErrorMetadata, RawResponse};
use quick_xml::events::Event;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Decodes an XML body; a malformed body is a decode error naming the operation (never a panic). Unknown
/// elements are ignored.
pub(crate) fn from_xml<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T, Error> {
    Ok(cloud_http::driver::decode_xml(operation, body)?)
}

/// Encodes a request body (no declaration, no whitespace).
pub(crate) fn to_xml<T: Serialize>(operation: &'static str, value: &T) -> Result<String, Error> {
    quick_xml::se::to_string(value)
        .map_err(|e| Error::invalid_input(operation, format!("could not encode the request body: {e}")))
}

/// The text of each direct child of the root element (`<Error><Code>…</Code>…</Error>`). Nested elements are
/// skipped; a malformed document yields what was read before the fault.
pub(crate) fn root_children(body: &[u8]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(text_body) = std::str::from_utf8(body) else { return out };
    let mut reader = quick_xml::Reader::from_str(text_body);
    let mut depth = 0usize;
    let mut current: Option<String> = None;
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth == 2 {
                    current = Some(e.local_name().as_ref().to_string());
                    text.clear();
                }
            }
            Ok(Event::Empty(e)) if depth == 1 => {
                out.insert(e.local_name().as_ref().to_string(), String::new());
            }
            Ok(Event::Text(t)) if depth == 2 => text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if depth == 2 => {
                let name = r.xml10_content();
                match r.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    _ => {
                        let entity = format!("&{name};");
                        text.push_str(&quick_xml::escape::unescape(&entity).map(|c| c.into_owned()).unwrap_or(entity));
                    }
                }
            }
            Ok(Event::CData(t)) if depth == 2 => text.push_str(&t.xml10_content()),
            Ok(Event::End(_)) => {
                if depth == 2
                    && let Some(name) = current.take()
                {
                    out.insert(name, std::mem::take(&mut text));
                }
                depth = depth.saturating_sub(1);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

/// Context for turning an error response into an [`Error`].
pub(crate) struct ErrorContext<'a> {
    pub operation: &'static str,
    pub is_head: bool,
    pub has_key: bool,
    pub secrets: Vec<&'a str>,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Builds the error for a non-2xx response: the `<Error>` document (or, for HEAD and empty bodies, the status
/// and the `x-oss-ec` / `x-oss-request-id` headers), mapped to a kind; secrets are scrubbed from every text.
pub(crate) fn error_from_response(ctx: &ErrorContext<'_>, raw: &RawResponse) -> Error {
    let scrub = |s: &str| cloud_http::redact::scrub(s, ctx.secrets.iter().copied());
    let status = raw.status.as_u16();
    let mut fields = if ctx.is_head || raw.body.is_empty() { BTreeMap::new() } else { root_children(&raw.body) };
    let mut meta = ErrorMetadata::new(status);
    if let Some(code) = fields.remove("Code").filter(|c| !c.is_empty()) {
        meta = meta.with_code(code);
    } else if ctx.is_head || raw.body.is_empty() {
        // HEAD errors carry no body: infer the code from the status, as the SDKs do.
        let inferred = match status {
            404 if ctx.has_key => Some("NoSuchKey"),
            404 => Some("NoSuchBucket"),
            403 => Some("AccessDenied"),
            _ => None,
        };
        if let Some(code) = inferred {
            meta = meta.with_code(code);
        }
    }
    if let Some(m) = fields.remove("Message") {
        meta = meta.with_message(scrub(&m));
    }
    match fields.remove("RequestId").or_else(|| raw.header("x-oss-request-id").map(str::to_string)) {
        Some(id) if !id.is_empty() => meta = meta.with_request_id(id),
        _ => {}
    }
    if let Some(h) = fields.remove("HostId") {
        meta = meta.with_host_id(h);
    }
    match fields.remove("EC").or_else(|| raw.header("x-oss-ec").map(str::to_string)) {
        Some(ec) if !ec.is_empty() => meta = meta.with_extra("EC", ec),
        _ => {}
    }
    let string_to_sign = fields.remove("StringToSign").map(|s| scrub(&s));
    for key in ["RecommendDoc", "Endpoint", "OSSAccessKeyId", "CanonicalRequest", "ServerTime", "RequestTime"] {
        if let Some(v) = fields.remove(key) {
            meta = meta.with_extra(key, scrub(&v));
        }
    }
    let code = meta.code().unwrap_or_default().to_string();
    let message = meta.message().unwrap_or_default().to_ascii_lowercase();
    let kind = match code.as_str() {
        "NoSuchBucket" => ErrorKind::NoSuchBucket,
        "NoSuchKey" => ErrorKind::NoSuchKey,
        "NoSuchCORSConfiguration" => ErrorKind::NoSuchCorsConfiguration,
        "BucketAlreadyExists" => ErrorKind::BucketAlreadyExists,
        "BucketNotEmpty" => ErrorKind::BucketNotEmpty,
        "AccessDenied" if message.contains("public bucket acl") || message.contains("public access") => {
            ErrorKind::PublicAclBlocked
        }
        "AccessDenied" => ErrorKind::AccessDenied,
        "InvalidAccessKeyId" => ErrorKind::InvalidAccessKeyId,
        "SignatureDoesNotMatch" => ErrorKind::SignatureMismatch { server_string_to_sign: string_to_sign },
        "RequestTimeTooSkewed" => ErrorKind::ClockSkew,
        c if c.contains("Throttl") || c == "SlowDown" || c == "TooManyRequests" => ErrorKind::Throttled,
        _ if status == 429 => ErrorKind::Throttled,
        _ => ErrorKind::Service,
    };
    let mut error = Error::service(kind, ctx.operation, meta);
    if let Some(delay) = cloud_http::rate_limit::retry_after(&raw.headers, ctx.now) {
        error = error.with_retry_after(delay);
    }
    if let Some(date) = raw.header("date").and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok()) {
        error = error.with_server_time(date.with_timezone(&chrono::Utc));
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};

    fn ctx() -> ErrorContext<'static> {
        ErrorContext {
            operation: "Op",
            is_head: false,
            has_key: false,
            secrets: vec!["sk-secret"],
            now: chrono::Utc::now(),
        }
    }

    #[test]
    fn reads_root_children_and_ignores_nested() {
        let f = root_children(b"<?xml version=\"1.0\"?><Error><Code>X</Code><Nested><Code>Y</Code></Nested><Empty/><Message>a &amp; b</Message></Error>");
        assert_eq!(f.get("Code").map(String::as_str), Some("X"));
        assert_eq!(f.get("Message").map(String::as_str), Some("a & b"));
        assert_eq!(f.get("Empty").map(String::as_str), Some(""));
    }

    #[test]
    fn malformed_error_bodies_do_not_panic() {
        for body in [&b"<Error><Code>Boom"[..], b"not xml at all", b"<<<>>>", b""] {
            let raw = RawResponse::new(StatusCode::INTERNAL_SERVER_ERROR, HeaderMap::new(), body.to_vec().into());
            let e = error_from_response(&ctx(), &raw);
            assert_eq!(e.metadata().unwrap().status, 500);
        }
    }

    #[test]
    fn secrets_are_scrubbed_from_server_text() {
        let raw = RawResponse::new(
            StatusCode::FORBIDDEN,
            HeaderMap::new(),
            "<Error><Code>SignatureDoesNotMatch</Code><Message>bad sk-secret</Message><StringToSign>x-oss-security-token:sk-secret</StringToSign></Error>".into(),
        );
        let e = error_from_response(&ctx(), &raw);
        assert!(!format!("{e} {e:?}").contains("sk-secret"));
        assert_eq!(e.server_string_to_sign(), Some("x-oss-security-token:[REDACTED]"));
    }
}
