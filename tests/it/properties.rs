//! Property tests for two public surfaces of the crate.
//!
//! Signing: `genauth::signing::string_to_sign` is compared with a small reference written
//! here from the rules alone (JavaScript's `JSON.stringify` and `String(n)`, form-urlencoded
//! queries, keys sorted by UTF-16 code units), on generated headers, queries and JSON bodies;
//! it must also never panic, whatever it is given.
//!
//! Decoding: every response type of the spec's `Users` tag must turn arbitrary bytes, mutated
//! sample bodies and arbitrary JSON into `Ok` or `Err`, never a panic. A test against the
//! vendored spec keeps that list of types complete.

use genauth::Brand;
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Both brands with the header prefix each one signs.
const BRANDS: [(Brand, &str); 2] = [
    (Brand::GenAuth, "x-genauth-"),
    (Brand::Authing, "x-authing-"),
];

/// A runner configuration with an explicit number of cases and no regression files.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Builds the header map a client would send; `shout` writes the names in upper case, which
/// the map must normalise.
fn header_map(headers: &[(String, String)], shout: bool) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = if shout {
            name.to_ascii_uppercase()
        } else {
            name.clone()
        };
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("generated header names are valid"),
            HeaderValue::from_str(value).expect("generated header values are valid"),
        );
    }
    map
}

/// `string_to_sign`, with an error turned into a test failure.
fn sign(
    brand: Brand,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Option<&[u8]>,
) -> Result<String, TestCaseError> {
    genauth::signing::string_to_sign(brand, method, path, headers, query, body)
        .map_err(|e| TestCaseError::fail(format!("string_to_sign failed: {e}")))
}

/// The rules of the canonical string, written independently of `src/signing/` and shaped
/// differently (its own tree, escape table, key order and UTF-16 encoder).
mod reference {
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
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010", "\\u0011",
        "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
        "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
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
}

/// Writers for what goes on the wire: JSON text and query strings, each with random but
/// legal variations.
mod wire {
    use std::collections::VecDeque;

    use super::reference::{Decimal, QueryParam, Tree};

    /// A small deterministic source of choices (SplitMix64) seeded by proptest.
    pub struct Dice(u64);

    impl Dice {
        pub fn new(seed: u64) -> Self {
            Dice(seed)
        }

        /// A number in `0..sides`.
        pub fn roll(&mut self, sides: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z % sides as u64) as usize
        }

        /// True with probability `1/n`.
        pub fn one_in(&mut self, n: usize) -> bool {
            self.roll(n) == 0
        }
    }

    /// The JSON text of `tree`, with random insignificant whitespace and random (legal) choices
    /// of escapes.
    pub fn json(tree: &Tree, dice: &mut Dice) -> String {
        let mut out = String::new();
        space(dice, &mut out);
        value(tree, dice, &mut out);
        space(dice, &mut out);
        out
    }

    /// Zero or more JSON whitespace characters.
    fn space(dice: &mut Dice, out: &mut String) {
        while dice.one_in(4) {
            out.push([' ', '\t', '\n', '\r'][dice.roll(4)]);
        }
    }

    fn value(tree: &Tree, dice: &mut Dice, out: &mut String) {
        match tree {
            Tree::Null => out.push_str("null"),
            Tree::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Tree::Number(n) => out.push_str(&n.wire),
            Tree::Text(s) => string(s, dice, out),
            Tree::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    space(dice, out);
                    value(item, dice, out);
                    space(dice, out);
                }
                if items.is_empty() {
                    space(dice, out);
                }
                out.push(']');
            }
            Tree::Object(members) => {
                out.push('{');
                for (i, member) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    space(dice, out);
                    string(&member.key, dice, out);
                    space(dice, out);
                    out.push(':');
                    space(dice, out);
                    value(&member.value, dice, out);
                    space(dice, out);
                }
                if members.is_empty() {
                    space(dice, out);
                }
                out.push('}');
            }
        }
    }

    /// A JSON string literal. Characters that must be escaped are, with a short escape or
    /// `\uXXXX`; any other character is sometimes escaped too (astral ones as surrogate pairs).
    fn string(s: &str, dice: &mut Dice, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            let must_escape = c < '\u{20}' || c == '"' || c == '\\';
            if !must_escape && !dice.one_in(4) {
                out.push(c);
                continue;
            }
            let short = match c {
                '"' => Some("\\\""),
                '\\' => Some("\\\\"),
                '/' => Some("\\/"),
                '\u{8}' => Some("\\b"),
                '\u{c}' => Some("\\f"),
                '\n' => Some("\\n"),
                '\r' => Some("\\r"),
                '\t' => Some("\\t"),
                _ => None,
            };
            match short {
                Some(escape) if dice.one_in(2) => out.push_str(escape),
                _ => {
                    let upper = dice.one_in(2);
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        if upper {
                            out.push_str(&format!("\\u{unit:04X}"));
                        } else {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
            }
        }
        out.push('"');
    }

    /// One of the many JSON spellings of `d`: plain or with an exponent, with extra zeros
    /// after the fraction, `e` or `E`, an optional `+`, leading zeros in the exponent.
    pub fn number(d: &Decimal, dice: &mut Dice) -> String {
        let sign = if d.negative { "-" } else { "" };
        if d.digits.is_empty() {
            const ZEROS: [&str; 6] = ["0", "0.0", "0.000", "0e0", "0E+7", "0.00e-3"];
            return format!("{sign}{}", ZEROS[dice.roll(ZEROS.len())]);
        }
        let digits = d.digits.as_str();
        let k = digits.len() as i32;
        let n = d.point;
        let padding = "0".repeat(dice.roll(3));
        let text = match dice.roll(3) {
            0 if (-25..=25).contains(&n) => {
                if n <= 0 {
                    format!(
                        "0.{}{digits}{padding}",
                        "0".repeat(n.unsigned_abs() as usize)
                    )
                } else if n < k {
                    let (whole, fraction) = digits.split_at(n as usize);
                    format!("{whole}.{fraction}{padding}")
                } else {
                    let whole = format!("{digits}{}", "0".repeat((n - k) as usize));
                    format!("{whole}{}", fraction("", &padding))
                }
            }
            1 => {
                let split = 1 + dice.roll(digits.len());
                let (whole, rest) = digits.split_at(split);
                let e = exponent(n - split as i32, dice);
                format!("{whole}{}{e}", fraction(rest, &padding))
            }
            _ => format!("0.{digits}{padding}{}", exponent(n, dice)),
        };
        format!("{sign}{text}")
    }

    /// `.digits` followed by `padding` zeros, or nothing when both are empty.
    fn fraction(digits: &str, padding: &str) -> String {
        if digits.is_empty() && padding.is_empty() {
            String::new()
        } else {
            format!(".{digits}{padding}")
        }
    }

    fn exponent(e: i32, dice: &mut Dice) -> String {
        let mark = if dice.one_in(2) { 'e' } else { 'E' };
        let sign = if e < 0 {
            "-"
        } else if dice.one_in(2) {
            "+"
        } else {
            ""
        };
        let zeros = "0".repeat(dice.roll(3));
        format!("{mark}{sign}{zeros}{}", e.unsigned_abs())
    }

    /// The decoded pairs of a query in a random order that keeps the values of each repeated
    /// key in their own order (`k[]=a&x=1&k[]=b` is as good as `k[]=a&k[]=b&x=1`).
    pub fn interleave(params: &[QueryParam], dice: &mut Dice) -> Vec<(String, String)> {
        let mut queues: Vec<VecDeque<(String, String)>> = params
            .iter()
            .map(|p| match p {
                QueryParam::Single { key, value } => VecDeque::from([(key.clone(), value.clone())]),
                QueryParam::Repeated { key, values } => values
                    .iter()
                    .map(|v| (format!("{key}[]"), v.clone()))
                    .collect(),
            })
            .collect();
        let mut pairs = Vec::new();
        loop {
            let live: Vec<usize> = (0..queues.len())
                .filter(|&i| !queues[i].is_empty())
                .collect();
            if live.is_empty() {
                return pairs;
            }
            let pick = live[dice.roll(live.len())];
            pairs.extend(queues[pick].pop_front());
        }
    }

    /// Ways of writing a query string; a form-urlencoded parser reads them all the same.
    #[derive(Clone, Copy, Debug)]
    pub enum QueryStyle {
        /// Every byte outside `A-Z a-z 0-9 - . _ ~` percent-encoded, upper-case hex.
        Strict,
        /// Only what the parser would misread is encoded (`&`, `=`, `+`, `%`, `#`, controls),
        /// lower-case hex, spaces as `+`, non-ASCII raw, stray empty pieces, `=` left out
        /// after a non-empty key with an empty value.
        Loose,
        /// `form_urlencoded::Serializer`, as a browser form would send it.
        Form,
    }

    pub fn query(pairs: &[(String, String)], style: QueryStyle, dice: &mut Dice) -> String {
        match style {
            QueryStyle::Form => form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish(),
            QueryStyle::Strict => pairs
                .iter()
                .map(|(k, v)| format!("{}={}", strict(k), strict(v)))
                .collect::<Vec<_>>()
                .join("&"),
            QueryStyle::Loose => {
                let mut pieces = Vec::new();
                for (k, v) in pairs {
                    while dice.one_in(5) {
                        pieces.push(String::new());
                    }
                    if v.is_empty() && !k.is_empty() && dice.one_in(2) {
                        pieces.push(loose(k));
                    } else {
                        pieces.push(format!("{}={}", loose(k), loose(v)));
                    }
                }
                pieces.join("&")
            }
        }
    }

    fn strict(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    fn loose(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                ' ' => out.push('+'),
                '&' | '=' | '+' | '%' | '#' => out.push_str(&format!("%{:02x}", c as u32)),
                c if c.is_ascii_control() => out.push_str(&format!("%{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        out
    }
}

/// Generators of signing inputs.
mod strategies {
    use std::collections::HashSet;

    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::reference::{Decimal, Member, Number, QueryParam, Tree};
    use super::wire::{self, Dice};

    /// Characters that stress every rule: a few letters (so keys share prefixes), query and
    /// JSON punctuation, controls, the last BMP block and astral characters (which sort
    /// differently by UTF-16 than by UTF-8), and anything at all.
    pub fn character() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => proptest::char::range('a', 'e'),
            3 => select(vec![
                '&', '=', '+', '%', ' ', '#', '?', '[', ']', '"', '\\', '/', '0', '1', '9', '\t',
                '\n', '\r', '\u{8}', '\u{c}', '\u{7f}', 'é', '中', '\u{2028}', '\u{fffd}',
            ]),
            1 => proptest::char::range('\0', '\u{1f}'),
            2 => proptest::char::range('\u{e000}', '\u{ffff}'),
            2 => proptest::char::range('\u{10000}', '\u{10ffff}'),
            2 => any::<char>(),
        ]
    }

    pub fn text(max_len: usize) -> impl Strategy<Value = String> {
        vec(character(), 0..=max_len).prop_map(|chars| chars.into_iter().collect())
    }

    /// Object keys: canonical array indices, keys that only look like one, and free text.
    fn object_key() -> impl Strategy<Value = String> {
        prop_oneof![
            2 => "0|[1-9][0-9]{0,10}",
            1 => select(vec!["01", "00", "-1", "+1", " 1", "1.5", "1e3", "4294967294", "4294967295"])
                .prop_map(str::to_owned),
            3 => text(4),
        ]
    }

    /// Zero, safe integers, and decimals of up to 15 significant digits anywhere in the
    /// range of normal doubles (mostly near the points where `String(n)` changes notation).
    fn decimal() -> impl Strategy<Value = Decimal> {
        let zero = any::<bool>().prop_map(|negative| Decimal {
            negative,
            digits: String::new(),
            point: 0,
        });
        let safe_integer =
            (any::<bool>(), prop_oneof![1u64..1000, 1u64..(1 << 53)]).prop_map(|(negative, n)| {
                let text = n.to_string();
                Decimal {
                    negative,
                    digits: text.trim_end_matches('0').to_owned(),
                    point: text.len() as i32,
                }
            });
        let short_decimal = (
            any::<bool>(),
            "[1-9]([0-9]{0,13}[1-9])?",
            prop_oneof![3 => -8i32..=24, 1 => -300i32..=300],
        )
            .prop_map(|(negative, digits, point)| Decimal {
                negative,
                digits,
                point,
            });
        prop_oneof![1 => zero, 3 => safe_integer, 4 => short_decimal]
    }

    fn number() -> impl Strategy<Value = Number> {
        (decimal(), any::<u64>()).prop_map(|(d, seed)| Number {
            wire: wire::number(&d, &mut Dice::new(seed)),
            js: d.js_text(),
        })
    }

    /// Any JSON value, nested at most three levels deep.
    pub fn tree() -> impl Strategy<Value = Tree> {
        let leaf = prop_oneof![
            Just(Tree::Null),
            any::<bool>().prop_map(Tree::Bool),
            number().prop_map(Tree::Number),
            text(6).prop_map(Tree::Text),
        ];
        leaf.prop_recursive(3, 32, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(Tree::List),
                members(inner).prop_map(Tree::Object),
            ]
        })
    }

    /// Object members with unique keys, in generated order.
    pub fn members(value: impl Strategy<Value = Tree>) -> impl Strategy<Value = Vec<Member>> {
        vec((object_key(), value), 0..5).prop_map(|pairs| {
            let mut seen = HashSet::new();
            pairs
                .into_iter()
                .filter(|(key, _)| seen.insert(key.clone()))
                .map(|(key, value)| Member { key, value })
                .collect()
        })
    }

    /// Headers with unique lower-case names: both brands' prefixed headers, `date`, names
    /// that only resemble a prefix, and ordinary unsigned ones. Values have stray spaces and
    /// tabs at the ends and inside.
    pub fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
        let name = prop_oneof![
            "x-genauth-[a-z0-9-]{1,8}",
            "x-authing-[a-z0-9-]{1,8}",
            Just("date".to_owned()),
            select(vec![
                "accept",
                "content-type",
                "user-agent",
                "x-request-id",
                "x-genauth",
                "x-authing",
                "authorization",
            ])
            .prop_map(str::to_owned),
        ];
        let value = "[ \t]{0,2}[ -~\t]{0,16}[ \t]{0,2}";
        vec((name, value), 0..7).prop_map(|pairs| {
            let mut seen = HashSet::new();
            pairs
                .into_iter()
                .filter(|(name, _)| seen.insert(name.clone()))
                .collect()
        })
    }

    pub fn path() -> impl Strategy<Value = String> {
        "/[a-zA-Z0-9/_.~-]{0,24}"
    }

    /// GET parameters with unique keys; a single key never ends in `[]`, which would make it a
    /// repeated one.
    pub fn query_params() -> impl Strategy<Value = Vec<QueryParam>> {
        let param = prop_oneof![
            3 => (text(4), text(6)).prop_map(|(key, value)| QueryParam::Single { key, value }),
            1 => (text(4), vec(text(4), 1..4))
                .prop_map(|(key, values)| QueryParam::Repeated { key, values }),
        ];
        vec(param, 0..6).prop_map(|params| {
            let mut seen = HashSet::new();
            params
                .into_iter()
                .filter(|p| match p {
                    QueryParam::Single { key, .. } => !key.ends_with("[]"),
                    QueryParam::Repeated { .. } => true,
                })
                .filter(|p| seen.insert(p.key().to_owned()))
                .collect()
        })
    }
}

/// The reference, and genauth with it, on examples whose JavaScript output is known.
mod signing_examples {
    use genauth::Brand;
    use http::HeaderMap;

    use super::reference::{self, Decimal, Member, Number, QueryParam, Tree};
    use super::{BRANDS, header_map};

    fn decimal(negative: bool, digits: &str, point: i32) -> Decimal {
        Decimal {
            negative,
            digits: digits.to_owned(),
            point,
        }
    }

    fn number(wire: &str, js: &str) -> Tree {
        Tree::Number(Number {
            wire: wire.to_owned(),
            js: js.to_owned(),
        })
    }

    fn text(s: &str) -> Tree {
        Tree::Text(s.to_owned())
    }

    fn object(members: Vec<(&str, Tree)>) -> Tree {
        Tree::Object(
            members
                .into_iter()
                .map(|(key, value)| Member {
                    key: key.to_owned(),
                    value,
                })
                .collect(),
        )
    }

    fn genauth(method: &str, query: Option<&str>, body: Option<&[u8]>) -> String {
        genauth::signing::string_to_sign(
            Brand::GenAuth,
            method,
            "/p",
            &HeaderMap::new(),
            query,
            body,
        )
        .expect("the example is signable")
    }

    #[test]
    fn numbers_print_like_javascript() {
        for (d, js) in [
            (decimal(false, "", 0), "0"),
            (decimal(true, "", 0), "0"),
            (decimal(false, "15", 1), "1.5"),
            (decimal(false, "1", 3), "100"),
            (decimal(true, "1", 1), "-1"),
            (decimal(false, "123456", 3), "123.456"),
            (decimal(false, "123", -2), "0.00123"),
            (decimal(false, "1", -5), "0.000001"),
            (decimal(false, "1", -6), "1e-7"),
            (decimal(true, "25", -7), "-2.5e-8"),
            (decimal(false, "1", 21), "100000000000000000000"),
            (decimal(false, "1", 22), "1e+21"),
            (
                decimal(false, "12345678901234568", 21),
                "123456789012345680000",
            ),
            (decimal(false, "9007199254740991", 16), "9007199254740991"),
            (decimal(false, "5", -323), "5e-324"),
            (
                decimal(false, "17976931348623157", 309),
                "1.7976931348623157e+308",
            ),
        ] {
            assert_eq!(d.js_text(), js, "{d:?}");
        }
    }

    #[test]
    fn index_keys_first_and_numbers_as_javascript_prints_them() {
        let wire = r#"{"b":1,"10":2,"a":[1.50,"x\n"]}"#;
        let tree = object(vec![
            ("b", number("1", "1")),
            ("10", number("2", "2")),
            ("a", Tree::List(vec![number("1.50", "1.5"), text("x\n")])),
        ]);
        let expected = r#"POST
/p?10=2&a=[1.5,"x\n"]&b=1"#;
        let params = reference::body_params(&tree);
        assert_eq!(
            reference::string_to_sign("x-genauth-", "POST", "/p", &[], params),
            expected
        );
        assert_eq!(genauth("POST", None, Some(wire.as_bytes())), expected);
    }

    #[test]
    fn nested_objects_escapes_and_number_spellings() {
        let wire = concat!(
            r#"{"o":{"b":1,"2":true,"01":null,"1":[],"-1":{}},"#,
            r#""a":["q\"b\\s\/\u0001\u001F\u007fé😀"],"#,
            r#""n":-0.0,"e":15e-1,"s":"tab\there","t":"\ud83d\ude00"}"#
        );
        let tree = object(vec![
            (
                "o",
                object(vec![
                    ("b", number("1", "1")),
                    ("2", Tree::Bool(true)),
                    ("01", Tree::Null),
                    ("1", Tree::List(vec![])),
                    ("-1", object(vec![])),
                ]),
            ),
            ("a", Tree::List(vec![text("q\"b\\s/\u{1}\u{1f}\u{7f}é😀")])),
            ("n", number("-0.0", "0")),
            ("e", number("15e-1", "1.5")),
            ("s", text("tab\there")),
            ("t", text("😀")),
        ]);
        let expected = concat!(
            "PUT\n/p?",
            r#"a=["q\"b\\s/\u0001\u001f"#,
            "\u{7f}é😀\"]",
            "&e=1.5&n=0",
            r#"&o={"1":[],"2":true,"b":1,"01":null,"-1":{}}"#,
            "&s=tab\there&t=😀"
        );
        let params = reference::body_params(&tree);
        assert_eq!(
            reference::string_to_sign("x-genauth-", "PUT", "/p", &[], params),
            expected
        );
        assert_eq!(genauth("PUT", None, Some(wire.as_bytes())), expected);
    }

    #[test]
    fn query_keys_sort_by_utf16_code_units() {
        // U+FFFF is one unit 0xFFFF; U+10000 is 0xD800 0xDC00, so it sorts first in UTF-16
        // although it sorts last in UTF-8.
        let query = "%EF%BF%BF=y&%F0%90%80%80=x&b=d&B=c&=e&k%5B%5D=1&k[]=a+b";
        let params = [
            ("\u{ffff}", "y"),
            ("\u{10000}", "x"),
            ("b", "d"),
            ("B", "c"),
            ("", "e"),
        ]
        .map(|(key, value)| QueryParam::Single {
            key: key.to_owned(),
            value: value.to_owned(),
        })
        .into_iter()
        .chain([QueryParam::Repeated {
            key: "k".to_owned(),
            values: vec!["1".to_owned(), "a b".to_owned()],
        }])
        .collect::<Vec<_>>();
        let expected = "GET\n/p?=e&B=c&b=d&k=[\"1\",\"a b\"]&\u{10000}=x&\u{ffff}=y";
        let params = reference::query_params(&params);
        assert_eq!(
            reference::string_to_sign("x-genauth-", "GET", "/p", &[], params),
            expected
        );
        assert_eq!(genauth("GET", Some(query), None), expected);
    }

    #[test]
    fn only_date_and_the_brand_prefix_are_signed() {
        let headers: Vec<(String, String)> = [
            ("accept", "application/json"),
            ("x-genauth-nonce", "\t a  b\t"),
            ("x-authing-nonce", "z"),
            ("date", "Tue, 01 Jul 2025 10:00:00 GMT "),
            ("x-genauth", "not a prefix match"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        let map = header_map(&headers, false);
        let date = "date:Tue, 01 Jul 2025 10:00:00 GMT\n";
        for ((brand, prefix), own) in BRANDS
            .into_iter()
            .zip(["x-genauth-nonce:a  b\n", "x-authing-nonce:z\n"])
        {
            let expected = format!("GET\n{date}{own}/p");
            assert_eq!(
                reference::string_to_sign(prefix, "get", "/p", &headers, Vec::new()),
                expected
            );
            let actual = genauth::signing::string_to_sign(brand, "get", "/p", &map, None, None);
            assert_eq!(actual.expect("a GET is always signable"), expected);
        }
    }

    #[test]
    fn empty_and_non_object_bodies_have_no_parameters_and_broken_ones_fail() {
        for body in [&b""[..], b" \n\t\r ", b"[1,2]", b"\"s\"", b"null", b"12"] {
            assert_eq!(genauth("POST", Some("q=1"), Some(body)), "POST\n/p");
        }
        assert_eq!(genauth("POST", None, None), "POST\n/p");
        assert!(reference::body_params(&Tree::List(vec![Tree::Null])).is_empty());
        for broken in [&b"{\"a\":"[..], b"{a:1}", b"\xff", b" \x0c "] {
            let result = genauth::signing::string_to_sign(
                Brand::GenAuth,
                "POST",
                "/p",
                &HeaderMap::new(),
                None,
                Some(broken),
            );
            assert!(
                matches!(result, Err(genauth::Error::InvalidRequest(_))),
                "{broken:?}: {result:?}"
            );
        }
    }
}

/// genauth against the reference on generated requests, and on arbitrary input.
mod signing_properties {
    use genauth::{Brand, Error};
    use http::HeaderMap;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::{Index, select};

    use super::reference::{self, Tree};
    use super::strategies::{headers, members, path, query_params, text, tree};
    use super::wire::{self, Dice, QueryStyle};
    use super::{BRANDS, config, header_map, sign};

    /// JSON's own whitespace; a body of nothing else is empty.
    fn is_json_space(b: &u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\r')
    }

    proptest! {
        #![proptest_config(config(256))]

        /// A GET signs its decoded query, whichever legal way it was encoded; the body is
        /// ignored.
        #[test]
        fn get_query_matches_reference(
            method in select(vec!["GET", "get", "Get"]),
            headers in headers(),
            shout in any::<bool>(),
            path in path(),
            params in query_params(),
            style in select(vec![QueryStyle::Strict, QueryStyle::Loose, QueryStyle::Form]),
            seed in any::<u64>(),
            body in proptest::option::of(vec(any::<u8>(), 0..16)),
        ) {
            let mut dice = Dice::new(seed);
            let pairs = wire::interleave(&params, &mut dice);
            let query = wire::query(&pairs, style, &mut dice);
            let query = (!query.is_empty() || dice.one_in(2)).then_some(query);
            let map = header_map(&headers, shout);
            for (brand, prefix) in BRANDS {
                let actual = sign(brand, method, &path, &map, query.as_deref(), body.as_deref())?;
                let expected = reference::string_to_sign(
                    prefix, method, &path, &headers, reference::query_params(&params),
                );
                prop_assert_eq!(actual, expected, "query: {:?}", query);
            }
        }

        /// Any other method signs the top-level fields of its JSON object body, however the
        /// JSON is spelt; the query is ignored.
        #[test]
        fn json_body_matches_reference(
            method in select(vec!["POST", "PUT", "PATCH", "DELETE", "post"]),
            headers in headers(),
            shout in any::<bool>(),
            path in path(),
            members in members(tree()),
            seed in any::<u64>(),
        ) {
            let body = Tree::Object(members);
            let json = wire::json(&body, &mut Dice::new(seed));
            let map = header_map(&headers, shout);
            for (brand, prefix) in BRANDS {
                let actual = sign(brand, method, &path, &map, Some("x=1&k[]=2"), Some(json.as_bytes()))?;
                let expected = reference::string_to_sign(
                    prefix, method, &path, &headers, reference::body_params(&body),
                );
                prop_assert_eq!(actual, expected, "body: {}", json);
            }
        }

        /// A JSON body that is not an object has no parameters.
        #[test]
        fn non_object_json_body_has_no_parameters(
            body in tree().prop_filter("not an object", |t| !matches!(t, Tree::Object(_))),
            seed in any::<u64>(),
        ) {
            let json = wire::json(&body, &mut Dice::new(seed));
            let actual = sign(Brand::Authing, "PATCH", "/p", &HeaderMap::new(), None, Some(json.as_bytes()))?;
            prop_assert_eq!(actual, "PATCH\n/p", "body: {}", json);
        }

        /// Arbitrary bytes, and JSON cut short or with a byte replaced, never panic. JSON and
        /// an empty body (nothing but JSON whitespace) sign; anything else, a blank body with
        /// a form feed included, is an `InvalidRequest`.
        #[test]
        fn arbitrary_body_never_panics(
            method in "[A-Za-z]{1,7}".prop_filter("not GET", |m| !m.eq_ignore_ascii_case("GET")),
            body in prop_oneof![
                vec(any::<u8>(), 0..128),
                (members(tree()), any::<u64>(), any::<Index>(), any::<u8>(), any::<bool>())
                    .prop_map(|(members, seed, at, byte, cut)| {
                        let mut json = wire::json(&Tree::Object(members), &mut Dice::new(seed)).into_bytes();
                        let at = at.index(json.len());
                        if cut { json.truncate(at) } else { json[at] = byte }
                        json
                    }),
            ],
        ) {
            let result = genauth::signing::string_to_sign(
                Brand::GenAuth, &method, "/p", &HeaderMap::new(), None, Some(&body),
            );
            if let Err(e) = &result {
                prop_assert!(matches!(e, Error::InvalidRequest(_)), "unexpected error {}", e);
            }
            let is_json = serde_json::from_slice::<serde_json::Value>(&body).is_ok();
            if is_json || body.iter().all(is_json_space) {
                prop_assert!(result.is_ok(), "rejected {:?}", body);
            } else {
                prop_assert!(result.is_err(), "accepted {:?}", body);
            }
        }

        /// A GET signs any query string and path without error or panic.
        #[test]
        fn arbitrary_query_never_panics(
            method in select(vec!["GET", "get"]),
            path in any::<String>(),
            query in prop_oneof![any::<String>(), text(24), "[a-z%&=+\\[\\]0-9A-F]{0,40}"],
        ) {
            let actual = sign(Brand::GenAuth, method, &path, &HeaderMap::new(), Some(&query), None)?;
            prop_assert!(actual.starts_with(&format!("GET\n{path}")), "{:?}", actual);
        }
    }
}

/// Decoding the response types of the `Users` tag never panics.
mod decoding {
    use std::collections::BTreeSet;
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    use genauth::envelope::Envelope;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::{Index, select};
    use serde_json::Value;

    use super::config;
    use super::strategies::text;

    /// Declares `RESPONSE_TYPES`, the names of the listed types, and `decode_all`, which decodes
    /// bytes as each of them. Envelope types that decode also go through `Envelope`.
    macro_rules! users_responses {
        (envelopes: [$($envelope:ident),* $(,)?], plain: [$($plain:ident),* $(,)?] $(,)?) => {
            const RESPONSE_TYPES: &[&str] = &[$(stringify!($envelope),)* $(stringify!($plain),)*];

            /// Decodes `bytes` as each response type; returns how many accepted them.
            fn decode_all(bytes: &[u8]) -> usize {
                let mut accepted = 0;
                $(
                    if let Ok(response) = serde_json::from_slice::<genauth::types::$envelope>(bytes) {
                        accepted += 1;
                        check_envelope(response);
                    }
                )*
                $(
                    if serde_json::from_slice::<genauth::types::$plain>(bytes).is_ok() {
                        accepted += 1;
                    }
                )*
                accepted
            }
        };
    }

    // The 200-response types of the operations tagged `Users`. `CommonResponseDto` has no
    // `data`, so it is not an `Envelope`.
    users_responses! {
        envelopes: [
            AppListRespDto,
            AuthorizedResourcePaginatedRespDto,
            CheckSessionStatusRespDto,
            GetMapInfoRespDto,
            GetOtpSecretRespDto,
            GetUserEncryptPasswordBatchRespDto,
            GetUserPasswordCiphertextRespDto,
            GroupPaginatedRespDto,
            HasAnyRoleRespDto,
            IdentityListRespDto,
            IsSuccessRespDto,
            IsUserExistsRespDto,
            LinkIdentityResDto,
            ListArchivedUsersSingleRespDto,
            PrincipalAuthenticationInfoPaginatedRespDto,
            ResignUserRespDto,
            RolePaginatedRespDto,
            SyncRelationListRespDto,
            UnlinkIdentityResDto,
            UserFieldDecryptRespDto,
            UserListRespDto,
            UserLoggedInAppsListRespDto,
            UserLoggedInIdentitiesRespDto,
            UserLoginHistoryPaginatedRespDto,
            UserDepartmentPaginatedRespDto,
            UserMfaSingleRespDto,
            UserPaginatedRespDto,
            UserSingleRespDto,
        ],
        plain: [CommonResponseDto],
    }

    /// A decoded envelope yields its data exactly when its status code is 200, and otherwise
    /// an API error carrying its code and message.
    fn check_envelope<T: Envelope>(response: T) {
        let status = response.status_code();
        let message = response.message().unwrap_or_default().to_owned();
        match response.into_result(200) {
            Ok(_) => assert_eq!(status, Some(200)),
            Err(genauth::Error::Api {
                status_code,
                message: text,
                ..
            }) => {
                assert_ne!(status, Some(200));
                assert_eq!(status_code, status.unwrap_or_default());
                assert_eq!(text, message);
            }
            Err(other) => panic!("into_result gave {other:?}"),
        }
    }

    fn manifest_path(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
    }

    /// The bodies in `tests/samples`, in file-name order.
    fn samples() -> &'static [Vec<u8>] {
        static SAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        SAMPLES.get_or_init(|| {
            let mut paths: Vec<PathBuf> = fs::read_dir(manifest_path("tests/samples"))
                .expect("tests/samples is readable")
                .map(|entry| entry.expect("readable directory entry").path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect();
            paths.sort();
            assert!(!paths.is_empty(), "tests/samples has JSON bodies");
            paths
                .iter()
                .map(|path| fs::read(path).expect("readable sample"))
                .collect()
        })
    }

    /// Every object key used in the samples: generated JSON with these keys gets past the
    /// first field of a response type.
    fn sample_keys() -> Vec<String> {
        fn collect(value: &Value, keys: &mut BTreeSet<String>) {
            match value {
                Value::Array(items) => items.iter().for_each(|item| collect(item, keys)),
                Value::Object(fields) => {
                    for (key, field) in fields {
                        keys.insert(key.clone());
                        collect(field, keys);
                    }
                }
                _ => {}
            }
        }
        let mut keys = BTreeSet::new();
        for sample in samples() {
            collect(
                &serde_json::from_slice(sample).expect("samples are JSON"),
                &mut keys,
            );
        }
        keys.into_iter().collect()
    }

    /// One edit of a byte string.
    #[derive(Clone, Debug)]
    enum Mutation {
        /// Flip some bits of one byte.
        Flip { at: Index, mask: u8 },
        /// Insert bytes, often a JSON token.
        Insert { at: Index, bytes: Vec<u8> },
        /// Remove a run of bytes.
        Delete { at: Index, len: usize },
        /// Cut off the end.
        Truncate { at: Index },
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let insertion = prop_oneof![
            select(vec![
                "null",
                "true",
                "0",
                "-1",
                "1.5",
                "1e999",
                "-0",
                "18446744073709551616",
                "\"\"",
                "\"\\ud800\"",
                "[]",
                "{}",
                "[",
                "{",
                ",",
                ":",
                "\"",
                "\\",
                "\"data\":",
            ])
            .prop_map(|token| token.as_bytes().to_vec()),
            vec(any::<u8>(), 1..4),
        ];
        prop_oneof![
            (any::<Index>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
            (any::<Index>(), insertion).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
            (any::<Index>(), 1usize..16).prop_map(|(at, len)| Mutation::Delete { at, len }),
            any::<Index>().prop_map(|at| Mutation::Truncate { at }),
        ]
    }

    fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
        match mutation {
            Mutation::Insert { at, bytes: new } => {
                let i = at.index(bytes.len() + 1);
                bytes.splice(i..i, new.iter().copied());
            }
            _ if bytes.is_empty() => {}
            Mutation::Flip { at, mask } => {
                let i = at.index(bytes.len());
                bytes[i] ^= mask;
            }
            Mutation::Delete { at, len } => {
                let i = at.index(bytes.len());
                bytes.drain(i..(i + len).min(bytes.len()));
            }
            Mutation::Truncate { at } => bytes.truncate(at.index(bytes.len())),
        }
    }

    /// Any JSON value, with object keys mostly taken from the samples and numbers that are
    /// sometimes 200 (a success status).
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            Just(Value::from(200)),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            // NaN and the infinities become null.
            any::<f64>().prop_map(Value::from),
            text(8).prop_map(Value::from),
        ];
        let key = prop_oneof![3 => select(sample_keys()), 1 => text(6)].boxed();
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                vec(inner.clone(), 0..6).prop_map(Value::Array),
                vec((key.clone(), inner), 0..6)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    /// Replaces the part of `doc` that `route` leads to (each step picks a child of an array
    /// or object) with `replacement`.
    fn graft(doc: &mut Value, route: &[Index], replacement: Value) {
        if let Some((step, rest)) = route.split_first() {
            match doc {
                Value::Array(items) if !items.is_empty() => {
                    let i = step.index(items.len());
                    return graft(&mut items[i], rest, replacement);
                }
                Value::Object(fields) if !fields.is_empty() => {
                    let i = step.index(fields.len());
                    if let Some(child) = fields.values_mut().nth(i) {
                        return graft(child, rest, replacement);
                    }
                }
                _ => {}
            }
        }
        *doc = replacement;
    }

    proptest! {
        #![proptest_config(config(256))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
            decode_all(&bytes);
        }

        /// Samples with bits flipped, tokens inserted, runs deleted or the end cut off.
        #[test]
        fn mutated_samples_never_panic(sample in any::<Index>(), mutations in vec(mutation(), 1..6)) {
            let mut bytes = sample.get(samples()).clone();
            for m in &mutations {
                apply(&mut bytes, m);
            }
            decode_all(&bytes);
        }

        #[test]
        fn arbitrary_json_never_panics(value in json_value()) {
            decode_all(&serde_json::to_vec(&value).expect("a Value serialises"));
        }

        /// Samples with one part, from a leaf to the whole document, replaced by arbitrary JSON.
        #[test]
        fn samples_with_a_part_replaced_never_panic(
            sample in any::<Index>(),
            route in vec(any::<Index>(), 0..5),
            replacement in json_value(),
        ) {
            let bytes: &Vec<u8> = sample.get(samples());
            let mut doc: Value = serde_json::from_slice(bytes).expect("samples are JSON");
            graft(&mut doc, &route, replacement);
            decode_all(&serde_json::to_vec(&doc).expect("a Value serialises"));
        }
    }

    /// The harness is not vacuous: the samples of `Users` operations decode.
    #[test]
    fn users_samples_decode() {
        for name in [
            "getOtpSecretByUser.json",
            "getUser.json",
            "getUserLoginHistory.json",
        ] {
            let bytes = fs::read(manifest_path(&format!("tests/samples/{name}"))).expect(name);
            assert!(decode_all(&bytes) >= 1, "{name} decodes as no listed type");
        }
    }

    /// The list above is exactly the set of 200-response schemas of the operations tagged
    /// `Users` (the seed operation `getOtpSecretByUser` among them), so it cannot go stale.
    #[test]
    fn response_types_match_the_users_tag_of_the_spec() {
        let spec: Value = serde_json::from_slice(
            &fs::read(manifest_path("openapi/management-v3.json")).expect("the spec is vendored"),
        )
        .expect("the spec is JSON");
        let mut names = BTreeSet::new();
        let mut seed_is_tagged = false;
        for item in spec["paths"].as_object().expect("paths").values() {
            for operation in item.as_object().expect("a path item").values() {
                let tagged = operation["tags"]
                    .as_array()
                    .is_some_and(|tags| tags.iter().any(|tag| tag == "Users"));
                if !tagged {
                    continue;
                }
                seed_is_tagged |= operation["operationId"] == "getOtpSecretByUser";
                let content = operation["responses"]["200"]["content"]
                    .as_object()
                    .unwrap_or_else(|| panic!("{} has a 200 body", operation["operationId"]));
                for media in content.values() {
                    let reference = media["schema"]["$ref"].as_str().expect("a $ref schema");
                    let name = reference
                        .strip_prefix("#/components/schemas/")
                        .expect("a local schema");
                    names.insert(name.to_owned());
                }
            }
        }
        assert!(seed_is_tagged, "getOtpSecretByUser is tagged Users");
        let listed: BTreeSet<String> = RESPONSE_TYPES.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            listed.len(),
            RESPONSE_TYPES.len(),
            "the list has duplicates"
        );
        assert_eq!(names, listed);
    }
}
