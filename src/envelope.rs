//! The response envelope every Management API call answers with.
//!
//! `{statusCode, message, apiCode?, requestId?, data}`: the API reports failure in the body,
//! often with HTTP 200, so a decoded response is not yet a success. `build.rs` implements
//! [`Envelope`] for every generated response type of that shape.

/// A decoded response envelope of the Management API.
pub trait Envelope {
    /// The type of the envelope's `data` field.
    type Data;
    /// The business status: 200 means success.
    fn status_code(&self) -> Option<i64>;
    /// The fine-grained error code the API sets on failure.
    fn api_code(&self) -> Option<i64>;
    /// The human-readable outcome.
    fn message(&self) -> Option<&str>;
    /// The server's id for the request.
    fn request_id(&self) -> Option<&str>;
    /// Consumes the envelope, returning `data` whatever the status.
    fn into_data(self) -> Self::Data;
}
