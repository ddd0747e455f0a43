//! The client's state ([`ClientState`]: what every clone shares and each view's options) and
//! the send loop: one call's attempts, each authenticated afresh, timed, read in full and
//! judged by [`RetryPolicy::decide`](crate::RetryPolicy); the loop only carries the decision
//! out. Every failure leaves here as an [`Error`], with the query removed from anything a
//! transport error prints.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use crate::auth::Auth;
use crate::envelope::{Head, NoHead, request_id_header};
use crate::error::is_retryable_status;
use crate::operations::Operation;
use crate::retry::{Decision, Outcome, Progress, parse_retry_after};
use crate::transport::{Attempt, Endpoint, Query, Reply, attempt};
use crate::{AuthMode, Error, RetryPolicy};

/// What the generated client carries besides its connection pool: the state every clone
/// shares and this view's call options. An implementation detail: it is public only because
/// the generated code names it.
#[derive(Clone)]
pub struct ClientState {
    pub(crate) shared: Arc<Shared>,
    pub(crate) call: CallOptions,
}

/// What a client view may change per call without touching the shared state.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallOptions {
    pub(crate) retry: RetryPolicy,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
}

/// The settings and caches every clone of a client shares.
pub(crate) struct Shared {
    /// Where requests go and what each carries.
    pub(crate) endpoint: Arc<Endpoint>,
    /// How each attempt is authenticated.
    pub(crate) auth: Auth,
    /// Where and how event subscriptions connect.
    #[cfg(feature = "events")]
    pub(crate) events: crate::events::EventsConfig,
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("ClientState")
            .field("brand", &s.auth.brand)
            .field("host", &s.endpoint.host)
            .field("auth_mode", &s.auth.mode)
            .field("credentials", &s.auth.credentials)
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
    pub(crate) name: &'static str,
    pub(crate) read_only: bool,
    pub(crate) quick_head: bool,
}

impl Call {
    /// A generated operation's call, its answer decoded into a generated type with a
    /// `statusCode` field, which rejects a second one.
    pub(crate) const fn typed(op: &'static Operation) -> Self {
        Self {
            name: op.method,
            read_only: op.read_only,
            quick_head: true,
        }
    }

    /// A generated operation whose answer type has no `statusCode` field: its decoder would
    /// let a second `statusCode` through, so the head is read whole. (No operation of some
    /// API groups, Users among them, needs it.)
    #[cfg_attr(not(feature = "all-groups"), allow(dead_code))]
    pub(crate) const fn typed_without_status(op: &'static Operation) -> Self {
        Self {
            quick_head: false,
            ..Self::typed(op)
        }
    }

    /// A call to a known operation whose answer the caller decodes (`request()` to a path
    /// of the table).
    pub(crate) const fn untyped(op: &'static Operation) -> Self {
        Self {
            quick_head: false,
            ..Self::typed(op)
        }
    }
}

/// One operation as its generated `send` ends (build.rs's table for the unit tests): its
/// call, a path to it, and how its answer decodes.
#[cfg(test)]
pub(crate) struct AnsweredOperation {
    pub(crate) call: Call,
    pub(crate) method: reqwest::Method,
    pub(crate) path: &'static str,
    pub(crate) decode: fn(&Reply) -> Result<(), Error>,
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

/// A complete answer and its head, read once, kept while the retry decision is made.
struct Answer {
    reply: Reply,
    head: Result<Head, NoHead>,
}

impl Answer {
    /// The call's result when this answer is the last: the reply of a success, for the caller
    /// to decode, or the error the answer stands for (see [`crate::envelope`]).
    fn finish(self) -> Result<Reply, Error> {
        self.reply.judged().judge(self.head)?;
        Ok(self.reply)
    }
}

impl ClientState {
    /// A request to `path` on the client's host (see [`Endpoint::new_request`]).
    pub(crate) fn new_request(&self, method: reqwest::Method, path: &str) -> reqwest::Request {
        self.shared.endpoint.new_request(method, path)
    }

    /// A generated operation's request: [`new_request`](Self::new_request) with the
    /// operation's query in its URL, accepting JSON. build.rs puts this call (or
    /// [`new_json_call`](Self::new_json_call)) in every operation, in place of a
    /// `reqwest::RequestBuilder` chain.
    pub(crate) fn new_call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &Query,
    ) -> reqwest::Request {
        let mut request = self.shared.endpoint.new_query_request(method, path, query);
        request.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        request
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
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        *request.body_mut() = Some(json.into());
        Ok(request)
    }

    /// Runs every attempt of one call inside the request's span: the successful reply, or
    /// the call's error.
    pub(crate) async fn call(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        query: Option<&Query>,
        call: Call,
    ) -> Result<Reply, Error> {
        let span = tracing::info_span!(
            "genauth.request",
            operation = call.name,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let mut attempts = 0;
        let calls = self.attempts(http, request, query, call, &mut attempts);
        if span.is_disabled() {
            return calls.await;
        }
        let started = Instant::now();
        let outcome = calls.instrument(span.clone()).await;
        span.record("attempt", attempts);
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        outcome
    }

    /// A generated operation's call, decoded: what build.rs puts at the end of every
    /// operation's `send`. It adds the fixed headers, runs the loop (which signs from `query`,
    /// already in the URL), and decodes a success from the bytes the loop read; the headers
    /// move into the answer.
    pub(crate) async fn respond<T: serde::de::DeserializeOwned>(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        query: Query,
        call: Call,
    ) -> Result<progenitor_client::ResponseValue<T>, Error> {
        self.shared.endpoint.prepare(&mut request);
        let reply = self.call(http, request, Some(&query), call).await?;
        let inner = reply.judged().decode()?;
        Ok(progenitor_client::ResponseValue::new(
            inner,
            reply.status,
            reply.headers,
        ))
    }

    /// What [`respond`](Self::respond) does for `op`, its decoding by table (unit tests).
    #[cfg(test)]
    pub(crate) async fn answer(
        &self,
        http: &reqwest::Client,
        op: &AnsweredOperation,
    ) -> Result<(), Error> {
        let mut request = self.new_request(op.method.clone(), op.path);
        self.shared.endpoint.prepare(&mut request);
        let reply = self
            .call(http, request, Some(&Query::default()), op.call)
            .await?;
        (op.decode)(&reply)
    }

    /// The loop. `attempts` counts the requests sent.
    async fn attempts(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        query: Option<&Query>,
        this: Call,
        attempts: &mut u32,
    ) -> Result<Reply, Error> {
        let s = &self.shared;
        let call = self.call;
        let read = this.read_only;
        // A total timeout too large for the clock means no deadline.
        let deadline = Instant::now().checked_add(call.total_timeout);
        let remaining = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let token_mode = s.auth.mode == AuthMode::ManagementToken;
        // A copy for further attempts, when the policy allows any for this call (a write is
        // repeated only when the caller opted in) or a refused token may need a second one.
        // (A body that cannot be copied, none of ours, simply gets no second attempt.)
        let template = if call.retry.attempts_for(read) > 1 || token_mode {
            Template::of(&request, &s.endpoint)
        } else {
            None
        };
        let mut pending = Some(request);
        // The last token failure this call received, so that its retry fetches anew.
        let mut seen_failure = None;
        let mut progress = Progress {
            failures: 0,
            read,
            token: token_mode,
            reauthenticated: false,
            remaining: None,
        };
        loop {
            let mut request = pending
                .take()
                .expect("each pass starts with a request to send");
            let mut used_token: Option<http::HeaderValue> = None;
            // Authenticate this attempt: a fresh signature, or the current token.
            let (outcome, result) = match s.auth.mode {
                AuthMode::ManagementToken => {
                    let token = s.auth.token(http, &s.endpoint, deadline, &mut seen_failure);
                    match token.await {
                        Ok(token) => {
                            s.auth.apply_token(&mut request, &token);
                            used_token = Some(token.header);
                            self.send(http, request, this, remaining(), attempts)
                                .await?
                        }
                        Err(e) => (
                            Outcome::NoToken {
                                retryable: e.is_retryable(),
                            },
                            Err(e),
                        ),
                    }
                }
                _ => {
                    s.auth.sign(&mut request, query)?;
                    self.send(http, request, this, remaining(), attempts)
                        .await?
                }
            };
            progress.remaining = remaining();
            let decision = call.retry.decide(
                outcome,
                Progress {
                    failures: progress.failures + 1,
                    ..progress
                },
                rand::random::<f64>,
            );
            let finish = || result.and_then(Answer::finish);
            match decision {
                Decision::Return => return finish(),
                Decision::Reauthenticate => {
                    let Some(next) = template.as_ref().and_then(|t| t.next(&s.endpoint)) else {
                        return finish();
                    };
                    progress.reauthenticated = true;
                    if let Some(used) = &used_token {
                        s.auth.forget_token(used);
                    }
                    tracing::debug!(attempt = *attempts, "token refused; refreshing it");
                    pending = Some(next);
                }
                Decision::Retry(delay) => {
                    let Some(next) = template.as_ref().and_then(|t| t.next(&s.endpoint)) else {
                        return finish();
                    };
                    progress.failures += 1;
                    tracing::debug!(
                        attempt = *attempts,
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    pending = Some(next);
                }
            }
        }
    }

    /// Sends one authenticated attempt within the attempt timeout and what is left of the
    /// total. `Err` ends the call at once (deadline reached, body too large).
    async fn send(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        this: Call,
        remaining: Option<Duration>,
        attempts: &mut u32,
    ) -> Result<(Outcome, Result<Answer, Error>), Error> {
        let call = self.call;
        let cut_by_deadline = remaining.is_some_and(|left| left < call.attempt_timeout);
        let timeout = remaining.map_or(call.attempt_timeout, |left| left.min(call.attempt_timeout));
        // The HTTP client's own timeout covers the usual case without a per-request setting
        // (which reqwest keeps in an allocated extension map).
        if timeout != self.shared.endpoint.http_timeout {
            *request.timeout_mut() = Some(timeout);
        }
        *attempts += 1;
        match attempt(http, request, self.shared.endpoint.max_response_bytes).await {
            Attempt::TooLarge { status, limit } => Err(Error::Decode {
                status,
                message: format!(
                    "the response body is larger than the limit of {limit} bytes (see max_response_bytes)"
                ),
                body_snippet: String::new(),
                request_id: None,
            }),
            Attempt::Failed(e) if e.is_timeout() && cut_by_deadline => {
                Err(Error::Timeout(format!(
                    "the call did not finish within its total timeout of {:?} ({} attempt(s))",
                    call.total_timeout, attempts
                )))
            }
            Attempt::Failed(e) => {
                tracing::debug!(attempt = *attempts, error = %e, "attempt failed");
                let outcome = Outcome::Failed {
                    transient: transient(&e),
                };
                Ok((outcome, Err(Error::transport(e))))
            }
            Attempt::Answered(reply) => {
                let http_status = reply.status.as_u16();
                let span = tracing::Span::current();
                // Read once; the quick read skips the request id, which only the span wants.
                let head = Head::read(&reply.body, this.quick_head && span.is_disabled());
                let in_body = head.as_ref().ok().and_then(|h| h.status_code);
                record_answer(&span, &reply, head.as_ref().ok());
                let retryable = is_retryable_status(i64::from(http_status))
                    || in_body.is_some_and(is_retryable_status);
                let retry_after = if retryable {
                    tracing::debug!(
                        attempt = *attempts,
                        status = http_status,
                        in_body_status = in_body,
                        "attempt answered with a retryable status"
                    );
                    reply
                        .headers
                        .get(http::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, (self.shared.auth.clock)()))
                } else {
                    None
                };
                let outcome = Outcome::Answered {
                    http_status,
                    in_body,
                    retry_after,
                };
                Ok((outcome, Ok(Answer { reply, head })))
            }
        }
    }
}

/// Puts the status and the request id (header, else envelope) of an answer on the span.
fn record_answer(span: &tracing::Span, reply: &Reply, head: Option<&Head>) {
    if span.is_disabled() {
        return;
    }
    span.record("status", reply.status.as_u16());
    let header = request_id_header(&reply.headers);
    if let Some(id) = header.or_else(|| head.and_then(|h| h.request_id.as_deref())) {
        span.record("request_id", id);
    }
}
