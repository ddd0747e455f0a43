//! Docs the generator leaves out: prose on `$ref` fields, and the per-group pages.

use std::collections::BTreeSet;

use quote::{format_ident, quote};

use crate::syntax::{module_items, serde_rename};

/// Puts the prose of `$ref` properties on their fields. OpenAPI 3.0 gives a `$ref` no
/// description of its own, so regen keeps that text in `x-genauth-doc`, and typify never sees
/// it.
pub fn ref_field_docs(file: &mut syn::File, raw: &serde_json::Value) {
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

/// The contents of `$OUT_DIR/api_groups.rs`: one module per tag whose page on docs.rs is the tag's guide
/// (regen puts it in the tag's `x-genauth-guide`) followed by the group's operations, each linked
/// to its method on the group's extension trait.
pub fn group_pages(file: &syn::File, raw: &serde_json::Value) -> proc_macro2::TokenStream {
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
    quote!(#(#modules)*)
}
