//! Calls and helpers that several test modules use the same way.

use std::future::Future;
use std::time::Duration;

use genauth::prelude::*;
use genauth::{Error, ManagementClient, ManagementClientBuilder, RetryPolicy, types};

/// Fails the test instead of hanging it.
pub async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .expect("neither finished nor failed within 20 s")
}

/// A client for `base` with millisecond backoff, so that suites with retries stay fast.
pub fn quick_builder(base: &str) -> ManagementClientBuilder {
    ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret("SK")
        .host(base)
        .retry_policy(
            RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
}

/// The seed call (`get_otp_secret_by_user`) for user `u1`, down to its data.
pub async fn fetch_otp(client: &ManagementClient) -> Result<types::OtpSecretRespDto, Error> {
    client
        .get_otp_secret_by_user()
        .user_id("u1")
        .send()
        .await?
        .into_data()
}
