//! Marker pagination, shared by ListBuckets and ListObjects: a stream that fetches the next page only when the
//! previous one is consumed, starting at an optional marker and ending when a page has no next marker.

use crate::error::Result;
use futures::{Stream, TryStreamExt};
use std::future::Future;

/// Streams every item of every page. `fetch(request, marker)` sends one request and hands the request back with
/// the page's items and its next marker.
pub(crate) fn marker_stream<R, T, F, Fut>(
    request: R,
    start: Option<String>,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Send
where
    R: Send + 'static,
    T: Send + 'static,
    F: Fn(R, Option<String>) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Result<(R, Vec<T>, Option<String>)>> + Send,
{
    let pages = futures::stream::try_unfold((request, Some(start)), move |(request, next)| async move {
        let Some(marker) = next else { return Ok::<_, crate::error::Error>(None) };
        let (request, items, following) = fetch(request, marker).await?;
        Ok(Some((items, (request, following.map(Some)))))
    });
    pages.map_ok(|items| futures::stream::iter(items.into_iter().map(Ok))).try_flatten()
}
