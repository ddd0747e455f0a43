//! List every user of the pool, page by page.
//!
//! ```sh
//! cargo run --example list_users
//! ```
//!
//! `list_users` pages through `options.pagination` in its body. `into_stream()` asks for one
//! page at a time, only when the loop needs more, and ends after the last page; the page size
//! set here is kept for every page.

use genauth::prelude::*;
use genauth::types;

const PAGE_SIZE: i64 = 10;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, _mock) = offline::client(script).await?;

    let mut users = client
        .list_users()
        .body_map(|b| {
            b.options(Some(types::ListUsersOptionsDto {
                pagination: Some(types::PaginationDto {
                    page: Some(1),
                    limit: Some(PAGE_SIZE),
                }),
                ..Default::default()
            }))
        })
        .into_stream();
    let mut count = 0;
    while let Some(user) = users.try_next().await? {
        count += 1;
        println!(
            "{}  {}",
            user.user_id,
            user.username.as_deref().unwrap_or("-")
        );
    }
    println!("\n{count} users");
    Ok(())
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // 23 users, served in the pages the request asks for.
    const USERS: usize = 23;
    mock.respond_with("list_users", |request| {
        let body = request.json().unwrap_or_default();
        let pagination = &body["options"]["pagination"];
        let page = pagination["page"].as_u64().unwrap_or(1).max(1) as usize;
        let limit = pagination["limit"].as_u64().unwrap_or(10) as usize;
        let list: Vec<_> = (1..=USERS)
            .skip((page - 1) * limit)
            .take(limit)
            .map(|i| json!({"userId": format!("u{i:03}"), "username": format!("user{i}")}))
            .collect();
        json!({"statusCode": 200, "message": "ok",
               "data": {"totalCount": USERS, "list": list}})
    })
}
