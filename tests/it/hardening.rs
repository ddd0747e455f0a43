//! One test (or more) per defect of the hardening review: each failed before its fix. Loopback
//! servers only.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply, MockRequest};
use genauth::{AuthMode, Error, ManagementClient, ManagementClientBuilder, RetryPolicy};

use crate::support::calls::{bounded, fetch_otp, quick_builder};
use crate::support::capture::Capture;

const OTP_OK: &str = r#"{"statusCode":200,"message":"ok","data":{"secret":"S3CR3T"}}"#;
const DONE: &str = r#"{"statusCode":200,"message":"ok","data":{"success":true}}"#;
const TOKEN_OK: &str =
    r#"{"statusCode":200,"message":"ok","data":{"access_token":"tok-1","expires_in":7200}}"#;
const TOKEN_PATH: &str = "/api/v3/get-management-token";

async fn server(
    handler: impl Fn(&MockRequest, usize) -> MockReply + Send + Sync + 'static,
) -> MockApi {
    MockApi::start_raw(handler).await.unwrap()
}

fn token_builder(base: &str) -> ManagementClientBuilder {
    quick_builder(base).auth_mode(AuthMode::ManagementToken)
}

fn token_hits(server: &MockApi) -> usize {
    server
        .requests()
        .iter()
        .filter(|s| s.path == TOKEN_PATH)
        .count()
}

// 1. The token fetch obeys the attempt timeout, the waiting call's total timeout and the size
//    limit.

#[tokio::test]
async fn a_stalled_token_endpoint_is_cut_by_the_attempt_timeout() {
    let server = server(|seen, _| match seen.path.as_str() {
        TOKEN_PATH => MockReply::json(200, TOKEN_OK).after(Duration::from_secs(30)),
        _ => MockReply::json(200, OTP_OK),
    })
    .await;
    let client = token_builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = bounded(fetch_otp(&client)).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { message: ref m, .. } if m.contains("management token")),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_call_waits_for_a_token_no_longer_than_its_total_timeout() {
    let server = server(|seen, _| match seen.path.as_str() {
        TOKEN_PATH => MockReply::json(200, TOKEN_OK).after(Duration::from_secs(30)),
        _ => MockReply::json(200, OTP_OK),
    })
    .await;
    let client = token_builder(server.base_url())
        .attempt_timeout(Duration::from_secs(60))
        .total_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = bounded(fetch_otp(&client)).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { message: ref m, .. } if m.contains("total timeout") && m.contains("management token")),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_oversized_token_answer_is_not_read() {
    let big = format!(
        r#"{{"statusCode":200,"message":"{}","data":{{"access_token":"t","expires_in":60}}}}"#,
        "x".repeat(4096)
    );
    let server = server(move |seen, _| match seen.path.as_str() {
        TOKEN_PATH => MockReply::json(200, &big),
        _ => MockReply::json(200, OTP_OK),
    })
    .await;
    let client = token_builder(server.base_url())
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let err = bounded(fetch_otp(&client)).await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref message, .. } if message.contains("1024")),
        "{err:?}"
    );
}

// 2. Single flight under failure.

#[tokio::test]
async fn one_failed_fetch_answers_every_waiter_of_the_burst() {
    let server = server(|_, _| {
        MockReply::json(503, r#"{"statusCode":503,"message":"busy"}"#)
            .after(Duration::from_millis(100))
    })
    .await;
    let client = token_builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let calls = (0..200).map(|_| fetch_otp(&client));
    let results = bounded(futures::future::join_all(calls)).await;
    assert_eq!(token_hits(&server), 1, "one fetch for the whole burst");
    assert_eq!(server.requests().len(), 1, "no API call without a token");
    for result in results {
        let err = result.unwrap_err();
        assert!(
            err.is_retryable(),
            "a 503 from the token endpoint is retryable: {err:?}"
        );
        assert_eq!(err.http_status(), Some(503), "{err:?}");
    }
}

#[tokio::test]
async fn a_caller_that_gives_up_does_not_cancel_the_fetch_for_others() {
    let server = server(|seen, _| match seen.path.as_str() {
        TOKEN_PATH => MockReply::json(200, TOKEN_OK).after(Duration::from_millis(300)),
        _ => MockReply::json(200, OTP_OK),
    })
    .await;
    let client = token_builder(server.base_url()).build().unwrap();
    // The first caller gives up while the fetch is under way.
    let gave_up = tokio::time::timeout(Duration::from_millis(50), fetch_otp(&client)).await;
    assert!(gave_up.is_err(), "the first call must still be waiting");
    // The next caller joins the same fetch.
    let otp = bounded(fetch_otp(&client)).await.unwrap();
    assert_eq!(otp.secret.expose_secret(), "S3CR3T");
    assert_eq!(token_hits(&server), 1);
}

#[tokio::test]
async fn transient_token_failures_are_retried_even_for_writes() {
    let server = server(|seen, _| match seen.path.as_str() {
        TOKEN_PATH => {
            // The first fetch is reset, the second answers.
            static FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);
            if FIRST.swap(false, std::sync::atomic::Ordering::SeqCst) {
                MockReply::raw("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{").then_reset()
            } else {
                MockReply::json(200, TOKEN_OK)
            }
        }
        _ => MockReply::json(200, DONE),
    })
    .await;
    let client = token_builder(server.base_url()).build().unwrap();
    // A write: nothing reached the API while there was no token, so it is safe to try again.
    let done = bounded(client.delete_by_id().id("ip-1").send()).await;
    assert!(done.is_ok(), "{done:?}");
    assert_eq!(token_hits(&server), 2);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_token_that_is_not_a_header_value_is_refused_and_never_kept() {
    let server = server(|seen, _| match seen.path.as_str() {
        TOKEN_PATH => MockReply::json(
            200,
            r#"{"statusCode":200,"message":"ok","data":{"access_token":"bad\ntoken","expires_in":7200}}"#,
        ),
        _ => MockReply::json(200, OTP_OK),
    })
    .await;
    let client = token_builder(server.base_url()).build().unwrap();
    for pause in [0, 0, 300] {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let err = bounded(fetch_otp(&client)).await.unwrap_err();
        assert!(
            matches!(err, Error::Auth { message: ref m, .. } if m.contains("header value")),
            "{err:?}"
        );
    }
    // The second call came within the cooldown and shared the failure; the third, after it,
    // fetched again: a refused token is never kept.
    assert_eq!(token_hits(&server), 2);
}

// 3. Path parameters reach the server as one segment, or not at all.

#[tokio::test]
async fn path_parameters_cannot_change_the_path() {
    let server = server(|_, _| MockReply::json(200, DONE)).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let id = "..\\user-list\\X";
    client.delete_by_id().id(id).send().await.unwrap();
    client.delete_user_list_by_id().id(id).send().await.unwrap();
    client
        .delete_risk_list_policy_by_id()
        .id("a/../b")
        .send()
        .await
        .unwrap();
    let paths: Vec<String> = server.requests().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/api/v3/ip-list/..%5Cuser-list%5CX",
            "/api/v3/user-list/..%5Cuser-list%5CX",
            "/api/v3/risk-list-policy/a%2F..%2Fb",
        ]
    );
    for bad in ["..", ".", ""] {
        for result in [
            client.delete_by_id().id(bad).send().await.map(|_| ()),
            client
                .delete_user_list_by_id()
                .id(bad)
                .send()
                .await
                .map(|_| ()),
            client
                .delete_risk_list_policy_by_id()
                .id(bad)
                .send()
                .await
                .map(|_| ()),
        ] {
            let err = result.unwrap_err();
            assert!(
                matches!(err, Error::InvalidRequest(ref m) if m.contains("path parameter `id`")),
                "{err:?}"
            );
            let text = err.to_string();
            assert_eq!(text.matches("invalid request").count(), 1, "{text}");
        }
    }
    assert_eq!(server.requests().len(), 3, "refused ids send nothing");
}

// 4. The query never reaches error texts or logs.

const EMAIL: &str = "alice.private@example.com";

async fn lookup_by_email(client: &ManagementClient) -> Error {
    let result = client.get_otp_secret_by_user().user_id(EMAIL).send().await;
    result.unwrap_err()
}

fn assert_no_query(err: &Error, logs: &str) {
    for text in [err.to_string(), format!("{err:?}"), logs.to_string()] {
        assert!(!text.contains("alice"), "query leaked: {text}");
        assert!(!text.contains("userId="), "query leaked: {text}");
    }
}

fn capture_logs() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (capture, guard)
}

#[tokio::test(flavor = "current_thread")]
async fn no_query_in_errors_or_logs_on_reset_timeout_and_refusal() {
    let (logs, _guard) = capture_logs();
    // Connection reset, retried, then reported.
    let reset = server(|_, _| {
        MockReply::raw("HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{").then_reset()
    })
    .await;
    let err = lookup_by_email(&quick_builder(reset.base_url()).build().unwrap()).await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(reset.requests().len(), 3);
    assert_no_query(&err, &logs.text());
    // A timeout.
    let slow = server(|_, _| MockReply::json(200, OTP_OK).after(Duration::from_secs(5))).await;
    let client = quick_builder(slow.base_url())
        .retry_policy(RetryPolicy::none())
        .attempt_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = lookup_by_email(&client).await;
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_no_query(&err, &logs.text());
    // Connection refused.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let client = quick_builder(&format!("http://{closed}")).build().unwrap();
    let err = lookup_by_email(&client).await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_no_query(&err, &logs.text());
    assert!(
        logs.text().contains("attempt failed"),
        "the failures were logged"
    );
}

// 5. Plain http to a remote host is refused unless asked for, with a warning then.

#[test]
fn plain_http_needs_an_explicit_opt_in_and_warns() {
    let err = quick_builder("http://api.genauth.ai").build().unwrap_err();
    assert!(
        matches!(err, Error::Config(ref m) if m.contains("allow_insecure_http")),
        "{err:?}"
    );
    let (logs, _guard) = capture_logs();
    quick_builder("http://api.genauth.ai")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert!(
        logs.text().contains("plain http allowed"),
        "{}",
        logs.text()
    );
}

// 7. No setting and no answer panics the client.

#[tokio::test]
async fn extreme_settings_and_answers_do_not_panic() {
    let server = server(|_, n| match n {
        1 => MockReply::raw(
            "HTTP/1.1 503 X\r\nretry-after: 18446744073709551615\r\ncontent-length: 0\r\n\r\n",
        ),
        _ => MockReply::json(200, OTP_OK),
    })
    .await;
    // A huge Retry-After with an unlimited cap: the 503 is returned, since waiting would
    // overrun the total timeout.
    let client = quick_builder(server.base_url())
        .retry_policy(RetryPolicy::default().max_retry_after(Duration::MAX))
        .total_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = bounded(fetch_otp(&client)).await.unwrap_err();
    assert_eq!(err.http_status(), Some(503), "{err:?}");
    // Unlimited timeouts and backoff, and a clock before 1970.
    let client = quick_builder(server.base_url())
        .total_timeout(Duration::MAX)
        .attempt_timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .retry_policy(RetryPolicy::default().backoff(Duration::MAX, Duration::MAX))
        .clock(Arc::new(|| {
            SystemTime::UNIX_EPOCH - Duration::from_secs(3600)
        }))
        .build()
        .unwrap();
    bounded(fetch_otp(&client)).await.unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.header("date"), Some("Thu, 01 Jan 1970 00:00:00 GMT"));
}

// 8. In-body failures of data-less envelopes fail `send()` itself.

#[tokio::test]
async fn in_body_failures_fail_send_for_every_envelope() {
    let server = server(|_, _| {
        MockReply::json(
            200,
            r#"{"statusCode":403,"message":"forbidden","apiCode":40301,"requestId":"r-9"}"#,
        )
    })
    .await;
    let client = quick_builder(server.base_url()).build().unwrap();
    // CommonResponseDto: an envelope without data.
    let err = client.delete_by_id().id("ip-1").send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Api { status_code: 403, api_code: Some(40301), http_status: 200, ref request_id, .. }
                if request_id.as_deref() == Some("r-9")
        ),
        "{err:?}"
    );
    // And one with data.
    let err = fetch_otp(&client).await.unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(genauth::ApiCode::from(40301)),
        "{err:?}"
    );
}

// 9. An empty list is sent; an unset one is not.

#[tokio::test]
async fn empty_lists_go_on_the_wire_and_unset_ones_do_not() {
    let server = server(|_, _| MockReply::json(200, DONE)).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let _ = client
        .update_security_settings()
        .body_map(|b| b.allowed_origins(Some(Vec::new())))
        .send()
        .await;
    let _ = client
        .update_security_settings()
        .body_map(|b| b.allowed_origins(None::<Vec<String>>))
        .send()
        .await;
    let bodies: Vec<serde_json::Value> = server
        .requests()
        .iter()
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["allowedOrigins"], serde_json::json!([]));
    assert!(bodies[1].get("allowedOrigins").is_none(), "{}", bodies[1]);
}

// 10. A secret read from a file with its newline signs like the bare secret.

#[tokio::test]
async fn a_secret_with_a_trailing_newline_signs_like_the_trimmed_one() {
    let server = server(|_, _| MockReply::json(200, OTP_OK)).await;
    let pinned = |secret: &str| {
        quick_builder(server.base_url())
            .access_key_secret(secret)
            .clock(Arc::new(|| {
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_356_800)
            }))
            .nonce_source(Arc::new(|| "0123456789abcdef0123456789abcdef".to_string()))
            .build()
            .unwrap()
    };
    fetch_otp(&pinned("SK-value")).await.unwrap();
    fetch_otp(&pinned("SK-value\n")).await.unwrap();
    fetch_otp(&pinned("  SK-value \r\n")).await.unwrap();
    let auth: Vec<String> = server
        .requests()
        .iter()
        .map(|s| s.header("authorization").unwrap().to_string())
        .collect();
    assert_eq!(auth[0], auth[1]);
    assert_eq!(auth[0], auth[2]);
}
