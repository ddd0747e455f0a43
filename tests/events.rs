//! Event subscription and publishing against loopback servers: a WebSocket server written
//! here (it records each handshake) and the HTTP loopback of the examples.

#[path = "support/capture.rs"]
mod capture;
#[path = "support/loopback.rs"]
mod loopback;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use std::time::Duration;

use base64::Engine as _;
use capture::Capture;
use futures_util::{SinkExt as _, Stream as _, StreamExt as _};
use genauth::{Brand, Error, EventStream, ManagementClient, SubscribeOptions};
use hmac::{Hmac, Mac as _};
use loopback::{Loopback, Reply};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

const SECRET: &str = "SK-events-never-print";

type Conn = WebSocketStream<TcpStream>;

/// A handshake as the server saw it.
#[derive(Clone, Debug)]
struct Handshake {
    path: String,
    query: Option<String>,
    authorization: Option<String>,
}

/// A WebSocket server on 127.0.0.1: records every handshake, refuses it with `refuse` when
/// set, else hands connection number `n` (from 1) to `serve`.
struct WsServer {
    url: String,
    handshakes: Arc<Mutex<Vec<Handshake>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WsServer {
    // The callback's error type is tungstenite's `ErrorResponse`, a whole HTTP response.
    #[allow(clippy::result_large_err)]
    async fn start<F, Fut>(refuse: Option<u16>, serve: F) -> WsServer
    where
        F: Fn(usize, Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let handshakes = Arc::new(Mutex::new(Vec::new()));
        let seen = handshakes.clone();
        let serve = Arc::new(serve);
        let count = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, serve, count) = (seen.clone(), serve.clone(), count.clone());
                tokio::spawn(async move {
                    let record = |request: &Request, response: Response| {
                        seen.lock().unwrap().push(Handshake {
                            path: request.uri().path().to_string(),
                            query: request.uri().query().map(str::to_string),
                            authorization: request
                                .headers()
                                .get("authorization")
                                .map(|v| v.to_str().unwrap().to_string()),
                        });
                        match refuse {
                            Some(status) => {
                                let mut refusal = ErrorResponse::new(Some("denied".into()));
                                *refusal.status_mut() = status.try_into().unwrap();
                                Err(refusal)
                            }
                            None => Ok(response),
                        }
                    };
                    if let Ok(conn) = tokio_tungstenite::accept_hdr_async(stream, record).await {
                        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                        serve(n, conn).await;
                    }
                });
            }
        });
        WsServer {
            url,
            handshakes,
            task,
        }
    }

    fn handshakes(&self) -> Vec<Handshake> {
        self.handshakes.lock().unwrap().clone()
    }
}

/// The log output of every test in this file: one global subscriber, because a scoped one
/// does not reliably see events while other tests run in parallel.
fn logs() -> Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = Capture::default();
            let writer = capture.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            capture
        })
        .clone()
}

/// Fails the test instead of hanging it.
async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), future)
        .await
        .expect("neither finished nor failed within 5 s")
}

fn client(brand: Brand, events_host: &str) -> ManagementClient {
    ManagementClient::builder()
        .brand(brand)
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host("http://127.0.0.1:9")
        .events_host(events_host)
        .build()
        .unwrap()
}

/// Short timings so that every test stays well under its bound.
fn quick() -> SubscribeOptions {
    SubscribeOptions::default()
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
        .heartbeat(Duration::from_millis(100), Duration::from_millis(200))
}

fn event(n: usize) -> Message {
    Message::text(format!(
        r#"{{"eventType":"test.event","eventData":"{{\"n\":{n}}}","source":"loopback","timestamp":{n}}}"#
    ))
}

async fn next_event(stream: &mut EventStream) -> genauth::Event {
    match bounded(stream.next()).await {
        Some(Ok(event)) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// Keeps a connection open, reading (and so answering pings) until the peer goes away.
async fn drain(mut conn: Conn) {
    while let Some(Ok(_)) = conn.next().await {}
}

#[tokio::test]
async fn the_handshake_is_signed_for_both_brands() {
    for (brand, scheme) in [(Brand::GenAuth, "GenAuth"), (Brand::Authing, "authing")] {
        let server = WsServer::start(None, |_, mut conn| async move {
            conn.send(event(1)).await.unwrap();
            drain(conn).await;
        })
        .await;
        let client = client(brand, &server.url);
        let mut stream = client.subscribe_with("authing.user.created & more/é", quick());
        next_event(&mut stream).await;

        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(b"websocket\n");
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let seen = &server.handshakes()[0];
        assert_eq!(seen.path, "/events/v1/management/sub");
        assert_eq!(
            seen.query.as_deref(),
            Some("code=authing.user.created%20%26%20more%2F%C3%A9")
        );
        assert_eq!(
            seen.authorization.as_deref(),
            Some(format!("{scheme} AK:{signature}").as_str())
        );
    }
}

#[tokio::test]
async fn events_arrive_in_order_and_decode() {
    let server = WsServer::start(None, |_, mut conn| async move {
        for n in 1..=5 {
            conn.send(event(n)).await.unwrap();
        }
        conn.send(Message::text("not json")).await.unwrap();
        conn.send(Message::text(r#"{"unexpected":["shape"]}"#))
            .await
            .unwrap();
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    for n in 1..=5 {
        let event = next_event(&mut stream).await;
        assert_eq!(event.event_type.as_deref(), Some("test.event"));
        assert_eq!(event.data, serde_json::json!({ "n": n }));
        assert_eq!(event.source.as_deref(), Some("loopback"));
        assert_eq!(event.time, Some(serde_json::json!(n)));
        assert_eq!(event.raw["eventData"], format!(r#"{{"n":{n}}}"#));
    }
    let odd = next_event(&mut stream).await;
    assert_eq!(odd.raw, serde_json::json!("not json"));
    assert_eq!(odd.data, serde_json::Value::Null);
    let odd = next_event(&mut stream).await;
    assert_eq!(odd.raw, serde_json::json!({"unexpected": ["shape"]}));
    assert!(odd.event_type.is_none() && odd.source.is_none() && odd.time.is_none());
}

#[tokio::test]
async fn a_dropped_connection_is_reconnected_and_no_later_event_is_lost() {
    let capture = logs();
    let server = WsServer::start(None, |n, mut conn| async move {
        if n == 1 {
            conn.send(event(1)).await.unwrap();
            conn.send(event(2)).await.unwrap();
            // Gone without a close frame.
            drop(conn);
        } else {
            for n in 3..=6 {
                conn.send(event(n)).await.unwrap();
            }
            drain(conn).await;
        }
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("log.test", quick());
    for n in 1..=6 {
        assert_eq!(
            next_event(&mut stream).await.data,
            serde_json::json!({ "n": n })
        );
    }
    assert_eq!(server.handshakes().len(), 2);
    let logs = capture.text();
    let ours = |message: &str| {
        logs.lines()
            .any(|line| line.contains(message) && line.contains("code=log.test"))
    };
    assert!(ours("genauth events: connected"), "{logs}");
    assert!(ours("genauth events: reconnecting"), "{logs}");
    // The signature is the same for every test here: no test's logs may show it.
    let signature = server.handshakes()[0].authorization.clone().unwrap();
    assert!(
        !logs.contains(SECRET) && !logs.contains(&signature[8..]),
        "{logs}"
    );
}

#[tokio::test]
async fn a_silent_server_is_detected_by_the_heartbeat_and_replaced() {
    let server = WsServer::start(None, |n, mut conn| async move {
        if n == 1 {
            // Accepts, then never reads: pings go unanswered.
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(conn);
        } else {
            conn.send(event(n)).await.unwrap();
            drain(conn).await;
        }
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    let event = next_event(&mut stream).await;
    assert_eq!(event.data, serde_json::json!({ "n": 2 }));
    assert_eq!(server.handshakes().len(), 2);
}

#[tokio::test]
async fn a_live_quiet_connection_is_kept() {
    let server = WsServer::start(None, |_, conn| drain(conn)).await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    // Several heartbeat periods with pings answered: no reconnection.
    let quiet = tokio::time::timeout(Duration::from_millis(800), stream.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    assert_eq!(server.handshakes().len(), 1);
}

#[tokio::test]
async fn dropping_the_stream_sends_a_close_frame() {
    let (observed_tx, observed_rx) = tokio::sync::oneshot::channel();
    let observed_tx = Mutex::new(Some(observed_tx));
    let server = WsServer::start(None, move |_, mut conn| {
        let observed_tx = observed_tx.lock().unwrap().take();
        async move {
            conn.send(event(1)).await.unwrap();
            let seen = loop {
                match conn.next().await {
                    Some(Ok(Message::Close(_))) => break "close frame",
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => break "end of stream without a close frame",
                }
            };
            if let Some(tx) = observed_tx {
                let _ = tx.send(seen);
            }
        }
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    next_event(&mut stream).await;
    drop(stream);
    assert_eq!(bounded(observed_rx).await.unwrap(), "close frame");
}

#[tokio::test]
async fn an_auth_refusal_ends_the_stream_with_an_auth_error() {
    for status in [401, 403] {
        let server = WsServer::start(Some(status), |_, conn| drain(conn)).await;
        let client = client(Brand::Authing, &server.url);
        let mut stream = client.subscribe_with("test.event", quick());
        match bounded(stream.next()).await {
            Some(Err(Error::Auth(message))) => {
                assert!(message.contains(&status.to_string()), "{message}");
                assert!(!message.contains(SECRET), "{message}");
            }
            other => panic!("expected Error::Auth, got {other:?}"),
        }
        assert!(bounded(stream.next()).await.is_none());
        assert_eq!(server.handshakes().len(), 1, "no retry after a refusal");
    }
}

#[tokio::test]
async fn reconnects_give_up_when_a_limit_is_set() {
    // A port nothing listens on.
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", unused.local_addr().unwrap());
    drop(unused);
    let client = client(Brand::GenAuth, &url);
    let mut stream = client.subscribe_with("test.event", quick().max_reconnects(2));
    match bounded(stream.next()).await {
        Some(Err(e @ Error::Transport { .. })) => assert!(e.is_retryable()),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(bounded(stream.next()).await.is_none());
}

#[tokio::test]
async fn an_empty_code_is_refused_without_connecting() {
    let server = WsServer::start(None, |_, conn| drain(conn)).await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe(" ");
    assert!(matches!(
        bounded(stream.next()).await,
        Some(Err(Error::InvalidRequest(_)))
    ));
    assert!(bounded(stream.next()).await.is_none());
    assert!(server.handshakes().is_empty());
}

#[test]
fn polling_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let client = client(Brand::GenAuth, "ws://127.0.0.1:9");
    let mut stream = client.subscribe("test.event");
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut poll = || std::pin::Pin::new(&mut stream).poll_next(&mut cx);
    let first = poll();
    assert!(
        matches!(first, Poll::Ready(Some(Err(Error::Config(_))))),
        "{first:?}"
    );
    assert!(matches!(poll(), Poll::Ready(None)));
}

#[tokio::test]
async fn publish_sends_type_data_as_a_json_string_and_source() {
    let server = Loopback::start(Arc::new(|_, _| {
        Reply::json(
            200,
            r#"{"statusCode":200,"message":"ok","data":{"success":true}}"#,
        )
    }))
    .await
    .unwrap();
    let client = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host(&server.base_url)
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

    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path(), "/api/v3/pub-event");
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
    let server = Loopback::start(Arc::new(|_, _| {
        Reply::json(
            200,
            r#"{"statusCode":400,"apiCode":400123,"message":"unknown event","data":null}"#,
        )
    }))
    .await
    .unwrap();
    let client = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host(&server.base_url)
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
