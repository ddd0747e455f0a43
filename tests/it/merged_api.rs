//! What the merge of the Node SDK's operations brought: `UserAttributionDto::target_detail()`,
//! the envelope of `listOperate`, and new operations on the wire (query parameters typed by
//! regen, a new POST body), against httpmock servers.

use genauth::prelude::*;
use genauth::types::UserAttributionDto;
use genauth::{Error, TargetDetail};
use httpmock::prelude::*;
use serde_json::{Value, json};

use crate::support::calls::{bounded, quick_builder};

/// An invitation policy's user attribution, as `getPolicyUserAttributionDetail` answers it.
fn attribution(target_type: &str, target_detail: Option<Value>) -> UserAttributionDto {
    let mut body = json!({
        "id": "64434ba77efe29552d551d25",
        "policyId": "64265757339f8900af28c7de",
        "targetIdentifier": "6465204b4465d9d6a575771c",
        "targetType": target_type,
        "namespace": "default",
        "createdAt": "2024-04-10T02:05:00.000Z",
        "updatedAt": "2024-04-10T02:05:00.000Z"
    });
    if let Some(detail) = target_detail {
        body["targetDetail"] = detail;
    }
    serde_json::from_value(body).unwrap()
}

#[test]
fn a_role_detail_decodes_as_a_role() {
    let detail = json!({
        "id": "647018e40b9d81af30a8b22e",
        "code": "auditor",
        "name": "Auditor",
        "description": "Read-only access to audit logs",
        "namespace": "default",
        "namespaceName": "Default permission space",
        "status": "ENABLE",
        "disableTime": 1735660800000_i64
    });
    match attribution("role", Some(detail)).target_detail().unwrap() {
        Some(TargetDetail::Role(role)) => {
            assert_eq!(role.code, "auditor");
            assert_eq!(role.namespace_name, "Default permission space");
            assert_eq!(role.disable_time, Some(1_735_660_800_000));
        }
        other => panic!("expected a role, got {other:?}"),
    }
}

#[test]
fn a_group_detail_decodes_as_a_group() {
    let detail = json!({
        "id": "64459c3124a4ef92f33444a1",
        "code": "developers",
        "name": "Developers",
        "description": "Everyone who ships code",
        "type": "static",
        "metadataSource": ["genauth"],
        "members": []
    });
    match attribution("group", Some(detail)).target_detail().unwrap() {
        Some(TargetDetail::Group(group)) => {
            assert_eq!(group.code, "developers");
            assert_eq!(group.type_, "static");
            assert!(group.members.is_empty());
        }
        other => panic!("expected a group, got {other:?}"),
    }
}

#[test]
fn a_department_detail_decodes_as_a_department() {
    let detail = json!({
        "id": "66612f0a9b8c7d6e5f4a3b21",
        "organizationCode": "northwind",
        "departmentId": "66612f0a9b8c7d6e5f4a3b21",
        "createdAt": "2024-06-06T03:12:44.000Z",
        "name": "Engineering",
        "code": "engineering",
        "parentDepartmentId": "665d27ac1e0f4a3b9c8d7e61",
        "parentDepartmentCode": "northwind",
        "membersCount": 42,
        "hasChildren": true,
        "idPath": ["665d27ac1e0f4a3b9c8d7e61", "66612f0a9b8c7d6e5f4a3b21"],
        "namePath": ["Northwind Trading", "Engineering"],
        "codePath": "northwind/engineering"
    });
    match attribution("department", Some(detail))
        .target_detail()
        .unwrap()
    {
        Some(TargetDetail::Department(department)) => {
            assert_eq!(department.department_id, "66612f0a9b8c7d6e5f4a3b21");
            assert_eq!(department.members_count, 42);
            assert_eq!(department.name_path, ["Northwind Trading", "Engineering"]);
            assert_eq!(
                department.code_path.as_deref(),
                Some("northwind/engineering")
            );
        }
        other => panic!("expected a department, got {other:?}"),
    }
}

#[test]
fn an_unknown_target_type_keeps_the_detail_as_sent() {
    let detail = json!({"tenantId": "66b1c2d3e4f5a6b7c8d9e0f1", "name": "Fabrikam Retail"});
    match attribution("tenant", Some(detail.clone()))
        .target_detail()
        .unwrap()
    {
        Some(TargetDetail::Other(kind, raw)) => {
            assert_eq!(kind, "tenant");
            assert_eq!(raw, detail);
        }
        other => panic!("expected Other, got {other:?}"),
    }
}

#[test]
fn no_detail_is_none() {
    assert!(attribution("role", None).target_detail().unwrap().is_none());
    // An explicit null is no detail either.
    assert!(
        attribution("role", Some(Value::Null))
            .target_detail()
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_detail_of_the_wrong_shape_is_a_decode_error() {
    let err = attribution("role", Some(json!("auditor")))
        .target_detail()
        .unwrap_err();
    match err {
        Error::Decode {
            status,
            message,
            body_snippet,
            request_id: None,
            operation: None,
        } => {
            assert_eq!(status, 200);
            assert!(message.starts_with("targetDetail: "), "{message}");
            assert!(body_snippet.is_empty(), "{body_snippet}");
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

const LIST_OPERATE_PATH: &str = "/api/v3/metadata/list-operate";

/// `list_operate` for model `m1` against a server answering `body`: the call's result and how
/// many requests the server saw.
async fn list_operate_answering(
    body: &'static str,
) -> (Result<Option<serde_json::Value>, Error>, usize) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(LIST_OPERATE_PATH)
                .is_true(|req| req.uri().query() == Some("modelId=m1"));
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let client = quick_builder(&server.base_url()).build().unwrap();
    let result = bounded(async {
        client
            .list_operate()
            .model_id("m1")
            .send()
            .await?
            .into_data()
    })
    .await;
    (result, mock.calls_async().await)
}

#[tokio::test]
async fn list_operate_answers_with_the_envelope() {
    let (result, calls) = list_operate_answering(
        r#"{"statusCode":200,"message":"ok","data":{"list":[{"id":"op1"}],"totalCount":1}}"#,
    )
    .await;
    assert_eq!(calls, 1);
    assert_eq!(
        result.unwrap(),
        Some(json!({"list": [{"id": "op1"}], "totalCount": 1}))
    );
}

#[tokio::test]
async fn list_operate_reports_an_in_body_failure() {
    let (result, calls) = list_operate_answering(
        r#"{"statusCode":403,"message":"no access to this model","apiCode":40301,"requestId":"5b0c7f6e-1d2a-4c3b-9e8f-7a6b5c4d3e2f"}"#,
    )
    .await;
    let err = result.unwrap_err();
    match err {
        Error::Api {
            status_code,
            api_code,
            ref message,
            ref request_id,
            http_status,
            ..
        } => {
            assert_eq!(status_code, 403);
            assert_eq!(api_code, Some(40301));
            assert_eq!(message, "no access to this model");
            assert_eq!(
                request_id.as_deref(),
                Some("5b0c7f6e-1d2a-4c3b-9e8f-7a6b5c4d3e2f")
            );
            assert_eq!(http_status, 200);
        }
        ref other => panic!("expected Error::Api, got {other:?}"),
    }
    assert_eq!(err.api_code(), Some(genauth::ApiCode::from(40301)));
    assert_eq!(calls, 1, "an in-body 403 is not retried");
}

/// The query's name/value pairs, decoded and sorted, so that a check does not depend on the
/// order the client writes them in.
fn sorted_query(req: &HttpMockRequest) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    pairs.sort();
    pairs
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    pairs.sort();
    pairs
}

const EMPTY_PAGE: &str =
    r#"{"statusCode":200,"message":"Operation successful","data":{"list":[],"totalCount":0}}"#;

#[tokio::test]
async fn list_tenants_sends_page_and_limit_as_integers() {
    let server = MockServer::start_async().await;
    let expected = pairs(&[("page", "2"), ("limit", "10"), ("source", "x")]);
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v3/list-tenants")
                .is_true(move |req| sorted_query(req) == expected)
                // The order the generated call writes them in (alphabetical).
                .is_true(|req| req.uri().query() == Some("limit=10&page=2&source=x"));
            then.status(200)
                .header("content-type", "application/json")
                .body(EMPTY_PAGE);
        })
        .await;
    let client = quick_builder(&server.base_url()).build().unwrap();
    let data = bounded(async {
        client
            .list_tenants()
            .page(2)
            .limit(10)
            .source("x")
            .send()
            .await?
            .into_data()
    })
    .await
    .unwrap();
    mock.assert_async().await;
    assert_eq!(data.total_count, 0);
    assert!(data.list.is_empty());
}

/// `queryLdapLog` with `type` 1, `page` 1 and `limit` 20, against a server that answers the
/// sample only when `accepts` holds for the query's sorted pairs.
async fn query_ldap_log_with_type_1(accepts: fn(&[(String, String)]) -> bool) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v3/get-ldap-server-log")
                .is_true(move |req| accepts(&sorted_query(req)));
            then.status(200)
                .header("content-type", "application/json")
                .body(include_str!("../samples/queryLdapLog.json"));
        })
        .await;
    let client = quick_builder(&server.base_url()).build().unwrap();
    let data = bounded(async {
        client
            .query_ldap_log()
            .type_(1)
            .page(1)
            .limit(20)
            .send()
            .await?
            .into_data()
    })
    .await
    .unwrap();
    mock.assert_async().await;
    assert_eq!(data.total_count, 2);
    assert_eq!(data.list[0]["connection"], 1021);
}

#[tokio::test]
async fn query_ldap_log_sends_an_integral_type_as_the_node_sdk_does() {
    query_ldap_log_with_type_1(|query| {
        query == pairs(&[("type", "1"), ("page", "1"), ("limit", "20")]).as_slice()
    })
    .await;
}

#[tokio::test]
async fn create_organization_posts_the_body_it_was_given() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v3/create-organization")
                .is_true(|req| req.uri().query().is_none())
                .header("content-type", "application/json")
                .json_body(json!({
                    "organizationCode": "northwind",
                    "organizationName": "Northwind Trading",
                    "description": "Head office and regional branches",
                    "metadata": {"source": "rust-sdk-test"},
                    "postIdList": ["6660a1f2b3c4d5e6f7a8b9c0"]
                }));
            then.status(200)
                .header("content-type", "application/json")
                .body(include_str!("../samples/createOrganization.json"));
        })
        .await;
    let client = quick_builder(&server.base_url()).build().unwrap();
    let organization = bounded(async {
        client
            .create_organization()
            .body_map(|b| {
                b.organization_code("northwind")
                    .organization_name("Northwind Trading")
                    .description(Some("Head office and regional branches".to_string()))
                    .metadata(json!({"source": "rust-sdk-test"}))
                    .post_id_list(Some(vec!["6660a1f2b3c4d5e6f7a8b9c0".to_string()]))
            })
            .send()
            .await?
            .into_data()
    })
    .await
    .unwrap();
    mock.assert_async().await;
    assert_eq!(organization.organization_code, "northwind");
    assert_eq!(organization.department_id, "665d27ac1e0f4a3b9c8d7e61");

    assert_eq!(mock.calls_async().await, 1);

    // `metadata` is any JSON; left unset, it is left out of the body (the whole body is
    // matched), as the official SDK does, rather than sent as `null`.
    let bare = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v3/create-organization")
                .json_body(json!({
                    "organizationCode": "bare",
                    "organizationName": "Bare"
                }));
            then.status(200)
                .header("content-type", "application/json")
                .body(include_str!("../samples/createOrganization.json"));
        })
        .await;
    bounded(async {
        client
            .create_organization()
            .body_map(|b| b.organization_code("bare").organization_name("Bare"))
            .send()
            .await
    })
    .await
    .unwrap();
    bare.assert_async().await;
}
