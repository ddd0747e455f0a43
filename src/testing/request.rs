//! The requests the mock receives: read off the socket as HTTP/1.1, and recorded for the test
//! as [`MockRequest`]s.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

// For the links in the docs.
#[cfg(doc)]
use super::MockApi;

/// A request as the mock received it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MockRequest {
    /// The operation's client method name (e.g. `get_otp_secret_by_user`), if the route is
    /// one of the API's.
    pub operation: Option<&'static str>,
    /// The HTTP method.
    pub method: String,
    /// The path, as sent.
    pub path: String,
    /// The query string, as sent, without `?`.
    pub query: Option<String>,
    /// Header names in lower case and their values. The `authorization` value is left out,
    /// except in raw mode ([`MockApi::start_raw`]), where every header is kept as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Whether the signature (or the bearer token) was valid. Always `false` in raw mode,
    /// which checks nothing.
    pub authenticated: bool,
}

impl MockRequest {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The first value of query parameter `name`, percent-decoded.
    pub fn query_value(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&format!("http://mock/?{}", self.query.as_deref()?)).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// An HTTP/1.1 request as read off a socket by [`read_request`].
#[derive(Clone, Debug)]
pub(super) struct Raw {
    /// The method.
    pub(super) method: String,
    /// Path and query, as sent.
    pub(super) target: String,
    /// Header names in lower case, values trimmed.
    pub(super) headers: Vec<(String, String)>,
    /// The body, `content-length` bytes of it.
    pub(super) body: Vec<u8>,
}

/// Reads one HTTP/1.1 request (head up to 1 MiB, body by `content-length` up to 64 MiB).
pub(super) async fn read_request(stream: &mut TcpStream) -> Option<Raw> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > 64 << 20 {
        return None;
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Raw {
        method,
        target,
        headers,
        body,
    })
}
