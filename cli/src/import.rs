//! `genauth users import`: users from a CSV or NDJSON file, checked against the spec's user
//! schema, created in chunks through `createUsersBatch`, with a report of the rows that failed
//! and a `.done` file of the lines imported, which `--resume` skips.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use futures_util::StreamExt as _;
use genauth::ManagementClient;
use serde_json::{Map, Value, json};

use crate::cli::{ImportArgs, ImportFormat};
use crate::ops::find_operation;
use crate::output::{EXIT_API, EXIT_OK, EXIT_OTHER, EXIT_USAGE, Failure, eprint_line, print_line};
use crate::spec::{CheckOptions, Spec, closest, did_you_mean, spec};

/// The operation that creates users in bulk.
const BATCH_OPERATION: &str = "createUsersBatch";

/// The most chunks in flight at once.
const MAX_CONCURRENCY: usize = 16;

/// One row of the input: its line number and the user, or why it is malformed.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The line the row starts on (1-based; a CSV header is line 1).
    pub line: u64,
    /// The user object, or the row's problems (never its values).
    pub user: Result<Value, Vec<String>>,
}

/// The schemas `import` checks against: a user of the batch body's `list`, and its `options`.
pub struct UserSchemas<'a> {
    /// The schema of one user (`CreateUserInfoDto`).
    pub user: &'a Value,
    /// The schema of the shared options (`CreateUserOptionsDto`), if the body has them.
    pub options: Option<&'a Value>,
}

/// Finds the schemas in the spec's body of `createUsersBatch`.
pub fn user_schemas(spec: &Spec) -> Result<UserSchemas<'_>, Failure> {
    let missing = |what: &str| Failure::Other(format!("the embedded spec has no {what}"));
    let op = spec
        .operation(BATCH_OPERATION)
        .ok_or_else(|| missing("createUsersBatch"))?;
    let body = spec
        .body(op)
        .ok_or_else(|| missing("body for createUsersBatch"))?;
    let (props, _) = spec
        .properties(body.schema)
        .ok_or_else(|| missing("fields in the createUsersBatch body"))?;
    let list = props
        .get("list")
        .ok_or_else(|| missing("`list` in the createUsersBatch body"))?;
    let user = spec
        .resolve(list)
        .get("items")
        .ok_or_else(|| missing("user schema in `list`"))?;
    Ok(UserSchemas {
        user,
        options: props.get("options"),
    })
}

/// The problems of one user object: the spec's schema (known fields, types, enums, required
/// fields), and the rule of `createUsersBatch` that each user has an email, phone or username.
pub fn user_problems(spec: &Spec, schema: &Value, user: &Value) -> Vec<String> {
    let mut findings = Vec::new();
    spec.check(
        schema,
        user,
        "",
        CheckOptions {
            max_items: None,
            required: true,
        },
        &mut findings,
    );
    let mut problems: Vec<String> = findings
        .iter()
        .map(|f| {
            let mut text = f.describe();
            if f.kind == crate::spec::FindingKind::UnknownField
                && !f.path.contains(['.', '['])
                && let Some((props, _)) = spec.properties(schema)
            {
                text.push_str(&did_you_mean(&closest(
                    &f.path,
                    props.keys().map(String::as_str),
                )));
            }
            text
        })
        .collect();
    if let Value::Object(fields) = user {
        let has = |name: &str| {
            fields
                .get(name)
                .is_some_and(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
        };
        if !(has("email") || has("phone") || has("username")) {
            problems.push("needs an email, phone or username".into());
        }
    }
    problems
}

/// The format of `file`: `--format`, else its extension.
fn format_of(file: &Path, format: Option<ImportFormat>) -> Result<ImportFormat, Failure> {
    if let Some(f) = format {
        return Ok(f);
    }
    match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(ImportFormat::Csv),
        Some("ndjson" | "jsonl") => Ok(ImportFormat::Ndjson),
        _ => Err(Failure::Usage(format!(
            "{}: cannot tell the format from the name; pass --format csv or --format ndjson",
            file.display()
        ))),
    }
}

/// Reads and checks every row of `text`.
pub fn read_rows(
    spec: &Spec,
    schema: &Value,
    text: &str,
    format: ImportFormat,
) -> Result<Vec<Row>, Failure> {
    match format {
        ImportFormat::Ndjson => Ok(ndjson_rows(spec, schema, text)),
        ImportFormat::Csv => csv_rows(spec, schema, text),
    }
}

fn ndjson_rows(spec: &Spec, schema: &Value, text: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        let user = match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => {
                let problems = user_problems(spec, schema, &v);
                if problems.is_empty() {
                    Ok(v)
                } else {
                    Err(problems)
                }
            }
            Ok(_) => Err(vec!["not a JSON object".to_string()]),
            Err(e) => Err(vec![format!(
                "not JSON (column {}: {})",
                e.column(),
                classify(&e)
            )]),
        };
        rows.push(Row {
            line: line_no,
            user,
        });
    }
    rows
}

/// A JSON error's kind, without the text around it (which may hold personal data).
fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Eof => "unexpected end",
        serde_json::error::Category::Data => "bad data",
        serde_json::error::Category::Io => "read error",
    }
}

fn csv_rows(spec: &Spec, schema: &Value, text: &str) -> Result<Vec<Row>, Failure> {
    let (props, _) = spec
        .properties(schema)
        .ok_or_else(|| Failure::Other("the user schema has no fields".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Failure::Usage(format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut seen = BTreeSet::new();
    for h in &headers {
        if !props.contains_key(h) {
            return Err(Failure::Usage(format!(
                "CSV column `{h}` is not a field of the user schema{}; `genauth describe CreateUserInfoDto` lists them",
                did_you_mean(&closest(h, props.keys().map(String::as_str)))
            )));
        }
        if !seen.insert(h.as_str()) {
            return Err(Failure::Usage(format!("CSV column `{h}` appears twice")));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rows.push(Row {
                    line,
                    user: Err(vec!["not readable as CSV".to_string()]),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            rows.push(Row {
                line,
                user: Err(vec![format!(
                    "has {} cells, the header has {}",
                    record.len(),
                    headers.len()
                )]),
            });
            continue;
        }
        let mut user = Map::new();
        let mut problems = Vec::new();
        for (name, cell) in headers.iter().zip(record.iter()) {
            if cell.is_empty() {
                continue;
            }
            // Every header was checked against the schema above.
            let Some(prop) = props.get(name) else {
                continue;
            };
            match spec.coerce(prop, cell) {
                Ok(v) => {
                    user.insert(name.clone(), v);
                }
                Err(why) => problems.push(format!("{name}: {why}")),
            }
        }
        let user = Value::Object(user);
        if problems.is_empty() {
            problems = user_problems(spec, schema, &user);
        }
        rows.push(Row {
            line,
            user: if problems.is_empty() {
                Ok(user)
            } else {
                Err(problems)
            },
        });
    }
    Ok(rows)
}

/// Where failed rows go: a CSV or NDJSON report file, else stderr.
enum Report {
    Csv(Box<csv::Writer<File>>),
    Ndjson(File),
    Stderr,
}

/// One line of the report.
struct ReportLine<'a> {
    line: u64,
    kind: &'a str,
    status_code: Option<i64>,
    api_code: Option<i64>,
    message: &'a str,
    request_id: Option<&'a str>,
}

impl Report {
    fn open(path: Option<&Path>, append: bool) -> Result<Report, Failure> {
        let Some(path) = path else {
            return Ok(Report::Stderr);
        };
        let existing = append && path.metadata().is_ok_and(|m| m.len() > 0);
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?;
        let is_csv = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv {
            let mut writer = csv::Writer::from_writer(file);
            if !existing {
                writer
                    .write_record([
                        "line",
                        "kind",
                        "statusCode",
                        "apiCode",
                        "message",
                        "requestId",
                    ])
                    .map_err(|e| Failure::Other(format!("cannot write the report: {e}")))?;
            }
            Ok(Report::Csv(Box::new(writer)))
        } else {
            Ok(Report::Ndjson(file))
        }
    }

    fn write(&mut self, l: &ReportLine<'_>) -> Result<(), Failure> {
        let failed =
            |e: &dyn std::fmt::Display| Failure::Other(format!("cannot write the report: {e}"));
        match self {
            Report::Csv(w) => {
                let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
                w.write_record([
                    l.line.to_string(),
                    l.kind.to_string(),
                    opt(l.status_code),
                    opt(l.api_code),
                    l.message.to_string(),
                    l.request_id.unwrap_or("").to_string(),
                ])
                .map_err(|e| failed(&e))?;
                w.flush().map_err(|e| failed(&e))
            }
            Report::Ndjson(f) => {
                let v = json!({
                    "line": l.line,
                    "kind": l.kind,
                    "statusCode": l.status_code,
                    "apiCode": l.api_code,
                    "message": l.message,
                    "requestId": l.request_id,
                });
                writeln!(f, "{v}").map_err(|e| failed(&e))
            }
            Report::Stderr => {
                let mut text = format!("line {}: {}: {}", l.line, l.kind, l.message);
                if let Some(code) = l.status_code {
                    text.push_str(&format!(" (statusCode {code}"));
                    if let Some(api) = l.api_code {
                        text.push_str(&format!(", apiCode {api}"));
                    }
                    if let Some(id) = l.request_id {
                        text.push_str(&format!(", requestId {id}"));
                    }
                    text.push(')');
                }
                eprint_line(&text);
                Ok(())
            }
        }
    }
}

/// The `.done` file beside a report: one imported line number a line.
pub fn done_path(report: &Path) -> PathBuf {
    let mut name = report.as_os_str().to_owned();
    name.push(".done");
    PathBuf::from(name)
}

/// Reads the line numbers of a `.done` file.
pub fn read_done(path: &Path) -> Result<BTreeSet<u64>, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => {
            return Err(Failure::Other(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            l.trim().parse::<u64>().map_err(|_| {
                Failure::Other(format!(
                    "{} line {} is not a line number; the file is not a progress file of `users import`",
                    path.display(),
                    i + 1
                ))
            })
        })
        .collect()
}

/// What a chunk's call came to.
struct ChunkOutcome {
    lines: Vec<u64>,
    result: Result<usize, genauth::Error>,
}

/// The error's fields for the report: statusCode, apiCode, message, requestId.
fn error_fields(e: &genauth::Error) -> (Option<i64>, Option<i64>, String, Option<String>) {
    match e {
        genauth::Error::Api {
            status_code,
            api_code,
            message,
            request_id,
            ..
        } => (
            Some(*status_code),
            *api_code,
            message.clone(),
            request_id.clone(),
        ),
        other => (
            other.status().map(i64::from),
            None,
            other.to_string(),
            other.request_id().map(str::to_string),
        ),
    }
}

/// Whether a failure means the next chunks cannot fare better: the request may or may not
/// have arrived (transport, timeout), or the access key is refused.
fn stops_import(e: &genauth::Error) -> bool {
    match e {
        genauth::Error::Api { status_code, .. } => matches!(status_code, 401 | 403),
        genauth::Error::Http { status, .. } => matches!(status, 401 | 403),
        _ => true,
    }
}

/// `genauth users import`.
pub async fn run_import(
    args: &ImportArgs,
    client: impl FnOnce() -> Result<ManagementClient, Failure>,
) -> Result<(), Failure> {
    if args.chunk_size == 0 {
        return Err(Failure::Usage("--chunk-size must be at least 1".into()));
    }
    if !(1..=MAX_CONCURRENCY).contains(&args.concurrency) {
        return Err(Failure::Usage(format!(
            "--concurrency must be between 1 and {MAX_CONCURRENCY}"
        )));
    }
    let spec = spec()?;
    let op = find_operation(BATCH_OPERATION)?;
    let schemas = user_schemas(spec)?;
    let options = match (&args.options, schemas.options) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(Failure::Usage(
                "createUsersBatch takes no options in this spec".into(),
            ));
        }
        (Some(text), Some(schema)) => {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| Failure::Usage(format!("--options is not JSON: {e}")))?;
            let mut findings = Vec::new();
            spec.check(
                schema,
                &value,
                "options",
                CheckOptions {
                    max_items: None,
                    required: true,
                },
                &mut findings,
            );
            if !findings.is_empty() {
                let list: Vec<String> = findings.iter().map(|f| f.describe()).collect();
                return Err(Failure::Usage(format!(
                    "--options does not match the spec: {}",
                    list.join("; ")
                )));
            }
            Some(value)
        }
    };
    let format = format_of(&args.file, args.format)?;
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", args.file.display())))?;
    let rows = read_rows(spec, schemas.user, &text, format)?;

    let done_file = args.report.as_deref().map(done_path);
    let done = match (&done_file, args.resume) {
        (Some(path), true) => read_done(path)?,
        (Some(path), false) if !args.dry_run && path.exists() => {
            return Err(Failure::Usage(format!(
                "{} exists from an earlier import: pass --resume to skip the lines it lists, or delete it to start over",
                path.display()
            )));
        }
        _ => BTreeSet::new(),
    };
    let mut report = Report::open(args.report.as_deref(), args.resume)?;

    let mut invalid = 0u64;
    let mut skipped = 0u64;
    let mut todo: Vec<(u64, Value)> = Vec::new();
    for row in &rows {
        if done.contains(&row.line) {
            skipped += 1;
            continue;
        }
        match &row.user {
            Ok(user) => todo.push((row.line, user.clone())),
            Err(problems) => {
                invalid += 1;
                report.write(&ReportLine {
                    line: row.line,
                    kind: "invalid",
                    status_code: None,
                    api_code: None,
                    message: &problems.join("; "),
                    request_id: None,
                })?;
            }
        }
    }
    let valid = todo.len() as u64;

    let mut imported = 0u64;
    let mut failed = 0u64;
    let mut worst = EXIT_OK;
    if !args.dry_run && !todo.is_empty() {
        let client = client()?;
        let mut chunks: Vec<Vec<(u64, Value)>> = todo
            .chunks(args.chunk_size)
            .map(<[(u64, Value)]>::to_vec)
            .collect();
        if let Some(max) = args.max_chunks {
            chunks.truncate(max);
        }
        let mut done_writer = match &done_file {
            Some(path) => Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?,
            ),
            None => None,
        };
        let bar = crate::output::progress(
            Some(chunks.iter().map(|c| c.len() as u64).sum()),
            "users import",
        );
        let stop = Cell::new(false);
        let client = &client;
        let options = &options;
        let stop_ref = &stop;
        let mut outcomes = futures_util::stream::iter(chunks.into_iter().map(|chunk| async move {
            let lines: Vec<u64> = chunk.iter().map(|(l, _)| *l).collect();
            if stop_ref.get() {
                return None;
            }
            let users: Vec<Value> = chunk.into_iter().map(|(_, u)| u).collect();
            let mut body = json!({ "list": users });
            if let Some(o) = options {
                body["options"] = o.clone();
            }
            let result = client
                .request(genauth::Method::POST, op.path)
                .json(&body)
                .send::<Value>()
                .await
                .map(|answer| {
                    answer
                        .get("data")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                });
            if let Err(e) = &result
                && stops_import(e)
            {
                stop_ref.set(true);
            }
            Some(ChunkOutcome { lines, result })
        }))
        .buffer_unordered(args.concurrency);
        let mut stopped_by: Option<String> = None;
        while let Some(outcome) = outcomes.next().await {
            let Some(outcome) = outcome else {
                continue;
            };
            let sent = outcome.lines.len() as u64;
            match &outcome.result {
                Ok(created) => {
                    imported += sent;
                    if let Some(w) = done_writer.as_mut() {
                        let text: String = outcome.lines.iter().map(|l| format!("{l}\n")).collect();
                        w.write_all(text.as_bytes())
                            .and_then(|()| w.flush())
                            .map_err(|e| {
                                Failure::Other(format!("cannot write the .done file: {e}"))
                            })?;
                    }
                    if (*created as u64) < sent {
                        eprint_line(&format!(
                            "genauth: lines {}-{}: the API confirmed {created} of {sent} users",
                            outcome.lines.first().copied().unwrap_or(0),
                            outcome.lines.last().copied().unwrap_or(0)
                        ));
                    }
                }
                Err(e) => {
                    failed += sent;
                    let code = crate::output::sdk_exit_code(e);
                    worst = worst.max(if code == EXIT_USAGE { EXIT_OTHER } else { code });
                    if stops_import(e) && stopped_by.is_none() {
                        stopped_by = Some(e.to_string());
                    }
                    let (status_code, api_code, message, request_id) = error_fields(e);
                    for line in &outcome.lines {
                        report.write(&ReportLine {
                            line: *line,
                            kind: "failed",
                            status_code,
                            api_code,
                            message: &message,
                            request_id: request_id.as_deref(),
                        })?;
                    }
                }
            }
            if let Some(bar) = &bar {
                bar.inc(sent);
            }
        }
        drop(outcomes);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if let Some(why) = stopped_by {
            eprint_line(&format!(
                "genauth: stopped sending after a failure that later chunks would share: {why}"
            ));
        }
    }
    let summary = json!({
        "rows": rows.len(),
        "valid": valid,
        "invalid": invalid,
        "skipped": skipped,
        "imported": imported,
        "failed": failed,
        "notSent": if args.dry_run { 0 } else { valid - imported - failed },
        "dryRun": args.dry_run,
    });
    print_line(&summary.to_string())?;
    let code = if worst != EXIT_OK {
        worst
    } else if invalid > 0 {
        EXIT_USAGE
    } else {
        EXIT_OK
    };
    if code == EXIT_OK {
        Ok(())
    } else {
        if code == EXIT_API || code == EXIT_OTHER {
            eprint_line(&format!(
                "genauth: {failed} rows failed{}",
                if args.report.is_some() {
                    "; see the report"
                } else {
                    ""
                }
            ));
        }
        if invalid > 0 {
            eprint_line(&format!("genauth: {invalid} rows are malformed"));
        }
        Err(Failure::Reported(code))
    }
}
