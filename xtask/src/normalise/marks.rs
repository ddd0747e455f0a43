//! The `x-genauth-*` marks the SDK's build script reads from operations: whether a call only
//! reads, how it pages, and the bracket wire form of query arrays.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::walk::{
    SCHEMA_PREFIX, for_each_operation_mut, op_id, operations, parameters_mut, string_set,
};

/// Marks each operation `x-genauth-read: true|false`: whether retrying it can change nothing on
/// the server. GET is a read; other methods are reads when the operationId starts with one of
/// `overrides.reads.verbs`; `overrides.reads.writes` and `.reads` pin single operations.
pub(super) fn apply_read_marks(doc: &mut Value, overrides: &Value) -> Result<(), String> {
    let verbs = string_set(overrides, "/reads/verbs");
    let pinned = |pointer: &str| -> Result<BTreeSet<String>, String> {
        let mut out = BTreeSet::new();
        for entry in overrides
            .pointer(pointer)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = entry.get("operation").and_then(Value::as_str);
            let reason = entry.get("reason").and_then(Value::as_str);
            match (id, reason) {
                (Some(id), Some(r)) if !r.is_empty() => {
                    out.insert(id.to_string());
                }
                _ => {
                    return Err(format!(
                        "overrides{}: every entry needs `operation` and a `reason`, got {entry}",
                        pointer.replace('/', ".")
                    ));
                }
            }
        }
        Ok(out)
    };
    let forced_writes = pinned("/reads/writes")?;
    let forced_reads = pinned("/reads/reads")?;
    if let Some(id) = forced_writes.intersection(&forced_reads).next() {
        return Err(format!(
            "overrides.reads: `{id}` is listed both as a read and as a write"
        ));
    }
    for_each_operation_mut(doc, |_, method, op| {
        let id = op_id(op);
        let verb: String = id.chars().take_while(|c| c.is_ascii_lowercase()).collect();
        let read = if forced_writes.contains(id) {
            false
        } else if forced_reads.contains(id) {
            true
        } else {
            method == "get" || verbs.contains(&verb)
        };
        op["x-genauth-read"] = Value::Bool(read);
        Ok(())
    })
}

/// Marks the operations that page (`x-genauth-pagination`), for build.rs to give them a stream
/// of all items: where the page number goes (`query`, `body`, `body.options.pagination` or
/// `body.pagination`)
/// and, in the response's `data`, the item list and the total. An operation pages when it takes
/// `page` and `limit` in one of those places (or in the body's `pagination`) and its `data` holds a `list` array; the total is
/// `totalCount` when `data` has it.
pub(super) fn mark_pagination(doc: &mut Value) {
    let schemas = doc["components"]["schemas"].clone();
    let resolve = |v: &Value| -> Option<Value> {
        let name = v.get("$ref")?.as_str()?.strip_prefix(SCHEMA_PREFIX)?;
        schemas.get(name).cloned()
    };
    let pages = |schema: &Value| {
        ["page", "limit"]
            .iter()
            .all(|k| schema["properties"].get(k).is_some())
    };
    let mut marks = Vec::new();
    for (path, method, op) in operations(doc) {
        let in_query = ["page", "limit"].iter().all(|k| {
            op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == *k && p["in"] == "query"))
        });
        let body = resolve(&op["requestBody"]["content"]["application/json"]["schema"]);
        let page = if in_query {
            Some("query")
        } else if body.as_ref().is_some_and(pages) {
            Some("body")
        } else if body
            .as_ref()
            .and_then(|b| resolve(&b["properties"]["options"]))
            .and_then(|o| resolve(&o["properties"]["pagination"]))
            .is_some_and(|p| pages(&p))
        {
            Some("body.options.pagination")
        } else if body
            .as_ref()
            .and_then(|b| resolve(&b["properties"]["pagination"]))
            .is_some_and(|p| pages(&p))
        {
            Some("body.pagination")
        } else {
            None
        };
        let data = resolve(&op["responses"]["200"]["content"]["application/json"]["schema"])
            .and_then(|envelope| resolve(&envelope["properties"]["data"]));
        let list = data
            .as_ref()
            .is_some_and(|d| d["properties"]["list"]["type"] == "array");
        let mark = match (page, list) {
            (Some(page), true) => {
                let total = data
                    .as_ref()
                    .and_then(|d| d["properties"].get("totalCount"))
                    .map(|_| json!("totalCount"))
                    .unwrap_or(Value::Null);
                Some(json!({"page": page, "items": "list", "total": total}))
            }
            _ => None,
        };
        marks.push((path, method, mark));
    }
    for (path, method, mark) in marks {
        let op = &mut doc["paths"][&path][&method];
        match mark {
            Some(mark) => op["x-genauth-pagination"] = mark,
            None => {
                if let Some(map) = op.as_object_mut() {
                    map.remove("x-genauth-pagination");
                }
            }
        }
    }
}

/// Query arrays travel as `name[]=a&name[]=b` (even for one element). The parameter is renamed
/// to its wire name; progenitor derives the Rust name from it without the brackets.
pub(super) fn bracket_query_arrays(doc: &mut Value) {
    let _ = for_each_operation_mut(doc, |_, _, op| {
        for p in parameters_mut(op) {
            let is_query_array = p.get("in").and_then(Value::as_str) == Some("query")
                && p.pointer("/schema/type").and_then(Value::as_str) == Some("array");
            let Some(name) = p.get("name").and_then(Value::as_str).map(str::to_string) else {
                continue;
            };
            if is_query_array && !name.ends_with("[]") {
                p["name"] = json!(format!("{name}[]"));
                p["x-genauth-array-format"] = json!("brackets");
                if let Some(obj) = p.as_object_mut() {
                    obj.remove("x-sdk-query-array-format");
                }
            }
        }
        Ok(())
    });
}
