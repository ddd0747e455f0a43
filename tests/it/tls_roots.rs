//! TLS set-up: a machine without CA certificates gets a clear error that says the way out, and
//! an extra root certificate is that way out. `SSL_CERT_FILE` is process-wide, so this is a
//! single test, run in a process of its own.

use genauth::{Error, ManagementClient};

use crate::support::alone::in_own_process;

/// A self-signed root made for these tests (its key was thrown away).
const TEST_ROOT: &str = include_str!("../data/test-root.pem");

#[test]
fn no_system_roots_gives_the_cause_and_an_extra_root_fixes_it() {
    if !in_own_process(
        module_path!(),
        "no_system_roots_gives_the_cause_and_an_extra_root_fixes_it",
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("genauth-no-roots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    // SAFETY: this process runs this one test and nothing else (`in_own_process`), so nothing
    // else reads the environment meanwhile.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", &empty);
        std::env::set_var("SSL_CERT_DIR", &dir);
    }
    let builder = || {
        ManagementClient::builder()
            .access_key_id("AK")
            .access_key_secret("SK")
    };
    let err = builder().build().unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(
        text.contains("No CA certificates"),
        "the cause is shown: {text}"
    );
    assert!(
        text.contains("SSL_CERT_FILE") && text.contains("add_root_certificate_pem"),
        "the way out is shown: {text}"
    );
    builder()
        .add_root_certificate_pem(TEST_ROOT)
        .build()
        .expect("an extra root is enough");
    let err = builder()
        .add_root_certificate_pem("-----BEGIN CERTIFICATE-----\nnot base64\n")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config(ref m) if m.contains("root certificate #1")),
        "{err:?}"
    );
    let err = builder().add_root_certificate_pem("").build().unwrap_err();
    assert!(
        matches!(err, Error::Config(ref m) if m.contains("no certificate")),
        "{err:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
