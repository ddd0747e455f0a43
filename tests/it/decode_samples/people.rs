//! Sample responses of the people in a user pool: users, groups, invitations, the
//! registration whitelist and public accounts.

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
