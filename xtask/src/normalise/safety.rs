//! The safety pass: refuses a document progenitor cannot generate from (wrong OpenAPI
//! version, missing or repeated operationIds, path templates that disagree with their
//! parameters, no success answer) and repairs what has a single obvious repair.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::walk::{for_each_operation_mut, op_id, operations};

pub(super) fn check_version(doc: &Value) -> Result<(), String> {
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Ok(()),
        Some(v) => Err(format!(
            "OpenAPI {v} is not supported: progenitor reads OpenAPI 3.0.x only; convert the input to 3.0 first"
        )),
        None => Err("input has no `openapi` version field; is it an OpenAPI 3.0 document?".into()),
    }
}

/// Rejects what progenitor cannot take and repairs what has one obvious repair.
pub(super) fn check_operations(doc: &mut Value, notes: &mut Vec<String>) -> Result<(), String> {
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
