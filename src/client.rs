//! The client type and its views: every inherent method of [`ManagementClient`] outside the
//! generated operations is here; the features' own modules (`events`, `publish`, `request`)
//! do the work.
//!
//! The top of the layering: this module uses the builder and the feature modules, and none
//! of them uses it. A call goes from a generated `send` to `ClientState::respond` (`send.rs`)
//! and returns from there, with [`Error`] as the only error type.

use std::time::Duration;

#[cfg(feature = "events")]
use crate::DEFAULT_EVENT_SOURCE;
use crate::auth::brand_header;
use crate::builder::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, LANG_HEADER, TENANT_HEADER, positive,
    tenant_value,
};
#[cfg(feature = "events")]
use crate::events::{EventStream, SubscribeOptions};
use crate::generated::Client;
use crate::request::RawRequest;
use crate::send::CallOptions;
#[cfg(feature = "events")]
use crate::types;
use crate::{Brand, Error, Lang, ManagementClientBuilder, RetryPolicy};
#[cfg(feature = "events")]
use serde::Serialize;

/// The client of the GenAuth Management API: every operation is a method (bring the traits in
/// with `use genauth::prelude::*`). Cheap to clone; clones share one connection pool and one
/// token cache.
pub type ManagementClient = Client;

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
        self.inner.shared.endpoint.host()
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

    /// A view of this client that acts for tenant `tenant_id`: every call it makes sends it as
    /// the tenant header (`x-genauth-app-id`, or `x-authing-app-id`), in place of the one the
    /// builder set. Views share the connection pool, the token cache and the rate, so one
    /// client serves many tenants. An id that cannot be a header value, or an empty one, is an
    /// [`Error::Config`].
    ///
    /// ```no_run
    /// # async fn run(client: genauth::ManagementClient) -> Result<(), genauth::Error> {
    /// use genauth::prelude::*;
    ///
    /// for tenant in ["tenant-a", "tenant-b"] {
    ///     let acting = client.with_tenant(tenant)?;
    ///     acting.get_user().user_id("u1").send().await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_tenant(&self, tenant_id: &str) -> Result<Self, Error> {
        if tenant_id.is_empty() {
            return Err(Error::Config("tenant id is empty".into()));
        }
        let value = tenant_value(tenant_id)?;
        let name = brand_header(self.brand(), TENANT_HEADER);
        Ok(self.view(|call| call.set_header(name, value)))
    }

    /// A view of this client whose calls ask for messages in `lang`, sharing everything else
    /// with it (see [`with_tenant`](Self::with_tenant)).
    pub fn with_lang(&self, lang: Lang) -> Self {
        let name = brand_header(self.brand(), LANG_HEADER);
        self.view(|call| call.set_header(name, http::HeaderValue::from_static(lang.as_str())))
    }

    /// A signed request to `path` (e.g. `/api/v3/list-departments`), for operations this
    /// crate has no method for. See [`RawRequest`].
    pub fn request(&self, method: http::Method, path: &str) -> RawRequest<'_> {
        RawRequest::new(self, method, path)
    }

    /// Subscribes to the events with this code (e.g. `authing.user.created`), with the default
    /// [`SubscribeOptions`].
    ///
    /// ```no_run
    /// # async fn run(client: genauth::ManagementClient) -> Result<(), genauth::Error> {
    /// use futures_util::StreamExt as _;
    ///
    /// let mut events = client.subscribe("authing.user.created");
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     println!("{:?} from {:?}: {}", event.event_type, event.source, event.data);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "events")]
    pub fn subscribe(&self, event_code: &str) -> EventStream {
        self.subscribe_with(event_code, SubscribeOptions::default())
    }

    /// Subscribes to the events with this code, with these options. See [`EventStream`] for
    /// what the stream yields and when it ends.
    #[cfg(feature = "events")]
    pub fn subscribe_with(&self, event_code: &str, options: SubscribeOptions) -> EventStream {
        let shared = &self.inner.shared;
        crate::events::subscribe(
            &shared.events,
            shared.brand,
            &shared.credentials,
            event_code,
            options,
        )
    }

    /// Publishes a custom event: `data` is serialised to JSON and sent as the string
    /// `eventData`, with `source` [`DEFAULT_EVENT_SOURCE`]. A write: retried only when the
    /// client's policy retries writes.
    ///
    /// ```no_run
    /// # async fn run(client: genauth::ManagementClient) -> Result<(), genauth::Error> {
    /// let answer = client
    ///     .publish_event("my_app.order.paid", &serde_json::json!({ "orderId": "o-1" }))
    ///     .await?;
    /// assert!(answer.data.success);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "events")]
    pub async fn publish_event<T: Serialize + ?Sized>(
        &self,
        event_type: &str,
        data: &T,
    ) -> Result<types::PubEventRespDto, Error> {
        self.publish_event_from(DEFAULT_EVENT_SOURCE, event_type, data)
            .await
    }

    /// [`publish_event`](Self::publish_event) with another `source`.
    #[cfg(feature = "events")]
    pub async fn publish_event_from<T: Serialize + ?Sized>(
        &self,
        source: &str,
        event_type: &str,
        data: &T,
    ) -> Result<types::PubEventRespDto, Error> {
        crate::publish::publish(self, source, event_type, data).await
    }

    fn view(&self, change: impl FnOnce(&mut CallOptions)) -> Self {
        let mut inner = self.inner.clone();
        change(&mut inner.call);
        Client { inner }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
