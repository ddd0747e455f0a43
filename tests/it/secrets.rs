//! Secrets never show up in Debug, Display, error texts or tracing output.

use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply};
use genauth::{AuthMode, Error, ManagementClient};

use crate::support::capture::Capture;

const KEY_SECRET: &str = "SK-must-never-print-8d1f";
const OTP: &str = "OTP-must-never-print-5c2e";
const TOKEN: &str =
    "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZWRfdXNlcnBvb2xfaWQiOiJwMSJ9.TOKEN-must-never-print";

/// Every log line at every level, kept for inspection while the guard lives.
fn trace_capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    (capture, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn no_secret_in_debug_display_errors_or_logs() {
    let (capture, _guard) = trace_capture();

    let otp_body = format!(r#"{{"statusCode":200,"message":"ok","data":{{"secret":"{OTP}"}}}}"#);
    let server = MockApi::start_raw(move |req, n| {
        if req.path == "/api/v3/get-management-token" {
            MockReply::json(200, &format!(r#"{{"statusCode":200,"message":"ok","data":{{"access_token":"{TOKEN}","expires_in":7200}}}}"#))
        } else if n == 2 {
            MockReply::json(200, &otp_body)
        } else {
            MockReply::json(500, "<html>oops</html>")
        }
    })
    .await
    .unwrap();

    let builder = ManagementClient::builder()
        .access_key_id("AK_PUBLIC")
        .access_key_secret(KEY_SECRET)
        .host(server.base_url())
        .auth_mode(AuthMode::ManagementToken)
        .danger_accept_invalid_certs(true);
    let mut shown = format!("{builder:?}");
    let client = builder.build().unwrap();
    shown += &format!("{client:?}");

    let resp = client
        .get_otp_secret_by_user()
        .user_id("u1")
        .send()
        .await
        .unwrap();
    shown += &format!("{resp:?}");
    let data = resp.into_data().unwrap();
    shown += &format!("{data:?}{}", data.secret);
    assert_eq!(
        data.secret.expose_secret(),
        OTP,
        "the value is still there for whoever asks"
    );

    let err: Error = client
        .get_otp_secret_by_user()
        .user_id("u1")
        .send()
        .await
        .unwrap_err();
    shown += &format!("{err:?}{err}");

    let logs = capture.text();
    assert!(
        logs.contains("TLS certificate verification is OFF"),
        "the danger switch is loud: {logs}"
    );
    for secret in [KEY_SECRET, OTP, TOKEN, "TOKEN-must-never-print"] {
        assert!(!shown.contains(secret), "{secret} printed in: {shown}");
        assert!(!logs.contains(secret), "{secret} logged in: {logs}");
    }
    assert!(shown.contains("AK_PUBLIC"), "the key id is not a secret");
}

#[tokio::test]
async fn a_user_answer_that_cannot_decode_shows_none_of_its_values() {
    let (capture, _guard) = trace_capture();

    // A real-shaped user whose `createdAt` has the wrong type, so the answer cannot decode.
    let mut user: serde_json::Value =
        serde_json::from_str(include_str!("../samples/getUser.json")).unwrap();
    user["data"]["createdAt"] = serde_json::json!({"at": "2023-03-14"});
    let personal: Vec<String> = [
        "email",
        "phone",
        "name",
        "nickname",
        "username",
        "externalId",
    ]
    .iter()
    .filter_map(|k| user["data"][k].as_str().map(str::to_string))
    .filter(|v| v.len() > 3)
    .collect();
    assert!(
        personal.len() >= 4,
        "the sample holds personal data: {personal:?}"
    );
    let body = user.to_string();
    let server = MockApi::start_raw(move |_, _| MockReply::json(200, &body))
        .await
        .unwrap();
    let client = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(KEY_SECRET)
        .host(server.base_url())
        .build()
        .unwrap();
    let err = client
        .get_user()
        .user_id("643d517fe6ebab7b8cfcf98d")
        .send()
        .await
        .unwrap_err();
    let Error::Decode {
        message,
        body_snippet,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    // The keys, the structure and the path stay.
    assert!(message.starts_with("data.createdAt: "), "{message}");
    assert!(body_snippet.contains(r#""email":"***""#), "{body_snippet}");
    assert!(
        body_snippet.contains(r#""emailVerified":true"#),
        "{body_snippet}"
    );
    let shown = format!("{err}{err:?}{}", capture.text());
    for value in &personal {
        assert!(!shown.contains(value.as_str()), "{value} leaked: {shown}");
    }
}
