//! A delivery's body, as JSON or as a form: its `eventName` and its `data`.
//!
//! Errors say what is wrong and, for JSON, where (line and column), never what the body holds.

use http::HeaderMap;
use http::header::CONTENT_TYPE;
use percent_encoding::percent_decode;
use serde_json::{Map, Value};

use super::WebhookError;

const FORM: &str = "application/x-www-form-urlencoded";

/// Whether the `content-type` names a form (parameters such as `; charset=utf-8` aside).
pub(super) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case(FORM))
}

/// A JSON body: an object with a text `eventName` and any `data` (`null` when absent).
pub(super) fn read_json(body: &[u8]) -> Result<(String, Value), WebhookError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Eof => "the JSON ends early",
            Category::Syntax | Category::Data | Category::Io => "the body is not valid JSON",
        };
        WebhookError::Unreadable(format!("{what} (line {}, column {})", e.line(), e.column()))
    })?;
    let Value::Object(map) = value else {
        return Err(WebhookError::Unreadable(
            "the body is JSON but not an object".into(),
        ));
    };
    event_of(map)
}

fn event_of(mut map: Map<String, Value>) -> Result<(String, Value), WebhookError> {
    match map.remove("eventName") {
        Some(Value::String(name)) if !name.is_empty() => {
            Ok((name, map.remove("data").unwrap_or(Value::Null)))
        }
        _ => Err(WebhookError::MissingEventName),
    }
}

/// A form body (`a=1&b=2`): its `eventName` field, and its `data` field read as JSON text, or
/// kept as a JSON string when it is not JSON (`null` when absent). How GenAuth encodes `data`
/// in a form is not documented: this reading is an assumption. Other fields are ignored; a
/// field named twice, or not UTF-8 once decoded, makes the body unreadable.
pub(super) fn read_form(body: &[u8]) -> Result<(String, Value), WebhookError> {
    let mut name = None;
    let mut data = None;
    for pair in body.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let (slot, field) = match form_text(key)?.as_str() {
            "eventName" => (&mut name, "eventName"),
            "data" => (&mut data, "data"),
            _ => continue,
        };
        if slot.is_some() {
            return Err(WebhookError::Unreadable(format!(
                "the form has more than one `{field}` field"
            )));
        }
        *slot = Some(form_text(value)?);
    }
    let mut map = Map::new();
    if let Some(name) = name {
        map.insert("eventName".into(), Value::String(name));
    }
    if let Some(data) = data {
        let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
        map.insert("data".into(), data);
    }
    event_of(map)
}

/// One form key or value: `+` is a space, `%XX` a byte, and the bytes must be UTF-8.
fn form_text(raw: &[u8]) -> Result<String, WebhookError> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&spaced)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| WebhookError::Unreadable("a form field is not UTF-8 once decoded".into()))
}
