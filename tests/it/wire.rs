//! The facade on the wire: signed headers (signature recomputed here independently), token
//! mode, and every error variant, against loopback servers.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply};
use genauth::{AuthMode, Brand, Error, Lang, ManagementClient, types};
use hmac::{Hmac, Mac};
use httpmock::prelude::*;

use crate::support::calls::{bounded, fetch_otp, quick_builder};

const DATE: &str = "Tue, 01 Jul 2025 08:00:00 GMT";
const NONCE: &str = "0123456789abcdef0123456789abcdef";
const SECRET: &str = "SK-very-secret-value";
const OTP: &str = "e2345asdfwagw13424";
const SAMPLE: &str = r#"{"statusCode":200,"message":"Operation successful","requestId":"934108e5-9fbf-4d24-8da1-c330328abd6c","data":{"secret":"e2345asdfwagw13424"}}"#;

fn pinned(host: &str, brand: Brand) -> genauth::ManagementClientBuilder {
    ManagementClient::builder()
        .access_key_id("AK_TEST")
        .access_key_secret(SECRET)
        .host(host)
        .brand(brand)
        .tenant_id("tenant-1")
        .lang(Lang::ZhCn)
        .clock(Arc::new(|| {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_356_800)
        }))
        .nonce_source(Arc::new(|| NONCE.to_string()))
}

/// HMAC-SHA1 + base64, written here rather than taken from the SDK.
fn expected_authorization(scheme: &str, sts: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    format!(
        "{scheme} AK_TEST:{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

#[tokio::test]
async fn signed_get_carries_every_header_and_a_correct_signature() {
    for (brand, p, scheme) in [
        (Brand::GenAuth, "x-genauth-", "GenAuth"),
        (Brand::Authing, "x-authing-", "authing"),
    ] {
        let server = MockServer::start_async().await;
        let version = env!("CARGO_PKG_VERSION");
        let sts = format!(
            "GET\ndate:{DATE}\n{p}app-id:tenant-1\n{p}lang:zh-CN\n{p}sdk-version:genauth-rust-sdk:{version}\n{p}signature-method:HMAC-SHA1\n{p}signature-nonce:{NONCE}\n{p}signature-version:1.0\n/api/v3/get-otp-secret-by-user?userId=6319a1504f3xxxxf214dd5b7&userIdType=external_id"
        );
        let mock = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/v3/get-otp-secret-by-user")
                    .is_true(|r| {
                        r.uri().query()
                            == Some("userId=6319a1504f3xxxxf214dd5b7&userIdType=external_id")
                    })
                    .header("date", DATE)
                    .header(format!("{p}signature-nonce"), NONCE)
                    .header(format!("{p}signature-method"), "HMAC-SHA1")
                    .header(format!("{p}signature-version"), "1.0")
                    .header(
                        format!("{p}sdk-version"),
                        format!("genauth-rust-sdk:{version}"),
                    )
                    .header(format!("{p}lang"), "zh-CN")
                    .header(format!("{p}app-id"), "tenant-1")
                    .header("accept", "application/json")
                    .header("authorization", expected_authorization(scheme, &sts))
                    .header_missing("api-version");
                then.status(200).body(SAMPLE);
            })
            .await;
        let client = pinned(&server.base_url(), brand).build().unwrap();
        let otp = client
            .get_otp_secret_by_user()
            .user_id("6319a1504f3xxxxf214dd5b7")
            .user_id_type(types::UserIdType::ExternalId)
            .send()
            .await
            .unwrap()
            .into_data()
            .unwrap();
        mock.assert_async().await;
        assert_eq!(otp.secret.expose_secret(), OTP);
    }
}

#[tokio::test]
async fn a_host_with_a_path_keeps_it_before_the_operation_path_and_signs_the_whole_path() {
    let server = MockServer::start_async().await;
    let version = env!("CARGO_PKG_VERSION");
    let p = "x-genauth-";
    let head = format!(
        "GET\ndate:{DATE}\n{p}app-id:tenant-1\n{p}lang:zh-CN\n{p}sdk-version:genauth-rust-sdk:{version}\n{p}signature-method:HMAC-SHA1\n{p}signature-nonce:{NONCE}\n{p}signature-version:1.0\n"
    );
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/gateway/v3/api/v3/get-otp-secret-by-user")
                .query_param("userId", "u 1/é")
                .header(
                    "authorization",
                    expected_authorization(
                        "GenAuth",
                        &format!("{head}/gateway/v3/api/v3/get-otp-secret-by-user?userId=u 1/é"),
                    ),
                );
            then.status(200).body(SAMPLE);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/gateway/v3/api/v3/ip-list/..%5Cuser-list%5CX")
                .header(
                    "authorization",
                    expected_authorization(
                        "GenAuth",
                        &format!(
                            "{}/gateway/v3/api/v3/ip-list/..%5Cuser-list%5CX",
                            head.replacen("GET", "DELETE", 1)
                        ),
                    ),
                );
            then.status(200)
                .body(r#"{"statusCode":200,"message":"ok","data":{"success":true}}"#);
        })
        .await;
    // A trailing slash on the host changes nothing.
    let client = pinned(
        &format!("{}/gateway/v3/", server.base_url()),
        Brand::GenAuth,
    )
    .build()
    .unwrap();
    let otp = client
        .get_otp_secret_by_user()
        .user_id("u 1/é")
        .send()
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(otp.secret.expose_secret(), OTP);
    // A path parameter stays one segment after the host's path, and is signed as sent.
    client
        .delete_by_id()
        .id("..\\user-list\\X")
        .send()
        .await
        .unwrap();
    get.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn signed_post_signs_the_body_fields_as_sent() {
    let server = MockApi::start_raw(|_, _| {
        MockReply::json(200, r#"{"statusCode":200,"message":"ok","data":true}"#)
    })
    .await
    .unwrap();
    let client = pinned(server.base_url(), Brand::GenAuth).build().unwrap();
    let _ = client
        .is_user_exists()
        .body_map(|b| {
            b.username(Some("alice".to_string()))
                .email(Some("a@example.com".to_string()))
        })
        .send()
        .await;
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, "POST");
    assert_eq!(
        (req.path.as_str(), req.query.as_deref()),
        ("/api/v3/is-user-exists", None)
    );
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"username": "alice", "email": "a@example.com"})
    );
    let version = env!("CARGO_PKG_VERSION");
    let sts = format!(
        "POST\ndate:{DATE}\nx-genauth-app-id:tenant-1\nx-genauth-lang:zh-CN\nx-genauth-sdk-version:genauth-rust-sdk:{version}\nx-genauth-signature-method:HMAC-SHA1\nx-genauth-signature-nonce:{NONCE}\nx-genauth-signature-version:1.0\n/api/v3/is-user-exists?email=a@example.com&username=alice"
    );
    assert_eq!(
        req.header("authorization"),
        Some(expected_authorization("GenAuth", &sts).as_str())
    );
    assert_eq!(req.header("content-type"), Some("application/json"));
}

async fn call(base: &str) -> Result<types::OtpSecretRespDto, Error> {
    let client = pinned(base, Brand::GenAuth)
        .attempt_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    fetch_otp(&client).await
}

#[tokio::test]
async fn in_body_failure_with_http_200_is_an_api_error() {
    for body in [
        r#"{"statusCode":403,"message":"Forbidden","apiCode":40301,"requestId":"req-9"}"#,
        r#"{"statusCode":403,"message":"Forbidden","apiCode":40301,"requestId":"req-9","data":{"secret":"x"}}"#,
    ] {
        let server = MockApi::start_raw(move |_, _| MockReply::json(200, body))
            .await
            .unwrap();
        let err = call(server.base_url()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Api { status_code: 403, api_code: Some(40301), http_status: 200, message, .. } if message == "Forbidden"),
            "{err:?}"
        );
        assert_eq!(err.request_id(), Some("req-9"));
        assert_eq!(err.api_code(), Some(40301));
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn an_http_error_snippet_masks_the_strings_of_a_json_body() {
    // Not an envelope, so an Error::Http; its JSON may still name a user.
    let body = r#"{"error":"no user alice@example.com","phone":"+86 13800000000","code":7}"#;
    let server = MockApi::start_raw(move |_, _| MockReply::json(500, body))
        .await
        .unwrap();
    let err = call(server.base_url()).await.unwrap_err();
    let Error::Http {
        status: 500,
        body_snippet,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(body_snippet, r#"{"error":"***","phone":"***","code":7}"#);
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            !shown.contains("alice") && !shown.contains("13800000000"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn http_500_with_html_is_an_http_error_with_a_snippet() {
    let html = "<html><body>Internal Server Error</body></html>";
    let server = MockApi::start_raw(move |_, _| {
        MockReply::raw(format!("HTTP/1.1 500 X\r\ncontent-type: text/html\r\nx-request-id: rid-5\r\ncontent-length: {}\r\n\r\n{html}", html.len()))
    })
    .await
    .unwrap();
    let err = call(server.base_url()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Http { status: 500, body_snippet, .. } if body_snippet == html),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("rid-5"));
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn malformed_truncated_and_empty_bodies_are_decode_errors() {
    for body in [
        "{not json",
        r#"{"statusCode":200,"message":"Operation succ"#,
        "",
    ] {
        let server = MockApi::start_raw(move |_, _| MockReply::json(200, body))
            .await
            .unwrap();
        let err = call(server.base_url()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Decode { status: 200, body_snippet, .. } if body_snippet == body),
            "{body:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_body_cut_short_of_its_length_is_a_transport_error() {
    let server = MockApi::start_raw(|_, _| {
        MockReply::raw("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"statusCode\":200")
    })
    .await
    .unwrap();
    let err = call(server.base_url()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = call(&base).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_a_timeout() {
    let server =
        MockApi::start_raw(|_, _| MockReply::json(200, SAMPLE).after(Duration::from_secs(3)))
            .await
            .unwrap();
    let started = std::time::Instant::now();
    let err = call(server.base_url()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    // The server answers after 3 s; giving up well before that is the point (the margin
    // allows for a loaded machine).
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "did not give up before the server answered"
    );
}

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
        matches!(&err, Error::Auth(m) if m.contains("bad key") && m.contains("403")),
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
        matches!(&again, Error::Auth(m) if m.contains("bad key")
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
    assert!(matches!(&first, Err(Error::Timeout(_))), "{first:?}");
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
        matches!(&err, Error::Timeout(m) if m.contains("management token")),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the 300 ms fetch limit, not the 10 s total: {:?}",
        started.elapsed()
    );
    first.abort();
}

// Fail closed: only a 2xx whose body is a JSON object with `statusCode` 200 is a success.

/// A server answering every request with HTTP 200 and `body`.
async fn answering(body: &'static str) -> MockServer {
    let server = MockServer::start_async().await;
    answer_all(&server, body).await;
    server
}

async fn answer_all<'a>(server: &'a MockServer, body: &'static str) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

#[tokio::test]
async fn a_refused_or_empty_answer_to_a_revoke_is_never_ok() {
    for body in [
        "{}",
        r#"{"message":"denied","apiCode":40301}"#,
        r#"{"statusCode":"ok"}"#,
        "",
        "null",
    ] {
        let server = MockServer::start_async().await;
        let mock = answer_all(&server, body).await;
        let err = revoke(&server).await.expect_err(body);
        assert!(
            matches!(&err, Error::Decode { status: 200, message, .. } if message.contains("statusCode") || message.contains("body") || message.contains("object")),
            "{body}: {err:?}"
        );
        assert!(!err.is_retryable(), "{body}");
        // A write, and not retryable: sent once.
        assert_eq!(mock.calls_async().await, 1);
    }
    // The same operation with a real success.
    let server = answering(r#"{"statusCode":200,"message":"ok"}"#).await;
    assert_eq!(revoke(&server).await.unwrap().status_code, 200);
}

/// `delete_access_key` for `ak-1` against `server`.
async fn revoke(server: &MockServer) -> Result<types::CommonResponseDto, Error> {
    let client = quick_builder(&server.base_url()).build().unwrap();
    let response = bounded(
        client
            .delete_access_key()
            .body_map(|b| b.access_key_id("ak-1"))
            .send(),
    )
    .await?;
    Ok(response.into_inner())
}

/// `request(GET, ..).data::<Value>()` (or `send::<Value>()` with `whole`) against a server
/// answering `body`.
async fn raw_get(body: &'static str, whole: bool) -> Result<serde_json::Value, Error> {
    let server = answering(body).await;
    let client = quick_builder(&server.base_url()).build().unwrap();
    let request = client.request(genauth::Method::GET, "/api/v3/x");
    if whole {
        bounded(request.send()).await
    } else {
        bounded(request.data()).await
    }
}

#[tokio::test]
async fn an_odd_request_id_does_not_hide_a_failure_from_request() {
    let err = raw_get(r#"{"statusCode":403,"message":"no","requestId":7}"#, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status_code: 403, message, request_id: None, http_status: 200, .. } if message == "no"),
        "{err:?}"
    );
    // `data()` follows the same rule, and the numeric string "200" counts as success.
    let data = raw_get(r#"{"statusCode":"200","data":{"k":1}}"#, false)
        .await
        .unwrap();
    assert_eq!(data, serde_json::json!({"k": 1}));
    for body in ["{}", "[1]", "<html>"] {
        let err = raw_get(body, false).await.unwrap_err();
        assert!(
            matches!(err, Error::Decode { status: 200, .. }),
            "{body}: {err:?}"
        );
    }
}

#[tokio::test]
async fn required_fields_named_default_something_decode_when_missing() {
    // `defaultProtocol` is required; its JSON name contains "default", which the build used to
    // mistake for a serde default.
    let mut sample: serde_json::Value =
        serde_json::from_str(include_str!("../samples/getApplication.json")).unwrap();
    sample["data"]
        .as_object_mut()
        .unwrap()
        .remove("defaultProtocol")
        .expect("the sample has defaultProtocol");
    let body: &'static str = Box::leak(sample.to_string().into_boxed_str());
    let server = answering(body).await;
    let client = quick_builder(&server.base_url()).build().unwrap();
    let app = bounded(async {
        client
            .get_application()
            .app_id("6319a1504f3e1a2b3f214dd5")
            .send()
            .await?
            .into_data()
    })
    .await
    .unwrap();
    assert_eq!(app.app_id, "6319a1504f3e1a2b3f214dd5");
    assert_eq!(
        app.default_protocol,
        types::DefaultProtocol::UnknownValue(String::new())
    );
}

#[tokio::test]
async fn a_decode_failure_names_its_path_and_carries_the_request_id() {
    let server = answering(
        r#"{"statusCode":200,"message":"ok","requestId":"r-42","data":{"secret":["x"]}}"#,
    )
    .await;
    let client = quick_builder(&server.base_url()).build().unwrap();
    let err = bounded(fetch_otp(&client)).await.unwrap_err();
    let Error::Decode {
        message,
        request_id,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(message.starts_with("data.secret: "), "{message}");
    assert_eq!(request_id.as_deref(), Some("r-42"));
    assert_eq!(err.request_id(), Some("r-42"));
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
        assert!(matches!(&err, Error::Auth(_)), "{token_body}: {err:?}");
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
            matches!(&err, Error::Auth(m) if m.contains("lifetime")),
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
