//! When and how long to wait before trying a failed call again.
//!
//! The policy is plain data; the client's `exec` hook runs the loop. A call is retried only
//! when it failed in a way another attempt can fix (connection errors, timeouts, HTTP or
//! in-body 429/502/503/504) and only when repeating it is safe: reads always, writes only when
//! the caller opted in with [`RetryPolicy::retry_writes`].

use std::time::{Duration, SystemTime};

/// How a client retries failed calls.
///
/// The default makes up to 3 attempts, waits a random time between zero and
/// `min(max_backoff, initial_backoff * 2^(retry - 1))` (exponential backoff with full jitter,
/// 200 ms initial, 5 s cap) and honours a server's `Retry-After` of up to 30 s. Reads are
/// retried; writes are not unless [`retry_writes`](Self::retry_writes) is on.
///
/// ```
/// use std::time::Duration;
/// use genauth::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(5)
///     .backoff(Duration::from_millis(100), Duration::from_secs(2));
/// assert_eq!(patient.attempts(), 5);
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    retry_writes: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            retry_writes: false,
        }
    }
}

impl RetryPolicy {
    /// One attempt per call: nothing is retried (a management token rejected with 401 is
    /// still refreshed and the call sent once more, since that is authentication, not retry).
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts per call, the first included; `0` is treated as `1`.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry and the cap on any backoff. Each retry doubles the
    /// bound; the actual wait is uniformly random below it (full jitter).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The longest `Retry-After` the client will wait. A server asking for longer is not
    /// retried early: its answer is returned.
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// Whether operations that change data are retried too. Only turn this on when repeating
    /// the writes you send is harmless (the API has no idempotency keys).
    pub fn retry_writes(mut self, on: bool) -> Self {
        self.retry_writes = on;
        self
    }

    /// Attempts per call, the first included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether writes are retried.
    pub fn retries_writes(&self) -> bool {
        self.retry_writes
    }

    /// How many attempts a call to an operation gets: all of them for reads, one for writes
    /// unless writes are retried.
    pub(crate) fn attempts_for(&self, read: bool) -> u32 {
        if read || self.retry_writes {
            self.max_attempts
        } else {
            1
        }
    }

    /// The jittered wait before retry number `retry` (1 for the first retry). `unit` is a
    /// random number in `[0, 1)`.
    pub(crate) fn backoff_for(&self, retry: u32, unit: f64) -> Duration {
        let doublings = retry.saturating_sub(1).min(30);
        let bound = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        bound.mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The cap on a server's `Retry-After`.
    pub(crate) fn retry_after_cap(&self) -> Duration {
        self.max_retry_after
    }
}

/// A `Retry-After` value: delay seconds or an HTTP date (a date in the past means now).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_below_it() {
        let p = RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(
            p.backoff_for(1, 0.999_999),
            Duration::from_millis(100).mul_f64(0.999_999)
        );
        assert_eq!(p.backoff_for(2, 0.5), Duration::from_millis(100));
        assert_eq!(p.backoff_for(3, 0.5), Duration::from_millis(200));
        assert_eq!(p.backoff_for(10, 0.5), Duration::from_millis(500));
        assert_eq!(p.backoff_for(u32::MAX, 0.5), Duration::from_millis(500));
        assert_eq!(p.backoff_for(1, 0.0), Duration::ZERO);
        assert_eq!(p.backoff_for(1, 7.0), Duration::from_millis(100));
    }

    #[test]
    fn writes_get_one_attempt_unless_opted_in() {
        let p = RetryPolicy::default();
        assert_eq!(p.attempts_for(true), 3);
        assert_eq!(p.attempts_for(false), 1);
        assert_eq!(p.retry_writes(true).attempts_for(false), 3);
        assert_eq!(RetryPolicy::none().attempts_for(true), 1);
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_356_800);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Tue, 01 Jul 2025 08:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Jul 2025 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
