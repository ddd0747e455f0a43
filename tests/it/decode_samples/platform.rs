//! Sample responses of the platform's extension points and account: messaging, events,
//! pipeline functions, webhooks, custom fields, data objects, billing and usage.

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
