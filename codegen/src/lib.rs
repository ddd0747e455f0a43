//! The passes `genauth`'s build script runs over the spec and over the code progenitor
//! generates from it. [`generate`] runs them all, in order; build.rs only reads the spec and
//! the cargo features, calls it and writes the files.
//!
//! A build-dependency of `genauth`, published with it and pinned to exactly its version; no API
//! here is stable. It is a crate of its own so that each pass has unit tests on small inputs. Every decision reads parsed syntax (attributes through syn's
//! attribute parser, paths and expressions through syn's visitors) or the spec, never printed
//! token text.

pub mod builders;
pub mod constructors;
pub mod decoders;
pub mod directions;
pub mod docs;
pub mod enums;
pub mod envelopes;
pub mod inline;
pub mod lenient;
pub mod pages;
pub mod paths;
mod pipeline;
pub mod requests;
pub mod serde_attrs;
pub mod setters;
pub mod spec;
pub mod syntax;
#[cfg(test)]
pub(crate) mod test_spec;

pub use pipeline::{Options, Output, generate, settings};
