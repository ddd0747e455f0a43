//! Subscriptions through an HTTP proxy: the client's own, with its credentials, and the one
//! from the environment, read as the HTTP client reads it, with no credential in any error or
//! log line.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use genauth::{Error, ManagementClient};
use tokio::net::{TcpListener, TcpStream};

use super::{SECRET, WsServer, bounded, drain, event, logs, next_event, quick, read_head};

/// An HTTP proxy on 127.0.0.1 that tunnels `CONNECT`; records each request head.
async fn connect_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::AsyncWriteExt as _;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let Some(head) = read_head(&mut client).await else {
                    return;
                };
                let target = head.split(' ').nth(1).unwrap_or("").to_string();
                seen.lock().unwrap().push(head);
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (url, heads)
}

#[tokio::test]
async fn events_go_through_the_clients_proxy() {
    let _logs = logs();
    let server = WsServer::start(None, |_, mut conn| async move {
        conn.send(event(7)).await.unwrap();
        drain(conn).await;
    })
    .await;
    let (proxy, heads) = connect_proxy().await;
    let proxy_with_user = proxy.replace("http://", "http://ops:pa%3Ass@");
    let client = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(SECRET)
        .host("http://127.0.0.1:9")
        .events_host(&server.url)
        .proxy(proxy_with_user)
        .build()
        .unwrap();
    let mut stream = client.subscribe_with("test.event", quick());
    assert_eq!(
        next_event(&mut stream).await.data,
        serde_json::json!({ "n": 7 })
    );
    let heads = heads.lock().unwrap().clone();
    let authority = server.url.trim_start_matches("ws://");
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode("ops:pa:ss");
    assert!(
        heads[0].contains(&format!("Proxy-Authorization: Basic {basic}\r\n")),
        "{heads:?}"
    );
    assert_eq!(server.handshakes().len(), 1);
}

// The proxy from the environment, read as the HTTP client reads it. The variables are set in
// a process of its own (`in_own_process`), so no other test sees them.

const PROXY_VARS: [&str; 9] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// The proxy variables set to `pairs` and no other.
fn proxy_env(pairs: &[(&str, &str)]) {
    for name in PROXY_VARS {
        // SAFETY: this process runs this one test and nothing else (`in_own_process`), on a
        // current-thread runtime that connects to addresses only (no resolver thread), so
        // nothing reads the environment meanwhile.
        unsafe { std::env::remove_var(name) };
    }
    for (name, value) in pairs {
        // SAFETY: as above.
        unsafe { std::env::set_var(name, value) };
    }
}

#[tokio::test]
async fn the_proxy_from_the_environment_is_read_as_for_http_calls() {
    if !crate::support::alone::in_own_process(
        module_path!(),
        "the_proxy_from_the_environment_is_read_as_for_http_calls",
    ) {
        return;
    }
    let capture = logs();
    let server = WsServer::start(None, |n, mut conn| async move {
        conn.send(event(n)).await.unwrap();
        drain(conn).await;
    })
    .await;
    let (proxy, heads) = connect_proxy().await;
    let proxy_addr = proxy.trim_start_matches("http://").to_string();
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = unused.local_addr().unwrap().to_string();
    drop(unused);
    let (user, password) = ("proxyuser-7f3", "proxypass-9k2");
    let build = |explicit: Option<&str>| {
        let mut builder = ManagementClient::builder()
            .access_key_id("AK")
            .access_key_secret(SECRET)
            .host("http://127.0.0.1:9")
            .events_host(&server.url);
        if let Some(proxy) = explicit {
            builder = builder.proxy(proxy);
        }
        builder.build().unwrap()
    };
    let seen = || heads.lock().unwrap().len();
    async fn one_event(client: &ManagementClient) {
        let mut stream = client.subscribe_with("test.event", quick());
        next_event(&mut stream).await;
    }

    // No scheme, with credentials: http://, as for HTTP calls (it used to be a fatal error
    // naming the user as a scheme).
    proxy_env(&[("HTTP_PROXY", &format!("{user}:{password}@{proxy_addr}"))]);
    one_event(&build(None)).await;
    assert_eq!(seen(), 1, "through the proxy");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    assert!(
        heads.lock().unwrap()[0].contains(&format!("Proxy-Authorization: Basic {basic}\r\n")),
        "{:?}",
        heads.lock().unwrap()
    );
    // The lower-case form, and ALL_PROXY, count too.
    proxy_env(&[("all_proxy", &proxy)]);
    one_event(&build(None)).await;
    assert_eq!(seen(), 2, "through the proxy");

    // NO_PROXY addresses and CIDR blocks (they used to be ignored).
    for no_proxy in [
        "127.0.0.1",
        "10.0.0.0/8, 127.0.0.0/8",
        "localhost,::1,127.0.0.1/32",
    ] {
        proxy_env(&[("HTTP_PROXY", &proxy), ("NO_PROXY", no_proxy)]);
        one_event(&build(None)).await;
        assert_eq!(seen(), 2, "direct with NO_PROXY={no_proxy}");
    }

    // Under CGI the request's `Proxy:` header lands in HTTP_PROXY (httpoxy): not read.
    proxy_env(&[("HTTP_PROXY", &proxy), ("REQUEST_METHOD", "GET")]);
    one_event(&build(None)).await;
    assert_eq!(seen(), 2, "direct under CGI");

    // The builder's proxy wins over the environment, NO_PROXY included.
    proxy_env(&[
        ("HTTP_PROXY", &format!("http://{dead}")),
        ("NO_PROXY", "127.0.0.0/8"),
    ]);
    one_event(&build(Some(&proxy))).await;
    assert_eq!(seen(), 3, "through the builder's proxy");

    // No credential in any error or log line: an unreachable proxy, and one events cannot use.
    for (value, variant) in [
        (format!("{user}:{password}@{dead}"), "transport"),
        (format!("socks5://{user}:{password}@{dead}"), "config"),
    ] {
        proxy_env(&[("HTTP_PROXY", &value)]);
        let client = build(None);
        let mut stream = client.subscribe_with("test.event", quick().max_reconnects(1));
        let err = bounded(stream.next()).await.unwrap().unwrap_err();
        let text = format!("{err} {err:?}");
        match variant {
            "transport" => assert!(
                matches!(err, Error::Transport { .. }) && text.contains(&dead),
                "{text}"
            ),
            _ => assert!(matches!(err, Error::Config(_)), "{text}"),
        }
        assert!(!text.contains(user) && !text.contains(password), "{text}");
        assert!(bounded(stream.next()).await.is_none());
    }
    let logs = capture.text();
    assert!(logs.contains("genauth events"), "{logs}");
    assert!(
        !logs.contains(user) && !logs.contains(password),
        "a proxy credential is in the logs:\n{logs}"
    );
    proxy_env(&[]);
}
