//! The README's quickstart: get a user by id, then by email, then list every user.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With `GENAUTH_ACCESS_KEY_ID` and `GENAUTH_ACCESS_KEY_SECRET` set it calls the real API;
//! without them it talks to a local mock (see `script` at the bottom).

use genauth::prelude::*;
use genauth::types;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, _mock) = offline::client(script).await?;

    let user = client
        .get_user()
        .user_id("6319a1504f3xxxxf214dd5b7")
        .send()
        .await?
        .into_data()?;
    println!("{} {:?}", user.user_id, user.username);

    let alice = client
        .get_user()
        .user_id("alice@example.com")
        .user_id_type(types::UserIdType::Email)
        .send()
        .await?
        .into_data()?;
    println!("alice is {}", alice.user_id);

    // One page is fetched at a time, when the loop needs it.
    let mut users = client.list_users().into_stream();
    while let Some(user) = users.try_next().await? {
        println!("{} {:?}", user.user_id, user.email);
    }
    Ok(())
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // `get_user` answers for either way of naming a user.
    mock.respond_with("get_user", |request| {
        let by_email = request.query_value("userIdType").as_deref() == Some("email");
        let user = if by_email {
            json!({"userId": "64a0c1e2f3xxxxa1b2c3d4e5", "username": "alice",
                   "email": request.query_value("userId")})
        } else {
            json!({"userId": request.query_value("userId"), "username": "ada"})
        };
        json!({"statusCode": 200, "message": "ok", "data": user})
    })?;
    // Three users; a short page ends the stream.
    mock.respond_data(
        "list_users",
        &json!({"totalCount": 3, "list": [
            {"userId": "6319a1504f3xxxxf214dd5b7", "username": "ada", "email": "ada@example.com"},
            {"userId": "64a0c1e2f3xxxxa1b2c3d4e5", "username": "alice", "email": "alice@example.com"},
            {"userId": "64a0c1e2f3xxxxa1b2c3d4e6", "username": "bob"}
        ]}),
    )
}
