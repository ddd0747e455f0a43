//! Where a stream stops: a server that closes at once, messages over the size limit, a small
//! byte budget, failures reported as items, options out of bounds, and the reconnection count
//! whatever the heartbeat.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use genauth::{Brand, Error, SubscribeOptions};
use tokio_tungstenite::tungstenite::Message;

use super::{WsServer, bounded, client, drain, event, logs, next_event, quick};

fn close_with(code: u16, reason: &'static str) -> Message {
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }))
}

/// A server that answers every connection with a close frame at once, and a stream on it
/// allowed two reconnections: the stream's error, and how many connections were made.
async fn closed_at_once(code: u16, reason: &'static str) -> (Error, usize) {
    let _logs = logs();
    let server = WsServer::start(None, move |_, mut conn| async move {
        let _ = conn.send(close_with(code, reason)).await;
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick().max_reconnects(2));
    let err = bounded(stream.next()).await.unwrap().unwrap_err();
    assert!(
        bounded(stream.next()).await.is_none(),
        "the error is the last item"
    );
    (err, server.handshakes().len())
}

#[tokio::test]
async fn a_server_that_closes_at_once_with_an_application_code_ends_the_stream() {
    let (err, connections) = closed_at_once(4001, "bad signature").await;
    assert!(
        matches!(&err, Error::Closed { code: 4001, reason } if reason == "bad signature"),
        "{err:?}"
    );
    assert_eq!(connections, 1, "no reconnection");
}

#[tokio::test]
async fn a_server_that_closes_at_once_normally_uses_up_the_reconnects() {
    // A close frame used to count as progress and reset the count: 199 connections in 15 s.
    let (err, connections) = closed_at_once(1000, "bye").await;
    assert!(
        matches!(&err, Error::Closed { code: 1000, reason } if reason == "bye"),
        "{err:?}"
    );
    assert_eq!(connections, 3, "the first connection and two more");
}

#[tokio::test]
async fn a_message_over_the_limit_ends_the_stream_and_a_higher_limit_takes_it() {
    let _logs = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        let big = format!(
            r#"{{"eventType":"big","eventData":"{}"}}"#,
            "x".repeat(2 << 20)
        );
        let _ = conn.send(Message::text(big)).await;
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick().max_reconnects(5));
    let err = bounded(stream.next()).await.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::Decode { status: 101, message, .. } if message.contains("over the limit of 1048576")),
        "{err:?}"
    );
    assert!(bounded(stream.next()).await.is_none());
    assert_eq!(server.handshakes().len(), 1);
    let mut roomy = client.subscribe_with("test.event", quick().max_message_bytes(4 << 20));
    let event = bounded(roomy.next()).await.unwrap().unwrap();
    assert_eq!(event.event_type.as_deref(), Some("big"));
}

#[tokio::test]
async fn a_byte_budget_smaller_than_a_message_still_delivers_in_order() {
    let _logs = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        for n in 1..=5 {
            conn.send(event(n)).await.unwrap();
        }
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick().buffer_bytes(10).buffer(1));
    for n in 1..=5 {
        assert_eq!(
            next_event(&mut stream).await.data,
            serde_json::json!({ "n": n })
        );
    }
}

#[tokio::test]
async fn failures_can_be_reported_without_ending_the_stream() {
    let _logs = logs();
    let server = WsServer::start(Some(503), |_, conn| drain(conn)).await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with(
        "test.event",
        quick().max_reconnects(2).report_failures(true),
    );
    for _ in 0..3 {
        let err = bounded(stream.next()).await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
    }
    assert!(bounded(stream.next()).await.is_none());
    assert_eq!(server.handshakes().len(), 3);
}

// Options out of bounds, and the reconnection bound whatever the heartbeat.

#[tokio::test]
async fn options_that_would_panic_or_never_trip_are_refused_before_connecting() {
    let _logs = logs();
    let server = WsServer::start(None, |_, conn| drain(conn)).await;
    let client = client(Brand::GenAuth, &server.url);
    let floor = SubscribeOptions::MIN_HEARTBEAT;
    for (options, named) in [
        // Used to panic in tokio's channel.
        (quick().buffer(usize::MAX), "buffer"),
        (quick().buffer(SubscribeOptions::MAX_BUFFER + 1), "buffer"),
        // A 1 ms heartbeat made any connection count as progress: max_reconnects never tripped.
        (
            quick()
                .heartbeat(Duration::from_millis(1), floor)
                .max_reconnects(2),
            "heartbeat",
        ),
        (quick().heartbeat(floor, Duration::ZERO), "heartbeat"),
    ] {
        let mut stream = client.subscribe_with("test.event", options);
        match bounded(stream.next()).await {
            Some(Err(Error::InvalidRequest(message))) => {
                assert!(message.contains(named), "{message}")
            }
            other => panic!("expected Error::InvalidRequest naming {named}, got {other:?}"),
        }
        assert!(bounded(stream.next()).await.is_none());
    }
    assert!(server.handshakes().is_empty(), "nothing connected");
    // The bounds themselves are accepted.
    let mut stream = client.subscribe_with(
        "test.event",
        quick()
            .buffer(SubscribeOptions::MAX_BUFFER)
            .heartbeat(floor, floor),
    );
    let quiet = tokio::time::timeout(Duration::from_millis(300), stream.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    assert_eq!(server.handshakes().len(), 1);
}

#[tokio::test]
async fn a_server_that_accepts_and_stays_silent_uses_up_the_reconnects() {
    // Such a connection lived a whole heartbeat interval, and that used to count as progress:
    // the count restarted after each one and the stream never ended.
    let _logs = logs();
    let server = WsServer::start(None, |_, conn| async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(conn);
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let floor = SubscribeOptions::MIN_HEARTBEAT;
    let mut stream = client.subscribe_with(
        "test.event",
        quick().heartbeat(floor, floor).max_reconnects(2),
    );
    match bounded(stream.next()).await {
        Some(Err(Error::Timeout { message, .. })) => assert!(message.contains("ping"), "{message}"),
        other => panic!("expected a ping timeout, got {other:?}"),
    }
    assert!(bounded(stream.next()).await.is_none());
    assert_eq!(
        server.handshakes().len(),
        3,
        "the first connection and two more"
    );
}

#[tokio::test]
async fn connections_heard_from_after_a_heartbeat_still_reset_the_count() {
    // A server that answers pings and closes each connection after 300 ms: every connection
    // worked for a while, so one reconnection allowed in a row is never used up.
    let _logs = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        let _ = tokio::time::timeout(Duration::from_millis(300), async {
            while let Some(Ok(_)) = conn.next().await {}
        })
        .await;
        let _ = conn.send(close_with(1000, "rotating")).await;
        drain(conn).await;
    })
    .await;
    let client = client(Brand::GenAuth, &server.url);
    let mut stream = client.subscribe_with("test.event", quick().max_reconnects(1));
    let quiet = tokio::time::timeout(Duration::from_millis(1500), stream.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    assert!(
        server.handshakes().len() >= 3,
        "{}",
        server.handshakes().len()
    );
}
