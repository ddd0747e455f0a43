//! `check-api`: drifted answers against the spec, and what it calls.

use genauth::testing::{MockApi, MockFailure};
use genauth_cli::spec::spec;
use serde_json::{Value, json};

use crate::support::{against, temp_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_api_reports_each_kind_of_drift() {
    let mock = MockApi::start().await.unwrap();
    // A role with a field the spec lacks and without a required one; the total as a string.
    mock.respond_data(
        "list_roles",
        &json!({"list": [{"id": "r1", "code": "admin", "name": "Admin", "description": "",
            "namespace": "default", "colour": "red"}], "totalCount": "1"}),
    )
    .unwrap();
    // An enum value the spec lacks and a boolean sent as a number.
    mock.respond_data(
        "get_email_provider",
        &json!({"enabled": 1, "type": "mailgun"}),
    )
    .unwrap();
    // A failing call.
    mock.respond_data("get_security_settings", &json!({}))
        .unwrap();
    mock.fail_next(
        "get_security_settings",
        MockFailure::Api {
            status_code: 403,
            api_code: Some(40301),
            message: "no permission".into(),
        },
    )
    .unwrap();
    let dir = temp_dir("check_api");
    let file = dir.join("report.json");
    let out = against(
        &mock,
        &[
            "check-api",
            "--only",
            "listRoles",
            "--only",
            "get_email_provider",
            "--only",
            "getSecuritySettings",
            "--only",
            "createUser",
            "--json",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        report["summary"],
        json!({"checked": 3, "ok": 0, "drift": 2, "failed": 1, "skipped": 0})
    );
    let entry = |id: &str| {
        report["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["operationId"] == id)
            .unwrap_or_else(|| panic!("{id} in {report}"))
            .clone()
    };
    let roles = entry("listRoles");
    assert_eq!(roles["status"], "drift");
    let findings = roles["findings"].as_array().unwrap();
    for expected in [
        json!({"kind": "unknown_field", "path": "data.list[].colour", "found": "string",
            "schema": "RoleDto"}),
        json!({"kind": "missing_required", "path": "data.list[].namespaceName",
            "expected": "string", "schema": "RoleDto"}),
        json!({"kind": "number_as_string", "path": "data.totalCount", "expected": "integer",
            "found": "string", "schema": "RolePagingDto"}),
    ] {
        assert!(
            findings.contains(&expected),
            "{expected} not in {findings:?}"
        );
    }
    assert_eq!(findings.len(), 3, "{findings:?}");
    let email = entry("getEmailProvider");
    let findings = email["findings"].as_array().unwrap();
    assert!(
        findings.contains(&json!({"kind": "unknown_enum_value", "path": "data.type",
        "expected": "ali|qq|sendgrid|custom", "found": "mailgun", "schema": "EmailProviderDto"})),
        "{findings:?}"
    );
    assert!(
        findings.contains(&json!({"kind": "type_mismatch", "path": "data.enabled",
        "expected": "boolean", "found": "integer", "schema": "EmailProviderDto"})),
        "{findings:?}"
    );
    let security = entry("getSecuritySettings");
    assert_eq!(security["status"], "failed");
    assert_eq!(security["error"]["statusCode"], 403);
    assert_eq!(security["error"]["apiCode"], 40301);
    assert_eq!(security["error"]["message"], "no permission");
    assert_eq!(security["error"]["requestId"], "mock-request");

    // Only reads, with small pages; the write (createUser) was never called.
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.method == "GET"));
    let roles = requests
        .iter()
        .find(|r| r.path == "/api/v3/list-roles")
        .unwrap();
    assert_eq!(roles.query_value("page").as_deref(), Some("1"));
    assert_eq!(roles.query_value("limit").as_deref(), Some("1"));

    // The table on stderr.
    assert!(out.stderr.contains("listRoles"), "{}", out.stderr);
    assert!(
        out.stderr.contains("checked 3: 0 ok, 2 drift, 1 failed"),
        "{}",
        out.stderr
    );

    // --strict makes drift an exit 1; the report goes to stdout without --json.
    let out = against(&mock, &["check-api", "--only", "listRoles", "--strict"]).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.json()["summary"]["drift"], 1);

    let out = against(&mock, &["check-api", "--only", "Userz"]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `Users`"),
        "{}",
        out.stderr
    );
}

#[test]
fn check_api_plans_only_reads_it_can_call_without_inventing_arguments() {
    let spec = spec().unwrap();
    let op = |name: &str| genauth::operations::by_method(name).unwrap();
    // A read with a body that pages in options.pagination.
    let p = genauth_cli::check_api::plan(spec, op("list_users")).unwrap();
    assert_eq!(
        p.body,
        Some(json!({"options": {"pagination": {"page": 1, "limit": 1}}}))
    );
    // Required parameters without a default, path parameters and writes are left out.
    assert_eq!(
        genauth_cli::check_api::plan(spec, op("get_user")).unwrap_err(),
        "needs `userId`"
    );
    assert_eq!(
        genauth_cli::check_api::plan(spec, op("delete_user_list_by_id")).unwrap_err(),
        "writes"
    );
    assert_eq!(
        genauth_cli::check_api::plan(spec, op("create_user")).unwrap_err(),
        "writes"
    );
    // Every planned operation is a read without a path parameter.
    for op in genauth::operations::all() {
        if let Ok(p) = genauth_cli::check_api::plan(spec, op) {
            assert!(op.read_only && !p.path.contains('{'), "{}", op.id);
        }
    }
}
