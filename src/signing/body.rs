//! The parameters of every other method: the top-level fields of the JSON body, each value
//! as the API's JavaScript server prints it, with a fast path that uses the raw text when it
//! is already in that form.

use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use super::js::{JsValue, Text};
use super::{Param, sort_params};
use crate::Error;

/// Top-level fields of a JSON object body. An empty body, or one that is not an object, has no
/// parameters.
pub(super) fn body_params(body: &[u8]) -> Result<Vec<Param<'_>>, Error> {
    let not_json = |e: serde_json::Error| {
        Error::InvalidRequest(format!("cannot sign a body that is not JSON: {e}"))
    };
    let first = body
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    match first {
        // JSON whitespace only (not form feed, which `is_ascii_whitespace` would accept).
        None => return Ok(Vec::new()),
        Some(b'{') => {}
        Some(_) => {
            serde_json::from_slice::<serde::de::IgnoredAny>(body).map_err(not_json)?;
            return Ok(Vec::new());
        }
    }
    let Fields(mut fields) = serde_json::from_slice(body).map_err(not_json)?;
    // A repeated key counts once, with its last value, as after `JSON.parse`. The stable sort
    // keeps repeats in wire order, so the last of each run is the one to keep.
    sort_params(&mut fields);
    let mut scratch = Scratch::default();
    let mut params = Vec::with_capacity(fields.len());
    for (i, (key, raw)) in fields.iter().enumerate() {
        if fields.get(i + 1).is_some_and(|next| next.0 == *key) {
            continue;
        }
        let text = value_text(raw.get(), &mut scratch).map_err(not_json)?;
        params.push((key.clone(), text));
    }
    Ok(params)
}

/// The top-level members of an object in wire order, repeats included, each value left as its
/// raw JSON text.
struct Fields<'a>(Vec<(Cow<'a, str>, &'a serde_json::value::RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields: Vec<(Cow<'de, str>, &'de serde_json::value::RawValue)> = Vec::new();
                while let Some((Text(key), value)) = map.next_entry::<Text<'de>, _>()? {
                    fields.push((key, value));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// The canonical text of one top-level value: a string as it is, anything else as
/// `JSON.stringify` prints it after `JSON.parse`. Raw text that is already in that form (what
/// serde_json writes for strings, booleans, null, most numbers and objects without index keys) is
/// used as it is; anything else goes through [`JsValue`].
pub(super) fn value_text<'a>(
    raw: &'a str,
    scratch: &mut Scratch<'a>,
) -> Result<Cow<'a, str>, serde_json::Error> {
    let bytes = raw.as_bytes();
    let verbatim = match bytes.first() {
        Some(b'"') => {
            if !bytes.contains(&b'\\') {
                // No escapes: the text between the quotes is the string.
                return Ok(Cow::Borrowed(&raw[1..raw.len() - 1]));
            }
            let Text(text) = serde_json::from_str(raw)?;
            return Ok(text);
        }
        Some(b't' | b'f' | b'n') => true,
        Some(b'-' | b'0'..=b'9') => plain_number(bytes),
        Some(b'{' | b'[') => scratch.is_canonical(bytes),
        _ => false,
    };
    if verbatim {
        return Ok(Cow::Borrowed(raw));
    }
    let value: JsValue<'a> = serde_json::from_str(raw)?;
    Ok(match value {
        JsValue::String(text) => text,
        other => {
            let mut out = String::with_capacity(raw.len());
            other.write_json(&mut out);
            Cow::Owned(out)
        }
    })
}

/// A number JavaScript prints exactly as written: plain decimal notation (no exponent, no
/// trailing fraction zeros, not `-0`), at most 15 significant digits (so the double holds the
/// value and prints it back the same) and not below 1e-6 (where JavaScript switches to
/// exponent notation).
fn plain_number(bytes: &[u8]) -> bool {
    let unsigned = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let (int, frac) = match unsigned.iter().position(|&b| b == b'.') {
        Some(dot) => (&unsigned[..dot], Some(&unsigned[dot + 1..])),
        None => (unsigned, None),
    };
    let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    if !digits(int) || frac.is_some_and(|f| !digits(f) || f.ends_with(b"0")) || bytes == b"-0" {
        return false;
    }
    let significant = match (int, frac) {
        (b"0", Some(f)) => {
            let zeros = f.iter().take_while(|&&b| b == b'0').count();
            if zeros > 5 {
                return false;
            }
            f.len() - zeros
        }
        (int, frac) => int.len() + frac.map_or(0, <[u8]>::len),
    };
    significant <= 15
}

/// Objects with more keys than this are checked for repeated keys with a hash map.
pub(super) const FAST_PATH_KEYS: usize = 32;

/// Buffers reused while checking the values of one body.
#[derive(Default)]
pub(super) struct Scratch<'a> {
    /// For each open container: where its keys start in `keys`, or `None` for an array.
    frames: Vec<Option<usize>>,
    /// The keys of the open objects, to spot repeats.
    keys: Vec<&'a [u8]>,
}

impl<'a> Scratch<'a> {
    /// Whether `raw`, a valid JSON object or array, is exactly what `JSON.stringify` would
    /// print for it: no whitespace, escapes only where and as JavaScript writes them, plain
    /// numbers only, no index-like or repeated keys. `false` only means "take the slow path".
    pub(super) fn is_canonical(&mut self, raw: &'a [u8]) -> bool {
        self.frames.clear();
        self.keys.clear();
        let mut expect_key = false;
        let mut i = 0;
        while i < raw.len() {
            match raw[i] {
                b'{' => {
                    self.frames.push(Some(self.keys.len()));
                    expect_key = true;
                    i += 1;
                }
                b'[' => {
                    self.frames.push(None);
                    expect_key = false;
                    i += 1;
                }
                b'}' | b']' => {
                    if let Some(Some(start)) = self.frames.pop() {
                        self.keys.truncate(start);
                    }
                    i += 1;
                }
                b',' => {
                    expect_key = matches!(self.frames.last(), Some(Some(_)));
                    i += 1;
                }
                b':' => i += 1,
                b'"' => {
                    let Some((end, escaped)) = canonical_string_end(raw, i) else {
                        return false;
                    };
                    if expect_key {
                        let key = &raw[i + 1..end - 1];
                        let start = match self.frames.last() {
                            Some(Some(start)) => *start,
                            _ => return false,
                        };
                        // Repeats are looked for by scanning the object's keys, which is
                        // quadratic: a large object takes the slow path, which hashes.
                        if escaped
                            || key.iter().all(u8::is_ascii_digit)
                            || self.keys.len() - start >= FAST_PATH_KEYS
                            || self.keys[start..].contains(&key)
                        {
                            return false;
                        }
                        self.keys.push(key);
                        expect_key = false;
                    }
                    i = end;
                }
                b'-' | b'0'..=b'9' => {
                    let end = raw[i..]
                        .iter()
                        .position(|b| !matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                        .map_or(raw.len(), |n| i + n);
                    if !plain_number(&raw[i..end]) {
                        return false;
                    }
                    i = end;
                }
                b't' | b'n' => i += 4,
                b'f' => i += 5,
                _ => return false,
            }
        }
        true
    }
}

/// The end (index after the closing quote) of the JSON string starting at `raw[start]`, and
/// whether it has escapes; `None` when an escape is not the one `JSON.stringify` would write.
fn canonical_string_end(raw: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    let mut i = start + 1;
    while i < raw.len() {
        match raw[i] {
            b'"' => return Some((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                match raw.get(i + 1)? {
                    b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        // Only control characters without a short escape, in lowercase hex.
                        let hex = raw.get(i + 2..i + 6)?;
                        let code = std::str::from_utf8(hex)
                            .ok()
                            .and_then(|h| u8::from_str_radix(h, 16).ok())?;
                        let lowercase = !hex.iter().any(u8::is_ascii_uppercase);
                        let short = matches!(code, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d);
                        if hex.len() != 4
                            || !hex.starts_with(b"00")
                            || code >= 0x20
                            || short
                            || !lowercase
                        {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                }
            }
            _ => i += 1,
        }
    }
    None
}
