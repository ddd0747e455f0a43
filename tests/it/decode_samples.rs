//! Response bodies of 62 operations decode into the generated `genauth::types`.
//!
//! Two operations per tag, except WeChat and UEBA, which have one operation each; Users and
//! Applications make up the difference with a third. The bodies live in
//! `tests/samples/<operationId>.json`. Each one has every required property of its response
//! schema, most of the optional ones, and one property the spec does not define, which decoding
//! must ignore. A failure points at the sample or at a generated type stricter than the API.

use std::fs;
use std::path::Path;

/// Defines one test that decodes `samples/<file>` as `genauth::types::<ty>` and runs the checks
/// with the decoded value bound to the given name; attributes before the name (`#[ignore]`) go
/// on the test.
macro_rules! decodes {
    ($(#[$attr:meta])* $test:ident, $ty:ident, $file:literal, |$r:ident| $checks:block) => {
        #[test]
        $(#[$attr])*
        fn $test() {
            let $r: genauth::types::$ty =
                serde_json::from_str(include_str!(concat!("../samples/", $file)))
                    .unwrap_or_else(|e| panic!("{}: {e}", $file));
            $checks
        }
    };
}

/// How many `decodes!` tests this file defines; one per sample file.
const DECODE_TESTS: usize = 62;

// Devices
decodes!(
    get_rule_settings,
    GetDeviceExclusiveRuleRespDto,
    "getRuleSettings.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("9c17d338-47d8-5a7e-a316-6c32d7a78922")
        );
        assert_eq!(r.data.rule.to_string(), "condition:device");
        assert_eq!(r.data.device_rule.as_ref().unwrap().max_online_devices, 3);
        assert_eq!(r.data.ip_rule.as_ref().unwrap().max_online_i_ps, 5);
    }
);
decodes!(
    get_all_white_list_settings,
    GetDeviceExclusiveWhiteListRespDto,
    "getAllWhiteListSettings.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("87bd55dd-3b2d-5400-8126-f462b9988206")
        );
        assert_eq!(r.data.len(), 2);
        assert_eq!(r.data[0].target_type.to_string(), "USER");
        assert_eq!(r.data[0].name.as_deref(), Some("Wei Lei"));
        assert_eq!(r.data[1].target_id, "64513772ee53011ad9f4dc37");
    }
);

// Groups
decodes!(get_group, GroupSingleRespDto, "getGroup.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("4c8552ec-eecc-5863-a502-62322a269cd2")
    );
    assert_eq!(r.data.code, "developers");
    assert_eq!(r.data.members[0].user_id, "643d517fe6ebab7b8cfcf98d");
    assert_eq!(
        r.data.members[0].identities[0].provider.to_string(),
        "github"
    );
    assert_eq!(
        r.data.members[0].identities[0]
            .access_token
            .as_ref()
            .unwrap()
            .expose_secret(),
        "gho_16C7e42F292c6912E7710c838347Ae178B4a"
    );
});
decodes!(list_groups, GroupPaginatedRespDto, "listGroups.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("60744109-1dce-59c4-b9c7-1697f3616d24")
    );
    assert_eq!(r.data.total_count, 2);
    assert_eq!(r.data.list[1].name, "Finance");
    assert_eq!(
        r.data.list[0].members[0].email.as_deref(),
        Some("wei.lei@example.com")
    );
});

// Invitations
decodes!(
    get_invitation_roster,
    InvitationRosterSingleRespDto,
    "getInvitationRoster.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("9a8c4159-260e-576c-9d09-b6df011db458")
        );
        assert_eq!(r.data.status.to_string(), "invited");
        assert_eq!(r.data.user_count, 17);
        assert_eq!(
            r.data
                .creator_detail
                .as_ref()
                .unwrap()
                .display_name
                .as_deref(),
            Some("Console Admin")
        );
    }
);
decodes!(
    get_policy_user_attribution_detail,
    UserAttributionSingleRespDto,
    "getPolicyUserAttributionDetail.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("a36fa123-2a42-5c3d-a0a2-8585134b80c6")
        );
        assert_eq!(r.data.target_type.to_string(), "post");
        assert_eq!(r.data.target_identifier, "6465204b4465d9d6a575771c");
        assert_eq!(r.data.namespace.as_deref(), Some("default"));
    }
);

// Registration whitelist
decodes!(
    list_whitelists,
    WhitelistListRespDto,
    "listWhitelists.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("c24762e1-aea6-5878-9376-0428e6c74c0a")
        );
        assert_eq!(r.data.value, "wei.lei@example.com");
        assert_eq!(r.data.created_at, "2024-03-01T08:00:00.000Z");
    }
);
decodes!(
    list_whitelists_of_app,
    WhitelistListRespDto,
    "listWhitelistsOfApp.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("cf0854f5-1f95-52eb-84f3-a047239e6869")
        );
        assert_eq!(r.data.value, "13800138000");
        assert_eq!(r.data.created_at, "2024-03-02T09:30:00.000Z");
    }
);

// Applications
decodes!(
    get_application,
    ApplicationSingleRespDto,
    "getApplication.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("7d5e8f22-0f32-59f0-84cc-27d40e40efe9")
        );
        assert_eq!(r.data.app_id, "6319a1504f3e1a2b3f214dd5");
        assert_eq!(r.data.default_protocol.to_string(), "oidc");
        assert_eq!(
            r.data.login_config.enabled_ext_idp_conns[0]
                .ext_idp_conn_type
                .to_string(),
            "github"
        );
        assert_eq!(
            r.data.branding_config.agreements[0].lang.to_string(),
            "en-US"
        );
        assert_eq!(
            r.data.oidc_config["token_endpoint_auth_method"],
            "client_secret_post"
        );
    }
);
decodes!(
    list_applications,
    ApplicationPaginatedRespDto,
    "listApplications.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("9403a443-8e5c-59ed-b961-3acec7585722")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[1].app_name, "Expense Center");
        assert!(!r.data.list[1].sso_enabled);
    }
);
decodes!(
    get_application_secret,
    GetApplicationSecretRespDto,
    "getApplicationSecret.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("027632bf-b069-5d62-bdc4-2228ad5f8b66")
        );
        assert_eq!(
            r.data.secret.expose_secret(),
            "2f6a1c9e8d7b4a3f5e0c1d2b3a4f5e6d"
        );
    }
);

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

// Users
decodes!(
    get_otp_secret_by_user,
    GetOtpSecretRespDto,
    "getOtpSecretByUser.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("934108e5-9fbf-4d24-8da1-c330328abd6c")
        );
        assert_eq!(r.data.secret.expose_secret(), "e2345asdfwagw13424");
    }
);
decodes!(get_user, UserSingleRespDto, "getUser.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("4af4c1d0-d44c-5c3a-a24a-238364150b5b")
    );
    assert_eq!(r.data.user_id, "643d517fe6ebab7b8cfcf98d");
    assert_eq!(r.data.status.to_string(), "Activated");
    assert_eq!(r.data.gender.to_string(), "M");
    assert_eq!(r.data.logins_count, Some(42));
    assert_eq!(
        r.data.custom_data.as_ref().unwrap()["school"],
        "Tsinghua University"
    );
});
decodes!(
    get_user_login_history,
    UserLoginHistoryPaginatedRespDto,
    "getUserLoginHistory.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("3ab92ae1-9c02-5c18-811d-260f92835eb5")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].client_ip, "203.0.113.24");
        assert_eq!(r.data.list[1].app_name, "Expense Center");
    }
);

// Identity providers
decodes!(
    get_ext_idp,
    ExtIdpDetailSingleRespDto,
    "getExtIdp.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("13a3f8b4-b11e-58f8-aacd-08a0517dd4f8")
        );
        assert_eq!(r.data.name, "GitHub");
        assert!(!r.data.auto_join);
        assert_eq!(r.data.connections[0]["identifier"], "github-login");
    }
);
decodes!(
    list_ext_idp,
    ExtIdpListPaginatedRespDto,
    "listExtIdp.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("2da1a7d5-e8eb-5a84-b95c-78621ca2ecea")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[1].type_, "oidc");
        assert_eq!(
            r.data.list[0].tenant_id.as_deref(),
            Some("6401b0f2a7c43d5e9f1a2b3c")
        );
    }
);

// Messaging
decodes!(
    get_email_provider,
    EmailProviderRespDto,
    "getEmailProvider.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("4c7e13bb-2310-5d5a-b0a6-b4129e9cd5aa")
        );
        assert_eq!(r.data.type_.as_ref().unwrap().to_string(), "custom");
        assert_eq!(r.data.smtp_config.as_ref().unwrap().smtp_port, 465);
        assert_eq!(
            r.data
                .smtp_config
                .as_ref()
                .unwrap()
                .sender_pass
                .expose_secret(),
            "Smtp-App-Pass-2024"
        );
        assert_eq!(
            r.data
                .send_grid_config
                .as_ref()
                .unwrap()
                .apikey
                .expose_secret(),
            "SG.q1w2e3r4t5y6.u7i8o9p0a1s2d3f4g5h6j7k8"
        );
    }
);
decodes!(
    get_email_templates,
    GetEmailTemplatesRespDto,
    "getEmailTemplates.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("b5b818c6-2b7c-5fe2-8409-cf06ec2a6e8c")
        );
        assert_eq!(r.data.templates[0].type_.to_string(), "LOGIN_VERIFY_CODE");
        assert_eq!(r.data.templates[0].expires_in, Some(300));
        assert_eq!(r.data.categories[1].title_en, "Notifications");
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

// Events
decodes!(
    list_event_apps,
    EventAppPaginatedRespDto,
    "listEventApps.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("d0b18e77-45bb-5183-8676-a26ab332408c")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].identifier, "authing");
    }
);
decodes!(
    list_events,
    OpenEventPaginatedRespDto,
    "listEvents.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("db019fb3-dbde-5ed4-b524-1fb6382870f5")
        );
        assert_eq!(r.data.list[0].code, "authing.user.created");
        assert_eq!(r.data.list[1].topic, "crm");
    }
);

// Pipeline
decodes!(
    get_pipeline_function,
    PipelineFunctionSingleRespDto,
    "getPipelineFunction.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("39a0349c-d83d-5cca-a451-364ab91e9b80")
        );
        assert_eq!(r.data.scene.to_string(), "PRE_REGISTER");
        assert_eq!(r.data.status.to_string(), "success");
        assert_eq!(r.data.timeout, 3);
    }
);
decodes!(
    list_pipeline_functions,
    PipelineFunctionPaginatedRespDto,
    "listPipelineFunctions.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("d2ea4bb6-1287-5f54-9974-822428e5a83a")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[1].func_name, "Add department claim");
        assert!(r.data.list[1].is_asynchronous);
    }
);

// Public accounts
decodes!(
    get_public_account,
    PublicAccountSingleRespDto,
    "getPublicAccount.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("260d5bb3-4c47-5c45-b695-e66bc0a1b9d7")
        );
        assert_eq!(r.data.username.as_deref(), Some("ops-shared"));
        assert_eq!(r.data.work_status.to_string(), "Active");
        assert_eq!(r.data.user_source_type.to_string(), "adminCreated");
    }
);
decodes!(
    get_public_accounts_of_user,
    PublicAccountPaginatedRespDto,
    "getPublicAccountsOfUser.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("355b91a7-f7a6-508a-8303-12736149e38b")
        );
        assert_eq!(r.data.total_count, 1);
        assert_eq!(r.data.list[0].user_id, "647e58d63b60197ceb55a1c4");
        assert_eq!(r.data.list[0].phone.as_deref(), Some("13011112222"));
    }
);

// Webhooks
decodes!(get_webhook, GetWebhookRespDto, "getWebhook.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("2ab699b2-4ec2-5aff-9ce9-1b4726c88a7a")
    );
    assert_eq!(r.data.url, "https://crm.example.com/hooks/genauth");
    assert_eq!(r.data.content_type.to_string(), "application/json");
    assert_eq!(
        r.data.secret.as_ref().unwrap().expose_secret(),
        "whsec_9f8e7d6c5b4a39281706"
    );
    assert_eq!(r.data.retry_config.as_ref().unwrap().count, Some(3));
});
decodes!(
    list_webhooks,
    GetWebhooksRespDto,
    "listWebhooks.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("41aba13a-5bc8-52ed-a2f8-5e23cf190532")
        );
        assert_eq!(r.data.total_count, 2);
        assert!(!r.data.list[1].enabled);
        assert_eq!(
            r.data.list[1].events[1].to_string(),
            "unusual-location:login"
        );
    }
);

// Custom fields
decodes!(
    get_custom_fields,
    CustomFieldListRespDto,
    "getCustomFields.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("d7b993d2-d3f6-50bf-bd63-4b3e87967f30")
        );
        assert_eq!(r.data[0].key, "school");
        assert_eq!(r.data[1].data_type.to_string(), "ENUM");
        assert_eq!(r.data[1].options[1].value, "contractor");
    }
);
decodes!(
    get_user_base_fields,
    CustomFieldListRespDto,
    "getUserBaseFields.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("ff80054a-2ce0-5eb6-810d-1c0fe4dfc480")
        );
        assert_eq!(r.data[0].key, "email");
        assert!(r.data[0].is_unique);
        assert_eq!(r.data[1].data_type.to_string(), "DATETIME");
    }
);

// Security settings
decodes!(
    get_global_mfa_settings,
    MfaSettingsRespDto,
    "getGlobalMfaSettings.json",
    |r| {
        // component `MFASettingsRespDto`
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("f42d3061-faf3-5f6b-9156-74b405785f12")
        );
        assert_eq!(r.data.enabled_factors.len(), 2);
        assert_eq!(r.data.enabled_factors[0].to_string(), "OTP");
    }
);
decodes!(
    get_security_settings,
    SecuritySettingsRespDto,
    "getSecuritySettings.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("5c9c349a-8501-5795-a293-5ea723694b02")
        );
        assert_eq!(r.data.verify_code_length, 6);
        assert_eq!(
            r.data
                .login_anomaly_detection
                .login_fail_strategy
                .to_string(),
            "captcha"
        );
        assert_eq!(r.data.self_unlock_account.strategy.to_string(), "captcha");
        assert_eq!(r.data.qrcode_login_strategy.qrcode_expires_in, 120);
    }
);

// Audit logs
decodes!(
    get_admin_audit_logs,
    AdminAuditLogRespDto,
    "getAdminAuditLogs.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("a0d163a8-b7dd-54d2-a7c7-3b85ba202d44")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].operation_type.to_string(), "update");
        assert_eq!(r.data.list[0].resource_type.to_string(), "user");
        assert!((r.data.list[0].geoip.location.lat - 39.9289).abs() < 1e-9);
    }
);
decodes!(
    get_user_action_logs,
    UserActionLogRespDto,
    "getUserActionLogs.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("8ecdd4d3-933a-566e-89b4-e129e09fe9cb")
        );
        assert_eq!(r.data.list[0].event_type.to_string(), "login");
        assert_eq!(r.data.list[0].user_logins_count, 42);
        assert_eq!(r.data.list[0].geoip.city_name, "Beijing");
    }
);

// Billing and usage
decodes!(
    get_current_package_info,
    CostGetCurrentPackageRespDto,
    "getCurrentPackageInfo.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("31455498-66a9-563a-8c4c-6db6c6d7d08b")
        );
        assert_eq!(r.data.code, "enterprise_2024");
        assert_eq!(r.data.overdue_days, "0");
        assert_eq!(r.data.goods_package.unit_price, "59800.00");
    }
);
decodes!(get_orders, CostGetOrdersRespDto, "getOrders.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("e905a35e-bb1f-585d-ac09-73240ee56195")
    );
    assert_eq!(r.data.total_count, "2");
    assert_eq!(r.data.list[1].order_no, "2024050212000021377");
    assert_eq!(r.data.list[1].actual_amount, "300.00");
});

// WeChat
decodes!(
    get_wechat_mp_access_token_info,
    GetWechatAccessTokenInfoRespDto,
    "getWechatMpAccessTokenInfo.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("55b6ea8e-e217-58e4-a098-b14d9156cb9e")
        );
        assert_eq!(
            r.data.access_token.expose_secret(),
            "78_kQ2u0x9Yb3mXwVt1LrPcZ8dJ4fHsNaGe6oTi5BqR"
        );
        assert_eq!(r.data.expires_at, "2024-05-02T13:09:16.000Z");
    }
);

// Risk lists
decodes!(
    find_ip_list,
    IpListPaginatedRespDto,
    "findIpList.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("b556156e-2023-581e-b1a7-fbbb33de9218")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].ip, "198.51.100.23");
        assert_eq!(r.data.list[0].limit_list[1], "REGISTER");
    }
);
decodes!(
    find_user_list,
    UserListPaginatedRespDto,
    "findUserList.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("2a78f4b4-8b9a-5714-a24f-ae1cf0bcc0a6")
        );
        assert_eq!(r.data.list[0].user_list_type, "BLACK");
        assert_eq!(r.data.list[0].add_at, "2024-04-20T16:00:00.000Z");
    }
);

// Data objects
decodes!(get_model, FunctionModelResDto, "getModel.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("cb04cc4b-59d0-5549-a7c5-cb498423ba14")
    );
    assert_eq!(r.data.data_type.to_string(), "list");
    assert_eq!(r.data.type_.to_string(), "custom");
    assert_eq!(r.data.config["icon"], "laptop");
});
decodes!(list_field, FunctionFieldListResDto, "listField.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("cfff2f9b-6d74-57be-bb28-12ba5beaab50")
    );
    assert_eq!(r.data[0].max_length, 64);
    assert!((r.data[1].max - 50.5).abs() < 1e-9);
    assert!((r.data[1].type_ - 2.0).abs() < 1e-9);
    assert_eq!(r.data[0].relation_optional_range.conditions.operator, "eq");
});

// UEBA
decodes!(capture, CreateUebaRespDto, "capture.json", |r| {
    // component `CreateUEBARespDto`
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("aea53d30-5147-5ebd-95ba-aae282a42dd8")
    );
    assert_eq!(r.data["action"], "download_report");
});

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

// Sync
decodes!(
    get_sync_task,
    SyncTaskSingleRespDto,
    "getSyncTask.json",
    |r| {
        use genauth::types::{LastSyncStatus, SyncFlow, SyncTaskTimedSchedulerCycle, SyncTaskType};
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("fbc5b388-259d-547d-a63c-d59e0f24c24e")
        );
        assert!((r.data.sync_task_id - 1042.0).abs() < 1e-9);
        assert_eq!(r.data.sync_task_type, SyncTaskType::Lark);
        assert_eq!(r.data.sync_flow, SyncFlow::Upstream);
        assert_eq!(r.data.sync_trigger.to_string(), "timed");
        assert_eq!(r.data.last_sync_status, Some(LastSyncStatus::Success));
        assert_eq!(r.data.field_mapping[1].target_key, "externalId");
        let schedule = r.data.timed_scheduler.as_ref().unwrap();
        assert_eq!(schedule.cycle, SyncTaskTimedSchedulerCycle::SixHours);
        assert!((schedule.start_time - 1_717_200_000_000.0).abs() < 1e-3);
        assert!(
            r.data
                .provisioning_scope
                .as_ref()
                .unwrap()
                .include_new_users
        );
    }
);
decodes!(
    list_sync_jobs,
    SyncJobPaginatedRespDto,
    "listSyncJobs.json",
    |r| {
        use genauth::types::{LastSyncStatus, SyncTrigger};
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("bbe734f7-dc65-5cec-929e-0bf4f7008fe3")
        );
        assert_eq!(r.data.total_count, 2);
        assert_eq!(r.data.list[0].sync_status, LastSyncStatus::Success);
        assert!(r.data.list[0].err_msg.is_none());
        let failed = &r.data.list[1];
        assert_eq!(failed.sync_status, LastSyncStatus::Failed);
        assert_eq!(failed.sync_trigger, SyncTrigger::Manually);
        assert!((failed.account_count_succ - 198.0).abs() < 1e-9);
        assert_eq!(
            failed.err_msg.as_deref(),
            Some("16 users have a phone number that is already taken")
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

// LDAP server
decodes!(
    query_ldap_config_info,
    LdapConfigInfoRespDto,
    "queryLdapConfigInfo.json",
    |r| {
        assert_eq!(r.status_code, 200);
        assert_eq!(
            r.request_id.as_deref(),
            Some("0e99b318-1af4-5e00-ad37-0ccf00ef06a0")
        );
        assert_eq!(r.data.ldap_domain, "northwind.example.com");
        assert_eq!(r.data.base_dn, "dc=northwind,dc=example,dc=com,o=genauth");
        assert_eq!(
            r.data.ldaps_link_url,
            "ldaps://ldap.example-genauth.com:636"
        );
        assert!((r.data.enabled - 1.0).abs() < 1e-9);
        assert_eq!(r.data.enable_ssl, Some(2.0));
        assert_eq!(r.data.visible_fields[1], "email");
        assert_eq!(
            r.data.visible_org_nodes,
            "665d27ac1e0f4a3b9c8d7e61,66612f0a9b8c7d6e5f4a3b21"
        );
        assert_eq!(r.data.udf_mapping, r#"{"costCenter":"departmentNumber"}"#);
    }
);
decodes!(query_ldap_log, LdapLogRespDto, "queryLdapLog.json", |r| {
    assert_eq!(r.status_code, 200);
    assert_eq!(
        r.request_id.as_deref(),
        Some("2f7e3ebb-0b2f-5194-9486-6fa56f7f8726")
    );
    assert_eq!(r.data.total_count, 2);
    // The records are untyped in the spec and kept as JSON.
    assert_eq!(r.data.list.as_array().unwrap().len(), 2);
    assert_eq!(r.data.list[0]["connection"], 1021);
    assert_eq!(r.data.list[1]["errorCode"], 32);
});

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
