#![cfg_attr(feature = "test-util", doc = include_str!("lib.md"))]
// Without `test-util` there is no `testing::MockApi`: the page's links to it go to "Features".
#![cfg_attr(
    not(feature = "test-util"),
    doc = concat!(include_str!("lib.md"), "\n[`testing::MockApi`]: #features\n")
)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod api;
mod api_code;
#[cfg(feature = "invitations")]
mod attribution;
mod auth;
mod builder;
mod client;
mod config;
mod decoder;
mod endpoint;
pub mod envelope;
mod error;
#[cfg(feature = "events")]
mod events;
mod exchange;
mod generated;
pub mod guide;
#[cfg(test)]
mod layering;
// Which helpers the generated code calls depends on the API groups compiled in.
#[cfg_attr(not(feature = "all-groups"), allow(dead_code))]
mod lenient;
pub mod operations;
mod pacing;
pub mod pagination;
#[cfg_attr(not(feature = "all-groups"), allow(dead_code))]
mod path;
#[cfg(feature = "events")]
mod publish;
mod redact;
pub mod request;
mod retry;
mod send;
mod sensitive;
pub mod signing;
#[cfg(feature = "spec")]
pub mod spec;
#[cfg(feature = "test-util")]
pub mod testing;
mod tls;
mod token;
#[cfg(feature = "totp")]
pub mod totp;
#[cfg(all(feature = "webhooks", feature = "users"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "webhooks", feature = "users"))))]
pub mod webhook;

pub use api_code::ApiCode;
#[cfg(feature = "invitations")]
pub use attribution::TargetDetail;
#[cfg(feature = "test-util")]
pub use auth::{Clock, NonceSource};
pub use builder::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TOTAL_TIMEOUT, ManagementClientBuilder,
};
pub use client::ManagementClient;
pub use config::{AuthMode, Brand, Lang};
pub use error::{Error, ResultExt};
#[cfg(feature = "events")]
pub use events::{Event, EventStream, SubscribeOptions};
pub use generated::ResponseValue;
pub use generated::types;
/// HTTP methods, for [`ManagementClient::request`].
pub use http::Method;
#[cfg(feature = "events")]
pub use publish::DEFAULT_EVENT_SOURCE;
pub use retry::RetryPolicy;
pub use sensitive::SensitiveString;

/// Everything a caller needs in scope: the per-tag operation traits, the envelope helpers and
/// [`ResultExt`] (`found()`).
pub mod prelude {
    pub use crate::ResultExt;
    pub use crate::envelope::{Envelope, ResponseExt};
    pub use crate::generated::prelude::*;
}

// The README's blocks compile as doctests; one of them uses `testing::MockApi`.
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "test-util"))]
pub struct ReadmeDoctests;
