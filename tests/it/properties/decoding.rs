//! The response types of the `Users` tag decode arbitrary bytes, mutated sample bodies and
//! arbitrary JSON without panicking; their list is checked against the vendored spec.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use genauth::envelope::Envelope;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;

use super::config;
use super::strategies::text;

/// Declares `RESPONSE_TYPES`, the names of the listed types, and `decode_all`, which decodes
/// bytes as each of them. Envelope types that decode also go through `Envelope`.
macro_rules! users_responses {
    (envelopes: [$($envelope:ident),* $(,)?], plain: [$($plain:ident),* $(,)?] $(,)?) => {
        const RESPONSE_TYPES: &[&str] = &[$(stringify!($envelope),)* $(stringify!($plain),)*];

        /// Decodes `bytes` as each response type; returns how many accepted them.
        fn decode_all(bytes: &[u8]) -> usize {
            let mut accepted = 0;
            $(
                if let Ok(response) = serde_json::from_slice::<genauth::types::$envelope>(bytes) {
                    accepted += 1;
                    check_envelope(response);
                }
            )*
            $(
                if serde_json::from_slice::<genauth::types::$plain>(bytes).is_ok() {
                    accepted += 1;
                }
            )*
            accepted
        }
    };
}

// The 200-response types of the operations tagged `Users`. `CommonResponseDto` has no
// `data`, so it is not an `Envelope`.
users_responses! {
    envelopes: [
        AppListRespDto,
        AuthorizedResourcePaginatedRespDto,
        CheckSessionStatusRespDto,
        GetMapInfoRespDto,
        GetOtpSecretRespDto,
        GetUserEncryptPasswordBatchRespDto,
        GetUserPasswordCiphertextRespDto,
        GroupPaginatedRespDto,
        HasAnyRoleRespDto,
        IdentityListRespDto,
        IsSuccessRespDto,
        IsUserExistsRespDto,
        LinkIdentityResDto,
        ListArchivedUsersSingleRespDto,
        PrincipalAuthenticationInfoPaginatedRespDto,
        ResignUserRespDto,
        RolePaginatedRespDto,
        SyncRelationListRespDto,
        UnlinkIdentityResDto,
        UserFieldDecryptRespDto,
        UserListRespDto,
        UserLoggedInAppsListRespDto,
        UserLoggedInIdentitiesRespDto,
        UserLoginHistoryPaginatedRespDto,
        UserDepartmentPaginatedRespDto,
        UserMfaSingleRespDto,
        UserPaginatedRespDto,
        UserSingleRespDto,
    ],
    plain: [CommonResponseDto],
}

/// A decoded envelope yields its data exactly when its status code is 200, and otherwise
/// an API error carrying its code and message.
fn check_envelope<T: Envelope>(response: T) {
    let status = response.status_code();
    let message = response.message().unwrap_or_default().to_owned();
    match response.into_result(200) {
        Ok(_) => assert_eq!(status, Some(200)),
        Err(genauth::Error::Api {
            status_code,
            message: text,
            ..
        }) => {
            assert_ne!(status, Some(200));
            assert_eq!(status_code, status.unwrap_or_default());
            assert_eq!(text, message);
        }
        Err(other) => panic!("into_result gave {other:?}"),
    }
}

fn manifest_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The bodies in `tests/samples`, in file-name order.
fn samples() -> &'static [Vec<u8>] {
    static SAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let mut paths: Vec<PathBuf> = fs::read_dir(manifest_path("tests/samples"))
            .expect("tests/samples is readable")
            .map(|entry| entry.expect("readable directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        paths.sort();
        assert!(!paths.is_empty(), "tests/samples has JSON bodies");
        paths
            .iter()
            .map(|path| fs::read(path).expect("readable sample"))
            .collect()
    })
}

/// Every object key used in the samples: generated JSON with these keys gets past the
/// first field of a response type.
fn sample_keys() -> Vec<String> {
    fn collect(value: &Value, keys: &mut BTreeSet<String>) {
        match value {
            Value::Array(items) => items.iter().for_each(|item| collect(item, keys)),
            Value::Object(fields) => {
                for (key, field) in fields {
                    keys.insert(key.clone());
                    collect(field, keys);
                }
            }
            _ => {}
        }
    }
    let mut keys = BTreeSet::new();
    for sample in samples() {
        collect(
            &serde_json::from_slice(sample).expect("samples are JSON"),
            &mut keys,
        );
    }
    keys.into_iter().collect()
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Mutation {
    /// Flip some bits of one byte.
    Flip { at: Index, mask: u8 },
    /// Insert bytes, often a JSON token.
    Insert { at: Index, bytes: Vec<u8> },
    /// Remove a run of bytes.
    Delete { at: Index, len: usize },
    /// Cut off the end.
    Truncate { at: Index },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let insertion = prop_oneof![
        select(vec![
            "null",
            "true",
            "0",
            "-1",
            "1.5",
            "1e999",
            "-0",
            "18446744073709551616",
            "\"\"",
            "\"\\ud800\"",
            "[]",
            "{}",
            "[",
            "{",
            ",",
            ":",
            "\"",
            "\\",
            "\"data\":",
        ])
        .prop_map(|token| token.as_bytes().to_vec()),
        vec(any::<u8>(), 1..4),
    ];
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        (any::<Index>(), insertion).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<Index>(), 1usize..16).prop_map(|(at, len)| Mutation::Delete { at, len }),
        any::<Index>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    match mutation {
        Mutation::Insert { at, bytes: new } => {
            let i = at.index(bytes.len() + 1);
            bytes.splice(i..i, new.iter().copied());
        }
        _ if bytes.is_empty() => {}
        Mutation::Flip { at, mask } => {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        Mutation::Delete { at, len } => {
            let i = at.index(bytes.len());
            bytes.drain(i..(i + len).min(bytes.len()));
        }
        Mutation::Truncate { at } => bytes.truncate(at.index(bytes.len())),
    }
}

/// Any JSON value, with object keys mostly taken from the samples and numbers that are
/// sometimes 200 (a success status).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        Just(Value::from(200)),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // NaN and the infinities become null.
        any::<f64>().prop_map(Value::from),
        text(8).prop_map(Value::from),
    ];
    let key = prop_oneof![3 => select(sample_keys()), 1 => text(6)].boxed();
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key.clone(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Replaces the part of `doc` that `route` leads to (each step picks a child of an array
/// or object) with `replacement`.
fn graft(doc: &mut Value, route: &[Index], replacement: Value) {
    if let Some((step, rest)) = route.split_first() {
        match doc {
            Value::Array(items) if !items.is_empty() => {
                let i = step.index(items.len());
                return graft(&mut items[i], rest, replacement);
            }
            Value::Object(fields) if !fields.is_empty() => {
                let i = step.index(fields.len());
                if let Some(child) = fields.values_mut().nth(i) {
                    return graft(child, rest, replacement);
                }
            }
            _ => {}
        }
    }
    *doc = replacement;
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }

    /// Samples with bits flipped, tokens inserted, runs deleted or the end cut off.
    #[test]
    fn mutated_samples_never_panic(sample in any::<Index>(), mutations in vec(mutation(), 1..6)) {
        let mut bytes = sample.get(samples()).clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        decode_all(&serde_json::to_vec(&value).expect("a Value serialises"));
    }

    /// Samples with one part, from a leaf to the whole document, replaced by arbitrary JSON.
    #[test]
    fn samples_with_a_part_replaced_never_panic(
        sample in any::<Index>(),
        route in vec(any::<Index>(), 0..5),
        replacement in json_value(),
    ) {
        let bytes: &Vec<u8> = sample.get(samples());
        let mut doc: Value = serde_json::from_slice(bytes).expect("samples are JSON");
        graft(&mut doc, &route, replacement);
        decode_all(&serde_json::to_vec(&doc).expect("a Value serialises"));
    }
}

/// The harness is not vacuous: the samples of `Users` operations decode.
#[test]
fn users_samples_decode() {
    for name in [
        "getOtpSecretByUser.json",
        "getUser.json",
        "getUserLoginHistory.json",
    ] {
        let bytes = fs::read(manifest_path(&format!("tests/samples/{name}"))).expect(name);
        assert!(decode_all(&bytes) >= 1, "{name} decodes as no listed type");
    }
}

/// The list above is exactly the set of 200-response schemas of the operations tagged
/// `Users` (the seed operation `getOtpSecretByUser` among them), so it cannot go stale.
#[test]
fn response_types_match_the_users_tag_of_the_spec() {
    let spec: Value = serde_json::from_slice(
        &fs::read(manifest_path("openapi/management-v3.json")).expect("the spec is vendored"),
    )
    .expect("the spec is JSON");
    let mut names = BTreeSet::new();
    let mut seed_is_tagged = false;
    for item in spec["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("a path item").values() {
            let tagged = operation["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|tag| tag == "Users"));
            if !tagged {
                continue;
            }
            seed_is_tagged |= operation["operationId"] == "getOtpSecretByUser";
            let content = operation["responses"]["200"]["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{} has a 200 body", operation["operationId"]));
            for media in content.values() {
                let reference = media["schema"]["$ref"].as_str().expect("a $ref schema");
                let name = reference
                    .strip_prefix("#/components/schemas/")
                    .expect("a local schema");
                names.insert(name.to_owned());
            }
        }
    }
    assert!(seed_is_tagged, "getOtpSecretByUser is tagged Users");
    let listed: BTreeSet<String> = RESPONSE_TYPES.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        listed.len(),
        RESPONSE_TYPES.len(),
        "the list has duplicates"
    );
    assert_eq!(names, listed);
}
