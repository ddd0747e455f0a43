//! `wss` subscriptions: a certificate the client does not trust ends the stream, the CA
//! added as a root is trusted, and other TLS failures are retried.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{SinkExt as _, StreamExt as _};
use genauth::{Brand, Error, ManagementClient};
use tokio::net::{TcpListener, TcpStream};

use super::{SECRET, bounded, client, event, logs, next_event, quick};
use crate::support::tls;

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
        .add_root_certificate_pem(include_bytes!("../../data/tls/ca.pem"))
        .build()
        .unwrap();
    let mut stream = trusting.subscribe_with("test.event", quick());
    assert_eq!(
        next_event(&mut stream).await.data,
        serde_json::json!({ "n": 1 })
    );
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
        .add_root_certificate_pem(include_bytes!("../../data/tls/ca.pem"))
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
