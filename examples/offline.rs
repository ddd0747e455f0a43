//! The examples of the `genauth` crate, a package of their own so that running one compiles
//! the SDK and nothing of its tests and benches. Run one from the workspace root with
//! `cargo run --example <name>`.
//!
//! This library is what the examples share: how they get a client, from the environment when
//! credentials are set, otherwise from `genauth::testing::MockApi`, a local stand-in that the
//! example scripts first.

use genauth::testing::MockApi;
use genauth::{ManagementClient, ManagementClientBuilder};

/// A client, and the mock it talks to when there are no credentials (keep it alive as long as
/// the client is used).
pub struct Setup {
    pub client: ManagementClient,
    pub mock: Option<MockApi>,
}

/// Whether `GENAUTH_ACCESS_KEY_ID` and `GENAUTH_ACCESS_KEY_SECRET` are both set.
pub fn have_credentials() -> bool {
    ["GENAUTH_ACCESS_KEY_ID", "GENAUTH_ACCESS_KEY_SECRET"]
        .iter()
        .all(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()))
}

/// With credentials: `ManagementClientBuilder::from_env()` plus `tune`. Without: a mock that
/// `script` sets answers on, and a client for it plus `tune`.
pub async fn client(
    script: impl FnOnce(&MockApi) -> Result<(), genauth::Error>,
    tune: impl FnOnce(ManagementClientBuilder) -> ManagementClientBuilder,
) -> Result<Setup, Box<dyn std::error::Error>> {
    if have_credentials() {
        let client = tune(ManagementClientBuilder::from_env()).build()?;
        return Ok(Setup { client, mock: None });
    }
    let mock = MockApi::start().await?;
    println!(
        "No GENAUTH_ACCESS_KEY_ID/GENAUTH_ACCESS_KEY_SECRET set: using a built-in local mock at {}\n",
        mock.base_url()
    );
    script(&mock)?;
    let client = tune(mock.client_builder()).build()?;
    Ok(Setup {
        client,
        mock: Some(mock),
    })
}
