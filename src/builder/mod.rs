//! The client builder: settings from method calls over settings from the environment over
//! defaults, validated once in [`ManagementClientBuilder::build`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};

mod hosts;

#[cfg(feature = "events")]
use hosts::WS;
use hosts::{HTTP, validate_host, without_userinfo};

use crate::auth::{Authenticator, Clock, NonceSource, brand_header};
use crate::config::Credentials;
use crate::endpoint::Endpoint;
use crate::generated::Client;
use crate::send::{CallOptions, ClientState, Shared};
use crate::{AuthMode, Brand, Error, Lang, RetryPolicy, SensitiveString};

/// Default limit on one attempt: connecting, sending and reading the whole response.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default limit on a whole call, every attempt and backoff included.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit on establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit on the size of a response body (64 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 << 20;

/// Declares the settings once: the struct, and the merge of one layer over another.
macro_rules! settings {
    ($($field:ident: $ty:ty),* $(,)?) => {
        #[derive(Default, Clone)]
        struct Settings {
            $($field: Option<$ty>,)*
        }

        impl Settings {
            /// Each setting of `self`, or else of `lower`.
            fn over(self, lower: Settings) -> Settings {
                Settings { $($field: self.$field.or(lower.$field),)* }
            }

            /// Whether the setting named `name` has a value.
            fn has(&self, name: &str) -> bool {
                match name {
                    $(stringify!($field) => self.$field.is_some(),)*
                    _ => false,
                }
            }
        }
    };
}

settings! {
    access_key_id: String,
    access_key_secret: SensitiveString,
    brand: Brand,
    host: String,
    events_host: String,
    tenant_id: String,
    lang: Lang,
    auth_mode: AuthMode,
    userpool_id: String,
    attempt_timeout: Duration,
    total_timeout: Duration,
    connect_timeout: Duration,
    token_fetch_timeout: Duration,
    retry: RetryPolicy,
    max_requests_per_second: f64,
    max_response_bytes: usize,
    user_agent_suffix: String,
    proxy: SensitiveString,
    danger_accept_invalid_certs: bool,
    allow_insecure_http: bool,
    clock: Clock,
    nonce: NonceSource,
}

/// Settings for a [`ManagementClient`](crate::ManagementClient). Values set by method calls win over values read by
/// [`from_env`](Self::from_env), which win over the defaults.
#[derive(Default, Clone)]
pub struct ManagementClientBuilder {
    explicit: Settings,
    env: Settings,
    /// Environment variables that did not parse: (setting, message). Each fails the build
    /// unless the setting is given explicitly.
    env_errors: Vec<(&'static str, String)>,
    root_certificates: Vec<Vec<u8>>,
}

impl fmt::Debug for ManagementClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.explicit.clone().over(self.env.clone());
        f.debug_struct("ManagementClientBuilder")
            .field("access_key_id", &s.access_key_id)
            .field("access_key_secret", &s.access_key_secret)
            .field("brand", &s.brand)
            .field("host", &s.host.as_deref().map(without_userinfo))
            .field(
                "events_host",
                &s.events_host.as_deref().map(without_userinfo),
            )
            .field("tenant_id", &s.tenant_id)
            .field("auth_mode", &s.auth_mode)
            .field("retry", &s.retry)
            .field("max_requests_per_second", &s.max_requests_per_second)
            .field("attempt_timeout", &s.attempt_timeout)
            .field("total_timeout", &s.total_timeout)
            .finish_non_exhaustive()
    }
}

impl ManagementClientBuilder {
    /// A builder preloaded from the environment: `GENAUTH_ACCESS_KEY_ID`,
    /// `GENAUTH_ACCESS_KEY_SECRET`, `GENAUTH_HOST`, `GENAUTH_TENANT_ID`, `GENAUTH_LANG`
    /// (`en-US`/`zh-CN`), `GENAUTH_BRAND` (`genauth`/`authing`) and, with the `events` feature,
    /// `GENAUTH_EVENTS_HOST`. Unset or blank variables are ignored; an unparsable one fails
    /// [`build`](Self::build) unless set explicitly.
    pub fn from_env() -> Self {
        fn var(name: &str) -> Option<String> {
            std::env::var(name).ok().filter(|v| !v.trim().is_empty())
        }
        fn parsed<T: std::str::FromStr<Err = Error>>(
            setting: &'static str,
            name: &str,
            errors: &mut Vec<(&'static str, String)>,
        ) -> Option<T> {
            match var(name)?.parse() {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.push((setting, format!("{name}: {e}")));
                    None
                }
            }
        }
        let mut env_errors = Vec::new();
        let lang = parsed("lang", "GENAUTH_LANG", &mut env_errors);
        let brand = parsed("brand", "GENAUTH_BRAND", &mut env_errors);
        let env = Settings {
            access_key_id: var("GENAUTH_ACCESS_KEY_ID"),
            access_key_secret: var("GENAUTH_ACCESS_KEY_SECRET").map(SensitiveString::from),
            host: var("GENAUTH_HOST"),
            #[cfg(feature = "events")]
            events_host: var("GENAUTH_EVENTS_HOST"),
            tenant_id: var("GENAUTH_TENANT_ID"),
            lang,
            brand,
            ..Settings::default()
        };
        Self {
            env,
            env_errors,
            ..Self::default()
        }
    }

    /// The access key id (required). Surrounding whitespace is removed.
    pub fn access_key_id(mut self, id: impl Into<String>) -> Self {
        self.explicit.access_key_id = Some(id.into());
        self
    }

    /// The access key secret (required). Never printed. Surrounding whitespace, such as the
    /// newline at the end of a mounted secret file, is removed.
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
    /// brand's host. Plain `http://` is accepted only for loopback hosts (127.0.0.0/8, `::1`,
    /// the name `localhost`) unless [`allow_insecure_http`](Self::allow_insecure_http) is on; a user
    /// name or password in the URL is refused.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.explicit.host = Some(host.into());
        self
    }

    /// The host of event subscriptions, e.g. `wss://openevent.genauth.ai` or a private
    /// deployment's. Defaults to the brand's ([`Brand::default_events_host`]). Only `wss://`,
    /// or plain `ws://` to a loopback host unless
    /// [`allow_insecure_http`](Self::allow_insecure_http) is on; a user name or password in the
    /// URL is refused.
    #[cfg(feature = "events")]
    pub fn events_host(mut self, host: impl Into<String>) -> Self {
        self.explicit.events_host = Some(host.into());
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
        self.explicit.auth_mode = Some(mode);
        self
    }

    /// The user pool id that calls in [`AuthMode::ManagementToken`] send, as the
    /// `{prefix}userpool-id` header (`x-genauth-userpool-id`). Unset, the token's
    /// `scoped_userpool_id` claim is sent, and no header when the token has none. Signed
    /// requests ([`AuthMode::Signature`]) do not send it. There is no environment variable for
    /// it; a value that cannot be a header value fails [`build`](Self::build).
    pub fn userpool_id(mut self, id: impl Into<String>) -> Self {
        self.explicit.userpool_id = Some(id.into());
        self
    }

    /// Limit on one attempt, from connecting to the last byte of the response; 30 s by
    /// default ([`DEFAULT_ATTEMPT_TIMEOUT`]). Must be above zero.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.attempt_timeout = Some(timeout);
        self
    }

    /// Limit on one management token fetch ([`AuthMode::ManagementToken`]), from connecting to
    /// the last byte of the answer; the [`attempt_timeout`](Self::attempt_timeout) set here by
    /// default. One fetch serves every call and every view of the client
    /// ([`ManagementClient::with_timeouts`](crate::ManagementClient::with_timeouts) included),
    /// so it runs under this client-wide limit, never under the timeouts of the view whose call
    /// happened to start it; each call still waits for it no longer than its own total timeout.
    /// Must be above zero.
    pub fn token_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.token_fetch_timeout = Some(timeout);
        self
    }

    /// Limit on a whole call, every attempt and backoff included; 60 s by default
    /// ([`DEFAULT_TOTAL_TIMEOUT`]). No retry starts that could not finish before it. Must be
    /// above zero; a value too large for the clock means no limit.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.total_timeout = Some(timeout);
        self
    }

    /// Limit on establishing a connection; 10 s by default ([`DEFAULT_CONNECT_TIMEOUT`]).
    /// Must be above zero. An event subscription's connection (proxy tunnel, TLS and upgrade
    /// included) has the same limit.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.connect_timeout = Some(timeout);
        self
    }

    /// How failed calls are retried; [`RetryPolicy::default`] (reads only, 3 attempts) unless
    /// set. [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.explicit.retry = Some(policy);
        self
    }

    /// Paces the client: at most this many requests a second, evenly spaced, counting every
    /// attempt (retries included) of every view of the client. Off by default. A call waits
    /// for its turn within its total timeout; a turn that would come later fails the call with
    /// [`Error::Timeout`] before anything is sent. Must be finite and above zero, or `build()`
    /// fails with [`Error::Config`].
    ///
    /// ```
    /// let client = genauth::ManagementClient::builder()
    ///     .access_key_id("AK")
    ///     .access_key_secret("SK")
    ///     .max_requests_per_second(20.0)
    ///     .build()?;
    /// # Ok::<(), genauth::Error>(())
    /// ```
    pub fn max_requests_per_second(mut self, rate: f64) -> Self {
        self.explicit.max_requests_per_second = Some(rate);
        self
    }

    /// Largest response body accepted, in bytes; 64 MiB by default. A larger body fails the
    /// call with [`Error::Decode`] without being read to the end.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.explicit.max_response_bytes = Some(limit);
        self
    }

    /// Text appended to the `user-agent`, e.g. `my-app/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.explicit.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends every request, and event subscriptions, through this proxy URL. It may hold a
    /// user name and password; it is never printed. Unset, the proxy the environment names is
    /// used (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, with `NO_PROXY` exceptions).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.explicit.proxy = Some(SensitiveString::from(url.into()));
        self
    }

    /// Trusts this root certificate (PEM; a bundle of several is fine) in addition to the
    /// system's. For private deployments with their own CA, and for containers without a CA
    /// store. Can be called several times.
    ///
    /// Certificates are checked by the platform's verifier (`rustls-platform-verifier`): on
    /// Apple platforms and Windows, the operating system's. On Linux and other Unix systems it
    /// checks against the system store: the distribution's bundle (e.g.
    /// `/etc/ssl/certs/ca-certificates.crt` from the `ca-certificates` package), or, when
    /// `SSL_CERT_FILE` or `SSL_CERT_DIR` is set, only the file and directories they name. An
    /// empty system store there fails [`build`](Self::build) unless a root was added here.
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Turns TLS certificate verification off, for HTTP and events alike. Only for test
    /// deployments with self-signed certificates: anyone on the path can then read and change
    /// the traffic. Logged as a warning when the client is built. Prefer
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem).
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.explicit.danger_accept_invalid_certs = Some(accept);
        self
    }

    /// Allows a plain `http://` host (and a plain `ws://` events host) that is not loopback.
    /// Requests, signatures, events and, in token mode, the access key secret then travel in
    /// clear text: only for a private network you trust. Logged as a warning when the client
    /// is built.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.explicit.allow_insecure_http = Some(allow);
        self
    }

    /// Replaces the clock of the `date` header (tests pin signatures with it).
    #[cfg(feature = "test-util")]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.explicit.clock = Some(clock);
        self
    }

    /// Replaces the source of signature nonces (tests pin signatures with it).
    #[cfg(feature = "test-util")]
    pub fn nonce_source(mut self, nonce: NonceSource) -> Self {
        self.explicit.nonce = Some(nonce);
        self
    }

    /// Validates the settings and builds the client. Nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        for (setting, message) in &self.env_errors {
            // An explicit value makes a bad environment variable irrelevant.
            if !self.explicit.has(setting) {
                return Err(Error::Config(message.clone()));
            }
        }
        let s = self.explicit.over(self.env);

        let access_key_id = s.access_key_id.unwrap_or_default().trim().to_string();
        if access_key_id.is_empty() {
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
        let secret = s.access_key_secret.unwrap_or_default();
        let secret = secret.expose_secret().trim();
        if secret.is_empty() {
            return Err(Error::Config(
                "access key secret is missing: call .access_key_secret(..) or set GENAUTH_ACCESS_KEY_SECRET".into(),
            ));
        }
        let secret = SensitiveString::from(secret.to_string());

        let brand = s.brand.unwrap_or_default();
        let host = s.host.unwrap_or_else(|| brand.default_host().to_string());
        let allow_insecure = s.allow_insecure_http.unwrap_or(false);
        let host = validate_host(&host, &HTTP, allow_insecure)?;
        #[cfg(feature = "events")]
        let mut events = {
            let events_host = s
                .events_host
                .unwrap_or_else(|| brand.default_events_host().to_string());
            crate::events::EventsConfig {
                host: validate_host(&events_host, &WS, allow_insecure)?,
                connect_timeout: positive(
                    "connect timeout",
                    s.connect_timeout,
                    DEFAULT_CONNECT_TIMEOUT,
                )?,
                // Set below, with the HTTP client's.
                tls: None,
                proxy: None,
            }
        };
        let fixed_headers = fixed_headers(brand, s.lang.unwrap_or_default(), s.tenant_id)?;
        let call = CallOptions {
            retry: s.retry.unwrap_or_default(),
            attempt_timeout: positive(
                "attempt timeout",
                s.attempt_timeout,
                DEFAULT_ATTEMPT_TIMEOUT,
            )?,
            total_timeout: positive("total timeout", s.total_timeout, DEFAULT_TOTAL_TIMEOUT)?,
            headers: None,
        };
        let pacer = match s.max_requests_per_second {
            Some(rate) if rate.is_finite() && rate > 0.0 => Some(crate::pacing::Pacer::new(rate)),
            Some(rate) => {
                return Err(Error::Config(format!(
                    "max requests per second must be a number above zero, not {rate}"
                )));
            }
            None => None,
        };
        let connect_timeout = positive(
            "connect timeout",
            s.connect_timeout,
            DEFAULT_CONNECT_TIMEOUT,
        )?;
        let token_fetch_timeout = positive(
            "token fetch timeout",
            s.token_fetch_timeout,
            call.attempt_timeout,
        )?;
        let userpool_id = s
            .userpool_id
            .map(|pool| {
                HeaderValue::from_str(&pool)
                    .map_err(|_| Error::Config("user pool id is not a valid header value".into()))
            })
            .transpose()?;

        let mut user_agent = concat!("genauth-rust-sdk/", env!("CARGO_PKG_VERSION")).to_string();
        if let Some(suffix) = s.user_agent_suffix.as_deref().filter(|s| !s.is_empty()) {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        // Redirects are not followed: the API sends none, and a signature covers one path.
        // A 3xx comes back as `Error::Http`.
        // The client's own timeout is the attempt timeout, so that an attempt with exactly that
        // timeout (most of them) needs no per-request setting.
        let mut http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(connect_timeout)
            .timeout(call.attempt_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(proxy) = &s.proxy {
            // reqwest's message could quote the URL, and with it a password: ours does not.
            let proxy = reqwest::Proxy::all(proxy.expose_secret())
                .map_err(|_| Error::Config("invalid proxy URL".into()))?;
            http = http.proxy(proxy);
        }
        let roots = crate::tls::parse_roots(&self.root_certificates)?;
        let accept_invalid = s.danger_accept_invalid_certs.unwrap_or(false);
        if accept_invalid {
            tracing::warn!(
                host = %host,
                "TLS certificate verification is OFF for this GenAuth client: traffic can be read and altered"
            );
        }
        let tls = crate::tls::http_config(roots, accept_invalid)?;
        #[cfg(feature = "events")]
        {
            // The same verification and proxy as HTTP, settled once here.
            events.tls = Some(Arc::new(crate::tls::events_config(&tls)));
            events.proxy = crate::events::proxy_for(&events.host, s.proxy.as_ref());
        }
        http = http.tls_backend_preconfigured(tls);
        let http = http.build().map_err(|e| {
            Error::Config(format!(
                "cannot set up the HTTP client: {}. If this machine has no CA certificates, install them (e.g. the ca-certificates package), point SSL_CERT_FILE at a PEM bundle, or pass one to add_root_certificate_pem",
                crate::error::describe(&e)
            ))
        })?;

        let endpoint = Endpoint::new(
            host,
            fixed_headers,
            s.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            call.attempt_timeout,
        )?;
        let credentials = Credentials {
            access_key_id,
            access_key_secret: secret,
        };
        let auth = Authenticator::new(
            brand,
            s.auth_mode.unwrap_or_default(),
            &credentials,
            userpool_id,
            token_fetch_timeout,
            s.nonce,
        );
        let state = ClientState {
            shared: Arc::new(Shared {
                brand,
                credentials,
                http,
                endpoint: Arc::new(endpoint),
                auth,
                clock: s
                    .clock
                    .unwrap_or_else(|| Arc::new(std::time::SystemTime::now)),
                pacer,
                #[cfg(feature = "events")]
                events,
            }),
            call,
        };
        Ok(Client { inner: state })
    }
}

/// The headers every request carries.
fn fixed_headers(brand: Brand, lang: Lang, tenant_id: Option<String>) -> Result<HeaderMap, Error> {
    let name = |suffix: &str| brand_header(brand, suffix);
    let mut fixed = HeaderMap::new();
    fixed.insert(
        http::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    fixed.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    fixed.insert(
        name("sdk-version"),
        HeaderValue::from_static(concat!("genauth-rust-sdk:", env!("CARGO_PKG_VERSION"))),
    );
    fixed.insert(name(LANG_HEADER), HeaderValue::from_static(lang.as_str()));
    if let Some(tenant) = tenant_id.as_deref().filter(|t| !t.is_empty()) {
        fixed.insert(name(TENANT_HEADER), tenant_value(tenant)?);
    }
    Ok(fixed)
}

/// The suffix of the tenant header (`x-genauth-app-id`).
pub(crate) const TENANT_HEADER: &str = "app-id";
/// The suffix of the language header (`x-genauth-lang`).
pub(crate) const LANG_HEADER: &str = "lang";

/// A tenant id as its header value: [`Error::Config`] when it cannot be one.
pub(crate) fn tenant_value(tenant: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(tenant)
        .map_err(|_| Error::Config("tenant id is not a valid header value".into()))
}

/// `value` if set and above zero, else `default`; zero is an error. Used by the builder and by
/// [`ManagementClient::with_timeouts`](crate::ManagementClient::with_timeouts) alike.
pub(crate) fn positive(
    name: &str,
    value: Option<Duration>,
    default: Duration,
) -> Result<Duration, Error> {
    match value {
        Some(d) if d.is_zero() => Err(Error::Config(format!("{name} must be above zero"))),
        Some(d) => Ok(d),
        None => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ManagementClientBuilder {
        ManagementClientBuilder::default()
            .access_key_id("AK")
            .access_key_secret("SK")
    }

    fn err(b: ManagementClientBuilder) -> String {
        b.build().expect_err("rejected").to_string()
    }

    #[test]
    fn rejects_bad_settings_with_clear_messages() {
        let none = ManagementClientBuilder::default;
        assert!(err(none().access_key_secret("SK")).contains("access key id is missing"));
        assert!(err(none().access_key_id("AK")).contains("access key secret is missing"));
        assert!(err(base().access_key_secret(" \n")).contains("access key secret is missing"));
        assert!(err(base().host("ftp://x")).contains("must be an http(s) URL"));
        assert!(err(base().host("not a url")).contains("is not a URL"));
        assert!(err(base().proxy("::")).contains("invalid proxy URL"));
        assert!(err(base().attempt_timeout(Duration::ZERO)).contains("must be above zero"));
        assert!(err(base().userpool_id("a\nb")).contains("user pool id"));
        let ok = base().host("http://127.0.0.1:9/").build().unwrap();
        assert_eq!(ok.host(), "http://127.0.0.1:9");
        assert_eq!(ok.brand(), Brand::GenAuth);
        let shown = format!("{ok:?} {:?}", base());
        assert!(!shown.contains("\"SK\""), "secret in Debug: {shown}");
    }

    #[test]
    fn plain_http_only_on_loopback_unless_allowed() {
        for local in [
            "http://127.0.0.1:9",
            "http://127.8.9.10",
            "http://[::1]:80",
            "http://localhost:3000",
            "http://LOCALHOST:3000",
        ] {
            base()
                .host(local)
                .build()
                .unwrap_or_else(|e| panic!("{local}: {e}"));
        }
        for remote in [
            "http://api.genauth.ai",
            "http://10.0.0.8",
            "http://[2001:db8::1]",
            "http://evil.localhost",
            "http://api.localhost",
            "http://localhost.example.com",
        ] {
            let e = err(base().host(remote));
            assert!(
                e.contains("plain http") && e.contains("allow_insecure_http"),
                "{e}"
            );
            base()
                .host(remote)
                .allow_insecure_http(true)
                .build()
                .unwrap();
        }
        base().host("https://api.genauth.ai").build().unwrap();
    }

    #[cfg(feature = "events")]
    #[test]
    fn events_hosts_are_validated_like_the_api_host() {
        let events_host =
            |b: ManagementClientBuilder| b.build().unwrap().inner.shared.events.host.clone();
        assert_eq!(events_host(base()), "wss://openevent.genauth.ai");
        assert_eq!(
            events_host(base().brand(Brand::Authing)),
            "wss://openevent.authing.cn"
        );
        assert_eq!(
            events_host(base().events_host("ws://127.0.0.1:8080/")),
            "ws://127.0.0.1:8080"
        );
        assert_eq!(
            events_host(base().events_host("wss://events.example.com/prefix")),
            "wss://events.example.com/prefix"
        );
        for wrong in [
            "https://openevent.genauth.ai",
            "http://127.0.0.1",
            "ftp://x",
        ] {
            let e = err(base().events_host(wrong));
            assert!(
                e.contains("events host") && e.contains("must be a ws(s) URL"),
                "{e}"
            );
        }
        let e = err(base().events_host("ws://10.0.0.8"));
        assert!(
            e.contains("plain ws") && e.contains("allow_insecure_http"),
            "{e}"
        );
        base()
            .events_host("ws://10.0.0.8")
            .allow_insecure_http(true)
            .build()
            .unwrap();
        let e = err(base().events_host("wss://u:hunter2@openevent.genauth.ai"));
        assert!(!e.contains("hunter2") && e.contains("***@"), "{e}");
        assert!(err(base().events_host("wss://x/?code=1")).contains("query"));
        // The environment layer, under an explicit setting.
        let mut b = base();
        b.env.events_host = Some("ws://localhost:1".into());
        assert_eq!(events_host(b.clone()), "ws://localhost:1");
        assert_eq!(
            events_host(b.events_host("ws://localhost:2")),
            "ws://localhost:2"
        );
    }

    #[test]
    fn hosts_with_credentials_are_refused_without_showing_them() {
        for host in [
            "https://user:hunter2@api.genauth.ai",
            "https://hunter2@api.genauth.ai/",
            "https://user:hunter2@bad host",
            "https://user:hun/ter2@api.genauth.ai",
            "https://user:hun?ter2@api.genauth.ai",
            "https://user:hun#ter2@api.genauth.ai",
        ] {
            let e = err(base().host(host));
            for part in ["hunter2", "hun", "ter2"] {
                assert!(!e.contains(part), "{e}");
            }
            assert!(e.contains("***@"), "{e}");
            let shown = format!("{:?}", base().host(host));
            for part in ["hunter2", "hun", "ter2"] {
                assert!(!shown.contains(part), "{shown}");
            }
        }
        let e = err(base().proxy("http://u:hunter2@[bad"));
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn secrets_and_ids_are_trimmed() {
        let client = base()
            .access_key_id(" AK\n")
            .access_key_secret("SK\n")
            .host("http://127.0.0.1:9")
            .build()
            .unwrap();
        let creds = &client.inner.shared.credentials;
        assert_eq!(creds.access_key_id, "AK");
        assert_eq!(creds.access_key_secret.expose_secret(), "SK");
    }

    #[test]
    fn explicit_settings_win_over_the_environment_layer() {
        let mut b = base();
        b.env.host = Some("http://127.0.0.1:1".into());
        b.env.lang = Some(Lang::ZhCn);
        b.env_errors
            .push(("brand", "GENAUTH_BRAND: unknown brand".into()));
        assert!(err(b.clone()).contains("GENAUTH_BRAND"));
        let client = b
            .host("http://127.0.0.1:2")
            .brand(Brand::Authing)
            .build()
            .unwrap();
        assert_eq!(client.host(), "http://127.0.0.1:2");
        assert_eq!(client.brand(), Brand::Authing);
    }
}
