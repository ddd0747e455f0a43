//! The small vocabulary of client settings: brand, language, authentication mode.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// Which of the two names of the service the client talks to. The brand decides the default
/// host, the header prefix and the word in the signature's authorization header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Brand {
    /// GenAuth (`https://api.genauth.ai`, headers `x-genauth-*`).
    #[default]
    GenAuth,
    /// Authing (`https://api.authing.cn`, headers `x-authing-*`).
    Authing,
}

impl Brand {
    /// The public API host of the brand.
    pub fn default_host(self) -> &'static str {
        match self {
            Brand::GenAuth => "https://api.genauth.ai",
            Brand::Authing => "https://api.authing.cn",
        }
    }

    /// The brand's host for event subscriptions (`wss://openevent.genauth.ai`,
    /// `wss://openevent.authing.cn`).
    pub fn default_events_host(self) -> &'static str {
        match self {
            Brand::GenAuth => "wss://openevent.genauth.ai",
            Brand::Authing => "wss://openevent.authing.cn",
        }
    }

    /// The prefix of the brand's own headers, e.g. `x-genauth-`.
    pub fn header_prefix(self) -> &'static str {
        match self {
            Brand::GenAuth => "x-genauth-",
            Brand::Authing => "x-authing-",
        }
    }

    /// The scheme word of the signed `authorization` header.
    pub fn signature_scheme(self) -> &'static str {
        match self {
            Brand::GenAuth => "GenAuth",
            Brand::Authing => "authing",
        }
    }
}

impl FromStr for Brand {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "genauth" => Ok(Brand::GenAuth),
            "authing" => Ok(Brand::Authing),
            other => Err(Error::Config(format!(
                "unknown brand `{other}`: expected `genauth` or `authing`"
            ))),
        }
    }
}

/// The language of the API's messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lang {
    /// English (`en-US`).
    #[default]
    EnUs,
    /// Simplified Chinese (`zh-CN`).
    ZhCn,
}

impl Lang {
    /// The header value, `en-US` or `zh-CN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::EnUs => "en-US",
            Lang::ZhCn => "zh-CN",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "en-us" | "en" => Ok(Lang::EnUs),
            "zh-cn" | "zh" => Ok(Lang::ZhCn),
            other => Err(Error::Config(format!(
                "unknown language `{other}`: expected `en-US` or `zh-CN`"
            ))),
        }
    }
}

/// How requests prove who sends them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMode {
    /// Every request is signed with the access key (HMAC-SHA1). No token, no extra round trip.
    #[default]
    Signature,
    /// A management token is fetched with the access key, cached, refreshed before it expires,
    /// and sent as `authorization: Bearer <token>`.
    ManagementToken,
}

/// An access key: the id is public, the secret never prints.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) access_key_id: String,
    pub(crate) access_key_secret: crate::SensitiveString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_settings() {
        assert_eq!("Authing".parse::<Brand>().unwrap(), Brand::Authing);
        assert_eq!("zh_CN".parse::<Lang>().unwrap(), Lang::ZhCn);
        let err = "klingon".parse::<Lang>().unwrap_err().to_string();
        assert!(err.contains("unknown language `klingon`"), "{err}");
        assert!("acme".parse::<Brand>().is_err());
    }

    #[test]
    fn credentials_debug_is_redacted() {
        let creds = Credentials {
            access_key_id: "AK".into(),
            access_key_secret: "SK-secret".into(),
        };
        assert!(!format!("{creds:?}").contains("SK-secret"));
    }
}
