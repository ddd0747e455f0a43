//! `users import`: dry runs, chunks, the report and `--resume`.
//!
//! The tests are grouped in `chunks` (what is sent, in which chunks, and how a run resumes),
//! `confirm` (which rows a server's answer confirms) and `report` (the report and `.done`
//! files, and what the command refuses to do with them). This file holds the helpers they
//! share: the mock's answers, the files' contents and the command line.

use genauth::testing::MockApi;
use serde_json::{Value, json};

use crate::support::against;

mod chunks;
mod confirm;
mod report;

/// The `list` of every createUsersBatch request so far.
fn sent_lists(mock: &MockApi) -> Vec<Vec<Value>> {
    mock.requests()
        .iter()
        .filter(|r| r.path == "/api/v3/create-users-batch")
        .map(|r| r.json().unwrap()["list"].as_array().unwrap().clone())
        .collect()
}

/// Answers each batch with its users, as created.
fn created(request: &genauth::testing::MockRequest) -> Value {
    let list = request.json().unwrap()["list"].clone();
    json!({"statusCode": 200, "message": "ok", "data": list})
}

/// The line records of a `.done` file, after its header (which must be there).
fn done_records(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    assert!(
        header.starts_with("# genauth users import"),
        "no header in {}: {text}",
        path.display()
    );
    let mut records: Vec<String> = lines.map(str::to_string).collect();
    records.sort();
    records
}

/// The report's NDJSON lines.
fn report_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `users import FILE --report REPORT` and `extra`.
fn import_args(file: &std::path::Path, report: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "users".to_string(),
        "import".into(),
        file.to_str().unwrap().into(),
        "--report".into(),
        report.to_str().unwrap().into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

async fn import(mock: &MockApi, args: &[String]) -> crate::support::Out {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    against(mock, &args).await
}

/// Three users, one a line.
fn three_users(file: &std::path::Path) -> Vec<Value> {
    let users: Vec<Value> = ["a", "b", "c"]
        .iter()
        .map(|n| json!({"email": format!("{n}@example.com"), "username": format!("user-{n}")}))
        .collect();
    let text: String = users.iter().map(|u| format!("{u}\n")).collect();
    std::fs::write(file, text).unwrap();
    users
}
