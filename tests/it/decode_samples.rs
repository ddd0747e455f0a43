//! Response bodies of 62 operations decode into the generated `genauth::types`.
//!
//! Two operations per tag, except WeChat and UEBA, which have one operation each; Users and
//! Applications make up the difference with a third. The bodies live in
//! `tests/samples/<operationId>.json`. Each one has every required property of its response
//! schema, most of the optional ones, and one property the spec does not define, which decoding
//! must ignore. A failure points at the sample or at a generated type stricter than the API.
//!
//! The `decodes!` tests are grouped by area of the API in the modules below. This file keeps
//! the macro, the check that every sample has its test, and the decoding rules that cut across
//! tags: unknown enum values, fields the server leaves out, an ambiguous "one of", and strict
//! request builders.

use std::fs;
use std::path::Path;

/// Defines one test that decodes `tests/samples/<file>` as `genauth::types::<ty>` and runs the
/// checks with the decoded value bound to the given name; attributes before the name
/// (`#[ignore]`) go on the test.
macro_rules! decodes {
    ($(#[$attr:meta])* $test:ident, $ty:ident, $file:literal, |$r:ident| $checks:block) => {
        #[test]
        $(#[$attr])*
        fn $test() {
            let $r: genauth::types::$ty = serde_json::from_str(include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/samples/",
                $file
            )))
            .unwrap_or_else(|e| panic!("{}: {e}", $file));
            $checks
        }
    };
}

/// How many `decodes!` tests the modules below define; one per sample file.
const DECODE_TESTS: usize = 62;

mod applications;
mod organizations;
mod people;
mod permissions;
mod platform;
mod security;

/// The spec's `approvalObjectList` is "one of" a role object and an application object, with
/// nothing to tell them apart: tried in order, with lenient decoding, an application object
/// would decode as an empty role and lose its `logo`. Regen keeps the field as raw JSON, and
/// the caller decodes the kind it expects.
#[test]
fn application_approval_objects_keep_everything_and_decode_as_applications() {
    use genauth::types::{
        ApplicationPermissionApplyApprovalObject, ApprovalDetailRes, ApprovalListRes,
    };
    let detail: ApprovalDetailRes =
        serde_json::from_str(include_str!("../samples/getDetail.json")).unwrap();
    let pending: ApprovalListRes =
        serde_json::from_str(include_str!("../samples/pendList.json")).unwrap();
    for (object, logo) in [
        (
            detail.data.approval_object_list.clone(),
            "https://files.example.com/apps/crm.png",
        ),
        (
            pending.data.list[1].approval_object_list.clone(),
            "https://files.example.com/apps/expense-center.png",
        ),
    ] {
        let raw = object;
        assert_eq!(raw["logo"], logo, "nothing is dropped");
        let app: ApplicationPermissionApplyApprovalObject =
            serde_json::from_value(raw).expect("decodes as what it is");
        assert_eq!(app.logo, logo);
    }
}

#[test]
fn every_sample_is_used() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples");
    // `published/` holds the reference's own samples, checked by the crate's unit tests.
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry"))
        .filter(|entry| !entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.iter().all(|n| n.ends_with(".json")),
        "non-JSON files in {}: {names:?}",
        dir.display()
    );
    assert_eq!(
        names.len(),
        DECODE_TESTS,
        "each sample needs a decodes! test and vice versa: {names:?}"
    );
}

/// A value the spec does not list (a status added to the API later) decodes, is kept, and
/// goes back out unchanged; the rest of the response is unaffected.
#[test]
fn unknown_enum_values_in_a_real_response_are_kept() {
    let mut body: serde_json::Value =
        serde_json::from_str(include_str!("../samples/getUser.json")).unwrap();
    body["data"]["status"] = "Hibernating".into();
    body["data"]["gender"] = "X".into();
    let user: genauth::types::UserSingleRespDto = serde_json::from_value(body).unwrap();
    assert_eq!(
        user.data.status,
        genauth::types::Status::UnknownValue("Hibernating".into())
    );
    assert_eq!(user.data.gender.to_string(), "X");
    assert_eq!(user.data.user_id, "643d517fe6ebab7b8cfcf98d");
    let back = serde_json::to_value(&user).unwrap();
    assert_eq!(back["data"]["status"], "Hibernating");
    assert_eq!(back["data"]["gender"], "X");
    // Known values are still their typed variants.
    let known: genauth::types::UserSingleRespDto =
        serde_json::from_str(include_str!("../samples/getUser.json")).unwrap();
    assert_eq!(known.data.status, genauth::types::Status::Activated);
}

/// Fields the spec marks required but GenAuth's own published samples leave out decode to
/// their type's default; numbers sent as strings decode as numbers.
#[test]
fn responses_as_the_server_sends_them_decode() {
    fn sample(file: &str) -> serde_json::Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/samples")
            .join(file);
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
    }
    let without = |mut v: serde_json::Value, pointer: &str, field: &str| {
        v.pointer_mut(pointer)
            .and_then(|o| o.as_object_mut())
            .unwrap_or_else(|| panic!("{pointer}"))
            .remove(field)
            .unwrap_or_else(|| panic!("{pointer}/{field} is in the sample"));
        v
    };
    // totalCount absent from a paginated list, and a count sent as a string.
    let mut roles = without(sample("listRoles.json"), "/data", "totalCount");
    roles["data"]["list"][0]["disableTime"] = "1735660800000".into();
    let roles: genauth::types::RolePaginatedRespDto = serde_json::from_value(roles).unwrap();
    assert_eq!(roles.data.total_count, 0);
    assert_eq!(roles.data.list[0].disable_time, Some(1_735_660_800_000));
    // `enabled` absent from a pipeline function.
    let function = without(sample("getPipelineFunction.json"), "/data", "enabled");
    let function: genauth::types::PipelineFunctionSingleRespDto =
        serde_json::from_value(function).unwrap();
    assert!(!function.data.enabled);
    // `isIntegrateApp` absent from an application.
    let app = without(sample("getApplication.json"), "/data", "isIntegrateApp");
    let app: genauth::types::ApplicationSingleRespDto = serde_json::from_value(app).unwrap();
    assert!(!app.data.is_integrate_app);
    // `userInfoInIdp` absent from an identity; the status code as a string.
    let mut user = without(
        sample("getUser.json"),
        "/data/identities/0",
        "userInfoInIdp",
    );
    user["statusCode"] = "200".into();
    let user: genauth::types::UserSingleRespDto = serde_json::from_value(user).unwrap();
    assert_eq!(user.status_code, 200);
    let identity = &user.data.identities[0];
    assert!(identity.user_info_in_idp.is_null());
    // Nested objects the types declare required, left out: each can be built empty, so each
    // takes its empty value (the second step of lenient decoding).
    let mut function = sample("getPipelineFunction.json");
    function["data"]
        .as_object_mut()
        .unwrap()
        .remove("lastExecuteStatus");
    let function: genauth::types::PipelineFunctionSingleRespDto =
        serde_json::from_value(function).unwrap();
    assert!(function.data.last_execute_status.is_empty());
    let names: genauth::types::LangObject =
        serde_json::from_value(serde_json::json!({"zh-CN": {"enabled": true, "value": "管理员"}}))
            .unwrap();
    assert!(names.zh_cn.enabled);
    assert_eq!(names.ja_jp.value, "");
    // A success envelope without `data`, whose data type can be built empty.
    let app: genauth::types::ApplicationSingleRespDto =
        serde_json::from_value(serde_json::json!({"statusCode": 200, "message": "ok"})).unwrap();
    assert_eq!(app.data.app_id, "");
    // A role check's `message` says why validation failed, as text.
    let check: genauth::types::RoleCheckParamsRespDto = serde_json::from_value(serde_json::json!({
        "statusCode": 200,
        "message": "Operation successful",
        "requestId": "5b1f0a8e-2c1d-4d0e-9a7b-6f3e2d1c0b9a",
        "data": {"isValid": false, "message": "The role code already exists"}
    }))
    .unwrap();
    assert!(!check.data.is_valid);
    assert_eq!(check.data.message, "The role code already exists");
    // What cannot be a number is still an error.
    let mut bad = sample("listRoles.json");
    bad["data"]["totalCount"] = "many".into();
    assert!(serde_json::from_value::<genauth::types::RolePaginatedRespDto>(bad).is_err());
}

/// Building a request stays strict: a missing required field is refused before sending.
#[test]
fn requests_missing_a_required_field_are_refused() {
    let built: Result<genauth::types::CreateRoleDto, _> = genauth::types::CreateRoleDto::builder()
        .name(Some("R".to_string()))
        .try_into();
    let err = built.unwrap_err().to_string();
    assert!(err.contains("code"), "{err}");
}
