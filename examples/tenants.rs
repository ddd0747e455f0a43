//! One client for many tenants, at a rate you choose: list each tenant's first users through a
//! view that sends that tenant's header, with every request of the client paced.
//!
//! ```sh
//! cargo run --example tenants -- tenant-a tenant-b tenant-c
//! ```
//!
//! `with_tenant` makes a view that shares the client's connection pool, token cache and rate;
//! `max_requests_per_second` spaces every request of the client (retries included) evenly.
//! Without arguments it lists two example tenants.

use genauth::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut tenants: Vec<String> = std::env::args().skip(1).collect();
    if tenants.is_empty() {
        tenants = vec!["tenant-a".into(), "tenant-b".into()];
    }

    // In your code: `ManagementClientBuilder::from_env()`. Without credentials this example
    // talks to a local mock instead (see `script` below).
    let (builder, _mock) = offline::builder(script).await?;
    let client = builder.max_requests_per_second(5.0).build()?;

    for tenant in &tenants {
        let acting = client.with_tenant(tenant)?;
        let page = acting.list_users().send().await?.into_data()?;
        println!("{tenant}: {} users", page.total_count);
        for user in page.list.iter().take(3) {
            println!("  {} {:?}", user.user_id, user.username);
        }
    }
    Ok(())
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // Each tenant's users, told apart by the tenant header the view sends.
    mock.respond_with("list_users", |request| {
        let tenant = request
            .header("x-genauth-app-id")
            .unwrap_or("none")
            .to_string();
        json!({"statusCode": 200, "message": "ok", "data": {
        "totalCount": 2,
        "list": [
            {"userId": format!("{tenant}-1"), "username": "ada"},
            {"userId": format!("{tenant}-2"), "username": "grace"}
        ]}})
    })
}
