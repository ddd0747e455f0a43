//! Generates the API client from the vendored spec `openapi/management-v3.json`.
//!
//! Reads nothing else and never touches the network. Output, all in `$OUT_DIR/codegen.rs`:
//! the progenitor client (builder style, one extension trait per tag), with every `send`
//! ending in the facade's send loop; the envelope impls `into_data()` relies on; and the
//! operation table (method name, operationId, read or write, group). The passes over the
//! generated types live in the `genauth-codegen` crate (`codegen/`), with unit tests.

use std::collections::BTreeSet;
use std::path::Path;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::{ToTokens, format_ident, quote};

const SPEC: &str = "openapi/management-v3.json";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    let text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let mut raw: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SPEC} is not JSON: {e}"));
    let groups = keep_enabled_groups(&mut raw);
    let mut for_codegen = raw.clone();
    optional_request_arrays(&mut for_codegen);
    let spec: openapiv3::OpenAPI = serde_json::from_value(for_codegen)
        .unwrap_or_else(|e| panic!("{SPEC} is not OpenAPI 3.0: {e}"));

    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Separate)
        .with_inner_type(quote!(crate::client::ClientState))
        .with_hooks(HooksMode::Expected)
        // Fields regen marked as secrets deserialize into a type whose Debug is redacted.
        .with_conversion(
            sensitive_string_schema(),
            "crate::SensitiveString",
            std::iter::empty(),
        );

    // JSON Schema for every generated type costs compile time few users need: it is the
    // `schemars` feature's.
    if std::env::var_os("CARGO_FEATURE_SCHEMARS").is_some() {
        settings.with_derive("schemars::JsonSchema");
    }
    let mut generator = Generator::new(&settings);
    let client = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor rejected {SPEC}: {e}"));
    let client = checked_path_segments(client, &raw);
    let mut file: syn::File = syn::parse2(client).expect("generated client parses");
    add_page_streams(&mut file, &generator, &raw);
    let answers = streamline_requests(&mut file, &raw);
    // A builder for every type is the `all-builders` feature's; by default only the types a
    // request can carry have one.
    if std::env::var_os("CARGO_FEATURE_ALL_BUILDERS").is_none() {
        prune_type_builders(&mut file);
    }
    let (open_enums, opened) = open_string_enums(&mut file);
    let lenient =
        genauth_codegen::lenient::lenient_decoding(module_items(&mut file, "types"), &opened);
    assert!(
        lenient.relaxed > 0 && lenient.defaulted_structs > 0,
        "the lenient pass found nothing to relax: {lenient:?}"
    );
    ref_field_docs(&mut file, &raw);
    write_group_guides(&file, &raw);
    let client = quote!(#file);
    let envelopes = envelope_impls(&generator, &raw);
    let operations = operation_table(&raw, &groups);
    let answers = every_operation_answered(&answers, &raw);
    let sensitive = sensitive_fields(&raw);

    let file = quote! {
        #open_enums
        #client
        #envelopes
        #operations
        #answers
        #sensitive
    };
    let ast = syn::parse2(file).expect("generated code parses");
    let code = prettyplease::unparse(&ast);
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("codegen.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// The exact schema regen writes for a secret string field (docs aside, which typify ignores
/// when matching).
fn sensitive_string_schema() -> schemars08::schema::SchemaObject {
    serde_json::from_value(serde_json::json!({
        "type": "string",
        "format": "password",
        "x-genauth-sensitive": true
    }))
    .expect("valid schema object")
}

/// `impl crate::envelope::Envelope` for every response type shaped like the API's envelope
/// (`statusCode`, `message`, `data`, optional `apiCode` and `requestId`).
fn envelope_impls(generator: &Generator, raw: &serde_json::Value) -> proc_macro2::TokenStream {
    let schemas = raw["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    let envelope_names: BTreeSet<&str> = schemas
        .iter()
        .filter(|(_, s)| {
            let props = &s["properties"];
            ["statusCode", "message", "data"]
                .iter()
                .all(|k| props.get(k).is_some())
        })
        .map(|(name, _)| name.as_str())
        .collect();

    let space = generator.get_type_space();
    let mut impls = Vec::new();
    for ty in space.iter_types() {
        if !envelope_names.contains(ty.name().as_str()) {
            continue;
        }
        let typify::TypeDetails::Struct(details) = ty.details() else {
            continue;
        };
        let mut data_ty = None;
        let mut fields = std::collections::BTreeMap::new();
        for prop in details.properties_info() {
            let prop_ty = space.get_type(&prop.type_id).expect("property type exists");
            if prop.name == "data" {
                data_ty = Some(prop_ty.ident());
            }
            fields.insert(prop.name.to_string(), prop.required);
        }
        let Some(data_ty) = data_ty else { continue };
        let ident = ty.ident();
        let opt_num = |field: &str| {
            let f = format_ident!("{field}");
            match fields.get(field) {
                Some(true) => quote!(Some(self.#f)),
                Some(false) => quote!(self.#f),
                None => quote!(None),
            }
        };
        let opt_str = |field: &str| {
            let f = format_ident!("{field}");
            match fields.get(field) {
                Some(true) => quote!(Some(self.#f.as_str())),
                Some(false) => quote!(self.#f.as_deref()),
                None => quote!(None),
            }
        };
        let status = opt_num("status_code");
        let api_code = opt_num("api_code");
        let message = opt_str("message");
        let request_id = opt_str("request_id");
        impls.push(quote! {
            impl crate::envelope::Envelope for #ident {
                type Data = #data_ty;
                fn status_code(&self) -> Option<i64> { #status }
                fn api_code(&self) -> Option<i64> { #api_code }
                fn message(&self) -> Option<&str> { #message }
                fn request_id(&self) -> Option<&str> { #request_id }
                fn take_data(self) -> Self::Data { self.data }
            }
        });
    }
    quote! { #(#impls)* }
}

/// One entry per operation, sorted by method name (progenitor's name for it): the spec's
/// operationId and whether it only reads.
fn operation_table(raw: &serde_json::Value, groups: &[String]) -> proc_macro2::TokenStream {
    use heck::ToSnakeCase;
    let mut rows = std::collections::BTreeMap::new();
    for (path, item) in raw["paths"].as_object().expect("paths") {
        for (http_method, op) in item.as_object().expect("path item") {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let read = op["x-genauth-read"] == serde_json::Value::Bool(true);
            let paged = op.get("x-genauth-pagination").is_some();
            let group = op["tags"][0].as_str().unwrap_or("").to_string();
            // progenitor names methods with heck's snake case of the operationId.
            let http_method = http_method.to_ascii_uppercase();
            rows.insert(
                id.to_snake_case(),
                (
                    id.to_string(),
                    read,
                    paged,
                    http_method,
                    path.clone(),
                    group,
                ),
            );
        }
    }
    let entries = rows
        .iter()
        .map(|(method, (id, read, paged, http_method, path, group))| {
            quote! {
                crate::operations::Operation {
                    method: #method, id: #id, http_method: #http_method, path: #path,
                    read_only: #read, paginated: #paged, group: #group
                }
            }
        });
    quote! {
        pub(crate) static OPERATIONS: &[crate::operations::Operation] = &[#(#entries),*];
        pub(crate) static GROUPS: &[&str] = &[#(#groups),*];
    }
}

/// The names of every property regen marked as a secret, sorted, so that error snippets can
/// redact their values.
fn sensitive_fields(raw: &serde_json::Value) -> proc_macro2::TokenStream {
    let mut names = std::collections::BTreeSet::new();
    for schema in raw["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
        .values()
    {
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        for (name, property) in properties {
            if property["x-genauth-sensitive"] == serde_json::Value::Bool(true) {
                names.insert(name.as_str());
            }
        }
    }
    let names = names.into_iter();
    quote! {
        pub(crate) static SENSITIVE_FIELDS: &[&str] = &[#(#names),*];
    }
}

/// Makes every optional array property of a schema that a request body reaches `nullable`, so
/// that typify generates `Option<Vec<T>>` instead of a `Vec<T>` skipped when empty: a field the
/// caller set to `[]` then goes on the wire (clearing a list), and a field left unset does not.
/// Changes only the in-memory copy progenitor sees, never the vendored spec. Returns how many
/// properties changed.
fn optional_request_arrays(spec: &mut serde_json::Value) -> usize {
    let bodies: Vec<serde_json::Value> = spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
        .filter_map(|op| op.get("requestBody").cloned())
        .collect();
    let reached = reachable_schemas(spec, &bodies);
    let mut changed = 0;
    for name in &reached {
        let schema = &mut spec["components"]["schemas"][name];
        let required: BTreeSet<String> = schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let Some(props) = schema["properties"].as_object_mut() else {
            continue;
        };
        for (prop, value) in props.iter_mut() {
            if required.contains(prop) || value["type"] != "array" {
                continue;
            }
            value["nullable"] = serde_json::Value::Bool(true);
            changed += 1;
        }
    }
    changed
}

/// Routes every path parameter through `crate::path::segment`, which keeps it one path segment
/// (`\` escaped as well as `/`) and refuses `.`, `..` and the empty string with
/// `Error::InvalidRequest`, instead of progenitor's `encode_path`, which lets the URL parser
/// turn `..` or `a\..\b` into another path that the signature would then cover.
fn checked_path_segments(
    client: proc_macro2::TokenStream,
    raw: &serde_json::Value,
) -> proc_macro2::TokenStream {
    let text = client.to_string();
    let needle = "encode_path (& ";
    let mut out = String::with_capacity(text.len() + 1024);
    let mut rest = text.as_str();
    let mut replaced = 0;
    while let Some(at) = rest.find(needle) {
        out.push_str(&rest[..at]);
        let after = &rest[at + needle.len()..];
        let end = after
            .find(" . to_string ())")
            .expect("encode_path takes `&ident.to_string()`");
        let ident = after[..end].trim();
        assert!(
            ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "unexpected path argument `{ident}`"
        );
        out.push_str(&format!(
            "crate::path::segment(\"{ident}\", &{ident}.to_string()).map_err(Error::InvalidRequest)?"
        ));
        rest = &after[end + " . to_string ())".len()..];
        replaced += 1;
    }
    out.push_str(rest);
    let expected: usize = raw["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let params = path.matches('{').count();
            params * item.as_object().map_or(0, |ops| ops.len())
        })
        .sum();
    assert_eq!(
        replaced, expected,
        "every path parameter must go through crate::path::segment"
    );
    out.parse().expect("rewritten client still tokenizes")
}

/// Gives the request builder of every operation regen marked `x-genauth-pagination` an
/// `into_stream()` over all its items (see `src/pagination.rs`). The methods go inside the
/// generated `builder` module, where the builders' fields are visible.
fn add_page_streams(file: &mut syn::File, generator: &Generator, raw: &serde_json::Value) {
    use heck::ToUpperCamelCase;
    let space = generator.get_type_space();
    let type_named = |name: &str| space.iter_types().find(|t| t.name() == name);
    let schema_name = |v: &serde_json::Value| {
        v["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_string)
    };
    let mut items: Vec<syn::Item> = Vec::new();
    for item in raw["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            let Some(mark) = op.get("x-genauth-pagination") else {
                continue;
            };
            let id = op["operationId"].as_str().expect("operationId");
            let builder = format_ident!("{}", id.to_upper_camel_case());
            let envelope =
                schema_name(&op["responses"]["200"]["content"]["application/json"]["schema"])
                    .unwrap_or_else(|| panic!("{id}: paginated answer has no schema"));
            let data = schema_name(&raw["components"]["schemas"][&envelope]["properties"]["data"])
                .unwrap_or_else(|| panic!("{id}: paginated answer has no data schema"));
            let data_ty = type_named(&data).unwrap_or_else(|| panic!("{id}: no type for {data}"));
            let typify::TypeDetails::Struct(details) = data_ty.details() else {
                panic!("{id}: {data} is not a struct");
            };
            let mut item_ty = None;
            let mut total = quote!(None);
            for prop in details.properties_info() {
                if prop.name == "list" {
                    let ty = space.get_type(&prop.type_id).expect("property type");
                    let list_id = match ty.details() {
                        typify::TypeDetails::Option(inner) => inner,
                        _ => prop.type_id.clone(),
                    };
                    let list_ty = space.get_type(&list_id).expect("list type");
                    let typify::TypeDetails::Vec(inner) = list_ty.details() else {
                        panic!("{id}: {data}.list is not a list");
                    };
                    item_ty = Some(space.get_type(&inner).expect("item type").ident());
                } else if Some(prop.name)
                    == mark["total"]
                        .as_str()
                        .map(heck::ToSnakeCase::to_snake_case)
                        .as_deref()
                {
                    let field = format_ident!("{}", prop.name);
                    total = quote!(crate::pagination::Total::total(data.#field));
                }
            }
            let item_ty = item_ty.unwrap_or_else(|| panic!("{id}: {data} has no list"));
            let at_page = match mark["page"].as_str() {
                Some("query") => quote!(self.page(page)),
                Some(place @ ("body" | "body.options.pagination" | "body.pagination")) => {
                    let body_schema =
                        schema_name(&op["requestBody"]["content"]["application/json"]["schema"])
                            .unwrap_or_else(|| panic!("{id}: paged body has no schema"));
                    let body_ty = type_named(&body_schema)
                        .unwrap_or_else(|| panic!("{id}: no type for {body_schema}"))
                        .ident();
                    let path: Vec<&str> = match place {
                        "body" => vec!["page"],
                        "body.pagination" => vec!["pagination", "page"],
                        _ => vec!["options", "pagination", "page"],
                    };
                    quote! {{
                        let mut this = self;
                        this.body = this.body.and_then(|body| {
                            crate::pagination::set_page::<#body_ty, _>(body, &[#(#path),*], page)
                        });
                        this
                    }}
                }
                other => panic!("{id}: unknown page place {other:?}"),
            };
            let doc = " Every item of every page of this call, fetched a page at a time as the stream is polled (see [`crate::pagination`]). The page number is set for each page; the other settings are kept.";
            items.push(syn::parse_quote! {
                impl<'a> #builder<'a> {
                    #[doc = #doc]
                    pub fn into_stream(self) -> crate::pagination::Pages<'a, #item_ty> {
                        crate::pagination::Pages::new(move |page: i64| {
                            let request = self.clone().at_page(page);
                            Box::pin(async move {
                                let response = request.send().await?;
                                let data = crate::envelope::ResponseExt::into_data(response)?;
                                Ok(crate::pagination::Page::new(data.list, #total))
                            })
                        })
                    }

                    fn at_page(self, page: i64) -> Self {
                        #at_page
                    }
                }
            });
        }
    }
    module_items(file, "builder").extend(items);
}

/// Lighter request set-up in every operation's `send`, which progenitor writes for any API,
/// and [`crate::Error`] as its only error:
/// - the `api-version` header map goes (the API has no such header; progenitor stamps the
///   spec's version on every request);
/// - `client.client.<method>(url)`, which parses the whole URL string (host included) each
///   time, becomes `client.inner.start(..)`: the client's host, parsed once, with this path,
///   and a header map sized for every header the request will get. `url` is the path alone:
///   a literal, or formatted when it has parameters;
/// - the end (`pre`, `exec` and `post` hooks, `ResponseValue::from_response`) becomes
///   `client.inner.respond(.., Call { .. })`: the send loop with the operation's facts
///   written in (name, read or write), the success rule, and decoding from the bytes it read;
/// - `send` returns `Result<ResponseValue<T>, crate::Error>`: the builder module imports
///   `crate::Error` instead of progenitor's (both have `InvalidRequest(String)`), and a
///   request that cannot be built is `Error::InvalidRequest`.
///
/// Every match reads syntax, never printed tokens. Panics when the generated code no longer
/// has the expected shape, so that a progenitor upgrade cannot silently undo this.
fn streamline_requests(file: &mut syn::File, raw: &serde_json::Value) -> Vec<(String, syn::Type)> {
    use heck::ToSnakeCase;
    fn is_ident(expr: &syn::Expr, name: &str) -> bool {
        matches!(expr, syn::Expr::Path(p) if p.path.is_ident(name))
    }
    fn is_str(expr: &syn::Expr, value: &str) -> bool {
        matches!(expr, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if s.value() == value)
    }
    /// `base.member`, e.g. `client.client`.
    fn is_field(expr: &syn::Expr, base: &str, member: &str) -> bool {
        matches!(expr, syn::Expr::Field(f)
            if is_ident(&f.base, base)
                && matches!(&f.member, syn::Member::Named(m) if m == member))
    }
    /// The method call an expression statement or `let` makes, under `?` and `.await`.
    fn method_called(stmt: &syn::Stmt) -> Option<String> {
        let mut expr = match stmt {
            syn::Stmt::Expr(e, _) => e,
            syn::Stmt::Local(l) => &*l.init.as_ref()?.expr,
            _ => return None,
        };
        loop {
            expr = match expr {
                syn::Expr::Try(t) => &t.expr,
                syn::Expr::Await(a) => &a.base,
                syn::Expr::MethodCall(c) => return Some(c.method.to_string()),
                _ => return None,
            };
        }
    }
    fn local_named<'a>(stmt: &'a mut syn::Stmt, name: &str) -> Option<&'a mut syn::Expr> {
        match stmt {
            syn::Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == name) => {
                local.init.as_mut().map(|init| &mut *init.expr)
            }
            _ => None,
        }
    }
    fn is_header_map_setup(stmt: &syn::Stmt) -> bool {
        match stmt {
            syn::Stmt::Local(local) => {
                matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "header_map")
            }
            syn::Stmt::Expr(syn::Expr::MethodCall(call), _) => {
                is_ident(&call.receiver, "header_map")
                    && call.method == "append"
                    && call.args.first().is_some_and(|a| match a {
                        // `HeaderName::from_static("api-version")`
                        syn::Expr::Call(c) => {
                            c.args.first().is_some_and(|a| is_str(a, "api-version"))
                        }
                        other => is_str(other, "api-version"),
                    })
            }
            _ => false,
        }
    }
    /// Rewrites the request chain; returns (starts replaced, `.headers(header_map)` removed).
    fn rewrite_chain(expr: &mut syn::Expr) -> (usize, usize) {
        let syn::Expr::MethodCall(call) = expr else {
            return (0, 0);
        };
        if call.method == "headers" && call.args.len() == 1 && is_ident(&call.args[0], "header_map")
        {
            let receiver = std::mem::replace(&mut *call.receiver, syn::parse_quote!(()));
            *expr = receiver;
            let (starts, removed) = rewrite_chain(expr);
            return (starts, removed + 1);
        }
        let method = call.method.to_string();
        let start = ["get", "post", "put", "delete", "patch"].contains(&method.as_str())
            && call.args.len() == 1
            && is_ident(&call.args[0], "url")
            && is_field(&call.receiver, "client", "client");
        if start {
            let verb = format_ident!("{}", method.to_ascii_uppercase());
            *expr = syn::parse_quote! {
                client.inner.start(&client.client, ::reqwest::Method::#verb, &url)
            };
            return (1, 0);
        }
        rewrite_chain(&mut call.receiver)
    }
    /// `format!("{}/api/v3/x/{}", client.baseurl, id)` without the host: `format!("/api/v3/x/{}",
    /// id)`, or the literal itself when the path has no parameter.
    fn path_only(expr: &syn::Expr) -> syn::Expr {
        use syn::punctuated::Punctuated;
        let syn::Expr::Macro(m) = expr else {
            panic!("the URL is not made by a macro: {}", expr.to_token_stream());
        };
        assert!(
            m.mac.path.is_ident("format"),
            "the URL is not made by format!"
        );
        let args = m
            .mac
            .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            .expect("format! arguments parse");
        let mut args = args.into_iter();
        let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(template),
            ..
        })) = args.next()
        else {
            panic!("format! without a literal template");
        };
        let path = template
            .value()
            .strip_prefix("{}")
            .expect("the URL template starts with the host")
            .to_string();
        assert!(
            args.next()
                .is_some_and(|host| is_field(&host, "client", "baseurl")),
            "the host comes first"
        );
        let rest: Vec<syn::Expr> = args.collect();
        if rest.is_empty() {
            assert!(
                !path.contains(['{', '}']),
                "a literal path has no braces: {path}"
            );
            syn::parse_quote!(#path)
        } else {
            syn::parse_quote!(format!(#path, #(#rest),*))
        }
    }
    /// The operation id in `let info = OperationInfo { operation_id: "..." };`.
    fn operation_id(expr: &syn::Expr) -> String {
        let syn::Expr::Struct(st) = expr else {
            panic!("`info` is not a struct literal");
        };
        st.fields
            .iter()
            .find_map(|f| match (&f.member, &f.expr) {
                (
                    syn::Member::Named(m),
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }),
                ) if m == "operation_id" => Some(s.value()),
                _ => None,
            })
            .expect("OperationInfo has a literal operation_id")
    }
    /// `use super::{.., Error, ..}` without `Error`; `true` when it was there.
    fn drop_error_import(tree: &mut syn::UseTree) -> bool {
        match tree {
            syn::UseTree::Path(p) => drop_error_import(&mut p.tree),
            syn::UseTree::Group(g) => {
                let before = g.items.len();
                g.items = std::mem::take(&mut g.items)
                    .into_iter()
                    .filter(|t| !matches!(t, syn::UseTree::Name(n) if n.ident == "Error"))
                    .collect();
                before != g.items.len()
            }
            _ => false,
        }
    }

    // Which operations only read, by client method name (heck's snake case of the operationId,
    // as progenitor names them).
    let mut reads = std::collections::BTreeMap::new();
    for item in raw["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if let Some(id) = op["operationId"].as_str() {
                reads.insert(id.to_snake_case(), op["x-genauth-read"] == true);
            }
        }
    }
    let items = module_items(file, "builder");
    let imports = items
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Use(u) => Some(drop_error_import(&mut u.tree)),
            _ => None,
        })
        .filter(|dropped| *dropped)
        .count();
    assert_eq!(
        imports, 1,
        "the builder module imports progenitor's Error once"
    );
    items.push(syn::parse_quote!(
        use crate::Error;
    ));
    let (mut starts, mut removed_maps, mut removed_setups, mut tails, mut paths) = (0, 0, 0, 0, 0);
    let mut answered = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        for member in &mut imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            // `Result<ResponseValue<T>, Error<()>>` -> `Result<ResponseValue<T>, Error>`.
            let syn::ReturnType::Type(_, ty) = &mut f.sig.output else {
                panic!("send returns a Result");
            };
            let syn::Type::Path(result) = &mut **ty else {
                panic!("send returns a Result");
            };
            let syn::PathArguments::AngleBracketed(args) =
                &mut result.path.segments.last_mut().expect("Result").arguments
            else {
                panic!("send returns Result<_, _>");
            };
            let error = args.args.last_mut().expect("Result<_, E>");
            *error = syn::parse_quote!(Error);
            // `ResponseValue<T>`: T, for the table of answers.
            let answer_ty = match args.args.first() {
                Some(syn::GenericArgument::Type(syn::Type::Path(rv))) => {
                    match &rv.path.segments.last().expect("ResponseValue").arguments {
                        syn::PathArguments::AngleBracketed(inner) => match inner.args.first() {
                            Some(syn::GenericArgument::Type(t)) => t.clone(),
                            _ => panic!("ResponseValue<T>"),
                        },
                        _ => panic!("ResponseValue<T>"),
                    }
                }
                _ => panic!("send returns Result<ResponseValue<T>, _>"),
            };

            // The end: `let info = ..; pre; let result = exec; post; let response = ..; match`.
            let at = f
                .block
                .stmts
                .iter_mut()
                .position(|stmt| local_named(stmt, "info").is_some())
                .expect("every send names its operation");
            let id = operation_id(local_named(&mut f.block.stmts[at], "info").expect("info"));
            let ends: Vec<Option<String>> =
                f.block.stmts[at + 1..].iter().map(method_called).collect();
            assert!(
                ends.len() == 5
                    && ends[0].as_deref() == Some("pre")
                    && ends[1].as_deref() == Some("exec")
                    && ends[2].as_deref() == Some("post"),
                "unexpected end of a generated send: {ends:?}"
            );
            let read = *reads
                .get(&id)
                .unwrap_or_else(|| panic!("{id} is not an operation of the spec"));
            f.block.stmts.truncate(at);
            answered.push((id.clone(), answer_ty));
            f.block.stmts.push(syn::Stmt::Expr(
                syn::parse_quote!(
                    client
                        .inner
                        .respond(
                            &client.client,
                            request,
                            crate::send::Call { name: #id, read_only: #read, typed: true },
                        )
                        .await
                ),
                None,
            ));
            tails += 1;
            for stmt in &mut f.block.stmts {
                if let Some(init) = local_named(stmt, "url") {
                    *init = path_only(init);
                    paths += 1;
                }
            }
            let before = f.block.stmts.len();
            f.block.stmts.retain(|stmt| !is_header_map_setup(stmt));
            removed_setups += before - f.block.stmts.len();
            for stmt in &mut f.block.stmts {
                if let Some(init) = local_named(stmt, "request") {
                    // `client.client.get(url)...build()?`: the chain sits under the `?`.
                    let syn::Expr::Try(t) = init else {
                        panic!("the request is built with `?`");
                    };
                    let (s, r) = rewrite_chain(&mut t.expr);
                    starts += s;
                    removed_maps += r;
                    let chain = std::mem::replace(&mut *t.expr, syn::parse_quote!(()));
                    *t.expr = syn::parse_quote!(#chain.map_err(crate::Error::unbuildable));
                }
            }
        }
    }
    let operations: usize = raw["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| item.as_object().map_or(0, |ops| ops.len()))
        .sum();
    assert_eq!(
        (starts, removed_maps, removed_setups, tails, paths),
        (
            operations,
            operations,
            2 * operations,
            operations,
            operations
        ),
        "every operation's send must be rewritten (starts, header maps, their set-up, ends, paths)"
    );
    answered
}

/// For the crate's unit tests only: every operation's `Call` and answer type, as its `send`
/// ends, with a path that has each `{parameter}` filled in. The tests send each through the
/// send loop and decode the answer as the operation does (`ClientState::answer`), and check
/// that an answer that is not a success fails every one. A table of plain data and one
/// function pointer per operation: 496 futures of their own cost the test build a minute.
fn every_operation_answered(
    answered: &[(String, syn::Type)],
    raw: &serde_json::Value,
) -> proc_macro2::TokenStream {
    use heck::ToSnakeCase;
    let mut routes = std::collections::BTreeMap::new();
    for (path, item) in raw["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if let Some(id) = op["operationId"].as_str() {
                let filled: String = path
                    .split('/')
                    .map(|seg| if seg.starts_with('{') { "p" } else { seg })
                    .collect::<Vec<_>>()
                    .join("/");
                let read = op["x-genauth-read"] == true;
                routes.insert(
                    id.to_snake_case(),
                    (method.to_ascii_uppercase(), filled, read),
                );
            }
        }
    }
    let entries = answered.iter().map(|(id, ty)| {
        let (method, path, read) = &routes[id];
        let verb = format_ident!("{method}");
        quote! {
            crate::send::AnsweredOperation {
                call: crate::send::Call { name: #id, read_only: #read, typed: true },
                method: ::reqwest::Method::#verb,
                path: #path,
                decode: |reply| reply.judged().decode::<#ty>().map(|_| ()),
            }
        }
    });
    quote! {
        /// Every operation's call and answer type, as its `send` ends (unit tests only).
        #[cfg(test)]
        pub(crate) static EVERY_OPERATION: &[crate::send::AnsweredOperation] = &[#(#entries),*];
    }
}

/// Keeps typify's builder (`types::builder::X`, `types::X::builder()`) only for the types a
/// request can carry: the request bodies `body_map` works on, and every type they contain, so
/// that nested values can be built the same way. Types only ever decoded from responses lose
/// theirs: about half of the builders, a third of the generated code.
fn prune_type_builders(file: &mut syn::File) {
    fn idents(tokens: proc_macro2::TokenStream, out: &mut BTreeSet<String>) {
        for tree in tokens {
            match tree {
                proc_macro2::TokenTree::Ident(ident) => {
                    out.insert(ident.to_string());
                }
                proc_macro2::TokenTree::Group(group) => idents(group.stream(), out),
                _ => {}
            }
        }
    }
    /// The last segment of an impl's self type (`X` or `super::X`).
    fn self_name(imp: &syn::ItemImpl) -> Option<String> {
        match &*imp.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        }
    }
    // Builders the operations use: `types::builder::X` in the operation builders.
    let mut wanted = BTreeSet::new();
    let text = module_items(file, "builder")
        .iter()
        .map(|item| item.to_token_stream().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    for part in text.split("types :: builder :: ").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        wanted.insert(name);
    }
    assert!(!wanted.is_empty(), "no operation uses a type builder");
    let types = module_items(file, "types");
    // What each type's definition names.
    let mut names: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for item in types.iter() {
        let (name, tokens) = match item {
            syn::Item::Struct(s) => (s.ident.to_string(), s.to_token_stream()),
            syn::Item::Enum(e) => (e.ident.to_string(), e.to_token_stream()),
            _ => continue,
        };
        let mut found = BTreeSet::new();
        idents(tokens, &mut found);
        names.insert(name, found);
    }
    // Everything reachable from the request bodies.
    let mut reached = BTreeSet::new();
    let mut todo: Vec<String> = wanted.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(found) = names.get(&name) {
            todo.extend(
                found
                    .iter()
                    .filter(|n| names.contains_key(*n) && !reached.contains(*n))
                    .cloned(),
            );
        }
    }
    // Drop the other builders and their `builder()` constructors.
    let keep = |name: &Option<String>| name.as_ref().is_none_or(|n| reached.contains(n));
    for item in types.iter_mut() {
        if let syn::Item::Mod(m) = item
            && m.ident == "builder"
            && let Some((_, items)) = &mut m.content
        {
            items.retain(|item| match item {
                syn::Item::Struct(s) => keep(&Some(s.ident.to_string())),
                syn::Item::Impl(imp) => keep(&self_name(imp)),
                _ => true,
            });
        }
    }
    types.retain(|item| match item {
        syn::Item::Impl(imp)
            if imp.trait_.is_none()
                && imp.items.len() == 1
                && matches!(&imp.items[0], syn::ImplItem::Fn(f) if f.sig.ident == "builder") =>
        {
            keep(&self_name(imp))
        }
        _ => true,
    });
}

/// The items of the generated module `name` (`types`, `builder`).
fn module_items<'a>(file: &'a mut syn::File, name: &str) -> &'a mut Vec<syn::Item> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the generated client has no `{name}` module"))
}

/// The name of the variant every string enum gets for values the spec does not list.
const UNKNOWN_VARIANT: &str = "UnknownValue";

/// Opens every string enum of the generated types to values the spec does not list: each gets
/// a last variant `UnknownValue(String)` (`#[serde(untagged)]`), so that a value the server
/// adds later decodes, is kept, and serialises back unchanged, instead of failing the whole
/// call. Known values keep their variants and travel as before. `Copy` goes, since the new
/// variant holds a `String`. Returns, for the unit tests, a table of every opened enum with a
/// known value and a decode/encode round trip, and the names of the opened enums.
fn open_string_enums(file: &mut syn::File) -> (proc_macro2::TokenStream, BTreeSet<String>) {
    let types = module_items(file, "types");
    let mut opened: Vec<(syn::Ident, String)> = Vec::new();
    for item in types.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        let renames: Option<Vec<String>> = e
            .variants
            .iter()
            .map(|v| {
                // typify writes a value that is not a Rust name as a rename, and one that is
                // as the variant's own name.
                matches!(v.fields, syn::Fields::Unit)
                    .then(|| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
            })
            .collect();
        let Some(renames) = renames.filter(|r| !r.is_empty()) else {
            continue;
        };
        assert!(
            !e.variants.iter().any(|v| v.ident == UNKNOWN_VARIANT),
            "enum {} already has a variant {UNKNOWN_VARIANT}",
            e.ident
        );
        for attr in &mut e.attrs {
            if attr.path().is_ident("derive") {
                let derives: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> = attr
                    .parse_args_with(syn::punctuated::Punctuated::parse_terminated)
                    .expect("derive list");
                let kept = derives.into_iter().filter(|p| !p.is_ident("Copy"));
                *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        let unknown = format_ident!("{UNKNOWN_VARIANT}");
        e.variants.push(syn::parse_quote! {
            /// A value this version of the crate does not know: kept as the server sent it and
            /// sent back unchanged.
            #[serde(untagged)]
            #unknown(::std::string::String)
        });
        opened.push((e.ident.clone(), renames[0].clone()));
    }
    let names: BTreeSet<String> = opened.iter().map(|(i, _)| i.to_string()).collect();
    // `Display` writes the unknown value as it is.
    for item in types.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let is_display = genauth_codegen::lenient::implements(imp, "Display");
        let syn::Type::Path(self_ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let opened_self = self_ty
            .path
            .get_ident()
            .is_some_and(|i| names.contains(&i.to_string()));
        if !is_display || !opened_self {
            continue;
        }
        for impl_item in &mut imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            let Some(syn::Stmt::Expr(syn::Expr::Match(m), _)) = f.block.stmts.last_mut() else {
                panic!("Display of {} is not a match", quote!(#self_ty));
            };
            m.arms.push(syn::parse_quote! {
                Self::UnknownValue(ref value) => f.write_str(value),
            });
        }
    }
    let rows = opened.iter().map(|(ident, known)| {
        quote! {
            (stringify!(#ident), #known, |value: &str| {
                let decoded: types::#ident =
                    serde_json::from_value(serde_json::Value::String(value.to_string()))
                        .expect("a string enum decodes any string");
                let unknown = matches!(decoded, types::#ident::UnknownValue(_));
                (serde_json::to_string(&decoded).expect("encodes"), decoded.to_string(), unknown)
            })
        }
    });
    let count = opened.len();
    let table = quote! {
        /// How many string enums are open to unknown values.
        #[allow(dead_code)]
        pub(crate) const OPEN_ENUM_COUNT: usize = #count;
        /// Every open string enum: its name, one known value, and a round trip of a value through
        /// decoding, encoding and `Display` (with whether it decoded as unknown).
        #[cfg(test)]
        pub(crate) static OPEN_ENUMS: &[(&str, &str, fn(&str) -> (String, String, bool))] = &[#(#rows),*];
    };
    (table, names)
}

/// The value of a `#[serde(rename = "...")]` attribute.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    genauth_codegen::serde_attrs::SerdeAttrs::parse(attrs).rename
}

/// Puts the prose of `$ref` properties on their fields. OpenAPI 3.0 gives a `$ref` no
/// description of its own, so regen keeps that text in `x-genauth-doc`, and typify never sees
/// it.
fn ref_field_docs(file: &mut syn::File, raw: &serde_json::Value) {
    let schemas = &raw["components"]["schemas"];
    for item in module_items(file, "types").iter_mut() {
        let syn::Item::Struct(st) = item else {
            continue;
        };
        let Some(props) = schemas[st.ident.to_string()]["properties"].as_object() else {
            continue;
        };
        let syn::Fields::Named(fields) = &mut st.fields else {
            continue;
        };
        for field in fields.named.iter_mut() {
            let ident = field
                .ident
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let json_name = serde_rename(&field.attrs)
                .unwrap_or_else(|| ident.trim_start_matches("r#").to_string());
            let Some(text) = props
                .get(&json_name)
                .and_then(|p| p["x-genauth-doc"].as_str())
            else {
                continue;
            };
            if field.attrs.iter().any(|a| a.path().is_ident("doc")) {
                continue;
            }
            field.attrs.insert(0, syn::parse_quote!(#[doc = #text]));
        }
    }
}

/// Writes `$OUT_DIR/api_groups.rs`: one module per tag whose page on docs.rs is the tag's guide
/// (regen puts it in the tag's `x-genauth-guide`) followed by the group's operations, each linked
/// to its method on the group's extension trait.
fn write_group_guides(file: &syn::File, raw: &serde_json::Value) {
    use heck::{ToSnakeCase, ToUpperCamelCase};
    let traits: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Trait(t) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut by_tag: std::collections::BTreeMap<&str, Vec<(String, String)>> = Default::default();
    for item in raw["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            let (Some(id), Some(tag)) = (op["operationId"].as_str(), op["tags"][0].as_str()) else {
                continue;
            };
            let summary = op["summary"].as_str().unwrap_or("").to_string();
            by_tag
                .entry(tag)
                .or_default()
                .push((id.to_snake_case(), summary));
        }
    }
    let mut modules = Vec::new();
    for tag in raw["tags"].as_array().expect("tags") {
        let name = tag["name"].as_str().expect("tag name");
        let Some(ops) = by_tag.get_mut(name) else {
            continue;
        };
        ops.sort();
        let trait_name = format!("Client{}Ext", name.to_upper_camel_case());
        assert!(
            traits.contains(&trait_name),
            "no trait {trait_name} for tag {name}"
        );
        let module: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let module = format_ident!("{module}");
        let guide = tag["x-genauth-guide"].as_str().unwrap_or("");
        let mut doc = format!(
            "# {name}\n\n{guide}\n\n## Operations\n\nMethods of [`{trait_name}`](crate::prelude::{trait_name}), in `genauth::prelude`:\n\n"
        );
        for (method, summary) in ops.iter() {
            doc.push_str(&format!(
                "- [`{method}`](crate::prelude::{trait_name}::{method}): {summary}\n"
            ));
        }
        modules.push(quote! {
            #[doc = #doc]
            pub mod #module {}
        });
    }
    let tokens = quote!(#(#modules)*);
    let code = prettyplease::unparse(&syn::parse2(tokens).expect("group modules parse"));
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("api_groups.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// The cargo feature of an API group: its tag in lower case, words joined by `-`
/// (`Data resources and permissions` -> `data-resources-and-permissions`).
fn group_feature(tag: &str) -> String {
    let mut out = String::new();
    for word in tag
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// Keeps only the operations of the API groups whose cargo feature is on, and the schemas
/// they reach; returns the names of the groups kept, in the spec's order. With every group on
/// (the default) nothing changes.
fn keep_enabled_groups(raw: &mut serde_json::Value) -> Vec<String> {
    let mut groups = Vec::new();
    for tag in raw["tags"].as_array().expect("tags") {
        let name = tag["name"].as_str().expect("tag name");
        let var = format!(
            "CARGO_FEATURE_{}",
            group_feature(name).to_ascii_uppercase().replace('-', "_")
        );
        if std::env::var_os(&var).is_some() {
            groups.push(name.to_string());
        }
    }
    let kept: BTreeSet<&str> = groups.iter().map(String::as_str).collect();
    let paths = raw["paths"].as_object_mut().expect("paths");
    for item in paths.values_mut() {
        let item = item.as_object_mut().expect("path item");
        item.retain(|_, op| op["tags"][0].as_str().is_some_and(|tag| kept.contains(tag)));
    }
    paths.retain(|_, item| !item.as_object().expect("path item").is_empty());
    let reached = reachable_schemas(raw, [&raw["paths"]]);
    raw["components"]["schemas"]
        .as_object_mut()
        .expect("components.schemas")
        .retain(|name, _| reached.contains(name));
    raw["tags"]
        .as_array_mut()
        .expect("tags")
        .retain(|t| t["name"].as_str().is_some_and(|n| kept.contains(n)));
    groups
}

/// The schemas `roots` reach through `$ref`s, directly or through other schemas. A field
/// regen keeps as raw JSON names the types it may hold in `x-genauth-alternatives`; those
/// count as reached.
fn reachable_schemas<'a>(
    spec: &serde_json::Value,
    roots: impl IntoIterator<Item = &'a serde_json::Value>,
) -> BTreeSet<String> {
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(|r| r.as_str())
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_string());
                }
                if let Some(names) = map.get("x-genauth-alternatives").and_then(|a| a.as_array()) {
                    out.extend(names.iter().filter_map(|n| n.as_str()).map(str::to_string));
                }
                map.values().for_each(|c| refs(c, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|c| refs(c, out)),
            _ => {}
        }
    }
    let mut todo = Vec::new();
    for root in roots {
        refs(root, &mut todo);
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if reached.insert(name.clone()) {
            refs(&spec["components"]["schemas"][&name], &mut todo);
        }
    }
    reached
}
