//! progenitor's settings for the genauth client, in one place: build.rs and the unit tests
//! generate with the same ones.

use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

/// How progenitor generates the client: builder style, one extension trait per tag, the
/// facade's `crate::send::ClientState` as the client's inner state, and secret fields as
/// `crate::SensitiveString` (whose Debug is redacted). `schemars`: every generated type also
/// derives `schemars::JsonSchema` (the `schemars` feature; compile time few users need).
pub fn settings(schemars: bool) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Separate)
        .with_inner_type(quote!(crate::send::ClientState))
        .with_hooks(HooksMode::Expected)
        // Fields regen marked as secrets deserialize into a type whose Debug is redacted.
        .with_conversion(
            crate::spec::sensitive_string_schema(),
            "crate::SensitiveString",
            std::iter::empty(),
        );
    if schemars {
        settings.with_derive("schemars::JsonSchema");
    }
    settings
}
