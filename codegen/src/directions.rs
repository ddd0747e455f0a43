//! `Deserialize` only where something decodes: the types a response can hold keep it, the
//! types only a request sends lose it.
//!
//! `Serialize` stays on every type: requests send the request types, and the response types
//! are serialized too, by the test double (`MockApi::respond` takes a typed answer) and by the
//! page stream's repeat check.

use std::collections::BTreeSet;

use syn::visit::Visit;

use crate::syntax::{TypePaths, drop_derive, module_items, reach_types};

/// What [`decode_only_answers`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    /// Types that can be decoded and keep `Deserialize`.
    pub decoded: usize,
    /// Types only ever sent, which lost it.
    pub send_only: usize,
    /// Types no operation names at all (a raw field's alternatives, say): they keep it.
    pub unplaced: usize,
}

/// Removes the derived `Deserialize` from every type of the `types` module that only a request
/// can carry. What can be decoded: the types an operation's `send` (or any other method of an
/// operation builder) returns, the types `alternatives` names (what a raw JSON field may hold,
/// for the caller to decode), and every type those contain. What is sent: the types of the
/// operation builders' fields (bodies, parameters) and what they contain. A type that is in
/// neither keeps its derives.
pub fn decode_only_answers(file: &mut syn::File, alternatives: &BTreeSet<String>) -> Report {
    let mut sent = TypePaths::default();
    let mut answered = TypePaths::default();
    for item in module_items(file, "builder").iter() {
        match item {
            syn::Item::Struct(st) => sent.visit_fields(&st.fields),
            syn::Item::Impl(imp) => {
                for item in &imp.items {
                    if let syn::ImplItem::Fn(f) = item {
                        answered.visit_return_type(&f.sig.output);
                    }
                }
            }
            _ => {}
        }
    }
    // Both `types::X` and `types::builder::X` name the type `X`.
    let named = |paths: TypePaths| -> BTreeSet<String> {
        paths.plain.into_iter().chain(paths.builders).collect()
    };
    let (sent, answered) = (named(sent), named(answered));
    assert!(
        !answered.is_empty(),
        "no operation builder returns a generated type"
    );
    let types = module_items(file, "types");
    let decoded = reach_types(
        types,
        answered.into_iter().chain(alternatives.iter().cloned()),
    );
    let sent = reach_types(types, sent);
    let mut report = Report {
        decoded: 0,
        send_only: 0,
        unplaced: 0,
    };
    for item in types.iter_mut() {
        let (name, attrs) = match item {
            syn::Item::Struct(s) => (s.ident.to_string(), &mut s.attrs),
            syn::Item::Enum(e) => (e.ident.to_string(), &mut e.attrs),
            _ => continue,
        };
        if decoded.contains(&name) {
            report.decoded += 1;
        } else if sent.contains(&name) {
            report.send_only += usize::from(drop_derive(attrs, "Deserialize"));
        } else {
            report.unplaced += 1;
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use syn::punctuated::Punctuated;

    /// `CreateA` sends an `A` (holding a `B`) and answers a `C` (holding a `B` and a `D`);
    /// `E` is only a raw field's alternative, `F` nothing at all.
    fn generated() -> syn::File {
        syn::parse_quote! {
            pub mod builder {
                pub struct CreateA<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::A, String>,
                    mode: Result<Option<types::Mode>, String>,
                }
                impl<'a> CreateA<'a> {
                    pub fn body<V: TryInto<types::A>>(self, v: V) -> Self { self }
                    pub async fn send(self) -> Result<ResponseValue<types::C>, Error> { todo!() }
                }
            }
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct A { pub b: B, pub only_sent: Vec<S> }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct B { pub n: i64 }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct C { pub b: B, pub d: Option<D> }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub enum D { X, Y }
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct E(pub String);
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct F;
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Mode { On, Off }
                #[derive(Clone, Debug, ::serde::Deserialize, ::serde::Serialize)]
                pub struct S { pub n: i64 }
                pub mod builder {
                    pub struct A { b: Result<super::B, String> }
                }
            }
        }
    }

    /// Each type of `types` with the traits its derives name.
    fn derives(file: &mut syn::File) -> Vec<String> {
        module_items(file, "types")
            .iter()
            .filter_map(|item| {
                let (name, attrs) = match item {
                    syn::Item::Struct(s) => (s.ident.to_string(), &s.attrs),
                    syn::Item::Enum(e) => (e.ident.to_string(), &e.attrs),
                    _ => return None,
                };
                let traits: Vec<String> = attrs
                    .iter()
                    .filter(|a| a.path().is_ident("derive"))
                    .flat_map(|a| {
                        a.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                            .unwrap()
                            .into_iter()
                            .map(|p| p.segments.last().unwrap().ident.to_string())
                    })
                    .collect();
                Some(format!("{name}: {}", traits.join(" ")))
            })
            .collect()
    }

    #[test]
    fn only_send_only_types_lose_deserialize() {
        let mut file = generated();
        let report = decode_only_answers(&mut file, &BTreeSet::from(["E".to_string()]));
        assert_eq!(
            report,
            Report {
                decoded: 4,
                send_only: 3,
                unplaced: 1
            }
        );
        assert_eq!(
            derives(&mut file),
            [
                "A: Serialize Clone Debug",
                // Sent and answered.
                "B: Deserialize Serialize Clone Debug",
                "C: Deserialize Serialize Clone Debug",
                "D: Deserialize Serialize Clone Debug",
                // A raw field's alternative: the caller decodes it.
                "E: Deserialize Serialize",
                // Named by nothing: left as it was.
                "F: Deserialize Serialize",
                // A parameter's type is sent.
                "Mode: Serialize Clone Copy Debug",
                "S: Clone Debug Serialize",
            ]
        );
        // The rest of the tree is untouched.
        assert!(
            module_items(&mut file, "builder")[1]
                .to_token_stream()
                .to_string()
                .contains("ResponseValue < types :: C >")
        );
    }

    #[test]
    #[should_panic(expected = "no operation builder returns a generated type")]
    fn operations_that_return_no_type_are_refused() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder { impl<'a> GetA<'a> { pub async fn send(self) -> Result<(), Error> { todo!() } } }
            pub mod types { pub struct A; }
        };
        decode_only_answers(&mut file, &BTreeSet::new());
    }
}
