//! The report and its `.done` file: made for one input (its fingerprint), refused when the
//! input changed or would be overwritten, left alone by a dry run, readable by the owner
//! only, and free of the server's control characters.

use genauth::testing::MockApi;
use serde_json::json;

use super::{created, done_records, import, import_args, sent_lists, three_users};
use crate::support::{against, temp_dir};

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
