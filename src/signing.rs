//! The AK/SK request signature of the Management API (HMAC-SHA1 over a canonical string).
//!
//! Public so that tools and tests can check a signature independently of the client. This
//! module computes; it never sends, logs or stores anything.
//!
//! The string to sign is
//!
//! ```text
//! METHOD "\n"
//! name ":" value "\n"        for `date` and every brand-prefixed header, sorted by name
//! PATH                       as sent, without host and query
//! "?" key=value&...          the parameters, sorted by key, when there are any
//! ```
//!
//! Parameters are the decoded query for `GET` and the top-level fields of the JSON body for
//! every other method. Values are not URL-encoded: strings go in raw, everything else as the
//! API's JavaScript server would print it after parsing our request (`String(n)` for numbers,
//! `JSON.stringify` for objects and arrays).

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::{Brand, Error};

/// Builds the canonical string to sign for one request.
///
/// `query` is the encoded query string exactly as sent, without the `?`; `body` is the JSON
/// body exactly as sent. Fails with [`Error::InvalidRequest`] when a non-GET body is not JSON.
pub fn string_to_sign(
    brand: Brand,
    method: &str,
    path: &str,
    headers: &http::HeaderMap,
    query: Option<&str>,
    body: Option<&[u8]>,
) -> Result<String, Error> {
    let mut out = String::with_capacity(256 + body.map_or(0, <[u8]>::len));
    let start = out.len();
    out.push_str(method);
    out[start..].make_ascii_uppercase();
    let is_get = &out[start..] == "GET";
    out.push('\n');

    let prefix = brand.header_prefix();
    let mut signed: Vec<(&str, Cow<'_, str>)> = headers
        .iter()
        .filter(|(name, _)| name.as_str() == "date" || name.as_str().starts_with(prefix))
        .map(|(name, value)| (name.as_str(), clean_header_value(value.as_bytes())))
        .collect();
    signed.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (name, value) in &signed {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push_str(path);

    let mut params = if is_get {
        query_params(query.unwrap_or(""))
    } else {
        body_params(body.unwrap_or(&[]))?
    };
    if !params.is_empty() {
        out.push('?');
        params.sort_by(|a, b| utf16_cmp(&a.0, &b.0));
        for (i, (key, value)) in params.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        }
    }
    Ok(out)
}

/// Orders strings by their UTF-16 code units, as JavaScript compares them. That is byte order
/// unless a string holds a character from U+E000 up (UTF-8 lead byte 0xEE or above), where
/// the two orders can differ.
fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.bytes().chain(b.bytes()).all(|byte| byte < 0xEE) {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// The `authorization` header value: `<scheme> <accessKeyId>:<base64(HMAC-SHA1(secret, sts))>`.
pub fn authorization(
    brand: Brand,
    access_key_id: &str,
    access_key_secret: &str,
    string_to_sign: &str,
) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(access_key_secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    format!("{} {access_key_id}:{signature}", brand.signature_scheme())
}

/// Header values with tabs, newlines, carriage returns and form feeds turned into spaces,
/// then trimmed. Borrowed when the value needs no change.
fn clean_header_value(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(text) if !text.contains(['\t', '\n', '\r', '\x0c']) => Cow::Borrowed(text.trim()),
        _ => {
            let text = String::from_utf8_lossy(raw);
            Cow::Owned(
                text.replace(['\t', '\n', '\r', '\x0c'], " ")
                    .trim()
                    .to_string(),
            )
        }
    }
}

/// One parameter of the canonical string: a key and its text.
type Param<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Decoded query pairs; `k[]=a&k[]=b` is one parameter `k` whose value is `["a","b"]`.
fn query_params(query: &str) -> Vec<Param<'_>> {
    let mut plain: Vec<Param<'_>> = Vec::new();
    let mut arrays: Vec<(Cow<'_, str>, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let name = match &key {
            Cow::Borrowed(k) => k.strip_suffix("[]").map(Cow::Borrowed),
            Cow::Owned(k) => k.strip_suffix("[]").map(|n| Cow::Owned(n.to_string())),
        };
        let Some(name) = name else {
            plain.push((key, value));
            continue;
        };
        // The JSON array text grows as values arrive; it is closed below.
        match arrays.iter_mut().find(|(k, _)| *k == name) {
            Some((_, json)) => {
                json.push(',');
                write_js_string(json, &value);
            }
            None => {
                let mut json = String::from("[");
                write_js_string(&mut json, &value);
                arrays.push((name, json));
            }
        }
    }
    for (key, mut json) in arrays {
        json.push(']');
        plain.push((key, Cow::Owned(json)));
    }
    plain
}

/// Top-level fields of a JSON object body. An empty body, or one that is not an object, has no
/// parameters.
fn body_params(body: &[u8]) -> Result<Vec<Param<'_>>, Error> {
    // JSON whitespace only (not form feed, which `is_ascii_whitespace` would accept).
    if body
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return Ok(Vec::new());
    }
    let value: JsValue<'_> = serde_json::from_slice(body)
        .map_err(|e| Error::InvalidRequest(format!("cannot sign a body that is not JSON: {e}")))?;
    let JsValue::Object(fields) = value else {
        return Ok(Vec::new());
    };
    Ok(fields
        .into_iter()
        .map(|(key, value)| {
            let text = match value {
                JsValue::String(s) => s,
                other => {
                    let mut out = String::new();
                    other.write_json(&mut out);
                    Cow::Owned(out)
                }
            };
            (key, text)
        })
        .collect())
}

/// A JSON value as a JavaScript engine holds it after `JSON.parse`: numbers are doubles and
/// objects keep their keys in JavaScript property order. Strings borrow from the body when
/// they have no escapes.
#[derive(Debug, Clone, PartialEq)]
enum JsValue<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(Cow<'a, str>),
    Array(Vec<JsValue<'a>>),
    Object(Vec<(Cow<'a, str>, JsValue<'a>)>),
}

impl JsValue<'_> {
    /// `JSON.stringify` of the value.
    fn write_json(&self, out: &mut String) {
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
fn array_index(key: &str) -> Option<u32> {
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
fn write_js_string(out: &mut String, s: &str) {
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
struct Text<'a>(Cow<'a, str>);

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
                while let Some((Text(key), value)) = map.next_entry::<Text<'de>, JsValue<'de>>()? {
                    // JSON.parse keeps a repeated key at its first position with the last value.
                    match fields.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = value,
                        None => fields.push((key, value)),
                    }
                }
                Ok(JsValue::Object(fields))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stringify(json: &str) -> String {
        let v: JsValue<'_> = serde_json::from_str(json).unwrap();
        let mut out = String::new();
        v.write_json(&mut out);
        out
    }

    #[test]
    fn numbers_print_like_javascript() {
        for (input, js) in [
            ("1.0", "1"),
            ("-0", "0"),
            ("-0.0", "0"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("1e-7", "1e-7"),
            ("0.000001", "0.000001"),
            ("1.5", "1.5"),
            ("123456789012345678901", "123456789012345680000"),
            ("-2.5e-8", "-2.5e-8"),
        ] {
            assert_eq!(stringify(input), js, "{input}");
        }
    }

    #[test]
    fn objects_put_index_keys_first_then_wire_order() {
        assert_eq!(
            stringify(r#"{"b":1,"10":2,"a":3,"2":4,"01":5,"-1":6}"#),
            r#"{"2":4,"10":2,"b":1,"a":3,"01":5,"-1":6}"#
        );
        assert_eq!(stringify(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn strings_escape_like_json_stringify() {
        assert_eq!(
            stringify(r#"["q\"b\\s/\n\t\u0001é😀"]"#),
            "[\"q\\\"b\\\\s/\\n\\t\\u0001é😀\"]"
        );
    }

    #[test]
    fn array_index_rules() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("4294967294"), Some(4294967294));
        assert_eq!(array_index("4294967295"), None);
        assert_eq!(array_index("01"), None);
        assert_eq!(array_index(""), None);
        assert_eq!(array_index("1a"), None);
    }
}
