//! Type builders only for the types a request can carry.

use std::collections::BTreeSet;

use quote::ToTokens;

use syn::visit::Visit;

use crate::syntax::module_items;

/// The `X` of every path `types::builder::X` it visits.
#[derive(Default)]
struct TypeBuilderPaths(BTreeSet<String>);

impl<'ast> Visit<'ast> for TypeBuilderPaths {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(at) = names.windows(2).position(|w| w == ["types", "builder"])
            && let Some(name) = names.get(at + 2)
        {
            self.0.insert(name.clone());
        }
        syn::visit::visit_path(self, path);
    }
}

/// Keeps typify's builder (`types::builder::X`, `types::X::builder()`) only for the types a
/// request can carry: the request bodies `body_map` works on, and every type they contain, so
/// that nested values can be built the same way. Types only ever decoded from responses lose
/// theirs: about half of the builders, a third of the generated code.
pub fn prune_type_builders(file: &mut syn::File) {
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
    let mut wanted = TypeBuilderPaths::default();
    for item in module_items(file, "builder").iter() {
        wanted.visit_item(item);
    }
    let wanted = wanted.0;
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
