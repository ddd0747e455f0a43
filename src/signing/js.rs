//! A JSON value as a JavaScript engine holds it after `JSON.parse`, and written back as
//! `JSON.stringify` writes it: numbers as doubles, JavaScript's key order and escapes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::body::FAST_PATH_KEYS;

/// A JSON value as a JavaScript engine holds it after `JSON.parse`: numbers are doubles and
/// objects keep their keys in JavaScript property order. Strings borrow from the body when
/// they have no escapes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum JsValue<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(Cow<'a, str>),
    Array(Vec<JsValue<'a>>),
    Object(Vec<(Cow<'a, str>, JsValue<'a>)>),
}

impl JsValue<'_> {
    /// `JSON.stringify` of the value.
    pub(super) fn write_json(&self, out: &mut String) {
        match self {
            JsValue::Null => out.push_str("null"),
            JsValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            JsValue::Number(n) => write_js_number(out, *n),
            JsValue::String(s) => write_js_string(out, s),
            JsValue::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            JsValue::Object(fields) => {
                out.push('{');
                let write = |i: usize, key: &str, value: &JsValue<'_>, out: &mut String| {
                    if i > 0 {
                        out.push(',');
                    }
                    write_js_string(out, key);
                    out.push(':');
                    value.write_json(out);
                };
                if fields.iter().any(|(key, _)| array_index(key).is_some()) {
                    for (i, (key, value)) in js_property_order(fields).into_iter().enumerate() {
                        write(i, key, value, out);
                    }
                } else {
                    for (i, (key, value)) in fields.iter().enumerate() {
                        write(i, key, value, out);
                    }
                }
                out.push('}');
            }
        }
    }
}

/// JavaScript's own property order: array-index keys ascending, then the rest as inserted.
fn js_property_order<'v, 'a>(
    fields: &'v [(Cow<'a, str>, JsValue<'a>)],
) -> Vec<(&'v str, &'v JsValue<'a>)> {
    let mut indexed: Vec<(u32, &str, &JsValue<'a>)> = Vec::new();
    let mut named: Vec<(&str, &JsValue<'a>)> = Vec::new();
    for (key, value) in fields {
        match array_index(key) {
            Some(i) => indexed.push((i, key, value)),
            None => named.push((key, value)),
        }
    }
    indexed.sort_by_key(|(i, _, _)| *i);
    indexed
        .into_iter()
        .map(|(_, k, v)| (k, v))
        .chain(named)
        .collect()
}

/// A canonical array index (`"0"`, `"12"`; not `"01"`, `"-1"`, `"4294967295"`).
pub(super) fn array_index(key: &str) -> Option<u32> {
    if key.is_empty()
        || (key.len() > 1 && key.starts_with('0'))
        || !key.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    key.parse::<u32>().ok().filter(|&i| i != u32::MAX)
}

/// Appends `String(n)` for a JavaScript number.
fn write_js_number(out: &mut String, n: f64) {
    if n == 0.0 {
        out.push('0');
    } else {
        out.push_str(ryu_js::Buffer::new().format(n));
    }
}

/// Appends a string as `JSON.stringify` writes it.
pub(super) fn write_js_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut plain_from = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain_from..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", byte);
        } else {
            out.push_str(escape);
        }
        plain_from = i + 1;
    }
    out.push_str(&s[plain_from..]);
    out.push('"');
}

/// A JSON string that borrows from the input when it can.
pub(super) struct Text<'a>(pub(super) Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for JsValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsValue<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<JsValue<'de>, E> {
                Ok(JsValue::Null)
            }
            fn visit_none<E>(self) -> Result<JsValue<'de>, E> {
                Ok(JsValue::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<JsValue<'de>, E> {
                Ok(JsValue::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<JsValue<'de>, E> {
                Ok(JsValue::Number(n as f64))
            }
            fn visit_u64<E>(self, n: u64) -> Result<JsValue<'de>, E> {
                Ok(JsValue::Number(n as f64))
            }
            fn visit_f64<E>(self, n: f64) -> Result<JsValue<'de>, E> {
                Ok(JsValue::Number(n))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<JsValue<'de>, E> {
                Ok(JsValue::String(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<JsValue<'de>, E> {
                Ok(JsValue::String(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<JsValue<'de>, E> {
                Ok(JsValue::String(Cow::Owned(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsValue<'de>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(JsValue::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsValue<'de>, A::Error> {
                let mut fields: Vec<(Cow<'de, str>, JsValue<'de>)> = Vec::new();
                // Where each key is, once the object is too large to scan for repeats.
                let mut index: Option<HashMap<Cow<'de, str>, usize>> = None;
                while let Some((Text(key), value)) = map.next_entry::<Text<'de>, JsValue<'de>>()? {
                    // JSON.parse keeps a repeated key at its first position with the last value.
                    let found = match &index {
                        Some(index) => index.get(&key).copied(),
                        None => fields.iter().position(|(k, _)| *k == key),
                    };
                    match found {
                        Some(i) => fields[i].1 = value,
                        None => {
                            if let Some(index) = &mut index {
                                index.insert(key.clone(), fields.len());
                            }
                            fields.push((key, value));
                            if index.is_none() && fields.len() > FAST_PATH_KEYS {
                                index = Some(
                                    fields
                                        .iter()
                                        .enumerate()
                                        .map(|(i, (k, _))| (k.clone(), i))
                                        .collect(),
                                );
                            }
                        }
                    }
                }
                Ok(JsValue::Object(fields))
            }
        }
        deserializer.deserialize_any(V)
    }
}
