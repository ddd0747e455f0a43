//! Tell API failures apart by their codes.
//!
//! ```sh
//! cargo run --example api_errors -- <user-id>
//! ```
//!
//! The API reports most failures in the body, often with HTTP 200: `statusCode` says what
//! kind of failure (403, 404, ...) and `apiCode` says exactly which. `send()` turns every such
//! answer into `genauth::Error::Api`. Transport failures, timeouts, HTTP errors and bodies that
//! do not decode are the other variants; `is_retryable()` says whether trying again may help
//! (the client already retried reads that were). Without credentials the example runs against
//! a local mock that refuses the first call.

use genauth_examples as offline;

use genauth::prelude::*;
use genauth::testing::MockFailure;
use serde_json::json;

/// An `apiCode` this program treats specially. The value is an example: take the codes your
/// program handles from GenAuth's error code list.
const EXAMPLE_API_CODE: i64 = 40401;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "no-such-user".to_string());
    let setup = offline::client(
        |mock| {
            mock.fail_next(
                "get_user",
                MockFailure::Api {
                    status_code: 404,
                    api_code: Some(EXAMPLE_API_CODE),
                    message: "user not found".into(),
                },
            )?;
            mock.respond_data(
                "get_user",
                &json!({"userId": "u1", "status": "Activated", "createdAt": "2024-01-01T00:00:00Z"}),
            )
        },
        |builder| builder,
    )
    .await?;

    for attempt in 1..=2 {
        let result = setup
            .client
            .get_user()
            .user_id(user_id.as_str())
            .send()
            .await
            .and_then(|r| r.into_data());
        match result {
            Ok(user) => println!("call {attempt}: found {}", user.user_id),
            Err(genauth::Error::Api {
                status_code: 404,
                api_code,
                message,
                request_id,
                ..
            }) => {
                let known = api_code == Some(EXAMPLE_API_CODE);
                println!(
                    "call {attempt}: not found (apiCode {api_code:?}, handled specially: {known}): {message}; request id {}",
                    request_id.as_deref().unwrap_or("-")
                );
            }
            Err(e @ genauth::Error::Api { .. }) => println!("call {attempt}: refused: {e}"),
            Err(e) if e.is_retryable() => println!("call {attempt}: try again later: {e}"),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
