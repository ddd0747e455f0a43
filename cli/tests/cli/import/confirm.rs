//! Which rows count as imported: the users a server's answer lists, matched by their
//! identifiers (emails without regard to case), answers that cannot be matched, and users
//! that already exist.

use genauth::testing::MockApi;
use serde_json::{Value, json};

use super::{created, done_records, import, import_args, report_lines, sent_lists, three_users};
use crate::support::temp_dir;

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
