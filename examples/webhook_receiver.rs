//! A webhook receiver: `POST /webhook` checks each delivery with `genauth::webhook` and prints
//! the event.
//!
//! ```sh
//! cargo run --example webhook_receiver
//! WEBHOOK_SECRET='<the webhook request key>' WEBHOOK_LISTEN=0.0.0.0:8080 \
//!     cargo run --example webhook_receiver
//! ```
//!
//! With `WEBHOOK_SECRET` (the secret set on the webhook) and `WEBHOOK_LISTEN` (the address to
//! listen on), it serves until Ctrl-C; point the webhook's URL at `/webhook` on it, behind
//! HTTPS (the secret travels in a header, readable by anyone between GenAuth and you on plain
//! HTTP). With neither, it listens on a free loopback port with a made-up secret, posts itself
//! one test delivery with the headers the webhook guides list, prints what it received and
//! exits.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use genauth::webhook::{Delivery, EventData, WebhookVerifier};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setting = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match (setting("WEBHOOK_SECRET"), setting("WEBHOOK_LISTEN")) {
        (Some(secret), Some(listen)) => {
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            println!("serving on http://{}/webhook", listener.local_addr()?);
            axum::serve(listener, app(WebhookVerifier::new(secret)))
                .with_graceful_shutdown(async {
                    tokio::signal::ctrl_c().await.ok();
                })
                .await?;
            Ok(())
        }
        (None, None) => offline::deliver_one_to_self(app).await,
        _ => Err("set both WEBHOOK_SECRET and WEBHOOK_LISTEN, or neither".into()),
    }
}

/// The receiver. The body limit is the verifier's, so that axum reads no more than it would
/// accept (a longer body gets 413 from axum).
fn app(verifier: WebhookVerifier) -> Router {
    Router::new()
        .route("/webhook", post(receive))
        .layer(DefaultBodyLimit::max(verifier.body_limit()))
        .with_state(verifier)
}

/// One delivery: 200 once checked and read, else the status the refusal calls for (401 for a
/// missing or wrong secret, 400 for a body that cannot be read).
async fn receive(
    State(verifier): State<WebhookVerifier>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    match verifier.verify(&headers, &body) {
        Ok(delivery) => {
            print_event(&delivery);
            (StatusCode::OK, "ok".into())
        }
        Err(e) => {
            eprintln!("refused a delivery: {e}");
            (e.http_status(), e.to_string())
        }
    }
}

fn print_event(delivery: &Delivery) {
    let name = &delivery.event.name;
    let pool = delivery
        .userpool_id
        .as_deref()
        .unwrap_or("(no user pool header)");
    match &delivery.event.data {
        EventData::User(user) => println!("{name} from {pool}: user {}", user.user_id),
        EventData::UserUpdated { user, updates } => {
            println!(
                "{name} from {pool}: user {} changed {updates}",
                user.user_id
            )
        }
        EventData::Raw(data) => println!("{name} from {pool}: {data}"),
        // `EventData` may gain variants.
        _ => println!("{name} from {pool}"),
    }
    println!("({} bytes as received)", delivery.raw.len());
}

// ---- Only for running without settings: a delivery sent to this program by itself. ----

mod offline {
    use super::WebhookVerifier;

    /// Serves `app` on a free loopback port with a made-up secret, posts one test delivery to
    /// it, prints the answer's status and stops.
    pub async fn deliver_one_to_self(
        app: fn(WebhookVerifier) -> axum::Router,
    ) -> Result<(), Box<dyn std::error::Error>> {
        const SECRET: &str = "example-secret-not-a-real-one";
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/webhook", listener.local_addr()?);
        eprintln!("(no WEBHOOK_SECRET/WEBHOOK_LISTEN: posting one test delivery to {url})");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(
            axum::serve(listener, app(WebhookVerifier::new(SECRET)))
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .into_future(),
        );
        let answer = reqwest::Client::new()
            .post(&url)
            .header("user-agent", "authing-webhook@2.0")
            .header("x-authing-webhook-secret", SECRET)
            .header("x-authing-userpool-id", "example-userpool-id")
            .header("content-type", "application/json")
            .body(r#"{"eventName":"test","data":{"note":"sent by the webhook_receiver example"}}"#)
            .send()
            .await?;
        println!("answered {}", answer.status());
        stop.send(()).ok();
        server.await??;
        Ok(())
    }
}
