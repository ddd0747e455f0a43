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
use std::collections::HashMap;
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
    write_string_to_sign(
        &mut out,
        brand,
        method,
        path,
        headers,
        QueryText::Encoded(query),
        body,
    )?;
    Ok(out)
}

/// The query a `GET` is signed with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum QueryText<'a> {
    /// The encoded query as sent, without the `?` (decoded here).
    Encoded(Option<&'a str>),
    /// The pairs before encoding, as a generated operation has them: nothing to decode. Each
    /// pair is a name and where its text sits in `texts`.
    Pairs {
        pairs: &'a [(&'static str, std::ops::Range<usize>)],
        texts: &'a str,
    },
}

/// Where the canonical string goes: a `String` to show it, or the HMAC straight away, so that
/// signing a request never builds the string.
pub(crate) trait Canonical {
    fn put(&mut self, text: &str);
}

impl Canonical for String {
    fn put(&mut self, text: &str) {
        self.push_str(text);
    }
}

impl Canonical for Hmac<sha1::Sha1> {
    fn put(&mut self, text: &str) {
        self.update(text.as_bytes());
    }
}

/// Writes the canonical string (see [`string_to_sign`]) piece by piece into `out`.
pub(crate) fn write_string_to_sign(
    out: &mut impl Canonical,
    brand: Brand,
    method: &str,
    path: &str,
    headers: &http::HeaderMap,
    query: QueryText<'_>,
    body: Option<&[u8]>,
) -> Result<(), Error> {
    let method = if method.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(method.to_ascii_uppercase())
    } else {
        Cow::Borrowed(method)
    };
    let is_get = method == "GET";
    out.put(&method);
    out.put("\n");

    // The signed headers by name, each name's values in the order they were added. A request
    // has a handful, so they are gathered on the stack (a heap list only past 16).
    let prefix = brand.header_prefix();
    let signed = |name: &str| name == "date" || name.starts_with(prefix);
    let mut few: [(&str, &[u8]); 16] = [("", &[]); 16];
    let mut count = 0;
    let mut many: Vec<(&str, &[u8])> = Vec::new();
    for (name, value) in headers {
        if !signed(name.as_str()) {
            continue;
        }
        let entry = (name.as_str(), value.as_bytes());
        if count < few.len() {
            few[count] = entry;
            count += 1;
        } else {
            if many.is_empty() {
                many.extend_from_slice(&few);
            }
            many.push(entry);
        }
    }
    let list: &mut [(&str, &[u8])] = if many.is_empty() {
        &mut few[..count]
    } else {
        &mut many
    };
    // Stable, so repeated names keep their order.
    list.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in list.iter() {
        out.put(name);
        out.put(":");
        out.put(&clean_header_value(value));
        out.put("\n");
    }
    out.put(path);

    let mut params = if is_get {
        match query {
            QueryText::Encoded(query) => query_params(query.unwrap_or("")),
            QueryText::Pairs { pairs, texts } => group_params(
                pairs
                    .iter()
                    .map(|(key, at)| (Cow::Borrowed(*key), Cow::Borrowed(&texts[at.clone()]))),
            ),
        }
    } else {
        body_params(body.unwrap_or(&[]))?
    };
    if !params.is_empty() {
        out.put("?");
        sort_params(&mut params);
        for (i, (key, value)) in params.iter().enumerate() {
            if i > 0 {
                out.put("&");
            }
            out.put(key);
            out.put("=");
            out.put(value);
        }
    }
    Ok(())
}

/// Sorts parameters (or fields) by key in UTF-16 code unit order, as JavaScript compares strings; stable,
/// so repeated query keys keep their order. That order is byte order unless a key holds a
/// character from U+E000 up (UTF-8 lead byte 0xEE or above), so bytes are compared when no key
/// has one.
fn sort_params<T>(params: &mut [(Cow<'_, str>, T)]) {
    if params.iter().all(|(k, _)| k.bytes().all(|b| b < 0xEE)) {
        params.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        params.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    }
}

/// The `authorization` header value: `<scheme> <accessKeyId>:<base64(HMAC-SHA1(secret, sts))>`.
pub fn authorization(
    brand: Brand,
    access_key_id: &str,
    access_key_secret: &str,
    string_to_sign: &str,
) -> String {
    authorization_with(
        brand,
        access_key_id,
        &keyed_mac(access_key_secret),
        string_to_sign,
    )
}

/// HMAC-SHA1 keyed with the access key secret. The key schedule is done once per client and
/// the state cloned per request.
pub(crate) fn keyed_mac(access_key_secret: &str) -> Hmac<sha1::Sha1> {
    Hmac::<sha1::Sha1>::new_from_slice(access_key_secret.as_bytes())
        .expect("HMAC accepts keys of any length")
}

/// [`authorization`] with an already keyed HMAC.
pub(crate) fn authorization_with(
    brand: Brand,
    access_key_id: &str,
    mac: &Hmac<sha1::Sha1>,
    string_to_sign: &str,
) -> String {
    let mut mac = mac.clone();
    mac.update(string_to_sign.as_bytes());
    let signature = encode_signature(mac);
    let signature = std::str::from_utf8(&signature).expect("base64 is ASCII");
    format!("{} {access_key_id}:{signature}", brand.signature_scheme())
}

/// The base64 text of a finished HMAC-SHA1: 20 bytes make 28 characters.
pub(crate) fn encode_signature(mac: Hmac<sha1::Sha1>) -> [u8; 28] {
    let mut text = [0u8; 28];
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(mac.finalize().into_bytes(), &mut text)
        .expect("28 bytes hold the base64 of 20");
    debug_assert_eq!(written, 28);
    text
}

/// Header values with tabs, newlines, carriage returns and form feeds turned into spaces,
/// then trimmed. Borrowed when the value needs no change.
fn clean_header_value(raw: &[u8]) -> Cow<'_, str> {
    // Most values are visible ASCII without spaces: nothing to clean or trim.
    if raw.iter().all(|b| (0x21..0x7f).contains(b)) {
        return Cow::Borrowed(std::str::from_utf8(raw).expect("ASCII is UTF-8"));
    }
    let clean = !raw
        .iter()
        .any(|b| matches!(b, b'\t' | b'\n' | b'\r' | 0x0c));
    match std::str::from_utf8(raw) {
        Ok(text) if clean => Cow::Borrowed(text.trim()),
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
    // Without `%` or `+` nothing needs decoding: split as form_urlencoded would (empty pieces
    // skipped, a key without `=` has an empty value), borrowing every key and value.
    if !query.contains(['%', '+']) {
        let pairs = query
            .split('&')
            .filter(|piece| !piece.is_empty())
            .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
            .map(|(key, value)| (Cow::Borrowed(key), Cow::Borrowed(value)));
        return group_params(pairs);
    }
    group_params(form_urlencoded::parse(query.as_bytes()))
}

/// Query pairs as parameters, bracket-form keys gathered into one JSON array each.
fn group_params<'a>(pairs: impl Iterator<Item = Param<'a>>) -> Vec<Param<'a>> {
    let mut plain: Vec<Param<'a>> = Vec::new();
    let mut arrays: Vec<(Cow<'a, str>, String)> = Vec::new();
    for (key, value) in pairs {
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
fn value_text<'a>(
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
const FAST_PATH_KEYS: usize = 32;

/// Buffers reused while checking the values of one body.
#[derive(Default)]
struct Scratch<'a> {
    /// For each open container: where its keys start in `keys`, or `None` for an array.
    frames: Vec<Option<usize>>,
    /// The keys of the open objects, to spot repeats.
    keys: Vec<&'a [u8]>,
}

impl<'a> Scratch<'a> {
    /// Whether `raw`, a valid JSON object or array, is exactly what `JSON.stringify` would
    /// print for it: no whitespace, escapes only where and as JavaScript writes them, plain
    /// numbers only, no index-like or repeated keys. `false` only means "take the slow path".
    fn is_canonical(&mut self, raw: &'a [u8]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_queries_split_as_form_urlencoded_does() {
        for query in [
            "",
            "a=1",
            "userId=6319a1504f3xxxxf214dd5b7&userIdType=external_id",
            "a=1&&b=&c&=d&e==f&",
            "ids[]=x&ids[]=y&z=1",
            "a=%20b&c=d+e",
            "k=\u{e9}&\u{1f600}=v",
        ] {
            let slow = group_params(form_urlencoded::parse(query.as_bytes()));
            assert_eq!(query_params(query), slow, "{query}");
        }
    }

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
    fn large_objects_keep_last_values_in_first_positions() {
        let mut json = String::from("{");
        for i in 0..100 {
            json.push_str(&format!("\"k{i}\":{i},"));
        }
        json.push_str("\"k5\":\"last\",\"k99\":null}");
        let out = stringify(&json);
        assert!(out.starts_with(r#"{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":"last","k6":6"#));
        assert!(out.ends_with(r#""k98":98,"k99":null}"#), "{out}");
        let mut scratch = Scratch::default();
        assert!(!scratch.is_canonical(json.as_bytes()));
    }

    #[test]
    fn bodies_with_100k_keys_sign_in_linear_time() {
        // Before hashing, the repeat checks made this quadratic: minutes in a debug build.
        let keys: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\":{i}")).collect();
        let object = format!("{{{}}}", keys.join(","));
        let body = format!("{{\"customData\":{object},\"a\":1}}");
        let sign = |body: &str| {
            let headers = http::HeaderMap::new();
            string_to_sign(
                Brand::GenAuth,
                "POST",
                "/p",
                &headers,
                None,
                Some(body.as_bytes()),
            )
            .unwrap()
        };
        let sts = sign(&body);
        assert!(
            sts.ends_with("\"k99999\":99999}"),
            "{}",
            &sts[sts.len() - 40..]
        );
        let sts = sign(&object);
        assert!(
            sts.starts_with("POST\n/p?k0=0&k1=1&k10=10&"),
            "{}",
            &sts[..40]
        );
    }

    #[test]
    fn strings_escape_like_json_stringify() {
        assert_eq!(
            stringify(r#"["q\"b\\s/\n\t\u0001é😀"]"#),
            "[\"q\\\"b\\\\s/\\n\\t\\u0001é😀\"]"
        );
    }

    #[test]
    fn canonical_raw_values_are_used_verbatim_and_others_rewritten() {
        let text = |raw: &str| {
            value_text(raw, &mut Scratch::default())
                .unwrap()
                .into_owned()
        };
        let verbatim = |raw: &str| {
            let mut scratch = Scratch::default();
            matches!(value_text(raw, &mut scratch).unwrap(), Cow::Borrowed(t) if t == raw)
        };
        for raw in [
            r#"{"a":[1,-2.5,0.000001,"x\n\u001f"],"b":{"c":null,"d":true}}"#,
            "[]",
            "{}",
            "123456789012345",
            "false",
        ] {
            assert!(verbatim(raw), "{raw}");
        }
        for (raw, js) in [
            (r#"{"a": 1}"#, r#"{"a":1}"#),
            (r#"{"b":1,"2":0}"#, r#"{"2":0,"b":1}"#),
            (r#"{"a":1,"a":2}"#, r#"{"a":2}"#),
            (r#"[1.0,1e2,-0,2.50,0.0000001]"#, "[1,100,0,2.5,1e-7]"),
            (r#"["\/\u00e9\u000A"]"#, "[\"/é\\n\"]"),
            ("1234567890123456789", "1234567890123456800"),
            ("-0", "0"),
            (r#""s\"q""#, "s\"q"),
        ] {
            assert_eq!(text(raw), js, "{raw}");
        }
    }

    /// The text `JSON.stringify` gives after `JSON.parse`, always through [`JsValue`].
    fn slow_text(raw: &str) -> String {
        match serde_json::from_str::<JsValue<'_>>(raw).unwrap() {
            JsValue::String(text) => text.into_owned(),
            other => {
                let mut out = String::new();
                other.write_json(&mut out);
                out
            }
        }
    }

    fn any_json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            (-1e6f64..1e6).prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            (0u32..20, -9i32..3)
                .prop_map(|(m, e)| serde_json::Value::from(f64::from(m) * 10f64.powi(e))),
            "[a-z0-9\"\\\\/\u{0}-\u{1f}é😀\u{2028}]{0,6}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-c0-9]{0,3}", inner, 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 512,
            failure_persistence: None,
            ..Default::default()
        })]

        /// What serde_json writes (the SDK's own bodies) takes the fast path where it can, and
        /// the fast path always agrees with the full parse.
        #[test]
        fn fast_path_agrees_with_the_full_parse(value in any_json()) {
            let raw = serde_json::to_string(&value).unwrap();
            let fast = value_text(&raw, &mut Scratch::default()).unwrap().into_owned();
            proptest::prop_assert_eq!(fast, slow_text(&raw), "raw: {}", raw);
            let spaced = serde_json::to_string_pretty(&value).unwrap();
            let fast = value_text(&spaced, &mut Scratch::default()).unwrap().into_owned();
            proptest::prop_assert_eq!(fast, slow_text(&spaced), "raw: {}", spaced);
        }
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
