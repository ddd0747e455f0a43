//! The one error type of the SDK.
//!
//! Every failure, from a bad setting to an in-body `statusCode`, ends up as an [`Error`]. Error
//! texts never contain credentials: nothing secret is ever formatted into them.

use std::fmt;
use std::sync::Arc;

use crate::ApiCode;

/// Anything that can go wrong when calling the Management API.
///
/// Match it by variant, by [`ApiCode`] ([`api_code`](Error::api_code)) or with the helpers
/// ([`is_not_found`](Error::is_not_found), [`is_unauthorized`](Error::is_unauthorized),
/// [`is_rate_limited`](Error::is_rate_limited), [`is_conflict`](Error::is_conflict),
/// [`is_retryable`](Error::is_retryable)); [`ResultExt::found`] turns "not found" into
/// `Ok(None)`. Two statuses can describe a failure: [`http_status`](Error::http_status) (the
/// HTTP response's, often 200 for an in-body failure) and [`status_code`](Error::status_code)
/// (the envelope's `statusCode`). The [errors guide](crate::guide::errors) shows each.
///
/// The errors a call returns (`Auth`, `Transport`, `Timeout`, `Http`, `Api`, `Decode`) carry
/// the operation's name ([`operation`](Error::operation)), which `Display` ends with:
/// ` [operation get_user]`. The error is `Clone`: a transport failure's source is shared.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// A client setting is missing or invalid; nothing was sent.
    Config(String),

    /// A request argument is missing or invalid; nothing was sent.
    InvalidRequest(String),

    /// Obtaining a management token failed (token mode only), or the events host refused the
    /// access key.
    Auth {
        /// What failed.
        message: String,
        /// The operation whose call needed the token ([`Error::operation`]).
        operation: Option<&'static str>,
    },

    /// The request did not complete: connection refused or reset, TLS, DNS, ...
    Transport {
        /// What failed, without any request data.
        message: String,
        /// The underlying error, when there is one (shared, so that the error is `Clone`).
        /// [`source()`](std::error::Error::source) returns the `reqwest::Error` itself.
        source: Option<Arc<reqwest::Error>>,
        /// The operation whose call failed ([`Error::operation`]).
        operation: Option<&'static str>,
    },

    /// The request or the response did not finish in time.
    Timeout {
        /// What did not finish in time.
        message: String,
        /// The operation whose call timed out ([`Error::operation`]).
        operation: Option<&'static str>,
    },

    /// The server answered with an HTTP error status and no API envelope.
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the response body (at most 512 bytes, lossily decoded), with JSON
        /// string values masked (`"***"`) and secret fields redacted; text outside JSON strings
        /// (an HTML or plain-text error page) is kept.
        body_snippet: String,
        /// The `x-request-id` response header, if any.
        request_id: Option<String>,
        /// The operation whose call got this answer ([`Error::operation`]).
        operation: Option<&'static str>,
    },

    /// The API reported a failure in the response body (`statusCode` other than 200).
    Api {
        /// The envelope's `statusCode`.
        status_code: i64,
        /// The envelope's `apiCode`, a finer error code ([`Error::api_code`] names it).
        api_code: Option<i64>,
        /// The envelope's `message`.
        message: String,
        /// The envelope's `requestId`.
        request_id: Option<String>,
        /// The HTTP status the envelope came with (often 200).
        http_status: u16,
        /// The operation whose call got this answer ([`Error::operation`]); `None` for an
        /// envelope judged by [`Envelope::into_result`](crate::envelope::Envelope::into_result).
        operation: Option<&'static str>,
    },

    /// The events host closed the subscription's connection with this WebSocket close code
    /// and reason.
    Closed {
        /// The close code (1005 when the close frame had none).
        code: u16,
        /// The close reason the server gave, possibly empty.
        reason: String,
    },

    /// A page stream ended because the server's pages cannot be walked to an end: a page was
    /// served again, the stream reached its page limit, or the pages ran out before the
    /// `totalCount` the server announced. The items before it were valid.
    Pagination(String),

    /// The answer cannot be read as a success: a 2xx whose body is not an API envelope with
    /// a usable `statusCode` (see [`envelope`](crate::envelope) for the rule), or a success
    /// whose body does not decode into the expected type.
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
        /// The operation whose call got this answer ([`Error::operation`]).
        operation: Option<&'static str>,
    },
}

/// ` [operation NAME]`, or nothing.
struct InOperation(Option<&'static str>);

impl fmt::Display for InOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, " [operation {name}]"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) => write!(f, "invalid configuration: {m}"),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Auth { message, operation } => {
                write!(
                    f,
                    "authentication failed: {message}{}",
                    InOperation(*operation)
                )
            }
            Error::Transport {
                message, operation, ..
            } => write!(f, "transport error: {message}{}", InOperation(*operation)),
            Error::Timeout { message, operation } => {
                write!(f, "timed out: {message}{}", InOperation(*operation))
            }
            Error::Http {
                status,
                body_snippet,
                operation,
                ..
            } => write!(
                f,
                "HTTP {status}: {body_snippet}{}",
                InOperation(*operation)
            ),
            Error::Api {
                status_code,
                api_code,
                message,
                request_id,
                operation,
                ..
            } => {
                write!(f, "API error {status_code}")?;
                if let Some(code) = api_code {
                    write!(f, " (apiCode {code})")?;
                }
                write!(f, ": {message}")?;
                if let Some(id) = request_id {
                    write!(f, " [requestId {id}]")?;
                }
                write!(f, "{}", InOperation(*operation))
            }
            Error::Closed { code, reason } => write!(
                f,
                "the events host closed the connection (code {code}): {reason}"
            ),
            Error::Pagination(m) => write!(f, "pagination stopped: {m}"),
            Error::Decode {
                status,
                message,
                body_snippet,
                operation,
                ..
            } => write!(
                f,
                "cannot decode the response (HTTP {status}): {message}; body starts: {body_snippet}{}",
                InOperation(*operation)
            ),
        }
    }
}

impl std::error::Error for Error {
    /// The `reqwest::Error` under a [`Error::Transport`] (not the `Arc` around it, so that
    /// `downcast_ref::<reqwest::Error>()` finds it); `None` for every other variant.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport {
                source: Some(source),
                ..
            } => Some(&**source),
            _ => None,
        }
    }
}

impl Error {
    /// Whether trying the same call again may succeed: transport failures, timeouts, HTTP
    /// 429/502/503/504 and their in-body equivalents.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Http { status, .. } => is_retryable_status(i64::from(*status)),
            Error::Api { status_code, .. } => is_retryable_status(*status_code),
            _ => false,
        }
    }

    /// The HTTP status of the response, when one arrived: [`Error::Http`]'s and
    /// [`Error::Decode`]'s `status`, [`Error::Api`]'s `http_status`. For an in-body failure
    /// this is often 200; the API's own status is [`status_code`](Error::status_code).
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::Api { http_status, .. } => Some(*http_status),
            _ => None,
        }
    }

    /// The envelope's `statusCode`, for an in-body failure ([`Error::Api`] only). The
    /// references' classes: 400, 401, 402, 403, 404, 409, 413, 422, 429, 499, 500, 501, 502,
    /// 503, 601, 602, 603 (see the [errors guide](crate::guide::errors)).
    pub fn status_code(&self) -> Option<i64> {
        match self {
            Error::Api { status_code, .. } => Some(*status_code),
            _ => None,
        }
    }

    /// The envelope's `apiCode`, by name, for an in-body failure ([`Error::Api`]) that
    /// carries one.
    pub fn api_code(&self) -> Option<ApiCode> {
        match self {
            Error::Api { api_code, .. } => api_code.map(ApiCode::from),
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

    /// The name of the operation whose call returned this error: the client method's name
    /// (`get_user`), or `request` for [`ManagementClient::request`](crate::ManagementClient::request)
    /// to a path that is no operation's. Set on every `Auth`, `Transport`, `Timeout`, `Http`,
    /// `Api` and `Decode` error a call returns (a page stream's calls included). `None` for
    /// errors raised before anything is sent (`Config`, `InvalidRequest`), for every error of
    /// an event subscription, for a page stream's own `Pagination` errors, and for errors
    /// built outside a call (such as
    /// [`Envelope::into_result`](crate::envelope::Envelope::into_result)).
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Auth { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Http { operation, .. }
            | Error::Api { operation, .. }
            | Error::Decode { operation, .. } => *operation,
            _ => None,
        }
    }

    /// Whether the API says that the thing asked for does not exist. The rule: an in-body
    /// failure ([`Error::Api`]) whose `apiCode` is 2004
    /// ([`UserNotFound`](ApiCode::UserNotFound)), 2011 ([`AppNotFound`](ApiCode::AppNotFound))
    /// or 2224 ([`UserPoolNotFound`](ApiCode::UserPoolNotFound)), or whose `statusCode` is 404
    /// while its HTTP status is 2xx (the references: the API answers HTTP 200 and reports
    /// failures in the body).
    ///
    /// An HTTP 404 does not count, with or without a 404 envelope ([`Error::Http`], or an
    /// [`Error::Api`] without one of those `apiCode`s): a wrong host or base path, or an
    /// operation the server does not have, gets that too (a web framework's own "no such
    /// route" answer is such an envelope), and [`ResultExt::found`] must not turn it into
    /// "absent".
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Api {
                status_code,
                http_status,
                ..
            } => {
                self.api_code().is_some_and(ApiCode::is_not_found)
                    || (*status_code == 404 && (200..300).contains(http_status))
            }
            _ => false,
        }
    }

    /// Whether the request was refused for its credentials or signature. The rule: HTTP
    /// status 401 (any answer), `statusCode` 401, or `apiCode` 1300 to 1306 (the signature
    /// codes, [`ApiCode::is_signature`]) or 2020 ([`NotLoggedIn`](ApiCode::NotLoggedIn)).
    /// `statusCode` 403 (no permission for the operation) does not count, nor does
    /// [`Error::Auth`] (a failed management token fetch): match that by variant.
    pub fn is_unauthorized(&self) -> bool {
        self.http_status() == Some(401)
            || self.status_code() == Some(401)
            || self
                .api_code()
                .is_some_and(|c| c.is_signature() || c == ApiCode::NotLoggedIn)
    }

    /// Whether the server is throttling: HTTP status 429 (any answer) or `statusCode` 429.
    pub fn is_rate_limited(&self) -> bool {
        self.http_status() == Some(429) || self.status_code() == Some(429)
    }

    /// Whether the request clashes with what exists. The rule: HTTP status 409 (any answer),
    /// `statusCode` 409, or `apiCode` 2039 ([`AppDomainTaken`](ApiCode::AppDomainTaken)) or
    /// 2040 ([`UserPoolDomainTaken`](ApiCode::UserPoolDomainTaken)).
    pub fn is_conflict(&self) -> bool {
        self.http_status() == Some(409)
            || self.status_code() == Some(409)
            || self.api_code().is_some_and(ApiCode::is_conflict)
    }

    /// A timeout, not yet named after an operation (the call's send path names it).
    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Error::Timeout {
            message: message.into(),
            operation: None,
        }
    }

    /// An authentication failure, not yet named after an operation (the call's send path
    /// names it).
    pub(crate) fn auth(message: impl Into<String>) -> Self {
        Error::Auth {
            message: message.into(),
            operation: None,
        }
    }

    /// This error as the call of operation `name` returns it: the variants a call can return
    /// carry the name (replacing any other), the rest are unchanged.
    pub(crate) fn in_operation(mut self, name: &'static str) -> Self {
        match &mut self {
            Error::Auth { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Http { operation, .. }
            | Error::Api { operation, .. }
            | Error::Decode { operation, .. } => *operation = Some(name),
            Error::Config(_)
            | Error::InvalidRequest(_)
            | Error::Closed { .. }
            | Error::Pagination(_) => {}
        }
        self
    }

    /// A transport failure, with the query removed from the URL the error carries (it may hold
    /// an email address or a phone number) so that neither its text nor its `Debug` shows it.
    pub(crate) fn transport(source: reqwest::Error) -> Self {
        let source = without_query(source);
        if source.is_timeout() {
            return Error::timeout(describe(&source));
        }
        Error::Transport {
            message: describe(&source),
            source: Some(Arc::new(source)),
            operation: None,
        }
    }

    /// A copy of this error with `note` before its text (the message, or for [`Error::Http`]
    /// the body snippet), its variant and codes unchanged, so it is retryable exactly when
    /// this one is.
    pub(crate) fn annotated(&self, note: &str) -> Error {
        let mut copy = self.clone();
        let text = match &mut copy {
            Error::Config(m)
            | Error::InvalidRequest(m)
            | Error::Pagination(m)
            | Error::Auth { message: m, .. }
            | Error::Timeout { message: m, .. }
            | Error::Transport { message: m, .. }
            | Error::Api { message: m, .. }
            | Error::Decode { message: m, .. } => m,
            Error::Closed { reason, .. } => reason,
            Error::Http { body_snippet, .. } => body_snippet,
        };
        *text = format!("{note}: {text}");
        copy
    }
}

/// Reading "not found" as absence, on a call's result.
///
/// ```
/// use genauth::{Error, ResultExt};
///
/// let missing: Result<u32, Error> = Err(Error::Api {
///     status_code: 404,
///     api_code: Some(2004),
///     message: "no such user".into(),
///     request_id: None,
///     http_status: 200,
///     operation: Some("get_user"),
/// });
/// assert_eq!(missing.found().unwrap(), None);
/// assert_eq!(Ok::<u32, Error>(7).found().unwrap(), Some(7));
/// ```
pub trait ResultExt<T>: sealed::Sealed {
    /// `Ok(Some(value))` for a success, `Ok(None)` for an error that
    /// [`is_not_found`](Error::is_not_found), and every other error unchanged.
    fn found(self) -> Result<Option<T>, Error>;
}

impl<T> ResultExt<T> for Result<T, Error> {
    fn found(self) -> Result<Option<T>, Error> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl<T> Sealed for Result<T, crate::Error> {}
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

    fn api(status_code: i64, api_code: Option<i64>, http_status: u16) -> Error {
        Error::Api {
            status_code,
            api_code,
            message: "m".into(),
            request_id: Some("r".into()),
            http_status,
            operation: None,
        }
    }

    fn http(status: u16) -> Error {
        Error::Http {
            status,
            body_snippet: "x".into(),
            request_id: None,
            operation: None,
        }
    }

    fn decode(status: u16) -> Error {
        Error::Decode {
            status,
            message: "m".into(),
            body_snippet: "b".into(),
            request_id: Some("d".into()),
            operation: None,
        }
    }

    /// One error of every variant, none named after an operation.
    fn every_variant() -> Vec<Error> {
        vec![
            Error::Config("c".into()),
            Error::InvalidRequest("i".into()),
            Error::auth("a"),
            Error::Transport {
                message: "t".into(),
                source: None,
                operation: None,
            },
            Error::timeout("t"),
            http(500),
            api(500, Some(1), 200),
            Error::Closed {
                code: 1000,
                reason: "bye".into(),
            },
            Error::Pagination("p".into()),
            decode(200),
        ]
    }

    #[test]
    fn accessors_and_retryability() {
        let busy = api(503, Some(1), 200);
        assert!(busy.is_retryable());
        assert_eq!(busy.http_status(), Some(200));
        assert_eq!(busy.status_code(), Some(503));
        assert_eq!(busy.api_code(), Some(ApiCode::Other(1)));
        assert_eq!(busy.request_id(), Some("r"));
        assert_eq!(busy.operation(), None);
        assert_eq!(
            busy.to_string(),
            "API error 503 (apiCode 1): m [requestId r]"
        );
        assert_eq!(api(404, None, 200).api_code(), None);
        let not_found = http(404);
        assert!(!not_found.is_retryable());
        assert_eq!(not_found.http_status(), Some(404));
        assert_eq!(not_found.status_code(), None);
        assert_eq!(not_found.api_code(), None);
        assert_eq!(decode(200).http_status(), Some(200));
        assert_eq!(decode(200).status_code(), None);
        assert_eq!(decode(200).request_id(), Some("d"));
        assert!(Error::timeout("t").is_retryable());
        assert!(!Error::Config("c".into()).is_retryable());
        for e in every_variant() {
            if !matches!(
                e,
                Error::Http { .. } | Error::Api { .. } | Error::Decode { .. }
            ) {
                assert_eq!(e.http_status(), None, "{e:?}");
                assert_eq!(e.request_id(), None, "{e:?}");
            }
            if !matches!(e, Error::Api { .. }) {
                assert_eq!(e.status_code(), None, "{e:?}");
                assert_eq!(e.api_code(), None, "{e:?}");
            }
        }
    }

    #[test]
    fn api_code_is_named() {
        assert_eq!(
            api(404, Some(2004), 200).api_code(),
            Some(ApiCode::UserNotFound)
        );
        assert!(matches!(
            api(403, Some(2333), 200).api_code(),
            Some(ApiCode::WrongAccountOrPassword)
        ));
        assert!(matches!(
            api(400, Some(99), 200).api_code(),
            Some(ApiCode::Other(99))
        ));
    }

    #[test]
    fn not_found() {
        assert!(api(404, None, 200).is_not_found());
        assert!(api(404, None, 204).is_not_found());
        for code in [2004, 2011, 2224] {
            assert!(api(400, Some(code), 200).is_not_found(), "{code}");
            assert!(api(404, Some(code), 404).is_not_found(), "{code}");
        }
        // An HTTP 404, even with a 404 envelope, may be a wrong path: not counted.
        assert!(!api(404, None, 404).is_not_found());
        assert!(!api(400, None, 404).is_not_found());
        for code in [2005, 2006, 2020, 2333] {
            assert!(!api(400, Some(code), 200).is_not_found(), "{code}");
        }
        // No envelope: a wrong host or path looks the same.
        assert!(!http(404).is_not_found());
        assert!(!decode(404).is_not_found());
        for e in every_variant() {
            assert!(!e.is_not_found(), "{e:?}");
        }
    }

    #[test]
    fn unauthorized() {
        assert!(api(401, None, 200).is_unauthorized());
        assert!(api(500, None, 401).is_unauthorized());
        assert!(http(401).is_unauthorized());
        assert!(decode(401).is_unauthorized());
        for code in 1300..=1306 {
            assert!(api(400, Some(code), 200).is_unauthorized(), "{code}");
        }
        assert!(api(403, Some(2020), 200).is_unauthorized());
        assert!(!api(403, None, 200).is_unauthorized());
        assert!(!api(400, Some(1307), 200).is_unauthorized());
        assert!(!api(403, Some(2333), 200).is_unauthorized());
        assert!(!http(403).is_unauthorized());
        for e in every_variant() {
            assert!(!e.is_unauthorized(), "{e:?}");
        }
    }

    #[test]
    fn rate_limited() {
        assert!(api(429, None, 200).is_rate_limited());
        assert!(api(500, None, 429).is_rate_limited());
        assert!(http(429).is_rate_limited());
        assert!(decode(429).is_rate_limited());
        assert!(!api(503, None, 200).is_rate_limited());
        assert!(!http(503).is_rate_limited());
        for e in every_variant() {
            assert!(!e.is_rate_limited(), "{e:?}");
        }
    }

    #[test]
    fn conflict() {
        assert!(api(409, None, 200).is_conflict());
        assert!(api(500, None, 409).is_conflict());
        assert!(http(409).is_conflict());
        assert!(api(400, Some(2039), 200).is_conflict());
        assert!(api(400, Some(2040), 200).is_conflict());
        assert!(!api(400, Some(2031), 200).is_conflict());
        assert!(!api(422, None, 200).is_conflict());
        for e in every_variant() {
            assert!(!e.is_conflict(), "{e:?}");
        }
    }

    #[test]
    fn found_reads_not_found_as_none() {
        assert_eq!(Ok::<_, Error>(1).found().unwrap(), Some(1));
        assert_eq!(
            Err::<u8, _>(api(404, Some(2004), 200)).found().unwrap(),
            None
        );
        assert_eq!(
            Err::<u8, _>(api(400, Some(2224), 200)).found().unwrap(),
            None
        );
        let kept = Err::<u8, _>(http(404)).found().unwrap_err();
        assert!(matches!(kept, Error::Http { status: 404, .. }), "{kept:?}");
        let kept = Err::<u8, _>(api(403, Some(2333), 200)).found().unwrap_err();
        assert_eq!(kept.api_code(), Some(ApiCode::WrongAccountOrPassword));
    }

    #[test]
    fn the_operation_is_set_on_what_a_call_returns() {
        for e in every_variant() {
            assert_eq!(e.operation(), None, "{e:?}");
            let text = e.to_string();
            let named = e.clone().in_operation("get_user");
            if matches!(
                e,
                Error::Auth { .. }
                    | Error::Transport { .. }
                    | Error::Timeout { .. }
                    | Error::Http { .. }
                    | Error::Api { .. }
                    | Error::Decode { .. }
            ) {
                assert_eq!(named.operation(), Some("get_user"), "{e:?}");
                assert_eq!(named.to_string(), format!("{text} [operation get_user]"));
                // The last name wins.
                assert_eq!(
                    named.in_operation("list_users").operation(),
                    Some("list_users")
                );
            } else {
                assert_eq!(named.operation(), None, "{e:?}");
                assert_eq!(named.to_string(), text);
            }
        }
        assert_eq!(
            api(404, Some(2004), 200)
                .in_operation("get_user")
                .to_string(),
            "API error 404 (apiCode 2004): m [requestId r] [operation get_user]"
        );
    }

    #[test]
    fn display_of_each_variant() {
        let texts: Vec<String> = every_variant().iter().map(Error::to_string).collect();
        assert_eq!(
            texts,
            [
                "invalid configuration: c",
                "invalid request: i",
                "authentication failed: a",
                "transport error: t",
                "timed out: t",
                "HTTP 500: x",
                "API error 500 (apiCode 1): m [requestId r]",
                "the events host closed the connection (code 1000): bye",
                "pagination stopped: p",
                "cannot decode the response (HTTP 200): m; body starts: b",
            ]
        );
    }

    #[test]
    fn annotated_keeps_the_variant_and_codes() {
        for e in every_variant() {
            let e = e.in_operation("get_user");
            let note = e.annotated("while waiting");
            assert!(note.to_string().contains("while waiting: "), "{note}");
            assert_eq!(note.operation(), e.operation());
            assert_eq!(note.is_retryable(), e.is_retryable());
            assert_eq!(std::mem::discriminant(&note), std::mem::discriminant(&e));
        }
        let busy = api(503, Some(2004), 200).annotated("n");
        assert!(busy.is_retryable());
        assert_eq!(busy.api_code(), Some(ApiCode::UserNotFound));
        assert!(matches!(busy, Error::Api { ref message, .. } if message == "n: m"));
    }

    #[tokio::test]
    async fn a_clone_shares_the_transport_source() {
        // A refused connection: bind a port, then close it.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let failure = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/?secret=1"))
            .send()
            .await
            .unwrap_err();
        let e = Error::transport(failure);
        let copy = e.clone();
        let (
            Error::Transport {
                source: Some(a), ..
            },
            Error::Transport {
                source: Some(b), ..
            },
        ) = (&e, &copy)
        else {
            panic!("{e:?}");
        };
        assert!(Arc::ptr_eq(a, b));
        // `source()` is the reqwest error itself, without the query.
        let source = std::error::Error::source(&copy).unwrap();
        let inner = source.downcast_ref::<reqwest::Error>().unwrap();
        assert!(inner.is_connect(), "{inner:?}");
        assert!(!format!("{copy:?}").contains("secret"), "{copy:?}");
        assert!(std::error::Error::source(&api(500, None, 200)).is_none());
    }

    fn _error_is_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Error>();
    }
}
