//! Building a request: where it goes (the host, parsed once, and the path), its query written
//! from the operation's parameters, and the headers every request carries. Nothing here sends.

use http::HeaderMap;

/// Where requests go and what each carries before it is authenticated.
pub(crate) struct Endpoint {
    /// The API host as configured, without a trailing `/`.
    host: String,
    /// `host` parsed once; each request's URL is a copy with the operation's path set.
    base_url: reqwest::Url,
    /// The path of `host`, without a trailing `/` (empty for most hosts); operation paths
    /// go after it.
    base_path: String,
    /// The headers every request carries (accept, content type, brand headers).
    fixed_headers: HeaderMap,
    /// Headers a request carries at most in the usual case: the fixed ones, what the
    /// generated code adds and the signature's. Header maps start with this much room.
    header_room: usize,
    /// The most bytes an answer may have.
    max_response_bytes: usize,
    /// The timeout the HTTP client applies to a request that sets none of its own.
    http_timeout: std::time::Duration,
}

impl Endpoint {
    /// An endpoint for `host` (already validated), parsed once.
    pub(crate) fn new(
        host: String,
        fixed_headers: HeaderMap,
        max_response_bytes: usize,
        http_timeout: std::time::Duration,
    ) -> Result<Self, crate::Error> {
        let base_url = reqwest::Url::parse(&host)
            .map_err(|e| crate::Error::Config(format!("host `{host}` is not a URL: {e}")))?;
        let base_path = base_url.path().trim_end_matches('/').to_string();
        // Fixed headers, accept and content-type, and the five of the signature.
        let header_room = fixed_headers.len() + 7;
        Ok(Self {
            host,
            base_url,
            base_path,
            fixed_headers,
            header_room,
            max_response_bytes,
            http_timeout,
        })
    }

    /// The API host as configured, without a trailing `/`.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// The path of the host (empty for most hosts), without a trailing `/`.
    pub(crate) fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The most bytes an answer may have.
    pub(crate) fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The timeout the HTTP client applies to a request that sets none of its own.
    pub(crate) fn http_timeout(&self) -> std::time::Duration {
        self.http_timeout
    }

    /// A request to `path` on the host (the path as sent: parameters escaped, no query), its
    /// URL made by [`url`](Self::url), carrying the fixed headers in a map with room for every
    /// header the request gets.
    pub(crate) fn new_request(&self, method: reqwest::Method, path: &str) -> reqwest::Request {
        self.new_query_request(method, path, &Query::default())
    }

    /// [`new_request`](Self::new_request) with `query` in the URL ([`encode_query`]).
    pub(crate) fn new_query_request(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &Query,
    ) -> reqwest::Request {
        let mut request = reqwest::Request::new(method, self.url(path, query));
        let mut headers = HeaderMap::with_capacity(self.header_room);
        for (name, value) in &self.fixed_headers {
            headers.insert(name, value.clone());
        }
        *request.headers_mut() = headers;
        request
    }

    /// The URL of `path` on the host, with `query`: the path and query written out once and
    /// parsed against the host's URL, which the parser copies without reading the host again
    /// (one allocation, the URL itself). A path the parser could read otherwise (as a query,
    /// fragment or another host: `?`, `#`, `\`, `//`) or that needs escaping (spaces,
    /// controls, non-ASCII) is set on a copy of the host's URL instead, which gives the same
    /// URL for the rest. The API's paths never need that: their parameters are escaped.
    fn url(&self, path: &str, query: &Query) -> reqwest::Url {
        self.written_url(path, query).unwrap_or_else(|| {
            let mut url = self.base_url.clone();
            url.set_path(&[self.base_path.as_str(), path].concat());
            if !query.pairs.is_empty() {
                url.set_query(Some(&encode_query(query.pairs())));
            }
            url
        })
    }

    /// [`url`](Self::url)'s quick way; `None` for a path it leaves to the slower one.
    fn written_url(&self, path: &str, query: &Query) -> Option<reqwest::Url> {
        // The path as sent: the host's path, then `path`, with a `/` between them when the
        // host has no path and `path` does not start with one (as `set_path` makes it).
        let slash = self.base_path.is_empty() && !path.starts_with('/');
        let sent = || {
            let slash = slash.then_some(b'/');
            self.base_path.bytes().chain(slash).chain(path.bytes())
        };
        let plain = sent().all(|b| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'\\'));
        if !plain || sent().nth(1) == Some(b'/') {
            return None;
        }
        parse_written(&self.base_url, |text| {
            text.push_str(&self.base_path);
            if slash {
                text.push('/');
            }
            text.push_str(path);
            if !query.pairs.is_empty() {
                text.push('?');
                encode_query_into(text, query.pairs());
            }
            // As many trailing spaces as the host part has bytes. The parser trims them (URLs
            // drop leading and trailing spaces), but it sizes the URL it writes from the
            // input's length, so the host part it copies in fits without growing the URL.
            const SPACES: &str = "                                ";
            let mut left = self.base_url[..url::Position::BeforePath].len();
            while left > 0 {
                let n = left.min(SPACES.len());
                text.push_str(&SPACES[..n]);
                left -= n;
            }
        })
        .ok()
    }

    /// What every request gets before it is authenticated: the fixed headers.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request) {
        for (name, value) in &self.fixed_headers {
            request.headers_mut().insert(name, value.clone());
        }
    }

    /// Whether `headers` are exactly the fixed headers (then a copy of the request may leave
    /// them out and [`prepare`](Self::prepare) puts them back).
    pub(crate) fn only_fixed(&self, headers: &HeaderMap) -> bool {
        let fixed = &self.fixed_headers;
        headers.len() == fixed.len()
            && fixed
                .iter()
                .all(|(name, value)| headers.get(name) == Some(value))
    }
}

/// Pairs as a URL query: `application/x-www-form-urlencoded` as reqwest writes it, except that
/// the brackets ending an array name (`userIds[]=a`) stay literal, as the official SDKs send
/// them. Brackets anywhere else, values included, are encoded.
pub(crate) fn encode_query<N: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (N, V)>,
) -> String {
    let mut encoded = String::new();
    encode_query_into(&mut encoded, pairs);
    encoded
}

/// [`encode_query`], appended to `encoded`.
fn encode_query_into<N: AsRef<str>, V: AsRef<str>>(
    encoded: &mut String,
    pairs: impl IntoIterator<Item = (N, V)>,
) {
    let start = encoded.len();
    for (name, value) in pairs {
        let (name, value) = (name.as_ref(), value.as_ref());
        if encoded.len() > start {
            encoded.push('&');
        }
        match name.strip_suffix("[]") {
            Some(base) => {
                encoded.extend(form_urlencoded::byte_serialize(base.as_bytes()));
                encoded.push_str("[]");
            }
            None => encoded.extend(form_urlencoded::byte_serialize(name.as_bytes())),
        }
        encoded.push('=');
        encoded.extend(form_urlencoded::byte_serialize(value.as_bytes()));
    }
}

thread_local! {
    /// Each thread's buffer for the text of a URL about to be parsed (see [`parse_written`]).
    static URL_TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Parses the reference `write` writes (an absolute path and query) against `base`. The
/// text goes to a buffer the thread keeps, so that only the parsed URL allocates.
fn parse_written(
    base: &reqwest::Url,
    write: impl FnOnce(&mut String),
) -> Result<reqwest::Url, url::ParseError> {
    /// A buffer grown past this by one long URL is let go rather than kept.
    const KEEP: usize = 4096;
    URL_TEXT.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut text) => {
            text.clear();
            write(&mut text);
            let url = base.join(&text);
            if text.capacity() > KEEP {
                *text = String::new();
            }
            url
        }
        // Not reached (`write` never parses), but a fresh buffer does the same.
        Err(_) => {
            let mut text = String::new();
            write(&mut text);
            base.join(&text)
        }
    })
}

/// A generated operation's query parameters, as pairs of name and text before any encoding:
/// the URL's query is written from them once, and the signature reads them as they are. An
/// array parameter is named with `[]` (`userIds[]`) and gives one pair per element.
#[derive(Debug, Default)]
pub(crate) struct Query {
    /// Each pair's name and where its text sits in `texts`.
    pairs: Vec<(&'static str, std::ops::Range<usize>)>,
    /// Every pair's text, one after another (one allocation for all of them).
    texts: String,
}

impl Query {
    /// An empty query with room for `n` parameters.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            pairs: Vec::with_capacity(n),
            // Room for an id and an enum value without growing (ids are about 24 bytes).
            texts: String::with_capacity(n * 32),
        }
    }

    /// Adds the parameter `name` with `value`: a string, number or boolean (or an enum
    /// variant, or a newtype over one) gives one pair, a list one pair per element, `None`
    /// none. Anything else (an object) is refused.
    pub(crate) fn push<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), crate::Error> {
        value
            .serialize(QueryValue {
                name,
                query: self,
                in_list: false,
            })
            .map_err(|e| crate::Error::InvalidRequest(format!("query parameter `{name}`: {}", e.0)))
    }

    /// The pairs, in the order they were added.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.pairs
            .iter()
            .map(|(name, at)| (*name, &self.texts[at.clone()]))
    }

    /// The pairs for the signature.
    pub(crate) fn text(&self) -> crate::signing::QueryText<'_> {
        crate::signing::QueryText::Pairs {
            pairs: &self.pairs,
            texts: &self.texts,
        }
    }
}

/// Why a query value was refused.
#[derive(Debug)]
struct QueryValueError(String);

impl std::fmt::Display for QueryValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryValueError {}

impl serde::ser::Error for QueryValueError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// Serialises one parameter's value into pairs (see [`Query::push`]).
struct QueryValue<'a> {
    name: &'static str,
    query: &'a mut Query,
    /// Inside a list: a nested list is refused.
    in_list: bool,
}

impl QueryValue<'_> {
    /// Adds a pair whose text `write` appends.
    fn text(self, write: impl FnOnce(&mut String)) -> Result<(), QueryValueError> {
        let start = self.query.texts.len();
        write(&mut self.query.texts);
        let end = self.query.texts.len();
        self.query.pairs.push((self.name, start..end));
        Ok(())
    }

    /// Adds a pair with `value` as text.
    fn display(self, value: impl std::fmt::Display) -> Result<(), QueryValueError> {
        self.text(|texts| {
            use std::fmt::Write as _;
            let _ = write!(texts, "{value}");
        })
    }

    fn refuse<T>(what: &str) -> Result<T, QueryValueError> {
        Err(QueryValueError(format!(
            "{what} cannot be a query value (strings, numbers, booleans or a list of them)"
        )))
    }
}

impl<'a> serde::Serializer for QueryValue<'a> {
    type Ok = ();
    type Error = QueryValueError;
    type SerializeSeq = QueryList<'a>;
    type SerializeTuple = serde::ser::Impossible<(), QueryValueError>;
    type SerializeTupleStruct = serde::ser::Impossible<(), QueryValueError>;
    type SerializeTupleVariant = serde::ser::Impossible<(), QueryValueError>;
    type SerializeMap = serde::ser::Impossible<(), QueryValueError>;
    type SerializeStruct = serde::ser::Impossible<(), QueryValueError>;
    type SerializeStructVariant = serde::ser::Impossible<(), QueryValueError>;

    fn serialize_bool(self, v: bool) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), QueryValueError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), QueryValueError> {
        // As serde_urlencoded writes floats (through ryu): `1.0`, `0.5`, `1e21`.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.display(n),
            None => Self::refuse("a number that is not finite"),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), QueryValueError> {
        self.display(v)
    }
    fn serialize_str(self, v: &str) -> Result<(), QueryValueError> {
        self.text(|texts| texts.push_str(v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), QueryValueError> {
        Self::refuse("bytes")
    }
    fn serialize_none(self) -> Result<(), QueryValueError> {
        Ok(())
    }
    fn serialize_some<T: serde::Serialize + ?Sized>(
        self,
        value: &T,
    ) -> Result<(), QueryValueError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), QueryValueError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), QueryValueError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), QueryValueError> {
        self.text(|texts| texts.push_str(variant))
    }
    fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), QueryValueError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), QueryValueError> {
        Self::refuse("an enum variant with data")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<QueryList<'a>, QueryValueError> {
        if self.in_list {
            return Self::refuse("a list inside a list");
        }
        Ok(QueryList {
            name: self.name,
            query: self.query,
        })
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, QueryValueError> {
        Self::refuse("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, QueryValueError> {
        Self::refuse("a tuple")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, QueryValueError> {
        Self::refuse("an enum variant with data")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, QueryValueError> {
        Self::refuse("an object")
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, QueryValueError> {
        Self::refuse("an object")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, QueryValueError> {
        Self::refuse("an enum variant with data")
    }
}

/// The elements of a list value, one pair each.
struct QueryList<'a> {
    name: &'static str,
    query: &'a mut Query,
}

impl serde::ser::SerializeSeq for QueryList<'_> {
    type Ok = ();
    type Error = QueryValueError;

    fn serialize_element<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), QueryValueError> {
        value.serialize(QueryValue {
            name: self.name,
            query: self.query,
            in_list: true,
        })
    }

    fn end(self) -> Result<(), QueryValueError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_become_literal_in_keys_only() {
        let pairs = [("userIds[]", "a"), ("userIds[]", "b[]="), ("x", "1")];
        assert_eq!(encode_query(pairs), "userIds[]=a&userIds[]=b%5B%5D%3D&x=1");
        assert_eq!(encode_query([("a", "1")]), "a=1");
    }

    /// The query reqwest (serde_urlencoded) writes for the same parameters, with the brackets
    /// of array keys made literal afterwards (only a key can produce `%5B%5D=`: inside a value
    /// `=` is `%3D`).
    fn through_reqwest(params: &[(&str, &dyn erased::Param)]) -> Option<String> {
        let mut request = reqwest::Client::new().get("http://h/p");
        for (name, value) in params {
            request = value.add(request, name);
        }
        let url = request.build().unwrap().url().clone();
        url.query().map(|q| q.replace("%5B%5D=", "[]="))
    }

    /// Query values of several types behind one trait, for the comparison.
    mod erased {
        pub(super) trait Param {
            fn add(&self, request: reqwest::RequestBuilder, name: &str) -> reqwest::RequestBuilder;
            fn push(&self, query: &mut super::Query, name: &'static str);
        }
        impl<T: serde::Serialize> Param for T {
            fn add(&self, request: reqwest::RequestBuilder, name: &str) -> reqwest::RequestBuilder {
                request.query(&progenitor_client::QueryParam::new(name, self))
            }
            fn push(&self, query: &mut super::Query, name: &'static str) {
                query.push(name, self).unwrap();
            }
        }
    }

    #[test]
    fn queries_are_written_as_reqwest_wrote_them() {
        #[derive(serde::Serialize)]
        enum Kind {
            #[serde(rename = "USER")]
            User,
        }
        let ids = vec!["a", "b[]=c"];
        let cases: Vec<Vec<(&'static str, &dyn erased::Param)>> = vec![
            vec![("userId", &"u 1&x=y+z/é"), ("withCustomData", &true)],
            vec![("page", &Some(2_i64)), ("limit", &None::<i64>)],
            vec![("userIds[]", &ids), ("kind", &Kind::User)],
            vec![("ratio", &0.5_f64), ("empty", &"")],
            vec![],
        ];
        for params in cases {
            let mut query = Query::default();
            for (name, value) in &params {
                value.push(&mut query, name);
            }
            let endpoint =
                Endpoint::new("http://h".into(), HeaderMap::new(), 1, Default::default()).unwrap();
            let url = endpoint.url("/p", &query);
            assert_eq!(
                url.query().map(str::to_string),
                through_reqwest(&params),
                "{:?}",
                query.pairs().collect::<Vec<_>>()
            );
        }
    }

    /// `Endpoint::url` gives what a copy of the host's URL gives after `set_path` and
    /// `set_query`, for the paths of the quick way and of the slow one alike.
    #[test]
    fn urls_are_what_set_path_and_set_query_made() {
        let quick = [
            "/api/v3/get-user",
            "/api/v3/users/u%201",
            "/a/%zz/[x]|{y}`z\"<>",
            "/a/./b/../c",
            "/a/%2e%2E/b",
            "no-slash",
            "",
            "/",
        ];
        let slow = [
            "/a b",
            "/é",
            "/tab\tx",
            " /lead",
            "/with?query",
            "/with#fragment",
            "//other.example/x",
            "\\\\other.example\\x",
            "/back\\slash",
        ];
        let pairs: [&[(&str, &str)]; 3] = [
            &[("userId", "u 1&x=y+z/é#"), ("userIds[]", "a[]")],
            &[("a", "")],
            &[],
        ];
        for host in [
            "https://api.genauth.ai",
            "http://127.0.0.1:8080/",
            "https://example.com/base/",
            "https://example.com/base",
        ] {
            let endpoint =
                Endpoint::new(host.into(), HeaderMap::new(), 1, std::time::Duration::ZERO).unwrap();
            for path in quick.iter().chain(&slow) {
                for pairs in pairs {
                    let mut query = Query::default();
                    for (name, value) in pairs {
                        query.push(name, value).unwrap();
                    }
                    let mut expected = endpoint.base_url.clone();
                    expected.set_path(&[endpoint.base_path.as_str(), path].concat());
                    if !pairs.is_empty() {
                        expected.set_query(Some(&encode_query(pairs.iter().copied())));
                    }
                    // Under a host path, `//x` is a plain path and may take the quick way.
                    let written = endpoint.written_url(path, &query);
                    if quick.contains(path) {
                        assert!(written.is_some(), "{host} {path:?}");
                    } else if endpoint.base_path.is_empty() {
                        assert!(written.is_none(), "{host} {path:?}");
                    }
                    if let Some(written) = &written {
                        assert_eq!(written.as_str(), expected.as_str(), "{host} {path:?}");
                    }
                    let url = endpoint.url(path, &query);
                    assert_eq!(url.as_str(), expected.as_str(), "{host} {path:?} {pairs:?}");
                    assert_eq!(url, expected);
                    assert_eq!(url.host_str(), expected.host_str());
                }
            }
        }
    }

    #[test]
    fn objects_and_nested_lists_are_refused() {
        let mut query = Query::default();
        let err = query
            .push("filter", &serde_json::json!({"a": 1}))
            .unwrap_err();
        assert!(
            matches!(err, crate::Error::InvalidRequest(ref m) if m.contains("`filter`")),
            "{err}"
        );
        assert!(query.push("ids[]", &vec![vec![1]]).is_err());
        assert!(query.push("n", &f64::NAN).is_err());
    }
}
