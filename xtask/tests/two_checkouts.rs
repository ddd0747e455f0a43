//! Two checkouts, one xtask binary (as with a shared target directory): `regen` run inside one
//! checkout writes that checkout's spec and leaves the other, and the checkout the binary was
//! built from, byte-identical. Offline: the checkouts and the upstream input are small files
//! written here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

const PLACEHOLDER_SPEC: &str = r#"{"openapi": "3.0.3", "info": {"title": "placeholder", "version": "0"}, "paths": {}}
"#;

/// The smallest checkout `regen` works in: a workspace manifest, `xtask/`, and `openapi/` with
/// an empty overlay and a placeholder spec.
fn checkout(dir: &Path) {
    std::fs::create_dir_all(dir.join("xtask/src")).unwrap();
    std::fs::create_dir_all(dir.join("openapi/docs")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"xtask\"]\nresolver = \"3\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("xtask/Cargo.toml"),
        "[package]\nname = \"xtask\"\nversion = \"0.0.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("xtask/src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(dir.join("openapi/overrides.json"), "{}\n").unwrap();
    std::fs::write(dir.join("openapi/management-v3.json"), PLACEHOLDER_SPEC).unwrap();
}

/// An upstream document with one operation, titled so that its output is recognisable.
fn upstream(path: &Path, title: &str) {
    let doc = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1"},
        "paths": {
            "/api/v3/get-thing": {
                "get": {
                    "operationId": "getThing",
                    "tags": ["Things"],
                    "responses": {"200": {"description": "the thing"}}
                }
            }
        }
    });
    std::fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

fn xtask(cwd: &Path, args: &[&str]) -> Output {
    Command::new(XTASK)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("xtask runs")
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "xtask failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn spec_title(checkout: &Path) -> String {
    let text = std::fs::read_to_string(checkout.join("openapi/management-v3.json")).unwrap();
    let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    spec["info"]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The spec of the checkout this binary was compiled in, which the old compile-time path
/// pointed at. Read only.
fn build_checkout_spec() -> Option<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    std::fs::read(root.join("openapi/management-v3.json")).ok()
}

#[test]
fn regen_writes_only_the_checkout_it_runs_in() {
    let scratch = tempfile::tempdir().unwrap();
    let (a, b) = (scratch.path().join("a"), scratch.path().join("b"));
    checkout(&a);
    checkout(&b);
    let input = scratch.path().join("upstream-b.json");
    upstream(&input, "from b");
    let build_before = build_checkout_spec();
    let a_before = snapshot(&a);
    let b_before = snapshot(&b);

    // Run from a subdirectory of B, as `cargo xtask` would be typed anywhere in a checkout.
    let out = xtask(
        &b.join("openapi/docs"),
        &["regen", "--from", input.to_str().unwrap()],
    );
    assert_ok(&out);

    assert_eq!(spec_title(&b), "from b");
    let b_after = snapshot(&b);
    let changed: Vec<_> = b_after
        .iter()
        .filter(|(path, bytes)| b_before.get(*path) != Some(*bytes))
        .map(|(path, _)| path.strip_prefix(&b).unwrap().to_path_buf())
        .collect();
    assert_eq!(changed, [PathBuf::from("openapi/management-v3.json")]);
    assert_eq!(
        b_after.len(),
        b_before.len(),
        "regen created or removed files in B"
    );
    assert!(snapshot(&a) == a_before, "regen in B changed checkout A");
    assert!(
        build_checkout_spec() == build_before,
        "regen in B changed the spec of the checkout xtask was built in"
    );

    // The same binary run in A writes A, and B stays as it was.
    let input = scratch.path().join("upstream-a.json");
    upstream(&input, "from a");
    assert_ok(&xtask(&a, &["regen", "--from", input.to_str().unwrap()]));
    assert_eq!(spec_title(&a), "from a");
    assert!(snapshot(&b) == b_after, "regen in A changed checkout B");
}

#[test]
fn root_flag_names_the_checkout() {
    let scratch = tempfile::tempdir().unwrap();
    let (a, b) = (scratch.path().join("a"), scratch.path().join("b"));
    checkout(&a);
    checkout(&b);
    let input = scratch.path().join("upstream.json");
    upstream(&input, "by --root");
    let a_before = snapshot(&a);

    // From inside A, `--root` wins over the directory walk.
    let out = xtask(
        &a,
        &[
            "regen",
            "--root",
            b.to_str().unwrap(),
            "--from",
            input.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    assert_eq!(spec_title(&b), "by --root");
    assert!(snapshot(&a) == a_before, "--root b changed checkout A");

    let out = xtask(
        &a,
        &[
            "regen",
            "--check",
            "--root",
            scratch.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a genauth workspace"), "{stderr}");
}

#[test]
fn outside_any_checkout_is_a_clear_error() {
    let scratch = tempfile::tempdir().unwrap();
    let elsewhere = scratch.path().join("not-a-checkout");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let input = scratch.path().join("upstream.json");
    upstream(&input, "nowhere");
    let build_before = build_checkout_spec();

    let out = xtask(&elsewhere, &["regen", "--from", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no genauth workspace"), "{stderr}");
    // The directory searched from, as the process saw it.
    let searched = std::fs::canonicalize(&elsewhere).unwrap();
    assert!(
        stderr.contains(&searched.display().to_string())
            || stderr.contains(&elsewhere.display().to_string()),
        "{stderr}"
    );
    assert!(
        build_checkout_spec() == build_before,
        "xtask fell back to the checkout it was built in"
    );
    assert_eq!(
        snapshot(scratch.path()).len(),
        1,
        "xtask wrote a file outside any checkout"
    );
}
