use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

use super::*;

const SECRET: &str = "wh-s3cret-value";

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        // `from_bytes` takes any case and stores the name in lower case, as servers do.
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        map.append(name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn json_headers(secret_header: &str, secret: &str) -> HeaderMap {
    headers(&[
        (secret_header, secret),
        ("content-type", "application/json"),
    ])
}

fn verify(headers: &HeaderMap, body: &str) -> Result<Delivery, WebhookError> {
    WebhookVerifier::new(SECRET).verify(headers, body.as_bytes())
}

const TEST_EVENT: &str = r#"{"eventName":"test","data":{}}"#;

#[test]
fn each_secret_header_is_accepted_in_any_case() {
    for name in [
        "x-authing-webhook-secret",
        "X-Authing-Webhook-Secret",
        "x-authing-token",
        "X-Authing-Token",
        "x-genauth-token",
        "X-GenAuth-Token",
    ] {
        let delivery = verify(&json_headers(name, SECRET), TEST_EVENT)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(delivery.event.name, Events::Test, "{name}");
    }
}

#[test]
fn secret_problems_are_refused_with_401() {
    let wrong = |h: &HeaderMap| verify(h, TEST_EVENT).unwrap_err();
    // None of the three headers.
    let e = wrong(&headers(&[("content-type", "application/json")]));
    assert_eq!(e, WebhookError::MissingSecret);
    assert_eq!(e.http_status(), StatusCode::UNAUTHORIZED);
    // A wrong value, a prefix, an extension, another case, an empty value.
    for forged in [
        "nope",
        "wh-s3cret-valu",
        "wh-s3cret-value2",
        "WH-S3CRET-VALUE",
        "",
    ] {
        let e = wrong(&json_headers("x-authing-token", forged));
        assert_eq!(e, WebhookError::WrongSecret, "{forged:?}");
        assert_eq!(e.http_status(), StatusCode::UNAUTHORIZED);
    }
    // Two headers present: both must hold the secret, whichever one is wrong.
    let mixed = [
        [
            ("x-authing-webhook-secret", SECRET),
            ("x-authing-token", "forged"),
        ],
        [
            ("x-authing-webhook-secret", "forged"),
            ("x-authing-token", SECRET),
        ],
        [("x-genauth-token", SECRET), ("x-authing-token", "forged")],
    ];
    for pair in mixed {
        assert_eq!(
            wrong(&headers(&pair)),
            WebhookError::WrongSecret,
            "{pair:?}"
        );
    }
    // The same header twice, once wrong.
    let twice = headers(&[("x-authing-token", SECRET), ("x-authing-token", "forged")]);
    assert_eq!(wrong(&twice), WebhookError::WrongSecret);
    // Two headers that both hold it pass (the log sample shows such a delivery).
    let both = headers(&[
        ("x-authing-webhook-secret", SECRET),
        ("x-authing-token", SECRET),
    ]);
    assert!(verify(&both, TEST_EVENT).is_ok());
}

#[test]
fn the_secret_is_checked_before_anything_else() {
    let verifier = WebhookVerifier::new(SECRET).max_body_bytes(4);
    let forged = json_headers("x-authing-token", "forged");
    // Too large and unreadable, but the sender is told only that the secret is wrong.
    let e = verifier.verify(&forged, b"not json at all").unwrap_err();
    assert_eq!(e, WebhookError::WrongSecret);
}

#[test]
fn an_empty_secret_refuses_everything() {
    for secret in ["", "  \n"] {
        let verifier = WebhookVerifier::new(secret);
        for value in ["", "anything"] {
            let e = verifier
                .verify(
                    &json_headers("x-authing-token", value),
                    TEST_EVENT.as_bytes(),
                )
                .unwrap_err();
            assert_eq!(e, WebhookError::NoSecret);
            assert_eq!(e.http_status(), StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
    // Surrounding whitespace of the configured secret is not part of it.
    let verifier = WebhookVerifier::new(format!("{SECRET}\n"));
    let ok = verifier.verify(
        &json_headers("x-authing-token", SECRET),
        TEST_EVENT.as_bytes(),
    );
    assert!(ok.is_ok());
}

#[test]
fn body_limit() {
    let h = json_headers("x-authing-token", SECRET);
    let verifier = WebhookVerifier::new(SECRET);
    assert_eq!(verifier.body_limit(), DEFAULT_MAX_BODY_BYTES);
    assert_eq!(DEFAULT_MAX_BODY_BYTES, 1 << 20);
    let exact = TEST_EVENT.len();
    let verifier = verifier.max_body_bytes(exact);
    assert!(verifier.verify(&h, TEST_EVENT.as_bytes()).is_ok());
    let verifier = WebhookVerifier::new(SECRET).max_body_bytes(exact - 1);
    let e = verifier.verify(&h, TEST_EVENT.as_bytes()).unwrap_err();
    assert_eq!(e, WebhookError::TooLarge { limit: exact - 1 });
    assert_eq!(e.http_status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn unreadable_bodies_are_400_and_quote_nothing() {
    let h = json_headers("x-authing-token", SECRET);
    let cases = [
        (
            r#"{"eventName":"test","data":{"password":"pw-123"#,
            "ends early",
        ),
        (r#"{"eventName":"test", password-xyz}"#, "line 1, column 22"),
        (r#"["eventName","test"]"#, "not an object"),
        ("password-xyz=1", "not valid JSON"),
        ("", "ends early"),
    ];
    for (body, says) in cases {
        let e = verify(&h, body).unwrap_err();
        assert!(matches!(e, WebhookError::Unreadable(_)), "{body}: {e:?}");
        assert_eq!(e.http_status(), StatusCode::BAD_REQUEST);
        let text = format!("{e} {e:?}");
        assert!(text.contains(says), "{body}: {text}");
        assert!(
            !text.contains("password") && !text.contains("pw-"),
            "{text}"
        );
    }
    // An event name that is missing, not text, or empty.
    for body in [
        r#"{"data":{}}"#,
        r#"{"eventName":7,"data":{}}"#,
        r#"{"eventName":null}"#,
        r#"{"eventName":""}"#,
        r#"{"event":"test"}"#,
    ] {
        let e = verify(&h, body).unwrap_err();
        assert_eq!(e, WebhookError::MissingEventName, "{body}");
        assert_eq!(e.http_status(), StatusCode::BAD_REQUEST);
    }
}

#[test]
fn content_types_other_than_a_form_are_read_as_json() {
    for content_type in [
        None,
        Some("application/json; charset=utf-8"),
        Some("text/plain"),
    ] {
        let mut h = headers(&[("x-authing-token", SECRET)]);
        if let Some(content_type) = content_type {
            h.insert("content-type", content_type.parse().unwrap());
        }
        let delivery = verify(&h, TEST_EVENT).unwrap();
        assert_eq!(delivery.event.name, Events::Test, "{content_type:?}");
    }
    // A form content type does not read a JSON body.
    let h = headers(&[
        ("x-authing-token", SECRET),
        ("content-type", "application/x-www-form-urlencoded"),
    ]);
    assert_eq!(
        verify(&h, TEST_EVENT).unwrap_err(),
        WebhookError::MissingEventName
    );
}

fn form(body: &str) -> Result<Delivery, WebhookError> {
    let h = headers(&[
        ("x-authing-webhook-secret", SECRET),
        (
            "Content-Type",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
        ),
    ]);
    verify(&h, body)
}

fn raw_data(delivery: &Delivery) -> &Value {
    match &delivery.event.data {
        EventData::Raw(value) => value,
        other => panic!("expected Raw, got {other:?}"),
    }
}

#[test]
fn form_bodies() {
    // `data` holding JSON text is decoded; percent escapes and `+` are undone.
    let d = form("eventName=test&data=%7B%22note%22%3A%22a+b%26c%22%7D").unwrap();
    assert_eq!(d.event.name, Events::Test);
    assert_eq!(raw_data(&d), &json!({"note": "a b&c"}));
    // `data` that is not JSON stays a string; no `data` is null; other fields are ignored.
    let d = form("data=plain+text&eventName=login&extra=1").unwrap();
    assert_eq!(d.event.name, Events::Login);
    assert_eq!(raw_data(&d), &json!("plain text"));
    let d = form("eventName=test&&other").unwrap();
    assert_eq!(raw_data(&d), &Value::Null);
    // A user event from a form decodes as one.
    let user = serde_json::to_string(&json!({"userId": "u-1", "email": "a@example.com"})).unwrap();
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("eventName", "user:created")
        .append_pair("data", &user)
        .finish();
    let d = form(&body).unwrap();
    assert!(matches!(&d.event.data, EventData::User(u) if u.user_id == "u-1"));
    // Refused: no or empty name, a field twice, bytes that are not UTF-8.
    assert_eq!(
        form("data=%7B%7D").unwrap_err(),
        WebhookError::MissingEventName
    );
    assert_eq!(
        form("eventName=").unwrap_err(),
        WebhookError::MissingEventName
    );
    assert_eq!(form("").unwrap_err(), WebhookError::MissingEventName);
    for body in [
        "eventName=test&eventName=login",
        "eventName=test&data=1&data=2",
        "eventName=%FF",
    ] {
        let e = form(body).unwrap_err();
        assert!(matches!(e, WebhookError::Unreadable(_)), "{body}: {e:?}");
    }
}

#[test]
fn event_names_known_and_unknown() {
    let h = json_headers("x-authing-token", SECRET);
    let d = verify(&h, r#"{"eventName":"mfa:verified"}"#).unwrap();
    assert_eq!(d.event.name, Events::MfaVerified);
    assert_eq!(raw_data(&d), &Value::Null);
    let d = verify(
        &h,
        r#"{"eventName":"user:teleported","data":{"to":"mars"}}"#,
    )
    .unwrap();
    assert_eq!(d.event.name, Events::UnknownValue("user:teleported".into()));
    assert_eq!(d.event.name.to_string(), "user:teleported");
    assert_eq!(raw_data(&d), &json!({"to": "mars"}));
}

#[test]
fn user_events_decode_leniently_or_stay_raw() {
    let h = json_headers("x-authing-token", SECRET);
    // Lenient like API answers: a number as a string; unknown fields are ignored.
    let body = json!({"eventName": "user:created", "data": {
        "userId": "u-1", "username": "ada", "loginsCount": "3", "notInTheSpec": true}});
    let d = verify(&h, &body.to_string()).unwrap();
    let EventData::User(user) = &d.event.data else {
        panic!("{:?}", d.event.data)
    };
    assert_eq!((user.user_id.as_str(), user.logins_count), ("u-1", Some(3)));
    assert_eq!(user.username.as_deref(), Some("ada"));

    let body = json!({"eventName": "user:updated", "data": {
        "user": {"userId": "u-2"}, "updates": {"nickname": "Ada"}}});
    let d = verify(&h, &body.to_string()).unwrap();
    let EventData::UserUpdated { user, updates } = &d.event.data else {
        panic!("{:?}", d.event.data)
    };
    assert_eq!(user.user_id, "u-2");
    assert_eq!(updates, &json!({"nickname": "Ada"}));

    // Shapes that are not a user: kept as sent, the delivery still passes.
    for (name, data) in [
        ("user:created", json!("u-1")),
        ("user:created", json!({"username": "no id"})),
        ("user:created", json!({"userId": 5})),
        ("user:updated", json!({"userId": "u-2"})),
        ("user:updated", json!({"user": {"userId": "u-2"}})),
        ("user:updated", json!({"user": [], "updates": {}})),
        // Only the two documented user events are typed.
        ("user:deleted", json!({"userId": "u-3"})),
    ] {
        let body = json!({"eventName": name, "data": data});
        let d = verify(&h, &body.to_string()).unwrap();
        assert_eq!(raw_data(&d), &data, "{name}");
    }
}

#[test]
fn delivery_keeps_the_body_and_the_user_pool() {
    let mut h = json_headers("x-authing-token", SECRET);
    h.insert("x-authing-userpool-id", "pool-1".parse().unwrap());
    let body = "{ \"eventName\" : \"test\" ,\n \"data\": {\"k\": 1.50} }\n";
    let d = verify(&h, body).unwrap();
    assert_eq!(&d.raw[..], body.as_bytes());
    assert_eq!(d.userpool_id.as_deref(), Some("pool-1"));
    h.insert("x-authing-userpool-id", "".parse().unwrap());
    assert_eq!(verify(&h, body).unwrap().userpool_id, None);
}

#[test]
fn the_secret_is_never_shown() {
    let verifier = WebhookVerifier::new(SECRET).max_body_bytes(10);
    let shown = format!("{verifier:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(
        shown.contains("[REDACTED]") && shown.contains("10"),
        "{shown}"
    );
    // Nor is the value a sender tried, in any error.
    let near = "wh-s3cret-valuX";
    let mut errors = vec![
        verify(&json_headers("x-authing-token", near), TEST_EVENT).unwrap_err(),
        verify(&headers(&[]), TEST_EVENT).unwrap_err(),
        WebhookVerifier::new("")
            .verify(&headers(&[]), b"")
            .unwrap_err(),
    ];
    let h = json_headers("x-authing-token", SECRET);
    errors.push(verifier.verify(&h, TEST_EVENT.as_bytes()).unwrap_err());
    errors.push(verify(&h, &format!("{{\"eventName\": \"{SECRET}")).unwrap_err());
    for e in errors {
        let text = format!("{e} {e:?}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}
