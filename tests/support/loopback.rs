//! A minimal HTTP/1.1 server on 127.0.0.1 for the example's offline mode and for tests that
//! need control httpmock does not give (answer sequences, broken bodies, counting).
//!
//! One request per connection (`connection: close`); the handler sees each request and its
//! 1-based number and returns the raw bytes to write back. Loopback only.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }
}

/// What the handler returns: raw bytes, an optional pause before writing them, and whether
/// to end the connection with a reset (RST) instead of a normal close.
pub struct Reply {
    pub bytes: Vec<u8>,
    pub delay: std::time::Duration,
    pub reset: bool,
}

impl Reply {
    /// A complete response with a JSON body.
    pub fn json(status: u16, body: &str) -> Self {
        Self::raw(format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ))
    }
    /// Exactly these bytes.
    pub fn raw(text: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: text.into(),
            delay: std::time::Duration::ZERO,
            reset: false,
        }
    }
    pub fn after(mut self, delay: std::time::Duration) -> Self {
        self.delay = delay;
        self
    }
    /// Resets the connection right after writing the bytes.
    pub fn then_reset(mut self) -> Self {
        self.reset = true;
        self
    }
}

pub type Handler = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

/// A running server; it stops when dropped.
pub struct Loopback {
    pub base_url: String,
    hits: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Loopback {
    pub async fn start(handler: Handler) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let hits = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (h, s) = (hits.clone(), seen.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (handler, hits, seen) = (handler.clone(), h.clone(), s.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    let n = hits.fetch_add(1, Ordering::SeqCst) + 1;
                    seen.lock().unwrap().push(request.clone());
                    let reply = handler(&request, n);
                    if !reply.delay.is_zero() {
                        tokio::time::sleep(reply.delay).await;
                    }
                    let _ = stream.write_all(&reply.bytes).await;
                    if reply.reset {
                        let _ = stream.flush().await;
                        // A zero linger makes the close send RST; it does not block.
                        #[allow(deprecated)]
                        let _ = stream.set_linger(Some(std::time::Duration::ZERO));
                        drop(stream);
                    } else {
                        let _ = stream.shutdown().await;
                    }
                });
            }
        });
        Ok(Self {
            base_url,
            hits,
            seen,
            task,
        })
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Seen> {
    let raw = genauth::testing::read_request(stream).await?;
    Some(Seen {
        method: raw.method,
        target: raw.target,
        headers: raw.headers,
        body: raw.body,
    })
}
