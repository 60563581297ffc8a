//! A bounded retry loop that sits above build → sign → send.
//!
//! The closure passed to [`RetryPolicy::run`] must build, sign and send a fresh request each time it is called:
//! Aliyun rejects a reused `SignatureNonce`, signatures carry a timestamp, and Auth0 tokens may be refreshed in
//! between. Errors say whether they may be retried through [`Retryable`]; a server's `Retry-After` overrides the
//! computed backoff. Attempts are bounded by count and by wall time, and every retry is logged with `tracing`.

use backon::{ExponentialBuilder, Retryable as _};
use std::fmt::Display;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// What an error says about trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Permanent, or not safe to repeat (a non-idempotent request that may have taken effect).
    DoNotRetry,
    /// Transient: retry after the computed backoff.
    Retry,
    /// Transient, and the server said when: retry after this delay (`Retry-After`, a rate-limit reset).
    RetryAfter(Duration),
}

/// Implemented by each client's error type.
///
/// ```
/// use cloud_http::retry::{RetryDecision, Retryable};
/// struct Throttled;
/// impl Retryable for Throttled {
///     fn retry_decision(&self) -> RetryDecision { RetryDecision::RetryAfter(std::time::Duration::from_secs(1)) }
/// }
/// assert!(Throttled.is_retryable());
/// ```
pub trait Retryable {
    /// Whether, and when, the failed call may be tried again.
    fn retry_decision(&self) -> RetryDecision;

    /// Shorthand for `retry_decision() != DoNotRetry`.
    fn is_retryable(&self) -> bool {
        self.retry_decision() != RetryDecision::DoNotRetry
    }
}

/// Limits and pacing of retries: exponential backoff with full jitter, at most `max_retries` retries, and no
/// retry that would end after `max_elapsed` from the first attempt.
///
/// ```
/// use cloud_http::RetryPolicy;
/// use std::time::Duration;
/// let policy = RetryPolicy::default().with_max_retries(3).with_max_elapsed(Duration::from_secs(30));
/// assert_eq!(policy.max_retries, 3);
/// let never = RetryPolicy::never();
/// assert_eq!(never.max_retries, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: usize,
    /// The first backoff delay.
    pub min_delay: Duration,
    /// The largest computed backoff delay.
    pub max_delay: Duration,
    /// No retry starts if it would sleep past this much time since the first attempt.
    pub max_elapsed: Duration,
    /// The largest server-requested delay honoured; a longer `Retry-After` ends the retries with the error.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    /// Sets the number of retries after the first attempt.
    pub fn with_max_retries(mut self, n: usize) -> Self {
        self.max_retries = n;
        self
    }

    /// Sets the first backoff delay.
    pub fn with_min_delay(mut self, d: Duration) -> Self {
        self.min_delay = d;
        self
    }

    /// Sets the largest computed backoff delay.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Sets the wall-time budget for all attempts.
    pub fn with_max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Sets the largest server-requested delay honoured.
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Runs `attempt` until it succeeds, returns an error that is not retryable, or the limits are reached.
    /// `operation` names the call in logs. `attempt` must rebuild and re-sign its request on every call.
    pub async fn run<T, E, F, Fut>(&self, operation: &'static str, attempt: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: Retryable + Display,
    {
        let started = Instant::now();
        let deadline = started + self.max_elapsed;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
            .with_jitter();
        let max_retry_after = self.max_retry_after;
        let mut retry_number = 0usize;
        attempt
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|e: &E| e.is_retryable())
            .adjust(move |e: &E, computed: Option<Duration>| {
                // `computed` is None once the attempt budget is spent.
                let computed = computed?;
                let delay = match e.retry_decision() {
                    RetryDecision::RetryAfter(asked) if asked > max_retry_after => {
                        tracing::warn!(operation, asked_ms = asked.as_millis() as u64, "server asked to wait longer than allowed; giving up");
                        return None;
                    }
                    RetryDecision::RetryAfter(asked) => asked,
                    _ => computed,
                };
                if Instant::now() + delay > deadline {
                    tracing::warn!(operation, "retry time budget spent; giving up");
                    return None;
                }
                Some(delay)
            })
            .notify(move |e: &E, delay: Duration| {
                retry_number += 1;
                tracing::warn!(operation, retry = retry_number, delay_ms = delay.as_millis() as u64, error = %e, "retrying");
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    struct E(RetryDecision);
    impl Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }
    impl Retryable for E {
        fn retry_decision(&self) -> RetryDecision {
            self.0
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy::default().with_min_delay(Duration::from_millis(1)).with_max_delay(Duration::from_millis(5))
    }

    async fn count_attempts(policy: RetryPolicy, decision: RetryDecision) -> usize {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let _: Result<(), E> = policy
            .run("test", || {
                c.fetch_add(1, Ordering::SeqCst);
                async move { Err(E(decision)) }
            })
            .await;
        calls.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn bounded_by_count() {
        assert_eq!(count_attempts(fast().with_max_retries(3), RetryDecision::Retry).await, 4);
        assert_eq!(count_attempts(RetryPolicy::never(), RetryDecision::Retry).await, 1);
    }

    #[tokio::test]
    async fn permanent_errors_are_not_retried() {
        assert_eq!(count_attempts(fast(), RetryDecision::DoNotRetry).await, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured_and_bounded_by_time() {
        let policy = fast().with_max_retries(100).with_max_elapsed(Duration::from_secs(10));
        let started = Instant::now();
        let n = count_attempts(policy, RetryDecision::RetryAfter(Duration::from_secs(3))).await;
        // 0s, 3s, 6s, 9s: the next would end at 12s > 10s.
        assert_eq!(n, 4);
        assert_eq!(started.elapsed().as_secs(), 9);
    }

    #[tokio::test(start_paused = true)]
    async fn too_long_retry_after_gives_up() {
        let policy = fast().with_max_retry_after(Duration::from_secs(5));
        assert_eq!(count_attempts(policy, RetryDecision::RetryAfter(Duration::from_secs(30))).await, 1);
    }

    /// One budget per logical call under continuous faults: each attempt is a token fetch that times out after
    /// 10 s and then the request; the fetch is part of the attempt (no loop of its own), so the number of fetches
    /// is bounded by the retry count and the whole call by the time budget plus one attempt. Tokio's paused clock:
    /// the 10 s timeouts cost no wall time, and the bound is checked on tokio's clock.
    #[tokio::test(start_paused = true)]
    async fn the_budget_holds_under_continuous_faults() {
        let policy = RetryPolicy::default().with_max_retries(5).with_max_elapsed(Duration::from_secs(60));
        let fetches = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let f = fetches.clone();
        let result: Result<(), E> = policy
            .run("GetThing", || {
                let f = f.clone();
                async move {
                    // The token fetch times out; the request itself is never reached.
                    f.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    Err(E(RetryDecision::Retry))
                }
            })
            .await;
        assert!(result.is_err());
        let fetches = fetches.load(Ordering::SeqCst);
        assert!(fetches <= 6, "{fetches} token fetches for one call: at most 1 + 5 retries");
        // Each attempt takes 10 s: the budget (60 s) stops the retries; the call never runs past it by more than
        // the attempt that was under way.
        assert!(started.elapsed() <= Duration::from_secs(60 + 10), "{:?}", started.elapsed());
        assert!(started.elapsed() >= Duration::from_secs(10 * fetches as u64));
    }

    #[tokio::test]
    async fn succeeds_after_transient_failures() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let out: Result<usize, E> = fast()
            .run("test", || {
                let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                async move { if n < 3 { Err(E(RetryDecision::Retry)) } else { Ok(n) } }
            })
            .await;
        assert_eq!(out.unwrap(), 3);
    }
}
