//! Vercel's list pagination, exactly per endpoint (field-truth §4.2; `@vercel/sdk` 1.28.35 `src/funcs/*.ts` and the
//! `Pagination` / `Pagination1` models):
//!
//! | Operation | Cursor sent back | Cursor type |
//! |---|---|---|
//! | `getProjects` (`GET /v10/projects`) | `from` | a millisecond timestamp **or** a Base32 continuation token |
//! | `getProjectDomains` (`GET /v9/projects/{id}/domains`) | `until` | a millisecond timestamp |
//! | `getDeployments` (`GET /v7/deployments`) | `until` | a millisecond timestamp |
//! | `filterProjectEnvs` (`GET /v10/projects/{id}/env`) | **none documented** | – (one request; `until`/`limit` are not sent) |
//!
//! Every walk goes through [`cloud_http::pagination::PageGuard`] (a repeated cursor or more than
//! [`MAX_PAGES`] pages ends it with [`ErrorKind::Pagination`](crate::ErrorKind::Pagination) instead of looping)
//! and [`cloud_http::pagination::DedupById`] (an item a misbehaving server sends twice is kept once).

use crate::client::{ApiRequest, VercelClient};
use crate::error::{Error, ErrorKind, Result};
use cloud_http::pagination::{DedupById, PageGuard};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A `pagination.next` / `prev` cursor: a millisecond timestamp (most lists) or a continuation token
/// (`getProjects` may answer with a Base32 string, vsdk `Pagination1`).
///
/// ```
/// use vercel_client::pagination::Cursor;
/// assert_eq!(Cursor::Timestamp(1555072968396).to_string(), "1555072968396");
/// assert_eq!(Cursor::Token("GEZDGNBV".into()).to_string(), "GEZDGNBV");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cursor {
    /// A millisecond timestamp.
    Timestamp(i64),
    /// An opaque continuation token.
    Token(String),
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cursor::Timestamp(t) => write!(f, "{t}"),
            Cursor::Token(s) => f.write_str(s),
        }
    }
}

/// A timestamp cursor (vsdk `Pagination`: `next: number | null`): a string is a decode error.
fn de_timestamp<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Cursor>, D::Error> {
    Ok(Option::<i64>::deserialize(d)?.map(Cursor::Timestamp))
}

/// A `getProjects` cursor: a timestamp or a continuation token (vsdk `Pagination1`: "Base32 encoded for safe URL
/// transmission"); a token with whitespace or control characters is a decode error.
fn de_token_or_timestamp<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Cursor>, D::Error> {
    use serde::de::Error as _;
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => {
            Some(Cursor::Timestamp(n.as_i64().ok_or_else(|| D::Error::custom("the cursor is not an integer"))?))
        }
        Some(serde_json::Value::String(s))
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | '-' | '_')) =>
        {
            Some(Cursor::Token(s))
        }
        Some(_) => return Err(D::Error::custom("the cursor is neither a timestamp nor a continuation token")),
    })
}

/// The `pagination` object of a list answer.
///
/// ```
/// use vercel_client::pagination::Cursor;
/// let p: vercel_client::Pagination = serde_json::from_str(r#"{"count":20,"next":1555072968396,"prev":null}"#).unwrap();
/// assert_eq!(p.next, Some(Cursor::Timestamp(1555072968396)));
/// // Only getProjects may answer with a continuation token.
/// assert!(serde_json::from_str::<vercel_client::Pagination>(r#"{"count":1,"next":"GEZDGNBV"}"#).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Pagination {
    /// Items in this page.
    #[serde(default)]
    pub count: Option<u64>,
    /// The cursor of the next page, or `None` on the last page.
    #[serde(default, deserialize_with = "de_timestamp")]
    pub next: Option<Cursor>,
    /// The cursor of the previous page.
    #[serde(default, deserialize_with = "de_timestamp")]
    pub prev: Option<Cursor>,
}

/// The `pagination` of `getProjects`, whose cursor may be a continuation token (vsdk `Pagination1`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct TokenPagination {
    #[serde(default)]
    count: Option<u64>,
    #[serde(default, deserialize_with = "de_token_or_timestamp")]
    next: Option<Cursor>,
}

impl From<TokenPagination> for Pagination {
    fn from(p: TokenPagination) -> Self {
        Pagination { count: p.count, next: p.next, prev: None }
    }
}

/// Which query parameter carries the cursor of the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CursorParam {
    /// `until=<next>` (getProjectDomains, getDeployments).
    Until,
    /// `from=<next>` (getProjects v10).
    From,
}

impl CursorParam {
    pub(crate) fn name(self) -> &'static str {
        match self {
            CursorParam::Until => "until",
            CursorParam::From => "from",
        }
    }
}

/// A page of a list answer.
pub(crate) trait Page: DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<Pagination>);
    /// The identity used to drop an item sent twice.
    fn item_id(item: &Self::Item) -> String;
}

/// The default and largest page size most list endpoints accept.
pub(crate) const PAGE_LIMIT: u32 = 100;

/// The largest number of pages read before giving up (100 × 100 items).
pub const MAX_PAGES: usize = 100;

/// Reads the pages of a list, at most `max_items` items: `make(cursor)` builds the request for one page, adding
/// `param=<cursor>` for every page after the first.
pub(crate) async fn collect_pages<P: Page>(
    client: &VercelClient,
    operation: &'static str,
    param: CursorParam,
    max_items: usize,
    make: impl Fn() -> ApiRequest,
) -> Result<Vec<P::Item>> {
    let mut items = Vec::new();
    let mut guard: PageGuard<Cursor> = PageGuard::new(operation, MAX_PAGES);
    let mut dedup = DedupById::<String>::default();
    let mut cursor: Option<Cursor> = None;
    guard.first_page().map_err(|e| pagination_error(operation, e))?;
    loop {
        let mut req = make();
        if let Some(c) = &cursor {
            req = req.query(param.name(), c.to_string());
        }
        let page: P = client.json(req).await?;
        let (batch, pagination) = page.into_parts();
        let fetched = batch.len();
        for item in batch {
            if dedup.first_time(P::item_id(&item)) {
                items.push(item);
            } else {
                tracing::warn!(operation, "the server sent an item twice; kept once");
            }
        }
        if items.len() >= max_items {
            items.truncate(max_items);
            break;
        }
        let next = pagination.and_then(|p| p.next);
        match next {
            None => break,
            Some(_) if fetched == 0 => break,
            Some(next) => {
                guard.next_page(&next).map_err(|e| pagination_error(operation, e))?;
                cursor = Some(next);
            }
        }
    }
    Ok(items)
}

fn pagination_error(operation: &'static str, e: cloud_http::pagination::PaginationError) -> Error {
    Error::new(ErrorKind::Pagination, operation).with_detail(e.to_string()).with_source(e)
}
