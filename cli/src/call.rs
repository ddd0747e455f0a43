//! `genauth call` and `genauth pages`: `name=value` pairs checked against the spec and turned
//! into a path, a query and a JSON body, sent with `ManagementClient::request`.

use std::io::{BufWriter, Read as _, Write as _};

use genauth::ManagementClient;
use genauth::operations::{Operation, PagePlace};
use genauth::pagination::{self, Page, Pages};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::cli::{CallArgs, PagesArgs};
use crate::ops::find_operation;
use crate::output::{Failure, print_json, progress, stdout_error};
use crate::spec::{
    CheckOptions, FindingKind, Param, Spec, closest, did_you_mean, is_sensitive, shown, spec,
};

/// Characters left as they are in a path segment: RFC 3986's unreserved set.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A request ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// The operation.
    pub op: &'static Operation,
    /// The path with its parameters filled in, percent-encoded.
    pub path: String,
    /// The query parameters (arrays are sent as `name[]=a&name[]=b`).
    pub query: Map<String, Value>,
    /// The JSON body, for operations that take one.
    pub body: Option<Value>,
}

/// Where a `name=value` pair goes.
#[derive(Clone, Debug)]
enum Target<'a> {
    Param(Param<'a>),
    /// A body field by its path of names, and its schema (`None` without the check).
    Body(Vec<String>, Option<&'a Value>),
    /// A query parameter the spec does not list (`--no-check` only).
    LooseQuery(String),
}

impl Target<'_> {
    fn label(&self) -> String {
        match self {
            Target::Param(p) => p.key().to_string(),
            Target::Body(path, _) => path.join("."),
            Target::LooseQuery(name) => name.clone(),
        }
    }
}

/// Reads `--body`: JSON text, `@file`, or `-` for stdin.
pub fn read_body(arg: &str) -> Result<Value, Failure> {
    let text = if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Usage(format!("--body -: cannot read stdin: {e}")))?;
        text
    } else if let Some(file) = arg.strip_prefix('@') {
        std::fs::read_to_string(file)
            .map_err(|e| Failure::Usage(format!("--body @{file}: cannot read the file: {e}")))?
    } else {
        arg.to_string()
    };
    serde_json::from_str(&text).map_err(|e| Failure::Usage(format!("--body is not JSON: {e}")))
}

/// Finds where `name` goes for this operation.
fn target<'a>(
    spec: &'a Spec,
    params: &[Param<'a>],
    body: Option<&'a Value>,
    name: &str,
    check: bool,
) -> Result<Target<'a>, Failure> {
    if let Some(p) = params.iter().find(|p| p.key() == name || p.name == name) {
        return Ok(Target::Param(p.clone()));
    }
    let segments: Vec<String> = name.split('.').map(str::to_string).collect();
    if !check {
        return Ok(match body {
            Some(_) => Target::Body(segments, None),
            None => Target::LooseQuery(name.to_string()),
        });
    }
    let unknown = |candidates: Vec<&str>, level: &str| {
        let suggestions = closest(level, candidates.iter().copied());
        Failure::Usage(format!(
            "unknown parameter `{name}`{}; `genauth describe` lists the parameters and body fields{}",
            did_you_mean(&suggestions),
            if candidates.is_empty() {
                String::new()
            } else {
                format!(" (valid here: {})", candidates.join(", "))
            }
        ))
    };
    let mut candidates: Vec<&str> = params.iter().map(|p| p.key()).collect();
    let Some(mut schema) = body else {
        return Err(unknown(candidates, name));
    };
    for (i, segment) in segments.iter().enumerate() {
        let Some((props, _)) = spec.properties(schema) else {
            if i == 0 {
                return Err(unknown(candidates, name));
            }
            // A free-form object: any name goes below it.
            return Ok(Target::Body(segments, None));
        };
        match props.get(segment.as_str()) {
            Some(p) => schema = p,
            None => {
                if i > 0 {
                    candidates.clear();
                }
                candidates.extend(props.keys().map(String::as_str));
                return Err(unknown(candidates, segment));
            }
        }
    }
    Ok(Target::Body(segments, Some(schema)))
}

/// The JSON value of one target from its text values.
fn value_of(
    spec: &Spec,
    schema: Option<&Value>,
    label: &str,
    texts: &[&str],
) -> Result<Value, Failure> {
    let Some(schema) = schema else {
        // Unchecked: JSON when it parses, else the text; repeated names make an array.
        let one = |t: &str| serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.into()));
        return Ok(match texts {
            [one_text] => one(one_text),
            many => Value::Array(many.iter().map(|t| one(t)).collect()),
        });
    };
    let sensitive = is_sensitive(schema);
    let bad = |text: &str, why: String| {
        Failure::Usage(format!("`{label}`: {why}, got {}", shown(text, sensitive)))
    };
    let r = spec.resolve(schema);
    if r.get("type").and_then(Value::as_str) == Some("array") {
        let items = r.get("items").unwrap_or(&Value::Null);
        if let [text] = texts
            && text.trim_start().starts_with('[')
            && let Ok(v @ Value::Array(_)) = serde_json::from_str::<Value>(text)
        {
            return Ok(v);
        }
        let mut values = Vec::new();
        for text in texts {
            values.push(spec.coerce(items, text).map_err(|why| bad(text, why))?);
        }
        return Ok(Value::Array(values));
    }
    match texts {
        [text] => spec.coerce(schema, text).map_err(|why| bad(text, why)),
        _ => Err(Failure::Usage(format!(
            "`{label}` is given {} times but is not an array",
            texts.len()
        ))),
    }
}

/// Sets `value` at `path` inside the object `body`, making objects on the way.
fn set_path(body: &mut Value, path: &[String], value: Value) -> Result<(), Failure> {
    let mut here = body;
    for (i, segment) in path.iter().enumerate() {
        let Value::Object(map) = here else {
            return Err(Failure::Usage(format!(
                "cannot set `{}`: `{}` in the body is not an object",
                path.join("."),
                path[..i].join(".")
            )));
        };
        if i + 1 == path.len() {
            map.insert(segment.clone(), value);
            return Ok(());
        }
        here = map
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

/// Checks every pair against the operation and builds the request. Nothing is sent.
pub fn prepare(
    op: &'static Operation,
    pairs: &[String],
    body: Option<Value>,
    check: bool,
) -> Result<Prepared, Failure> {
    let spec = spec()?;
    let o = spec
        .operation(op.id)
        .ok_or_else(|| Failure::Other(format!("`{}` is missing from the embedded spec", op.id)))?;
    let params = spec.params(o);
    let body_spec = spec.body(o);
    // Group the values by target, in the order first given.
    let mut targets: Vec<(String, Target<'_>, Vec<&str>)> = Vec::new();
    for pair in pairs {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(Failure::Usage(format!("expected NAME=VALUE, got `{pair}`")));
        };
        if name.is_empty() {
            return Err(Failure::Usage(format!(
                "a parameter name is empty in `{pair}`"
            )));
        }
        let t = target(
            spec,
            &params,
            body_spec.as_ref().map(|b| b.schema),
            name,
            check,
        )?;
        let label = t.label();
        match targets.iter_mut().find(|(l, _, _)| *l == label) {
            Some((_, _, values)) => values.push(value),
            None => targets.push((label, t, vec![value])),
        }
    }
    let mut path_values: Map<String, Value> = Map::new();
    let mut query = Map::new();
    let mut body_value = body;
    if let Some(b) = &body_value {
        if body_spec.is_none() && check {
            return Err(Failure::Usage(format!(
                "`{}` takes no body ({} {})",
                op.id, op.http_method, op.path
            )));
        }
        let merges = targets
            .iter()
            .any(|(_, t, _)| matches!(t, Target::Body(..)));
        if merges && !b.is_object() {
            return Err(Failure::Usage(
                "--body must be a JSON object to merge NAME=VALUE fields into it".into(),
            ));
        }
    }
    for (label, t, texts) in &targets {
        match t {
            Target::Param(p) => {
                let schema = check.then_some(p.schema);
                let value = value_of(spec, schema, label, texts)?;
                if p.location == "path" {
                    path_values.insert(p.key().to_string(), value);
                } else {
                    query.insert(p.key().to_string(), value);
                }
            }
            Target::LooseQuery(name) => {
                query.insert(name.clone(), value_of(spec, None, label, texts)?);
            }
            Target::Body(path, schema) => {
                let schema = if check { *schema } else { None };
                let value = value_of(spec, schema, label, texts)?;
                let b = body_value.get_or_insert_with(|| Value::Object(Map::new()));
                set_path(b, path, value)?;
            }
        }
    }
    // Required parameters.
    for p in &params {
        let given = if p.location == "path" {
            path_values.contains_key(p.key())
        } else {
            query.contains_key(p.key())
        };
        if p.required && !given && p.location != "header" {
            return Err(Failure::Usage(format!(
                "missing required parameter `{}` ({} {}): {}",
                p.key(),
                p.location,
                spec.type_name(p.schema),
                crate::spec::first_line(&p.doc)
            )));
        }
    }
    if let Some(b) = &body_spec {
        let value = body_value.get_or_insert_with(|| Value::Object(Map::new()));
        if check {
            let mut findings = Vec::new();
            spec.check(
                b.schema,
                value,
                "",
                CheckOptions {
                    max_items: None,
                    required: true,
                },
                &mut findings,
            );
            if !findings.is_empty() {
                return Err(Failure::Usage(body_problems(spec, b.schema, &findings)));
            }
        }
    }
    // The path, each parameter percent-encoded as one segment.
    let mut path = op.path.to_string();
    for (name, value) in &path_values {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if text.is_empty() {
            return Err(Failure::Usage(format!("path parameter `{name}` is empty")));
        }
        path = path.replace(
            &format!("{{{name}}}"),
            &utf8_percent_encode(&text, SEGMENT).to_string(),
        );
    }
    Ok(Prepared {
        op,
        path,
        query,
        body: body_value,
    })
}

/// The body's problems as one usage message, unknown names with suggestions.
fn body_problems(spec: &Spec, schema: &Value, findings: &[crate::spec::Finding]) -> String {
    let mut lines = vec!["the body does not match the spec:".to_string()];
    for f in findings.iter().take(20) {
        let mut line = format!("  {}", f.describe());
        if f.kind == FindingKind::UnknownField {
            let (parent, last) = match f.path.rsplit_once('.') {
                Some((p, l)) => (Some(p), l),
                None => (None, f.path.as_str()),
            };
            // The properties at the parent's level, when it is a plain path of names.
            let mut s = Some(schema);
            if let Some(parent) = parent {
                for segment in parent.split('.') {
                    s = s
                        .and_then(|x| spec.properties(x))
                        .and_then(|(props, _)| props.get(segment));
                }
            }
            if let Some((props, _)) = s.and_then(|x| spec.properties(x)) {
                line.push_str(&did_you_mean(&closest(
                    last,
                    props.keys().map(String::as_str),
                )));
            }
        }
        lines.push(line);
    }
    if findings.len() > 20 {
        lines.push(format!("  ... and {} more", findings.len() - 20));
    }
    lines.join("\n")
}

/// The HTTP method of an operation.
fn method(op: &Operation) -> Result<genauth::Method, Failure> {
    genauth::Method::from_bytes(op.http_method.as_bytes())
        .map_err(|_| Failure::Other(format!("bad HTTP method `{}`", op.http_method)))
}

/// Sends a prepared request; returns the whole answer (`envelope`) or its `data`.
pub async fn send(
    client: &ManagementClient,
    prepared: &Prepared,
    envelope: bool,
) -> Result<Value, Failure> {
    Ok(send_as(client, method(prepared.op)?, prepared, envelope).await?)
}

/// [`send`] with the method given, failing with the SDK's error only.
async fn send_as(
    client: &ManagementClient,
    method: genauth::Method,
    prepared: &Prepared,
    envelope: bool,
) -> Result<Value, genauth::Error> {
    let mut request = client.request(method, &prepared.path);
    if !prepared.query.is_empty() {
        request = request.query(&prepared.query);
    }
    if let Some(body) = &prepared.body {
        request = request.json(body);
    }
    if envelope {
        request.send::<Value>().await
    } else {
        request.data::<Value>().await
    }
}

/// The `--body` argument, read.
fn body_arg(arg: Option<&str>) -> Result<Option<Value>, Failure> {
    arg.map(read_body).transpose()
}

/// `genauth call`: the request is checked before the client is built, so a usage error needs
/// no credentials.
pub async fn run_call(
    args: &CallArgs,
    client: impl FnOnce() -> Result<ManagementClient, Failure>,
) -> Result<(), Failure> {
    let op = find_operation(&args.operation)?;
    let prepared = prepare(
        op,
        &args.params,
        body_arg(args.body.as_deref())?,
        !args.no_check,
    )?;
    let client = client()?;
    let answer = send(&client, &prepared, args.envelope).await?;
    print_json(&answer)
}

/// Sets the page number and size of a paginated request where the operation takes them.
pub fn set_page(prepared: &mut Prepared, page: u64, size: u64) -> Result<(), Failure> {
    match prepared.op.page {
        Some(PagePlace::Query) => {
            prepared.query.insert("page".into(), page.into());
            prepared.query.insert("limit".into(), size.into());
            Ok(())
        }
        Some(PagePlace::Body(path)) => {
            let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            let body = prepared
                .body
                .get_or_insert_with(|| Value::Object(Map::new()));
            set_path(body, &path, page.into())?;
            let mut limit = path;
            if let Some(last) = limit.last_mut() {
                *last = "limit".into();
            }
            set_path(body, &limit, size.into())
        }
        _ => Err(Failure::Usage(format!(
            "`{}` does not page; use `genauth call`",
            prepared.op.id
        ))),
    }
}

/// The page size the user gave as a `limit` pair, if any.
fn given_limit(prepared: &Prepared) -> Option<u64> {
    match prepared.op.page {
        Some(PagePlace::Query) => prepared.query.get("limit")?.as_u64(),
        Some(PagePlace::Body(path)) => {
            let mut v = prepared.body.as_ref()?;
            for segment in &path[..path.len().saturating_sub(1)] {
                v = v.get(*segment)?;
            }
            v.get("limit")?.as_u64()
        }
        _ => None,
    }
}

/// Whether the user gave a `page` value.
fn given_page(prepared: &Prepared) -> bool {
    match prepared.op.page {
        Some(PagePlace::Query) => prepared.query.contains_key("page"),
        Some(PagePlace::Body(path)) => {
            let mut v = prepared.body.as_ref();
            for segment in path {
                v = v.and_then(|x| x.get(*segment));
            }
            v.is_some()
        }
        _ => false,
    }
}

/// A failure of the command as the text of an SDK error (for the page stream, whose fetch
/// returns `genauth::Error`).
fn failure_text(failure: Failure) -> String {
    match failure {
        Failure::Usage(m) | Failure::Other(m) => m,
        Failure::Sdk(e) => e.to_string(),
        other => format!("{other:?}"),
    }
}

/// The items of every page of `prepared`, as the library's page stream
/// ([`Pages::from_fn`]): its stop rule (a `totalCount` that counts, else a page shorter than
/// the first, else an empty page; a listing that runs dry before its total is an error), its
/// check for a page served again and its page limit. Each page is `prepared` with the page
/// number and `page_size` set where the operation takes them; its `data.list` are the items,
/// its `data.totalCount` the total.
pub fn page_stream(
    client: ManagementClient,
    prepared: Prepared,
    page_size: u64,
) -> Result<Pages<'static, Value>, Failure> {
    let method = method(prepared.op)?;
    // Setting a page checks the body's shape, once, before anything is sent.
    set_page(&mut prepared.clone(), 1, page_size)?;
    Ok(Pages::from_fn(move |page: i64| {
        let client = client.clone();
        let method = method.clone();
        let mut prepared = prepared.clone();
        async move {
            let number = u64::try_from(page)
                .map_err(|_| genauth::Error::InvalidRequest(format!("page number {page}")))?;
            set_page(&mut prepared, number, page_size)
                .map_err(|f| genauth::Error::InvalidRequest(failure_text(f)))?;
            let mut data = send_as(&client, method, &prepared, false).await?;
            let total = data.get("totalCount").and_then(pagination::total_count);
            match data.get_mut("list").map(Value::take) {
                Some(Value::Array(items)) => Ok(Page::new(items, total)),
                _ => Err(genauth::Error::Pagination(format!(
                    "page {page}: the answer's data has no `list` array, so it cannot be paged"
                ))),
            }
        }
    }))
}

/// `genauth pages`: every item as a line of JSON, through [`page_stream`]. A stream that
/// ends with an error prints its items first, then fails with the error's exit code.
pub async fn run_pages(
    args: &PagesArgs,
    client: impl FnOnce() -> Result<ManagementClient, Failure>,
) -> Result<(), Failure> {
    let op = find_operation(&args.operation)?;
    if op.page.is_none() {
        return Err(Failure::Usage(format!(
            "`{}` does not page; use `genauth call {}`",
            op.id, op.id
        )));
    }
    let prepared = prepare(op, &args.params, body_arg(args.body.as_deref())?, true)?;
    if given_page(&prepared) {
        return Err(Failure::Usage(
            "`pages` sets the page number itself; leave `page` out".into(),
        ));
    }
    let page_size = given_limit(&prepared).unwrap_or(args.page_size);
    if page_size == 0 {
        return Err(Failure::Usage("the page size must be at least 1".into()));
    }
    if args.max_pages == 0 {
        return Err(Failure::Usage("--max-pages must be at least 1".into()));
    }
    let client = client()?;
    let mut items = page_stream(client, prepared, page_size)?.max_pages(args.max_pages);
    if let Some(cap) = args.max_items {
        items = items.max_items(cap);
    }
    let bar = progress(args.max_items, op.id);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result: Result<(), Failure> = async {
        while let Some(item) = items.try_next().await? {
            // Server text reaches a terminal here: DEL, C1 and bidi controls are escaped too.
            let line = crate::output::json_text(&item, false);
            writeln!(out, "{line}").map_err(stdout_error)?;
            if let Some(bar) = &bar {
                if let (Some(total), None) = (items.total(), args.max_items) {
                    bar.set_length(total);
                }
                bar.inc(1);
            }
        }
        Ok(())
    }
    .await;
    let flushed = out.flush().map_err(stdout_error);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result?;
    flushed
}

#[doc(hidden)]
/// For tests: `prepare` from an operation name.
pub fn prepare_named(name: &str, pairs: &[&str], body: Option<Value>) -> Result<Prepared, Failure> {
    let op = find_operation(name)?;
    let pairs: Vec<String> = pairs.iter().map(|s| s.to_string()).collect();
    prepare(op, &pairs, body, true)
}
