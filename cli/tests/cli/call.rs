//! `call`: checked arguments, the exact request sent, output and exit codes.

use genauth::testing::{MockApi, MockFailure};
use serde_json::json;

use crate::support::{against, run, run_async};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_prints_compact_data_and_sends_the_exact_query() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data(
        "get_user",
        &json!({"userId": "u1", "email": "a@example.com"}),
    )
    .unwrap();
    let out = against(
        &mock,
        &[
            "call",
            "getUser",
            "userId=u/1 x",
            "userIdType=email",
            "withCustomData=true",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Not a terminal: one compact line.
    assert_eq!(
        out.stdout,
        "{\"email\":\"a@example.com\",\"userId\":\"u1\"}\n"
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert!(r.authenticated);
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/api/v3/get-user");
    assert_eq!(r.query_value("userId").as_deref(), Some("u/1 x"));
    assert_eq!(r.query_value("userIdType").as_deref(), Some("email"));
    assert_eq!(r.query_value("withCustomData").as_deref(), Some("true"));
    assert!(r.body.is_empty());

    // The client method name works too, and --envelope prints the whole answer.
    let out = against(&mock, &["call", "get_user", "userId=u1", "--envelope"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let answer = out.json();
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(answer["message"], "ok");
    assert_eq!(answer["data"]["userId"], "u1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_builds_the_body_path_and_array_query() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data("list_users", &json!({"list": [], "totalCount": 0}))
        .unwrap();
    mock.respond_data("get_user_batch", &json!([])).unwrap();
    mock.respond_data("delete_user_list_by_id", &json!(null))
        .unwrap();
    mock.respond_data("create_user", &json!({"userId": "new"}))
        .unwrap();

    // Dotted names set nested fields; pairs merge over --body.
    let out = against(
        &mock,
        &[
            "call",
            "listUsers",
            "keywords=al",
            "options.pagination.page=2",
            "options.fuzzySearchOn=email",
            "options.fuzzySearchOn=phone",
            "--body",
            r#"{"keywords":"ignored","options":{"withCustomData":true}}"#,
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json(), json!({"list": [], "totalCount": 0}));
    let r = mock.requests().pop().unwrap();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/v3/list-users")
    );
    assert_eq!(
        r.json().unwrap(),
        json!({"keywords": "al", "options": {"withCustomData": true,
            "fuzzySearchOn": ["email", "phone"], "pagination": {"page": 2}}})
    );

    // An array query parameter, repeated: sent as userIds[]=a&userIds[]=b.
    let out = against(&mock, &["call", "getUserBatch", "userIds=a", "userIds=b,c"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = mock.requests().pop().unwrap();
    assert_eq!(r.query.as_deref(), Some("userIds[]=a&userIds[]=b%2Cc"));

    // A path parameter, percent-encoded as one segment.
    let out = against(&mock, &["call", "deleteUserListById", "id=a/b c"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "null\n");
    let r = mock.requests().pop().unwrap();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("DELETE", "/api/v3/user-list/a%2Fb%20c")
    );

    // --body from stdin, typed values.
    let out = tokio::task::spawn_blocking({
        let host = mock.base_url().to_string();
        move || {
            run(
                &["call", "createUser", "emailVerified=true", "--body", "-"],
                Some(&host),
                Some(r#"{"email":"b@example.com","password":"pw"}"#),
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = mock.requests().pop().unwrap();
    assert_eq!(
        r.json().unwrap(),
        json!({"email": "b@example.com", "password": "pw", "emailVerified": true})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_failure_exits_1_with_its_fields_on_stderr() {
    let mock = MockApi::start().await.unwrap();
    mock.respond_data("get_user", &json!({})).unwrap();
    mock.fail_next(
        "get_user",
        MockFailure::Api {
            status_code: 403,
            api_code: Some(40301),
            message: "no permission".into(),
        },
    )
    .unwrap();
    let out = against(&mock, &["call", "getUser", "userId=u1"]).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    for part in [
        "statusCode: 403",
        "apiCode: 40301",
        "message: no permission",
        "requestId: mock-request",
    ] {
        assert!(out.stderr.contains(part), "{part}: {}", out.stderr);
    }
    // An HTTP error without an envelope is an API failure too.
    mock.fail_next("get_user", MockFailure::Http(404)).unwrap();
    let out = against(&mock, &["call", "getUser", "userId=u1"]).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_send_nothing() {
    let mock = MockApi::start().await.unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["call", "getUsr", "userId=1"],
            &["unknown operation `getUsr`", "`getUser`"],
        ),
        (
            &["call", "getUser", "userid=1"],
            &["unknown parameter `userid`", "did you mean `userId`"],
        ),
        (
            &["call", "getUser", "userId=1", "withCustomData=yes"],
            &["`withCustomData`", "expected `true` or `false`", "`yes`"],
        ),
        (
            &["call", "getUser", "userId=1", "userIdType=mail"],
            &["`userIdType`", "expected one of: user_id|external_id"],
        ),
        (
            &["call", "listRoles", "page=two"],
            &["`page`", "expected an integer"],
        ),
        (
            &["call", "getUser"],
            &["missing required parameter `userId`"],
        ),
        (&["call", "getUser", "userId"], &["expected NAME=VALUE"]),
        (
            &["call", "getUser", "userId=1", "userId=2"],
            &["`userId` is given 2 times"],
        ),
        (
            &["call", "listUsers", "options.paginaton.page=1"],
            &["unknown parameter", "did you mean `pagination`"],
        ),
        (
            &["call", "createUser", "--body", r#"{"emial":"x"}"#],
            &["emial: not a field", "did you mean `email`"],
        ),
        (
            &["call", "createUser", "--body", "{not json"],
            &["--body is not JSON"],
        ),
        (
            &["call", "createUser", "password=1", "emailVerified=1"],
            &["`emailVerified`"],
        ),
        (
            &["call", "deleteUserListById"],
            &["missing required parameter `id`"],
        ),
        (&["call", "deleteUserListById", "id=.."], &["path"]),
    ];
    for (args, expected) in cases {
        let out = against(&mock, args).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        for part in *expected {
            assert!(
                out.stderr.contains(part),
                "{args:?}: `{part}` not in {}",
                out.stderr
            );
        }
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());

    // A secret field's bad value is not echoed.
    let out = against(
        &mock,
        &["call", "createUser", "password=hunter2", "password=again"],
    )
    .await;
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);

    // Missing credentials: a usage error naming the variable, after the arguments checked.
    let out = tokio::task::spawn_blocking(|| {
        let mut cmd = crate::support::command(&["call", "getUser", "userId=1"], None);
        cmd.env_remove("GENAUTH_ACCESS_KEY_SECRET");
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GENAUTH_ACCESS_KEY_SECRET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transport_failure_exits_3() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let out = run_async(
        &["call", "getUser", "userId=1", "--timeout", "5"],
        Some(&host),
    )
    .await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("transport") || out.stderr.contains("timed out"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_override_the_environment() {
    use genauth::Brand;
    use genauth::testing::{MOCK_ACCESS_KEY_ID, MOCK_ACCESS_KEY_SECRET};

    // --host wins over GENAUTH_HOST (here a port nobody listens on).
    let mock = MockApi::start().await.unwrap();
    mock.respond_data("get_user", &json!({"userId": "u1"}))
        .unwrap();
    let out = run_async(
        &["call", "getUser", "userId=u1", "--host", mock.base_url()],
        Some("http://127.0.0.1:9"),
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);

    // --auth-mode token: one token fetch, then a bearer token (the mock checks it).
    let out = against(
        &mock,
        &["call", "getUser", "userId=u1", "--auth-mode", "token"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(mock.requests().iter().all(|r| r.authenticated));

    // --brand authing: the signature an Authing mock accepts.
    let authing = MockApi::start_with(Brand::Authing, MOCK_ACCESS_KEY_ID, MOCK_ACCESS_KEY_SECRET)
        .await
        .unwrap();
    authing
        .respond_data("get_user", &json!({"userId": "u1"}))
        .unwrap();
    let out = against(&authing, &["call", "getUser", "userId=u1"]).await;
    assert_eq!(
        out.code, 1,
        "a GenAuth signature is refused: {}",
        out.stderr
    );
    let out = against(
        &authing,
        &["call", "getUser", "userId=u1", "--brand", "authing"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(authing.requests().last().unwrap().authenticated);

    let out = against(&mock, &["call", "getUser", "userId=u1", "--brand", "acme"]).await;
    assert_eq!(out.code, 2);
}
