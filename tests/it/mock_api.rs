//! `genauth::testing::MockApi` used as a user would in their own tests: a GET, a POST, a
//! scripted 503, a wrong key, and token mode.

use futures::{StreamExt as _, TryStreamExt as _};
use genauth::prelude::*;
use genauth::testing::{MockApi, MockFailure};
use genauth::{AuthMode, Error, RetryPolicy, types};
use serde_json::json;

use crate::support::calls::fetch_otp;

#[tokio::test]
async fn a_get_is_answered_and_recorded() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data(
        "get_otp_secret_by_user",
        &json!({"secret": "JBSWY3DPEHPK3PXP"}),
    )
    .unwrap();
    let client = mock.client_builder().build().unwrap();
    let otp = client
        .get_otp_secret_by_user()
        .user_id("u1")
        .user_id_type(types::UserIdType::ExternalId)
        .send()
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(otp.secret.expose_secret(), "JBSWY3DPEHPK3PXP");
    let [request] = mock.requests().try_into().unwrap();
    assert_eq!(request.operation, Some("get_otp_secret_by_user"));
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.query.as_deref(),
        Some("userId=u1&userIdType=external_id")
    );
    assert!(request.authenticated);
    assert!(
        request.header("authorization").is_none(),
        "credentials are not kept"
    );
}

#[tokio::test]
async fn a_post_is_answered_with_a_typed_response() {
    let mock = MockApi::start().await.unwrap();
    let canned = types::IsUserExistsRespDto {
        api_code: None,
        data: types::IsUserExistsDto { exists: true },
        message: "ok".into(),
        request_id: Some("req-1".into()),
        status_code: 200,
    };
    mock.respond("is_user_exists", &canned).unwrap();
    let client = mock.client_builder().build().unwrap();
    let exists = client
        .is_user_exists()
        .body_map(|b| b.email(Some("a@example.com".to_string())))
        .send()
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert!(exists.exists);
    let [request] = mock.requests().try_into().unwrap();
    assert_eq!(request.path, "/api/v3/is-user-exists");
    assert_eq!(request.json(), Some(json!({"email": "a@example.com"})));
}

#[tokio::test]
async fn a_scripted_503_is_retried_for_reads_and_returned_for_writes() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data("get_otp_secret_by_user", &json!({"secret": "S"}))
        .unwrap();
    mock.fail_next("get_otp_secret_by_user", MockFailure::Http(503))
        .unwrap();
    mock.respond_data("delete_by_id", &json!({"success": true}))
        .unwrap();
    mock.fail_next("delete_by_id", MockFailure::Http(503))
        .unwrap();
    let client = mock
        .client_builder()
        .retry_policy(RetryPolicy::default().backoff(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(2),
        ))
        .build()
        .unwrap();
    let otp = fetch_otp(&client).await.unwrap();
    assert_eq!(otp.secret.expose_secret(), "S");
    let err = client.delete_by_id().id("ip-1").send().await.unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    assert!(err.is_retryable());
    let operations: Vec<_> = mock.requests().iter().map(|r| r.operation).collect();
    assert_eq!(
        operations,
        [
            Some("get_otp_secret_by_user"),
            Some("get_otp_secret_by_user"),
            Some("delete_by_id")
        ]
    );
}

#[tokio::test]
async fn in_body_failures_wrong_keys_and_unset_answers_are_errors() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data("get_otp_secret_by_user", &json!({"secret": "S"}))
        .unwrap();
    mock.fail_next(
        "get_otp_secret_by_user",
        MockFailure::Api {
            status_code: 404,
            api_code: Some(40401),
            message: "no such user".into(),
        },
    )
    .unwrap();
    let client = mock.client_builder().build().unwrap();
    let err = fetch_otp(&client).await.unwrap_err();
    assert_eq!(err.api_code(), Some(genauth::ApiCode::from(40401)));
    let wrong = mock
        .client_builder()
        .access_key_secret("nope")
        .build()
        .unwrap();
    let err = fetch_otp(&wrong).await.unwrap_err();
    assert_eq!(err.http_status(), Some(401), "{err}");
    assert!(!mock.requests().last().unwrap().authenticated);
    let err = client.delete_by_id().id("x").send().await.unwrap_err();
    assert!(
        err.to_string().contains("no answer set for `delete_by_id`"),
        "{err}"
    );
    assert!(matches!(
        mock.respond_data("no_such_operation", &json!({})),
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn token_mode_works_against_the_mock() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data("get_otp_secret_by_user", &json!({"secret": "S"}))
        .unwrap();
    let client = mock
        .client_builder()
        .auth_mode(AuthMode::ManagementToken)
        .build()
        .unwrap();
    fetch_otp(&client).await.unwrap();
    fetch_otp(&client).await.unwrap();
    assert_eq!(mock.requests().len(), 2, "one token fetch, then two calls");
    assert!(mock.requests().iter().all(|r| r.authenticated));
}

#[tokio::test]
async fn answers_can_depend_on_the_request() {
    let mock = MockApi::start().await.unwrap();
    // Seven groups, served three per page, as the API pages them.
    mock.respond_with("list_groups", |request| {
        let page: usize = request
            .query_value("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let list: Vec<_> = (1..=7)
            .skip((page - 1) * 3)
            .take(3)
            .map(|i| json!({"code": format!("g{i}"), "name": format!("Group {i}"), "description": ""}))
            .collect();
        json!({"statusCode": 200, "message": "ok", "data": {"totalCount": 7, "list": list}})
    })
    .unwrap();
    let client = mock.client_builder().build().unwrap();
    let codes: Vec<String> = client
        .list_groups()
        .limit(3)
        .into_stream()
        .map(|g| g.map(|g| g.code))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(codes, ["g1", "g2", "g3", "g4", "g5", "g6", "g7"]);
    let pages: Vec<Option<String>> = mock
        .requests()
        .iter()
        .map(|r| r.query_value("page"))
        .collect();
    assert_eq!(
        pages,
        [Some("1".into()), Some("2".into()), Some("3".into())]
    );
    assert_eq!(
        mock.requests()[0].query_value("limit").as_deref(),
        Some("3")
    );
    assert_eq!(mock.requests()[0].query_value("nothing"), None);
}
