//! The whole generation, from the spec's JSON to the files build.rs writes, and
//! progenitor's settings for it (build.rs and the unit tests generate with the same ones).

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::syntax::module_items;
use crate::{
    builders, constructors, decoders, directions, docs, enums, envelopes, inline, lenient, pages,
    paths, requests, setters, spec,
};

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

/// genauth's cargo features that change what is generated.
pub struct Options<'a> {
    /// Whether an API group's feature is on, by feature name (`users`, `audit-logs`, ...: see
    /// [`spec::group_feature`]). Only the groups turned on are generated.
    pub group_enabled: &'a dyn Fn(&str) -> bool,
    /// `all-builders`: a builder for every type, not only for those a request can carry.
    pub all_builders: bool,
    /// `schemars`: `schemars::JsonSchema` on every generated type.
    pub schemars: bool,
}

/// The files build.rs writes to `$OUT_DIR`, each included by a module of genauth.
pub struct Output {
    /// `codegen.rs`: the progenitor client (builder style, one extension trait per tag),
    /// every `send` ending in the facade's send loop, the open enums' table, the envelope
    /// impls `into_data()` relies on and the unit tests' table of every operation.
    pub client: syn::File,
    /// `operations.rs`: the operation table (`genauth::operations`).
    pub operations: syn::File,
    /// `sensitive_fields.rs`: the names of secret fields, for error snippets.
    pub sensitive_fields: syn::File,
    /// `api_groups.rs`: one documentation page per API group (`genauth::api`).
    pub api_groups: syn::File,
    /// `lenient_impls.rs`: `Deserialize` for `crate::decoder::Lenient<T>`, one per lenient
    /// function, from the table the lenient pass names them from
    /// ([`lenient::LENIENT_FNS`]).
    pub lenient_impls: syn::File,
}

/// Runs progenitor and every pass, in order, over the spec `raw` (the JSON of
/// `openapi/management-v3.json`). Panics when the spec or the generated code is not what the
/// passes expect, so that a spec or progenitor change cannot silently undo one.
pub fn generate(mut raw: serde_json::Value, options: &Options) -> Output {
    // Each API group is a cargo feature: keep only the groups turned on.
    let groups = spec::keep_enabled_groups(&mut raw, options.group_enabled);
    assert_eq!(
        spec::string_patterns(&raw),
        0,
        "the spec constrains strings with `pattern`: the generated checks need the `regress` crate as a dependency of genauth"
    );
    let mut for_codegen = raw.clone();
    spec::optional_request_arrays(&mut for_codegen);
    let openapi: openapiv3::OpenAPI = serde_json::from_value(for_codegen)
        .unwrap_or_else(|e| panic!("the spec is not OpenAPI 3.0: {e}"));

    let mut generator = Generator::new(&settings(options.schemars));
    let client = generator
        .generate_tokens(&openapi)
        .unwrap_or_else(|e| panic!("progenitor rejected the spec: {e}"));
    let mut file: syn::File = syn::parse2(client).expect("generated client parses");

    // The passes over the generated code; the order matters where one reads what another
    // wrote (the lenient pass reads the enums that were opened).
    paths::checked_path_segments(&mut file, &raw);
    pages::add_page_streams(&mut file, &generator, &raw);
    let answers = requests::streamline_requests(&mut file, &raw);
    // No public constructor that can panic; nothing calls the hooks any more.
    constructors::drop_public_constructors(&mut file);
    // A builder for every type is the `all-builders` feature's; by default only the types a
    // request can carry have one.
    if !options.all_builders {
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
    let relaxed = lenient::lenient_decoding(module_items(&mut file, "types"), &opened);
    assert!(
        relaxed.relaxed > 0 && relaxed.defaulted_structs > 0,
        "the lenient pass found nothing to relax: {relaxed:?}"
    );
    // serde's derived Deserialize is most of the generated code: the structs get a written
    // one, with `visit_map` alone (after the lenient pass, whose attributes it reads).
    let written = decoders::write_decoders(module_items(&mut file, "types"));
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
    let operations = parsed(spec::operation_table(&raw, &groups));
    let sensitive_fields = parsed(spec::sensitive_fields(&raw));
    let api_groups = parsed(docs::group_pages(&file, &raw));
    // The client, with the passes' own items around it: added to the tree as it is, rather
    // than printed and parsed again.
    file.items.splice(0..0, parsed(open_enums).items);
    file.items.extend(parsed(envelopes).items);
    file.items.extend(parsed(answers).items);
    Output {
        client: file,
        operations,
        sensitive_fields,
        api_groups,
        lenient_impls: parsed(lenient::lenient_impls()),
    }
}

/// Generated code as a file.
fn parsed(tokens: proc_macro2::TokenStream) -> syn::File {
    syn::parse2(tokens).expect("generated code parses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_spec::two_operations;
    use quote::ToTokens;

    /// The two-operation spec with what the pipeline expects of any spec it is given: a
    /// string enum (`User.status`, so that there are enums to open and trim) and a secret
    /// (`CreateUserReqDto.password`).
    fn spec() -> serde_json::Value {
        let mut spec = two_operations();
        let schemas = &mut spec["components"]["schemas"];
        schemas["User"]["properties"]["status"] = serde_json::json!({
            "type": "string",
            "enum": ["Activated", "Suspended"]
        });
        schemas["CreateUserReqDto"]["properties"]["password"] = serde_json::json!({
            "type": "string",
            "format": "password",
            "x-genauth-sensitive": true
        });
        spec
    }

    fn generated(all_builders: bool) -> Output {
        generate(
            spec(),
            &Options {
                group_enabled: &|feature| feature == "users",
                all_builders,
                schemars: false,
            },
        )
    }

    /// The items of the module at `path` in `file` (`["types", "builder"]`).
    fn items<'a>(file: &'a syn::File, path: &[&str]) -> &'a [syn::Item] {
        let mut items = file.items.as_slice();
        for name in path {
            items = items
                .iter()
                .find_map(|item| match item {
                    syn::Item::Mod(m) if m.ident == name => m.content.as_ref(),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no module {name}"))
                .1
                .as_slice();
        }
        items
    }

    fn text(tokens: impl ToTokens) -> String {
        tokens.to_token_stream().to_string()
    }

    /// The struct `name` among `items`.
    fn find_struct<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a syn::ItemStruct> {
        items.iter().find_map(|item| match item {
            syn::Item::Struct(st) if st.ident == name => Some(st),
            _ => None,
        })
    }

    /// The traits implemented for type `name` among `items`, by their path's last segment.
    fn impls_for(items: &[syn::Item], name: &str) -> Vec<String> {
        items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(imp) if text(&imp.self_ty) == name => imp
                    .trait_
                    .as_ref()
                    .map(|(_, path, _)| path.segments.last().unwrap().ident.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The value of `static`/`const` `name` among `items`.
    fn value_of(items: &[syn::Item], name: &str) -> String {
        items
            .iter()
            .find_map(|item| match item {
                syn::Item::Static(s) if s.ident == name => Some(text(&s.expr)),
                syn::Item::Const(c) if c.ident == name => Some(text(&c.expr)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn every_file_prints_and_parses_back() {
        let out = generated(false);
        for file in [
            &out.client,
            &out.operations,
            &out.sensitive_fields,
            &out.api_groups,
            &out.lenient_impls,
        ] {
            let printed = prettyplease::unparse(file);
            let again: syn::File = syn::parse_str(&printed).expect("the printed file parses");
            assert_eq!(prettyplease::unparse(&again), printed);
        }
    }

    #[test]
    fn each_send_ends_in_the_facade_with_its_operation() {
        let out = generated(false);
        let builder = items(&out.client, &["builder"]);
        let mut ends = Vec::new();
        for item in builder {
            let syn::Item::Impl(imp) = item else { continue };
            for member in &imp.items {
                if let syn::ImplItem::Fn(f) = member
                    && f.sig.ident == "send"
                {
                    let last = f.block.stmts.last().unwrap();
                    ends.push((text(&imp.self_ty), text(last)));
                }
            }
        }
        ends.sort();
        let end = |op: &str| {
            let op = quote::format_ident!("{op}");
            text(quote! {
                client
                    .inner
                    .respond(
                        request,
                        genauth_query,
                        crate::send::Call::typed(&crate::operations::op::#op),
                    )
                    .await
            })
        };
        assert_eq!(
            ends,
            [
                (text(quote!(CreateUser<'a>)), end("CREATE_USER")),
                (text(quote!(GetUser<'a>)), end("GET_USER")),
            ]
        );
        // The unit tests' table names both, and the open enums' table the one enum.
        assert!(value_of(&out.client.items, "EVERY_OPERATION").contains("GET_USER"));
        assert_eq!(value_of(&out.client.items, "OPEN_ENUM_COUNT"), "1usize");
    }

    #[test]
    fn the_client_has_no_public_constructor_and_no_progenitor_trait() {
        let out = generated(false);
        let client_impls: Vec<String> = out
            .client
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(imp) if text(&imp.self_ty) == "Client" => Some(match &imp.trait_ {
                    Some((_, path, _)) => text(path),
                    None => "Client".to_string(),
                }),
                _ => None,
            })
            .collect();
        assert_eq!(client_impls, ["ClientUsersExt"]);
        let printed = prettyplease::unparse(&out.client);
        for gone in [
            "ClientInfo",
            "ClientHooks",
            "assert_client_hooks",
            "new_with_client",
        ] {
            assert!(!printed.contains(gone), "{gone}");
        }
    }

    #[test]
    fn the_types_are_open_lenient_and_decoded_only_where_answered() {
        let out = generated(false);
        let types = items(&out.client, &["types"]);
        // The enum keeps values the spec does not list.
        let status = types
            .iter()
            .find_map(|item| match item {
                syn::Item::Enum(e) if e.ident == "UserStatus" => Some(e),
                _ => None,
            })
            .expect("enum UserStatus");
        let variants: Vec<String> = status
            .variants
            .iter()
            .map(|v| v.ident.to_string())
            .collect();
        assert_eq!(variants, ["Activated", "Suspended", "UnknownValue"]);
        // What an answer holds gets a written decoder (no derive); the request body, which
        // is only sent, none; the secret is a `SensitiveString`.
        for answered in ["User", "UserRespDto"] {
            assert!(
                impls_for(types, answered).contains(&"Deserialize".to_string()),
                "{answered}"
            );
            assert!(!crate::syntax::derives(
                &find_struct(types, answered).unwrap().attrs,
                "Deserialize"
            ));
        }
        let body = find_struct(types, "CreateUserReqDto").unwrap();
        assert!(!crate::syntax::derives(&body.attrs, "Deserialize"));
        assert!(!impls_for(types, "CreateUserReqDto").contains(&"Deserialize".to_string()));
        let password = body
            .fields
            .iter()
            .find(|f| f.ident.as_ref().unwrap() == "password")
            .unwrap();
        assert!(
            text(&password.ty).contains("crate :: SensitiveString"),
            "{}",
            text(&password.ty)
        );
        // A required field that is missing decodes to its default.
        let user_id = find_struct(types, "User")
            .unwrap()
            .fields
            .iter()
            .find(|f| f.ident.as_ref().unwrap() == "user_id")
            .unwrap();
        assert!(crate::serde_attrs::SerdeAttrs::parse(&user_id.attrs).default);
        // Builders only for what a request carries, unless `all-builders`.
        let builders = |out: &Output| -> Vec<String> {
            items(&out.client, &["types", "builder"])
                .iter()
                .filter_map(|item| match item {
                    syn::Item::Struct(st) => Some(st.ident.to_string()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(builders(&out), ["CreateUserReqDto"]);
        assert_eq!(
            builders(&generated(true)),
            ["CreateUserReqDto", "User", "UserRespDto"]
        );
    }

    #[test]
    fn the_tables_and_pages_list_the_operations_and_the_secret() {
        let out = generated(false);
        let op = items(&out.operations, &["op"]);
        let get_user = value_of(op, "GET_USER");
        for field in [
            quote!(id: "getUser"),
            quote!(http_method: "GET"),
            quote!(path: "/api/v3/users/{userId}"),
            quote!(read_only: true),
            quote!(group: "Users"),
        ] {
            assert!(get_user.contains(&text(&field)), "{get_user}");
        }
        assert!(value_of(op, "CREATE_USER").contains(&text(quote!(read_only: false))));
        assert_eq!(
            value_of(&out.operations.items, "OPERATIONS"),
            text(quote!(&[op::CREATE_USER, op::GET_USER]))
        );
        assert_eq!(
            value_of(&out.operations.items, "GROUPS"),
            text(quote!(&["Users"]))
        );
        assert_eq!(
            value_of(&out.sensitive_fields.items, "SENSITIVE_FIELDS"),
            text(quote!(&["password"]))
        );
        // One page per group: its guide, then its operations.
        let [syn::Item::Mod(page)] = out.api_groups.items.as_slice() else {
            panic!("one page: {}", text(&out.api_groups));
        };
        assert_eq!(page.ident, "users");
        let doc = page.attrs.iter().map(text).collect::<String>();
        assert!(doc.contains("The accounts."), "{doc}");
        assert!(doc.contains("ClientUsersExt::get_user"), "{doc}");
    }
}
