//! The `genauth` command line, as a library so that its parts can be tested directly; the
//! binary (`src/main.rs`) only calls [`main`].
//!
//! Every command is a module: [`ops`] (`ops`, `describe`), [`call`] (`call`, `pages`),
//! [`events`], [`import`] (`users import`), [`check_api`]. The operation facts come from the
//! genauth crate (`genauth::operations`); parameters, bodies and schemas from the vendored
//! spec, embedded in this package at compile time ([`spec`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod call;
pub mod check_api;
pub mod cli;
pub mod events;
pub mod import;
pub mod ops;
pub mod output;
pub mod spec;

use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, Parser as _};
use genauth::{AuthMode, Brand, ManagementClient, ManagementClientBuilder};

use crate::cli::{AuthModeArg, BrandArg, Cli, Command, Global, ShellArg, UsersCommand};
use crate::output::{EXIT_OK, EXIT_USAGE, Failure};

/// Runs the command line with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::eprint_line(&format!("genauth: cannot start the async runtime: {e}"));
            return ExitCode::from(output::EXIT_OTHER);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report();
            ExitCode::from(failure.exit_code())
        }
    }
}

/// The client for these settings: the GENAUTH_* environment, then the flags over it; `rate`
/// paces it (`--rate`: requests a second, retries included).
pub fn client(global: &Global, rate: Option<f64>) -> Result<ManagementClient, Failure> {
    let mut builder = ManagementClientBuilder::from_env();
    if let Some(rate) = rate {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(Failure::Usage(format!(
                "--rate must be a number of requests a second above zero, not {rate}"
            )));
        }
        builder = builder.max_requests_per_second(rate);
    }
    if let Some(host) = &global.host {
        builder = builder.host(host.clone());
    }
    if let Some(brand) = global.brand {
        builder = builder.brand(match brand {
            BrandArg::Genauth => Brand::GenAuth,
            BrandArg::Authing => Brand::Authing,
        });
    }
    if let Some(mode) = global.auth_mode {
        builder = builder.auth_mode(match mode {
            AuthModeArg::Signature => AuthMode::Signature,
            AuthModeArg::Token => AuthMode::ManagementToken,
        });
    }
    if let Some(seconds) = global.timeout {
        if seconds == 0 {
            return Err(Failure::Usage("--timeout must be at least 1 second".into()));
        }
        let total = Duration::from_secs(seconds);
        builder = builder
            .total_timeout(total)
            .attempt_timeout(total.min(genauth::DEFAULT_ATTEMPT_TIMEOUT));
    }
    Ok(builder.build()?)
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let global = &cli.global;
    let make_client = || client(global, None);
    match &cli.command {
        Command::Ops(args) => ops::run_ops(args),
        Command::Describe(args) => ops::run_describe(args),
        Command::Call(args) => call::run_call(args, make_client).await,
        Command::Pages(args) => call::run_pages(args, || client(global, args.rate)).await,
        Command::Events(args) => events::run_events(args, make_client).await,
        Command::Users {
            command: UsersCommand::Import(args),
        } => import::run_import(args, || client(global, args.rate)).await,
        Command::CheckApi(args) => check_api::run_check_api(args, make_client).await,
        Command::Completions(args) => completions(args.shell),
    }
}

/// `genauth completions`: the script for `shell` on stdout.
fn completions(shell: ShellArg) -> Result<(), Failure> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    let shell = match shell {
        ShellArg::Bash => clap_complete::Shell::Bash,
        ShellArg::Zsh => clap_complete::Shell::Zsh,
        ShellArg::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut command, "genauth", &mut script);
    let text = String::from_utf8_lossy(&script);
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(output::stdout_error)
}
