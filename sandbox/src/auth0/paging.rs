//! Pagination of Management API lists: checkpoint paging (`from`/`take`, an opaque `next` cursor) and page
//! paging (`page`/`per_page`/`include_totals`), with the bounds the spec gives.

use super::render::bad_request;
use crate::server::{SimRequest, SimResponse};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// Whether a list that takes both styles (`GET /clients`, `GET /connections`) is asked for checkpoint paging:
/// `from` or `take` present.
pub(super) fn wants_checkpoint(request: &SimRequest) -> bool {
    request.query_param("from").is_some() || request.query_param("take").is_some()
}

/// Answers one checkpoint page of `items`: `{"<key>": [...], "next": "<cursor>"}`, `next` only while items remain
/// (spec `List*CheckpointPaginatedResponseContent`). `max_take` as in [`checkpoint_window_max`].
pub(super) fn checkpoint_page(
    request: &SimRequest,
    key: &str,
    items: &[Value],
    max_take: usize,
) -> Result<SimResponse, SimResponse> {
    let (start, end, next) = checkpoint_window_max(request, items.len(), max_take)?;
    let mut body = Map::new();
    body.insert(key.into(), Value::Array(items[start..end].to_vec()));
    if let Some(n) = next {
        body.insert("next".into(), Value::String(n));
    }
    Ok(SimResponse::json(200, &Value::Object(body)))
}

/// Answers the page `window` (from [`page_window`]) of `items`: the bare array, or with `include_totals=true`
/// `{"start", "limit", "total", "<key>"}`, plus `length` (the page's item count) when `with_length` (spec
/// `ListUsersOffsetPaginatedResponseContent` has it, `ListConnectionsOffsetPaginatedResponseContent` does not).
pub(super) fn offset_page(
    request: &SimRequest,
    key: &str,
    items: &[Value],
    (page, per_page, start, end): (usize, usize, usize, usize),
    with_length: bool,
) -> SimResponse {
    let page_items = items[start..end].to_vec();
    if !is_true(request, "include_totals") {
        return SimResponse::json(200, &Value::Array(page_items));
    }
    let mut body = Map::new();
    body.insert("start".into(), json!(page * per_page));
    body.insert("limit".into(), json!(per_page));
    if with_length {
        body.insert("length".into(), json!(page_items.len()));
    }
    body.insert("total".into(), json!(items.len()));
    body.insert(key.into(), Value::Array(page_items));
    SimResponse::json(200, &Value::Object(body))
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

fn is_true(request: &SimRequest, key: &str) -> bool {
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

    fn get(path: &str) -> SimRequest {
        SimRequest::new(http::Method::GET, path, &[], "")
    }

    fn body(response: &SimResponse) -> Value {
        serde_json::from_slice(&response.body).unwrap_or(Value::Null)
    }

    #[test]
    fn checkpoint_pages_carry_next_only_while_items_remain() {
        let items: Vec<Value> = (0..3).map(|i| json!({"id": i})).collect();
        let first = checkpoint_page(&get("/x?take=2"), "things", &items, 100).unwrap_or_else(|r| r);
        let first = body(&first);
        assert_eq!(first["things"].as_array().map(Vec::len), Some(2));
        let next = first["next"].as_str().unwrap_or_default().to_string();
        let last = checkpoint_page(&get(&format!("/x?take=2&from={next}")), "things", &items, 100);
        let last = body(&last.unwrap_or_else(|r| r));
        assert_eq!(last, json!({"things": [{"id": 2}]}));
        assert!(checkpoint_page(&get("/x?take=101"), "things", &items, 100).is_err());
    }

    #[test]
    fn offset_pages_are_bare_arrays_unless_totals_are_asked_for() {
        let items: Vec<Value> = (0..3).map(|i| json!(i)).collect();
        let bare = get("/x?per_page=2&page=1");
        let window = page_window(&bare, items.len(), 100).unwrap_or_default();
        assert_eq!(body(&offset_page(&bare, "users", &items, window, true)), json!([2]));
        let totals = get("/x?per_page=2&page=1&include_totals=true");
        let with = body(&offset_page(&totals, "users", &items, window, true));
        assert_eq!(with, json!({"start": 2, "limit": 2, "length": 1, "total": 3, "users": [2]}));
        let without = body(&offset_page(&totals, "connections", &items, window, false));
        assert_eq!(without, json!({"start": 2, "limit": 2, "total": 3, "connections": [2]}));
    }
}
