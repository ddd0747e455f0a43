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

mod body;
mod headers;
mod js;
mod query;
mod signature;

use std::borrow::Cow;

use hmac::{Hmac, Mac};

use crate::{Brand, Error};

use body::body_params;
use headers::write_signed_headers;
use query::{group_params, query_params};
pub use signature::authorization;
pub(crate) use signature::{encode_signature, keyed_mac};

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
    write_signed_headers(out, brand, headers);
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

/// One parameter of the canonical string: a key and its text.
type Param<'a> = (Cow<'a, str>, Cow<'a, str>);

#[cfg(test)]
mod tests;
