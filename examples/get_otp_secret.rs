//! Fetch a user's OTP secret.
//!
//! ```sh
//! cargo run --example get_otp_secret -- <user-id> [--user-id-type <type>] [--reveal]
//! ```
//!
//! With `GENAUTH_ACCESS_KEY_ID` and `GENAUTH_ACCESS_KEY_SECRET` set (and optionally
//! `GENAUTH_HOST`, `GENAUTH_TENANT_ID`, `GENAUTH_LANG`, `GENAUTH_BRAND`) it calls the real API.
//! Without them it starts `genauth::testing::MockApi`, a local stand-in on 127.0.0.1 that
//! checks the request signature and answers as the API does. The secret is masked unless
//! `--reveal` is given; the current TOTP code for it is printed either way.

use std::process::ExitCode;

use genauth::prelude::*;
use genauth::testing::MockApi;
use genauth::{ManagementClient, types};

const USAGE: &str = "usage: get_otp_secret <user-id> [--user-id-type <type>] [--reveal]\n  types: user_id external_id phone email username identity sync_relation custom_field";
/// What the local mock hands out: a valid base32 secret, so that the example can show a code.
const DEMO_SECRET: &str = "JBSWY3DPEHPK3PXP";

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
    let user_id = user_id.ok_or("a user id is required")?;
    Ok(Args {
        user_id,
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
    let have_credentials = ["GENAUTH_ACCESS_KEY_ID", "GENAUTH_ACCESS_KEY_SECRET"]
        .iter()
        .all(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()));

    // Keep the mock alive for the whole call.
    let mut _mock = None;
    let client = if have_credentials {
        ManagementClient::from_env()
    } else {
        let mock = match MockApi::start().await {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: cannot start the local mock: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "No GENAUTH_ACCESS_KEY_ID/GENAUTH_ACCESS_KEY_SECRET set: using a built-in local mock at {}",
            mock.base_url()
        );
        if let Err(e) = mock.respond_data(
            "get_otp_secret_by_user",
            &serde_json::json!({ "secret": DEMO_SECRET }),
        ) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        let client = mock.client_builder().build();
        _mock = Some(mock);
        client
    };
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut call = client
        .get_otp_secret_by_user()
        .user_id(args.user_id.clone());
    if let Some(t) = args.user_id_type {
        call = call.user_id_type(t);
    }
    match call.send().await.and_then(|r| r.into_data()) {
        Ok(otp) => {
            let secret = otp.secret.expose_secret();
            let shown = if args.reveal {
                secret.to_string()
            } else {
                mask(secret)
            };
            println!("OTP secret of {}: {shown}", args.user_id);
            if !args.reveal {
                println!("(masked; pass --reveal to print it)");
            }
            // The secret is what the user's authenticator app holds: the same codes follow.
            match otp.totp() {
                Ok(totp) => println!("current code: {}", totp.current_code()),
                Err(e) => println!("no code: {e}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
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
