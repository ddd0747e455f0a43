//! Small helpers over the generated syntax tree.

use std::collections::BTreeSet;

/// The identifiers of `path`'s segments, in order (`::serde_json::Value` gives
/// `["serde_json", "Value"]`).
pub fn path_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The generated types the paths it visits name: `X` of each `types::X` in `plain`, of each
/// `types::builder::X` in `builders`.
#[derive(Default)]
pub struct TypePaths {
    pub plain: BTreeSet<String>,
    pub builders: BTreeSet<String>,
}

impl<'ast> syn::visit::Visit<'ast> for TypePaths {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let names = path_names(path);
        if let Some(at) = names.iter().position(|n| n == "types") {
            match &names[at + 1..] {
                [builder, name] if builder == "builder" => {
                    self.builders.insert(name.clone());
                }
                [name] => {
                    self.plain.insert(name.clone());
                }
                _ => {}
            }
        }
        syn::visit::visit_path(self, path);
    }
}

/// The items of the generated module `name` (`types`, `builder`).
pub fn module_items<'a>(file: &'a mut syn::File, name: &str) -> &'a mut Vec<syn::Item> {
    submodule_items(&mut file.items, name)
        .unwrap_or_else(|| panic!("the generated client has no `{name}` module"))
}

/// The items of the inline module `name` among `items` (e.g. `builder` inside `types`).
pub fn submodule_items<'a>(
    items: &'a mut [syn::Item],
    name: &str,
) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The types of `items` (a `types` module) that `roots` reach: each root that names a struct or
/// enum there, and every such type named, at any depth, in the definition of one reached.
pub fn reach_types(
    items: &[syn::Item],
    roots: impl IntoIterator<Item = String>,
) -> BTreeSet<String> {
    use quote::ToTokens;
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
    // What each type's definition names.
    let mut names = std::collections::BTreeMap::new();
    for item in items {
        let (name, tokens) = match item {
            syn::Item::Struct(s) => (s.ident.to_string(), s.to_token_stream()),
            syn::Item::Enum(e) => (e.ident.to_string(), e.to_token_stream()),
            _ => continue,
        };
        let mut found = BTreeSet::new();
        idents(tokens, &mut found);
        names.insert(name, found);
    }
    let mut reached = BTreeSet::new();
    let mut todo: Vec<String> = roots.into_iter().collect();
    while let Some(name) = todo.pop() {
        if let Some(found) = names.get(&name)
            && reached.insert(name)
        {
            todo.extend(
                found
                    .iter()
                    .filter(|n| names.contains_key(*n) && !reached.contains(*n))
                    .cloned(),
            );
        }
    }
    reached
}

/// Whether a `#[derive(...)]` among `attrs` names the trait whose last path segment is `name`.
pub fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            })
        })
}

/// Removes the trait whose last path segment is `name` from the `#[derive(...)]` attributes
/// among `attrs`; whether one was there.
pub fn drop_derive(attrs: &mut [syn::Attribute], name: &str) -> bool {
    let mut dropped = false;
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let before = paths.len();
        let kept: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> = paths
            .into_iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != name))
            .collect();
        if kept.len() != before {
            dropped = true;
            *attr = syn::parse_quote!(#[derive(#kept)]);
        }
    }
    dropped
}

/// The value of a `#[serde(rename = "...")]` attribute.
pub fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    crate::serde_attrs::SerdeAttrs::parse(attrs).rename
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(items: &[syn::Item]) -> Vec<String> {
        items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Struct(s) => Some(s.ident.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn module_items_are_the_named_modules_own() {
        let mut file: syn::File = syn::parse_quote! {
            struct Outside;
            mod types { struct A; mod builder { struct Nested; } }
            mod builder { struct B; struct C; }
        };
        assert_eq!(idents(module_items(&mut file, "builder")), ["B", "C"]);
        assert_eq!(idents(module_items(&mut file, "types")), ["A"]);
        module_items(&mut file, "types").push(syn::parse_quote!(
            struct Added;
        ));
        assert_eq!(idents(module_items(&mut file, "types")), ["A", "Added"]);
    }

    #[test]
    #[should_panic(expected = "the generated client has no `types` module")]
    fn a_missing_module_is_named_in_the_panic() {
        let mut file: syn::File = syn::parse_quote! {
            mod builder { struct B; }
            fn types() {}
        };
        module_items(&mut file, "types");
    }

    #[test]
    fn type_paths_sort_types_from_their_builders() {
        use syn::visit::Visit;
        let item: syn::Item = syn::parse_quote! {
            struct Op<'a> {
                body: Result<types::builder::A, String>,
                mode: Option<super::types::Mode>,
                other: types::builder::B::Nested,
                elsewhere: crate::other::C,
            }
        };
        let mut paths = TypePaths::default();
        paths.visit_item(&item);
        assert_eq!(paths.builders.into_iter().collect::<Vec<_>>(), ["A"]);
        assert_eq!(paths.plain.into_iter().collect::<Vec<_>>(), ["Mode"]);
        let ty: syn::Path = syn::parse_quote!(::serde_json::Value);
        assert_eq!(path_names(&ty), ["serde_json", "Value"]);
    }

    #[test]
    fn reach_types_follows_definitions_and_ignores_unknown_roots() {
        let file: syn::File = syn::parse_quote! {
            pub struct A { pub b: Option<Vec<B>> }
            pub enum B { One(C), Two }
            pub struct C(pub String);
            pub struct D { pub a: A }
            impl A { fn d(&self) -> D { todo!() } }
        };
        let reached = reach_types(&file.items, ["A".to_string(), "Nowhere".to_string()]);
        assert_eq!(reached.into_iter().collect::<Vec<_>>(), ["A", "B", "C"]);
        assert!(reach_types(&file.items, ["D".to_string()]).contains("C"));
    }

    #[test]
    fn serde_rename_is_the_renamed_json_name() {
        let st: syn::ItemStruct = syn::parse_quote! {
            struct S {
                #[doc = "rename = \"no\""]
                #[serde(default, rename = "userId", skip_serializing_if = "Option::is_none")]
                user_id: Option<String>,
                #[serde(default)]
                name: String,
            }
        };
        let fields: Vec<&syn::Field> = st.fields.iter().collect();
        assert_eq!(serde_rename(&fields[0].attrs).as_deref(), Some("userId"));
        assert_eq!(serde_rename(&fields[1].attrs), None);
    }
}
