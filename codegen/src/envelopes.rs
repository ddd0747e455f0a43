//! `impl crate::envelope::Envelope` for the generated answer types.

use std::collections::BTreeSet;

use progenitor::Generator;
use quote::{format_ident, quote};

/// `impl crate::envelope::Envelope` for every response type shaped like the API's envelope
/// (`statusCode`, `message`, `data`, optional `apiCode` and `requestId`).
pub fn envelope_impls(generator: &Generator, raw: &serde_json::Value) -> proc_macro2::TokenStream {
    let schemas = raw["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    let envelope_names: BTreeSet<&str> = schemas
        .iter()
        .filter(|(_, s)| {
            let props = &s["properties"];
            ["statusCode", "message", "data"]
                .iter()
                .all(|k| props.get(k).is_some())
        })
        .map(|(name, _)| name.as_str())
        .collect();

    let space = generator.get_type_space();
    let mut impls = Vec::new();
    for ty in space.iter_types() {
        if !envelope_names.contains(ty.name().as_str()) {
            continue;
        }
        let typify::TypeDetails::Struct(details) = ty.details() else {
            continue;
        };
        let mut data_ty = None;
        let mut fields = std::collections::BTreeMap::new();
        for prop in details.properties_info() {
            let prop_ty = space.get_type(&prop.type_id).expect("property type exists");
            if prop.name == "data" {
                data_ty = Some(prop_ty.ident());
            }
            fields.insert(prop.name.to_string(), prop.required);
        }
        let Some(data_ty) = data_ty else { continue };
        let ident = ty.ident();
        let opt_num = |field: &str| {
            let f = format_ident!("{field}");
            match fields.get(field) {
                Some(true) => quote!(Some(self.#f)),
                Some(false) => quote!(self.#f),
                None => quote!(None),
            }
        };
        let opt_str = |field: &str| {
            let f = format_ident!("{field}");
            match fields.get(field) {
                Some(true) => quote!(Some(self.#f.as_str())),
                Some(false) => quote!(self.#f.as_deref()),
                None => quote!(None),
            }
        };
        let status = opt_num("status_code");
        let api_code = opt_num("api_code");
        let message = opt_str("message");
        let request_id = opt_str("request_id");
        impls.push(quote! {
            impl crate::envelope::Envelope for #ident {
                type Data = #data_ty;
                fn status_code(&self) -> Option<i64> { #status }
                fn api_code(&self) -> Option<i64> { #api_code }
                fn message(&self) -> Option<&str> { #message }
                fn request_id(&self) -> Option<&str> { #request_id }
                fn take_data(self) -> Self::Data { self.data }
            }
        });
    }
    quote! { #(#impls)* }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_spec::{generate, two_operations};

    #[test]
    fn each_envelope_shaped_schema_gets_an_envelope_impl() {
        let mut spec = two_operations();
        // Only `statusCode` optional, no `apiCode` or `requestId`.
        spec["components"]["schemas"]["FlagRespDto"] = serde_json::json!({
            "type": "object",
            "properties": {
                "statusCode": { "type": "integer", "format": "int64" },
                "message": { "type": "string" },
                "data": { "type": "boolean" }
            },
            "required": ["message", "data"]
        });
        let (_, generator) = generate(&spec);
        let impls = envelope_impls(&generator, &spec);
        let expected = quote! {
            impl crate::envelope::Envelope for types::FlagRespDto {
                type Data = bool;
                fn status_code(&self) -> Option<i64> { self.status_code }
                fn api_code(&self) -> Option<i64> { None }
                fn message(&self) -> Option<&str> { Some(self.message.as_str()) }
                fn request_id(&self) -> Option<&str> { None }
                fn take_data(self) -> Self::Data { self.data }
            }
            impl crate::envelope::Envelope for types::UserRespDto {
                type Data = types::User;
                fn status_code(&self) -> Option<i64> { Some(self.status_code) }
                fn api_code(&self) -> Option<i64> { self.api_code }
                fn message(&self) -> Option<&str> { Some(self.message.as_str()) }
                fn request_id(&self) -> Option<&str> { self.request_id.as_deref() }
                fn take_data(self) -> Self::Data { self.data }
            }
        };
        assert_eq!(impls.to_string(), expected.to_string());
    }
}
