//! A stand-in for the Management API, for testing code that uses this crate without the
//! network (feature `test-util`).
//!
//! [`MockApi`] listens on `127.0.0.1`, checks every request's signature (or management token)
//! the way the API does, answers each operation with what the test set for it, and records
//! every request.
//!
//! [`MockApi::start_raw`] starts it in raw mode instead: a handler of yours sees each request
//! and answers with the exact bytes to write back ([`MockReply`]), for tests of how the client
//! copes with what a broken server or network does (slow answers, resets, truncated or
//! malformed responses).
//!
//! ```
//! use genauth::prelude::*;
//! use genauth::testing::{MockApi, MockFailure};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockApi::start().await?;
//! mock.respond_data("get_otp_secret_by_user", &serde_json::json!({"secret": "JBSWY3DPEHPK3PXP"}))?;
//! mock.fail_next("get_otp_secret_by_user", MockFailure::Http(503))?;
//!
//! let client = mock.client_builder().build()?;
//! // The 503 is retried (a read), then the canned answer arrives.
//! let otp = client.get_otp_secret_by_user().user_id("u1").send().await?.into_data()?;
//! assert_eq!(otp.secret.expose_secret(), "JBSWY3DPEHPK3PXP");
//!
//! let requests = mock.requests();
//! assert_eq!(requests.len(), 2);
//! assert!(requests.iter().all(|r| r.authenticated));
//! assert_eq!(requests[1].query.as_deref(), Some("userId=u1"));
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::operations::{self, Operation};
use crate::{Brand, Error, ManagementClient, ManagementClientBuilder, SensitiveString};

/// The access key id [`MockApi::start`] accepts.
pub const MOCK_ACCESS_KEY_ID: &str = "mock-access-key-id";
/// The access key secret [`MockApi::start`] accepts.
pub const MOCK_ACCESS_KEY_SECRET: &str = "mock-access-key-secret";
/// The management token the mock issues in token mode.
const MOCK_TOKEN: &str = "mock-management-token";

/// A failure the mock serves once, before the operation's canned answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MockFailure {
    /// An HTTP error status with an empty body.
    Http(u16),
    /// HTTP 200 with an envelope reporting failure in the body.
    Api {
        /// The envelope's `statusCode`.
        status_code: i64,
        /// The envelope's `apiCode`.
        api_code: Option<i64>,
        /// The envelope's `message`.
        message: String,
    },
    /// The connection is closed without an answer.
    Disconnect,
}

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

/// A function that makes an operation's answer from the request.
type Handler = Arc<dyn Fn(&MockRequest) -> serde_json::Value + Send + Sync>;

/// The handler of raw mode: the request and its 1-based number, to the answer.
type RawHandler = Arc<dyn Fn(&MockRequest, usize) -> MockReply + Send + Sync>;

/// What a raw-mode handler ([`MockApi::start_raw`]) answers: bytes written back exactly as
/// given, after an optional pause, then a normal close of the connection or a reset (RST).
///
/// The mock serves one request per connection, so a complete answer says
/// `connection: close`, as [`MockReply::json`] does.
#[derive(Clone, Debug)]
pub struct MockReply {
    bytes: Vec<u8>,
    delay: Duration,
    reset: bool,
}

impl MockReply {
    /// A complete HTTP/1.1 response: `status`, `content-type: application/json`, the right
    /// `content-length` and `body`.
    pub fn json(status: u16, body: &str) -> Self {
        Self::raw(format!(
            "HTTP/1.1 {status} MOCK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ))
    }

    /// Exactly these bytes (any status line, headers and body, or a fragment of them).
    pub fn raw(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: bytes.into(),
            delay: Duration::ZERO,
            reset: false,
        }
    }

    /// Waits `delay` after reading the request, before writing anything.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Resets the connection (RST, through a zero linger) right after writing the bytes,
    /// instead of closing it normally.
    pub fn then_reset(mut self) -> Self {
        self.reset = true;
        self
    }
}

/// How the mock answers.
enum Mode {
    /// As the API would: signature check, canned answers, queued failures.
    Api,
    /// Whatever the handler returns.
    Raw(RawHandler),
}

/// What an operation answers with, once set.
#[derive(Clone)]
enum Canned {
    Body(String),
    Made(Handler),
}

#[derive(Default)]
struct State {
    answers: HashMap<&'static str, Canned>,
    failures: HashMap<&'static str, VecDeque<MockFailure>>,
    requests: Vec<MockRequest>,
}

struct Inner {
    mode: Mode,
    brand: Brand,
    access_key_id: String,
    access_key_secret: SensitiveString,
    state: Mutex<State>,
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A loopback stand-in for the API; it stops when dropped. See the [module docs](self).
pub struct MockApi {
    base_url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for MockApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockApi")
            .field("base_url", &self.base_url)
            .field("brand", &self.inner.brand)
            .finish_non_exhaustive()
    }
}

impl Drop for MockApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockApi {
    /// Starts a GenAuth-brand mock accepting [`MOCK_ACCESS_KEY_ID`] and
    /// [`MOCK_ACCESS_KEY_SECRET`]. Needs a Tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Brand::GenAuth, MOCK_ACCESS_KEY_ID, MOCK_ACCESS_KEY_SECRET).await
    }

    /// Starts a mock for `brand` that accepts this access key.
    pub async fn start_with(
        brand: Brand,
        access_key_id: &str,
        access_key_secret: &str,
    ) -> std::io::Result<Self> {
        Self::launch(Mode::Api, brand, access_key_id, access_key_secret).await
    }

    /// Starts a mock in raw mode: `handler` sees each request and its number (from 1, in the
    /// order the requests were read) and returns the bytes to write back, with an optional
    /// delay and a reset instead of a normal close ([`MockReply`]). Nothing is checked;
    /// [`requests`](Self::requests) lists every request (authorization header included), so
    /// its length counts them. [`client_builder`](Self::client_builder) works as after
    /// [`start`](Self::start); answers set with [`respond`](Self::respond) and failures queued
    /// with [`fail_next`](Self::fail_next) are not used. Needs a Tokio runtime.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use genauth::prelude::*;
    /// use genauth::testing::{MockApi, MockReply};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A slow 503, a reset, then an answer.
    /// let mock = MockApi::start_raw(|_request, n| match n {
    ///     1 => MockReply::json(503, "{}").after(Duration::from_millis(50)),
    ///     2 => MockReply::raw("HTTP/1.1 200 OK\r\n").then_reset(),
    ///     _ => MockReply::json(200, r#"{"statusCode":200,"message":"ok","data":{"secret":"S"}}"#),
    /// })
    /// .await?;
    /// let client = mock.client_builder().build()?;
    /// let otp = client.get_otp_secret_by_user().user_id("u1").send().await?.into_data()?;
    /// assert_eq!(otp.secret.expose_secret(), "S");
    /// assert_eq!(mock.requests().len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_raw<F>(handler: F) -> std::io::Result<Self>
    where
        F: Fn(&MockRequest, usize) -> MockReply + Send + Sync + 'static,
    {
        Self::launch(
            Mode::Raw(Arc::new(handler)),
            Brand::GenAuth,
            MOCK_ACCESS_KEY_ID,
            MOCK_ACCESS_KEY_SECRET,
        )
        .await
    }

    async fn launch(
        mode: Mode,
        brand: Brand,
        access_key_id: &str,
        access_key_secret: &str,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let inner = Arc::new(Inner {
            mode,
            brand,
            access_key_id: access_key_id.to_string(),
            access_key_secret: SensitiveString::from(access_key_secret.to_string()),
            state: Mutex::default(),
        });
        let serving = inner.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inner = serving.clone();
                tokio::spawn(async move { serve(stream, &inner).await });
            }
        });
        Ok(Self {
            base_url,
            inner,
            task,
        })
    }

    /// The mock's address, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A client builder pointed at the mock, with its brand and access key. Add settings
    /// (auth mode, retry policy, ...) before `build()`.
    pub fn client_builder(&self) -> ManagementClientBuilder {
        ManagementClient::builder()
            .brand(self.inner.brand)
            .access_key_id(&self.inner.access_key_id)
            .access_key_secret(self.inner.access_key_secret.clone())
            .host(&self.base_url)
    }

    /// Answers every call of `operation` (a client method name such as `list_users`) with
    /// `body`, serialised as the whole response body (typically the operation's typed
    /// response, e.g. `types::UserSingleRespDto`).
    pub fn respond<T: serde::Serialize>(&self, operation: &str, body: &T) -> Result<(), Error> {
        let op = known(operation)?;
        let text = serde_json::to_string(body)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialise the answer: {e}")))?;
        self.inner
            .state()
            .answers
            .insert(op.method, Canned::Body(text));
        Ok(())
    }

    /// Answers every call of `operation` with the body `make` returns for the request, e.g. a
    /// page of a list that depends on the request's `page`. `make` runs on the mock's task,
    /// after the signature check and any queued [`fail_next`](Self::fail_next) failure.
    ///
    /// ```
    /// # use genauth::testing::MockApi;
    /// # async fn run(mock: MockApi) -> Result<(), genauth::Error> {
    /// mock.respond_with("list_groups", |request| {
    ///     let page = request.query_value("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
    ///     serde_json::json!({"statusCode": 200, "message": "ok",
    ///         "data": {"totalCount": 0, "list": [], "page": page}})
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn respond_with<F>(&self, operation: &str, make: F) -> Result<(), Error>
    where
        F: Fn(&MockRequest) -> serde_json::Value + Send + Sync + 'static,
    {
        let op = known(operation)?;
        self.inner
            .state()
            .answers
            .insert(op.method, Canned::Made(Arc::new(make)));
        Ok(())
    }

    /// Answers every call of `operation` with a success envelope whose `data` is `data`.
    pub fn respond_data<T: serde::Serialize>(
        &self,
        operation: &str,
        data: &T,
    ) -> Result<(), Error> {
        let data = serde_json::to_value(data)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialise the answer: {e}")))?;
        self.respond(
            operation,
            &serde_json::json!({
                "statusCode": 200,
                "message": "ok",
                "requestId": "mock-request",
                "data": data,
            }),
        )
    }

    /// Serves `failure` to the next call of `operation`, before its canned answer. Several
    /// failures queue up in order.
    pub fn fail_next(&self, operation: &str, failure: MockFailure) -> Result<(), Error> {
        let op = known(operation)?;
        self.inner
            .state()
            .failures
            .entry(op.method)
            .or_default()
            .push_back(failure);
        Ok(())
    }

    /// Every API request received so far, in order (management-token fetches are not listed).
    /// In raw mode, every request.
    pub fn requests(&self) -> Vec<MockRequest> {
        self.inner.state().requests.clone()
    }
}

fn known(operation: &str) -> Result<&'static Operation, Error> {
    operations::by_method(operation).ok_or_else(|| {
        Error::InvalidRequest(format!("`{operation}` is not an operation of this client"))
    })
}

/// What the mock writes back.
enum Answer {
    Json(u16, String),
    Disconnect,
    Raw(MockReply),
}

fn envelope(http: u16, status_code: i64, message: &str) -> Answer {
    Answer::Json(
        http,
        serde_json::json!({"statusCode": status_code, "message": message, "requestId": "mock-request"})
            .to_string(),
    )
}

async fn serve(mut stream: TcpStream, inner: &Inner) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let answer = match &inner.mode {
        Mode::Api => answer(inner, request),
        Mode::Raw(handler) => raw_answer(inner, handler, request),
    };
    let reply = match answer {
        Answer::Json(status, body) => MockReply::json(status, &body),
        Answer::Raw(reply) => reply,
        Answer::Disconnect => return,
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let _ = stream.write_all(&reply.bytes).await;
    if reply.reset {
        let _ = stream.flush().await;
        // A zero linger makes the close send RST; it does not block.
        #[allow(deprecated)]
        let _ = stream.set_linger(Some(Duration::ZERO));
        drop(stream);
    } else {
        let _ = stream.shutdown().await;
    }
}

/// An HTTP/1.1 request as read off a socket by [`read_request`].
#[derive(Clone, Debug)]
struct Raw {
    /// The method.
    method: String,
    /// Path and query, as sent.
    target: String,
    /// Header names in lower case, values trimmed.
    headers: Vec<(String, String)>,
    /// The body, `content-length` bytes of it.
    body: Vec<u8>,
}

/// Raw mode: records the request, every header kept, and asks the handler.
fn raw_answer(inner: &Inner, handler: &RawHandler, raw: Raw) -> Answer {
    let (path, query) = match raw.target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (raw.target.clone(), None),
    };
    let request = MockRequest {
        operation: operations::by_route(&raw.method, &path).map(|op| op.method),
        method: raw.method,
        path,
        query,
        headers: raw.headers,
        body: raw.body,
        authenticated: false,
    };
    let n = {
        let mut state = inner.state();
        state.requests.push(request.clone());
        state.requests.len()
    };
    // The lock is released before user code runs.
    Answer::Raw(handler(&request, n))
}

fn answer(inner: &Inner, raw: Raw) -> Answer {
    let (path, query) = match raw.target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (raw.target.clone(), None),
    };
    let authorization = raw
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone());
    if raw.method == "POST" && path == "/api/v3/get-management-token" {
        let body: serde_json::Value = serde_json::from_slice(&raw.body).unwrap_or_default();
        let good = body["accessKeyId"] == inner.access_key_id.as_str()
            && body["accessKeySecret"] == inner.access_key_secret.expose_secret();
        return if good {
            Answer::Json(
                200,
                serde_json::json!({"statusCode": 200, "message": "ok",
                    "data": {"access_token": MOCK_TOKEN, "expires_in": 7200}})
                .to_string(),
            )
        } else {
            envelope(200, 401, "MockApi: wrong access key")
        };
    }
    let authenticated = match authorization.as_deref() {
        Some(value) if value.starts_with("Bearer ") => value == format!("Bearer {MOCK_TOKEN}"),
        Some(value) => signature_matches(inner, &raw, &path, query.as_deref(), value),
        None => false,
    };
    let operation = operations::by_route(&raw.method, &path).map(|op| op.method);
    let mut state = inner.state();
    state.requests.push(MockRequest {
        operation,
        method: raw.method,
        path,
        query,
        headers: raw
            .headers
            .into_iter()
            .filter(|(k, _)| k != "authorization")
            .collect(),
        body: raw.body,
        authenticated,
    });
    if !authenticated {
        return envelope(401, 401, "MockApi: the signature or token is not valid");
    }
    let Some(operation) = operation else {
        return envelope(404, 404, "MockApi: not a route of the API");
    };
    if let Some(failure) = state
        .failures
        .get_mut(operation)
        .and_then(VecDeque::pop_front)
    {
        return match failure {
            MockFailure::Http(status) => Answer::Json(status, String::new()),
            MockFailure::Api {
                status_code,
                api_code,
                message,
            } => Answer::Json(
                200,
                serde_json::json!({"statusCode": status_code, "apiCode": api_code,
                    "message": message, "requestId": "mock-request"})
                .to_string(),
            ),
            MockFailure::Disconnect => Answer::Disconnect,
        };
    }
    match state.answers.get(operation).cloned() {
        Some(Canned::Body(body)) => Answer::Json(200, body),
        Some(Canned::Made(make)) => {
            let request = state.requests.last().cloned().expect("pushed above");
            // The lock is released before user code runs.
            drop(state);
            Answer::Json(200, make(&request).to_string())
        }
        None => envelope(
            404,
            404,
            &format!("MockApi: no answer set for `{operation}` (call respond or respond_data)"),
        ),
    }
}

/// Recomputes the signature of a request as the API does.
fn signature_matches(
    inner: &Inner,
    raw: &Raw,
    path: &str,
    query: Option<&str>,
    authorization: &str,
) -> bool {
    let mut headers = http::HeaderMap::new();
    for (k, v) in &raw.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::try_from(k.as_str()),
            http::HeaderValue::from_str(v),
        ) {
            headers.append(name, value);
        }
    }
    let body = (!raw.body.is_empty()).then_some(raw.body.as_slice());
    crate::signing::string_to_sign(inner.brand, &raw.method, path, &headers, query, body)
        .map(|sts| {
            crate::signing::authorization(
                inner.brand,
                &inner.access_key_id,
                inner.access_key_secret.expose_secret(),
                &sts,
            ) == authorization
        })
        .unwrap_or(false)
}

/// Reads one HTTP/1.1 request (head up to 1 MiB, body by `content-length` up to 64 MiB).
async fn read_request(stream: &mut TcpStream) -> Option<Raw> {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::MockApi;
    use crate::{ManagementClient, RetryPolicy};

    /// A mock and a client of it that makes one attempt per call.
    pub(crate) async fn mock_client() -> (MockApi, ManagementClient) {
        let mock = MockApi::start().await.unwrap();
        let client = mock
            .client_builder()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        (mock, client)
    }
}
