//! Passes over the spec itself (JSON), before progenitor sees it, and the tables build.rs
//! writes from it: API groups as features, request arrays, secrets, the operation table.

use std::collections::BTreeSet;

use quote::{format_ident, quote};

/// The cargo feature of an API group: its tag in lower case, words joined by `-`
/// (`Data resources and permissions` -> `data-resources-and-permissions`).
pub fn group_feature(tag: &str) -> String {
    let mut out = String::new();
    for word in tag
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// Keeps only the operations of the API groups whose cargo feature `enabled` says is on, and the schemas
/// they reach; returns the names of the groups kept, in the spec's order. With every group on
/// (the default) nothing changes.
pub fn keep_enabled_groups(
    raw: &mut serde_json::Value,
    enabled: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut groups = Vec::new();
    for tag in raw["tags"].as_array().expect("tags") {
        let name = tag["name"].as_str().expect("tag name");
        if enabled(&group_feature(name)) {
            groups.push(name.to_string());
        }
    }
    let kept: BTreeSet<&str> = groups.iter().map(String::as_str).collect();
    let paths = raw["paths"].as_object_mut().expect("paths");
    for item in paths.values_mut() {
        let item = item.as_object_mut().expect("path item");
        item.retain(|_, op| op["tags"][0].as_str().is_some_and(|tag| kept.contains(tag)));
    }
    paths.retain(|_, item| !item.as_object().expect("path item").is_empty());
    let reached = reachable_schemas(raw, [&raw["paths"]]);
    raw["components"]["schemas"]
        .as_object_mut()
        .expect("components.schemas")
        .retain(|name, _| reached.contains(name));
    raw["tags"]
        .as_array_mut()
        .expect("tags")
        .retain(|t| t["name"].as_str().is_some_and(|n| kept.contains(n)));
    groups
}

/// The schemas `roots` reach through `$ref`s, directly or through other schemas. A field
/// regen keeps as raw JSON names the types it may hold in `x-genauth-alternatives`; those
/// count as reached.
pub fn reachable_schemas<'a>(
    spec: &serde_json::Value,
    roots: impl IntoIterator<Item = &'a serde_json::Value>,
) -> BTreeSet<String> {
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        each_object(v, &mut |map| {
            if let Some(name) = map
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_string());
            }
            out.extend(alternatives_of(map));
        });
    }
    let mut todo = Vec::new();
    for root in roots {
        refs(root, &mut todo);
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if reached.insert(name.clone()) {
            refs(&spec["components"]["schemas"][&name], &mut todo);
        }
    }
    reached
}

/// The names regen put in `x-genauth-alternatives` anywhere in the spec: the types a raw JSON
/// field may hold, for the caller to decode.
pub fn alternatives(raw: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    each_object(raw, &mut |map| out.extend(alternatives_of(map)));
    out
}

/// How many schemas in the spec constrain a string with a `pattern`. typify checks those with
/// the `regress` crate, which genauth does not depend on while there are none.
pub fn string_patterns(raw: &serde_json::Value) -> usize {
    let mut count = 0;
    each_object(raw, &mut |map| {
        count += usize::from(map.get("pattern").is_some_and(serde_json::Value::is_string));
    });
    count
}

/// The names in `map`'s own `x-genauth-alternatives`.
fn alternatives_of(map: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    map.get("x-genauth-alternatives")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str())
        .map(str::to_string)
        .collect()
}

/// Calls `f` on every JSON object in `v`, `v` itself included, parents before children.
fn each_object(
    v: &serde_json::Value,
    f: &mut impl FnMut(&serde_json::Map<String, serde_json::Value>),
) {
    match v {
        serde_json::Value::Object(map) => {
            f(map);
            map.values().for_each(|c| each_object(c, f));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|c| each_object(c, f)),
        _ => {}
    }
}

/// Makes every optional array property of a schema that a request body reaches `nullable`, so
/// that typify generates `Option<Vec<T>>` instead of a `Vec<T>` skipped when empty: a field the
/// caller set to `[]` then goes on the wire (clearing a list), and a field left unset does not.
/// Changes only the in-memory copy progenitor sees, never the vendored spec. Returns how many
/// properties changed.
pub fn optional_request_arrays(spec: &mut serde_json::Value) -> usize {
    let bodies: Vec<serde_json::Value> = spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
        .filter_map(|op| op.get("requestBody").cloned())
        .collect();
    let reached = reachable_schemas(spec, &bodies);
    let mut changed = 0;
    for name in &reached {
        let schema = &mut spec["components"]["schemas"][name];
        let required: BTreeSet<String> = schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let Some(props) = schema["properties"].as_object_mut() else {
            continue;
        };
        for (prop, value) in props.iter_mut() {
            if required.contains(prop) || value["type"] != "array" {
                continue;
            }
            value["nullable"] = serde_json::Value::Bool(true);
            changed += 1;
        }
    }
    changed
}

/// The exact schema regen writes for a secret string field (docs aside, which typify ignores
/// when matching).
pub fn sensitive_string_schema() -> schemars08::schema::SchemaObject {
    serde_json::from_value(serde_json::json!({
        "type": "string",
        "format": "password",
        "x-genauth-sensitive": true
    }))
    .expect("valid schema object")
}

/// The names of every property regen marked as a secret, sorted, so that error snippets can
/// redact their values.
pub fn sensitive_fields(raw: &serde_json::Value) -> proc_macro2::TokenStream {
    let mut names = std::collections::BTreeSet::new();
    for schema in raw["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
        .values()
    {
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        for (name, property) in properties {
            if property["x-genauth-sensitive"] == serde_json::Value::Bool(true) {
                names.insert(name.as_str());
            }
        }
    }
    let names = names.into_iter();
    quote! {
        pub(crate) static SENSITIVE_FIELDS: &[&str] = &[#(#names),*];
    }
}

/// One entry per operation, sorted by method name (progenitor's name for it): the spec's
/// operationId and whether it only reads.
pub fn operation_table(raw: &serde_json::Value, groups: &[String]) -> proc_macro2::TokenStream {
    use heck::ToSnakeCase;
    let mut rows = std::collections::BTreeMap::new();
    for (path, item) in raw["paths"].as_object().expect("paths") {
        for (http_method, op) in item.as_object().expect("path item") {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let read = op["x-genauth-read"] == serde_json::Value::Bool(true);
            let paged = op.get("x-genauth-pagination").is_some();
            let page = match op["x-genauth-pagination"]["page"].as_str() {
                None => quote!(None),
                Some("query") => quote!(Some(PagePlace::Query)),
                Some(place) => {
                    let path = place
                        .strip_prefix("body")
                        .unwrap_or_else(|| panic!("{id}: unknown page place {place}"))
                        .split('.')
                        .filter(|s| !s.is_empty())
                        .chain(["page"]);
                    quote!(Some(PagePlace::Body(&[#(#path),*])))
                }
            };
            let group = op["tags"][0].as_str().unwrap_or("").to_string();
            // progenitor names methods with heck's snake case of the operationId.
            let http_method = http_method.to_ascii_uppercase();
            rows.insert(
                id.to_snake_case(),
                (
                    id.to_string(),
                    read,
                    paged,
                    page,
                    http_method,
                    path.clone(),
                    group,
                ),
            );
        }
    }
    let consts = rows.iter().map(
        |(method, (id, read, paged, page, http_method, path, group))| {
            let name = format_ident!("{}", method.to_ascii_uppercase());
            let doc = format!(" `{http_method} {path}` (`{method}`).");
            quote! {
                #[doc = #doc]
                pub(crate) const #name: Operation = Operation {
                    method: #method, id: #id, http_method: #http_method, path: #path,
                    read_only: #read, paginated: #paged, page: #page, group: #group
                };
            }
        },
    );
    let names = rows
        .keys()
        .map(|method| format_ident!("{}", method.to_ascii_uppercase()));
    quote! {
        /// One constant per operation, named after its client method; each generated `send`
        /// names its own.
        pub(crate) mod op {
            use super::{Operation, PagePlace};
            #(#consts)*
        }
        pub(crate) static OPERATIONS: &[Operation] = &[#(op::#names),*];
        pub(crate) static GROUPS: &[&str] = &[#(#groups),*];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(set: &BTreeSet<String>) -> Vec<&str> {
        set.iter().map(String::as_str).collect()
    }

    /// Two groups: `Users` (one operation, reaching `UserReq` and through it `Shared`) and
    /// `Risk lists` (one operation on the same path, reaching `RiskOnly`).
    fn two_groups() -> serde_json::Value {
        json!({
            "tags": [{ "name": "Users" }, { "name": "Risk lists" }],
            "paths": {
                "/x": {
                    "post": {
                        "operationId": "createUser",
                        "tags": ["Users"],
                        "requestBody": { "$ref": "#/components/schemas/UserReq" }
                    },
                    "delete": {
                        "operationId": "deleteRisk",
                        "tags": ["Risk lists"],
                        "requestBody": { "$ref": "#/components/schemas/RiskOnly" }
                    }
                },
                "/y": {
                    "get": { "operationId": "listRisks", "tags": ["Risk lists"] }
                }
            },
            "components": {
                "schemas": {
                    "UserReq": { "properties": { "s": { "$ref": "#/components/schemas/Shared" } } },
                    "Shared": { "type": "string" },
                    "RiskOnly": { "type": "string" }
                }
            }
        })
    }

    #[test]
    fn group_features_are_lower_case_words_joined_by_dashes() {
        assert_eq!(
            group_feature("Data resources and permissions"),
            "data-resources-and-permissions"
        );
        assert_eq!(group_feature("Users"), "users");
        assert_eq!(group_feature(" MFA / OTP "), "mfa-otp");
    }

    #[test]
    fn disabled_groups_lose_their_operations_tags_and_schemas() {
        let mut raw = two_groups();
        let groups = keep_enabled_groups(&mut raw, |feature| feature == "users");
        assert_eq!(groups, ["Users"]);
        assert_eq!(raw["tags"], json!([{ "name": "Users" }]));
        let paths = raw["paths"].as_object().unwrap();
        assert_eq!(paths.keys().collect::<Vec<_>>(), ["/x"]);
        assert_eq!(paths["/x"].as_object().unwrap().len(), 1);
        assert_eq!(paths["/x"]["post"]["operationId"], "createUser");
        let schemas: BTreeSet<&String> = raw["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            schemas,
            BTreeSet::from([&"Shared".into(), &"UserReq".into()])
        );
    }

    #[test]
    fn with_every_group_enabled_the_spec_is_unchanged() {
        let mut raw = two_groups();
        let groups = keep_enabled_groups(&mut raw, |_| true);
        assert_eq!(groups, ["Users", "Risk lists"]);
        assert_eq!(raw, two_groups());
    }

    #[test]
    fn string_patterns_are_counted_but_not_properties_named_pattern() {
        let spec = json!({
            "components": { "schemas": {
                "R": { "properties": {
                    "code": { "type": "string", "pattern": "^[a-z]+$" },
                    "pattern": { "type": "string" }
                } }
            } }
        });
        assert_eq!(string_patterns(&spec), 1);
        assert_eq!(string_patterns(&json!({"paths": {}})), 0);
    }

    #[test]
    fn alternatives_are_collected_from_anywhere_in_the_spec() {
        let spec = json!({
            "components": { "schemas": {
                "R": { "properties": {
                    "raw": { "x-genauth-alternatives": ["P", "Q"] },
                    "list": { "items": { "x-genauth-alternatives": ["T", "P"] } }
                } }
            } }
        });
        assert_eq!(
            alternatives(&spec).into_iter().collect::<Vec<_>>(),
            ["P", "Q", "T"]
        );
    }

    #[test]
    fn schemas_are_reached_through_refs_and_alternatives() {
        let spec = json!({
            "components": {
                "schemas": {
                    "A": { "properties": { "b": { "$ref": "#/components/schemas/B" } } },
                    "B": {
                        "properties": {
                            "back": { "$ref": "#/components/schemas/A" },
                            "raw": { "x-genauth-alternatives": ["C"] }
                        }
                    },
                    "C": { "items": [{ "$ref": "#/components/schemas/D" }] },
                    "D": { "type": "string" },
                    "Unused": { "properties": { "d": { "$ref": "#/components/schemas/D" } } }
                }
            }
        });
        let root = json!({ "schema": { "$ref": "#/components/schemas/A" } });
        let reached = reachable_schemas(&spec, [&root]);
        assert_eq!(names(&reached), ["A", "B", "C", "D"]);
        assert!(reachable_schemas(&spec, [&json!({ "type": "string" })]).is_empty());
    }

    #[test]
    fn only_optional_arrays_that_requests_reach_become_nullable() {
        let mut spec = json!({
            "paths": {
                "/x": {
                    "post": {
                        "requestBody": { "$ref": "#/components/schemas/Req" },
                        "responses": { "$ref": "#/components/schemas/Resp" }
                    }
                }
            },
            "components": {
                "schemas": {
                    "Req": {
                        "required": ["ids"],
                        "properties": {
                            "ids": { "type": "array" },
                            "tags": { "type": "array" },
                            "name": { "type": "string" },
                            "inner": { "$ref": "#/components/schemas/Inner" }
                        }
                    },
                    "Inner": { "properties": { "items": { "type": "array" } } },
                    "Resp": { "properties": { "list": { "type": "array" } } }
                }
            }
        });
        assert_eq!(optional_request_arrays(&mut spec), 2);
        let schemas = &spec["components"]["schemas"];
        assert_eq!(schemas["Req"]["properties"]["tags"]["nullable"], true);
        assert_eq!(schemas["Inner"]["properties"]["items"]["nullable"], true);
        assert!(
            schemas["Req"]["properties"]["ids"]
                .get("nullable")
                .is_none()
        );
        assert!(
            schemas["Req"]["properties"]["name"]
                .get("nullable")
                .is_none()
        );
        assert!(
            schemas["Resp"]["properties"]["list"]
                .get("nullable")
                .is_none()
        );
    }

    #[test]
    fn sensitive_fields_are_the_marked_properties_sorted_once_each() {
        let raw = json!({
            "components": {
                "schemas": {
                    "Login": {
                        "properties": {
                            "secret": { "type": "string", "x-genauth-sensitive": true },
                            "password": { "type": "string", "x-genauth-sensitive": true },
                            "name": { "type": "string" },
                            "hint": { "type": "string", "x-genauth-sensitive": false }
                        }
                    },
                    "Reset": {
                        "properties": {
                            "password": { "type": "string", "x-genauth-sensitive": true }
                        }
                    },
                    "Flag": { "type": "boolean" }
                }
            }
        });
        let expected = quote! {
            pub(crate) static SENSITIVE_FIELDS: &[&str] = &["password", "secret"];
        };
        assert_eq!(sensitive_fields(&raw).to_string(), expected.to_string());
    }

    #[test]
    fn the_operation_table_has_one_row_per_operation_sorted_by_method() {
        let raw = json!({
            "paths": {
                "/api/v3/users/{id}": {
                    "get": {
                        "operationId": "getUser",
                        "tags": ["Users"],
                        "x-genauth-read": true,
                        "x-genauth-pagination": { "page": "query" }
                    }
                },
                "/api/v3/create-user": {
                    "post": { "operationId": "createUser", "tags": ["Users"] }
                },
                "/api/v3/list-users": {
                    "post": {
                        "operationId": "listUsers",
                        "tags": ["Users"],
                        "x-genauth-read": true,
                        "x-genauth-pagination": { "page": "body.options.pagination" }
                    }
                },
                "/api/v3/no-id": { "get": { "tags": ["Users"] } }
            }
        });
        let table = operation_table(&raw, &["Users".to_string()]);
        let expected = quote! {
            /// One constant per operation, named after its client method; each generated `send`
            /// names its own.
            pub(crate) mod op {
                use super::{Operation, PagePlace};
                #[doc = " `POST /api/v3/create-user` (`create_user`)."]
                pub(crate) const CREATE_USER: Operation = Operation {
                    method: "create_user", id: "createUser", http_method: "POST",
                    path: "/api/v3/create-user", read_only: false, paginated: false,
                    page: None, group: "Users"
                };
                #[doc = " `GET /api/v3/users/{id}` (`get_user`)."]
                pub(crate) const GET_USER: Operation = Operation {
                    method: "get_user", id: "getUser", http_method: "GET",
                    path: "/api/v3/users/{id}", read_only: true, paginated: true,
                    page: Some(PagePlace::Query), group: "Users"
                };
                #[doc = " `POST /api/v3/list-users` (`list_users`)."]
                pub(crate) const LIST_USERS: Operation = Operation {
                    method: "list_users", id: "listUsers", http_method: "POST",
                    path: "/api/v3/list-users", read_only: true, paginated: true,
                    page: Some(PagePlace::Body(&["options", "pagination", "page"])),
                    group: "Users"
                };
            }
            pub(crate) static OPERATIONS: &[Operation] =
                &[op::CREATE_USER, op::GET_USER, op::LIST_USERS];
            pub(crate) static GROUPS: &[&str] = &["Users"];
        };
        assert_eq!(table.to_string(), expected.to_string());
    }
}
