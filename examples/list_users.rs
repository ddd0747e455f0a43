//! List every user of the pool, page by page.
//!
//! ```sh
//! cargo run --example list_users
//! ```
//!
//! `list_users` pages through `options.pagination` in its body. `into_stream()` asks for one
//! page at a time, only when the stream needs more, and ends after the last page. Without
//! credentials the example runs against a local mock that holds 23 users.

use genauth_examples as offline;

use futures::TryStreamExt as _;
use genauth::prelude::*;
use serde_json::json;

/// How many users the mock holds, and the page size the example asks for.
const MOCK_USERS: usize = 23;
const PAGE_SIZE: i64 = 10;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = offline::client(
        |mock| {
            mock.respond_with("list_users", |request| {
                let body = request.json().unwrap_or_default();
                let pagination = &body["options"]["pagination"];
                let page = pagination["page"].as_u64().unwrap_or(1) as usize;
                let limit = pagination["limit"].as_u64().unwrap_or(10) as usize;
                let list: Vec<_> = (1..=MOCK_USERS)
                    .skip((page - 1) * limit)
                    .take(limit)
                    .map(|i| {
                        json!({"userId": format!("u{i:03}"), "username": format!("user{i}"),
                                    "status": "Activated", "createdAt": "2024-01-01T00:00:00Z"})
                    })
                    .collect();
                json!({"statusCode": 200, "message": "ok",
                       "data": {"totalCount": MOCK_USERS, "list": list}})
            })
        },
        |builder| builder,
    )
    .await?;

    let users: Vec<_> = setup
        .client
        .list_users()
        .body_map(|b| {
            b.options(Some(genauth::types::ListUsersOptionsDto {
                pagination: Some(genauth::types::PaginationDto {
                    page: Some(1),
                    limit: Some(PAGE_SIZE),
                }),
                ..Default::default()
            }))
        })
        .into_stream()
        .try_collect()
        .await?;
    for user in &users {
        println!(
            "{}  {}",
            user.user_id,
            user.username.as_deref().unwrap_or("-")
        );
    }
    println!("\n{} users", users.len());
    if let Some(mock) = &setup.mock {
        println!("{} page requests sent to the mock", mock.requests().len());
    }
    Ok(())
}
