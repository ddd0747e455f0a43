//! Running the binary and reading what it did.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use genauth::testing::{MOCK_ACCESS_KEY_ID, MOCK_ACCESS_KEY_SECRET, MockApi};
use serde_json::Value;

/// What a run of the binary left.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// stdout as one JSON value.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// stdout as NDJSON.
    pub fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }
}

/// The variables `ManagementClient::from_env` reads, cleared for every run so that the
/// developer's own settings never leak in.
const ENV: &[&str] = &[
    "GENAUTH_ACCESS_KEY_ID",
    "GENAUTH_ACCESS_KEY_SECRET",
    "GENAUTH_HOST",
    "GENAUTH_TENANT_ID",
    "GENAUTH_LANG",
    "GENAUTH_BRAND",
    "GENAUTH_EVENTS_HOST",
];

/// The binary with a clean environment and the mock's access key; `host` as GENAUTH_HOST.
pub fn command(args: &[&str], host: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genauth"));
    for var in ENV {
        cmd.env_remove(var);
    }
    cmd.env("GENAUTH_ACCESS_KEY_ID", MOCK_ACCESS_KEY_ID)
        .env("GENAUTH_ACCESS_KEY_SECRET", MOCK_ACCESS_KEY_SECRET);
    if let Some(host) = host {
        cmd.env("GENAUTH_HOST", host);
    }
    cmd.args(args);
    cmd
}

/// Runs the binary to the end (stdin from `input`, else empty). Every run is checked for the
/// access key secret and for terminal escape codes: stdout and stderr are pipes here.
pub fn run(args: &[&str], host: Option<&str>, input: Option<&str>) -> Out {
    let mut child = command(args, host)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        if let Some(text) = input {
            stdin.write_all(text.as_bytes()).expect("stdin write");
        }
    }
    let output = child.wait_with_output().expect("the binary ends");
    let out = Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    };
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains(MOCK_ACCESS_KEY_SECRET),
            "the secret shows on {name}: {text}"
        );
        assert!(!text.contains('\u{1b}'), "escape codes on {name}: {text:?}");
    }
    out
}

/// [`run`] off the async runtime, so that the mock keeps serving meanwhile.
pub async fn run_async(args: &[&str], host: Option<&str>) -> Out {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let host = host.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, host.as_deref(), None)
    })
    .await
    .expect("the run finishes")
}

/// [`run_async`] against `mock`.
pub async fn against(mock: &MockApi, args: &[&str]) -> Out {
    run_async(args, Some(mock.base_url())).await
}

/// A fresh directory for one test's files.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
