//! The client builder, the state every clone shares, and the hooks around each request.
//!
//! `pre` finishes the request the generated code built: fixed headers, then the signature or
//! the bearer token over the final URL and body. `exec` runs the attempts (see
//! [`ClientState::run`]): each one re-signed, timed and fully read, retried as the
//! [`RetryPolicy`] allows, and in token mode retried once with a fresh token after a 401.
//! `post` turns the failures `exec` can only describe (deadline, oversized body, failed
//! re-authentication) into [`Error`]s.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue};
use progenitor_client::{ClientHooks, ClientInfo, Error as GenError, OperationInfo};
use reqwest::ResponseBuilderExt as _;
use tracing::Instrument as _;

use crate::auth::{Credentials, Token, TokenCache};
use crate::error::{
    AUTH_MARK, BufferedBody, DECODE_MARK, EnvelopeHead, REQUEST_MARK, TIMEOUT_MARK, envelope_head,
    is_retryable_status, request_id_header, snippet,
};
use crate::generated::Client;
use crate::retry::parse_retry_after;
use crate::{AuthMode, Brand, Error, Lang, RetryPolicy, SensitiveString};

/// The client of the GenAuth Management API: every operation is a method (bring the traits in
/// with `use genauth::prelude::*`). Cheap to clone; clones share one connection pool and one
/// token cache.
pub type ManagementClient = Client;

/// Default limit on one attempt: connecting, sending and reading the whole response.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default limit on a whole call, every attempt and backoff included.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit on establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit on the size of a response body (64 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 << 20;

/// Source of the `date` header; replaceable so tests can pin the signature.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
/// Source of the signature nonce; replaceable so tests can pin the signature.
pub type NonceSource = Arc<dyn Fn() -> String + Send + Sync>;

/// Everything a client knows besides its connection pool. Shared by all clones.
#[derive(Clone)]
pub struct ClientState {
    shared: Arc<Shared>,
    call: CallOptions,
}

/// What a client view may change per call without touching the shared state.
#[derive(Clone, Copy, Debug)]
struct CallOptions {
    retry: RetryPolicy,
    attempt_timeout: Duration,
    total_timeout: Duration,
}

struct Shared {
    brand: Brand,
    credentials: Credentials,
    auth_mode: AuthMode,
    userpool_id: Option<String>,
    fixed_headers: HeaderMap,
    host: String,
    clock: Clock,
    nonce: NonceSource,
    tokens: TokenCache,
    max_response_bytes: usize,
    names: SignedNames,
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

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("ClientState")
            .field("brand", &s.brand)
            .field("host", &s.host)
            .field("auth_mode", &s.auth_mode)
            .field("credentials", &s.credentials)
            .field("userpool_id", &s.userpool_id)
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

    /// A view of this client with other per-attempt and total timeouts (zero durations are
    /// ignored).
    pub fn with_timeouts(&self, attempt: Duration, total: Duration) -> Self {
        self.view(|call| {
            if !attempt.is_zero() {
                call.attempt_timeout = attempt;
            }
            if !total.is_zero() {
                call.total_timeout = total;
            }
        })
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

/// Settings for a [`ManagementClient`]. Values set by method calls win over values read by
/// [`from_env`](Self::from_env), which win over the defaults.
#[derive(Default, Clone)]
pub struct ManagementClientBuilder {
    explicit: Settings,
    env: Settings,
    attempt_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<usize>,
    user_agent_suffix: Option<String>,
    proxy: Option<String>,
    danger_accept_invalid_certs: bool,
    auth_mode: Option<AuthMode>,
    userpool_id: Option<String>,
    clock: Option<Clock>,
    nonce: Option<NonceSource>,
}

#[derive(Default, Clone)]
struct Settings {
    access_key_id: Option<String>,
    access_key_secret: Option<SensitiveString>,
    host: Option<String>,
    tenant_id: Option<String>,
    lang: Option<Lang>,
    brand: Option<Brand>,
    env_error: Option<String>,
}

impl fmt::Debug for ManagementClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        f.debug_struct("ManagementClientBuilder")
            .field(
                "access_key_id",
                &pick(&self.explicit.access_key_id, &self.env.access_key_id),
            )
            .field(
                "access_key_secret",
                &self
                    .explicit
                    .access_key_secret
                    .as_ref()
                    .or(self.env.access_key_secret.as_ref()),
            )
            .field("host", &pick(&self.explicit.host, &self.env.host))
            .field(
                "tenant_id",
                &pick(&self.explicit.tenant_id, &self.env.tenant_id),
            )
            .field("auth_mode", &self.auth_mode)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .finish_non_exhaustive()
    }
}

impl ManagementClientBuilder {
    /// A builder preloaded from the environment: `GENAUTH_ACCESS_KEY_ID`,
    /// `GENAUTH_ACCESS_KEY_SECRET`, `GENAUTH_HOST`, `GENAUTH_TENANT_ID`, `GENAUTH_LANG`
    /// (`en-US`/`zh-CN`) and `GENAUTH_BRAND` (`genauth`/`authing`). Unset or empty variables
    /// are ignored; an unparsable one fails [`build`](Self::build) unless set explicitly.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut env = Settings {
            access_key_id: var("GENAUTH_ACCESS_KEY_ID"),
            access_key_secret: var("GENAUTH_ACCESS_KEY_SECRET").map(SensitiveString::from),
            host: var("GENAUTH_HOST"),
            tenant_id: var("GENAUTH_TENANT_ID"),
            ..Settings::default()
        };
        let mut errors = Vec::new();
        if let Some(v) = var("GENAUTH_LANG") {
            match v.parse() {
                Ok(l) => env.lang = Some(l),
                Err(e) => errors.push(format!("GENAUTH_LANG: {e}")),
            }
        }
        if let Some(v) = var("GENAUTH_BRAND") {
            match v.parse() {
                Ok(b) => env.brand = Some(b),
                Err(e) => errors.push(format!("GENAUTH_BRAND: {e}")),
            }
        }
        env.env_error = (!errors.is_empty()).then(|| errors.join("; "));
        Self {
            env,
            ..Self::default()
        }
    }

    /// The access key id (required).
    pub fn access_key_id(mut self, id: impl Into<String>) -> Self {
        self.explicit.access_key_id = Some(id.into());
        self
    }

    /// The access key secret (required). Never printed.
    pub fn access_key_secret(mut self, secret: impl Into<SensitiveString>) -> Self {
        self.explicit.access_key_secret = Some(secret.into());
        self
    }

    /// The brand; [`Brand::GenAuth`] by default.
    pub fn brand(mut self, brand: Brand) -> Self {
        self.explicit.brand = Some(brand);
        self
    }

    /// The API host, e.g. `https://api.genauth.ai` or a private deployment. Defaults to the
    /// brand's host.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.explicit.host = Some(host.into());
        self
    }

    /// The tenant id, sent as the `{prefix}app-id` header.
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.explicit.tenant_id = Some(tenant_id.into());
        self
    }

    /// The language of the API's messages; [`Lang::EnUs`] by default.
    pub fn lang(mut self, lang: Lang) -> Self {
        self.explicit.lang = Some(lang);
        self
    }

    /// How requests authenticate; [`AuthMode::Signature`] by default.
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.auth_mode = Some(mode);
        self
    }

    /// The user pool id sent in token mode. Defaults to the token's `scoped_userpool_id` claim.
    pub fn userpool_id(mut self, id: impl Into<String>) -> Self {
        self.userpool_id = Some(id.into());
        self
    }

    /// Limit on one attempt, from connecting to the last byte of the response; 30 s by
    /// default ([`DEFAULT_ATTEMPT_TIMEOUT`]).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Limit on a whole call, every attempt and backoff included; 60 s by default
    /// ([`DEFAULT_TOTAL_TIMEOUT`]). No retry starts that could not finish before it.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// Limit on establishing a connection; 10 s by default ([`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How failed calls are retried; [`RetryPolicy::default`] (reads only, 3 attempts) unless
    /// set. [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Largest response body accepted, in bytes; 64 MiB by default. A larger body fails the
    /// call with [`Error::Decode`] without being read to the end.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Text appended to the `user-agent`, e.g. `my-app/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends every request through this proxy URL.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Turns TLS certificate verification off. Only for test deployments with self-signed
    /// certificates: anyone on the path can then read and change the traffic. Logged as a
    /// warning when the client is built.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.danger_accept_invalid_certs = accept;
        self
    }

    /// Replaces the clock of the `date` header (tests pin signatures with it).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Replaces the source of signature nonces (tests pin signatures with it).
    pub fn nonce_source(mut self, nonce: NonceSource) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Validates the settings and builds the client. Nothing is sent.
    pub fn build(self) -> Result<ManagementClient, Error> {
        let e = &self.explicit;
        let env = &self.env;
        if let Some(err) = &env.env_error {
            // Explicit values make a bad environment variable irrelevant.
            let lang_bad = err.contains("GENAUTH_LANG") && e.lang.is_none();
            let brand_bad = err.contains("GENAUTH_BRAND") && e.brand.is_none();
            if lang_bad || brand_bad {
                return Err(Error::Config(err.clone()));
            }
        }
        let access_key_id = e
            .access_key_id
            .clone()
            .or_else(|| env.access_key_id.clone())
            .unwrap_or_default();
        if access_key_id.trim().is_empty() {
            return Err(Error::Config(
                "access key id is missing: call .access_key_id(..) or set GENAUTH_ACCESS_KEY_ID"
                    .into(),
            ));
        }
        if access_key_id.chars().any(|c| c.is_control() || c == ':') {
            return Err(Error::Config(
                "access key id contains a control character or `:`".into(),
            ));
        }
        let secret = e
            .access_key_secret
            .clone()
            .or_else(|| env.access_key_secret.clone())
            .unwrap_or_default();
        if secret.expose_secret().trim().is_empty() {
            return Err(Error::Config(
                "access key secret is missing: call .access_key_secret(..) or set GENAUTH_ACCESS_KEY_SECRET".into(),
            ));
        }
        let brand = e.brand.or(env.brand).unwrap_or_default();
        let lang = e.lang.or(env.lang).unwrap_or_default();
        let host = e
            .host
            .clone()
            .or_else(|| env.host.clone())
            .unwrap_or_else(|| brand.default_host().to_string());
        let host = validate_host(&host)?;
        let tenant_id = e.tenant_id.clone().or_else(|| env.tenant_id.clone());

        let prefix = brand.header_prefix();
        let mut fixed = HeaderMap::new();
        let header =
            |name: String| HeaderName::try_from(name).expect("static header names are valid");
        fixed.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        fixed.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        fixed.insert(
            header(format!("{prefix}sdk-version")),
            HeaderValue::from_static(concat!("genauth-rust-sdk:", env!("CARGO_PKG_VERSION"))),
        );
        fixed.insert(
            header(format!("{prefix}lang")),
            HeaderValue::from_static(lang.as_str()),
        );
        if let Some(tenant) = tenant_id.as_deref().filter(|t| !t.is_empty()) {
            let value = HeaderValue::from_str(tenant)
                .map_err(|_| Error::Config("tenant id is not a valid header value".into()))?;
            fixed.insert(header(format!("{prefix}app-id")), value);
        }

        let mut user_agent = concat!("genauth-rust-sdk/", env!("CARGO_PKG_VERSION")).to_string();
        if let Some(suffix) = self.user_agent_suffix.as_deref().filter(|s| !s.is_empty()) {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let positive = |name: &str, value: Option<Duration>, default: Duration| match value {
            Some(d) if d.is_zero() => Err(Error::Config(format!("{name} must be above zero"))),
            Some(d) => Ok(d),
            None => Ok(default),
        };
        let call = CallOptions {
            retry: self.retry.unwrap_or_default(),
            attempt_timeout: positive(
                "attempt timeout",
                self.attempt_timeout,
                DEFAULT_ATTEMPT_TIMEOUT,
            )?,
            total_timeout: positive("total timeout", self.total_timeout, DEFAULT_TOTAL_TIMEOUT)?,
        };
        let connect_timeout = positive(
            "connect timeout",
            self.connect_timeout,
            DEFAULT_CONNECT_TIMEOUT,
        )?;
        // Redirects are not followed: the API sends none, and a signature covers one path.
        // A 3xx comes back as `Error::Http`.
        let mut http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(proxy) = &self.proxy {
            let proxy = reqwest::Proxy::all(proxy.as_str())
                .map_err(|e| Error::Config(format!("invalid proxy URL: {e}")))?;
            http = http.proxy(proxy);
        }
        if self.danger_accept_invalid_certs {
            tracing::warn!(
                host = %host,
                "TLS certificate verification is OFF for this GenAuth client: traffic can be read and altered"
            );
            http = http.tls_danger_accept_invalid_certs(true);
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;

        let state = ClientState {
            shared: Arc::new(Shared {
                brand,
                credentials: Credentials {
                    access_key_id,
                    access_key_secret: secret,
                },
                auth_mode: self.auth_mode.unwrap_or_default(),
                userpool_id: self.userpool_id,
                fixed_headers: fixed,
                host: host.clone(),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
                nonce: self.nonce.unwrap_or_else(|| Arc::new(random_nonce)),
                tokens: TokenCache::default(),
                max_response_bytes: self
                    .max_response_bytes
                    .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                names: SignedNames::new(brand),
            }),
            call,
        };
        Ok(Client::new_with_client(&host, http, state))
    }
}

fn validate_host(host: &str) -> Result<String, Error> {
    let url = reqwest::Url::parse(host.trim())
        .map_err(|e| Error::Config(format!("host `{host}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "host `{host}` must be an http(s) URL such as https://api.genauth.ai"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "host `{host}` must not have a query or fragment"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
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

impl ClientState {
    /// Completes a request: headers, then signature or token. Errors carry a marker that
    /// `From<progenitor_client::Error>` turns back into the right variant.
    async fn prepare(
        &self,
        http: &reqwest::Client,
        request: &mut reqwest::Request,
    ) -> Result<(), String> {
        let s = &self.shared;
        // progenitor stamps the spec's info.version as `api-version`; the API has no such header.
        request.headers_mut().remove("api-version");
        literal_brackets(request.url_mut());
        // Room for the fixed and signature headers at once, instead of growing step by step.
        request.headers_mut().reserve(s.fixed_headers.len() + 6);
        for (name, value) in &s.fixed_headers {
            request.headers_mut().insert(name, value.clone());
        }
        match s.auth_mode {
            AuthMode::Signature => self.sign(request),
            AuthMode::ManagementToken => {
                // Boxed: the token fetch is a large future that most calls never run, and
                // keeping it inline would make every call's future larger.
                let token = Box::pin(s.tokens.get(|| self.fetch_token(http)))
                    .await
                    .map_err(|e| format!("{AUTH_MARK}{e}"))?;
                self.apply_token(request, &token)
            }
        }
    }

    fn sign(&self, request: &mut reqwest::Request) -> Result<(), String> {
        let s = &self.shared;
        let date = httpdate::fmt_http_date((s.clock)());
        let nonce = (s.nonce)();
        let headers = request.headers_mut();
        headers.insert(
            http::header::DATE,
            HeaderValue::from_str(&date).map_err(|e| format!("{REQUEST_MARK}{e}"))?,
        );
        headers.insert(
            s.names.nonce.clone(),
            HeaderValue::from_str(&nonce).map_err(|e| format!("{REQUEST_MARK}bad nonce: {e}"))?,
        );
        headers.insert(
            s.names.method.clone(),
            HeaderValue::from_static("HMAC-SHA1"),
        );
        headers.insert(s.names.version.clone(), HeaderValue::from_static("1.0"));
        let body = request.body().and_then(reqwest::Body::as_bytes);
        let sts = crate::signing::string_to_sign(
            s.brand,
            request.method().as_str(),
            request.url().path(),
            request.headers(),
            request.url().query(),
            body,
        )
        .map_err(|e| format!("{REQUEST_MARK}{e}"))?;
        let auth = crate::signing::authorization(
            s.brand,
            &s.credentials.access_key_id,
            s.credentials.access_key_secret.expose_secret(),
            &sts,
        );
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, sensitive_value(&auth)?);
        Ok(())
    }

    fn apply_token(&self, request: &mut reqwest::Request, token: &Token) -> Result<(), String> {
        let s = &self.shared;
        let bearer = format!("Bearer {}", token.value.expose_secret());
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, sensitive_value(&bearer)?);
        if let Some(pool) = s.userpool_id.as_deref().or(token.userpool_id.as_deref()) {
            let value = HeaderValue::from_str(pool)
                .map_err(|_| format!("{AUTH_MARK}user pool id is not a valid header value"))?;
            request
                .headers_mut()
                .insert(s.names.userpool.clone(), value);
        }
        Ok(())
    }

    /// `POST /api/v3/get-management-token`. Neither the body nor the answer is ever logged.
    async fn fetch_token(&self, http: &reqwest::Client) -> Result<Token, String> {
        let s = &self.shared;
        let body = serde_json::json!({
            "accessKeyId": s.credentials.access_key_id,
            "accessKeySecret": s.credentials.access_key_secret.expose_secret(),
        });
        let mut request = http
            .post(format!("{}/api/v3/get-management-token", s.host))
            .json(&body);
        for (name, value) in &s.fixed_headers {
            request = request.header(name, value.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("token request failed: {}", Error::transport(e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("token response unreadable: {}", Error::transport(e)))?;
        #[derive(serde::Deserialize)]
        struct TokenData {
            access_token: String,
            expires_in: f64,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct TokenEnvelope {
            status_code: Option<f64>,
            message: Option<String>,
            data: Option<TokenData>,
        }
        let envelope: TokenEnvelope = serde_json::from_slice(&bytes).map_err(|_| {
            format!("token endpoint answered HTTP {status} with a body that is not a token envelope: {}", snippet(&bytes))
        })?;
        match (envelope.status_code, envelope.data) {
            (Some(code), Some(data)) if code == 200.0 && !data.access_token.is_empty() => {
                let secs = if data.expires_in.is_finite() && data.expires_in > 0.0 {
                    data.expires_in
                } else {
                    0.0
                };
                Ok(Token::new(
                    data.access_token,
                    Duration::from_secs_f64(secs.min(1e9)),
                ))
            }
            (code, _) => Err(format!(
                "token endpoint refused (HTTP {status}, statusCode {}): {}",
                code.map(|c| c.to_string())
                    .unwrap_or_else(|| "missing".into()),
                envelope.message.unwrap_or_default()
            )),
        }
    }
}

fn sensitive_value(value: &str) -> Result<HeaderValue, String> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| format!("{AUTH_MARK}credential is not a valid header value"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// Writes bracket-form array keys (`userIds%5B%5D=a`) with literal brackets (`userIds[]=a`), as
/// the official SDKs send them. Only a key can produce `%5B%5D=`: inside a value `=` is `%3D`.
pub(crate) fn literal_brackets(url: &mut reqwest::Url) {
    if let Some(query) = url.query().filter(|q| q.contains("%5B%5D=")) {
        let rewritten = query.replace("%5B%5D=", "[]=");
        url.set_query(Some(&rewritten));
    }
}

/// How one attempt ended.
enum Attempt {
    /// A complete response, its body read into memory.
    Answered(reqwest::Response, bytes::Bytes),
    /// No complete response: connection, timeout, reset mid-body, ...
    Failed(reqwest::Error),
    /// A response whose body is over the size limit; not read further.
    TooLarge { status: u16, limit: usize },
}

/// Sends one request and reads the whole response, up to `limit` bytes. A failed response
/// keeps its body in the extensions so the error can show the start of it.
async fn attempt(http: &reqwest::Client, request: reqwest::Request, limit: usize) -> Attempt {
    let mut response = match http.execute(request).await {
        Ok(response) => response,
        Err(e) => return Attempt::Failed(e),
    };
    let status = response.status();
    let too_large = Attempt::TooLarge {
        status: status.as_u16(),
        limit,
    };
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return too_large;
    }
    // Most bodies arrive as one chunk: keep it as it is, without copying.
    let mut body = match response.chunk().await {
        Ok(Some(first)) => first,
        Ok(None) => bytes::Bytes::new(),
        Err(e) => return Attempt::Failed(e),
    };
    let mut joined: Option<bytes::BytesMut> = None;
    loop {
        if joined.as_ref().map_or(body.len(), |j| j.len()) > limit {
            return too_large;
        }
        match response.chunk().await {
            Ok(Some(more)) => joined
                .get_or_insert_with(|| bytes::BytesMut::from(&body[..]))
                .extend_from_slice(&more),
            Ok(None) => break,
            Err(e) => return Attempt::Failed(e),
        }
    }
    if let Some(all) = joined {
        body = all.freeze();
    }
    // Keeping the URL spares reqwest parsing a placeholder one.
    let builder = http::response::Builder::new().url(response.url().clone());
    let mut rebuilt = builder
        .body(body.clone())
        .unwrap_or_else(|_| http::Response::new(body.clone()));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = std::mem::take(response.headers_mut());
    if !status.is_success() {
        rebuilt.extensions_mut().insert(BufferedBody(body.clone()));
    }
    Attempt::Answered(reqwest::Response::from(rebuilt), body)
}

/// A failure `exec` must report through `post`, as an error marker text.
#[derive(Clone)]
struct HookFailure(String);

/// A stand-in response carrying a [`HookFailure`]; `post` turns it into the error.
fn failure(text: String) -> reqwest::Response {
    let mut response = http::Response::new(bytes::Bytes::new());
    response.extensions_mut().insert(HookFailure(text));
    reqwest::Response::from(response)
}

/// Whether a failure without a response can go away on another attempt. Every transport
/// failure qualifies (connect, timeout, reset, truncated body); only client-side mistakes do
/// not.
fn transient(e: &reqwest::Error) -> bool {
    !(e.is_builder() || e.is_redirect() || e.is_status())
}

impl ClientState {
    /// Runs every attempt of one call inside the request's span and returns the last outcome.
    async fn run(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let started = Instant::now();
        let span = tracing::info_span!(
            "genauth.request",
            operation = info.operation_id,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let mut attempts = 0;
        let calls = self.attempts(http, request, info, &mut attempts);
        let outcome = if span.is_disabled() {
            calls.await
        } else {
            calls.instrument(span.clone()).await
        };
        span.record("attempt", attempts);
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        outcome
    }

    /// The retry loop. `attempts` counts the requests sent.
    async fn attempts(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
        attempts: &mut u32,
    ) -> reqwest::Result<reqwest::Response> {
        let s = &self.shared;
        let call = self.call;
        let deadline = Instant::now() + call.total_timeout;
        let read = crate::operations::by_method(info.operation_id).is_some_and(|op| op.read);
        let allowed = call.retry.attempts_for(read);
        let token_mode = s.auth_mode == AuthMode::ManagementToken;
        // A body that cannot be cloned (none of ours) simply gets no second attempt.
        let template = if allowed > 1 || token_mode {
            request.try_clone()
        } else {
            None
        };
        let mut request = request;
        let mut failures = 0u32;
        let mut reauthenticated = false;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let cut_by_deadline = remaining < call.attempt_timeout;
            *request.timeout_mut() = Some(remaining.min(call.attempt_timeout));
            let used_token = token_mode
                .then(|| bearer(&request).map(SensitiveString::from))
                .flatten();
            *attempts += 1;
            let (last, retry_after) = match attempt(http, request, s.max_response_bytes).await {
                Attempt::TooLarge { status, limit } => {
                    return Ok(failure(format!(
                        "{DECODE_MARK}{status} the response body is larger than the limit of {limit} bytes (see max_response_bytes)"
                    )));
                }
                Attempt::Failed(e) => {
                    if e.is_timeout() && cut_by_deadline {
                        return Ok(failure(format!(
                            "{TIMEOUT_MARK}the call did not finish within its total timeout of {:?} ({} attempt(s))",
                            call.total_timeout, attempts
                        )));
                    }
                    if !transient(&e) {
                        return Err(e);
                    }
                    tracing::debug!(attempt = *attempts, error = %e, "attempt failed");
                    (Err(e), None)
                }
                Attempt::Answered(response, body) => {
                    let status = response.status().as_u16();
                    let span = tracing::Span::current();
                    let head = envelope_head(&body, !span.is_disabled());
                    let in_body = head.as_ref().and_then(EnvelopeHead::status_code);
                    record_answer(&span, &response, head.as_ref());
                    let refused = status == 401 || in_body == Some(401);
                    if refused
                        && !reauthenticated
                        && let (Some(used), Some(next)) = (&used_token, clone(&template))
                    {
                        // The token was refused: drop it and send once more with a new one.
                        // This is authentication, so it does not use up a retry.
                        reauthenticated = true;
                        s.tokens.invalidate(used).await;
                        tracing::debug!(attempt = *attempts, "token refused; refreshing it");
                        request = match Box::pin(self.prepared(http, next)).await {
                            Ok(next) => next,
                            Err(stand_in) => return Ok(stand_in),
                        };
                        continue;
                    }
                    if !(is_retryable_status(i64::from(status))
                        || in_body.is_some_and(is_retryable_status))
                    {
                        return Ok(response);
                    }
                    tracing::debug!(
                        attempt = *attempts,
                        status,
                        in_body_status = in_body,
                        "attempt answered with a retryable status"
                    );
                    let retry_after = response
                        .headers()
                        .get(http::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, (s.clock)()));
                    (Ok(response), retry_after)
                }
            };

            failures += 1;
            if failures >= allowed {
                return last;
            }
            let Some(next) = clone(&template) else {
                return last;
            };
            let delay = match retry_after {
                Some(wait) if wait > call.retry.retry_after_cap() => {
                    tracing::debug!(
                        retry_after_ms = wait.as_millis() as u64,
                        "the server asks for a longer wait than the retry policy allows"
                    );
                    return last;
                }
                Some(wait) => wait,
                None => call.retry.backoff_for(failures, rand::random::<f64>()),
            };
            if Instant::now() + delay >= deadline {
                tracing::debug!("no time left for another attempt before the total timeout");
                return last;
            }
            tracing::debug!(
                attempt = *attempts,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
            request = match Box::pin(self.prepared(http, next)).await {
                Ok(next) => next,
                Err(stand_in) => return Ok(stand_in),
            };
        }
    }

    /// Signs (or authorises) a copy of the request again: a fresh date and nonce, or the
    /// current token. A failure comes back as the stand-in response `post` reports.
    async fn prepared(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
    ) -> Result<reqwest::Request, reqwest::Response> {
        match self.prepare(http, &mut request).await {
            Ok(()) => Ok(request),
            Err(marker) => Err(failure(marker)),
        }
    }
}

fn clone(template: &Option<reqwest::Request>) -> Option<reqwest::Request> {
    template.as_ref().and_then(reqwest::Request::try_clone)
}

/// Puts the status and the request id (header, else envelope) of an answer on the span.
fn record_answer(
    span: &tracing::Span,
    response: &reqwest::Response,
    head: Option<&EnvelopeHead<'_>>,
) {
    if span.is_disabled() {
        return;
    }
    span.record("status", response.status().as_u16());
    let header = request_id_header(response.headers());
    if let Some(id) = header.or_else(|| head.and_then(|h| h.request_id.as_deref())) {
        span.record("request_id", id);
    }
}

fn bearer(request: &reqwest::Request) -> Option<&str> {
    request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), GenError<E>> {
        self.inner
            .prepare(self.client(), request)
            .await
            .map_err(GenError::Custom)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner.run(self.client(), request, info).await
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), GenError<E>> {
        match result
            .as_ref()
            .ok()
            .and_then(|r| r.extensions().get::<HookFailure>())
        {
            Some(HookFailure(text)) => Err(GenError::Custom(text.clone())),
            None => Ok(()),
        }
    }
}

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
    fn builder_rejects_bad_settings_with_clear_messages() {
        let base = || {
            Client::builder()
                .access_key_id("AK")
                .access_key_secret("SK")
        };
        let err = |b: ManagementClientBuilder| b.build().expect_err("rejected").to_string();
        assert!(
            err(Client::builder().access_key_secret("SK")).contains("access key id is missing")
        );
        assert!(
            err(Client::builder().access_key_id("AK")).contains("access key secret is missing")
        );
        assert!(err(base().host("ftp://x")).contains("must be an http(s) URL"));
        assert!(err(base().host("not a url")).contains("is not a URL"));
        assert!(err(base().proxy("::")).contains("invalid proxy URL"));
        let ok = base().host("http://127.0.0.1:9/").build().unwrap();
        assert_eq!(ok.baseurl, "http://127.0.0.1:9");
        assert_eq!(ok.brand(), Brand::GenAuth);
        let shown = format!("{ok:?} {:?}", base());
        assert!(!shown.contains("\"SK\""), "secret in Debug: {shown}");
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
