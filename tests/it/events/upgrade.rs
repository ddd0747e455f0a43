//! Upgrade answers written byte by byte: header values that are not UTF-8, broken status
//! lines, and 101 answers without `Connection: upgrade` or with what the client did not offer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use futures_util::StreamExt as _;
use genauth::{Brand, Error};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use super::{bounded, client, event, logs, next_event, quick, read_head};

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
