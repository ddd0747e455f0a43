//! Unit-test your own code that calls the API, with `genauth::testing::MockApi`.
//!
//! ```sh
//! cargo run --example testing_handlers -- <user-id>
//! cargo test -p genauth-examples --example testing_handlers
//! ```
//!
//! `display_name` below stands for a function of your service. The tests at the bottom start a
//! `MockApi` (a local stand-in for the API that checks signatures, answers as the test says
//! and records every request), point a client at it, and check what `display_name` returns
//! and what it sent. `MockApi` needs genauth's `test-util` feature; turn it on for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! genauth = { version = "0.1", features = ["test-util"] }
//! ```

use genauth::ManagementClient;
use genauth::prelude::*;

/// The name to show for a user: nickname, else name, else username, else the id. `None` when
/// there is no such user.
async fn display_name(
    client: &ManagementClient,
    user_id: &str,
) -> Result<Option<String>, genauth::Error> {
    // `found()`: "no such user" (apiCode 2004, or statusCode 404) is `None`, not an error.
    let Some(response) = client.get_user().user_id(user_id).send().await.found()? else {
        return Ok(None);
    };
    let user = response.into_data()?;
    Ok(Some(
        [user.nickname, user.name, user.username]
            .into_iter()
            .flatten()
            .find(|s| !s.is_empty())
            .unwrap_or(user.user_id),
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "6319a1504f3xxxxf214dd5b7".to_string());

    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, _mock) = offline::client(script).await?;

    match display_name(&client, &user_id).await? {
        Some(name) => println!("{user_id} is shown as {name}"),
        None => println!("no user {user_id}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use genauth::ApiCode;
    use genauth::testing::{MockApi, MockFailure};
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn prefers_the_nickname_and_asks_for_the_given_user() {
        let mock = MockApi::start().await.unwrap();
        mock.respond_data(
            "get_user",
            &json!({"userId": "u1", "username": "ada", "nickname": "Ada"}),
        )
        .unwrap();
        let client = mock.client_builder().build().unwrap();

        let name = display_name(&client, "u1").await.unwrap();

        assert_eq!(name.as_deref(), Some("Ada"));
        let requests = mock.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].method, "GET");
        assert_eq!(requests[0].path, "/api/v3/get-user");
        assert_eq!(requests[0].query_value("userId").as_deref(), Some("u1"));
        assert!(requests[0].authenticated);
    }

    #[tokio::test]
    async fn falls_back_to_the_username_then_the_id() {
        let mock = MockApi::start().await.unwrap();
        let client = mock.client_builder().build().unwrap();

        mock.respond_data("get_user", &json!({"userId": "u1", "username": "ada"}))
            .unwrap();
        assert_eq!(
            display_name(&client, "u1").await.unwrap().as_deref(),
            Some("ada")
        );

        mock.respond_data("get_user", &json!({"userId": "u1"}))
            .unwrap();
        assert_eq!(
            display_name(&client, "u1").await.unwrap().as_deref(),
            Some("u1")
        );
    }

    #[tokio::test]
    async fn a_missing_user_is_none() {
        let mock = MockApi::start().await.unwrap();
        mock.fail_next(
            "get_user",
            MockFailure::Api {
                status_code: 404,
                api_code: Some(ApiCode::UserNotFound.value()),
                message: "user not found".into(),
            },
        )
        .unwrap();
        let client = mock.client_builder().build().unwrap();

        assert_eq!(display_name(&client, "nobody").await.unwrap(), None);
        assert_eq!(mock.requests().len(), 1);
    }

    #[tokio::test]
    async fn other_failures_are_errors() {
        let mock = MockApi::start().await.unwrap();
        mock.fail_next(
            "get_user",
            MockFailure::Api {
                status_code: 403,
                api_code: None,
                message: "forbidden".into(),
            },
        )
        .unwrap();
        let client = mock.client_builder().build().unwrap();

        let error = display_name(&client, "u1").await.unwrap_err();

        assert!(
            matches!(
                error,
                genauth::Error::Api {
                    status_code: 403,
                    ..
                }
            ),
            "{error:?}"
        );
        // A refusal is not retried.
        assert_eq!(mock.requests().len(), 1);
    }
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;
use serde_json::json;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    mock.respond_data(
        "get_user",
        &json!({"userId": "6319a1504f3xxxxf214dd5b7", "username": "ada", "nickname": "Ada"}),
    )
}
