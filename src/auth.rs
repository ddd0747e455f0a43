//! Credentials and the management-token cache.
//!
//! The cache fetches one token however many calls wait for it (single flight behind an async
//! mutex), refreshes it a margin before it expires, forgets it when the server rejects it, and
//! never keeps a failed fetch. It never logs a request body or a token.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use tokio::sync::Mutex;

use crate::SensitiveString;

/// An access key: the id is public, the secret never prints.
#[derive(Clone)]
pub struct Credentials {
    pub(crate) access_key_id: String,
    pub(crate) access_key_secret: SensitiveString,
}

impl Credentials {
    /// Pairs an access key id with its secret.
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<SensitiveString>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
        }
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret)
            .finish()
    }
}

/// How long before its expiry a token is replaced.
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A token in force.
#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) value: SensitiveString,
    pub(crate) userpool_id: Option<String>,
    expires_at: Instant,
}

impl Token {
    pub(crate) fn new(value: String, expires_in: Duration) -> Self {
        let userpool_id = scoped_userpool_id(&value);
        Self {
            value: value.into(),
            userpool_id,
            expires_at: Instant::now() + expires_in,
        }
    }

    fn fresh(&self) -> bool {
        Instant::now() + REFRESH_MARGIN < self.expires_at
    }
}

/// The cached token shared by every clone of a client.
#[derive(Clone, Default)]
pub(crate) struct TokenCache {
    slot: Arc<Mutex<Option<Token>>>,
}

impl TokenCache {
    /// The current token, fetching one with `fetch` when there is none or it is about to
    /// expire. Concurrent callers wait for the one fetch in progress.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Token, String>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Token, String>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(token) = slot.as_ref().filter(|t| t.fresh()) {
            return Ok(token.clone());
        }
        *slot = None;
        let token = fetch().await?;
        *slot = Some(token.clone());
        Ok(token)
    }

    /// Drops `rejected` if it is still the cached token (a concurrent refresh may already
    /// have replaced it).
    pub(crate) async fn invalidate(&self, rejected: &SensitiveString) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|t| &t.value == rejected) {
            *slot = None;
        }
    }
}

/// The `scoped_userpool_id` claim of a JWT, read without verification (the server verifies;
/// we only need the value for a header).
fn scoped_userpool_id(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get("scoped_userpool_id")?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_pool_claim_and_redacts() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"scoped_userpool_id":"pool-9"}"#);
        let jwt = format!("e30.{payload}.sig");
        let token = Token::new(jwt.clone(), Duration::from_secs(7200));
        assert_eq!(token.userpool_id.as_deref(), Some("pool-9"));
        assert!(token.fresh());
        assert_eq!(scoped_userpool_id("not-a-jwt"), None);
        let creds = Credentials::new("AK", "SK-secret");
        assert!(!format!("{creds:?}").contains("SK-secret"));
        // A token that lives shorter than the margin is never considered fresh.
        assert!(!Token::new(jwt, Duration::from_secs(30)).fresh());
    }
}
