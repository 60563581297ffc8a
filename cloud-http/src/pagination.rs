//! Guards for every loop over server-supplied pages: a repeated cursor and a page cap end the loop with an
//! error instead of looping forever, and [`DedupById`] drops an item a misbehaving server sends twice.
//!
//! Every client's list operation (OSS markers and continuation tokens, RAM markers, Auth0 `page`/`from`,
//! Vercel `until`/`from`) advances through one [`PageGuard`], so a server that ignores the cursor and repeats a
//! page cannot make a caller loop endlessly or see an item twice (the developers' guide: "every loop over server
//! data is bounded").
//!
//! ```
//! use cloud_http::pagination::{PageGuard, PaginationError};
//!
//! let mut guard = PageGuard::new("ListObjects", 3);
//! guard.first_page().unwrap();
//! guard.next_page(&"m1".to_string()).unwrap();
//! // A server that hands back the same cursor again is caught:
//! assert!(matches!(guard.next_page(&"m1".to_string()), Err(PaginationError::RepeatedCursor { .. })));
//! ```

use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

/// The page cap used when a caller sets none: 1,000 pages (at 100 items a page, 100,000 items).
pub const DEFAULT_MAX_PAGES: usize = 1_000;

/// Why a paginated listing stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaginationError {
    /// The server returned a cursor it had already returned: following it would loop forever.
    #[error(
        "{operation}: the server repeated a pagination cursor after {pages} page(s); stopped to avoid an endless loop"
    )]
    RepeatedCursor {
        /// The operation being paged (e.g. `ListObjects`).
        operation: &'static str,
        /// Pages fetched so far.
        pages: usize,
    },
    /// More pages than the cap.
    #[error("{operation}: more than {max_pages} pages; stopped (raise the cap if the listing is really that long)")]
    TooManyPages {
        /// The operation being paged.
        operation: &'static str,
        /// The cap.
        max_pages: usize,
    },
}

/// Tracks the pages of one listing: call [`first_page`](Self::first_page) before the first request and
/// [`next_page`](Self::next_page) with each cursor before following it.
#[derive(Debug)]
pub struct PageGuard<C> {
    operation: &'static str,
    max_pages: usize,
    pages: usize,
    seen: HashSet<C>,
}

impl<C: Eq + Hash + Clone> PageGuard<C> {
    /// A guard for `operation` allowing at most `max_pages` pages (at least 1).
    pub fn new(operation: &'static str, max_pages: usize) -> Self {
        Self { operation, max_pages: max_pages.max(1), pages: 0, seen: HashSet::new() }
    }

    /// A guard with [`DEFAULT_MAX_PAGES`].
    pub fn with_default_cap(operation: &'static str) -> Self {
        Self::new(operation, DEFAULT_MAX_PAGES)
    }

    /// Counts the first page (which has no cursor).
    pub fn first_page(&mut self) -> Result<(), PaginationError> {
        self.count()
    }

    /// Checks `cursor` before it is followed: errors when the server returned it before, or when the page cap
    /// is reached.
    pub fn next_page(&mut self, cursor: &C) -> Result<(), PaginationError> {
        if !self.seen.insert(cursor.clone()) {
            return Err(PaginationError::RepeatedCursor { operation: self.operation, pages: self.pages });
        }
        self.count()
    }

    /// Pages counted so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    fn count(&mut self) -> Result<(), PaginationError> {
        if self.pages >= self.max_pages {
            return Err(PaginationError::TooManyPages { operation: self.operation, max_pages: self.max_pages });
        }
        self.pages += 1;
        Ok(())
    }
}

/// Drops items whose id was already seen in an earlier page of the same listing.
///
/// ```
/// let mut dedup = cloud_http::pagination::DedupById::default();
/// let page = vec![("a", 1), ("b", 2), ("a", 1)];
/// let kept: Vec<_> = page.into_iter().filter(|(id, _)| dedup.first_time(id.to_string())).collect();
/// assert_eq!(kept.len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct DedupById<K: Eq + Hash = String> {
    seen: HashSet<K>,
}

impl<K: Eq + Hash> DedupById<K> {
    /// True the first time `id` is offered, false after.
    pub fn first_time(&mut self, id: K) -> bool {
        self.seen.insert(id)
    }

    /// How many distinct ids were seen.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// True when no id was seen yet.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_counts_the_first_page() {
        let mut g = PageGuard::<u64>::new("op", 2);
        g.first_page().unwrap();
        g.next_page(&1).unwrap();
        assert_eq!(g.next_page(&2), Err(PaginationError::TooManyPages { operation: "op", max_pages: 2 }));
    }

    #[test]
    fn repeated_cursor_is_refused_even_when_not_consecutive() {
        let mut g = PageGuard::new("op", 100);
        g.first_page().unwrap();
        g.next_page(&"a").unwrap();
        g.next_page(&"b").unwrap();
        assert!(matches!(g.next_page(&"a"), Err(PaginationError::RepeatedCursor { pages: 3, .. })));
    }
}
