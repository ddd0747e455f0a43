//! Event subscription: a WebSocket to the events host, read by a background task and handed
//! to the caller as a [`Stream`] of [`Event`]s.
//!
//! The task connects (through the client's proxy, chosen as the HTTP client chooses its own,
//! with the client's TLS verification),
//! upgrades the connection itself (so that the signed request never reaches a log), keeps it
//! alive with pings, reconnects with jittered exponential backoff when it is lost, and closes
//! it with a close frame when the stream is dropped. Between the task and the consumer sits a
//! channel bounded in events and in bytes: when it is full the task stops reading the socket
//! (backpressure), so nothing is dropped on the client side.
//!
//! Every loop ends: messages and frames are capped, only delivered events (or a frame heard a
//! whole heartbeat, at least [`SubscribeOptions::MIN_HEARTBEAT`], after connecting) reset the
//! reconnection count, a server that closes at once with a policy or application code ends the
//! stream, and certificate failures and answers that are not a valid upgrade are final.

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
use hyper_util::client::proxy::matcher::Matcher;
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
use crate::redact::masked_snippet;
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

/// An HTTP proxy that events reach their host through, with `CONNECT`. Its host and port
/// may be shown; its credentials never are.
#[derive(Clone, Debug)]
pub(crate) struct Proxy {
    host: String,
    port: u16,
    /// `Basic ...` from the proxy URL's user and password.
    authorization: Option<SensitiveString>,
}

/// The proxy events use for `events_host`, chosen exactly as the HTTP client chooses its own:
/// with the matcher reqwest is built on (hyper-util's), from the builder's `proxy(..)` (for
/// every host, as `reqwest::Proxy::all`) or else from the environment (`HTTPS_PROXY` for
/// `wss`, `HTTP_PROXY` for `ws`, `ALL_PROXY`, with their lower-case forms; values without a
/// scheme are `http://`; `NO_PROXY` names hosts, domains, addresses and CIDR blocks; under CGI,
/// when `REQUEST_METHOD` is set, no variable is read). `None`: connect directly.
pub(crate) fn proxy_for(
    events_host: &str,
    explicit: Option<&SensitiveString>,
) -> Option<Result<Proxy, String>> {
    let matcher = match explicit {
        Some(url) => match explicit_matcher(url.expose_secret()) {
            Ok(matcher) => matcher,
            Err(why) => return Some(Err(why)),
        },
        None => Matcher::from_system(),
    };
    route(&matcher, events_host)
}

/// The matcher of an explicit proxy URL, read as `reqwest::Proxy::all` reads it: a URL
/// without a scheme (`proxy:3128`, `user:pw@proxy:3128`) is `http://`, a SOCKS one without a
/// port gets 1080; and, as reqwest's, it covers every host (no `NO_PROXY`).
fn explicit_matcher(text: &str) -> Result<Matcher, String> {
    let invalid = || "the proxy URL is not valid".to_string();
    let mut url = match url::Url::parse(text) {
        Ok(url) if url.has_host() => url,
        Ok(_) | Err(url::ParseError::RelativeUrlWithoutBase) => {
            url::Url::parse(&format!("http://{text}")).map_err(|_| invalid())?
        }
        Err(_) => return Err(invalid()),
    };
    if url.port().is_none() && matches!(url.scheme(), "socks4" | "socks4a" | "socks5" | "socks5h") {
        let _ = url.set_port(Some(1080));
    }
    Ok(Matcher::builder().all(String::from(url)).build())
}

/// The proxy `matcher` picks for `events_host` (`wss` as `https`, `ws` as `http`): `None` for a
/// direct connection, an error (without the proxy's credentials, nor anything but its scheme)
/// when the proxy cannot carry a WebSocket.
fn route(matcher: &Matcher, events_host: &str) -> Option<Result<Proxy, String>> {
    let url = url::Url::parse(events_host).ok()?;
    let scheme = if url.scheme() == "wss" {
        "https"
    } else {
        "http"
    };
    let mut destination = format!("{scheme}://{}", url.host_str()?);
    if let Some(port) = url.port() {
        destination.push_str(&format!(":{port}"));
    }
    destination.push('/');
    let destination: http::Uri = destination.parse().ok()?;
    let intercept = matcher.intercept(&destination)?;
    let uri = intercept.uri();
    // The matcher keeps http, https and SOCKS proxies, and drops their user and password
    // from the URI: neither the scheme nor the host below can hold a credential.
    match uri.scheme_str() {
        Some("http") => {}
        other => {
            return Some(Err(format!(
                "events can go through an http:// proxy only, not {}://",
                other.unwrap_or("?")
            )));
        }
    }
    let Some(host) = uri.host() else {
        return Some(Err("the proxy URL has no host".into()));
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .to_string();
    let authorization = intercept
        .basic_auth()
        .and_then(|value| value.to_str().ok())
        .map(|value| SensitiveString::from(value.to_string()));
    Some(Ok(Proxy {
        host,
        port: uri.port_u16().unwrap_or(80),
        authorization,
    }))
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

    /// The most events [`buffer`](Self::buffer) may hold: 1,048,576. More is refused.
    pub const MAX_BUFFER: usize = 1 << 20;

    /// The least heartbeat interval and answer timeout ([`heartbeat`](Self::heartbeat)):
    /// 100 ms. Less is refused.
    pub const MIN_HEARTBEAT: Duration = Duration::from_millis(100);

    /// Gives up after this many reconnection attempts in a row without progress; the stream
    /// then ends with the last error. Progress is an event delivered, or a frame (a pong, a
    /// ping, a close) received a whole heartbeat interval or more after connecting: a server
    /// that accepts and closes at once, or that accepts and then stays silent, does not reset
    /// the count, whatever the heartbeat. Unlimited by default; `0` never reconnects.
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
    /// 20 s and 10 s by default. Each must be at least [`Self::MIN_HEARTBEAT`]: the stream of
    /// a subscription with less ends at once with [`Error::InvalidRequest`].
    pub fn heartbeat(mut self, interval: Duration, timeout: Duration) -> Self {
        self.ping_interval = interval;
        self.pong_timeout = timeout;
        self
    }

    /// How many events may wait between the socket and the consumer; 64 by default, at least
    /// 1 (0 counts as 1), at most [`Self::MAX_BUFFER`]: the stream of a subscription with more
    /// ends at once with [`Error::InvalidRequest`]. When they are all waiting the socket is
    /// not read until the consumer takes one.
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

    /// Why these options cannot be used, if they cannot.
    fn check(&self) -> Result<(), String> {
        if self.buffer > Self::MAX_BUFFER {
            return Err(format!(
                "SubscribeOptions::buffer: {} events is over the limit of {}",
                self.buffer,
                Self::MAX_BUFFER
            ));
        }
        for (what, value) in [
            ("interval", self.ping_interval),
            ("timeout", self.pong_timeout),
        ] {
            if value < Self::MIN_HEARTBEAT {
                return Err(format!(
                    "SubscribeOptions::heartbeat: the {what} of {value:?} is under the least of {:?}",
                    Self::MIN_HEARTBEAT
                ));
            }
        }
        Ok(())
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
/// TLS verification rejects, or an answer (of the events host or the proxy) that is not an
/// HTTP/1.x head; [`Error::Decode`] for a message over
/// [`SubscribeOptions::max_message_bytes`], or a `101` answer that is not a valid WebSocket
/// upgrade (no `Connection: upgrade`, a wrong `Sec-WebSocket-Accept`, an extension or
/// subprotocol the client did not offer); [`Error::Http`] for another refusal that retrying
/// cannot fix; the last failure when [`SubscribeOptions::max_reconnects`] is used up;
/// [`Error::InvalidRequest`] for an empty event code or [`SubscribeOptions`] out of bounds;
/// [`Error::Config`] for a proxy that cannot carry the connection, or when polled outside a
/// Tokio runtime. No error names the proxy's user or password.
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
    if let Err(why) = options.check() {
        return EventStream::failed(Error::InvalidRequest(why));
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
    // At most MAX_BUFFER (checked above), well under tokio's limit.
    let (tx, rx) = mpsc::channel(options.buffer.clamp(1, SubscribeOptions::MAX_BUFFER));
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
        let (answer, rest) = match read_head(&mut io).await {
            Ok(read) => read,
            Err(HeadError::Io(e)) => return Err(lost(e)),
            Err(HeadError::Malformed(why)) => {
                return Err(Refused::Fatal(Error::Transport {
                    message: format!(
                        "the events host {} answered the upgrade with something that is not HTTP/1.x: {why}",
                        self.config.host
                    ),
                    source: None,
                }));
            }
        };
        if answer.status != 101 {
            return Err(self.refusal(answer.status, &answer, &rest));
        }
        if let Some(flaw) = upgrade_flaw(&answer, &key) {
            return Err(Refused::Fatal(Error::Decode {
                status: 101,
                message: format!(
                    "the events host {} answered 101 {flaw}: not a valid WebSocket upgrade (RFC 6455 4.1)",
                    self.config.host
                ),
                body_snippet: String::new(),
                request_id: answer.header("x-request-id").map(str::to_string),
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
        // Masked like every Error::Http snippet: the body may carry personal data.
        let body = masked_snippet(body);
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
        // At least MIN_HEARTBEAT each (`SubscribeOptions::check`).
        let interval = self.options.ping_interval;
        let pong_timeout = self.options.pong_timeout;
        let started = Instant::now();
        let mut ping_at = later(interval);
        // Set while a ping waits for an answer (or for anything else to arrive).
        let mut answer_by: Option<Instant> = None;
        let mut delivered = false;
        // Whether the server was heard from a whole heartbeat interval or more after the
        // connection opened: with `delivered`, what counts as progress. Time up alone does not
        // (a server that accepts and stays silent makes none), nor does an early frame.
        let mut heard_late = false;
        // The server's close frame: code and reason.
        let mut closed: Option<(u16, String)> = None;
        let lost =
            |error: Error, delivered: bool, heard_late: bool, closed: Option<(u16, String)>| {
                let progress = delivered || heard_late;
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
                    )), delivered, heard_late, closed);
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
                        Ok(Err(e)) => return lost(transport("cannot send a ping".into(), &e), delivered, heard_late, closed),
                        Err(_) => return lost(Error::Timeout(format!(
                            "a ping could not be sent within {pong_timeout:?}"
                        )), delivered, heard_late, closed),
                    }
                }
                message = socket.next() => {
                    let message = match message {
                        None => return lost(Error::Transport {
                            message: "the events host closed the connection".into(),
                            source: None,
                        }, delivered, heard_late, closed),
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
                        Some(Err(e)) => return lost(transport("the events connection failed".into(), &e), delivered, heard_late, closed),
                        Some(Ok(message)) => message,
                    };
                    // Anything arriving proves the connection alive.
                    answer_by = None;
                    ping_at = later(interval);
                    if started.elapsed() >= interval {
                        heard_late = true;
                    }
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

/// An HTTP answer's head: status and headers (names lower-cased, values as text with any
/// byte that is not UTF-8 replaced).
#[derive(Debug)]
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of header `name` (lower-case).
    fn header(&self, name: &str) -> Option<&str> {
        self.values(name).next()
    }

    /// Every value of header `name` (lower-case), in order.
    fn values<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Reads a head (without its blank line). The status line must be `HTTP/1.x NNN` and
    /// each header line `name: value` with a token for its name; a value may hold any byte
    /// (RFC 9110 5.5: `obs-text` is opaque data) and a folded line continues the one before.
    fn parse(bytes: &[u8]) -> Result<Head, &'static str> {
        let mut lines = bytes
            .split(|b| *b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
        let status = lines
            .next()
            .and_then(status_code)
            .ok_or("its status line is not `HTTP/1.x` and a status code")?;
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if let [b' ' | b'\t', ..] = line {
                // obs-fold: the line goes on the value before, after a space.
                let Some((_, value)) = headers.last_mut() else {
                    return Err("it starts with a folded header line");
                };
                value.push(' ');
                value.push_str(String::from_utf8_lossy(line).trim());
                continue;
            }
            let Some(colon) = line.iter().position(|b| *b == b':') else {
                return Err("a header line has no colon");
            };
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            if name.is_empty() || !name.iter().all(|b| is_token_byte(*b)) {
                return Err("a header name is not a token");
            }
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            let value = String::from_utf8_lossy(value)
                .trim_matches([' ', '\t'])
                .to_string();
            headers.push((name, value));
        }
        Ok(Head { status, headers })
    }
}

/// The status code of a status line: `HTTP/1.x NNN`, then nothing or a space and a reason
/// phrase (any bytes).
fn status_code(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let (minor, rest) = rest.split_first()?;
    let (code, reason) = rest.strip_prefix(b" ")?.split_at_checked(3)?;
    let well_formed = minor.is_ascii_digit()
        && code.iter().all(u8::is_ascii_digit)
        && reason.first().is_none_or(|b| *b == b' ');
    well_formed.then(|| code.iter().fold(0, |n, d| n * 10 + u16::from(d - b'0')))
}

/// Whether `b` may be part of a token (RFC 9110 5.6.2): a header name.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Why an answer's head could not be read.
#[derive(Debug)]
enum HeadError {
    /// The connection failed or closed first: another attempt may do better.
    Io(std::io::Error),
    /// What arrived is not an HTTP/1.x head (or is too long for one): the peer does not speak
    /// HTTP as it should, and will not on another attempt.
    Malformed(&'static str),
}

/// Reads an HTTP answer's head (at most [`MAX_HEAD_BYTES`]); returns it and the bytes read
/// past it.
async fn read_head<S: AsyncRead + Unpin>(io: &mut S) -> Result<(Head, Vec<u8>), HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(HeadError::Malformed("its head is over 16 KiB"));
        }
        let mut chunk = [0u8; 1024];
        let n = io.read(&mut chunk).await.map_err(HeadError::Io)?;
        if n == 0 {
            return Err(HeadError::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the connection closed before a whole answer",
            )));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = Head::parse(&buf[..end]).map_err(HeadError::Malformed)?;
    Ok((head, buf[end + 4..].to_vec()))
}

/// Why a `101` answer is not the WebSocket upgrade asked for with `key` (RFC 6455 4.1): each
/// of these makes the client fail the connection.
fn upgrade_flaw(answer: &Head, key: &str) -> Option<String> {
    let mut upgrade = answer.values("upgrade").peekable();
    if upgrade.peek().is_none() || !upgrade.all(|v| v.eq_ignore_ascii_case("websocket")) {
        return Some("without `Upgrade: websocket`".into());
    }
    let connection_upgrade = answer.values("connection").any(|value| {
        value
            .split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
    });
    if !connection_upgrade {
        return Some("without `Connection: upgrade`".into());
    }
    let accept = answer.values("sec-websocket-accept").collect::<Vec<_>>();
    if accept != [accept_key(key).as_str()] {
        return Some("without the `Sec-WebSocket-Accept` its key asks for".into());
    }
    // The client offers no extension and no subprotocol: the server may not choose one.
    for (header, what) in [
        ("sec-websocket-extensions", "an extension"),
        ("sec-websocket-protocol", "a subprotocol"),
    ] {
        if let Some(value) = answer.values(header).find(|v| !v.is_empty()) {
            let shown: String = value.chars().take(64).collect();
            return Some(format!("with {what} the client did not offer ({shown:?})"));
        }
    }
    None
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
    let (answer, _) = match read_head(&mut tcp).await {
        Ok(read) => read,
        Err(HeadError::Io(e)) => return Err(fail("no answer to CONNECT", &e)),
        Err(HeadError::Malformed(why)) => {
            return Err(Refused::Fatal(Error::Transport {
                message: format!(
                    "events proxy {}:{}: the answer to CONNECT is not HTTP/1.x: {why}",
                    proxy.host, proxy.port
                ),
                source: None,
            }));
        }
    };
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

/// A TLS failure: the verification rejecting the server's certificate (or its lack of one)
/// is final; anything else (a reset, an alert such as `internal_error`, a server that does
/// not speak TLS as it should) may pass on another attempt, within `max_reconnects`.
fn tls_refusal(host: &str, e: &std::io::Error) -> Refused {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let error = transport(format!("TLS with the events host {host} failed"), e);
    match rustls_error {
        Some(
            rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType,
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
    fn targets_and_upgrade_keys() {
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
    }

    /// The proxy of `events_host` with a matcher built from environment-like values.
    fn env_route(
        events_host: &str,
        http: &str,
        https: &str,
        all: &str,
        no: &str,
    ) -> Option<Result<Proxy, String>> {
        let matcher = Matcher::builder()
            .http(http)
            .https(https)
            .all(all)
            .no(no)
            .build();
        route(&matcher, events_host)
    }

    fn basic(pair: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    #[test]
    fn proxies_are_read_as_the_http_client_reads_them() {
        // No scheme: http://, as for HTTP calls (this used to be a fatal error for events).
        let p = env_route("wss://h.example", "", "proxy.local:3128", "", "")
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.authorization.is_none()),
            ("proxy.local", 3128, true)
        );
        // Credentials, with or without a scheme, percent-decoded.
        for value in [
            "us%40er:p%3Ass@proxy.local:3128",
            "http://us%40er:p%3Ass@proxy.local:3128",
        ] {
            let p = env_route("wss://h.example", "", value, "", "")
                .unwrap()
                .unwrap();
            assert_eq!((p.host.as_str(), p.port), ("proxy.local", 3128));
            assert_eq!(
                p.authorization.as_ref().unwrap().expose_secret(),
                basic("us@er:p:ss")
            );
            assert!(!format!("{p:?}").contains("p:ss"));
        }
        // wss takes HTTPS_PROXY, ws takes HTTP_PROXY, both fall back on ALL_PROXY.
        let host = |r: Option<Result<Proxy, String>>| r.map(|p| p.unwrap().host);
        assert_eq!(
            host(env_route("ws://h.example", "a:1", "b:1", "c:1", "")),
            Some("a".into())
        );
        assert_eq!(
            host(env_route("wss://h.example", "a:1", "b:1", "c:1", "")),
            Some("b".into())
        );
        assert_eq!(
            host(env_route("wss://h.example", "a:1", "", "c:1", "")),
            Some("c".into())
        );
        assert_eq!(host(env_route("ws://h.example", "", "b:1", "", "")), None);
        // A default port of 80, IPv6 proxies without brackets.
        let p = env_route("ws://h.example", "http://[::1]", "", "", "")
            .unwrap()
            .unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 80));
    }

    #[test]
    fn no_proxy_takes_hosts_domains_addresses_and_cidr_blocks() {
        let through =
            |events_host: &str, no: &str| env_route(events_host, "p:1", "p:1", "", no).is_some();
        assert!(!through(
            "wss://openevent.genauth.ai",
            "localhost, .genauth.ai"
        ));
        assert!(!through("wss://openevent.genauth.ai", "genauth.ai"));
        assert!(!through("wss://x.example", "*"));
        assert!(through("wss://genauth.ai", "genauth.ai.evil"));
        assert!(through("wss://x.example", ""));
        // Addresses and CIDR blocks, v4 and v6: these were ignored by events before.
        assert!(!through("ws://127.0.0.1:8080", "127.0.0.1"));
        assert!(!through("ws://10.1.2.3:8080", "192.168.0.0/16, 10.0.0.0/8"));
        assert!(through("ws://11.1.2.3:8080", "10.0.0.0/8"));
        assert!(!through("ws://[::1]:8080", "::1"));
        assert!(!through("ws://[fd00::5]:8080", "fd00::/8"));
        assert!(through("ws://[fe80::5]:8080", "fd00::/8"));
    }

    #[test]
    fn an_explicit_proxy_wins_and_no_error_shows_a_credential() {
        // The builder's proxy, read as reqwest::Proxy::all reads it: any host, no NO_PROXY.
        for text in [
            "ops:pw-7f3@127.0.0.1:3128",
            "http://ops:pw-7f3@127.0.0.1:3128",
        ] {
            let matcher = explicit_matcher(text).unwrap();
            let p = route(&matcher, "ws://127.0.0.1:9").unwrap().unwrap();
            assert_eq!((p.host.as_str(), p.port), ("127.0.0.1", 3128));
            assert_eq!(
                p.authorization.unwrap().expose_secret(),
                basic("ops:pw-7f3")
            );
        }
        let explicit = SensitiveString::from("http://127.0.0.1:1".to_string());
        assert!(matches!(
            proxy_for("wss://h", Some(&explicit)),
            Some(Ok(Proxy { port: 1, .. }))
        ));
        // Proxies events cannot use: the message names the scheme only.
        for text in [
            "socks5://proxyuser:proxypass@p:1080",
            "socks5h://proxyuser:proxypass@p",
            "https://proxyuser:proxypass@p:443",
        ] {
            let err = route(&explicit_matcher(text).unwrap(), "wss://h")
                .unwrap()
                .unwrap_err();
            assert!(err.contains("http:// proxy only"), "{err}");
            assert!(
                !err.contains("proxyuser") && !err.contains("proxypass"),
                "{err}"
            );
        }
        for value in [
            "socks5://proxyuser:proxypass@p:1080",
            "https://proxyuser:proxypass@p",
        ] {
            let err = env_route("wss://h", "", value, "", "")
                .unwrap()
                .unwrap_err();
            assert!(
                !err.contains("proxyuser") && !err.contains("proxypass"),
                "{err}"
            );
        }
        // A user name where a scheme would be (`user:pass@host`) used to be named as one.
        let p = env_route("wss://h", "", "proxyuser:proxypass@p:3128", "", "")
            .unwrap()
            .unwrap();
        assert_eq!((p.host.as_str(), p.port), ("p", 3128));
        let err = explicit_matcher("http://[bad").map(|_| ()).unwrap_err();
        assert!(!err.contains("bad"), "{err}");
    }

    #[test]
    fn options_out_of_bounds_are_refused() {
        let ok = SubscribeOptions::default();
        assert!(ok.check().is_ok());
        assert!(ok.clone().buffer(0).check().is_ok());
        assert!(
            ok.clone()
                .buffer(SubscribeOptions::MAX_BUFFER)
                .check()
                .is_ok()
        );
        let err = ok.clone().buffer(usize::MAX).check().unwrap_err();
        assert!(err.contains("buffer") && err.contains("1048576"), "{err}");
        let floor = SubscribeOptions::MIN_HEARTBEAT;
        assert!(ok.clone().heartbeat(floor, floor).check().is_ok());
        for (interval, timeout) in [
            (Duration::ZERO, floor),
            (Duration::from_millis(1), floor),
            (floor, Duration::from_millis(99)),
        ] {
            let err = ok.clone().heartbeat(interval, timeout).check().unwrap_err();
            assert!(err.contains("heartbeat") && err.contains("100ms"), "{err}");
        }
    }

    fn head(text: &[u8]) -> Result<Head, &'static str> {
        Head::parse(text)
    }

    #[test]
    fn heads_are_read_as_bytes() {
        let h = head(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Note: caf\xe9\r\nX-Long: a\r\n  b").unwrap();
        assert_eq!(h.status, 101);
        assert_eq!(h.header("upgrade"), Some("websocket"));
        assert_eq!(h.header("x-note"), Some("caf\u{fffd}"));
        assert_eq!(h.header("x-long"), Some("a b"));
        assert_eq!(head(b"HTTP/1.0 502").unwrap().status, 502);
        assert_eq!(head(b"HTTP/1.1 502 Bad \xff").unwrap().status, 502);
        for bad in [
            &b"HTTP/1.1 1\xff1 Switching Protocols"[..],
            b"HTTP/2 101",
            b"HTTP/1.1 10",
            b"HTTP/1.1 1011",
            b"\xff\xfe",
            b"",
            b"HTTP/1.1 101 OK\r\nUp\xffgrade: websocket",
            b"HTTP/1.1 101 OK\r\nno colon",
            b"HTTP/1.1 101 OK\r\n: empty name",
            b"HTTP/1.1 101 OK\r\n folded first",
        ] {
            assert!(head(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[tokio::test]
    async fn reading_a_head_tells_io_failures_from_malformed_answers() {
        let (h, rest) = read_head(&mut &b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nfirst frame"[..])
            .await
            .unwrap();
        assert_eq!((h.status, rest.as_slice()), (200, &b"first frame"[..]));
        assert!(matches!(
            read_head(&mut &b"HTTP/1.1 101 OK\r\n"[..]).await,
            Err(HeadError::Io(_))
        ));
        assert!(matches!(
            read_head(&mut &b"HTTP/1.1 1\xff1 OK\r\n\r\n"[..]).await,
            Err(HeadError::Malformed(_))
        ));
        let endless = vec![b'a'; MAX_HEAD_BYTES + 2048];
        assert!(matches!(
            read_head(&mut endless.as_slice()).await,
            Err(HeadError::Malformed(_))
        ));
    }

    #[test]
    fn a_101_must_be_the_upgrade_the_client_asked_for() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let accept = accept_key(key);
        let answer = |extra: &str| {
            head(format!("HTTP/1.1 101 Switching Protocols\r\n{extra}").as_bytes()).unwrap()
        };
        let good = format!(
            "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: {accept}"
        );
        assert_eq!(upgrade_flaw(&answer(&good), key), None);
        let two_lines = format!(
            "Upgrade: websocket\r\nConnection: keep-alive\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions:"
        );
        assert_eq!(upgrade_flaw(&answer(&two_lines), key), None);
        for (extra, expected) in [
            (
                format!("Connection: upgrade\r\nSec-WebSocket-Accept: {accept}"),
                "Upgrade: websocket",
            ),
            (
                format!("Upgrade: h2c\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {accept}"),
                "Upgrade: websocket",
            ),
            (
                format!("Upgrade: websocket\r\nSec-WebSocket-Accept: {accept}"),
                "Connection: upgrade",
            ),
            (
                format!(
                    "Upgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Accept: {accept}"
                ),
                "Connection: upgrade",
            ),
            (
                "Upgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: x".to_string(),
                "Sec-WebSocket-Accept",
            ),
            (
                format!("{good}\r\nSec-WebSocket-Extensions: permessage-deflate"),
                "extension",
            ),
            (
                format!("{good}\r\nSec-WebSocket-Protocol: chat"),
                "subprotocol",
            ),
        ] {
            let flaw = upgrade_flaw(&answer(&extra), key).unwrap_or_default();
            assert!(flaw.contains(expected), "{extra}: {flaw}");
        }
    }

    #[test]
    fn only_certificate_failures_in_tls_are_final() {
        use rustls::{AlertDescription, CertificateError, PeerIncompatible};
        let io = |e: rustls::Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let fatal = |e: std::io::Error| matches!(tls_refusal("h", &e), Refused::Fatal(_));
        assert!(fatal(io(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        ))));
        assert!(fatal(io(rustls::Error::InvalidCertificate(
            CertificateError::Expired
        ))));
        assert!(fatal(io(rustls::Error::NoCertificatesPresented)));
        assert!(!fatal(io(rustls::Error::AlertReceived(
            AlertDescription::InternalError
        ))));
        assert!(!fatal(io(rustls::Error::AlertReceived(
            AlertDescription::HandshakeFailure
        ))));
        assert!(!fatal(io(rustls::Error::PeerIncompatible(
            PeerIncompatible::Tls12NotOffered
        ))));
        assert!(!fatal(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset
        )));
        assert!(!fatal(std::io::Error::from(
            std::io::ErrorKind::UnexpectedEof
        )));
    }

    #[test]
    fn codes_are_encoded_as_one_query_value() {
        let encoded = utf8_percent_encode("a.b-c_d~e f&g=h/é", QUERY_VALUE).to_string();
        assert_eq!(encoded, "a.b-c_d~e%20f%26g%3Dh%2F%C3%A9");
    }
}
