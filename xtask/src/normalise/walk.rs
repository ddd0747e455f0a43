//! Ways through the document shared by the passes: every operation in a fixed order, its
//! parameters, a named schema, and a string list read from the overrides.

use std::collections::BTreeSet;

use serde_json::Value;

/// The HTTP methods an OpenAPI path item can hold, in the order operations are visited.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// How a `$ref` to a named schema begins.
pub(super) const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Every operation of the document as (path, method, operation), in path then method order.
pub(super) fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    out.push((path.clone(), method.to_string(), op));
                }
            }
        }
    }
    out
}

/// Calls `f(path, method, operation)` on every operation, in the order of [`operations`],
/// stopping at the first error.
pub(crate) fn for_each_operation_mut(
    doc: &mut Value,
    mut f: impl FnMut(&str, &str, &mut Value) -> Result<(), String>,
) -> Result<(), String> {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                if let Some(op) = item.get_mut(method) {
                    f(path, method, op)?;
                }
            }
        }
    }
    Ok(())
}

/// An operation's `operationId` (empty when it has none).
pub(crate) fn op_id(op: &Value) -> &str {
    op.get("operationId").and_then(Value::as_str).unwrap_or("")
}

/// The named schema of `components.schemas`, if there is one.
pub(super) fn schema_mut<'a>(doc: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    doc.pointer_mut(&format!("/components/schemas/{name}"))
}

/// A parameter's name without the `[]` that marks a bracket-form array key.
pub(super) fn parameter_name(p: &Value) -> &str {
    p.get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches("[]")
}

/// The parameters of an operation, if it has any.
pub(super) fn parameters_mut(op: &mut Value) -> impl Iterator<Item = &mut Value> {
    op.get_mut("parameters")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// The strings of the array at `pointer` in `value` (none if there is no such array).
pub(crate) fn string_set(value: &Value, pointer: &str) -> BTreeSet<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}
