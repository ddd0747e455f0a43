//! The seed operation `getOtpSecretByUser` on the wire, and query arrays in bracket form.

use genauth::prelude::*;
use genauth::types;
use httpmock::prelude::*;

const SAMPLE: &str = r#"{"statusCode":200,"message":"Operation successful","requestId":"934108e5-9fbf-4d24-8da1-c330328abd6c","data":{"secret":"e2345asdfwagw13424"}}"#;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .access_key_id("AK")
        .access_key_secret("SK")
        .host(server.base_url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn get_otp_secret_by_user_sends_exact_query_and_decodes() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v3/get-otp-secret-by-user")
                .is_true(|req| {
                    req.uri().query()
                        == Some("userId=6319a1504f3xxxxf214dd5b7&userIdType=external_id")
                })
                .header_missing("api-version");
            then.status(200)
                .header("content-type", "application/json")
                .body(SAMPLE);
        })
        .await;

    let resp = client(&server)
        .get_otp_secret_by_user()
        .user_id("6319a1504f3xxxxf214dd5b7")
        .user_id_type(types::UserIdType::ExternalId)
        .send()
        .await
        .expect("call succeeds");
    mock.assert_async().await;

    let body: types::GetOtpSecretRespDto = resp.into_inner();
    assert_eq!(body.status_code, 200);
    assert_eq!(body.message, "Operation successful");
    assert_eq!(
        body.request_id.as_deref(),
        Some("934108e5-9fbf-4d24-8da1-c330328abd6c")
    );
    assert_eq!(body.api_code, None);
    let data: types::OtpSecretRespDto = body.data;
    assert_eq!(data.secret.expose_secret(), "e2345asdfwagw13424");
    assert!(
        !format!("{data:?}").contains("e2345asdfwagw13424"),
        "secret leaks through Debug"
    );
}

#[tokio::test]
async fn user_id_type_is_left_to_the_server_default_when_unset() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v3/get-otp-secret-by-user")
                .is_true(|req| req.uri().query() == Some("userId=u1"));
            then.status(200).body(SAMPLE);
        })
        .await;
    client(&server)
        .get_otp_secret_by_user()
        .user_id("u1")
        .send()
        .await
        .expect("call succeeds");
    mock.assert_async().await;
    assert_eq!(types::UserIdType::default(), types::UserIdType::UserId);
}

#[tokio::test]
async fn missing_required_parameter_fails_before_sending() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(SAMPLE);
        })
        .await;
    let err = client(&server)
        .get_otp_secret_by_user()
        .send()
        .await
        .expect_err("userId is required");
    let text = err.to_string();
    assert!(
        text.contains("user_id"),
        "error names the missing parameter: {text}"
    );
    assert_eq!(mock.calls_async().await, 0, "nothing may be sent");
}

/// Sends `getPublicAccountBatch` with the given ids and returns the raw query that arrived.
async fn batch_query(ids: &[&str]) -> Option<String> {
    let server = MockServer::start_async().await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let record = seen.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.method(GET)
                .path("/api/v3/get-public-account-batch")
                .is_true(move |req| {
                    *record.lock().unwrap() = req.uri().query().map(str::to_string);
                    true
                });
            then.status(200)
                .body(r#"{"statusCode":200,"message":"ok","data":[]}"#);
        })
        .await;
    let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    client(&server)
        .get_public_account_batch()
        .user_ids(ids)
        .send()
        .await
        .expect("call succeeds");
    mock.assert_async().await;
    seen.lock().unwrap().clone()
}

#[tokio::test]
async fn query_arrays_use_literal_brackets() {
    assert_eq!(
        batch_query(&["a", "b"]).await.as_deref(),
        Some("userIds[]=a&userIds[]=b")
    );
    assert_eq!(
        batch_query(&["only"]).await.as_deref(),
        Some("userIds[]=only")
    );
    // Reserved characters inside values stay encoded.
    assert_eq!(
        batch_query(&["a&b=[]"]).await.as_deref(),
        Some("userIds[]=a%26b%3D%5B%5D")
    );
}
