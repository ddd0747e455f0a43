//! What the generated `Deserialize` impls of the API's structs call.
//!
//! build.rs writes those impls itself instead of deriving them (codegen `decoders`): one
//! `visit_map` per struct that matches each key against the JSON names and reads the value.
//! What they share lives here, compiled once: the key, the duplicate and missing field
//! errors, and the lenient numbers and booleans of [`crate::lenient`] as types.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// An object key, borrowed from the input when the input allows it.
pub(crate) struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key's text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(String::from_utf8_lossy(v).into_owned())))
            }
            // A format that names fields by position: no JSON name is a number, so the field
            // is unknown and skipped.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Stores the value of field `name` in `slot`: an error if the object already gave it.
pub(crate) fn put<T, E: de::Error>(
    slot: &mut Option<T>,
    name: &'static str,
    value: T,
) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

/// The value of the required field `name`: an error if the object left it out.
// Unused when the groups turned on have no answer with a required field (`users` alone).
#[allow(dead_code)]
pub(crate) fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// A number or boolean field read leniently (see [`crate::lenient`]): `Lenient<i64>` takes
/// `1` or `"1"`, `Lenient<Option<bool>>` takes `null`, `true` or `"true"`, and so on.
pub(crate) struct Lenient<T>(pub(crate) T);

// One `Deserialize` for `Lenient<T>` per lenient function of `crate::lenient`, written by
// build.rs from the codegen crate's table (`genauth_codegen::lenient::LENIENT_FNS`), the one
// list of which field types decode leniently and through which function. The lenient pass
// names the same functions in the generated types' `deserialize_with`.
include!(concat!(env!("OUT_DIR"), "/lenient_impls.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    /// `{"a": .., "n": ..}` read the way a generated decoder reads it.
    #[derive(Debug, PartialEq)]
    struct Probe {
        a: String,
        n: Option<i64>,
    }

    impl<'de> Deserialize<'de> for Probe {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Probe;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("struct Probe")
                }
                fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
                    let (mut a, mut n) = (None, None);
                    while let Some(key) = map.next_key::<Key<'de>>()? {
                        match key.as_str() {
                            "a" => put(&mut a, "a", map.next_value()?)?,
                            "n" => put(&mut n, "n", map.next_value::<Lenient<Option<i64>>>()?.0)?,
                            _ => {
                                map.next_value::<de::IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(Probe {
                        a: required(a, "a")?,
                        n: n.unwrap_or_default(),
                    })
                }
            }
            d.deserialize_struct("Probe", &["a", "n"], V)
        }
    }

    #[test]
    fn keys_values_unknown_fields_and_lenient_numbers() {
        let p: Probe = serde_json::from_str(r#"{"x":{"deep":[1]},"a":"v","n":"7"}"#).unwrap();
        assert_eq!(
            p,
            Probe {
                a: "v".into(),
                n: Some(7)
            }
        );
        // An escaped key is owned, and still matches.
        let p: Probe = serde_json::from_str(r#"{"\u0061":"w"}"#).unwrap();
        assert_eq!(
            p,
            Probe {
                a: "w".into(),
                n: None
            }
        );
        // Through serde_json::Value (owned keys) as well.
        let p: Probe = serde_json::from_value(serde_json::json!({"a": "z", "n": 2})).unwrap();
        assert_eq!(
            p,
            Probe {
                a: "z".into(),
                n: Some(2)
            }
        );
    }

    #[test]
    fn missing_duplicate_and_mistyped_fields_are_serde_errors() {
        let e = serde_json::from_str::<Probe>(r#"{"n":1}"#).unwrap_err();
        assert!(e.to_string().starts_with("missing field `a`"), "{e}");
        let e = serde_json::from_str::<Probe>(r#"{"a":"1","a":"2"}"#).unwrap_err();
        assert!(e.to_string().starts_with("duplicate field `a`"), "{e}");
        let e = serde_json::from_str::<Probe>(r#"{"a":"1","n":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("an integer or a string"), "{e}");
        let e = serde_json::from_str::<Probe>(r#"["v"]"#).unwrap_err();
        assert!(e.to_string().contains("expected struct Probe"), "{e}");
    }

    #[test]
    fn every_lenient_type_reads_its_string_form() {
        let i: Lenient<i64> = serde_json::from_str(r#""12""#).unwrap();
        let f: Lenient<f64> = serde_json::from_str(r#""1.5""#).unwrap();
        let b: Lenient<bool> = serde_json::from_str(r#""false""#).unwrap();
        let ob: Lenient<Option<bool>> = serde_json::from_str("null").unwrap();
        let of: Lenient<Option<f64>> = serde_json::from_str("2").unwrap();
        let oi: Lenient<Option<i64>> = serde_json::from_str(r#""3""#).unwrap();
        assert_eq!(
            (i.0, f.0, b.0, ob.0, of.0, oi.0),
            (12, 1.5, false, None, Some(2.0), Some(3))
        );
    }
}
