//! The `genauth` command; everything lives in the `genauth_cli` library.

fn main() -> std::process::ExitCode {
    genauth_cli::main()
}
