//! `into_stream()` on the request builders of paginated operations.

use progenitor::Generator;
use quote::{format_ident, quote};

use crate::syntax::{module_items, submodule_items};

/// Gives the request builder of every operation regen marked `x-genauth-pagination` an
/// `into_stream()` over all its items (see `src/pagination.rs`). The methods go inside the
/// generated `builder` module, where the builders' fields are visible.
pub fn add_page_streams(file: &mut syn::File, generator: &Generator, raw: &serde_json::Value) {
    use heck::ToUpperCamelCase;
    let space = generator.get_type_space();
    let type_named = |name: &str| space.iter_types().find(|t| t.name() == name);
    let schema_name = |v: &serde_json::Value| {
        v["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_string)
    };
    let mut items: Vec<syn::Item> = Vec::new();
    // Typed page setters on the request bodies' builders, one per body type.
    let mut setters: Vec<syn::Item> = Vec::new();
    let mut setters_for = std::collections::BTreeSet::new();
    for item in raw["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            let Some(mark) = op.get("x-genauth-pagination") else {
                continue;
            };
            let id = op["operationId"].as_str().expect("operationId");
            let builder = format_ident!("{}", id.to_upper_camel_case());
            let envelope =
                schema_name(&op["responses"]["200"]["content"]["application/json"]["schema"])
                    .unwrap_or_else(|| panic!("{id}: paginated answer has no schema"));
            let data = schema_name(&raw["components"]["schemas"][&envelope]["properties"]["data"])
                .unwrap_or_else(|| panic!("{id}: paginated answer has no data schema"));
            let data_ty = type_named(&data).unwrap_or_else(|| panic!("{id}: no type for {data}"));
            let typify::TypeDetails::Struct(details) = data_ty.details() else {
                panic!("{id}: {data} is not a struct");
            };
            let mut item_ty = None;
            let mut total = quote!(None);
            for prop in details.properties_info() {
                if prop.name == "list" {
                    let ty = space.get_type(&prop.type_id).expect("property type");
                    let list_id = match ty.details() {
                        typify::TypeDetails::Option(inner) => inner,
                        _ => prop.type_id.clone(),
                    };
                    let list_ty = space.get_type(&list_id).expect("list type");
                    let typify::TypeDetails::Vec(inner) = list_ty.details() else {
                        panic!("{id}: {data}.list is not a list");
                    };
                    item_ty = Some(space.get_type(&inner).expect("item type").ident());
                } else if Some(prop.name)
                    == mark["total"]
                        .as_str()
                        .map(heck::ToSnakeCase::to_snake_case)
                        .as_deref()
                {
                    let field = format_ident!("{}", prop.name);
                    total = quote!(crate::pagination::Total::total(data.#field));
                }
            }
            let item_ty = item_ty.unwrap_or_else(|| panic!("{id}: {data} has no list"));
            let at_page = match mark["page"].as_str() {
                Some("query") => quote!(self.page(page)),
                Some(place @ ("body" | "body.options.pagination" | "body.pagination")) => {
                    let body_schema =
                        schema_name(&op["requestBody"]["content"]["application/json"]["schema"])
                            .unwrap_or_else(|| panic!("{id}: paged body has no schema"));
                    let body_ty = type_named(&body_schema)
                        .unwrap_or_else(|| panic!("{id}: no type for {body_schema}"));
                    let path: Vec<&str> = match place {
                        "body" => vec!["page"],
                        "body.pagination" => vec!["pagination", "page"],
                        _ => vec!["options", "pagination", "page"],
                    };
                    if setters_for.insert(body_schema.clone()) {
                        setters.push(page_setter(space, &body_ty, &path));
                    }
                    quote! {{
                        let mut this = self;
                        this.body = this.body.map(|body| body.set_page_number(page));
                        this
                    }}
                }
                other => panic!("{id}: unknown page place {other:?}"),
            };
            let doc = " Every item of every page of this call, fetched a page at a time as the stream is polled (see [`crate::pagination`]). The page number is set for each page; the other settings are kept. The stream owns a clone of the client and of the settings, so it borrows nothing and can be moved into a spawned task.";
            let (client, fields) = builder_fields(module_items(file, "builder"), &builder);
            items.push(syn::parse_quote! {
                impl<'a> #builder<'a> {
                    #[doc = #doc]
                    pub fn into_stream(self) -> crate::pagination::Pages<'static, #item_ty> {
                        let Self { #client: genauth_client, #(#fields),* } = self;
                        let genauth_client = ::std::clone::Clone::clone(genauth_client);
                        crate::pagination::Pages::from_fn(move |genauth_page: i64| {
                            let genauth_client = genauth_client.clone();
                            #(let #fields = #fields.clone();)*
                            async move {
                                let request = #builder { #client: &genauth_client, #(#fields),* }
                                    .at_page(genauth_page);
                                let response = request.send().await?;
                                let data = crate::envelope::ResponseExt::into_data(response)?;
                                Ok(crate::pagination::Page::new(data.list, #total))
                            }
                        })
                    }

                    fn at_page(self, page: i64) -> Self {
                        #at_page
                    }
                }
            });
        }
    }
    module_items(file, "builder").extend(items);
    submodule_items(module_items(file, "types"), "builder")
        .expect("the generated types have a `builder` module")
        .extend(setters);
}

/// The fields of the operation builder `name` in the generated `builder` module: the one that
/// borrows the client (`client: &'a super::Client`), and the others (the request's
/// settings, each owned). `into_stream()` takes the builder apart into these, so that the
/// stream it returns holds a clone of the client instead of the borrow.
fn builder_fields(items: &[syn::Item], name: &syn::Ident) -> (syn::Ident, Vec<syn::Ident>) {
    let fields = items
        .iter()
        .find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == *name => Some(&s.fields),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no builder struct `{name}`"));
    let syn::Fields::Named(fields) = fields else {
        panic!("the builder `{name}` has no named fields");
    };
    let mut client = None;
    let mut settings = Vec::new();
    for field in &fields.named {
        let ident = field.ident.clone().expect("a named field");
        if matches!(field.ty, syn::Type::Reference(_)) {
            assert!(
                client.replace(ident).is_none(),
                "the builder `{name}` borrows more than the client"
            );
        } else {
            settings.push(ident);
        }
    }
    let client = client.unwrap_or_else(|| panic!("the builder `{name}` holds no client"));
    (client, settings)
}

/// `set_page_number(page)` on the builder of the request body `body`: sets the field at `path`
/// (JSON names, e.g. `options.pagination.page`), making each object on the way from its
/// `Default` when it is not set yet, and keeps everything else in the body. Reads the field
/// types from the type space: an optional field is wrapped in `Some`, a string page gets the
/// number as text.
fn page_setter(space: &typify::TypeSpace, body: &typify::Type<'_>, path: &[&str]) -> syn::Item {
    let name = format_ident!("{}", body.name());
    let (first, rest) = path.split_first().expect("a page path");
    let field = format_ident!("{}", heck::ToSnakeCase::to_snake_case(*first));
    let value = set_in(space, &property(body, first), rest, quote!(value), 0);
    // The page itself replaces the old value; an object on the way is changed in place.
    let old = if rest.is_empty() {
        quote!(_)
    } else {
        quote!(value)
    };
    let doc = format!(
        " Sets `{}` to the page number, keeping the rest of the body.",
        path.join(".")
    );
    syn::parse_quote! {
        impl #name {
            #[doc = #doc]
            pub(crate) fn set_page_number(self, page: i64) -> Self {
                Self {
                    #field: self.#field.map(|#old| #value),
                    ..self
                }
            }
        }
    }
}

/// The type of the property `json_name` of the struct `ty`.
fn property(ty: &typify::Type<'_>, json_name: &str) -> typify::TypeId {
    let typify::TypeDetails::Struct(details) = ty.details() else {
        panic!("{} is not a struct", ty.name());
    };
    let rust_name = heck::ToSnakeCase::to_snake_case(json_name);
    details
        .properties_info()
        .find(|p| p.name == rust_name)
        .map(|p| p.type_id.clone())
        .unwrap_or_else(|| panic!("{} has no `{json_name}`", ty.name()))
}

/// An expression for the new value of a field of type `id` whose old value is `old`: the page
/// number when `rest` is empty, else the same object with the field at `rest` set.
fn set_in(
    space: &typify::TypeSpace,
    id: &typify::TypeId,
    rest: &[&str],
    old: proc_macro2::TokenStream,
    depth: usize,
) -> proc_macro2::TokenStream {
    let ty = space.get_type(id).expect("a field type");
    if let typify::TypeDetails::Option(inner) = ty.details() {
        if rest.is_empty() {
            let number = set_in(space, &inner, rest, quote!(()), depth);
            return quote!(Some(#number));
        }
        let inner_value = set_in(space, &inner, rest, quote!(inner), depth);
        return quote!(Some({
            let inner = #old.unwrap_or_default();
            #inner_value
        }));
    }
    let Some((next, more)) = rest.split_first() else {
        return match ty.details() {
            typify::TypeDetails::Builtin("i64") => quote!(page),
            typify::TypeDetails::String => quote!(page.to_string()),
            _ => panic!("a page number of type {} is not supported", ty.name()),
        };
    };
    let field = format_ident!("{}", heck::ToSnakeCase::to_snake_case(*next));
    let object = format_ident!("object{depth}");
    let value = set_in(
        space,
        &property(&ty, next),
        more,
        quote!(#object.#field),
        depth + 1,
    );
    quote!({
        let mut #object = #old;
        #object.#field = #value;
        #object
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_spec::{envelope, generate, two_operations};

    /// The small spec with a paginated `listUsers`: a GET paged by its `page` query parameter
    /// when `page` is `"query"`, else a POST whose body `ListUsersReqDto` holds `page` where
    /// `page` says.
    fn paged_spec(page: &str) -> serde_json::Value {
        let mut spec = two_operations();
        let answer = serde_json::json!({
            "200": {
                "description": "",
                "content": {
                    "application/json": {
                        "schema": { "$ref": "#/components/schemas/ListUsersRespDto" }
                    }
                }
            }
        });
        let operation = if page == "query" {
            serde_json::json!({ "get": {
                "operationId": "listUsers",
                "tags": ["Users"],
                "x-genauth-read": true,
                "x-genauth-pagination": { "items": "list", "page": "query", "total": "totalCount" },
                "parameters": [
                    { "in": "query", "name": "page", "required": false,
                      "schema": { "type": "integer", "format": "int64" } },
                    { "in": "query", "name": "limit", "required": false,
                      "schema": { "type": "integer", "format": "int64" } }
                ],
                "responses": answer
            }})
        } else {
            serde_json::json!({ "post": {
                "operationId": "listUsers",
                "tags": ["Users"],
                "x-genauth-read": true,
                "x-genauth-pagination": { "items": "list", "page": page, "total": "totalCount" },
                "requestBody": {
                    "required": true,
                    "content": {
                        "application/json": {
                            "schema": { "$ref": "#/components/schemas/ListUsersReqDto" }
                        }
                    }
                },
                "responses": answer
            }})
        };
        spec["paths"]["/api/v3/list-users"] = operation;
        let schemas = &mut spec["components"]["schemas"];
        schemas["ListUsersRespDto"] = envelope("UserPage");
        schemas["UserPage"] = serde_json::json!({
            "type": "object",
            "properties": {
                "list": { "type": "array", "items": { "$ref": "#/components/schemas/User" } },
                "totalCount": { "type": "integer", "format": "int64" }
            },
            "required": ["list", "totalCount"]
        });
        schemas["ListUsersReqDto"] = serde_json::json!({
            "type": "object",
            "properties": {
                "pagination": {
                    "type": "object",
                    "properties": { "page": { "type": "integer", "format": "int64" } }
                }
            }
        });
        spec
    }

    /// The impls `add_page_streams` added to `mod builder`: (builder, `into_stream`'s return
    /// type, `at_page`'s body), as token text.
    fn streams(page: &str) -> Vec<(String, String, String)> {
        let spec = paged_spec(page);
        let (mut file, generator) = generate(&spec);
        let before = module_items(&mut file, "builder").len();
        add_page_streams(&mut file, &generator, &spec);
        module_items(&mut file, "builder")[before..]
            .iter()
            .map(|item| {
                let syn::Item::Impl(imp) = item else {
                    panic!("an impl")
                };
                let self_ty = &imp.self_ty;
                let fns: Vec<&syn::ImplItemFn> = imp
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        syn::ImplItem::Fn(f) => Some(f),
                        _ => None,
                    })
                    .collect();
                assert_eq!(fns[0].sig.ident, "into_stream");
                assert_eq!(fns[1].sig.ident, "at_page");
                let output = &fns[0].sig.output;
                let at_page = &fns[1].block;
                (
                    quote!(#self_ty).to_string(),
                    quote!(#output).to_string(),
                    quote!(#at_page).to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn a_query_paged_builder_gets_into_stream() {
        let streams = streams("query");
        assert_eq!(
            streams,
            [(
                quote!(ListUsers<'a>).to_string(),
                // 'static: the stream borrows neither the builder nor the client.
                quote!(-> crate::pagination::Pages<'static, types::User>).to_string(),
                quote!({ self.page(page) }).to_string(),
            )]
        );
    }

    #[test]
    fn a_body_paged_builder_sets_the_page_in_its_body() {
        let streams = streams("body.pagination");
        assert_eq!(streams.len(), 1);
        assert_eq!(streams[0].0, quote!(ListUsers<'a>).to_string());
        let expected = quote! {{{
            let mut this = self;
            this.body = this.body.map(|body| body.set_page_number(page));
            this
        }}};
        assert_eq!(streams[0].2, expected.to_string());
    }

    #[test]
    fn the_body_builder_gets_a_typed_page_setter() {
        let spec = paged_spec("body.pagination");
        let (mut file, generator) = generate(&spec);
        add_page_streams(&mut file, &generator, &spec);
        let setter = submodule_items(module_items(&mut file, "types"), "builder")
            .and_then(|items| items.last().cloned())
            .unwrap();
        // The optional `pagination` is made from its Default when unset; its other fields
        // are kept; the optional `page` is set.
        let expected = quote! {
            impl ListUsersReqDto {
                #[doc = " Sets `pagination.page` to the page number, keeping the rest of the body."]
                pub(crate) fn set_page_number(self, page: i64) -> Self {
                    Self {
                        pagination: self.pagination.map(|value| Some({
                            let inner = value.unwrap_or_default();
                            {
                                let mut object0 = inner;
                                object0.page = Some(page);
                                object0
                            }
                        })),
                        ..self
                    }
                }
            }
        };
        assert_eq!(quote!(#setter).to_string(), expected.to_string());
    }

    #[test]
    fn the_stream_owns_a_clone_of_the_client_and_of_every_setting() {
        let spec = paged_spec("query");
        let (mut file, generator) = generate(&spec);
        add_page_streams(&mut file, &generator, &spec);
        let stream = module_items(&mut file, "builder").last().cloned().unwrap();
        let syn::Item::Impl(imp) = stream else {
            panic!("an impl")
        };
        let syn::ImplItem::Fn(into_stream) = &imp.items[0] else {
            panic!("into_stream")
        };
        let body = &into_stream.block;
        // The builder is taken apart: the client borrow is cloned once into the stream, and
        // for each page into the page's future, with a clone of each setting; the builder
        // is put together again inside the future, around the future's own client.
        let expected = quote! {{
            let Self { client: genauth_client, limit, page } = self;
            let genauth_client = ::std::clone::Clone::clone(genauth_client);
            crate::pagination::Pages::from_fn(move |genauth_page: i64| {
                let genauth_client = genauth_client.clone();
                let limit = limit.clone();
                let page = page.clone();
                async move {
                    let request = ListUsers { client: &genauth_client, limit, page }
                        .at_page(genauth_page);
                    let response = request.send().await?;
                    let data = crate::envelope::ResponseExt::into_data(response)?;
                    Ok(crate::pagination::Page::new(
                        data.list,
                        crate::pagination::Total::total(data.total_count)
                    ))
                }
            })
        }};
        assert_eq!(quote!(#body).to_string(), expected.to_string());
    }

    #[test]
    fn builder_fields_tell_the_client_from_the_settings() {
        let items: Vec<syn::Item> = vec![syn::parse_quote! {
            pub struct ListThings<'a> {
                client: &'a super::Client,
                r#type: Result<Option<String>, String>,
                body: Result<types::builder::ListThingsDto, String>,
            }
        }];
        let (client, settings) = builder_fields(&items, &format_ident!("ListThings"));
        assert_eq!(client, "client");
        let settings: Vec<String> = settings.iter().map(|s| quote!(#s).to_string()).collect();
        assert_eq!(settings, ["r#type", "body"]);
    }

    #[test]
    fn the_stream_counts_pages_with_the_marked_total() {
        let spec = paged_spec("query");
        let (mut file, generator) = generate(&spec);
        add_page_streams(&mut file, &generator, &spec);
        let stream = module_items(&mut file, "builder").last().cloned().unwrap();
        let text = quote!(#stream).to_string();
        let page = quote!(crate::pagination::Page::new(
            data.list,
            crate::pagination::Total::total(data.total_count)
        ));
        assert!(text.contains(&page.to_string()), "{text}");
    }
}
