//! How a request proves who sends it. An [`Authenticator`] is one of the two modes: the AK/SK
//! [`Signer`] (the HMAC key, the brand's header names, the `date` header cache) or the
//! management token ([`TokenAuth`]: its settings, over the shared [`TokenCache`] of `token`).
//! The send loop calls [`Authenticator::authenticate`] once per attempt.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderName, HeaderValue};

use crate::config::Credentials;
use crate::endpoint::{Endpoint, Query};
use crate::signing::QueryText;
use crate::token::{TokenCache, fetch_token};
use crate::{AuthMode, Brand, Error};

/// Source of the `date` header; replaceable (feature `test-util`) so tests can pin signatures.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
/// Source of the signature nonce; replaceable (feature `test-util`) so tests can pin
/// signatures.
pub type NonceSource = Arc<dyn Fn() -> String + Send + Sync>;

/// How each attempt of a call is authenticated.
pub(crate) enum Authenticator {
    /// A fresh AK/SK signature per attempt.
    Signature(Signer),
    /// The cached management token.
    Token(TokenAuth),
}

/// What one attempt needs besides its request: the client's HTTP client and endpoint (for a
/// token fetch), the clock (for a signature's `date`), the call's deadline and its memory of
/// token failures.
pub(crate) struct Attempt<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) endpoint: &'a Arc<Endpoint>,
    pub(crate) clock: &'a Clock,
    pub(crate) deadline: Option<Instant>,
    /// The generation of the last token fetch failure this call received, so that its retry
    /// fetches anew.
    pub(crate) seen_failure: &'a mut Option<u64>,
}

impl Authenticator {
    /// The authenticator for `mode`; nothing is fetched yet.
    pub(crate) fn new(
        brand: Brand,
        mode: AuthMode,
        credentials: &Credentials,
        userpool_id: Option<HeaderValue>,
        token_fetch_timeout: Duration,
        nonce: Option<NonceSource>,
    ) -> Self {
        match mode {
            AuthMode::ManagementToken => Self::Token(TokenAuth {
                credentials: credentials.clone(),
                userpool_id,
                userpool_header: brand_header(brand, "userpool-id"),
                fetch_timeout: token_fetch_timeout,
                cache: TokenCache::default(),
            }),
            _ => Self::Signature(Signer::new(brand, credentials, nonce)),
        }
    }

    /// The mode this authenticator stands for.
    pub(crate) fn mode(&self) -> AuthMode {
        match self {
            Self::Signature(_) => AuthMode::Signature,
            Self::Token(_) => AuthMode::ManagementToken,
        }
    }

    /// Authenticates `request` for one attempt. Returns the token it carries, if any, so that
    /// a refusal can drop exactly that token ([`forget`](Self::forget)).
    pub(crate) async fn authenticate(
        &self,
        request: &mut reqwest::Request,
        query: Option<&Query>,
        attempt: Attempt<'_>,
    ) -> Result<Option<HeaderValue>, Error> {
        match self {
            Self::Signature(signer) => signer
                .sign(request, query, (attempt.clock)())
                .map(|()| None),
            Self::Token(tokens) => tokens.apply(request, attempt).await.map(Some),
        }
    }

    /// Forgets the token sent as `rejected`, if it is still the cached one.
    pub(crate) fn forget(&self, rejected: &HeaderValue) {
        if let Self::Token(tokens) = self {
            tokens.cache.invalidate(rejected);
        }
    }
}

/// Management-token authentication: the settings of a fetch and the cache every clone shares.
pub(crate) struct TokenAuth {
    credentials: Credentials,
    /// The user pool header, when set explicitly (else the token's claim is sent).
    userpool_id: Option<HeaderValue>,
    userpool_header: HeaderName,
    /// The limit on one token fetch: the client's, whichever view's call starts the fetch.
    fetch_timeout: Duration,
    cache: TokenCache,
}

impl TokenAuth {
    /// Adds the current token and the user pool header to `request`, waiting for a fetch until
    /// the call's deadline at most; returns the `authorization` value sent.
    async fn apply(
        &self,
        request: &mut reqwest::Request,
        attempt: Attempt<'_>,
    ) -> Result<HeaderValue, Error> {
        let fetch = || {
            let future = fetch_token(
                attempt.endpoint.clone(),
                self.credentials.clone(),
                attempt.http.clone(),
                self.fetch_timeout,
            );
            Box::pin(future) as futures_core::future::BoxFuture<'static, _>
        };
        // Boxed: most calls find a cached token, and the wait would make every call's future
        // larger.
        let token = Box::pin(
            self.cache
                .get(fetch, attempt.deadline, attempt.seen_failure),
        )
        .await?;
        let headers = request.headers_mut();
        headers.insert(http::header::AUTHORIZATION, token.header.clone());
        if let Some(pool) = self.userpool_id.as_ref().or(token.userpool.as_ref()) {
            headers.insert(self.userpool_header.clone(), pool.clone());
        }
        Ok(token.header)
    }
}

/// The header `<brand prefix><suffix>`.
pub(crate) fn brand_header(brand: Brand, suffix: &str) -> HeaderName {
    HeaderName::try_from(format!("{}{suffix}", brand.header_prefix()))
        .expect("brand prefixes make valid header names")
}

/// AK/SK signing: the key, the header names and the `date` header of the current second.
pub(crate) struct Signer {
    brand: Brand,
    names: SignedNames,
    /// HMAC-SHA1 keyed with the access key secret, cloned per signature.
    mac: hmac::Hmac<sha1::Sha1>,
    /// What the `authorization` value has before the signature: `<scheme> <accessKeyId>:`.
    auth_prefix: String,
    /// The last `date` header made and the second it is for: one formatting per second.
    date: Mutex<Option<(u64, HeaderValue)>>,
    nonce: NonceSource,
}

impl Signer {
    fn new(brand: Brand, credentials: &Credentials, nonce: Option<NonceSource>) -> Self {
        Self {
            brand,
            names: SignedNames::new(brand),
            mac: crate::signing::keyed_mac(credentials.access_key_secret.expose_secret()),
            auth_prefix: format!(
                "{} {}:",
                brand.signature_scheme(),
                credentials.access_key_id
            ),
            date: Mutex::new(None),
            nonce: nonce.unwrap_or_else(|| Arc::new(random_nonce)),
        }
    }
}

/// The brand's header names the signer sets on every request, made once.
struct SignedNames {
    nonce: HeaderName,
    method: HeaderName,
    version: HeaderName,
}

impl SignedNames {
    fn new(brand: Brand) -> Self {
        Self {
            nonce: brand_header(brand, "signature-nonce"),
            method: brand_header(brand, "signature-method"),
            version: brand_header(brand, "signature-version"),
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

impl Signer {
    /// Adds `date` (for `now`), nonce and signature headers over the request as it will be sent. The
    /// canonical string goes straight into the HMAC; the headers made here are the nonce and
    /// the `authorization` value, one allocation each.
    /// `query` is the generated operation's query pairs; without them (a request to any path)
    /// the URL's query is read.
    pub(crate) fn sign(
        &self,
        request: &mut reqwest::Request,
        query: Option<&Query>,
        now: SystemTime,
    ) -> Result<(), Error> {
        let date = self.date_header(now)?;
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
            .map_err(|_| Error::auth("a credential is not a valid header value"))?;
        value.set_sensitive(true);
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value);
        Ok(())
    }

    /// The `date` header for `now`, formatted once per second.
    fn date_header(&self, now: SystemTime) -> Result<HeaderValue, Error> {
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
