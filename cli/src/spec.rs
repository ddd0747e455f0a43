//! The vendored OpenAPI spec (`openapi/management-v3.json`), embedded at compile time and
//! parsed once: parameters, request bodies and schemas, type names for `describe`, turning
//! `name=value` text into typed JSON, and checking JSON against a schema (for requests, import
//! rows and the `check-api` drift report).
//!
//! The checks live in `check`, type names and text-to-JSON in `types`, message wording in
//! `wording`; this module holds the parsed document and what is looked up in it.

mod check;
mod types;
mod wording;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::output::Failure;

pub use self::check::{CheckOptions, Finding, FindingKind};
pub use self::wording::{closest, did_you_mean, first_line, shown};

/// The spec's text: the document genauth was generated from (its feature `spec`).
const SPEC_TEXT: &str = genauth::spec::OPENAPI_JSON;

/// How many `$ref` hops are followed before a schema counts as unresolvable.
const MAX_REF_HOPS: usize = 16;

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
}
