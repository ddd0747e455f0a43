//! Sample responses of the organisation tree: organizations, departments, posts and
//! tenants.

// Organizations
decodes!(
    create_organization,
    OrganizationSingleRespDto,
    "createOrganization.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("d7dfc0b2-ae6c-5044-92f3-c1fe8366b5a5")
        );
        assert_eq!(r.data.organization_code, "northwind");
        assert_eq!(r.data.department_id, "665d27ac1e0f4a3b9c8d7e61");
        assert_eq!(r.data.members_count, 0);
        let name = &r.data.i18n.as_ref().unwrap().organization_name;
        assert_eq!(name.zh_cn.value, "北风贸易");
        assert!(name.zh_cn.enabled);
        assert_eq!(name.ja_jp.value, "ノースウィンド商事");
        assert!(!name.ja_jp.enabled);
        // `allow` and `status` are strings in the spec, even where they hold JSON.
        assert_eq!(
            r.data.allow.as_deref(),
            Some(r#"["6319a1504f3e1a2b3f214dd5"]"#)
        );
        assert_eq!(r.data.status.as_deref(), Some("true"));
    }
);
decodes!(
    list_organizations,
    OrganizationPaginatedRespDto,
    "listOrganizations.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("cd88e926-26a1-54b5-9d11-338e4de460c0")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].members_count, 128);
        assert_eq!(
            r.data.list[0].custom_data.as_ref().unwrap()["costCenter"],
            "CC-1000"
        );
        assert_eq!(r.data.list[1].organization_name, "Contoso Labs");
        assert!(r.data.list[1].is_virtual_node);
        assert!(r.data.list[1].i18n.is_none());
    }
);

// Departments
decodes!(
    get_department,
    DepartmentSingleRespDto,
    "getDepartment.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("2ba13e2e-3379-55c0-848e-728d8a31a13d")
        );
        assert_eq!(r.data.name, "Engineering");
        assert_eq!(r.data.code.as_deref(), Some("engineering"));
        assert_eq!(r.data.parent_department_code, "northwind");
        assert_eq!(r.data.members_count, 42);
        assert_eq!(r.data.leader_user_ids[1], "647e58d63b60197ceb55a1c4");
        assert_eq!(r.data.status, Some(true));
        assert_eq!(r.data.i18n.as_ref().unwrap().name.zh_tw.value, "研發部");
        assert_eq!(r.data.custom_data.as_ref().unwrap()["floor"], "7F");
    }
);
decodes!(
    list_children_departments,
    DepartmentPaginatedRespDto,
    "listChildrenDepartments.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("26245b1a-f27c-5c92-9e6e-668f36c2935b")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].name, "Platform");
        assert_eq!(
            r.data.list[1].open_department_id.as_deref(),
            Some("NW-ENG-QA")
        );
        assert_eq!(r.data.list[1].is_virtual_node, Some(true));
        assert_eq!(r.data.list[1].status, Some(false));
    }
);

// Posts
decodes!(get_post, CreatePostDto, "getPost.json", |r| {
    // The spec (and GenAuth's docs) give getPost a bare post, without the envelope.
    assert_eq!(r.id.as_deref(), Some("6660a1f2b3c4d5e6f7a8b9c0"));
    assert_eq!(r.code, "developer");
    assert_eq!(r.name, "Software Developer");
    // A string holding a JSON array, as the spec types it.
    let departments: Vec<String> =
        serde_json::from_str(r.department_id_list.as_deref().unwrap()).unwrap();
    assert_eq!(departments[1], "66613a55c4d3e2f1a0b9c8d7");
});
decodes!(post_list, PostPaginatedRespDto, "postList.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("bf451422-5e46-5500-9e79-9d4ebb965b5b")
    );
    assert_eq!(r.data.total_count, 2);
    assert_eq!(r.data.list[0].user_count, 37);
    assert!((r.data.list[0].department_count - 2.0).abs() < 1e-9);
    assert_eq!(r.data.list[1].code, "tech-lead");
    assert_eq!(r.data.list[1].metadata_source, ["genauth", "lark"]);
    assert!(r.data.list[1].description.is_none());
});

// Tenants
decodes!(
    create_tenant,
    CreateTenantRespDto,
    "createTenant.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("6306a5f4-cbc0-5d51-86f3-6335a72a716d")
        );
        assert_eq!(r.data.tenant_id, "66b1c2d3e4f5a6b7c8d9e0f1");
        assert_eq!(r.data.code, "fabrikam");
        assert_eq!(r.data.app_ids.len(), 2);
        assert_eq!(r.data.enterprise_domains, ["fabrikam.example.com"]);
        assert_eq!(
            r.data.reject_hint.as_deref(),
            Some("Your account is not a member of Fabrikam Retail.")
        );
        assert_eq!(r.data.source_app_id, "");
    }
);
decodes!(
    list_tenants,
    TenantListPaginatedRespDto,
    "listTenants.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("e3e4debc-f0dd-5d9a-bfea-82e0dd450a4f")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].members_count, Some(214));
        assert_eq!(
            r.data.list[0].creator_detail.as_ref().unwrap()["username"],
            "leiw"
        );
        assert!(r.data.list[0].source_app_detail.is_none());
        assert_eq!(r.data.list[1].source, "app");
        assert_eq!(
            r.data.list[1].source_app_detail.as_ref().unwrap()["appName"],
            "Partner Portal"
        );
    }
);
