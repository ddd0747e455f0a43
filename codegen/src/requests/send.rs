//! The rewrites of one generated `send` (and of the builder module's imports) that
//! [`super::streamline_requests`] runs, each with its unit tests. What they write of genauth's
//! runtime comes from [`super::facade`].

use quote::{ToTokens, format_ident};

use super::facade;

/// The builder module answers with genauth's `Error`: progenitor's import of its own
/// (`use super::{.., Error, ..}`) goes, and [`facade::error_import`] comes last.
pub(super) fn import_crate_error(items: &mut Vec<syn::Item>) {
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
    items.push(facade::error_import());
}

/// A `send`'s result, `Result<ResponseValue<T>, Error<()>>`, becomes `Result<ResponseValue<T>,
/// Error>` (the builder module's `Error` is genauth's). Returns `T`, the operation's answer
/// type.
pub(super) fn answer_with_crate_error(sig: &mut syn::Signature) -> syn::Type {
    let syn::ReturnType::Type(_, ty) = &mut sig.output else {
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
    *args.args.last_mut().expect("Result<_, E>") = syn::parse_quote!(Error);
    let Some(syn::GenericArgument::Type(syn::Type::Path(response))) = args.args.first() else {
        panic!("send returns Result<ResponseValue<T>, _>");
    };
    match &response
        .path
        .segments
        .last()
        .expect("ResponseValue")
        .arguments
    {
        syn::PathArguments::AngleBracketed(inner) => match inner.args.first() {
            Some(syn::GenericArgument::Type(t)) => t.clone(),
            _ => panic!("ResponseValue<T>"),
        },
        _ => panic!("ResponseValue<T>"),
    }
}

/// Drops what progenitor writes after the request is built (`let info = OperationInfo { .. }`,
/// the `pre`, `exec` and `post` hooks, `let response = result?` and the match on its
/// status) and returns the operation id `info` names: the client method's name.
pub(super) fn drop_hooks_and_response(stmts: &mut Vec<syn::Stmt>) -> String {
    let at = stmts
        .iter_mut()
        .position(|stmt| local_named(stmt, "info").is_some())
        .expect("every send names its operation");
    let id = operation_id(local_named(&mut stmts[at], "info").expect("info"));
    let ends: Vec<Option<String>> = stmts[at + 1..].iter().map(method_called).collect();
    assert!(
        ends.len() == 5
            && ends[0].as_deref() == Some("pre")
            && ends[1].as_deref() == Some("exec")
            && ends[2].as_deref() == Some("post"),
        "unexpected end of a generated send: {ends:?}"
    );
    stmts.truncate(at);
    id
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

/// `let url = format!("{}/api/v3/x/{}", client.baseurl, id);` without the host:
/// `format!("/api/v3/x/{}", id)`, or the literal itself when the path has no parameter. The
/// request starts from the client's host, parsed once.
pub(super) fn url_without_host(stmts: &mut [syn::Stmt]) {
    let mut urls = 0;
    for stmt in stmts {
        if let Some(init) = local_named(stmt, "url") {
            *init = path_only(init);
            urls += 1;
        }
    }
    assert_eq!(urls, 1, "a send makes one URL");
}

/// The path of a `format!` of the whole URL: see [`url_without_host`].
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

/// Drops the `api-version` header map progenitor sets up (`let mut header_map = ..;` and
/// `header_map.append("api-version", ..);`); returns how many statements went.
pub(super) fn drop_api_version_header(stmts: &mut Vec<syn::Stmt>) -> usize {
    let before = stmts.len();
    stmts.retain(|stmt| !is_header_map_setup(stmt));
    before - stmts.len()
}

/// `let header_map = ..` or `header_map.append("api-version", ..)` (the name as a literal or
/// through `HeaderName::from_static`).
fn is_header_map_setup(stmt: &syn::Stmt) -> bool {
    match stmt {
        syn::Stmt::Local(local) => {
            matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "header_map")
        }
        syn::Stmt::Expr(syn::Expr::MethodCall(call), _) => {
            is_ident(&call.receiver, "header_map")
                && call.method == "append"
                && call.args.first().is_some_and(|a| match a {
                    syn::Expr::Call(c) => c.args.first().is_some_and(|a| is_str(a, "api-version")),
                    other => is_str(other, "api-version"),
                })
        }
        _ => false,
    }
}

/// What progenitor's request chain says:
/// `client.client.<verb>(url).header(ACCEPT, ..)[.json(&body)]` with any number of
/// `.query(&QueryParam::new(name, value))` and one `.headers(header_map)`, then `.build()`.
struct RequestChain {
    /// `GET`, `POST`, ...
    verb: syn::Ident,
    /// The argument of `.json(..)`.
    json: Option<syn::Expr>,
    /// The query parameters' names and values, in their order.
    query: Vec<(syn::Expr, syn::Expr)>,
}

impl RequestChain {
    /// Reads `chain`; panics on any other shape.
    fn read(chain: &syn::Expr) -> RequestChain {
        let mut query = Vec::new();
        let mut header_maps = 0;
        // The other calls, from the last (`build`) to the first, which makes the request.
        let mut calls = Vec::new();
        let mut expr = chain;
        while let syn::Expr::MethodCall(call) = expr {
            if let Some(pair) = query_param(call) {
                query.push(pair);
            } else if call.method == "headers"
                && call.args.len() == 1
                && is_ident(&call.args[0], "header_map")
            {
                header_maps += 1;
            } else {
                calls.push(call);
            }
            expr = &call.receiver;
        }
        query.reverse();
        let names: Vec<String> = calls.iter().map(|c| c.method.to_string()).collect();
        let start = calls.last().expect("a request chain");
        let verb = start.method.to_string();
        let starts = ["get", "post", "put", "delete", "patch"].contains(&verb.as_str())
            && start.args.len() == 1
            && is_ident(&start.args[0], "url")
            && is_field(&start.receiver, "client", "client");
        let accept = |c: &syn::ExprMethodCall| {
            c.method == "header"
                && matches!(c.args.first(), Some(syn::Expr::Path(p))
                    if p.path.segments.last().is_some_and(|s| s.ident == "ACCEPT"))
        };
        assert!(
            starts && header_maps == 1 && calls.len() >= 3 && accept(calls[calls.len() - 2]),
            "unexpected request chain: {names:?}"
        );
        let json = match &calls[..calls.len() - 2] {
            [build] if build.method == "build" => None,
            [build, json] if build.method == "build" && json.method == "json" => {
                Some(json.args[0].clone())
            }
            _ => panic!("unexpected request chain: {names:?}"),
        };
        RequestChain {
            verb: format_ident!("{}", verb.to_ascii_uppercase()),
            json,
            query,
        }
    }

    /// The request made directly ([`facade::new_call`] or [`facade::new_json_call`]): no
    /// `reqwest::RequestBuilder` (a client handle, a `Result` carried through each call, and
    /// generic methods for every operation to type-check).
    fn request(&self) -> syn::Expr {
        match &self.json {
            None => facade::new_call(&self.verb),
            Some(body) => facade::new_json_call(&self.verb, body),
        }
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

/// `let request = <chain>?;` becomes the request made directly (see [`RequestChain`]), with
/// its query pairs gathered just before it ([`gather_query`]). Returns how many pairs.
pub(super) fn direct_request(stmts: &mut Vec<syn::Stmt>) -> usize {
    let mut found = None;
    for (at, stmt) in stmts.iter_mut().enumerate() {
        if let Some(init) = local_named(stmt, "request") {
            // `client.client.get(url)...build()?`: the chain sits under the `?`.
            let syn::Expr::Try(t) = init else {
                panic!("the request is built with `?`");
            };
            let chain = RequestChain::read(&t.expr);
            *init = chain.request();
            assert!(found.is_none(), "a send builds one request");
            found = Some((at, chain.query));
        }
    }
    let (at, query) = found.expect("every generated send builds a request");
    stmts.splice(at..at, gather_query(&query));
    query.len()
}

/// The query as pairs, for the URL and the signature alike ([`facade::query`] and a
/// [`facade::push_query`] each), gathered before the request so that its URL is written
/// once, query included.
fn gather_query(query: &[(syn::Expr, syn::Expr)]) -> Vec<syn::Stmt> {
    std::iter::once(facade::query(query.len()))
        .chain(
            query
                .iter()
                .map(|(name, value)| facade::push_query(name, value)),
        )
        .collect()
}

/// `let body = body.and_then(|v| T::try_from(v).map_err(..)).map_err(Error::InvalidRequest)?;`
/// becomes one call of the shared function ([`facade::built_body`]); a body without a builder
/// (raw JSON: `body.map_err(Error::InvalidRequest)?`) is left as it is.
pub(super) fn built_body(stmts: &mut [syn::Stmt]) {
    for stmt in stmts {
        if let Some(init) = local_named(stmt, "body")
            && let Some(ty) = body_type(init)
        {
            *init = facade::built_body(&ty);
        }
    }
}

/// `T` of a body conversion (see [`built_body`]), `None` for a body without a builder.
fn body_type(init: &syn::Expr) -> Option<syn::Path> {
    fn unexpected(init: &syn::Expr) -> ! {
        panic!("unexpected body conversion: {}", init.to_token_stream())
    }
    let syn::Expr::Try(t) = init else {
        unexpected(init)
    };
    let syn::Expr::MethodCall(map_err) = &*t.expr else {
        unexpected(init)
    };
    if map_err.method != "map_err" {
        unexpected(init);
    }
    if is_ident(&map_err.receiver, "body") {
        return None;
    }
    let syn::Expr::MethodCall(and_then) = &*map_err.receiver else {
        unexpected(init)
    };
    if and_then.method != "and_then" {
        unexpected(init);
    }
    let Some(syn::Expr::Closure(c)) = and_then.args.first() else {
        unexpected(init)
    };
    let mut body = &*c.body;
    if let syn::Expr::Block(b) = body
        && let [syn::Stmt::Expr(inner, None)] = b.block.stmts.as_slice()
    {
        body = inner;
    }
    let syn::Expr::MethodCall(inner_map_err) = body else {
        unexpected(init)
    };
    let syn::Expr::Call(try_from) = &*inner_map_err.receiver else {
        unexpected(init)
    };
    let syn::Expr::Path(func) = &*try_from.func else {
        unexpected(init)
    };
    let mut ty = func.path.clone();
    let last = ty.segments.pop().map(|p| p.into_value().ident);
    if last.as_ref().is_none_or(|i| i != "try_from") {
        unexpected(init);
    }
    ty.segments.pop_punct();
    Some(ty)
}

// Syntax helpers.

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

/// The initial value of `let name = ..;`.
fn local_named<'a>(stmt: &'a mut syn::Stmt, name: &str) -> Option<&'a mut syn::Expr> {
    match stmt {
        syn::Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == name) => {
            local.init.as_mut().map(|init| &mut *init.expr)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn text(tokens: impl ToTokens) -> String {
        tokens.to_token_stream().to_string()
    }

    fn texts(stmts: &[syn::Stmt]) -> Vec<String> {
        stmts.iter().map(text).collect()
    }

    fn statements(block: syn::Block) -> Vec<syn::Stmt> {
        block.stmts
    }

    #[test]
    fn the_api_version_header_map_goes_and_nothing_else() {
        let mut stmts = statements(syn::parse_quote!({
            let url = "/x";
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map.append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
            );
            header_map.append("api-version", value);
            other.append("api-version", value);
            header_map.append("x-other", value);
        }));
        assert_eq!(drop_api_version_header(&mut stmts), 3);
        assert_eq!(
            texts(&stmts),
            [
                text(quote!(let url = "/x";)),
                text(quote!(other.append("api-version", value);)),
                text(quote!(header_map.append("x-other", value);)),
            ]
        );
    }

    #[test]
    fn the_url_keeps_the_path_alone() {
        let mut stmts = statements(syn::parse_quote!({
            let url = format!("{}/api/v3/create-user", client.baseurl,);
        }));
        url_without_host(&mut stmts);
        assert_eq!(
            texts(&stmts),
            [text(quote!(let url = "/api/v3/create-user";))]
        );
        let with_parameters: syn::Expr = syn::parse_quote!(format!(
            "{}/api/v3/users/{}/roles/{}",
            client.baseurl, a, b?,
        ));
        assert_eq!(
            text(path_only(&with_parameters)),
            text(quote!(format!("/api/v3/users/{}/roles/{}", a, b?)))
        );
    }

    #[test]
    #[should_panic(expected = "the host comes first")]
    fn a_url_that_does_not_start_with_the_host_is_refused() {
        path_only(&syn::parse_quote!(format!("{}/x", other.baseurl)));
    }

    #[test]
    #[should_panic(expected = "a send makes one URL")]
    fn a_send_without_a_url_is_refused() {
        url_without_host(&mut statements(syn::parse_quote!({
            let path = "/x";
        })));
    }

    #[test]
    fn a_request_chain_becomes_one_call_with_its_query_in_order() {
        let get = RequestChain::read(&syn::parse_quote!(
            client
                .client
                .get(url)
                .header(::reqwest::header::ACCEPT, accept)
                .query(&progenitor_client::QueryParam::new("a", &a))
                .headers(header_map)
                .query(&progenitor_client::QueryParam::new("b", &b))
                .build()
        ));
        assert_eq!(get.verb, "GET");
        assert!(get.json.is_none());
        let query: Vec<(String, String)> = get
            .query
            .iter()
            .map(|(name, value)| (text(name), text(value)))
            .collect();
        assert_eq!(
            query,
            [
                (text(quote!("a")), text(quote!(&a))),
                (text(quote!("b")), text(quote!(&b)))
            ]
        );
        assert_eq!(
            text(get.request()),
            text(quote!(client.inner.new_call(
                ::reqwest::Method::GET,
                &url,
                &genauth_query
            )))
        );
        let post = RequestChain::read(&syn::parse_quote!(
            client
                .client
                .post(url)
                .header(::reqwest::header::ACCEPT, accept)
                .json(&body)
                .headers(header_map)
                .build()
        ));
        assert!(post.query.is_empty());
        assert_eq!(
            text(post.request()),
            text(quote!(client.inner.new_json_call(
                ::reqwest::Method::POST,
                &url,
                &genauth_query,
                &body
            )?))
        );
    }

    #[test]
    #[should_panic(expected = "unexpected request chain")]
    fn a_request_chain_with_another_call_is_refused() {
        RequestChain::read(&syn::parse_quote!(
            client
                .client
                .get(url)
                .header(::reqwest::header::ACCEPT, accept)
                .timeout(limit)
                .headers(header_map)
                .build()
        ));
    }

    #[test]
    #[should_panic(expected = "unexpected request chain")]
    fn a_request_chain_without_the_header_map_is_refused() {
        RequestChain::read(&syn::parse_quote!(
            client
                .client
                .get(url)
                .header(::reqwest::header::ACCEPT, accept)
                .build()
        ));
    }

    #[test]
    fn the_query_is_gathered_just_before_the_request() {
        let mut stmts = statements(syn::parse_quote!({
            let url = "/x";
            #[allow(unused_mut)]
            let mut request = client
                .client
                .delete(url)
                .header(::reqwest::header::ACCEPT, accept)
                .query(&progenitor_client::QueryParam::new("a", &a))
                .query(&progenitor_client::QueryParam::new("b", &b))
                .headers(header_map)
                .build()?;
        }));
        assert_eq!(direct_request(&mut stmts), 2);
        assert_eq!(
            texts(&stmts),
            [
                text(quote!(let url = "/x";)),
                text(
                    quote!(let mut genauth_query = crate::endpoint::Query::with_capacity(2usize);)
                ),
                text(quote!(genauth_query.push("a", &a)?;)),
                text(quote!(genauth_query.push("b", &b)?;)),
                text(quote! {
                    #[allow(unused_mut)]
                    let mut request = client.inner.new_call(::reqwest::Method::DELETE, &url, &genauth_query);
                }),
            ]
        );
        assert_eq!(
            texts(&gather_query(&[])),
            [text(
                quote!(let genauth_query = crate::endpoint::Query::default();)
            )]
        );
    }

    #[test]
    fn a_body_builder_is_built_by_the_shared_function() {
        let mut stmts = statements(syn::parse_quote!({
            let body = body
                .and_then(|v| types::CreateUserReqDto::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
        }));
        built_body(&mut stmts);
        assert_eq!(
            texts(&stmts),
            [text(quote!(
                let body = crate::generated::built::<types::CreateUserReqDto, _>(body)?;
            ))]
        );
        // Raw JSON has no builder: its body stays.
        let raw = quote!(let body = body.map_err(Error::InvalidRequest)?;);
        let mut stmts = statements(syn::parse_quote!({ #raw }));
        built_body(&mut stmts);
        assert_eq!(texts(&stmts), [text(raw)]);
    }

    #[test]
    #[should_panic(expected = "unexpected body conversion")]
    fn another_body_conversion_is_refused() {
        built_body(&mut statements(syn::parse_quote!({
            let body = body.map(From::from)?;
        })));
    }

    /// What progenitor writes after the request is built, for operation `id`.
    fn hooks_and_response(id: &str) -> proc_macro2::TokenStream {
        quote! {
            let info = OperationInfo { operation_id: #id };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }

    #[test]
    fn the_hooks_and_the_response_go_and_name_the_operation() {
        let end = hooks_and_response("get_user");
        let mut stmts = statements(syn::parse_quote!({
            let url = "/x";
            let mut request = made;
            #end
        }));
        assert_eq!(drop_hooks_and_response(&mut stmts), "get_user");
        assert_eq!(
            texts(&stmts),
            [
                text(quote!(let url = "/x";)),
                text(quote!(let mut request = made;))
            ]
        );
    }

    #[test]
    #[should_panic(expected = "unexpected end of a generated send")]
    fn a_send_that_ends_otherwise_is_refused() {
        let end = hooks_and_response("get_user");
        let mut stmts = statements(syn::parse_quote!({ #end }));
        stmts.remove(1);
        drop_hooks_and_response(&mut stmts);
    }

    #[test]
    fn send_answers_with_the_crates_error_and_names_its_answer() {
        let mut sig: syn::Signature = syn::parse_quote!(
            async fn send(self) -> Result<ResponseValue<types::UserRespDto>, Error<()>>
        );
        let answer = answer_with_crate_error(&mut sig);
        assert_eq!(text(answer), text(quote!(types::UserRespDto)));
        assert_eq!(
            text(&sig.output),
            text(quote!(-> Result<ResponseValue<types::UserRespDto>, Error>))
        );
        let mut items: Vec<syn::Item> = vec![
            syn::parse_quote!(
                use super::types;
            ),
            syn::parse_quote!(
                use super::{encode_path, Error, ResponseValue};
            ),
        ];
        import_crate_error(&mut items);
        let items: Vec<String> = items.iter().map(text).collect();
        assert_eq!(
            items,
            [
                text(quote!(
                    use super::types;
                )),
                text(quote!(
                    use super::{encode_path, ResponseValue};
                )),
                text(quote!(
                    use crate::Error;
                )),
            ]
        );
    }
}
