//! String enums open to values the spec does not list.

use std::collections::BTreeSet;

use quote::{format_ident, quote};

use crate::syntax::{derives, drop_derive, module_items, serde_rename};

/// The name of the variant every string enum gets for values the spec does not list.
pub const UNKNOWN_VARIANT: &str = "UnknownValue";

/// Opens every string enum of the generated types to values the spec does not list: each gets
/// a last variant `UnknownValue(String)` (`#[serde(untagged)]`), so that a value the server
/// adds later decodes, is kept, and serialises back unchanged, instead of failing the whole
/// call. Known values keep their variants and travel as before. `Copy` goes, since the new
/// variant holds a `String`. Returns, for the unit tests, a table of every opened enum that
/// derives `Deserialize` (the others are only ever sent) with a known value and a
/// decode/encode round trip, and the names of all the opened enums.
pub fn open_string_enums(file: &mut syn::File) -> (proc_macro2::TokenStream, BTreeSet<String>) {
    let types = module_items(file, "types");
    let mut opened: Vec<(syn::Ident, String, bool)> = Vec::new();
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
        let decodable = derives(&e.attrs, "Deserialize");
        drop_derive(&mut e.attrs, "Copy");
        let unknown = format_ident!("{UNKNOWN_VARIANT}");
        e.variants.push(syn::parse_quote! {
            /// A value this version of the crate does not know: kept as the server sent it and
            /// sent back unchanged.
            #[serde(untagged)]
            #unknown(::std::string::String)
        });
        opened.push((e.ident.clone(), renames[0].clone(), decodable));
    }
    let names: BTreeSet<String> = opened.iter().map(|(i, ..)| i.to_string()).collect();
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
    let rows = opened.iter().filter(|(.., decodable)| *decodable).map(|(ident, known, _)| {
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
        /// How many string enums are open to unknown values (the table lists those a response
        /// can hold).
        #[allow(dead_code)]
        pub(crate) const OPEN_ENUM_COUNT: usize = #count;
        /// Every open string enum: its name, one known value, and a round trip of a value through
        /// decoding, encoding and `Display` (with whether it decoded as unknown).
        #[cfg(test)]
        pub(crate) static OPEN_ENUMS: &[(&str, &str, fn(&str) -> (String, String, bool))] = &[#(#rows),*];
    };
    (table, names)
}

/// Drops the derived `Ord` and `PartialOrd` from each generated enum: the order of variants
/// means nothing in the API. What users call stays: `Display`, `FromStr`, serde, `Clone`,
/// `Debug`, `Eq`, `Hash`, and the `TryFrom` impls from text that let an operation's setter
/// take `"BLACK"` as well as `IpType::Black`. Returns how many derives went.
pub fn fewer_enum_impls(file: &mut syn::File) -> usize {
    let mut removed = 0;
    for item in module_items(file, "types").iter_mut() {
        if let syn::Item::Enum(e) = item {
            removed += usize::from(drop_derive(&mut e.attrs, "PartialOrd"));
            removed += usize::from(drop_derive(&mut e.attrs, "Ord"));
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string enum as typify writes it (a value that is not a Rust name renamed), and an
    /// enum that is not a string enum.
    fn generated() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, Eq, PartialEq)]
                pub enum UserStatus {
                    #[serde(rename = "suspended-now")]
                    SuspendedNow,
                    Active,
                }
                impl ::std::fmt::Display for UserStatus {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::SuspendedNow => f.write_str("suspended-now"),
                            Self::Active => f.write_str("Active"),
                        }
                    }
                }
                impl ::std::str::FromStr for UserStatus {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        match value {
                            "suspended-now" => Ok(Self::SuspendedNow),
                            "Active" => Ok(Self::Active),
                            _ => Err("invalid value".into()),
                        }
                    }
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(untagged)]
                pub enum Value {
                    Text(::std::string::String),
                    Number(i64),
                }
                impl ::std::fmt::Display for Value {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match self {
                            Self::Text(t) => f.write_str(t),
                            Self::Number(n) => n.fmt(f),
                        }
                    }
                }
            }
        }
    }

    fn enum_named<'a>(file: &'a mut syn::File, name: &str) -> &'a syn::ItemEnum {
        module_items(file, "types")
            .iter()
            .find_map(|item| match item {
                syn::Item::Enum(e) if e.ident == name => Some(e),
                _ => None,
            })
            .unwrap()
    }

    /// The last arm of the `Display` match of `name`.
    fn last_display_arm(file: &mut syn::File, name: &str) -> String {
        module_items(file, "types")
            .iter()
            .find_map(|item| match item {
                syn::Item::Impl(imp)
                    if crate::lenient::implements(imp, "Display")
                        && quote!(#imp).to_string().contains(&format!("for {name}")) =>
                {
                    let syn::ImplItem::Fn(f) = &imp.items[0] else {
                        panic!("fmt")
                    };
                    let Some(syn::Stmt::Expr(syn::Expr::Match(m), _)) = f.block.stmts.last() else {
                        panic!("a match")
                    };
                    let arm = m.arms.last().unwrap();
                    Some(quote!(#arm).to_string())
                }
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn string_enums_get_an_unknown_value_variant() {
        let mut file = generated();
        let (_, opened) = open_string_enums(&mut file);
        assert_eq!(opened, BTreeSet::from(["UserStatus".to_string()]));
        let status = enum_named(&mut file, "UserStatus");
        let variants: Vec<String> = status
            .variants
            .iter()
            .map(|v| v.ident.to_string())
            .collect();
        assert_eq!(variants, ["SuspendedNow", "Active", "UnknownValue"]);
        let unknown = status.variants.last().unwrap();
        let fields = &unknown.fields;
        assert_eq!(
            quote!(#fields).to_string(),
            quote!((::std::string::String)).to_string()
        );
        assert!(
            unknown
                .attrs
                .iter()
                .any(|a| a.path().is_ident("serde") && quote!(#a).to_string().contains("untagged"))
        );
        // `Copy` goes; the other derives stay.
        let derive = &status.attrs[0];
        assert_eq!(
            quote!(#derive).to_string(),
            quote!(#[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Eq, PartialEq)])
                .to_string()
        );
        assert_eq!(
            last_display_arm(&mut file, "UserStatus"),
            quote!(Self::UnknownValue(ref value) => f.write_str(value),).to_string()
        );
    }

    #[test]
    fn enums_with_data_are_left_closed() {
        let mut file = generated();
        let before = enum_named(&mut file, "Value");
        let before = quote!(#before).to_string();
        open_string_enums(&mut file);
        let after = enum_named(&mut file, "Value");
        assert_eq!(quote!(#after).to_string(), before);
        assert_eq!(
            last_display_arm(&mut file, "Value"),
            quote!(Self::Number(n) => n.fmt(f),).to_string()
        );
    }

    #[test]
    fn the_table_names_each_opened_enum_with_its_first_json_value() {
        let mut file = generated();
        let (table, _) = open_string_enums(&mut file);
        let table: syn::File = syn::parse2(table).unwrap();
        let syn::Item::Const(count) = &table.items[0] else {
            panic!("OPEN_ENUM_COUNT first")
        };
        assert_eq!(count.ident, "OPEN_ENUM_COUNT");
        let value = &count.expr;
        assert_eq!(quote!(#value).to_string(), "1usize");
        let syn::Item::Static(rows) = &table.items[1] else {
            panic!("OPEN_ENUMS second")
        };
        let syn::Expr::Reference(rows) = &*rows.expr else {
            panic!("&[..]")
        };
        let syn::Expr::Array(rows) = &*rows.expr else {
            panic!("[..]")
        };
        assert_eq!(rows.elems.len(), 1);
        let syn::Expr::Tuple(row) = &rows.elems[0] else {
            panic!("a tuple")
        };
        let (name, known) = (&row.elems[0], &row.elems[1]);
        assert_eq!(
            quote!(#name).to_string(),
            quote!(stringify!(UserStatus)).to_string()
        );
        assert_eq!(
            quote!(#known).to_string(),
            quote!("suspended-now").to_string()
        );
    }

    #[test]
    fn a_send_only_enum_is_opened_but_has_no_decoding_row() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Serialize, Clone, Copy, Debug)]
                pub enum Mode { On, Off }
                impl ::std::fmt::Display for Mode {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::On => f.write_str("On"),
                            Self::Off => f.write_str("Off"),
                        }
                    }
                }
            }
        };
        let (table, names) = open_string_enums(&mut file);
        assert_eq!(names, BTreeSet::from(["Mode".to_string()]));
        let mode = enum_named(&mut file, "Mode");
        assert_eq!(
            mode.variants.last().unwrap().ident.to_string(),
            UNKNOWN_VARIANT
        );
        let table: syn::File = syn::parse2(table).unwrap();
        let syn::Item::Static(rows) = &table.items[1] else {
            panic!("OPEN_ENUMS second")
        };
        assert_eq!(quote!(#rows).to_string().matches("stringify").count(), 0);
        let syn::Item::Const(count) = &table.items[0] else {
            panic!("OPEN_ENUM_COUNT first")
        };
        let value = &count.expr;
        assert_eq!(quote!(#value).to_string(), "1usize");
    }

    #[test]
    fn enums_lose_their_order_and_keep_the_rest() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
                pub enum Mode { On, Off }
                impl ::std::convert::TryFrom<&str> for Mode {
                    type Error = self::error::ConversionError;
                    fn try_from(value: &str) -> Result<Self, Self::Error> { value.parse() }
                }
                #[derive(::serde::Serialize, Clone, Debug, PartialOrd, PartialEq)]
                pub struct Pattern(String);
            }
        };
        let before = file.clone();
        assert_eq!(fewer_enum_impls(&mut file), 2);
        let items = module_items(&mut file, "types");
        let syn::Item::Enum(e) = &items[0] else {
            panic!("the enum first")
        };
        let attrs = &e.attrs;
        assert_eq!(
            quote!(#(#attrs)*).to_string(),
            quote!(#[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Eq, Hash, PartialEq)]).to_string()
        );
        // The impls and the structs are left as they were.
        let mut before = before;
        let was = module_items(&mut before, "types");
        assert_eq!(quote!(#(#items)*).to_string().matches("TryFrom").count(), 1);
        assert_eq!(
            quote!(#(#was)*).to_string().matches("PartialOrd").count(),
            2
        );
        let now_struct = &items[2];
        let was_struct = &was[2];
        assert_eq!(
            quote!(#now_struct).to_string(),
            quote!(#was_struct).to_string()
        );
    }

    #[test]
    #[should_panic(expected = "enum Kind already has a variant UnknownValue")]
    fn an_enum_with_its_own_unknown_value_is_refused() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub enum Kind { Known, UnknownValue }
            }
        };
        open_string_enums(&mut file);
    }
}
