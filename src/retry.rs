//! When and how long to wait before trying a failed call again.
//!
//! The policy is plain data, and [`RetryPolicy::decide`] is the whole decision after an
//! attempt, a pure function; the send loop (`send.rs`) only carries it out. A call is retried only
//! when it failed in a way another attempt can fix (connection errors, timeouts, HTTP or
//! in-body 429/502/503/504) and only when repeating it is safe: reads always, writes only when
//! the caller opted in with [`RetryPolicy::retry_writes`].

use std::time::{Duration, SystemTime};

use crate::envelope::Reply;
use crate::error::is_retryable_status;

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
        // `mul_f64` would panic when a huge bound rounds above `Duration::MAX`.
        Duration::try_from_secs_f64(bound.as_secs_f64() * unit.clamp(0.0, 1.0)).unwrap_or(bound)
    }
}

/// What one attempt came to, as far as the retry decision is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing was sent: the request could not be authenticated (no management token could
    /// be had, or no signature made). `retryable` when another try can fix it (the token
    /// endpoint failed transiently).
    Unauthenticated { retryable: bool },
    /// No complete response: connect error, timeout, reset, truncated body. `transient`
    /// unless the request itself was at fault.
    Failed { transient: bool },
    /// A complete response: its HTTP status, the envelope's `statusCode` if any, and the
    /// server's `Retry-After` if any.
    Answered {
        http_status: u16,
        in_body: Option<i64>,
        retry_after: Option<Duration>,
    },
}

impl Outcome {
    /// The classification of a complete answer: its statuses and the server's `Retry-After`
    /// (delay seconds or an HTTP date, read against `now()`, which is asked only for a date). Made once per answer; the decision
    /// reads nothing else of it.
    pub(crate) fn of(reply: &Reply, now: impl FnOnce() -> SystemTime) -> Self {
        Outcome::Answered {
            http_status: reply.status.as_u16(),
            in_body: reply.head().and_then(|h| h.status_code),
            retry_after: reply
                .headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now)),
        }
    }
}

/// Where a call stands when an attempt has ended.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Progress {
    /// Failed attempts so far, the one just ended included (re-authentication excluded).
    pub(crate) failures: u32,
    /// Whether the operation only reads.
    pub(crate) read: bool,
    /// Whether the request carried a management token that a refresh could replace.
    pub(crate) token: bool,
    /// Whether the call already re-authenticated once.
    pub(crate) reauthenticated: bool,
    /// Time left before the total timeout; `None` when there is no limit.
    pub(crate) remaining: Option<Duration>,
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The attempt's result is the call's result.
    Return,
    /// The token was refused: drop it, get a new one and send again at once. This is
    /// authentication, not a retry, and happens once per call.
    Reauthenticate,
    /// Wait this long, then send again.
    Retry(Duration),
}

impl RetryPolicy {
    /// The decision after an attempt: a pure function of its outcome, the call's progress
    /// and `jitter`, which gives a random number in `[0, 1)` for the backoff (asked for only
    /// when there is a backoff to compute, so a successful call draws none).
    pub(crate) fn decide(
        &self,
        outcome: Outcome,
        progress: Progress,
        jitter: impl FnOnce() -> f64,
    ) -> Decision {
        let (retryable, allowed, retry_after) = match outcome {
            // Nothing reached the server, so even a write is safe to try again.
            Outcome::Unauthenticated { retryable } => (retryable, self.max_attempts, None),
            Outcome::Failed { transient } => (transient, self.attempts_for(progress.read), None),
            Outcome::Answered {
                http_status,
                in_body,
                retry_after,
            } => {
                if (http_status == 401 || in_body == Some(401))
                    && progress.token
                    && !progress.reauthenticated
                {
                    return Decision::Reauthenticate;
                }
                let retryable = is_retryable_status(i64::from(http_status))
                    || in_body.is_some_and(is_retryable_status);
                (retryable, self.attempts_for(progress.read), retry_after)
            }
        };
        if !retryable || progress.failures >= allowed {
            return Decision::Return;
        }
        let delay = match retry_after {
            // A server asking for longer than we wait gets its answer returned.
            Some(wait) if wait > self.max_retry_after => return Decision::Return,
            Some(wait) => wait,
            None => self.backoff_for(progress.failures, jitter()),
        };
        match progress.remaining {
            Some(left) if delay >= left => Decision::Return,
            _ => Decision::Retry(delay),
        }
    }
}

/// A `Retry-After` value: delay seconds or an HTTP date (a date in the past means now).
fn parse_retry_after(value: &str, now: impl FnOnce() -> SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now()).unwrap_or(Duration::ZERO))
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

    fn progress(failures: u32) -> Progress {
        Progress {
            failures,
            read: true,
            token: false,
            reauthenticated: false,
            remaining: Some(Duration::from_secs(60)),
        }
    }

    fn answered(http_status: u16, in_body: Option<i64>) -> Outcome {
        Outcome::Answered {
            http_status,
            in_body,
            retry_after: None,
        }
    }

    #[test]
    fn decisions_follow_outcome_and_progress() {
        let p = RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_secs(1));
        let half = |ms| Decision::Retry(Duration::from_millis(ms));
        // Success and non-retryable failures return at once.
        assert_eq!(
            p.decide(answered(200, Some(200)), progress(1), || 0.5),
            Decision::Return
        );
        assert_eq!(
            p.decide(answered(200, Some(403)), progress(1), || 0.5),
            Decision::Return
        );
        assert_eq!(
            p.decide(answered(404, None), progress(1), || 0.5),
            Decision::Return
        );
        assert_eq!(
            p.decide(Outcome::Failed { transient: false }, progress(1), || 0.5),
            Decision::Return
        );
        // Retryable: HTTP or in-body status, transport failures; backoff grows.
        assert_eq!(p.decide(answered(503, None), progress(1), || 0.5), half(50));
        assert_eq!(
            p.decide(answered(200, Some(429)), progress(2), || 0.5),
            half(100)
        );
        assert_eq!(
            p.decide(Outcome::Failed { transient: true }, progress(1), || 0.5),
            half(50)
        );
        // Attempts run out.
        assert_eq!(
            p.decide(answered(503, None), progress(3), || 0.5),
            Decision::Return
        );
        // Writes: one attempt, unless nothing was sent (no token).
        let write = Progress {
            read: false,
            ..progress(1)
        };
        assert_eq!(
            p.decide(answered(503, None), write, || 0.5),
            Decision::Return
        );
        assert_eq!(
            p.decide(Outcome::Unauthenticated { retryable: true }, write, || 0.5),
            half(50)
        );
        assert_eq!(
            p.decide(
                Outcome::Unauthenticated { retryable: false },
                progress(1),
                || 0.5
            ),
            Decision::Return
        );
        // Retry-After: obeyed up to the cap, and never past the deadline.
        let after = |secs| Outcome::Answered {
            http_status: 429,
            in_body: None,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            p.decide(after(7), progress(1), || 0.5),
            Decision::Retry(Duration::from_secs(7))
        );
        assert_eq!(p.decide(after(31), progress(1), || 0.5), Decision::Return);
        let short = Progress {
            remaining: Some(Duration::from_secs(5)),
            ..progress(1)
        };
        assert_eq!(p.decide(after(7), short, || 0.5), Decision::Return);
        let unlimited = Progress {
            remaining: None,
            ..progress(1)
        };
        let patient = p.max_retry_after(Duration::MAX);
        assert_eq!(
            patient.decide(after(u64::MAX), unlimited, || 0.5),
            Decision::Retry(Duration::from_secs(u64::MAX))
        );
        // A refused token: one re-authentication per call, in token mode only.
        let token = Progress {
            token: true,
            ..progress(1)
        };
        assert_eq!(
            p.decide(answered(401, None), token, || 0.5),
            Decision::Reauthenticate
        );
        assert_eq!(
            p.decide(answered(200, Some(401)), token, || 0.5),
            Decision::Reauthenticate
        );
        let again = Progress {
            reauthenticated: true,
            ..token
        };
        assert_eq!(
            p.decide(answered(401, None), again, || 0.5),
            Decision::Return
        );
        assert_eq!(
            p.decide(answered(401, None), progress(1), || 0.5),
            Decision::Return
        );
    }

    #[test]
    fn huge_backoff_settings_do_not_panic() {
        let p = RetryPolicy::default().backoff(Duration::MAX, Duration::MAX);
        assert_eq!(p.backoff_for(1, 7.0), Duration::MAX);
        assert!(p.backoff_for(1, 0.999_999_9) > Duration::from_secs(1 << 63));
        assert!(p.backoff_for(40, 0.5) > Duration::from_secs(1 << 60));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_356_800);
        assert_eq!(
            parse_retry_after(" 7 ", || now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Jul 2025 08:00:05 GMT", || now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Jul 2025 07:00:00 GMT", || now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", || now), None);
        assert_eq!(parse_retry_after("-1", || now), None);
    }
}
