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

#[cfg(test)]
mod tests {
    use super::{OPEN_ENUM_COUNT, OPEN_ENUMS};

    #[test]
    fn every_string_enum_keeps_unknown_values_and_known_ones_as_before() {
        assert_eq!(OPEN_ENUMS.len(), OPEN_ENUM_COUNT);
        if cfg!(feature = "all-groups") {
            assert!(OPEN_ENUM_COUNT >= 140, "{OPEN_ENUM_COUNT} string enums");
        }
        for (name, known, round_trip) in OPEN_ENUMS {
            let (json, shown, unknown) = round_trip("a-value-from-the-future");
            assert!(unknown, "{name}");
            assert_eq!(json, "\"a-value-from-the-future\"", "{name}");
            assert_eq!(shown, "a-value-from-the-future", "{name}");
            let (json, shown, unknown) = round_trip(known);
            assert!(!unknown, "{name}: `{known}` is a known value");
            assert_eq!(json, format!("{known:?}"), "{name}");
            assert_eq!(shown, *known, "{name}");
        }
    }
}
