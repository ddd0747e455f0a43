//! Webhook deliveries over the wire: a loopback HTTP/1.1 receiver hands each request's headers
//! and body to `genauth::webhook::WebhookVerifier` and answers with the status it gives;
//! reqwest posts deliveries shaped as the webhook guides describe them (`user-agent:
//! authing-webhook@2.0`, the secret and user pool headers, a JSON or form body).

use genauth::types::Events;
use genauth::webhook::{Delivery, EventData, WebhookError, WebhookVerifier};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const SECRET: &str = "webhook-secret-9f2c";
const POOL: &str = "62a7c0e0c6f3d4a5b6c7d8e9";

/// A receiver on 127.0.0.1: its URL, and what `verify` returned for each request, in order.
struct Receiver {
    url: String,
    results: mpsc::UnboundedReceiver<Result<Delivery, WebhookError>>,
}

impl Receiver {
    async fn start(verifier: WebhookVerifier) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhook", listener.local_addr().unwrap());
        let (tx, results) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (verifier, tx) = (verifier.clone(), tx.clone());
                tokio::spawn(async move {
                    let Some((headers, body)) = read_request(&mut stream).await else {
                        return;
                    };
                    let result = verifier.verify(&headers, &body);
                    let status = result
                        .as_ref()
                        .map_or_else(|e| e.http_status(), |_| StatusCode::OK);
                    answer(stream, status).await;
                    tx.send(result).ok();
                });
            }
        });
        Self { url, results }
    }

    /// What `verify` returned for the next request.
    async fn next(&mut self) -> Result<Delivery, WebhookError> {
        self.results
            .recv()
            .await
            .expect("the receiver saw a request")
    }
}

/// One HTTP/1.1 request with a `content-length` body: its headers and body.
async fn read_request(stream: &mut TcpStream) -> Option<(HeaderMap, Vec<u8>)> {
    let mut data = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        match stream.read(&mut chunk).await {
            Ok(n) if n > 0 && data.len() < 64 * 1024 => data.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    };
    let head = std::str::from_utf8(&data[..head_end]).ok()?;
    let mut headers = HeaderMap::new();
    for line in head.split("\r\n").skip(1) {
        let (name, value) = line.split_once(':')?;
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
            HeaderValue::from_str(value.trim()).ok()?,
        );
    }
    let length: usize = headers.get("content-length")?.to_str().ok()?.parse().ok()?;
    let mut body = data.split_off(head_end + 4);
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(n) if n > 0 => body.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    }
    body.truncate(length);
    Some((headers, body))
}

async fn answer(mut stream: TcpStream, status: StatusCode) {
    let response = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    stream.write_all(response.as_bytes()).await.ok();
    stream.shutdown().await.ok();
    // Drain what the client still sends, so that it reads the answer rather than a reset.
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.ok();
}

/// POSTs `body` with the headers a delivery carries plus `extra`; the answer's status.
async fn post(url: &str, content_type: &str, extra: &[(&str, &str)], body: Vec<u8>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("user-agent", "authing-webhook@2.0")
        .header("x-authing-userpool-id", POOL)
        .header("content-type", content_type);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.body(body).send().await.unwrap().status().as_u16()
}

async fn post_json(url: &str, extra: &[(&str, &str)], body: &Value) -> u16 {
    post(
        url,
        "application/json",
        extra,
        body.to_string().into_bytes(),
    )
    .await
}

const WITH_SECRET: &[(&str, &str)] = &[("x-authing-webhook-secret", SECRET)];

#[tokio::test]
async fn json_test_event_arrives_with_its_body_byte_for_byte() {
    let mut receiver = Receiver::start(WebhookVerifier::new(SECRET)).await;
    // Whitespace, key order, escapes and non-ASCII text as a sender might write them.
    let body = "{\n  \"data\": {\"note\": \"caf\\u00e9 \u{2603}\", \"n\": 1.50},\n  \"eventName\": \"test\"\n}";
    let status = post(&receiver.url, "application/json", WITH_SECRET, body.into()).await;
    assert_eq!(status, 200);
    let delivery = receiver.next().await.unwrap();
    assert_eq!(delivery.event.name, Events::Test);
    assert_eq!(&delivery.raw[..], body.as_bytes());
    assert_eq!(delivery.userpool_id.as_deref(), Some(POOL));
    let EventData::Raw(data) = &delivery.event.data else {
        panic!("{:?}", delivery.event.data)
    };
    assert_eq!(data["note"], "caf\u{e9} \u{2603}");
}

#[tokio::test]
async fn form_delivery() {
    let mut receiver = Receiver::start(WebhookVerifier::new(SECRET)).await;
    let data = json!({"note": "a & b = c"}).to_string();
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("eventName", "test")
        .append_pair("data", &data)
        .finish();
    let status = post(
        &receiver.url,
        "application/x-www-form-urlencoded",
        &[("x-authing-token", SECRET)],
        body.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    let delivery = receiver.next().await.unwrap();
    assert_eq!(delivery.event.name, Events::Test);
    assert_eq!(&delivery.raw[..], body.as_bytes());
    assert!(
        matches!(&delivery.event.data, EventData::Raw(v) if v == &json!({"note": "a & b = c"})),
        "{:?}",
        delivery.event.data
    );
}

#[tokio::test]
async fn user_created_carries_the_user() {
    let mut receiver = Receiver::start(WebhookVerifier::new(SECRET)).await;
    let body = json!({"eventName": "user:created", "data": {
        "userId": "6319a1504f3xxxxf214dd5b7", "username": "ada", "email": "ada@example.com",
        "emailVerified": "true", "loginsCount": 0, "createdAt": "2024-01-02T03:04:05.000Z"}});
    // GenAuth's header name for the secret.
    let status = post_json(&receiver.url, &[("x-genauth-token", SECRET)], &body).await;
    assert_eq!(status, 200);
    let delivery = receiver.next().await.unwrap();
    assert_eq!(delivery.event.name, Events::UserCreated);
    let EventData::User(user) = delivery.event.data else {
        panic!("{:?}", delivery.event.data)
    };
    assert_eq!(user.user_id, "6319a1504f3xxxxf214dd5b7");
    assert_eq!(user.email.as_deref(), Some("ada@example.com"));
    assert!(user.email_verified); // "true", read leniently
}

#[tokio::test]
async fn user_updated_carries_the_user_and_the_updates() {
    let mut receiver = Receiver::start(WebhookVerifier::new(SECRET)).await;
    let updates = json!({"nickname": "Ada L.", "phone": null});
    let body = json!({"eventName": "user:updated", "data": {
        "user": {"userId": "u-42", "nickname": "Ada L."}, "updates": updates}});
    assert_eq!(post_json(&receiver.url, WITH_SECRET, &body).await, 200);
    let delivery = receiver.next().await.unwrap();
    assert_eq!(delivery.event.name, Events::UserUpdated);
    let EventData::UserUpdated { user, updates: got } = delivery.event.data else {
        panic!("{:?}", delivery.event.data)
    };
    assert_eq!(user.user_id, "u-42");
    assert_eq!(user.nickname.as_deref(), Some("Ada L."));
    assert_eq!(got, updates);
}

#[tokio::test]
async fn an_unknown_event_name_is_kept() {
    let mut receiver = Receiver::start(WebhookVerifier::new(SECRET)).await;
    let body = json!({"eventName": "user:time-travelled", "data": {"year": 1843}});
    assert_eq!(post_json(&receiver.url, WITH_SECRET, &body).await, 200);
    let delivery = receiver.next().await.unwrap();
    assert_eq!(
        delivery.event.name,
        Events::UnknownValue("user:time-travelled".into())
    );
    assert!(matches!(&delivery.event.data, EventData::Raw(v) if v["year"] == 1843));
}

#[tokio::test]
async fn both_secret_headers_must_agree() {
    let mut receiver = Receiver::start(WebhookVerifier::new(SECRET)).await;
    let body = json!({"eventName": "test", "data": {}});
    // As in the delivery log sample: the secret under both names.
    let both = [
        ("x-authing-webhook-secret", SECRET),
        ("x-authing-token", SECRET),
    ];
    assert_eq!(post_json(&receiver.url, &both, &body).await, 200);
    assert!(receiver.next().await.is_ok());
    let split = [
        ("x-authing-webhook-secret", SECRET),
        ("x-authing-token", "guess"),
    ];
    assert_eq!(post_json(&receiver.url, &split, &body).await, 401);
    assert_eq!(
        receiver.next().await.unwrap_err(),
        WebhookError::WrongSecret
    );
}

#[tokio::test]
async fn forged_and_missing_secrets_get_401() {
    let mut receiver = Receiver::start(WebhookVerifier::new(SECRET)).await;
    let body = json!({"eventName": "user:created", "data": {"userId": "u-1"}});
    let forged = [("x-authing-webhook-secret", "webhook-secret-9f2d")];
    assert_eq!(post_json(&receiver.url, &forged, &body).await, 401);
    assert_eq!(
        receiver.next().await.unwrap_err(),
        WebhookError::WrongSecret
    );
    assert_eq!(post_json(&receiver.url, &[], &body).await, 401);
    assert_eq!(
        receiver.next().await.unwrap_err(),
        WebhookError::MissingSecret
    );
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413() {
    // The default limit, 1 MiB: one byte over it.
    let mut receiver = Receiver::start(WebhookVerifier::new(SECRET)).await;
    let (head, tail) = (r#"{"eventName":"test","data":{"filler":""#, r#""}}"#);
    let filler = "x".repeat(1024 * 1024 + 1 - head.len() - tail.len());
    let body = format!("{head}{filler}{tail}").into_bytes();
    assert_eq!(body.len(), 1024 * 1024 + 1);
    assert_eq!(
        post(&receiver.url, "application/json", WITH_SECRET, body).await,
        413
    );
    assert_eq!(
        receiver.next().await.unwrap_err(),
        WebhookError::TooLarge { limit: 1024 * 1024 }
    );
    // A body that is not JSON gets 400.
    let status = post(
        &receiver.url,
        "application/json",
        WITH_SECRET,
        b"{oops".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(matches!(
        receiver.next().await,
        Err(WebhookError::Unreadable(_))
    ));
}
