//! One `genauth.request` span per call, with OpenTelemetry's HTTP client fields (method,
//! server, path, status) and ours (operation, in-body status, attempts, duration, request id);
//! a debug event per attempt and per retry; no bodies, no secrets.

use std::time::Duration;

use genauth::testing::{MockApi, MockReply};
use genauth::{ManagementClient, RetryPolicy};
use tracing_subscriber::fmt::format::FmtSpan;

use crate::support::calls::fetch_otp;
use crate::support::capture::Capture;

const KEY_SECRET: &str = "SK-never-in-logs-41c9";
const OTP: &str = "OTP-never-in-logs-77aa";
const BODY_WORD: &str = "body-text-never-in-logs";

#[tokio::test]
async fn each_call_is_one_span_with_its_outcome_and_retries_are_debug_events() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let busy = format!(r#"{{"statusCode":503,"message":"{BODY_WORD}"}}"#);
    let ok = format!(
        r#"{{"statusCode":200,"message":"{BODY_WORD}","requestId":"req-42","data":{{"secret":"{OTP}"}}}}"#
    );
    let server = MockApi::start_raw(move |_, n| {
        if n == 1 {
            MockReply::json(503, &busy)
        } else {
            MockReply::json(200, &ok)
        }
    })
    .await
    .unwrap();
    let client = ManagementClient::builder()
        .access_key_id("AK_PUBLIC")
        .access_key_secret(KEY_SECRET)
        .host(server.base_url())
        .retry_policy(
            RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let otp = fetch_otp(&client).await.unwrap();
    assert_eq!(otp.secret.expose_secret(), OTP);
    assert_eq!(server.requests().len(), 2);

    let logs = capture.text();
    let closes: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("genauth.request{") && l.contains("close"))
        .collect();
    assert_eq!(closes.len(), 1, "one span per call:\n{logs}");
    let span = closes[0];
    for field in [
        "genauth.operation=\"get_otp_secret_by_user\"",
        "http.request.method=GET",
        "server.address=\"127.0.0.1\"",
        "url.path=\"/api/v3/get-otp-secret-by-user\"",
        "http.response.status_code=200",
        "genauth.status_code=200",
        "genauth.attempts=2",
        "genauth.request_id=\"req-42\"",
        "genauth.duration_ms=",
    ] {
        assert!(span.contains(field), "missing {field} in: {span}");
    }
    let retry = logs
        .lines()
        .find(|l| l.contains("DEBUG") && l.contains("retrying"))
        .unwrap_or_else(|| panic!("no retry event:\n{logs}"));
    assert!(retry.contains("attempt=1"), "{retry}");
    assert!(retry.contains("delay_ms="), "{retry}");
    // Each attempt is an event of its own, the retried answer's statuses in it.
    let attempts: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("DEBUG") && l.contains("attempt answered"))
        .collect();
    assert_eq!(attempts.len(), 2, "{logs}");
    assert!(
        attempts[0].contains("attempt=1") && attempts[0].contains("http.response.status_code=503"),
        "{}",
        attempts[0]
    );
    assert!(
        attempts[0].contains("genauth.status_code=503"),
        "{}",
        attempts[0]
    );
    assert!(attempts[1].contains("attempt=2"), "{}", attempts[1]);

    // Nothing from bodies, no secrets, no signature, and not the query either.
    let signature = server.requests()[0]
        .header("authorization")
        .unwrap()
        .to_string();
    for secret in [
        KEY_SECRET,
        OTP,
        BODY_WORD,
        "u1&",
        "userId=u1",
        signature.as_str(),
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}
