//! Every error variant from a loopback server (API, HTTP, decode, transport, timeout), and
//! answers read fail-closed: only a 2xx whose body is a JSON object with `statusCode` 200 is a
//! success.

use std::time::Duration;

use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply};
use genauth::{Brand, Error, types};
use httpmock::prelude::*;

use super::{SAMPLE, pinned};
use crate::support::calls::{bounded, fetch_otp, quick_builder};

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
        assert_eq!(err.api_code(), Some(genauth::ApiCode::from(40301)));
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
    assert_eq!(err.http_status(), Some(500));
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
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    // The server answers after 3 s; giving up well before that is the point (the margin
    // allows for a loaded machine).
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "did not give up before the server answered"
    );
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
        serde_json::from_str(include_str!("../../samples/getApplication.json")).unwrap();
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
