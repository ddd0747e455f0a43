//! Call the API with a management token instead of signing every request.
//!
//! ```sh
//! cargo run --example token_mode -- <user-id>
//! ```
//!
//! In `AuthMode::ManagementToken` the client trades its access key for a token on the first
//! call, sends `authorization: Bearer <token>` from then on, and fetches a new token shortly
//! before the old one expires (or once, when the API rejects it). Concurrent first calls share
//! one fetch. The token never shows in `Debug` output or logs. Without credentials the example
//! runs against a local mock, which issues tokens too.

use genauth_examples as offline;

use genauth::AuthMode;
use genauth::prelude::*;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "6319a1504f3xxxxf214dd5b7".to_string());
    let setup = offline::client(
        |mock| {
            mock.respond_data(
                "get_user",
                &json!({"userId": "6319a1504f3xxxxf214dd5b7", "username": "ada",
                        "status": "Activated", "createdAt": "2024-01-01T00:00:00Z"}),
            )
        },
        |builder| builder.auth_mode(AuthMode::ManagementToken),
    )
    .await?;

    // Two calls at once: one token fetch serves both.
    let (a, b) = tokio::join!(
        setup.client.get_user().user_id(user_id.as_str()).send(),
        setup.client.get_user().user_id(user_id.as_str()).send(),
    );
    for user in [a?.into_data()?, b?.into_data()?] {
        println!(
            "{}  {}",
            user.user_id,
            user.username.as_deref().unwrap_or("-")
        );
    }

    if let Some(mock) = &setup.mock {
        for request in mock.requests() {
            println!(
                "{} {}: accepted by the mock: {}",
                request.method, request.path, request.authenticated
            );
        }
    }
    Ok(())
}
