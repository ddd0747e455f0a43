//! `from_env` reads the `GENAUTH_*` variables. The process environment is global, so this is a
//! single test, run in a process of its own, that steps through the cases in order.

use genauth::{Brand, Error, Lang, ManagementClient, ManagementClientBuilder};

use crate::support::alone::in_own_process;

const VARS: [&str; 7] = [
    "GENAUTH_EVENTS_HOST",
    "GENAUTH_ACCESS_KEY_ID",
    "GENAUTH_ACCESS_KEY_SECRET",
    "GENAUTH_HOST",
    "GENAUTH_TENANT_ID",
    "GENAUTH_LANG",
    "GENAUTH_BRAND",
];

fn set(pairs: &[(&str, &str)]) {
    for name in VARS {
        // SAFETY: this process runs this one test and nothing else (`in_own_process`), so
        // nothing else reads the environment meanwhile.
        unsafe { std::env::remove_var(name) };
    }
    for (name, value) in pairs {
        // SAFETY: as above.
        unsafe { std::env::set_var(name, value) };
    }
}

#[test]
fn from_env_reads_the_variables_and_explicit_calls_win() {
    if !in_own_process(
        module_path!(),
        "from_env_reads_the_variables_and_explicit_calls_win",
    ) {
        return;
    }
    set(&[
        ("GENAUTH_ACCESS_KEY_ID", "AK_ENV"),
        ("GENAUTH_ACCESS_KEY_SECRET", "SK-env-secret"),
        ("GENAUTH_HOST", "http://127.0.0.1:9/"),
        ("GENAUTH_BRAND", "authing"),
        ("GENAUTH_LANG", "zh-CN"),
        ("GENAUTH_EVENTS_HOST", "ws://127.0.0.1:11/"),
    ]);
    let client = ManagementClient::from_env().expect("complete environment");
    assert_eq!(client.brand(), Brand::Authing);
    assert_eq!(client.host(), "http://127.0.0.1:9");
    assert_eq!(client.events_host(), "ws://127.0.0.1:11");
    let shown = format!("{client:?}");
    assert!(shown.contains("AK_ENV"), "{shown}");
    assert!(!shown.contains("SK-env-secret"), "{shown}");

    // Explicit builder calls override the environment.
    let client = ManagementClientBuilder::from_env()
        .brand(Brand::GenAuth)
        .host("http://127.0.0.1:10")
        .lang(Lang::EnUs)
        .build()
        .unwrap();
    assert_eq!(client.brand(), Brand::GenAuth);
    assert_eq!(client.host(), "http://127.0.0.1:10");
    let client = ManagementClientBuilder::from_env()
        .events_host("ws://127.0.0.1:12")
        .build()
        .unwrap();
    assert_eq!(client.events_host(), "ws://127.0.0.1:12");

    // A bad variable is a configuration error, unless an explicit value makes it moot.
    set(&[
        ("GENAUTH_ACCESS_KEY_ID", "AK_ENV"),
        ("GENAUTH_ACCESS_KEY_SECRET", "SK-env-secret"),
        ("GENAUTH_LANG", "klingon"),
    ]);
    let err = ManagementClient::from_env().unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("GENAUTH_LANG")),
        "{err:?}"
    );
    ManagementClientBuilder::from_env()
        .lang(Lang::ZhCn)
        .build()
        .expect("the explicit language wins");

    // Missing and blank variables count as unset.
    set(&[
        ("GENAUTH_ACCESS_KEY_ID", "  "),
        ("GENAUTH_ACCESS_KEY_SECRET", "SK"),
    ]);
    let err = ManagementClient::from_env().unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("GENAUTH_ACCESS_KEY_ID")),
        "{err:?}"
    );
    set(&[]);
    assert!(matches!(
        ManagementClient::from_env(),
        Err(Error::Config(_))
    ));
}
