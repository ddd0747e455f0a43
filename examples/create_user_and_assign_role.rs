//! Create a user, then give them a role.
//!
//! ```sh
//! cargo run --example create_user_and_assign_role -- <username> <role-code>
//! ```
//!
//! `create_user` answers with the new user, whose `userId` is what `assign_role` takes as a
//! `USER` target. Both are writes, so neither is retried unless you opt in.

use genauth::prelude::*;
use genauth::types;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let username = args.next().unwrap_or_else(|| "ada".to_string());
    let role = args.next().unwrap_or_else(|| "editor".to_string());

    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, _mock) = offline::client(script).await?;

    let user = client
        .create_user()
        .body_map(|b| b.username(Some(username.clone())))
        .send()
        .await?
        .into_data()?;
    println!("created {username} with id {}", user.user_id);

    let assigned = client
        .assign_role()
        .body_map(|b| {
            b.code(role.as_str()).targets(vec![types::TargetDto {
                target_type: types::TargetDtoTargetType::User,
                target_identifier: user.user_id.clone(),
            }])
        })
        .send()
        .await?
        .into_data()?;
    println!("assigned role {role}: success = {}", assigned.success);
    Ok(())
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // The new user has the username the request gave.
    mock.respond_with("create_user", |request| {
        let body = request.json().unwrap_or_default();
        json!({"statusCode": 200, "message": "ok", "data": {
            "userId": "6319a1504f3xxxxf214dd5b7",
            "username": body["username"],
            "status": "Activated"
        }})
    })?;
    mock.respond_data("assign_role", &json!({"success": true}))
}
