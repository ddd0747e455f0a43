//! The serving side of the mock: the state it shares with [`MockApi`](super::MockApi) (canned
//! answers, queued failures, recorded requests) and the answer to each connection, with the
//! signature checked as the API checks it, or from the handler in raw mode.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::request::{Raw, read_request};
use super::{MOCK_TOKEN, MockFailure, MockReply, MockRequest};
use crate::operations;
use crate::{Brand, SensitiveString};

/// A function that makes an operation's answer from the request.
type Handler = Arc<dyn Fn(&MockRequest) -> serde_json::Value + Send + Sync>;

/// The handler of raw mode: the request and its 1-based number, to the answer.
type RawHandler = Arc<dyn Fn(&MockRequest, usize) -> MockReply + Send + Sync>;

/// How the mock answers.
pub(super) enum Mode {
    /// As the API would: signature check, canned answers, queued failures.
    Api,
    /// Whatever the handler returns.
    Raw(RawHandler),
}

/// What an operation answers with, once set.
#[derive(Clone)]
pub(super) enum Canned {
    Body(String),
    Made(Handler),
}

#[derive(Default)]
pub(super) struct State {
    pub(super) answers: HashMap<&'static str, Canned>,
    pub(super) failures: HashMap<&'static str, VecDeque<MockFailure>>,
    pub(super) requests: Vec<MockRequest>,
}

pub(super) struct Inner {
    pub(super) mode: Mode,
    pub(super) brand: Brand,
    pub(super) access_key_id: String,
    pub(super) access_key_secret: SensitiveString,
    pub(super) state: Mutex<State>,
}

impl Inner {
    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the mock writes back.
enum Scripted {
    Json(u16, String),
    Disconnect,
    Raw(MockReply),
}

fn envelope(http: u16, status_code: i64, message: &str) -> Scripted {
    Scripted::Json(
        http,
        serde_json::json!({"statusCode": status_code, "message": message, "requestId": "mock-request"})
            .to_string(),
    )
}

pub(super) async fn serve(mut stream: TcpStream, inner: &Inner) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let answer = match &inner.mode {
        Mode::Api => answer(inner, request),
        Mode::Raw(handler) => raw_answer(inner, handler, request),
    };
    let reply = match answer {
        Scripted::Json(status, body) => MockReply::json(status, &body),
        Scripted::Raw(reply) => reply,
        Scripted::Disconnect => return,
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

/// Raw mode: records the request, every header kept, and asks the handler.
fn raw_answer(inner: &Inner, handler: &RawHandler, raw: Raw) -> Scripted {
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
    Scripted::Raw(handler(&request, n))
}

fn answer(inner: &Inner, raw: Raw) -> Scripted {
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
            Scripted::Json(
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
            MockFailure::Http(status) => Scripted::Json(status, String::new()),
            MockFailure::Api {
                status_code,
                api_code,
                message,
            } => Scripted::Json(
                200,
                serde_json::json!({"statusCode": status_code, "apiCode": api_code,
                    "message": message, "requestId": "mock-request"})
                .to_string(),
            ),
            MockFailure::Disconnect => Scripted::Disconnect,
        };
    }
    match state.answers.get(operation).cloned() {
        Some(Canned::Body(body)) => Scripted::Json(200, body),
        Some(Canned::Made(make)) => {
            let request = state.requests.last().cloned().expect("pushed above");
            // The lock is released before user code runs.
            drop(state);
            Scripted::Json(200, make(&request).to_string())
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
