//! How a request proves who sends it: [`Auth`] is either the AK/SK signature (the HMAC key,
//! the brand's header names, the `date` header cache) or the management token (its cache).
//! It sits on `transport` and `token`; the send loop calls it once per attempt.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderName, HeaderValue};

use crate::config::Credentials;
use crate::signing::QueryText;
use crate::token::{Token, TokenCache, fetch_token};
use crate::transport::{Endpoint, Query};
use crate::{AuthMode, Brand, Error};

/// Source of the `date` header; replaceable (feature `test-util`) so tests can pin signatures.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
/// Source of the signature nonce; replaceable (feature `test-util`) so tests can pin
/// signatures.
pub type NonceSource = Arc<dyn Fn() -> String + Send + Sync>;

/// The client's authentication: its settings and the state they need (signature key and
/// names, date cache, token cache).
pub(crate) struct Auth {
    pub(crate) brand: Brand,
    pub(crate) mode: AuthMode,
    pub(crate) credentials: Credentials,
    /// The user pool header in token mode, when set explicitly.
    userpool_id: Option<HeaderValue>,
    /// The limit on one token fetch: the client's, whichever view's call starts the fetch.
    token_fetch_timeout: Duration,
    names: SignedNames,
    /// HMAC-SHA1 keyed with the access key secret, cloned per signature.
    mac: hmac::Hmac<sha1::Sha1>,
    /// What the `authorization` value has before the signature: `<scheme> <accessKeyId>:`.
    auth_prefix: String,
    /// The last `date` header made and the second it is for: one formatting per second.
    date: Mutex<Option<(u64, HeaderValue)>>,
    /// The time: for `date` and for `retry-after` dates.
    pub(crate) clock: Clock,
    nonce: NonceSource,
    tokens: TokenCache,
}

impl Auth {
    /// The authentication for these settings; nothing is fetched yet.
    pub(crate) fn new(
        brand: Brand,
        mode: AuthMode,
        credentials: Credentials,
        userpool_id: Option<HeaderValue>,
        token_fetch_timeout: Duration,
        clock: Option<Clock>,
        nonce: Option<NonceSource>,
    ) -> Self {
        Self {
            brand,
            mode,
            mac: crate::signing::keyed_mac(credentials.access_key_secret.expose_secret()),
            auth_prefix: format!(
                "{} {}:",
                brand.signature_scheme(),
                credentials.access_key_id
            ),
            credentials,
            userpool_id,
            token_fetch_timeout,
            names: SignedNames::new(brand),
            date: Mutex::new(None),
            clock: clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
            nonce: nonce.unwrap_or_else(|| Arc::new(random_nonce)),
            tokens: TokenCache::default(),
        }
    }

    /// The current management token, waiting for it until `deadline` at most. A fetch runs
    /// within the client's token fetch timeout, whoever starts it; `seen` is the call's memory
    /// of the last failure it received.
    pub(crate) async fn token(
        &self,
        http: &reqwest::Client,
        endpoint: &Arc<Endpoint>,
        deadline: Option<Instant>,
        seen: &mut Option<u64>,
    ) -> Result<Token, Error> {
        let fetch = || {
            let future = fetch_token(
                endpoint.clone(),
                self.credentials.clone(),
                http.clone(),
                self.token_fetch_timeout,
            );
            Box::pin(future) as futures_core::future::BoxFuture<'static, _>
        };
        // Boxed: most calls find a cached token, and the wait would make every call's future
        // larger.
        Box::pin(self.tokens.get(fetch, deadline, seen)).await
    }

    /// Forgets the token sent as `rejected`, if it is still the cached one.
    pub(crate) fn forget_token(&self, rejected: &HeaderValue) {
        self.tokens.invalidate(rejected);
    }
}

/// The brand's header names the signer sets on every request, made once.
struct SignedNames {
    nonce: HeaderName,
    method: HeaderName,
    version: HeaderName,
    userpool: HeaderName,
}

impl SignedNames {
    fn new(brand: Brand) -> Self {
        let name = |suffix: &str| {
            HeaderName::try_from(format!("{}{suffix}", brand.header_prefix()))
                .expect("brand prefixes make valid header names")
        };
        Self {
            nonce: name("signature-nonce"),
            method: name("signature-method"),
            version: name("signature-version"),
            userpool: name("userpool-id"),
        }
    }
}

/// The `date` header for `now`, clamped to what an HTTP date can say (1970 to 9999): a clock
/// set before 1970 signs with the epoch instead of panicking.
pub(crate) fn http_date(now: SystemTime) -> String {
    // 9999-12-31T23:59:59Z
    const LAST: Duration = Duration::from_secs(253_402_300_799);
    let since_epoch = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .min(LAST);
    httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + since_epoch)
}

/// 32 random lowercase hex characters.
fn random_nonce() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes: [u8; 16] = rand::random();
    let mut nonce = String::with_capacity(32);
    for b in bytes {
        nonce.push(char::from(HEX[usize::from(b >> 4)]));
        nonce.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    nonce
}

impl Auth {
    /// Adds `date`, nonce and signature headers over the request as it will be sent. The
    /// canonical string goes straight into the HMAC; the headers made here are the nonce and
    /// the `authorization` value, one allocation each.
    /// `query` is the generated operation's query pairs; without them (a request to any path)
    /// the URL's query is read.
    pub(crate) fn sign(
        &self,
        request: &mut reqwest::Request,
        query: Option<&Query>,
    ) -> Result<(), Error> {
        let date = self.date_header()?;
        let nonce = HeaderValue::from_maybe_shared(bytes::Bytes::from((self.nonce)()))
            .map_err(|_| Error::InvalidRequest("the nonce is not a valid header value".into()))?;
        let headers = request.headers_mut();
        headers.insert(http::header::DATE, date);
        headers.insert(self.names.nonce.clone(), nonce);
        headers.insert(
            self.names.method.clone(),
            HeaderValue::from_static("HMAC-SHA1"),
        );
        headers.insert(self.names.version.clone(), HeaderValue::from_static("1.0"));
        let body = request.body().and_then(reqwest::Body::as_bytes);
        let mut mac = self.mac.clone();
        crate::signing::write_string_to_sign(
            &mut mac,
            self.brand,
            request.method().as_str(),
            request.url().path(),
            request.headers(),
            match query {
                Some(query) => query.text(),
                None => QueryText::Encoded(request.url().query()),
            },
            body,
        )?;
        let signature = crate::signing::encode_signature(mac);
        let mut value = bytes::BytesMut::with_capacity(self.auth_prefix.len() + signature.len());
        value.extend_from_slice(self.auth_prefix.as_bytes());
        value.extend_from_slice(&signature);
        let mut value = HeaderValue::from_maybe_shared(value.freeze())
            .map_err(|_| Error::Auth("a credential is not a valid header value".into()))?;
        value.set_sensitive(true);
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value);
        Ok(())
    }

    /// The `date` header for the clock's current second, formatted once per second.
    fn date_header(&self) -> Result<HeaderValue, Error> {
        let now = (self.clock)();
        let second = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut cached = self
            .date
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, value)) = cached.as_ref()
            && *at == second
        {
            return Ok(value.clone());
        }
        let value = HeaderValue::from_str(&http_date(now))
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        *cached = Some((second, value.clone()));
        Ok(value)
    }

    /// Adds the bearer token and the user pool header.
    pub(crate) fn apply_token(&self, request: &mut reqwest::Request, token: &Token) {
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, token.header.clone());
        let pool = match &self.userpool_id {
            Some(pool) => Some(pool),
            None => token.userpool.as_ref(),
        };
        if let Some(pool) = pool {
            request
                .headers_mut()
                .insert(self.names.userpool.clone(), pool.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_never_panic() {
        let before_epoch = SystemTime::UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(http_date(before_epoch), "Thu, 01 Jan 1970 00:00:00 GMT");
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 40);
        assert_eq!(http_date(far), "Fri, 31 Dec 9999 23:59:59 GMT");
    }

    #[test]
    fn nonces_are_32_lowercase_hex() {
        let n = random_nonce();
        assert_eq!(n.len(), 32);
        assert!(
            n.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(n, random_nonce());
    }
}
