//! A subscription on a server that works: the signed handshake, events in order, reconnection
//! after a drop or a silent server, the close frame on drop, refusals, the reconnection limit,
//! and the signature kept out of every log.

use std::sync::Mutex;
use std::task::Poll;
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt as _, Stream as _, StreamExt as _};
use genauth::{Brand, Error};
use hmac::{Hmac, Mac as _};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use super::{SECRET, WsServer, bounded, client, drain, event, logs, next_event, quick};

#[tokio::test]
async fn the_handshake_is_signed_for_both_brands() {
    for (brand, scheme) in [(Brand::GenAuth, "GenAuth"), (Brand::Authing, "authing")] {
        let server = WsServer::start(None, |_, mut conn| async move {
            conn.send(event(1)).await.unwrap();
            drain(conn).await;
        })
        .await;
        let client = client(brand, &server.url);
        let mut stream = client.subscribe_with("authing.user.created & more/é", quick());
        next_event(&mut stream).await;

        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(b"websocket\n");
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let seen = &server.handshakes()[0];
        assert_eq!(seen.path, "/events/v1/management/sub");
        assert_eq!(
            seen.query.as_deref(),
            Some("code=authing.user.created%20%26%20more%2F%C3%A9")
        );
        assert_eq!(
            seen.authorization.as_deref(),
            Some(format!("{scheme} AK:{signature}").as_str())
        );
    }
}

#[tokio::test]
async fn events_arrive_in_order_and_decode() {
    let server = WsServer::start(None, |_, mut conn| async move {
        for n in 1..=5 {
            conn.send(event(n)).await.unwrap();
        }
        conn.send(Message::text("not json")).await.unwrap();
        conn.send(Message::text(r#"{"unexpected":["shape"]}"#))
            .await
            .unwrap();
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    for n in 1..=5 {
        let event = next_event(&mut stream).await;
        assert_eq!(event.event_type.as_deref(), Some("test.event"));
        assert_eq!(event.data, serde_json::json!({ "n": n }));
        assert_eq!(event.source.as_deref(), Some("loopback"));
        assert_eq!(event.time, Some(serde_json::json!(n)));
        assert_eq!(event.raw["eventData"], format!(r#"{{"n":{n}}}"#));
    }
    let odd = next_event(&mut stream).await;
    assert_eq!(odd.raw, serde_json::json!("not json"));
    assert_eq!(odd.data, serde_json::Value::Null);
    let odd = next_event(&mut stream).await;
    assert_eq!(odd.raw, serde_json::json!({"unexpected": ["shape"]}));
    assert!(odd.event_type.is_none() && odd.source.is_none() && odd.time.is_none());
}

#[tokio::test]
async fn a_dropped_connection_is_reconnected_and_no_later_event_is_lost() {
    let capture = logs();
    let server = WsServer::start(None, |n, mut conn| async move {
        if n == 1 {
            conn.send(event(1)).await.unwrap();
            conn.send(event(2)).await.unwrap();
            // Gone without a close frame.
            drop(conn);
        } else {
            for n in 3..=6 {
                conn.send(event(n)).await.unwrap();
            }
            drain(conn).await;
        }
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("log.test", quick());
    for n in 1..=6 {
        assert_eq!(
            next_event(&mut stream).await.data,
            serde_json::json!({ "n": n })
        );
    }
    assert_eq!(server.handshakes().len(), 2);
    let logs = capture.text();
    let ours = |message: &str| {
        logs.lines()
            .any(|line| line.contains(message) && line.contains("code=log.test"))
    };
    assert!(ours("genauth events: connected"), "{logs}");
    assert!(ours("connection failed; reconnecting"), "{logs}");
    // The signature is the same for every test here: no test's logs may show it.
    let signature = server.handshakes()[0].authorization.clone().unwrap();
    assert!(
        !logs.contains(SECRET) && !logs.contains(&signature[8..]),
        "{logs}"
    );
}

#[tokio::test]
async fn a_silent_server_is_detected_by_the_heartbeat_and_replaced() {
    let server = WsServer::start(None, |n, mut conn| async move {
        if n == 1 {
            // Accepts, then never reads: pings go unanswered.
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(conn);
        } else {
            conn.send(event(n)).await.unwrap();
            drain(conn).await;
        }
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    let event = next_event(&mut stream).await;
    assert_eq!(event.data, serde_json::json!({ "n": 2 }));
    assert_eq!(server.handshakes().len(), 2);
}

#[tokio::test]
async fn a_live_quiet_connection_is_kept() {
    let server = WsServer::start(None, |_, conn| drain(conn)).await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    // Several heartbeat periods with pings answered: no reconnection.
    let quiet = tokio::time::timeout(Duration::from_millis(800), stream.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    assert_eq!(server.handshakes().len(), 1);
}

#[tokio::test]
async fn dropping_the_stream_sends_a_close_frame() {
    let (observed_tx, observed_rx) = tokio::sync::oneshot::channel();
    let observed_tx = Mutex::new(Some(observed_tx));
    let server = WsServer::start(None, move |_, mut conn| {
        let observed_tx = observed_tx.lock().unwrap().take();
        async move {
            conn.send(event(1)).await.unwrap();
            let seen = loop {
                match conn.next().await {
                    Some(Ok(Message::Close(_))) => break "close frame",
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => break "end of stream without a close frame",
                }
            };
            if let Some(tx) = observed_tx {
                let _ = tx.send(seen);
            }
        }
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    next_event(&mut stream).await;
    drop(stream);
    assert_eq!(bounded(observed_rx).await.unwrap(), "close frame");
}

#[tokio::test]
async fn an_auth_refusal_ends_the_stream_with_an_auth_error() {
    for status in [401, 403] {
        let server = WsServer::start(Some(status), |_, conn| drain(conn)).await;
        let client = client(Brand::Authing, &server.url);
        let mut stream = client.subscribe_with("test.event", quick());
        match bounded(stream.next()).await {
            Some(Err(Error::Auth { message, .. })) => {
                assert!(message.contains(&status.to_string()), "{message}");
                assert!(!message.contains(SECRET), "{message}");
            }
            other => panic!("expected Error::Auth, got {other:?}"),
        }
        assert!(bounded(stream.next()).await.is_none());
        assert_eq!(server.handshakes().len(), 1, "no retry after a refusal");
    }
}

#[tokio::test]
async fn reconnects_give_up_when_a_limit_is_set() {
    // A port nothing listens on.
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", unused.local_addr().unwrap());
    drop(unused);
    let client = client(Brand::GenAuth, &url);
    let mut stream = client.subscribe_with("test.event", quick().max_reconnects(2));
    match bounded(stream.next()).await {
        Some(Err(e @ Error::Transport { .. })) => assert!(e.is_retryable()),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(bounded(stream.next()).await.is_none());
}

#[tokio::test]
async fn an_empty_code_is_refused_without_connecting() {
    let server = WsServer::start(None, |_, conn| drain(conn)).await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe(" ");
    assert!(matches!(
        bounded(stream.next()).await,
        Some(Err(Error::InvalidRequest(_)))
    ));
    assert!(bounded(stream.next()).await.is_none());
    assert!(server.handshakes().is_empty());
}

#[test]
fn polling_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let client = client(Brand::GenAuth, "ws://127.0.0.1:9");
    let mut stream = client.subscribe("test.event");
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut poll = || std::pin::Pin::new(&mut stream).poll_next(&mut cx);
    let first = poll();
    assert!(
        matches!(first, Poll::Ready(Some(Err(Error::Config(_))))),
        "{first:?}"
    );
    assert!(matches!(poll(), Poll::Ready(None)));
}

#[tokio::test]
async fn the_signed_upgrade_reaches_no_log_at_any_level() {
    let capture = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        conn.send(event(1)).await.unwrap();
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick());
    next_event(&mut stream).await;
    drop(stream);
    let signature = server.handshakes()[0].authorization.clone().unwrap();
    let logs = capture.text();
    // The capture is live for both `tracing` and `log` (tungstenite writes frames at trace).
    assert!(logs.contains("genauth events: connected"), "{logs}");
    assert!(
        logs.contains("log TRACE tokio_tungstenite") || logs.contains("log TRACE tungstenite"),
        "{logs}"
    );
    assert!(
        !logs.contains(&signature[8..]),
        "the signature is in the logs"
    );
    assert!(!logs.contains(SECRET));
}
