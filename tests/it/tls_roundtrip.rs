//! HTTPS end to end, against a loopback TLS server with a certificate made for these tests
//! (`tests/data/tls`: a CA, and a leaf for 127.0.0.1 and localhost it signed; test-only keys,
//! valid until 2126). The client's TLS (rustls, src/tls.rs) must accept the leaf
//! with the CA as an extra root, refuse it without, and take anything when told to.

use genauth::prelude::*;
use genauth::{Error, ManagementClient, ManagementClientBuilder};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::support::tls;

const CA: &str = include_str!("../data/tls/ca.pem");
const OK: &str = r#"{"statusCode":200,"message":"ok","requestId":"r1","data":{"secret":"S3CR3T"}}"#;

/// An HTTPS server on 127.0.0.1 answering every request with `OK`; returns its base URL.
async fn https_server() -> String {
    let acceptor = tls::acceptor();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake is the client's business; the server just moves on.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut chunk = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{OK}",
                    OK.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    base
}

fn builder(base: &str) -> ManagementClientBuilder {
    ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret("SK")
        .host(base)
        .retry_policy(genauth::RetryPolicy::none())
}

async fn call(client: &ManagementClient) -> Result<String, Error> {
    let data = client
        .get_otp_secret_by_user()
        .user_id("u1")
        .send()
        .await?
        .into_data()?;
    Ok(data.secret.expose_secret().to_string())
}

#[tokio::test]
async fn the_test_ca_as_an_extra_root_lets_the_call_through() {
    let base = https_server().await;
    let client = builder(&base).add_root_certificate_pem(CA).build().unwrap();
    assert_eq!(call(&client).await.unwrap(), "S3CR3T");
}

#[tokio::test]
async fn without_the_root_the_certificate_is_refused() {
    let base = https_server().await;
    let client = builder(&base).build().unwrap();
    let err = call(&client).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "the cause is named: {err}"
    );
}

#[tokio::test]
async fn accepting_invalid_certificates_takes_any() {
    let base = https_server().await;
    let client = builder(&base)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    assert_eq!(call(&client).await.unwrap(), "S3CR3T");
}

/// An application's own reqwest client, built the plain way beside genauth, works without
/// installing a crypto provider: genauth's default `aws-lc-rs` feature gives reqwest one too.
#[tokio::test]
async fn a_plain_reqwest_client_beside_genauth_needs_no_provider_step() {
    // Nothing here installs a provider (nor does anything else in these tests).
    let base = https_server().await;
    let ca = reqwest::Certificate::from_pem(CA.as_bytes()).unwrap();
    let plain = reqwest::Client::builder()
        .tls_certs_merge([ca])
        .build()
        .expect("a plain reqwest client builds with genauth's default features");
    let body = plain.get(&base).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, OK);
}
