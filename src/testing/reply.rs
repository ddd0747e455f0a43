//! What a test makes the mock answer with: a failure served once before an operation's canned
//! answer ([`MockFailure`]), or, in raw mode, the exact bytes to write back ([`MockReply`]).

use std::time::Duration;

// For the links in the docs.
#[cfg(doc)]
use super::MockApi;

/// A failure the mock serves once, before the operation's canned answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MockFailure {
    /// An HTTP error status with an empty body.
    Http(u16),
    /// HTTP 200 with an envelope reporting failure in the body.
    Api {
        /// The envelope's `statusCode`.
        status_code: i64,
        /// The envelope's `apiCode`.
        api_code: Option<i64>,
        /// The envelope's `message`.
        message: String,
    },
    /// The connection is closed without an answer.
    Disconnect,
}

/// What a raw-mode handler ([`MockApi::start_raw`]) answers: bytes written back exactly as
/// given, after an optional pause, then a normal close of the connection or a reset (RST).
///
/// The mock serves one request per connection, so a complete answer says
/// `connection: close`, as [`MockReply::json`] does.
#[derive(Clone, Debug)]
pub struct MockReply {
    pub(super) bytes: Vec<u8>,
    pub(super) delay: Duration,
    pub(super) reset: bool,
}

impl MockReply {
    /// A complete HTTP/1.1 response: `status`, `content-type: application/json`, the right
    /// `content-length` and `body`.
    pub fn json(status: u16, body: &str) -> Self {
        Self::raw(format!(
            "HTTP/1.1 {status} MOCK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ))
    }

    /// Exactly these bytes (any status line, headers and body, or a fragment of them).
    pub fn raw(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: bytes.into(),
            delay: Duration::ZERO,
            reset: false,
        }
    }

    /// Waits `delay` after reading the request, before writing anything.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Resets the connection (RST, through a zero linger) right after writing the bytes,
    /// instead of closing it normally.
    pub fn then_reset(mut self) -> Self {
        self.reset = true;
        self
    }
}
