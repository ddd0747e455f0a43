//! One HTTP exchange: where a request goes (the host, the headers every request carries) and
//! one answer read whole, within the size limit. No authentication, no retries, no judging:
//! `auth`, `token` and `send` build on this.

use http::HeaderMap;

use crate::error::without_query;

/// Where requests go and what each carries before it is authenticated.
pub(crate) struct Endpoint {
    /// The API host as configured, without a trailing `/`.
    pub(crate) host: String,
    /// `host` parsed once; each request's URL is a copy with the operation's path set.
    base_url: reqwest::Url,
    /// The path of `host`, without a trailing `/` (empty for most hosts); operation paths
    /// go after it.
    pub(crate) base_path: String,
    /// The headers every request carries (accept, content type, brand headers).
    pub(crate) fixed_headers: HeaderMap,
    /// Headers a request carries at most in the usual case: the fixed ones, what the
    /// generated code adds and the signature's. Header maps start with this much room.
    header_room: usize,
    /// The most bytes an answer may have.
    pub(crate) max_response_bytes: usize,
    /// The timeout the HTTP client applies to a request that sets none of its own.
    pub(crate) http_timeout: std::time::Duration,
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

    /// A request to `path` on the host (the path as sent: parameters escaped, no query). The
    /// host is not parsed again: the URL is a copy of the parsed host with the path set, and
    /// the header map has room for every header the request gets.
    pub(crate) fn new_request(&self, method: reqwest::Method, path: &str) -> reqwest::Request {
        let mut url = self.base_url.clone();
        if self.base_path.is_empty() {
            url.set_path(path);
        } else {
            url.set_path(&[self.base_path.as_str(), path].concat());
        }
        let mut request = reqwest::Request::new(method, url);
        *request.headers_mut() = HeaderMap::with_capacity(self.header_room);
        request
    }

    /// What every request gets before it is authenticated: the fixed headers and literal
    /// brackets in array keys.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request) {
        literal_brackets(request.url_mut());
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

/// Writes bracket-form array keys (`userIds%5B%5D=a`) with literal brackets (`userIds[]=a`), as
/// the official SDKs send them. Only a key can produce `%5B%5D=`: inside a value `=` is `%3D`.
pub(crate) fn literal_brackets(url: &mut reqwest::Url) {
    if let Some(query) = url.query().filter(|q| q.contains("%5B%5D=")) {
        let rewritten = query.replace("%5B%5D=", "[]=");
        url.set_query(Some(&rewritten));
    }
}

/// A complete answer: status, headers and the whole body, read into memory.
pub(crate) struct Reply {
    pub(crate) status: http::StatusCode,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: bytes::Bytes,
}

impl Reply {
    /// The answer as the success rule sees it.
    pub(crate) fn judged(&self) -> crate::envelope::Answer<'_> {
        crate::envelope::Answer {
            status: self.status.as_u16(),
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// How one attempt ended.
pub(crate) enum Attempt {
    /// A complete response.
    Answered(Reply),
    /// No complete response: connection, timeout, reset mid-body, ... (query already removed
    /// from the error).
    Failed(reqwest::Error),
    /// A response whose body is over the size limit; not read further.
    TooLarge { status: u16, limit: usize },
}

/// Sends one request and reads the whole response, up to `limit` bytes.
pub(crate) async fn attempt(
    http: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
) -> Attempt {
    let mut response = match http.execute(request).await {
        Ok(response) => response,
        Err(e) => return Attempt::Failed(without_query(e)),
    };
    let status = response.status();
    let too_large = Attempt::TooLarge {
        status: status.as_u16(),
        limit,
    };
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return too_large;
    }
    // Most bodies arrive as one chunk: keep it as it is, without copying.
    let mut body = match response.chunk().await {
        Ok(Some(first)) => first,
        Ok(None) => bytes::Bytes::new(),
        Err(e) => return Attempt::Failed(without_query(e)),
    };
    let mut joined: Option<bytes::BytesMut> = None;
    loop {
        if joined.as_ref().map_or(body.len(), |j| j.len()) > limit {
            return too_large;
        }
        match response.chunk().await {
            Ok(Some(more)) => joined
                .get_or_insert_with(|| bytes::BytesMut::from(&body[..]))
                .extend_from_slice(&more),
            Ok(None) => break,
            Err(e) => return Attempt::Failed(without_query(e)),
        }
    }
    if let Some(all) = joined {
        body = all.freeze();
    }
    Attempt::Answered(Reply {
        status,
        headers: std::mem::take(response.headers_mut()),
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_become_literal_in_keys_only() {
        let mut url =
            reqwest::Url::parse("https://h/p?userIds%5B%5D=a&userIds%5B%5D=b%5B%5D%3D&x=1")
                .unwrap();
        literal_brackets(&mut url);
        assert_eq!(url.query(), Some("userIds[]=a&userIds[]=b%5B%5D%3D&x=1"));
        let mut plain = reqwest::Url::parse("https://h/p?a=1").unwrap();
        literal_brackets(&mut plain);
        assert_eq!(plain.query(), Some("a=1"));
    }
}
