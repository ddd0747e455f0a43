//! Shared by the examples, and not part of what they show: a client from the environment when
//! credentials are set, otherwise one for `genauth::testing::MockApi`, a local stand-in for
//! the API that answers as each example's `script` function says.
//!
//! Each example includes this file with `#[path = "support/offline.rs"] mod offline;`. It
//! needs genauth's `test-util` feature, which examples/Cargo.toml turns on only under
//! `[dev-dependencies]`.

use genauth::testing::MockApi;
use genauth::{ManagementClient, ManagementClientBuilder};

/// Whether `GENAUTH_ACCESS_KEY_ID` and `GENAUTH_ACCESS_KEY_SECRET` are both set.
fn have_credentials() -> bool {
    ["GENAUTH_ACCESS_KEY_ID", "GENAUTH_ACCESS_KEY_SECRET"]
        .iter()
        .all(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()))
}

/// With credentials, `ManagementClientBuilder::from_env()` and no mock. Without, a started
/// mock that `script` has set answers on, and a builder pointed at it. Keep the mock alive as
/// long as the client is used: dropping it stops it.
pub async fn builder(
    script: impl FnOnce(&MockApi) -> Result<(), genauth::Error>,
) -> Result<(ManagementClientBuilder, Option<MockApi>), Box<dyn std::error::Error>> {
    if have_credentials() {
        return Ok((ManagementClientBuilder::from_env(), None));
    }
    let mock = MockApi::start().await?;
    eprintln!(
        "(no GENAUTH_ACCESS_KEY_ID/GENAUTH_ACCESS_KEY_SECRET: talking to a local mock at {})",
        mock.base_url()
    );
    script(&mock)?;
    Ok((mock.client_builder(), Some(mock)))
}

/// [`builder`], built: `ManagementClient::from_env()` when credentials are set.
#[allow(dead_code, reason = "token_mode uses `builder` only")]
pub async fn client(
    script: impl FnOnce(&MockApi) -> Result<(), genauth::Error>,
) -> Result<(ManagementClient, Option<MockApi>), Box<dyn std::error::Error>> {
    let (builder, mock) = builder(script).await?;
    Ok((builder.build()?, mock))
}
