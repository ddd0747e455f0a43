//! The headers of the string to sign: which are signed, in what order, and how a value is
//! cleaned before it is written.

use std::borrow::Cow;

use super::Canonical;
use crate::Brand;

/// Writes the signed headers (`date` and every brand-prefixed header), sorted by name, one
/// `name:value` line each.
pub(super) fn write_signed_headers(
    out: &mut impl Canonical,
    brand: Brand,
    headers: &http::HeaderMap,
) {
    // The signed headers by name, each name's values in the order they were added. A request
    // has a handful, so they are gathered on the stack (a heap list only past 16).
    let prefix = brand.header_prefix();
    let signed = |name: &str| name == "date" || name.starts_with(prefix);
    let mut few: [(&str, &[u8]); 16] = [("", &[]); 16];
    let mut count = 0;
    let mut many: Vec<(&str, &[u8])> = Vec::new();
    for (name, value) in headers {
        if !signed(name.as_str()) {
            continue;
        }
        let entry = (name.as_str(), value.as_bytes());
        if count < few.len() {
            few[count] = entry;
            count += 1;
        } else {
            if many.is_empty() {
                many.extend_from_slice(&few);
            }
            many.push(entry);
        }
    }
    let list: &mut [(&str, &[u8])] = if many.is_empty() {
        &mut few[..count]
    } else {
        &mut many
    };
    // Stable, so repeated names keep their order.
    list.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in list.iter() {
        out.put(name);
        out.put(":");
        out.put(&clean_header_value(value));
        out.put("\n");
    }
}

/// Header values with tabs, newlines, carriage returns and form feeds turned into spaces,
/// then trimmed. Borrowed when the value needs no change.
fn clean_header_value(raw: &[u8]) -> Cow<'_, str> {
    // Most values are visible ASCII without spaces: nothing to clean or trim.
    if raw.iter().all(|b| (0x21..0x7f).contains(b)) {
        return Cow::Borrowed(std::str::from_utf8(raw).expect("ASCII is UTF-8"));
    }
    let clean = !raw
        .iter()
        .any(|b| matches!(b, b'\t' | b'\n' | b'\r' | 0x0c));
    match std::str::from_utf8(raw) {
        Ok(text) if clean => Cow::Borrowed(text.trim()),
        _ => {
            let text = String::from_utf8_lossy(raw);
            Cow::Owned(
                text.replace(['\t', '\n', '\r', '\x0c'], " ")
                    .trim()
                    .to_string(),
            )
        }
    }
}
