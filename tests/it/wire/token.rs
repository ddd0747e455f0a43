//! Token mode: one fetch shared by concurrent calls, a refresh and a single retry after a 401,
//! failures shared for a cooldown, views with timeouts of their own, how long a token is kept,
//! and token answers refused when their status or lifetime is unusable.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply};
use genauth::{AuthMode, Error, ManagementClient};

use super::{OTP, SAMPLE, SECRET};
use crate::support::calls::{bounded, fetch_otp, quick_builder};

fn jwt(pool: &str, n: usize) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.sig{n}",
        b64(r#"{"alg":"HS256"}"#),
        b64(&format!(r#"{{"scoped_userpool_id":"{pool}"}}"#))
    )
}

/// A loopback server whose token endpoint answers `token(n)` (`n` counts requests, from 1)
/// and whose every other path answers `SAMPLE`.
async fn token_server(token: impl Fn(usize) -> MockReply + Send + Sync + 'static) -> MockApi {
    MockApi::start_raw(move |req, n| {
        if req.path == "/api/v3/get-management-token" {
            token(n)
        } else {
            MockReply::json(200, SAMPLE)
        }
    })
    .await
    .unwrap()
}

fn token_reply(n: usize) -> MockReply {
    token_lasting("7200", n)
}

/// The `n`th token, with `expires_in` written as `lifetime` (JSON).
fn token_lasting(lifetime: &str, n: usize) -> MockReply {
    MockReply::json(
        200,
        &format!(
            r#"{{"statusCode":200,"message":"ok","data":{{"access_token":"{}","expires_in":{lifetime}}}}}"#,
            jwt("pool-1", n)
        ),
    )
}

#[tokio::test]
async fn token_mode_fetches_one_token_for_100_concurrent_first_calls() {
    let server = token_server(|_| token_reply(1).after(Duration::from_millis(50))).await;
    let client = token_client(server.base_url());
    let calls = (0..100).map(|_| {
        let c = client.clone();
        tokio::spawn(async move {
            c.get_otp_secret_by_user()
                .user_id("u1")
                .send()
                .await?
                .into_data()
        })
    });
    for r in futures_join(calls).await {
        assert_eq!(r.unwrap().secret.expose_secret(), OTP);
    }
    let seen = server.requests();
    let token_requests: Vec<_> = seen
        .iter()
        .filter(|r| r.path == "/api/v3/get-management-token")
        .collect();
    assert_eq!(token_requests.len(), 1, "exactly one token fetch");
    let body: serde_json::Value = serde_json::from_slice(&token_requests[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"accessKeyId": "AK_TEST", "accessKeySecret": SECRET})
    );
    let calls: Vec<_> = seen
        .iter()
        .filter(|r| r.path == "/api/v3/get-otp-secret-by-user")
        .collect();
    assert_eq!(calls.len(), 100);
    let bearer = format!("Bearer {}", jwt("pool-1", 1));
    assert!(
        calls
            .iter()
            .all(|r| r.header("authorization") == Some(bearer.as_str()))
    );
    assert!(
        calls
            .iter()
            .all(|r| r.header("x-genauth-userpool-id") == Some("pool-1"))
    );
    assert!(
        calls
            .iter()
            .all(|r| r.header("x-genauth-signature-nonce").is_none())
    );
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

fn token_client(base: &str) -> ManagementClient {
    ManagementClient::builder()
        .access_key_id("AK_TEST")
        .access_key_secret(SECRET)
        .host(base)
        .auth_mode(AuthMode::ManagementToken)
        .build()
        .unwrap()
}

#[tokio::test]
async fn token_mode_refreshes_and_retries_once_after_a_401() {
    // Both an HTTP 401 and an in-body statusCode 401 count as a rejected token.
    for (status, body) in [
        (401, r#"{"statusCode":401,"message":"expired"}"#),
        (200, r#"{"statusCode":401,"message":"expired"}"#),
    ] {
        let fetches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let f = fetches.clone();
        let server = MockApi::start_raw(move |req, _| {
            if req.path == "/api/v3/get-management-token" {
                token_reply(f.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1)
            } else if req
                .header("authorization")
                .is_some_and(|a| a.ends_with("sig1"))
            {
                MockReply::json(status, body)
            } else {
                MockReply::json(200, SAMPLE)
            }
        })
        .await
        .unwrap();
        let client = token_client(server.base_url());
        let otp = fetch_otp(&client).await.unwrap();
        assert_eq!(otp.secret.expose_secret(), OTP);
        assert_eq!(
            fetches.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "one refresh after the rejection"
        );
        let ops: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.path != "/api/v3/get-management-token")
            .collect();
        assert_eq!(ops.len(), 2, "the call was retried exactly once");
        assert!(ops[1].header("authorization").unwrap().ends_with("sig2"));
    }
}

#[tokio::test]
async fn token_mode_retries_a_401_only_once() {
    let server = MockApi::start_raw(|req, n| {
        if req.path == "/api/v3/get-management-token" {
            token_reply(n)
        } else {
            MockReply::json(401, r#"{"statusCode":401,"message":"nope"}"#)
        }
    })
    .await
    .unwrap();
    let err = token_client(server.base_url())
        .get_otp_secret_by_user()
        .user_id("u1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Api {
                status_code: 401,
                http_status: 401,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        server.requests().len(),
        4,
        "token, call, token, retried call"
    );
}

#[tokio::test]
async fn a_failed_token_fetch_is_an_auth_error_shared_only_for_a_cooldown() {
    let server = token_server(|n| {
        if n == 1 {
            MockReply::json(200, r#"{"statusCode":403,"message":"bad key"}"#)
        } else {
            token_reply(n)
        }
    })
    .await;
    let client = token_client(server.base_url());
    let err = fetch_otp(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Auth { message: m, .. } if m.contains("bad key") && m.contains("403")),
        "{err:?}"
    );
    assert!(!err.to_string().contains(SECRET));
    assert_eq!(
        server.requests().len(),
        1,
        "nothing sent after the failed fetch"
    );
    // Within the cooldown a call shares the failure without asking again...
    let again = fetch_otp(&client).await.unwrap_err();
    assert!(
        matches!(&again, Error::Auth { message: m, .. } if m.contains("bad key")
            && m.contains("failed") && m.contains("ms before this call")),
        "the shared failure says it is one: {again:?}"
    );
    assert_eq!(server.requests().len(), 1, "the failure was shared");
    // ...and after it, the next call fetches anew.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ok = fetch_otp(&client).await.unwrap();
    assert_eq!(ok.secret.expose_secret(), OTP);
    assert_eq!(server.requests().len(), 3, "a second fetch, then the call");
}

// A call's outcome depends only on its own options, never on the view that started a shared
// token fetch.

/// A token-mode client for `base` whose token fetches may take `token_fetch` at most.
fn token_client_with(base: &str, token_fetch: Duration) -> ManagementClient {
    ManagementClient::builder()
        .access_key_id("AK_TEST")
        .access_key_secret(SECRET)
        .host(base)
        .auth_mode(AuthMode::ManagementToken)
        .token_fetch_timeout(token_fetch)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_short_timeout_view_does_not_cut_the_fetch_the_default_client_waits_for() {
    // The token endpoint answers after 300 ms. A view with a 50 ms attempt timeout starts the
    // fetch; the default client's call joins it. The fetch runs under the client's own limit
    // (5 s), so the default call gets the token; only the hurried view's call times out, by
    // its own total timeout.
    let server = token_server(|n| token_reply(n).after(Duration::from_millis(300))).await;
    let client = token_client_with(server.base_url(), Duration::from_secs(5));
    let hurried = client
        .with_timeouts(Duration::from_millis(50), Duration::from_millis(100))
        .unwrap()
        .with_retry_policy(genauth::RetryPolicy::none());
    let first = tokio::spawn(async move { fetch_otp(&hurried).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = fetch_otp(&client).await;
    let first = first.await.unwrap();
    assert!(matches!(&first, Err(Error::Timeout { .. })), "{first:?}");
    let second = second.expect("the default client's call is not failed by the view's timeout");
    assert_eq!(second.secret.expose_secret(), OTP);
    let fetches = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v3/get-management-token")
        .count();
    assert_eq!(fetches, 1, "one fetch served both");
}

#[tokio::test]
async fn a_hung_fetch_started_by_a_long_timeout_view_is_bounded_by_the_client_limit() {
    // The token endpoint never answers in time. A view with 60 s timeouts starts the fetch;
    // the default client's call (no retries, 10 s total) waits for it. The fetch gives up at
    // the client's 300 ms limit, not at the view's 60 s, and the call gets that failure.
    let server = token_server(|n| token_reply(n).after(Duration::from_secs(30))).await;
    let client = token_client_with(server.base_url(), Duration::from_millis(300))
        .with_timeouts(Duration::from_secs(5), Duration::from_secs(10))
        .unwrap()
        .with_retry_policy(genauth::RetryPolicy::none());
    let patient = client
        .with_timeouts(Duration::from_secs(60), Duration::from_secs(120))
        .unwrap();
    let first =
        tokio::spawn(async move { patient.get_otp_secret_by_user().user_id("u1").send().await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let started = std::time::Instant::now();
    let err = fetch_otp(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Timeout { message: m, .. } if m.contains("management token")),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the 300 ms fetch limit, not the 10 s total: {:?}",
        started.elapsed()
    );
    first.abort();
}
#[tokio::test]
async fn a_token_answer_without_status_code_is_refused_and_nothing_is_sent() {
    for token_body in [
        r#"{"data":{"access_token":"tok","expires_in":7200}}"#,
        r#"{"statusCode":200,"message":"ok"}"#,
        r#"{"statusCode":200,"data":{"access_token":"","expires_in":7200}}"#,
    ] {
        let server = token_server(move |_| MockReply::json(200, token_body)).await;
        let client = token_client(server.base_url());
        let err = fetch_otp(&client).await.unwrap_err();
        assert!(matches!(&err, Error::Auth { .. }), "{token_body}: {err:?}");
        assert!(!format!("{err} {err:?}").contains("tok\""), "{err:?}");
        assert_eq!(
            server.requests().len(),
            1,
            "{token_body}: only the token endpoint was asked"
        );
    }
}

#[tokio::test]
async fn a_short_lived_token_is_reused_for_half_its_life() {
    // A token that lives 30 s used to be fetched again for every call (60 s margin).
    let server = token_server(|n| token_lasting("30", n)).await;
    let client = token_client(server.base_url());
    for _ in 0..10 {
        fetch_otp(&client).await.unwrap();
    }
    let fetches = server
        .requests()
        .iter()
        .filter(|s| s.path == "/api/v3/get-management-token")
        .count();
    assert_eq!(fetches, 1);
    assert_eq!(server.requests().len(), 11);
}

#[tokio::test]
async fn a_token_without_a_usable_lifetime_is_refused_instead_of_fetched_for_every_call() {
    // `expires_in` 0, negative or under a second used to mean a fetch before every call.
    for lifetime in ["0", "-5", "0.2"] {
        let server = token_server(move |n| token_lasting(lifetime, n)).await;
        let client = token_client(server.base_url());
        let err = fetch_otp(&client).await.unwrap_err();
        assert!(
            matches!(&err, Error::Auth { message: m, .. } if m.contains("lifetime")),
            "expires_in {lifetime}: {err:?}"
        );
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.path == "/api/v3/get-management-token"),
            "expires_in {lifetime}: no call is sent with such a token"
        );
    }
}

#[tokio::test]
async fn a_failing_token_endpoint_is_asked_about_once_per_retry_round() {
    let server =
        token_server(|_| MockReply::json(503, r#"{"statusCode":503,"message":"busy"}"#)).await;
    let client = quick_builder(server.base_url())
        .auth_mode(AuthMode::ManagementToken)
        .build()
        .unwrap();
    let calls = (0..20).map(|_| fetch_otp(&client));
    let results = bounded(futures::future::join_all(calls)).await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_err_and(Error::is_retryable))
    );
    // 20 calls of 3 attempts each used to make 12 fetches; the failure is now shared for a
    // short cooldown, and these retries (milliseconds apart) fall inside it. On a loaded
    // machine a round of attempts can straddle the end of a cooldown and fetch once more, so
    // the bound allows one extra fetch per round; without the sharing it would be 20 or more.
    let fetches = server.requests().len();
    assert!(fetches <= 6, "{fetches} fetches");
    assert!(
        server
            .requests()
            .iter()
            .all(|s| s.path == "/api/v3/get-management-token")
    );
}
