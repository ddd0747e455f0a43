//! The background task of a subscription: it connects, reads events into the channel to the
//! consumer (with backpressure), keeps the connection alive with pings, and reconnects with
//! backoff when the connection is lost, until it gives up or the stream is dropped.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::{self, Message};

use super::connection::{Destination, Refused, Socket, transport};
use super::{Event, EventsConfig, Queued, SubscribeOptions};
use crate::{Error, SensitiveString};

/// How long a close frame may take to go out when the stream is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

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
pub(super) struct Worker {
    pub(super) target: Destination,
    pub(super) code: String,
    /// The signed `authorization` value; it goes on the wire and nowhere else.
    pub(super) authorization: SensitiveString,
    /// Bytes of events waiting for the consumer, at most `budget`.
    pub(super) bytes: Arc<Semaphore>,
    pub(super) budget: usize,
    pub(super) options: SubscribeOptions,
    pub(super) config: EventsConfig,
    pub(super) tx: mpsc::Sender<Result<Queued, Error>>,
}

impl Worker {
    pub(super) async fn run(self) {
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
    pub(super) fn backoff(&self, n: u32) -> Duration {
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
                    return lost(Error::timeout(format!(
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
                        Err(_) => return lost(Error::timeout(format!(
                            "a ping could not be sent within {pong_timeout:?}"
                        )), delivered, heard_late, closed),
                    }
                }
                message = socket.next() => {
                    let message = match message {
                        None => return lost(Error::Transport {
                            operation: None,
                            message: "the events host closed the connection".into(),
                            source: None,
                        }, delivered, heard_late, closed),
                        Some(Err(tungstenite::Error::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                            close(socket).await;
                            return Ended::Lost {
                                error: Error::Decode {
                                    operation: None,
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
                    permit.send(Ok(Queued { event, _bytes: bytes }));
                    delivered = true;
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

/// The instant `after` from now, or a year from now when that is not representable.
pub(super) fn later(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}
