//! Publishing events: a typed helper over the `POST /api/v3/pub-event` operation.
//!
//! The generated operation (`verify_event`) takes a body without `source`, and `eventData` as
//! any JSON value, while the API expects `eventData` as a JSON string and a `source`. The
//! helper builds that body and sends it as a [`RawRequest`](crate::request::RawRequest), which
//! goes through the same send loop as every generated call (fixed headers, signature or token,
//! retries, one error type, in-body failures as `Error::Api`).

use serde::Serialize;

use crate::generated::Client as ManagementClient;
use crate::request::RawRequest;
use crate::{Error, types};

/// The `source` that [`ManagementClient::publish_event`](crate::ManagementClient::publish_event)
/// sends unless told otherwise.
pub const DEFAULT_EVENT_SOURCE: &str = "genauth-rust-sdk";

/// The wire body of `POST /api/v3/pub-event`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PubEventBody<'a> {
    event_type: &'a str,
    /// The payload, serialised to a JSON string.
    event_data: String,
    source: &'a str,
}

/// Sends `data` as the event `event_type` from `source` (see
/// [`ManagementClient::publish_event_from`](crate::ManagementClient::publish_event_from)).
pub(crate) async fn publish<T: Serialize + ?Sized>(
    client: &ManagementClient,
    source: &str,
    event_type: &str,
    data: &T,
) -> Result<types::PubEventRespDto, Error> {
    if event_type.is_empty() {
        return Err(Error::InvalidRequest("the event type is empty".into()));
    }
    let event_data = serde_json::to_string(data)
        .map_err(|e| Error::InvalidRequest(format!("cannot serialise the event data: {e}")))?;
    let body = PubEventBody {
        event_type,
        event_data,
        source,
    };
    RawRequest::new(client, http::Method::POST, "/api/v3/pub-event")
        .json(&body)
        .send()
        .await
}
