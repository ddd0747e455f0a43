//! TLS settings. The crypto provider is the application's process-wide one when it installed
//! one (`rustls::crypto::CryptoProvider::install_default`), else the one our features choose:
//! `aws-lc-rs` (the default, as in reqwest's defaults) or `ring`.
//!
//! The HTTP client gets what reqwest would set up itself: the platform's verifier with the
//! builder's extra roots, or no verification at all when the caller asked for that, and ALPN
//! for HTTP/2 and HTTP/1.1. The events socket gets the same verification, built once by the
//! client builder, with HTTP/1.1 only (the WebSocket upgrade).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::Error;

/// The crypto provider of every TLS connection the client makes (HTTP and events alike).
pub(crate) fn provider() -> Result<Arc<CryptoProvider>, Error> {
    choose(CryptoProvider::get_default())
}

/// `installed` when there is one, else the provider of our features.
fn choose(installed: Option<&Arc<CryptoProvider>>) -> Result<Arc<CryptoProvider>, Error> {
    if let Some(installed) = installed {
        return Ok(installed.clone());
    }
    feature_provider().map(Arc::new).ok_or_else(|| {
        Error::Config(
            "no TLS crypto provider: turn on the `aws-lc-rs` or `ring` feature of genauth, or install one with rustls::crypto::CryptoProvider::install_default".into(),
        )
    })
}

#[cfg(feature = "aws-lc-rs")]
fn feature_provider() -> Option<CryptoProvider> {
    Some(rustls::crypto::aws_lc_rs::default_provider())
}

#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
fn feature_provider() -> Option<CryptoProvider> {
    // rustls 0.23.48 deprecates this constructor because ring has no post-quantum key
    // exchange; that is the trade the `ring` feature makes for a smaller build, and rustls has
    // no other way to build the ring provider.
    #[allow(deprecated)]
    Some(rustls::crypto::ring::default_provider())
}

#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
fn feature_provider() -> Option<CryptoProvider> {
    None
}

/// The builder's extra root certificates, every PEM bundle parsed once: a bundle that is not
/// PEM, or holds no certificate, is an [`Error::Config`] naming it (1-based).
pub(crate) fn parse_roots(pems: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>, Error> {
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = Vec::new();
    for (i, pem) in pems.iter().enumerate() {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<_, _>>()
            .map_err(|e| {
                Error::Config(format!("root certificate #{} is not valid PEM: {e}", i + 1))
            })?;
        if certs.is_empty() {
            return Err(Error::Config(format!(
                "root certificate #{} holds no certificate",
                i + 1
            )));
        }
        roots.extend(certs);
    }
    Ok(roots)
}

/// A rustls configuration builder with our provider and the safe default protocol versions.
fn config_builder(
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>, Error> {
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))
}

/// The HTTP client's TLS settings: `roots` (DER) on top of the platform's, or, with
/// `accept_invalid`, any certificate.
pub(crate) fn http_config(
    roots: Vec<CertificateDer<'static>>,
    accept_invalid: bool,
) -> Result<rustls::ClientConfig, Error> {
    let provider = provider()?;
    let builder = config_builder(provider.clone())?.dangerous();
    let builder = if accept_invalid {
        builder.with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
    } else {
        let verifier = if roots.is_empty() {
            rustls_platform_verifier::Verifier::new(provider)
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
        }
        .map_err(|e| {
            Error::Config(format!(
                "cannot set up the HTTP client: {e}. If this machine has no CA certificates, install them (e.g. the ca-certificates package), point SSL_CERT_FILE at a PEM bundle, or pass one to add_root_certificate_pem"
            ))
        })?;
        builder.with_custom_certificate_verifier(Arc::new(verifier))
    };
    let mut config = builder.with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The events socket's TLS settings: those of [`http_config`], offering HTTP/1.1 only.
#[cfg(feature = "events")]
pub(crate) fn events_config(http: &rustls::ClientConfig) -> rustls::ClientConfig {
    let mut config = http.clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// Accepts every server certificate (`danger_accept_invalid_certs`); handshake signatures are
/// still checked, as the TLS protocol needs them to be.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
    #[test]
    fn an_installed_provider_wins() {
        let mut only_one_suite = feature_provider().unwrap();
        only_one_suite.cipher_suites.truncate(1);
        let installed = Arc::new(only_one_suite);
        let chosen = choose(Some(&installed)).unwrap();
        assert!(Arc::ptr_eq(&chosen, &installed));
    }

    #[cfg(feature = "aws-lc-rs")]
    #[test]
    fn by_default_aws_lc_rs_with_post_quantum_key_exchange_first() {
        let chosen = choose(None).unwrap();
        assert_eq!(
            chosen.kx_groups[0].name(),
            rustls::NamedGroup::X25519MLKEM768
        );
        assert!(!chosen.cipher_suites.is_empty());
    }

    #[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
    #[test]
    fn without_a_provider_feature_nothing_installed_is_a_config_error() {
        let err = choose(None).unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("aws-lc-rs")),
            "{err}"
        );
    }
}
