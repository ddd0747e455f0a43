//! `events`: the NDJSON line of an event, and the command against a loopback WebSocket
//! server: `--max-events`, and Ctrl-C (SIGINT) closing the subscription with exit 0.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use genauth_cli::events::event_object;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use crate::support::command;

#[test]
fn an_event_is_one_json_line() {
    let line = event_object(
        Some("authing.user.created"),
        Some("genauth"),
        Some(&json!(1700000000000u64)),
        &json!({"userId": "u1", "note": "two\nlines"}),
    )
    .to_string();
    assert!(!line.contains('\n'));
    assert_eq!(
        serde_json::from_str::<Value>(&line).unwrap(),
        json!({"eventType": "authing.user.created", "source": "genauth",
            "time": 1700000000000u64, "data": {"userId": "u1", "note": "two\nlines"}})
    );
    let empty = event_object(None, None, None, &Value::Null);
    assert_eq!(
        empty,
        json!({"eventType": null, "source": null, "time": null, "data": null})
    );
}

/// What the server saw of each connection: `close` when the client sent a close frame.
type Seen = Arc<Mutex<Vec<&'static str>>>;

/// A WebSocket server on loopback that sends `count` events on each connection, then reads
/// until the client goes.
async fn ws_server(count: usize) -> (String, Seen, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let Ok(mut conn) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                for n in 1..=count {
                    let text = format!(
                        r#"{{"eventType":"authing.user.created","eventData":"{{\"n\":{n}}}","source":"loopback","timestamp":{n}}}"#
                    );
                    if conn.send(Message::text(text)).await.is_err() {
                        return;
                    }
                }
                while let Some(Ok(message)) = conn.next().await {
                    if message.is_close() {
                        log.lock().unwrap().push("close");
                    }
                }
            });
        }
    });
    (url, seen, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_prints_ndjson_until_max_events() {
    let (url, _seen, task) = ws_server(3).await;
    let out = tokio::task::spawn_blocking(move || {
        command(
            &["events", "authing.user.created", "--max-events", "2"],
            None,
        )
        .env("GENAUTH_EVENTS_HOST", &url)
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    task.abort();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        [1, 2].map(
            |n| json!({"eventType": "authing.user.created", "source": "loopback",
            "time": n, "data": {"n": n}})
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_closes_the_subscription_and_exits_0() {
    let (url, seen, task) = ws_server(1).await;
    let code = tokio::task::spawn_blocking(move || {
        let mut child = command(&["events", "authing.user.created"], None)
            .env("GENAUTH_EVENTS_HOST", &url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The first event is out: the subscription (and the Ctrl-C handler) is running.
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.contains("authing.user.created"), "{first}");
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("`events` did not end within 10 s of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0));
    // The client said goodbye with a close frame.
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.lock().unwrap().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    assert_eq!(*seen.lock().unwrap(), ["close"]);
}
