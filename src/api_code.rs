//! [`ApiCode`]: the API's `apiCode` values, by name.

use std::fmt;

/// The table of named codes: each line a variant, its value and a short description (what
/// `Display` prints after the number). The docs of every variant end with where the value is
/// documented.
macro_rules! api_codes {
    ($( $(#[doc = $doc:literal])* $name:ident = $value:literal, $text:literal; )*) => {
        /// An `apiCode`: the finer code an in-body failure ([`Error::Api`](crate::Error::Api))
        /// may carry next to its `statusCode`, as [`Error::api_code`](crate::Error::api_code)
        /// returns it.
        ///
        /// The named values are those of the `apiCode` table of the V3 error-code reference,
        /// the same table in both brands' copies:
        /// - GenAuth: `docs/reference/error-code.md` in
        ///   [GenAuth-Official/genauth-docs](https://github.com/GenAuth-Official/genauth-docs)
        ///   (read at commit `70ebb78`);
        /// - Authing: `docs/reference/error-code.md` in
        ///   [Authing/docs-v3](https://github.com/Authing/docs-v3) (read at commit `18e80fc`).
        ///
        /// Every other value is kept in [`ApiCode::Other`]. Among the documented ones, the
        /// face-recognition codes 1700–1707 have no name here yet and come as `Other`.
        ///
        /// `From<i64>` never puts a named value in `Other`, and `==` compares
        /// [`value`](ApiCode::value)s, so `ApiCode::Other(2004) == ApiCode::UserNotFound`. A
        /// `match` compares variants: build codes with `From` (as the crate does) and an arm
        /// for a name always catches its value. The enum is `#[non_exhaustive]`: a later
        /// release may name a value that arrives as `Other` today, so match names, not
        /// `Other(n)` for a number.
        ///
        /// Groups: [`is_signature`](ApiCode::is_signature) (1300–1306),
        /// [`is_login_flow`](ApiCode::is_login_flow) (the documented 16xx values) and
        /// [`is_totp`](ApiCode::is_totp) (6001–6004).
        ///
        /// ```
        /// use genauth::ApiCode;
        ///
        /// assert_eq!(ApiCode::from(2004), ApiCode::UserNotFound);
        /// assert_eq!(ApiCode::UserNotFound.value(), 2004);
        /// assert_eq!(ApiCode::from(12345), ApiCode::Other(12345));
        /// assert_eq!(ApiCode::UserNotFound.to_string(), "2004 (user not found)");
        /// assert!(ApiCode::from(1305).is_signature());
        /// ```
        #[derive(Debug, Clone, Copy)]
        #[non_exhaustive]
        pub enum ApiCode {
            $(
                $(#[doc = $doc])*
                #[doc = ""]
                #[doc = concat!(
                    "`apiCode` ", stringify!($value),
                    "; listed in the GenAuth and the Authing error-code references."
                )]
                $name,
            )*
            /// A value without a name here, kept as it came.
            Other(i64),
        }

        impl ApiCode {
            /// The number the API sends.
            pub const fn value(self) -> i64 {
                match self {
                    $(ApiCode::$name => $value,)*
                    ApiCode::Other(value) => value,
                }
            }

            const fn named(value: i64) -> Self {
                match value {
                    $($value => ApiCode::$name,)*
                    other => ApiCode::Other(other),
                }
            }

            /// What `Display` prints after the number; `None` for `Other`.
            const fn text(self) -> Option<&'static str> {
                match self {
                    $(ApiCode::$name => Some($text),)*
                    ApiCode::Other(_) => None,
                }
            }

            /// Every named code, in table order.
            #[cfg(test)]
            pub(crate) const NAMED: &[ApiCode] = &[$(ApiCode::$name),*];
        }
    };
}

api_codes! {
    /// The access-key signature is not valid.
    InvalidSignature = 1300, "invalid signature";
    /// The request's signing method is not the one the server uses.
    SignatureMethodMismatch = 1301, "signing method mismatch";
    /// The request's signature version is not the one the server uses.
    SignatureVersionMismatch = 1302, "signature version mismatch";
    /// The signature's timestamp is not in the expected form (Unix time in milliseconds).
    BadSignatureTimestamp = 1303, "malformed signature timestamp";
    /// A signed request came without a `date` header.
    MissingDateHeader = 1304, "missing date header";
    /// The signature's timestamp is too far from the server's clock.
    SignatureClockSkew = 1305, "signature timestamp too far from server time";
    /// The signature was already used by an earlier request.
    SignatureReplayed = 1306, "signature already used";
    /// Login flow: the steps after authentication are done and the login state is set.
    LoginFlowCompleted = 1600, "login flow completed";
    /// Login flow: MFA the user set up for themselves (personal center) is required.
    PersonalMfa = 1635, "personal MFA";
    /// Login flow: MFA configured for the application is required.
    EnterpriseMfa = 1636, "application MFA";
    /// Login flow: the password must be reset at this first login, without the old one.
    FirstLoginPasswordReset = 1639, "password reset at first login";
    /// Login flow: a federated login asks which identity to bind; only an existing account
    /// may be bound.
    BindExistingAccount = 1640, "bind an existing account";
    /// Login flow: a federated login asks which identity to bind; an existing account may
    /// be bound or a new one created.
    BindOrCreateAccount = 1641, "bind or create an account";
    /// Login flow: login information has to be completed.
    CompleteLoginInfo = 1642, "complete login information";
    /// Login flow: the user may unlock their account themselves.
    SelfUnlock = 1643, "self-service unlock";
    /// Login flow: the steps after authentication ended early; back to the login page.
    LoginFlowAborted = 1699, "login flow ended early";
    /// The user does not exist.
    UserNotFound = 2004, "user not found";
    /// The user is locked.
    UserLocked = 2005, "user locked";
    /// The password is wrong.
    WrongPassword = 2006, "wrong password";
    /// The application does not exist.
    AppNotFound = 2011, "application not found";
    /// Not logged in: no access to this request.
    NotLoggedIn = 2020, "not logged in";
    /// The application does not let users register.
    RegistrationDisabled = 2031, "registration disabled";
    /// The application's domain is already in use.
    AppDomainTaken = 2039, "application domain taken";
    /// The user pool's domain is already in use.
    UserPoolDomainTaken = 2040, "user pool domain taken";
    /// A password reset is required, with the old password checked.
    PasswordResetRequired = 2058, "password reset required";
    /// The user pool does not exist.
    UserPoolNotFound = 2224, "user pool not found";
    /// The username or the password is wrong.
    WrongAccountOrPassword = 2333, "wrong username or password";
    /// A metering or billing error.
    Billing = 4021, "billing error";
    /// The TOTP code is wrong.
    WrongTotpCode = 6001, "wrong TOTP code";
    /// The TOTP recovery code is wrong.
    WrongTotpRecoveryCode = 6002, "wrong TOTP recovery code";
    /// No TOTP code was given.
    MissingTotpCode = 6003, "missing TOTP code";
    /// No TOTP recovery code was given.
    MissingTotpRecoveryCode = 6004, "missing TOTP recovery code";
    /// The user is deactivated or not a member of this tenant.
    NotActiveTenantMember = 2120008, "not an active tenant member";
    /// The user may not log in to this tenant.
    TenantLoginDenied = 2130010, "tenant login denied";
    /// The LDAP link is not valid.
    InvalidLdapLink = 2820002, "invalid LDAP link";
}

impl ApiCode {
    /// Whether this is one of the signature codes, 1300 to 1306 (all documented and named:
    /// [`InvalidSignature`](ApiCode::InvalidSignature) to
    /// [`SignatureReplayed`](ApiCode::SignatureReplayed)).
    pub const fn is_signature(self) -> bool {
        matches!(self.value(), 1300..=1306)
    }

    /// Whether this is one of the documented login-flow codes: 1600, 1635, 1636, 1639 to
    /// 1643 and 1699 ([`LoginFlowCompleted`](ApiCode::LoginFlowCompleted) to
    /// [`LoginFlowAborted`](ApiCode::LoginFlowAborted)). The references list these values
    /// only, so another value between 1600 and 1699 does not count.
    pub const fn is_login_flow(self) -> bool {
        matches!(self.value(), 1600 | 1635 | 1636 | 1639..=1643 | 1699)
    }

    /// Whether this is one of the TOTP codes, 6001 to 6004 (all documented and named:
    /// [`WrongTotpCode`](ApiCode::WrongTotpCode) to
    /// [`MissingTotpRecoveryCode`](ApiCode::MissingTotpRecoveryCode)).
    pub const fn is_totp(self) -> bool {
        matches!(self.value(), 6001..=6004)
    }

    /// Whether the code says that a thing does not exist: 2004 (user), 2011 (application),
    /// 2224 (user pool).
    pub(crate) const fn is_not_found(self) -> bool {
        matches!(self.value(), 2004 | 2011 | 2224)
    }

    /// Whether the code says that a value is already in use: 2039 (application domain),
    /// 2040 (user pool domain).
    pub(crate) const fn is_conflict(self) -> bool {
        matches!(self.value(), 2039 | 2040)
    }
}

impl From<i64> for ApiCode {
    fn from(value: i64) -> Self {
        ApiCode::named(value)
    }
}

impl From<ApiCode> for i64 {
    fn from(code: ApiCode) -> Self {
        code.value()
    }
}

impl PartialEq for ApiCode {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl Eq for ApiCode {}

impl std::hash::Hash for ApiCode {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value().hash(state);
    }
}

/// The number, then for a named code a short description: `2004 (user not found)`, `12345`.
impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            Some(text) => write!(f, "{} ({text})", self.value()),
            None => write!(f, "{}", self.value()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented values, written out once more by hand against the references' table:
    /// a typo in the macro's table fails here.
    const DOCUMENTED: &[(i64, ApiCode)] = &[
        (1300, ApiCode::InvalidSignature),
        (1301, ApiCode::SignatureMethodMismatch),
        (1302, ApiCode::SignatureVersionMismatch),
        (1303, ApiCode::BadSignatureTimestamp),
        (1304, ApiCode::MissingDateHeader),
        (1305, ApiCode::SignatureClockSkew),
        (1306, ApiCode::SignatureReplayed),
        (1600, ApiCode::LoginFlowCompleted),
        (1635, ApiCode::PersonalMfa),
        (1636, ApiCode::EnterpriseMfa),
        (1639, ApiCode::FirstLoginPasswordReset),
        (1640, ApiCode::BindExistingAccount),
        (1641, ApiCode::BindOrCreateAccount),
        (1642, ApiCode::CompleteLoginInfo),
        (1643, ApiCode::SelfUnlock),
        (1699, ApiCode::LoginFlowAborted),
        (2004, ApiCode::UserNotFound),
        (2005, ApiCode::UserLocked),
        (2006, ApiCode::WrongPassword),
        (2011, ApiCode::AppNotFound),
        (2020, ApiCode::NotLoggedIn),
        (2031, ApiCode::RegistrationDisabled),
        (2039, ApiCode::AppDomainTaken),
        (2040, ApiCode::UserPoolDomainTaken),
        (2058, ApiCode::PasswordResetRequired),
        (2224, ApiCode::UserPoolNotFound),
        (2333, ApiCode::WrongAccountOrPassword),
        (4021, ApiCode::Billing),
        (6001, ApiCode::WrongTotpCode),
        (6002, ApiCode::WrongTotpRecoveryCode),
        (6003, ApiCode::MissingTotpCode),
        (6004, ApiCode::MissingTotpRecoveryCode),
        (2120008, ApiCode::NotActiveTenantMember),
        (2130010, ApiCode::TenantLoginDenied),
        (2820002, ApiCode::InvalidLdapLink),
    ];

    fn same_variant(a: ApiCode, b: ApiCode) -> bool {
        std::mem::discriminant(&a) == std::mem::discriminant(&b)
    }

    #[test]
    fn every_named_value_round_trips() {
        assert_eq!(DOCUMENTED.len(), ApiCode::NAMED.len());
        for &(value, code) in DOCUMENTED {
            let read = ApiCode::from(value);
            assert!(
                same_variant(read, code),
                "{value}: {read:?} is not {code:?}"
            );
            assert_eq!(code.value(), value);
            assert_eq!(i64::from(code), value);
            assert_eq!(ApiCode::from(code.value()), code);
            assert!(code.text().is_some(), "{code:?}");
            assert!(
                code.to_string().starts_with(&format!("{value} (")),
                "{code}"
            );
        }
        for &code in ApiCode::NAMED {
            assert!(
                DOCUMENTED.iter().any(|&(_, d)| same_variant(d, code)),
                "{code:?} is named but not in the documented list"
            );
        }
    }

    #[test]
    fn unknown_values_are_kept() {
        for value in [0, -1, 1, 1307, 1650, 1700, 2007, 6005, i64::MAX, i64::MIN] {
            let code = ApiCode::from(value);
            assert!(same_variant(code, ApiCode::Other(0)), "{value}: {code:?}");
            assert_eq!(code.value(), value);
            assert_eq!(code.to_string(), value.to_string());
        }
    }

    #[test]
    fn equality_and_hash_follow_the_value() {
        use std::collections::HashSet;
        assert_eq!(ApiCode::Other(2004), ApiCode::UserNotFound);
        assert_ne!(ApiCode::Other(2005), ApiCode::UserNotFound);
        let set: HashSet<ApiCode> = [ApiCode::UserNotFound, ApiCode::Other(2004)].into();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn groups() {
        let signature: Vec<i64> = (0..3_000_000)
            .filter(|&v| ApiCode::from(v).is_signature())
            .collect();
        assert_eq!(signature, (1300..=1306).collect::<Vec<_>>());
        let totp: Vec<i64> = (0..3_000_000)
            .filter(|&v| ApiCode::from(v).is_totp())
            .collect();
        assert_eq!(totp, (6001..=6004).collect::<Vec<_>>());
        let flow: Vec<i64> = (0..3_000_000)
            .filter(|&v| ApiCode::from(v).is_login_flow())
            .collect();
        assert_eq!(flow, [1600, 1635, 1636, 1639, 1640, 1641, 1642, 1643, 1699]);
        // Each group is exactly its named variants.
        for &code in ApiCode::NAMED {
            let v = code.value();
            assert_eq!(code.is_signature(), (1300..=1306).contains(&v));
            assert_eq!(code.is_totp(), (6001..=6004).contains(&v));
            assert_eq!(code.is_login_flow(), (1600..=1699).contains(&v));
        }
        assert!(ApiCode::UserNotFound.is_not_found());
        assert!(ApiCode::AppNotFound.is_not_found());
        assert!(ApiCode::UserPoolNotFound.is_not_found());
        assert!(!ApiCode::UserLocked.is_not_found());
        assert!(ApiCode::AppDomainTaken.is_conflict());
        assert!(ApiCode::UserPoolDomainTaken.is_conflict());
        assert!(!ApiCode::RegistrationDisabled.is_conflict());
    }
}
