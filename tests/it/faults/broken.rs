//! Broken exchanges: a connection reset mid-body or refused, truncated, empty, misshapen or
//! oversized bodies, HTML error pages, status codes sent as strings, and bytes that are not
//! UTF-8.

use std::sync::Arc;

use genauth::Error;
use genauth::prelude::*;
use genauth::testing::MockReply;

use super::{OK, builder, client, flaky, ok, raw, read, server};

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
