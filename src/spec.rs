//! The OpenAPI document this crate was generated from (feature `spec`).
//!
//! `build.rs` generates the client from `openapi/management-v3.json`, which the package ships;
//! this module hands the same text to programs that read the spec themselves, such as the
//! `genauth` command line, so that what they check against is exactly what the client sends.
//! It holds every API group of the document, whichever group features are on.

/// The text of `openapi/management-v3.json`: an OpenAPI 3.0 document in JSON.
pub static OPENAPI_JSON: &str = include_str!("../openapi/management-v3.json");
