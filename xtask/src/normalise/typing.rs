//! Types chosen in `overrides.json`: which numbers are integers and which strings hold
//! secrets, applied to every property and parameter of those names.

use serde_json::{Value, json};

use super::walk::{for_each_operation_mut, parameter_name, parameters_mut, string_set};

/// Visits every schema in the document that sits under a named property or query/path
/// parameter: `f(name, schema)`. Array items are visited under their array's name.
fn visit_named_schemas(doc: &mut Value, f: &mut dyn FnMut(&str, &mut Value)) {
    fn walk_props(schema: &mut Value, f: &mut dyn FnMut(&str, &mut Value)) {
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, prop) in props.iter_mut() {
                f(name, prop);
                if let Some(items) = prop.get_mut("items") {
                    f(name, items);
                }
                walk_props(prop, f);
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for sub in schema
                .get_mut(key)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                walk_props(sub, f);
            }
        }
        if let Some(items) = schema.get_mut("items") {
            walk_props(items, f);
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            walk_props(schema, f);
        }
    }
    let _ = for_each_operation_mut(doc, |_, _, op| {
        for p in parameters_mut(op) {
            let name = parameter_name(p).to_string();
            if let Some(schema) = p.get_mut("schema") {
                f(&name, schema);
                if let Some(items) = schema.get_mut("items") {
                    f(&name, items);
                }
            }
        }
        Ok(())
    });
}

/// `overrides.integers.names`: numbers under these names are integral (`integer`, int64).
/// A query parameter of one of these names declared as a string (`page`, `limit` in some
/// Tenants operations) is an integer too: a query string carries no types, so `page=2` is the
/// same on the wire either way, and the typed form lets the pager set it.
pub(super) fn apply_integers(doc: &mut Value, overrides: &Value) {
    let names = string_set(overrides, "/integers/names");
    let _ = for_each_operation_mut(doc, |_, _, op| {
        for p in parameters_mut(op) {
            let named = p
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| names.contains(n));
            let query = p.get("in").and_then(Value::as_str) == Some("query");
            let schema = &mut p["schema"];
            if named
                && query
                && schema.get("type").and_then(Value::as_str) == Some("string")
                && schema.get("enum").is_none()
                && schema.get("format").is_none()
            {
                schema["type"] = json!("number");
            }
            // A number in a query string is written the way the JS SDKs write it: `1`, never
            // `1.0`. Every number query parameter of this API is integral (ids, codes, page
            // numbers, millisecond timestamps), so all of them are integers.
            if query && schema.get("type").and_then(Value::as_str) == Some("number") {
                schema["type"] = json!("integer");
                schema["format"] = json!("int64");
            }
        }
        Ok(())
    });
    visit_named_schemas(doc, &mut |name, schema| {
        if names.contains(name) && schema.get("type").and_then(Value::as_str) == Some("number") {
            schema["type"] = json!("integer");
            schema["format"] = json!("int64");
        }
    });
}

/// `overrides.sensitive.names`: string fields that carry secrets. They get `format: password`
/// (which build.rs maps to a redacting type) and `x-genauth-sensitive: true`.
pub(super) fn apply_sensitive(doc: &mut Value, overrides: &Value) {
    let names = string_set(overrides, "/sensitive/names");
    visit_named_schemas(doc, &mut |name, schema| {
        if names.contains(name)
            && schema.get("type").and_then(Value::as_str) == Some("string")
            && schema.get("enum").is_none()
        {
            schema["format"] = json!("password");
            schema["x-genauth-sensitive"] = json!(true);
        }
    });
}
