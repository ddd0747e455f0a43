//! Checking a JSON value against a schema of the spec: what differs ([`Finding`]) and how
//! deep and how thoroughly to look ([`CheckOptions`]). Requests, import rows and the
//! `check-api` drift report all use it.

use serde_json::{Map, Value};

use super::types::enum_list;
use super::{Spec, is_sensitive, json_type};

/// How deep [`Spec::check`] descends into a value.
const MAX_CHECK_DEPTH: usize = 48;

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

impl Spec {
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
