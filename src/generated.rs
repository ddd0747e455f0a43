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

#[cfg(test)]
mod tests {
    use super::{OPEN_ENUM_COUNT, OPEN_ENUMS};

    #[test]
    fn every_string_enum_keeps_unknown_values_and_known_ones_as_before() {
        assert_eq!(OPEN_ENUMS.len(), OPEN_ENUM_COUNT);
        if cfg!(feature = "all-groups") {
            assert!(OPEN_ENUM_COUNT >= 140, "{OPEN_ENUM_COUNT} string enums");
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

#[cfg(test)]
mod fail_closed {
    use serde_json::json;

    use crate::testing::MockApi;
    use crate::{Error, RetryPolicy};

    /// Every operation, through the same `respond` and `Call` its `send` ends with: an answer
    /// that does not prove success is an error for each one, whatever its type (those with no
    /// `data` included). Before the success rule, `{}` and an envelope without `statusCode`
    /// were Ok for the 55 operations whose answer has no `data`.
    #[tokio::test]
    async fn an_answer_that_is_not_a_success_fails_every_operation() {
        let mock = MockApi::start().await.unwrap();
        let client = mock
            .client_builder()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
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
            for (name, call) in super::EVERY_OPERATION {
                let result = call(&client).await;
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
            }
        }
        // Every call reached the server: nothing was refused before sending.
        assert_eq!(mock.requests().len(), 5 * all.len());
    }
}
