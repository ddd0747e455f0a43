//! The parameters of a `GET`: its query decoded into key and value pairs, with bracket-form
//! keys (`k[]`) gathered into one JSON array each.

use std::borrow::Cow;

use super::Param;
use super::js::write_js_string;

/// Decoded query pairs; `k[]=a&k[]=b` is one parameter `k` whose value is `["a","b"]`.
pub(super) fn query_params(query: &str) -> Vec<Param<'_>> {
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
pub(super) fn group_params<'a>(pairs: impl Iterator<Item = Param<'a>>) -> Vec<Param<'a>> {
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
