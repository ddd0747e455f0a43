//! A service of the usual shape: an axum route that calls another HTTP API with reqwest and
//! answers JSON, with tracing. With the `with-genauth` feature a second route reads a user's
//! OTP secret through genauth.

use axum::{Json, Router, routing::get};
use serde::Serialize;

#[derive(Serialize)]
struct Health {
    ok: bool,
    upstream: u16,
}

async fn health(client: reqwest::Client) -> Json<Health> {
    let upstream = match client.get("https://example.com/").send().await {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    };
    tracing::info!(upstream, "health checked");
    Json(Health { ok: true, upstream })
}

#[cfg(feature = "with-genauth")]
async fn otp(management: genauth::ManagementClient) -> Json<serde_json::Value> {
    use genauth::prelude::*;
    let answer = management.get_otp_secret_by_user().user_id("u1").send().await;
    Json(serde_json::json!({ "ok": answer.is_ok() }))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt::init();
    let client = reqwest::Client::new();
    let app = Router::new().route("/health", get(move || health(client.clone())));
    #[cfg(feature = "with-genauth")]
    let app = {
        let management = genauth::ManagementClient::from_env().expect("GENAUTH_* settings");
        app.route("/otp", get(move || otp(management.clone())))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
