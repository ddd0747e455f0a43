//! Unit tests of the signature's canonical string: query splitting, JavaScript number and
//! string printing, key order, the fast path against the full parse.

use std::borrow::Cow;

use super::body::{Scratch, value_text};
use super::js::{JsValue, array_index};
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
