//! `pages`: NDJSON over several pages, `--max-items`, a server that caps its pages below the
//! size asked, a listing that runs dry before its total, a server that repeats a page.

use genauth::testing::{MockApi, MockRequest};
use serde_json::{Value, json};

use crate::support::against;

/// A list of `total` users served `limit` at a time, page and limit read from the body's
/// `options.pagination`.
fn users_page(request: &MockRequest, total: u64) -> Value {
    let body = request.json().unwrap_or_default();
    let p = &body["options"]["pagination"];
    let (page, limit) = (
        p["page"].as_u64().unwrap_or(1),
        p["limit"].as_u64().unwrap_or(10),
    );
    let start = (page - 1) * limit;
    let list: Vec<Value> = (start..total.min(start + limit))
        .map(|i| json!({"userId": format!("u{}", i + 1)}))
        .collect();
    json!({"statusCode": 200, "message": "ok", "data": {"list": list, "totalCount": total}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_prints_every_item_as_ndjson() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("list_users", |r| users_page(r, 5))
        .unwrap();
    let out = against(
        &mock,
        &["pages", "listUsers", "keywords=u", "--page-size", "2"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ids: Vec<Value> = out.lines().iter().map(|l| l["userId"].clone()).collect();
    assert_eq!(ids, ["u1", "u2", "u3", "u4", "u5"]);
    // No progress bar when stderr is not a terminal (support::run also checks for escapes).
    assert_eq!(out.stderr, "");
    let bodies: Vec<Value> = mock.requests().iter().map(|r| r.json().unwrap()).collect();
    assert_eq!(bodies.len(), 3);
    for (i, body) in bodies.iter().enumerate() {
        assert_eq!(
            *body,
            json!({"keywords": "u", "options": {"pagination": {"page": i + 1, "limit": 2}}})
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_the_query_stop_at_a_short_page_and_at_max_items() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("list_roles", |r| {
        let page: u64 = r.query_value("page").unwrap().parse().unwrap();
        let limit: u64 = r.query_value("limit").unwrap().parse().unwrap();
        let start = (page - 1) * limit;
        // No totalCount: the short page ends the walk.
        let list: Vec<Value> = (start..7u64.min(start + limit))
            .map(|i| json!({"code": format!("r{}", i + 1)}))
            .collect();
        json!({"statusCode": 200, "message": "ok", "data": {"list": list}})
    })
    .unwrap();
    let out = against(&mock, &["pages", "list_roles", "limit=3"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines().len(), 7);
    let pages: Vec<(String, String)> = mock
        .requests()
        .iter()
        .map(|r| {
            (
                r.query_value("page").unwrap(),
                r.query_value("limit").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pages,
        [("1", "3"), ("2", "3"), ("3", "3")].map(|(a, b)| (a.to_string(), b.to_string()))
    );

    let before = mock.requests().len();
    let out = against(
        &mock,
        &["pages", "listRoles", "--page-size", "2", "--max-items", "3"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let codes: Vec<Value> = out.lines().iter().map(|l| l["code"].clone()).collect();
    assert_eq!(codes, ["r1", "r2", "r3"]);
    assert_eq!(mock.requests().len() - before, 2);
}

/// A listing of `len` roles whose server serves at most 5 a page, whatever `limit` asks for,
/// with `total` as `totalCount` (none when `None`).
fn capped_roles(mock: &MockApi, len: u64, total: Option<u64>) {
    mock.respond_with("list_roles", move |r| {
        let page: u64 = r.query_value("page").unwrap().parse().unwrap();
        let limit: u64 = r.query_value("limit").unwrap().parse().unwrap();
        let size = limit.min(5);
        let start = (page - 1) * size;
        let list: Vec<Value> = (start..len.min(start + size))
            .map(|i| json!({"code": format!("r{}", i + 1)}))
            .collect();
        let mut data = json!({ "list": list });
        if let Some(total) = total {
            data["totalCount"] = json!(total);
        }
        json!({"statusCode": 200, "message": "ok", "data": data})
    })
    .unwrap();
}

/// The `limit` of each request `mock` saw from `from` on.
fn limits(mock: &MockApi, from: usize) -> Vec<String> {
    mock.requests()[from..]
        .iter()
        .map(|r| r.query_value("limit").unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_capping_its_pages_below_the_size_asked_is_listed_whole() {
    // 10 asked, 5 served: pages of 5, 5 and 2, totalCount 12. `pages` used to stop on the
    // first page shorter than the size asked: 5 items and exit 0.
    let mock = MockApi::start().await.unwrap();
    capped_roles(&mock, 12, Some(12));
    let out = against(&mock, &["pages", "listRoles", "limit=10"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let codes: Vec<Value> = out.lines().iter().map(|l| l["code"].clone()).collect();
    let expected: Vec<Value> = (1..=12).map(|i| json!(format!("r{i}"))).collect();
    assert_eq!(codes, expected);
    assert_eq!(limits(&mock, 0), ["10", "10", "10"]);

    // The same through --page-size.
    let before = mock.requests().len();
    let out = against(&mock, &["pages", "listRoles", "--page-size", "10"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines().len(), 12);
    assert_eq!(limits(&mock, before), ["10", "10", "10"]);

    // Without totalCount: the third page, shorter than the first, is the last.
    capped_roles(&mock, 12, None);
    let before = mock.requests().len();
    let out = against(&mock, &["pages", "listRoles", "limit=10"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines().len(), 12);
    assert_eq!(mock.requests().len() - before, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_that_runs_dry_before_its_total_fails_after_its_items() {
    // totalCount 12, but only 8 to serve: pages of 5, 3, then an empty one.
    let mock = MockApi::start().await.unwrap();
    capped_roles(&mock, 8, Some(12));
    let out = against(&mock, &["pages", "listRoles", "limit=10"]).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.lines().len(), 8, "the items come first");
    assert!(out.stderr.contains("8 of the 12"), "{}", out.stderr);
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_page_is_refused() {
    let mock = MockApi::start().await.unwrap();
    // Ignores the page number: the same full page every time, no total.
    mock.respond_with("list_roles", |_| {
        json!({"statusCode": 200, "message": "ok",
            "data": {"list": [{"code": "a"}, {"code": "b"}]}})
    })
    .unwrap();
    let out = against(&mock, &["pages", "listRoles", "--page-size", "2"]).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("page 2 has the same 2 items as page 1"),
        "{}",
        out.stderr
    );
    assert_eq!(out.lines().len(), 2, "the repeated page is not printed");
    assert_eq!(mock.requests().len(), 2);

    // A hard cap on pages, when the server never ends.
    mock.respond_with("list_roles", |r| {
        let page = r.query_value("page").unwrap();
        json!({"statusCode": 200, "message": "ok", "data": {"list": [{"code": page}]}})
    })
    .unwrap();
    let out = against(
        &mock,
        &["pages", "listRoles", "--page-size", "1", "--max-pages", "4"],
    )
    .await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("limit of 4 pages (max_pages)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.lines().len(),
        4,
        "the items before the limit are printed"
    );

    // An answer without a list is not a page.
    mock.respond_data("list_roles", &json!({"items": []}))
        .unwrap();
    let out = against(&mock, &["pages", "listRoles"]).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("no `list`"), "{}", out.stderr);

    // Usage: an operation that does not page, and a page number given.
    let out = against(&mock, &["pages", "getUser", "userId=1"]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = against(&mock, &["pages", "listRoles", "page=3"]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
}

/// `--rate` paces the walk: at one request every two seconds, a call may wait at most its
/// `--timeout` of one second, so page 2's turn comes too late and the walk fails after page
/// 1's items, having sent one request. A rate that is not above zero is a usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_paces_the_walk() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_with("list_users", |r| users_page(r, 5))
        .unwrap();
    let out = against(
        &mock,
        &[
            "--timeout",
            "1",
            "pages",
            "listUsers",
            "--page-size",
            "2",
            "--rate",
            "0.5",
        ],
    )
    .await;
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stderr.contains("0.5 requests a second"),
        "{}",
        out.stderr
    );
    let ids: Vec<Value> = out.lines().iter().map(|l| l["userId"].clone()).collect();
    assert_eq!(ids, ["u1", "u2"]);
    assert_eq!(mock.requests().len(), 1);

    let out = against(&mock, &["pages", "listUsers", "--rate", "1000"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines().len(), 5);
    for bad in ["0", "-2", "NaN"] {
        let rate = format!("--rate={bad}");
        let out = against(&mock, &["pages", "listUsers", &rate]).await;
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("--rate"), "{}", out.stderr);
    }
}
