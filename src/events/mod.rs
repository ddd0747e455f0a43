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

mod connection;
mod head;
mod proxy;
mod upgrade;
mod worker;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::config::Credentials;
use crate::{Brand, Error, SensitiveString};

use connection::Destination;
pub(crate) use proxy::{Proxy, proxy_for};
use worker::Worker;

/// The path of management event subscriptions on the events host.
const SUB_PATH: &str = "/events/v1/management/sub";

/// Characters left as they are in the `code` query value: RFC 3986 unreserved ones.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

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
struct Queued {
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
    rx: mpsc::Receiver<Result<Queued, Error>>,
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
    let target = match Destination::parse(&url) {
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

#[cfg(test)]
mod tests;
