//! The code progenitor generates from `openapi/management-v3.json` at build time.
//!
//! Nothing here is written by hand; `build.rs` writes it to `$OUT_DIR/codegen.rs`. The lints
//! allowed below are the generator's style, not ours.
#![allow(
    missing_docs,
    unused_imports,
    clippy::all,
    clippy::pedantic,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
