//! Many tenants on one client: views made with `with_tenant` send their own tenant header and
//! share the client's connection pool and token cache.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt as _;
use genauth::{AuthMode, Error, Lang, ManagementClient, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::calls::fetch_otp;

const TOKEN: &str =
    r#"{"statusCode":200,"message":"","data":{"access_token":"t0k","expires_in":7200}}"#;
const OTP: &str = r#"{"statusCode":200,"message":"","data":{"secret":"S"}}"#;

/// What the server saw: connections accepted, token fetches, and calls by tenant header.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    token_fetches: AtomicUsize,
    tenants: Mutex<BTreeMap<String, usize>>,
    langs: Mutex<BTreeMap<String, usize>>,
}

/// A keep-alive HTTP/1.1 server that answers the token endpoint with a token and every other
/// request with an OTP secret, counting what it sees.
async fn server() -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let counts = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counts.connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(connection(stream, counts.clone()));
        }
    });
    (url, seen)
}

async fn connection(mut stream: tokio::net::TcpStream, seen: Arc<Seen>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // One request head, then its body by content-length.
        let end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
        };
        let length: usize = header("content-length").map_or(0, |v| v.parse().unwrap());
        while buf.len() < end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..end + length);
        let body = if head.starts_with("post /api/v3/get-management-token") {
            seen.token_fetches.fetch_add(1, Ordering::SeqCst);
            TOKEN
        } else {
            let tenant = header("x-genauth-app-id").unwrap_or_default();
            *seen.tenants.lock().unwrap().entry(tenant).or_default() += 1;
            let lang = header("x-genauth-lang").unwrap_or_default();
            *seen.langs.lock().unwrap().entry(lang).or_default() += 1;
            OTP
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn client(url: &str) -> ManagementClient {
    ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret("SK")
        .host(url)
        .auth_mode(AuthMode::ManagementToken)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// 1,000 calls, 8 at a time, each through the view `view(i)` makes for call `i`.
async fn run(view: impl Fn(usize) -> ManagementClient) {
    let views: Vec<ManagementClient> = (0..1000).map(view).collect();
    let results: Vec<Result<_, Error>> = futures::stream::iter(views.iter().map(fetch_otp))
        .buffer_unordered(8)
        .collect()
        .await;
    for result in results {
        result.unwrap();
    }
}

#[tokio::test]
async fn a_hundred_tenants_share_one_pool_and_one_token() {
    let (url, one) = server().await;
    let single = client(&url);
    let only = single.with_tenant("t-only").unwrap();
    run(|_| only.clone()).await;

    let (url, many) = server().await;
    let shared = client(&url);
    let tenants: Vec<ManagementClient> = (0..100)
        .map(|t| shared.with_tenant(&format!("t-{t:03}")).unwrap())
        .collect();
    run(|i| tenants[i % 100].clone()).await;

    // Each tenant's 10 calls carried its own header, and nothing else did.
    let by_tenant = many.tenants.lock().unwrap().clone();
    assert_eq!(by_tenant.len(), 100, "{by_tenant:?}");
    assert!(by_tenant.values().all(|&n| n == 10), "{by_tenant:?}");
    assert_eq!(one.tenants.lock().unwrap()["t-only"], 1000);
    // One token for the whole client, and no more connections than a single tenant opens.
    assert_eq!(many.token_fetches.load(Ordering::SeqCst), 1);
    assert_eq!(one.token_fetches.load(Ordering::SeqCst), 1);
    let (single_conns, many_conns) = (
        one.connections.load(Ordering::SeqCst),
        many.connections.load(Ordering::SeqCst),
    );
    assert!(
        many_conns <= single_conns,
        "100 tenants opened {many_conns} connections, one tenant {single_conns}"
    );
    assert!(
        many_conns <= 8,
        "{many_conns} connections for 8 calls at a time"
    );
}

#[tokio::test]
async fn views_change_only_their_own_headers() {
    let (url, seen) = server().await;
    let client = ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret("SK")
        .host(&url)
        .tenant_id("t-client")
        .build()
        .unwrap();
    let chinese = client.with_lang(Lang::ZhCn);
    let tenant = chinese.with_tenant("t-view").unwrap();
    fetch_otp(&client).await.unwrap();
    fetch_otp(&chinese).await.unwrap();
    fetch_otp(&tenant).await.unwrap();
    let tenants = seen.tenants.lock().unwrap().clone();
    assert_eq!(tenants["t-client"], 2, "{tenants:?}");
    assert_eq!(tenants["t-view"], 1, "{tenants:?}");
    let langs = seen.langs.lock().unwrap().clone();
    // The client's own language (the default, en-US) and the view's.
    assert_eq!(langs["zh-cn"], 2, "{langs:?}");
    assert_eq!(langs["en-us"], 1, "{langs:?}");
    assert_eq!(langs.values().sum::<usize>(), 3, "{langs:?}");
    // A tenant id that cannot be a header, or none at all, is refused before anything is sent.
    for bad in ["", "a\nb"] {
        let err = client.with_tenant(bad).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    }
}
