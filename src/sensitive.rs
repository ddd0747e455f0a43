//! A string that holds a secret and never shows it by accident.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string: an access key secret, a token, a password, an OTP secret.
///
/// `Debug` and `Display` print `[REDACTED]`; the value is only reachable through
/// [`SensitiveString::expose_secret`]. Serialization writes the real value, since a secret that
/// is sent to the API must reach it. The spec's sensitive fields decode into this type.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SensitiveString(String);

impl SensitiveString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call this only where the value must be used.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SensitiveString {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for SensitiveString {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl fmt::Debug for SensitiveString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for SensitiveString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl Serialize for SensitiveString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SensitiveString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Whether `a` and `b` hold the same bytes, in a time that depends on their lengths only: a
/// caller that controls one side learns nothing from the timing about how much of it matched.
/// For comparing a secret with a value that claims to be it (a TOTP code, a webhook secret).
#[cfg(any(feature = "totp", all(feature = "webhooks", feature = "users")))]
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // Every byte pair is looked at, and the differences are only gathered, never tested, until
    // the end; `black_box` keeps the optimiser from turning the fold into an early exit.
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for SensitiveString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SensitiveString".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "password", "writeOnly": true})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_secret() {
        let s = SensitiveString::new("hunter2");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(format!("{s}"), "[REDACTED]");
        assert_eq!(s.expose_secret(), "hunter2");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2\"");
        let back: SensitiveString = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.expose_secret(), "x");
    }

    #[cfg(any(feature = "totp", all(feature = "webhooks", feature = "users")))]
    #[test]
    fn constant_time_eq_compares_whole_byte_strings() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        // A difference at either end, or anywhere between, is a difference.
        assert!(!constant_time_eq(b"s3cret", b"t3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3creu"));
        assert!(!constant_time_eq(b"s3cret", b"s3Cret"));
        // A prefix, an extension or an empty value never matches.
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        assert!(!constant_time_eq(b"s3cret", b"s3crets"));
        assert!(!constant_time_eq(b"s3cret", b""));
        assert!(!constant_time_eq(b"", b"s3cret"));
        // Every single-bit change of every byte is seen.
        let secret = b"\x00\x7f\x80\xff-webhook";
        for i in 0..secret.len() {
            for bit in 0..8 {
                let mut other = *secret;
                other[i] ^= 1 << bit;
                assert!(!constant_time_eq(secret, &other), "byte {i}, bit {bit}");
            }
        }
    }
}
