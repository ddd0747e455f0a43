//! Response body snippets for error texts, with the values of secret fields removed.
//!
//! Works on any bytes (truncated JSON, HTML, binary): it never parses, it scans. A value under
//! a secret key, whether a string, a number, an object or an array, becomes `"[REDACTED]"`.
//! [`masked_snippet`], for answers that may carry personal data, also masks every string value
//! but those of the envelope's head, keeping the keys and the structure.

// `SENSITIVE_FIELDS`: every property the spec marks as a secret, sorted (build.rs).
include!(concat!(env!("OUT_DIR"), "/sensitive_fields.rs"));

/// How many bytes of a response body an error keeps for diagnosis.
pub(crate) const SNIPPET_BYTES: usize = 512;

/// The start of a body for an error text, with the values of secret-looking JSON fields
/// replaced by `[REDACTED]`. Errors use [`masked_snippet`]; this one shows, in the tests, what
/// the redaction alone does.
#[cfg(test)]
pub(crate) fn snippet(body: &[u8]) -> String {
    cut(redacted(body, SNIPPET_BYTES, false))
}

/// [`snippet`] that also replaces every string value with `"***"`, except the values of the
/// top-level head fields (`statusCode`, `message`, `apiCode`, `requestId`). Object keys,
/// numbers, booleans and the structure stay, so a decode failure can still be understood,
/// while names, emails and phone numbers cannot reach a log.
pub(crate) fn masked_snippet(body: &[u8]) -> String {
    cut(redacted(body, SNIPPET_BYTES, true))
}

fn cut(clean: Vec<u8>) -> String {
    let cut = &clean[..clean.len().min(SNIPPET_BYTES)];
    String::from_utf8_lossy(cut).into_owned()
}

/// Whether a JSON key names a secret: a field the spec marks sensitive, or a name that says
/// secret, password, token or private key.
fn is_sensitive_key(key: &[u8]) -> bool {
    let folded: Vec<u8> = key
        .iter()
        .filter(|b| !matches!(b, b'_' | b'-'))
        .map(u8::to_ascii_lowercase)
        .collect();
    const WORDS: [&[u8]; 4] = [b"secret", b"password", b"token", b"privatekey"];
    WORDS
        .iter()
        .any(|w| folded.windows(w.len()).any(|x| x == *w))
        || std::str::from_utf8(key).is_ok_and(|k| SENSITIVE_FIELDS.binary_search(&k).is_ok())
}

/// Where the JSON string starting at `body[start]` (a `"`) ends: the index after its closing
/// quote, and the end of its content. An unterminated string runs to the end of `body`.
fn string_end(body: &[u8], start: usize) -> (usize, usize) {
    let mut i = start + 1;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return (i + 1, i),
            _ => i += 1,
        }
    }
    (body.len(), body.len())
}

/// The head fields whose values a masked snippet keeps (at the top level only).
const HEAD_KEYS: [&[u8]; 4] = [b"statusCode", b"message", b"apiCode", b"requestId"];

/// Copies `body` until about `budget` bytes are written, replacing the value of every
/// sensitive key, and with `mask` every string value outside the head. Works on any bytes,
/// including truncated or invalid JSON.
fn redacted(body: &[u8], budget: usize, mask: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len().min(budget) + 16);
    let mut last_string: Option<(usize, usize)> = None;
    // Nesting depth outside strings, and whether the value being read belongs to a head key.
    let mut depth = 0usize;
    let mut head_value = false;
    let mut i = 0;
    while i < body.len() && out.len() < budget {
        match body[i] {
            b'"' => {
                let (end, content_end) = string_end(body, i);
                let is_key = body[end..]
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|b| *b == b':');
                if mask && !is_key && !head_value {
                    out.extend_from_slice(b"\"***\"");
                } else {
                    out.extend_from_slice(&body[i..end]);
                }
                last_string = is_key.then_some((i + 1, content_end));
                head_value = false;
                i = end;
            }
            b':' => {
                out.push(b':');
                i += 1;
                let key = last_string.take();
                head_value =
                    depth == 1 && key.is_some_and(|(a, b)| HEAD_KEYS.contains(&&body[a..b]));
                if !key.is_some_and(|(a, b)| is_sensitive_key(&body[a..b])) {
                    continue;
                }
                head_value = false;
                while i < body.len() && body[i].is_ascii_whitespace() {
                    out.push(body[i]);
                    i += 1;
                }
                match body.get(i) {
                    Some(b'"') => {
                        out.extend_from_slice(b"\"[REDACTED]\"");
                        i = string_end(body, i).0;
                    }
                    Some(b'{' | b'[') => {
                        out.extend_from_slice(b"\"[REDACTED]\"");
                        i = container_end(body, i);
                    }
                    None => {}
                    Some(_) => {
                        out.extend_from_slice(b"[REDACTED]");
                        while i < body.len() && !matches!(body[i], b',' | b'}' | b']') {
                            i += 1;
                        }
                    }
                }
            }
            b if b.is_ascii_whitespace() => {
                out.push(b);
                i += 1;
            }
            b => {
                match b {
                    // Only a head field's scalar value is kept: inside an array or object
                    // under `message` (say), strings are masked like any other.
                    b'{' | b'[' => {
                        depth += 1;
                        head_value = false;
                    }
                    b'}' | b']' => depth = depth.saturating_sub(1),
                    b',' => head_value = false,
                    _ => {}
                }
                out.push(b);
                last_string = None;
                i += 1;
            }
        }
    }
    out
}

/// The index after the object or array starting at `body[start]`, strings honoured; the end of
/// `body` when it is cut short.
fn container_end(body: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < body.len() {
        match body[i] {
            b'"' => {
                i = string_end(body, i).0;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_redact_secret_values_even_in_broken_json() {
        let body = br#"{"statusCode":"200","data":{"secret" : "OTP-1","accessKeySecret":"SK-2","access_token":"T-3","expires_in":7200,"userId":"u1","note":"secret: x","recoveryCode":9}}"#;
        let text = snippet(body);
        for leaked in ["OTP-1", "SK-2", "T-3"] {
            assert!(!text.contains(leaked), "{text}");
        }
        assert!(text.contains(r#""secret" : "[REDACTED]""#), "{text}");
        assert!(text.contains(r#""userId":"u1""#), "{text}");
        assert!(text.contains(r#""note":"secret: x""#), "{text}");
        assert!(text.contains(r#""expires_in":7200"#), "{text}");
        // Cut in the middle of a secret value, and escaped quotes inside one.
        assert_eq!(
            snippet(br#"{"password":"hunt"#),
            r#"{"password":"[REDACTED]""#
        );
        assert_eq!(
            snippet(br#"{"idToken":"a\"b","x":1}"#),
            r#"{"idToken":"[REDACTED]","x":1}"#
        );
        assert_eq!(snippet(b"<html>\xff</html>"), "<html>\u{fffd}</html>");
        // Containers under a secret key go whole, nested or cut short.
        assert_eq!(
            snippet(br#"{"tokens":["t1",{"a":"t2]"}],"ok":1}"#),
            r#"{"tokens":"[REDACTED]","ok":1}"#
        );
        assert_eq!(
            snippet(br#"{"secret":{"k":"v"}, "x":[1]}"#),
            r#"{"secret":"[REDACTED]", "x":[1]}"#
        );
        assert_eq!(
            snippet(br#"{"password":["cut"#),
            r#"{"password":"[REDACTED]""#
        );
        let long = vec![b'a'; 10_000];
        assert_eq!(snippet(&long).len(), SNIPPET_BYTES);
    }

    #[test]
    fn masked_snippets_keep_keys_structure_numbers_and_the_head() {
        let body = br#"{"statusCode":200,"message":"ok","requestId":"r-1","data":{"email":"a@b.c","phone":"+1 555","age":33,"ok":true,"tags":["vip"],"message":"inner","secret":42,"n":null}}"#;
        let text = masked_snippet(body);
        assert_eq!(
            text,
            r#"{"statusCode":200,"message":"ok","requestId":"r-1","data":{"email":"***","phone":"***","age":33,"ok":true,"tags":["***"],"message":"***","secret":[REDACTED],"n":null}}"#
        );
        // Cut short, HTML, and a key whose value is missing.
        assert_eq!(
            masked_snippet(br#"{"data":{"name":"Ad"#),
            r#"{"data":{"name":"***""#
        );
        assert_eq!(masked_snippet(br#"<a href="x">"#), r#"<a href="***">"#);
        // A head field holding an array or object keeps no string of it.
        assert_eq!(
            masked_snippet(
                br#"{"statusCode":400,"message":["a@b.c","+1 555"],"apiCode":{"who":"x@y.z"}}"#
            ),
            r#"{"statusCode":400,"message":["***","***"],"apiCode":{"who":"***"}}"#
        );
    }
}
