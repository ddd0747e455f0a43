//! Change a user's profile, then block the account.
//!
//! ```sh
//! cargo run --example update_user -- <user-id>
//! ```
//!
//! `update_user` sets only the fields the body carries and answers with the updated user.
//! Blocking is the same call with `status`: the spec's account states are `Activated` (normal),
//! `Suspended`, `Deactivated` (disabled), `Resigned` and `Archived`; this example sets
//! `Deactivated`, and `Activated` undoes it. Both calls are writes, so neither is retried
//! unless you opt in.

use genauth::prelude::*;
use genauth::types;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "6319a1504f3xxxxf214dd5b7".to_string());

    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, _mock) = offline::client(script).await?;

    let user = client
        .update_user()
        .body_map(|b| {
            b.user_id(user_id.as_str())
                .nickname(Some("Ada".to_string()))
                .company(Some("Analytical Engines Ltd".to_string()))
        })
        .send()
        .await?
        .into_data()?;
    println!(
        "updated {}: nickname {:?}, company {:?}",
        user.user_id, user.nickname, user.company
    );

    let user = client
        .update_user()
        .body_map(|b| {
            b.user_id(user_id.as_str())
                .status(Some(types::Status::Deactivated))
        })
        .send()
        .await?
        .into_data()?;
    println!("{} is now {}", user.user_id, user.status);
    Ok(())
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // Answers with a user holding the fields the request set.
    mock.respond_with("update_user", |request| {
        let mut user = json!({"userId": "6319a1504f3xxxxf214dd5b7", "username": "ada",
                              "status": "Activated"});
        if let (Some(user), Some(serde_json::Value::Object(changes))) =
            (user.as_object_mut(), request.json())
        {
            user.extend(changes);
        }
        json!({"statusCode": 200, "message": "ok", "data": user})
    })
}
