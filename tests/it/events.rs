//! Event subscription and publishing against loopback servers: a WebSocket server written
//! here (it records each handshake) and, for publishing, `MockApi` in raw mode.
//!
//! This file holds what the test modules share: that server, the log capture, the client and
//! options every test starts from, and a reader of HTTP heads for the servers written byte by
//! byte.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::StreamExt as _;
use genauth::{Brand, EventStream, ManagementClient, SubscribeOptions};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use crate::support::capture::Capture;

mod limits;
mod proxy;
mod publish;
mod subscribe;
mod tls;
mod upgrade;

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

/// The log output of every events test, `tracing` and `log` alike, at every level: one
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
