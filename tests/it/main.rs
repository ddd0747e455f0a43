//! The integration tests, in one binary (one per file would link the whole crate each time):
//! a module per concern, helpers in `support`. `tests/coverage.rs` stays a binary of its own,
//! because CI runs it alone with a single API group.

mod support;

mod decode_samples;
mod errors;
mod events;
mod faults;
mod from_env;
mod hardening;
mod merged_api;
mod mock_api;
mod no_panic;
mod pagination;
mod properties;
mod raw_request;
mod secrets;
mod seed_operation;
mod signing;
mod tenants;
mod tls_roots;
mod tls_roundtrip;
mod tracing_span;
mod webhook;
mod wire;
