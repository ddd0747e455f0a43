//! Errors a handler matches by name, as calls really return them: the API's in-body "no such
//! user" (HTTP 200, `statusCode` 404, `apiCode` 2004) read through `ApiCode`, the two
//! statuses, the helpers and `found()`, and the operation's name on every kind of failure a
//! call can end in.

use std::time::Duration;

use genauth::prelude::*;
use genauth::testing::{MockApi, MockFailure};
use genauth::{ApiCode, AuthMode, Error, Method, RetryPolicy};
use serde_json::json;

/// `get_user` for `u1`, with "not found" as `Ok(None)`.
async fn find_u1(
    client: &genauth::ManagementClient,
) -> Result<Option<genauth::ResponseValue<genauth::types::UserSingleRespDto>>, Error> {
    client.get_user().user_id("u1").send().await.found()
}

/// The API's answer when there is no such user, as the error-code reference shows its shape.
fn user_not_found() -> serde_json::Value {
    json!({
        "statusCode": 404,
        "apiCode": 2004,
        "message": "user not found",
        "requestId": "req-404",
    })
}

#[tokio::test]
async fn an_in_body_user_not_found_is_matched_by_name() {
    let mock = MockApi::start().await.unwrap();
    mock.respond("get_user", &user_not_found()).unwrap();
    let client = mock.client_builder().build().unwrap();

    let err = client
        .get_user()
        .user_id("nobody")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.api_code(), Some(ApiCode::UserNotFound));
    assert!(matches!(err.api_code(), Some(ApiCode::UserNotFound)));
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.status_code(), Some(404));
    assert_eq!(err.request_id(), Some("req-404"));
    assert_eq!(err.operation(), Some("get_user"));
    assert!(!err.is_retryable() && !err.is_unauthorized() && !err.is_conflict());
    assert!(matches!(
        err,
        Error::Api {
            status_code: 404,
            api_code: Some(2004),
            http_status: 200,
            operation: Some("get_user"),
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "API error 404 (apiCode 2004): user not found [requestId req-404] [operation get_user]"
    );

    // The same answer, read as absence.
    let found = client.get_user().user_id("nobody").send().await.found();
    assert!(matches!(found, Ok(None)), "{found:?}");
    // The error is Clone: a copy is the same error.
    assert_eq!(err.clone().to_string(), err.to_string());
}

#[tokio::test]
async fn found_keeps_successes_and_other_failures() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data("get_user", &json!({"userId": "u1"}))
        .unwrap();
    mock.fail_next(
        "get_user",
        MockFailure::Api {
            status_code: 403,
            api_code: Some(2333),
            message: "no".into(),
        },
    )
    .unwrap();
    let client = mock.client_builder().build().unwrap();
    let refused = find_u1(&client).await.unwrap_err();
    assert_eq!(refused.api_code(), Some(ApiCode::WrongAccountOrPassword));
    assert_eq!(refused.operation(), Some("get_user"));
    let user = find_u1(&client)
        .await
        .unwrap()
        .expect("the user is there")
        .into_data()
        .unwrap();
    assert_eq!(user.user_id, "u1");
}

#[tokio::test]
async fn an_http_404_is_not_absence() {
    // The mock answers an operation it has no answer for with HTTP 404 and a 404 envelope, as
    // a server answers a path it does not route: that is a mistake, not a missing user.
    let mock = MockApi::start().await.unwrap();
    let client = mock.client_builder().build().unwrap();
    let err = find_u1(&client).await.unwrap_err();
    assert_eq!(err.http_status(), Some(404));
    assert_eq!(err.status_code(), Some(404));
    assert!(!err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn every_failure_of_a_call_names_its_operation() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data("get_user", &json!({"userId": "u1"}))
        .unwrap();
    for failure in [
        MockFailure::Http(502),
        MockFailure::Disconnect,
        MockFailure::Api {
            status_code: 429,
            api_code: None,
            message: "slow down".into(),
        },
    ] {
        mock.fail_next("get_user", failure).unwrap();
    }
    let client = mock
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let get = || client.get_user().user_id("u1").send();

    let http = get().await.unwrap_err();
    assert!(matches!(http, Error::Http { status: 502, .. }), "{http:?}");
    let transport = get().await.unwrap_err();
    assert!(
        matches!(transport, Error::Transport { .. }),
        "{transport:?}"
    );
    let throttled = get().await.unwrap_err();
    assert!(throttled.is_rate_limited(), "{throttled:?}");
    for err in [&http, &transport, &throttled] {
        assert_eq!(err.operation(), Some("get_user"), "{err:?}");
        assert!(err.to_string().ends_with(" [operation get_user]"), "{err}");
    }

    // A success whose body does not decode: `Decode`, named too.
    mock.respond(
        "get_user",
        &json!({"statusCode": 200, "data": {"userId": 7}}),
    )
    .unwrap();
    let decode = get().await.unwrap_err();
    assert!(matches!(decode, Error::Decode { .. }), "{decode:?}");
    assert_eq!(decode.operation(), Some("get_user"));

    // A wrong key: refused by the signature check.
    let wrong = mock
        .client_builder()
        .access_key_secret("nope")
        .build()
        .unwrap();
    let refused = wrong.get_user().user_id("u1").send().await.unwrap_err();
    assert!(refused.is_unauthorized(), "{refused:?}");
    assert_eq!(refused.operation(), Some("get_user"));

    // Token mode, a wrong key: the token fetch fails, named after the call that needed it.
    let token = mock
        .client_builder()
        .access_key_secret("nope")
        .auth_mode(AuthMode::ManagementToken)
        .build()
        .unwrap();
    let auth = token.get_user().user_id("u1").send().await.unwrap_err();
    assert!(matches!(auth, Error::Auth { .. }), "{auth:?}");
    assert_eq!(auth.operation(), Some("get_user"));
}

#[tokio::test]
async fn a_timeout_names_its_operation() {
    let mock = MockApi::start_raw(|_, _| {
        genauth::testing::MockReply::json(200, r#"{"statusCode":200,"data":{}}"#)
            .after(Duration::from_secs(5))
    })
    .await
    .unwrap();
    let client = mock
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.get_user().user_id("u1").send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: Some("get_user"),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_raw_request_is_named_after_its_route() {
    let mock = MockApi::start().await.unwrap();
    mock.respond("get_user", &user_not_found()).unwrap();
    let client = mock.client_builder().build().unwrap();
    // A route of the table: the operation's name.
    let err = client
        .request(Method::GET, "/api/v3/get-user")
        .query(&json!({"userId": "nobody"}))
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(err.operation(), Some("get_user"));
    assert!(err.is_not_found());
    // Any other path: `request`.
    let err = client
        .request(Method::GET, "/api/v3/no-such-route")
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(err.operation(), Some("request"), "{err:?}");
}
