//! Proptest generators of signing inputs: text, JSON trees, headers, paths and query
//! parameters.

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
