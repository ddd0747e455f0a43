//! Type builders only for the types a request can carry.

use syn::visit::Visit;

use crate::syntax::{TypePaths, module_items, reach_types, submodule_items};

/// Keeps typify's builder (`types::builder::X`, `types::X::builder()`) only for the types a
/// request can carry: the request bodies `body_map` works on, and every type they contain, so
/// that nested values can be built the same way. Types only ever decoded from responses lose
/// theirs: about half of the builders, a third of the generated code.
pub fn prune_type_builders(file: &mut syn::File) {
    /// The last segment of an impl's self type (`X` or `super::X`).
    fn self_name(imp: &syn::ItemImpl) -> Option<String> {
        match &*imp.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        }
    }
    // Builders the operations use: `types::builder::X` in the operation builders.
    let mut paths = TypePaths::default();
    for item in module_items(file, "builder").iter() {
        paths.visit_item(item);
    }
    let wanted = paths.builders;
    assert!(!wanted.is_empty(), "no operation uses a type builder");
    let types = module_items(file, "types");
    // Everything reachable from the request bodies.
    let reached = reach_types(types, wanted);
    // Drop the other builders and their `builder()` constructors.
    let keep = |name: &Option<String>| name.as_ref().is_none_or(|n| reached.contains(n));
    if let Some(items) = submodule_items(types, "builder") {
        items.retain(|item| match item {
            syn::Item::Struct(s) => keep(&Some(s.ident.to_string())),
            syn::Item::Impl(imp) => keep(&self_name(imp)),
            _ => true,
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `CreateA` sends an `A`, which holds a `B`; `C` is only ever an answer.
    fn generated() -> syn::File {
        syn::parse_quote! {
            pub mod builder {
                pub struct CreateA<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::A, String>,
                }
            }
            pub mod types {
                pub struct A { pub b: B }
                pub struct B { pub n: i64 }
                pub struct C { pub n: i64 }
                impl A { pub fn builder() -> builder::A { Default::default() } }
                impl B { pub fn builder() -> builder::B { Default::default() } }
                impl C { pub fn builder() -> builder::C { Default::default() } }
                impl C { pub fn describe(&self) -> i64 { self.n } }
                impl ::std::fmt::Display for C {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "{}", self.n)
                    }
                }
                pub mod builder {
                    pub struct A { b: Result<super::B, String> }
                    pub struct B { n: Result<i64, String> }
                    pub struct C { n: Result<i64, String> }
                    impl Default for A { fn default() -> Self { todo!() } }
                    impl Default for B { fn default() -> Self { todo!() } }
                    impl Default for C { fn default() -> Self { todo!() } }
                    impl TryFrom<A> for super::A { type Error = String; fn try_from(v: A) -> Result<Self, String> { todo!() } }
                    impl TryFrom<C> for super::C { type Error = String; fn try_from(v: C) -> Result<Self, String> { todo!() } }
                    impl C { pub fn n(self, n: i64) -> Self { self } }
                }
            }
        }
    }

    /// The structs of `items`, and its impls as `Trait for Type: first item`.
    fn summary(items: &[syn::Item]) -> (Vec<String>, Vec<String>) {
        let mut structs = Vec::new();
        let mut impls = Vec::new();
        for item in items {
            match item {
                syn::Item::Struct(s) => structs.push(s.ident.to_string()),
                syn::Item::Impl(imp) => {
                    let ty = &imp.self_ty;
                    let name = match &imp.trait_ {
                        Some((_, t, _)) => quote::quote!(#t for #ty),
                        None => quote::quote!(#ty),
                    };
                    let first = match imp.items.first() {
                        Some(syn::ImplItem::Fn(f)) => f.sig.ident.to_string(),
                        Some(syn::ImplItem::Type(t)) => t.ident.to_string(),
                        _ => String::new(),
                    };
                    impls.push(format!("{name}: {first}"));
                }
                _ => {}
            }
        }
        (structs, impls)
    }

    fn type_builders(file: &mut syn::File) -> Vec<syn::Item> {
        submodule_items(module_items(file, "types"), "builder")
            .unwrap()
            .clone()
    }

    #[test]
    fn builders_only_reachable_from_requests_are_kept() {
        let mut file = generated();
        prune_type_builders(&mut file);
        let (structs, impls) = summary(&type_builders(&mut file));
        assert_eq!(structs, ["A", "B"]);
        assert_eq!(
            impls,
            [
                "Default for A: default",
                "Default for B: default",
                "TryFrom < A > for super :: A: Error",
            ]
        );
    }

    #[test]
    fn only_the_builder_constructors_of_pruned_types_go() {
        let mut file = generated();
        prune_type_builders(&mut file);
        let (structs, impls) = summary(module_items(&mut file, "types"));
        // The types themselves and their other impls stay.
        assert_eq!(structs, ["A", "B", "C"]);
        assert_eq!(
            impls,
            [
                "A: builder",
                "B: builder",
                "C: describe",
                ":: std :: fmt :: Display for C: fmt",
            ]
        );
        // The operation builders are untouched.
        assert_eq!(summary(module_items(&mut file, "builder")).0, ["CreateA"]);
    }

    #[test]
    #[should_panic(expected = "no operation uses a type builder")]
    fn requests_that_use_no_type_builder_are_refused() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder { pub struct GetA<'a> { client: &'a super::Client } }
            pub mod types { pub struct A; pub mod builder { pub struct A; } }
        };
        prune_type_builders(&mut file);
    }
}
