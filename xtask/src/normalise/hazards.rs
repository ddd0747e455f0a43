//! Shapes that typify rejects or that would give Rust that does not compile: enums mixing JSON
//! types, and query parameters without a type.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::walk::{for_each_operation_mut, op_id, parameters_mut};

/// An enum whose values are of several JSON types (strings and a number) has no Rust enum
/// that reads them all; typify panics on it. Such a schema becomes "any JSON value", and its
/// values move to `x-genauth-enum-values` so that the docs can still list them.
pub(super) fn untype_mixed_enums(doc: &mut Value, notes: &mut Vec<String>) {
    fn kind(v: &Value) -> &'static str {
        match v {
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Null => "null",
            _ => "other",
        }
    }
    fn walk(v: &mut Value, at: &str, notes: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                let mixed = map
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|vals| vals.iter().map(kind).collect::<BTreeSet<_>>().len() > 1);
                if mixed {
                    let values = map.remove("enum").expect("checked");
                    map.remove("x-enum-varnames");
                    map.remove("type");
                    notes.push(format!(
                        "{at}: enum {values} mixes JSON types; typed as any JSON value"
                    ));
                    map.insert("x-genauth-enum-values".into(), values);
                }
                for (k, child) in map.iter_mut() {
                    walk(child, &format!("{at}/{k}"), notes);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    walk(child, &format!("{at}/{i}"), notes);
                }
            }
            _ => {}
        }
    }
    for key in ["paths", "components"] {
        if let Some(v) = doc.get_mut(key) {
            walk(v, &format!("#/{key}"), notes);
        }
    }
}

/// A query parameter without a type (`schema: {}`) would be a `serde_json::Value`, which has no
/// query-string form; every query value is text on the wire, so it becomes a string.
pub(super) fn type_query_parameters(doc: &mut Value, notes: &mut Vec<String>) {
    let _ = for_each_operation_mut(doc, |_, _, op| {
        let id = op_id(op).to_string();
        for p in parameters_mut(op) {
            let untyped = p.get("schema").is_some_and(|s| {
                s.get("type").is_none()
                    && s.get("$ref").is_none()
                    && s.get("enum").is_none()
                    && s.get("oneOf").is_none()
            });
            if untyped {
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                p["schema"] = json!({"type": "string"});
                notes.push(format!(
                    "`{id}`: query parameter `{name}` has no type; typed as string (query values are text)"
                ));
            }
        }
        Ok(())
    });
}
