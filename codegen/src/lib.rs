//! Passes that `genauth`'s build script runs over the types progenitor (typify) generates.
//!
//! Internal to the workspace: a build-dependency of `genauth`, kept apart so that each pass has
//! unit tests on small inputs. Every decision reads parsed syntax (attributes through syn's
//! attribute parser, types as paths), never printed token text.

pub mod lenient;
pub mod serde_attrs;
