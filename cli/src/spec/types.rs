//! Schemas as people read and write them: a short type name for `describe` and messages, and
//! the text of a `name=value` pair or a CSV cell turned into JSON of the schema's type.

use serde_json::Value;

use super::{Spec, is_sensitive, ref_name};

impl Spec {
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
}

/// Enum values as `a|b|c`.
pub(super) fn enum_list(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("|")
}
