//! The end of every generated `send`: the facade's send loop, and the unit tests' table of
//! every operation.
//!
//! [`streamline_requests`] runs its passes over each `send`, in order; each is a function of
//! its own, with its unit tests, in `requests/send.rs`. What they write of genauth's runtime
//! (the calls the facade provides) is in the `facade` module below, and only there.

use std::collections::BTreeSet;

use quote::format_ident;

use crate::syntax::module_items;
use send::{
    answer_with_crate_error, built_body, direct_request, drop_api_version_header,
    drop_hooks_and_response, import_crate_error, url_without_host,
};

mod send;

/// Every name of genauth's runtime this module writes into the generated code, in one place:
/// renaming a runtime call is a change here alone. The locals the calls read (`client`,
/// `url`, `request`, `genauth_query`, `body`) are those of the generated `send`.
pub(crate) mod facade {
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The request without a body: `client.inner.new_call(verb, &url, &genauth_query)` (the
    /// client's parsed host with this path and query, and a header map sized for every
    /// header the request will get).
    pub(crate) fn new_call(verb: &syn::Ident) -> syn::Expr {
        syn::parse_quote!(client.inner.new_call(::reqwest::Method::#verb, &url, &genauth_query))
    }

    /// The request with a JSON body (`body` is `&body`): `client.inner.new_json_call(..)?`.
    pub(crate) fn new_json_call(verb: &syn::Ident, body: &syn::Expr) -> syn::Expr {
        syn::parse_quote!(
            client.inner.new_json_call(::reqwest::Method::#verb, &url, &genauth_query, #body)?
        )
    }

    /// The end of every `send`: the facade's send loop with the operation's [`call`].
    pub(crate) fn respond(call: &TokenStream) -> syn::Expr {
        syn::parse_quote!(
            client
                .inner
                .respond(
                    request,
                    genauth_query,
                    #call,
                )
                .await
        )
    }

    /// What the send loop knows of operation `op` (its constant of the operation table): the
    /// success rule reads the answer's head from its prefix when the answer type has a
    /// `statusCode` field (`with_status`), whole otherwise.
    pub(crate) fn call(op: &syn::Ident, with_status: bool) -> TokenStream {
        if with_status {
            quote!(crate::send::Call::typed(&crate::operations::op::#op))
        } else {
            quote!(crate::send::Call::typed_without_status(&crate::operations::op::#op))
        }
    }

    /// `let genauth_query = ..;`: the query pairs of a request, empty or with room for
    /// `count`. Named so that no parameter (`query` is one) can shadow it.
    pub(crate) fn query(count: usize) -> syn::Stmt {
        if count == 0 {
            syn::parse_quote!(let genauth_query = crate::endpoint::Query::default();)
        } else {
            syn::parse_quote!(let mut genauth_query = crate::endpoint::Query::with_capacity(#count);)
        }
    }

    /// One query pair, added to [`query`]'s: `genauth_query.push(name, value)?;`.
    pub(crate) fn push_query(name: &syn::Expr, value: &syn::Expr) -> syn::Stmt {
        syn::parse_quote!(genauth_query.push(#name, #value)?;)
    }

    /// The body of type `ty`, built from its builder `body` by the shared function.
    pub(crate) fn built_body(ty: &syn::Path) -> syn::Expr {
        syn::parse_quote!(crate::generated::built::<#ty, _>(body)?)
    }

    /// The error every `send` returns: genauth's.
    pub(crate) fn error_import() -> syn::Item {
        syn::parse_quote!(
            use crate::Error;
        )
    }

    /// One row of the unit tests' table of every operation (see
    /// [`super::every_operation_answered`]).
    pub(crate) fn answered_operation(
        call: &TokenStream,
        verb: &syn::Ident,
        path: &str,
        answer: &syn::Type,
    ) -> TokenStream {
        quote! {
            crate::send::AnsweredOperation {
                call: #call,
                method: ::reqwest::Method::#verb,
                path: #path,
                decode: |reply| reply.into_response::<#answer>().map(drop),
            }
        }
    }

    /// The unit tests' table of every operation, of [`answered_operation`] rows.
    pub(crate) fn every_operation(rows: impl Iterator<Item = TokenStream>) -> TokenStream {
        quote! {
            /// Every operation's call and answer type, as its `send` ends (unit tests only).
            #[cfg(test)]
            pub(crate) static EVERY_OPERATION: &[crate::send::AnsweredOperation] = &[#(#rows),*];
        }
    }
}

/// The client method names (snake case of the operationId) of the operations whose success
/// answer is a schema with a top-level `statusCode` property. Their generated decoder rejects
/// a second `statusCode` key, so the send loop may read a success from the body's prefix; the
/// others' heads are read whole.
pub fn answers_with_status_code(raw: &serde_json::Value) -> BTreeSet<String> {
    use heck::ToSnakeCase;
    let schemas = &raw["components"]["schemas"];
    let mut names = BTreeSet::new();
    for op in operations(raw) {
        let Some(id) = op["operationId"].as_str() else {
            continue;
        };
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        let schema = match schema["$ref"].as_str() {
            Some(reference) => {
                &schemas[reference
                    .rsplit('/')
                    .next()
                    .expect("a $ref has a last segment")]
            }
            None => schema,
        };
        if schema["properties"].get("statusCode").is_some() {
            names.insert(id.to_snake_case());
        }
    }
    names
}

/// Every operation of the spec.
fn operations(raw: &serde_json::Value) -> impl Iterator<Item = &serde_json::Value> {
    raw["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
}

/// The send-loop call for operation `id`: see [`answers_with_status_code`].
fn call_for(id: &str, with_status: &BTreeSet<String>) -> proc_macro2::TokenStream {
    facade::call(
        &format_ident!("{}", id.to_ascii_uppercase()),
        with_status.contains(id),
    )
}

/// Lighter request set-up in every operation's `send`, which progenitor writes for any API,
/// and `crate::Error` (genauth's) as its only error. Returns each operation's method name
/// and answer type, in the order of the sends, for [`every_operation_answered`].
///
/// In each `send`, in order:
/// - `answer_with_crate_error`: it returns `Result<ResponseValue<T>, crate::Error>`, and
///   `import_crate_error` has the builder module import `crate::Error` instead of
///   progenitor's (both have `InvalidRequest(String)`; a request that cannot be built is
///   `Error::InvalidRequest`);
/// - `drop_hooks_and_response`: the end (`pre`, `exec` and `post` hooks,
///   `ResponseValue::from_response`) goes; `facade::respond` takes its place, last: the send
///   loop with the operation's facts written in (name, read or write), the success rule, and
///   decoding from the bytes it read;
/// - `url_without_host`: `url` is the path alone, a literal, or formatted when it has
///   parameters;
/// - `drop_api_version_header`: the `api-version` header map goes (the API has no such
///   header; progenitor stamps the spec's version on every request);
/// - `built_body`: a body builder becomes the body through the shared
///   `crate::generated::built`;
/// - `direct_request` (`RequestChain`): the `reqwest::RequestBuilder` chain from
///   `client.client.<method>(url)`, which parses the whole URL string (host included) each
///   time, becomes one call, `client.inner.new_call(..)` or, with a JSON body,
///   `client.inner.new_json_call(..)`: the client's host, parsed once, with this path, and a
///   header map sized for every header the request will get;
/// - `gather_query`: the query parameters are gathered as pairs (`genauth_query`) before the
///   request is made, so that its URL is written once with them, and the signature reads the
///   same pairs.
///
/// Every match reads syntax, never printed tokens. Panics when the generated code no longer
/// has the expected shape, so that a progenitor upgrade cannot silently undo this.
pub fn streamline_requests(
    file: &mut syn::File,
    raw: &serde_json::Value,
) -> Vec<(String, syn::Type)> {
    use heck::ToSnakeCase;
    // The spec's operations by client method name (heck's snake case of the operationId, as
    // progenitor names them); each names its constant of the operation table.
    let names: BTreeSet<String> = operations(raw)
        .filter_map(|op| op["operationId"].as_str())
        .map(|id| id.to_snake_case())
        .collect();
    let with_status = answers_with_status_code(raw);
    let items = module_items(file, "builder");
    import_crate_error(items);
    let mut answered = Vec::new();
    let mut query_params = 0;
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        for member in &mut imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            let answer = answer_with_crate_error(&mut f.sig);
            let stmts = &mut f.block.stmts;
            let id = drop_hooks_and_response(stmts);
            assert!(names.contains(&id), "{id} is not an operation of the spec");
            url_without_host(stmts);
            assert_eq!(
                drop_api_version_header(stmts),
                2,
                "{id}: the api-version header map and its one header"
            );
            built_body(stmts);
            query_params += direct_request(stmts);
            stmts.push(syn::Stmt::Expr(
                facade::respond(&call_for(&id, &with_status)),
                None,
            ));
            answered.push((id, answer));
        }
    }
    assert_eq!(
        answered.len(),
        operations(raw).count(),
        "every operation's send must be rewritten"
    );
    let spec_query_params = operations(raw)
        .flat_map(|op| op["parameters"].as_array().into_iter().flatten())
        .filter(|p| p["in"] == "query")
        .count();
    assert_eq!(
        query_params, spec_query_params,
        "every query parameter must leave the request chain for the query pairs"
    );
    answered
}

/// For the crate's unit tests only: every operation's `Call` and answer type, as its `send`
/// ends, with a path that has each `{parameter}` filled in. The tests send each through the
/// send loop and decode the answer as the operation does (`ClientState::answer`), and check
/// that an answer that is not a success fails every one. A table of plain data and one
/// function pointer per operation: 496 futures of their own cost the test build a minute.
pub fn every_operation_answered(
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
                routes.insert(id.to_snake_case(), (method.to_ascii_uppercase(), filled));
            }
        }
    }
    let with_status = answers_with_status_code(raw);
    let rows = answered.iter().map(|(id, ty)| {
        let (method, path) = &routes[id];
        facade::answered_operation(
            &call_for(id, &with_status),
            &format_ident!("{method}"),
            path,
            ty,
        )
    });
    facade::every_operation(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_spec::{generate, two_operations};
    use quote::{ToTokens, quote};
    use syn::visit::Visit;

    /// The small spec's client with its `send`s streamlined, as build.rs leaves it (path
    /// segments checked first), and the answers.
    fn streamlined() -> (syn::File, Vec<(String, syn::Type)>) {
        let spec = two_operations();
        let (mut file, _) = generate(&spec);
        crate::paths::checked_path_segments(&mut file, &spec);
        let answers = streamline_requests(&mut file, &spec);
        (file, answers)
    }

    /// Each builder's `send`, by builder name.
    fn sends(file: &mut syn::File) -> Vec<(String, syn::ImplItemFn)> {
        module_items(file, "builder")
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(imp) => imp.items.iter().find_map(|member| match member {
                    syn::ImplItem::Fn(f) if f.sig.ident == "send" => {
                        let ty = &imp.self_ty;
                        Some((quote!(#ty).to_string(), f.clone()))
                    }
                    _ => None,
                }),
                _ => None,
            })
            .collect()
    }

    /// The initial value of `let name = ..;` in `f`.
    fn local(f: &syn::ImplItemFn, name: &str) -> String {
        f.block
            .stmts
            .iter()
            .find_map(|stmt| match stmt {
                syn::Stmt::Local(l) if matches!(&l.pat, syn::Pat::Ident(p) if p.ident == name) => {
                    let init = &l.init.as_ref().unwrap().expr;
                    Some(quote!(#init).to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no `let {name}`"))
    }

    #[test]
    fn only_answers_with_a_status_code_field_take_the_quick_head() {
        let mut spec = two_operations();
        assert_eq!(
            answers_with_status_code(&spec),
            ["create_user".to_string(), "get_user".to_string()].into()
        );
        // `createUser` now answers a schema without `statusCode`: its head is read whole.
        spec["components"]["schemas"]["Bare"] =
            serde_json::json!({"type": "object", "properties": {"success": {"type": "boolean"}}});
        spec["paths"]["/api/v3/create-user"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"] = serde_json::json!({"$ref": "#/components/schemas/Bare"});
        let with_status = answers_with_status_code(&spec);
        assert_eq!(with_status, ["get_user".to_string()].into());
        assert_eq!(
            call_for("create_user", &with_status).to_string(),
            quote!(crate::send::Call::typed_without_status(
                &crate::operations::op::CREATE_USER
            ))
            .to_string()
        );
        assert_eq!(
            call_for("get_user", &with_status).to_string(),
            quote!(crate::send::Call::typed(&crate::operations::op::GET_USER)).to_string()
        );
    }

    #[test]
    fn every_send_ends_in_the_send_loop_with_its_call() {
        let (mut file, _) = streamlined();
        let sends = sends(&mut file);
        let mut ends: Vec<(String, String)> = sends
            .iter()
            .map(|(builder, f)| {
                let last = f.block.stmts.last().unwrap();
                (builder.clone(), quote!(#last).to_string())
            })
            .collect();
        ends.sort();
        // Each names its own constant of the operation table (name, read or write).
        let end = |op: &str, query: proc_macro2::TokenStream| {
            let op = quote::format_ident!("{op}");
            quote! {
                client
                    .inner
                    .respond(
                        request,
                        #query,
                        crate::send::Call::typed(&crate::operations::op::#op),
                    )
                    .await
            }
            .to_string()
        };
        assert_eq!(
            ends,
            [
                (
                    quote!(CreateUser<'a>).to_string(),
                    end("CREATE_USER", quote!(genauth_query))
                ),
                (
                    quote!(GetUser<'a>).to_string(),
                    end("GET_USER", quote!(genauth_query))
                ),
            ]
        );
        for (builder, f) in &sends {
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                panic!("{builder}: send returns nothing")
            };
            let syn::Type::Path(result) = &**ty else {
                panic!("{builder}: send returns a Result")
            };
            let result = result.path.segments.last().unwrap();
            assert_eq!(result.ident, "Result");
            let syn::PathArguments::AngleBracketed(args) = &result.arguments else {
                panic!("Result<..>")
            };
            let args: Vec<String> = args.args.iter().map(|a| quote!(#a).to_string()).collect();
            assert_eq!(
                args,
                [
                    quote!(ResponseValue<types::UserRespDto>).to_string(),
                    "Error".to_string(),
                ],
                "{builder}"
            );
        }
    }

    #[test]
    fn query_parameters_become_pairs_for_the_url_and_the_signature() {
        let (mut file, _) = streamlined();
        let (_, get_user) = sends(&mut file)
            .into_iter()
            .find(|(builder, _)| builder.starts_with("GetUser"))
            .unwrap();
        let body = get_user.block.to_token_stream().to_string();
        assert!(!body.contains("QueryParam"), "{body}");
        assert_eq!(
            local(&get_user, "genauth_query"),
            quote!(crate::endpoint::Query::with_capacity(1usize)).to_string()
        );
        let push = quote!(genauth_query.push("withDetail", &with_detail)?;).to_string();
        assert!(body.contains(&push), "{body}");
        // Gathered before the request is made, which writes them into its URL.
        let statements: Vec<String> = get_user
            .block
            .stmts
            .iter()
            .map(|s| s.to_token_stream().to_string())
            .collect();
        let at = |text: &str| statements.iter().position(|s| s.contains(text)).unwrap();
        assert!(at(&push) < at("let mut request"), "{statements:#?}");
        let (_, create_user) = sends(&mut file)
            .into_iter()
            .find(|(builder, _)| builder.starts_with("CreateUser"))
            .unwrap();
        assert_eq!(
            local(&create_user, "genauth_query"),
            quote!(crate::endpoint::Query::default()).to_string()
        );
    }

    #[test]
    fn the_builder_module_answers_with_the_crates_error() {
        let (mut file, _) = streamlined();
        let uses: Vec<String> = module_items(&mut file, "builder")
            .iter()
            .filter_map(|item| match item {
                syn::Item::Use(u) => Some(quote!(#u).to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(uses.iter().filter(|u| u.contains("Error")).count(), 1);
        assert_eq!(
            uses.last().unwrap(),
            &quote!(
                use crate::Error;
            )
            .to_string()
        );
    }

    #[test]
    fn requests_start_from_the_path_without_the_api_version_header() {
        /// Every string literal and identifier it visits.
        #[derive(Default)]
        struct Seen(Vec<String>);
        impl<'ast> Visit<'ast> for Seen {
            fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
                self.0.push(lit.value());
            }
            fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
                self.0.push(ident.to_string());
            }
        }
        let (mut file, _) = streamlined();
        let sends = sends(&mut file);
        let mut seen = Seen::default();
        for (_, f) in &sends {
            seen.visit_impl_item_fn(f);
        }
        for gone in [
            "api-version",
            "header_map",
            "baseurl",
            "pre",
            "exec",
            "post",
        ] {
            assert!(!seen.0.iter().any(|s| s == gone), "{gone} is left");
        }
        let (_, create) = sends
            .iter()
            .find(|(b, _)| b.starts_with("CreateUser"))
            .unwrap();
        assert_eq!(
            local(create, "url"),
            quote!("/api/v3/create-user").to_string()
        );
        // The request is made directly (no `RequestBuilder`), with its JSON body; the body
        // itself is built by the shared function.
        assert_eq!(
            local(create, "request"),
            quote!(client.inner.new_json_call(
                ::reqwest::Method::POST,
                &url,
                &genauth_query,
                &body
            )?)
            .to_string()
        );
        assert_eq!(
            local(create, "body"),
            quote!(crate::generated::built::<types::CreateUserReqDto, _>(body)?).to_string()
        );
        let (_, get) = sends
            .iter()
            .find(|(b, _)| b.starts_with("GetUser"))
            .unwrap();
        let url = local(get, "url");
        let template = quote!(format!("/api/v3/users/{}",));
        let template = template.to_string();
        assert!(url.starts_with(template.trim_end_matches(")")), "{url}");
        assert!(url.contains("crate :: path :: segment"), "{url}");
        assert_eq!(
            local(get, "request"),
            quote!(
                client
                    .inner
                    .new_call(::reqwest::Method::GET, &url, &genauth_query)
            )
            .to_string()
        );
    }

    #[test]
    fn each_operation_answers_its_response_type() {
        let (_, answers) = streamlined();
        let answers: Vec<(String, String)> = answers
            .iter()
            .map(|(id, ty)| (id.clone(), quote!(#ty).to_string()))
            .collect();
        let answer = quote!(types::UserRespDto).to_string();
        assert_eq!(
            answers,
            [
                ("create_user".to_string(), answer.clone()),
                ("get_user".to_string(), answer),
            ]
        );
    }

    #[test]
    #[should_panic(expected = "get_user is not an operation of the spec")]
    fn a_send_for_an_operation_the_spec_lacks_is_refused() {
        let spec = two_operations();
        let (mut file, _) = generate(&spec);
        let mut other = spec.clone();
        other["paths"]["/api/v3/users/{userId}"]["get"]["operationId"] = "fetchUser".into();
        streamline_requests(&mut file, &other);
    }

    #[test]
    fn the_table_of_answers_fills_in_path_parameters() {
        let answers = vec![
            (
                "get_user".to_string(),
                syn::parse_quote!(types::UserRespDto),
            ),
            (
                "create_user".to_string(),
                syn::parse_quote!(types::UserRespDto),
            ),
        ];
        let table = every_operation_answered(&answers, &two_operations());
        let expected = quote! {
            /// Every operation's call and answer type, as its `send` ends (unit tests only).
            #[cfg(test)]
            pub(crate) static EVERY_OPERATION: &[crate::send::AnsweredOperation] = &[
                crate::send::AnsweredOperation {
                    call: crate::send::Call::typed(&crate::operations::op::GET_USER),
                    method: ::reqwest::Method::GET,
                    path: "/api/v3/users/p",
                    decode: |reply| reply.into_response::<types::UserRespDto>().map(drop),
                },
                crate::send::AnsweredOperation {
                    call: crate::send::Call::typed(&crate::operations::op::CREATE_USER),
                    method: ::reqwest::Method::POST,
                    path: "/api/v3/create-user",
                    decode: |reply| reply.into_response::<types::UserRespDto>().map(drop),
                }
            ];
        };
        assert_eq!(table.to_string(), expected.to_string());
    }
}
