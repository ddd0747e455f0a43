//! The response envelope every Management API call answers with, and the one rule that says
//! whether an answer is a success.
//!
//! Answers are `{statusCode, message, apiCode?, requestId?, data}`. The API reports failure in
//! the body, often with HTTP 200, so success has to be proven:
//!
//! **An answer is a success only when its HTTP status is 2xx and its body is a JSON object
//! whose `statusCode` is 200.** The JSON number `200` counts, and so does a string holding it
//! (`"200"`), since the API sends other numbers as strings too; nothing else does.
//!
//! Every other answer is an [`Error`]:
//! - a 2xx whose `statusCode` is another number: [`Error::Api`];
//! - a 2xx with no body, a body that is not JSON or not an object, or no usable `statusCode`
//!   (missing, `null`, text, an object, or given twice): [`Error::Decode`], with the HTTP
//!   status, the request id when one is readable and a masked start of the body. It is retried
//!   only when the HTTP status alone would be;
//! - any other HTTP status: [`Error::Api`] when the body is an envelope reporting failure,
//!   otherwise [`Error::Http`].
//!
//! The head fields are read one by one and leniently: a `requestId` or `message` of an odd
//! type is dropped, and the rest of the head still counts. Every generated operation's
//! `send()`, [`ManagementClient::request`](crate::ManagementClient::request), the management
//! token fetch and [`ResponseExt::into_data`] apply this rule, here and nowhere else.

use std::fmt;

use progenitor_client::ResponseValue;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::Error;
use crate::redact::masked_snippet;

/// A decoded response envelope of the Management API.
///
/// `build.rs` implements it for every generated response type with `statusCode`, `message`
/// and `data`. A value a generated `send()` returned is already a success; the trait serves
/// code that decodes envelopes itself.
pub trait Envelope: Sized {
    /// The type of the envelope's `data` field.
    type Data;
    /// The business status: 200 means success.
    fn status_code(&self) -> Option<i64>;
    /// The fine-grained error code the API sets on failure.
    fn api_code(&self) -> Option<i64>;
    /// The human-readable outcome.
    fn message(&self) -> Option<&str>;
    /// The server's id for the request.
    fn request_id(&self) -> Option<&str>;
    /// Consumes the envelope, returning `data` whatever the status.
    fn take_data(self) -> Self::Data;

    /// `data` when `statusCode` is 200, otherwise [`Error::Api`] (a missing `statusCode` is
    /// reported as 0).
    fn into_result(self, http_status: u16) -> Result<Self::Data, Error> {
        match self.status_code() {
            code if is_success(http_status, code) => Ok(self.take_data()),
            code => Err(Error::Api {
                status_code: code.unwrap_or_default(),
                api_code: self.api_code(),
                message: self.message().unwrap_or_default().to_string(),
                request_id: self.request_id().map(str::to_string),
                http_status,
                operation: None,
            }),
        }
    }
}

/// The happy path on a generated call's result.
pub trait ResponseExt {
    /// The envelope's payload.
    type Data;
    /// Returns `data` when the envelope's `statusCode` is 200, otherwise [`Error::Api`] with the
    /// envelope's code, message and request id.
    fn into_data(self) -> Result<Self::Data, Error>;
}

impl<T: Envelope> ResponseExt for ResponseValue<T> {
    type Data = T::Data;
    fn into_data(self) -> Result<T::Data, Error> {
        let status = self.status().as_u16();
        self.into_inner().into_result(status)
    }
}

/// The `statusCode` of a success.
const SUCCESS: i64 = 200;

/// The success rule on the two numbers it reads: a 2xx HTTP status and an in-body `statusCode`
/// of 200. (Whether the body has a usable `statusCode` at all is [`Head::read`]'s part.)
fn is_success(http_status: u16, status_code: Option<i64>) -> bool {
    (200..300).contains(&http_status) && status_code == Some(SUCCESS)
}

/// The head of an answer: the envelope fields other than `data`, each read on its own.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Head {
    /// `statusCode`, when it is an integer (or a string holding one) given once.
    pub(crate) status_code: Option<i64>,
    /// `apiCode`, when it is an integer (or a string holding one).
    pub(crate) api_code: Option<i64>,
    /// `message`, when it is text.
    pub(crate) message: Option<String>,
    /// `requestId`, when it is text.
    pub(crate) request_id: Option<String>,
}

/// Why a body has no head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoHead {
    Empty,
    NotJson,
    NotObject,
}

impl NoHead {
    fn describe(self) -> &'static str {
        match self {
            NoHead::Empty => "the answer has no body",
            NoHead::NotJson => "the answer is not JSON",
            NoHead::NotObject => "the answer is JSON but not an object",
        }
    }
}

impl Head {
    /// Reads the head of `body`. With `quick`, a body that starts with `{"statusCode":200,` is
    /// taken as a success head without reading further (its other head fields are not read);
    /// the caller decodes the whole body afterwards, which rejects a second `statusCode`.
    pub(crate) fn read(body: &[u8], quick: bool) -> Result<Head, NoHead> {
        if quick && body.starts_with(br#"{"statusCode":200,"#) {
            return Ok(Head {
                status_code: Some(SUCCESS),
                ..Head::default()
            });
        }
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            None => return Err(NoHead::Empty),
            Some(b'{') => {}
            Some(_) => {
                return Err(if serde_json::from_slice::<IgnoredAny>(body).is_ok() {
                    NoHead::NotObject
                } else {
                    NoHead::NotJson
                });
            }
        }
        let mut de = serde_json::Deserializer::from_slice(body);
        let head = de
            .deserialize_map(HeadVisitor)
            .map_err(|_| NoHead::NotJson)?;
        de.end().map_err(|_| NoHead::NotJson)?;
        Ok(head)
    }
}

/// A JSON value as far as a head field cares.
enum Scalar {
    Int(i64),
    Text(String),
    Other,
}

impl Scalar {
    fn int(self) -> Option<i64> {
        match self {
            Scalar::Int(n) => Some(n),
            Scalar::Text(s) => s.parse().ok(),
            Scalar::Other => None,
        }
    }
    fn text(self) -> Option<String> {
        match self {
            Scalar::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// Reads any JSON value without failing: integers (whole floats included) and text are kept,
/// everything else is skipped.
struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(i64::try_from(v).map_or(Scalar::Other, Scalar::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        let whole = v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64;
        Ok(if whole {
            Scalar::Int(v as i64)
        } else {
            Scalar::Other
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

/// Reads the head fields of a JSON object and skips every other value (`data` included)
/// without building it.
struct HeadVisitor;

impl<'de> Visitor<'de> for HeadVisitor {
    type Value = Head;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut head = Head::default();
        let mut status_seen = false;
        let mut status_conflict = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "statusCode" => {
                    let code = map.next_value_seed(ScalarSeed)?.int();
                    // A second statusCode makes the head unusable, whatever the values.
                    status_conflict |= status_seen;
                    status_seen = true;
                    head.status_code = code;
                }
                "apiCode" => head.api_code = map.next_value_seed(ScalarSeed)?.int(),
                "message" => head.message = map.next_value_seed(ScalarSeed)?.text(),
                "requestId" => head.request_id = map.next_value_seed(ScalarSeed)?.text(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if status_conflict {
            head.status_code = None;
        }
        Ok(head)
    }
}

/// The `x-request-id` response header, when it is text.
pub(crate) fn request_id_header(headers: &http::HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

/// A complete answer: status, headers, the whole body, and its head read once. The one shape
/// an answer has between the wire and the caller's type: the exchange makes it, the retry
/// decision reads it, and [`judge`](Self::judge) and [`decode`](Self::decode) end it.
pub(crate) struct Reply {
    pub(crate) status: http::StatusCode,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: bytes::Bytes,
    head: Result<Head, NoHead>,
    /// The operation whose call got this answer, named in every error the answer turns into
    /// (set by the send path, [`ClientState::send`](crate::send::ClientState::send)).
    pub(crate) operation: Option<&'static str>,
}

impl Reply {
    /// The answer, its head read from `body` ([`Head::read`], `quick` or whole).
    pub(crate) fn new(
        status: http::StatusCode,
        headers: http::HeaderMap,
        body: bytes::Bytes,
        quick: bool,
    ) -> Self {
        let head = Head::read(&body, quick);
        Self {
            status,
            headers,
            body,
            head,
            operation: None,
        }
    }

    /// The head, when the body has one.
    pub(crate) fn head(&self) -> Option<&Head> {
        self.head.as_ref().ok()
    }

    /// The request id: the `x-request-id` header, else the envelope's.
    pub(crate) fn request_id(&self) -> Option<&str> {
        request_id_header(&self.headers)
            .or_else(|| self.head().and_then(|h| h.request_id.as_deref()))
    }

    /// A generated operation's end: [`judge`](Self::judge), then the whole body decoded as `T`,
    /// the headers moved into the value.
    pub(crate) fn into_response<T: serde::de::DeserializeOwned>(
        self,
    ) -> Result<ResponseValue<T>, Error> {
        let reply = self.judge()?;
        let inner = reply.decode()?;
        Ok(ResponseValue::new(inner, reply.status, reply.headers))
    }

    /// Applies the success rule: the answer itself when it is a success, otherwise the error it
    /// stands for.
    pub(crate) fn judge(mut self) -> Result<Self, Error> {
        let status = self.status.as_u16();
        let head = std::mem::replace(&mut self.head, Err(NoHead::Empty));
        let header_id = || request_id_header(&self.headers).map(str::to_string);
        if !(200..300).contains(&status) {
            return Err(match head {
                Ok(Head {
                    status_code: Some(code),
                    api_code,
                    message,
                    request_id,
                }) if code != SUCCESS => Error::Api {
                    status_code: code,
                    api_code,
                    message: message.unwrap_or_default(),
                    request_id: request_id.or_else(header_id),
                    http_status: status,
                    operation: self.operation,
                },
                head => Error::Http {
                    status,
                    // Masked like a decode failure's: a non-envelope body may still carry
                    // personal data in its JSON strings.
                    body_snippet: masked_snippet(&self.body),
                    request_id: head.ok().and_then(|h| h.request_id).or_else(header_id),
                    operation: self.operation,
                },
            });
        }
        match head {
            Ok(head) if is_success(status, head.status_code) => {
                self.head = Ok(head);
                Ok(self)
            }
            Ok(Head {
                status_code: Some(code),
                api_code,
                message,
                request_id,
            }) => Err(Error::Api {
                status_code: code,
                api_code,
                message: message.unwrap_or_default(),
                request_id: request_id.or_else(header_id),
                http_status: status,
                operation: self.operation,
            }),
            Ok(head) => Err(self.unreadable(
                "the answer has no usable statusCode, so it cannot count as a success",
                head.request_id.or_else(header_id),
            )),
            Err(why) => Err(self.unreadable(why.describe(), header_id())),
        }
    }

    /// [`Error::Decode`] for this answer, with a masked start of the body.
    pub(crate) fn unreadable(
        &self,
        message: impl Into<String>,
        request_id: Option<String>,
    ) -> Error {
        Error::Decode {
            status: self.status.as_u16(),
            message: message.into(),
            body_snippet: masked_snippet(&self.body),
            request_id,
            operation: self.operation,
        }
    }

    /// The whole body of a success as `T`. A failure names where decoding stopped (e.g.
    /// `data.list[0].status: invalid type ...`); the body in the error is masked.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(&e))
    }

    /// The error for a success body that failed to decode with `e`: where it stopped, as a
    /// path worked out from the position the decoder reports (no second decode, so nothing
    /// more is compiled per answer type).
    fn decode_error(&self, e: &serde_json::Error) -> Error {
        let why = masked_reason(&e.to_string());
        let why = match json_path_at(&self.body, e.line(), e.column()) {
            Some(path) if !path.is_empty() => format!("{path}: {why}"),
            _ => why,
        };
        let id = Head::read(&self.body, false)
            .ok()
            .and_then(|h| h.request_id)
            .or_else(|| request_id_header(&self.headers).map(str::to_string));
        self.unreadable(why, id)
    }

    /// The `data` of a success as `T`. A missing `data` is read as `null`, so `T` decides
    /// (an `Option` or `serde_json::Value` takes it; most types do not).
    pub(crate) fn data<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        #[derive(serde::Deserialize)]
        struct Data<T> {
            #[serde(default = "none")]
            data: Option<T>,
        }
        fn none<T>() -> Option<T> {
            None
        }
        let found: Data<T> = self.decode()?;
        match found.data {
            Some(data) => Ok(data),
            None => serde_json::from_value(serde_json::Value::Null)
                .map_err(|e| self.unreadable(format!("data: {e}"), None)),
        }
    }
}

/// The path (`data.list[0].status`) of the value at `line` and `column` (1-based, as serde_json
/// reports them) in `body`: the keys and indexes of the containers open there, and the key
/// whose value is being read. `None` when the position is not in the body.
fn json_path_at(body: &[u8], line: usize, column: usize) -> Option<String> {
    // The byte offset of the position.
    let mut offset = 0;
    for _ in 1..line {
        offset += body[offset..].iter().position(|b| *b == b'\n')? + 1;
    }
    let end = (offset + column).min(body.len());
    enum Open {
        Object(Option<String>),
        Array(usize),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut last_string: Option<String> = None;
    let mut i = 0;
    while i < end {
        match body[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < body.len() && body[i] != b'"' {
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
                last_string =
                    Some(String::from_utf8_lossy(&body[start..i.min(body.len())]).into_owned());
            }
            b':' => {
                if let Some(Open::Object(key)) = stack.last_mut() {
                    *key = last_string.take();
                }
            }
            b',' => match stack.last_mut() {
                Some(Open::Array(index)) => *index += 1,
                Some(Open::Object(key)) => *key = None,
                None => {}
            },
            b'{' => stack.push(Open::Object(None)),
            b'[' => stack.push(Open::Array(0)),
            b'}' | b']' if i + 1 < end => {
                stack.pop();
            }
            // The position is this object's end (a missing field): the object itself.
            b'}' => {
                if let Some(Open::Object(key)) = stack.last_mut() {
                    *key = None;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for open in &stack {
        match open {
            Open::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Open::Object(None) => {}
            Open::Array(index) => path.push_str(&format!("[{index}]")),
        }
    }
    Some(path)
}

/// A decoder's reason with the values it quotes masked: serde writes the offending value
/// (`invalid type: string "a@b.c", expected i64`, ``unknown variant `x` ``), which may be
/// personal data. Field names (``missing field `email` ``) stay.
fn masked_reason(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut chars = reason.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        // A quoted value, as `{:?}` writes it: skip to the closing quote, past escapes.
        out.push_str("\"***\"");
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
    }
    // Values serde quotes with backticks: a number out of range or of the wrong type (a phone
    // number sent as one, say), a character, an enum value. Field names stay.
    for prefix in [
        "unknown variant `",
        "integer `",
        "floating point `",
        "character `",
    ] {
        let mut from = 0;
        while let Some(at) = out[from..].find(prefix) {
            let start = from + at + prefix.len();
            let Some(len) = out[start..].find('`') else {
                break;
            };
            out.replace_range(start..start + len, "***");
            from = start + "***`".len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &[u8]) -> Reply {
        let status = http::StatusCode::from_u16(status).unwrap();
        Reply::new(
            status,
            http::HeaderMap::new(),
            bytes::Bytes::copy_from_slice(body),
            false,
        )
    }

    fn judge(status: u16, body: &str) -> Result<(), Error> {
        reply(status, body.as_bytes()).judge().map(drop)
    }

    #[test]
    fn only_a_2xx_object_with_status_code_200_is_a_success() {
        for ok in [
            r#"{"statusCode":200,"message":"","data":{}}"#,
            r#"{"statusCode":200.0}"#,
            r#"{"statusCode":"200"}"#,
            r#" {"message":"ok","statusCode":200,"requestId":7}"#,
        ] {
            judge(200, ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        judge(204, r#"{"statusCode":200}"#).unwrap();
        for bad in [
            "",
            "  ",
            "null",
            "[]",
            "\"ok\"",
            "<html>",
            "{}",
            r#"{"statusCode":null}"#,
            r#"{"statusCode":"ok"}"#,
            r#"{"statusCode":{"v":200}}"#,
            r#"{"statusCode":200.5}"#,
            r#"{"statusCode":200,"statusCode":200}"#,
            r#"{"statusCode":200"#,
            r#"{"statusCode":200} x"#,
            r#"{"message":"denied","apiCode":40301}"#,
        ] {
            let err = judge(200, bad).expect_err(bad);
            assert!(
                matches!(err, Error::Decode { status: 200, .. }),
                "{bad}: {err:?}"
            );
            assert!(!err.is_retryable(), "{bad}");
        }
    }

    #[test]
    fn head_fields_are_read_one_by_one() {
        let err = judge(200, r#"{"statusCode":403,"message":"no","requestId":7}"#).unwrap_err();
        assert!(
            matches!(&err, Error::Api { status_code: 403, message, request_id: None, http_status: 200, .. } if message == "no"),
            "{err:?}"
        );
        let err = judge(
            200,
            r#"{"statusCode":"503","apiCode":"5001","message":[1]}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Api { status_code: 503, api_code: Some(5001), message, .. } if message.is_empty()),
            "{err:?}"
        );
        assert!(err.is_retryable());
        let head = Head::read(
            br#"{"data":{"statusCode":1,"x":[{"requestId":"no"}]},"requestId":"r-1","statusCode":200}"#,
            false,
        )
        .unwrap();
        assert_eq!(head.status_code, Some(200));
        assert_eq!(head.request_id.as_deref(), Some("r-1"));
        // The quick read trusts only the exact success prefix.
        assert_eq!(
            Head::read(br#"{"statusCode":200,"data":1}"#, true)
                .unwrap()
                .status_code,
            Some(200)
        );
        assert_eq!(
            Head::read(br#"{"statusCode":2000}"#, true)
                .unwrap()
                .status_code,
            Some(2000)
        );
    }

    #[test]
    fn other_statuses_are_http_or_api_errors() {
        let err = judge(503, "<html>busy</html>").unwrap_err();
        assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
        assert!(err.is_retryable());
        let err = judge(403, r#"{"statusCode":403,"apiCode":1,"message":"m"}"#).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Api {
                    status_code: 403,
                    http_status: 403,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = judge(500, r#"{"statusCode":200}"#).unwrap_err();
        assert!(matches!(err, Error::Http { status: 500, .. }), "{err:?}");
    }

    #[test]
    fn decode_failures_name_the_path_and_mask_values() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            count: i64,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Env {
            data: Vec<Inner>,
        }
        let body = br#"{"statusCode":200,"message":"ok","requestId":"r-9","data":[{"count":1},{"count":"x@y.z"}]}"#;
        let err = reply(200, body).decode::<Env>().unwrap_err();
        let Error::Decode {
            message,
            body_snippet,
            request_id,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(message.starts_with("data[1].count: "), "{message}");
        assert_eq!(
            json_path_at(br#"{"a":{"b":[1,{"c":"x"}]}}"#, 1, 20).as_deref(),
            Some("a.b[1].c")
        );
        // A missing field is reported at the end of its object: the object's path.
        assert_eq!(
            json_path_at(br#"{"data":{"x":1}}"#, 1, 15).as_deref(),
            Some("data")
        );
        assert_eq!(
            json_path_at(b"{\n\"k\":\n [true,\n 2]}", 4, 2).as_deref(),
            Some("k[1]")
        );
        assert_eq!(json_path_at(b"{}", 3, 1), None);
        assert_eq!(request_id.as_deref(), Some("r-9"));
        assert!(!body_snippet.contains("x@y.z"), "{body_snippet}");
        assert!(!format!("{err} {err:?}").contains("x@y.z"));
        assert_eq!(
            masked_reason(r#"invalid type: string "a@b", expected i64 at line 1"#),
            r#"invalid type: string "***", expected i64 at line 1"#
        );
        assert_eq!(
            masked_reason("unknown variant `secretive`, expected `a` or `b`"),
            "unknown variant `***`, expected `a` or `b`"
        );
        assert_eq!(
            masked_reason(r#"invalid type: string "[\"60b4\", \\\"x\"]", expected a sequence"#),
            r#"invalid type: string "***", expected a sequence"#
        );
        assert_eq!(
            masked_reason("missing field `email`"),
            "missing field `email`"
        );
        // Numbers and characters from the body are masked too; the expected type stays.
        assert_eq!(
            masked_reason("invalid value: integer `13800000000`, expected i32 at line 1"),
            "invalid value: integer `***`, expected i32 at line 1"
        );
        assert_eq!(
            masked_reason(
                "invalid type: floating point `1.5`, expected a string; invalid type: integer `-7`, expected u8"
            ),
            "invalid type: floating point `***`, expected a string; invalid type: integer `***`, expected u8"
        );
        assert_eq!(
            masked_reason("invalid type: character `x`, expected i64"),
            "invalid type: character `***`, expected i64"
        );
        // `data` missing: read as null, which an Option takes and a struct does not.
        let answer = reply(200, br#"{"statusCode":200}"#);
        assert_eq!(answer.data::<Option<i64>>().unwrap(), None);
        assert!(answer.data::<Inner>().is_err());
    }
}
