//! The client type, the state its clones share, and per-call views.
//!
//! build.rs ends every generated operation's `send` with `ClientState::respond` (`send.rs`):
//! the fixed headers, authentication, attempts, retries, the success rule and decoding, with
//! [`Error`] as the only error type. progenitor's hooks are not used.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue};
use progenitor_client::ClientHooks;

use crate::auth::{Credentials, SignedNames};
use crate::builder::{DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, positive};
use crate::generated::Client;
use crate::token::TokenCache;
use crate::{AuthMode, Brand, Error, ManagementClientBuilder, RetryPolicy};

/// The client of the GenAuth Management API: every operation is a method (bring the traits in
/// with `use genauth::prelude::*`). Cheap to clone; clones share one connection pool and one
/// token cache.
pub type ManagementClient = Client;

/// Source of the `date` header; replaceable (feature `test-util`) so tests can pin signatures.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
/// Source of the signature nonce; replaceable (feature `test-util`) so tests can pin
/// signatures.
pub type NonceSource = Arc<dyn Fn() -> String + Send + Sync>;

/// What the generated client carries besides its connection pool. An implementation detail:
/// it is public only because the generated code names it.
#[derive(Clone)]
pub struct ClientState {
    pub(crate) shared: Arc<Shared>,
    pub(crate) call: CallOptions,
}

/// What a client view may change per call without touching the shared state.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallOptions {
    pub(crate) retry: RetryPolicy,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
}

/// The settings and caches every clone of a client shares.
pub(crate) struct Shared {
    pub(crate) brand: Brand,
    pub(crate) credentials: Credentials,
    pub(crate) auth_mode: AuthMode,
    /// The user pool header in token mode, when set explicitly.
    pub(crate) userpool_id: Option<HeaderValue>,
    pub(crate) fixed_headers: HeaderMap,
    pub(crate) host: String,
    /// `host` parsed once; each request's URL is a copy with the operation's path set.
    pub(crate) base_url: reqwest::Url,
    /// The path of `host`, without a trailing `/` (empty for most hosts); operation paths
    /// go after it.
    pub(crate) base_path: String,
    /// Headers a request carries at most in the usual case: the fixed ones, what the
    /// generated code adds and the signature's. Header maps start with this much room.
    pub(crate) header_room: usize,
    pub(crate) clock: Clock,
    pub(crate) nonce: NonceSource,
    pub(crate) tokens: TokenCache,
    pub(crate) max_response_bytes: usize,
    pub(crate) names: SignedNames,
    /// HMAC-SHA1 keyed with the access key secret, cloned per signature.
    pub(crate) mac: hmac::Hmac<sha1::Sha1>,
    /// What the `authorization` value has before the signature: `<scheme> <accessKeyId>:`.
    pub(crate) auth_prefix: String,
    /// The timeout the HTTP client applies to a request that sets none of its own.
    pub(crate) http_timeout: Duration,
    /// The last `date` header made and the second it is for: one formatting per second.
    pub(crate) date: std::sync::Mutex<Option<(u64, HeaderValue)>>,
    /// Where and how event subscriptions connect.
    #[cfg(feature = "events")]
    pub(crate) events: crate::events::EventsConfig,
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("ClientState")
            .field("brand", &s.brand)
            .field("host", &s.host)
            .field("auth_mode", &s.auth_mode)
            .field("credentials", &s.credentials)
            .field("retry", &self.call.retry)
            .field("attempt_timeout", &self.call.attempt_timeout)
            .field("total_timeout", &self.call.total_timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder for a [`ManagementClient`].
    pub fn builder() -> ManagementClientBuilder {
        ManagementClientBuilder::default()
    }

    /// A client configured from `GENAUTH_*` environment variables (see
    /// [`ManagementClientBuilder::from_env`]).
    pub fn from_env() -> Result<Self, Error> {
        ManagementClientBuilder::from_env().build()
    }

    /// The brand this client speaks to.
    pub fn brand(&self) -> Brand {
        self.inner.shared.brand
    }

    /// The API host this client sends to, without a trailing slash.
    pub fn host(&self) -> &str {
        &self.baseurl
    }

    /// The host event subscriptions connect to, without a trailing slash.
    #[cfg(feature = "events")]
    pub fn events_host(&self) -> &str {
        &self.inner.shared.events.host
    }

    /// The retry policy of this client.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.call.retry
    }

    /// A view of this client with another retry policy, for one call or a group of calls. It
    /// shares the connection pool and the token cache.
    ///
    /// ```no_run
    /// # async fn run(client: genauth::ManagementClient) -> Result<(), genauth::Error> {
    /// use genauth::RetryPolicy;
    /// use genauth::prelude::*;
    ///
    /// // Never retry this read, whatever the client's policy.
    /// let once = client.with_retry_policy(RetryPolicy::none());
    /// once.get_otp_secret_by_user().user_id("u1").send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Self {
        self.view(|call| call.retry = policy)
    }

    /// A view of this client that also retries writes, for calls the caller knows are safe to
    /// repeat. Same as `with_retry_policy(self.retry_policy().retry_writes(true))`.
    pub fn retrying_writes(&self) -> Self {
        self.view(|call| call.retry = call.retry.retry_writes(true))
    }

    /// A view of this client with other per-attempt and total timeouts, validated as the
    /// builder validates them: zero is an [`Error::Config`].
    pub fn with_timeouts(&self, attempt: Duration, total: Duration) -> Result<Self, Error> {
        let attempt = positive("attempt timeout", Some(attempt), DEFAULT_ATTEMPT_TIMEOUT)?;
        let total = positive("total timeout", Some(total), DEFAULT_TOTAL_TIMEOUT)?;
        Ok(self.view(|call| {
            call.attempt_timeout = attempt;
            call.total_timeout = total;
        }))
    }

    fn view(&self, change: impl FnOnce(&mut CallOptions)) -> Self {
        let mut inner = self.inner.clone();
        change(&mut inner.call);
        Client {
            baseurl: self.baseurl.clone(),
            client: self.client.clone(),
            inner,
        }
    }
}

impl ClientState {
    /// A request to `path` on the client's host (the path as sent: parameters escaped, no
    /// query). The host is not parsed again: the URL is a copy of the parsed host with the
    /// path set, and the header map has room for every header the request gets.
    pub(crate) fn new_request(&self, method: reqwest::Method, path: &str) -> reqwest::Request {
        let shared = &self.shared;
        let mut url = shared.base_url.clone();
        if shared.base_path.is_empty() {
            url.set_path(path);
        } else {
            url.set_path(&[shared.base_path.as_str(), path].concat());
        }
        let mut request = reqwest::Request::new(method, url);
        *request.headers_mut() = HeaderMap::with_capacity(shared.header_room);
        request
    }

    /// The start of a generated operation's request: [`new_request`](Self::new_request) as a
    /// builder. build.rs puts this call in every operation.
    pub(crate) fn start(
        &self,
        http: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        reqwest::RequestBuilder::from_parts(http.clone(), self.new_request(method, path))
    }
}

impl Shared {
    /// What every request gets before the send loop: the fixed headers and literal brackets in
    /// array keys.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request) {
        literal_brackets(request.url_mut());
        for (name, value) in &self.fixed_headers {
            request.headers_mut().insert(name, value.clone());
        }
    }
}

/// Writes bracket-form array keys (`userIds%5B%5D=a`) with literal brackets (`userIds[]=a`), as
/// the official SDKs send them. Only a key can produce `%5B%5D=`: inside a value `=` is `%3D`.
pub(crate) fn literal_brackets(url: &mut reqwest::Url) {
    if let Some(query) = url.query().filter(|q| q.contains("%5B%5D=")) {
        let rewritten = query.replace("%5B%5D=", "[]=");
        url.set_query(Some(&rewritten));
    }
}

/// progenitor's generated code asserts that the hooks exist; build.rs replaced every call to
/// them, so the defaults stay unused.
impl ClientHooks<ClientState> for Client {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_become_literal_in_keys_only() {
        let mut url =
            reqwest::Url::parse("https://h/p?userIds%5B%5D=a&userIds%5B%5D=b%5B%5D%3D&x=1")
                .unwrap();
        literal_brackets(&mut url);
        assert_eq!(url.query(), Some("userIds[]=a&userIds[]=b%5B%5D%3D&x=1"));
        let mut plain = reqwest::Url::parse("https://h/p?a=1").unwrap();
        literal_brackets(&mut plain);
        assert_eq!(plain.query(), Some("a=1"));
    }

    #[test]
    fn views_validate_timeouts_like_the_builder() {
        let client = Client::builder()
            .access_key_id("AK")
            .access_key_secret("SK")
            .host("http://127.0.0.1:9")
            .build()
            .unwrap();
        let err = client
            .with_timeouts(Duration::ZERO, Duration::from_secs(1))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("attempt timeout must be above zero"),
            "{err}"
        );
        let view = client
            .with_timeouts(Duration::from_secs(2), Duration::MAX)
            .unwrap();
        assert_eq!(view.inner.call.attempt_timeout, Duration::from_secs(2));
        assert_eq!(view.inner.call.total_timeout, Duration::MAX);
    }
}
