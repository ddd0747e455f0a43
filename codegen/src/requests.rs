//! The end of every generated `send`: the facade's send loop, and the unit tests' table of
//! every operation.

use quote::{ToTokens, format_ident, quote};

use crate::syntax::module_items;

/// The client method names (snake case of the operationId) of the operations whose success
/// answer is a schema with a top-level `statusCode` property. Their generated decoder rejects
/// a second `statusCode` key, so the send loop may read a success from the body's prefix; the
/// others' heads are read whole.
pub fn answers_with_status_code(raw: &serde_json::Value) -> std::collections::BTreeSet<String> {
    use heck::ToSnakeCase;
    let schemas = &raw["components"]["schemas"];
    let mut names = std::collections::BTreeSet::new();
    for item in raw["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
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
    }
    names
}

/// The send-loop call for operation `id`: see [`answers_with_status_code`].
fn call_for(
    id: &str,
    with_status: &std::collections::BTreeSet<String>,
) -> proc_macro2::TokenStream {
    let op = format_ident!("{}", id.to_ascii_uppercase());
    if with_status.contains(id) {
        quote!(crate::send::Call::typed(&crate::operations::op::#op))
    } else {
        quote!(crate::send::Call::typed_without_status(&crate::operations::op::#op))
    }
}

/// Lighter request set-up in every operation's `send`, which progenitor writes for any API,
/// and `crate::Error` (genauth's) as its only error:
/// - the `api-version` header map goes (the API has no such header; progenitor stamps the
///   spec's version on every request);
/// - the `reqwest::RequestBuilder` chain from `client.client.<method>(url)`, which parses the
///   whole URL string (host included) each time, becomes one call,
///   `client.inner.new_call(..)` or, with a JSON body, `client.inner.new_json_call(..)`: the
///   client's host, parsed once, with this path, and a header map sized for every header the
///   request will get. `url` is the path alone: a literal, or formatted when it has
///   parameters;
/// - a body builder becomes the body through the shared `crate::generated::built`;
/// - the query parameters are gathered as pairs (`genauth_query`) before the request is
///   made, so that its URL is written once with them, and the signature reads the same pairs;
/// - the end (`pre`, `exec` and `post` hooks, `ResponseValue::from_response`) becomes
///   `client.inner.respond(.., Call { .. })`: the send loop with the operation's facts
///   written in (name, read or write), the success rule, and decoding from the bytes it read;
/// - `send` returns `Result<ResponseValue<T>, crate::Error>`: the builder module imports
///   `crate::Error` instead of progenitor's (both have `InvalidRequest(String)`), and a
///   request that cannot be built is `Error::InvalidRequest`.
///
/// Every match reads syntax, never printed tokens. Panics when the generated code no longer
/// has the expected shape, so that a progenitor upgrade cannot silently undo this.
pub fn streamline_requests(
    file: &mut syn::File,
    raw: &serde_json::Value,
) -> Vec<(String, syn::Type)> {
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
    /// The name and value of `.query(&progenitor_client::QueryParam::new(name, value))`.
    fn query_param(call: &syn::ExprMethodCall) -> Option<(syn::Expr, syn::Expr)> {
        if call.method != "query" || call.args.len() != 1 {
            return None;
        }
        let syn::Expr::Reference(reference) = &call.args[0] else {
            return None;
        };
        let syn::Expr::Call(new) = &*reference.expr else {
            return None;
        };
        let syn::Expr::Path(func) = &*new.func else {
            return None;
        };
        let names = crate::syntax::path_names(&func.path);
        if !names.ends_with(&["QueryParam".to_string(), "new".to_string()]) || new.args.len() != 2 {
            return None;
        }
        Some((new.args[0].clone(), new.args[1].clone()))
    }
    /// The request the rewritten chain `client.inner.start(.., Method::V, &url)
    /// .header(ACCEPT, ..)[.json(&body)].build()` describes, made directly: no
    /// `reqwest::RequestBuilder` (a client handle, a `Result` carried through each call, and
    /// generic methods for every operation to type-check).
    fn direct_request(chain: &syn::Expr) -> syn::Expr {
        let mut calls = Vec::new();
        let mut expr = chain;
        while let syn::Expr::MethodCall(call) = expr {
            calls.push(call);
            expr = &call.receiver;
        }
        let names: Vec<String> = calls.iter().map(|c| c.method.to_string()).collect();
        let accept = |c: &syn::ExprMethodCall| {
            matches!(c.args.first(), Some(syn::Expr::Path(p))
                if p.path.segments.last().is_some_and(|s| s.ident == "ACCEPT"))
        };
        let start = calls.last().expect("a request chain");
        assert!(
            start.method == "start" && start.args.len() == 3 && accept(calls[calls.len() - 2]),
            "unexpected request chain: {names:?}"
        );
        let verb = &start.args[1];
        match names.as_slice() {
            [build, header, _] if build == "build" && header == "header" => {
                syn::parse_quote!(client.inner.new_call(#verb, &url, &genauth_query))
            }
            [build, json, header, _]
                if build == "build" && json == "json" && header == "header" =>
            {
                let body = &calls[1].args[0];
                syn::parse_quote!(client.inner.new_json_call(#verb, &url, &genauth_query, #body)?)
            }
            _ => panic!("unexpected request chain: {names:?}"),
        }
    }
    /// `body.and_then(|v| T::try_from(v).map_err(..)).map_err(Error::InvalidRequest)?` as
    /// one call of the shared `crate::generated::built::<T, _>(body)?`; a body without a
    /// builder (`body.map_err(Error::InvalidRequest)?`) is left as it is.
    fn built_body(init: &syn::Expr) -> syn::Expr {
        let shape =
            || -> syn::Expr { panic!("unexpected body conversion: {}", init.to_token_stream()) };
        let syn::Expr::Try(t) = init else {
            return shape();
        };
        let syn::Expr::MethodCall(map_err) = &*t.expr else {
            return shape();
        };
        // A body with no builder (raw JSON) is only `body.map_err(Error::InvalidRequest)?`.
        if matches!(&*map_err.receiver, syn::Expr::Path(p) if p.path.is_ident("body")) {
            return init.clone();
        }
        let syn::Expr::MethodCall(and_then) = &*map_err.receiver else {
            return shape();
        };
        if map_err.method != "map_err" || and_then.method != "and_then" {
            return shape();
        }
        let Some(syn::Expr::Closure(c)) = and_then.args.first() else {
            return shape();
        };
        let mut body = &*c.body;
        if let syn::Expr::Block(b) = body
            && let [syn::Stmt::Expr(inner, None)] = b.block.stmts.as_slice()
        {
            body = inner;
        }
        let syn::Expr::MethodCall(inner_map_err) = body else {
            return shape();
        };
        let syn::Expr::Call(try_from) = &*inner_map_err.receiver else {
            return shape();
        };
        let syn::Expr::Path(func) = &*try_from.func else {
            return shape();
        };
        let mut ty = func.path.clone();
        let last = ty.segments.pop().map(|p| p.into_value().ident);
        if last.as_ref().is_none_or(|i| i != "try_from") {
            return shape();
        }
        ty.segments.pop_punct();
        syn::parse_quote!(crate::generated::built::<#ty, _>(body)?)
    }
    /// Rewrites the request chain; returns (starts replaced, `.headers(header_map)` removed).
    /// Query parameters leave the chain for `query`, in their order.
    fn rewrite_chain(
        expr: &mut syn::Expr,
        query: &mut Vec<(syn::Expr, syn::Expr)>,
    ) -> (usize, usize) {
        let syn::Expr::MethodCall(call) = expr else {
            return (0, 0);
        };
        if let Some(param) = query_param(call) {
            query.insert(0, param);
            let receiver = std::mem::replace(&mut *call.receiver, syn::parse_quote!(()));
            *expr = receiver;
            return rewrite_chain(expr, query);
        }
        if call.method == "headers" && call.args.len() == 1 && is_ident(&call.args[0], "header_map")
        {
            let receiver = std::mem::replace(&mut *call.receiver, syn::parse_quote!(()));
            *expr = receiver;
            let (starts, removed) = rewrite_chain(expr, query);
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
        rewrite_chain(&mut call.receiver, query)
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

    // The spec's operations by client method name (heck's snake case of the operationId, as
    // progenitor names them); each names its constant of the operation table.
    let with_status = answers_with_status_code(raw);
    let mut operation_names = std::collections::BTreeSet::new();
    for item in raw["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if let Some(id) = op["operationId"].as_str() {
                operation_names.insert(id.to_snake_case());
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
    let mut query_params = 0;
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
            assert!(
                operation_names.contains(&id),
                "{id} is not an operation of the spec"
            );
            let call = call_for(&id, &with_status);
            f.block.stmts.truncate(at);
            answered.push((id.clone(), answer_ty));
            for stmt in &mut f.block.stmts {
                if let Some(init) = local_named(stmt, "url") {
                    *init = path_only(init);
                    paths += 1;
                }
            }
            let before = f.block.stmts.len();
            f.block.stmts.retain(|stmt| !is_header_map_setup(stmt));
            removed_setups += before - f.block.stmts.len();
            let mut query = Vec::new();
            let mut request_at = None;
            for (i, stmt) in f.block.stmts.iter_mut().enumerate() {
                if let Some(init) = local_named(stmt, "request") {
                    request_at = Some(i);
                    // `client.client.get(url)...build()?`: the chain sits under the `?`.
                    let syn::Expr::Try(t) = init else {
                        panic!("the request is built with `?`");
                    };
                    let (s, r) = rewrite_chain(&mut t.expr, &mut query);
                    starts += s;
                    removed_maps += r;
                    *init = direct_request(&t.expr);
                } else if let Some(init) = local_named(stmt, "body") {
                    *init = built_body(init);
                }
            }
            // The query as pairs, for the URL and the signature alike, gathered before the
            // request so that its URL is written once, query included. Named so that no
            // parameter (`query` is one) can shadow it.
            let count = query.len();
            let mut gather: Vec<syn::Stmt> = if query.is_empty() {
                vec![syn::parse_quote! {
                    let genauth_query = crate::endpoint::Query::default();
                }]
            } else {
                vec![syn::parse_quote! {
                    let mut genauth_query = crate::endpoint::Query::with_capacity(#count);
                }]
            };
            for (name, value) in &query {
                gather.push(syn::parse_quote! { genauth_query.push(#name, #value)?; });
            }
            let at = request_at.expect("every generated send builds a request");
            f.block.stmts.splice(at..at, gather);
            query_params += count;
            f.block.stmts.push(syn::Stmt::Expr(
                syn::parse_quote!(
                    client
                        .inner
                        .respond(
                            request,
                            genauth_query,
                            #call,
                        )
                        .await
                ),
                None,
            ));
            tails += 1;
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
    let spec_query_params: usize = raw["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().into_iter().flat_map(|ops| ops.values()))
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
    let entries = answered.iter().map(|(id, ty)| {
        let (method, path) = &routes[id];
        let verb = format_ident!("{method}");
        let call = call_for(id, &with_status);
        quote! {
            crate::send::AnsweredOperation {
                call: #call,
                method: ::reqwest::Method::#verb,
                path: #path,
                decode: |reply| reply.into_response::<#ty>().map(drop),
            }
        }
    });
    quote! {
        /// Every operation's call and answer type, as its `send` ends (unit tests only).
        #[cfg(test)]
        pub(crate) static EVERY_OPERATION: &[crate::send::AnsweredOperation] = &[#(#entries),*];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_spec::{generate, two_operations};
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
