//! The Management API request budget: a token bucket (`burst` requests refilled at `per_second`), answered with
//! 429 `too_many_requests` and the `x-ratelimit-limit/-remaining/-reset` headers.

use super::Auth0Simulator;
use super::render::api_error;
use super::state::now_secs;
use crate::server::{SimResponse, lock};
use std::time::Instant;

#[derive(Debug, Clone)]
pub(super) struct Bucket {
    pub(super) burst: f64,
    pub(super) per_second: f64,
    pub(super) tokens: f64,
    pub(super) last: Instant,
}

impl Bucket {
    pub(super) fn new(burst: u32, per_second: f64) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_second: per_second.max(0.001),
            tokens: f64::from(burst.max(1)),
            last: Instant::now(),
        }
    }

    /// Takes one token; on refusal returns the seconds until one is available.
    pub(super) fn take(&mut self) -> Result<(), f64> {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_second).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / self.per_second)
        }
    }
}

impl Auth0Simulator {
    pub(super) fn rate_limit(&self) -> Result<Option<(u32, u32, i64)>, SimResponse> {
        let mut st = lock(&self.state);
        let Some(bucket) = st.bucket.as_mut() else { return Ok(None) };
        let limit = bucket.burst as u32;
        match bucket.take() {
            Ok(()) => {
                let reset = now_secs() + ((bucket.burst - bucket.tokens) / bucket.per_second).ceil() as i64;
                Ok(Some((limit, bucket.tokens.floor() as u32, reset)))
            }
            Err(wait) => {
                let reset = now_secs() + wait.ceil().max(1.0) as i64;
                Err(api_error(429, "Global limit has been reached", Some("too_many_requests"))
                    .with_header("x-ratelimit-limit", limit.to_string())
                    .with_header("x-ratelimit-remaining", "0")
                    .with_header("x-ratelimit-reset", reset.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_past_the_burst() {
        let mut b = Bucket::new(2, 0.5);
        assert!(b.take().is_ok());
        assert!(b.take().is_ok());
        let wait = b.take().unwrap_err();
        assert!(wait > 1.0 && wait <= 2.0, "{wait}");
    }
}
