//! The normaliser: upstream OpenAPI document in, progenitor-ready spec out.
//!
//! Every rule here is deterministic and idempotent: `normalise(normalise(x)) == normalise(x)`,
//! which is what `regen --check` relies on. Decisions that need a human (which numbers are
//! integers, which fields are secret, corrections to the upstream facts) live in
//! `openapi/overrides.json`; prose lives in `openapi/docs.json`. This file holds mechanism only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value, json};

/// The reviewed inputs that sit beside the vendored spec.
pub struct Overlay {
    pub overrides: Value,
    pub docs: Value,
}

impl Overlay {
    /// Reads `overrides.json` and the prose overlay: every `docs/*.json` file (one per API
    /// group, in file-name order), merged into one value. Two files documenting the same
    /// operation or schema are an error.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let read = |path: &Path| -> Result<Value, String> {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))
        };
        let docs_dir = dir.join("docs");
        let mut files: Vec<_> = std::fs::read_dir(&docs_dir)
            .map_err(|e| format!("cannot read {}: {e}", docs_dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut docs = json!({"info": {}, "tags": {}, "operations": {}, "schemas": {}});
        for file in files {
            let part = read(&file)?;
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            merge_docs(&mut docs, part, &name)?;
        }
        Ok(Self {
            overrides: read(&dir.join("overrides.json"))?,
            docs,
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

/// Adds one overlay file to the merged overlay. A file holds any of `info`, `tag` with its
/// `guide`, `operations` and `schemas`.
fn merge_docs(docs: &mut Value, part: Value, file: &str) -> Result<(), String> {
    let Value::Object(part) = part else {
        return Err(format!("docs/{file} is not a JSON object"));
    };
    if let Some(tag) = part.get("tag").and_then(Value::as_str) {
        let guide = part.get("guide").cloned().unwrap_or(json!(""));
        if docs["tags"].get(tag).is_some() {
            return Err(format!(
                "docs/{file}: tag `{tag}` has a guide in another docs file"
            ));
        }
        docs["tags"][tag] = guide;
    }
    for (key, value) in part {
        match key.as_str() {
            "info" => {
                for (k, v) in value.as_object().into_iter().flatten() {
                    docs["info"][k.as_str()] = v.clone();
                }
            }
            "tag" | "guide" | "about" => {}
            "operations" | "schemas" => {
                let target = docs[key.as_str()].as_object_mut().expect("made above");
                for (name, entry) in value.as_object().into_iter().flatten() {
                    if target.insert(name.clone(), entry.clone()).is_some() {
                        return Err(format!(
                            "docs/{file}: {key} entry `{name}` is also in another docs file"
                        ));
                    }
                }
            }
            other => return Err(format!("docs/{file}: unknown key `{other}`")),
        }
    }
    Ok(())
}
/// The normalised document plus what the normaliser wants a maintainer to know.
pub struct Outcome {
    pub spec: Value,
    pub notes: Vec<String>,
    /// Overlay entries that match nothing, or that contradict the spec.
    pub stale: Vec<String>,
    pub coverage: Coverage,
}

pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Runs every rule in order. The order matters: corrections first (they change facts), then
/// structural safety, then typing rules, then the enum sharing that depends on final values,
/// then prose.
pub fn normalise(mut doc: Value, overlay: &Overlay) -> Result<Outcome, String> {
    let mut notes = Vec::new();
    check_version(&doc)?;
    apply_fixes(&mut doc, &overlay.overrides, &mut notes)?;
    check_operations(&mut doc, &mut notes)?;
    rename_schemas_for_rust(&mut doc, &mut notes)?;
    untype_mixed_enums(&mut doc, &mut notes);
    type_query_parameters(&mut doc, &mut notes);
    note_keyword_parameters(&doc, &mut notes);
    apply_integers(&mut doc, &overlay.overrides);
    apply_sensitive(&mut doc, &overlay.overrides);
    apply_read_marks(&mut doc, &overlay.overrides)?;
    mark_pagination(&mut doc);
    bracket_query_arrays(&mut doc);
    share_enums(&mut doc, &overlay.overrides, &mut notes)?;
    check_enums(&mut doc, &mut notes)?;
    let mut stale = Vec::new();
    let coverage = apply_docs(&mut doc, &overlay.docs, &mut stale);
    doc["openapi"] = json!("3.0.3");
    Ok(Outcome {
        spec: doc,
        notes,
        stale,
        coverage,
    })
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

pub(crate) fn op_id(op: &Value) -> &str {
    op.get("operationId").and_then(Value::as_str).unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// Corrections to upstream facts

/// Applies `overrides.fixes`: small, named corrections to upstream facts. Each one is a no-op
/// when the input is already right, so a corrected upstream makes the override inert.
pub(crate) fn apply_fixes(
    doc: &mut Value,
    overrides: &Value,
    notes: &mut Vec<String>,
) -> Result<(), String> {
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
        let definition = |key: &str| -> Result<Value, String> {
            fix.get(key)
                .cloned()
                .ok_or_else(|| format!("{kind} needs `{key}`"))
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
                let definition = definition("schema_of_property")?;
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
                let schema = definition("schema_of_parameter")?;
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
                    for p in parameters_mut(op) {
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
            "replace_property" => {
                let (schema, property) = (s("schema")?, s("property")?);
                let definition = definition("schema_of_property")?;
                if let Some(prop) = schema_mut(doc, schema)
                    .and_then(|o| o.pointer_mut(&format!("/properties/{property}")))
                {
                    *prop = definition;
                }
            }
            "optional_property" => {
                let (schema, property) = (s("schema")?, s("property")?);
                if let Some(required) = schema_mut(doc, schema)
                    .and_then(|o| o.get_mut("required"))
                    .and_then(Value::as_array_mut)
                {
                    required.retain(|name| name != property);
                }
            }
            "add_schema" => {
                let name = s("name")?;
                let definition = definition("schema_of_schema")?;
                if let Some(schemas) = doc
                    .pointer_mut("/components/schemas")
                    .and_then(Value::as_object_mut)
                {
                    schemas.entry(name.to_string()).or_insert(definition);
                }
            }
            "set_response" => {
                let (id, schema) = (s("operation")?.to_string(), s("schema")?);
                let reference = json!({"$ref": format!("{SCHEMA_PREFIX}{schema}")});
                for_each_operation_mut(doc, |_, _, op| {
                    if op_id(op) == id
                        && let Some(target) =
                            op.pointer_mut("/responses/200/content/application~1json/schema")
                    {
                        *target = reference.clone();
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
// Generator hazards: shapes progenitor/typify reject or turn into code that does not compile

/// Names that generated code uses unqualified; a schema with one of them would shadow it.
const SHADOWING_NAMES: [&str; 1] = ["Result"];

/// A schema name must be an UpperCamelCase Rust type name that shadows nothing in the
/// generated code. A lower-case name (`errorEmailMsg`) becomes its PascalCase form; a
/// shadowing one (`Result`) gets a `Dto` suffix. Every `$ref` follows; a rename that would
/// collide with an existing schema is an error.
fn rename_schemas_for_rust(doc: &mut Value, notes: &mut Vec<String>) -> Result<(), String> {
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

/// An enum whose values are of several JSON types (strings and a number) has no Rust enum
/// that reads them all; typify panics on it. Such a schema becomes "any JSON value", and its
/// values move to `x-genauth-enum-values` so that the docs can still list them.
fn untype_mixed_enums(doc: &mut Value, notes: &mut Vec<String>) {
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
fn type_query_parameters(doc: &mut Value, notes: &mut Vec<String>) {
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

/// Parameters named like a Rust keyword (`type`) get a setter with a trailing underscore
/// (`type_`) from progenitor. Nothing to repair; the note tells a maintainer where it happens.
fn note_keyword_parameters(doc: &Value, notes: &mut Vec<String>) {
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

/// A parameter's name without the `[]` that marks a bracket-form array key.
fn parameter_name(p: &Value) -> &str {
    p.get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches("[]")
}

/// The parameters of an operation, if it has any.
fn parameters_mut(op: &mut Value) -> impl Iterator<Item = &mut Value> {
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

/// `overrides.integers.names`: numbers under these names are integral (`integer`, int64).
/// A query parameter of one of these names declared as a string (`page`, `limit` in some
/// Tenants operations) is an integer too: a query string carries no types, so `page=2` is the
/// same on the wire either way, and the typed form lets the pager set it.
fn apply_integers(doc: &mut Value, overrides: &Value) {
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
fn bracket_query_arrays(doc: &mut Value) {
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

/// Merges the prose overlay (see [`Overlay::load`]): tag guides become tag descriptions;
/// operations take `summary`, `description` and `parameters.<name>`; schemas take
/// `description` and `properties.<name>`. A property that is a `$ref` cannot carry a
/// description in OpenAPI 3.0, so its text goes to `x-genauth-doc`, which build.rs puts on the
/// field. Entries that name nothing in the spec, and operation docs that promise
/// `into_stream()` where none is generated (or the reverse), are returned as stale.
fn apply_docs(doc: &mut Value, docs: &Value, stale: &mut Vec<String>) -> Coverage {
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

#[cfg(test)]
mod tests;
