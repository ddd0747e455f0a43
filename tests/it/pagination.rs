//! Paginated operations as streams: three pages from a loopback server, for each place the
//! page number can go (query, body, the body's `pagination` or `options.pagination`), fetched lazily, capped,
//! and with a failure mid-way; and the number of streams checked against the spec.

use futures::{StreamExt as _, TryStreamExt as _};
use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply, MockRequest};
use genauth::{Error, types};
use serde_json::{Value, json};

use crate::support::calls::{bounded, quick_builder};

fn role(n: usize) -> Value {
    json!({"id": format!("r{n}"), "code": format!("role-{n}"), "name": "R", "description": "",
           "namespace": "default", "namespaceName": "Default", "status": "ENABLE",
           "disableTime": 0, "enablePermissionApply": false})
}

fn page_body(items: Vec<Value>, total: usize) -> String {
    json!({"statusCode": 200, "message": "ok", "data": {"list": items, "totalCount": total}})
        .to_string()
}

/// Pages of `sizes` items, numbered from 1, as the `page` the request asks for (read by
/// `page_of`), with `total` as `totalCount`.
async fn paged_server(
    sizes: &'static [usize],
    total: usize,
    item: fn(usize) -> Value,
    page_of: fn(&MockRequest) -> usize,
) -> MockApi {
    MockApi::start_raw(move |seen, _| {
        let page = page_of(seen);
        let before: usize = sizes.iter().take(page - 1).sum();
        let size = sizes.get(page - 1).copied().unwrap_or(0);
        let items = (before..before + size).map(item).collect();
        MockReply::json(200, &page_body(items, total))
    })
    .await
    .unwrap()
}

fn query_page(seen: &MockRequest) -> usize {
    let query = seen.query.as_deref().unwrap_or("");
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

fn body(seen: &MockRequest) -> Value {
    serde_json::from_slice(&seen.body).unwrap()
}

#[tokio::test]
async fn query_paged_walks_every_page_and_keeps_other_parameters() {
    let server = paged_server(&[2, 2, 1], 5, role, query_page).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let roles: Vec<types::RoleDto> = bounded(
        client
            .list_roles()
            .limit(2)
            .namespace("default")
            .into_stream()
            .try_collect(),
    )
    .await
    .unwrap();
    let codes: Vec<&str> = roles.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["role-0", "role-1", "role-2", "role-3", "role-4"]);
    let queries: Vec<String> = server
        .requests()
        .iter()
        .map(|s| s.query.as_deref().unwrap().to_string())
        .collect();
    assert_eq!(
        queries,
        [
            "limit=2&namespace=default&page=1",
            "limit=2&namespace=default&page=2",
            "limit=2&namespace=default&page=3"
        ]
    );
}

#[tokio::test]
async fn a_short_page_does_not_end_the_walk_before_the_total() {
    // A total that counts decides, not the page lengths: a server may serve fewer items per
    // page than asked (see `a_server_capping_its_pages_is_walked_to_the_total`), so the short
    // third page is not the last. (It used to be: 8 items, 3 requests, and no error.) The
    // empty fifth page comes before the total of 100: the listing ended early, which is an
    // error after the 17 items, never a silent end.
    let server = paged_server(&[3, 3, 2, 9], 100, role, query_page).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let items: Vec<Result<types::RoleDto, Error>> =
        bounded(client.list_roles().into_stream().collect()).await;
    assert_eq!(items.len(), 18, "17 items, then the error");
    assert!(items[..17].iter().all(Result::is_ok));
    let err = items[17].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::Pagination(m) if m.contains("17 of the 100") && m.contains("page 5")),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 5);
}

/// `name`'s value in the query, as a number.
fn query_number(seen: &MockRequest, name: &str) -> Option<usize> {
    seen.query
        .as_deref()?
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?
        .parse()
        .ok()
}

/// A listing of `len` roles whose server serves at most `cap` a page, whatever `limit` asks
/// for, with `total` as `totalCount` (none at all when `None`).
async fn capping_server(len: usize, cap: usize, total: Option<usize>) -> MockApi {
    MockApi::start_raw(move |seen, _| {
        let size = query_number(seen, "limit").unwrap_or(10).min(cap);
        let start = query_page(seen).saturating_sub(1) * size;
        let items: Vec<Value> = (start..len.min(start + size)).map(role).collect();
        let mut data = json!({ "list": items });
        if let Some(total) = total {
            data["totalCount"] = json!(total);
        }
        let body = json!({"statusCode": 200, "message": "ok", "data": data});
        MockReply::json(200, &body.to_string())
    })
    .await
    .unwrap()
}

/// The `limit` and `page` of every request `server` saw.
fn limits_and_pages(server: &MockApi) -> Vec<(usize, usize)> {
    server
        .requests()
        .iter()
        .map(|s| (query_number(s, "limit").unwrap(), query_page(s)))
        .collect()
}

#[tokio::test]
async fn a_server_capping_its_pages_is_walked_to_the_total() {
    // 10 asked, 5 served: pages of 5, 5 and 2, totalCount 12. Every page is shorter than the
    // size asked; `genauth pages`, which stopped on that, listed 5 items. The total decides.
    let server = capping_server(12, 5, Some(12)).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let roles: Vec<types::RoleDto> =
        bounded(client.list_roles().limit(10).into_stream().try_collect())
            .await
            .unwrap();
    let codes: Vec<&str> = roles.iter().map(|r| r.code.as_str()).collect();
    let expected: Vec<String> = (0..12).map(|n| format!("role-{n}")).collect();
    assert_eq!(codes, expected);
    assert_eq!(limits_and_pages(&server), [(10, 1), (10, 2), (10, 3)]);
}

#[tokio::test]
async fn a_server_capping_its_pages_without_a_total_ends_on_a_page_shorter_than_the_first() {
    // No totalCount: the first page (5) sets the length; the third (2) is shorter and the
    // last. Shorter than the 10 asked is not the end: the second page is that too.
    let server = capping_server(12, 5, None).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let roles: Vec<types::RoleDto> =
        bounded(client.list_roles().limit(10).into_stream().try_collect())
            .await
            .unwrap();
    assert_eq!(roles.len(), 12);
    assert_eq!(limits_and_pages(&server), [(10, 1), (10, 2), (10, 3)]);
}

#[tokio::test]
async fn a_listing_that_runs_dry_before_its_total_ends_with_an_error_after_its_items() {
    // totalCount 12, but the server has only 8 to serve: pages of 5, 3, then none.
    let server = capping_server(8, 5, Some(12)).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let items: Vec<Result<types::RoleDto, Error>> =
        bounded(client.list_roles().limit(10).into_stream().collect()).await;
    assert_eq!(items.len(), 9, "8 items, then one error");
    assert!(items[..8].iter().all(Result::is_ok));
    let err = items[8].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::Pagination(m) if m.contains("8 of the 12")),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_stream_owns_what_it_needs_and_runs_in_a_spawned_task() {
    let server = capping_server(12, 5, Some(12)).await;
    let task = {
        let client = quick_builder(server.base_url()).build().unwrap();
        let roles = client.list_roles().limit(10).into_stream();
        // `Pages<'static, _>`: neither the builder nor the client is borrowed, so the
        // client can go before the stream is polled.
        drop(client);
        tokio::spawn(roles.try_collect::<Vec<types::RoleDto>>())
    };
    let roles = bounded(task).await.unwrap().unwrap();
    assert_eq!(roles.len(), 12);
}

/// A stream over `pages` (items and `totalCount` of each, by page number from 1) through
/// `Pages::from_fn`, as a caller with its own fetch would write it.
fn own_pages(pages: Vec<(usize, Option<u64>)>) -> genauth::pagination::Pages<'static, usize> {
    use genauth::pagination::{Page, Pages};
    Pages::from_fn(move |page: i64| {
        let index = usize::try_from(page - 1).unwrap();
        let before: usize = pages.iter().take(index).map(|(len, _)| len).sum();
        let (len, total) = pages.get(index).copied().unwrap_or((0, None));
        async move { Ok(Page::new((before..before + len).collect(), total)) }
    })
}

#[tokio::test]
async fn from_fn_follows_the_same_rule_with_the_latest_total_that_counts() {
    // The total grows from 10 to 12 during the walk: the latest counts.
    let items: Vec<usize> =
        bounded(own_pages(vec![(5, Some(10)), (5, Some(12)), (2, Some(12))]).try_collect())
            .await
            .unwrap();
    assert_eq!(items, (0..12).collect::<Vec<_>>());

    // A total below what arrived (0, as a missing one decodes) does not count, and the one
    // before stays: an empty third page after 10 of 12 is the listing ending early.
    let mut stream = own_pages(vec![(5, Some(12)), (5, Some(0))]);
    let mut seen = 0;
    let failure = loop {
        match bounded(stream.try_next()).await {
            Ok(Some(_)) => seen += 1,
            Ok(None) => panic!("ended without an error after {seen} items"),
            Err(e) => break e,
        }
    };
    assert_eq!(seen, 10);
    assert!(
        matches!(&failure, Error::Pagination(m) if m.contains("10 of the 12") && m.contains("page 3")),
        "{failure:?}"
    );
    assert_eq!(stream.total(), Some(12));
    assert!(bounded(stream.try_next()).await.unwrap().is_none(), "ended");

    // No total that counts (none, or below what arrived): the page lengths decide.
    let items: Vec<usize> =
        bounded(own_pages(vec![(3, None), (3, Some(1)), (1, None)]).try_collect())
            .await
            .unwrap();
    assert_eq!(items.len(), 7);
}

#[tokio::test]
async fn pages_are_fetched_only_when_polled_and_the_cap_holds() {
    let server = paged_server(&[2, 2, 2], 6, role, query_page).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let mut stream = client.list_roles().into_stream();
    let first = bounded(stream.next()).await.unwrap().unwrap();
    assert_eq!(first.code, "role-0");
    assert_eq!(server.requests().len(), 1, "one page fetched for one item");
    drop(stream);
    let capped: Vec<_> = bounded(
        client
            .list_roles()
            .into_stream()
            .max_items(3)
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(capped.len(), 3);
    assert_eq!(
        server.requests().len(),
        3,
        "two more pages for three items, none beyond"
    );
}

/// Page 1 holds two roles of a total of 6; every later page is refused in the body (403,
/// apiCode 40301).
async fn refusing_after_page_one() -> MockApi {
    MockApi::start_raw(|seen, _| match query_page(seen) {
        1 => MockReply::json(200, &page_body(vec![role(0), role(1)], 6)),
        _ => MockReply::json(200, r#"{"statusCode":403,"message":"no","apiCode":40301}"#),
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_failure_mid_way_is_one_error_item_then_the_end() {
    let server = refusing_after_page_one().await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let items: Vec<Result<types::RoleDto, Error>> =
        bounded(client.list_roles().into_stream().collect()).await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    assert_eq!(
        items[2].as_ref().unwrap_err().api_code(),
        Some(genauth::ApiCode::from(40301))
    );
}

#[tokio::test]
async fn the_inherent_try_next_walks_the_pages_then_reports_the_failure_once() {
    let server = refusing_after_page_one().await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let mut roles = client.list_roles().into_stream();
    // `Pages::try_next`, not the `TryStreamExt` method: no trait import is needed for it.
    let first = genauth::pagination::Pages::try_next(&mut roles);
    assert_eq!(bounded(first).await.unwrap().unwrap().code, "role-0");
    assert_eq!(
        bounded(roles.try_next()).await.unwrap().unwrap().code,
        "role-1"
    );
    let failure = bounded(roles.try_next()).await.unwrap_err();
    assert_eq!(failure.api_code(), Some(genauth::ApiCode::from(40301)));
    assert!(
        bounded(roles.try_next()).await.unwrap().is_none(),
        "ended after the error"
    );
    assert_eq!(server.requests().len(), 2);
}

fn user(n: usize) -> Value {
    let sample: Value =
        serde_json::from_str(include_str!("../samples/getUser.json")).expect("sample user");
    let mut user = sample["data"].clone();
    user["userId"] = json!(format!("u{n}"));
    user
}

#[tokio::test]
async fn options_pagination_page_is_set_and_other_options_kept() {
    let server = paged_server(&[2, 2, 1], 5, user, |seen| {
        body(seen)["options"]["pagination"]["page"]
            .as_u64()
            .unwrap_or(0) as usize
    })
    .await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let users: Vec<types::UserDto> = bounded(
        client
            .list_users()
            .body_map(|b| {
                b.keywords(Some("ali".to_string()))
                    .options(Some(types::ListUsersOptionsDto {
                        with_custom_data: Some(true),
                        pagination: Some(types::PaginationDto {
                            limit: Some(2),
                            page: None,
                        }),
                        ..Default::default()
                    }))
            })
            .into_stream()
            .try_collect(),
    )
    .await
    .unwrap();
    let ids: Vec<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, ["u0", "u1", "u2", "u3", "u4"]);
    for (i, seen) in server.requests().iter().enumerate() {
        let sent = body(seen);
        assert_eq!(sent["keywords"], "ali");
        assert_eq!(sent["options"]["withCustomData"], true);
        assert_eq!(
            sent["options"]["pagination"],
            json!({"limit": 2, "page": i + 1})
        );
    }
}

#[tokio::test]
async fn body_page_is_set_at_the_top_level() {
    // totalCount 0 (as a missing one decodes) does not count: the page lengths decide, and
    // the empty third page ends the walk. (With a total of 100, it would end in an error.)
    let server = paged_server(
        &[1, 1, 0],
        0,
        |n| json!({"policyId": format!("p{n}")}),
        |seen| body(seen)["page"].as_u64().unwrap_or(0) as usize,
    )
    .await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let policies: Vec<_> = bounded(
        client
            .list_invitation_policies()
            .body_map(|b| b.limit(Some(1)))
            .into_stream()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(policies.len(), 2);
    let pages: Vec<Value> = server
        .requests()
        .iter()
        .map(|s| body(s)["page"].clone())
        .collect();
    assert_eq!(
        pages,
        [json!(1), json!(2), json!(3)],
        "an empty page ends the walk"
    );
}

fn admin_log(n: usize) -> Value {
    json!({"adminUserId": format!("admin{n}"), "adminUserAvatar": "", "adminUserDisplayName": "Ada",
           "operationType": "create", "resourceType": "user", "success": true,
           "userAgent": "Mozilla/5.0", "ua": {"device": "desktop", "name": "Firefox", "os": "Linux"},
           "geoip": {"location": {"lat": 0.0, "lon": 0.0}, "country_name": "Example",
                     "country_code2": "EX", "country_code3": "EXA", "region_name": "", "region_code": "",
                     "city_name": "", "continent_code": "EU", "timezone": "UTC"},
           "timestamp": "2024-01-01T00:00:00Z", "requestId": format!("req-{n}")})
}

#[tokio::test]
async fn body_pagination_page_is_set_and_the_filters_kept() {
    let server = paged_server(&[2, 2, 1], 5, admin_log, |seen| {
        body(seen)["pagination"]["page"].as_u64().unwrap_or(0) as usize
    })
    .await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let entries: Vec<_> = bounded(
        client
            .get_admin_audit_logs()
            .body_map(|b| {
                b.client_ip(Some("203.0.113.7".to_string()))
                    .pagination(Some(types::ListWebhooksDto {
                        page: None,
                        limit: Some(2),
                    }))
            })
            .into_stream()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(entries.len(), 5, "stops at totalCount");
    let sent: Vec<Value> = server.requests().iter().map(body).collect();
    let pages: Vec<Value> = sent
        .iter()
        .map(|b| b["pagination"]["page"].clone())
        .collect();
    assert_eq!(pages, [json!(1), json!(2), json!(3)]);
    assert!(sent.iter().all(|b| b["pagination"]["limit"] == 2));
    assert!(sent.iter().all(|b| b["clientIp"] == "203.0.113.7"));
}

#[test]
fn every_paginated_operation_of_the_spec_has_a_stream() {
    let spec: Value =
        serde_json::from_str(include_str!("../../openapi/management-v3.json")).unwrap();
    let marked = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| op.get("x-genauth-pagination").is_some())
        .count();
    let streams = genauth::operations::all()
        .iter()
        .filter(|op| op.paginated)
        .count();
    assert_eq!(streams, marked);
    assert_eq!(marked, 69, "paginated operations in today's spec");
}

/// Pages of `sizes` roles with no `totalCount` at all.
async fn untotalled_server(sizes: &'static [usize]) -> MockApi {
    MockApi::start_raw(move |seen, _| {
        let page = query_page(seen);
        let before: usize = sizes.iter().take(page - 1).sum();
        let size = sizes.get(page - 1).copied().unwrap_or(0);
        let items: Vec<Value> = (before..before + size).map(role).collect();
        MockReply::json(
            200,
            &json!({"statusCode": 200, "message": "ok", "data": {"list": items}}).to_string(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn without_a_total_the_page_lengths_decide() {
    // A missing totalCount decodes as 0; it used to end the stream after page 1.
    let server = untotalled_server(&[2, 2, 2, 1]).await;
    let client = quick_builder(server.base_url()).build().unwrap();
    let roles: Vec<types::RoleDto> = bounded(client.list_roles().into_stream().try_collect())
        .await
        .unwrap();
    assert_eq!(roles.len(), 7);
    assert_eq!(
        server.requests().len(),
        4,
        "the short fourth page is the last"
    );
}

#[tokio::test]
async fn a_page_served_again_ends_the_stream_with_an_error() {
    // The same full page whatever the page number, with a total that never comes.
    let server = MockApi::start_raw(|_, _| {
        MockReply::json(200, &page_body(vec![role(0), role(1)], 1_000_000_000_000))
    })
    .await
    .unwrap();
    let client = quick_builder(server.base_url()).build().unwrap();
    let items: Vec<Result<types::RoleDto, Error>> =
        bounded(client.list_roles().into_stream().collect()).await;
    assert_eq!(items.len(), 3, "two items, then the error");
    assert!(items[..2].iter().all(Result::is_ok));
    let err = items[2].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::Pagination(m) if m.contains("page 2") && m.contains("same")),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn the_page_cap_ends_an_endless_walk_with_an_error() {
    // Distinct full pages forever, and a total far away.
    let server = MockApi::start_raw(|seen, _| {
        let page = query_page(seen);
        MockReply::json(
            200,
            &page_body(vec![role(2 * page), role(2 * page + 1)], 1_000_000_000_000),
        )
    })
    .await
    .unwrap();
    let client = quick_builder(server.base_url()).build().unwrap();
    let items: Vec<Result<types::RoleDto, Error>> =
        bounded(client.list_roles().into_stream().max_pages(3).collect()).await;
    assert_eq!(items.len(), 7, "three pages of two, then the error");
    assert!(
        matches!(items.last().unwrap(), Err(Error::Pagination(m)) if m.contains("limit of 3 pages")),
        "{:?}",
        items.last()
    );
    assert_eq!(server.requests().len(), 3);
    assert_eq!(genauth::pagination::DEFAULT_MAX_PAGES, 10_000);
}

#[test]
fn a_json_total_count_is_read_as_the_typed_streams_read_it() {
    use genauth::pagination::total_count;
    for (value, expected) in [
        (json!(12), Some(12)),
        (json!(12.0), Some(12)),
        (json!(" 12 "), Some(12)),
        (json!(0), Some(0)),
        (json!(-1), None),
        (json!(12.5), None),
        (json!(1e20), None),
        (json!("twelve"), None),
        (json!(null), None),
        (json!([12]), None),
    ] {
        assert_eq!(total_count(&value), expected, "{value}");
    }
}
