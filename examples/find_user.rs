//! Find a user by email or by phone number, and tell "no such user" apart from other failures.
//!
//! ```sh
//! cargo run --example find_user -- --email ada@example.com
//! cargo run --example find_user -- --phone 13800000000
//! cargo run --example find_user -- --email nobody@example.com
//! ```
//!
//! `get_user` takes any identifier of a user when `user_id_type` says which kind it is. When
//! there is no such user the API answers with `apiCode` 2004 (user not found), which arrives
//! as `genauth::Error::Api`. Without an argument it looks up `ada@example.com`.

use genauth::prelude::*;
use genauth::{ApiCode, types};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (kind, value) = match parse_args() {
        Ok(query) => query,
        Err(message) => {
            eprintln!("{message}\nusage: find_user [--email <address> | --phone <number>]");
            std::process::exit(2);
        }
    };

    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, _mock) = offline::client(script).await?;

    let result = client
        .get_user()
        .user_id(value.as_str())
        .user_id_type(kind.clone())
        .send()
        .await
        .and_then(|response| response.into_data());
    match result {
        Ok(user) => println!(
            "found {}: username {:?}, email {:?}, phone {:?}",
            user.user_id, user.username, user.email, user.phone
        ),
        Err(e) if e.api_code() == Some(ApiCode::UserNotFound) => {
            println!("no user with {kind} {value}")
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// `--email X` or `--phone X`; `--email ada@example.com` when neither is given.
fn parse_args() -> Result<(types::UserIdType, String), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok((types::UserIdType::Email, "ada@example.com".to_string())),
        [flag, value] if flag == "--email" => Ok((types::UserIdType::Email, value.clone())),
        [flag, value] if flag == "--phone" => Ok((types::UserIdType::Phone, value.clone())),
        _ => Err(format!("unexpected arguments: {args:?}")),
    }
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // One known user; any other email or phone gets the API's "user not found" answer.
    mock.respond_with("get_user", |request| {
        let id = request.query_value("userId").unwrap_or_default();
        if id == "ada@example.com" || id == "13800000000" {
            json!({"statusCode": 200, "message": "ok", "data": {
                "userId": "6319a1504f3xxxxf214dd5b7", "username": "ada",
                "email": "ada@example.com", "phone": "13800000000"}})
        } else {
            json!({"statusCode": 404, "apiCode": ApiCode::UserNotFound.value(), "message": "user not found",
                   "requestId": "mock-request"})
        }
    })
}
