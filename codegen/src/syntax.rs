//! Small helpers over the generated syntax tree.

/// The items of the generated module `name` (`types`, `builder`).
pub fn module_items<'a>(file: &'a mut syn::File, name: &str) -> &'a mut Vec<syn::Item> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the generated client has no `{name}` module"))
}

/// The value of a `#[serde(rename = "...")]` attribute.
pub fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    crate::serde_attrs::SerdeAttrs::parse(attrs).rename
}
