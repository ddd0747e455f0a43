//! String enums open to values the spec does not list.

use std::collections::BTreeSet;

use quote::{format_ident, quote};

use crate::syntax::{module_items, serde_rename};

/// The name of the variant every string enum gets for values the spec does not list.
pub const UNKNOWN_VARIANT: &str = "UnknownValue";

/// Opens every string enum of the generated types to values the spec does not list: each gets
/// a last variant `UnknownValue(String)` (`#[serde(untagged)]`), so that a value the server
/// adds later decodes, is kept, and serialises back unchanged, instead of failing the whole
/// call. Known values keep their variants and travel as before. `Copy` goes, since the new
/// variant holds a `String`. Returns, for the unit tests, a table of every opened enum with a
/// known value and a decode/encode round trip, and the names of the opened enums.
pub fn open_string_enums(file: &mut syn::File) -> (proc_macro2::TokenStream, BTreeSet<String>) {
    let types = module_items(file, "types");
    let mut opened: Vec<(syn::Ident, String)> = Vec::new();
    for item in types.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        let renames: Option<Vec<String>> = e
            .variants
            .iter()
            .map(|v| {
                // typify writes a value that is not a Rust name as a rename, and one that is
                // as the variant's own name.
                matches!(v.fields, syn::Fields::Unit)
                    .then(|| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
            })
            .collect();
        let Some(renames) = renames.filter(|r| !r.is_empty()) else {
            continue;
        };
        assert!(
            !e.variants.iter().any(|v| v.ident == UNKNOWN_VARIANT),
            "enum {} already has a variant {UNKNOWN_VARIANT}",
            e.ident
        );
        for attr in &mut e.attrs {
            if attr.path().is_ident("derive") {
                let derives: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> = attr
                    .parse_args_with(syn::punctuated::Punctuated::parse_terminated)
                    .expect("derive list");
                let kept = derives.into_iter().filter(|p| !p.is_ident("Copy"));
                *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        let unknown = format_ident!("{UNKNOWN_VARIANT}");
        e.variants.push(syn::parse_quote! {
            /// A value this version of the crate does not know: kept as the server sent it and
            /// sent back unchanged.
            #[serde(untagged)]
            #unknown(::std::string::String)
        });
        opened.push((e.ident.clone(), renames[0].clone()));
    }
    let names: BTreeSet<String> = opened.iter().map(|(i, _)| i.to_string()).collect();
    // `Display` writes the unknown value as it is.
    for item in types.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let is_display = crate::lenient::implements(imp, "Display");
        let syn::Type::Path(self_ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let opened_self = self_ty
            .path
            .get_ident()
            .is_some_and(|i| names.contains(&i.to_string()));
        if !is_display || !opened_self {
            continue;
        }
        for impl_item in &mut imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            let Some(syn::Stmt::Expr(syn::Expr::Match(m), _)) = f.block.stmts.last_mut() else {
                panic!("Display of {} is not a match", quote!(#self_ty));
            };
            m.arms.push(syn::parse_quote! {
                Self::UnknownValue(ref value) => f.write_str(value),
            });
        }
    }
    let rows = opened.iter().map(|(ident, known)| {
        quote! {
            (stringify!(#ident), #known, |value: &str| {
                let decoded: types::#ident =
                    serde_json::from_value(serde_json::Value::String(value.to_string()))
                        .expect("a string enum decodes any string");
                let unknown = matches!(decoded, types::#ident::UnknownValue(_));
                (serde_json::to_string(&decoded).expect("encodes"), decoded.to_string(), unknown)
            })
        }
    });
    let count = opened.len();
    let table = quote! {
        /// How many string enums are open to unknown values.
        #[allow(dead_code)]
        pub(crate) const OPEN_ENUM_COUNT: usize = #count;
        /// Every open string enum: its name, one known value, and a round trip of a value through
        /// decoding, encoding and `Display` (with whether it decoded as unknown).
        #[cfg(test)]
        pub(crate) static OPEN_ENUMS: &[(&str, &str, fn(&str) -> (String, String, bool))] = &[#(#rows),*];
    };
    (table, names)
}
