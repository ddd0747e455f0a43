//! The reference for the canonical string to sign, written from the rules independently of
//! `src/signing/` and shaped differently: its own JSON tree, escape table, key order and
//! UTF-16 encoder.

use std::collections::BTreeMap;

/// A JSON document as the tests build it; objects keep their members in wire order.
#[derive(Clone, Debug)]
pub enum Tree {
    Null,
    Bool(bool),
    Number(Number),
    Text(String),
    List(Vec<Tree>),
    Object(Vec<Member>),
}

/// One member of a JSON object.
#[derive(Clone, Debug)]
pub struct Member {
    pub key: String,
    pub value: Tree,
}

/// A number as written on the wire, and as JavaScript prints it after `JSON.parse`.
#[derive(Clone, Debug)]
pub struct Number {
    pub wire: String,
    pub js: String,
}

/// The finite decimal `±0.digits × 10^point`. `digits` has no leading or trailing zero and
/// is empty for zero.
#[derive(Clone, Debug)]
pub struct Decimal {
    pub negative: bool,
    pub digits: String,
    pub point: i32,
}

impl Decimal {
    /// JavaScript's `String(n)` (ECMAScript `Number::toString`), given that `digits` are the
    /// shortest digits that identify the double, which holds for up to 15 significant
    /// digits and for every integer below 2^53.
    pub fn js_text(&self) -> String {
        if self.digits.is_empty() {
            // Both 0 and -0 print as "0".
            return "0".to_owned();
        }
        let d = self.digits.as_str();
        let k = d.len() as i32;
        let n = self.point;
        let magnitude = if k <= n && n <= 21 {
            format!("{d}{}", "0".repeat((n - k) as usize))
        } else if 0 < n && n <= 21 {
            let (whole, fraction) = d.split_at(n as usize);
            format!("{whole}.{fraction}")
        } else if -6 < n && n <= 0 {
            format!("0.{}{d}", "0".repeat(n.unsigned_abs() as usize))
        } else {
            let e = n - 1;
            let sign = if e < 0 { '-' } else { '+' };
            let mantissa = if k == 1 {
                d.to_owned()
            } else {
                format!("{}.{}", &d[..1], &d[1..])
            };
            format!("{mantissa}e{sign}{}", e.unsigned_abs())
        };
        if self.negative {
            format!("-{magnitude}")
        } else {
            magnitude
        }
    }
}

/// One parameter of a GET query.
#[derive(Clone, Debug)]
pub enum QueryParam {
    /// `key=value`, sent once.
    Single { key: String, value: String },
    /// `key[]=value` for each value in order; the server reads it as an array.
    Repeated { key: String, values: Vec<String> },
}

impl QueryParam {
    pub fn key(&self) -> &str {
        match self {
            QueryParam::Single { key, .. } | QueryParam::Repeated { key, .. } => key,
        }
    }
}

/// How `JSON.stringify` writes each character below U+0020.
const CONTROL_ESCAPES: [&str; 32] = [
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007", "\\b",
    "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012",
    "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001a",
    "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
];

/// A string literal as `JSON.stringify` writes it.
pub fn quote(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => match CONTROL_ESCAPES.get(c as usize) {
                Some(escape) => out.push_str(escape),
                None => out.push(c),
            },
        }
    }
    out.push('"');
    out
}

/// `JSON.stringify(JSON.parse(wire))` for the wire text of `tree`.
pub fn stringify(tree: &Tree) -> String {
    match tree {
        Tree::Null => "null".to_owned(),
        Tree::Bool(b) => b.to_string(),
        Tree::Number(n) => n.js.clone(),
        Tree::Text(s) => quote(s),
        Tree::List(items) => {
            let items: Vec<String> = items.iter().map(stringify).collect();
            format!("[{}]", items.join(","))
        }
        Tree::Object(members) => {
            let fields: Vec<String> = property_order(members)
                .into_iter()
                .map(|m| format!("{}:{}", quote(&m.key), stringify(&m.value)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
    }
}

/// The order in which a JavaScript object lists its own properties: array indices in
/// ascending numeric order, then every other key in insertion order.
fn property_order(members: &[Member]) -> Vec<&Member> {
    let mut indexed = BTreeMap::new();
    let mut named = Vec::new();
    for member in members {
        match array_index(&member.key) {
            Some(i) => {
                indexed.insert(i, member);
            }
            None => named.push(member),
        }
    }
    indexed.into_values().chain(named).collect()
}

/// An ECMAScript array index: an integer below 2^32 - 1 written in its canonical form.
fn array_index(key: &str) -> Option<u64> {
    let n: u64 = key.parse().ok()?;
    (n < u64::from(u32::MAX) && n.to_string() == key).then_some(n)
}

/// The UTF-16 code units of a string: JavaScript compares strings by these.
fn utf16_units(s: &str) -> Vec<u16> {
    let mut units = Vec::with_capacity(s.len());
    for c in s.chars() {
        let c = c as u32;
        if c < 0x1_0000 {
            units.push(c as u16);
        } else {
            let offset = c - 0x1_0000;
            units.push(0xD800 | (offset >> 10) as u16);
            units.push(0xDC00 | (offset & 0x3FF) as u16);
        }
    }
    units
}

/// The parameters of a GET: a single pair as it is, a repeated key as the JSON array of its
/// values.
pub fn query_params(params: &[QueryParam]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|p| match p {
            QueryParam::Single { key, value } => (key.clone(), value.clone()),
            QueryParam::Repeated { key, values } => {
                let array = Tree::List(values.iter().cloned().map(Tree::Text).collect());
                (key.clone(), stringify(&array))
            }
        })
        .collect()
}

/// The parameters of a JSON body: the top-level members of an object, strings raw and
/// everything else stringified. Any other document has none.
pub fn body_params(body: &Tree) -> Vec<(String, String)> {
    let Tree::Object(members) = body else {
        return Vec::new();
    };
    members
        .iter()
        .map(|m| {
            let value = match &m.value {
                Tree::Text(s) => s.clone(),
                other => stringify(other),
            };
            (m.key.clone(), value)
        })
        .collect()
}

/// The whole canonical string. `headers` are (lower-case name, value) with unique names;
/// `params` have unique keys.
pub fn string_to_sign(
    prefix: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    params: Vec<(String, String)>,
) -> String {
    let mut out = method.to_ascii_uppercase();
    out.push('\n');
    let signed: BTreeMap<&str, String> = headers
        .iter()
        .filter(|(name, _)| name == "date" || name.starts_with(prefix))
        .map(|(name, value)| (name.as_str(), clean_header_value(value)))
        .collect();
    for (name, value) in signed {
        out.push_str(&format!("{name}:{value}\n"));
    }
    out.push_str(path);
    let sorted: BTreeMap<Vec<u16>, (String, String)> = params
        .into_iter()
        .map(|(key, value)| (utf16_units(&key), (key, value)))
        .collect();
    if !sorted.is_empty() {
        let pairs: Vec<String> = sorted
            .into_values()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// Tabs, line breaks and form feeds become spaces; then the ends are trimmed.
fn clean_header_value(value: &str) -> String {
    let spaced: String = value
        .chars()
        .map(|c| if "\t\n\r\u{c}".contains(c) { ' ' } else { c })
        .collect();
    spaced.trim().to_owned()
}
