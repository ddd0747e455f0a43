//! Signed requests as the server receives them: every signed header for both brands, a host
//! with a path of its own, and a POST whose body fields are signed as sent.

use base64::Engine as _;
use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply};
use genauth::{Brand, types};
use hmac::{Hmac, Mac};
use httpmock::prelude::*;

use super::{DATE, NONCE, OTP, SAMPLE, SECRET, pinned};

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
