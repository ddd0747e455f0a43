//! Code generation where the code is used: `#[inline]` on the generated methods.
//!
//! rustc compiles to machine code, in the crate that defines it, every function that is
//! neither generic nor `#[inline]`, used or not. For the generated crate that is hundreds of
//! conversions, defaults and `Display`s an application never calls. Marked `#[inline]`, a
//! method is compiled in the crate that calls it, and only if it does: the library's own
//! build skips them. (In an optimised build `#[inline]` is also a hint to inline; these
//! methods are small.)

use crate::syntax::{module_items, submodule_items};

/// Adds `#[inline]` to every method of every impl in the modules `types`, `types::builder`
/// and `builder` that has no `inline` attribute yet. Returns how many it marked.
pub fn inline_methods(file: &mut syn::File) -> usize {
    fn mark(items: &mut [syn::Item]) -> usize {
        let mut marked = 0;
        for item in items {
            let syn::Item::Impl(imp) = item else { continue };
            for item in &mut imp.items {
                let syn::ImplItem::Fn(f) = item else { continue };
                if f.attrs.iter().any(|a| a.path().is_ident("inline")) {
                    continue;
                }
                f.attrs.push(syn::parse_quote!(#[inline]));
                marked += 1;
            }
        }
        marked
    }
    let mut marked = mark(module_items(file, "builder"));
    let types = module_items(file, "types");
    marked += mark(types);
    if let Some(builders) = submodule_items(types, "builder") {
        marked += mark(builders);
    }
    marked
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn every_generated_method_is_marked_once() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetA<'a> {
                    pub fn new(client: &'a Client) -> Self { todo!() }
                    pub async fn send(self) -> Result<(), Error> { todo!() }
                }
            }
            pub mod types {
                impl Default for A { #[inline] fn default() -> Self { A } }
                impl ::std::fmt::Display for A {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { Ok(()) }
                }
                pub mod builder {
                    impl From<super::A> for A { fn from(a: super::A) -> Self { A } }
                }
            }
            fn outside() {}
        };
        assert_eq!(inline_methods(&mut file), 4);
        let text = quote!(#file).to_string();
        assert_eq!(text.matches("# [inline]").count(), 5);
        assert!(text.contains("fn outside"));
        assert!(!text.contains("# [inline] fn outside"));
    }
}
