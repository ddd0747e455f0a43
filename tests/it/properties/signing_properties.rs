//! genauth against the reference on generated requests (whatever the wire spelling), and
//! `string_to_sign` on arbitrary input, where it may fail but never panic.

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
