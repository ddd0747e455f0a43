//! What a field's `#[serde(...)]` attributes say, read with syn's attribute parser.
//!
//! A text search over the printed attribute would take `rename = "defaultProtocol"` for a
//! `default`, or `rename = "withTargetDetail"` for a `with`; parsing reads only the keys.

/// The serde keys of one field that the passes care about.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SerdeAttrs {
    /// `default` or `default = "path"` is present.
    pub default: bool,
    /// The function of `default = "path"`, when one is named.
    pub default_path: Option<String>,
    /// `with`, `deserialize_with` or `serialize_with` is present: the field has its own
    /// (de)serialiser, so another one must not be added.
    pub with: bool,
    /// The JSON name from `rename = "..."`.
    pub rename: Option<String>,
    /// The predicate of `skip_serializing_if = "..."`.
    pub skip_serializing_if: Option<String>,
    /// `flatten` is present.
    pub flatten: bool,
    /// The function of `deserialize_with = "path"`.
    pub deserialize_with: Option<String>,
    /// Keys none of the above covers (`alias`, `skip`, `with`, a nested `rename(..)`, ...).
    pub others: Vec<String>,
}

impl SerdeAttrs {
    /// Reads every `#[serde(...)]` among `attrs`. Keys it does not know are skipped with their
    /// values.
    pub fn parse(attrs: &[syn::Attribute]) -> Self {
        let mut out = SerdeAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            // An attribute that does not parse is one serde itself would reject; the compiler
            // reports it, so it is ignored here.
            let _ = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                // `rename(serialize = "..")` and other nested forms: skipped whole.
                if meta.input.peek(syn::token::Paren) {
                    out.others.push(key);
                    return meta.parse_nested_meta(|inner| {
                        if inner.input.peek(syn::Token![=]) {
                            let _: syn::Lit = inner.value()?.parse()?;
                        }
                        Ok(())
                    });
                }
                let value = if meta.input.peek(syn::Token![=]) {
                    let lit: syn::Lit = meta.value()?.parse()?;
                    match lit {
                        syn::Lit::Str(s) => Some(s.value()),
                        _ => None,
                    }
                } else {
                    None
                };
                match key.as_str() {
                    "default" => {
                        out.default = true;
                        out.default_path = value;
                    }
                    "deserialize_with" => {
                        out.with = true;
                        out.deserialize_with = value;
                    }
                    "with" | "serialize_with" => {
                        out.with = true;
                        out.others.push(key);
                    }
                    "rename" => out.rename = value,
                    "skip_serializing_if" => out.skip_serializing_if = value,
                    "flatten" => {
                        out.flatten = true;
                        out.others.push(key);
                    }
                    _ => out.others.push(key),
                }
                Ok(())
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(tokens: proc_macro2::TokenStream) -> syn::Field {
        let st: syn::ItemStruct = syn::parse2(quote::quote!(struct S { #tokens })).unwrap();
        st.fields.into_iter().next().unwrap()
    }

    #[test]
    fn a_json_name_with_default_in_it_is_not_a_default() {
        let f = field(quote::quote! {
            #[serde(rename = "defaultProtocol")]
            pub default_protocol: String
        });
        let a = SerdeAttrs::parse(&f.attrs);
        assert!(!a.default);
        assert!(!a.with);
        assert_eq!(a.rename.as_deref(), Some("defaultProtocol"));
    }

    #[test]
    fn a_json_name_with_with_in_it_is_not_a_deserializer() {
        let f = field(quote::quote! {
            #[serde(rename = "withCustomData", default, skip_serializing_if = "Option::is_none")]
            pub with_custom_data: Option<bool>
        });
        let a = SerdeAttrs::parse(&f.attrs);
        assert!(!a.with);
        assert!(a.default);
        assert_eq!(a.default_path, None);
        assert_eq!(a.skip_serializing_if.as_deref(), Some("Option::is_none"));
    }

    #[test]
    fn real_keys_are_found_across_attributes() {
        let f = field(quote::quote! {
            #[serde(rename = "x")]
            #[serde(default = "defaults::limit", deserialize_with = "crate::lenient::int")]
            #[serde(flatten, rename(serialize = "y", deserialize = "z"))]
            pub x: i64
        });
        let a = SerdeAttrs::parse(&f.attrs);
        assert!(a.default);
        assert_eq!(a.default_path.as_deref(), Some("defaults::limit"));
        assert!(a.with);
        assert_eq!(a.deserialize_with.as_deref(), Some("crate::lenient::int"));
        assert!(a.flatten);
        assert_eq!(a.others, ["flatten", "rename"]);
        assert_eq!(a.rename.as_deref(), Some("x"));
        let none = field(quote::quote! {
            #[doc = "default with"]
            pub y: i64
        });
        assert_eq!(SerdeAttrs::parse(&none.attrs), SerdeAttrs::default());
    }
}
