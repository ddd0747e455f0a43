//! `genauth ops` and `genauth describe`: the operation table of the crate, with summaries,
//! parameters and body fields from the embedded spec.

use genauth::operations::{self, Operation, PagePlace};
use serde_json::{Map, Value, json};

use crate::cli::{DescribeArgs, OpsArgs};
use crate::output::{Failure, print_line};
use crate::spec::{Spec, closest, did_you_mean, first_line, spec};

/// Finds an operation by operationId (`getUser`), client method name (`get_user`), or either
/// in another case or with `-` for `_`. Unknown names are a usage error with the closest ids.
pub fn find_operation(name: &str) -> Result<&'static Operation, Failure> {
    let all = operations::all();
    if let Some(op) = all.iter().find(|op| op.id == name) {
        return Ok(op);
    }
    if let Some(op) = operations::by_method(name) {
        return Ok(op);
    }
    let squash = |s: &str| {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let wanted = squash(name);
    if let Some(op) = all.iter().find(|op| squash(op.id) == wanted) {
        return Ok(op);
    }
    let suggestions = closest(name, all.iter().map(|op| op.id));
    Err(Failure::Usage(format!(
        "unknown operation `{name}`{}; `genauth ops` lists them",
        did_you_mean(&suggestions)
    )))
}

/// The operation's one-line summary from the spec.
pub fn summary(spec: &Spec, op: &Operation) -> String {
    spec.operation(op.id)
        .and_then(|o| o.get("summary"))
        .and_then(Value::as_str)
        .map(|s| first_line(s).to_string())
        .unwrap_or_default()
}

/// Whether `op` is in `group`, given as the spec's tag (`Users`) or as its feature name
/// (`data-resources-and-permissions`), in any case.
pub fn in_group(op: &Operation, group: &str) -> bool {
    let feature = |s: &str| s.to_ascii_lowercase().replace([' ', '_'], "-");
    feature(op.group) == feature(group)
}

/// The operations `ops` keeps for these filters.
pub fn filter_ops(
    text: Option<&str>,
    group: Option<&str>,
) -> Result<Vec<&'static Operation>, Failure> {
    let spec = spec()?;
    if let Some(g) = group
        && !operations::groups().iter().any(|known| {
            known.to_ascii_lowercase().replace([' ', '_'], "-")
                == g.to_ascii_lowercase().replace([' ', '_'], "-")
        })
    {
        let suggestions = closest(g, operations::groups().iter().copied());
        return Err(Failure::Usage(format!(
            "unknown group `{g}`{}; the groups are: {}",
            did_you_mean(&suggestions),
            operations::groups().join(", ")
        )));
    }
    let needle = text.map(str::to_lowercase);
    Ok(operations::all()
        .iter()
        .filter(|op| group.is_none_or(|g| in_group(op, g)))
        .filter(|op| {
            needle.as_deref().is_none_or(|n| {
                op.id.to_lowercase().contains(n)
                    || op.method.contains(n)
                    || op.path.to_lowercase().contains(n)
                    || summary(spec, op).to_lowercase().contains(n)
            })
        })
        .collect())
}

/// `genauth ops`.
pub fn run_ops(args: &OpsArgs) -> Result<(), Failure> {
    let spec = spec()?;
    let ops = filter_ops(args.text.as_deref(), args.group.as_deref())?;
    if args.json {
        for op in &ops {
            print_line(&Value::Object(op_fields(spec, op)).to_string())?;
        }
        return Ok(());
    }
    let rows: Vec<Vec<String>> = ops
        .iter()
        .map(|op| {
            vec![
                op.id.to_string(),
                op.http_method.to_string(),
                op.path.to_string(),
                op.group.to_string(),
                summary(spec, op),
            ]
        })
        .collect();
    for line in table(&rows) {
        print_line(&line)?;
    }
    Ok(())
}

/// Rows as lines with aligned columns (the last column is not padded).
pub fn table(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// Where an operation that pages takes its page number, as text.
pub fn page_place(op: &Operation) -> Option<String> {
    match op.page? {
        PagePlace::Query => Some("query parameters `page` and `limit`".into()),
        PagePlace::Body(path) => {
            let parent = &path[..path.len().saturating_sub(1)];
            let prefix = if parent.is_empty() {
                String::new()
            } else {
                format!("{}.", parent.join("."))
            };
            Some(format!("body fields `{prefix}page` and `{prefix}limit`"))
        }
        _ => Some("elsewhere".into()),
    }
}

/// The description of one operation as JSON: parameters and body fields.
pub fn describe_json(op: &Operation) -> Result<Value, Failure> {
    let spec = spec()?;
    let o = spec
        .operation(op.id)
        .ok_or_else(|| Failure::Other(format!("`{}` is missing from the embedded spec", op.id)))?;
    let params: Vec<Value> = spec
        .params(o)
        .iter()
        .map(|p| {
            json!({
                "name": p.key(),
                "in": p.location,
                "type": spec.type_name(p.schema),
                "required": p.required,
                "doc": p.doc,
            })
        })
        .collect();
    let body = spec.body(o).map(|b| {
        json!({
            "schema": crate::spec::ref_name(b.schema),
            "required": b.required,
            "fields": fields_json(spec, b.schema),
        })
    });
    let mut described = op_fields(spec, op);
    for (key, value) in [
        ("pages", json!(page_place(op))),
        (
            "description",
            json!(o.get("description").and_then(Value::as_str).unwrap_or("")),
        ),
        ("parameters", json!(params)),
        ("body", json!(body)),
        (
            "data",
            json!(spec.data_schema(o).map(|(s, _)| spec.type_name(s))),
        ),
    ] {
        described.insert(key.to_string(), value);
    }
    Ok(Value::Object(described))
}

/// What `ops --json` prints for an operation, and what `describe --json` starts from.
fn op_fields(spec: &Spec, op: &Operation) -> Map<String, Value> {
    let mut fields = Map::new();
    for (key, value) in [
        ("operationId", json!(op.id)),
        ("method", json!(op.method)),
        ("httpMethod", json!(op.http_method)),
        ("path", json!(op.path)),
        ("group", json!(op.group)),
        ("readOnly", json!(op.read_only)),
        ("paginated", json!(op.paginated)),
        ("summary", json!(summary(spec, op))),
    ] {
        fields.insert(key.to_string(), value);
    }
    fields
}

/// The fields of a named schema as JSON.
fn describe_schema_json(spec: &Spec, name: &str, s: &Value) -> Value {
    json!({
        "schema": name,
        "type": spec.type_name(s),
        "description": spec.doc(s),
        "fields": fields_json(spec, s),
    })
}

/// The properties of `schema` as JSON: name, type, whether required, doc.
fn fields_json(spec: &Spec, schema: &Value) -> Vec<Value> {
    spec.properties(schema)
        .map(|(props, required)| {
            props
                .iter()
                .map(|(field, p)| {
                    json!({
                        "name": field,
                        "type": spec.type_name(p),
                        "required": required.contains(&field.as_str()),
                        "doc": spec.doc(p),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `genauth describe`.
pub fn run_describe(args: &DescribeArgs) -> Result<(), Failure> {
    let spec = spec()?;
    let description = match find_operation(&args.name) {
        Ok(op) => describe_json(op)?,
        Err(not_an_operation) => match spec.schema(&args.name) {
            Some(s) => describe_schema_json(spec, &args.name, s),
            None => return Err(not_an_operation),
        },
    };
    if args.json {
        return crate::output::print_json(&description);
    }
    for line in describe_text(&description) {
        print_line(&line)?;
    }
    Ok(())
}

/// The description as lines of text.
pub fn describe_text(d: &Value) -> Vec<String> {
    let s = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let field_rows = |fields: &Value, with_in: bool| -> Vec<String> {
        let mut header: Vec<String> = vec!["NAME".into()];
        if with_in {
            header.push("IN".into());
        }
        header.extend(["TYPE".into(), "REQUIRED".into(), "DOC".into()]);
        let mut rows = vec![header];
        for f in fields.as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let mut row = vec![s(f, "name")];
            if with_in {
                row.push(s(f, "in"));
            }
            // Enum values go to the end of the line, to keep the type column narrow.
            let ty = s(f, "type");
            let (ty, values) = match ty.split_once(": ") {
                Some((head, values)) => (head.replace("one of", "enum"), Some(values.to_string())),
                None => (ty, None),
            };
            row.push(ty);
            row.push(
                if f.get("required").and_then(Value::as_bool) == Some(true) {
                    "yes".into()
                } else {
                    "no".into()
                },
            );
            let mut doc = first_line(&s(f, "doc")).to_string();
            if let Some(values) = values {
                doc.push_str(&format!(" [{values}]"));
            }
            row.push(doc);
            rows.push(row);
        }
        table(&rows).into_iter().map(|l| format!("  {l}")).collect()
    };
    let mut out = Vec::new();
    if let Some(schema) = d
        .get("schema")
        .and_then(Value::as_str)
        .filter(|_| d.get("operationId").is_none())
    {
        out.push(format!("{schema}: {}", s(d, "type")));
        let doc = s(d, "description");
        if !doc.is_empty() {
            out.push(String::new());
            out.push(doc);
        }
        out.push(String::new());
        out.push("Fields:".into());
        out.extend(field_rows(&d["fields"], false));
        return out;
    }
    let mut head = format!(
        "{} ({}): {} {}  [{}",
        s(d, "operationId"),
        s(d, "method"),
        s(d, "httpMethod"),
        s(d, "path"),
        s(d, "group")
    );
    head.push_str(if d["readOnly"] == true {
        ", read"
    } else {
        ", write"
    });
    head.push(']');
    out.push(head);
    let summary = s(d, "summary");
    if !summary.is_empty() {
        out.push(summary);
    }
    let description = s(d, "description");
    if !description.is_empty() {
        out.push(String::new());
        out.push(description);
    }
    if let Some(pages) = d.get("pages").and_then(Value::as_str) {
        out.push(String::new());
        out.push(format!(
            "Pages: {pages}; items in data.list (`genauth pages` walks them)."
        ));
    }
    out.push(String::new());
    if d["parameters"].as_array().is_some_and(|p| !p.is_empty()) {
        out.push("Parameters:".into());
        out.extend(field_rows(&d["parameters"], true));
    } else {
        out.push("Parameters: none".into());
    }
    if let Some(body) = d.get("body").filter(|b| !b.is_null()) {
        out.push(String::new());
        out.push(format!(
            "Body: {} ({})",
            s(body, "schema"),
            if body["required"] == true {
                "required"
            } else {
                "optional"
            }
        ));
        out.extend(field_rows(&body["fields"], false));
    }
    if let Some(data) = d.get("data").and_then(Value::as_str) {
        out.push(String::new());
        out.push(format!("Answer data: {data}"));
    }
    out
}
