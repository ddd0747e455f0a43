//! Generates the API client from the vendored spec `openapi/management-v3.json`.
//!
//! Reads nothing else and never touches the network. This file only reads the spec and the
//! cargo features, runs the generation (`genauth_codegen::generate`, in the `genauth-codegen`
//! crate, `codegen/`, where each pass has unit tests on small inputs and the whole pipeline
//! one on a small spec) and writes its output to `$OUT_DIR`:
//! - `codegen.rs`: the progenitor client (builder style, one extension trait per tag), every
//!   `send` ending in the facade's send loop, and the envelope impls `into_data()` relies on;
//! - `operations.rs`: the operation table (`genauth::operations`);
//! - `sensitive_fields.rs`: the names of secret fields, for error snippets;
//! - `api_groups.rs`: one documentation page per API group (`genauth::api`);
//! - `lenient_impls.rs`: how `crate::decoder::Lenient<T>` decodes, from the codegen crate's
//!   table of lenient functions (`genauth_codegen::lenient::LENIENT_FNS`).

use std::path::Path;

use genauth_codegen::Options;

const SPEC: &str = "openapi/management-v3.json";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    let text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let raw: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SPEC} is not JSON: {e}"));
    let feature = |name: &str| {
        let var = format!(
            "CARGO_FEATURE_{}",
            name.to_ascii_uppercase().replace('-', "_")
        );
        std::env::var_os(var).is_some()
    };
    let out = genauth_codegen::generate(
        raw,
        &Options {
            // Each API group is a cargo feature.
            group_enabled: &feature,
            all_builders: feature("all-builders"),
            schemars: feature("schemars"),
        },
    );
    write_file("operations.rs", &out.operations);
    write_file("sensitive_fields.rs", &out.sensitive_fields);
    write_file("api_groups.rs", &out.api_groups);
    write_file("codegen.rs", &out.client);
    write_file("lenient_impls.rs", &out.lenient_impls);
}

/// Writes `file`, formatted, to `$OUT_DIR/name`.
fn write_file(name: &str, file: &syn::File) {
    let code = prettyplease::unparse(file);
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(name);
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
