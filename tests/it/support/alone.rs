//! A test that changes process-wide state (environment variables) runs in a process of its
//! own: this binary started again, running that one test and nothing else, so that the other
//! tests, which share the parent's environment, never see the change.

use std::process::Command;

/// Set in the child process to the name of the test it runs.
const CHILD: &str = "GENAUTH_TEST_ALONE";

/// Call first in such a test, with `module_path!()` and the test's function name. In the
/// child process it returns `true`: run the test's body. Otherwise it runs the test in a child
/// process, asserts that it ran and passed (showing its output if not), and returns `false`.
pub fn in_own_process(module: &str, test: &str) -> bool {
    // The test's name as libtest knows it: the module path without the crate's name.
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    let name = format!("{module}::{test}");
    if std::env::var_os(CHILD).is_some_and(|value| value == name.as_str()) {
        return true;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([name.as_str(), "--exact", "--test-threads=1"])
        .env(CHILD, &name)
        .output()
        .expect("the test binary starts again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "`{name}` in a process of its own:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    false
}
