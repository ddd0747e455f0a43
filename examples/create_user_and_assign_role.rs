//! Create a user, then give them a role.
//!
//! ```sh
//! cargo run --example create_user_and_assign_role -- <username> <role-code>
//! ```
//!
//! `create_user` answers with the new user, whose `userId` is what `assign_role` takes as a
//! `USER` target. Both are writes, so neither is retried unless you opt in. Without
//! credentials the example runs against a local mock and prints the bodies it received.

use genauth_examples as offline;

use genauth::prelude::*;
use genauth::types;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let username = args.next().unwrap_or_else(|| "ada".to_string());
    let role = args.next().unwrap_or_else(|| "editor".to_string());

    let setup = offline::client(
        |mock| {
            mock.respond_with("create_user", |request| {
                let body = request.json().unwrap_or_default();
                json!({"statusCode": 200, "message": "ok", "data": {
                    "userId": "6319a1504f3xxxxf214dd5b7",
                    "username": body["username"],
                    "status": "Activated",
                    "createdAt": "2024-01-01T00:00:00Z"
                }})
            })?;
            mock.respond_data("assign_role", &json!({"success": true}))
        },
        |builder| builder,
    )
    .await?;
    let client = &setup.client;

    let user = client
        .create_user()
        .body_map(|b| b.username(Some(username.clone())))
        .send()
        .await?
        .into_data()?;
    println!("created {} with id {}", username, user.user_id);

    let assigned = client
        .assign_role()
        .body_map(|b| {
            b.code(role.clone()).targets(vec![types::TargetDto {
                target_type: types::TargetDtoTargetType::User,
                target_identifier: user.user_id.clone(),
            }])
        })
        .send()
        .await?
        .into_data()?;
    println!("assigned role {role}: success = {}", assigned.success);

    if let Some(mock) = &setup.mock {
        println!("\nwhat the mock received:");
        for request in mock.requests() {
            let body = String::from_utf8_lossy(&request.body);
            println!("  {} {}  {body}", request.method, request.path);
        }
    }
    Ok(())
}
