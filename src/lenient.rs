//! Lenient decoding of response numbers and booleans: the API sometimes sends a number as a
//! string (`"1"`), and a boolean as one (`"false"`).
//!
//! build.rs points every `i64`/`f64`/`bool` field of the generated types here
//! (`deserialize_with`), so a numeric string decodes as the number and `"true"`/`"false"` as
//! the boolean; anything else fails as before. What the crate sends is unchanged:
//! serialisation writes plain numbers and booleans. Which field type goes through which
//! function is the codegen crate's table (`genauth_codegen::lenient::LENIENT_FNS`), which also
//! writes `decoder::Lenient<T>`'s impls: a function it names that is missing here fails the
//! build, and one here that nothing uses is dead code.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

struct Number<T>(std::marker::PhantomData<T>);

/// The target types: how a JSON number or string becomes one.
trait Target: Sized {
    const WHAT: &'static str;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn parse(s: &str) -> Option<Self>;
}

impl Target for i64 {
    const WHAT: &'static str = "an integer or a string holding one";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        // Whole numbers only, within range (`as` saturates, so check the round trip).
        (v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64).then_some(v as i64)
    }
    fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        s.parse::<i64>()
            .ok()
            .or_else(|| s.parse::<f64>().ok().and_then(Self::from_f64))
    }
}

impl Target for f64 {
    const WHAT: &'static str = "a number or a string holding one";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
    fn parse(s: &str) -> Option<Self> {
        s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

impl<'de, T: Target> Visitor<'de> for Number<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::WHAT)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_i64(v).ok_or_else(|| E::custom(format!("{v} is out of range")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v).ok_or_else(|| E::custom(format!("{v} is out of range")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| E::custom(format!("{v} is not {}", T::WHAT)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::parse(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

struct Optional<T>(std::marker::PhantomData<T>);

impl<'de, T: Target> Visitor<'de> for Optional<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "null or {}", T::WHAT)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(Number::<T>(std::marker::PhantomData))
            .map(Some)
    }
}

/// An `i64` from a JSON number or numeric string.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(Number::<i64>(std::marker::PhantomData))
}

/// An `Option<i64>`: `null`, a number, or a numeric string.
pub(crate) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_option(Optional::<i64>(std::marker::PhantomData))
}

/// An `f64` from a JSON number or numeric string.
pub(crate) fn float<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(Number::<f64>(std::marker::PhantomData))
}

/// An `Option<f64>`: `null`, a number, or a numeric string.
pub(crate) fn opt_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_option(Optional::<f64>(std::marker::PhantomData))
}

struct Boolean;

impl<'de> Visitor<'de> for Boolean {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean or the string \"true\" or \"false\"")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

struct OptionalBoolean;

impl<'de> Visitor<'de> for OptionalBoolean {
    type Value = Option<bool>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, a boolean or the string \"true\" or \"false\"")
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<bool>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<bool>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<bool>, D::Error> {
        d.deserialize_any(Boolean).map(Some)
    }
}

/// A `bool` from a JSON boolean or the string `"true"` or `"false"`.
pub(crate) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_any(Boolean)
}

/// An `Option<bool>`: `null`, a boolean, or the string `"true"` or `"false"`.
pub(crate) fn opt_boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_option(OptionalBoolean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Probe {
        #[serde(deserialize_with = "int")]
        a: i64,
        #[serde(default, deserialize_with = "opt_int")]
        b: Option<i64>,
        #[serde(deserialize_with = "float")]
        c: f64,
        #[serde(default, deserialize_with = "opt_float")]
        d: Option<f64>,
    }

    #[test]
    fn booleans_and_boolean_strings() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Flags {
            #[serde(deserialize_with = "boolean")]
            a: bool,
            #[serde(default, deserialize_with = "opt_boolean")]
            b: Option<bool>,
        }
        let f: Flags = serde_json::from_str(r#"{"a":"false","b":"true"}"#).unwrap();
        assert_eq!(
            f,
            Flags {
                a: false,
                b: Some(true)
            }
        );
        let f: Flags = serde_json::from_str(r#"{"a":true,"b":null}"#).unwrap();
        assert_eq!(f, Flags { a: true, b: None });
        for bad in [
            r#"{"a":"yes"}"#,
            r#"{"a":1}"#,
            r#"{"a":"TRUE"}"#,
            r#"{"a":true,"b":0}"#,
        ] {
            assert!(serde_json::from_str::<Flags>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_and_numeric_strings() {
        let p: Probe = serde_json::from_str(r#"{"a":"1","b":" 2 ","c":"2.5","d":null}"#).unwrap();
        assert_eq!(
            p,
            Probe {
                a: 1,
                b: Some(2),
                c: 2.5,
                d: None
            }
        );
        let p: Probe = serde_json::from_str(r#"{"a":3.0,"c":4}"#).unwrap();
        assert_eq!(
            p,
            Probe {
                a: 3,
                b: None,
                c: 4.0,
                d: None
            }
        );
        for bad in [
            r#"{"a":"x","c":1}"#,
            r#"{"a":1.5,"c":1}"#,
            r#"{"a":true,"c":1}"#,
            r#"{"a":1,"c":"NaN"}"#,
            r#"{"a":1e300,"c":1}"#,
        ] {
            assert!(serde_json::from_str::<Probe>(bad).is_err(), "{bad}");
        }
    }
}
