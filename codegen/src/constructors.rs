//! No public constructor that can panic: progenitor's `Client::new` builds a
//! `reqwest::Client` and unwraps the result. genauth's builder makes the client itself (the
//! struct's one field is `pub(crate)`), and reports a client it cannot build as an error.

use syn::visit::Visit;

/// The names of progenitor's client traits: `ClientInfo` (the client's parts, which nothing
/// of genauth reads through it) and `ClientHooks` (the hooks `send` no longer calls once
/// `streamline_requests` ran).
const CLIENT_TRAITS: [&str; 2] = ["ClientInfo", "ClientHooks"];

/// Removes from the generated client, after `streamline_requests`:
/// - `impl Client { pub fn new(..) pub fn new_with_client(..) }`, progenitor's constructors;
/// - `impl ClientInfo<..> for Client`;
/// - `const _: () = { fn assert_client_hooks() where Client: ClientHooks<..> {} };`, which
///   made genauth implement the hooks it no longer calls;
/// - `ClientInfo` and `ClientHooks` from the imports, at the top and in the builder module;
/// - the struct's `baseurl` and `client` fields, which nothing reads once `send` goes through
///   the facade: the host and the connection pool are in `inner`'s shared state.
///
/// Panics when one of them is not there, or when anything else still names either trait.
pub fn drop_public_constructors(file: &mut syn::File) {
    drop_unread_fields(file);
    let before = file.items.len();
    file.items
        .retain(|item| !is_constructors(item) && !is_client_info(item) && !is_hooks_check(item));
    assert_eq!(
        before - file.items.len(),
        3,
        "the client's constructors, its ClientInfo impl and the hooks check, once each"
    );
    let mut imports = drop_trait_imports(&mut file.items);
    imports += drop_trait_imports(crate::syntax::module_items(file, "builder"));
    assert_eq!(
        imports, 4,
        "ClientInfo and ClientHooks are imported at the top and in the builder module"
    );
    let mut named = Named::default();
    named.visit_file(file);
    assert!(
        named.0.is_empty(),
        "the generated code still names {:?}",
        named.0
    );
}

/// Leaves the `Client` struct its `inner` field alone.
fn drop_unread_fields(file: &mut syn::File) {
    let client = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Struct(st) if st.ident == "Client" => Some(st),
            _ => None,
        })
        .expect("the generated code has a `Client` struct");
    let syn::Fields::Named(fields) = &mut client.fields else {
        panic!("the `Client` struct has named fields");
    };
    let names: Vec<String> = fields
        .named
        .iter()
        .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
        .collect();
    assert_eq!(
        names,
        ["baseurl", "client", "inner"],
        "progenitor's `Client` has a base URL, a reqwest client and the inner state"
    );
    fields.named = std::mem::take(&mut fields.named)
        .into_iter()
        .filter(|f| f.ident.as_ref().is_some_and(|i| i == "inner"))
        .collect();
}

/// Whether `ty` is `Client`.
fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("Client"))
}

/// `impl Client { .. }` with `new` and `new_with_client`, which must be all it has.
fn is_constructors(item: &syn::Item) -> bool {
    let syn::Item::Impl(imp) = item else {
        return false;
    };
    if imp.trait_.is_some() || !is_client(&imp.self_ty) {
        return false;
    }
    let names: Vec<String> = imp
        .items
        .iter()
        .map(|member| match member {
            syn::ImplItem::Fn(f) => f.sig.ident.to_string(),
            _ => String::new(),
        })
        .collect();
    if !names.iter().any(|n| n == "new" || n == "new_with_client") {
        return false;
    }
    assert_eq!(
        names,
        ["new", "new_with_client"],
        "progenitor's impl Client has the two constructors alone"
    );
    true
}

/// `impl ClientInfo<..> for Client`.
fn is_client_info(item: &syn::Item) -> bool {
    matches!(item, syn::Item::Impl(imp)
        if is_client(&imp.self_ty)
            && crate::lenient::implements(imp, "ClientInfo"))
}

/// `const _: () = { fn assert_client_hooks() .. };`.
fn is_hooks_check(item: &syn::Item) -> bool {
    let syn::Item::Const(c) = item else {
        return false;
    };
    let syn::Expr::Block(block) = &*c.expr else {
        return false;
    };
    block.block.stmts.iter().any(|stmt| {
        matches!(stmt, syn::Stmt::Item(syn::Item::Fn(f)) if f.sig.ident == "assert_client_hooks")
    })
}

/// Removes [`CLIENT_TRAITS`] from the `use` items among `items`; returns how many names went.
fn drop_trait_imports(items: &mut [syn::Item]) -> usize {
    fn drop(tree: &mut syn::UseTree) -> usize {
        match tree {
            syn::UseTree::Path(p) => drop(&mut p.tree),
            syn::UseTree::Group(g) => {
                let before = g.items.len();
                g.items = std::mem::take(&mut g.items)
                    .into_iter()
                    .filter(|t| {
                        !matches!(t, syn::UseTree::Name(n)
                            if CLIENT_TRAITS.iter().any(|name| n.ident == name))
                    })
                    .collect();
                before - g.items.len()
            }
            _ => 0,
        }
    }
    items
        .iter_mut()
        .map(|item| match item {
            syn::Item::Use(u) => drop(&mut u.tree),
            _ => 0,
        })
        .sum()
}

/// The names of [`CLIENT_TRAITS`] a visited tree still has.
#[derive(Default)]
struct Named(Vec<String>);

impl<'ast> Visit<'ast> for Named {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        if CLIENT_TRAITS.iter().any(|name| ident == name) {
            self.0.push(ident.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_spec::{generate, two_operations};
    use quote::{ToTokens, quote};

    /// The small spec's client as the pipeline has it when this pass runs.
    fn streamlined() -> syn::File {
        let spec = two_operations();
        let (mut file, _) = generate(&spec);
        crate::paths::checked_path_segments(&mut file, &spec);
        crate::requests::streamline_requests(&mut file, &spec);
        file
    }

    /// The top-level items that are about `Client` itself (its impls, and the consts).
    fn client_items(file: &syn::File) -> Vec<String> {
        file.items
            .iter()
            .filter(|item| match item {
                syn::Item::Impl(imp) => is_client(&imp.self_ty),
                syn::Item::Const(_) | syn::Item::Struct(_) => true,
                _ => false,
            })
            .map(|item| match item {
                syn::Item::Struct(st) => format!("struct {}", st.ident),
                syn::Item::Impl(imp) => match &imp.trait_ {
                    Some((_, path, _)) => format!("impl {} for Client", path.to_token_stream()),
                    None => "impl Client".to_string(),
                },
                other if is_hooks_check(other) => "the hooks check".to_string(),
                other => other.to_token_stream().to_string(),
            })
            .collect()
    }

    #[test]
    fn the_client_keeps_its_struct_and_extension_traits_only() {
        let mut file = streamlined();
        assert_eq!(
            client_items(&file),
            [
                "struct Client",
                "impl Client",
                "impl ClientInfo < crate :: send :: ClientState > for Client",
                "the hooks check",
                "impl ClientUsersExt for Client",
            ]
        );
        drop_public_constructors(&mut file);
        assert_eq!(
            client_items(&file),
            ["struct Client", "impl ClientUsersExt for Client"]
        );
        // The struct keeps its state alone: genauth's builder fills it.
        let client = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(st) if st.ident == "Client" => Some(st),
                _ => None,
            })
            .unwrap();
        let fields: Vec<String> = client
            .fields
            .iter()
            .map(|f| quote!(#f).to_string())
            .collect();
        assert_eq!(
            fields,
            [quote!(pub(crate) inner: crate::send::ClientState).to_string()]
        );
    }

    #[test]
    fn the_imports_lose_the_client_traits() {
        let mut file = streamlined();
        drop_public_constructors(&mut file);
        let uses = |items: &[syn::Item]| -> Vec<String> {
            items
                .iter()
                .filter_map(|item| match item {
                    syn::Item::Use(u) => Some(u.tree.to_token_stream().to_string()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(
            uses(&file.items),
            [
                quote!(progenitor_client::{ByteStream, Error, ResponseValue}).to_string(),
                quote!(progenitor_client::{encode_path, OperationInfo, RequestBuilderExt})
                    .to_string(),
            ]
        );
        let builder = uses(crate::syntax::module_items(&mut file, "builder"));
        assert_eq!(
            builder[1],
            quote!(super::{encode_path, ByteStream, OperationInfo, RequestBuilderExt, ResponseValue})
                .to_string()
        );
    }

    #[test]
    #[should_panic(expected = "the generated code still names [\"ClientHooks\"]")]
    fn a_hook_still_named_is_refused() {
        let mut file = streamlined();
        file.items.push(syn::parse_quote!(
            impl ClientHooks<crate::send::ClientState> for Client {}
        ));
        drop_public_constructors(&mut file);
    }

    #[test]
    #[should_panic(expected = "the two constructors alone")]
    fn another_method_beside_the_constructors_is_refused() {
        let mut file = streamlined();
        let constructors = file
            .items
            .iter_mut()
            .find_map(|item| match item {
                syn::Item::Impl(imp) if imp.trait_.is_none() && is_client(&imp.self_ty) => {
                    Some(imp)
                }
                _ => None,
            })
            .unwrap();
        constructors.items.push(syn::parse_quote!(
            pub fn host(&self) -> &str {
                &self.baseurl
            }
        ));
        drop_public_constructors(&mut file);
    }
}
