#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
mod client;
mod config;
pub mod envelope;
mod error;
mod generated;
pub mod operations;
mod retry;
mod sensitive;
pub mod signing;

pub use auth::Credentials;
pub use client::{
    ClientState, Clock, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TOTAL_TIMEOUT, ManagementClient, ManagementClientBuilder,
    NonceSource,
};
pub use config::{AuthMode, Brand, Lang};
pub use error::Error;
pub use generated::types;
pub use generated::{Client, ResponseValue};
pub use retry::RetryPolicy;
pub use sensitive::SensitiveString;

/// Everything a caller needs in scope: the per-tag operation traits and the envelope helpers.
pub mod prelude {
    pub use crate::envelope::{Envelope, ResponseExt};
    pub use crate::generated::prelude::*;
}
