//! Writers of request bodies and query strings as they may appear on the wire: the same
//! content with random but legal variations (spacing, escapes, number spellings, parameter
//! order, percent-encoding).

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
