//! The merge of several upstream documents into one, before normalising.
//!
//! Inputs are taken in the order given. Operations are matched by (method, path). The first
//! input that has an operation defines it; later inputs add the operations, tags and schemas
//! the earlier ones lack, and, on a shared operation, the optional query parameters and the
//! enum values the earlier ones lack. A schema that two inputs define differently is resolved
//! by the rule `overrides.merge.schemas.<Name>.take` names (`first`, `later` or `union`), or
//! by `union` when none is named; every such case is reported. Each operation records in
//! `x-listed-by` the inputs that list it.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::normalise::{METHODS, for_each_operation_mut, op_id, string_set};

/// One upstream document and where it came from.
pub struct Input {
    /// Short name recorded in `x-listed-by` (the SDK package, else the file name).
    pub label: String,
    pub source: String,
    pub sha256: String,
    pub doc: Value,
}

impl Input {
    pub fn new(source: &str, sha256: String, doc: Value) -> Self {
        let label = doc
            .pointer("/info/x-source/package")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                source
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(source)
                    .to_string()
            });
        Self {
            label,
            source: source.to_string(),
            sha256,
            doc,
        }
    }
}

/// The merged document and the decisions a reviewer should see.
pub struct Merged {
    pub doc: Value,
    pub decisions: Vec<String>,
}

/// How a same-named schema of a different shape is resolved.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Take {
    First,
    Later,
    Union,
}

fn rule_for(overrides: &Value, name: &str) -> Result<(Take, Option<String>), String> {
    let Some(rule) = overrides.pointer(&format!("/merge/schemas/{name}")) else {
        return Ok((Take::Union, None));
    };
    let reason = rule
        .get("reason")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| format!("overrides.merge.schemas.{name} needs a `reason`"))?;
    let take = match rule.get("take").and_then(Value::as_str) {
        Some("first") => Take::First,
        Some("later") => Take::Later,
        Some("union") => Take::Union,
        other => {
            return Err(format!(
                "overrides.merge.schemas.{name}.take is {other:?}; use \"first\", \"later\" or \"union\""
            ));
        }
    };
    Ok((take, Some(reason.to_string())))
}

/// Merges the inputs in order. Fails on an input that is not an OpenAPI object, on two inputs
/// with one label, and on a rule naming a schema that no two inputs disagree on.
pub fn merge(inputs: Vec<Input>, overrides: &Value) -> Result<Merged, String> {
    let mut labels = BTreeSet::new();
    for input in &inputs {
        if !labels.insert(input.label.clone()) {
            return Err(format!(
                "two inputs are both named `{}`; give each a distinct info.x-source.package or file name",
                input.label
            ));
        }
    }
    let mut inputs = inputs.into_iter();
    let first = inputs.next().ok_or("regen needs at least one --from")?;
    let mut doc = first.doc;
    if !doc.is_object() {
        return Err(format!("{} is not a JSON object", first.source));
    }
    let mut decisions = Vec::new();
    let mut provenance = vec![upstream_entry(&first.label, &first.source, &first.sha256)];
    for_each_operation_mut(&mut doc, |_, _, op| {
        op["x-listed-by"] = json!([first.label]);
        Ok(())
    })?;
    let mut resolved = BTreeSet::new();
    for input in inputs {
        provenance.push(upstream_entry(&input.label, &input.source, &input.sha256));
        merge_one(&mut doc, input, overrides, &mut decisions, &mut resolved)?;
    }
    for (name, _) in overrides
        .pointer("/merge/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if provenance.len() > 1 && !resolved.contains(name) {
            decisions.push(format!(
                "overrides.merge.schemas.{name}: no two inputs disagree on this schema; the rule did nothing"
            ));
        }
    }
    doc["info"]["x-upstream"] = Value::Array(provenance);
    Ok(Merged { doc, decisions })
}

fn upstream_entry(label: &str, source: &str, sha256: &str) -> Value {
    json!({"label": label, "source": source, "sha256": sha256})
}

fn merge_one(
    doc: &mut Value,
    input: Input,
    overrides: &Value,
    decisions: &mut Vec<String>,
    resolved: &mut BTreeSet<String>,
) -> Result<(), String> {
    let label = input.label;
    let mut later = input.doc;
    if !later.is_object() {
        return Err(format!("{} is not a JSON object", input.source));
    }

    // Tags: append the ones the document lacks, in the later input's order.
    let have: BTreeSet<String> = doc
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    let new_tags: Vec<Value> = later
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| !have.contains(n))
        })
        .cloned()
        .collect();
    if !new_tags.is_empty() {
        let names: Vec<&str> = new_tags
            .iter()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .collect();
        decisions.push(format!("{label}: added tags {names:?}"));
        let tags = doc
            .as_object_mut()
            .expect("checked")
            .entry("tags")
            .or_insert_with(|| json!([]));
        if let Some(tags) = tags.as_array_mut() {
            tags.extend(new_tags);
        }
    }

    // Operations.
    let mut added = 0usize;
    let later_paths = later
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let paths = doc
        .as_object_mut()
        .expect("checked")
        .entry("paths")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("`paths` is not an object")?;
    for (path, item) in later_paths {
        let Value::Object(mut item) = item else {
            continue;
        };
        let target = paths
            .entry(path.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| format!("path item {path} is not an object"))?;
        for method in METHODS {
            let Some(mut op) = item.remove(method) else {
                continue;
            };
            match target.get_mut(method) {
                None => {
                    op["x-listed-by"] = json!([label]);
                    target.insert(method.to_string(), op);
                    added += 1;
                }
                Some(existing) => {
                    merge_operation(existing, &op, &path, method, &label, decisions);
                    if let Some(by) = existing
                        .get_mut("x-listed-by")
                        .and_then(Value::as_array_mut)
                    {
                        by.push(json!(label));
                    }
                }
            }
        }
        // Path-level keys (shared parameters and the like) are kept from the first input.
    }
    if added > 0 {
        decisions.push(format!("{label}: added {added} operations"));
    }

    // Schemas.
    let later_schemas = later
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let schemas = doc
        .as_object_mut()
        .expect("checked")
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("`components` is not an object")?
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("`components.schemas` is not an object")?;
    let mut new_schemas = 0usize;
    for (name, schema) in later_schemas {
        match schemas.get_mut(&name) {
            None => {
                schemas.insert(name, schema);
                new_schemas += 1;
            }
            Some(existing) if *existing == schema => {}
            Some(existing) => {
                let (take, reason) = rule_for(overrides, &name)?;
                resolved.insert(name.clone());
                let why = reason
                    .map(|r| format!(" (overrides: {r})"))
                    .unwrap_or_else(|| " (default rule)".into());
                let what = match take {
                    Take::First => "kept the first definition".to_string(),
                    Take::Later => {
                        *existing = schema;
                        format!("took the definition of {label}")
                    }
                    Take::Union => union_schema(existing, &schema).join("; "),
                };
                decisions.push(format!("schema `{name}` differs in {label}: {what}{why}"));
            }
        }
    }
    if new_schemas > 0 {
        decisions.push(format!("{label}: added {new_schemas} schemas"));
    }
    Ok(())
}

/// Adds to `existing` what `later` has on a shared operation: optional parameters it lacks
/// and enum values its parameters lack. Differences in anything else keep the first
/// definition and are reported.
fn merge_operation(
    existing: &mut Value,
    later: &Value,
    path: &str,
    method: &str,
    label: &str,
    decisions: &mut Vec<String>,
) {
    let here = format!("{} {path}", method.to_uppercase());
    let id = op_id(existing).to_string();
    if op_id(later) != id {
        decisions.push(format!(
            "{here}: {label} names it `{}`; kept `{id}`",
            op_id(later)
        ));
    }
    for key in ["requestBody", "responses"] {
        if existing.get(key) != later.get(key) {
            decisions.push(format!(
                "`{id}`: {label} declares a different {key}; kept the first"
            ));
        }
    }
    let later_params = later
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if later_params.is_empty() {
        return;
    }
    let params = existing
        .as_object_mut()
        .expect("operations are objects")
        .entry("parameters")
        .or_insert_with(|| json!([]));
    let Some(params) = params.as_array_mut() else {
        return;
    };
    let key = |p: &Value| {
        (
            p.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            p.get("in")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        )
    };
    for lp in later_params {
        let k = key(&lp);
        match params.iter_mut().find(|p| key(p) == k) {
            None if lp.get("required") == Some(&Value::Bool(true)) => decisions.push(format!(
                "`{id}`: {label} requires parameter `{}` that the first input lacks; not added",
                k.0
            )),
            None => {
                decisions.push(format!(
                    "`{id}`: added optional {} parameter `{}` from {label}",
                    k.1, k.0
                ));
                params.push(lp);
            }
            Some(p) => {
                let (Some(a), Some(b)) = (p.get_mut("schema"), lp.get("schema")) else {
                    continue;
                };
                if a == b {
                    continue;
                }
                if refines(a, b) {
                    *a = b.clone();
                    decisions.push(format!(
                        "`{id}`: parameter `{}` refined by {label} (same facts plus more)",
                        k.0
                    ));
                    continue;
                }
                let added = union_enum(a, b);
                if added.is_empty() {
                    decisions.push(format!(
                        "`{id}`: parameter `{}` differs in {label}; kept the first",
                        k.0
                    ));
                } else {
                    decisions.push(format!(
                        "`{id}`: parameter `{}` gains enum values {} from {label}",
                        k.0,
                        Value::from(added)
                    ));
                }
            }
        }
    }
}

/// Whether `later` states every fact `first` states and more: an object holding each of
/// `first`'s keys with the same value. Then `later` replaces `first` (e.g. a bare string that
/// the later input gives an enum, a boolean that it gives a default).
fn refines(first: &Value, later: &Value) -> bool {
    match (first.as_object(), later.as_object()) {
        (Some(a), Some(b)) => a.len() < b.len() && a.iter().all(|(k, v)| b.get(k) == Some(v)),
        _ => false,
    }
}

/// The enum of a schema or of its array items.
fn enum_mut(schema: &mut Value) -> Option<&mut Vec<Value>> {
    if schema.get("enum").is_some() {
        schema.get_mut("enum").and_then(Value::as_array_mut)
    } else {
        schema
            .get_mut("items")
            .and_then(|i| i.get_mut("enum"))
            .and_then(Value::as_array_mut)
    }
}

/// Appends to `a`'s enum the values of `b`'s enum it lacks (in `b`'s order), and the matching
/// `x-enum-varnames`. Returns the values added.
fn union_enum(a: &mut Value, b: &Value) -> Vec<Value> {
    let mut b = b.clone();
    let Some(extra) = enum_mut(&mut b).cloned() else {
        return Vec::new();
    };
    let b_names = if b.get("enum").is_some() {
        b.get("x-enum-varnames").cloned()
    } else {
        b.pointer("/items/x-enum-varnames").cloned()
    };
    let holder_is_items = a.get("enum").is_none();
    let Some(values) = enum_mut(a) else {
        return Vec::new();
    };
    let mut added = Vec::new();
    let mut added_names = Vec::new();
    for (i, v) in extra.iter().enumerate() {
        if !values.contains(v) {
            values.push(v.clone());
            added.push(v.clone());
            added_names.push(
                b_names
                    .as_ref()
                    .and_then(|n| n.get(i))
                    .cloned()
                    .unwrap_or(Value::Null),
            );
        }
    }
    let holder = if holder_is_items {
        a.get_mut("items")
    } else {
        Some(a)
    };
    if let Some(names) = holder
        .and_then(|h| h.get_mut("x-enum-varnames"))
        .and_then(Value::as_array_mut)
    {
        if added_names.iter().all(Value::is_string) {
            names.extend(added_names);
        } else {
            names.clear();
        }
    }
    added
}

/// The `union` rule: properties of both (those only in `later` optional), required only
/// where both require, enum values of both. A property both define differently, other than
/// by enum values, keeps the first definition. Returns what it did, for the report.
fn union_schema(existing: &mut Value, later: &Value) -> Vec<String> {
    let mut what = Vec::new();
    let later_props = later
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let later_required = string_set(later, "/required");
    if existing.get("enum").is_some() || later.get("enum").is_some() {
        let added = union_enum(existing, later);
        if !added.is_empty() {
            what.push(format!("enum values added {}", Value::from(added)));
        }
    }
    if let Some(obj) = existing.as_object_mut() {
        let props = obj
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(props) = props.as_object_mut() {
            for (name, lp) in &later_props {
                match props.get_mut(name) {
                    None => {
                        props.insert(name.clone(), lp.clone());
                        what.push(format!("added property `{name}` (optional)"));
                    }
                    Some(p) if p == lp => {}
                    Some(p) if refines(p, lp) => {
                        *p = lp.clone();
                        what.push(format!("property `{name}` refined (same facts plus more)"));
                    }
                    Some(p) => {
                        let added = union_enum(p, lp);
                        if added.is_empty() {
                            what.push(format!("property `{name}` differs; kept the first"));
                        } else {
                            what.push(format!(
                                "property `{name}` gains enum values {}",
                                Value::from(added)
                            ));
                        }
                    }
                }
            }
            if props.is_empty() {
                obj.remove("properties");
            }
        }
        if let Some(req) = obj.get_mut("required").and_then(Value::as_array_mut) {
            let before: Vec<String> = req
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            req.retain(|r| r.as_str().is_some_and(|r| later_required.contains(r)));
            for dropped in before
                .iter()
                .filter(|r| !later_required.contains(r.as_str()))
            {
                what.push(format!(
                    "`{dropped}` no longer required (the later input does not require it)"
                ));
            }
            if req.is_empty() {
                obj.remove("required");
            }
        }
    }
    if what.is_empty() {
        what.push("no property-level difference; kept the first".into());
    }
    what
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(label: &str, paths: Value, schemas: Value) -> Input {
        Input {
            label: label.into(),
            source: format!("{label}.json"),
            sha256: "00".into(),
            doc: json!({"openapi": "3.0.3", "info": {"title": label}, "paths": paths,
                        "components": {"schemas": schemas}, "tags": [{"name": label}]}),
        }
    }

    fn op(id: &str, params: Value) -> Value {
        json!({"operationId": id, "parameters": params, "tags": ["t"], "responses": {"200": {"description": ""}}})
    }

    #[test]
    fn first_defines_later_adds_and_every_op_records_its_inputs() {
        let a = input(
            "a",
            json!({"/x": {"get": op("getX", json!([
                {"name": "kind", "in": "query", "required": false, "schema": {"type": "string", "enum": ["A"]}}
            ]))}}),
            json!({"S": {"type": "object", "properties": {"p": {"type": "string"}}, "required": ["p"]},
                   "R": {"type": "object", "properties": {"k": {"type": "string"}}}}),
        );
        let b = input(
            "b",
            json!({
                "/x": {"get": op("getXOther", json!([
                    {"name": "kind", "in": "query", "required": false, "schema": {"type": "string", "enum": ["A", "B"]}},
                    {"name": "extra", "in": "query", "required": false, "schema": {"type": "boolean"}},
                    {"name": "must", "in": "query", "required": true, "schema": {"type": "string"}}
                ]))},
                "/y": {"post": op("postY", json!([]))}
            }),
            json!({
                "S": {"type": "object", "properties": {"p": {"type": "string"}, "q": {"type": "string"}}, "required": ["p", "q"]},
                "T": {"type": "object"},
                "R": {"type": "object", "properties": {"k": {"type": "string", "enum": ["x"]}}}
            }),
        );
        let m = merge(vec![a, b], &json!({})).unwrap();
        let x = &m.doc["paths"]["/x"]["get"];
        assert_eq!(x["operationId"], "getX");
        assert_eq!(x["x-listed-by"], json!(["a", "b"]));
        assert_eq!(x["parameters"][0]["schema"]["enum"], json!(["A", "B"]));
        assert_eq!(x["parameters"][1]["name"], "extra");
        assert_eq!(
            x["parameters"].as_array().unwrap().len(),
            2,
            "a required param is not added"
        );
        assert_eq!(m.doc["paths"]["/y"]["post"]["x-listed-by"], json!(["b"]));
        let s = &m.doc["components"]["schemas"]["S"];
        assert_eq!(s["properties"]["q"], json!({"type": "string"}));
        assert_eq!(s["required"], json!(["p"]), "q is new, so optional");
        assert!(m.doc["components"]["schemas"]["T"].is_object());
        assert_eq!(
            m.doc["components"]["schemas"]["R"]["properties"]["k"]["enum"],
            json!(["x"]),
            "a property the later input refines takes the refinement"
        );
        assert_eq!(m.doc["tags"], json!([{"name": "a"}, {"name": "b"}]));
        let text = m.decisions.join("\n");
        for needle in [
            "names it `getXOther`; kept `getX`",
            "gains enum values [\"B\"]",
            "added optional query parameter `extra`",
            "requires parameter `must`",
            "schema `S` differs in b",
            "added property `q`",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        assert_eq!(m.doc["info"]["x-upstream"][1]["label"], "b");
    }

    #[test]
    fn rules_pick_first_or_later_and_need_a_reason() {
        let mk = || {
            (
                input(
                    "a",
                    json!({}),
                    json!({"S": {"type": "object", "properties": {"p": {"type": "string"}}}}),
                ),
                input(
                    "b",
                    json!({}),
                    json!({"S": {"type": "object", "properties": {"p": {"type": "number"}}}}),
                ),
            )
        };
        let (a, b) = mk();
        let first = merge(
            vec![a, b],
            &json!({"merge": {"schemas": {"S": {"take": "first", "reason": "r"}}}}),
        )
        .unwrap();
        assert_eq!(
            first.doc["components"]["schemas"]["S"]["properties"]["p"]["type"],
            "string"
        );
        let (a, b) = mk();
        let later = merge(
            vec![a, b],
            &json!({"merge": {"schemas": {"S": {"take": "later", "reason": "r"}}}}),
        )
        .unwrap();
        assert_eq!(
            later.doc["components"]["schemas"]["S"]["properties"]["p"]["type"],
            "number"
        );
        assert!(
            later
                .decisions
                .iter()
                .any(|d| d.contains("took the definition of b (overrides: r)"))
        );
        let (a, b) = mk();
        let err = merge(
            vec![a, b],
            &json!({"merge": {"schemas": {"S": {"take": "later"}}}}),
        )
        .err()
        .unwrap();
        assert!(err.contains("needs a `reason`"), "{err}");
        let (a, b) = mk();
        let err = merge(
            vec![a, b],
            &json!({"merge": {"schemas": {"S": {"take": "both", "reason": "r"}}}}),
        )
        .err()
        .unwrap();
        assert!(err.contains("use \"first\""), "{err}");
    }

    #[test]
    fn the_merge_is_deterministic_and_labels_must_differ() {
        let run = || {
            let a = input(
                "a",
                json!({"/x": {"get": op("x", json!([]))}}),
                json!({"S": {"enum": ["a"]}}),
            );
            let b = input(
                "b",
                json!({"/y": {"get": op("y", json!([]))}}),
                json!({"S": {"enum": ["b", "a"]}}),
            );
            let m = merge(vec![a, b], &json!({})).unwrap();
            (serde_json::to_string(&m.doc).unwrap(), m.decisions)
        };
        assert_eq!(run(), run());
        assert_eq!(
            serde_json::from_str::<Value>(&run().0).unwrap()["components"]["schemas"]["S"]["enum"],
            json!(["a", "b"])
        );
        let err = merge(
            vec![
                input("a", json!({}), json!({})),
                input("a", json!({}), json!({})),
            ],
            &json!({}),
        )
        .err()
        .unwrap();
        assert!(err.contains("both named `a`"), "{err}");
    }
}
