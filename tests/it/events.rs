//! Event subscription and publishing against loopback servers: a WebSocket server written
//! here (it records each handshake) and, for publishing, `MockApi` in raw mode.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt as _, Stream as _, StreamExt as _};
use genauth::testing::{MockApi, MockReply};
use genauth::{Brand, Error, EventStream, ManagementClient, SubscribeOptions};
use hmac::{Hmac, Mac as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use crate::support::capture::Capture;
use crate::support::tls;

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

/// Every `log` record at every level (what tungstenite and other libraries write), into the
/// same capture as the `tracing` events.
struct LogCapture(Capture);

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        use std::io::Write as _;
        let mut out = self.0.clone();
        let _ = writeln!(
            out,
            "log {} {}: {}",
            record.level(),
            record.target(),
            record.args()
        );
    }
    fn flush(&self) {}
}

/// The log output of every test in this file, `tracing` and `log` alike, at every level: one
/// global subscriber, because a scoped one does not reliably see events while other tests run
/// in parallel.
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
            log::set_boxed_logger(Box::new(LogCapture(capture.clone()))).unwrap();
            log::set_max_level(log::LevelFilter::Trace);
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
    assert!(ours("connection failed; reconnecting"), "{logs}");
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

// Streams that end: a server that closes at once, oversized messages, byte budgets, reported
// failures, certificates, proxies, and no signature in any log.

fn close_with(code: u16, reason: &'static str) -> Message {
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }))
}

/// A server that answers every connection with a close frame at once, and a stream on it
/// allowed two reconnections: the stream's error, and how many connections were made.
async fn closed_at_once(code: u16, reason: &'static str) -> (Error, usize) {
    let _logs = logs();
    let server = WsServer::start(None, move |_, mut conn| async move {
        let _ = conn.send(close_with(code, reason)).await;
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick().max_reconnects(2));
    let err = bounded(stream.next()).await.unwrap().unwrap_err();
    assert!(
        bounded(stream.next()).await.is_none(),
        "the error is the last item"
    );
    (err, server.handshakes().len())
}

#[tokio::test]
async fn a_server_that_closes_at_once_with_an_application_code_ends_the_stream() {
    let (err, connections) = closed_at_once(4001, "bad signature").await;
    assert!(
        matches!(&err, Error::Closed { code: 4001, reason } if reason == "bad signature"),
        "{err:?}"
    );
    assert_eq!(connections, 1, "no reconnection");
}

#[tokio::test]
async fn a_server_that_closes_at_once_normally_uses_up_the_reconnects() {
    // A close frame used to count as progress and reset the count: 199 connections in 15 s.
    let (err, connections) = closed_at_once(1000, "bye").await;
    assert!(
        matches!(&err, Error::Closed { code: 1000, reason } if reason == "bye"),
        "{err:?}"
    );
    assert_eq!(connections, 3, "the first connection and two more");
}

#[tokio::test]
async fn a_message_over_the_limit_ends_the_stream_and_a_higher_limit_takes_it() {
    let _logs = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        let big = format!(
            r#"{{"eventType":"big","eventData":"{}"}}"#,
            "x".repeat(2 << 20)
        );
        let _ = conn.send(Message::text(big)).await;
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick().max_reconnects(5));
    let err = bounded(stream.next()).await.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::Decode { status: 101, message, .. } if message.contains("over the limit of 1048576")),
        "{err:?}"
    );
    assert!(bounded(stream.next()).await.is_none());
    assert_eq!(server.handshakes().len(), 1);
    let mut roomy = client.subscribe_with("test.event", quick().max_message_bytes(4 << 20));
    let event = bounded(roomy.next()).await.unwrap().unwrap();
    assert_eq!(event.event_type.as_deref(), Some("big"));
}

#[tokio::test]
async fn a_byte_budget_smaller_than_a_message_still_delivers_in_order() {
    let _logs = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        for n in 1..=5 {
            conn.send(event(n)).await.unwrap();
        }
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick().buffer_bytes(10).buffer(1));
    for n in 1..=5 {
        assert_eq!(
            next_event(&mut stream).await.data,
            serde_json::json!({ "n": n })
        );
    }
}

#[tokio::test]
async fn failures_can_be_reported_without_ending_the_stream() {
    let _logs = logs();
    let server = WsServer::start(Some(503), |_, conn| drain(conn)).await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with(
        "test.event",
        quick().max_reconnects(2).report_failures(true),
    );
    for _ in 0..3 {
        let err = bounded(stream.next()).await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
    }
    assert!(bounded(stream.next()).await.is_none());
    assert_eq!(server.handshakes().len(), 3);
}

/// A `wss` server with the test leaf certificate (`tests/data/tls`), sending one event per
/// connection; returns its URL and a count of TCP connections.
async fn wss_server() -> (String, Arc<AtomicUsize>) {
    let acceptor = tls::acceptor();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("wss://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await {
                    let _ = ws.send(event(1)).await;
                    while let Some(Ok(_)) = ws.next().await {}
                }
            });
        }
    });
    (url, connections)
}

#[tokio::test]
async fn a_certificate_the_client_does_not_trust_ends_the_stream_at_once() {
    let _logs = logs();
    let (url, connections) = wss_server().await;
    // Without the test CA: refused, and not retried forever.
    let client = client(Brand::GenAuth, &url);
    let mut stream = client.subscribe_with("test.event", quick());
    let err = bounded(stream.next()).await.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::Transport { message, .. } if message.contains("TLS") && message.to_lowercase().contains("certificate")),
        "{err:?}"
    );
    assert!(bounded(stream.next()).await.is_none());
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    // With the CA as an extra root, as HTTP takes it: the event arrives.
    let trusting = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host("http://127.0.0.1:9")
        .events_host(&url)
        .add_root_certificate_pem(include_bytes!("../data/tls/ca.pem"))
        .build()
        .unwrap();
    let mut stream = trusting.subscribe_with("test.event", quick());
    assert_eq!(
        next_event(&mut stream).await.data,
        serde_json::json!({ "n": 1 })
    );
}

/// An HTTP proxy on 127.0.0.1 that tunnels `CONNECT`; records each request head.
async fn connect_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head.split(' ').nth(1).unwrap_or("").to_string();
                seen.lock().unwrap().push(head);
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (url, heads)
}

#[tokio::test]
async fn events_go_through_the_clients_proxy() {
    let _logs = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        conn.send(event(7)).await.unwrap();
        drain(conn).await;
    })
    .await;
    let (proxy, heads) = connect_proxy().await;
    let proxy_with_user = proxy.replace("http://", "http://ops:pa%3Ass@");
    let client = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host("http://127.0.0.1:9")
        .events_host(&server.url)
        .proxy(proxy_with_user)
        .build()
        .unwrap();
    let mut stream = client.subscribe_with("test.event", quick());
    assert_eq!(
        next_event(&mut stream).await.data,
        serde_json::json!({ "n": 7 })
    );
    let heads = heads.lock().unwrap().clone();
    let authority = server.url.trim_start_matches("ws://");
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode("ops:pa:ss");
    assert!(
        heads[0].contains(&format!("Proxy-Authorization: Basic {basic}\r\n")),
        "{heads:?}"
    );
    assert_eq!(server.handshakes().len(), 1);
}

#[tokio::test]
async fn the_signed_upgrade_reaches_no_log_at_any_level() {
    let capture = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        conn.send(event(1)).await.unwrap();
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    next_event(&mut stream).await;
    drop(stream);
    let signature = server.handshakes()[0].authorization.clone().unwrap();
    let logs = capture.text();
    // The capture is live for both `tracing` and `log` (tungstenite writes frames at trace).
    assert!(logs.contains("genauth events: connected"), "{logs}");
    assert!(
        logs.contains("log TRACE tokio_tungstenite") || logs.contains("log TRACE tungstenite"),
        "{logs}"
    );
    assert!(
        !logs.contains(&signature[8..]),
        "the signature is in the logs"
    );
    assert!(!logs.contains(SECRET));
}
