//! Retries: 503s over HTTP and in the body, `Retry-After` as seconds and as a date and its
//! cap, writes sent once unless the caller opts in, no retries at all, and token mode retrying
//! with its cached token.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use genauth::testing::{MockReply, MockRequest};
use genauth::{AuthMode, Error, ManagementClient, RetryPolicy};

use super::{BUSY, DONE, OK, builder, client, finished_within, flaky, ok, read, server, write};

#[tokio::test]
async fn http_503_twice_then_200_succeeds_on_the_third_attempt_with_fresh_signatures() {
    let s = flaky(2, || MockReply::json(503, BUSY), ok).await;
    // A clock that moves one second per reading, to see each attempt re-dated.
    let tick = Arc::new(AtomicU64::new(1_751_356_800));
    let c = builder(s.base_url())
        .clock(Arc::new(move || {
            SystemTime::UNIX_EPOCH + Duration::from_secs(tick.fetch_add(1, Ordering::SeqCst))
        }))
        .build()
        .unwrap();
    let otp = read(&c).await.expect("third attempt succeeds");
    assert_eq!(otp.secret.expose_secret(), "S3CR3T");
    assert_eq!(s.requests().len(), 3);
    let seen = s.requests();
    let distinct = |name: &str| {
        let mut values: Vec<_> = seen
            .iter()
            .map(|r| r.header(name).unwrap().to_string())
            .collect();
        values.sort();
        values.dedup();
        values.len()
    };
    assert_eq!(
        distinct("x-genauth-signature-nonce"),
        3,
        "a fresh nonce per attempt"
    );
    assert_eq!(distinct("date"), 3, "a fresh date per attempt");
    assert_eq!(
        distinct("authorization"),
        3,
        "a fresh signature per attempt"
    );
    assert!(
        seen.iter()
            .all(|r| (&r.path, &r.query) == (&seen[0].path, &seen[0].query))
    );
    // Every attempt carries the client's fixed headers again, unchanged.
    for name in [
        "accept",
        "content-type",
        "x-genauth-lang",
        "x-genauth-sdk-version",
        "x-genauth-signature-method",
        "x-genauth-signature-version",
    ] {
        assert!(
            seen[0].header(name).is_some(),
            "{name} on the first attempt"
        );
        assert_eq!(distinct(name), 1, "{name} is the same on every attempt");
    }
}

#[tokio::test]
async fn in_body_503_with_http_200_is_retried_like_http_503() {
    let s = flaky(2, || MockReply::json(200, BUSY), ok).await;
    read(&client(s.base_url()))
        .await
        .expect("third attempt succeeds");
    assert_eq!(s.requests().len(), 3);

    // When every attempt is busy, the last answer is the error.
    let s = server(|_, _| MockReply::json(200, BUSY)).await;
    let err = read(&client(s.base_url())).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Api {
                status_code: 503,
                http_status: 200,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(err.request_id(), Some("r-busy"));
    assert_eq!(s.requests().len(), 3);
}

#[tokio::test]
async fn retry_after_in_seconds_and_as_a_date_is_honoured() {
    let s = flaky(
        1,
        || MockReply::raw("HTTP/1.1 429 X\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n"),
        ok,
    )
    .await;
    let started = Instant::now();
    read(&client(s.base_url()))
        .await
        .expect("second attempt succeeds");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.requests().len(), 2);

    // An HTTP date one second after the client's (pinned) clock.
    let s = flaky(
        1,
        || MockReply::raw("HTTP/1.1 503 X\r\nretry-after: Tue, 01 Jul 2025 08:00:01 GMT\r\ncontent-length: 0\r\n\r\n"),
        ok,
    )
    .await;
    let c = builder(s.base_url())
        .clock(Arc::new(|| {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_356_800)
        }))
        .build()
        .unwrap();
    let started = Instant::now();
    read(&c).await.expect("second attempt succeeds");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.requests().len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_returns_the_429_at_once() {
    let s = server(|_, _| {
        MockReply::raw("HTTP/1.1 429 X\r\nretry-after: 3600\r\nx-request-id: rid-429\r\ncontent-length: 0\r\n\r\n")
    })
    .await;
    let started = Instant::now();
    let err = read(&client(s.base_url())).await.unwrap_err();
    assert!(matches!(&err, Error::Http { status: 429, .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.request_id(), Some("rid-429"));
    assert_eq!(s.requests().len(), 1);
    finished_within(started, Duration::from_secs(5));
}

#[tokio::test]
async fn a_write_is_sent_once_unless_the_caller_opts_in() {
    let busy = |_: &MockRequest, _| MockReply::json(503, BUSY);

    let s = server(busy).await;
    let err = write(&client(s.base_url())).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Api {
                status_code: 503,
                http_status: 503,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(s.requests().len(), 1, "writes are not retried by default");

    let s = server(busy).await;
    let _ = write(&retrying_writes(&client(s.base_url())))
        .await
        .unwrap_err();
    assert_eq!(s.requests().len(), 3, "opted in for this call");

    let s = server(busy).await;
    let c = builder(s.base_url())
        .retry_policy(
            RetryPolicy::default()
                .retry_writes(true)
                .backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let _ = write(&c).await.unwrap_err();
    assert_eq!(s.requests().len(), 3, "opted in for the client");

    let s = flaky(
        1,
        || MockReply::json(503, BUSY),
        || MockReply::json(200, DONE),
    )
    .await;
    let done = write(&retrying_writes(&client(s.base_url())))
        .await
        .unwrap();
    assert!(done.success);
    assert_eq!(s.requests().len(), 2);
    // Each attempt carries the whole body and signs it afresh.
    let seen = s.requests();
    assert_eq!(seen[0].body, seen[1].body);
    assert_eq!(seen[0].method, "POST");
    assert_ne!(
        seen[0].header("authorization"),
        seen[1].header("authorization")
    );
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let s = server(|_, _| MockReply::json(502, "<html>bad gateway</html>")).await;
    let c = client(s.base_url()).with_retry_policy(RetryPolicy::none());
    let err = read(&c).await.unwrap_err();
    assert!(matches!(&err, Error::Http { status: 502, .. }), "{err:?}");
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn token_mode_retries_with_the_cached_token() {
    let s = server(|req, n| {
        if req.path == "/api/v3/get-management-token" {
            MockReply::json(200, r#"{"statusCode":200,"message":"ok","data":{"access_token":"tok-1","expires_in":7200}}"#)
        } else if n == 2 {
            MockReply::json(503, BUSY)
        } else {
            MockReply::json(200, OK)
        }
    })
    .await;
    let c = builder(s.base_url())
        .auth_mode(AuthMode::ManagementToken)
        .build()
        .unwrap();
    read(&c).await.expect("retried after the 503");
    let seen = s.requests();
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/v3/get-management-token",
            "/api/v3/get-otp-secret-by-user",
            "/api/v3/get-otp-secret-by-user"
        ]
    );
    assert!(
        seen[1..]
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer tok-1"))
    );
}

/// A view of `client` that also retries writes.
fn retrying_writes(client: &ManagementClient) -> ManagementClient {
    client.with_retry_policy(client.retry_policy().retry_writes(true))
}
