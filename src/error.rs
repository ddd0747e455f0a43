//! The one error type of the SDK.
//!
//! Every failure, from a bad setting to an in-body `statusCode`, ends up as an [`Error`]. Error
//! texts never contain credentials: nothing secret is ever formatted into them.

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
        /// The start of the response body (at most 512 bytes, lossily decoded), with JSON
        /// string values masked (`"***"`) and secret fields redacted; text outside JSON strings
        /// (an HTML or plain-text error page) is kept.
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

    /// The events host closed the subscription's connection with this WebSocket close code
    /// and reason.
    #[error("the events host closed the connection (code {code}): {reason}")]
    Closed {
        /// The close code (1005 when the close frame had none).
        code: u16,
        /// The close reason the server gave, possibly empty.
        reason: String,
    },

    /// A page stream ended because the server's pages cannot be walked to an end: a page was
    /// served again, the stream reached its page limit, or the pages ran out before the
    /// `totalCount` the server announced. The items before it were valid.
    #[error("pagination stopped: {0}")]
    Pagination(String),

    /// The answer cannot be read as a success: a 2xx whose body is not an API envelope with
    /// a usable `statusCode` (see [`envelope`](crate::envelope) for the rule), or a success
    /// whose body does not decode into the expected type.
    #[error("cannot decode the response (HTTP {status}): {message}; body starts: {body_snippet}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// Why the answer could not be read; for a type mismatch, where it was found (e.g.
        /// `data.list[0].status: ...`).
        message: String,
        /// The start of the response body (at most 512 bytes, lossily decoded), with string
        /// values outside the envelope's head masked and secret fields redacted.
        body_snippet: String,
        /// The server's request id (envelope or `x-request-id` header), when readable.
        request_id: Option<String>,
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
            Error::Api { request_id, .. }
            | Error::Http { request_id, .. }
            | Error::Decode { request_id, .. } => request_id.as_deref(),
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
    /// A copy of this error with `note` before its text (the message, or for [`Error::Http`]
    /// the body snippet), its variant and codes unchanged, so it is retryable exactly when
    /// this one is.
    pub(crate) fn annotated(&self, note: &str) -> Error {
        let mut copy = self.duplicate();
        let text = match &mut copy {
            Error::Config(m)
            | Error::InvalidRequest(m)
            | Error::Auth(m)
            | Error::Timeout(m)
            | Error::Pagination(m)
            | Error::Transport { message: m, .. }
            | Error::Api { message: m, .. }
            | Error::Decode { message: m, .. } => m,
            Error::Closed { reason, .. } => reason,
            Error::Http { body_snippet, .. } => body_snippet,
        };
        *text = format!("{note}: {text}");
        copy
    }

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
            Error::Pagination(m) => Error::Pagination(m.clone()),
            Error::Closed { code, reason } => Error::Closed {
                code: *code,
                reason: reason.clone(),
            },
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
                request_id,
            } => Error::Decode {
                status: *status,
                message: message.clone(),
                body_snippet: body_snippet.clone(),
                request_id: request_id.clone(),
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
}
