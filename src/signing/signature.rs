//! The signature itself: HMAC-SHA1 of the string to sign, keyed with the access key secret,
//! in base64, and the `authorization` header value that carries it.

use base64::Engine as _;
use hmac::{Hmac, Mac};

use crate::Brand;

/// The `authorization` header value: `<scheme> <accessKeyId>:<base64(HMAC-SHA1(secret, sts))>`.
pub fn authorization(
    brand: Brand,
    access_key_id: &str,
    access_key_secret: &str,
    string_to_sign: &str,
) -> String {
    authorization_with(
        brand,
        access_key_id,
        &keyed_mac(access_key_secret),
        string_to_sign,
    )
}

/// HMAC-SHA1 keyed with the access key secret. The key schedule is done once per client and
/// the state cloned per request.
pub(crate) fn keyed_mac(access_key_secret: &str) -> Hmac<sha1::Sha1> {
    Hmac::<sha1::Sha1>::new_from_slice(access_key_secret.as_bytes())
        .expect("HMAC accepts keys of any length")
}

/// [`authorization`] with an already keyed HMAC.
fn authorization_with(
    brand: Brand,
    access_key_id: &str,
    mac: &Hmac<sha1::Sha1>,
    string_to_sign: &str,
) -> String {
    let mut mac = mac.clone();
    mac.update(string_to_sign.as_bytes());
    let signature = encode_signature(mac);
    let signature = std::str::from_utf8(&signature).expect("base64 is ASCII");
    format!("{} {access_key_id}:{signature}", brand.signature_scheme())
}

/// The base64 text of a finished HMAC-SHA1: 20 bytes make 28 characters.
pub(crate) fn encode_signature(mac: Hmac<sha1::Sha1>) -> [u8; 28] {
    let mut text = [0u8; 28];
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(mac.finalize().into_bytes(), &mut text)
        .expect("28 bytes hold the base64 of 20");
    debug_assert_eq!(written, 28);
    text
}
