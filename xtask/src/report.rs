//! The API change report: what a regen run adds, removes and changes, for the reviewer.

use std::collections::BTreeMap;

use serde_json::Value;

/// Differences between the previous vendored spec and the new one.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub first_run: bool,
    pub operations_added: Vec<String>,
    pub operations_removed: Vec<String>,
    pub operations_changed: Vec<String>,
    pub schemas_added: Vec<String>,
    pub schemas_removed: Vec<String>,
    pub schemas_changed: Vec<String>,
}

/// Operations keyed by operationId, each shown as `METHOD path`.
fn operations(spec: &Value) -> BTreeMap<String, (String, &Value)> {
    let mut out = BTreeMap::new();
    for (path, item) in spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                out.insert(
                    id.to_string(),
                    (format!("{} {path}", method.to_uppercase()), op),
                );
            }
        }
    }
    out
}

fn schemas(spec: &Value) -> BTreeMap<String, &Value> {
    spec.pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v))
        .collect()
}

fn compare<V: PartialEq>(
    old: &BTreeMap<String, V>,
    new: &BTreeMap<String, V>,
    label: impl Fn(&str, &V) -> String,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let added = new
        .iter()
        .filter(|(k, _)| !old.contains_key(*k))
        .map(|(k, v)| label(k, v))
        .collect();
    let removed = old
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(k, v)| label(k, v))
        .collect();
    let changed = new
        .iter()
        .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v))
        .map(|(k, v)| label(k, v))
        .collect();
    (added, removed, changed)
}

pub fn diff(before: Option<&Value>, after: &Value) -> Changes {
    let empty = Value::Null;
    let old = before.unwrap_or(&empty);
    let op_label = |id: &str, (route, _): &(String, &Value)| format!("{id} ({route})");
    let (operations_added, operations_removed, operations_changed) =
        compare(&operations(old), &operations(after), op_label);
    let (schemas_added, schemas_removed, schemas_changed) =
        compare(&schemas(old), &schemas(after), |k, _| k.to_string());
    Changes {
        first_run: before.is_none(),
        operations_added,
        operations_removed,
        operations_changed,
        schemas_added,
        schemas_removed,
        schemas_changed,
    }
}

pub fn render(changes: &Changes, spec: &Value) -> String {
    let mut out = String::from("API change report\n");
    out.push_str(&format!(
        "  spec now: {} operations, {} schemas\n",
        operations(spec).len(),
        schemas(spec).len()
    ));
    if changes.first_run {
        out.push_str("  (no previous vendored spec: everything is new)\n");
    }
    let sections = [
        ("operations added", &changes.operations_added),
        ("operations removed", &changes.operations_removed),
        ("operations changed", &changes.operations_changed),
        ("schemas added", &changes.schemas_added),
        ("schemas removed", &changes.schemas_removed),
        ("schemas changed", &changes.schemas_changed),
    ];
    for (title, items) in sections {
        out.push_str(&format!("  {title}: {}\n", items.len()));
        // A first run lists thousands of names; the counts say enough.
        if !changes.first_run {
            for item in items {
                out.push_str(&format!("    {item}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_added_removed_and_changed() {
        let old = json!({
            "paths": {"/a": {"get": {"operationId": "getA"}}, "/b": {"post": {"operationId": "postB"}}},
            "components": {"schemas": {"A": {"type": "string"}, "B": {"type": "number"}}}
        });
        let new = json!({
            "paths": {"/a": {"get": {"operationId": "getA", "summary": "x"}}, "/c": {"get": {"operationId": "getC"}}},
            "components": {"schemas": {"A": {"type": "string"}, "B": {"type": "integer"}, "C": {}}}
        });
        let c = diff(Some(&old), &new);
        assert_eq!(c.operations_added, ["getC (GET /c)"]);
        assert_eq!(c.operations_removed, ["postB (POST /b)"]);
        assert_eq!(c.operations_changed, ["getA (GET /a)"]);
        assert_eq!(c.schemas_added, ["C"]);
        assert!(c.schemas_removed.is_empty());
        assert_eq!(c.schemas_changed, ["B"]);
        let text = render(&c, &new);
        assert!(
            text.contains("operations removed: 1\n    postB (POST /b)\n"),
            "{text}"
        );
    }

    #[test]
    fn identical_specs_report_nothing() {
        let spec = json!({"paths": {"/a": {"get": {"operationId": "getA"}}}});
        let c = diff(Some(&spec), &spec);
        assert_eq!(c, Changes::default());
    }
}
