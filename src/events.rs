//! Event subscription: a WebSocket to the events host, read by a background task and handed
//! to the caller as a [`Stream`] of [`Event`]s.
//!
//! The task connects (through the client's proxy, with the client's TLS verification),
//! upgrades the connection itself (so that the signed request never reaches a log), keeps it
//! alive with pings, reconnects with jittered exponential backoff when it is lost, and closes
//! it with a close frame when the stream is dropped. Between the task and the consumer sits a
//! channel bounded in events and in bytes: when it is full the task stops reading the socket
//! (backpressure), so nothing is dropped on the client side.
//!
//! Every loop ends: messages and frames are capped, only delivered events (or a connection
//! that lived a whole heartbeat) reset the reconnection count, a server that closes at once
//! with a policy or application code ends the stream, and certificate failures are final.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use futures_core::Stream;
use futures_util::{SinkExt as _, StreamExt as _};
use http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

use crate::config::Credentials;
use crate::redact::snippet;
use crate::{Brand, Error, SensitiveString};

/// The path of management event subscriptions on the events host.
const SUB_PATH: &str = "/events/v1/management/sub";

/// Characters left as they are in the `code` query value: RFC 3986 unreserved ones.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How long a close frame may take to go out when the stream is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The most bytes an upgrade (or proxy) answer's head may have.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// A connection, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

type Socket = WebSocketStream<Box<dyn Io>>;

/// What the builder fixes for every subscription of a client.
#[derive(Clone)]
pub(crate) struct EventsConfig {
    /// The validated events host, without a trailing slash.
    pub(crate) host: String,
    /// Limit on connecting, the proxy tunnel, TLS and the upgrade, together.
    pub(crate) connect_timeout: Duration,
    /// The HTTP client's TLS verification, for `wss` (set by the builder).
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
    /// The proxy to tunnel through: the builder's, else the environment's; an error when it
    /// cannot carry a WebSocket.
    pub(crate) proxy: Option<Result<Proxy, String>>,
}

/// An HTTP proxy that events reach their host through, with `CONNECT`.
#[derive(Clone)]
pub(crate) struct Proxy {
    host: String,
    port: u16,
    /// `Basic ...` from the proxy URL's user and password.
    authorization: Option<SensitiveString>,
}

/// The proxy events use for `events_host`: the builder's (`explicit`), else the one the
/// environment names for its scheme (`HTTPS_PROXY`/`https_proxy` for `wss`,
/// `HTTP_PROXY`/`http_proxy` for `ws`, then `ALL_PROXY`), unless `NO_PROXY` covers the host,
/// as the HTTP client does.
pub(crate) fn proxy_for(
    events_host: &str,
    explicit: Option<&SensitiveString>,
) -> Option<Result<Proxy, String>> {
    let url = url::Url::parse(events_host).ok()?;
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let from_env = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
    };
    let chosen = match explicit {
        Some(proxy) => proxy.expose_secret().to_string(),
        None => {
            let scheme_vars: &[&str] = if url.scheme() == "wss" {
                &["HTTPS_PROXY", "https_proxy"]
            } else {
                &["HTTP_PROXY", "http_proxy"]
            };
            let found = from_env(scheme_vars).or_else(|| from_env(&["ALL_PROXY", "all_proxy"]))?;
            if let Some(list) = from_env(&["NO_PROXY", "no_proxy"])
                && no_proxy_covers(&list, &host)
            {
                return None;
            }
            found
        }
    };
    Some(parse_proxy(&chosen))
}

/// Whether a `NO_PROXY` list names `host` (`*`, the host, or a domain it is under).
fn no_proxy_covers(list: &str, host: &str) -> bool {
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches('.');
        entry == "*"
            || (!entry.is_empty()
                && (host.eq_ignore_ascii_case(entry)
                    || host
                        .to_ascii_lowercase()
                        .ends_with(&format!(".{}", entry.to_ascii_lowercase()))))
    })
}

/// An `http://[user:password@]host[:port]` proxy URL. Its text never goes into the error, as
/// it may hold a password.
fn parse_proxy(text: &str) -> Result<Proxy, String> {
    let url = url::Url::parse(text).map_err(|_| "the proxy URL is not a URL".to_string())?;
    if url.scheme() != "http" {
        return Err(format!(
            "events can go through an http:// proxy only, not {}://",
            url.scheme()
        ));
    }
    let host = url
        .host_str()
        .ok_or("the proxy URL has no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let authorization = (!url.username().is_empty()).then(|| {
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let pair = format!(
            "{}:{}",
            decode(url.username()),
            decode(url.password().unwrap_or(""))
        );
        SensitiveString::from(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    });
    Ok(Proxy {
        host,
        port: url.port().unwrap_or(80),
        authorization,
    })
}

/// Where one subscription connects, from its URL.
#[derive(Clone, Debug)]
struct Target {
    tls: bool,
    /// The host to connect to and to check the certificate for (no brackets).
    host: String,
    port: u16,
    /// `Host` header value (`host[:port]`, IPv6 in brackets).
    authority: String,
    /// Path and query of the upgrade request.
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let tls = match url.scheme() {
            "wss" => true,
            "ws" => false,
            other => return Err(format!("scheme `{other}` is not ws or wss")),
        };
        let port = url.port_or_known_default().ok_or("no port")?;
        let (host, shown) = match url.host().ok_or("no host")? {
            url::Host::Ipv6(ip) => (ip.to_string(), format!("[{ip}]")),
            other => (other.to_string(), other.to_string()),
        };
        let authority = match url.port() {
            Some(port) => format!("{shown}:{port}"),
            None => shown,
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        Ok(Target {
            tls,
            host,
            port,
            authority,
            path,
        })
    }
}

/// Settings of one subscription. The defaults suit production; tests shorten them.
#[derive(Clone, Debug)]
pub struct SubscribeOptions {
    max_reconnects: Option<u32>,
    initial_backoff: Duration,
    max_backoff: Duration,
    ping_interval: Duration,
    pong_timeout: Duration,
    buffer: usize,
    buffer_bytes: usize,
    max_message_bytes: usize,
    report_failures: bool,
}

impl Default for SubscribeOptions {
    /// Reconnect forever, backoff from 500 ms up to 30 s, a ping every 20 s answered within
    /// 10 s, room for 64 events and 8 MiB between the socket and the consumer, messages of
    /// at most 1 MiB, connection failures logged but not yielded.
    fn default() -> Self {
        Self {
            max_reconnects: None,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            ping_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(10),
            buffer: 64,
            buffer_bytes: Self::DEFAULT_BUFFER_BYTES,
            max_message_bytes: Self::DEFAULT_MAX_MESSAGE_BYTES,
            report_failures: false,
        }
    }
}

impl SubscribeOptions {
    /// The least wait before a reconnection, whatever [`backoff`](Self::backoff) says.
    pub const MIN_RECONNECT_BACKOFF: Duration = Duration::from_millis(100);

    /// The default cap on one message and one frame: 1 MiB.
    pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1 << 20;

    /// The default cap on the bytes of events waiting for the consumer: 8 MiB.
    pub const DEFAULT_BUFFER_BYTES: usize = 8 << 20;

    /// Gives up after this many reconnection attempts in a row without progress; the stream
    /// then ends with the last error. Progress is an event delivered, or a connection that
    /// stayed up for a whole heartbeat interval: a server that accepts and closes at once does
    /// not reset the count. Unlimited by default; `0` never reconnects.
    pub fn max_reconnects(mut self, attempts: u32) -> Self {
        self.max_reconnects = Some(attempts);
        self
    }

    /// The backoff between reconnections: the `n`th attempt in a row waits a random time
    /// between half and all of `min(max, initial * 2^(n-1))`, and never less than
    /// [`SubscribeOptions::MIN_RECONNECT_BACKOFF`]. 500 ms and 30 s by default.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The heartbeat: when nothing arrived for `interval`, a ping is sent, and the connection
    /// counts as dead (and is replaced) when nothing arrives within `timeout` after it.
    /// 20 s and 10 s by default; zero counts as one millisecond.
    pub fn heartbeat(mut self, interval: Duration, timeout: Duration) -> Self {
        self.ping_interval = interval;
        self.pong_timeout = timeout;
        self
    }

    /// How many events may wait between the socket and the consumer; 64 by default, at least
    /// 1. When they are all waiting the socket is not read until the consumer takes one.
    pub fn buffer(mut self, events: usize) -> Self {
        self.buffer = events;
        self
    }

    /// How many bytes of messages may wait between the socket and the consumer, counted as
    /// their text; [`Self::DEFAULT_BUFFER_BYTES`] by default, at least one message. The
    /// socket is not read while they are used up, as for [`buffer`](Self::buffer).
    pub fn buffer_bytes(mut self, bytes: usize) -> Self {
        self.buffer_bytes = bytes;
        self
    }

    /// The largest message (and frame) accepted, [`Self::DEFAULT_MAX_MESSAGE_BYTES`] by
    /// default, at least 1 KiB. A larger one ends the stream with [`Error::Decode`]:
    /// reconnecting would likely meet it again, and an event skipped in silence is worse than
    /// a stop.
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }

    /// Whether each failed connection that will be retried is also yielded, as an `Err` item
    /// that does not end the stream (the stream goes on reconnecting). Off by default: the
    /// failures are logged (the first of a run at WARN) and only the final one is yielded.
    pub fn report_failures(mut self, on: bool) -> Self {
        self.report_failures = on;
        self
    }
}

/// One event as the server sent it.
///
/// The fields are read leniently from the JSON text message: an absent or differently
/// shaped field is `None` (or `Null`), never an error, and [`raw`](Self::raw) always holds
/// the whole message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The message's `eventType`.
    pub event_type: Option<String>,
    /// The message's `eventData` (or else `data`). A string holding JSON, as publishers send
    /// it, is decoded; any other value is kept as it is. `Null` when absent.
    pub data: serde_json::Value,
    /// The message's `source`.
    pub source: Option<String>,
    /// The message's `timestamp` (or else `time`), as sent: a number or a string.
    pub time: Option<serde_json::Value>,
    /// The whole message; a text message that is not JSON is a JSON string.
    pub raw: serde_json::Value,
}

impl Event {
    /// Reads an event from a text message. Never fails.
    pub(crate) fn from_text(text: &str) -> Event {
        let raw = serde_json::from_str(text)
            .unwrap_or_else(|_| serde_json::Value::String(text.to_string()));
        let field = |names: &[&str]| {
            let object = raw.as_object()?;
            names
                .iter()
                .find_map(|name| object.get(*name).filter(|v| !v.is_null()))
                .cloned()
        };
        let text_field = |name: &str| match field(&[name]) {
            Some(serde_json::Value::String(s)) => Some(s),
            _ => None,
        };
        let data = match field(&["eventData", "data"]) {
            Some(serde_json::Value::String(s)) => {
                serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
            }
            Some(other) => other,
            None => serde_json::Value::Null,
        };
        Event {
            event_type: text_field("eventType"),
            source: text_field("source"),
            time: field(&["timestamp", "time"]),
            data,
            raw,
        }
    }
}

type Item = Result<Event, Error>;

/// An event on its way to the consumer, holding its share of the byte budget.
struct Delivery {
    event: Event,
    _bytes: OwnedSemaphorePermit,
}

/// The events of one subscription, from [`ManagementClient::subscribe`](crate::ManagementClient::subscribe).
///
/// Connection failures are retried in the background and logged (the first of a run at
/// WARN); with [`SubscribeOptions::report_failures`] each is also yielded as an `Err` that
/// does not end the stream. Otherwise an `Err` item is the last item of the stream:
/// [`Error::Auth`] when the server refuses the access key at the upgrade (HTTP 401/403);
/// [`Error::Closed`] when the server closes a fresh connection with a policy (1008) or
/// application (4000-4999) code before any event; [`Error::Transport`] for a certificate the
/// TLS verification rejects; [`Error::Decode`] for a message over
/// [`SubscribeOptions::max_message_bytes`]; [`Error::Http`] for another refusal that retrying
/// cannot fix; the last failure when [`SubscribeOptions::max_reconnects`] is used up;
/// [`Error::InvalidRequest`] for an empty event code; [`Error::Config`] for a proxy that
/// cannot carry the connection, or when polled outside a Tokio runtime.
///
/// Nothing is sent before the first poll. Dropping the stream closes the connection with a
/// WebSocket close frame.
pub struct EventStream {
    rx: mpsc::Receiver<Result<Delivery, Error>>,
    /// The background task, started on the first poll (inside the caller's runtime).
    worker: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("started", &self.worker.is_none())
            .finish_non_exhaustive()
    }
}

impl EventStream {
    /// A stream that yields `error` and ends.
    fn failed(error: Error) -> Self {
        let (tx, rx) = mpsc::channel(1);
        // A fresh channel has room for one item.
        let _ = tx.try_send(Err(error));
        EventStream { rx, worker: None }
    }
}

impl Stream for EventStream {
    type Item = Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        if let Some(worker) = self.worker.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(worker);
                }
                Err(_) => {
                    // Dropping the worker drops its sender: the stream ends after this.
                    return Poll::Ready(Some(Err(Error::Config(
                        "an event subscription must be polled inside a Tokio runtime".into(),
                    ))));
                }
            }
        }
        // The event's bytes go back to the budget as it is handed over.
        self.rx
            .poll_recv(cx)
            .map(|item| item.map(|r| r.map(|delivery| delivery.event)))
    }
}

/// A subscription to the events with `event_code`, signed with `credentials`: what
/// [`ManagementClient::subscribe_with`](crate::ManagementClient::subscribe_with) returns.
pub(crate) fn subscribe(
    config: &EventsConfig,
    brand: Brand,
    credentials: &Credentials,
    event_code: &str,
    options: SubscribeOptions,
) -> EventStream {
    if event_code.trim().is_empty() {
        return EventStream::failed(Error::InvalidRequest("the event code is empty".into()));
    }
    let authorization = crate::signing::authorization(
        brand,
        &credentials.access_key_id,
        credentials.access_key_secret.expose_secret(),
        "websocket\n",
    );
    if HeaderValue::from_str(&authorization).is_err() {
        return EventStream::failed(Error::Config(
            "the access key id cannot be sent in a header".into(),
        ));
    }
    let config = config.clone();
    let url = format!(
        "{}{SUB_PATH}?code={}",
        config.host,
        utf8_percent_encode(event_code, QUERY_VALUE)
    );
    let target = match Target::parse(&url) {
        Ok(target) => target,
        Err(e) => {
            return EventStream::failed(Error::Config(format!(
                "events host `{}`: {e}",
                config.host
            )));
        }
    };
    let (tx, rx) = mpsc::channel(options.buffer.max(1));
    let budget = options.buffer_bytes.clamp(1, Semaphore::MAX_PERMITS);
    let worker = Worker {
        target,
        code: event_code.to_string(),
        authorization: SensitiveString::from(authorization),
        bytes: Arc::new(Semaphore::new(budget)),
        budget,
        options,
        config,
        tx,
    };
    EventStream {
        rx,
        worker: Some(Box::pin(worker.run())),
    }
}

/// Why connecting failed.
enum Refused {
    /// Another attempt may succeed.
    Retry(Error),
    /// No attempt will: the stream ends with this error.
    Fatal(Error),
}

/// How a connection ended.
enum Ended {
    /// The consumer dropped the stream.
    Dropped,
    /// The connection failed or was closed. `progress` when it delivered an event or lived a
    /// whole heartbeat; `fatal` when no reconnection can help.
    Lost {
        error: Error,
        progress: bool,
        fatal: bool,
    },
}

/// The background task of one subscription.
struct Worker {
    target: Target,
    code: String,
    /// The signed `authorization` value; it goes on the wire and nowhere else.
    authorization: SensitiveString,
    /// Bytes of events waiting for the consumer, at most `budget`.
    bytes: Arc<Semaphore>,
    budget: usize,
    options: SubscribeOptions,
    config: EventsConfig,
    tx: mpsc::Sender<Result<Delivery, Error>>,
}

impl Worker {
    async fn run(self) {
        // Reconnection attempts in a row without progress.
        let mut failures: u32 = 0;
        let mut connections: u64 = 0;
        loop {
            let connected = tokio::select! {
                biased;
                _ = self.tx.closed() => return,
                connected = self.connect() => connected,
            };
            let error = match connected {
                Ok(socket) => {
                    connections += 1;
                    tracing::info!(
                        code = %self.code,
                        host = %self.config.host,
                        connection = connections,
                        "genauth events: connected"
                    );
                    match self.pump(socket).await {
                        Ended::Dropped => return,
                        Ended::Lost { error, fatal, .. } if fatal => {
                            return self.end(error, "subscription ended by the server").await;
                        }
                        Ended::Lost {
                            error, progress, ..
                        } => {
                            if progress {
                                failures = 0;
                            }
                            error
                        }
                    }
                }
                Err(Refused::Retry(error)) => error,
                Err(Refused::Fatal(error)) => {
                    return self.end(error, "subscription refused").await;
                }
            };
            failures = failures.saturating_add(1);
            if self
                .options
                .max_reconnects
                .is_some_and(|max| failures > max)
            {
                return self.end(error, "giving up").await;
            }
            let delay = self.backoff(failures);
            if failures == 1 {
                tracing::warn!(
                    code = %self.code,
                    host = %self.config.host,
                    error = %error,
                    delay_ms = delay.as_millis() as u64,
                    "genauth events: connection failed; reconnecting"
                );
            } else {
                tracing::info!(
                    code = %self.code,
                    host = %self.config.host,
                    error = %error,
                    attempt = failures,
                    delay_ms = delay.as_millis() as u64,
                    "genauth events: reconnecting"
                );
            }
            if self.options.report_failures && self.tx.send(Err(error)).await.is_err() {
                return;
            }
            tokio::select! {
                biased;
                _ = self.tx.closed() => return,
                _ = sleep(delay) => {}
            }
        }
    }

    /// Ends the stream with `error`, its last item.
    async fn end(&self, error: Error, what: &str) {
        tracing::warn!(
            code = %self.code,
            host = %self.config.host,
            error = %error,
            "genauth events: {what}"
        );
        let _ = self.tx.send(Err(error)).await;
    }

    /// The wait before reconnection attempt `n` (1 for the first): between half and all of
    /// `min(max, initial * 2^(n-1))`, and at least [`SubscribeOptions::MIN_RECONNECT_BACKOFF`].
    fn backoff(&self, n: u32) -> Duration {
        let doublings = n.saturating_sub(1).min(30);
        let bound = self
            .options
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.options.max_backoff);
        let unit = 0.5 + rand::random::<f64>() / 2.0;
        Duration::try_from_secs_f64(bound.as_secs_f64() * unit)
            .unwrap_or(bound)
            .max(SubscribeOptions::MIN_RECONNECT_BACKOFF)
    }

    /// Opens one connection within the connect timeout: TCP (through the proxy, if any), TLS
    /// for `wss`, and the signed upgrade.
    async fn connect(&self) -> Result<Socket, Refused> {
        let limit = self.config.connect_timeout;
        match timeout(limit, self.open()).await {
            Ok(result) => result,
            Err(_) => Err(Refused::Retry(Error::Timeout(format!(
                "connecting to the events host {} took longer than {limit:?}",
                self.config.host
            )))),
        }
    }

    async fn open(&self) -> Result<Socket, Refused> {
        let target = &self.target;
        let host = &self.config.host;
        let tcp = match &self.config.proxy {
            Some(Err(why)) => return Err(Refused::Fatal(Error::Config(why.clone()))),
            Some(Ok(proxy)) => tunnel(proxy, target).await?,
            None => TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(|e| {
                    Refused::Retry(transport(
                        format!("cannot connect to the events host {host}"),
                        &e,
                    ))
                })?,
        };
        let _ = tcp.set_nodelay(true);
        let io: Box<dyn Io> = if target.tls {
            let Some(tls) = self.config.tls.clone() else {
                return Err(Refused::Fatal(Error::Config("TLS is not set up".into())));
            };
            let name =
                rustls::pki_types::ServerName::try_from(target.host.clone()).map_err(|_| {
                    Refused::Fatal(Error::Config(format!(
                        "events host `{host}` is not a TLS name"
                    )))
                })?;
            let stream = tokio_rustls::TlsConnector::from(tls)
                .connect(name, tcp)
                .await
                .map_err(|e| tls_refusal(host, &e))?;
            Box::new(stream)
        } else {
            Box::new(tcp)
        };
        self.upgrade(io).await
    }

    /// The WebSocket upgrade, written and read here, so that no library logs the signed
    /// request.
    async fn upgrade(&self, mut io: Box<dyn Io>) -> Result<Socket, Refused> {
        let key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>());
        let target = &self.target;
        let head = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\nAuthorization: ",
            target.path, target.authority
        );
        let lost = |e: std::io::Error| {
            Refused::Retry(transport(
                format!("the upgrade to the events host {} failed", self.config.host),
                &e,
            ))
        };
        let mut request = head.into_bytes();
        request.extend_from_slice(self.authorization.expose_secret().as_bytes());
        request.extend_from_slice(b"\r\n\r\n");
        io.write_all(&request).await.map_err(lost)?;
        io.flush().await.map_err(lost)?;
        let (answer, rest) = read_head(&mut io).await.map_err(lost)?;
        if answer.status != 101 {
            return Err(self.refusal(answer.status, &answer, &rest));
        }
        let accept = answer.header("sec-websocket-accept");
        let upgraded = answer
            .header("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
        if !upgraded || accept != Some(accept_key(&key).as_str()) {
            return Err(Refused::Retry(Error::Transport {
                message: format!(
                    "the events host {} answered 101 without a valid WebSocket upgrade",
                    self.config.host
                ),
                source: None,
            }));
        }
        let limit = self.options.max_message_bytes.max(1024);
        let config = WebSocketConfig::default()
            .max_message_size(Some(limit))
            .max_frame_size(Some(limit));
        Ok(WebSocketStream::from_partially_read(io, rest, Role::Client, Some(config)).await)
    }

    /// The error for an upgrade answered with `status`, and whether to try again.
    fn refusal(&self, status: u16, answer: &Head, body: &[u8]) -> Refused {
        let body = snippet(body);
        if matches!(status, 401 | 403) {
            return Refused::Fatal(Error::Auth(format!(
                "the events host refused the subscription to `{}`: HTTP {status} {body}",
                self.code
            )));
        }
        let error = Error::Http {
            status,
            body_snippet: body,
            request_id: answer.header("x-request-id").map(str::to_string),
        };
        if matches!(status, 408 | 429) || status >= 500 {
            Refused::Retry(error)
        } else {
            Refused::Fatal(error)
        }
    }

    /// Reads one connection until it ends, sending pings when it is quiet.
    async fn pump(&self, mut socket: Socket) -> Ended {
        let interval = self.options.ping_interval.max(Duration::from_millis(1));
        let pong_timeout = self.options.pong_timeout.max(Duration::from_millis(1));
        let started = Instant::now();
        let mut ping_at = later(interval);
        // Set while a ping waits for an answer (or for anything else to arrive).
        let mut answer_by: Option<Instant> = None;
        let mut delivered = false;
        // The server's close frame: code and reason.
        let mut closed: Option<(u16, String)> = None;
        let lost = |error: Error, delivered: bool, closed: Option<(u16, String)>| {
            let progress = delivered || started.elapsed() >= interval;
            match closed {
                Some((code, reason)) => Ended::Lost {
                    // A policy or application close before any event: the server means it.
                    fatal: !delivered && (code == 1008 || (4000..=4999).contains(&code)),
                    error: Error::Closed { code, reason },
                    progress,
                },
                None => Ended::Lost {
                    error,
                    progress,
                    fatal: false,
                },
            }
        };
        loop {
            tokio::select! {
                biased;
                _ = self.tx.closed() => {
                    close(socket).await;
                    return Ended::Dropped;
                }
                _ = sleep_until(answer_by.unwrap_or(ping_at)), if answer_by.is_some() => {
                    return lost(Error::Timeout(format!(
                        "the events host did not answer a ping within {pong_timeout:?}"
                    )), delivered, closed);
                }
                _ = sleep_until(ping_at) => {
                    ping_at = later(interval);
                    if answer_by.is_none() {
                        answer_by = Some(later(pong_timeout));
                    }
                    // A peer that stopped reading can fill the buffers: do not wait on it
                    // longer than for its answer.
                    match timeout(pong_timeout, socket.send(Message::Ping(Default::default()))).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => return lost(transport("cannot send a ping".into(), &e), delivered, closed),
                        Err(_) => return lost(Error::Timeout(format!(
                            "a ping could not be sent within {pong_timeout:?}"
                        )), delivered, closed),
                    }
                }
                message = socket.next() => {
                    let message = match message {
                        None => return lost(Error::Transport {
                            message: "the events host closed the connection".into(),
                            source: None,
                        }, delivered, closed),
                        Some(Err(tungstenite::Error::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                            close(socket).await;
                            return Ended::Lost {
                                error: Error::Decode {
                                    status: 101,
                                    message: format!(
                                        "an event message of {size} bytes is over the limit of {max_size} (see SubscribeOptions::max_message_bytes)"
                                    ),
                                    body_snippet: String::new(),
                                    request_id: None,
                                },
                                progress: delivered,
                                fatal: true,
                            };
                        }
                        Some(Err(e)) => return lost(transport("the events connection failed".into(), &e), delivered, closed),
                        Some(Ok(message)) => message,
                    };
                    // Anything arriving proves the connection alive.
                    answer_by = None;
                    ping_at = later(interval);
                    let text = match &message {
                        Message::Text(text) => text.as_str(),
                        Message::Binary(bytes) => match std::str::from_utf8(bytes) {
                            Ok(text) => text,
                            Err(_) => {
                                tracing::debug!(code = %self.code, len = bytes.len(), "genauth events: binary message that is not UTF-8 skipped");
                                continue;
                            }
                        },
                        Message::Close(frame) => {
                            // Answered by the library; the next read reports the end.
                            closed = Some(frame.as_ref().map_or((1005, String::new()), |f| {
                                (u16::from(f.code), f.reason.as_str().chars().take(123).collect())
                            }));
                            continue;
                        }
                        // Pings are answered by the library.
                        _ => continue,
                    };
                    // Backpressure, in bytes and in events: while the consumer is behind, the
                    // socket is not read.
                    let cost = u32::try_from(text.len().clamp(1, self.budget)).unwrap_or(u32::MAX);
                    let event = Event::from_text(text);
                    let bytes = tokio::select! {
                        biased;
                        _ = self.tx.closed() => None,
                        permit = self.bytes.clone().acquire_many_owned(cost) => permit.ok(),
                    };
                    let permit = match bytes {
                        Some(bytes) => self.tx.reserve().await.ok().map(|p| (p, bytes)),
                        None => None,
                    };
                    let Some((permit, bytes)) = permit else {
                        close(socket).await;
                        return Ended::Dropped;
                    };
                    permit.send(Ok(Delivery { event, _bytes: bytes }));
                    delivered = true;
                    // The wait may have been long: start the heartbeat afresh.
                    answer_by = None;
                    ping_at = later(interval);
                }
            }
        }
    }
}

/// An HTTP answer's head: status and headers (names lower-cased).
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads an HTTP answer's head (at most [`MAX_HEAD_BYTES`]); returns it and the bytes read
/// past it.
async fn read_head<S: AsyncRead + Unpin>(io: &mut S) -> std::io::Result<(Head, Vec<u8>)> {
    let invalid = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(invalid("the answer's head is too long"));
        }
        let mut chunk = [0u8; 1024];
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Err(invalid("the connection closed before an answer"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = std::str::from_utf8(&buf[..end]).map_err(|_| invalid("the answer is not text"))?;
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| {
            let mut parts = line.split(' ');
            let version = parts.next()?;
            version.starts_with("HTTP/1.").then_some(())?;
            parts.next()?.parse().ok()
        })
        .ok_or_else(|| invalid("the answer is not HTTP/1.x"))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok((Head { status, headers }, buf[end + 4..].to_vec()))
}

/// The `Sec-WebSocket-Accept` a server must answer `key` with (RFC 6455).
fn accept_key(key: &str) -> String {
    use sha1::Digest as _;
    let mut sha = sha1::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// A tunnel to `target` through `proxy` (`CONNECT`).
async fn tunnel(proxy: &Proxy, target: &Target) -> Result<TcpStream, Refused> {
    let fail = |what: &str, e: &std::io::Error| {
        Refused::Retry(transport(
            format!("events proxy {}:{}: {what}", proxy.host, proxy.port),
            e,
        ))
    };
    let mut tcp = TcpStream::connect((proxy.host.as_str(), proxy.port))
        .await
        .map_err(|e| fail("cannot connect", &e))?;
    let authority = format!("{}:{}", bracketed(&target.host), target.port);
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = &proxy.authorization {
        request.push_str("Proxy-Authorization: ");
        request.push_str(auth.expose_secret());
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| fail("cannot send CONNECT", &e))?;
    let (answer, _) = read_head(&mut tcp)
        .await
        .map_err(|e| fail("no answer to CONNECT", &e))?;
    match answer.status {
        200..=299 => Ok(tcp),
        407 => Err(Refused::Fatal(Error::Config(format!(
            "the events proxy {}:{} wants credentials it was not given or refused them (HTTP 407)",
            proxy.host, proxy.port
        )))),
        status => Err(Refused::Retry(Error::Http {
            status,
            body_snippet: format!("the events proxy refused to connect to {authority}"),
            request_id: None,
        })),
    }
}

/// An IPv6 address in brackets, any other host as it is.
fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// A TLS failure: a certificate (or any other verification) failure is final, anything else
/// may pass on another attempt.
fn tls_refusal(host: &str, e: &std::io::Error) -> Refused {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let error = transport(format!("TLS with the events host {host} failed"), e);
    match rustls_error {
        Some(
            rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType
            | rustls::Error::PeerIncompatible(_)
            | rustls::Error::AlertReceived(_),
        ) => Refused::Fatal(error),
        _ => Refused::Retry(error),
    }
}

/// Sends a close frame, waiting for it a short while at most.
async fn close(mut socket: Socket) {
    let _ = timeout(CLOSE_GRACE, socket.close(None)).await;
}

/// A transport error with the failure's reason (an I/O or a tungstenite error). The upgrade
/// request is ours and is never part of an error text, so the authorization value cannot
/// show.
fn transport(context: String, e: &dyn fmt::Display) -> Error {
    Error::Transport {
        message: format!("{context}: {e}"),
        source: None,
    }
}

/// The instant `after` from now, or a year from now when that is not representable.
fn later(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_leniently() {
        let e = Event::from_text(
            r#"{"eventType":"a.b","eventData":"{\"id\":1}","source":"s","timestamp":17}"#,
        );
        assert_eq!(e.event_type.as_deref(), Some("a.b"));
        assert_eq!(e.data, serde_json::json!({"id": 1}));
        assert_eq!(e.source.as_deref(), Some("s"));
        assert_eq!(e.time, Some(serde_json::json!(17)));
        let e = Event::from_text(r#"{"data":{"x":true},"eventType":3,"time":"t"}"#);
        assert_eq!(e.event_type, None);
        assert_eq!(e.data, serde_json::json!({"x": true}));
        assert_eq!(e.time, Some(serde_json::json!("t")));
        let e = Event::from_text(r#"{"eventData":"not json"}"#);
        assert_eq!(e.data, serde_json::json!("not json"));
        for odd in ["", "plain text", "[1,2]", "null", "{", "\u{0}"] {
            let e = Event::from_text(odd);
            assert_eq!(e.data, serde_json::Value::Null, "{odd}");
            assert!(e.event_type.is_none() && e.source.is_none() && e.time.is_none());
        }
        assert_eq!(Event::from_text("hi").raw, serde_json::json!("hi"));
    }

    #[test]
    fn backoff_grows_with_jitter_and_stays_bounded() {
        let (tx, _rx) = mpsc::channel(1);
        let worker = Worker {
            target: Target::parse("wss://h/events").unwrap(),
            code: String::new(),
            authorization: SensitiveString::from("x".to_string()),
            bytes: Arc::new(Semaphore::new(1)),
            budget: 1,
            options: SubscribeOptions::default()
                .backoff(Duration::from_millis(200), Duration::from_secs(1)),
            config: EventsConfig {
                host: String::new(),
                connect_timeout: Duration::from_secs(1),
                tls: None,
                proxy: None,
            },
            tx,
        };
        for (n, bound) in [(1, 200), (2, 400), (3, 800), (4, 1000), (u32::MAX, 1000)] {
            let d = worker.backoff(n);
            let bound = Duration::from_millis(bound);
            assert!(d >= bound / 2 && d <= bound, "{n}: {d:?}");
        }
        // A zero backoff still waits the floor.
        let eager = Worker {
            options: SubscribeOptions::default().backoff(Duration::ZERO, Duration::ZERO),
            ..worker
        };
        assert_eq!(eager.backoff(1), SubscribeOptions::MIN_RECONNECT_BACKOFF);
        let worker = eager;
        let huge = Worker {
            options: SubscribeOptions::default().backoff(Duration::MAX, Duration::MAX),
            ..worker
        };
        assert!(huge.backoff(40) > Duration::ZERO);
        assert!(later(Duration::MAX) > Instant::now());
    }

    #[test]
    fn targets_proxies_and_upgrade_keys() {
        let t =
            Target::parse("wss://openevent.genauth.ai/events/v1/management/sub?code=a.b").unwrap();
        assert!(t.tls);
        assert_eq!((t.host.as_str(), t.port), ("openevent.genauth.ai", 443));
        assert_eq!(t.authority, "openevent.genauth.ai");
        assert_eq!(t.path, "/events/v1/management/sub?code=a.b");
        let t = Target::parse("ws://[::1]:8080/x").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.authority.as_str()),
            ("::1", 8080, "[::1]:8080")
        );
        // RFC 6455's worked example.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        let p = parse_proxy("http://us%40er:p%3Ass@proxy.local:3128").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.local", 3128));
        let expected = base64::engine::general_purpose::STANDARD.encode("us@er:p:ss");
        assert_eq!(
            p.authorization.unwrap().expose_secret(),
            format!("Basic {expected}")
        );
        let err = parse_proxy("socks5://u:hunter2@p:1080").err().unwrap();
        assert!(err.contains("socks5") && !err.contains("hunter2"), "{err}");
        assert!(parse_proxy("not a url").is_err());
        assert!(no_proxy_covers(
            "localhost, .genauth.ai",
            "openevent.genauth.ai"
        ));
        assert!(no_proxy_covers("*", "x"));
        assert!(!no_proxy_covers("genauth.ai.evil", "genauth.ai"));
        assert!(!no_proxy_covers("", "x"));
        let explicit = SensitiveString::from("http://127.0.0.1:1".to_string());
        assert!(matches!(
            proxy_for("wss://h", Some(&explicit)),
            Some(Ok(Proxy { port: 1, .. }))
        ));
    }

    #[test]
    fn codes_are_encoded_as_one_query_value() {
        let encoded = utf8_percent_encode("a.b-c_d~e f&g=h/é", QUERY_VALUE).to_string();
        assert_eq!(encoded, "a.b-c_d~e%20f%26g%3Dh%2F%C3%A9");
    }
}
