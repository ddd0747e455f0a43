//! Timeouts: a server slower than the attempt timeout (the client's or a view's), and the
//! total timeout bounding a whole call with its retries.

use std::time::{Duration, Instant};

use genauth::testing::MockReply;
use genauth::{Error, RetryPolicy};

use super::{BUSY, OK, builder, client, finished_within, read, server};

#[tokio::test]
async fn a_server_slower_than_the_attempt_timeout_times_out_each_attempt() {
    let s = server(|_, _| MockReply::json(200, OK).after(Duration::from_secs(10))).await;
    let c = builder(s.base_url())
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = read(&c).await.unwrap_err();
    assert!(matches!(&err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(s.requests().len(), 3);
    finished_within(started, Duration::from_secs(3));
}

#[tokio::test]
async fn a_view_with_a_shorter_attempt_timeout_times_out_each_attempt_at_it() {
    let s = server(|_, _| MockReply::json(200, OK).after(Duration::from_secs(10))).await;
    // The client's own attempt timeout (5 s) would not fire within the limit below.
    let c = client(s.base_url())
        .with_timeouts(Duration::from_millis(200), Duration::from_secs(15))
        .unwrap();
    let started = Instant::now();
    let err = read(&c).await.unwrap_err();
    assert!(matches!(&err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(s.requests().len(), 3);
    finished_within(started, Duration::from_secs(3));
}

#[tokio::test]
async fn the_total_timeout_bounds_the_whole_call() {
    let s = server(|_, _| MockReply::json(200, OK).after(Duration::from_secs(10))).await;
    let c = builder(s.base_url())
        .attempt_timeout(Duration::from_secs(5))
        .total_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = read(&c).await.unwrap_err();
    assert!(
        matches!(&err, Error::Timeout { message: m, .. } if m.contains("total timeout of 300ms") && m.contains("1 attempt")),
        "{err:?}"
    );
    assert_eq!(s.requests().len(), 1);
    finished_within(started, Duration::from_secs(2));

    // A backoff that would overrun the deadline is not started: the last answer is returned.
    let s = server(|_, _| MockReply::json(503, BUSY)).await;
    let c = builder(s.base_url())
        .retry_policy(
            RetryPolicy::default().backoff(Duration::from_secs(5), Duration::from_secs(5)),
        )
        .total_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    // Full jitter may pick a short wait; whatever it picks, the call ends by the deadline.
    let started = Instant::now();
    let err = read(&c).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Api {
                status_code: 503,
                ..
            }
        ),
        "{err:?}"
    );
    finished_within(started, Duration::from_secs(2));
}
