//! `client.request(method, path)`: signed like a generated call (signature recomputed here
//! independently), retried by the same rules, and failing with the same errors.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use genauth::testing::{MockApi, MockReply};
use genauth::{AuthMode, Brand, Error, Method};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use crate::support::calls::{bounded, quick_builder};

const DATE: &str = "Tue, 01 Jul 2025 08:00:00 GMT";
const NONCE: &str = "0123456789abcdef0123456789abcdef";
const OK: &str =
    r#"{"statusCode":200,"message":"ok","data":{"list":[{"id":"d1"}],"totalCount":1}}"#;

fn expected_authorization(scheme: &str, sts: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"SK").unwrap();
    mac.update(sts.as_bytes());
    format!(
        "{scheme} AK:{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

fn pinned(base: &str, brand: Brand) -> genauth::ManagementClient {
    quick_builder(base)
        .brand(brand)
        .clock(Arc::new(|| {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_356_800)
        }))
        .nonce_source(Arc::new(|| NONCE.to_string()))
        .build()
        .unwrap()
}

fn signed_headers(p: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    format!(
        "date:{DATE}\n{p}lang:en-US\n{p}sdk-version:genauth-rust-sdk:{version}\n{p}signature-method:HMAC-SHA1\n{p}signature-nonce:{NONCE}\n{p}signature-version:1.0\n"
    )
}

#[tokio::test]
async fn a_get_with_arrays_is_signed_like_the_api_expects() {
    for (brand, p, scheme) in [
        (Brand::GenAuth, "x-genauth-", "GenAuth"),
        (Brand::Authing, "x-authing-", "authing"),
    ] {
        let server = MockApi::start_raw(|_, _| MockReply::json(200, OK))
            .await
            .unwrap();
        let client = pinned(server.base_url(), brand);
        let data: Value = bounded(
            client
                .request(Method::GET, "/api/v3/list-children-departments")
                .query(
                    &json!({"departmentId": "root", "ids": ["a", "b c"], "page": 1, "skip": null}),
                )
                .data(),
        )
        .await
        .unwrap();
        assert_eq!(data["list"][0]["id"], "d1");
        let [seen] = server.requests().try_into().unwrap();
        assert_eq!(seen.method, "GET");
        assert_eq!(
            (seen.path.as_str(), seen.query.as_deref()),
            (
                "/api/v3/list-children-departments",
                Some("departmentId=root&ids[]=a&ids[]=b+c&page=1")
            )
        );
        let sts = format!(
            "GET\n{}/api/v3/list-children-departments?departmentId=root&ids=[\"a\",\"b c\"]&page=1",
            signed_headers(p)
        );
        assert_eq!(
            seen.header("authorization"),
            Some(expected_authorization(scheme, &sts).as_str())
        );
    }
}

#[tokio::test]
async fn a_post_with_a_nested_body_is_signed_and_sent_as_given() {
    let server = MockApi::start_raw(|_, _| {
        MockReply::json(
            200,
            r#"{"statusCode":200,"message":"ok","data":{"success":true}}"#,
        )
    })
    .await
    .unwrap();
    let client = pinned(server.base_url(), Brand::GenAuth);
    let answer: Value = bounded(
        client
            .request(Method::POST, "/api/v3/create-organization")
            .json(&json!({"b": {"z": 1.0, "a": [1, {"c": "d"}]}, "a": "x"}))
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(answer["data"]["success"], true);
    let [seen] = server.requests().try_into().unwrap();
    assert_eq!(
        (seen.path.as_str(), seen.query.as_deref()),
        ("/api/v3/create-organization", None)
    );
    assert_eq!(seen.body, br#"{"a":"x","b":{"a":[1,{"c":"d"}],"z":1.0}}"#);
    let sts = format!(
        "POST\n{}/api/v3/create-organization?a=x&b={{\"a\":[1,{{\"c\":\"d\"}}],\"z\":1}}",
        signed_headers("x-genauth-")
    );
    assert_eq!(
        seen.header("authorization"),
        Some(expected_authorization("GenAuth", &sts).as_str())
    );
}

#[tokio::test]
async fn unknown_paths_retry_reads_only_and_report_in_body_failures() {
    let server = MockApi::start_raw(|seen, _| match seen.method.as_str() {
        "GET" => MockReply::json(503, r#"{"statusCode":503,"message":"busy"}"#),
        _ => MockReply::json(200, r#"{"statusCode":403,"message":"no","apiCode":40301}"#),
    })
    .await
    .unwrap();
    let client = quick_builder(server.base_url()).build().unwrap();
    let err = bounded(
        client
            .request(Method::GET, "/api/v3/some-new-read")
            .send::<Value>(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(server.requests().len(), 3, "a GET is retried");
    let err = bounded(
        client
            .request(Method::POST, "/api/v3/some-new-write")
            .json(&json!({}))
            .send::<Value>(),
    )
    .await
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
    assert_eq!(server.requests().len(), 4, "a POST is sent once");
    // A POST the spec knows as a read is retried like the generated call.
    let known_read = MockApi::start_raw(|_, _| MockReply::json(503, "{}"))
        .await
        .unwrap();
    let client = quick_builder(known_read.base_url()).build().unwrap();
    let _ = bounded(
        client
            .request(Method::POST, "/api/v3/list-users")
            .json(&json!({}))
            .send::<Value>(),
    )
    .await;
    assert_eq!(known_read.requests().len(), 3);
}

#[tokio::test]
async fn bad_paths_and_queries_send_nothing() {
    let server = MockApi::start_raw(|_, _| MockReply::json(200, OK))
        .await
        .unwrap();
    // A host with a path prefix: percent-encoded dot segments would climb out of it.
    let client = quick_builder(&format!("{}/prefix", server.base_url()))
        .build()
        .unwrap();
    for path in [
        "api/v3/x",
        "/api/v3/../user-list/X",
        "/api/v3/x?a=1",
        "/a\\b",
        "/api/%2e%2e/%2e%2e/x",
        "/api/.%2E/x",
        "/api/%2E./%2e%2E/x",
    ] {
        let err = client
            .request(Method::GET, path)
            .send::<Value>()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{path}: {err:?}");
    }
    let err = client
        .request(Method::GET, "/api/v3/x")
        .query(&json!({"o": {"nested": true}}))
        .send::<Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = client
        .request(Method::GET, "/api/v3/x")
        .data::<Vec<u8>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1, "only the last call was sent");
    assert!(
        server.requests()[0].path.starts_with("/prefix/api/v3/"),
        "{}",
        server.requests()[0].path
    );
}

#[tokio::test]
async fn token_mode_carries_the_bearer_token() {
    let server = MockApi::start_raw(|seen, _| match seen.path.as_str() {
        "/api/v3/get-management-token" => MockReply::json(
            200,
            r#"{"statusCode":200,"message":"ok","data":{"access_token":"tok-9","expires_in":7200}}"#,
        ),
        _ => MockReply::json(200, OK),
    })
    .await
    .unwrap();
    let client = quick_builder(server.base_url())
        .auth_mode(AuthMode::ManagementToken)
        .build()
        .unwrap();
    bounded(client.request(Method::GET, "/api/v3/x").send::<Value>())
        .await
        .unwrap();
    let seen = server.requests();
    assert_eq!(seen[1].header("authorization"), Some("Bearer tok-9"));
}
