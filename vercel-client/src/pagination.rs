//! Vercel's timestamp cursor pagination: `pagination: {count, next, prev}`; the next page is the same request with
//! `until=<pagination.next>`, until `next` is `null`. A cursor that does not move ends the walk (instead of looping).

use crate::client::{ApiRequest, VercelClient};
use crate::error::Result;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The `pagination` object of a list answer.
///
/// ```
/// let p: vercel_client::Pagination = serde_json::from_str(r#"{"count":20,"next":1555072968396,"prev":null}"#).unwrap();
/// assert_eq!(p.next, Some(1555072968396));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Pagination {
    /// Items in this page.
    #[serde(default)]
    pub count: Option<u64>,
    /// The cursor (a millisecond timestamp) of the next page, or `None` on the last page.
    #[serde(default)]
    pub next: Option<i64>,
    /// The cursor of the previous page.
    #[serde(default)]
    pub prev: Option<i64>,
}

/// A page of a list answer.
pub(crate) trait Page: DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<Pagination>);
}

/// The default and largest page size most list endpoints accept.
pub(crate) const PAGE_LIMIT: u32 = 100;

/// The largest number of pages read before giving up (100 × 100 items).
const MAX_PAGES: usize = 100;

/// Reads every page of a list: `make(until)` builds the request for one page.
pub(crate) async fn collect_pages<P: Page>(
    client: &VercelClient,
    make: impl Fn(Option<i64>) -> ApiRequest,
) -> Result<Vec<P::Item>> {
    let mut items = Vec::new();
    let mut until: Option<i64> = None;
    for _ in 0..MAX_PAGES {
        let page: P = client.json(make(until)).await?;
        let (mut batch, pagination) = page.into_parts();
        let fetched = batch.len();
        items.append(&mut batch);
        match pagination.and_then(|p| p.next) {
            Some(next) if fetched > 0 && Some(next) != until => until = Some(next),
            Some(next) => {
                tracing::warn!(cursor = next, "pagination cursor did not advance; stopping");
                break;
            }
            None => break,
        }
    }
    Ok(items)
}
