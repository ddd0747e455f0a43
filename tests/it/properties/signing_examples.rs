//! The reference, and genauth beside it, on hand-picked examples whose JavaScript output is
//! known: number printing, key order, escapes, which headers are signed, odd bodies.

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
    genauth::signing::string_to_sign(Brand::GenAuth, method, "/p", &HeaderMap::new(), query, body)
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
