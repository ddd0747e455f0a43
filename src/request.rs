//! A signed request to any path of the API: for operations the spec does not list yet.
//!
//! [`ManagementClient::request`] goes through everything a generated call does: the fixed
//! headers, the signature or management token, retries (reads only by default; a path the spec
//! does not know counts as a read only for `GET` and `HEAD`), timeouts, the size limit,
//! tracing, and the mapping of every failure, in-body `statusCode` included, to [`Error`].
//!
//! ```no_run
//! # async fn run(client: genauth::ManagementClient) -> Result<(), genauth::Error> {
//! use genauth::Method;
//!
//! // A typed answer: the whole body, or just its `data`.
//! let departments: serde_json::Value = client
//!     .request(Method::GET, "/api/v3/list-children-departments")
//!     .query(&serde_json::json!({"organizationCode": "steamory", "departmentId": "root"}))
//!     .data()
//!     .await?;
//! client
//!     .request(Method::POST, "/api/v3/create-organization")
//!     .json(&serde_json::json!({"organizationCode": "steamory", "organizationName": "Steamory"}))
//!     .send::<serde_json::Value>()
//!     .await?;
//! # Ok(())
//! # }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::envelope::Reply;
use crate::generated::Client as ManagementClient;
use crate::send::Call;

/// A request built with [`ManagementClient::request`]; nothing is sent until
/// [`send`](Self::send) or [`data`](Self::data).
#[must_use = "a request does nothing until sent"]
pub struct RawRequest<'a> {
    client: &'a ManagementClient,
    method: http::Method,
    path: String,
    query: Result<Option<String>, Error>,
    body: Result<Option<Vec<u8>>, Error>,
}

impl std::fmt::Debug for RawRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the query nor the body: they may hold personal data.
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<'a> RawRequest<'a> {
    /// A request to `path` with `client` (see [`ManagementClient::request`]).
    pub(crate) fn new(client: &'a ManagementClient, method: http::Method, path: &str) -> Self {
        RawRequest {
            client,
            method,
            path: path.to_string(),
            query: Ok(None),
            body: Ok(None),
        }
    }
}

impl RawRequest<'_> {
    /// The query parameters: an object (a struct or a map) whose values are strings, numbers,
    /// booleans or arrays of them. Arrays go as `key[]=a&key[]=b`, as the API expects; `null`
    /// values are left out.
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        self.query = encode_query(query).map(Some);
        self
    }

    /// The JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = serde_json::to_vec(body)
            .map(Some)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialise the body: {e}")));
        self
    }

    /// Sends the request and decodes the whole response body as `T` (an envelope type such
    /// as `types::CommonResponseDto`, or `serde_json::Value`). Only a success reaches the
    /// decoding: an answer that is not one (see [`crate::envelope`]) is an error, e.g.
    /// [`Error::Api`] for a `statusCode` other than 200.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, Error> {
        self.send_reply().await?.decode()
    }

    /// Sends the request and decodes the envelope's `data` as `T`, after the same success
    /// check as [`send`](Self::send). A success without `data` decodes `T` from `null`.
    pub async fn data<T: DeserializeOwned>(self) -> Result<T, Error> {
        self.send_reply().await?.data()
    }

    async fn send_reply(self) -> Result<Reply, Error> {
        check_path(&self.path)?;
        let query = self.query?;
        let body = self.body?;
        let client = self.client;
        let mut request = client.inner.new_request(self.method.clone(), &self.path);
        // The URL parser must have kept every segment: none resolved away under the host's path.
        let sent = request.url().path().matches('/').count();
        let meant = client
            .inner
            .shared
            .endpoint
            .base_path()
            .matches('/')
            .count()
            + self.path.matches('/').count();
        if sent != meant {
            return Err(Error::InvalidRequest(format!(
                "path `{}` does not stay a path of its own under the host",
                self.path
            )));
        }
        request.url_mut().set_query(query.as_deref());
        if let Some(body) = body {
            *request.body_mut() = Some(body.into());
        }
        let call = match crate::operations::by_route(self.method.as_str(), &self.path) {
            Some(op) => Call::typed_without_status(op),
            None => Call::unlisted(matches!(
                self.method,
                http::Method::GET | http::Method::HEAD
            )),
        };
        client.inner.send(request, None, call).await?.judge()
    }
}

/// A path the URL parser keeps as it is: starts with `/`, no query or fragment, no `\`, and no
/// segment that is `.` or `..` once percent-decoded (the parser resolves `%2e%2e` too).
fn check_path(path: &str) -> Result<(), Error> {
    let bad = |why: &str| Err(Error::InvalidRequest(format!("path `{path}` {why}")));
    if !path.starts_with('/') {
        return bad("must start with `/`");
    }
    if path.contains(['?', '#']) {
        return bad("must not hold a query or fragment: use .query(..)");
    }
    let dots = |segment: &str| {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        decoded == "." || decoded == ".."
    };
    if path.contains('\\') || path.split('/').any(dots) {
        return bad("must not contain `\\`, `.` or `..` segments (percent-encoded or not)");
    }
    if path.chars().any(|c| c.is_control() || c == ' ') {
        return bad("must not contain spaces or control characters");
    }
    Ok(())
}

/// `key=value&...` for a serialisable object, arrays in bracket form (`key[]=a&key[]=b`), encoded
/// as the generated operations encode theirs.
fn encode_query<Q: Serialize + ?Sized>(query: &Q) -> Result<String, Error> {
    let invalid = |why: String| Error::InvalidRequest(format!("query: {why}"));
    let value = serde_json::to_value(query).map_err(|e| invalid(e.to_string()))?;
    let serde_json::Value::Object(map) = value else {
        return Err(invalid("must be an object (a struct or a map)".into()));
    };
    let scalar = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Ok(Some(s.clone())),
        serde_json::Value::Number(n) => Ok(Some(n.to_string())),
        serde_json::Value::Bool(b) => Ok(Some(b.to_string())),
        serde_json::Value::Null => Ok(None),
        _ => Err(invalid(
            "values must be strings, numbers, booleans or arrays of them".into(),
        )),
    };
    let mut pairs = Vec::with_capacity(map.len());
    for (key, value) in &map {
        match value {
            serde_json::Value::Array(items) => {
                let name = format!("{key}[]");
                for item in items {
                    if let Some(text) = scalar(item)? {
                        pairs.push((name.clone(), text));
                    }
                }
            }
            other => {
                if let Some(text) = scalar(other)? {
                    pairs.push((key.clone(), text));
                }
            }
        }
    }
    Ok(crate::endpoint::encode_query(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_and_paths() {
        let q = encode_query(&serde_json::json!({"b": [1, "x y"], "a": true, "n": null})).unwrap();
        // As sent: the brackets of array keys literal.
        assert_eq!(q, "a=true&b[]=1&b[]=x+y");
        assert!(encode_query(&[1, 2]).is_err());
        assert!(encode_query(&serde_json::json!({"o": {"k": 1}})).is_err());
        for bad in [
            "api/v3/x",
            "/api/v3/x?y=1",
            "/api/../x",
            "/a\\b",
            "/a b",
            "/api/./x",
            "/api/%2e%2e/%2e%2e/x",
            "/api/.%2E/x",
            "/api/%2E./x",
            "/api/%2e/x",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        check_path("/api/v3/list-departments").unwrap();
    }
}
