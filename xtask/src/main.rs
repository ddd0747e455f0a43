//! Maintainer tasks for the `genauth` workspace.
//!
//! `cargo xtask regen --from <file-or-url> [--from <file-or-url> ...]` merges upstream OpenAPI
//! documents (in the order given; see `merge.rs`) into the vendored, progenitor-ready
//! `openapi/management-v3.json` and prints the merge decisions and what changed in the API.
//! `cargo xtask regen --check` proves the vendored file is a fixpoint of the normaliser; it reads
//! nothing but the files under `openapi/`.
//!
//! `cargo xtask package-check [--root <dir>]` packages genauth, genauth-codegen and
//! genauth-cli and uses them as a user would (see `package_check.rs`).
//!
//! Each works on the checkout that contains the current directory (see `workspace.rs`), or on
//! the one named by `--root <dir>`; never on the checkout the binary happened to be built in.

mod merge;
mod normalise;
mod package_check;
mod report;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;
use sha2::{Digest, Sha256};

use normalise::Overlay;

const USAGE: &str = "\
usage:
  cargo xtask regen --from <file-or-url> [--from ...] [--out <file>] [--root <dir>]
                                                          merge upstream specs (first wins) into the vendored file
  cargo xtask regen --check [--out <file>] [--root <dir>] fail if normalising the vendored file changes it
  cargo xtask package-check [--root <dir>]                package every publishable package, then build the
                                                          README's quickstart, install the command line and
                                                          run genauth's tests from those packages

The workspace is the nearest directory at or above the current one whose Cargo.toml has a
[workspace] table and which holds openapi/ and xtask/, unless --root names it.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((task, rest)) = args.split_first() else {
        return Err(format!("no task given\n{USAGE}"));
    };
    match task.as_str() {
        "regen" => regen(rest),
        "package-check" => {
            let root = match rest {
                [] => None,
                [flag, dir] if flag == "--root" => Some(PathBuf::from(dir)),
                _ => return Err(format!("package-check takes only --root <dir>\n{USAGE}")),
            };
            package_check::run(&find_root(root)?)
        }
        "-h" | "--help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("unknown task `{task}`\n{USAGE}")),
    }
}

/// The checkout named by `--root`, or the one holding the current directory.
fn find_root(root: Option<PathBuf>) -> Result<PathBuf, String> {
    match root {
        Some(dir) => workspace::explicit(&dir),
        None => {
            let here = std::env::current_dir()
                .map_err(|e| format!("cannot read the current directory: {e}"))?;
            workspace::locate(&here)
        }
    }
}

fn regen(rest: &[String]) -> Result<ExitCode, String> {
    let mut from = Vec::new();
    let mut check = false;
    let mut root = None;
    let mut out = None;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--from" => from.push(it.next().ok_or("--from needs a file or URL")?.clone()),
            "--out" => out = Some(PathBuf::from(it.next().ok_or("--out needs a file")?)),
            "--root" => root = Some(PathBuf::from(it.next().ok_or("--root needs a directory")?)),
            "--check" => check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let root = find_root(root)?;
    let out = out.unwrap_or_else(|| root.join("openapi/management-v3.json"));
    let overlay = Overlay::load(&root.join("openapi"))?;
    let previous = std::fs::read_to_string(&out).ok();

    if !from.is_empty() && check {
        return Err("--from and --check exclude each other".into());
    }
    if from.is_empty() && !check {
        return Err(format!("regen needs --from or --check\n{USAGE}"));
    }
    let doc = if check {
        let text = previous
            .clone()
            .ok_or_else(|| format!("{} does not exist; run regen --from first", out.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", out.display()))?
    } else {
        let mut inputs = Vec::new();
        let mut fix_notes = Vec::new();
        for source in &from {
            let bytes = read_source(source)?;
            let sha256 = hex(&Sha256::digest(&bytes));
            let mut doc: Value =
                serde_json::from_slice(&bytes).map_err(|e| format!("{source} is not JSON: {e}"))?;
            // Corrections first, so that an upstream typo does not show as a schema conflict.
            normalise::apply_fixes(&mut doc, &overlay.overrides, &mut fix_notes)?;
            inputs.push(merge::Input::new(source, sha256, doc));
        }
        let merged = merge::merge(inputs, &overlay.overrides)?;
        if from.len() > 1 {
            println!("merge decisions ({}):", merged.decisions.len());
            for d in &merged.decisions {
                println!("  {d}");
            }
        }
        merged.doc
    };
    let outcome = normalise::normalise(doc, &overlay)?;
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    for problem in &outcome.stale {
        eprintln!("{problem}");
    }
    print!("{}", outcome.coverage.render());
    let shortfalls = outcome.coverage.shortfalls();
    for s in &shortfalls {
        eprintln!("docs coverage: {s}");
    }
    let text = normalise::to_pretty(&outcome.spec);

    let before: Option<Value> = previous
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok());
    let changes = report::diff(before.as_ref(), &outcome.spec);
    print!("{}", report::render(&changes, &outcome.spec));

    if check {
        if !outcome.stale.is_empty() || !shortfalls.is_empty() {
            eprintln!(
                "regen --check: the docs overlay (openapi/docs/) is stale or below its coverage floor; see above"
            );
            Ok(ExitCode::FAILURE)
        } else if previous.as_deref() == Some(text.as_str()) {
            println!("regen --check: {} is normalised", out.display());
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!(
                "regen --check: normalising {} changes it; run `cargo xtask regen --from <upstream>` and commit the result",
                out.display()
            );
            Ok(ExitCode::FAILURE)
        }
    } else {
        std::fs::write(&out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        println!("wrote {} ({} bytes)", out.display(), text.len());
        Ok(ExitCode::SUCCESS)
    }
}

fn read_source(source: &str) -> Result<Vec<u8>, String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let mut response = ureq::get(source)
            .call()
            .map_err(|e| format!("cannot fetch {source}: {e}"))?;
        response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| format!("cannot read {source}: {e}"))
    } else {
        std::fs::read(source).map_err(|e| format!("cannot read {source}: {e}"))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
