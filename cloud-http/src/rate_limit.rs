//! Parsing the headers with which services say when to come back: `Retry-After` (seconds or an HTTP date) and
//! rate-limit reset times (`x-ratelimit-reset`, Unix seconds).

use chrono::{DateTime, Utc};
use http::HeaderMap;
use std::time::Duration;

/// The delay a `Retry-After` header asks for, relative to `now`. Accepts delta-seconds (`"120"`, also
/// fractional `"0.5"`) and an HTTP date; a date in the past gives zero.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let mut h = http::HeaderMap::new();
/// h.insert("retry-after", "3".parse().unwrap());
/// let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// assert_eq!(cloud_http::rate_limit::retry_after(&h, now), Some(std::time::Duration::from_secs(3)));
/// h.insert("retry-after", "Wed, 01 Jan 2025 00:00:10 GMT".parse().unwrap());
/// assert_eq!(cloud_http::rate_limit::retry_after(&h, now), Some(std::time::Duration::from_secs(10)));
/// ```
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some(at.signed_duration_since(now).to_std().unwrap_or(Duration::ZERO))
}

/// The delay until a Unix-seconds reset time (`x-ratelimit-reset`, Vercel's `error.limit.reset`), relative to
/// `now`; a time in the past gives zero. Values that look like milliseconds are accepted too.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// let reset = now.timestamp() + 7;
/// assert_eq!(cloud_http::rate_limit::until_epoch(reset, now), std::time::Duration::from_secs(7));
/// ```
pub fn until_epoch(reset: i64, now: DateTime<Utc>) -> Duration {
    let reset_ms = if reset > 100_000_000_000 { reset } else { reset.saturating_mul(1000) };
    let delta = reset_ms.saturating_sub(now.timestamp_millis());
    if delta <= 0 { Duration::ZERO } else { Duration::from_millis(delta as u64) }
}

/// The delay named by a header holding Unix seconds (for example `x-ratelimit-reset`).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// let mut h = http::HeaderMap::new();
/// h.insert("x-ratelimit-reset", (now.timestamp() + 2).to_string().parse().unwrap());
/// assert_eq!(cloud_http::rate_limit::reset_header(&h, "x-ratelimit-reset", now), Some(std::time::Duration::from_secs(2)));
/// ```
pub fn reset_header(headers: &HeaderMap, name: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(name)?.to_str().ok()?.trim().parse::<i64>().ok()?;
    Some(until_epoch(value, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn garbage_is_ignored() {
        let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let mut h = HeaderMap::new();
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", "-5".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", "Tue, 31 Dec 2024 00:00:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
    }

    #[test]
    fn extreme_reset_times_do_not_overflow() {
        // Found by the auth0_json fuzz target: a hugely negative `x-ratelimit-reset` overflowed the subtraction.
        let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(until_epoch(-999_999_999_999_199_999, now), Duration::ZERO);
        assert_eq!(until_epoch(i64::MIN, now), Duration::ZERO);
        assert!(until_epoch(i64::MAX, now) > Duration::ZERO);
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", "-9999999999999199999".parse().unwrap());
        assert_eq!(reset_header(&h, "x-ratelimit-reset", now), None);
        h.insert("x-ratelimit-reset", "-999999999999199999".parse().unwrap());
        assert_eq!(reset_header(&h, "x-ratelimit-reset", now), Some(Duration::ZERO));
    }
}
