//! Object reads: `Range` as OSS reads it, conditional GET/HEAD (`If-Match`, `If-None-Match`,
//! `If-Modified-Since`, `If-Unmodified-Since`), and the GetObject / HeadObject / GetObjectMeta answers.

use super::super::OssSimulator;
use super::super::render::{OssError, http_date};
use super::super::routes::{Op, Target};
use super::super::state::SimObject;
use crate::{SimRequest, SimResponse};
use chrono::{DateTime, Utc};

/// A single byte range, as OSS reads `Range` (https://www.alibabacloud.com/help/en/oss/how-to-obtain-oss-resources-by-segmenting-http-range-requests):
/// an invalid or out-of-range value is ignored (200, whole object) unless `x-oss-range-behavior: standard`, which
/// clamps an end past the object and answers 416 `InvalidRange` for a start past it.
fn byte_range(request: &SimRequest, len: usize) -> Result<Option<(usize, usize)>, OssError> {
    let Some(spec) = request.header("range").and_then(|r| r.trim().strip_prefix("bytes=")) else { return Ok(None) };
    let standard = request.header("x-oss-range-behavior").is_some_and(|b| b.eq_ignore_ascii_case("standard"));
    let first = spec.split(',').next().unwrap_or_default().trim();
    let unsatisfiable = || {
        OssError::new(416, "InvalidRange", "The requested range cannot be satisfied", "0016-00000902")
            .with("RangeRequested", format!("bytes={spec}"))
            .with("ActualObjectSize", len.to_string())
    };
    let Some((start, end)) = first.split_once('-') else { return Ok(None) };
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.parse::<usize>().ok(), end.parse::<usize>().ok()) {
        (Some(s), Some(e)) if s <= e => Some((s, Some(e))),
        (Some(s), None) if end.is_empty() => Some((s, None)),
        (None, Some(n)) if start.is_empty() && n > 0 => {
            if n > len && !standard {
                return Ok(None);
            }
            return if len == 0 {
                if standard { Err(unsatisfiable()) } else { Ok(None) }
            } else {
                Ok(Some((len - n.min(len), len - 1)))
            };
        }
        _ => None,
    };
    let Some((s, e)) = parsed else { return Ok(None) };
    if s >= len {
        return if standard { Err(unsatisfiable()) } else { Ok(None) };
    }
    match e {
        Some(e) if e >= len => Ok(if standard { Some((s, len - 1)) } else { None }),
        Some(e) => Ok(Some((s, e))),
        None => Ok(Some((s, len - 1))),
    }
}

fn etag_matches(list: &str, etag: &str) -> bool {
    let bare = etag.trim_matches('"');
    list.split(',')
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| t == "*" || t.eq_ignore_ascii_case(bare))
}

fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value).ok().map(|d| d.with_timezone(&Utc))
}

enum Condition {
    Proceed,
    NotModified,
}

/// Conditional GET/HEAD in RFC 7232 order (OSS GetObject reference: `If-Match`/`If-Unmodified-Since` → 412
/// `PreconditionFailed`, `If-None-Match`/`If-Modified-Since` → 304).
fn evaluate_conditions(request: &SimRequest, object: &SimObject) -> Result<Condition, OssError> {
    let failed = |which: &str| {
        OssError::new(
            412,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold.",
            "0026-00000003",
        )
        .with("Condition", which)
    };
    // Last-Modified has second precision on the wire.
    let modified = object.last_modified.timestamp();
    if let Some(list) = request.header("if-match") {
        if !etag_matches(list, &object.etag) {
            return Err(failed("If-Match"));
        }
    } else if let Some(since) = request.header("if-unmodified-since").and_then(parse_http_date)
        && modified > since.timestamp()
    {
        return Err(failed("If-Unmodified-Since"));
    }
    if let Some(list) = request.header("if-none-match") {
        if etag_matches(list, &object.etag) {
            return Ok(Condition::NotModified);
        }
    } else if let Some(since) = request.header("if-modified-since").and_then(parse_http_date)
        && modified <= since.timestamp()
    {
        return Ok(Condition::NotModified);
    }
    Ok(Condition::Proceed)
}

impl OssSimulator {
    pub(super) fn get_object(
        &self,
        op: Op,
        request: &SimRequest,
        target: &Target,
        object: &SimObject,
        storage_class: &str,
        request_id: &str,
    ) -> Result<SimResponse, OssError> {
        let base = self
            .ok(request_id, 200)
            .with_header("etag", &object.etag)
            .with_header("last-modified", http_date(object.last_modified));
        if let Condition::NotModified = evaluate_conditions(request, object)? {
            return Ok(SimResponse { status: http::StatusCode::NOT_MODIFIED, ..base });
        }
        let len = object.body.len();
        let range = byte_range(request, len)?;
        let mut response = base
            .with_header("content-type", &object.content_type)
            .with_header("accept-ranges", "bytes")
            .with_header("x-oss-object-type", "Normal")
            .with_header("x-oss-storage-class", storage_class);
        if let Some(cc) = &object.cache_control {
            response = response.with_header("cache-control", cc);
        }
        if let Some(cd) = &object.content_disposition {
            response = response.with_header("content-disposition", cd);
        }
        for (k, v) in &object.metadata {
            response = response.with_header(&format!("x-oss-meta-{k}"), v);
        }
        // A signed `response-*` query parameter overrides the header (OSS GetObject reference).
        for (param, header) in [
            ("response-content-type", "content-type"),
            ("response-content-disposition", "content-disposition"),
            ("response-cache-control", "cache-control"),
            ("response-content-encoding", "content-encoding"),
            ("response-content-language", "content-language"),
            ("response-expires", "expires"),
        ] {
            if let Some(v) = target.param(param) {
                response = response.with_header(header, v);
            }
        }
        let body = match range {
            Some((start, end)) => {
                response.status = http::StatusCode::PARTIAL_CONTENT;
                response = response.with_header("content-range", format!("bytes {start}-{end}/{len}"));
                object.body.slice(start..=end)
            }
            None => object.body.clone(),
        };
        Ok(if op == Op::GetObject {
            response.with_body(body)
        } else {
            response.with_header("content-length", body.len().to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn req(headers: &[(&str, &str)]) -> SimRequest {
        SimRequest::new(Method::GET, "/k", headers, "")
    }

    #[test]
    fn ranges_follow_the_oss_rules() {
        let r = |h: &str| byte_range(&req(&[("range", h)]), 1000).ok().flatten();
        let std = |h: &str| byte_range(&req(&[("range", h), ("x-oss-range-behavior", "standard")]), 1000);
        assert_eq!(r("bytes=0-499"), Some((0, 499)));
        assert_eq!(r("bytes=-500"), Some((500, 999)));
        assert_eq!(r("bytes=500-"), Some((500, 999)));
        assert_eq!(r("bytes=0-499,500-999"), Some((0, 499)));
        // Out of range or malformed: ignored by default.
        assert_eq!(r("bytes=0-1000"), None);
        assert_eq!(r("bytes=1000-2000"), None);
        assert_eq!(r("byte=0-499"), None);
        assert_eq!(r("bytes=-2000"), None);
        // Standard behaviour: clamp the end, 416 past the start.
        assert_eq!(std("bytes=0-1000").ok().flatten(), Some((0, 999)));
        assert!(std("bytes=1000-").is_err_and(|e| e.status == 416 && e.code == "InvalidRange"));
    }

    #[test]
    fn etags_match_quoted_or_not() {
        assert!(etag_matches("\"ABC\"", "\"ABC\""));
        assert!(etag_matches("abc, \"x\"", "\"ABC\""));
        assert!(etag_matches("*", "\"ABC\""));
        assert!(!etag_matches("\"ABD\"", "\"ABC\""));
    }
}
