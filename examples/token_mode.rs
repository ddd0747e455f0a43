//! Call the API with a management token instead of signing every request.
//!
//! ```sh
//! cargo run --example token_mode -- <user-id>
//! ```
//!
//! In `AuthMode::ManagementToken` the client trades its access key for a token on the first
//! call, sends `authorization: Bearer <token>` from then on, and fetches a new token shortly
//! before the old one expires (or once, when the API rejects it). Concurrent first calls share
//! one fetch. The token never shows in `Debug` output or logs.

use genauth::AuthMode;
use genauth::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "6319a1504f3xxxxf214dd5b7".to_string());

    // In your code: `ManagementClientBuilder::from_env()`. Without credentials this example
    // talks to a local mock instead, which issues tokens too (see `script` below).
    let (builder, _mock) = offline::builder(script).await?;
    let client = builder.auth_mode(AuthMode::ManagementToken).build()?;

    // Two calls at once: one token fetch serves both.
    let (a, b) = tokio::join!(
        client.get_user().user_id(user_id.as_str()).send(),
        client.get_user().user_id(user_id.as_str()).send(),
    );
    for user in [a?.into_data()?, b?.into_data()?] {
        println!(
            "{}  {}",
            user.user_id,
            user.username.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    mock.respond_with("get_user", |request| {
        json!({"statusCode": 200, "message": "ok",
               "data": {"userId": request.query_value("userId"), "username": "ada"}})
    })
}
