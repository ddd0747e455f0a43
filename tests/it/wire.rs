//! The facade on the wire, against loopback servers: signed headers, with the signature
//! recomputed here independently (`signing`); every error variant, and answers read fail-closed
//! (`errors`); and token mode (`token`).
//!
//! This file holds the values those tests share and the client pinned to them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use genauth::{Brand, Lang, ManagementClient};

mod errors;
mod signing;
mod token;

const DATE: &str = "Tue, 01 Jul 2025 08:00:00 GMT";
const NONCE: &str = "0123456789abcdef0123456789abcdef";
const SECRET: &str = "SK-very-secret-value";
const OTP: &str = "e2345asdfwagw13424";
const SAMPLE: &str = r#"{"statusCode":200,"message":"Operation successful","requestId":"934108e5-9fbf-4d24-8da1-c330328abd6c","data":{"secret":"e2345asdfwagw13424"}}"#;

fn pinned(host: &str, brand: Brand) -> genauth::ManagementClientBuilder {
    ManagementClient::builder()
        .access_key_id("AK_TEST")
        .access_key_secret(SECRET)
        .host(host)
        .brand(brand)
        .tenant_id("tenant-1")
        .lang(Lang::ZhCn)
        .clock(Arc::new(|| {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_356_800)
        }))
        .nonce_source(Arc::new(|| NONCE.to_string()))
}
