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

/// Completes the TLS handshake on `tcp`, accepts the WebSocket upgrade, sends event 1 and
/// reads until the client leaves; a failed handshake just ends the connection.
async fn serve_one_event(acceptor: &tokio_rustls::TlsAcceptor, tcp: TcpStream) {
    let Ok(tls) = acceptor.accept(tcp).await else {
        return;
    };
    if let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await {
        let _ = ws.send(event(1)).await;
        while let Some(Ok(_)) = ws.next().await {}
    }
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
                serve_one_event(&acceptor, tcp).await;
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

/// An HTTP request head read byte by byte up to its blank line (nothing after it is
/// consumed), lossily as text; `None` when the peer closes first.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt as _;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// An HTTP proxy on 127.0.0.1 that tunnels `CONNECT`; records each request head.
async fn connect_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::AsyncWriteExt as _;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let Some(head) = read_head(&mut client).await else {
                    return;
                };
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

// Options out of bounds, and the reconnection bound whatever the heartbeat.

#[tokio::test]
async fn options_that_would_panic_or_never_trip_are_refused_before_connecting() {
    let _logs = logs();
    let server = WsServer::start(None, |_, conn| drain(conn)).await;
    let client = client(Brand::GenAuth, &server.url);
    let floor = SubscribeOptions::MIN_HEARTBEAT;
    for (options, named) in [
        // Used to panic in tokio's channel.
        (quick().buffer(usize::MAX), "buffer"),
        (quick().buffer(SubscribeOptions::MAX_BUFFER + 1), "buffer"),
        // A 1 ms heartbeat made any connection count as progress: max_reconnects never tripped.
        (
            quick()
                .heartbeat(Duration::from_millis(1), floor)
                .max_reconnects(2),
            "heartbeat",
        ),
        (quick().heartbeat(floor, Duration::ZERO), "heartbeat"),
    ] {
        let mut stream = client.subscribe_with("test.event", options);
        match bounded(stream.next()).await {
            Some(Err(Error::InvalidRequest(message))) => {
                assert!(message.contains(named), "{message}")
            }
            other => panic!("expected Error::InvalidRequest naming {named}, got {other:?}"),
        }
        assert!(bounded(stream.next()).await.is_none());
    }
    assert!(server.handshakes().is_empty(), "nothing connected");
    // The bounds themselves are accepted.
    let mut stream = client.subscribe_with(
        "test.event",
        quick()
            .buffer(SubscribeOptions::MAX_BUFFER)
            .heartbeat(floor, floor),
    );
    let quiet = tokio::time::timeout(Duration::from_millis(300), stream.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    assert_eq!(server.handshakes().len(), 1);
}

#[tokio::test]
async fn a_server_that_accepts_and_stays_silent_uses_up_the_reconnects() {
    // Such a connection lived a whole heartbeat interval, and that used to count as progress:
    // the count restarted after each one and the stream never ended.
    let _logs = logs();
    let server = WsServer::start(None, |_, conn| async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(conn);
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let floor = SubscribeOptions::MIN_HEARTBEAT;
    let mut stream = client.subscribe_with(
        "test.event",
        quick().heartbeat(floor, floor).max_reconnects(2),
    );
    match bounded(stream.next()).await {
        Some(Err(Error::Timeout(message))) => assert!(message.contains("ping"), "{message}"),
        other => panic!("expected a ping timeout, got {other:?}"),
    }
    assert!(bounded(stream.next()).await.is_none());
    assert_eq!(
        server.handshakes().len(),
        3,
        "the first connection and two more"
    );
}

#[tokio::test]
async fn connections_heard_from_after_a_heartbeat_still_reset_the_count() {
    // A server that answers pings and closes each connection after 300 ms: every connection
    // worked for a while, so one reconnection allowed in a row is never used up.
    let _logs = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        let _ = tokio::time::timeout(Duration::from_millis(300), async {
            while let Some(Ok(_)) = conn.next().await {}
        })
        .await;
        let _ = conn.send(close_with(1000, "rotating")).await;
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick().max_reconnects(1));
    let quiet = tokio::time::timeout(Duration::from_millis(1500), stream.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    assert!(
        server.handshakes().len() >= 3,
        "{}",
        server.handshakes().len()
    );
}

// Upgrade answers written byte by byte.

/// A WebSocket text frame from a server (unmasked).
fn server_frame(text: &str) -> Vec<u8> {
    let mut frame = vec![0x81];
    match text.len() {
        n @ 0..=125 => frame.push(n as u8),
        n => {
            frame.push(126);
            frame.extend_from_slice(&u16::try_from(n).unwrap().to_be_bytes());
        }
    }
    frame.extend_from_slice(text.as_bytes());
    frame
}

/// A server on 127.0.0.1 that answers each upgrade request with the head `answer` makes from
/// the `Sec-WebSocket-Accept` value the request's key asks for, then one event frame, and
/// keeps the connection open; returns its URL and a count of connections.
async fn raw_upgrade_server(
    answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    use sha1::Digest as _;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                let Some(head) = read_head(&mut tcp).await else {
                    return;
                };
                let key = head
                    .lines()
                    .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let mut sha = sha1::Sha1::new();
                sha.update(key.as_bytes());
                sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
                let accept = base64::engine::general_purpose::STANDARD.encode(sha.finalize());
                let mut bytes = answer(&accept);
                bytes.extend_from_slice(&server_frame(&event_text(1)));
                let _ = tcp.write_all(&bytes).await;
                let mut sink = [0u8; 1024];
                while tcp.read(&mut sink).await.unwrap_or(0) > 0 {}
            });
        }
    });
    (url, connections)
}

fn event_text(n: usize) -> String {
    match event(n) {
        Message::Text(text) => text.as_str().to_string(),
        _ => unreachable!(),
    }
}

/// A 101 head with `lines` (each ending in CRLF) and the blank line.
fn switching(lines: &str) -> Vec<u8> {
    format!("HTTP/1.1 101 Switching Protocols\r\n{lines}\r\n").into_bytes()
}

#[tokio::test]
async fn a_header_value_that_is_not_utf8_is_opaque_but_a_broken_status_line_is_final() {
    let _logs = logs();
    // RFC 9110 allows any byte in a field value: the upgrade goes on (it used to be retried
    // forever).
    let (url, connections) = raw_upgrade_server(|accept| {
        let mut head = b"HTTP/1.1 101 Switching Protocols\r\nX-Note: caf\xe9\r\n".to_vec();
        head.extend_from_slice(
            format!("Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n")
                .as_bytes(),
        );
        head
    })
    .await;
    let mut stream = client(Brand::GenAuth, &url).subscribe_with("test.event", quick());
    assert_eq!(
        next_event(&mut stream).await.data,
        serde_json::json!({ "n": 1 })
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    // A status line, or a header name, that is not HTTP: final, even with reconnection
    // unlimited (it used to be retried forever).
    for broken in [
        &b"HTTP/1.1 1\xff1 Switching Protocols\r\n\r\n"[..],
        b"HTTP/1.1 101 Switching Protocols\r\nUp\xffgrade: websocket\r\n\r\n",
        b"\xff\xfe\xfd\r\n\r\n",
    ] {
        let (url, connections) = raw_upgrade_server(move |_| broken.to_vec()).await;
        let mut stream = client(Brand::GenAuth, &url).subscribe_with("test.event", quick());
        match bounded(stream.next()).await {
            Some(Err(Error::Transport { message, .. })) => {
                assert!(message.contains("not HTTP/1.x"), "{message}")
            }
            other => panic!("expected a final transport error, got {other:?}"),
        }
        assert!(bounded(stream.next()).await.is_none());
        assert_eq!(connections.load(Ordering::SeqCst), 1, "not retried");
    }
}

#[tokio::test]
async fn a_101_without_connection_upgrade_or_with_what_was_not_offered_is_refused() {
    let _logs = logs();
    // Each head's lines, with ACCEPT for the right `Sec-WebSocket-Accept` value.
    let cases = [
        (
            "Upgrade: websocket\r\nSec-WebSocket-Accept: ACCEPT\r\n",
            "Connection: upgrade",
        ),
        (
            "Upgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Accept: ACCEPT\r\n",
            "Connection: upgrade",
        ),
        (
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\nSec-WebSocket-Extensions: permessage-deflate\r\n",
            "extension the client did not offer",
        ),
        (
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\nSec-WebSocket-Protocol: chat\r\n",
            "subprotocol the client did not offer",
        ),
    ];
    for (lines, expected) in cases {
        let (url, connections) =
            raw_upgrade_server(move |accept| switching(&lines.replace("ACCEPT", accept))).await;
        let mut stream = client(Brand::GenAuth, &url).subscribe_with("test.event", quick());
        match bounded(stream.next()).await {
            Some(Err(Error::Decode {
                status: 101,
                message,
                ..
            })) => assert!(message.contains(expected), "{message}"),
            other => panic!("expected Error::Decode naming `{expected}`, got {other:?}"),
        }
        assert!(bounded(stream.next()).await.is_none());
        assert_eq!(connections.load(Ordering::SeqCst), 1, "not retried");
    }
}

/// A `wss` server that fails TLS on the connections `failing` says (with the alert
/// `internal_error`, or a reset, after reading the client's hello) and serves the others with
/// the test certificate and one event; returns its URL and a count of TCP connections.
async fn flaky_tls_server(
    failing: impl Fn(usize) -> Option<&'static str> + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let acceptor = tls::acceptor();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("wss://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let acceptor = acceptor.clone();
            let failure = failing(n);
            tokio::spawn(async move {
                match failure {
                    Some("alert") => {
                        let mut hello = [0u8; 4096];
                        let _ = tcp.read(&mut hello).await;
                        // A TLS 1.2 record: alert, fatal, internal_error (80).
                        let _ = tcp
                            .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 80])
                            .await;
                        let _ = tcp.shutdown().await;
                    }
                    Some(_) => {
                        let mut hello = [0u8; 4096];
                        let _ = tcp.read(&mut hello).await;
                        let _ = tcp.set_zero_linger();
                        drop(tcp);
                    }
                    None => {
                        serve_one_event(&acceptor, tcp).await;
                    }
                }
            });
        }
    });
    (url, connections)
}

fn trusting_client(events_host: &str) -> ManagementClient {
    ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host("http://127.0.0.1:9")
        .events_host(events_host)
        .add_root_certificate_pem(include_bytes!("../data/tls/ca.pem"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn tls_failures_other_than_the_certificate_are_retried_within_max_reconnects() {
    let _logs = logs();
    // An alert, then a reset, then a good handshake: the event arrives (an alert used to end
    // the stream at once).
    let (url, connections) = flaky_tls_server(|n| match n {
        1 => Some("alert"),
        2 => Some("reset"),
        _ => None,
    })
    .await;
    let mut stream = trusting_client(&url).subscribe_with("test.event", quick().max_reconnects(5));
    assert_eq!(
        next_event(&mut stream).await.data,
        serde_json::json!({ "n": 1 })
    );
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    // Alerts only: the stream ends once the reconnections are used up.
    let (url, connections) = flaky_tls_server(|_| Some("alert")).await;
    let mut stream = trusting_client(&url).subscribe_with("test.event", quick().max_reconnects(2));
    match bounded(stream.next()).await {
        Some(Err(Error::Transport { message, .. })) => {
            assert!(message.contains("TLS"), "{message}")
        }
        other => panic!("expected a TLS transport error, got {other:?}"),
    }
    assert!(bounded(stream.next()).await.is_none());
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

// The proxy from the environment, read as the HTTP client reads it. The variables are set in
// a process of its own (`in_own_process`), so no other test sees them.

const PROXY_VARS: [&str; 9] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// The proxy variables set to `pairs` and no other.
fn proxy_env(pairs: &[(&str, &str)]) {
    for name in PROXY_VARS {
        // SAFETY: this process runs this one test and nothing else (`in_own_process`), on a
        // current-thread runtime that connects to addresses only (no resolver thread), so
        // nothing reads the environment meanwhile.
        unsafe { std::env::remove_var(name) };
    }
    for (name, value) in pairs {
        // SAFETY: as above.
        unsafe { std::env::set_var(name, value) };
    }
}

#[tokio::test]
async fn the_proxy_from_the_environment_is_read_as_for_http_calls() {
    if !crate::support::alone::in_own_process(
        module_path!(),
        "the_proxy_from_the_environment_is_read_as_for_http_calls",
    ) {
        return;
    }
    let capture = logs();
    let server = WsServer::start(None, |n, mut conn| async move {
        conn.send(event(n)).await.unwrap();
        drain(conn).await;
    })
    .await;
    let (proxy, heads) = connect_proxy().await;
    let proxy_addr = proxy.trim_start_matches("http://").to_string();
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = unused.local_addr().unwrap().to_string();
    drop(unused);
    let (user, password) = ("proxyuser-7f3", "proxypass-9k2");
    let build = |explicit: Option<&str>| {
        let mut builder = ManagementClient::builder()
            .access_key_id("AK")
            .access_key_secret(SECRET)
            .host("http://127.0.0.1:9")
            .events_host(&server.url);
        if let Some(proxy) = explicit {
            builder = builder.proxy(proxy);
        }
        builder.build().unwrap()
    };
    let seen = || heads.lock().unwrap().len();
    async fn one_event(client: &ManagementClient) {
        let mut stream = client.subscribe_with("test.event", quick());
        next_event(&mut stream).await;
    }

    // No scheme, with credentials: http://, as for HTTP calls (it used to be a fatal error
    // naming the user as a scheme).
    proxy_env(&[("HTTP_PROXY", &format!("{user}:{password}@{proxy_addr}"))]);
    one_event(&build(None)).await;
    assert_eq!(seen(), 1, "through the proxy");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    assert!(
        heads.lock().unwrap()[0].contains(&format!("Proxy-Authorization: Basic {basic}\r\n")),
        "{:?}",
        heads.lock().unwrap()
    );
    // The lower-case form, and ALL_PROXY, count too.
    proxy_env(&[("all_proxy", &proxy)]);
    one_event(&build(None)).await;
    assert_eq!(seen(), 2, "through the proxy");

    // NO_PROXY addresses and CIDR blocks (they used to be ignored).
    for no_proxy in [
        "127.0.0.1",
        "10.0.0.0/8, 127.0.0.0/8",
        "localhost,::1,127.0.0.1/32",
    ] {
        proxy_env(&[("HTTP_PROXY", &proxy), ("NO_PROXY", no_proxy)]);
        one_event(&build(None)).await;
        assert_eq!(seen(), 2, "direct with NO_PROXY={no_proxy}");
    }

    // Under CGI the request's `Proxy:` header lands in HTTP_PROXY (httpoxy): not read.
    proxy_env(&[("HTTP_PROXY", &proxy), ("REQUEST_METHOD", "GET")]);
    one_event(&build(None)).await;
    assert_eq!(seen(), 2, "direct under CGI");

    // The builder's proxy wins over the environment, NO_PROXY included.
    proxy_env(&[
        ("HTTP_PROXY", &format!("http://{dead}")),
        ("NO_PROXY", "127.0.0.0/8"),
    ]);
    one_event(&build(Some(&proxy))).await;
    assert_eq!(seen(), 3, "through the builder's proxy");

    // No credential in any error or log line: an unreachable proxy, and one events cannot use.
    for (value, variant) in [
        (format!("{user}:{password}@{dead}"), "transport"),
        (format!("socks5://{user}:{password}@{dead}"), "config"),
    ] {
        proxy_env(&[("HTTP_PROXY", &value)]);
        let client = build(None);
        let mut stream = client.subscribe_with("test.event", quick().max_reconnects(1));
        let err = bounded(stream.next()).await.unwrap().unwrap_err();
        let text = format!("{err} {err:?}");
        match variant {
            "transport" => assert!(
                matches!(err, Error::Transport { .. }) && text.contains(&dead),
                "{text}"
            ),
            _ => assert!(matches!(err, Error::Config(_)), "{text}"),
        }
        assert!(!text.contains(user) && !text.contains(password), "{text}");
        assert!(bounded(stream.next()).await.is_none());
    }
    let logs = capture.text();
    assert!(logs.contains("genauth events"), "{logs}");
    assert!(
        !logs.contains(user) && !logs.contains(password),
        "a proxy credential is in the logs:\n{logs}"
    );
    proxy_env(&[]);
}
