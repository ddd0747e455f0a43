//! Which checkout `cargo xtask` works on, decided when it runs.
//!
//! The root used to come from `env!("CARGO_MANIFEST_DIR")`, fixed when the binary was compiled.
//! With a target directory shared between checkouts (a global `CARGO_TARGET_DIR`, or git
//! worktrees pointing at one), `cargo xtask` in checkout B could run the binary built in
//! checkout A and rewrite A's spec. Now the root is found from the current directory, which
//! `cargo run` leaves as the directory the command was typed in.
//!
//! Why a walk up the directory tree and not `cargo locate-project --workspace`: the walk needs
//! no subprocess and no `CARGO` variable (so the binary also works when run directly), and it
//! has to check for `openapi/` and `xtask/` anyway, since `locate-project` would as readily
//! name the workspace of some unrelated project. `cargo` itself finds the workspace it builds
//! xtask from by walking up from the same directory, so both agree on the checkout.

use std::path::{Path, PathBuf};

/// The nearest directory at or above `start` that is a root of this workspace (see
/// [`is_root`]). The error names `start`; there is deliberately no fallback to the directory
/// the binary was built in.
pub fn locate(start: &Path) -> Result<PathBuf, String> {
    start
        .ancestors()
        .find(|dir| is_root(dir))
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "no genauth workspace at or above {}: no directory there has a Cargo.toml with a \
                 [workspace] table next to openapi/ and xtask/; run cargo xtask inside a checkout \
                 or pass --root <dir>",
                start.display()
            )
        })
}

/// `dir` as given by `--root`, if it is a root of this workspace.
pub fn explicit(dir: &Path) -> Result<PathBuf, String> {
    if is_root(dir) {
        Ok(dir.to_path_buf())
    } else {
        Err(format!(
            "--root {}: not a genauth workspace (it needs a Cargo.toml with a [workspace] table, \
             openapi/ and xtask/)",
            dir.display()
        ))
    }
}

/// A root has a `Cargo.toml` with a `[workspace]` table and the `openapi/` and `xtask/`
/// directories. A member's `Cargo.toml` (a `[package]` only) does not count.
fn is_root(dir: &Path) -> bool {
    dir.join("openapi").is_dir()
        && dir.join("xtask").is_dir()
        && std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|text| has_workspace_table(&text))
}

/// Whether a manifest declares a `[workspace]` table, by its header or a `[workspace.*]`
/// subtable (which creates it too). Line-based: xtask has no TOML parser, and a workspace
/// manifest written by hand puts its table headers on lines of their own.
fn has_workspace_table(manifest: &str) -> bool {
    manifest.lines().any(|line| {
        let line = line.split('#').next().unwrap_or_default().trim();
        line.strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .map(str::trim)
            .is_some_and(|name| name == "workspace" || name.starts_with("workspace."))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// The layout of a checkout: a workspace manifest, `openapi/`, and `xtask/` with its own
    /// package manifest.
    fn checkout(dir: &Path) {
        write(
            &dir.join("Cargo.toml"),
            "[workspace]\nmembers = [\".\", \"xtask\"]\n\n[package]\nname = \"genauth\"\n",
        );
        write(
            &dir.join("xtask/Cargo.toml"),
            "[package]\nname = \"xtask\"\n",
        );
        std::fs::create_dir_all(dir.join("openapi/docs")).unwrap();
    }

    #[test]
    fn found_from_a_nested_subdirectory() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("checkout");
        checkout(&root);
        let deep = root.join("openapi/docs/a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(locate(&deep).unwrap(), root);
        assert_eq!(locate(&root).unwrap(), root);
    }

    #[test]
    fn a_package_manifest_on_the_way_up_is_skipped() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("checkout");
        checkout(&root);
        let src = root.join("xtask/src");
        std::fs::create_dir_all(&src).unwrap();
        // xtask/Cargo.toml is the first manifest above xtask/src; it is a package, not the root.
        assert_eq!(locate(&src).unwrap(), root);
    }

    #[test]
    fn an_inner_workspace_without_the_layout_is_skipped() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("checkout");
        checkout(&root);
        // A workspace of its own (say a vendored crate) but without openapi/ and xtask/.
        let inner = root.join("vendor/other");
        write(&inner.join("Cargo.toml"), "[workspace]\n");
        std::fs::create_dir_all(inner.join("src")).unwrap();
        assert_eq!(locate(&inner.join("src")).unwrap(), root);
    }

    #[test]
    fn the_nearest_of_two_nested_checkouts_wins() {
        let scratch = tempfile::tempdir().unwrap();
        let outer = scratch.path().join("outer");
        checkout(&outer);
        let inner = outer.join("worktrees/b");
        checkout(&inner);
        assert_eq!(locate(&inner.join("openapi")).unwrap(), inner);
    }

    #[test]
    fn not_found_is_an_error_naming_the_start() {
        let scratch = tempfile::tempdir().unwrap();
        let start = scratch.path().join("nowhere/deeper");
        std::fs::create_dir_all(&start).unwrap();
        // openapi/ and xtask/ without a workspace manifest are not enough.
        std::fs::create_dir_all(scratch.path().join("nowhere/openapi")).unwrap();
        std::fs::create_dir_all(scratch.path().join("nowhere/xtask")).unwrap();
        write(
            &scratch.path().join("nowhere/Cargo.toml"),
            "[package]\nname = \"x\"\n",
        );
        let err = locate(&start).unwrap_err();
        assert!(err.contains("no genauth workspace"), "{err}");
        assert!(err.contains(&start.display().to_string()), "{err}");
    }

    #[test]
    fn explicit_root_is_checked() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("checkout");
        checkout(&root);
        assert_eq!(explicit(&root).unwrap(), root);
        let err = explicit(&root.join("openapi")).unwrap_err();
        assert!(err.contains("--root"), "{err}");
        assert!(err.contains("not a genauth workspace"), "{err}");
    }

    #[test]
    fn workspace_table_headers() {
        assert!(has_workspace_table("[workspace]\nmembers = []\n"));
        assert!(has_workspace_table(
            "[package]\n\n  [ workspace ]  # the root\n"
        ));
        assert!(has_workspace_table(
            "[workspace.dependencies]\nserde = \"1\"\n"
        ));
        assert!(!has_workspace_table("[package]\nname = \"xtask\"\n"));
        assert!(!has_workspace_table("# [workspace]\n[package]\n"));
        assert!(!has_workspace_table("[workspaces]\n"));
        assert!(!has_workspace_table("[dependencies]\nworkspace = \"1\"\n"));
    }
}
