//! What an import sends: a dry run that finds malformed rows and sends nothing, chunks that
//! skip malformed lines (lines that are not UTF-8 among them), a failed chunk and `--resume`,
//! and `--max-chunks`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use genauth::testing::MockApi;
use serde_json::{Value, json};

use super::{created, done_records, import, import_args, report_lines, sent_lists};
use crate::support::{against, temp_dir};

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
