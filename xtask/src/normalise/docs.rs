//! Prose and provenance: the docs overlay merged into operations, parameters, tags and
//! schemas, a line on operations the upstream reference lacks, and the coverage count.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::walk::{for_each_operation_mut, op_id, parameter_name, parameters_mut, schema_mut};

/// How much of the spec has prose: (documented, total) per kind.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Coverage {
    pub operations: (usize, usize),
    pub parameters: (usize, usize),
    pub fields: (usize, usize),
}

impl Coverage {
    fn percent((done, total): (usize, usize)) -> f64 {
        if total == 0 {
            100.0
        } else {
            done as f64 * 100.0 / total as f64
        }
    }

    /// The floors CI holds: every operation and parameter described, 95% of schema fields.
    pub fn shortfalls(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (what, pair, floor) in [
            ("operations with a description", self.operations, 100.0),
            ("parameters with a description", self.parameters, 100.0),
            ("schema fields with a description", self.fields, 95.0),
        ] {
            if Self::percent(pair) < floor {
                out.push(format!(
                    "{what}: {:.1}% ({} of {}), below the floor of {floor}%",
                    Self::percent(pair),
                    pair.0,
                    pair.1
                ));
            }
        }
        out
    }

    pub fn render(&self) -> String {
        let line = |what: &str, pair: (usize, usize)| {
            format!(
                "  {what:<11} {:>5} of {:>5} ({:.1}%)\n",
                pair.0,
                pair.1,
                Self::percent(pair)
            )
        };
        format!(
            "docs coverage\n{}{}{}",
            line("operations", self.operations),
            line("parameters", self.parameters),
            line("fields", self.fields)
        )
    }
}

/// Says in an operation's description that GenAuth's API reference has no page for it (no
/// `x-docs-page`), and which inputs list it.
fn undocumented_upstream_line(op: &Value) -> Option<String> {
    if op.get("x-docs-page").is_some() {
        return None;
    }
    let by: Vec<&str> = op
        .get("x-listed-by")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let from = if by.is_empty() {
        String::new()
    } else {
        format!(" Known from {}.", by.join(", "))
    };
    Some(format!(
        "GenAuth's API reference has no page for this operation.{from}"
    ))
}

/// Merges the prose overlay (see [`Overlay::load`](super::Overlay::load)): tag guides become tag descriptions;
/// operations take `summary`, `description` and `parameters.<name>`; schemas take
/// `description` and `properties.<name>`. A property that is a `$ref` cannot carry a
/// description in OpenAPI 3.0, so its text goes to `x-genauth-doc`, which build.rs puts on the
/// field. Entries that name nothing in the spec, and operation docs that promise
/// `into_stream()` where none is generated (or the reverse), are returned as stale.
pub(super) fn apply_docs(doc: &mut Value, docs: &Value, stale: &mut Vec<String>) -> Coverage {
    if let Some(info) = docs.get("info").and_then(Value::as_object) {
        for (k, v) in info {
            doc["info"][k.as_str()] = v.clone();
        }
    }
    let mut tags_used = BTreeSet::new();
    for tag in doc
        .get_mut("tags")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let name = tag
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(guide) = docs
            .pointer(&format!(
                "/tags/{}",
                name.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_str)
            .filter(|g| !g.is_empty())
        {
            // The trait progenitor makes for the tag gets the first paragraph; build.rs puts
            // the whole guide, example included, on the group's page in `genauth::api`.
            let first = guide.split("\n\n").next().unwrap_or(guide).trim();
            tag["description"] = json!(first);
            tag["x-genauth-guide"] = json!(guide);
        }
        tags_used.insert(name);
    }
    for (tag, guide) in docs
        .get("tags")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if !tags_used.contains(tag) && guide.as_str().is_some_and(|g| !g.is_empty()) {
            stale.push(format!("docs: tag `{tag}` is not in the spec"));
        }
    }
    let empty = Map::new();
    let ops = docs
        .get("operations")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut used = BTreeSet::new();
    let mut coverage = Coverage::default();
    let _ = for_each_operation_mut(doc, |_, _, op| {
        let id = op_id(op).to_string();
        let entry = ops.get(&id);
        if entry.is_some() {
            used.insert(id.clone());
        }
        for key in ["summary", "description"] {
            if let Some(text) = entry
                .and_then(|e| e.get(key))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                op[key] = json!(text);
            }
        }
        let upstream_line = undocumented_upstream_line(op);
        // The line added below does not count as a description (a second pass sees it).
        let described = op
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| {
                !upstream_line
                    .as_deref()
                    .map_or(d.to_string(), |l| d.replace(l, ""))
                    .trim()
                    .is_empty()
            });
        coverage.operations.1 += 1;
        coverage.operations.0 += usize::from(described);
        if let Some(line) = upstream_line {
            let text = op.get("description").and_then(Value::as_str).unwrap_or("");
            if !text.contains(&line) {
                op["description"] = json!(if text.is_empty() {
                    line
                } else {
                    format!("{text}\n\n{line}")
                });
            }
        }
        let pages = op.get("x-genauth-pagination").is_some();
        let promises = op
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| d.contains("`into_stream()` walks"));
        if pages != promises && described {
            stale.push(if pages {
                format!("docs: `{id}` pages, but its description does not say that `into_stream()` walks the pages")
            } else {
                format!("docs: `{id}` does not page, but its description promises `into_stream()`")
            });
        }
        let texts = entry
            .and_then(|e| e.get("parameters"))
            .and_then(Value::as_object);
        let mut names = BTreeSet::new();
        for p in parameters_mut(op) {
            let name = parameter_name(p).to_string();
            if let Some(text) = texts
                .and_then(|t| t.get(&name))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                p["description"] = json!(text);
            }
            coverage.parameters.1 += 1;
            coverage.parameters.0 += usize::from(
                p.get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.is_empty()),
            );
            names.insert(name);
        }
        for pname in texts.into_iter().flatten().map(|(k, _)| k) {
            if !names.contains(pname) {
                stale.push(format!("docs: `{id}` has no parameter `{pname}`"));
            }
        }
        Ok(())
    });
    for id in ops.keys().filter(|id| !used.contains(*id)) {
        stale.push(format!("docs: operation `{id}` is not in the spec"));
    }
    let schema_docs = docs.get("schemas").and_then(Value::as_object);
    for (sname, entry) in schema_docs.into_iter().flatten() {
        let Some(schema) = schema_mut(doc, sname) else {
            stale.push(format!("docs: schema `{sname}` is not in the spec"));
            continue;
        };
        if let Some(text) = entry
            .get("description")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            schema["description"] = json!(text);
        }
        for (pname, text) in entry
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(text) = text.as_str().filter(|t| !t.is_empty()) else {
                continue;
            };
            match schema.pointer_mut(&format!(
                "/properties/{}",
                pname.replace('~', "~0").replace('/', "~1")
            )) {
                Some(prop) if prop.get("$ref").is_some() => prop["x-genauth-doc"] = json!(text),
                Some(prop) => prop["description"] = json!(text),
                None => stale.push(format!("docs: schema `{sname}` has no property `{pname}`")),
            }
        }
    }
    for schema in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        for prop in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.values())
        {
            coverage.fields.1 += 1;
            coverage.fields.0 += usize::from(["description", "x-genauth-doc"].iter().any(|k| {
                prop.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.is_empty())
            }));
        }
    }
    coverage
}
