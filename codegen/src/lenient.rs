//! Decoding that survives what the server really sends, for every struct of the generated
//! types; building and sending stay as strict as the spec.
//!
//! - A "required" field that is missing takes its type's default (`""`, `0`, `false`, `[]`,
//!   `null`, `UnknownValue("")` for an open enum). The spec marks fields required because the
//!   official SDK's types lack a `?`, not because the server always sends them.
//! - A missing required nested object takes its default too, when its type can be built
//!   empty: every one of its own fields is optional or has a default (decided to a fixpoint,
//!   so nesting of any depth works). Such types get an `impl Default` that honours the
//!   spec's field defaults. This covers an envelope's `data` as well.
//! - An `i64` or `f64` field, optional or not, also accepts a numeric string (`"1"`), and a
//!   `bool` field the string `"true"` or `"false"`.
//! - A field typed as any JSON (`serde_json::Value`) is left out of what is sent when it is
//!   `null`, as the official SDK leaves an unset field out; the request builders no longer
//!   demand a value for it.

use std::collections::{BTreeMap, BTreeSet};

use quote::{format_ident, quote};
use syn::punctuated::Punctuated;

use crate::serde_attrs::SerdeAttrs;

/// Types whose `Default` is the empty value, by the last segment of their path.
const SCALARS: [&str; 10] = [
    "String",
    "i64",
    "f64",
    "bool",
    "Vec",
    "Map",
    "Value",
    "HashMap",
    "BTreeMap",
    "SensitiveString",
];

/// A lenient decoding function of genauth's `src/lenient.rs` and the field type it decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LenientFn {
    /// The scalar: `i64`, `f64` or `bool`.
    pub scalar: &'static str,
    /// Whether the field is `Option<scalar>`.
    pub optional: bool,
    /// The function's name in genauth's `crate::lenient`.
    pub name: &'static str,
}

/// Which field types decode leniently, and through which function: the one list of them.
/// [`lenient_decoding`] names these functions in `deserialize_with`, the decoders pass reads
/// those names back through [`LenientFn::named`], and build.rs writes genauth's
/// `crate::decoder::Lenient<T>` impls from it ([`lenient_impls`]). A function named here that
/// genauth lacks, or with another type, fails genauth's build; one genauth has that nothing
/// uses is dead code there, which its lints refuse.
pub const LENIENT_FNS: [LenientFn; 6] = [
    LenientFn {
        scalar: "i64",
        optional: false,
        name: "int",
    },
    LenientFn {
        scalar: "i64",
        optional: true,
        name: "opt_int",
    },
    LenientFn {
        scalar: "f64",
        optional: false,
        name: "float",
    },
    LenientFn {
        scalar: "f64",
        optional: true,
        name: "opt_float",
    },
    LenientFn {
        scalar: "bool",
        optional: false,
        name: "boolean",
    },
    LenientFn {
        scalar: "bool",
        optional: true,
        name: "opt_boolean",
    },
];

impl LenientFn {
    /// The function's path, as `deserialize_with` names it: `crate::lenient::int`.
    pub fn path(&self) -> String {
        format!("crate::lenient::{}", self.name)
    }

    /// The type it decodes: `i64`, `::std::option::Option<i64>`, ...
    pub fn ty(&self) -> syn::Type {
        let scalar = format_ident!("{}", self.scalar);
        if self.optional {
            syn::parse_quote!(::std::option::Option<#scalar>)
        } else {
            syn::parse_quote!(#scalar)
        }
    }

    /// The function for a field of type `ty`, if it decodes leniently.
    pub fn for_field(ty: &syn::Type) -> Option<&'static LenientFn> {
        Self::for_shape(&Shape::of(ty)?)
    }

    fn for_shape(shape: &Shape) -> Option<&'static LenientFn> {
        let optional = shape.optional();
        let scalar = if optional {
            shape.inner.as_deref()?
        } else {
            shape.name.as_str()
        };
        LENIENT_FNS
            .iter()
            .find(|f| f.optional == optional && f.scalar == scalar)
    }

    /// The function a `deserialize_with` path names, if it is one of [`LENIENT_FNS`].
    pub fn named(path: &str) -> Option<&'static LenientFn> {
        LENIENT_FNS.iter().find(|f| f.path() == path)
    }
}

/// The contents of `$OUT_DIR/lenient_impls.rs`, which genauth's `src/decoder.rs` includes:
/// `Deserialize` for `crate::decoder::Lenient<T>` through each function of [`LENIENT_FNS`],
/// for the written decoders (`decoders.rs`).
pub fn lenient_impls() -> proc_macro2::TokenStream {
    let impls = LENIENT_FNS.iter().map(|f| {
        let ty = f.ty();
        let path: syn::Path = syn::parse_str(&f.path()).expect("a function path");
        quote! {
            impl<'de> ::serde::Deserialize<'de> for crate::decoder::Lenient<#ty> {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    d: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    #path(d).map(crate::decoder::Lenient)
                }
            }
        }
    });
    quote!(#(#impls)*)
}

/// What the pass changed, for the build script's checks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Required fields that now decode to a default when missing.
    pub relaxed: usize,
    /// Structs that got an `impl Default` because they can be built empty.
    pub defaulted_structs: usize,
    /// Any-JSON fields left out of a body when `null`.
    pub json_fields: usize,
    /// Any-JSON fields a request builder no longer demands.
    pub optional_in_builders: usize,
}

/// The shape of a field's type as far as the pass cares: the last path segment, whether it is
/// an `Option`, and the last segment of its first type argument.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    name: String,
    inner: Option<String>,
}

impl Shape {
    fn of(ty: &syn::Type) -> Option<Shape> {
        let syn::Type::Path(p) = ty else { return None };
        let last = p.path.segments.last()?;
        let inner = match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.first().and_then(|a| match a {
                syn::GenericArgument::Type(syn::Type::Path(p)) => {
                    p.path.segments.last().map(|s| s.ident.to_string())
                }
                _ => None,
            }),
            _ => None,
        };
        Some(Shape {
            name: last.ident.to_string(),
            inner,
        })
    }
    fn optional(&self) -> bool {
        self.name == "Option"
    }
    /// `::serde_json::Value` (or `serde_json::Value`).
    fn is_json(ty: &syn::Type) -> bool {
        let syn::Type::Path(p) = ty else { return false };
        crate::syntax::path_names(&p.path) == ["serde_json", "Value"]
    }
}

/// Whether `imp` implements the trait whose last path segment is `name` (`Default`,
/// `Display`, ...).
pub fn implements(imp: &syn::ItemImpl, name: &str) -> bool {
    imp.trait_
        .as_ref()
        .is_some_and(|(_, path, _)| path.segments.last().is_some_and(|s| s.ident == name))
}

/// Which types of `items` have a `Default`: derived or implemented.
pub fn types_with_default(items: &[syn::Item]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in items {
        match item {
            syn::Item::Impl(imp) => {
                if let (true, syn::Type::Path(p)) =
                    (implements(imp, "Default"), imp.self_ty.as_ref())
                    && let Some(ident) = p.path.get_ident()
                {
                    out.insert(ident.to_string());
                }
            }
            syn::Item::Struct(st) if crate::syntax::derives(&st.attrs, "Default") => {
                out.insert(st.ident.to_string());
            }
            syn::Item::Enum(en) if crate::syntax::derives(&en.attrs, "Default") => {
                out.insert(en.ident.to_string());
            }
            _ => {}
        }
    }
    out
}

/// The named fields of a struct item.
fn named_fields(
    item: &mut syn::Item,
) -> Option<(&syn::Ident, &mut Punctuated<syn::Field, syn::Token![,]>)> {
    match item {
        syn::Item::Struct(st) => match &mut st.fields {
            syn::Fields::Named(f) => Some((&st.ident, &mut f.named)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a field decodes when missing, given the types that can be built empty.
fn field_defaults(field: &syn::Field, empty: &BTreeSet<String>) -> bool {
    let attrs = SerdeAttrs::parse(&field.attrs);
    if attrs.default {
        return true;
    }
    match Shape::of(&field.ty) {
        Some(shape) if shape.optional() => true,
        Some(shape) => SCALARS.contains(&shape.name.as_str()) || empty.contains(&shape.name),
        None => false,
    }
}

/// A newtype struct (`struct X(T);`) whose `T` has an empty value, such as a JSON map.
fn empty_newtype(item: &syn::Item, empty: &BTreeSet<String>) -> Option<String> {
    let syn::Item::Struct(st) = item else {
        return None;
    };
    let syn::Fields::Unnamed(fields) = &st.fields else {
        return None;
    };
    let [field] = fields.unnamed.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let shape = Shape::of(&field.ty)?;
    (SCALARS.contains(&shape.name.as_str()) || empty.contains(&shape.name))
        .then(|| st.ident.to_string())
}

/// The structs of `items` that can be built empty, to a fixpoint, besides those in `known`.
fn buildable_empty(items: &mut [syn::Item], known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut empty = known.clone();
    let mut found = BTreeSet::new();
    loop {
        let mut changed = false;
        for item in items.iter_mut() {
            if let Some(name) = empty_newtype(item, &empty)
                && !empty.contains(&name)
            {
                empty.insert(name.clone());
                found.insert(name);
                changed = true;
                continue;
            }
            let Some((ident, fields)) = named_fields(item) else {
                continue;
            };
            let name = ident.to_string();
            if empty.contains(&name) {
                continue;
            }
            if fields.iter().all(|f| field_defaults(f, &empty)) {
                empty.insert(name.clone());
                found.insert(name);
                changed = true;
            }
        }
        if !changed {
            return found;
        }
    }
}

/// `impl Default` for a struct that can be built empty: each field takes the spec's default
/// (`default = "path"`) or its type's.
fn default_impl(ident: &syn::Ident, fields: &Punctuated<syn::Field, syn::Token![,]>) -> syn::Item {
    let inits = fields.iter().map(|f| {
        let name = f.ident.as_ref().expect("named field");
        let value = match SerdeAttrs::parse(&f.attrs).default_path {
            Some(path) => {
                let path: syn::ExprPath =
                    syn::parse_str(&path).unwrap_or_else(|e| panic!("default path `{path}`: {e}"));
                quote!(#path())
            }
            None => quote!(::std::default::Default::default()),
        };
        quote!(#name: #value)
    });
    syn::parse_quote! {
        impl ::std::default::Default for #ident {
            /// Every field empty (or at the spec's default): what an answer that leaves this
            /// object out decodes to.
            fn default() -> Self {
                Self { #(#inits),* }
            }
        }
    }
}

/// Runs the pass over the items of the generated `types` module. `open_enums` are the string
/// enums that have an `UnknownValue` variant.
pub fn lenient_decoding(types: &mut Vec<syn::Item>, open_enums: &BTreeSet<String>) -> Report {
    let mut report = Report::default();
    let mut with_default = types_with_default(types);
    // An open enum without a default of its own gets `UnknownValue("")`: absent, not known.
    let mut extra: Vec<syn::Item> = Vec::new();
    for name in open_enums {
        if with_default.insert(name.clone()) {
            let ident = format_ident!("{name}");
            extra.push(syn::parse_quote! {
                impl ::std::default::Default for #ident {
                    /// `UnknownValue("")`: what a response that leaves the field out decodes to.
                    fn default() -> Self {
                        Self::UnknownValue(::std::string::String::new())
                    }
                }
            });
        }
    }
    let empty = buildable_empty(types, &with_default);
    for item in types.iter_mut() {
        if let syn::Item::Struct(st) = item
            && matches!(st.fields, syn::Fields::Unnamed(_))
            && empty.contains(&st.ident.to_string())
        {
            let ident = &st.ident;
            extra.push(syn::parse_quote! {
                impl ::std::default::Default for #ident {
                    /// Empty: what an answer that leaves this value out decodes to.
                    fn default() -> Self {
                        Self(::std::default::Default::default())
                    }
                }
            });
            report.defaulted_structs += 1;
            continue;
        }
        if let Some((ident, fields)) = named_fields(item)
            && empty.contains(&ident.to_string())
        {
            extra.push(default_impl(ident, fields));
            report.defaulted_structs += 1;
        }
    }
    let mut defaultable = with_default;
    defaultable.extend(empty.iter().cloned());
    for item in types.iter_mut() {
        let Some((_, fields)) = named_fields(item) else {
            continue;
        };
        for field in fields.iter_mut() {
            let attrs = SerdeAttrs::parse(&field.attrs);
            if Shape::is_json(&field.ty) && attrs.skip_serializing_if.is_none() && !attrs.flatten {
                field.attrs.push(syn::parse_quote!(
                    #[serde(skip_serializing_if = "::serde_json::Value::is_null")]
                ));
                report.json_fields += 1;
            }
            if attrs.with {
                continue;
            }
            let Some(shape) = Shape::of(&field.ty) else {
                continue;
            };
            let optional = shape.optional();
            let number = LenientFn::for_shape(&shape);
            let can_default = !optional
                && (SCALARS.contains(&shape.name.as_str()) || defaultable.contains(&shape.name));
            if !attrs.default && (can_default || (optional && number.is_some())) {
                field.attrs.push(syn::parse_quote!(#[serde(default)]));
                if can_default {
                    report.relaxed += 1;
                }
            }
            if let Some(function) = number {
                let path = function.path();
                field
                    .attrs
                    .push(syn::parse_quote!(#[serde(deserialize_with = #path)]));
            }
        }
    }
    types.extend(extra);
    report.optional_in_builders = optional_json_in_builders(types);
    report
}

/// In the `builder` module inside `types`: a builder's any-JSON field starts as `Ok(null)`
/// instead of an error, so that leaving it unset sends nothing (see above).
fn optional_json_in_builders(types: &mut [syn::Item]) -> usize {
    let Some(items) = types.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return 0;
    };
    // Builder fields are `Result<T, String>`; find those whose `T` is any JSON.
    let mut json_fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items.iter_mut() {
        let Some((ident, fields)) = named_fields(item) else {
            continue;
        };
        for field in fields.iter() {
            let syn::Type::Path(p) = &field.ty else {
                continue;
            };
            let Some(last) = p.path.segments.last() else {
                continue;
            };
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                continue;
            };
            if last.ident == "Result"
                && let Some(syn::GenericArgument::Type(ok)) = args.args.first()
                && Shape::is_json(ok)
                && let Some(name) = &field.ident
            {
                json_fields
                    .entry(ident.to_string())
                    .or_default()
                    .insert(name.to_string());
            }
        }
    }
    let mut changed = 0;
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let is_default = implements(imp, "Default");
        let syn::Type::Path(self_ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let Some(fields) = self_ty
            .path
            .get_ident()
            .and_then(|i| json_fields.get(&i.to_string()))
        else {
            continue;
        };
        if !is_default {
            continue;
        }
        for member in &mut imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            for stmt in &mut f.block.stmts {
                let syn::Stmt::Expr(syn::Expr::Struct(init), _) = stmt else {
                    continue;
                };
                for fv in init.fields.iter_mut() {
                    if let syn::Member::Named(name) = &fv.member
                        && fields.contains(&name.to_string())
                    {
                        fv.expr = syn::parse_quote!(Ok(::serde_json::Value::Null));
                        changed += 1;
                    }
                }
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(tokens: proc_macro2::TokenStream) -> Vec<syn::Item> {
        let file: syn::File = syn::parse2(tokens).unwrap();
        file.items
    }

    fn field_attrs(items: &[syn::Item], st: &str, field: &str) -> SerdeAttrs {
        items
            .iter()
            .find_map(|i| match i {
                syn::Item::Struct(s) if s.ident == st => s.fields.iter().find_map(|f| {
                    (f.ident.as_ref().unwrap() == field).then(|| SerdeAttrs::parse(&f.attrs))
                }),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn each_lenient_function_is_found_by_its_type_and_by_its_path() {
        let mut names = BTreeSet::new();
        for function in &LENIENT_FNS {
            assert!(names.insert(function.name), "{} twice", function.name);
            assert_eq!(LenientFn::named(&function.path()), Some(function));
            assert_eq!(LenientFn::for_field(&function.ty()), Some(function));
        }
        // As progenitor spells the types.
        assert_eq!(
            LenientFn::for_field(&syn::parse_quote!(::std::option::Option<f64>)).map(|f| f.name),
            Some("opt_float")
        );
        assert_eq!(
            LenientFn::for_field(&syn::parse_quote!(bool)).map(|f| f.path()),
            Some("crate::lenient::boolean".to_string())
        );
        for other in [
            quote!(::std::string::String),
            quote!(::std::vec::Vec<i64>),
            quote!(u64),
        ] {
            assert_eq!(
                LenientFn::for_field(&syn::parse2(other.clone()).unwrap()),
                None,
                "{other}"
            );
        }
        assert_eq!(LenientFn::named("crate::lenient::string"), None);
        assert_eq!(LenientFn::named("int"), None);
    }

    #[test]
    fn the_lenient_impls_decode_through_each_function() {
        let file: syn::File = syn::parse2(lenient_impls()).unwrap();
        assert_eq!(file.items.len(), LENIENT_FNS.len());
        let opt_int = &file.items[1];
        let expected: syn::Item = syn::parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for crate::decoder::Lenient<::std::option::Option<i64>> {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    d: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    crate::lenient::opt_int(d).map(crate::decoder::Lenient)
                }
            }
        };
        assert_eq!(quote!(#opt_int).to_string(), quote!(#expected).to_string());
    }

    #[test]
    fn fields_named_like_serde_keys_still_get_defaults() {
        let mut types = items(quote! {
            pub struct App {
                #[serde(rename = "defaultProtocol")]
                pub default_protocol: ::std::string::String,
                #[serde(rename = "withTargetDetail")]
                pub with_target_detail: bool,
                #[serde(rename = "withCount")]
                pub with_count: i64,
            }
        });
        let report = lenient_decoding(&mut types, &BTreeSet::new());
        assert_eq!(report.relaxed, 3);
        assert!(field_attrs(&types, "App", "default_protocol").default);
        assert!(field_attrs(&types, "App", "with_target_detail").default);
        let count = field_attrs(&types, "App", "with_count");
        assert!(count.default && count.with, "{count:?}");
    }

    #[test]
    fn nested_objects_that_can_be_built_empty_get_defaults() {
        let mut types = items(quote! {
            pub struct Env { pub data: Outer, pub strict: Strict }
            pub struct Outer {
                pub inner: Inner,
                #[serde(default = "defaults::ten")]
                pub limit: i64,
            }
            pub struct Inner { pub name: String, pub tags: Vec<String>, pub kind: Kind, pub status: Status }
            pub struct Status(pub ::serde_json::Map<String, ::serde_json::Value>);
            pub struct Strict { pub closed: Closed }
            pub enum Kind { A, UnknownValue(String) }
            pub enum Closed { A }
        });
        let open: BTreeSet<String> = ["Kind".to_string()].into();
        let report = lenient_decoding(&mut types, &open);
        // Status (a newtype over a map), Inner, then Outer (through Inner); Strict has a
        // closed enum, so Env cannot be built empty either, though its `data` can.
        assert_eq!(report.defaulted_structs, 3, "{report:?}");
        assert!(field_attrs(&types, "Inner", "status").default);
        assert!(field_attrs(&types, "Env", "data").default);
        assert!(!field_attrs(&types, "Env", "strict").default);
        assert!(!field_attrs(&types, "Strict", "closed").default);
        let outer_default = types
            .iter()
            .find_map(|i| match i {
                syn::Item::Impl(imp) if quote!(#imp).to_string().contains("for Outer") => {
                    Some(quote!(#imp).to_string())
                }
                _ => None,
            })
            .expect("Outer gets a Default");
        assert!(
            outer_default.contains("limit : defaults :: ten ()"),
            "{outer_default}"
        );
        assert!(
            types.iter().all(|i| !matches!(i, syn::Item::Impl(imp) if quote!(#imp).to_string().contains("for Strict"))),
            "Strict cannot be built empty"
        );
    }

    #[test]
    fn json_fields_are_left_out_when_null_and_optional_in_builders() {
        let mut types = items(quote! {
            pub struct Req {
                pub metadata: ::serde_json::Value,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub extra: Option<::serde_json::Value>,
            }
            pub mod builder {
                pub struct Req {
                    metadata: ::std::result::Result<::serde_json::Value, ::std::string::String>,
                    extra: ::std::result::Result<Option<::serde_json::Value>, ::std::string::String>,
                }
                impl ::std::default::Default for Req {
                    fn default() -> Self {
                        Self {
                            metadata: Err("no value supplied for metadata".to_string()),
                            extra: Ok(Default::default()),
                        }
                    }
                }
            }
        });
        let report = lenient_decoding(&mut types, &BTreeSet::new());
        assert_eq!(report.json_fields, 1);
        assert_eq!(report.optional_in_builders, 1);
        assert_eq!(
            field_attrs(&types, "Req", "metadata")
                .skip_serializing_if
                .as_deref(),
            Some("::serde_json::Value::is_null")
        );
        let text = types
            .iter()
            .map(|i| quote!(#i).to_string())
            .collect::<String>();
        assert!(
            text.contains("metadata : Ok (:: serde_json :: Value :: Null)"),
            "{text}"
        );
        assert!(!text.contains("no value supplied for metadata"));
    }
}
