//! `Deserialize` impls written out for the API's structs, in place of serde's derive.
//!
//! serde's derive writes, for every struct, a field enum with its own visitor, a `visit_seq`
//! and a `visit_map`, and a wrapper type per `deserialize_with` field in each: about 300 lines
//! a struct once expanded, most of the generated crate. JSON objects need only `visit_map`.
//! The impl written here has that alone: each key is matched against the JSON names, and the
//! shared parts (the key, duplicate and missing field errors, lenient numbers) are the
//! hand-written `crate::decoder`, compiled once.
//!
//! Behaviour is serde's for every attribute the generated structs use: `rename`, `default`
//! (with or without a function), `deserialize_with` naming a lenient function or
//! `Option::deserialize`, unknown keys skipped, a missing `Option` field without
//! `deserialize_with` read as `None`, duplicate and missing fields reported with serde's own
//! errors. A struct with anything else (another attribute, generics, tuple fields) keeps the
//! derive.

use quote::{format_ident, quote};

use crate::lenient::LenientFn;
use crate::serde_attrs::SerdeAttrs;
use crate::syntax::{derives, drop_derive};

/// The name of the visitor inside each impl; no generated type may have it.
const VISITOR: &str = "DecodeVisitor";

/// How a field's value is read.
enum Read {
    /// `next_value::<T>()`.
    Plain,
    /// Through `crate::decoder::Lenient<T>` (a function of [`crate::lenient::LENIENT_FNS`]).
    Lenient,
}

/// The decoder's plan for one field.
struct Field {
    ident: syn::Ident,
    /// The local that holds the value read (`f_<ident>`).
    slot: syn::Ident,
    ty: syn::Type,
    json: String,
    read: Read,
    missing: proc_macro2::TokenStream,
}

/// Replaces the derived `Deserialize` of every struct among `types` that `plan` can write,
/// adding the impls at the end. Returns how many structs changed.
pub fn write_decoders(types: &mut Vec<syn::Item>) -> usize {
    let mut impls = Vec::new();
    for item in types.iter_mut() {
        let syn::Item::Struct(st) = item else {
            continue;
        };
        assert!(
            st.ident != VISITOR,
            "a generated type is named {VISITOR}, the decoders' visitor"
        );
        if let Some(fields) = plan(st) {
            drop_derive(&mut st.attrs, "Deserialize");
            impls.push(decoder(&st.ident, &fields));
        }
    }
    let count = impls.len();
    types.extend(impls);
    count
}

/// The fields of `st` as the decoder reads them, or `None` when the derive must stay.
fn plan(st: &syn::ItemStruct) -> Option<Vec<Field>> {
    let plain_struct = derives(&st.attrs, "Deserialize")
        && st.generics.params.is_empty()
        && !st.attrs.iter().any(|a| a.path().is_ident("serde"));
    let syn::Fields::Named(named) = &st.fields else {
        return None;
    };
    if !plain_struct {
        return None;
    }
    named
        .named
        .iter()
        .map(|f| {
            let attrs = SerdeAttrs::parse(&f.attrs);
            if !attrs.others.is_empty() {
                return None;
            }
            let ident = f.ident.clone()?;
            let read = match attrs.deserialize_with.as_deref() {
                None | Some("::std::option::Option::deserialize") => Read::Plain,
                Some(path) => {
                    // One of the lenient functions, named by the lenient pass: read through
                    // `Lenient<T>`, whose impl for the field's type is written from the same
                    // table.
                    let function = LenientFn::named(path)?;
                    assert_eq!(
                        LenientFn::for_field(&f.ty),
                        Some(function),
                        "{path} on a field of another type"
                    );
                    Read::Lenient
                }
            };
            let json = attrs.rename.clone().unwrap_or_else(|| {
                let name = ident.to_string();
                name.strip_prefix("r#").map(str::to_string).unwrap_or(name)
            });
            let slot = format_ident!("f_{}", ident);
            let missing = match (&attrs.default_path, attrs.default) {
                (Some(path), _) => {
                    let path: syn::ExprPath = syn::parse_str(path).ok()?;
                    quote!(#slot.unwrap_or_else(#path))
                }
                (None, true) => quote!(#slot.unwrap_or_default()),
                (None, false) if !attrs.with && is_option(&f.ty) => quote!(#slot.flatten()),
                (None, false) => quote!(crate::decoder::required(#slot, #json)?),
            };
            Some(Field {
                ident,
                slot,
                ty: f.ty.clone(),
                json,
                read,
                missing,
            })
        })
        .collect()
}

/// Whether `ty` is written `Option<..>` (any path ending in `Option`).
fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// The `Deserialize` impl of struct `name` with `fields`.
fn decoder(name: &syn::Ident, fields: &[Field]) -> syn::Item {
    let visitor = format_ident!("{VISITOR}");
    let expecting = format!("struct {name}");
    let type_name = name.to_string();
    let slots: Vec<&syn::Ident> = fields.iter().map(|f| &f.slot).collect();
    let types = fields.iter().map(|f| &f.ty);
    let names: Vec<&str> = fields.iter().map(|f| f.json.as_str()).collect();
    let arms = fields.iter().map(|f| {
        let (json, slot) = (&f.json, &f.slot);
        let ty = &f.ty;
        let value = match f.read {
            Read::Plain => quote!(map.next_value::<#ty>()?),
            Read::Lenient => quote!(map.next_value::<crate::decoder::Lenient<#ty>>()?.0),
        };
        quote!(#json => crate::decoder::put(&mut #slot, #json, #value)?,)
    });
    let inits = fields.iter().map(|f| {
        let ident = &f.ident;
        let missing = &f.missing;
        quote!(#ident: #missing,)
    });
    syn::parse_quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct #visitor;
                impl<'de> ::serde::de::Visitor<'de> for #visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<#name, A::Error> {
                        #(let mut #slots: ::std::option::Option<#types> = ::std::option::Option::None;)*
                        while let ::std::option::Option::Some(key) =
                            map.next_key::<crate::decoder::Key<'de>>()?
                        {
                            match key.as_str() {
                                #(#arms)*
                                _ => {
                                    map.next_value::<::serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        ::std::result::Result::Ok(#name { #(#inits)* })
                    }
                }
                deserializer.deserialize_struct(#type_name, &[#(#names),*], #visitor)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> Vec<syn::Item> {
        let file: syn::File = syn::parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            pub struct User {
                #[serde(rename = "userId")]
                pub user_id: String,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub name: Option<String>,
                pub nick: Option<String>,
                #[serde(default, deserialize_with = "crate::lenient::int")]
                pub age: i64,
                #[serde(default = "defaults::limit")]
                pub limit: i64,
                #[serde(rename = "type")]
                pub type_: Kind,
                pub r#ref: Option<String>,
            }
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            #[serde(transparent)]
            pub struct Wrapped { pub inner: String }
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            pub struct Tuple(pub String);
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            pub struct Aliased { #[serde(alias = "x")] pub y: String }
            #[derive(::serde::Serialize)]
            pub struct SentOnly { pub y: String }
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            pub struct OtherWith { #[serde(deserialize_with = "elsewhere::f")] pub y: String }
        };
        file.items
    }

    fn derive_list(item: &syn::Item) -> String {
        let syn::Item::Struct(st) = item else {
            panic!("a struct")
        };
        let attrs = st.attrs.iter().filter(|a| a.path().is_ident("derive"));
        quote!(#(#attrs)*).to_string()
    }

    #[test]
    fn plain_structs_get_a_written_decoder_the_rest_keep_the_derive() {
        let before = types();
        let mut items = types();
        assert_eq!(write_decoders(&mut items), 1);
        assert_eq!(items.len(), 7);
        assert_eq!(
            derive_list(&items[0]),
            quote!(#[derive(::serde::Serialize, Clone, Debug)]).to_string()
        );
        // Transparent, tuple, aliased, sent-only, another `deserialize_with`: untouched.
        for (kept, was) in items[1..6].iter().zip(&before[1..6]) {
            assert_eq!(derive_list(kept), derive_list(was));
        }
    }

    #[test]
    fn the_decoder_reads_json_names_and_fills_missing_fields_as_serde_does() {
        let mut items = types();
        write_decoders(&mut items);
        let syn::Item::Impl(imp) = &items[6] else {
            panic!("the impl last")
        };
        let text = quote!(#imp).to_string();
        for part in [
            quote!(impl<'de> ::serde::Deserialize<'de> for User),
            quote!("userId" => crate::decoder::put(&mut f_user_id, "userId", map.next_value::<String>()?)?,),
            quote!("age" => crate::decoder::put(&mut f_age, "age", map.next_value::<crate::decoder::Lenient<i64> >()?.0)?,),
            quote!("type" => crate::decoder::put),
            quote!("ref" => crate::decoder::put),
            quote!(user_id: crate::decoder::required(f_user_id, "userId")?,),
            quote!(name: f_name.unwrap_or_default(),),
            quote!(nick: f_nick.flatten(),),
            quote!(limit: f_limit.unwrap_or_else(defaults::limit),),
            quote!(type_: crate::decoder::required(f_type_, "type")?,),
            quote!(deserializer.deserialize_struct(
                "User",
                &["userId", "name", "nick", "age", "limit", "type", "ref"],
                DecodeVisitor
            )),
        ] {
            let part = part.to_string();
            assert!(text.contains(&part), "missing `{part}` in {text}");
        }
    }

    #[test]
    #[should_panic(expected = "a generated type is named DecodeVisitor")]
    fn a_type_named_like_the_visitor_is_refused() {
        let mut items: Vec<syn::Item> = vec![syn::parse_quote! {
            #[derive(::serde::Deserialize)]
            pub struct DecodeVisitor { pub a: String }
        }];
        write_decoders(&mut items);
    }
}
