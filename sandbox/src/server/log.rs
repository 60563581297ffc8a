//! The [`RequestLog`]: every request a server saw (service, method, host, path, action, whether it mutates, the
//! answer's status, the injected fault), shared by several servers, with in-flight counting and a trip wire.

use super::{FaultKind, lock};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// One request as recorded in the [`RequestLog`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// Position in the log, from 1.
    pub seq: usize,
    /// The service (`oss`, `ram`, `auth0`, `vercel`).
    pub service: &'static str,
    /// The method.
    pub method: String,
    /// The `Host` header.
    pub host: String,
    /// The path.
    pub path: String,
    /// The query string.
    pub query: String,
    /// The action, for RPC services (`CreateUser`, …); empty otherwise.
    pub action: String,
    /// Whether the simulator counts it as a change of state.
    pub mutating: bool,
    /// The status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
    /// The injected fault, if any.
    pub fault: Option<FaultKind>,
}

#[derive(Default)]
struct LogInner {
    entries: Vec<LoggedRequest>,
    trip_at: Option<(usize, Arc<Notify>)>,
    /// Requests being processed now (a stalled one keeps counting after its client gave up).
    in_flight: usize,
    idle: Arc<Notify>,
}

/// Counts one request as in flight until dropped.
pub(super) struct InFlight(RequestLog);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut inner = lock(&(self.0).0);
        inner.in_flight = inner.in_flight.saturating_sub(1);
        if inner.in_flight == 0 {
            inner.idle.notify_waiters();
        }
    }
}

/// A log of requests, shareable between servers (clone it). Tests count it, and can arm a trip wire that fires
/// when the log reaches a given length (to kill an apply after request *k*).
///
/// ```
/// let log = sandbox::RequestLog::new();
/// assert_eq!(log.len(), 0);
/// assert_eq!(log.mutating().len(), 0);
/// ```
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<LogInner>>);

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestLog").field("len", &self.len()).finish()
    }
}

impl RequestLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every recorded request.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.0).entries.clone()
    }

    /// The number of recorded requests.
    pub fn len(&self) -> usize {
        lock(&self.0).entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The requests that changed state and were processed (answered, or processed before a lost response).
    pub fn mutating(&self) -> Vec<LoggedRequest> {
        self.entries()
            .into_iter()
            .filter(|e| {
                e.mutating
                    && !matches!(
                        e.fault,
                        Some(
                            FaultKind::InternalError
                                | FaultKind::ServiceUnavailable
                                | FaultKind::Throttled
                                | FaultKind::ConnectionReset
                        )
                    )
            })
            .collect()
    }

    /// The requests to one service.
    pub fn for_service(&self, service: &str) -> Vec<LoggedRequest> {
        self.entries().into_iter().filter(|e| e.service == service).collect()
    }

    /// Forgets every entry (the trip wire stays armed).
    pub fn clear(&self) {
        lock(&self.0).entries.clear();
    }

    /// Arms a trip wire: the returned [`Notify`] is notified once the log holds `k` entries.
    pub fn trip_after(&self, k: usize) -> Arc<Notify> {
        let notify = Arc::new(Notify::new());
        lock(&self.0).trip_at = Some((k, notify.clone()));
        notify
    }

    /// Waits until no request is being processed by any server recording into this log: an explicit signal for
    /// tests (instead of a fixed sleep) that every request already received — a stalled one whose client gave up
    /// included — has taken effect and been recorded.
    pub async fn wait_idle(&self) {
        loop {
            let idle = lock(&self.0).idle.clone();
            let notified = idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if lock(&self.0).in_flight == 0 {
                return;
            }
            notified.await;
        }
    }

    /// The number of requests being processed now.
    pub fn in_flight(&self) -> usize {
        lock(&self.0).in_flight
    }

    pub(super) fn begin(&self) -> InFlight {
        lock(&self.0).in_flight += 1;
        InFlight(self.clone())
    }

    /// Disarms the trip wire.
    pub fn disarm(&self) {
        lock(&self.0).trip_at = None;
    }

    pub(super) fn record(&self, mut entry: LoggedRequest) {
        let mut inner = lock(&self.0);
        entry.seq = inner.entries.len() + 1;
        inner.entries.push(entry);
        let len = inner.entries.len();
        if let Some((k, notify)) = &inner.trip_at
            && len >= *k
        {
            notify.notify_one();
        }
    }
}
