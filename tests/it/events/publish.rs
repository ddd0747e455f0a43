//! Publishing an event: what goes on the wire, and failures reported in the body.

use genauth::testing::{MockApi, MockReply};
use genauth::{Error, ManagementClient};

use super::{SECRET, bounded};

#[tokio::test]
async fn publish_sends_type_data_as_a_json_string_and_source() {
    let server = MockApi::start_raw(|_, _| {
        MockReply::json(
            200,
            r#"{"statusCode":200,"message":"ok","data":{"success":true}}"#,
        )
    })
    .await
    .unwrap();
    let client = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host(server.base_url())
        .build()
        .unwrap();
    let payload = serde_json::json!({ "orderId": "o-1", "amount": 3 });
    let answer = bounded(client.publish_event("my_app.order.paid", &payload))
        .await
        .unwrap();
    assert!(answer.data.success);
    bounded(client.publish_event_from("billing", "my_app.order.paid", &[1, 2]))
        .await
        .unwrap();

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/api/v3/pub-event");
        assert!(
            request
                .header("authorization")
                .is_some_and(|a| a.starts_with("GenAuth AK:")),
            "{request:?}"
        );
    }
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["eventType"], "my_app.order.paid");
    assert_eq!(body["source"], genauth::DEFAULT_EVENT_SOURCE);
    let data: serde_json::Value =
        serde_json::from_str(body["eventData"].as_str().expect("eventData is a string")).unwrap();
    assert_eq!(data, payload);
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(body["source"], "billing");
    assert_eq!(body["eventData"], "[1,2]");
}

#[tokio::test]
async fn publish_reports_in_body_failures() {
    let server = MockApi::start_raw(|_, _| {
        MockReply::json(
            200,
            r#"{"statusCode":400,"apiCode":400123,"message":"unknown event","data":null}"#,
        )
    })
    .await
    .unwrap();
    let client = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host(server.base_url())
        .build()
        .unwrap();
    let err = bounded(client.publish_event("nope", &"x"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Api {
                status_code: 400,
                ..
            }
        ),
        "{err:?}"
    );
    let err = bounded(client.publish_event("", &"x")).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}
