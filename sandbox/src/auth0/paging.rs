//! Pagination of Management API lists: checkpoint paging (`from`/`take`, an opaque `next` cursor) and page
//! paging (`page`/`per_page`/`include_totals`), with the bounds the spec gives.

use super::render::bad_request;
use crate::server::{SimRequest, SimResponse};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(super) fn checkpoint_window(
    request: &SimRequest,
    len: usize,
) -> Result<(usize, usize, Option<String>), SimResponse> {
    checkpoint_window_max(request, len, 100)
}

/// Checkpoint paging with `take` in 1..=`max_take` (100 for most lists, 1000 for `GET /connections/{id}/clients`)
/// and `from` at most 1000 characters (spec).
pub(super) fn checkpoint_window_max(
    request: &SimRequest,
    len: usize,
    max_take: usize,
) -> Result<(usize, usize, Option<String>), SimResponse> {
    let take = match request.query_param("take") {
        Some(t) => t.parse::<usize>().ok().filter(|t| (1..=max_take).contains(t)).ok_or_else(|| {
            bad_request(&format!("Query validation error: 'take' must be an integer between 1 and {max_take}."))
        })?,
        None => 50,
    };
    if request.query_param("from").is_some_and(|f| f.len() > 1000) {
        return Err(bad_request("Query validation error: 'from' is longer than 1000 characters."));
    }
    let start = match request.query_param("from") {
        Some(f) => {
            decode_cursor(&f).ok_or_else(|| bad_request("Query validation error: 'from' is not a valid checkpoint."))?
        }
        None => 0,
    };
    let end = (start + take).min(len);
    let next = (end < len).then(|| encode_cursor(end));
    Ok((start.min(len), end, next))
}

pub(super) fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("sim-cursor:{offset}"))
}

pub(super) fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("sim-cursor:")?.parse().ok()
}

pub(super) fn page_window(
    request: &SimRequest,
    len: usize,
    max_per_page: usize,
) -> Result<(usize, usize, usize, usize), SimResponse> {
    let per_page = match request.query_param("per_page") {
        Some(p) => p.parse::<usize>().ok().filter(|p| (1..=max_per_page).contains(p)).ok_or_else(|| {
            bad_request(&format!("Query validation error: 'per_page' must be an integer between 1 and {max_per_page}."))
        })?,
        None => 50,
    };
    let page = match request.query_param("page") {
        Some(p) => p.parse::<usize>().map_err(|_| bad_request("Query validation error: 'page' must be an integer."))?,
        None => 0,
    };
    let start = (page * per_page).min(len);
    let end = (start + per_page).min(len);
    Ok((page, per_page, start, end))
}

pub(super) fn is_true(request: &SimRequest, key: &str) -> bool {
    request.query_param(key).is_some_and(|v| v == "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("nope"), None);
    }
}
