//! Event subscription: a WebSocket to the events host, read by a background task and handed
//! to the caller as a [`Stream`] of [`Event`]s.
//!
//! The task connects, keeps the connection alive with pings, reconnects with jittered
//! exponential backoff when it is lost, and closes it with a close frame when the stream is
//! dropped. Between the task and the consumer sits a bounded channel: when it is full the task
//! stops reading the socket (backpressure), so nothing is dropped on the client side.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_util::{SinkExt as _, StreamExt as _};
use http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::Error;
use crate::generated::Client;
use crate::redact::snippet;

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

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the builder fixes for every subscription of a client.
#[derive(Clone)]
pub(crate) struct EventsConfig {
    /// The validated events host, without a trailing slash.
    pub(crate) host: String,
    /// Limit on connecting and the WebSocket handshake.
    pub(crate) connect_timeout: Duration,
    /// The builder's extra root certificates, parsed.
    pub(crate) root_certificates: Vec<rustls::pki_types::CertificateDer<'static>>,
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
}

impl Default for SubscribeOptions {
    /// Reconnect forever, backoff from 500 ms up to 30 s, a ping every 20 s answered within
    /// 10 s, room for 64 events between the socket and the consumer.
    fn default() -> Self {
        Self {
            max_reconnects: None,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            ping_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(10),
            buffer: 64,
        }
    }
}

impl SubscribeOptions {
    /// Gives up after this many reconnection attempts in a row without the server delivering
    /// anything; the stream then ends with the last error. Unlimited by default; `0` never
    /// reconnects.
    pub fn max_reconnects(mut self, attempts: u32) -> Self {
        self.max_reconnects = Some(attempts);
        self
    }

    /// The backoff between reconnections: the `n`th attempt in a row waits a random time
    /// between half and all of `min(max, initial * 2^(n-1))`. 500 ms and 30 s by default.
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

/// The events of one subscription, from [`ManagementClient::subscribe`](crate::ManagementClient::subscribe).
///
/// Connection failures are retried in the background and only logged; an `Err` item is the
/// last item of the stream: [`Error::Auth`] when the server refuses the access key at the
/// handshake (HTTP 401/403), [`Error::Http`] for another refusal that retrying cannot fix,
/// the last failure when [`SubscribeOptions::max_reconnects`] is used up,
/// [`Error::InvalidRequest`] for an empty event code, [`Error::Config`] when polled outside a
/// Tokio runtime.
///
/// Nothing is sent before the first poll. Dropping the stream closes the connection with a
/// WebSocket close frame.
pub struct EventStream {
    rx: mpsc::Receiver<Item>,
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
        self.rx.poll_recv(cx)
    }
}

impl Client {
    /// Subscribes to the events with this code (e.g. `authing.user.created`), with the default
    /// [`SubscribeOptions`].
    ///
    /// ```no_run
    /// # async fn run(client: genauth::ManagementClient) -> Result<(), genauth::Error> {
    /// use futures_util::StreamExt as _;
    ///
    /// let mut events = client.subscribe("authing.user.created");
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     println!("{:?} from {:?}: {}", event.event_type, event.source, event.data);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self, event_code: &str) -> EventStream {
        self.subscribe_with(event_code, SubscribeOptions::default())
    }

    /// Subscribes to the events with this code, with these options. See [`EventStream`] for
    /// what the stream yields and when it ends.
    pub fn subscribe_with(&self, event_code: &str, options: SubscribeOptions) -> EventStream {
        if event_code.trim().is_empty() {
            return EventStream::failed(Error::InvalidRequest("the event code is empty".into()));
        }
        let shared = &self.inner.shared;
        let credentials = &shared.credentials;
        let authorization = crate::signing::authorization(
            shared.brand,
            &credentials.access_key_id,
            credentials.access_key_secret.expose_secret(),
            "websocket\n",
        );
        let Ok(mut authorization) = HeaderValue::from_str(&authorization) else {
            return EventStream::failed(Error::Config(
                "the access key id cannot be sent in a header".into(),
            ));
        };
        authorization.set_sensitive(true);
        let config = shared.events.clone();
        let url = format!(
            "{}{SUB_PATH}?code={}",
            config.host,
            utf8_percent_encode(event_code, QUERY_VALUE)
        );
        let (tx, rx) = mpsc::channel(options.buffer.max(1));
        let worker = Worker {
            url,
            code: event_code.to_string(),
            authorization,
            options,
            config,
            tls: None,
            tx,
        };
        EventStream {
            rx,
            worker: Some(Box::pin(worker.run())),
        }
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
    /// The connection failed or was closed; `heard` when the server delivered anything on it.
    Lost { error: Error, heard: bool },
}

/// The background task of one subscription.
struct Worker {
    url: String,
    code: String,
    authorization: HeaderValue,
    options: SubscribeOptions,
    config: EventsConfig,
    /// The TLS settings, built on the first `wss` connection.
    tls: Option<Arc<rustls::ClientConfig>>,
    tx: mpsc::Sender<Item>,
}

impl Worker {
    async fn run(mut self) {
        // Reconnection attempts in a row without the server delivering anything.
        let mut failures: u32 = 0;
        let mut connections: u64 = 0;
        // Watches for the consumer going away while `self` is borrowed elsewhere.
        let watch = self.tx.clone();
        loop {
            let connected = tokio::select! {
                biased;
                _ = watch.closed() => return,
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
                        Ended::Lost { error, heard } => {
                            if heard {
                                failures = 0;
                            }
                            error
                        }
                    }
                }
                Err(Refused::Retry(error)) => error,
                Err(Refused::Fatal(error)) => {
                    tracing::info!(
                        code = %self.code,
                        host = %self.config.host,
                        error = %error,
                        "genauth events: subscription refused"
                    );
                    let _ = self.tx.send(Err(error)).await;
                    return;
                }
            };
            failures = failures.saturating_add(1);
            if self
                .options
                .max_reconnects
                .is_some_and(|max| failures > max)
            {
                tracing::info!(
                    code = %self.code,
                    host = %self.config.host,
                    error = %error,
                    "genauth events: giving up"
                );
                let _ = self.tx.send(Err(error)).await;
                return;
            }
            let delay = self.backoff(failures);
            tracing::info!(
                code = %self.code,
                host = %self.config.host,
                error = %error,
                attempt = failures,
                delay_ms = delay.as_millis() as u64,
                "genauth events: reconnecting"
            );
            tokio::select! {
                biased;
                _ = self.tx.closed() => return,
                _ = sleep(delay) => {}
            }
        }
    }

    /// The wait before reconnection attempt `n` (1 for the first): between half and all of
    /// `min(max, initial * 2^(n-1))`.
    fn backoff(&self, n: u32) -> Duration {
        let doublings = n.saturating_sub(1).min(30);
        let bound = self
            .options
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.options.max_backoff);
        let unit = 0.5 + rand::random::<f64>() / 2.0;
        Duration::try_from_secs_f64(bound.as_secs_f64() * unit).unwrap_or(bound)
    }

    /// Opens one connection: TCP, TLS for `wss`, and the signed handshake.
    async fn connect(&mut self) -> Result<Socket, Refused> {
        let mut request = self.url.as_str().into_client_request().map_err(|e| {
            Refused::Fatal(Error::Config(format!(
                "cannot make a subscription request for events host `{}`: {e}",
                self.config.host
            )))
        })?;
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, self.authorization.clone());
        let connector = if self.url.starts_with("wss:") {
            Connector::Rustls(self.tls()?)
        } else {
            Connector::Plain
        };
        let limit = self.config.connect_timeout;
        let handshake =
            tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector));
        match timeout(limit, handshake).await {
            Ok(Ok((socket, _))) => Ok(socket),
            Ok(Err(e)) => Err(self.refusal(e)),
            Err(_) => Err(Refused::Retry(Error::Timeout(format!(
                "connecting to the events host {} took longer than {limit:?}",
                self.config.host
            )))),
        }
    }

    /// The error for a failed handshake, and whether to try again.
    fn refusal(&self, e: tungstenite::Error) -> Refused {
        match e {
            tungstenite::Error::Http(response) => {
                let status = response.status().as_u16();
                let body = response.body().as_deref().map(snippet).unwrap_or_default();
                if matches!(status, 401 | 403) {
                    return Refused::Fatal(Error::Auth(format!(
                        "the events host refused the subscription to `{}`: HTTP {status} {body}",
                        self.code
                    )));
                }
                let error = Error::Http {
                    status,
                    body_snippet: body,
                    request_id: crate::envelope::request_id_header(response.headers())
                        .map(str::to_string),
                };
                if matches!(status, 408 | 429) || status >= 500 {
                    Refused::Retry(error)
                } else {
                    Refused::Fatal(error)
                }
            }
            tungstenite::Error::Url(e) => Refused::Fatal(Error::Config(format!(
                "events host `{}`: {e}",
                self.config.host
            ))),
            other => Refused::Retry(transport(
                format!("cannot connect to the events host {}", self.config.host),
                &other,
            )),
        }
    }

    /// The rustls settings: the system's roots and the builder's extra ones, built once.
    fn tls(&mut self) -> Result<Arc<rustls::ClientConfig>, Refused> {
        if let Some(config) = &self.tls {
            return Ok(config.clone());
        }
        let config =
            crate::tls::events_config(&self.config.root_certificates).map_err(Refused::Fatal)?;
        let config = Arc::new(config);
        self.tls = Some(config.clone());
        Ok(config)
    }

    /// Reads one connection until it ends, sending pings when it is quiet.
    async fn pump(&self, mut socket: Socket) -> Ended {
        let interval = self.options.ping_interval.max(Duration::from_millis(1));
        let pong_timeout = self.options.pong_timeout.max(Duration::from_millis(1));
        let mut ping_at = later(interval);
        // Set while a ping waits for an answer (or for anything else to arrive).
        let mut answer_by: Option<Instant> = None;
        let mut heard = false;
        let lost = |error, heard| Ended::Lost { error, heard };
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
                    )), heard);
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
                        Ok(Err(e)) => return lost(transport("cannot send a ping".into(), &e), heard),
                        Err(_) => return lost(Error::Timeout(format!(
                            "a ping could not be sent within {pong_timeout:?}"
                        )), heard),
                    }
                }
                message = socket.next() => {
                    let message = match message {
                        None => return lost(Error::Transport {
                            message: "the events host closed the connection".into(),
                            source: None,
                        }, heard),
                        Some(Err(e)) => return lost(transport("the events connection failed".into(), &e), heard),
                        Some(Ok(message)) => message,
                    };
                    // Anything arriving proves the connection alive.
                    heard = true;
                    answer_by = None;
                    ping_at = later(interval);
                    let event = match &message {
                        Message::Text(text) => Event::from_text(text.as_str()),
                        Message::Binary(bytes) => match std::str::from_utf8(bytes) {
                            Ok(text) => Event::from_text(text),
                            Err(_) => {
                                tracing::debug!(code = %self.code, len = bytes.len(), "genauth events: binary message that is not UTF-8 skipped");
                                continue;
                            }
                        },
                        // Pings are answered by the library; a close is answered too, and
                        // the next read reports the end.
                        _ => continue,
                    };
                    // Backpressure: while the consumer is behind, the socket is not read.
                    match self.tx.reserve().await {
                        Ok(permit) => permit.send(Ok(event)),
                        Err(_) => {
                            close(socket).await;
                            return Ended::Dropped;
                        }
                    }
                    // The wait may have been long: start the heartbeat afresh.
                    answer_by = None;
                    ping_at = later(interval);
                }
            }
        }
    }
}

/// Sends a close frame, waiting for it a short while at most.
async fn close(mut socket: Socket) {
    let _ = timeout(CLOSE_GRACE, socket.close(None)).await;
}

/// A transport error with the library's reason. The handshake request is not part of the
/// library's error texts, so the authorization header cannot show.
fn transport(context: String, e: &tungstenite::Error) -> Error {
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
            url: String::new(),
            code: String::new(),
            authorization: HeaderValue::from_static("x"),
            options: SubscribeOptions::default()
                .backoff(Duration::from_millis(100), Duration::from_secs(1)),
            config: EventsConfig {
                host: String::new(),
                connect_timeout: Duration::from_secs(1),
                root_certificates: Vec::new(),
            },
            tls: None,
            tx,
        };
        for (n, bound) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (u32::MAX, 1000),
        ] {
            let d = worker.backoff(n);
            let bound = Duration::from_millis(bound);
            assert!(d >= bound / 2 && d <= bound, "{n}: {d:?}");
        }
        let huge = Worker {
            options: SubscribeOptions::default().backoff(Duration::MAX, Duration::MAX),
            ..worker
        };
        assert!(huge.backoff(40) > Duration::ZERO);
        assert!(later(Duration::MAX) > Instant::now());
    }

    #[test]
    fn codes_are_encoded_as_one_query_value() {
        let encoded = utf8_percent_encode("a.b-c_d~e f&g=h/é", QUERY_VALUE).to_string();
        assert_eq!(encoded, "a.b-c_d~e%20f%26g%3Dh%2F%C3%A9");
    }
}
