//! The client's state ([`ClientState`]: what every clone shares and each view's options) and
//! the send path. A generated `send` builds its request ([`ClientState::new_call`], through
//! `endpoint`) and ends in [`ClientState::respond`], which runs the call's attempts and then
//! judges and decodes the answer. Each attempt is authenticated afresh (`auth`), exchanged
//! (`exchange`) and classified once ([`Outcome::of`]); [`RetryPolicy::decide`](crate::RetryPolicy)
//! makes the decision and the loop only carries it out. Every failure leaves here as an
//! [`Error`], with the query removed from anything a transport error prints.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use crate::auth::{Attempt, Authenticator, Clock};
use crate::config::Credentials;
use crate::endpoint::{Endpoint, Query};
use crate::envelope::Reply;
use crate::exchange::{Exchanged, exchange};
use crate::operations::Operation;
use crate::retry::{Decision, Outcome, Progress};
use crate::{Brand, Error, RetryPolicy};

/// What the generated client carries besides its connection pool: the state every clone
/// shares and this view's call options. An implementation detail: it is public only because
/// the generated code names it.
#[derive(Clone)]
pub struct ClientState {
    pub(crate) shared: Arc<Shared>,
    pub(crate) call: CallOptions,
}

/// What a client view may change per call without touching the shared state.
#[derive(Clone, Debug)]
pub(crate) struct CallOptions {
    pub(crate) retry: RetryPolicy,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
    /// Headers this view sends in place of the fixed ones of the same name (its tenant, its
    /// language); `None` for the client's own.
    pub(crate) headers: Option<Arc<http::HeaderMap>>,
}

impl CallOptions {
    /// This view's `name` header set to `value`.
    pub(crate) fn set_header(&mut self, name: http::HeaderName, value: http::HeaderValue) {
        let mut headers = self.headers.as_deref().cloned().unwrap_or_default();
        headers.insert(name, value);
        self.headers = Some(Arc::new(headers));
    }
}

/// The settings and caches every clone of a client shares: everything a step of the send
/// path reads, in one place.
pub(crate) struct Shared {
    pub(crate) brand: Brand,
    /// The access key (its secret redacted in `Debug`).
    pub(crate) credentials: Credentials,
    /// The connection pool.
    pub(crate) http: reqwest::Client,
    /// Where requests go and what each carries.
    pub(crate) endpoint: Arc<Endpoint>,
    /// How each attempt is authenticated.
    pub(crate) auth: Authenticator,
    /// The time: for `date` headers and `retry-after` dates.
    pub(crate) clock: Clock,
    /// The client's rate, when one is set.
    pub(crate) pacer: Option<crate::pacing::Pacer>,
    /// Where and how event subscriptions connect.
    #[cfg(feature = "events")]
    pub(crate) events: crate::events::EventsConfig,
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("ClientState")
            .field("brand", &s.brand)
            .field("host", &s.endpoint.host())
            .field("auth_mode", &s.auth.mode())
            .field("credentials", &s.credentials)
            .field("retry", &self.call.retry)
            .field("attempt_timeout", &self.call.attempt_timeout)
            .field("total_timeout", &self.call.total_timeout)
            .finish_non_exhaustive()
    }
}

/// What the send loop needs to know of the call: its name for the span, whether repeating it
/// is safe, and whether a success may be read from the body's prefix alone (`quick_head`:
/// only when the answer's decoder rejects a second `statusCode`). build.rs writes one for
/// every operation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call {
    name: &'static str,
    read_only: bool,
    quick_head: bool,
}

impl Call {
    /// A call to a path the operation table does not know: it counts as a read only when
    /// `read_only` (`GET` and `HEAD`), and its head is read whole.
    pub(crate) const fn unlisted(read_only: bool) -> Self {
        Self {
            name: "request",
            read_only,
            quick_head: false,
        }
    }

    /// The operation's name, as spans and tests show it.
    #[cfg(test)]
    pub(crate) const fn name(&self) -> &'static str {
        self.name
    }

    /// A generated operation's call, its answer decoded into a generated type with a
    /// `statusCode` field, which rejects a second one.
    pub(crate) const fn typed(op: &'static Operation) -> Self {
        Self {
            name: op.method,
            read_only: op.read_only,
            quick_head: true,
        }
    }

    /// A call to `op` whose answer is decoded by something that would let a second
    /// `statusCode` through, so the head is read whole: a generated operation whose answer
    /// type has no `statusCode` field, or `request()` to a path of the table.
    pub(crate) const fn typed_without_status(op: &'static Operation) -> Self {
        Self {
            quick_head: false,
            ..Self::typed(op)
        }
    }
}

/// One operation as its generated `send` ends (build.rs's table for the unit tests): its
/// call, a path to it, and the end of its `respond`: [`Reply::into_response`] into its
/// answer type.
#[cfg(test)]
pub(crate) struct AnsweredOperation {
    pub(crate) call: Call,
    pub(crate) method: reqwest::Method,
    pub(crate) path: &'static str,
    pub(crate) decode: fn(Reply) -> Result<(), Error>,
}

/// What another attempt of a call is made from.
struct Template {
    request: reqwest::Request,
    /// The request's headers were exactly the client's fixed headers, so the copy left them
    /// out and [`Endpoint::prepare`] puts them back.
    fixed_headers_only: bool,
}

impl Template {
    /// A template for `request` (prepared, not yet authenticated), `None` when its body
    /// cannot be copied.
    fn of(request: &reqwest::Request, endpoint: &Endpoint) -> Option<Self> {
        let fixed_headers_only = endpoint.only_fixed(request.headers());
        Some(Template {
            request: copy_request(request, !fixed_headers_only)?,
            fixed_headers_only,
        })
    }

    /// The request for the next attempt.
    fn next(&self, endpoint: &Endpoint) -> Option<reqwest::Request> {
        let mut request = copy_request(&self.request, true)?;
        if self.fixed_headers_only {
            endpoint.prepare(&mut request);
        }
        Some(request)
    }
}

/// A copy of a request; `None` when its body cannot be copied. A request without a body is
/// copied field by field, its headers only if `headers`, which also spares what
/// `reqwest::Request::try_clone` spends on an extension map it then drops. (Requests reach
/// the send loop without extensions: the attempt timeout is set on each attempt's own
/// request.) A request with a body is copied whole.
fn copy_request(request: &reqwest::Request, headers: bool) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.version_mut() = request.version();
    if headers {
        *copy.headers_mut() = request.headers().clone();
    }
    Some(copy)
}

/// Whether a failure without a response can go away on another attempt. Every transport
/// failure qualifies (connect, timeout, reset, truncated body); only client-side mistakes do
/// not.
fn transient(e: &reqwest::Error) -> bool {
    !(e.is_builder() || e.is_redirect() || e.is_status())
}

impl ClientState {
    /// A request to `path` on the client's host, carrying the fixed headers (see
    /// [`Endpoint::new_request`]).
    pub(crate) fn new_request(&self, method: reqwest::Method, path: &str) -> reqwest::Request {
        self.with_view_headers(self.shared.endpoint.new_request(method, path))
    }

    /// `request` with this view's headers in place of the fixed ones of the same name.
    fn with_view_headers(&self, mut request: reqwest::Request) -> reqwest::Request {
        if let Some(view) = &self.call.headers {
            for (name, value) in view.iter() {
                request.headers_mut().insert(name, value.clone());
            }
        }
        request
    }

    /// A generated operation's request: [`new_request`](Self::new_request) with the
    /// operation's query in its URL. build.rs puts this call (or
    /// [`new_json_call`](Self::new_json_call)) in every operation, in place of a
    /// `reqwest::RequestBuilder` chain.
    pub(crate) fn new_call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &Query,
    ) -> reqwest::Request {
        self.with_view_headers(self.shared.endpoint.new_query_request(method, path, query))
    }

    /// [`new_call`](Self::new_call) with `body` as its JSON body, as `RequestBuilder::json`
    /// sends it. A body that cannot be written as JSON is `Error::InvalidRequest`.
    pub(crate) fn new_json_call<B: serde::Serialize + ?Sized>(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &Query,
        body: &B,
    ) -> Result<reqwest::Request, Error> {
        let json = serde_json::to_vec(body).map_err(|e| {
            Error::InvalidRequest(format!("cannot build the request: the body: {e}"))
        })?;
        let mut request = self.new_call(method, path, query);
        *request.body_mut() = Some(json.into());
        Ok(request)
    }

    /// A generated operation's call, decoded: what build.rs puts at the end of every
    /// operation's `send`. [`send`](Self::send) (which signs from `query`, already in the
    /// URL), then [`Reply::into_response`]: the success rule and decoding from the bytes read.
    pub(crate) async fn respond<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::Request,
        query: Query,
        call: Call,
    ) -> Result<progenitor_client::ResponseValue<T>, Error> {
        self.send(request, Some(&query), call)
            .await?
            .into_response()
    }

    /// Runs every attempt of one call inside the request's span: the last answer, for the
    /// caller to judge, or the call's error. `query` is the generated operation's query pairs;
    /// without them (a request to any path) the signature reads the URL's query.
    ///
    /// The one place that names the operation ([`Error::operation`]): on the error the call
    /// returns, and on the answer, so that every error judging or decoding it later makes
    /// names it too.
    pub(crate) async fn send(
        &self,
        request: reqwest::Request,
        query: Option<&Query>,
        call: Call,
    ) -> Result<Reply, Error> {
        // OpenTelemetry's names for an HTTP client's span, and ours for the API's own.
        let span = tracing::info_span!(
            "genauth.request",
            "genauth.operation" = call.name,
            "http.request.method" = %request.method(),
            "server.address" = request.url().host_str().unwrap_or_default(),
            "url.path" = request.url().path(),
            "http.response.status_code" = tracing::field::Empty,
            "genauth.status_code" = tracing::field::Empty,
            "genauth.api_code" = tracing::field::Empty,
            "genauth.request_id" = tracing::field::Empty,
            "genauth.attempts" = tracing::field::Empty,
            "genauth.duration_ms" = tracing::field::Empty,
        );
        let mut attempts = 0;
        // The quick head skips the request id, which only the span wants.
        let quick = call.quick_head && span.is_disabled();
        let calls = self.attempts(request, query, call, quick, &mut attempts);
        let outcome = if span.is_disabled() {
            calls.await
        } else {
            let started = Instant::now();
            let outcome = calls.instrument(span.clone()).await;
            span.record("genauth.attempts", attempts);
            span.record("genauth.duration_ms", started.elapsed().as_millis() as u64);
            outcome
        };
        // The operation's name on the outcome: on the error, or on the answer for the errors
        // judging and decoding it may give.
        match outcome {
            Ok(mut reply) => {
                reply.operation = Some(call.name);
                Ok(reply)
            }
            Err(e) => Err(e.in_operation(call.name)),
        }
    }

    /// The loop: per attempt, authenticate, exchange, classify, decide. `attempts` counts the
    /// requests sent. A failure that ends the call at once (deadline reached, body too large)
    /// returns from the middle; every other attempt's result is returned or retried as the
    /// policy decides.
    async fn attempts(
        &self,
        mut request: reqwest::Request,
        query: Option<&Query>,
        call: Call,
        quick: bool,
        attempts: &mut u32,
    ) -> Result<Reply, Error> {
        let s = &*self.shared;
        let options = &self.call;
        // A total timeout too large for the clock means no deadline.
        let deadline = Instant::now().checked_add(options.total_timeout);
        let remaining = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let token_mode = matches!(s.auth, Authenticator::Token(_));
        // A copy for further attempts, when the policy allows any for this call (a write is
        // repeated only when the caller opted in) or a refused token may need a second one.
        // (A body that cannot be copied, none of ours, simply gets no second attempt.)
        let template = if options.retry.attempts_for(call.read_only) > 1 || token_mode {
            Template::of(&request, &s.endpoint)
        } else {
            None
        };
        let mut seen_failure = None;
        let mut progress = Progress {
            failures: 0,
            read: call.read_only,
            token: token_mode,
            reauthenticated: false,
            remaining: None,
        };
        loop {
            // The client's rate: this attempt's turn, before it is signed.
            if let Some(pacer) = &s.pacer {
                match pacer.take(remaining()) {
                    Some(wait) if !wait.is_zero() => tokio::time::sleep(wait).await,
                    Some(_) => {}
                    None => {
                        return Err(Error::timeout(format!(
                            "the call's turn at the client's rate of {} requests a second comes after its total timeout of {:?}",
                            pacer.per_second(),
                            options.total_timeout
                        )));
                    }
                }
            }
            let authenticated = s.auth.authenticate(
                &mut request,
                query,
                Attempt {
                    http: &s.http,
                    endpoint: &s.endpoint,
                    clock: &s.clock,
                    deadline,
                    seen_failure: &mut seen_failure,
                },
            );
            let (outcome, result, used_token) = match authenticated.await {
                Err(e) => (
                    Outcome::Unauthenticated {
                        retryable: e.is_retryable(),
                    },
                    Err(e),
                    None,
                ),
                Ok(used_token) => {
                    let (outcome, result) =
                        self.exchange(request, quick, remaining(), attempts).await?;
                    (outcome, result, used_token)
                }
            };
            progress.remaining = remaining();
            let decision = options.retry.decide(
                outcome,
                Progress {
                    failures: progress.failures + 1,
                    ..progress
                },
                rand::random::<f64>,
            );
            let next = match decision {
                Decision::Return => None,
                _ => template.as_ref().and_then(|t| t.next(&s.endpoint)),
            };
            let Some(next) = next else {
                return result.and_then(Reply::judge);
            };
            match decision {
                Decision::Reauthenticate => {
                    progress.reauthenticated = true;
                    if let Some(used) = &used_token {
                        s.auth.forget(used);
                    }
                    tracing::debug!(attempt = *attempts, "token refused; refreshing it");
                }
                Decision::Retry(delay) => {
                    progress.failures += 1;
                    tracing::debug!(
                        attempt = *attempts,
                        ?outcome,
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Decision::Return => {}
            }
            request = next;
        }
    }

    /// Sends one authenticated attempt within the attempt timeout and what is left of the
    /// total, and classifies what came back. `Err` ends the call at once (deadline reached,
    /// body too large).
    async fn exchange(
        &self,
        mut request: reqwest::Request,
        quick: bool,
        remaining: Option<Duration>,
        attempts: &mut u32,
    ) -> Result<(Outcome, Result<Reply, Error>), Error> {
        let s = &*self.shared;
        let options = &self.call;
        let cut_by_deadline = remaining.is_some_and(|left| left < options.attempt_timeout);
        let timeout = remaining.map_or(options.attempt_timeout, |left| {
            left.min(options.attempt_timeout)
        });
        // The HTTP client's own timeout covers the usual case without a per-request setting
        // (which reqwest keeps in an allocated extension map).
        if timeout != s.endpoint.http_timeout() {
            *request.timeout_mut() = Some(timeout);
        }
        *attempts += 1;
        match exchange(&s.http, request, s.endpoint.max_response_bytes(), quick).await? {
            Exchanged::Failed(e) if e.is_timeout() && cut_by_deadline => {
                Err(Error::timeout(format!(
                    "the call did not finish within its total timeout of {:?} ({} attempt(s))",
                    options.total_timeout, attempts
                )))
            }
            Exchanged::Failed(e) => {
                tracing::debug!(attempt = *attempts, error = %e, "attempt failed");
                let outcome = Outcome::Failed {
                    transient: transient(&e),
                };
                Ok((outcome, Err(Error::transport(e))))
            }
            Exchanged::Answered(reply) => {
                tracing::debug!(
                    attempt = *attempts,
                    "http.response.status_code" = reply.status.as_u16(),
                    "genauth.status_code" = reply.head().and_then(|h| h.status_code),
                    "attempt answered"
                );
                record_answer(&reply);
                Ok((Outcome::of(&reply, || (s.clock)()), Ok(reply)))
            }
        }
    }
}

/// Puts the status and the request id (header, else envelope) of an answer on the current
/// span.
fn record_answer(reply: &Reply) {
    let span = tracing::Span::current();
    if span.is_disabled() {
        return;
    }
    span.record("http.response.status_code", reply.status.as_u16());
    if let Some(head) = reply.head() {
        if let Some(code) = head.status_code {
            span.record("genauth.status_code", code);
        }
        if let Some(code) = head.api_code {
            span.record("genauth.api_code", code);
        }
    }
    if let Some(id) = reply.request_id() {
        span.record("genauth.request_id", id);
    }
}

#[cfg(test)]
mod tests {
    //! The send path on the wire, against a loopback server: one call's attempts as the
    //! policy decides them, the token refresh, the deadline, the size limit, and the end of a
    //! generated `send` (judge, then decode).

    use std::time::Duration;

    use httpmock::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::AuthMode;
    use crate::operations::op;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Decoded {
        #[serde(rename = "statusCode")]
        status_code: i64,
        data: i64,
    }

    /// A builder for a client of `server`.
    fn builder(server: &MockServer) -> crate::ManagementClientBuilder {
        crate::ManagementClient::builder()
            .access_key_id("AK")
            .access_key_secret("SK")
            .host(server.base_url())
            .allow_insecure_http(true)
    }

    fn client(server: &MockServer, retry: RetryPolicy) -> crate::ManagementClient {
        builder(server)
            .retry_policy(retry.backoff(Duration::ZERO, Duration::ZERO))
            .build()
            .unwrap()
    }

    /// The state of `client`, and a GET of `path` built as a generated `send` builds it.
    fn get(client: &crate::ManagementClient, path: &str) -> (ClientState, reqwest::Request) {
        let state = client.inner.clone();
        let request = state.new_call(reqwest::Method::GET, path, &Query::default());
        (state, request)
    }

    /// A generated `get_user` call from `respond` on, on `client`.
    async fn get_user(
        client: &crate::ManagementClient,
    ) -> Result<progenitor_client::ResponseValue<Decoded>, Error> {
        let (state, request) = get(client, "/api/v3/get-user");
        state
            .respond::<Decoded>(request, Query::default(), Call::typed(&op::GET_USER))
            .await
    }

    #[tokio::test]
    async fn a_read_is_retried_on_an_in_body_503_and_decoded() {
        let server = MockServer::start_async().await;
        let busy = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/v3/get-user")
                    .header("x-try", "1");
                then.status(200)
                    .json_body(json!({"statusCode": 503, "message": "busy"}));
            })
            .await;
        let client = client(&server, RetryPolicy::default());
        let (state, mut request) = get(&client, "/api/v3/get-user");
        request
            .headers_mut()
            .insert("x-try", http::HeaderValue::from_static("1"));
        // The first attempt's header is the template's: a second attempt carries it too, so
        // the busy answer repeats until the attempts run out.
        let err = state
            .respond::<Decoded>(request, Query::default(), Call::typed(&op::GET_USER))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Api {
                    status_code: 503,
                    http_status: 200,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(busy.calls_async().await, 3);

        let ok = server
            .mock_async(|when, then| {
                when.method(GET).path("/api/v3/get-user");
                then.status(200)
                    .header("x-request-id", "r-1")
                    .json_body(json!({"statusCode": 200, "message": "", "data": 7}));
            })
            .await;
        let value = get_user(&client).await.unwrap();
        assert_eq!(value.status(), 200);
        assert_eq!(value.headers()["x-request-id"], "r-1");
        assert_eq!(
            value.into_inner(),
            Decoded {
                status_code: 200,
                data: 7
            }
        );
        assert_eq!(ok.calls_async().await, 1);
    }

    #[tokio::test]
    async fn a_write_is_sent_once_unless_writes_are_retried() {
        let server = MockServer::start_async().await;
        for (retry, sent) in [
            (RetryPolicy::default(), 1),
            (RetryPolicy::default().retry_writes(true), 3),
        ] {
            let busy = server
                .mock_async(|when, then| {
                    when.method(POST).path("/api/v3/create-user");
                    then.status(503).body("busy");
                })
                .await;
            let client = client(&server, retry);
            let state = client.inner.clone();
            let request = state
                .new_json_call(
                    reqwest::Method::POST,
                    "/api/v3/create-user",
                    &Query::default(),
                    &json!({"email": "a@b.c"}),
                )
                .unwrap();
            let err = state
                .respond::<Decoded>(request, Query::default(), Call::typed(&op::CREATE_USER))
                .await
                .unwrap_err();
            assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
            assert_eq!(busy.calls_async().await, sent);
            busy.delete_async().await;
        }
    }

    #[tokio::test]
    async fn a_refused_token_is_fetched_again_once() {
        let server = MockServer::start_async().await;
        let tokens = server
            .mock_async(|when, then| {
                when.method(POST).path("/api/v3/get-management-token");
                then.status(200).json_body(json!({
                    "statusCode": 200,
                    "data": {"access_token": "t0k", "expires_in": 7200}
                }));
            })
            .await;
        let refused = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/v3/get-user")
                    .header("authorization", "Bearer t0k");
                then.status(200)
                    .json_body(json!({"statusCode": 401, "message": "expired"}));
            })
            .await;
        let client = builder(&server)
            .auth_mode(AuthMode::ManagementToken)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let err = get_user(&client).await.unwrap_err();
        // The second refusal is the call's answer: one refresh per call, never a loop.
        assert!(
            matches!(
                err,
                Error::Api {
                    status_code: 401,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(refused.calls_async().await, 2);
        assert_eq!(tokens.calls_async().await, 2);
    }

    #[tokio::test]
    async fn the_total_timeout_ends_a_call_whose_server_hangs() {
        let server = MockServer::start_async().await;
        let slow = server
            .mock_async(|when, then| {
                when.method(GET).path("/api/v3/get-user");
                then.status(200)
                    .delay(Duration::from_secs(5))
                    .json_body(json!({"statusCode": 200, "data": 1}));
            })
            .await;
        let client = builder(&server)
            .attempt_timeout(Duration::from_secs(2))
            .total_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let (state, request) = get(&client, "/api/v3/get-user");
        let started = Instant::now();
        let err = state
            .respond::<Decoded>(request, Query::default(), Call::typed(&op::GET_USER))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Timeout { ref message, operation: Some("get_user") } if message.contains("total timeout")),
            "{err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(slow.calls_async().await, 1);
    }

    #[tokio::test]
    async fn an_answer_over_the_limit_ends_the_call_unretried() {
        let server = MockServer::start_async().await;
        let big = server
            .mock_async(|when, then| {
                when.method(GET).path("/api/v3/get-user");
                then.status(503).body("x".repeat(4096));
            })
            .await;
        let client = builder(&server)
            .max_response_bytes(1024)
            .retry_policy(RetryPolicy::default().backoff(Duration::ZERO, Duration::ZERO))
            .build()
            .unwrap();
        let (state, request) = get(&client, "/api/v3/get-user");
        let err = state
            .send(request, None, Call::typed(&op::GET_USER))
            .await
            .err()
            .unwrap();
        assert!(
            matches!(err, Error::Decode { status: 503, ref message, .. } if message.contains("1024 bytes")),
            "{err:?}"
        );
        assert_eq!(big.calls_async().await, 1);
    }

    #[tokio::test]
    async fn each_attempt_is_signed_afresh_with_the_fixed_headers() {
        let server = MockServer::start_async().await;
        let busy = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/v3/get-user")
                    .query_param("userId", "u 1")
                    .header("accept", "application/json")
                    .header_exists("x-authing-signature-nonce")
                    .header_exists("authorization");
                then.status(502).body("bad gateway");
            })
            .await;
        let nonces = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = nonces.clone();
        let client = builder(&server)
            .brand(crate::Brand::Authing)
            .nonce_source(std::sync::Arc::new(move || {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                format!("nonce{n}")
            }))
            .retry_policy(RetryPolicy::default().backoff(Duration::ZERO, Duration::ZERO))
            .build()
            .unwrap();
        let mut query = Query::default();
        query.push("userId", "u 1").unwrap();
        let state = client.inner.clone();
        let request = state.new_call(reqwest::Method::GET, "/api/v3/get-user", &query);
        let err = state
            .respond::<Decoded>(request, query, Call::typed(&op::GET_USER))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Http { status: 502, .. }), "{err:?}");
        assert_eq!(busy.calls_async().await, 3);
        // One nonce, so one signature, per attempt.
        assert_eq!(nonces.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn every_attempt_of_every_view_takes_a_turn_of_the_one_rate() {
        let server = MockServer::start_async().await;
        let busy = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/v3/get-user")
                    .header("x-genauth-app-id", "t-1");
                then.status(503).body("busy");
            })
            .await;
        let ok = server
            .mock_async(|when, then| {
                when.method(GET).path("/api/v3/get-user");
                then.status(200)
                    .json_body(json!({"statusCode": 200, "message": "", "data": 1}));
            })
            .await;
        let client = builder(&server)
            .max_requests_per_second(1000.0)
            .build()
            .unwrap();
        let view = client
            .with_tenant("t-1")
            .unwrap()
            .with_retry_policy(RetryPolicy::default().backoff(Duration::ZERO, Duration::ZERO));
        let err = get_user(&view).await.unwrap_err();
        assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
        get_user(&client).await.unwrap();
        assert_eq!(busy.calls_async().await, 3);
        assert_eq!(ok.calls_async().await, 1);
        let pacer = client.inner.shared.pacer.as_ref().unwrap();
        assert_eq!(pacer.taken(), 4);
    }

    #[tokio::test]
    async fn a_turn_after_the_total_timeout_fails_the_call_unsent() {
        let server = MockServer::start_async().await;
        let ok = server
            .mock_async(|when, then| {
                when.method(GET).path("/api/v3/get-user");
                then.status(200)
                    .json_body(json!({"statusCode": 200, "message": "", "data": 1}));
            })
            .await;
        // One request every two seconds, and calls that may last one.
        let client = builder(&server)
            .max_requests_per_second(0.5)
            .total_timeout(Duration::from_secs(1))
            .build()
            .unwrap();
        get_user(&client).await.unwrap();
        let err = get_user(&client).await.unwrap_err();
        assert!(
            matches!(err, Error::Timeout { ref message, .. } if message.contains("0.5 requests a second")),
            "{err:?}"
        );
        assert_eq!(ok.calls_async().await, 1);
        // Not a number above zero: refused when the client is built.
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = crate::ManagementClient::builder()
                .access_key_id("AK")
                .access_key_secret("SK")
                .max_requests_per_second(bad)
                .build()
                .unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
        }
    }
}
