//! The corrections pass: `overrides.fixes` mends facts the upstream document gets wrong.
//! Every fix leaves a document that is already right as it is.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::walk::{SCHEMA_PREFIX, for_each_operation_mut, op_id, parameters_mut, schema_mut};

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
