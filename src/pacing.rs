//! A client-wide rate: every request sent for a call (each attempt, retries included, from
//! every view of the client) takes the next turn of one [`Pacer`], turns evenly spaced at the
//! rate the builder set ([`max_requests_per_second`](crate::ManagementClientBuilder::max_requests_per_second)).
//! Off unless set. Turns are kept on tokio's clock.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The turns of one client.
pub(crate) struct Pacer {
    /// The time between two turns.
    interval: Duration,
    /// When the next free turn comes; `None` before the first.
    next: Mutex<Option<Instant>>,
    /// Turns handed out (unit tests read it).
    #[cfg(test)]
    taken: std::sync::atomic::AtomicU64,
}

impl Pacer {
    /// Turns `per_second` times a second (already checked: finite and above zero).
    pub(crate) fn new(per_second: f64) -> Self {
        Self {
            interval: Duration::try_from_secs_f64(1.0 / per_second).unwrap_or(Duration::MAX),
            next: Mutex::new(None),
            #[cfg(test)]
            taken: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The rate, for messages.
    pub(crate) fn per_second(&self) -> f64 {
        1.0 / self.interval.as_secs_f64()
    }

    /// Takes the next turn and says how long to wait for it; `None`, with nothing taken, when
    /// the turn would come later than `within` (what is left of the call's total timeout).
    pub(crate) fn take(&self, within: Option<Duration>) -> Option<Duration> {
        let now = Instant::now();
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let at = next.map_or(now, |next| next.max(now));
        let wait = at - now;
        if within.is_some_and(|left| wait > left) {
            return None;
        }
        // A rate so slow that the next turn is past the clock's end leaves no later turn.
        *next = Some(at.checked_add(self.interval).unwrap_or(at));
        #[cfg(test)]
        self.taken
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(wait)
    }

    /// Turns taken so far.
    #[cfg(test)]
    pub(crate) fn taken(&self) -> u64 {
        self.taken.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn turns_are_evenly_spaced_and_never_past_the_deadline() {
        let pacer = Pacer::new(5.0);
        let start = Instant::now();
        assert_eq!(pacer.take(None), Some(Duration::ZERO));
        assert_eq!(pacer.take(None), Some(Duration::from_millis(200)));
        assert_eq!(pacer.take(None), Some(Duration::from_millis(400)));
        // A turn after what is left of the call is not taken.
        assert_eq!(pacer.take(Some(Duration::from_millis(500))), None);
        assert_eq!(
            pacer.take(Some(Duration::from_millis(600))),
            Some(Duration::from_millis(600))
        );
        assert_eq!(pacer.taken(), 4);
        // Once the clock passes the turns, the next comes at once, and the spacing restarts.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
        assert_eq!(pacer.take(None), Some(Duration::ZERO));
        assert_eq!(pacer.take(None), Some(Duration::from_millis(200)));
        assert!((pacer.per_second() - 5.0).abs() < 1e-9);
    }

    #[tokio::test(start_paused = true)]
    async fn callers_that_wait_for_their_turns_go_at_the_rate() {
        let pacer = std::sync::Arc::new(Pacer::new(10.0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let pacer = pacer.clone();
            tasks.push(tokio::spawn(async move {
                let wait = pacer.take(None).unwrap();
                tokio::time::sleep(wait).await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap() - start);
        }
        times.sort();
        // 20 turns at 10 a second: the last one 1.9 s after the first, 100 ms apart.
        assert_eq!(times[0], Duration::ZERO);
        assert_eq!(times[19], Duration::from_millis(1900));
        for pair in times.windows(2) {
            assert_eq!(pair[1] - pair[0], Duration::from_millis(100));
        }
    }
}
