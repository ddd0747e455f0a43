//! The code progenitor generates from `openapi/management-v3.json` at build time.
//!
//! Nothing here is written by hand; `build.rs` writes it to `$OUT_DIR/codegen.rs`. The lints
//! allowed below are the generator's style, not ours.
#![allow(
    missing_docs,
    unused_imports,
    clippy::all,
    clippy::pedantic,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// A generated setter's conversion: `value` as `T`, or `message` followed by the conversion's
/// error (build.rs puts this in the setters in place of a closure each).
#[inline]
pub(crate) fn converted<V, T>(value: V, message: &str) -> Result<T, String>
where
    V: TryInto<T>,
    V::Error: std::fmt::Display,
{
    value.try_into().map_err(|e| format!("{message}: {e}"))
}

/// A generated operation's body, built: the builder's value converted to the body type, or
/// `Error::InvalidRequest` with what was missing or wrong (build.rs puts this in every `send`
/// that has a body, in place of two closures each).
#[inline]
pub(crate) fn built<T, B>(body: Result<B, String>) -> Result<T, crate::Error>
where
    T: TryFrom<B>,
    T::Error: std::fmt::Display,
{
    body.and_then(|v| T::try_from(v).map_err(|e| e.to_string()))
        .map_err(crate::Error::InvalidRequest)
}

/// [`converted`] for the setters whose message says it all.
#[inline]
pub(crate) fn converted_quietly<V, T>(value: V, message: &str) -> Result<T, String>
where
    V: TryInto<T>,
{
    value.try_into().map_err(|_| message.to_string())
}

#[cfg(test)]
mod tests {
    use super::{OPEN_ENUM_COUNT, OPEN_ENUMS};

    #[test]
    fn every_string_enum_keeps_unknown_values_and_known_ones_as_before() {
        // The table leaves out the enums only requests send (they cannot be decoded).
        assert!(OPEN_ENUMS.len() <= OPEN_ENUM_COUNT);
        if cfg!(feature = "all-groups") {
            assert!(OPEN_ENUM_COUNT >= 140, "{OPEN_ENUM_COUNT} string enums");
            assert!(OPEN_ENUMS.len() >= 80, "{} decodable", OPEN_ENUMS.len());
        }
        for (name, known, round_trip) in OPEN_ENUMS {
            let (json, shown, unknown) = round_trip("a-value-from-the-future");
            assert!(unknown, "{name}");
            assert_eq!(json, "\"a-value-from-the-future\"", "{name}");
            assert_eq!(shown, "a-value-from-the-future", "{name}");
            let (json, shown, unknown) = round_trip(known);
            assert!(!unknown, "{name}: `{known}` is a known value");
            assert_eq!(json, format!("{known:?}"), "{name}");
            assert_eq!(shown, *known, "{name}");
        }
    }
}

/// The setters' shared conversions ([`converted`], [`converted_quietly`]): a value a setter
/// cannot convert fails the call with the setter's message, before anything is sent.
#[cfg(all(test, feature = "all-groups"))]
mod setters {
    use crate::prelude::*;

    #[tokio::test]
    async fn a_value_a_setter_cannot_convert_fails_the_call_unsent() {
        let (mock, client) = crate::testing::tests::mock_client().await;
        // An operation's own setter: its message alone.
        let err = client
            .get_otp_secret_by_user()
            .user_id("u-1")
            .user_id_type("no-such-type")
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, crate::Error::InvalidRequest(m)
                if m == "conversion to `UserIdType` for user_id_type failed"),
            "{err:?}"
        );
        // A body builder's setter: its message, then the conversion's error.
        let err = client
            .add_whitelist()
            .body_map(|b| b.type_("no-such-type"))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, crate::Error::InvalidRequest(m)
                if m == "error converting supplied value for type_: invalid value"),
            "{err:?}"
        );
        assert!(mock.requests().is_empty());
    }
}

// The types below belong to groups the default features turn on.
#[cfg(all(test, feature = "all-groups"))]
mod written_decoders {
    use serde_json::json;

    use super::types::{CreateDataResourceRespDto, IsSuccessRespDto};

    /// A generated answer type read through its written decoder: JSON names, lenient numbers
    /// and booleans, unknown fields skipped, defaults for what is left out.
    #[test]
    fn an_answer_decodes_as_with_the_derive() {
        let answer: IsSuccessRespDto = serde_json::from_value(json!({
            "statusCode": "200",
            "apiCode": null,
            "message": "ok",
            "data": {"success": "true", "extra": [1, {"a": 2}]},
            "addedLater": {"nested": true}
        }))
        .unwrap();
        assert_eq!(answer.status_code, 200);
        assert_eq!(answer.api_code, None);
        assert_eq!(answer.message, "ok");
        assert!(answer.data.success);
        assert_eq!(answer.request_id, None);
        // From bytes, where keys are borrowed.
        let answer: IsSuccessRespDto =
            serde_json::from_slice(br#"{"statusCode":200,"requestId":"r-1"}"#).unwrap();
        assert_eq!(answer.request_id.as_deref(), Some("r-1"));
        assert!(!answer.data.success);
    }

    /// The errors are serde's own: what the envelope reader and users see did not change.
    #[test]
    fn missing_duplicate_and_mistyped_fields_fail_as_with_the_derive() {
        let e = serde_json::from_str::<IsSuccessRespDto>(r#"{"statusCode":200,"statusCode":1}"#)
            .unwrap_err();
        assert!(
            e.to_string().starts_with("duplicate field `statusCode`"),
            "{e}"
        );
        let e = serde_json::from_str::<IsSuccessRespDto>(r#"{"statusCode":"two hundred"}"#)
            .unwrap_err();
        assert!(
            e.to_string().contains("an integer or a string holding one"),
            "{e}"
        );
        let e = serde_json::from_str::<IsSuccessRespDto>(r#"[200]"#).unwrap_err();
        assert!(
            e.to_string().contains("expected struct IsSuccessRespDto"),
            "{e}"
        );
        // `data.struct` is required in this answer.
        let e = serde_json::from_value::<CreateDataResourceRespDto>(json!({
            "statusCode": 200, "data": {"resourceCode": "r"}
        }))
        .unwrap_err();
        assert!(e.to_string().starts_with("missing field `struct`"), "{e}");
    }
}

#[cfg(test)]
mod fail_closed {
    use serde_json::json;

    use crate::Error;

    /// An operation's call as its `send` makes it, from the request on: built on the client's
    /// host, sent through the loop, and ended as its `respond` ends (into its answer type).
    pub(super) async fn answer(
        client: &crate::ManagementClient,
        op: &crate::send::AnsweredOperation,
    ) -> Result<(), Error> {
        let request = client.inner.new_request(op.method.clone(), op.path);
        let query = crate::endpoint::Query::default();
        let reply = client.inner.send(request, Some(&query), op.call).await?;
        (op.decode)(reply)
    }

    /// Every operation, through the send loop with the `Call` its `send` ends with, and its
    /// answer type: an answer
    /// that does not prove success is an error for each one, whatever its type (those with no
    /// `data` included). Before the success rule, `{}` and an envelope without `statusCode`
    /// were Ok for the 55 operations whose answer has no `data`.
    #[tokio::test]
    async fn an_answer_that_is_not_a_success_fails_every_operation() {
        let (mock, client) = crate::testing::tests::mock_client().await;
        let all = crate::operations::all();
        for body in [
            json!({}),
            json!({"message": "denied", "apiCode": 40301}),
            json!({"statusCode": null, "data": {}}),
            json!({"statusCode": 403, "message": "no", "requestId": 7}),
            json!([{"statusCode": 200}]),
        ] {
            for op in all {
                mock.respond(op.method, &body).unwrap();
            }
            assert_eq!(super::EVERY_OPERATION.len(), all.len());
            for op in super::EVERY_OPERATION {
                let name = op.call.name();
                let result = answer(&client, op).await;
                let err = result.expect_err(&format!("{name} took {body} for a success"));
                let expected = if body.get("statusCode").is_some_and(|c| c == 403) {
                    matches!(
                        err,
                        Error::Api {
                            status_code: 403,
                            http_status: 200,
                            ..
                        }
                    )
                } else {
                    matches!(err, Error::Decode { status: 200, .. })
                };
                assert!(expected, "{name} with {body}: {err:?}");
                // Judged or decoded, the error names the operation whose call got it.
                assert_eq!(err.operation(), Some(name), "{body}: {err:?}");
            }
        }
        // Every call reached the server: nothing was refused before sending.
        assert_eq!(mock.requests().len(), 5 * all.len());
    }

    /// A second `statusCode` makes an answer unusable for every operation, whether or not its
    /// answer type has a `statusCode` field (the 10 without one used to take the quick
    /// success path and pass).
    #[tokio::test]
    async fn a_duplicated_status_code_fails_every_operation() {
        for body in [
            r#"{"statusCode":200,"statusCode":403,"message":"ok","data":{}}"#,
            r#"{"statusCode":200,"message":"ok","data":{},"statusCode":200}"#,
        ] {
            let mock = crate::testing::MockApi::start_raw(move |_, _| {
                crate::testing::MockReply::json(200, body)
            })
            .await
            .unwrap();
            let client = mock
                .client_builder()
                .retry_policy(crate::RetryPolicy::none())
                .build()
                .unwrap();
            for op in super::EVERY_OPERATION {
                let name = op.call.name();
                let result = answer(&client, op).await;
                let err = result.expect_err(&format!("{name} took {body} for a success"));
                assert!(
                    matches!(err, Error::Decode { status: 200, .. }),
                    "{name} with {body}: {err:?}"
                );
            }
            assert_eq!(mock.requests().len(), super::EVERY_OPERATION.len());
        }
    }
}

// The samples span every group.
#[cfg(all(test, feature = "all-groups"))]
mod published_samples {
    use serde_json::Value;

    use crate::Error;

    /// Samples that cannot decode, and why: each is refused by the success rule, as it must
    /// be, or shows a field's description in place of its value.
    const NOT_ANSWERS: [(&str, &str); 4] = [
        ("getPost", "the sample is the post itself, with no envelope"),
        (
            "getPostOfPublicUser",
            "the sample is a post, with no envelope",
        ),
        ("listOperateAll", "the sample is `{}`"),
        (
            "createField",
            "`data.format` shows the field's description, not a value",
        ),
    ];

    /// Where a decode error points (`data.list`, `data.items[0].tags`), as JSON keys and
    /// indexes.
    fn pointer(path: &str) -> Option<String> {
        let mut out = String::new();
        for part in path.split('.') {
            let (key, rest) = part.split_once('[').unwrap_or((part, ""));
            out.push('/');
            out.push_str(key);
            for index in rest.split('[') {
                let index = index.trim_end_matches(']');
                if !index.is_empty() {
                    out.push('/');
                    out.push_str(index);
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// Undoes, at the place `err` names, one artefact of the reference's sample generator: an
    /// array shown as its one element (`"list": {..}`), or an array of strings shown as a JSON
    /// string (`"ids": "[\"a\"]"`). `false` when the error is of another kind.
    fn undo_artefact(body: &mut Value, err: &Error) -> bool {
        let Error::Decode { message, .. } = err else {
            return false;
        };
        let Some((path, reason)) = message.split_once(": ") else {
            return false;
        };
        let Some(at) = pointer(path).and_then(|p| body.pointer_mut(&p)) else {
            return false;
        };
        if reason.starts_with("invalid type: map, expected a sequence") {
            *at = Value::Array(vec![at.take()]);
            return true;
        }
        if reason.starts_with("invalid type: string")
            && reason.contains("expected a sequence")
            && let Some(Ok(list @ Value::Array(_))) = at.as_str().map(serde_json::from_str::<Value>)
        {
            *at = list;
            return true;
        }
        false
    }

    /// The sample responses published in the API reference (`tests/samples/published/`, 59
    /// operations drawn at random, kept as published) go through each operation's own call:
    /// the success rule, then decoding into its type. The reference's generator writes an
    /// array as its one element and a string array as a JSON string; a sample that fails only
    /// for those is decoded again with them undone (each undone place is a real array in the
    /// same sample's own schema, so this checks the types, not the artefacts).
    #[tokio::test]
    async fn published_samples_decode_through_their_operations() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples/published");
        let (mock, client) = crate::testing::tests::mock_client().await;
        let (mut as_published, mut after_undo, mut refused) = (0, 0, Vec::new());
        let mut unexplained = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let id = path.file_stem().unwrap().to_str().unwrap().to_string();
            let op = crate::operations::all()
                .iter()
                .find(|op| op.id == id)
                .unwrap_or_else(|| panic!("{id} is not an operation"));
            let answered = super::EVERY_OPERATION
                .iter()
                .find(|a| a.call.name() == op.method)
                .unwrap();
            let mut body: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut undone = 0;
            // Each round undoes one artefact; a sample has a few at most.
            let outcome = loop {
                mock.respond(op.method, &body).unwrap();
                match super::fail_closed::answer(&client, answered).await {
                    Ok(()) => break Ok(()),
                    Err(e) if undone < 20 && undo_artefact(&mut body, &e) => undone += 1,
                    Err(e) => break Err(e),
                }
            };
            match (outcome, undone) {
                (Ok(()), 0) => as_published += 1,
                (Ok(()), _) => after_undo += 1,
                (Err(e), _) if NOT_ANSWERS.iter().any(|(known, _)| *known == id) => {
                    refused.push((id, e))
                }
                (Err(e), _) => unexplained.push(format!("{id}: {e}")),
            }
        }
        assert!(unexplained.is_empty(), "{unexplained:#?}");
        assert_eq!(refused.len(), NOT_ANSWERS.len(), "{refused:?}");
        assert_eq!(as_published + after_undo + refused.len(), 59);
        // The figures the changelog reports.
        assert_eq!((as_published, after_undo), (27, 28));
    }
}
