//! `users import`: dry runs, chunks, the report and `--resume`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use genauth::testing::MockApi;
use serde_json::{Value, json};

use crate::support::{against, temp_dir};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_malformed_rows_by_line_and_sends_nothing() {
    let dir = temp_dir("dry_run");
    let file = dir.join("users.csv");
    std::fs::write(
        &file,
        "email,username,emailVerified,status,departmentIds\n\
         a@example.com,alice,true,Activated,\"[\"\"d1\"\"]\"\n\
         b@example.com,bob,maybe,,\n\
         c@example.com,carol,false,Sleeping,\n\
         ,,true,,\n\
         d@example.com,dave,,,\"[\"\"d1\"\",\"\"d2\"\"]\"\n",
    )
    .unwrap();
    let report = dir.join("report.csv");
    let mock = MockApi::start().await.unwrap();
    let out = against(
        &mock,
        &[
            "users",
            "import",
            file.to_str().unwrap(),
            "--dry-run",
            "--report",
            report.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(mock.requests().is_empty());
    assert_eq!(
        out.json(),
        json!({"rows": 5, "valid": 2, "invalid": 3, "skipped": 0, "imported": 0,
            "exists": 0, "unconfirmed": 0, "failed": 0, "notSent": 0, "dryRun": true})
    );
    let text = std::fs::read_to_string(&report).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let lines: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(lines, ["3", "4", "5"]);
    assert!(rows.iter().all(|r| &r[1] == "invalid"));
    assert!(
        rows[0][4].contains("emailVerified: expected `true` or `false`"),
        "{:?}",
        rows[0]
    );
    assert!(
        rows[1][4].contains("status: expected one of: Suspended|"),
        "{:?}",
        rows[1]
    );
    assert!(
        rows[2][4].contains("needs an email, phone or username"),
        "{:?}",
        rows[2]
    );

    // Without a report: the lines go to stderr.
    let out = against(
        &mock,
        &["users", "import", file.to_str().unwrap(), "--dry-run"],
    )
    .await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("line 3: invalid: emailVerified"),
        "{}",
        out.stderr
    );

    // A column the schema does not know stops everything, with a suggestion.
    std::fs::write(&file, "emial,username\nx@example.com,x\n").unwrap();
    let out = against(
        &mock,
        &["users", "import", file.to_str().unwrap(), "--dry-run"],
    )
    .await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `email`"),
        "{}",
        out.stderr
    );
    assert!(mock.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_goes_in_chunks_and_skips_malformed_lines() {
    let dir = temp_dir("chunks");
    let file = dir.join("users.ndjson");
    let users: Vec<Value> = (1..=5)
        .map(|i| json!({"email": format!("u{i}@example.com"), "password": format!("pw-{i}")}))
        .collect();
    let mut text: String = users.iter().map(|u| format!("{u}\n")).collect();
    text.push_str("{\"email\": 7}\n\nnot json\n");
    std::fs::write(&file, text).unwrap();
    let report = dir.join("report.ndjson");
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("create_users_batch", created).unwrap();
    let out = against(
        &mock,
        &[
            "users",
            "import",
            file.to_str().unwrap(),
            "--chunk-size",
            "2",
            "--report",
            report.to_str().unwrap(),
            "--options",
            r#"{"resetPasswordOnFirstLogin":true}"#,
        ],
    )
    .await;
    // Malformed rows make the exit code 2; the valid ones were all created.
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 5);
    assert_eq!(out.json()["invalid"], 2);
    assert_eq!(
        sent_lists(&mock),
        vec![
            users[0..2].to_vec(),
            users[2..4].to_vec(),
            users[4..5].to_vec()
        ]
    );
    for r in mock.requests() {
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.json().unwrap()["options"],
            json!({"resetPasswordOnFirstLogin": true})
        );
    }
    let lines: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["line"], 6);
    assert_eq!(lines[0]["kind"], "invalid");
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .contains("email: expected string")
    );
    assert_eq!(lines[1]["line"], 8);
    // The report never holds row values (passwords included).
    assert!(!std::fs::read_to_string(&report).unwrap().contains("pw-"));
    assert_eq!(
        done_records(&dir.join("report.ndjson.done")),
        ["1", "2", "3", "4", "5"]
    );
    assert!(!out.stderr.contains("pw-"));

    // Running again without --resume would duplicate: refused.
    let out = against(
        &mock,
        &[
            "users",
            "import",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--resume"), "{}", out.stderr);
    assert_eq!(sent_lists(&mock).len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_chunk_is_reported_and_resume_sends_only_the_rest() {
    let dir = temp_dir("resume");
    let file = dir.join("users.csv");
    let mut text = String::from("username,phone\n");
    for i in 1..=6 {
        text.push_str(&format!("user{i},1380000000{i}\n"));
    }
    std::fs::write(&file, text).unwrap();
    let report = dir.join("failures.csv");
    let mock = MockApi::start().await.unwrap();
    // The second call fails with an in-body error; the others succeed.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    mock.respond_with("create_users_batch", move |r| {
        if counter.fetch_add(1, Ordering::SeqCst) == 1 {
            json!({"statusCode": 400, "apiCode": 9001, "message": "refused by the test",
                "requestId": "req-2"})
        } else {
            created(r)
        }
    })
    .unwrap();
    let args = |resume: bool| {
        let mut a = vec![
            "users".to_string(),
            "import".into(),
            file.to_str().unwrap().into(),
            "--chunk-size".into(),
            "2".into(),
            "--report".into(),
            report.to_str().unwrap().into(),
        ];
        if resume {
            a.push("--resume".into());
        }
        a
    };
    let first = args(false);
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let out = against(&mock, &first).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 4);
    assert_eq!(out.json()["failed"], 2);
    // The report: the failed chunk's lines (CSV lines 4 and 5: the header is line 1).
    let text = std::fs::read_to_string(&report).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["4", "failed", "400", "9001", "refused by the test", "req-2"],
            vec!["5", "failed", "400", "9001", "refused by the test", "req-2"],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>()
    );
    assert_eq!(
        done_records(&dir.join("failures.csv.done")),
        ["2", "3", "6", "7"]
    );
    assert_eq!(sent_lists(&mock).len(), 3);

    // Resumed: only lines 4 and 5 are sent.
    let second = args(true);
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    let out = against(&mock, &second).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["skipped"], 4);
    assert_eq!(out.json()["imported"], 2);
    let lists = sent_lists(&mock);
    assert_eq!(lists.len(), 4);
    assert_eq!(
        lists[3],
        vec![
            json!({"username": "user3", "phone": "13800000003"}),
            json!({"username": "user4", "phone": "13800000004"}),
        ]
    );
    assert_eq!(
        done_records(&dir.join("failures.csv.done")),
        ["2", "3", "4", "5", "6", "7"]
    );

    // Nothing left: a third run sends nothing.
    let out = against(&mock, &second).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["skipped"], 6);
    assert_eq!(sent_lists(&mock).len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_chunks_stops_early_and_resume_continues() {
    let dir = temp_dir("max_chunks");
    let file = dir.join("users.jsonl");
    let text: String = (1..=5)
        .map(|i| format!("{}\n", json!({"username": format!("n{i}")})))
        .collect();
    std::fs::write(&file, text).unwrap();
    let report = dir.join("r.ndjson");
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("create_users_batch", created).unwrap();
    let base = [
        "users",
        "import",
        file.to_str().unwrap(),
        "--chunk-size",
        "2",
        "--concurrency",
        "2",
        "--report",
        report.to_str().unwrap(),
    ];
    let mut first = base.to_vec();
    first.extend(["--max-chunks", "1"]);
    let out = against(&mock, &first).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 2);
    assert_eq!(out.json()["notSent"], 3);
    let mut second = base.to_vec();
    second.push("--resume");
    let out = against(&mock, &second).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 3);
    let mut names: Vec<String> = sent_lists(&mock)
        .concat()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["n1", "n2", "n3", "n4", "n5"]);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_the_answer_does_not_list_are_unconfirmed_and_resume_sends_them() {
    let dir = temp_dir("unconfirmed");
    let file = dir.join("users.ndjson");
    let users = three_users(&file);
    let report = dir.join("report.ndjson");
    let mock = MockApi::start().await.unwrap();
    // A 200 whose `data` holds only the first user of the three sent.
    mock.respond_with("create_users_batch", |r| {
        let first = r.json().unwrap()["list"][0].clone();
        json!({"statusCode": 200, "message": "ok", "requestId": "req-1", "data": [first]})
    })
    .unwrap();
    let out = import(&mock, &import_args(&file, &report, &[])).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 1);
    assert_eq!(out.json()["unconfirmed"], 2);
    assert_eq!(sent_lists(&mock), vec![users.clone()]);
    // Only the confirmed line is done.
    assert_eq!(done_records(&dir.join("report.ndjson.done")), ["1"]);
    let lines = report_lines(&report);
    let listed: Vec<(u64, &str)> = lines
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [(2, "unconfirmed"), (3, "unconfirmed")]);
    assert_eq!(lines[0]["requestId"], "req-1");
    assert!(out.stderr.contains("2 rows unconfirmed"), "{}", out.stderr);

    // --resume sends exactly the two that were not confirmed.
    mock.respond_with("create_users_batch", created).unwrap();
    let out = import(&mock, &import_args(&file, &report, &["--resume"])).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["skipped"], 1);
    assert_eq!(out.json()["imported"], 2);
    let lists = sent_lists(&mock);
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[1], users[1..].to_vec());
    assert_eq!(
        done_records(&dir.join("report.ndjson.done")),
        ["1", "2", "3"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_match_without_case_other_identifiers_exactly() {
    let dir = temp_dir("match_case");
    let file = dir.join("users.ndjson");
    std::fs::write(
        &file,
        "{\"email\":\"Ann@Example.com\"}\n{\"username\":\"Bob\"}\n",
    )
    .unwrap();
    let report = dir.join("report.ndjson");
    let mock = MockApi::start().await.unwrap();
    // The server lower-cases both: the email still matches, the username does not.
    mock.respond_with("create_users_batch", |_| {
        json!({"statusCode": 200, "message": "ok", "data": [
            {"userId": "1", "email": "ann@example.com"},
            {"userId": "2", "username": "bob"}]})
    })
    .unwrap();
    let out = import(&mock, &import_args(&file, &report, &[])).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 0);
    assert_eq!(out.json()["unconfirmed"], 2);
    // An item that matches no row sent makes the whole answer unusable.
    assert!(
        report_lines(&report)[0]["message"]
            .as_str()
            .unwrap()
            .contains("matches no user sent"),
        "{:?}",
        report_lines(&report)
    );

    std::fs::write(
        &file,
        "{\"email\":\"Ann@Example.com\"}\n{\"username\":\"bob\"}\n",
    )
    .unwrap();
    let report = dir.join("report2.ndjson");
    let out = import(&mock, &import_args(&file, &report, &[])).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 2);
    assert_eq!(done_records(&dir.join("report2.ndjson.done")), ["1", "2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_cannot_be_matched_confirms_nothing() {
    let dir = temp_dir("unmatchable");
    let file = dir.join("users.ndjson");
    let users = three_users(&file);
    let mock = MockApi::start().await.unwrap();
    let a = users[0].clone();
    let b = users[1].clone();
    let c = users[2].clone();
    let answers: Vec<(&str, Value)> = vec![
        ("not a list", json!({"list": [a, b, c]})),
        ("null", Value::Null),
        ("a user twice", json!([a, a, b])),
        ("a stranger", json!([a, b, {"email": "z@example.com"}])),
        ("no identifier", json!([a, b, {"userId": "u3"}])),
        (
            "disagrees",
            json!([a, b, {"email": "c@example.com", "username": "someone-else"}]),
        ),
        ("not an object", json!([a, b, "c@example.com"])),
        (
            "more than sent",
            json!([a, b, c, {"email": "d@example.com"}]),
        ),
    ];
    for (i, (what, data)) in answers.into_iter().enumerate() {
        mock.respond_with(
            "create_users_batch",
            move |_| json!({"statusCode": 200, "message": "ok", "data": data}),
        )
        .unwrap();
        let report = dir.join(format!("report-{i}.ndjson"));
        let out = import(&mock, &import_args(&file, &report, &[])).await;
        assert_eq!(out.code, 3, "{what}: {}", out.stderr);
        assert_eq!(out.json()["imported"], 0, "{what}");
        assert_eq!(out.json()["unconfirmed"], 3, "{what}");
        assert!(
            done_records(&dir.join(format!("report-{i}.ndjson.done"))).is_empty(),
            "{what}"
        );
        let lines = report_lines(&report);
        assert_eq!(lines.len(), 3, "{what}");
        assert!(lines.iter().all(|l| l["kind"] == "unconfirmed"), "{what}");
        // The report never holds the values of the rows or of the answer.
        assert!(
            !std::fs::read_to_string(&report)
                .unwrap()
                .contains("example.com"),
            "{what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_that_already_exists_is_reported_as_exists_and_not_sent_again() {
    let dir = temp_dir("exists");
    let file = dir.join("users.ndjson");
    let users = three_users(&file);
    let report = dir.join("report.ndjson");
    let mock = MockApi::start().await.unwrap();
    // b@example.com exists: a batch that holds it is refused whole (apiCode 2026).
    mock.respond_with("create_users_batch", |r| {
        let list = r.json().unwrap()["list"].clone();
        if list
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == "b@example.com")
        {
            json!({"statusCode": 400, "apiCode": 2026, "message": "user exists",
                "requestId": "req-e"})
        } else {
            created(r)
        }
    })
    .unwrap();
    let out = import(&mock, &import_args(&file, &report, &[])).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 2);
    assert_eq!(out.json()["exists"], 1);
    assert_eq!(out.json()["failed"], 0);
    // The refused chunk was sent again one user at a time, to find which one exists.
    assert_eq!(
        sent_lists(&mock),
        vec![
            users.clone(),
            vec![users[0].clone()],
            vec![users[1].clone()],
            vec![users[2].clone()]
        ]
    );
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[0]["kind"], "exists");
    assert_eq!(lines[0]["apiCode"], 2026);
    assert_eq!(lines[0]["requestId"], "req-e");
    // Recorded as done, with its kind: --resume does not send it again.
    assert_eq!(
        done_records(&dir.join("report.ndjson.done")),
        ["1", "2 exists", "3"]
    );
    let out = import(&mock, &import_args(&file, &report, &["--resume"])).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["skipped"], 3);
    assert_eq!(sent_lists(&mock).len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_refuses_a_changed_input_and_sends_nothing() {
    let dir = temp_dir("changed_input");
    let file = dir.join("users.ndjson");
    three_users(&file);
    let report = dir.join("report.ndjson");
    let done = dir.join("report.ndjson.done");
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("create_users_batch", created).unwrap();
    let out = import(
        &mock,
        &import_args(&file, &report, &["--chunk-size", "1", "--max-chunks", "1"]),
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(done_records(&done), ["1"]);
    let (report_before, done_before) = (
        std::fs::read(&report).unwrap(),
        std::fs::read(&done).unwrap(),
    );

    // The same number of lines, one user changed: line 1 would no longer be the user created.
    std::fs::write(
        &file,
        "{\"email\":\"new@example.com\"}\n{\"email\":\"b@example.com\"}\n{\"email\":\"c@example.com\"}\n",
    )
    .unwrap();
    let out = import(&mock, &import_args(&file, &report, &["--resume"])).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("changed"), "{}", out.stderr);
    assert_eq!(sent_lists(&mock).len(), 1);
    assert_eq!(std::fs::read(&report).unwrap(), report_before);
    assert_eq!(std::fs::read(&done).unwrap(), done_before);
    // A dry run with --resume is refused the same way.
    let out = import(
        &mock,
        &import_args(&file, &report, &["--resume", "--dry-run"]),
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(sent_lists(&mock).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_that_names_the_input_is_refused() {
    let dir = temp_dir("report_is_input");
    let file = dir.join("users.ndjson");
    three_users(&file);
    let before = std::fs::read(&file).unwrap();
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("create_users_batch", created).unwrap();
    // The same file by another spelling of its path.
    let other_spelling = dir.join(".").join("users.ndjson");
    for extra in [&[][..], &["--dry-run"][..]] {
        let out = import(&mock, &import_args(&file, &other_spelling, extra)).await;
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("the input"), "{}", out.stderr);
        assert_eq!(std::fs::read(&file).unwrap(), before);
    }
    // The .done beside the report would be the input: refused too.
    let input = dir.join("r.ndjson.done");
    std::fs::copy(&file, &input).unwrap();
    let out = import(
        &mock,
        &import_args(&input, &dir.join("r.ndjson"), &["--format", "ndjson"]),
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert!(!dir.join("r.ndjson").exists());
    assert!(mock.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_leaves_an_earlier_report_and_done_untouched() {
    let dir = temp_dir("dry_run_keeps");
    let file = dir.join("users.ndjson");
    std::fs::write(&file, "{\"email\":\"a@example.com\"}\n{\"email\":7}\n").unwrap();
    let report = dir.join("report.ndjson");
    let done = dir.join("report.ndjson.done");
    std::fs::write(&report, "{\"line\":9,\"kind\":\"failed\"}\n").unwrap();
    let mock = MockApi::start().await.unwrap();
    let out = import(&mock, &import_args(&file, &report, &["--dry-run"])).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "{\"line\":9,\"kind\":\"failed\"}\n"
    );
    assert!(!done.exists());
    // The finding goes to stderr instead.
    assert!(out.stderr.contains("line 2: invalid"), "{}", out.stderr);

    // With a .done of an earlier run (and --resume), both stay as they were.
    mock.respond_with("create_users_batch", created).unwrap();
    std::fs::write(
        &file,
        "{\"email\":\"a@example.com\"}\n{\"email\":\"b@example.com\"}\n",
    )
    .unwrap();
    std::fs::remove_file(&report).unwrap();
    let out = import(
        &mock,
        &import_args(&file, &report, &["--max-chunks", "1", "--chunk-size", "1"]),
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (report_before, done_before) = (
        std::fs::read(&report).unwrap(),
        std::fs::read(&done).unwrap(),
    );
    let requests = mock.requests().len();
    let out = import(
        &mock,
        &import_args(&file, &report, &["--dry-run", "--resume"]),
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["skipped"], 1);
    assert_eq!(std::fs::read(&report).unwrap(), report_before);
    assert_eq!(std::fs::read(&done).unwrap(), done_before);
    assert_eq!(mock.requests().len(), requests);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_and_done_files_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = temp_dir("private_files");
    let file = dir.join("users.ndjson");
    std::fs::write(&file, "{\"email\":\"a@example.com\"}\n{\"email\":7}\n").unwrap();
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("create_users_batch", created).unwrap();
    for name in ["report.ndjson", "report.csv"] {
        let report = dir.join(name);
        let out = import(&mock, &import_args(&file, &report, &[])).await;
        assert_eq!(out.code, 2, "{}", out.stderr);
        for path in [report.clone(), dir.join(format!("{name}.done"))] {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        }
    }
    // A dry run's new report too.
    let report = dir.join("dry.csv");
    let out = import(&mock, &import_args(&file, &report, &["--dry-run"])).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let mode = std::fs::metadata(&report).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_that_is_not_utf8_is_reported_and_the_rest_go() {
    let dir = temp_dir("bad_utf8");
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("create_users_batch", created).unwrap();

    // NDJSON: line 2 has a byte that is not UTF-8; line 4 is longer than a line may be.
    let file = dir.join("users.ndjson");
    let mut bytes = b"{\"email\":\"a@example.com\"}\n{\"email\":\"b\xff@example.com\"}\n".to_vec();
    bytes.extend_from_slice(b"{\"email\":\"c@example.com\"}\n{\"name\":\"");
    bytes.extend(std::iter::repeat_n(b'x', 2 << 20));
    bytes.extend_from_slice(b"\"}\n{\"email\":\"d@example.com\"}\n");
    std::fs::write(&file, &bytes).unwrap();
    let report = dir.join("report.ndjson");
    let out = import(&mock, &import_args(&file, &report, &[])).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 3);
    assert_eq!(out.json()["invalid"], 2);
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[0]["kind"].as_str()),
        (Some(2), Some("invalid"))
    );
    assert!(
        lines[0]["message"].as_str().unwrap().contains("UTF-8"),
        "{lines:?}"
    );
    assert_eq!(lines[1]["line"], 4);
    let emails: Vec<Value> = sent_lists(&mock)
        .concat()
        .iter()
        .map(|u| u["email"].clone())
        .collect();
    assert_eq!(emails, ["a@example.com", "c@example.com", "d@example.com"]);

    // CSV: the record on line 3 has a cell that is not UTF-8.
    let file = dir.join("users.csv");
    std::fs::write(
        &file,
        b"email,name\na@example.com,Ann\nb@example.com,B\xe9a\nc@example.com,Cy\n",
    )
    .unwrap();
    let report = dir.join("report.csv");
    let out = import(&mock, &import_args(&file, &report, &[])).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.json()["imported"], 2);
    let text = std::fs::read_to_string(&report).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][0], &rows[0][1]), ("3", "invalid"));
    assert!(rows[0][4].contains("UTF-8"), "{:?}", rows[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_text_is_printed_with_its_control_characters_escaped() {
    let dir = temp_dir("escape");
    let file = dir.join("users.ndjson");
    three_users(&file);
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("create_users_batch", |_| {
        json!({"statusCode": 400, "apiCode": 7, "message": "bad \u{1b}[31mred\u{1b}[0m\r\nline",
            "requestId": "id\u{1b}[2J"})
    })
    .unwrap();
    // No report: the lines go to stderr (support::run fails on any raw ESC).
    let out = against(&mock, &["users", "import", file.to_str().unwrap()]).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("bad \\u{1b}[31mred\\u{1b}[0m\\r\\nline"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("id\\u{1b}[2J"), "{}", out.stderr);
    // In a CSV report (which is read with `cat`) as well.
    let report = dir.join("report.csv");
    let out = import(&mock, &import_args(&file, &report, &[])).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("bad \\u{1b}[31mred"), "{text:?}");
}

#[test]
fn confirmed_rows_match_by_identifiers_and_refuse_what_they_cannot_match() {
    use genauth_cli::import::confirmed_rows;
    let sent = [
        json!({"email": "Ann@Example.com", "phone": "13800000001"}),
        json!({"username": "bob", "externalId": "e-2"}),
        json!({"phone": "13800000003"}),
    ];
    // Any shared identifier matches; the email without regard to case; order is free.
    let data = json!([{"userId": "2", "externalId": "e-2"}, {"email": "ann@example.COM"}]);
    assert_eq!(
        confirmed_rows(&sent, Some(&data)),
        Ok(vec![true, true, false])
    );
    assert_eq!(confirmed_rows(&sent, Some(&json!([]))), Ok(vec![false; 3]));
    let refused = |data: Value| confirmed_rows(&sent, Some(&data)).unwrap_err();
    assert!(confirmed_rows(&sent, None).is_err());
    assert!(refused(json!({"list": []})).contains("not a list"));
    assert!(
        refused(json!([{"phone": "13800000003"}, {"phone": "13800000003"}]))
            .contains("earlier item")
    );
    assert!(refused(json!([{"username": "Bob"}])).contains("matches no user sent"));
    assert!(refused(json!([{"userId": "x"}])).contains("no email, phone, username or externalId"));
    // One item naming two users sent.
    assert!(
        refused(json!([{"email": "ann@example.com", "username": "bob"}])).contains("more than one")
    );
    // A shared identifier, but another disagrees.
    assert!(
        refused(json!([{"username": "bob", "externalId": "e-9"}])).contains("another externalId")
    );
    assert!(refused(json!([1])).contains("not an object"));
    // Reasons never hold values.
    assert!(!refused(json!([{"email": "zed@example.com"}])).contains("zed"));
    // Two users sent with the same identifier: an item with it cannot tell them apart.
    let twins = [json!({"email": "a@x.org"}), json!({"email": "A@x.org"})];
    assert!(confirmed_rows(&twins, Some(&json!([{"email": "a@x.org"}]))).is_err());
}

#[test]
fn the_fingerprint_is_fnv1a_64_of_the_bytes() {
    use genauth_cli::import::{Fingerprint, fingerprint_file};
    let dir = temp_dir("fingerprint");
    // Published FNV-1a 64 test vectors: the value never depends on the build.
    for (text, hash, lines) in [
        ("", 0xcbf2_9ce4_8422_2325_u64, 1),
        ("a", 0xaf63_dc4c_8601_ec8c, 1),
        ("foobar", 0x8594_4171_f739_67e8, 1),
    ] {
        let file = dir.join("f");
        std::fs::write(&file, text).unwrap();
        let (fp, n) = fingerprint_file(&file).unwrap();
        assert_eq!(fp.fnv1a64, hash, "{text:?}");
        assert_eq!(fp.bytes, text.len() as u64);
        assert_eq!(n, lines);
        assert_eq!(Fingerprint::from_header(&fp.header()), Some(fp));
    }
    std::fs::write(dir.join("f"), "x\ny\n").unwrap();
    assert_eq!(fingerprint_file(&dir.join("f")).unwrap().1, 3);
    assert_eq!(Fingerprint::from_header("12"), None);
}

#[test]
fn a_done_file_must_be_made_for_the_input() {
    use genauth_cli::import::{fingerprint_file, read_done};
    let dir = temp_dir("read_done");
    let input = dir.join("users.ndjson");
    std::fs::write(&input, "{}\n{}\n{}\n").unwrap();
    let (fp, lines) = fingerprint_file(&input).unwrap();
    let done = dir.join("r.done");
    let read = |text: &str| {
        std::fs::write(&done, text).unwrap();
        read_done(&done, fp, lines)
    };
    let set = read(&format!("{}\n1\n3 exists\n\n", fp.header())).unwrap();
    assert!(set.contains(1) && !set.contains(2) && set.contains(3));
    // Missing or empty: nothing done.
    assert!(!read("").unwrap().contains(1));
    std::fs::remove_file(&done).unwrap();
    assert!(!read_done(&done, fp, lines).unwrap().contains(1));
    // No fingerprint (an older .done), another input, a line the input lacks, another kind.
    let other = dir.join("other.ndjson");
    std::fs::write(&other, "{}\n{}\n{ }\n").unwrap();
    let other = fingerprint_file(&other).unwrap().0;
    for text in [
        "1\n2\n".to_string(),
        format!("{}\n1\n", other.header()),
        format!("{}\n9\n", fp.header()),
        format!("{}\n2 maybe\n", fp.header()),
    ] {
        let e = read(&text).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{text}: {e:?}");
    }
}
