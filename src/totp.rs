//! Time-based one-time passwords (RFC 6238) from the OTP secret the API hands out.
//!
//! `get_otp_secret_by_user` returns a user's TOTP secret (base32, as authenticator apps take
//! it). [`Totp`] turns it into codes, checks codes with a window of steps around the current
//! one, and writes the `otpauth://` URI that a QR code carries. The defaults are the ones
//! authenticator apps assume: HMAC-SHA1, 6 digits, 30-second steps. Enabled by the `totp`
//! feature (on by default).

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::sensitive::constant_time_eq;
use crate::{Error, SensitiveString};

/// The widest window [`Totp::verify_at`] takes: two steps either side (five codes, about two
/// minutes at 30-second steps). A wider window makes a guessed code far likelier to pass, so
/// it is refused: every code is rejected.
pub const MAX_VERIFY_WINDOW: u8 = 2;

/// The HMAC behind the codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TotpAlgorithm {
    /// HMAC-SHA1, what authenticator apps assume.
    #[default]
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl TotpAlgorithm {
    fn name(self) -> &'static str {
        match self {
            TotpAlgorithm::Sha1 => "SHA1",
            TotpAlgorithm::Sha256 => "SHA256",
            TotpAlgorithm::Sha512 => "SHA512",
        }
    }
}

/// A TOTP generator and checker. Its secret never prints: `Debug` shows `[REDACTED]`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use genauth::totp::Totp;
///
/// let totp = Totp::from_base32("JBSWY3DPEHPK3PXP")?;
/// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let code = totp.code_at(at);
/// assert_eq!(code.len(), 6);
/// assert!(totp.verify_at(&code, at, 1));
/// assert!(Totp::from_base32("e2345asdfwagw13424").is_err()); // `1` is not base32
/// # Ok::<(), genauth::Error>(())
/// ```
#[derive(Clone)]
pub struct Totp {
    inner: totp_rs::TOTP,
    /// The secret as base32 without padding, for the provisioning URI.
    encoded: SensitiveString,
    algorithm: TotpAlgorithm,
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("secret", &self.encoded)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.inner.digits)
            .field("step_secs", &self.inner.step)
            .finish()
    }
}

impl Totp {
    /// A generator with the usual settings (SHA1, 6 digits, 30 s) for a base32 secret. Case,
    /// spaces, dashes and `=` padding are ignored. A secret that is not base32, or is empty,
    /// is an [`Error::InvalidRequest`]: never a wrong code.
    pub fn from_base32(secret: &str) -> Result<Self, Error> {
        Self::with_settings(secret, TotpAlgorithm::Sha1, 6, 30)
    }

    /// A generator with other settings: `digits` from 6 to 8, `step_secs` above zero.
    pub fn with_settings(
        secret: &str,
        algorithm: TotpAlgorithm,
        digits: u8,
        step_secs: u64,
    ) -> Result<Self, Error> {
        if !(6..=8).contains(&digits) {
            return Err(Error::InvalidRequest(format!(
                "TOTP codes have 6 to 8 digits, not {digits}"
            )));
        }
        if step_secs == 0 {
            return Err(Error::InvalidRequest(
                "the TOTP step must be above zero".into(),
            ));
        }
        let normalised: String = secret
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '=' | '\t' | '\n' | '\r'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let invalid = || {
            Error::InvalidRequest(
                "the OTP secret is not base32 (letters A-Z and digits 2-7)".into(),
            )
        };
        if normalised.is_empty()
            || !normalised
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        {
            return Err(invalid());
        }
        let bytes = totp_rs::Secret::Encoded(normalised.clone())
            .to_bytes()
            .map_err(|_| invalid())?;
        if bytes.is_empty() {
            return Err(invalid());
        }
        let rs_algorithm = match algorithm {
            TotpAlgorithm::Sha1 => totp_rs::Algorithm::SHA1,
            TotpAlgorithm::Sha256 => totp_rs::Algorithm::SHA256,
            TotpAlgorithm::Sha512 => totp_rs::Algorithm::SHA512,
        };
        // Unchecked: the API's secrets may be shorter than the 128 bits RFC 4226 recommends,
        // and they are what the user's authenticator holds.
        let inner =
            totp_rs::TOTP::new_unchecked(rs_algorithm, usize::from(digits), 0, step_secs, bytes);
        Ok(Self {
            inner,
            encoded: SensitiveString::from(normalised),
            algorithm,
        })
    }

    /// A generator for a secret held as a [`SensitiveString`].
    pub fn from_secret(secret: &SensitiveString) -> Result<Self, Error> {
        Self::from_base32(secret.expose_secret())
    }

    /// The code for `time`. Times before 1970 count as 1970.
    pub fn code_at(&self, time: SystemTime) -> String {
        self.inner.generate(unix_secs(time))
    }

    /// The code for now.
    pub fn current_code(&self) -> String {
        self.code_at(SystemTime::now())
    }

    /// Whether `code` is the code for `time` or for one of the `window` steps before or after
    /// it (1 allows for a clock off by up to one step). Compared in constant time. A window
    /// above [`MAX_VERIFY_WINDOW`] is refused: the answer is `false` for every code.
    ///
    /// A code stays valid for its whole window, so the caller must also refuse a code that
    /// was already accepted for the same user (remember the last step that passed), or a code
    /// seen once can be replayed.
    pub fn verify_at(&self, code: &str, time: SystemTime, window: u8) -> bool {
        if window > MAX_VERIFY_WINDOW {
            return false;
        }
        let code = code.trim();
        let now = unix_secs(time);
        let step = self.inner.step;
        let mut matched = false;
        for offset in -i64::from(window)..=i64::from(window) {
            let Some(at) = now.checked_add_signed(offset.saturating_mul(step as i64)) else {
                continue;
            };
            matched |= constant_time_eq(self.inner.generate(at).as_bytes(), code.as_bytes());
        }
        matched
    }

    /// [`verify_at`](Self::verify_at) for now.
    pub fn verify(&self, code: &str, window: u8) -> bool {
        self.verify_at(code, SystemTime::now(), window)
    }

    /// The `otpauth://totp/...` URI authenticator apps import (usually as a QR code), with
    /// `issuer` (your service) and `account` (the user, e.g. an email). It contains the secret:
    /// treat it as one.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> SensitiveString {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let mut uri = format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}",
            enc(issuer),
            enc(account),
            self.encoded.expose_secret(),
            enc(issuer)
        );
        if self.algorithm != TotpAlgorithm::Sha1 {
            uri.push_str("&algorithm=");
            uri.push_str(self.algorithm.name());
        }
        if self.inner.digits != 6 {
            uri.push_str(&format!("&digits={}", self.inner.digits));
        }
        if self.inner.step != 30 {
            uri.push_str(&format!("&period={}", self.inner.step));
        }
        SensitiveString::from(uri)
    }
}

fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

impl crate::types::OtpSecretRespDto {
    /// A TOTP generator for this secret, with the usual settings (see [`Totp::from_base32`]).
    pub fn totp(&self) -> Result<Totp, Error> {
        Totp::from_secret(&self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// RFC 6238 appendix B: the ASCII seeds below, base32-encoded, 8 digits, 30 s steps.
    #[test]
    fn rfc6238_vectors() {
        let seeds = [
            (TotpAlgorithm::Sha1, "12345678901234567890"),
            (TotpAlgorithm::Sha256, "12345678901234567890123456789012"),
            (
                TotpAlgorithm::Sha512,
                "1234567890123456789012345678901234567890123456789012345678901234",
            ),
        ];
        let expected: [(u64, [&str; 3]); 6] = [
            (59, ["94287082", "46119246", "90693936"]),
            (1_111_111_109, ["07081804", "68084774", "25091201"]),
            (1_111_111_111, ["14050471", "67062674", "99943326"]),
            (1_234_567_890, ["89005924", "91819424", "93441116"]),
            (2_000_000_000, ["69279037", "90698825", "38618901"]),
            (20_000_000_000, ["65353130", "77737706", "47863826"]),
        ];
        for (i, (algorithm, seed)) in seeds.into_iter().enumerate() {
            let encoded = base32_of(seed.as_bytes());
            let totp = Totp::with_settings(&encoded, algorithm, 8, 30).unwrap();
            for (time, codes) in expected {
                assert_eq!(totp.code_at(at(time)), codes[i], "{algorithm:?} at {time}");
                assert!(totp.verify_at(codes[i], at(time), 0));
            }
        }
    }

    /// Base32 (RFC 4648, no padding), written here for the test vectors.
    fn base32_of(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut out = String::new();
        let (mut buffer, mut bits) = (0u32, 0);
        for &b in bytes {
            buffer = (buffer << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
            }
        }
        if bits > 0 {
            out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
        }
        out
    }

    #[test]
    fn windows_accept_neighbouring_steps_only() {
        let totp = Totp::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        let now = at(1_700_000_000);
        let previous = totp.code_at(at(1_700_000_000 - 30));
        let two_back = totp.code_at(at(1_700_000_000 - 60));
        assert!(totp.verify_at(&previous, now, 1));
        assert!(!totp.verify_at(&previous, now, 0));
        assert!(!totp.verify_at(&two_back, now, 1));
        assert!(!totp.verify_at("12345", now, 1));
        // Before 1970 counts as 1970, and a window at time zero does not underflow.
        assert_eq!(
            totp.code_at(SystemTime::UNIX_EPOCH - Duration::from_secs(5)),
            totp.code_at(at(0))
        );
        assert!(totp.verify_at(&totp.code_at(at(0)), at(0), 2));
        // A window past the limit is refused outright, even for the current code.
        assert!(!totp.verify_at(&totp.code_at(now), now, MAX_VERIFY_WINDOW + 1));
        assert!(!totp.verify_at(&totp.code_at(now), now, u8::MAX));
        assert!(totp.verify_at(&two_back, now, MAX_VERIFY_WINDOW));
    }

    #[test]
    fn bad_secrets_and_settings_are_errors() {
        for bad in ["e2345asdfwagw13424", "", "====", "ABC!", "0189"] {
            let err = Totp::from_base32(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidRequest(ref m) if m.contains("base32")),
                "{bad}: {err}"
            );
        }
        assert!(Totp::with_settings("JBSWY3DP", TotpAlgorithm::Sha1, 9, 30).is_err());
        assert!(Totp::with_settings("JBSWY3DP", TotpAlgorithm::Sha1, 6, 0).is_err());
    }

    #[test]
    fn provisioning_uri_and_redaction() {
        let totp = Totp::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        let uri = totp.provisioning_uri("Acme Co", "alice@example.com");
        assert_eq!(
            uri.expose_secret(),
            "otpauth://totp/Acme%20Co:alice%40example%2Ecom?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Co"
        );
        let custom = Totp::with_settings("JBSWY3DP", TotpAlgorithm::Sha256, 8, 60).unwrap();
        assert!(
            custom
                .provisioning_uri("A", "b")
                .expose_secret()
                .ends_with("&algorithm=SHA256&digits=8&period=60")
        );
        let shown = format!("{totp:?} {uri:?} {uri}");
        assert!(!shown.contains("JBSWY3DP"), "{shown}");
    }
}
