//! The HTTP/1.1 upgrade to a WebSocket, written and read by the crate itself so that the
//! signed request never reaches a library's log, and the checks a `101` answer must pass.

use base64::Engine as _;
use tokio::io::AsyncWriteExt as _;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::connection::{Io, Refused, Socket, transport};
use super::head::{HeadError, ResponseHead, read_head};
use super::worker::Worker;
use crate::Error;
use crate::redact::masked_snippet;

impl Worker {
    /// The WebSocket upgrade, written and read here, so that no library logs the signed
    /// request.
    pub(super) async fn upgrade(&self, mut io: Box<dyn Io>) -> Result<Socket, Refused> {
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
                    operation: None,
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
                operation: None,
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
    fn refusal(&self, status: u16, answer: &ResponseHead, body: &[u8]) -> Refused {
        // Masked like every Error::Http snippet: the body may carry personal data.
        let body = masked_snippet(body);
        if matches!(status, 401 | 403) {
            return Refused::Fatal(Error::auth(format!(
                "the events host refused the subscription to `{}`: HTTP {status} {body}",
                self.code
            )));
        }
        let error = Error::Http {
            operation: None,
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
}

/// Why a `101` answer is not the WebSocket upgrade asked for with `key` (RFC 6455 4.1): each
/// of these makes the client fail the connection.
pub(super) fn upgrade_flaw(answer: &ResponseHead, key: &str) -> Option<String> {
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
pub(super) fn accept_key(key: &str) -> String {
    use sha1::Digest as _;
    let mut sha = sha1::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}
