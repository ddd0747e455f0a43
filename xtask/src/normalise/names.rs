//! Rust names: schema names become safe Rust type names (every `$ref` follows), the
//! PascalCase rule that also names enum variants, and notes on parameters that are keywords.

use std::collections::BTreeMap;

use serde_json::Value;

use super::walk::{SCHEMA_PREFIX, op_id, operations};

/// Names that generated code uses unqualified; a schema with one of them would shadow it.
const SHADOWING_NAMES: [&str; 1] = ["Result"];

/// A schema name must be an UpperCamelCase Rust type name that shadows nothing in the
/// generated code. A lower-case name (`errorEmailMsg`) becomes its PascalCase form; a
/// shadowing one (`Result`) gets a `Dto` suffix. Every `$ref` follows; a rename that would
/// collide with an existing schema is an error.
pub(super) fn rename_schemas_for_rust(
    doc: &mut Value,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut renames = BTreeMap::new();
    for name in &names {
        let mut new = name.clone();
        if !name.starts_with(|c: char| c.is_ascii_uppercase())
            || name.contains(|c: char| !c.is_ascii_alphanumeric())
        {
            new = pascal_case(name);
        }
        if SHADOWING_NAMES.contains(&new.as_str()) {
            new.push_str("Dto");
        }
        if new == *name {
            continue;
        }
        if new.is_empty() || names.contains(&new) || renames.values().any(|v| *v == new) {
            return Err(format!(
                "schema `{name}` needs a Rust-safe name, but `{new}` is taken; rename it upstream or in overrides.fixes"
            ));
        }
        notes.push(format!(
            "schema `{name}` renamed `{new}` (not a safe Rust type name)"
        ));
        renames.insert(name.clone(), new);
    }
    if renames.is_empty() {
        return Ok(());
    }
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .expect("names came from here");
    for (old, new) in &renames {
        let schema = schemas.remove(old).expect("listed above");
        schemas.insert(new.clone(), schema);
    }
    fn rewrite(v: &mut Value, renames: &BTreeMap<String, String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get_mut("$ref")
                    && let Some(new) = r.strip_prefix(SCHEMA_PREFIX).and_then(|n| renames.get(n))
                {
                    *r = format!("{SCHEMA_PREFIX}{new}");
                }
                map.values_mut().for_each(|c| rewrite(c, renames));
            }
            Value::Array(items) => items.iter_mut().for_each(|c| rewrite(c, renames)),
            _ => {}
        }
    }
    rewrite(doc, &renames);
    Ok(())
}

/// The UpperCamelCase form of a name: the words split at anything not a letter or digit, an
/// upper-case run lower-cased after its first letter (`URL_path` -> `UrlPath`).
pub fn pascal_case(s: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_ascii_alphanumeric() {
            upper = true;
            prev_lower = false;
            continue;
        }
        if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else if c.is_ascii_uppercase() && !prev_lower {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    out
}

/// Parameters named like a Rust keyword (`type`) get a setter with a trailing underscore
/// (`type_`) from progenitor. Nothing to repair; the note tells a maintainer where it happens.
pub(super) fn note_keyword_parameters(doc: &Value, notes: &mut Vec<String>) {
    const KEYWORDS: [&str; 12] = [
        "type", "match", "move", "ref", "self", "static", "struct", "trait", "use", "where",
        "async", "fn",
    ];
    for (_, _, op) in operations(doc) {
        for p in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("");
            if KEYWORDS.contains(&name) {
                notes.push(format!(
                    "`{}`: parameter `{name}` is a Rust keyword; its setter is `{name}_`",
                    op_id(op)
                ));
            }
        }
    }
}
