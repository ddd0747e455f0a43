//! The vendored OpenAPI spec (`openapi/management-v3.json`), embedded at compile time and
//! parsed once: parameters, request bodies and schemas, type names for `describe`, turning
//! `name=value` text into typed JSON, and checking JSON against a schema (for requests, import
//! rows and the `check-api` drift report).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::output::Failure;

/// The spec's text: the document genauth was generated from (its feature `spec`).
const SPEC_TEXT: &str = genauth::spec::OPENAPI_JSON;

/// How many `$ref` hops are followed before a schema counts as unresolvable.
const MAX_REF_HOPS: usize = 16;

/// How deep [`Spec::check`] descends into a value.
const MAX_CHECK_DEPTH: usize = 48;

/// The parsed spec with an index of its operations.
pub struct Spec {
    doc: Value,
    /// operationId → (path, lower-case HTTP method).
    index: HashMap<String, (String, String)>,
}

/// The embedded spec, parsed on first use.
pub fn spec() -> Result<&'static Spec, Failure> {
    static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let doc: Value = serde_json::from_str(SPEC_TEXT)
            .map_err(|e| format!("the embedded spec does not parse: {e}"))?;
        let mut index = HashMap::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                for (method, op) in item {
                    if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                        index.insert(id.to_string(), (path.clone(), method.clone()));
                    }
                }
            }
        }
        Ok(Spec { doc, index })
    })
    .as_ref()
    .map_err(|e| Failure::Other(e.clone()))
}

/// One parameter of an operation (path, query or header).
#[derive(Clone, Debug)]
pub struct Param<'a> {
    /// The name as the spec writes it; array query parameters end in `[]` (`userIds[]`).
    pub name: &'a str,
    /// Where it goes: `path`, `query` or `header`.
    pub location: &'a str,
    /// Whether the operation needs it.
    pub required: bool,
    /// Its schema, unresolved.
    pub schema: &'a Value,
    /// Its description.
    pub doc: String,
}

impl Param<'_> {
    /// The name a user types: without the `[]` of an array query parameter.
    pub fn key(&self) -> &str {
        self.name.strip_suffix("[]").unwrap_or(self.name)
    }
}

/// The request body of an operation.
#[derive(Clone, Debug)]
pub struct Body<'a> {
    /// The body schema, unresolved (usually a `$ref`).
    pub schema: &'a Value,
    /// Whether the operation needs a body.
    pub required: bool,
}

/// What [`Spec::check`] found wrong in a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// An object field the schema does not list.
    UnknownField,
    /// A field the schema requires is absent.
    MissingRequired,
    /// A value outside the schema's enum.
    UnknownEnumValue,
    /// A value of another JSON type than the schema's.
    TypeMismatch,
    /// A number sent as a string (`"10"` where the schema says integer or number).
    NumberAsString,
    /// `null` where the schema does not allow it.
    UnexpectedNull,
}

impl FindingKind {
    /// The kind's name in reports, e.g. `unknown_field`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::UnknownField => "unknown_field",
            FindingKind::MissingRequired => "missing_required",
            FindingKind::UnknownEnumValue => "unknown_enum_value",
            FindingKind::TypeMismatch => "type_mismatch",
            FindingKind::NumberAsString => "number_as_string",
            FindingKind::UnexpectedNull => "unexpected_null",
        }
    }
}

/// One difference between a value and its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong.
    pub kind: FindingKind,
    /// Where, e.g. `data.list[0].status` (`[]` for any item in reports that merge items).
    pub path: String,
    /// What the schema expects (a type name, or the enum's values), when it says.
    pub expected: Option<String>,
    /// What was found: a JSON type name, or for an enum the value itself (`"(hidden)"` for a
    /// secret field). Never the value of a field of another kind.
    pub found: Option<String>,
    /// The named schema whose field this is (`RoleDto` for `data.list[0].code`), when the
    /// field sits in one: what an override in `openapi/overrides.json` names.
    pub schema: Option<String>,
}

impl Finding {
    /// The finding as a JSON object for reports.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("kind".into(), self.kind.as_str().into());
        m.insert("path".into(), self.path.clone().into());
        if let Some(e) = &self.expected {
            m.insert("expected".into(), e.clone().into());
        }
        if let Some(f) = &self.found {
            m.insert("found".into(), f.clone().into());
        }
        if let Some(s) = &self.schema {
            m.insert("schema".into(), s.clone().into());
        }
        Value::Object(m)
    }

    /// One line for humans, e.g. `status: expected integer, found string`.
    pub fn describe(&self) -> String {
        let path = if self.path.is_empty() {
            "(the body)"
        } else {
            &self.path
        };
        match self.kind {
            FindingKind::UnknownField => format!("{path}: not a field the spec knows"),
            FindingKind::MissingRequired => format!("{path}: required, but missing"),
            FindingKind::UnknownEnumValue => format!(
                "{path}: {} is not one of {}",
                self.found.as_deref().unwrap_or("the value"),
                self.expected.as_deref().unwrap_or("the allowed values")
            ),
            FindingKind::TypeMismatch | FindingKind::UnexpectedNull => format!(
                "{path}: expected {}, found {}",
                self.expected.as_deref().unwrap_or("another type"),
                self.found.as_deref().unwrap_or("another type")
            ),
            FindingKind::NumberAsString => format!(
                "{path}: expected {}, found a number inside a string",
                self.expected.as_deref().unwrap_or("a number")
            ),
        }
    }
}

/// Options of [`Spec::check`].
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// Check at most this many items of each array (all when `None`).
    pub max_items: Option<usize>,
    /// Whether to check that required fields are present.
    pub required: bool,
}

/// The JSON type name of a value: `string`, `integer`, `number`, `boolean`, `array`, `object`,
/// `null`.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The name a `$ref` points to (`#/components/schemas/UserDto` → `UserDto`).
pub fn ref_name(s: &Value) -> Option<&str> {
    s.get("$ref")?.as_str()?.rsplit('/').next()
}

/// Whether a property schema marks a secret (`x-genauth-sensitive` or `format: password`).
pub fn is_sensitive(s: &Value) -> bool {
    s.get("x-genauth-sensitive").and_then(Value::as_bool) == Some(true)
        || s.get("format").and_then(Value::as_str) == Some("password")
}

/// The first line of a description.
pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

/// A value for messages: shown, unless it belongs to a secret field.
pub fn shown(value: &str, sensitive: bool) -> String {
    if sensitive {
        "(hidden)".to_string()
    } else {
        format!("`{value}`")
    }
}

/// Up to three of `candidates` closest to `name` (edit distance, case-insensitive), best
/// first.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = name.to_ascii_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let lower = c.to_ascii_lowercase();
            let d = strsim::levenshtein(&wanted, &lower);
            let contains =
                wanted.len() >= 3 && (lower.contains(&wanted) || wanted.contains(&lower));
            (d <= limit || contains).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// ` (did you mean `a`, `b`?)`, or nothing.
pub fn did_you_mean(suggestions: &[&str]) -> String {
    if suggestions.is_empty() {
        return String::new();
    }
    let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
    format!(" (did you mean {}?)", list.join(", "))
}

impl Spec {
    /// The operation object of `operation_id`.
    pub fn operation(&self, operation_id: &str) -> Option<&Value> {
        let (path, method) = self.index.get(operation_id)?;
        self.doc.get("paths")?.get(path)?.get(method)
    }

    /// The spec's `info.version`.
    pub fn info_version(&self) -> Option<&str> {
        self.doc.pointer("/info/version")?.as_str()
    }

    /// A named schema of `components.schemas`.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.doc.get("components")?.get("schemas")?.get(name)
    }

    /// The names of every schema, sorted.
    pub fn schema_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        names.sort_unstable();
        names
    }

    /// `s` with its `$ref` chain followed; an unresolvable reference gives `s` itself.
    pub fn resolve<'a>(&'a self, mut s: &'a Value) -> &'a Value {
        for _ in 0..MAX_REF_HOPS {
            match ref_name(s).and_then(|name| self.schema(name)) {
                Some(target) => s = target,
                None => break,
            }
        }
        s
    }

    /// The operation's parameters, in the spec's order.
    pub fn params<'a>(&'a self, op: &'a Value) -> Vec<Param<'a>> {
        op.get("parameters")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|p| {
                        Some(Param {
                            name: p.get("name")?.as_str()?,
                            location: p.get("in")?.as_str()?,
                            required: p.get("required").and_then(Value::as_bool) == Some(true),
                            schema: p.get("schema").unwrap_or(&Value::Null),
                            doc: p
                                .get("description")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The operation's JSON request body, if it takes one.
    pub fn body<'a>(&'a self, op: &'a Value) -> Option<Body<'a>> {
        let rb = op.get("requestBody")?;
        Some(Body {
            schema: rb.pointer("/content/application~1json/schema")?,
            required: rb.get("required").and_then(Value::as_bool) == Some(true),
        })
    }

    /// The schema of the success answer's `data`, and whether the envelope requires it.
    pub fn data_schema<'a>(&'a self, op: &'a Value) -> Option<(&'a Value, bool)> {
        let envelope = self.resolve(op.pointer("/responses/200/content/application~1json/schema")?);
        let data = envelope.get("properties")?.get("data")?;
        let required = envelope
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n == "data"));
        Some((data, required))
    }

    /// The name of the schema `s` finally refers to, following its `$ref` chain.
    pub fn ref_target_name<'a>(&'a self, mut s: &'a Value) -> Option<&'a str> {
        let mut name = None;
        for _ in 0..MAX_REF_HOPS {
            let Some(next) = ref_name(s) else {
                break;
            };
            name = Some(next);
            match self.schema(next) {
                Some(target) => s = target,
                None => break,
            }
        }
        name
    }

    /// The properties of an object schema (after resolving), with its required names.
    pub fn properties<'a>(
        &'a self,
        s: &'a Value,
    ) -> Option<(&'a Map<String, Value>, Vec<&'a str>)> {
        let s = self.resolve(s);
        let props = s.get("properties")?.as_object()?;
        let required = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        Some((props, required))
    }

    /// The documentation of a property schema: its description, or for a `$ref` the
    /// `x-genauth-doc` beside it, or the referenced schema's description.
    pub fn doc(&self, s: &Value) -> String {
        for key in ["description", "x-genauth-doc"] {
            if let Some(text) = s.get(key).and_then(Value::as_str) {
                return text.to_string();
            }
        }
        self.resolve(s)
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }

    /// The allowed values of an enum schema (after resolving), as JSON values.
    pub fn enum_values<'a>(&'a self, s: &'a Value) -> Option<&'a Vec<Value>> {
        let s = self.resolve(s);
        s.get("enum")
            .or_else(|| s.get("x-genauth-enum-values"))
            .and_then(Value::as_array)
    }

    /// A short type name for `describe` and messages: `string`, `integer`, `array of string`,
    /// `PaginationDto` (a named object), `UserIdType: user_id|external_id|...` (a named enum),
    /// `one of: a|b` (an inline enum), `any JSON`.
    pub fn type_name(&self, s: &Value) -> String {
        self.type_name_at(s, 0)
    }

    fn type_name_at(&self, s: &Value, depth: usize) -> String {
        if depth > 4 {
            return "...".into();
        }
        if s.get("x-genauth-alternatives").is_some() {
            return "any JSON".into();
        }
        let named = ref_name(s);
        let r = self.resolve(s);
        if let Some(values) = self.enum_values(r) {
            let list = enum_list(values);
            return match named {
                Some(name) => format!("{name}: {list}"),
                None => format!("one of: {list}"),
            };
        }
        if let Some(alternatives) = r.get("oneOf").and_then(Value::as_array) {
            let names: Vec<String> = alternatives
                .iter()
                .map(|a| self.type_name_at(a, depth + 1))
                .collect();
            return names.join(" | ");
        }
        match r.get("type").and_then(Value::as_str) {
            Some("array") => format!(
                "array of {}",
                self.type_name_at(r.get("items").unwrap_or(&Value::Null), depth + 1)
            ),
            Some("object") | None if r.get("properties").is_some() => {
                named.unwrap_or("object").to_string()
            }
            Some("object") => match named {
                Some(name) => format!("{name} (any object)"),
                None => "object".into(),
            },
            Some("string") if is_sensitive(s) || is_sensitive(r) => "string (secret)".into(),
            Some(t) => t.to_string(),
            None => "any JSON".into(),
        }
    }

    /// Turns the text of a `name=value` pair (or a CSV cell) into JSON of the schema's type:
    /// strings as they are, integers, numbers, `true`/`false`, enum values, JSON for objects,
    /// arrays and untyped fields. The error says what was expected (without the value).
    pub fn coerce(&self, s: &Value, text: &str) -> Result<Value, String> {
        if s.get("x-genauth-alternatives").is_some() {
            return Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into())));
        }
        let r = self.resolve(s);
        if let Some(values) = self.enum_values(r) {
            if let Some(v) = values.iter().find(|v| match v {
                Value::String(x) => x == text,
                Value::Number(n) => text.trim().parse::<f64>().ok() == n.as_f64(),
                other => serde_json::from_str::<Value>(text).is_ok_and(|t| t == **other),
            }) {
                return Ok(v.clone());
            }
            return Err(format!("expected one of: {}", enum_list(values)));
        }
        if let Some(alternatives) = r.get("oneOf").and_then(Value::as_array) {
            if let Ok(v) = serde_json::from_str::<Value>(text)
                && alternatives.iter().any(|a| self.conforms(a, &v))
            {
                return Ok(v);
            }
            let string_ok = alternatives
                .iter()
                .any(|a| self.resolve(a).get("type").and_then(Value::as_str) == Some("string"));
            if string_ok {
                return Ok(Value::String(text.into()));
            }
            return Err(format!("expected {}", self.type_name(s)));
        }
        match r.get("type").and_then(Value::as_str) {
            Some("string") => Ok(Value::String(text.into())),
            Some("integer") => text
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| "expected an integer".to_string()),
            Some("number") => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(|f| {
                    // Whole numbers stay integers in the JSON text (`10`, not `10.0`).
                    if f.fract() == 0.0 && f.abs() < 9.0e15 {
                        Some(Value::from(f as i64))
                    } else {
                        serde_json::Number::from_f64(f).map(Value::Number)
                    }
                })
                .ok_or_else(|| "expected a number".to_string()),
            Some("boolean") => match text.trim() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err("expected `true` or `false`".to_string()),
            },
            Some("array") => match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Array(_)) => Ok(v),
                _ => Err(format!("expected a JSON array ({})", self.type_name(s))),
            },
            Some("object") => match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Object(_)) => Ok(v),
                _ => Err(format!("expected a JSON object ({})", self.type_name(s))),
            },
            _ if r.get("properties").is_some() => match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Object(_)) => Ok(v),
                _ => Err(format!("expected a JSON object ({})", self.type_name(s))),
            },
            // Untyped: any JSON, or else the text as a string.
            _ => Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))),
        }
    }

    /// Whether `v` matches `s` with no finding at all.
    pub fn conforms(&self, s: &Value, v: &Value) -> bool {
        let mut out = Vec::new();
        self.check(
            s,
            v,
            "",
            CheckOptions {
                max_items: Some(20),
                required: true,
            },
            &mut out,
        );
        out.is_empty()
    }

    /// Compares `v` with the schema `s` and appends every difference to `out`, with paths
    /// under `path`. Objects without listed properties and untyped schemas accept anything.
    pub fn check(
        &self,
        s: &Value,
        v: &Value,
        path: &str,
        options: CheckOptions,
        out: &mut Vec<Finding>,
    ) {
        self.check_at(s, v, path, options, out, (0, None));
    }

    /// `at`: the depth, and the named schema that holds the field at `path`.
    fn check_at(
        &self,
        s: &Value,
        v: &Value,
        path: &str,
        options: CheckOptions,
        out: &mut Vec<Finding>,
        at: (usize, Option<&str>),
    ) {
        let (depth, owner) = at;
        if depth > MAX_CHECK_DEPTH || s.get("x-genauth-alternatives").is_some() {
            return;
        }
        let sensitive = is_sensitive(s);
        let r = self.resolve(s);
        let finding = |kind, expected: Option<String>, found: Option<String>| Finding {
            kind,
            path: path.to_string(),
            expected,
            found,
            schema: owner.map(str::to_string),
        };
        // `v` is not of the type `expected` names.
        let mismatch = |expected: String| {
            finding(
                FindingKind::TypeMismatch,
                Some(expected),
                Some(json_type(v).into()),
            )
        };
        if v.is_null() {
            let typed = r.get("type").is_some()
                || r.get("enum").is_some()
                || r.get("oneOf").is_some()
                || r.get("properties").is_some();
            if typed && r.get("nullable").and_then(Value::as_bool) != Some(true) {
                out.push(finding(
                    FindingKind::UnexpectedNull,
                    Some(self.type_name(s)),
                    Some("null".into()),
                ));
            }
            return;
        }
        if let Some(values) = self.enum_values(r) {
            if values.contains(v) {
                return;
            }
            // A number for a numeric enum value given as a string, and so on, is still a
            // value outside the list.
            let same_type = values.iter().any(|x| json_type(x) == json_type(v))
                || r.get("type").and_then(Value::as_str) == Some(json_type(v));
            if same_type {
                let found = match v {
                    Value::String(text) if !sensitive => text.clone(),
                    Value::String(_) => "(hidden)".into(),
                    other if !sensitive => other.to_string(),
                    _ => "(hidden)".into(),
                };
                out.push(finding(
                    FindingKind::UnknownEnumValue,
                    Some(enum_list(values)),
                    Some(found),
                ));
            } else {
                out.push(mismatch(self.type_name(s)));
            }
            return;
        }
        if let Some(alternatives) = r.get("oneOf").and_then(Value::as_array) {
            if !alternatives.iter().any(|a| self.conforms(a, v)) {
                out.push(mismatch(self.type_name(s)));
            }
            return;
        }
        let ty = r.get("type").and_then(Value::as_str);
        let ty = match ty {
            None if r.get("properties").is_some() => Some("object"),
            other => other,
        };
        let numeric_text = |v: &Value, integer: bool| match v {
            Value::String(t) if integer => t.trim().parse::<i64>().is_ok(),
            Value::String(t) => t.trim().parse::<f64>().is_ok_and(f64::is_finite),
            _ => false,
        };
        match ty {
            Some(kind @ ("integer" | "number")) => {
                let integer = kind == "integer";
                let fits = match v {
                    Value::Number(n) if integer => {
                        n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
                    }
                    Value::Number(_) => true,
                    _ => false,
                };
                if !fits {
                    let (kind_found, found) = if numeric_text(v, integer) {
                        (FindingKind::NumberAsString, "string")
                    } else {
                        (FindingKind::TypeMismatch, json_type(v))
                    };
                    out.push(finding(kind_found, Some(kind.into()), Some(found.into())));
                }
            }
            Some(scalar @ ("boolean" | "string")) => {
                let matches = if scalar == "boolean" {
                    v.is_boolean()
                } else {
                    v.is_string()
                };
                if !matches {
                    out.push(mismatch(scalar.into()));
                }
            }
            Some("array") => {
                let Value::Array(items) = v else {
                    out.push(mismatch(self.type_name(s)));
                    return;
                };
                let item_schema = r.get("items").unwrap_or(&Value::Null);
                let take = options.max_items.unwrap_or(usize::MAX);
                for (i, item) in items.iter().take(take).enumerate() {
                    self.check_at(
                        item_schema,
                        item,
                        &format!("{path}[{i}]"),
                        options,
                        out,
                        (depth + 1, owner),
                    );
                }
            }
            Some("object") => {
                let Value::Object(fields) = v else {
                    out.push(mismatch(self.type_name(s)));
                    return;
                };
                let Some((props, required)) = self.properties(r) else {
                    // A free-form object.
                    return;
                };
                // The object's own name: the last `$ref` on the way to its definition.
                let name_of_object = self.ref_target_name(s);
                let join = |name: &str| {
                    if path.is_empty() {
                        name.to_string()
                    } else {
                        format!("{path}.{name}")
                    }
                };
                if options.required {
                    for name in required {
                        if !fields.contains_key(name) {
                            out.push(Finding {
                                kind: FindingKind::MissingRequired,
                                path: join(name),
                                expected: props.get(name).map(|p| self.type_name(p)),
                                found: None,
                                schema: name_of_object.map(str::to_string),
                            });
                        }
                    }
                }
                for (name, value) in fields {
                    match props.get(name) {
                        Some(p) => self.check_at(
                            p,
                            value,
                            &join(name),
                            options,
                            out,
                            (depth + 1, name_of_object),
                        ),
                        None => out.push(Finding {
                            kind: FindingKind::UnknownField,
                            path: join(name),
                            expected: None,
                            found: Some(json_type(value).into()),
                            schema: name_of_object.map(str::to_string),
                        }),
                    }
                }
            }
            // Untyped: anything goes.
            _ => {}
        }
    }
}

/// Enum values as `a|b|c`.
fn enum_list(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("|")
}
