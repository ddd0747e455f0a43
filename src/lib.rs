//! Rust SDK for the GenAuth (Authing) Management API V3.
#![forbid(unsafe_code)]

mod client;
pub mod envelope;
mod generated;
pub mod operations;
mod sensitive;

pub use client::ClientState;
pub use generated::Client;
pub use generated::types;
pub use sensitive::SensitiveString;

/// The client and the per-tag traits that carry the operations.
pub mod prelude {
    pub use crate::envelope::Envelope;
    pub use crate::generated::prelude::*;
}
