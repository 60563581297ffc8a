//! Injectable clocks. Signers never read the system time themselves: they take a [`Clock`], so tests can pin
//! the time and a client can correct for a skewed local clock after a `RequestTimeTooSkewed` answer.

use chrono::{DateTime, Utc};
use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time.
///
/// ```
/// use cloud_http::{Clock, FixedClock};
/// use chrono::{TimeZone, Utc};
/// let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// assert_eq!(FixedClock(t).now(), t);
/// ```
pub trait Clock: Debug + Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
///
/// ```
/// use cloud_http::{Clock, SystemClock};
/// assert!(SystemClock.now().timestamp() > 1_700_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant, for tests and test vectors.
///
/// ```
/// use cloud_http::{Clock, FixedClock};
/// let clock = FixedClock(chrono::DateTime::from_timestamp(1_699_807_420, 0).unwrap());
/// assert_eq!(clock.now().timestamp(), 1_699_807_420);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that adds a correction, learned from a server's `Date` header, to an inner clock.
///
/// ```
/// use cloud_http::{Clock, FixedClock, SkewCorrectedClock};
/// use std::sync::Arc;
/// let local = chrono::DateTime::from_timestamp(1_000, 0).unwrap();
/// let clock = SkewCorrectedClock::new(Arc::new(FixedClock(local)));
/// clock.correct_to(chrono::DateTime::from_timestamp(1_900, 0).unwrap());
/// assert_eq!(clock.now().timestamp(), 1_900);
/// assert_eq!(clock.offset_millis(), 900_000);
/// ```
#[derive(Debug)]
pub struct SkewCorrectedClock {
    inner: Arc<dyn Clock>,
    offset_ms: AtomicI64,
}

impl SkewCorrectedClock {
    /// Wraps `inner` with a zero correction.
    pub fn new(inner: Arc<dyn Clock>) -> Self {
        Self { inner, offset_ms: AtomicI64::new(0) }
    }

    /// Sets the correction so that [`Clock::now`] reads `server_now` at this instant.
    pub fn correct_to(&self, server_now: DateTime<Utc>) {
        let offset = server_now.signed_duration_since(self.inner.now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::Relaxed);
        tracing::warn!(offset_ms = offset, "local clock corrected from the server's Date header");
    }

    /// The current correction in milliseconds (server minus local).
    pub fn offset_millis(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }
}

impl Clock for SkewCorrectedClock {
    fn now(&self) -> DateTime<Utc> {
        // Saturating: an offset learned from a server can never make `now` panic.
        let now = self.inner.now();
        now.checked_add_signed(chrono::Duration::milliseconds(self.offset_millis().max(-i64::MAX))).unwrap_or(now)
    }
}
