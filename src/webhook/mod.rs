//! Receiving webhook deliveries: check that a request came from your GenAuth (Authing) user
//! pool and read the event it carries.
//!
//! A webhook set up in the console (or with `create_webhook`) calls your URL with a body that
//! names the event (`eventName`) and carries its `data`. The delivery proves where it comes
//! from by carrying the secret you gave the webhook in a request header; no source describes
//! a signature over the body. [`WebhookVerifier::verify`] compares that header with your
//! copy of the secret, in constant time, reads the body and returns a [`Delivery`], or a
//! [`WebhookError`] that your handler turns into an HTTP status.
//!
//! ```
//! use genauth::webhook::{EventData, WebhookVerifier};
//! use http::HeaderMap;
//!
//! let verifier = WebhookVerifier::new("my-webhook-secret");
//! let mut headers = HeaderMap::new();
//! headers.insert("x-authing-webhook-secret", "my-webhook-secret".parse().unwrap());
//! headers.insert("content-type", "application/json".parse().unwrap());
//! let body = br#"{"eventName":"test","data":{}}"#;
//!
//! let delivery = verifier.verify(&headers, body).expect("a valid delivery");
//! assert_eq!(delivery.event.name, genauth::types::Events::Test);
//! assert!(matches!(delivery.event.data, EventData::Raw(_)));
//! ```
//!
//! What is known of the format, from which source, and what this module assumes where the
//! sources are silent: [`crate::guide::webhooks`].

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::Deserialize as _;
use serde_json::Value;

use crate::SensitiveString;
use crate::sensitive::constant_time_eq;
use crate::types::{Events, UserDto};

mod body;
#[cfg(test)]
mod tests;

/// The body size [`WebhookVerifier`] accepts unless told otherwise: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The request headers that may carry the webhook's secret, any one of which is accepted; when
/// a delivery has several, every one must hold the secret.
///
/// GenAuth's and Authing's webhook guides list `x-authing-webhook-secret` among the headers
/// of a delivery; their parameter tables name `X-Authing-Token` (Authing) and
/// `X-GenAuth-Token` (GenAuth) as the header the secret travels in.
pub const SECRET_HEADERS: [&str; 3] = [
    "x-authing-webhook-secret",
    "x-authing-token",
    "x-genauth-token",
];

/// The request header that names the user pool a delivery comes from (listed by both
/// webhook guides); see [`Delivery::userpool_id`].
pub const USERPOOL_ID_HEADER: &str = "x-authing-userpool-id";

/// Checks webhook deliveries against the webhook's secret.
///
/// Cheap to clone. `Debug` shows the settings with the secret as `[REDACTED]`, and no error
/// or log line ever holds it.
#[derive(Clone, Debug)]
pub struct WebhookVerifier {
    secret: SensitiveString,
    max_body_bytes: usize,
}

impl WebhookVerifier {
    /// A verifier for the webhook whose secret is `secret` (the "request key" set on the
    /// webhook). Surrounding whitespace, such as a secret file's trailing newline, is removed:
    /// HTTP strips it from header values, so it could never match. An empty secret refuses
    /// every delivery ([`WebhookError::NoSecret`]).
    pub fn new(secret: impl Into<SensitiveString>) -> Self {
        let secret = secret.into();
        let trimmed = secret.expose_secret().trim();
        let secret = if trimmed.len() == secret.expose_secret().len() {
            secret
        } else {
            SensitiveString::new(trimmed)
        };
        Self {
            secret,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The largest body accepted, in bytes ([`DEFAULT_MAX_BODY_BYTES`] unless set); a longer
    /// one is refused with [`WebhookError::TooLarge`]. The check runs on the body you pass in,
    /// so also give your HTTP server a limit on what it reads, such as this value.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The body limit in force.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Checks one delivery: its request headers and its body, exactly as received.
    ///
    /// In this order, stopping at the first failure:
    /// 1. the secret: at least one of the [`SECRET_HEADERS`] is present
    ///    ([`WebhookError::MissingSecret`]), and every value of every one of them equals the
    ///    secret, compared in constant time ([`WebhookError::WrongSecret`]);
    /// 2. the size: at most [`max_body_bytes`](Self::max_body_bytes)
    ///    ([`WebhookError::TooLarge`]);
    /// 3. the body: read as a form when `content-type` is
    ///    `application/x-www-form-urlencoded`, and as JSON otherwise (including when there is
    ///    no `content-type`); it must be readable ([`WebhookError::Unreadable`]) and name its
    ///    event with a non-empty text `eventName` ([`WebhookError::MissingEventName`]).
    ///
    /// The event's `data` never fails a delivery: a shape other than the one expected is kept
    /// as [`EventData::Raw`]. Nothing in an error comes from the body or the secret.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        self.check_secret(headers)?;
        if body.len() > self.max_body_bytes {
            return Err(WebhookError::TooLarge {
                limit: self.max_body_bytes,
            });
        }
        let (name, data) = if body::is_form(headers) {
            body::read_form(body)?
        } else {
            body::read_json(body)?
        };
        let name = name.parse().unwrap_or(Events::UnknownValue(name));
        let data = EventData::decode(&name, data);
        let userpool_id = headers
            .get(USERPOOL_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        Ok(Delivery {
            event: WebhookEvent { name, data },
            raw: Bytes::copy_from_slice(body),
            userpool_id,
        })
    }

    fn check_secret(&self, headers: &HeaderMap) -> Result<(), WebhookError> {
        let expected = self.secret.expose_secret().as_bytes();
        if expected.is_empty() {
            return Err(WebhookError::NoSecret);
        }
        let mut present = false;
        let mut all_match = true;
        for value in SECRET_HEADERS
            .iter()
            .flat_map(|name| headers.get_all(*name))
        {
            present = true;
            all_match &= constant_time_eq(value.as_bytes(), expected);
        }
        match (present, all_match) {
            (false, _) => Err(WebhookError::MissingSecret),
            (true, false) => Err(WebhookError::WrongSecret),
            (true, true) => Ok(()),
        }
    }
}

/// A delivery that passed [`WebhookVerifier::verify`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Delivery {
    /// The event, read from the body.
    pub event: WebhookEvent,
    /// The body exactly as received, byte for byte: for your own logs or reading of fields
    /// this crate does not model.
    pub raw: Bytes,
    /// The `x-authing-userpool-id` header, when present, non-empty and text.
    pub userpool_id: Option<String>,
}

/// An event: its name and what its `data` held.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The body's `eventName`. A name the spec does not list (`components.schemas.Events`) is
    /// kept as [`Events::UnknownValue`]; `Display` gives the name as sent.
    pub name: Events,
    /// The body's `data`, typed where its shape is known.
    pub data: EventData,
}

/// An event's `data`.
///
/// Only two shapes are typed, the ones the sources show: `user:created` carries the user, and
/// `user:updated` the user and what changed. For these two the user is decoded as the API's
/// user type, [`UserDto`], with the same lenient reading as API answers; when the data is not
/// that shape (not an object, a field of the wrong type, no `userId`), it is
/// [`Raw`](EventData::Raw) instead. Every other event's data is `Raw`; decode it yourself
/// with `serde_json::from_value` (the types of [`crate::types`] read leniently from a
/// `serde_json::Value` too).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EventData {
    /// `user:created`: the user.
    User(Box<UserDto>),
    /// `user:updated`: the user, and the `updates` field as sent.
    UserUpdated {
        /// The body's `data.user`.
        user: Box<UserDto>,
        /// The body's `data.updates`, untyped: its shape is not documented.
        updates: Value,
    },
    /// Any other event, or a typed event whose data had another shape: `data` as sent (`null`
    /// when the body had none). For a form body, the `data` field decoded as JSON, or as a
    /// JSON string when it is not JSON.
    Raw(Value),
}

impl EventData {
    fn decode(name: &Events, data: Value) -> Self {
        match name {
            Events::UserCreated => match user_of(&data) {
                Some(user) => EventData::User(user),
                None => EventData::Raw(data),
            },
            Events::UserUpdated => {
                if let Some(user) = data.get("user").and_then(user_of)
                    && let Some(updates) = data.get("updates")
                {
                    EventData::UserUpdated {
                        user,
                        updates: updates.clone(),
                    }
                } else {
                    EventData::Raw(data)
                }
            }
            _ => EventData::Raw(data),
        }
    }
}

/// `value` as the API's user, when it is an object that reads as one and names the user.
fn user_of(value: &Value) -> Option<Box<UserDto>> {
    if !value.is_object() {
        return None;
    }
    let user = UserDto::deserialize(value).ok()?;
    (!user.user_id.is_empty()).then(|| Box::new(user))
}

/// Why a delivery was refused. No variant holds anything from the body or the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The verifier's own secret is empty, so no delivery can prove anything: all are refused.
    /// A setting to fix on the receiving side.
    NoSecret,
    /// None of the [`SECRET_HEADERS`] is present.
    MissingSecret,
    /// A secret header holds another value than the secret.
    WrongSecret,
    /// The body is longer than the verifier accepts.
    TooLarge {
        /// The verifier's limit, in bytes.
        limit: usize,
    },
    /// The body cannot be read as JSON (or, for a form content type, as a form). The text
    /// says why and, for JSON, where, without quoting the body.
    Unreadable(String),
    /// The body has no `eventName`, or it is not text, or it is empty.
    MissingEventName,
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookError::NoSecret => {
                f.write_str("the webhook verifier has an empty secret: every delivery is refused")
            }
            WebhookError::MissingSecret => {
                f.write_str("the delivery carries no webhook secret header")
            }
            WebhookError::WrongSecret => f.write_str("the delivery's webhook secret is wrong"),
            WebhookError::TooLarge { limit } => {
                write!(f, "the body is over the limit of {limit} bytes")
            }
            WebhookError::Unreadable(why) => write!(f, "the body cannot be read: {why}"),
            WebhookError::MissingEventName => {
                f.write_str("the body has no event name (`eventName` as non-empty text)")
            }
        }
    }
}

impl std::error::Error for WebhookError {}

impl WebhookError {
    /// The HTTP status to answer the delivery with: 401 for a missing or wrong secret, 413 for
    /// a body over the limit, 400 for a body that cannot be read, 500 for a verifier without
    /// a secret.
    pub fn http_status(&self) -> StatusCode {
        match self {
            WebhookError::NoSecret => StatusCode::INTERNAL_SERVER_ERROR,
            WebhookError::MissingSecret | WebhookError::WrongSecret => StatusCode::UNAUTHORIZED,
            WebhookError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookError::Unreadable(_) | WebhookError::MissingEventName => StatusCode::BAD_REQUEST,
        }
    }
}
