//! What the command line prints of the server's text: control characters escaped, so that a
//! hostile or broken server cannot send terminal escape sequences.

use genauth::testing::{MockApi, MockFailure};

use crate::support::against;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_failure_message_is_printed_escaped() {
    let mock = MockApi::start().await.unwrap();
    mock.fail_next(
        "get_user",
        MockFailure::Api {
            status_code: 403,
            api_code: Some(40301),
            message: "\u{1b}]0;owned\u{7}denied \u{1b}[31mred\u{9b}2J\u{202e}txt".into(),
        },
    )
    .unwrap();
    // support::run fails on any raw ESC on stdout or stderr.
    let out = against(&mock, &["call", "getUser", "userId=u1"]).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("message: \\u{1b}]0;owned\\u{7}denied \\u{1b}[31mred\\u{9b}2J\\u{202e}txt"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains('\u{9b}'), "{:?}", out.stderr);
    assert!(!out.stderr.contains('\u{202e}'), "{:?}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_escapes_the_controls_json_leaves_raw() {
    let mock = MockApi::start().await.unwrap();
    let name = "a\u{7f}b\u{9b}c\u{202e}d\u{1b}e";
    mock.respond_data("get_user", &serde_json::json!({ "name": name }))
        .unwrap();
    let out = against(&mock, &["call", "getUser", "userId=u1"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // JSON escapes, so the value reads back the same.
    assert_eq!(
        out.stdout,
        "{\"name\":\"a\\u007fb\\u009bc\\u202ed\\u001be\"}\n"
    );
    assert_eq!(out.json()["name"], name);
}

#[test]
fn escape_control_escapes_controls_and_bidi_and_keeps_the_rest() {
    use genauth_cli::output::escape_control;
    assert!(matches!(
        escape_control("plain 文字 é"),
        std::borrow::Cow::Borrowed("plain 文字 é")
    ));
    assert_eq!(
        escape_control("a\u{1b}[31mb\r\n\tc\u{7f}\u{9b}d\u{202e}e\u{2066}f\0"),
        "a\\u{1b}[31mb\\r\\n\\tc\\u{7f}\\u{9b}d\\u{202e}e\\u{2066}f\\u{0}"
    );
}
