//! `events`: the NDJSON line of an event (unit level).

use genauth_cli::events::event_object;
use serde_json::json;

#[test]
fn an_event_is_one_json_line() {
    let line = event_object(
        Some("authing.user.created"),
        Some("genauth"),
        Some(&json!(1700000000000u64)),
        &json!({"userId": "u1", "note": "two\nlines"}),
    )
    .to_string();
    assert!(!line.contains('\n'));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&line).unwrap(),
        json!({"eventType": "authing.user.created", "source": "genauth",
            "time": 1700000000000u64, "data": {"userId": "u1", "note": "two\nlines"}})
    );
    let empty = event_object(None, None, None, &serde_json::Value::Null);
    assert_eq!(
        empty,
        json!({"eventType": null, "source": null, "time": null, "data": null})
    );
}
