//! Path parameters through `crate::path::segment` instead of progenitor's `encode_path`.

use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;

/// Routes every path parameter through `crate::path::segment`, which keeps it one path segment
/// (`\` escaped as well as `/`) and refuses `.`, `..` and the empty string with
/// `Error::InvalidRequest`, instead of progenitor's `encode_path`, which lets the URL parser
/// turn `..` or `a\..\b` into another path that the signature would then cover.
///
/// progenitor writes each path as `format!("/api/v3/x/{}", encode_path(&id.to_string()))`; the
/// arguments of every `format!` are parsed as expressions and the calls replaced. Panics unless
/// every path parameter of the spec (`raw`) was replaced, and if an `encode_path` call of
/// another shape is left.
pub fn checked_path_segments(file: &mut syn::File, raw: &serde_json::Value) {
    let mut pass = Segments { replaced: 0 };
    pass.visit_file_mut(file);
    let expected: usize = raw["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let params = path.matches('{').count();
            params * item.as_object().map_or(0, |ops| ops.len())
        })
        .sum();
    assert_eq!(
        pass.replaced, expected,
        "every path parameter must go through crate::path::segment"
    );
}

struct Segments {
    replaced: usize,
}

/// The parameter `p` of a call `encode_path(&p.to_string())`.
fn encoded_parameter(expr: &syn::Expr) -> Option<&syn::Ident> {
    let syn::Expr::Call(call) = expr else {
        return None;
    };
    let syn::Expr::Path(func) = &*call.func else {
        return None;
    };
    if func
        .path
        .segments
        .last()
        .is_none_or(|s| s.ident != "encode_path")
    {
        return None;
    }
    let [syn::Expr::Reference(reference)] = call.args.iter().collect::<Vec<_>>()[..] else {
        panic!(
            "encode_path takes one reference: {}",
            expr.to_token_stream()
        );
    };
    let syn::Expr::MethodCall(to_string) = &*reference.expr else {
        panic!(
            "encode_path takes `&p.to_string()`: {}",
            expr.to_token_stream()
        );
    };
    let syn::Expr::Path(receiver) = &*to_string.receiver else {
        panic!(
            "encode_path takes `&p.to_string()`: {}",
            expr.to_token_stream()
        );
    };
    assert!(to_string.method == "to_string" && to_string.args.is_empty());
    Some(receiver.path.get_ident().expect("a plain parameter name"))
}

impl VisitMut for Segments {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        let Ok(mut args) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) else {
            return;
        };
        let mut changed = false;
        for arg in args.iter_mut() {
            if let Some(param) = encoded_parameter(arg).cloned() {
                let name = param.to_string();
                *arg = syn::parse_quote! {
                    crate::path::segment(#name, &#param.to_string()).map_err(Error::InvalidRequest)?
                };
                self.replaced += 1;
                changed = true;
            }
        }
        if changed {
            mac.tokens = quote!(#args);
        }
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        assert!(
            encoded_parameter(&syn::Expr::Call(call.clone())).is_none(),
            "encode_path outside format!: {}",
            call.to_token_stream()
        );
        syn::visit_mut::visit_expr_call_mut(self, call);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(path: &str) -> serde_json::Value {
        serde_json::json!({ "paths": { path: { "get": {} } } })
    }

    #[test]
    fn parameters_in_format_go_through_segment() {
        let mut file: syn::File = syn::parse_quote! {
            fn send(id: String, code: u32) {
                let url = format!("/api/v3/x/{}/y/{}", encode_path(&id.to_string()), encode_path(&code.to_string()));
                let other = format!("{}", name);
            }
        };
        checked_path_segments(&mut file, &spec("/api/v3/x/{id}/y/{code}"));
        let text = file.to_token_stream().to_string();
        assert!(!text.contains("encode_path"), "{text}");
        let expected = quote! {
            crate::path::segment("id", &id.to_string()).map_err(Error::InvalidRequest)?
        };
        assert!(text.contains(&expected.to_string()), "{text}");
        assert!(text.contains("segment (\"code\""), "{text}");
        assert!(text.contains("format ! (\"{}\" , name)"), "{text}");
    }

    #[test]
    #[should_panic(expected = "every path parameter")]
    fn a_parameter_left_out_is_caught() {
        let mut file: syn::File = syn::parse_quote! {
            fn send(id: String) {
                let url = format!("/api/v3/x/{}", id);
            }
        };
        checked_path_segments(&mut file, &spec("/api/v3/x/{id}"));
    }

    #[test]
    #[should_panic(expected = "encode_path outside format!")]
    fn another_shape_is_refused() {
        let mut file: syn::File = syn::parse_quote! {
            fn send(id: String) {
                let url = encode_path(&id.to_string());
            }
        };
        checked_path_segments(&mut file, &spec("/api/v3/x"));
    }
}
