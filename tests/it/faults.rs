//! Fault injection: loopback servers that fail in the ways real networks and servers do. Every
//! case must end in success or a typed `genauth::Error` (never a panic or a hang), and the
//! number of requests the server saw is asserted.
//!
//! The cases are grouped in `retries` (what is retried, how often and after how long),
//! `timeouts` (per attempt and per call) and `broken` (connections and bodies that break).
//! This file holds the servers, clients and calls they share.

use std::time::{Duration, Instant};

use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply, MockRequest};
use genauth::{Error, ManagementClient, ManagementClientBuilder, types};

use crate::support::calls::{bounded, fetch_otp, quick_builder};

mod broken;
mod retries;
mod timeouts;

const OK: &str =
    r#"{"statusCode":200,"message":"ok","requestId":"r-ok","data":{"secret":"S3CR3T"}}"#;
const BUSY: &str = r#"{"statusCode":503,"message":"busy","requestId":"r-busy"}"#;
const DONE: &str = r#"{"statusCode":200,"message":"ok","data":{"success":true}}"#;

/// Asserts the call that began at `started` ended before `limit`.
fn finished_within(started: Instant, limit: Duration) {
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}, limit {limit:?}");
}

/// A client for `base` with quick backoff and roomy timeouts.
fn builder(base: &str) -> ManagementClientBuilder {
    quick_builder(base)
        .attempt_timeout(Duration::from_secs(5))
        .total_timeout(Duration::from_secs(15))
}

fn client(base: &str) -> ManagementClient {
    builder(base).build().unwrap()
}

async fn server(
    handler: impl Fn(&MockRequest, usize) -> MockReply + Send + Sync + 'static,
) -> MockApi {
    MockApi::start_raw(handler).await.unwrap()
}

/// A server whose first `failures` answers come from `fail` and the rest from `then`.
async fn flaky(
    failures: usize,
    fail: impl Fn() -> MockReply + Send + Sync + 'static,
    then: impl Fn() -> MockReply + Send + Sync + 'static,
) -> MockApi {
    server(move |_, n| if n <= failures { fail() } else { then() }).await
}

fn ok() -> MockReply {
    MockReply::json(200, OK)
}

/// The seed read, down to its data.
async fn read(client: &ManagementClient) -> Result<types::OtpSecretRespDto, Error> {
    bounded(fetch_otp(client)).await
}

/// A write (`POST /api/v3/delete-users-batch`), down to its data.
async fn write(client: &ManagementClient) -> Result<types::IsSuccessDto, Error> {
    bounded(async {
        client
            .delete_users_batch()
            .body_map(|b| b.user_ids(vec!["u1".to_string()]))
            .send()
            .await?
            .into_data()
    })
    .await
}

fn raw(status: u16, content_type: &str, body: &[u8]) -> MockReply {
    let mut bytes = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    MockReply::raw(bytes)
}
