//! Which proxy a subscription goes through, picked as the HTTP client picks its own, and the
//! `CONNECT` tunnel to the events host through it.

use hyper_util::client::proxy::matcher::Matcher;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

use super::connection::{Destination, Refused, transport};
use super::head::{HeadError, read_head};
use crate::{Error, SensitiveString};

/// An HTTP proxy that events reach their host through, with `CONNECT`. Its host and port
/// may be shown; its credentials never are.
#[derive(Clone, Debug)]
pub(crate) struct Proxy {
    pub(super) host: String,
    pub(super) port: u16,
    /// `Basic ...` from the proxy URL's user and password.
    pub(super) authorization: Option<SensitiveString>,
}

/// The proxy events use for `events_host`, chosen exactly as the HTTP client chooses its own:
/// with the matcher reqwest is built on (hyper-util's), from the builder's `proxy(..)` (for
/// every host, as `reqwest::Proxy::all`) or else from the environment (`HTTPS_PROXY` for
/// `wss`, `HTTP_PROXY` for `ws`, `ALL_PROXY`, with their lower-case forms; values without a
/// scheme are `http://`; `NO_PROXY` names hosts, domains, addresses and CIDR blocks; under CGI,
/// when `REQUEST_METHOD` is set, no variable is read). `None`: connect directly.
pub(crate) fn proxy_for(
    events_host: &str,
    explicit: Option<&SensitiveString>,
) -> Option<Result<Proxy, String>> {
    let matcher = match explicit {
        Some(url) => match explicit_matcher(url.expose_secret()) {
            Ok(matcher) => matcher,
            Err(why) => return Some(Err(why)),
        },
        None => Matcher::from_system(),
    };
    route(&matcher, events_host)
}

/// The matcher of an explicit proxy URL, read as `reqwest::Proxy::all` reads it: a URL
/// without a scheme (`proxy:3128`, `user:pw@proxy:3128`) is `http://`, a SOCKS one without a
/// port gets 1080; and, as reqwest's, it covers every host (no `NO_PROXY`).
pub(super) fn explicit_matcher(text: &str) -> Result<Matcher, String> {
    let invalid = || "the proxy URL is not valid".to_string();
    let mut url = match url::Url::parse(text) {
        Ok(url) if url.has_host() => url,
        Ok(_) | Err(url::ParseError::RelativeUrlWithoutBase) => {
            url::Url::parse(&format!("http://{text}")).map_err(|_| invalid())?
        }
        Err(_) => return Err(invalid()),
    };
    if url.port().is_none() && matches!(url.scheme(), "socks4" | "socks4a" | "socks5" | "socks5h") {
        let _ = url.set_port(Some(1080));
    }
    Ok(Matcher::builder().all(String::from(url)).build())
}

/// The proxy `matcher` picks for `events_host` (`wss` as `https`, `ws` as `http`): `None` for a
/// direct connection, an error (without the proxy's credentials, nor anything but its scheme)
/// when the proxy cannot carry a WebSocket.
pub(super) fn route(matcher: &Matcher, events_host: &str) -> Option<Result<Proxy, String>> {
    let url = url::Url::parse(events_host).ok()?;
    let scheme = if url.scheme() == "wss" {
        "https"
    } else {
        "http"
    };
    let mut destination = format!("{scheme}://{}", url.host_str()?);
    if let Some(port) = url.port() {
        destination.push_str(&format!(":{port}"));
    }
    destination.push('/');
    let destination: http::Uri = destination.parse().ok()?;
    let intercept = matcher.intercept(&destination)?;
    let uri = intercept.uri();
    // The matcher keeps http, https and SOCKS proxies, and drops their user and password
    // from the URI: neither the scheme nor the host below can hold a credential.
    match uri.scheme_str() {
        Some("http") => {}
        other => {
            return Some(Err(format!(
                "events can go through an http:// proxy only, not {}://",
                other.unwrap_or("?")
            )));
        }
    }
    let Some(host) = uri.host() else {
        return Some(Err("the proxy URL has no host".into()));
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .to_string();
    let authorization = intercept
        .basic_auth()
        .and_then(|value| value.to_str().ok())
        .map(|value| SensitiveString::from(value.to_string()));
    Some(Ok(Proxy {
        host,
        port: uri.port_u16().unwrap_or(80),
        authorization,
    }))
}

/// A tunnel to `target` through `proxy` (`CONNECT`).
pub(super) async fn tunnel(proxy: &Proxy, target: &Destination) -> Result<TcpStream, Refused> {
    let fail = |what: &str, e: &std::io::Error| {
        Refused::Retry(transport(
            format!("events proxy {}:{}: {what}", proxy.host, proxy.port),
            e,
        ))
    };
    let mut tcp = TcpStream::connect((proxy.host.as_str(), proxy.port))
        .await
        .map_err(|e| fail("cannot connect", &e))?;
    let authority = format!("{}:{}", bracketed(&target.host), target.port);
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = &proxy.authorization {
        request.push_str("Proxy-Authorization: ");
        request.push_str(auth.expose_secret());
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| fail("cannot send CONNECT", &e))?;
    let (answer, _) = match read_head(&mut tcp).await {
        Ok(read) => read,
        Err(HeadError::Io(e)) => return Err(fail("no answer to CONNECT", &e)),
        Err(HeadError::Malformed(why)) => {
            return Err(Refused::Fatal(Error::Transport {
                operation: None,
                message: format!(
                    "events proxy {}:{}: the answer to CONNECT is not HTTP/1.x: {why}",
                    proxy.host, proxy.port
                ),
                source: None,
            }));
        }
    };
    match answer.status {
        200..=299 => Ok(tcp),
        407 => Err(Refused::Fatal(Error::Config(format!(
            "the events proxy {}:{} wants credentials it was not given or refused them (HTTP 407)",
            proxy.host, proxy.port
        )))),
        status => Err(Refused::Retry(Error::Http {
            operation: None,
            status,
            body_snippet: format!("the events proxy refused to connect to {authority}"),
            request_id: None,
        })),
    }
}

/// An IPv6 address in brackets, any other host as it is.
fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}
