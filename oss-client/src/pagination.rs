//! Marker pagination, shared by ListBuckets and ListObjects: a stream that fetches the next page only when the
//! previous one is consumed, starting at an optional marker and ending when a page has no next marker.
//!
//! Every page goes through one [`PageGuard`]: a marker the server already returned (a server that ignores the
//! marker would otherwise be followed forever) or more than [`cloud_http::pagination::DEFAULT_MAX_PAGES`] pages
//! end the stream with a decode error naming the operation; an item whose id (object key, bucket name) was
//! already streamed is dropped ([`DedupById`]). OSS documents `NextMarker` as "the position to start the next
//! listing" (ListObjects, ListBuckets API reference), so a repeated one can only be a server fault.

use crate::error::{Error, Result};
use cloud_http::pagination::{DedupById, PageGuard};
use futures::{Stream, TryStreamExt};
use std::future::Future;

/// Streams every item of every page. `fetch(request, marker)` sends one request and hands the request back with
/// the page's items and its next marker; `id` names an item for de-duplication.
pub(crate) fn marker_stream<R, T, F, Fut>(
    operation: &'static str,
    request: R,
    start: Option<String>,
    id: fn(&T) -> String,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Send
where
    R: Send + 'static,
    T: Send + 'static,
    F: Fn(R, Option<String>) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Result<(R, Vec<T>, Option<String>)>> + Send,
{
    let guard = PageGuard::<String>::with_default_cap(operation);
    let state = (request, Some(start), guard, DedupById::<String>::default());
    let pages = futures::stream::try_unfold(state, move |(request, next, mut guard, mut dedup)| async move {
        let Some(marker) = next else { return Ok::<_, Error>(None) };
        let checked = match &marker {
            None => guard.first_page(),
            Some(m) => guard.next_page(m),
        };
        checked.map_err(|e| Error::decode(operation, e.to_string()))?;
        let (request, items, following) = fetch(request, marker).await?;
        let items: Vec<T> = items.into_iter().filter(|item| dedup.first_time(id(item))).collect();
        Ok(Some((items, (request, following.map(Some), guard, dedup))))
    });
    pages.map_ok(|items| futures::stream::iter(items.into_iter().map(Ok))).try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    /// A server that ignores the marker and answers page one with the same next marker forever.
    #[tokio::test]
    async fn a_server_repeating_its_marker_ends_the_stream_with_an_error() {
        let stream = marker_stream(
            "ListObjects",
            (),
            None,
            |s: &String| s.clone(),
            |(), _marker| async { Ok(((), vec!["a".to_string(), "b".to_string()], Some("m1".to_string()))) },
        );
        let items: Vec<Result<String>> = stream.collect().await;
        // Page one (a, b), page two is the same page: its items are dropped as duplicates, then the repeated
        // marker ends the listing.
        let ok: Vec<&String> = items.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(ok, ["a", "b"]);
        let err = items.last().unwrap().as_ref().unwrap_err();
        assert_eq!(err.kind(), &crate::ErrorKind::Decode);
        assert!(err.to_string().contains("repeated a pagination cursor"), "{err}");
    }

    #[tokio::test]
    async fn an_endless_listing_stops_at_the_page_cap() {
        let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let c = counter.clone();
        let stream = marker_stream(
            "ListBuckets",
            c,
            None,
            |s: &String| s.clone(),
            |c, _marker| async move {
                let n = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok((c, vec![format!("b{n}")], Some(format!("m{n}"))))
            },
        );
        let items: Vec<Result<String>> = stream.collect().await;
        assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), cloud_http::pagination::DEFAULT_MAX_PAGES);
        assert!(items.last().unwrap().as_ref().unwrap_err().to_string().contains("more than"));
    }
}
