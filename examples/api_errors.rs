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
//! (the client already retried reads that were). Without credentials the local mock refuses
//! the first call and answers the second.

use genauth::prelude::*;

/// An `apiCode` this program handles specially: 2004 (user not found). Take the codes your
/// program handles from GenAuth's error code list.
const USER_NOT_FOUND: i64 = 2004;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "6319a1504f3xxxxf214dd5b7".to_string());

    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, _mock) = offline::client(script).await?;

    for attempt in 1..=2 {
        let result = client
            .get_user()
            .user_id(user_id.as_str())
            .send()
            .await
            .and_then(|r| r.into_data());
        match result {
            Ok(user) => println!("call {attempt}: found {}", user.user_id),
            Err(genauth::Error::Api {
                status_code,
                api_code: Some(USER_NOT_FOUND),
                message,
                request_id,
                ..
            }) => println!(
                "call {attempt}: no such user (statusCode {status_code}): {message}; request id {}",
                request_id.as_deref().unwrap_or("-")
            ),
            Err(e @ genauth::Error::Api { .. }) => println!("call {attempt}: refused: {e}"),
            Err(e) if e.is_retryable() => println!("call {attempt}: try again later: {e}"),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::{MockApi, MockFailure};
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // The first call gets "user not found", the next ones a user.
    mock.fail_next(
        "get_user",
        MockFailure::Api {
            status_code: 404,
            api_code: Some(USER_NOT_FOUND),
            message: "user not found".into(),
        },
    )?;
    mock.respond_with("get_user", |request| {
        json!({"statusCode": 200, "message": "ok",
               "data": {"userId": request.query_value("userId"), "username": "ada"}})
    })
}
