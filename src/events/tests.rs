//! Unit tests of event subscription: events read from messages, options, backoff, proxies,
//! heads and upgrade answers, TLS failures.

use base64::Engine as _;
use hyper_util::client::proxy::matcher::Matcher;
use tokio::time::Instant;

use super::connection::{Destination, Refused, tls_refusal};
use super::head::{HeadError, MAX_HEAD_BYTES, ResponseHead, read_head};
use super::proxy::{explicit_matcher, route};
use super::upgrade::{accept_key, upgrade_flaw};
use super::worker::{Worker, later};
use super::*;

#[test]
fn events_are_read_leniently() {
    let e = Event::from_text(
        r#"{"eventType":"a.b","eventData":"{\"id\":1}","source":"s","timestamp":17}"#,
    );
    assert_eq!(e.event_type.as_deref(), Some("a.b"));
    assert_eq!(e.data, serde_json::json!({"id": 1}));
    assert_eq!(e.source.as_deref(), Some("s"));
    assert_eq!(e.time, Some(serde_json::json!(17)));
    let e = Event::from_text(r#"{"data":{"x":true},"eventType":3,"time":"t"}"#);
    assert_eq!(e.event_type, None);
    assert_eq!(e.data, serde_json::json!({"x": true}));
    assert_eq!(e.time, Some(serde_json::json!("t")));
    let e = Event::from_text(r#"{"eventData":"not json"}"#);
    assert_eq!(e.data, serde_json::json!("not json"));
    for odd in ["", "plain text", "[1,2]", "null", "{", "\u{0}"] {
        let e = Event::from_text(odd);
        assert_eq!(e.data, serde_json::Value::Null, "{odd}");
        assert!(e.event_type.is_none() && e.source.is_none() && e.time.is_none());
    }
    assert_eq!(Event::from_text("hi").raw, serde_json::json!("hi"));
}

#[test]
fn backoff_grows_with_jitter_and_stays_bounded() {
    let (tx, _rx) = mpsc::channel(1);
    let worker = Worker {
        target: Destination::parse("wss://h/events").unwrap(),
        code: String::new(),
        authorization: SensitiveString::from("x".to_string()),
        bytes: Arc::new(Semaphore::new(1)),
        budget: 1,
        options: SubscribeOptions::default()
            .backoff(Duration::from_millis(200), Duration::from_secs(1)),
        config: EventsConfig {
            host: String::new(),
            connect_timeout: Duration::from_secs(1),
            tls: None,
            proxy: None,
        },
        tx,
    };
    for (n, bound) in [(1, 200), (2, 400), (3, 800), (4, 1000), (u32::MAX, 1000)] {
        let d = worker.backoff(n);
        let bound = Duration::from_millis(bound);
        assert!(d >= bound / 2 && d <= bound, "{n}: {d:?}");
    }
    // A zero backoff still waits the floor.
    let eager = Worker {
        options: SubscribeOptions::default().backoff(Duration::ZERO, Duration::ZERO),
        ..worker
    };
    assert_eq!(eager.backoff(1), SubscribeOptions::MIN_RECONNECT_BACKOFF);
    let worker = eager;
    let huge = Worker {
        options: SubscribeOptions::default().backoff(Duration::MAX, Duration::MAX),
        ..worker
    };
    assert!(huge.backoff(40) > Duration::ZERO);
    assert!(later(Duration::MAX) > Instant::now());
}

#[test]
fn targets_and_upgrade_keys() {
    let t =
        Destination::parse("wss://openevent.genauth.ai/events/v1/management/sub?code=a.b").unwrap();
    assert!(t.tls);
    assert_eq!((t.host.as_str(), t.port), ("openevent.genauth.ai", 443));
    assert_eq!(t.authority, "openevent.genauth.ai");
    assert_eq!(t.path, "/events/v1/management/sub?code=a.b");
    let t = Destination::parse("ws://[::1]:8080/x").unwrap();
    assert_eq!(
        (t.host.as_str(), t.port, t.authority.as_str()),
        ("::1", 8080, "[::1]:8080")
    );
    // RFC 6455's worked example.
    assert_eq!(
        accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

/// The proxy of `events_host` with a matcher built from environment-like values.
fn env_route(
    events_host: &str,
    http: &str,
    https: &str,
    all: &str,
    no: &str,
) -> Option<Result<Proxy, String>> {
    let matcher = Matcher::builder()
        .http(http)
        .https(https)
        .all(all)
        .no(no)
        .build();
    route(&matcher, events_host)
}

fn basic(pair: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[test]
fn proxies_are_read_as_the_http_client_reads_them() {
    // No scheme: http://, as for HTTP calls (this used to be a fatal error for events).
    let p = env_route("wss://h.example", "", "proxy.local:3128", "", "")
        .unwrap()
        .unwrap();
    assert_eq!(
        (p.host.as_str(), p.port, p.authorization.is_none()),
        ("proxy.local", 3128, true)
    );
    // Credentials, with or without a scheme, percent-decoded.
    for value in [
        "us%40er:p%3Ass@proxy.local:3128",
        "http://us%40er:p%3Ass@proxy.local:3128",
    ] {
        let p = env_route("wss://h.example", "", value, "", "")
            .unwrap()
            .unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.local", 3128));
        assert_eq!(
            p.authorization.as_ref().unwrap().expose_secret(),
            basic("us@er:p:ss")
        );
        assert!(!format!("{p:?}").contains("p:ss"));
    }
    // wss takes HTTPS_PROXY, ws takes HTTP_PROXY, both fall back on ALL_PROXY.
    let host = |r: Option<Result<Proxy, String>>| r.map(|p| p.unwrap().host);
    assert_eq!(
        host(env_route("ws://h.example", "a:1", "b:1", "c:1", "")),
        Some("a".into())
    );
    assert_eq!(
        host(env_route("wss://h.example", "a:1", "b:1", "c:1", "")),
        Some("b".into())
    );
    assert_eq!(
        host(env_route("wss://h.example", "a:1", "", "c:1", "")),
        Some("c".into())
    );
    assert_eq!(host(env_route("ws://h.example", "", "b:1", "", "")), None);
    // A default port of 80, IPv6 proxies without brackets.
    let p = env_route("ws://h.example", "http://[::1]", "", "", "")
        .unwrap()
        .unwrap();
    assert_eq!((p.host.as_str(), p.port), ("::1", 80));
}

#[test]
fn no_proxy_takes_hosts_domains_addresses_and_cidr_blocks() {
    let through =
        |events_host: &str, no: &str| env_route(events_host, "p:1", "p:1", "", no).is_some();
    assert!(!through(
        "wss://openevent.genauth.ai",
        "localhost, .genauth.ai"
    ));
    assert!(!through("wss://openevent.genauth.ai", "genauth.ai"));
    assert!(!through("wss://x.example", "*"));
    assert!(through("wss://genauth.ai", "genauth.ai.evil"));
    assert!(through("wss://x.example", ""));
    // Addresses and CIDR blocks, v4 and v6: these were ignored by events before.
    assert!(!through("ws://127.0.0.1:8080", "127.0.0.1"));
    assert!(!through("ws://10.1.2.3:8080", "192.168.0.0/16, 10.0.0.0/8"));
    assert!(through("ws://11.1.2.3:8080", "10.0.0.0/8"));
    assert!(!through("ws://[::1]:8080", "::1"));
    assert!(!through("ws://[fd00::5]:8080", "fd00::/8"));
    assert!(through("ws://[fe80::5]:8080", "fd00::/8"));
}

#[test]
fn an_explicit_proxy_wins_and_no_error_shows_a_credential() {
    // The builder's proxy, read as reqwest::Proxy::all reads it: any host, no NO_PROXY.
    for text in [
        "ops:pw-7f3@127.0.0.1:3128",
        "http://ops:pw-7f3@127.0.0.1:3128",
    ] {
        let matcher = explicit_matcher(text).unwrap();
        let p = route(&matcher, "ws://127.0.0.1:9").unwrap().unwrap();
        assert_eq!((p.host.as_str(), p.port), ("127.0.0.1", 3128));
        assert_eq!(
            p.authorization.unwrap().expose_secret(),
            basic("ops:pw-7f3")
        );
    }
    let explicit = SensitiveString::from("http://127.0.0.1:1".to_string());
    assert!(matches!(
        proxy_for("wss://h", Some(&explicit)),
        Some(Ok(Proxy { port: 1, .. }))
    ));
    // Proxies events cannot use: the message names the scheme only.
    for text in [
        "socks5://proxyuser:proxypass@p:1080",
        "socks5h://proxyuser:proxypass@p",
        "https://proxyuser:proxypass@p:443",
    ] {
        let err = route(&explicit_matcher(text).unwrap(), "wss://h")
            .unwrap()
            .unwrap_err();
        assert!(err.contains("http:// proxy only"), "{err}");
        assert!(
            !err.contains("proxyuser") && !err.contains("proxypass"),
            "{err}"
        );
    }
    for value in [
        "socks5://proxyuser:proxypass@p:1080",
        "https://proxyuser:proxypass@p",
    ] {
        let err = env_route("wss://h", "", value, "", "")
            .unwrap()
            .unwrap_err();
        assert!(
            !err.contains("proxyuser") && !err.contains("proxypass"),
            "{err}"
        );
    }
    // A user name where a scheme would be (`user:pass@host`) used to be named as one.
    let p = env_route("wss://h", "", "proxyuser:proxypass@p:3128", "", "")
        .unwrap()
        .unwrap();
    assert_eq!((p.host.as_str(), p.port), ("p", 3128));
    let err = explicit_matcher("http://[bad").map(|_| ()).unwrap_err();
    assert!(!err.contains("bad"), "{err}");
}

#[test]
fn options_out_of_bounds_are_refused() {
    let ok = SubscribeOptions::default();
    assert!(ok.check().is_ok());
    assert!(ok.clone().buffer(0).check().is_ok());
    assert!(
        ok.clone()
            .buffer(SubscribeOptions::MAX_BUFFER)
            .check()
            .is_ok()
    );
    let err = ok.clone().buffer(usize::MAX).check().unwrap_err();
    assert!(err.contains("buffer") && err.contains("1048576"), "{err}");
    let floor = SubscribeOptions::MIN_HEARTBEAT;
    assert!(ok.clone().heartbeat(floor, floor).check().is_ok());
    for (interval, timeout) in [
        (Duration::ZERO, floor),
        (Duration::from_millis(1), floor),
        (floor, Duration::from_millis(99)),
    ] {
        let err = ok.clone().heartbeat(interval, timeout).check().unwrap_err();
        assert!(err.contains("heartbeat") && err.contains("100ms"), "{err}");
    }
}

fn head(text: &[u8]) -> Result<ResponseHead, &'static str> {
    ResponseHead::parse(text)
}

#[test]
fn heads_are_read_as_bytes() {
    let h = head(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Note: caf\xe9\r\nX-Long: a\r\n  b").unwrap();
    assert_eq!(h.status, 101);
    assert_eq!(h.header("upgrade"), Some("websocket"));
    assert_eq!(h.header("x-note"), Some("caf\u{fffd}"));
    assert_eq!(h.header("x-long"), Some("a b"));
    assert_eq!(head(b"HTTP/1.0 502").unwrap().status, 502);
    assert_eq!(head(b"HTTP/1.1 502 Bad \xff").unwrap().status, 502);
    for bad in [
        &b"HTTP/1.1 1\xff1 Switching Protocols"[..],
        b"HTTP/2 101",
        b"HTTP/1.1 10",
        b"HTTP/1.1 1011",
        b"\xff\xfe",
        b"",
        b"HTTP/1.1 101 OK\r\nUp\xffgrade: websocket",
        b"HTTP/1.1 101 OK\r\nno colon",
        b"HTTP/1.1 101 OK\r\n: empty name",
        b"HTTP/1.1 101 OK\r\n folded first",
    ] {
        assert!(head(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
}

#[tokio::test]
async fn reading_a_head_tells_io_failures_from_malformed_answers() {
    let (h, rest) = read_head(&mut &b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nfirst frame"[..])
        .await
        .unwrap();
    assert_eq!((h.status, rest.as_slice()), (200, &b"first frame"[..]));
    assert!(matches!(
        read_head(&mut &b"HTTP/1.1 101 OK\r\n"[..]).await,
        Err(HeadError::Io(_))
    ));
    assert!(matches!(
        read_head(&mut &b"HTTP/1.1 1\xff1 OK\r\n\r\n"[..]).await,
        Err(HeadError::Malformed(_))
    ));
    let endless = vec![b'a'; MAX_HEAD_BYTES + 2048];
    assert!(matches!(
        read_head(&mut endless.as_slice()).await,
        Err(HeadError::Malformed(_))
    ));
}

#[test]
fn a_101_must_be_the_upgrade_the_client_asked_for() {
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let accept = accept_key(key);
    let answer = |extra: &str| {
        head(format!("HTTP/1.1 101 Switching Protocols\r\n{extra}").as_bytes()).unwrap()
    };
    let good = format!(
        "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: {accept}"
    );
    assert_eq!(upgrade_flaw(&answer(&good), key), None);
    let two_lines = format!(
        "Upgrade: websocket\r\nConnection: keep-alive\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions:"
    );
    assert_eq!(upgrade_flaw(&answer(&two_lines), key), None);
    for (extra, expected) in [
        (
            format!("Connection: upgrade\r\nSec-WebSocket-Accept: {accept}"),
            "Upgrade: websocket",
        ),
        (
            format!("Upgrade: h2c\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {accept}"),
            "Upgrade: websocket",
        ),
        (
            format!("Upgrade: websocket\r\nSec-WebSocket-Accept: {accept}"),
            "Connection: upgrade",
        ),
        (
            format!(
                "Upgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Accept: {accept}"
            ),
            "Connection: upgrade",
        ),
        (
            "Upgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: x".to_string(),
            "Sec-WebSocket-Accept",
        ),
        (
            format!("{good}\r\nSec-WebSocket-Extensions: permessage-deflate"),
            "extension",
        ),
        (
            format!("{good}\r\nSec-WebSocket-Protocol: chat"),
            "subprotocol",
        ),
    ] {
        let flaw = upgrade_flaw(&answer(&extra), key).unwrap_or_default();
        assert!(flaw.contains(expected), "{extra}: {flaw}");
    }
}

#[test]
fn only_certificate_failures_in_tls_are_final() {
    use rustls::{AlertDescription, CertificateError, PeerIncompatible};
    let io = |e: rustls::Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let fatal = |e: std::io::Error| matches!(tls_refusal("h", &e), Refused::Fatal(_));
    assert!(fatal(io(rustls::Error::InvalidCertificate(
        CertificateError::UnknownIssuer
    ))));
    assert!(fatal(io(rustls::Error::InvalidCertificate(
        CertificateError::Expired
    ))));
    assert!(fatal(io(rustls::Error::NoCertificatesPresented)));
    assert!(!fatal(io(rustls::Error::AlertReceived(
        AlertDescription::InternalError
    ))));
    assert!(!fatal(io(rustls::Error::AlertReceived(
        AlertDescription::HandshakeFailure
    ))));
    assert!(!fatal(io(rustls::Error::PeerIncompatible(
        PeerIncompatible::Tls12NotOffered
    ))));
    assert!(!fatal(std::io::Error::from(
        std::io::ErrorKind::ConnectionReset
    )));
    assert!(!fatal(std::io::Error::from(
        std::io::ErrorKind::UnexpectedEof
    )));
}

#[test]
fn codes_are_encoded_as_one_query_value() {
    let encoded = utf8_percent_encode("a.b-c_d~e f&g=h/é", QUERY_VALUE).to_string();
    assert_eq!(encoded, "a.b-c_d~e%20f%26g%3Dh%2F%C3%A9");
}
