//! Sample responses of applications and the identity sources around them: external
//! identity providers, WeChat, the LDAP server and sync tasks.

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
