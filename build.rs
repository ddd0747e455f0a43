//! Generates the API client from the vendored spec `openapi/management-v3.json`.
//!
//! Reads nothing else and never touches the network. This file only runs the passes, in
//! order, and writes their output; each pass lives in the `genauth-codegen` crate
//! (`codegen/`), with unit tests on small inputs. Output, in `$OUT_DIR`:
//! - `codegen.rs`: the progenitor client (builder style, one extension trait per tag), every
//!   `send` ending in the facade's send loop, and the envelope impls `into_data()` relies on;
//! - `operations.rs`: the operation table (`genauth::operations`);
//! - `sensitive_fields.rs`: the names of secret fields, for error snippets;
//! - `api_groups.rs`: one documentation page per API group (`genauth::api`).

use std::path::Path;

use genauth_codegen::{
    builders, decoders, directions, docs, enums, envelopes, inline, lenient, pages, paths,
    requests, setters, spec,
};
use progenitor::Generator;

const SPEC: &str = "openapi/management-v3.json";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    let text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let mut raw: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SPEC} is not JSON: {e}"));
    // Each API group is a cargo feature: keep only the groups turned on.
    let groups = spec::keep_enabled_groups(&mut raw, |feature| {
        let var = format!(
            "CARGO_FEATURE_{}",
            feature.to_ascii_uppercase().replace('-', "_")
        );
        std::env::var_os(var).is_some()
    });
    assert_eq!(
        spec::string_patterns(&raw),
        0,
        "{SPEC} constrains strings with `pattern`: the generated checks need the `regress` crate as a dependency of genauth"
    );
    let mut for_codegen = raw.clone();
    spec::optional_request_arrays(&mut for_codegen);
    let openapi: openapiv3::OpenAPI = serde_json::from_value(for_codegen)
        .unwrap_or_else(|e| panic!("{SPEC} is not OpenAPI 3.0: {e}"));

    // JSON Schema for every generated type costs compile time few users need: it is the
    // `schemars` feature's.
    let settings = genauth_codegen::settings(std::env::var_os("CARGO_FEATURE_SCHEMARS").is_some());
    let mut generator = Generator::new(&settings);
    let client = generator
        .generate_tokens(&openapi)
        .unwrap_or_else(|e| panic!("progenitor rejected {SPEC}: {e}"));
    let mut file: syn::File = syn::parse2(client).expect("generated client parses");

    // The passes over the generated code; the order matters where one reads what another
    // wrote (the lenient pass reads the enums that were opened).
    paths::checked_path_segments(&mut file, &raw);
    pages::add_page_streams(&mut file, &generator, &raw);
    let answers = requests::streamline_requests(&mut file, &raw);
    // A builder for every type is the `all-builders` feature's; by default only the types a
    // request can carry have one.
    if std::env::var_os("CARGO_FEATURE_ALL_BUILDERS").is_none() {
        builders::prune_type_builders(&mut file);
    }
    // Deserialize only where a response can hold the type.
    let decoding = directions::decode_only_answers(&mut file, &spec::alternatives(&raw));
    assert!(
        decoding.decoded > 0 && decoding.send_only > 0,
        "every type kept or lost Deserialize: {decoding:?}"
    );
    let (open_enums, opened) = enums::open_string_enums(&mut file);
    assert!(
        enums::fewer_enum_impls(&mut file) > 0,
        "no enum impl to trim"
    );
    let relaxed = lenient::lenient_decoding(
        genauth_codegen::syntax::module_items(&mut file, "types"),
        &opened,
    );
    assert!(
        relaxed.relaxed > 0 && relaxed.defaulted_structs > 0,
        "the lenient pass found nothing to relax: {relaxed:?}"
    );
    // serde's derived Deserialize is most of the generated code: the structs get a written
    // one, with `visit_map` alone (after the lenient pass, whose attributes it reads).
    let written =
        decoders::write_decoders(genauth_codegen::syntax::module_items(&mut file, "types"));
    assert!(written > 0, "no struct got a written decoder");
    docs::ref_field_docs(&mut file, &raw);
    assert!(
        setters::shared_conversions(&mut file) > 0,
        "no setter uses the shared conversion"
    );
    inline::inline_methods(&mut file);

    let envelopes = envelopes::envelope_impls(&generator, &raw);
    let answers = requests::every_operation_answered(&answers, &raw);
    // The tables the layers below the generated code read: each module includes its own.
    write_out("operations.rs", spec::operation_table(&raw, &groups));
    write_out("sensitive_fields.rs", spec::sensitive_fields(&raw));
    write_out("api_groups.rs", docs::group_pages(&file, &raw));
    // The client, with the passes' own items around it: added to the tree as it is, rather
    // than printed and parsed again.
    let items = |tokens| {
        syn::parse2::<syn::File>(tokens)
            .expect("generated items parse")
            .items
    };
    file.items.splice(0..0, items(open_enums));
    file.items.extend(items(envelopes));
    file.items.extend(items(answers));
    write_file("codegen.rs", &file);
}

/// Writes `code`, formatted, to `$OUT_DIR/name`.
fn write_out(name: &str, code: proc_macro2::TokenStream) {
    write_file(name, &syn::parse2(code).expect("generated code parses"));
}

/// Writes `file`, formatted, to `$OUT_DIR/name`.
fn write_file(name: &str, file: &syn::File) {
    let code = prettyplease::unparse(file);
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(name);
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
