//! Sample responses of security and monitoring: device rules, security and MFA settings,
//! risk lists, UEBA capture and audit logs.

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
