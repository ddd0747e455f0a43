//! Where a subscription connects and how: the target read from its URL, the TCP dial
//! (directly or through the proxy's tunnel), TLS for `wss`, and the errors of a failed
//! attempt, sorted into those worth retrying and those that are final.

use std::fmt;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::WebSocketStream;

use super::proxy::tunnel;
use super::worker::Worker;
use crate::Error;

/// A connection, plain or TLS.
pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub(super) type Socket = WebSocketStream<Box<dyn Io>>;

/// Where one subscription connects, from its URL.
#[derive(Clone, Debug)]
pub(super) struct Destination {
    pub(super) tls: bool,
    /// The host to connect to and to check the certificate for (no brackets).
    pub(super) host: String,
    pub(super) port: u16,
    /// `Host` header value (`host[:port]`, IPv6 in brackets).
    pub(super) authority: String,
    /// Path and query of the upgrade request.
    pub(super) path: String,
}

impl Destination {
    pub(super) fn parse(url: &str) -> Result<Destination, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let tls = match url.scheme() {
            "wss" => true,
            "ws" => false,
            other => return Err(format!("scheme `{other}` is not ws or wss")),
        };
        let port = url.port_or_known_default().ok_or("no port")?;
        let (host, shown) = match url.host().ok_or("no host")? {
            url::Host::Ipv6(ip) => (ip.to_string(), format!("[{ip}]")),
            other => (other.to_string(), other.to_string()),
        };
        let authority = match url.port() {
            Some(port) => format!("{shown}:{port}"),
            None => shown,
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        Ok(Destination {
            tls,
            host,
            port,
            authority,
            path,
        })
    }
}

/// Why connecting failed.
pub(super) enum Refused {
    /// Another attempt may succeed.
    Retry(Error),
    /// No attempt will: the stream ends with this error.
    Fatal(Error),
}

impl Worker {
    /// Opens one connection within the connect timeout: TCP (through the proxy, if any), TLS
    /// for `wss`, and the signed upgrade.
    pub(super) async fn connect(&self) -> Result<Socket, Refused> {
        let limit = self.config.connect_timeout;
        match timeout(limit, self.open()).await {
            Ok(result) => result,
            Err(_) => Err(Refused::Retry(Error::timeout(format!(
                "connecting to the events host {} took longer than {limit:?}",
                self.config.host
            )))),
        }
    }

    async fn open(&self) -> Result<Socket, Refused> {
        let target = &self.target;
        let host = &self.config.host;
        let tcp = match &self.config.proxy {
            Some(Err(why)) => return Err(Refused::Fatal(Error::Config(why.clone()))),
            Some(Ok(proxy)) => tunnel(proxy, target).await?,
            None => TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(|e| {
                    Refused::Retry(transport(
                        format!("cannot connect to the events host {host}"),
                        &e,
                    ))
                })?,
        };
        let _ = tcp.set_nodelay(true);
        let io: Box<dyn Io> = if target.tls {
            let Some(tls) = self.config.tls.clone() else {
                return Err(Refused::Fatal(Error::Config("TLS is not set up".into())));
            };
            let name =
                rustls::pki_types::ServerName::try_from(target.host.clone()).map_err(|_| {
                    Refused::Fatal(Error::Config(format!(
                        "events host `{host}` is not a TLS name"
                    )))
                })?;
            let stream = tokio_rustls::TlsConnector::from(tls)
                .connect(name, tcp)
                .await
                .map_err(|e| tls_refusal(host, &e))?;
            Box::new(stream)
        } else {
            Box::new(tcp)
        };
        self.upgrade(io).await
    }
}

/// A TLS failure: the verification rejecting the server's certificate (or its lack of one)
/// is final; anything else (a reset, an alert such as `internal_error`, a server that does
/// not speak TLS as it should) may pass on another attempt, within `max_reconnects`.
pub(super) fn tls_refusal(host: &str, e: &std::io::Error) -> Refused {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let error = transport(format!("TLS with the events host {host} failed"), e);
    match rustls_error {
        Some(
            rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType,
        ) => Refused::Fatal(error),
        _ => Refused::Retry(error),
    }
}

/// A transport error with the failure's reason (an I/O or a tungstenite error). The upgrade
/// request is ours and is never part of an error text, so the authorization value cannot
/// show.
pub(super) fn transport(context: String, e: &dyn fmt::Display) -> Error {
    Error::Transport {
        operation: None,
        message: format!("{context}: {e}"),
        source: None,
    }
}
