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

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(field: &syn::Field) -> Vec<String> {
        field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .map(|a| match &a.meta {
                syn::Meta::NameValue(syn::MetaNameValue {
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }),
                    ..
                }) => s.value(),
                _ => panic!("a doc attribute that is not a string"),
            })
            .collect()
    }

    #[test]
    fn ref_fields_get_the_doc_regen_kept_unless_they_have_one() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Outer {
                    #[serde(rename = "innerValue")]
                    pub inner_value: Inner,
                    #[doc = "Its own."]
                    pub kept: Inner,
                    pub r#type: Kind,
                    pub plain: String,
                }
                pub struct Other { pub inner_value: Inner }
            }
        };
        let raw = serde_json::json!({
            "components": {
                "schemas": {
                    "Outer": {
                        "properties": {
                            "innerValue": {
                                "$ref": "#/components/schemas/Inner",
                                "x-genauth-doc": "The inner value."
                            },
                            "kept": {
                                "$ref": "#/components/schemas/Inner",
                                "x-genauth-doc": "Not this."
                            },
                            "type": {
                                "$ref": "#/components/schemas/Kind",
                                "x-genauth-doc": "The kind."
                            },
                            "plain": { "type": "string" }
                        }
                    }
                }
            }
        });
        ref_field_docs(&mut file, &raw);
        let types = module_items(&mut file, "types");
        let syn::Item::Struct(outer) = &types[0] else {
            panic!("Outer")
        };
        let fields: Vec<Vec<String>> = outer.fields.iter().map(docs).collect();
        assert_eq!(
            fields,
            [
                vec!["The inner value."],
                vec!["Its own."],
                vec!["The kind."],
                vec![],
            ]
        );
        // The doc comes first, before the field's serde attribute.
        assert!(
            outer.fields.iter().next().unwrap().attrs[0]
                .path()
                .is_ident("doc")
        );
        let syn::Item::Struct(other) = &types[1] else {
            panic!("Other")
        };
        assert!(docs(other.fields.iter().next().unwrap()).is_empty());
    }

    fn two_tags() -> serde_json::Value {
        serde_json::json!({
            "tags": [
                { "name": "Risk lists", "x-genauth-guide": "Blocked IPs." },
                { "name": "Users", "x-genauth-guide": "The accounts." },
                { "name": "Empty" }
            ],
            "paths": {
                "/b": {
                    "post": { "operationId": "getUser", "tags": ["Users"], "summary": "Get one." },
                    "delete": { "operationId": "deleteIp", "tags": ["Risk lists"], "summary": "Delete one." }
                },
                "/a": {
                    "post": { "operationId": "createUser", "tags": ["Users"], "summary": "Create one." }
                }
            }
        })
    }

    /// The modules of `tokens`, with their doc.
    fn pages(tokens: proc_macro2::TokenStream) -> Vec<(String, String)> {
        let file: syn::File = syn::parse2(tokens).unwrap();
        file.items
            .iter()
            .map(|item| {
                let syn::Item::Mod(m) = item else {
                    panic!("only modules")
                };
                assert_eq!(m.content.as_ref().map(|(_, items)| items.len()), Some(0));
                let syn::Meta::NameValue(doc) = &m.attrs[0].meta else {
                    panic!("a doc")
                };
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(doc),
                    ..
                }) = &doc.value
                else {
                    panic!("a doc string")
                };
                (m.ident.to_string(), doc.value())
            })
            .collect()
    }

    #[test]
    fn each_group_page_lists_its_operations_in_the_spec_order_of_tags() {
        let file: syn::File = syn::parse_quote! {
            pub trait ClientRiskListsExt {}
            pub trait ClientUsersExt {}
        };
        let pages = pages(group_pages(&file, &two_tags()));
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["risk_lists", "users"]);
        assert_eq!(
            pages[1].1,
            "# Users\n\nThe accounts.\n\n## Operations\n\n\
             Methods of [`ClientUsersExt`](crate::prelude::ClientUsersExt), in `genauth::prelude`:\n\n\
             - [`create_user`](crate::prelude::ClientUsersExt::create_user): Create one.\n\
             - [`get_user`](crate::prelude::ClientUsersExt::get_user): Get one.\n"
        );
        assert!(
            pages[0].1.ends_with(
                "- [`delete_ip`](crate::prelude::ClientRiskListsExt::delete_ip): Delete one.\n"
            ),
            "{}",
            pages[0].1
        );
    }

    #[test]
    fn group_pages_name_the_traits_progenitor_generates() {
        let spec = crate::test_spec::two_operations();
        let (file, _) = crate::test_spec::generate(&spec);
        let pages = pages(group_pages(&file, &spec));
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].0, "users");
        assert!(
            pages[0].1.contains(
                "- [`get_user`](crate::prelude::ClientUsersExt::get_user): Get one user.\n"
            ),
            "{}",
            pages[0].1
        );
    }

    #[test]
    #[should_panic(expected = "no trait ClientRiskListsExt for tag Risk lists")]
    fn a_group_without_its_trait_is_refused() {
        let file: syn::File = syn::parse_quote! {
            pub trait ClientUsersExt {}
            pub struct ClientRiskListsExt;
        };
        group_pages(&file, &two_tags());
    }
}
