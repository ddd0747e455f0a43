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

#[test]
fn every_operation_is_a_client_method() {
    let ids = spec_operation_ids();
    assert_eq!(ids.len(), 367, "the Management API V3 has 367 operations");
    let mut missing = Vec::new();
    for id in &ids {
        let Some(op) = genauth::operations::all().iter().find(|op| op.id == id) else {
            missing.push(format!("{id}: not in the operation table"));
            continue;
        };
        // The generated request code tags itself with the method name, and the tag trait
        // declares the method.
        let tagged = GENERATED.contains(&format!("operation_id: \"{}\"", op.method));
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

    let generated: BTreeSet<String> = GENERATED
        .match_indices("operation_id: \"")
        .map(|(i, m)| {
            let rest = &GENERATED[i + m.len()..];
            rest[..rest.find('"').expect("closing quote")].to_string()
        })
        .collect();
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
        op_refs, 21,
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
