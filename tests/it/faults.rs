//! Fault injection: loopback servers that fail in the ways real networks and servers do. Every
//! case must end in success or a typed `genauth::Error` (never a panic or a hang), and the
//! number of requests the server saw is asserted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply, MockRequest};
use genauth::{AuthMode, Error, ManagementClient, ManagementClientBuilder, RetryPolicy, types};

use crate::support::calls::{bounded, fetch_otp, quick_builder};

const OK: &str =
    r#"{"statusCode":200,"message":"ok","requestId":"r-ok","data":{"secret":"S3CR3T"}}"#;
const BUSY: &str = r#"{"statusCode":503,"message":"busy","requestId":"r-busy"}"#;
const DONE: &str = r#"{"statusCode":200,"message":"ok","data":{"success":true}}"#;

/// Asserts the call that began at `started` ended before `limit`.
fn finished_within(started: Instant, limit: Duration) {
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}, limit {limit:?}");
}

/// A client for `base` with quick backoff and roomy timeouts.
fn builder(base: &str) -> ManagementClientBuilder {
    quick_builder(base)
        .attempt_timeout(Duration::from_secs(5))
        .total_timeout(Duration::from_secs(15))
}

fn client(base: &str) -> ManagementClient {
    builder(base).build().unwrap()
}

async fn server(
    handler: impl Fn(&MockRequest, usize) -> MockReply + Send + Sync + 'static,
) -> MockApi {
    MockApi::start_raw(handler).await.unwrap()
}

/// A server whose first `failures` answers come from `fail` and the rest from `then`.
async fn flaky(
    failures: usize,
    fail: impl Fn() -> MockReply + Send + Sync + 'static,
    then: impl Fn() -> MockReply + Send + Sync + 'static,
) -> MockApi {
    server(move |_, n| if n <= failures { fail() } else { then() }).await
}

fn ok() -> MockReply {
    MockReply::json(200, OK)
}

/// The seed read, down to its data.
async fn read(client: &ManagementClient) -> Result<types::OtpSecretRespDto, Error> {
    bounded(fetch_otp(client)).await
}

/// A write (`POST /api/v3/delete-users-batch`), down to its data.
async fn write(client: &ManagementClient) -> Result<types::IsSuccessDto, Error> {
    bounded(async {
        client
            .delete_users_batch()
            .body_map(|b| b.user_ids(vec!["u1".to_string()]))
            .send()
            .await?
            .into_data()
    })
    .await
}

fn raw(status: u16, content_type: &str, body: &[u8]) -> MockReply {
    let mut bytes = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    MockReply::raw(bytes)
}

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
async fn a_server_slower_than_the_attempt_timeout_times_out_each_attempt() {
    let s = server(|_, _| MockReply::json(200, OK).after(Duration::from_secs(10))).await;
    let c = builder(s.base_url())
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = read(&c).await.unwrap_err();
    assert!(matches!(&err, Error::Timeout(_)), "{err:?}");
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
    assert!(matches!(&err, Error::Timeout(_)), "{err:?}");
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
        matches!(&err, Error::Timeout(m) if m.contains("total timeout of 300ms") && m.contains("1 attempt")),
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

#[tokio::test]
async fn a_connection_reset_mid_body_is_retried_then_a_transport_error() {
    let half = &OK[..30];
    let s = server(move |_, _| {
        MockReply::raw(format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{half}",
            OK.len()
        ))
        .then_reset()
    })
    .await;
    let err = read(&client(s.base_url())).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(s.requests().len(), 3);

    // A reset on the first attempt only costs one retry.
    let s = flaky(
        1,
        move || {
            MockReply::raw(format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{half}",
                OK.len()
            ))
            .then_reset()
        },
        ok,
    )
    .await;
    read(&client(s.base_url()))
        .await
        .expect("second attempt succeeds");
    assert_eq!(s.requests().len(), 2);
}

#[tokio::test]
async fn connection_refused_is_retried_then_a_transport_error() {
    // Bind, learn the port, close: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = read(&client(&base)).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_without_retry() {
    let s = server(|_, _| MockReply::json(200, &OK[..OK.len() - 9])).await;
    let err = read(&client(s.base_url())).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn an_html_502_page_is_retried_then_an_http_error() {
    let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
    let s = server(move |_, _| raw(502, "text/html", page.as_bytes())).await;
    let err = read(&client(s.base_url())).await.unwrap_err();
    assert!(
        matches!(&err, Error::Http { status: 502, body_snippet, .. } if body_snippet == page),
        "{err:?}"
    );
    assert_eq!(s.requests().len(), 3);
}

#[tokio::test]
async fn an_empty_200_is_a_decode_error() {
    let s = server(|_, _| raw(200, "application/json", b"")).await;
    let err = read(&client(s.base_url())).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn a_status_code_sent_as_a_string_counts_as_the_number() {
    let s = server(|_, n| match n {
        1 => MockReply::json(
            200,
            r#"{"statusCode":"200","message":"ok","data":{"secret":"S3CR3T"}}"#,
        ),
        _ => MockReply::json(
            200,
            r#"{"statusCode":"403","message":"no","apiCode":"40301"}"#,
        ),
    })
    .await;
    let otp = read(&client(s.base_url())).await.unwrap();
    assert_eq!(otp.secret.expose_secret(), "S3CR3T");
    // A failure sent as strings fails `send()` itself, like any in-body failure.
    let err = client(s.base_url())
        .get_otp_secret_by_user()
        .user_id("u1")
        .send()
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Api {
                status_code: 403,
                api_code: Some(40301),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_200_with_data_misshapen_is_a_decode_error_and_missing_data_its_default() {
    // `data` missing from a success: its type can be built empty (every field has a
    // default), so it decodes as the empty value.
    let s = server(|_, _| MockReply::json(200, r#"{"statusCode":200,"message":"ok"}"#)).await;
    let otp = read(&client(s.base_url())).await.unwrap();
    assert_eq!(otp.secret.expose_secret(), "");
    for body in [
        r#"{"statusCode":200,"message":"ok","data":"S3CR3T"}"#,
        r#"{"statusCode":200,"message":"ok","data":{"secret":42}}"#,
    ] {
        let s = server(move |_, _| MockReply::json(200, body)).await;
        let err = read(&client(s.base_url())).await.unwrap_err();
        let Error::Decode {
            status: 200,
            body_snippet,
            ..
        } = &err
        else {
            panic!("{body}: {err:?}");
        };
        // No value of the answer reaches the error, its text or its Debug.
        assert!(!format!("{err} {err:?}").contains("S3CR3T"), "{err:?}");
        if body.contains(r#""secret":"S3CR3T""#) {
            assert!(!err.to_string().contains("S3CR3T"), "{err}");
            assert!(
                body_snippet.contains(r#""secret":"[REDACTED]""#),
                "{body_snippet}"
            );
        }
        assert_eq!(s.requests().len(), 1, "{body}");
    }
}

fn big_ok(secret_len: usize) -> Vec<u8> {
    let mut body = br#"{"statusCode":200,"message":"ok","data":{"secret":""#.to_vec();
    body.extend(std::iter::repeat_n(b'a', secret_len));
    body.extend_from_slice(br#""}}"#);
    body
}

#[tokio::test]
async fn a_20_mb_body_decodes_and_a_limit_rejects_it() {
    const SIZE: usize = 20 << 20;
    let body = Arc::new(big_ok(SIZE));
    let b = body.clone();
    let s = server(move |_, _| raw(200, "application/json", &b)).await;
    let otp = read(&client(s.base_url()))
        .await
        .expect("a 20 MB body is fine");
    assert_eq!(otp.secret.expose_secret().len(), SIZE);
    assert_eq!(s.requests().len(), 1);

    // Announced by content-length: refused before reading.
    let limited = builder(s.base_url())
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    let err = read(&limited).await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { status: 200, message, .. } if message.contains("1048576")),
        "{err:?}"
    );
    assert_eq!(s.requests().len(), 2);

    // Not announced (read until close): refused once the limit is crossed.
    let b = body.clone();
    let s = server(move |_, _| {
        let mut bytes =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
                .to_vec();
        bytes.extend_from_slice(&b);
        MockReply::raw(bytes)
    })
    .await;
    let limited = builder(s.base_url())
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    let err = read(&limited).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error_or_a_lossy_snippet() {
    let mut bad = br#"{"statusCode":200,"message":"ok","data":{"secret":"ab"#.to_vec();
    bad.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    bad.extend_from_slice(br#""}}"#);
    let body = bad.clone();
    let s = server(move |_, _| raw(200, "application/json", &body)).await;
    let err = read(&client(s.base_url())).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
    assert_eq!(s.requests().len(), 1);

    let s = server(|_, _| raw(404, "text/plain", &[b'n', b'o', 0xff, b'!'])).await;
    let err = read(&client(s.base_url())).await.unwrap_err();
    assert!(
        matches!(&err, Error::Http { status: 404, body_snippet, .. } if body_snippet == "no\u{fffd}!"),
        "{err:?}"
    );
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
