//! `genauth check-api`: calls the read operations that can be called without inventing
//! arguments, and compares each answer's `data` with the spec (the drift report).

use std::collections::BTreeSet;

use genauth::ManagementClient;
use genauth::operations::{self, Operation, PagePlace};
use serde_json::{Map, Value, json};

use crate::call::{Prepared, send, set_page};
use crate::cli::CheckApiArgs;
use crate::ops::{find_operation, in_group, table};
use crate::output::{EXIT_API, Failure, eprint_line, print_line};
use crate::spec::{CheckOptions, Finding, FindingKind, Spec, closest, did_you_mean, spec};

/// How many items of each array in an answer are compared.
const ITEMS_CHECKED: usize = 5;

/// The request `check-api` makes for `op`, or why it leaves `op` out. Only reads qualify; a
/// path parameter, or a required parameter or body field without a default (other than
/// `page` and `limit`), leaves an operation out.
pub fn plan(spec: &Spec, op: &'static Operation) -> Result<Prepared, String> {
    if !op.read_only {
        return Err("writes".into());
    }
    if op.path.contains('{') {
        return Err("needs a path parameter".into());
    }
    let o = spec
        .operation(op.id)
        .ok_or_else(|| "missing from the embedded spec".to_string())?;
    let mut query = Map::new();
    let params = spec.params(o);
    let paging = |name: &str| name == "page" || name == "limit";
    for p in &params {
        if p.location == "path" {
            return Err("needs a path parameter".into());
        }
        if paging(p.key()) {
            continue;
        }
        if p.required {
            match spec.resolve(p.schema).get("default") {
                Some(default) => {
                    query.insert(p.key().to_string(), default.clone());
                }
                None => return Err(format!("needs `{}`", p.key())),
            }
        }
    }
    // Small pages wherever the operation takes them.
    let has = |name: &str| params.iter().any(|p| p.key() == name);
    if has("page") {
        query.insert("page".into(), 1.into());
    }
    if has("limit") {
        query.insert("limit".into(), 1.into());
    }
    let mut body = None;
    if let Some(b) = spec.body(o) {
        let mut object = Map::new();
        if let Some((props, required)) = spec.properties(b.schema) {
            for name in required {
                match props
                    .get(name)
                    .map(|p| spec.resolve(p))
                    .and_then(|p| p.get("default"))
                {
                    Some(default) => {
                        object.insert(name.to_string(), default.clone());
                    }
                    None => return Err(format!("the body needs `{name}`")),
                }
            }
        }
        body = Some(Value::Object(object));
    }
    let mut prepared = Prepared {
        op,
        path: op.path.to_string(),
        query,
        body,
    };
    if let Some(PagePlace::Body(_)) = op.page {
        set_page(&mut prepared, 1, 1).map_err(|_| "cannot set its page".to_string())?;
    }
    Ok(prepared)
}

/// `path` with array indexes replaced by `[]`, so that a finding counts once per field.
fn merge_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            other => out.push(other),
        }
    }
    out
}

/// Compares an answer (the whole envelope) with the spec's `data` schema of `op`.
pub fn compare(spec: &Spec, op: &Operation, answer: &Value) -> Vec<Finding> {
    let Some(o) = spec.operation(op.id) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    let data = answer.get("data");
    match (spec.data_schema(o), data) {
        (Some((schema, _)), Some(data)) => spec.check(
            schema,
            data,
            "data",
            CheckOptions {
                max_items: Some(ITEMS_CHECKED),
                required: true,
            },
            &mut findings,
        ),
        (Some((schema, true)), None) => findings.push(Finding {
            kind: FindingKind::MissingRequired,
            path: "data".into(),
            expected: Some(spec.type_name(schema)),
            found: None,
            schema: None,
        }),
        (None, Some(data)) if !data.is_null() => findings.push(Finding {
            kind: FindingKind::UnknownField,
            path: "data".into(),
            expected: None,
            found: Some(crate::spec::json_type(data).into()),
            schema: None,
        }),
        _ => {}
    }
    let mut seen = BTreeSet::new();
    findings
        .into_iter()
        .map(|mut f| {
            f.path = merge_indexes(&f.path);
            f
        })
        .filter(|f| seen.insert((f.kind, f.path.clone(), f.expected.clone(), f.found.clone())))
        .collect()
}

/// The operations `--only` selects (all when empty).
fn selected(only: &[String]) -> Result<Vec<&'static Operation>, Failure> {
    if only.is_empty() {
        return Ok(operations::all().iter().collect());
    }
    let mut chosen = BTreeSet::new();
    for name in only {
        let group_ops: Vec<&Operation> = operations::all()
            .iter()
            .filter(|op| in_group(op, name))
            .collect();
        if !group_ops.is_empty() {
            chosen.extend(group_ops.iter().map(|op| op.method));
            continue;
        }
        match find_operation(name) {
            Ok(op) => {
                chosen.insert(op.method);
            }
            Err(_) => {
                let candidates = operations::groups()
                    .iter()
                    .copied()
                    .chain(operations::all().iter().map(|op| op.id));
                return Err(Failure::Usage(format!(
                    "--only `{name}` is neither an API group nor an operation{}",
                    did_you_mean(&closest(name, candidates))
                )));
            }
        }
    }
    Ok(operations::all()
        .iter()
        .filter(|op| chosen.contains(op.method))
        .collect())
}

/// The error of a failed call for the report.
fn error_json(e: &Failure) -> Value {
    match e {
        Failure::Sdk(genauth::Error::Api {
            status_code,
            api_code,
            message,
            request_id,
            http_status,
            ..
        }) => json!({
            "statusCode": status_code,
            "apiCode": api_code,
            "message": message,
            "requestId": request_id,
            "httpStatus": http_status,
        }),
        Failure::Sdk(other) => json!({
            "httpStatus": other.http_status(),
            "requestId": other.request_id(),
            "message": other.to_string(),
        }),
        Failure::Usage(m) | Failure::Other(m) => json!({ "message": m }),
        Failure::Reported(_) | Failure::BrokenPipe => json!({ "message": "failed" }),
    }
}

/// Runs the check and returns the report.
pub async fn check(client: &ManagementClient, only: &[String]) -> Result<Value, Failure> {
    let spec = spec()?;
    let ops = selected(only)?;
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    let (mut ok, mut drift, mut failed) = (0u64, 0u64, 0u64);
    let plans: Vec<(&Operation, Result<Prepared, String>)> =
        ops.iter().map(|op| (*op, plan(spec, op))).collect();
    let count = plans.iter().filter(|(_, p)| p.is_ok()).count() as u64;
    let bar = crate::output::progress(Some(count), "check-api");
    for (op, planned) in plans {
        let prepared = match planned {
            Ok(p) => p,
            Err(reason) => {
                if op.read_only {
                    skipped.push(json!({"operationId": op.id, "reason": reason}));
                }
                continue;
            }
        };
        let mut entry = json!({
            "operationId": op.id,
            "method": op.http_method,
            "path": op.path,
            "group": op.group,
        });
        match send(client, &prepared, true).await {
            Ok(answer) => {
                let findings = compare(spec, op, &answer);
                if findings.is_empty() {
                    ok += 1;
                    entry["status"] = "ok".into();
                } else {
                    drift += 1;
                    entry["status"] = "drift".into();
                }
                entry["findings"] = findings.iter().map(Finding::to_json).collect();
            }
            Err(e) => {
                failed += 1;
                entry["status"] = "failed".into();
                entry["error"] = error_json(&e);
                entry["findings"] = json!([]);
            }
        }
        results.push(entry);
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(json!({
        "host": client.host(),
        "specVersion": spec_version(spec),
        "summary": {
            "checked": results.len(),
            "ok": ok,
            "drift": drift,
            "failed": failed,
            "skipped": skipped.len(),
        },
        "operations": results,
        "skipped": skipped,
    }))
}

/// The spec's `info.version`.
fn spec_version(spec: &Spec) -> Value {
    spec.info_version().map_or(Value::Null, Value::from)
}

/// The report as a short table: one line per operation that drifted or failed, and totals.
pub fn summary_lines(report: &Value) -> Vec<String> {
    let mut rows: Vec<Vec<String>> =
        vec![vec!["OPERATION".into(), "STATUS".into(), "DETAIL".into()]];
    for entry in report["operations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let status = entry["status"].as_str().unwrap_or("");
        let detail = match status {
            "drift" => {
                let findings = entry["findings"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let first: Vec<String> = findings
                    .iter()
                    .take(3)
                    .map(|f| {
                        format!(
                            "{} {}",
                            f["kind"].as_str().unwrap_or(""),
                            f["path"].as_str().unwrap_or("")
                        )
                    })
                    .collect();
                let more = findings.len().saturating_sub(3);
                if more > 0 {
                    format!("{} (+{more} more)", first.join(", "))
                } else {
                    first.join(", ")
                }
            }
            "failed" => {
                let e = &entry["error"];
                let mut text = String::new();
                if let Some(code) = e["statusCode"].as_i64() {
                    text.push_str(&format!("statusCode {code} "));
                }
                if let Some(code) = e["apiCode"].as_i64() {
                    text.push_str(&format!("apiCode {code} "));
                }
                text.push_str(&crate::output::escape_control(
                    e["message"].as_str().unwrap_or(""),
                ));
                text
            }
            _ => continue,
        };
        rows.push(vec![
            entry["operationId"].as_str().unwrap_or("").to_string(),
            status.to_string(),
            detail,
        ]);
    }
    let mut lines = if rows.len() > 1 {
        table(&rows)
    } else {
        Vec::new()
    };
    let s = &report["summary"];
    lines.push(format!(
        "checked {}: {} ok, {} drift, {} failed; {} reads skipped (they need arguments)",
        s["checked"], s["ok"], s["drift"], s["failed"], s["skipped"]
    ));
    lines
}

/// `genauth check-api`.
pub async fn run_check_api(
    args: &CheckApiArgs,
    client: impl FnOnce() -> Result<ManagementClient, Failure>,
) -> Result<(), Failure> {
    // Unknown names fail before any credentials are needed.
    selected(&args.only)?;
    let client = client()?;
    let report = check(&client, &args.only).await?;
    let text = crate::output::json_text(&report, true);
    match &args.json {
        Some(path) => std::fs::write(path, format!("{text}\n"))
            .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?,
        None => print_line(&text)?,
    }
    for line in summary_lines(&report) {
        eprint_line(&line);
    }
    let s = &report["summary"];
    let bad = s["drift"].as_u64().unwrap_or(0) + s["failed"].as_u64().unwrap_or(0);
    if args.strict && bad > 0 {
        return Err(Failure::Reported(EXIT_API));
    }
    Ok(())
}
