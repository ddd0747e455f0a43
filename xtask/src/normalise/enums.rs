//! Enums: an inline string enum that repeats becomes one shared component, and every enum is
//! checked to give distinct variant names and a default among its values.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::names::pascal_case;
use super::walk::{METHODS, SCHEMA_PREFIX, string_set};

/// Where an inline enum was found: a pointer into the document plus the field name.
struct EnumSite {
    pointer: String,
    field: String,
}

/// Collects inline string enums keyed by their value set (order-insensitive).
fn inline_enums(doc: &Value) -> BTreeMap<BTreeSet<String>, Vec<EnumSite>> {
    fn esc(s: &str) -> String {
        s.replace('~', "~0").replace('/', "~1")
    }
    let mut found: BTreeMap<BTreeSet<String>, Vec<EnumSite>> = BTreeMap::new();
    let mut add = |pointer: String, field: &str, schema: &Value| {
        if schema.get("type").and_then(Value::as_str) != Some("string")
            || schema.get("nullable") == Some(&Value::Bool(true))
        {
            return;
        }
        let Some(values) = schema.get("enum").and_then(Value::as_array) else {
            return;
        };
        let set: BTreeSet<String> = values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if set.len() != values.len() {
            return;
        }
        found.entry(set).or_default().push(EnumSite {
            pointer,
            field: field.trim_end_matches("[]").to_string(),
        });
    };
    // Operation parameters first: the component takes the value order of its first site.
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                for (i, p) in op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let name = p.get("name").and_then(Value::as_str).unwrap_or("");
                    let base = format!("/paths/{}/{method}/parameters/{i}/schema", esc(path));
                    if let Some(schema) = p.get("schema") {
                        add(base.clone(), name, schema);
                        if let Some(items) = schema.get("items") {
                            add(format!("{base}/items"), name, items);
                        }
                    }
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (sname, schema) in schemas {
            for (pname, prop) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let base = format!(
                    "/components/schemas/{}/properties/{}",
                    esc(sname),
                    esc(pname)
                );
                add(base.clone(), pname, prop);
                if let Some(items) = prop.get("items") {
                    add(format!("{base}/items"), pname, items);
                }
            }
        }
    }
    found
}

/// An inline enum whose value set repeats becomes one component, named after the field that
/// carries it (`userIdType` -> `UserIdType`) or by `overrides.enums.names`. When one name would
/// cover different value sets, none of them is shared under it: they stay inline and distinct.
pub(super) fn share_enums(
    doc: &mut Value,
    overrides: &Value,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let explicit: Vec<(String, BTreeSet<String>)> = overrides
        .pointer("/enums/names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            let name = e
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let values = e
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            (name, values.map(str::to_string).collect())
        })
        .collect();
    let groups = inline_enums(doc);
    // Candidate name per value set: explicit, else the most frequent field name.
    let mut named: Vec<(String, &BTreeSet<String>, &Vec<EnumSite>)> = Vec::new();
    for (set, sites) in &groups {
        if let Some((name, _)) = explicit.iter().find(|(_, v)| v == set) {
            named.push((name.clone(), set, sites));
            continue;
        }
        if sites.len() < 2 {
            continue;
        }
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for site in sites {
            *counts.entry(pascal_case(&site.field)).or_default() += 1;
        }
        let best = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(n, _)| n.clone())
            .unwrap_or_default();
        named.push((best, set, sites));
    }
    let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, _, _) in &named {
        *by_name.entry(name.as_str()).or_default() += 1;
    }
    let explicit_names: BTreeSet<&str> = explicit.iter().map(|(n, _)| n.as_str()).collect();
    let mut shared = Vec::new();
    for (name, set, sites) in &named {
        if by_name[name.as_str()] > 1 && !explicit_names.contains(name.as_str()) {
            let note = format!(
                "enum name `{name}` fits {} different value sets; left inline (name one in overrides.enums.names to share it)",
                by_name[name.as_str()]
            );
            if !notes.contains(&note) {
                notes.push(note);
            }
            continue;
        }
        if name.is_empty() {
            continue;
        }
        shared.push((
            name.clone(),
            (*set).clone(),
            sites.iter().map(|s| s.pointer.clone()).collect::<Vec<_>>(),
        ));
    }
    for (name, set, pointers) in shared {
        if let Some(current) = doc.pointer(&format!("/components/schemas/{name}")) {
            let current_set = string_set(current, "/enum");
            if current_set != set {
                notes.push(format!("enum `{name}`: a schema of that name already exists with other content; left inline"));
                continue;
            }
        } else {
            let first = doc.pointer(&pointers[0]).cloned().unwrap_or_default();
            let defaults: BTreeSet<String> = pointers
                .iter()
                .filter_map(|p| {
                    doc.pointer(p)
                        .and_then(|s| s.get("default"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect();
            let mut component = json!({"type": "string", "enum": first["enum"].clone()});
            if let Some(varnames) = first.get("x-enum-varnames") {
                component["x-enum-varnames"] = varnames.clone();
            }
            match defaults.len() {
                0 => {}
                1 => component["default"] = json!(defaults.iter().next().expect("one default")),
                _ => notes.push(format!("enum `{name}`: sites disagree on the default {defaults:?}; the component has none")),
            }
            doc["components"]["schemas"][name.as_str()] = component;
        }
        for p in &pointers {
            if let Some(site) = doc.pointer_mut(p) {
                *site = json!({"$ref": format!("{SCHEMA_PREFIX}{name}")});
            }
        }
    }
    Ok(())
}

/// Every enum must map to distinct Rust variants and carry a default that is one of its values.
pub(super) fn check_enums(doc: &mut Value, notes: &mut Vec<String>) -> Result<(), String> {
    fn walk(v: &mut Value, at: &str, notes: &mut Vec<String>, errors: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(values) = map.get("enum").and_then(Value::as_array) {
                    let mut seen: BTreeMap<String, String> = BTreeMap::new();
                    for value in values.iter().filter_map(Value::as_str) {
                        let variant = pascal_case(value);
                        if variant.is_empty() {
                            errors.push(format!("{at}: enum value {value:?} has no letters or digits to name a variant"));
                        } else if let Some(other) = seen.insert(variant.clone(), value.to_string())
                        {
                            errors.push(format!("{at}: enum values {other:?} and {value:?} both become variant `{variant}`"));
                        }
                    }
                    let default_ok = match map.get("default") {
                        Some(d) => values.contains(d),
                        None => true,
                    };
                    if !default_ok {
                        let d = map.remove("default").expect("checked above");
                        notes.push(format!(
                            "{at}: default {d} is not one of the enum values; dropped"
                        ));
                    }
                }
                for (k, child) in map.iter_mut() {
                    walk(child, &format!("{at}/{k}"), notes, errors);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    walk(child, &format!("{at}/{i}"), notes, errors);
                }
            }
            _ => {}
        }
    }
    let mut errors = Vec::new();
    for key in ["paths", "components"] {
        if let Some(v) = doc.get_mut(key) {
            walk(v, &format!("#/{key}"), notes, &mut errors);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}
