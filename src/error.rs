//! The one error type of the SDK.
//!
//! Every failure, from a bad setting to an in-body `statusCode`, ends up as an [`Error`]. Error
//! texts never contain credentials: nothing secret is ever formatted into them.

use std::fmt;

use progenitor_client::Error as GenError;

/// How many bytes of a response body an error keeps for diagnosis.
pub(crate) const SNIPPET_BYTES: usize = 512;

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

    pub(crate) fn transport(source: reqwest::Error) -> Self {
        if source.is_timeout() {
            return Error::Timeout(describe(&source));
        }
        Error::Transport {
            message: describe(&source),
            source: Some(source),
        }
    }
}

pub(crate) fn is_retryable_status(status: i64) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// A reqwest error's chain as text. reqwest prints the URL, which holds only the path and
/// query (credentials travel in headers), so this is safe to show.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The start of a body for an error text, with the values of secret-looking JSON fields
/// replaced by `[REDACTED]`.
pub(crate) fn snippet(body: &[u8]) -> String {
    let clean = redacted(body, SNIPPET_BYTES);
    let cut = &clean[..clean.len().min(SNIPPET_BYTES)];
    String::from_utf8_lossy(cut).into_owned()
}

/// Whether a JSON key names a secret: a field the spec marks sensitive, or a name that says
/// secret, password, token or private key.
fn is_sensitive_key(key: &[u8]) -> bool {
    let folded: Vec<u8> = key
        .iter()
        .filter(|b| !matches!(b, b'_' | b'-'))
        .map(u8::to_ascii_lowercase)
        .collect();
    const WORDS: [&[u8]; 4] = [b"secret", b"password", b"token", b"privatekey"];
    WORDS
        .iter()
        .any(|w| folded.windows(w.len()).any(|x| x == *w))
        || std::str::from_utf8(key)
            .is_ok_and(|k| crate::generated::SENSITIVE_FIELDS.binary_search(&k).is_ok())
}

/// Where the JSON string starting at `body[start]` (a `"`) ends: the index after its closing
/// quote, and the end of its content. An unterminated string runs to the end of `body`.
fn string_end(body: &[u8], start: usize) -> (usize, usize) {
    let mut i = start + 1;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return (i + 1, i),
            _ => i += 1,
        }
    }
    (body.len(), body.len())
}

/// Copies `body` until about `budget` bytes are written, replacing the value of every
/// sensitive key. Works on any bytes, including truncated or invalid JSON.
fn redacted(body: &[u8], budget: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len().min(budget) + 16);
    let mut last_string: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < body.len() && out.len() < budget {
        match body[i] {
            b'"' => {
                let (end, content_end) = string_end(body, i);
                out.extend_from_slice(&body[i..end]);
                last_string = Some((i + 1, content_end));
                i = end;
            }
            b':' => {
                out.push(b':');
                i += 1;
                let key = last_string.take();
                if !key.is_some_and(|(a, b)| is_sensitive_key(&body[a..b])) {
                    continue;
                }
                while i < body.len() && body[i].is_ascii_whitespace() {
                    out.push(body[i]);
                    i += 1;
                }
                match body.get(i) {
                    Some(b'"') => {
                        out.extend_from_slice(b"\"[REDACTED]\"");
                        i = string_end(body, i).0;
                    }
                    Some(b'{' | b'[') | None => {}
                    Some(_) => {
                        out.extend_from_slice(b"[REDACTED]");
                        while i < body.len() && !matches!(body[i], b',' | b'}' | b']') {
                            i += 1;
                        }
                    }
                }
            }
            b if b.is_ascii_whitespace() => {
                out.push(b);
                i += 1;
            }
            b => {
                out.push(b);
                last_string = None;
                i += 1;
            }
        }
    }
    out
}

/// The fields of an API envelope, read leniently from any body.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct LooseEnvelope {
    status_code: Option<serde_json::Number>,
    message: Option<String>,
    api_code: Option<serde_json::Number>,
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
    let status_code = env.status_code.as_ref().and_then(number_as_i64)?;
    if status_code == 200 {
        return None;
    }
    Some(Error::Api {
        status_code,
        api_code: env.api_code.as_ref().and_then(number_as_i64),
        message: env.message.unwrap_or_default(),
        request_id: env.request_id,
        http_status,
    })
}

/// What the retry loop and the tracing span read from any envelope.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvelopeHead<'a> {
    /// The envelope's `statusCode`, whatever its value.
    #[serde(default)]
    status_code: Option<serde_json::Number>,
    /// The envelope's `requestId`.
    #[serde(default, borrow)]
    pub(crate) request_id: Option<std::borrow::Cow<'a, str>>,
}

impl EnvelopeHead<'_> {
    /// The `statusCode` as an integer.
    pub(crate) fn status_code(&self) -> Option<i64> {
        self.status_code.as_ref().and_then(number_as_i64)
    }
}

/// The head of `body` when it is an envelope: only the fields the hooks need, borrowed.
/// `need_request_id` false allows a shortcut for the usual success body, which starts with
/// `{"statusCode":200,`: its request id is then not looked for.
pub(crate) fn envelope_head(body: &[u8], need_request_id: bool) -> Option<EnvelopeHead<'_>> {
    if !need_request_id && body.starts_with(br#"{"statusCode":200,"#) {
        return Some(EnvelopeHead {
            status_code: Some(serde_json::Number::from(200)),
            request_id: None,
        });
    }
    may_be_object(body)
        .then(|| serde_json::from_slice(body).ok())
        .flatten()
}

fn number_as_i64(n: &serde_json::Number) -> Option<i64> {
    n.as_i64()
        .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

/// The body of a non-success response, kept by the exec hook in the response's extensions so
/// that the synchronous conversion below can report it.
#[derive(Clone)]
pub(crate) struct BufferedBody(pub(crate) bytes::Bytes);

/// Markers that hooks put in front of `Error::Custom` texts, since a hook can only return a
/// string. The conversion below turns them back into variants.
pub(crate) const AUTH_MARK: &str = "[genauth:auth] ";
pub(crate) const CONFIG_MARK: &str = "[genauth:config] ";
pub(crate) const REQUEST_MARK: &str = "[genauth:request] ";
pub(crate) const TIMEOUT_MARK: &str = "[genauth:timeout] ";
/// Followed by the HTTP status, a space and the message.
pub(crate) const DECODE_MARK: &str = "[genauth:decode] ";

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
                let status = response.status().as_u16();
                let body = response
                    .extensions()
                    .get::<BufferedBody>()
                    .map(|b| b.0.clone())
                    .unwrap_or_default();
                if let Some(api) = api_error_from_body(&body, status) {
                    return api;
                }
                let request_id = request_id_header(response.headers()).map(str::to_string);
                Error::Http {
                    status,
                    body_snippet: snippet(&body),
                    request_id,
                }
            }
            GenError::ErrorResponse(response) => Error::Http {
                status: response.status().as_u16(),
                body_snippet: format!("{:?}", response.into_inner()),
                request_id: None,
            },
            GenError::Custom(text) => {
                if let Some(m) = text.strip_prefix(AUTH_MARK) {
                    Error::Auth(m.to_string())
                } else if let Some(m) = text.strip_prefix(CONFIG_MARK) {
                    Error::Config(m.to_string())
                } else if let Some(m) = text.strip_prefix(REQUEST_MARK) {
                    Error::InvalidRequest(m.to_string())
                } else if let Some(m) = text.strip_prefix(TIMEOUT_MARK) {
                    Error::Timeout(m.to_string())
                } else if let Some(m) = text.strip_prefix(DECODE_MARK) {
                    let (status, message) = m.split_once(' ').unwrap_or(("0", m));
                    Error::Decode {
                        status: status.parse().unwrap_or(0),
                        message: message.to_string(),
                        body_snippet: String::new(),
                    }
                } else {
                    Error::InvalidRequest(text)
                }
            }
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
    fn snippets_redact_secret_values_even_in_broken_json() {
        let body = br#"{"statusCode":"200","data":{"secret" : "OTP-1","accessKeySecret":"SK-2","access_token":"T-3","expires_in":7200,"userId":"u1","note":"secret: x","recoveryCode":9}}"#;
        let text = snippet(body);
        for leaked in ["OTP-1", "SK-2", "T-3"] {
            assert!(!text.contains(leaked), "{text}");
        }
        assert!(text.contains(r#""secret" : "[REDACTED]""#), "{text}");
        assert!(text.contains(r#""userId":"u1""#), "{text}");
        assert!(text.contains(r#""note":"secret: x""#), "{text}");
        assert!(text.contains(r#""expires_in":7200"#), "{text}");
        // Cut in the middle of a secret value, and escaped quotes inside one.
        assert_eq!(
            snippet(br#"{"password":"hunt"#),
            r#"{"password":"[REDACTED]""#
        );
        assert_eq!(
            snippet(br#"{"idToken":"a\"b","x":1}"#),
            r#"{"idToken":"[REDACTED]","x":1}"#
        );
        assert_eq!(snippet(b"<html>\xff</html>"), "<html>\u{fffd}</html>");
        let long = vec![b'a'; 10_000];
        assert_eq!(snippet(&long).len(), SNIPPET_BYTES);
    }

    #[test]
    fn hook_markers_round_trip() {
        let e: Error = GenError::<()>::Custom(format!("{AUTH_MARK}token fetch failed")).into();
        assert!(matches!(e, Error::Auth(ref m) if m == "token fetch failed"));
        let e: Error = GenError::<()>::InvalidRequest("user_id missing".into()).into();
        assert!(matches!(e, Error::InvalidRequest(_)));
        let e: Error = GenError::<()>::Custom(format!("{TIMEOUT_MARK}too slow")).into();
        assert!(matches!(e, Error::Timeout(ref m) if m == "too slow"));
        let e: Error = GenError::<()>::Custom(format!("{DECODE_MARK}200 too big")).into();
        assert!(
            matches!(e, Error::Decode { status: 200, ref message, .. } if message == "too big")
        );
    }
}
