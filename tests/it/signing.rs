//! The public signing functions against the official SDKs' vectors and against each rule of
//! the canonical string.

use genauth::Brand;
use genauth::signing::{authorization, string_to_sign};
use http::{HeaderMap, HeaderName, HeaderValue};

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.insert(
            HeaderName::try_from(*k).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

#[test]
fn official_vectors_for_both_brands() {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("../data/sign_vectors.json")).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let name = case["case"].as_str().unwrap();
        let brand = case["brand"].as_str().unwrap().parse::<Brand>().unwrap();
        let mut map = HeaderMap::new();
        for (k, v) in case["headers"].as_object().unwrap() {
            map.insert(
                HeaderName::try_from(k.as_str()).unwrap(),
                HeaderValue::from_str(v.as_str().unwrap()).unwrap(),
            );
        }
        // Headers outside the signed set must not change anything.
        map.insert("accept", HeaderValue::from_static("application/json"));
        map.insert(
            "user-agent",
            HeaderValue::from_static("genauth-rust-sdk/test"),
        );
        let sts = string_to_sign(
            brand,
            case["method"].as_str().unwrap(),
            case["path"].as_str().unwrap(),
            &map,
            case["query"].as_str(),
            case["body"].as_str().map(str::as_bytes),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sts, case["string_to_sign"].as_str().unwrap(), "{name}");
        let auth = authorization(
            brand,
            case["access_key_id"].as_str().unwrap(),
            case["access_key_secret"].as_str().unwrap(),
            &sts,
        );
        assert_eq!(auth, case["authorization"].as_str().unwrap(), "{name}");
    }
}

fn post_params(body: &str) -> String {
    let sts = string_to_sign(
        Brand::GenAuth,
        "POST",
        "/p",
        &HeaderMap::new(),
        None,
        Some(body.as_bytes()),
    )
    .unwrap();
    sts.strip_prefix("POST\n/p").unwrap().to_string()
}

#[test]
fn numbers_follow_javascript_string_conversion() {
    assert_eq!(
        post_params(r#"{"a":1.0,"b":1e21,"c":1e-7,"d":-0,"e":0.1,"f":[2.50,1e300]}"#),
        "?a=1&b=1e+21&c=1e-7&d=0&e=0.1&f=[2.5,1e+300]"
    );
}

#[test]
fn nested_objects_use_javascript_key_order() {
    assert_eq!(
        post_params(r#"{"o":{"z":1,"10":2,"a":3,"1":4}}"#),
        r#"?o={"1":4,"10":2,"z":1,"a":3}"#
    );
}

#[test]
fn top_level_keys_sort_by_utf16_code_units() {
    // Uppercase before lowercase. U+1F600 is the surrogate pair 0xD83D 0xDE00 in UTF-16, so
    // it sorts before U+FF21 there, although its code point is the larger one.
    assert_eq!(
        post_params(r#"{"b":1,"B":2,"a":3,"Ａ":4,"😀":5}"#),
        "?B=2&a=3&b=1&😀=5&Ａ=4"
    );
}

#[test]
fn strings_are_raw_at_top_level_and_escaped_inside_values() {
    assert_eq!(
        post_params(r#"{"s":"a&b=c d/é\"q","n":{"t":"line\nbreak\t\"q\"\\"},"u":null,"v":true}"#),
        "?n={\"t\":\"line\\nbreak\\t\\\"q\\\"\\\\\"}&s=a&b=c d/é\"q&u=null&v=true"
    );
}

#[test]
fn empty_and_non_object_bodies_sign_no_parameters() {
    assert_eq!(post_params(""), "");
    assert_eq!(post_params("  "), "");
    assert_eq!(post_params("[1,2]"), "");
    assert_eq!(post_params("{}"), "");
    let err = string_to_sign(
        Brand::GenAuth,
        "POST",
        "/p",
        &HeaderMap::new(),
        None,
        Some(b"{oops"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");
}

#[test]
fn get_signs_the_decoded_query_and_bracket_arrays() {
    let sts = string_to_sign(
        Brand::Authing,
        "get",
        "/api/v3/x",
        &HeaderMap::new(),
        Some("ids[]=only&q=a%20b%2Bc&z=%E4%B8%AD"),
        None,
    )
    .unwrap();
    assert_eq!(sts, "GET\n/api/v3/x?ids=[\"only\"]&q=a b+c&z=中");
    let none = string_to_sign(
        Brand::Authing,
        "GET",
        "/api/v3/x",
        &HeaderMap::new(),
        Some(""),
        None,
    )
    .unwrap();
    assert_eq!(none, "GET\n/api/v3/x");
    // A DELETE whose arguments travel in the query signs no parameters.
    let del = string_to_sign(
        Brand::GenAuth,
        "DELETE",
        "/api/v3/ip-list/42",
        &HeaderMap::new(),
        Some("a=1"),
        None,
    )
    .unwrap();
    assert_eq!(del, "DELETE\n/api/v3/ip-list/42");
}

#[test]
fn only_date_and_brand_headers_are_signed_and_values_are_cleaned() {
    let map = headers(&[
        ("date", "Tue, 01 Jul 2025 08:00:00 GMT"),
        ("x-genauth-lang", " en-US\t"),
        ("x-authing-lang", "zh-CN"),
        ("content-type", "application/json"),
    ]);
    let sts = string_to_sign(Brand::GenAuth, "GET", "/p", &map, None, None).unwrap();
    assert_eq!(
        sts,
        "GET\ndate:Tue, 01 Jul 2025 08:00:00 GMT\nx-genauth-lang:en-US\n/p"
    );
    let sts = string_to_sign(Brand::Authing, "GET", "/p", &map, None, None).unwrap();
    assert_eq!(
        sts,
        "GET\ndate:Tue, 01 Jul 2025 08:00:00 GMT\nx-authing-lang:zh-CN\n/p"
    );
}

#[test]
fn authorization_scheme_follows_the_brand() {
    assert!(authorization(Brand::GenAuth, "AK", "SK", "x").starts_with("GenAuth AK:"));
    assert!(authorization(Brand::Authing, "AK", "SK", "x").starts_with("authing AK:"));
}
