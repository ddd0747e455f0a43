//! The crate's modules form layers: each may use only the modules below it, so a request
//! takes one path down and back. This test reads the sources (and the generated code) and
//! fails on any use of a module that is not below. ARCHITECTURE.md explains the layers.

use std::collections::BTreeMap;

/// Every module, lowest first. A module may use only the modules before it.
const ORDER: &[&str] = &[
    // Vocabulary: no I/O, no state.
    "spec",
    "sensitive",
    "error",
    "config",
    "lenient",
    "decoder",
    "path",
    "redact",
    "envelope",
    "signing",
    "tls",
    "retry",
    "pagination",
    "operations",
    // Building a request, one exchange, then who sends it, then the loop.
    "endpoint",
    "exchange",
    "token",
    "auth",
    "events",
    "send",
    // The generated operations, and what is built on them.
    "generated",
    "attribution",
    "totp",
    "request",
    "publish",
    "webhook",
    // Construction and the client's own methods.
    "builder",
    "client",
    // Pages for readers, and the test double.
    "api",
    "guide",
    "testing",
];

/// The module names a source text uses through `crate::`, re-exported names resolved by
/// `exports` (name → module). Comments and the trailing test modules are left out.
fn uses(text: &str, exports: &BTreeMap<String, String>) -> Vec<String> {
    let mut code = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let test_only = line.starts_with("#[cfg(test)]") || line.starts_with("#[cfg(all(test");
        if test_only && lines.get(i + 1).is_some_and(|next| next.contains("mod ")) {
            break;
        }
        code.push_str(line.split("//").next().unwrap_or(""));
        code.push('\n');
    }
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(group.split(',').map(|n| ident(n.trim())));
        } else {
            names.push(ident(rest));
        }
    }
    let mut modules: Vec<String> = names
        .into_iter()
        .filter(|n| !n.is_empty())
        .map(|n| exports.get(&n).cloned().unwrap_or(n))
        .filter(|n| ORDER.contains(&n.as_str()))
        .collect();
    modules.sort();
    modules.dedup();
    modules
}

/// `pub use module::{A, B};` and `pub use module::A;` lines of lib.rs: name → module.
fn exports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim_end_matches(';');
        let rest = rest.strip_prefix("crate::").unwrap_or(rest);
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        let items = items.trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.rsplit(" as ").next().unwrap_or("").trim();
            if !name.is_empty() && !name.contains("::") {
                map.insert(name.to_string(), module.to_string());
            }
        }
    }
    map
}

#[test]
fn every_module_uses_only_the_modules_below_it() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let lib = std::fs::read_to_string(format!("{src}/lib.rs")).unwrap();
    let exports = exports(&lib);
    let mut listed = Vec::new();
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        if matches!(module, "lib" | "layering") {
            continue;
        }
        listed.push(module.to_string());
        let Some(rank) = ORDER.iter().position(|m| *m == module) else {
            wrong.push(format!("`{module}` is not in ORDER"));
            continue;
        };
        let mut text = std::fs::read_to_string(&path).unwrap();
        if module == "generated" {
            text.push_str(include_str!(concat!(env!("OUT_DIR"), "/codegen.rs")));
        }
        for used in uses(&text, &exports) {
            let below = ORDER.iter().position(|m| *m == used).unwrap();
            if used != module && below >= rank {
                wrong.push(format!("`{module}` uses `{used}`, which is not below it"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    listed.sort();
    let mut order: Vec<String> = ORDER.iter().map(|m| m.to_string()).collect();
    order.sort();
    assert_eq!(listed, order, "ORDER lists a module that does not exist");
}

#[test]
fn the_scanner_sees_paths_groups_and_reexports() {
    let exports = exports("pub use client::ManagementClient;\npub use config::{AuthMode, Brand};");
    let text = "use crate::{Brand, ManagementClient};\nfn f() { crate::send::go(); } // crate::auth\n\
                #[cfg(test)]\nmod tests { use crate::testing; }";
    assert_eq!(uses(text, &exports), ["client", "config", "send"]);
}
