//! Sample responses of who may do what: roles, resources and data resources with their
//! permissions, access keys, and approvals.

// Roles
decodes!(get_role, RoleSingleRespDto, "getRole.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("9f98e9b0-adc1-52ac-b388-ef90bf972d80")
    );
    assert_eq!(r.data.code, "admin");
    assert_eq!(r.data.namespace, "default");
    assert_eq!(r.data.disable_time, Some(1735660800000));
});
decodes!(list_roles, RolePaginatedRespDto, "listRoles.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("0f21add3-0e8c-5ed7-8e51-5015375e7f93")
    );
    assert_eq!(r.data.total_count, 2);
    assert_eq!(r.data.list[1].status.as_deref(), Some("DISABLE"));
    assert_eq!(r.data.list[0].enable_permission_apply, Some(true));
});

// Resources and permissions
decodes!(get_resource, ResourceRespDto, "getResource.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("a4d7806c-71e3-586f-b3d4-06272f405a34")
    );
    assert_eq!(r.data.type_.to_string(), "API");
    assert_eq!(r.data.actions[1].name, "ecs:Stop");
    assert_eq!(r.data.linked_to_tenant, Some(false));
});
decodes!(
    list_namespaces,
    NamespaceListPaginatedRespDto,
    "listNamespaces.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("058d7803-1904-5395-a604-fb25b2d63c73")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].code, "default");
        assert_eq!(r.data.list[1].status, Some(0));
    }
);

// Data resources and permissions
decodes!(
    get_data_policy,
    GetDataPolicyResponseDto,
    "getDataPolicy.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("ae7a05d3-e14b-55e2-a566-8c5ce78250a4")
        );
        assert_eq!(r.data.policy_id, "64814bbedb17ee4b58b266a4");
        assert_eq!(r.data.policy_name, "Sales team sees its own region");
        assert_eq!(
            r.data.description.as_deref(),
            Some("Row-level access for the regional sales data")
        );
    }
);
decodes!(
    list_data_resources,
    ListDataResourcesPaginatedRespDto,
    "listDataResources.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("33e870e1-7337-5ad3-b862-81affa022403")
        );
        assert_eq!(r.data.list[0].type_.to_string(), "TREE");
        assert_eq!(r.data.list[0].authorization_num, 4);
        assert_eq!(r.data.list[1].resource_code, "report-ids");
    }
);

// Access keys
decodes!(
    get_access_key,
    GetAccessKeyResponseDto,
    "getAccessKey.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("a6c5dc5b-8198-5435-85e9-1368b448a7b3")
        );
        assert_eq!(r.data[0].access_key_id, "6451ff2c618fb19e7e445933");
        assert_eq!(
            r.data[0].access_key_secret.expose_secret(),
            "7d2c1b9a0f8e6d5c4b3a2f1e0d9c8b7a"
        );
        assert!(r.data[0].enable);
    }
);
decodes!(
    get_access_key_list,
    ListAccessKeyResponseDto,
    "getAccessKeyList.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("4e7753e7-711d-55a1-b79d-783dd19aace7")
        );
        assert_eq!(r.data.len(), 2);
        assert_eq!(r.data[1].status, "staging");
        assert_eq!(
            r.data[1].access_key_secret.expose_secret(),
            "a1b2c3d4e5f60718293a4b5c6d7e8f90"
        );
    }
);

// Approvals
decodes!(pend_list, ApprovalListRes, "pendList.json", |r| {
    use genauth::types::{ApprovalDetailDtoObjectType, RolePermissionApplyApprovalObject};
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("fc7d81f5-572a-5f81-89ff-0c1d8324eccc")
    );
    assert_eq!(r.data.total_count, 2);
    let role = &r.data.list[0];
    assert_eq!(
        role.object_type,
        ApprovalDetailDtoObjectType::RolePermissionApply
    );
    assert_eq!(role.status.to_string(), "PENDING");
    assert!((role.approval_id - 3307.0).abs() < 1e-9);
    let o: RolePermissionApplyApprovalObject =
        serde_json::from_value(role.approval_object_list.clone()).unwrap();
    assert_eq!(o.role_code, "auditor");
    assert_eq!(o.namespace_id, 61082);
    assert_eq!(
        role.extra_params.as_ref().unwrap().end_time,
        Some(1_733_961_600_000)
    );
    let app = &r.data.list[1];
    assert_eq!(app.number, "AP202409110005");
    assert_eq!(
        app.object_type,
        ApprovalDetailDtoObjectType::AppPermissionApply
    );
    assert!(app.extra_params.is_none());
    // Which variant the application object lands in: see
    // `application_approval_objects_decode_as_applications`.
});
decodes!(get_detail, ApprovalDetailRes, "getDetail.json", |r| {
    use genauth::types::ApprovalDetailDtoStatus;
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("e2393bcd-7c55-5ce6-a254-cda77b0350c4")
    );
    assert_eq!(r.data.number, "AP202409090012");
    assert_eq!(r.data.status, ApprovalDetailDtoStatus::Agreed);
    assert_eq!(r.data.object_type.to_string(), "APP_PERMISSION_APPLY");
    assert_eq!(
        r.data.closed_time.as_deref(),
        Some("2024-09-09T09:27:43.000Z")
    );
    let object = serde_json::to_value(&r.data.approval_object_list).unwrap();
    assert_eq!(object["objectId"], "6319a1504f3e1a2b3f214dd5");
    assert_eq!(object["objectName"], "CRM");
});
