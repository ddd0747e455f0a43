//! `ops`, `describe`, `completions` and `--help`: no server needed.

use genauth::operations;

use crate::support::run;

#[test]
fn ops_filters_by_text_case_insensitively() {
    let out = run(&["ops", "OTP"], None, None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("getOtpSecretByUser ")),
        "{}",
        out.stdout
    );
    for line in &lines {
        assert!(line.to_lowercase().contains("otp"), "{line}");
    }
    // id, method, path, group and summary on one line.
    let seed = lines
        .iter()
        .find(|l| l.starts_with("getOtpSecretByUser "))
        .unwrap();
    for part in ["GET", "/api/v3/get-otp-secret-by-user", "Users", "OTP"] {
        assert!(seed.contains(part), "{seed}");
    }
}

#[test]
fn ops_filters_by_group_as_tag_or_feature_name() {
    let expected = operations::all()
        .iter()
        .filter(|op| op.group == "Data resources and permissions")
        .count();
    assert!(expected > 0);
    for group in [
        "data-resources-and-permissions",
        "Data resources and permissions",
        "DATA_RESOURCES_AND_PERMISSIONS",
    ] {
        let out = run(&["ops", "--group", group, "--json"], None, None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let lines = out.lines();
        assert_eq!(lines.len(), expected);
        assert!(
            lines
                .iter()
                .all(|l| l["group"] == "Data resources and permissions")
        );
    }
    let out = run(&["ops", "role", "--group", "roles", "--json"], None, None);
    assert!(out.lines().iter().all(|l| l["group"] == "Roles"));
    let out = run(&["ops", "--group", "userz"], None, None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown group `userz`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("`Users`"), "{}", out.stderr);
}

#[test]
fn describe_lists_parameters_and_body_fields() {
    let out = run(&["describe", "get_user", "--json"], None, None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["operationId"], "getUser");
    assert_eq!(d["httpMethod"], "GET");
    let user_id = d["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "userId")
        .unwrap();
    assert_eq!(user_id["in"], "query");
    assert_eq!(user_id["type"], "string");
    assert_eq!(user_id["required"], true);
    assert!(user_id["doc"].as_str().unwrap().contains("user"));

    let out = run(&["describe", "createUsersBatch", "--json"], None, None);
    let d = out.json();
    assert_eq!(d["body"]["schema"], "CreateUserBatchReqDto");
    let fields = d["body"]["fields"].as_array().unwrap();
    let list = fields.iter().find(|f| f["name"] == "list").unwrap();
    assert_eq!(list["type"], "array of CreateUserInfoDto");
    assert_eq!(list["required"], true);
    let options = fields.iter().find(|f| f["name"] == "options").unwrap();
    assert_eq!(options["type"], "CreateUserOptionsDto");
    assert_eq!(options["required"], false);

    // Text: a table with the enum values at the end of the line.
    let out = run(&["describe", "getUser"], None, None);
    assert!(out.stdout.contains("Parameters:"), "{}", out.stdout);
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("userIdType"))
        .unwrap();
    assert!(
        line.contains("UserIdType") && line.contains("[user_id|external_id"),
        "{line}"
    );

    // A schema by name: its fields.
    let out = run(&["describe", "CreateUserInfoDto"], None, None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("emailVerified"), "{}", out.stdout);

    let out = run(&["describe", "getUsr"], None, None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `getUser`"),
        "{}",
        out.stderr
    );
}

#[test]
fn completions_and_help() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell], None, None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains("genauth"), "{shell}");
        assert!(out.stdout.contains("check-api"), "{shell}");
    }
    for args in [
        &["--help"][..],
        &["call", "--help"],
        &["pages", "--help"],
        &["users", "import", "--help"],
        &["check-api", "--help"],
        &["events", "--help"],
    ] {
        let out = run(args, None, None);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(out.stdout.contains("Usage:"), "{args:?}: {}", out.stdout);
    }
    let out = run(&["no-such-command"], None, None);
    assert_eq!(out.code, 2);
}
