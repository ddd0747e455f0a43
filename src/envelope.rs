//! The response envelope every Management API call answers with.
//!
//! `{statusCode, message, apiCode?, requestId?, data}`: the API reports failure in the body,
//! often with HTTP 200, so a decoded response is not yet a success. `build.rs` implements
//! [`Envelope`] for every generated response type of that shape; [`ResponseExt::into_data`]
//! is the happy path.

use progenitor_client::ResponseValue;

use crate::Error;

/// A decoded response envelope of the Management API.
pub trait Envelope: Sized {
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
    fn take_data(self) -> Self::Data;

    /// `data` when `statusCode` is 200, otherwise [`Error::Api`].
    fn into_result(self, http_status: u16) -> Result<Self::Data, Error> {
        match self.status_code() {
            Some(200) => Ok(self.take_data()),
            code => Err(Error::Api {
                status_code: code.unwrap_or_default(),
                api_code: self.api_code(),
                message: self.message().unwrap_or_default().to_string(),
                request_id: self.request_id().map(str::to_string),
                http_status,
            }),
        }
    }
}

/// The happy path on a generated call's result.
pub trait ResponseExt {
    /// The envelope's payload.
    type Data;
    /// Returns `data` when the envelope's `statusCode` is 200, otherwise [`Error::Api`] with the
    /// envelope's code, message and request id.
    fn into_data(self) -> Result<Self::Data, Error>;
}

impl<T: Envelope> ResponseExt for ResponseValue<T> {
    type Data = T::Data;
    fn into_data(self) -> Result<T::Data, Error> {
        let status = self.status().as_u16();
        self.into_inner().into_result(status)
    }
}
