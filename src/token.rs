//! Management-token mode: the token endpoint and the cache every clone of a client shares.
//!
//! One fetch serves every call that needs a token while it runs (single flight). The fetch
//! runs as its own task, so a caller that gives up does not cancel it for the others; it is
//! bounded by the attempt timeout and the response size limit, and each caller waits for it
//! no longer than its own total timeout. The fetch's limit is the client's token fetch timeout,
//! never the timeouts of the view whose call started it. Its result, success or failure, goes to
//! every caller that waited for it. A failure is then a circuit breaker for
//! [`FAILED_FETCH_COOLDOWN`]: calls that come after it and have not seen it yet get it, with a
//! note saying when the fetch failed, and send nothing; a call that already received that
//! failure (its retry) starts the next fetch, which the others join. So a retry round under an
//! outage costs about one fetch, and a single call's retry still gets a fresh try. A token is
//! replaced a margin before it expires (the lesser of [`REFRESH_MARGIN`] and half its
//! lifetime) and forgotten when the server refuses it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use http::HeaderValue;
use tokio::sync::watch;

use crate::Error;
use crate::config::Credentials;
use crate::endpoint::Endpoint;
use crate::exchange::{Exchanged, exchange};

/// How long before its expiry a token is replaced, at most: a token that lives less than
/// twice this is replaced when half its lifetime is left.
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The shortest token lifetime accepted (`expires_in`, seconds); a shorter one is
/// [`Error::Auth`].
pub(crate) const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(1);

/// How long a failed fetch answers for the token instead of a new fetch.
pub(crate) const FAILED_FETCH_COOLDOWN: Duration = Duration::from_millis(250);

/// A token in force, ready to go into headers.
#[derive(Clone)]
pub(crate) struct Token {
    /// `Bearer <token>`, marked sensitive.
    pub(crate) header: HeaderValue,
    /// The token's `scoped_userpool_id` claim.
    pub(crate) userpool: Option<HeaderValue>,
    /// `None` when the lifetime is too long to represent: it never expires here.
    expires_at: Option<Instant>,
    /// How long before `expires_at` it is replaced.
    margin: Duration,
}

impl Token {
    /// Checks that the token and its pool claim can be sent as header values.
    pub(crate) fn new(value: String, expires_in: Duration) -> Result<Self, Error> {
        let header = sensitive_value(&format!("Bearer {value}")).map_err(|_| {
            Error::auth("the token endpoint returned a token that is not a valid header value")
        })?;
        let userpool = scoped_userpool_id(&value)
            .map(|pool| {
                HeaderValue::from_str(&pool).map_err(|_| {
                    Error::auth("the token's user pool claim is not a valid header value")
                })
            })
            .transpose()?;
        Ok(Self {
            header,
            userpool,
            expires_at: Instant::now().checked_add(expires_in),
            margin: REFRESH_MARGIN.min(expires_in / 2),
        })
    }

    fn fresh(&self) -> bool {
        match (self.expires_at, Instant::now().checked_add(self.margin)) {
            (Some(expiry), Some(soon)) => soon < expiry,
            (None, _) => true,
            (Some(_), None) => false,
        }
    }
}

/// A header value marked sensitive (hidden from HTTP/2 header compression tables and from
/// `Debug`).
fn sensitive_value(value: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| Error::auth("a credential is not a valid header value"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// What waiters of one fetch receive: `None` until it is done.
type Landed = Option<Result<Token, Arc<Error>>>;

#[derive(Default)]
struct Slot {
    token: Option<Token>,
    /// The fetch in progress, if any.
    flight: Option<watch::Receiver<Landed>>,
    /// Counts fetches, so that a finished fetch clears only its own flight.
    generation: u64,
    /// The last fetch's failure, when it came and the fetch's generation, shared during the
    /// cooldown.
    failed: Option<(Instant, u64, Arc<Error>)>,
}

/// The cached token shared by every clone of a client.
#[derive(Clone, Default)]
pub(crate) struct TokenCache {
    slot: Arc<Mutex<Slot>>,
}

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current token, fetched with `fetch` when there is none or it is about to expire.
    /// Waits until `deadline` at most (then [`Error::Timeout`]); the fetch goes on for others.
    /// `seen` is the call's memory across its attempts: the generation of the last fetch
    /// failure it received.
    pub(crate) async fn get<F>(
        &self,
        fetch: F,
        deadline: Option<Instant>,
        seen: &mut Option<u64>,
    ) -> Result<Token, Error>
    where
        F: FnOnce() -> futures_core::future::BoxFuture<'static, Result<Token, Error>>,
    {
        let (mut flight, generation) = {
            let mut slot = self.lock();
            if let Some(token) = slot.token.as_ref().filter(|t| t.fresh()) {
                return Ok(token.clone());
            }
            slot.token = None;
            if slot.flight.is_none()
                && let Some((at, generation, error)) = &slot.failed
                && at.elapsed() < FAILED_FETCH_COOLDOWN
                && *seen != Some(*generation)
            {
                // The circuit breaker: a call that did not wait for the failed fetch gets its
                // failure, saying where it comes from, and nothing is sent for it.
                *seen = Some(*generation);
                return Err(error.annotated(&format!(
                    "the management token fetch failed {} ms before this call, and a failed fetch answers every call for {} ms without sending anything",
                    at.elapsed().as_millis(),
                    FAILED_FETCH_COOLDOWN.as_millis()
                )));
            }
            let flight = match &slot.flight {
                Some(flight) => flight.clone(),
                None => self.start(&mut slot, fetch()),
            };
            (flight, slot.generation)
        };
        let done = flight.wait_for(Option::is_some);
        let outcome = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), done)
                .await
                .map_err(|_| {
                    Error::timeout(
                        "the call reached its total timeout while waiting for a management token",
                    )
                })?,
            None => done.await,
        };
        let outcome = outcome
            .map_err(|_| Error::auth("the management token fetch ended without an answer"))?;
        match outcome.as_ref() {
            Some(Ok(token)) => Ok(token.clone()),
            Some(Err(error)) => {
                *seen = Some(generation);
                Err(Error::clone(error))
            }
            None => unreachable!("wait_for returns a completed outcome"),
        }
    }

    /// Starts a fetch as its own task; called with the slot locked.
    fn start(
        &self,
        slot: &mut Slot,
        fetch: futures_core::future::BoxFuture<'static, Result<Token, Error>>,
    ) -> watch::Receiver<Landed> {
        let (tx, rx) = watch::channel(None);
        slot.generation += 1;
        slot.flight = Some(rx.clone());
        // Clears the flight however the task ends (finished, or dropped with the runtime).
        struct Landing {
            cache: TokenCache,
            generation: u64,
            token: Option<Token>,
            failed: Option<Arc<Error>>,
        }
        impl Drop for Landing {
            fn drop(&mut self) {
                let mut slot = self.cache.lock();
                if slot.generation == self.generation {
                    slot.flight = None;
                    if let Some(token) = self.token.take() {
                        slot.token = Some(token);
                        slot.failed = None;
                    }
                    if let Some(error) = self.failed.take() {
                        slot.failed = Some((Instant::now(), self.generation, error));
                    }
                }
            }
        }
        let mut landing = Landing {
            cache: self.clone(),
            generation: slot.generation,
            token: None,
            failed: None,
        };
        tokio::spawn(async move {
            let result = fetch.await.map_err(Arc::new);
            landing.token = result.as_ref().ok().cloned();
            landing.failed = result.as_ref().err().cloned();
            // Store first, then wake the waiters: a caller arriving in between finds the
            // token, never a finished flight.
            drop(landing);
            let _ = tx.send(Some(result));
        });
        rx
    }

    /// Drops the token sent as `rejected` (its `authorization` value) if it is still the cached
    /// one (a concurrent refresh may already have replaced it).
    pub(crate) fn invalidate(&self, rejected: &HeaderValue) {
        let mut slot = self.lock();
        if slot.token.as_ref().is_some_and(|t| t.header == rejected) {
            slot.token = None;
        }
    }
}

/// `POST /api/v3/get-management-token`, within `timeout` and the response size limit. Transient
/// failures come back as retryable errors (transport, timeout, HTTP or in-body 429, 502, 503 or
/// 504), a refusal as [`Error::Auth`]. Neither the body nor the answer is ever logged.
pub(crate) async fn fetch_token(
    endpoint: Arc<Endpoint>,
    credentials: Credentials,
    http: reqwest::Client,
    timeout: Duration,
) -> Result<Token, Error> {
    let body = serde_json::json!({
        "accessKeyId": credentials.access_key_id,
        "accessKeySecret": credentials.access_key_secret.expose_secret(),
    });
    // The endpoint's parsed host and fixed headers (a JSON content type among them), as every
    // other request gets them.
    let mut request = endpoint.new_request(reqwest::Method::POST, "/api/v3/get-management-token");
    *request.body_mut() = Some(body.to_string().into());
    *request.timeout_mut() = Some(timeout);
    let in_fetch = |message: &str| format!("management token request: {message}");
    let reply = match exchange(&http, request, endpoint.max_response_bytes(), false).await {
        Ok(Exchanged::Answered(reply)) => reply,
        Ok(Exchanged::Failed(e)) => {
            return Err(match Error::transport(e) {
                Error::Timeout { message, operation } => Error::Timeout {
                    message: in_fetch(&message),
                    operation,
                },
                Error::Transport {
                    message,
                    source,
                    operation,
                } => Error::Transport {
                    message: in_fetch(&message),
                    source,
                    operation,
                },
                other => other,
            });
        }
        Err(e) => return Err(e.annotated("the management token request")),
    };
    #[derive(serde::Deserialize)]
    struct TokenData {
        access_token: String,
        #[serde(deserialize_with = "crate::lenient::float")]
        expires_in: f64,
    }
    // The success rule first, then the token: a failure that another try can fix stays
    // retryable, any other is a refusal of the access key.
    let data = reply
        .judge()
        .and_then(|reply| reply.data::<TokenData>())
        .map_err(|e| match e {
            e if e.is_retryable() => e,
            Error::Api {
                status_code,
                api_code,
                message,
                http_status,
                ..
            } => Error::auth(format!(
                "the token endpoint refused the access key (HTTP {http_status}, statusCode {status_code}{}): {message}",
                api_code
                    .map(|c| format!(", apiCode {c}"))
                    .unwrap_or_default()
            )),
            other => Error::auth(format!("the token endpoint answered without a token: {other}")),
        })?;
    if data.access_token.is_empty() {
        return Err(Error::auth(
            "the token endpoint answered with an empty token",
        ));
    }
    // A token that lives less than a second would be fetched again for nearly every call.
    if data.expires_in.is_nan() || data.expires_in < MIN_TOKEN_LIFETIME.as_secs_f64() {
        return Err(Error::auth(format!(
            "the token endpoint gave the token a lifetime of {} s; at least {} s is needed",
            data.expires_in,
            MIN_TOKEN_LIFETIME.as_secs()
        )));
    }
    let lifetime = Duration::try_from_secs_f64(data.expires_in).unwrap_or(Duration::MAX);
    Token::new(data.access_token, lifetime)
}

/// The `scoped_userpool_id` claim of a JWT, read without verification (the server verifies;
/// we only need the value for a header).
fn scoped_userpool_id(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get("scoped_userpool_id")?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.as_bytes());
        format!("e30.{payload}.sig")
    }

    #[test]
    fn reads_the_pool_claim_and_checks_header_values() {
        let token = Token::new(
            jwt(r#"{"scoped_userpool_id":"pool-9"}"#),
            Duration::from_secs(7200),
        )
        .unwrap();
        assert_eq!(token.userpool.as_ref().unwrap(), "pool-9");
        assert!(token.header.is_sensitive());
        assert!(token.fresh());
        assert_eq!(scoped_userpool_id("not-a-jwt"), None);
        // A token that lives shorter than twice the margin is fresh for half its life.
        let short = Token::new(jwt("{}"), Duration::from_secs(30)).unwrap();
        assert!(short.fresh());
        assert_eq!(short.margin, Duration::from_secs(15));
        assert!(!Token::new(jwt("{}"), Duration::ZERO).unwrap().fresh());
        // A lifetime too long for the clock never expires instead of panicking.
        assert!(Token::new(jwt("{}"), Duration::MAX).unwrap().fresh());
        // Neither a token nor a pool claim that cannot be a header value is accepted.
        assert!(matches!(
            Token::new("bad\ntoken".into(), Duration::from_secs(60)),
            Err(Error::Auth { .. })
        ));
        assert!(matches!(
            Token::new(
                jwt(r#"{"scoped_userpool_id":"a\nb"}"#),
                Duration::from_secs(60)
            ),
            Err(Error::Auth { .. })
        ));
    }
}
