//! A stand-in for the Management API, for testing code that uses this crate without the
//! network (feature `test-util`).
//!
//! [`MockApi`] listens on `127.0.0.1`, checks every request's signature (or management token)
//! the way the API does, answers each operation with what the test set for it, and records
//! every request.
//!
//! [`MockApi::start_raw`] starts it in raw mode instead: a handler of yours sees each request
//! and answers with the exact bytes to write back ([`MockReply`]), for tests of how the client
//! copes with what a broken server or network does (slow answers, resets, truncated or
//! malformed responses).
//!
//! ```
//! use genauth::prelude::*;
//! use genauth::testing::{MockApi, MockFailure};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockApi::start().await?;
//! mock.respond_data("get_otp_secret_by_user", &serde_json::json!({"secret": "JBSWY3DPEHPK3PXP"}))?;
//! mock.fail_next("get_otp_secret_by_user", MockFailure::Http(503))?;
//!
//! let client = mock.client_builder().build()?;
//! // The 503 is retried (a read), then the canned answer arrives.
//! let otp = client.get_otp_secret_by_user().user_id("u1").send().await?.into_data()?;
//! assert_eq!(otp.secret.expose_secret(), "JBSWY3DPEHPK3PXP");
//!
//! let requests = mock.requests();
//! assert_eq!(requests.len(), 2);
//! assert!(requests.iter().all(|r| r.authenticated));
//! assert_eq!(requests[1].query.as_deref(), Some("userId=u1"));
//! # Ok(())
//! # }
//! ```

mod reply;
mod request;
mod server;

use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;

use crate::operations::{self, Operation};
use crate::{Brand, Error, ManagementClient, ManagementClientBuilder, SensitiveString};

pub use reply::{MockFailure, MockReply};
pub use request::MockRequest;
use server::{Canned, Inner, Mode, serve};

/// The access key id [`MockApi::start`] accepts.
pub const MOCK_ACCESS_KEY_ID: &str = "mock-access-key-id";
/// The access key secret [`MockApi::start`] accepts.
pub const MOCK_ACCESS_KEY_SECRET: &str = "mock-access-key-secret";
/// The management token the mock issues in token mode.
const MOCK_TOKEN: &str = "mock-management-token";

/// A loopback stand-in for the API; it stops when dropped. See the [module docs](self).
pub struct MockApi {
    base_url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for MockApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockApi")
            .field("base_url", &self.base_url)
            .field("brand", &self.inner.brand)
            .finish_non_exhaustive()
    }
}

impl Drop for MockApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockApi {
    /// Starts a GenAuth-brand mock accepting [`MOCK_ACCESS_KEY_ID`] and
    /// [`MOCK_ACCESS_KEY_SECRET`]. Needs a Tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Brand::GenAuth, MOCK_ACCESS_KEY_ID, MOCK_ACCESS_KEY_SECRET).await
    }

    /// Starts a mock for `brand` that accepts this access key.
    pub async fn start_with(
        brand: Brand,
        access_key_id: &str,
        access_key_secret: &str,
    ) -> std::io::Result<Self> {
        Self::launch(Mode::Api, brand, access_key_id, access_key_secret).await
    }

    /// Starts a mock in raw mode: `handler` sees each request and its number (from 1, in the
    /// order the requests were read) and returns the bytes to write back, with an optional
    /// delay and a reset instead of a normal close ([`MockReply`]). Nothing is checked;
    /// [`requests`](Self::requests) lists every request (authorization header included), so
    /// its length counts them. [`client_builder`](Self::client_builder) works as after
    /// [`start`](Self::start); answers set with [`respond`](Self::respond) and failures queued
    /// with [`fail_next`](Self::fail_next) are not used. Needs a Tokio runtime.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use genauth::prelude::*;
    /// use genauth::testing::{MockApi, MockReply};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A slow 503, a reset, then an answer.
    /// let mock = MockApi::start_raw(|_request, n| match n {
    ///     1 => MockReply::json(503, "{}").after(Duration::from_millis(50)),
    ///     2 => MockReply::raw("HTTP/1.1 200 OK\r\n").then_reset(),
    ///     _ => MockReply::json(200, r#"{"statusCode":200,"message":"ok","data":{"secret":"S"}}"#),
    /// })
    /// .await?;
    /// let client = mock.client_builder().build()?;
    /// let otp = client.get_otp_secret_by_user().user_id("u1").send().await?.into_data()?;
    /// assert_eq!(otp.secret.expose_secret(), "S");
    /// assert_eq!(mock.requests().len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_raw<F>(handler: F) -> std::io::Result<Self>
    where
        F: Fn(&MockRequest, usize) -> MockReply + Send + Sync + 'static,
    {
        Self::launch(
            Mode::Raw(Arc::new(handler)),
            Brand::GenAuth,
            MOCK_ACCESS_KEY_ID,
            MOCK_ACCESS_KEY_SECRET,
        )
        .await
    }

    async fn launch(
        mode: Mode,
        brand: Brand,
        access_key_id: &str,
        access_key_secret: &str,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let inner = Arc::new(Inner {
            mode,
            brand,
            access_key_id: access_key_id.to_string(),
            access_key_secret: SensitiveString::from(access_key_secret.to_string()),
            state: Mutex::default(),
        });
        let serving = inner.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inner = serving.clone();
                tokio::spawn(async move { serve(stream, &inner).await });
            }
        });
        Ok(Self {
            base_url,
            inner,
            task,
        })
    }

    /// The mock's address, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A client builder pointed at the mock, with its brand and access key. Add settings
    /// (auth mode, retry policy, ...) before `build()`.
    pub fn client_builder(&self) -> ManagementClientBuilder {
        ManagementClient::builder()
            .brand(self.inner.brand)
            .access_key_id(&self.inner.access_key_id)
            .access_key_secret(self.inner.access_key_secret.clone())
            .host(&self.base_url)
    }

    /// Answers every call of `operation` (a client method name such as `list_users`) with
    /// `body`, serialised as the whole response body (typically the operation's typed
    /// response, e.g. `types::UserSingleRespDto`).
    pub fn respond<T: serde::Serialize>(&self, operation: &str, body: &T) -> Result<(), Error> {
        let op = known(operation)?;
        let text = serde_json::to_string(body)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialise the answer: {e}")))?;
        self.inner
            .state()
            .answers
            .insert(op.method, Canned::Body(text));
        Ok(())
    }

    /// Answers every call of `operation` with the body `make` returns for the request, e.g. a
    /// page of a list that depends on the request's `page`. `make` runs on the mock's task,
    /// after the signature check and any queued [`fail_next`](Self::fail_next) failure.
    ///
    /// ```
    /// # use genauth::testing::MockApi;
    /// # async fn run(mock: MockApi) -> Result<(), genauth::Error> {
    /// mock.respond_with("list_groups", |request| {
    ///     let page = request.query_value("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
    ///     serde_json::json!({"statusCode": 200, "message": "ok",
    ///         "data": {"totalCount": 0, "list": [], "page": page}})
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn respond_with<F>(&self, operation: &str, make: F) -> Result<(), Error>
    where
        F: Fn(&MockRequest) -> serde_json::Value + Send + Sync + 'static,
    {
        let op = known(operation)?;
        self.inner
            .state()
            .answers
            .insert(op.method, Canned::Made(Arc::new(make)));
        Ok(())
    }

    /// Answers every call of `operation` with a success envelope whose `data` is `data`.
    pub fn respond_data<T: serde::Serialize>(
        &self,
        operation: &str,
        data: &T,
    ) -> Result<(), Error> {
        let data = serde_json::to_value(data)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialise the answer: {e}")))?;
        self.respond(
            operation,
            &serde_json::json!({
                "statusCode": 200,
                "message": "ok",
                "requestId": "mock-request",
                "data": data,
            }),
        )
    }

    /// Serves `failure` to the next call of `operation`, before its canned answer. Several
    /// failures queue up in order.
    pub fn fail_next(&self, operation: &str, failure: MockFailure) -> Result<(), Error> {
        let op = known(operation)?;
        self.inner
            .state()
            .failures
            .entry(op.method)
            .or_default()
            .push_back(failure);
        Ok(())
    }

    /// Every API request received so far, in order (management-token fetches are not listed).
    /// In raw mode, every request.
    pub fn requests(&self) -> Vec<MockRequest> {
        self.inner.state().requests.clone()
    }
}

fn known(operation: &str) -> Result<&'static Operation, Error> {
    operations::by_method(operation).ok_or_else(|| {
        Error::InvalidRequest(format!("`{operation}` is not an operation of this client"))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::MockApi;
    use crate::{ManagementClient, RetryPolicy};

    /// A mock and a client of it that makes one attempt per call.
    pub(crate) async fn mock_client() -> (MockApi, ManagementClient) {
        let mock = MockApi::start().await.unwrap();
        let client = mock
            .client_builder()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        (mock, client)
    }
}
