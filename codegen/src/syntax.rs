//! Small helpers over the generated syntax tree.

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
