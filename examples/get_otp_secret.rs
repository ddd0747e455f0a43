//! Fetch a user's OTP secret.
//!
//! ```sh
//! cargo run --example get_otp_secret -- [<user-id>] [--user-id-type <type>] [--reveal]
//! ```
//!
//! `get_otp_secret_by_user` returns the secret a user's authenticator app holds. The secret is
//! masked unless `--reveal` is given; the current TOTP code for it is printed either way (the
//! `totp` feature, on by default). Without an argument it asks for user
//! `6319a1504f3xxxxf214dd5b7`.

use std::process::ExitCode;

use genauth::prelude::*;
use genauth::types;

const USAGE: &str = "usage: get_otp_secret [<user-id>] [--user-id-type <type>] [--reveal]\n  types: user_id external_id phone email username identity sync_relation custom_field";

struct Args {
    user_id: String,
    user_id_type: Option<types::UserIdType>,
    reveal: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut user_id = None;
    let mut user_id_type = None;
    let mut reveal = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--user-id-type" => {
                let v = it.next().ok_or("--user-id-type needs a value")?;
                user_id_type = Some(
                    v.parse::<types::UserIdType>()
                        .map_err(|_| format!("unknown user id type `{v}`"))?,
                );
            }
            "--reveal" => reveal = true,
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with("--") => return Err(format!("unknown option `{other}`")),
            other if user_id.is_none() => user_id = Some(other.to_string()),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok(Args {
        user_id: user_id.unwrap_or_else(|| "6319a1504f3xxxxf214dd5b7".to_string()),
        user_id_type,
        reveal,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    // In your code: `let client = ManagementClient::from_env()?;`. Without credentials this
    // example talks to a local mock instead (see `script` below).
    let (client, _mock) = offline::client(script).await?;

    let mut call = client
        .get_otp_secret_by_user()
        .user_id(args.user_id.as_str());
    if let Some(t) = args.user_id_type {
        call = call.user_id_type(t);
    }
    let otp = call.send().await?.into_data()?;
    let secret = otp.secret.expose_secret();
    if args.reveal {
        println!("OTP secret of {}: {secret}", args.user_id);
    } else {
        println!(
            "OTP secret of {}: {} (masked; pass --reveal to print it)",
            args.user_id,
            mask(secret)
        );
    }
    // The secret is what the user's authenticator app holds: the same codes follow.
    match otp.totp() {
        Ok(totp) => println!("current code: {}", totp.current_code()),
        Err(e) => println!("no code: {e}"),
    }
    Ok(())
}

/// First two and last two characters, the rest as `*`.
fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..2].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 4));
    out.extend(&chars[chars.len() - 2..]);
    out
}

// ---- Only for running without credentials: the local mock's answers. ----

#[path = "support/offline.rs"]
mod offline;

use genauth::testing::MockApi;

fn script(mock: &MockApi) -> Result<(), genauth::Error> {
    // A valid base32 secret, so that the example can show a code.
    mock.respond_data(
        "get_otp_secret_by_user",
        &serde_json::json!({"secret": "JBSWY3DPEHPK3PXP"}),
    )
}
