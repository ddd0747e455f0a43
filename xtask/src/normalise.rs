//! The normaliser: upstream OpenAPI document in, progenitor-ready spec out.
//!
//! Every rule here is deterministic and idempotent: `normalise(normalise(x)) == normalise(x)`,
//! which is what `regen --check` relies on. Decisions that need a human (which numbers are
//! integers, which fields are secret, corrections to the upstream facts) live in
//! `openapi/overrides.json`; prose lives in `openapi/docs.json`. This file holds mechanism only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value, json};

/// Where an input came from, recorded as `info.x-upstream`.
pub struct Upstream {
    pub source: String,
    pub sha256: String,
}

/// The reviewed inputs that sit beside the vendored spec.
pub struct Overlay {
    pub overrides: Value,
    pub docs: Value,
}

impl Overlay {
    pub fn load(dir: &Path) -> Result<Self, String> {
        let read = |name: &str| -> Result<Value, String> {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))
        };
        Ok(Self {
            overrides: read("overrides.json")?,
            docs: read("docs.json")?,
        })
    }

    #[cfg(test)]
    pub fn empty() -> Self {
        Self {
            overrides: json!({}),
            docs: json!({}),
        }
    }
}

/// The normalised document plus what the normaliser wants a maintainer to know.
pub struct Outcome {
    pub spec: Value,
    pub notes: Vec<String>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Runs every rule in order. The order matters: corrections first (they change facts), then
/// structural safety, then typing rules, then the enum sharing that depends on final values,
/// then prose.
pub fn normalise(
    mut doc: Value,
    overlay: &Overlay,
    upstream: Option<&Upstream>,
) -> Result<Outcome, String> {
    let mut notes = Vec::new();
    check_version(&doc)?;
    apply_fixes(&mut doc, &overlay.overrides, &mut notes)?;
    check_operations(&mut doc, &mut notes)?;
    apply_integers(&mut doc, &overlay.overrides);
    apply_sensitive(&mut doc, &overlay.overrides);
    apply_read_marks(&mut doc, &overlay.overrides)?;
    mark_pagination(&mut doc);
    bracket_query_arrays(&mut doc);
    share_enums(&mut doc, &overlay.overrides, &mut notes)?;
    check_enums(&mut doc, &mut notes)?;
    apply_docs(&mut doc, &overlay.docs, &mut notes)?;
    set_provenance(&mut doc, upstream);
    Ok(Outcome { spec: doc, notes })
}

/// Pretty JSON with sorted keys (serde_json's default map is ordered) and a final newline.
pub fn to_pretty(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(doc).expect("a Value always serialises");
    text.push('\n');
    text
}

fn check_version(doc: &Value) -> Result<(), String> {
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Ok(()),
        Some(v) => Err(format!(
            "OpenAPI {v} is not supported: progenitor reads OpenAPI 3.0.x only; convert the input to 3.0 first"
        )),
        None => Err("input has no `openapi` version field; is it an OpenAPI 3.0 document?".into()),
    }
}

/// Every operation of the document as (path, method, operation), in path then method order.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
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

fn for_each_operation_mut(
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

fn op_id(op: &Value) -> &str {
    op.get("operationId").and_then(Value::as_str).unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// Corrections to upstream facts

/// Applies `overrides.fixes`: small, named corrections to upstream facts. Each one is a no-op
/// when the input is already right, so a corrected upstream makes the override inert.
fn apply_fixes(doc: &mut Value, overrides: &Value, notes: &mut Vec<String>) -> Result<(), String> {
    let Some(fixes) = overrides.get("fixes").and_then(Value::as_array) else {
        return Ok(());
    };
    for fix in fixes {
        let kind = fix
            .get("fix")
            .and_then(Value::as_str)
            .ok_or("every fix needs a `fix` kind")?;
        let s = |key: &str| -> Result<&str, String> {
            fix.get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("fix `{kind}` needs `{key}`"))
        };
        if fix
            .get("reason")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(format!(
                "fix `{kind}` has no `reason`: every correction must say why"
            ));
        }
        match kind {
            "rename_property" => {
                let (schema, from, to) = (s("schema")?, s("from")?, s("to")?);
                if let Some(obj) = schema_mut(doc, schema) {
                    let props = obj.get_mut("properties").and_then(Value::as_object_mut);
                    if let Some(props) =
                        props.filter(|p| p.contains_key(from) && !p.contains_key(to))
                    {
                        let value = props.remove(from).expect("checked above");
                        props.insert(to.to_string(), value);
                        if let Some(req) = obj.get_mut("required").and_then(Value::as_array_mut) {
                            for r in req.iter_mut().filter(|r| r.as_str() == Some(from)) {
                                *r = Value::String(to.to_string());
                            }
                        }
                    }
                }
            }
            "replace_enum_value" => {
                let (schema, property, from, to) =
                    (s("schema")?, s("property")?, s("from")?, s("to")?);
                if let Some(prop) = schema_mut(doc, schema)
                    .and_then(|o| o.pointer_mut(&format!("/properties/{property}")))
                {
                    let target = if prop.get("type").and_then(Value::as_str) == Some("array") {
                        prop.get_mut("items")
                    } else {
                        Some(prop)
                    };
                    if let Some(values) = target
                        .and_then(|t| t.get_mut("enum"))
                        .and_then(Value::as_array_mut)
                    {
                        let has_to = values.iter().any(|v| v.as_str() == Some(to));
                        if has_to {
                            values.retain(|v| v.as_str() != Some(from));
                        } else {
                            for v in values.iter_mut().filter(|v| v.as_str() == Some(from)) {
                                *v = Value::String(to.to_string());
                            }
                        }
                    }
                }
            }
            "add_property" => {
                let (schema, property) = (s("schema")?, s("property")?);
                let definition = fix
                    .get("schema_of_property")
                    .cloned()
                    .ok_or("add_property needs `schema_of_property`")?;
                let obj = schema_mut(doc, schema)
                    .ok_or_else(|| format!("add_property: no schema `{schema}`"))?;
                let props = obj
                    .as_object_mut()
                    .ok_or_else(|| format!("schema `{schema}` is not an object"))?
                    .entry("properties")
                    .or_insert_with(|| json!({}));
                if let Some(props) = props.as_object_mut() {
                    props.entry(property.to_string()).or_insert(definition);
                }
            }
            "add_query_parameter" => {
                let name = s("name")?.to_string();
                let schema = fix
                    .get("schema_of_parameter")
                    .cloned()
                    .ok_or("add_query_parameter needs `schema_of_parameter`")?;
                let ids: BTreeSet<&str> = fix
                    .get("operations")
                    .and_then(Value::as_array)
                    .ok_or("add_query_parameter needs `operations`")?
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let mut seen = BTreeSet::new();
                for_each_operation_mut(doc, |_, _, op| {
                    let id = op_id(op).to_string();
                    if !ids.contains(id.as_str()) {
                        return Ok(());
                    }
                    seen.insert(id);
                    let params = op
                        .as_object_mut()
                        .expect("operations are objects")
                        .entry("parameters")
                        .or_insert_with(|| json!([]))
                        .as_array_mut()
                        .ok_or("parameters must be an array")?;
                    if !params
                        .iter()
                        .any(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str()))
                    {
                        params.push(json!({"name": name, "in": "query", "required": false, "schema": schema}));
                    }
                    Ok(())
                })?;
                for missing in ids.iter().filter(|id| !seen.contains(**id)) {
                    notes.push(format!("fix add_query_parameter `{name}`: operation `{missing}` is not in the input"));
                }
            }
            "add_enum_value" => {
                let (id, parameter, value) = (
                    s("operation")?.to_string(),
                    s("parameter")?.to_string(),
                    s("value")?.to_string(),
                );
                for_each_operation_mut(doc, |_, _, op| {
                    if op_id(op) != id {
                        return Ok(());
                    }
                    for p in op
                        .get_mut("parameters")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                    {
                        if p.get("name").and_then(Value::as_str) != Some(parameter.as_str()) {
                            continue;
                        }
                        let schema = p.get_mut("schema").ok_or("parameter without schema")?;
                        let target = if schema.get("items").is_some() {
                            schema.get_mut("items")
                        } else {
                            Some(schema)
                        };
                        if let Some(values) = target
                            .and_then(|t| t.get_mut("enum"))
                            .and_then(Value::as_array_mut)
                            && !values.iter().any(|v| v.as_str() == Some(value.as_str()))
                        {
                            values.push(Value::String(value.clone()));
                        }
                    }
                    Ok(())
                })?;
            }
            other => return Err(format!("unknown fix kind `{other}`")),
        }
    }
    Ok(())
}

fn schema_mut<'a>(doc: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    doc.pointer_mut(&format!("/components/schemas/{name}"))
}

// ---------------------------------------------------------------------------------------------
// Generator safety

/// Rejects what progenitor cannot take and repairs what has one obvious repair.
fn check_operations(doc: &mut Value, notes: &mut Vec<String>) -> Result<(), String> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, method, op) in operations(doc) {
        let id = op_id(op);
        let here = format!("{} {path}", method.to_uppercase());
        if id.is_empty() {
            return Err(format!(
                "{here} has no operationId; progenitor names methods after it, so add one upstream"
            ));
        }
        if let Some(first) = seen.insert(id.to_string(), here.clone()) {
            return Err(format!(
                "operationId `{id}` is used twice: by {first} and by {here}"
            ));
        }
        let declared: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
            .collect();
        let params: BTreeSet<String> = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
            .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        if declared != params {
            return Err(format!(
                "{here} (`{id}`): path template names {declared:?} but path parameters are {params:?}"
            ));
        }
    }
    for_each_operation_mut(doc, |path, method, op| {
        let id = op_id(op).to_string();
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for p in params
                .iter_mut()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
            {
                if p.get("required") != Some(&Value::Bool(true)) {
                    p["required"] = Value::Bool(true);
                    notes.push(format!(
                        "`{id}`: path parameter made required (OpenAPI requires it)"
                    ));
                }
            }
        }
        if let Some(body) = op.get_mut("requestBody") {
            keep_json_only(body, &format!("`{id}` request body"), notes)?;
        }
        let responses = op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("{} {path} (`{id}`) has no responses", method.to_uppercase()))?;
        let success: Vec<String> = responses
            .keys()
            .filter(|k| k.starts_with('2'))
            .cloned()
            .collect();
        if success.is_empty() {
            return Err(format!(
                "`{id}` declares no 2xx response; the generated method would have no return type"
            ));
        }
        if success.len() > 1 {
            for extra in &success[1..] {
                responses.remove(extra);
            }
            notes.push(format!(
                "`{id}` declared several success responses {success:?}; kept {} (progenitor needs one success type)",
                success[0]
            ));
        }
        for (code, response) in responses.iter_mut() {
            if response.get("content").is_some() {
                keep_json_only(response, &format!("`{id}` response {code}"), notes)?;
            }
        }
        Ok(())
    })
}

fn keep_json_only(holder: &mut Value, what: &str, notes: &mut Vec<String>) -> Result<(), String> {
    let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let types: Vec<String> = content.keys().cloned().collect();
    if types.len() == 1 && types[0] == "application/json" {
        return Ok(());
    }
    if !content.contains_key("application/json") {
        return Err(format!(
            "{what} has no application/json content (has {types:?}); the API speaks JSON only"
        ));
    }
    content.retain(|k, _| k == "application/json");
    notes.push(format!("{what}: dropped non-JSON media types {types:?}"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Typing rules driven by overrides.json

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
        for p in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim_end_matches("[]")
                .to_string();
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

fn string_set(overrides: &Value, pointer: &str) -> BTreeSet<String> {
    overrides
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// `overrides.integers.names`: numbers under these names are integral (`integer`, int64).
fn apply_integers(doc: &mut Value, overrides: &Value) {
    let names = string_set(overrides, "/integers/names");
    visit_named_schemas(doc, &mut |name, schema| {
        if names.contains(name) && schema.get("type").and_then(Value::as_str) == Some("number") {
            schema["type"] = json!("integer");
            schema["format"] = json!("int64");
        }
    });
}

/// `overrides.sensitive.names`: string fields that carry secrets. They get `format: password`
/// (which build.rs maps to a redacting type) and `x-genauth-sensitive: true`.
fn apply_sensitive(doc: &mut Value, overrides: &Value) {
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

/// Marks each operation `x-genauth-read: true|false`: whether retrying it can change nothing on
/// the server. GET is a read; other methods are reads when the operationId starts with one of
/// `overrides.reads.verbs`; `overrides.reads.writes` and `.reads` pin single operations.
fn apply_read_marks(doc: &mut Value, overrides: &Value) -> Result<(), String> {
    let verbs = string_set(overrides, "/reads/verbs");
    let forced_writes = string_set(overrides, "/reads/writes");
    let forced_reads = string_set(overrides, "/reads/reads");
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
/// of all items: where the page number goes (`query`, `body`, or `body.options.pagination`)
/// and, in the response's `data`, the item list and the total. An operation pages when it takes
/// `page` and `limit` in one of those places and its `data` holds a `list` array; the total is
/// `totalCount` when `data` has it.
fn mark_pagination(doc: &mut Value) {
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
fn bracket_query_arrays(doc: &mut Value) {
    let _ = for_each_operation_mut(doc, |_, _, op| {
        for p in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
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

// ---------------------------------------------------------------------------------------------
// Shared enums

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

/// An inline enum whose value set repeats becomes one component, named after the field that
/// carries it (`userIdType` -> `UserIdType`) or by `overrides.enums.names`. When one name would
/// cover different value sets, none of them is shared under it: they stay inline and distinct.
fn share_enums(doc: &mut Value, overrides: &Value, notes: &mut Vec<String>) -> Result<(), String> {
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
            let current_set: BTreeSet<String> = current
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
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
fn check_enums(doc: &mut Value, notes: &mut Vec<String>) -> Result<(), String> {
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

// ---------------------------------------------------------------------------------------------
// Prose and provenance

/// Merges `openapi/docs.json`. Its shape:
/// `{"info": {...}, "operations": {id: {"summary", "description", "parameters": {name: text}}},
///   "schemas": {name: {"description", "properties": {name: text}}}}`.
/// Entries that name nothing in the document are reported, not silently dropped.
fn apply_docs(doc: &mut Value, docs: &Value, notes: &mut Vec<String>) -> Result<(), String> {
    if let Some(info) = docs.get("info").and_then(Value::as_object) {
        for (k, v) in info {
            doc["info"][k.as_str()] = v.clone();
        }
    }
    let empty = Map::new();
    let ops = docs
        .get("operations")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut used = BTreeSet::new();
    for_each_operation_mut(doc, |_, _, op| {
        let id = op_id(op).to_string();
        let Some(entry) = ops.get(&id) else {
            return Ok(());
        };
        used.insert(id.clone());
        for key in ["summary", "description"] {
            if let Some(text) = entry.get(key).and_then(Value::as_str) {
                op[key] = json!(text);
            }
        }
        for (pname, text) in entry
            .get("parameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let param = op
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
                .and_then(|ps| {
                    ps.iter_mut().find(|p| {
                        p.get("name")
                            .and_then(Value::as_str)
                            .map(|n| n.trim_end_matches("[]"))
                            == Some(pname.as_str())
                    })
                })
                .ok_or_else(|| format!("docs.json: `{id}` has no parameter `{pname}`"))?;
            param["description"] = text.clone();
        }
        Ok(())
    })?;
    for id in ops.keys().filter(|id| !used.contains(*id)) {
        notes.push(format!(
            "docs.json: operation `{id}` is not in the spec; its docs were not used"
        ));
    }
    for (sname, entry) in docs
        .get("schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some(schema) = schema_mut(doc, sname) else {
            notes.push(format!(
                "docs.json: schema `{sname}` is not in the spec; its docs were not used"
            ));
            continue;
        };
        if let Some(text) = entry.get("description") {
            schema["description"] = text.clone();
        }
        for (pname, text) in entry
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            match schema.pointer_mut(&format!("/properties/{pname}")) {
                // A `$ref` takes no siblings in OpenAPI 3.0; the referenced type carries the docs.
                Some(prop) if prop.get("$ref").is_none() => prop["description"] = text.clone(),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "docs.json: schema `{sname}` has no property `{pname}`"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn set_provenance(doc: &mut Value, upstream: Option<&Upstream>) {
    doc["openapi"] = json!("3.0.3");
    if let Some(up) = upstream {
        doc["info"]["x-upstream"] = json!({"source": up.source, "sha256": up.sha256});
    }
}

#[cfg(test)]
mod tests;
