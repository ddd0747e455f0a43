//! TLS settings, with `ring` as rustls' crypto provider (its build is a second or two of C,
//! where `aws-lc-rs`, reqwest's default, compiles for about half a minute on two cores).
//!
//! The HTTP client gets what reqwest would set up itself: the platform's verifier with the
//! builder's extra roots, or no verification at all when the caller asked for that, and ALPN
//! for HTTP/2 and HTTP/1.1.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::Error;

/// The crypto provider of every TLS connection the client makes.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The HTTP client's TLS settings: `roots` (DER) on top of the platform's, or, with
/// `accept_invalid`, any certificate.
pub(crate) fn http_config(
    roots: Vec<CertificateDer<'static>>,
    accept_invalid: bool,
) -> Result<rustls::ClientConfig, Error> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?
        .dangerous();
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
