//! The hosts a client talks to: checked once when it is built (scheme, no user name or
//! password, no query, plain text only to this machine unless allowed), and shown in messages
//! without any password.

use crate::Error;

/// `host` with any `user:password@` replaced by `***@`, for messages. Everything from the
/// scheme to the last `@` is hidden: a password may hold `/`, `?` or `#` (which end the
/// authority for a URL parser), and an `@` later in a path only costs the message some detail.
pub(super) fn without_userinfo(host: &str) -> String {
    let start = host.find("://").map_or(0, |i| i + 3);
    match host[start..].rfind('@') {
        Some(at) => format!("{}***{}", &host[..start], &host[start + at..]),
        None => host.to_string(),
    }
}

/// Whether an http URL's host is this machine: 127.0.0.0/8, ::1, or the literal name
/// `localhost`. Other names under `.localhost` are refused: ordinary DNS may resolve them
/// anywhere.
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The schemes a kind of host accepts, and how messages name it.
pub(super) struct HostKind {
    /// The setting, as messages name it: `host`, `events host`.
    setting: &'static str,
    secure: &'static str,
    plain: &'static str,
    /// What the secure scheme is, for messages: `an http(s) URL`.
    expected: &'static str,
    example: &'static str,
    /// What would travel in clear text over the plain scheme.
    exposed: &'static str,
}

/// The API host: https, or http to loopback.
pub(super) const HTTP: HostKind = HostKind {
    setting: "host",
    secure: "https",
    plain: "http",
    expected: "an http(s) URL",
    example: "https://api.genauth.ai",
    exposed: "requests (and in token mode the access key secret)",
};

/// The events host: wss, or ws to loopback.
#[cfg(feature = "events")]
pub(super) const WS: HostKind = HostKind {
    setting: "events host",
    secure: "wss",
    plain: "ws",
    expected: "a ws(s) URL",
    example: "wss://openevent.genauth.ai",
    exposed: "the subscription's signature and every event",
};

/// The host as the client uses it (no trailing slash), or why it cannot be used.
pub(super) fn validate_host(
    host: &str,
    kind: &HostKind,
    allow_insecure_http: bool,
) -> Result<String, Error> {
    let setting = kind.setting;
    let shown = without_userinfo(host.trim());
    let url = reqwest::Url::parse(host.trim())
        .map_err(|e| Error::Config(format!("{setting} `{shown}` is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!(
            "{setting} `{shown}` must not contain a user name or password: the API authenticates with the access key"
        )));
    }
    if !(url.scheme() == kind.secure || url.scheme() == kind.plain) || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "{setting} `{shown}` must be {} such as {}",
            kind.expected, kind.example
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "{setting} `{shown}` must not have a query or fragment"
        )));
    }
    if url.scheme() == kind.plain && !is_loopback(&url) {
        if !allow_insecure_http {
            return Err(Error::Config(format!(
                "{setting} `{shown}` uses plain {}: {} would travel in clear text. Use {}, or call .allow_insecure_http(true) for a private network you trust",
                kind.plain, kind.exposed, kind.secure
            )));
        }
        tracing::warn!(
            host = %shown,
            "plain {} allowed for this GenAuth client: traffic travels in clear text",
            kind.plain
        );
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}
