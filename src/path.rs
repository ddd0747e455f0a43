//! Path parameters as single, literal path segments.
//!
//! The URL parser treats `\` like `/` in http(s) URLs and resolves `.` and `..` segments, so a
//! path parameter such as `..\user-list\X` would otherwise reach another endpoint, under a
//! valid signature. Every generated operation routes its path parameters through [`segment`]
//! (build.rs rewrites the generated calls and checks that none is missed).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters escaped in a path segment: controls, space, the URL delimiters, `%` (so that an
/// escape in the value stays literal) and both slashes.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\\')
    .add(b'%');

/// `value` escaped as one path segment, or why it cannot be one: empty, `.` and `..` would
/// change the path itself.
pub(crate) fn segment(name: &str, value: &str) -> Result<String, String> {
    match value {
        "" => Err(format!("path parameter `{name}` is empty")),
        "." | ".." => Err(format!(
            "path parameter `{name}` is `{value}`, which would change the path"
        )),
        _ => Ok(utf8_percent_encode(value, SEGMENT).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn segments_stay_segments() {
        for (value, sent) in [
            ("abc", "abc"),
            ("..\\user-list\\X", "..%5Cuser-list%5CX"),
            ("a/b", "a%2Fb"),
            ("%2e%2e", "%252e%252e"),
            ("...", "..."),
            ("a b?#", "a%20b%3F%23"),
            ("é", "%C3%A9"),
        ] {
            assert_eq!(segment("id", value).unwrap(), sent, "{value}");
            let url = reqwest::Url::parse(&format!("https://h/api/v3/user-list/{sent}")).unwrap();
            assert_eq!(
                url.path_segments().unwrap().count(),
                4,
                "{value} must stay one segment: {url}"
            );
        }
        for bad in ["", ".", ".."] {
            let err = segment("id", bad).unwrap_err();
            assert!(err.starts_with("path parameter `id`"), "{err}");
        }
    }
}
