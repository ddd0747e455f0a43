//! One client shared by a web service's handlers, through axum's state.
//!
//! ```sh
//! cargo run --example axum_state
//! ```
//!
//! `ManagementClient` is cheap to clone (clones share one connection pool and one token
//! cache), so the router's state holds it directly, with no `Arc`. `GET /users/{id}` answers
//! with the user, or with an HTTP status chosen from the `genauth::Error`. With credentials it
//! serves on 127.0.0.1:3000 until Ctrl-C; without, it serves on a free port, sends itself two
//! requests, prints the answers and exits.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use genauth::ManagementClient;
use genauth::prelude::*;
use serde_json::{Value, json};

const ADDR: &str = "127.0.0.1:3000";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, mock) = offline::client(script).await?;

    let app = Router::new()
        .route("/users/{id}", get(user))
        .with_state(client);
    // Against the mock: any free port.
    let listener =
        tokio::net::TcpListener::bind(if mock.is_some() { "127.0.0.1:0" } else { ADDR }).await?;
    let addr = listener.local_addr()?;
    println!("serving on http://{addr}");
    // In your code: `.with_graceful_shutdown(async { tokio::signal::ctrl_c().await.ok(); })`.
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown(mock, addr))
        .await?;
    Ok(())
}

/// `GET /users/{id}`: the user's id, username and email.
async fn user(
    State(client): State<ManagementClient>,
    Path(id): Path<String>,
) -> Result<Json<Value>, (StatusCode, String)> {
    let user = client
        .get_user()
        .user_id(id.as_str())
        .send()
        .await
        .and_then(|response| response.into_data())
        .map_err(|e| (status_for(&e), e.to_string()))?;
    Ok(Json(json!({
        "userId": user.user_id,
        "username": user.username,
        "email": user.email,
    })))
}

/// The HTTP status this service answers with when the API call failed.
fn status_for(error: &genauth::Error) -> StatusCode {
    match error {
        // No such user (apiCode 2004) or another "not found" (see `Error::is_not_found`).
        e if e.is_not_found() => StatusCode::NOT_FOUND,
        e if e.is_retryable() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_GATEWAY,
    }
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use std::net::SocketAddr;

use genauth::testing::MockApi;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // One known user; any other id gets the API's "user not found" answer.
    mock.respond_with("get_user", |request| {
        if request.query_value("userId").as_deref() == Some("6319a1504f3xxxxf214dd5b7") {
            json!({"statusCode": 200, "message": "ok", "data": {
                "userId": "6319a1504f3xxxxf214dd5b7", "username": "ada",
                "email": "ada@example.com"}})
        } else {
            json!({"statusCode": 404, "apiCode": 2004, "message": "user not found"})
        }
    })
}

/// With credentials (no mock): Ctrl-C. Without: once this program has asked itself for a user
/// that exists and one that does not. The mock lives until then.
async fn shutdown(mock: Option<MockApi>, addr: SocketAddr) {
    let Some(_mock) = mock else {
        tokio::signal::ctrl_c().await.ok();
        return;
    };
    for path in ["/users/6319a1504f3xxxxf214dd5b7", "/users/nobody"] {
        match http_get(addr, path).await {
            Ok(answer) => println!("GET {path}\n{answer}\n"),
            Err(e) => eprintln!("GET {path}: {e}"),
        }
    }
}

/// A bare HTTP/1.1 GET: the status line and the body.
async fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let status = response.lines().next().unwrap_or_default();
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok(format!("{status}\n{body}"))
}
