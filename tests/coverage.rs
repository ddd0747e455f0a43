//! Every operation of the vendored spec is a method of the generated client.
//!
//! Reads the spec and the generated source (build.rs output). The generated code tags each
//! request with its operationId and names the builder method after it; both must be present for
//! every operation, and nothing else may be.

use std::collections::BTreeSet;

const SPEC: &str = include_str!("../openapi/management-v3.json");
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/codegen.rs"));

fn spec_operation_ids() -> BTreeSet<String> {
    let spec: serde_json::Value = serde_json::from_str(SPEC).expect("spec is JSON");
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            ids.insert(op["operationId"].as_str().expect("operationId").to_string());
        }
    }
    ids
}

fn spec_operation_ids_of(groups: &[&str]) -> BTreeSet<String> {
    let spec: serde_json::Value = serde_json::from_str(SPEC).expect("spec is JSON");
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if groups.contains(&op["tags"][0].as_str().expect("a tag")) {
                ids.insert(op["operationId"].as_str().expect("operationId").to_string());
            }
        }
    }
    ids
}

/// The operation constants the generated `send`s end with (`Call::typed(&op::GET_USER)`, or
/// `Call::typed_without_status(..)` for an answer type without `statusCode`), as client
/// method names.
fn generated_calls() -> BTreeSet<String> {
    const CALLS: [&str; 2] = [
        "crate::send::Call::typed(&crate::operations::op::",
        "crate::send::Call::typed_without_status(&crate::operations::op::",
    ];
    // The formatter breaks long calls over lines.
    let compact: String = GENERATED.split_whitespace().collect();
    CALLS
        .iter()
        .flat_map(|call| {
            compact.match_indices(call).map(|(i, _)| {
                let rest = &compact[i + call.len()..];
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
                    .to_ascii_lowercase()
            })
        })
        .collect()
}

/// The operationIds the spec marks as reads (`x-genauth-read`).
fn spec_reads() -> BTreeSet<String> {
    let spec: serde_json::Value = serde_json::from_str(SPEC).expect("spec is JSON");
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if op["x-genauth-read"] == true {
                ids.insert(op["operationId"].as_str().expect("operationId").to_string());
            }
        }
    }
    ids
}

#[test]
fn every_operation_is_a_client_method() {
    let all_ids = spec_operation_ids();
    assert_eq!(
        all_ids.len(),
        496,
        "the Management API V3 has 496 operations (367 in both fact bases, 129 only in Authing's)"
    );
    // The build has the operations of the groups whose feature is on: all by default.
    let groups = genauth::operations::groups();
    let ids = spec_operation_ids_of(groups);
    if cfg!(feature = "all-groups") {
        assert_eq!(groups.len(), 31);
        assert_eq!(ids, all_ids);
    } else {
        assert!(ids.len() < all_ids.len(), "{groups:?}");
    }
    let calls = generated_calls();
    let reads = spec_reads();
    let mut missing = Vec::new();
    for id in &ids {
        let Some(op) = genauth::operations::all().iter().find(|op| op.id == id) else {
            missing.push(format!("{id}: not in the operation table"));
            continue;
        };
        // The generated request code names the operation's constant, whose read mark is the
        // spec's, and the tag trait declares the method.
        let tagged = calls.contains(op.method) && op.read_only == reads.contains(id);
        let declared = GENERATED.contains(&format!("fn {}(", op.method));
        if !(tagged && declared) {
            missing.push(format!(
                "{id} -> {} (tagged: {tagged}, declared: {declared})",
                op.method
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a client method: {missing:#?}"
    );

    let generated = calls;
    let methods: BTreeSet<String> = genauth::operations::all()
        .iter()
        .map(|op| op.method.to_string())
        .collect();
    assert_eq!(
        generated, methods,
        "the generated client has exactly the spec's operations"
    );
    let table_ids: BTreeSet<String> = genauth::operations::all()
        .iter()
        .map(|op| op.id.to_string())
        .collect();
    assert_eq!(
        table_ids, ids,
        "the generated client has exactly the spec's operations"
    );
}

#[test]
fn user_id_type_is_one_shared_enum() {
    let spec: serde_json::Value = serde_json::from_str(SPEC).unwrap();
    let component = &spec["components"]["schemas"]["UserIdType"];
    assert_eq!(component["enum"].as_array().unwrap().len(), 8);
    assert_eq!(component["default"], "user_id");
    let op_refs = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .flat_map(|op| op["parameters"].as_array().cloned().unwrap_or_default())
        .filter(|p| p["schema"]["$ref"] == "#/components/schemas/UserIdType")
        .count();
    assert_eq!(
        op_refs, 23,
        "every userIdType parameter uses the shared enum"
    );
    // Each of the 8 variants exists on the one generated enum.
    use genauth::types::UserIdType::*;
    let all = [
        UserId,
        ExternalId,
        Phone,
        Email,
        Username,
        Identity,
        SyncRelation,
        CustomField,
    ];
    let wire: Vec<String> = all
        .iter()
        .map(|v| {
            serde_json::to_value(v)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        wire,
        [
            "user_id",
            "external_id",
            "phone",
            "email",
            "username",
            "identity",
            "sync_relation",
            "custom_field"
        ]
    );
}

#[test]
fn operations_record_their_inputs_and_sit_in_their_groups() {
    let spec: serde_json::Value = serde_json::from_str(SPEC).unwrap();
    let mut per_tag = std::collections::BTreeMap::<String, usize>::new();
    let (mut both, mut authing_only, mut without_page) = (0, 0, 0);
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap();
            *per_tag
                .entry(op["tags"][0].as_str().unwrap().to_string())
                .or_default() += 1;
            let by: Vec<&str> = op["x-listed-by"]
                .as_array()
                .unwrap_or_else(|| panic!("{id}: no x-listed-by"))
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            match by.as_slice() {
                ["@genauth/nodejs@1.0.0", "authing-node-sdk@4.0.1"] => both += 1,
                ["authing-node-sdk@4.0.1"] => authing_only += 1,
                other => panic!("{id}: listed by {other:?}"),
            }
            let description = op["description"].as_str().unwrap_or("");
            if op.get("x-docs-page").is_none() {
                without_page += 1;
                assert!(
                    description.ends_with(&format!(
                        "GenAuth's API reference has no page for this operation. Known from {}.",
                        by.join(", ")
                    )),
                    "{id}: {description}"
                );
            } else {
                assert!(!description.contains("has no page"), "{id}");
            }
        }
    }
    assert_eq!((both, authing_only), (367, 129));
    assert_eq!(
        without_page,
        91 + 58,
        "91 shared and 58 Authing-only operations have no page"
    );
    for (tag, n) in [
        ("Tenants", 38),
        ("Departments", 21),
        ("Posts", 11),
        ("Sync", 11),
        ("Organizations", 8),
        ("LDAP server", 7),
        ("Approvals", 6),
        ("Users", 41),
        ("Public accounts", 29),
    ] {
        assert_eq!(per_tag.get(tag), Some(&n), "{tag}: {per_tag:?}");
    }
    assert_eq!(per_tag.len(), 31);
    assert_eq!(per_tag.values().sum::<usize>(), 496);
}
