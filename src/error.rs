//! The one error type of the SDK.
//!
//! Every failure, from a bad setting to an in-body `statusCode`, ends up as an [`Error`]. Error
//! texts never contain credentials: nothing secret is ever formatted into them.

use std::fmt;
use std::sync::{Arc, Mutex};

use progenitor_client::Error as GenError;

use crate::redact::snippet;

/// Anything that can go wrong when calling the Management API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A client setting is missing or invalid; nothing was sent.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A request argument is missing or invalid; nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// Obtaining a management token failed (token mode only).
    #[error("authentication failed: {0}")]
    Auth(String),

    /// The request did not complete: connection refused or reset, TLS, DNS, ...
    #[error("transport error: {message}")]
    Transport {
        /// What failed, without any request data.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<reqwest::Error>,
    },

    /// The request or the response did not finish in time.
    #[error("timed out: {0}")]
    Timeout(String),

    /// The server answered with an HTTP error status and no API envelope.
    #[error("HTTP {status}: {body_snippet}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the response body (at most 512 bytes, lossily decoded).
        body_snippet: String,
        /// The `x-request-id` response header, if any.
        request_id: Option<String>,
    },

    /// The API reported a failure in the response body (`statusCode` other than 200).
    #[error("API error {status_code}{}: {message}{}", api_code.map(|c| format!(" (apiCode {c})")).unwrap_or_default(), request_id.as_deref().map(|r| format!(" [requestId {r}]")).unwrap_or_default())]
    Api {
        /// The envelope's `statusCode`.
        status_code: i64,
        /// The envelope's `apiCode`, a finer error code.
        api_code: Option<i64>,
        /// The envelope's `message`.
        message: String,
        /// The envelope's `requestId`.
        request_id: Option<String>,
        /// The HTTP status the envelope came with (often 200).
        http_status: u16,
    },

    /// The response could not be decoded into the expected type.
    #[error("cannot decode the response (HTTP {status}): {message}; body starts: {body_snippet}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// Why decoding failed.
        message: String,
        /// The start of the response body (at most 512 bytes, lossily decoded).
        body_snippet: String,
    },
}

impl Error {
    /// Whether trying the same call again may succeed: transport failures, timeouts, HTTP
    /// 429/502/503/504 and their in-body equivalents.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout(_) => true,
            Error::Http { status, .. } => is_retryable_status(i64::from(*status)),
            Error::Api { status_code, .. } => is_retryable_status(*status_code),
            _ => false,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::Api { http_status, .. } => Some(*http_status),
            _ => None,
        }
    }

    /// The API's `apiCode`, for in-body failures that carry one.
    pub fn api_code(&self) -> Option<i64> {
        match self {
            Error::Api { api_code, .. } => *api_code,
            _ => None,
        }
    }

    /// The server's request id, when the failure came with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } | Error::Http { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// A transport failure, with the query removed from the URL the error carries (it may hold
    /// an email address or a phone number) so that neither its text nor its `Debug` shows it.
    pub(crate) fn transport(source: reqwest::Error) -> Self {
        let source = without_query(source);
        if source.is_timeout() {
            return Error::Timeout(describe(&source));
        }
        Error::Transport {
            message: describe(&source),
            source: Some(source),
        }
    }

    /// The same error without its source, for sharing one failure among several callers.
    pub(crate) fn duplicate(&self) -> Error {
        match self {
            Error::Config(m) => Error::Config(m.clone()),
            Error::InvalidRequest(m) => Error::InvalidRequest(m.clone()),
            Error::Auth(m) => Error::Auth(m.clone()),
            Error::Transport { message, .. } => Error::Transport {
                message: message.clone(),
                source: None,
            },
            Error::Timeout(m) => Error::Timeout(m.clone()),
            Error::Http {
                status,
                body_snippet,
                request_id,
            } => Error::Http {
                status: *status,
                body_snippet: body_snippet.clone(),
                request_id: request_id.clone(),
            },
            Error::Api {
                status_code,
                api_code,
                message,
                request_id,
                http_status,
            } => Error::Api {
                status_code: *status_code,
                api_code: *api_code,
                message: message.clone(),
                request_id: request_id.clone(),
                http_status: *http_status,
            },
            Error::Decode {
                status,
                message,
                body_snippet,
            } => Error::Decode {
                status: *status,
                message: message.clone(),
                body_snippet: body_snippet.clone(),
            },
        }
    }
}

pub(crate) fn is_retryable_status(status: i64) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// `e` with the query cut from the URL it carries.
pub(crate) fn without_query(mut e: reqwest::Error) -> reqwest::Error {
    if let Some(url) = e.url_mut() {
        url.set_query(None);
    }
    e
}

/// A reqwest error's chain as text. Callers strip the query first ([`without_query`]); the
/// path is left, and credentials travel in headers, which reqwest never prints.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The fields of an API envelope, read leniently from any body.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct LooseEnvelope {
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    status_code: Option<i64>,
    message: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    api_code: Option<i64>,
    request_id: Option<String>,
}

/// Whether `body` can be a JSON object: its first non-blank byte is `{`. Checked before
/// parsing, so that HTML pages and other bodies cost nothing.
fn may_be_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Reads `body` as an envelope, leniently.
fn loose_envelope(body: &[u8]) -> Option<LooseEnvelope> {
    may_be_object(body)
        .then(|| serde_json::from_slice(body).ok())
        .flatten()
}

/// The `x-request-id` response header, when it is text.
pub(crate) fn request_id_header(headers: &http::HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

/// `Error::Api` when `body` is an envelope reporting failure.
pub(crate) fn api_error_from_body(body: &[u8], http_status: u16) -> Option<Error> {
    let env = loose_envelope(body)?;
    let status_code = env.status_code?;
    if status_code == 200 {
        return None;
    }
    Some(Error::Api {
        status_code,
        api_code: env.api_code,
        message: env.message.unwrap_or_default(),
        request_id: env.request_id,
        http_status,
    })
}

/// What the retry loop and the tracing span read from any envelope.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvelopeHead<'a> {
    /// The envelope's `statusCode`, whatever its value (a numeric string counts).
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    status_code: Option<i64>,
    /// The envelope's `requestId`.
    #[serde(default, borrow)]
    pub(crate) request_id: Option<std::borrow::Cow<'a, str>>,
}

impl EnvelopeHead<'_> {
    /// The `statusCode` as an integer.
    pub(crate) fn status_code(&self) -> Option<i64> {
        self.status_code
    }
}

/// The head of `body` when it is an envelope: only the fields the hooks need, borrowed.
/// `need_request_id` false allows a shortcut for the usual success body, which starts with
/// `{"statusCode":200,`: its request id is then not looked for.
pub(crate) fn envelope_head(body: &[u8], need_request_id: bool) -> Option<EnvelopeHead<'_>> {
    if !need_request_id && body.starts_with(br#"{"statusCode":200,"#) {
        return Some(EnvelopeHead {
            status_code: Some(200),
            request_id: None,
        });
    }
    may_be_object(body)
        .then(|| serde_json::from_slice(body).ok())
        .flatten()
}

/// The one channel from the hooks to [`Error`]: a hook can only hand the generated code a
/// `progenitor_client::Error`, so it hands over a stand-in response that carries the typed
/// error, and the conversion below takes it out again.
#[derive(Clone)]
pub(crate) struct Failure(Arc<Mutex<Option<Error>>>);

impl Failure {
    /// A stand-in response carrying `error`.
    pub(crate) fn response(error: Error) -> reqwest::Response {
        Failure(Arc::new(Mutex::new(Some(error)))).into_response()
    }

    fn into_response(self) -> reqwest::Response {
        let mut response = http::Response::new(bytes::Bytes::new());
        response.extensions_mut().insert(self);
        reqwest::Response::from(response)
    }

    /// The failure `response` carries, if it is a stand-in.
    pub(crate) fn of(response: &reqwest::Response) -> Option<&Failure> {
        response.extensions().get::<Failure>()
    }

    /// The same failure as a generated-code error, to return from a hook.
    pub(crate) fn to_gen_error<E>(&self) -> GenError<E> {
        GenError::UnexpectedResponse(self.clone().into_response())
    }

    /// A generated-code error carrying `error`.
    pub(crate) fn gen_error<E>(error: Error) -> GenError<E> {
        GenError::UnexpectedResponse(Self::response(error))
    }

    fn take(&self) -> Error {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .unwrap_or_else(|| Error::InvalidRequest("the failure was already reported".into()))
    }
}

/// The error for a response the generated code did not expect: an envelope's failure, or the
/// HTTP status with the start of the body.
pub(crate) fn unexpected_response(status: u16, headers: &http::HeaderMap, body: &[u8]) -> Error {
    if let Some(api) = api_error_from_body(body, status) {
        return api;
    }
    Error::Http {
        status,
        body_snippet: snippet(body),
        request_id: request_id_header(headers).map(str::to_string),
    }
}

impl<E: fmt::Debug> From<GenError<E>> for Error {
    fn from(err: GenError<E>) -> Self {
        match err {
            GenError::InvalidRequest(message) => Error::InvalidRequest(message),
            GenError::CommunicationError(e)
            | GenError::ResponseBodyError(e)
            | GenError::InvalidUpgrade(e) => Error::transport(e),
            GenError::InvalidResponsePayload(body, e) => api_error_from_body(&body, 200)
                .unwrap_or_else(|| Error::Decode {
                    status: 200,
                    message: e.to_string(),
                    body_snippet: snippet(&body),
                }),
            GenError::UnexpectedResponse(response) => {
                // The send loop reports every status but 200 itself; only a stand-in arrives.
                match Failure::of(&response) {
                    Some(failure) => failure.take(),
                    None => {
                        unexpected_response(response.status().as_u16(), response.headers(), &[])
                    }
                }
            }
            GenError::ErrorResponse(response) => Error::Http {
                status: response.status().as_u16(),
                body_snippet: format!("{:?}", response.into_inner()),
                request_id: None,
            },
            // Our hooks never return this variant; keep the text as it is.
            GenError::Custom(text) => Error::InvalidRequest(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_and_retryability() {
        let api = Error::Api {
            status_code: 503,
            api_code: Some(1),
            message: "busy".into(),
            request_id: Some("r".into()),
            http_status: 200,
        };
        assert!(api.is_retryable());
        assert_eq!(api.status(), Some(200));
        assert_eq!(api.api_code(), Some(1));
        assert_eq!(api.request_id(), Some("r"));
        assert_eq!(
            api.to_string(),
            "API error 503 (apiCode 1): busy [requestId r]"
        );
        let http = Error::Http {
            status: 404,
            body_snippet: "x".into(),
            request_id: None,
        };
        assert!(!http.is_retryable());
        assert_eq!(http.status(), Some(404));
        assert!(Error::Timeout("t".into()).is_retryable());
        assert!(!Error::Config("c".into()).is_retryable());
    }

    #[test]
    fn envelope_bodies_become_api_errors() {
        let e = api_error_from_body(
            br#"{"statusCode":403.0,"message":"no","apiCode":40301}"#,
            200,
        )
        .unwrap();
        assert!(matches!(
            e,
            Error::Api {
                status_code: 403,
                api_code: Some(40301),
                ..
            }
        ));
        assert!(api_error_from_body(br#"{"statusCode":200,"message":"ok"}"#, 200).is_none());
        assert!(api_error_from_body(b"<html>", 500).is_none());
    }

    #[test]
    fn hook_failures_arrive_typed() {
        let e: Error = Failure::gen_error::<()>(Error::Auth("refused".into())).into();
        assert!(matches!(e, Error::Auth(ref m) if m == "refused"));
        let e: Error = Failure::gen_error::<()>(Error::Decode {
            status: 200,
            message: "too big".into(),
            body_snippet: String::new(),
        })
        .into();
        assert!(
            matches!(e, Error::Decode { status: 200, ref message, .. } if message == "too big")
        );
        let e: Error = GenError::<()>::InvalidRequest("user_id missing".into()).into();
        assert!(matches!(e, Error::InvalidRequest(ref m) if m == "user_id missing"));
    }
}
