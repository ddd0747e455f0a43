//! One conversion function for every generated setter, instead of a closure in each.
//!
//! progenitor and typify write each setter as `value.try_into()` with a `map_err` closure that
//! formats its own message: about 3,000 closures, each type-checked and borrow-checked on its
//! own. This pass replaces each with a call to `crate::generated::converted` (the message
//! followed by the conversion's error) or `crate::generated::converted_quietly` (the message
//! alone), written once. The messages stay as they were.

use syn::visit_mut::VisitMut;

use crate::syntax::{module_items, submodule_items};

/// The message a `map_err` closure builds, and whether it appends the error.
fn closure_message(closure: &syn::Expr) -> Option<(String, bool)> {
    let syn::Expr::Closure(c) = closure else {
        return None;
    };
    let mut body = &*c.body;
    // `{ expr }`
    if let syn::Expr::Block(b) = body
        && let [syn::Stmt::Expr(inner, None)] = b.block.stmts.as_slice()
    {
        body = inner;
    }
    match body {
        // `"..".to_string()`
        syn::Expr::MethodCall(m) if m.method == "to_string" && m.args.is_empty() => {
            match &*m.receiver {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some((s.value(), false)),
                _ => None,
            }
        }
        // `format!("..: {e}")` or `format!("..: {}", s)`
        syn::Expr::Macro(m) if m.mac.path.is_ident("format") => {
            let args = m
                .mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                )
                .ok()?;
            let first = match args.first()? {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => s.value(),
                _ => return None,
            };
            let prefix = match args.len() {
                1 => first.strip_suffix(": {e}")?.to_string(),
                2 => first.strip_suffix(": {}")?.to_string(),
                _ => return None,
            };
            (!prefix.contains('{')).then_some((prefix, true))
        }
        _ => None,
    }
}

/// Whether `expr` is `value.try_into()`.
fn is_value_try_into(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::MethodCall(m)
        if m.method == "try_into"
            && m.args.is_empty()
            && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident("value")))
}

/// Rewrites `value.try_into()[.map(f)].map_err(closure)`.
struct Setters(usize);

impl VisitMut for Setters {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(map_err) = expr else {
            return;
        };
        if map_err.method != "map_err" || map_err.args.len() != 1 {
            return;
        }
        let Some((message, with_error)) = closure_message(&map_err.args[0]) else {
            return;
        };
        // What sits between `try_into()` and `map_err`: nothing, or one `.map(f)`.
        let map = match &*map_err.receiver {
            e if is_value_try_into(e) => None,
            syn::Expr::MethodCall(m)
                if m.method == "map" && m.args.len() == 1 && is_value_try_into(&m.receiver) =>
            {
                Some(m.args[0].clone())
            }
            _ => return,
        };
        let helper = if with_error {
            quote::quote!(crate::generated::converted)
        } else {
            quote::quote!(crate::generated::converted_quietly)
        };
        let call: syn::Expr = syn::parse_quote!(#helper(value, #message));
        *expr = match map {
            Some(f) => syn::parse_quote!(#call.map(#f)),
            None => call,
        };
        self.0 += 1;
    }
}

/// Rewrites the setters of the operation builders (`builder`) and of the type builders
/// (`types::builder`). Returns how many it rewrote.
pub fn shared_conversions(file: &mut syn::File) -> usize {
    let mut setters = Setters(0);
    for item in module_items(file, "builder").iter_mut() {
        setters.visit_item_mut(item);
    }
    if let Some(items) = submodule_items(module_items(file, "types"), "builder") {
        for item in items.iter_mut() {
            setters.visit_item_mut(item);
        }
    }
    setters.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn each_setter_shape_calls_the_shared_conversion_with_its_message() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetA<'a> {
                    pub fn id<V>(mut self, value: V) -> Self where V: TryInto<String> {
                        self.id = value.try_into().map_err(|_| {
                            "conversion to `String` for id failed".to_string()
                        });
                        self
                    }
                    pub fn kind<V>(mut self, value: V) -> Self where V: TryInto<types::Kind> {
                        self.kind = value.try_into().map(Some).map_err(|_| "conversion to `Kind` for kind failed".to_string());
                        self
                    }
                    pub fn body<V>(mut self, value: V) -> Self where V: TryInto<types::A>, V::Error: Display {
                        self.body = value.try_into().map(From::from).map_err(|s| {
                            format!("conversion to `A` for body failed: {}", s)
                        });
                        self
                    }
                    pub fn other(mut self, other: u8) -> Self {
                        self.n = other.try_into().map_err(|_| "left alone".to_string());
                        self
                    }
                }
            }
            pub mod types {
                pub mod builder {
                    impl A {
                        pub fn name<T>(mut self, value: T) -> Self where T: TryInto<String>, T::Error: Display {
                            self.name = value.try_into().map_err(|e| {
                                format!("error converting supplied value for name: {e}")
                            });
                            self
                        }
                    }
                }
            }
        };
        assert_eq!(shared_conversions(&mut file), 4);
        let text = quote!(#file).to_string();
        for expected in [
            quote!(self.id = crate::generated::converted_quietly(value, "conversion to `String` for id failed");),
            quote!(self.kind = crate::generated::converted_quietly(value, "conversion to `Kind` for kind failed").map(Some);),
            quote!(self.body = crate::generated::converted(value, "conversion to `A` for body failed").map(From::from);),
            quote!(self.n = other.try_into().map_err(|_| "left alone".to_string());),
            quote!(self.name = crate::generated::converted(value, "error converting supplied value for name");),
        ] {
            let expected = expected.to_string();
            assert!(text.contains(&expected), "no `{expected}` in {text}");
        }
    }
}
