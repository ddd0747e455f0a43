//! `cargo xtask package-check`: the packages tried the way a user meets them.
//!
//! 1. `cargo package` every publishable package (without cargo's own verification build; the
//!    steps below build more than it would), and unpack the `.crate` files in a directory
//!    outside the workspace, so that nothing can reach back into the checkout.
//! 2. A new application depends on `genauth = "<version>"`, the registry resolved to the
//!    unpacked packages by `[patch.crates-io]`; its other dependencies come from the README's
//!    `cargo add` lines, and its `src/main.rs` is the README's quickstart block, unchanged. It
//!    must build.
//! 3. `cargo install` the command line from its unpacked package, then `genauth --help`.
//! 4. `cargo test --features test-util` inside the unpacked genauth package, which must run
//!    the integration tests, not only compile them away.
//!
//! Everything builds in debug into the workspace's target directory, so that dependencies
//! compiled once serve every step.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// The packages a user installs, in dependency order. A test below checks that every other
/// workspace member says `publish = false`.
pub const PACKAGES: &[&str] = &["genauth-codegen", "genauth", "genauth-cli"];

/// The packages others depend on: the ones patched in for the registry's.
const LIBRARIES: &[&str] = &["genauth-codegen", "genauth"];

/// What the test run of the unpacked genauth package must show, so that the integration tests
/// (which need the `test-util` feature) cannot be skipped silently.
const INTEGRATION_TESTS_RAN: &str = "tests/it/main.rs";

pub fn run(root: &Path) -> Result<ExitCode, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => absolute(Path::new(&dir))?,
        None => root.join("target"),
    };
    let manifest = read(&root.join("Cargo.toml"))?;
    let version = workspace_version(&manifest)
        .ok_or("Cargo.toml has no `version` under [workspace.package]")?;
    let readme = read(&root.join("README.md"))?;
    let quickstart = quickstart_block(&readme)?;
    let adds = install_commands(&readme)?;

    let work = std::env::temp_dir().join("genauth-package-check");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .map_err(|e| format!("cannot clear {}: {e}", work.display()))?;
    }
    let unpacked = work.join("unpacked");
    mkdir(&unpacked)?;
    let mut steps = Vec::new();

    // 1. Package and unpack.
    let started = Instant::now();
    let mut package = Command::new(&cargo);
    package
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .args(["package", "--no-verify", "--allow-dirty"]);
    for name in PACKAGES {
        package.args(["-p", name]);
    }
    status(&mut package)?;
    let mut patches = Vec::new();
    for name in PACKAGES {
        let file = target.join(format!("package/{name}-{version}.crate"));
        let size = std::fs::metadata(&file)
            .map_err(|e| format!("{}: {e}", file.display()))?
            .len();
        // `-m`: the files get the time of extraction, not the one stored in the archive.
        // Cargo tells a path package's changes by modification times, so stored (older) times
        // would let an earlier run's build of these paths pass for this one.
        status(
            Command::new("tar")
                .arg("-xzmf")
                .arg(&file)
                .arg("-C")
                .arg(&unpacked),
        )?;
        let dir = unpacked.join(format!("{name}-{version}"));
        println!("package-check: {name} {version}: {size} bytes packed");
        // Only what another package depends on replaces the registry's copy; a patch nothing
        // uses would only make cargo warn.
        if LIBRARIES.contains(name) {
            patches.push(((*name).to_string(), dir));
        }
    }
    steps.push(("package and unpack", started.elapsed()));
    let genauth_dir = unpacked.join(format!("genauth-{version}"));
    let cli_dir = unpacked.join(format!("genauth-cli-{version}"));
    let patch_flags: Vec<String> = patches
        .iter()
        .flat_map(|(name, dir)| {
            [
                "--config".to_string(),
                format!("patch.crates-io.{name}.path={}", toml_string(dir)),
            ]
        })
        .collect();

    // 2. A new application from the README.
    let started = Instant::now();
    let app = work.join("app");
    mkdir(&app.join("src"))?;
    write(&app.join("Cargo.toml"), &app_manifest(&version, &patches))?;
    write(&app.join("src/main.rs"), &quickstart)?;
    // The versions the workspace was tested with, so that its compiled dependencies serve
    // this build too; cargo adds what the lock file lacks.
    if let Ok(lock) = std::fs::read(genauth_dir.join("Cargo.lock")) {
        std::fs::write(app.join("Cargo.lock"), lock).map_err(|e| format!("Cargo.lock: {e}"))?;
    }
    for args in &adds {
        status(Command::new(&cargo).current_dir(&app).args(args))?;
    }
    status(
        Command::new(&cargo)
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", &target)
            .arg("build"),
    )?;
    steps.push((
        "build the README's quickstart as a new application",
        started.elapsed(),
    ));

    // 3. Install the command line from its package.
    let started = Instant::now();
    let bin_root = work.join("install");
    status(
        Command::new(&cargo)
            .env("CARGO_TARGET_DIR", &target)
            .args(["install", "--debug", "--path"])
            .arg(&cli_dir)
            .arg("--root")
            .arg(&bin_root)
            .args(&patch_flags),
    )?;
    let help = Command::new(bin_root.join("bin/genauth"))
        .arg("--help")
        .output()
        .map_err(|e| format!("cannot run the installed genauth: {e}"))?;
    let text = String::from_utf8_lossy(&help.stdout);
    if !help.status.success() || !text.contains("Usage: genauth") {
        return Err(format!(
            "`genauth --help` from the installed package failed ({}):\n{text}{}",
            help.status,
            String::from_utf8_lossy(&help.stderr)
        ));
    }
    println!("package-check: installed genauth --help:\n{text}");
    steps.push((
        "cargo install the command line, genauth --help",
        started.elapsed(),
    ));

    // 4. The genauth package's own tests.
    let started = Instant::now();
    let log = tee_stderr(
        Command::new(&cargo)
            .current_dir(&genauth_dir)
            .env("CARGO_TARGET_DIR", &target)
            .args(["test", "--features", "test-util"])
            .args(&patch_flags),
    )?;
    if !log.contains(INTEGRATION_TESTS_RAN) {
        return Err(format!(
            "the unpacked genauth package's test run never ran {INTEGRATION_TESTS_RAN}"
        ));
    }
    steps.push((
        "cargo test in the unpacked genauth package",
        started.elapsed(),
    ));

    for (step, took) in &steps {
        println!("package-check: {step}: {:.1} s", took.as_secs_f64());
    }
    println!("package-check: passed");
    Ok(ExitCode::SUCCESS)
}

/// `version` under `[workspace.package]`, read line by line (xtask has no TOML parser; the
/// manifest is ours and keeps one key per line).
pub fn workspace_version(manifest: &str) -> Option<String> {
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[workspace.package]";
        } else if inside && let Some(value) = line.strip_prefix("version") {
            let value = value.trim_start().strip_prefix('=')?.trim();
            return Some(value.strip_prefix('"')?.strip_suffix('"')?.to_string());
        }
    }
    None
}

/// The first ```` ```rust ```` block under the README's `## Quickstart` heading, exactly as
/// written (the lines between the fences).
pub fn quickstart_block(readme: &str) -> Result<String, String> {
    let section = section(readme, "## Quickstart")?;
    fenced(section, "rust").ok_or_else(|| "README's Quickstart has no ```rust block".into())
}

/// The `cargo add` lines of the README's `## Install` block (comments and blank lines aside), as
/// argument lists, without the
/// one that adds genauth itself (not on the registry until published; [`app_manifest`] writes
/// what it would write).
pub fn install_commands(readme: &str) -> Result<Vec<Vec<String>>, String> {
    let section = section(readme, "## Install")?;
    let block = fenced(section, "sh").ok_or("README's Install has no ```sh block")?;
    let mut commands = Vec::new();
    let mut saw_genauth = false;
    for line in block.lines().map(str::trim) {
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        match words.as_slice() {
            [] => {}
            [first, ..] if first.starts_with('#') => {}
            [cargo, add, rest @ ..] if cargo == "cargo" && add == "add" && !rest.is_empty() => {
                if rest == ["genauth"] {
                    saw_genauth = true;
                } else {
                    commands.push(words[1..].to_vec());
                }
            }
            _ => {
                return Err(format!(
                    "README's Install block: not a `cargo add` line: {line}"
                ));
            }
        }
    }
    if !saw_genauth {
        return Err("README's Install block lacks `cargo add genauth`".into());
    }
    Ok(commands)
}

/// The new application's manifest: `genauth = "<version>"` as `cargo add genauth` writes it,
/// and each unpacked package patched in for the registry's.
pub fn app_manifest(version: &str, patches: &[(String, PathBuf)]) -> String {
    let mut text = format!(
        "[package]\nname = \"fresh-app\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ngenauth = \"{version}\"\n\n[patch.crates-io]\n"
    );
    for (name, dir) in patches {
        text.push_str(&format!("{name} = {{ path = {} }}\n", toml_string(dir)));
    }
    // A workspace of its own: the application must not join any workspace above it.
    text.push_str("\n[workspace]\n");
    text
}

/// The text from `heading` to the next heading of the same or a higher level.
fn section<'a>(text: &'a str, heading: &str) -> Result<&'a str, String> {
    let start = text
        .lines()
        .scan(0, |offset, line| {
            let here = *offset;
            *offset += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| line.trim_end() == heading)
        .map(|(offset, line)| offset + line.len() + 1)
        .ok_or_else(|| format!("README has no `{heading}` heading"))?;
    let rest = text.get(start..).unwrap_or("");
    let level = heading.chars().take_while(|c| *c == '#').count();
    let mut end = rest.len();
    let mut offset = 0;
    let mut in_fence = false;
    for line in rest.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            let hashes = line.chars().take_while(|c| *c == '#').count();
            if hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
                end = offset;
                break;
            }
        }
        offset += line.len() + 1;
    }
    Ok(&rest[..end.min(rest.len())])
}

/// The body of the first fenced block whose info string starts with `language`.
fn fenced(text: &str, language: &str) -> Option<String> {
    let mut lines = text.lines();
    lines.find(|line| {
        line.strip_prefix("```")
            .is_some_and(|info| info.split(',').next() == Some(language))
    })?;
    let mut body = String::new();
    for line in lines {
        if line.starts_with("```") {
            return Some(body);
        }
        body.push_str(line);
        body.push('\n');
    }
    None
}

/// A path as a TOML basic string.
fn toml_string(path: &Path) -> String {
    let text = path.display().to_string();
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn mkdir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `command`, which must succeed.
fn status(command: &mut Command) -> Result<(), String> {
    eprintln!("package-check: {}", describe(command));
    let status = command
        .status()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed: {status}", describe(command)))
    }
}

/// Runs `command`, which must succeed, copying its stderr through and returning it.
fn tee_stderr(command: &mut Command) -> Result<String, String> {
    eprintln!("package-check: {}", describe(command));
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))?;
    let mut log = String::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line.map_err(|e| format!("reading {}: {e}", describe(command)))?;
            let _ = writeln!(std::io::stderr(), "{line}");
            log.push_str(&line);
            log.push('\n');
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {}: {e}", describe(command)))?;
    if status.success() {
        Ok(log)
    } else {
        Err(format!("{} failed: {status}", describe(command)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# x\n\n## Install\n\n```sh\ncargo add genauth\ncargo add tokio --features macros,rt-multi-thread\n```\n\n## Quickstart\n\nText.\n\n```rust,no_run\n# hidden\nfn main() {}\n```\n\n```rust\nfn other() {}\n```\n\n### Below\n\n## Next\n\n```rust\nfn not_this() {}\n```\n";

    #[test]
    fn the_quickstart_is_the_first_rust_block_of_its_section_verbatim() {
        assert_eq!(
            quickstart_block(README).unwrap(),
            "# hidden\nfn main() {}\n"
        );
        assert!(quickstart_block("## Quickstart\n\nno code\n## Next\n```rust\nx\n```\n").is_err());
        assert!(quickstart_block("# nothing\n").is_err());
    }

    #[test]
    fn install_lines_become_cargo_add_arguments_without_genauth() {
        assert_eq!(
            install_commands(README).unwrap(),
            vec![vec!["add", "tokio", "--features", "macros,rt-multi-thread"]]
        );
        let without = README.replace("cargo add genauth\n", "");
        assert!(
            install_commands(&without)
                .unwrap_err()
                .contains("cargo add genauth")
        );
        let other = README.replace("cargo add genauth\n", "cargo add genauth\ncurl x | sh\n");
        assert!(install_commands(&other).unwrap_err().contains("curl"));
    }

    #[test]
    fn a_heading_inside_a_code_block_does_not_end_the_section() {
        let text = "## Install\n\n```sh\n# comment\ncargo add genauth\n```\n";
        assert!(install_commands(text).unwrap().is_empty());
    }

    #[test]
    fn the_version_comes_from_the_workspace_package_table() {
        let manifest = "[package]\nversion = \"9.9.9\"\n[workspace.package]\nedition = \"2024\"\nversion = \"0.1.0\"\n";
        assert_eq!(workspace_version(manifest).as_deref(), Some("0.1.0"));
        assert_eq!(workspace_version("[package]\nversion = \"1.0.0\"\n"), None);
    }

    #[test]
    fn the_app_manifest_patches_every_package_and_stands_alone() {
        let text = app_manifest(
            "0.1.0",
            &[(
                "genauth".into(),
                PathBuf::from("/tmp/a \"b\"/genauth-0.1.0"),
            )],
        );
        assert!(text.contains("[dependencies]\ngenauth = \"0.1.0\"\n"));
        assert!(text.contains("genauth = { path = \"/tmp/a \\\"b\\\"/genauth-0.1.0\" }"));
        assert!(text.ends_with("[workspace]\n"));
    }

    /// The real README and manifests: the check would find what it needs, and every package
    /// a user could want is one it checks.
    #[test]
    fn the_repository_is_ready_for_the_check() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let quickstart = quickstart_block(&readme).unwrap();
        assert!(quickstart.contains("#[tokio::main]"), "{quickstart}");
        install_commands(&readme).unwrap();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(workspace_version(&manifest).is_some());
        for member in ["xtask", "examples"] {
            let text = std::fs::read_to_string(root.join(member).join("Cargo.toml")).unwrap();
            assert!(
                text.contains("\npublish = false\n"),
                "{member} must not be published"
            );
        }
        for (dir, name) in [
            (".", "genauth"),
            ("codegen", "genauth-codegen"),
            ("cli", "genauth-cli"),
        ] {
            let text = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
            assert!(text.contains(&format!("name = \"{name}\"")));
            assert!(!text.contains("publish = false"), "{name} is published");
            assert!(PACKAGES.contains(&name));
            for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
                assert!(root.join(dir).join(file).is_file(), "{dir}/{file}");
            }
        }
    }
}
