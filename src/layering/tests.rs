//! The layering tests on the crate's own sources, and tests of the checker on small ones.

use std::sync::OnceLock;

use super::*;

/// The crate's own sources, read once for both tests.
fn crate_sources() -> &'static Findings {
    static FINDINGS: OnceLock<Findings> = OnceLock::new();
    FINDINGS.get_or_init(|| {
        let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
        read(src, Path::new(env!("OUT_DIR")), ORDER)
    })
}

#[test]
fn every_module_uses_only_the_modules_below_it() {
    let wrong = &crate_sources().wrong;
    assert!(
        wrong.is_empty(),
        "{} problems:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn no_two_files_define_a_type_of_the_same_name() {
    let collisions = collisions(&crate_sources().types);
    assert!(
        collisions.is_empty(),
        "type names defined twice:\n{}",
        collisions.join("\n")
    );
}

/// The small sources' lib.rs: modules `a` to `d`, lowest first, `Bee` re-exported from `b`,
/// and a prelude with a name of `a` and everything of `c`.
const LIB: &str = "mod a; mod b; mod c; mod d; #[cfg(test)] mod t; pub use b::Bee;
    pub mod prelude { pub use crate::a::Alpha; pub use crate::c::*; }";

/// The modules `text` uses, read as a file `depth` modules below the crate root, with the
/// paths as written.
fn uses(text: &str, depth: usize) -> Vec<(String, String)> {
    let root = Root::new(&syn::parse_file(LIB).unwrap());
    let mut walker = Walker::new(&root, Path::new(""), "src/x.rs".into(), "x".into(), depth);
    walker.visit_file(&syn::parse_file(text).unwrap());
    assert!(walker.errors.is_empty(), "{:?}", walker.errors);
    walker
        .found
        .into_iter()
        .map(|f| (f.module, f.path))
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
}

#[test]
fn sees_a_path_written_with_spaces() {
    let text = "fn f() -> crate ::a :: B { todo!() }";
    assert_eq!(uses(text, 1), owned(&[("a", "crate::a::B")]));
}

#[test]
fn sees_every_name_of_a_multi_line_use_group() {
    let text = "pub use crate::{\n    a::{B, C as D},\n    d,\n};\nuse crate::b::*;";
    let expected = [
        ("a", "crate::a::B"),
        ("a", "crate::a::C"),
        ("d", "crate::d"),
    ];
    assert_eq!(
        uses(text, 1),
        owned(&[&expected[..], &[("b", "crate::b::*")]].concat())
    );
}

#[test]
fn sees_a_path_in_an_expression() {
    let text = "fn f() -> u32 { let x = crate::c::make(1) + 2; x }";
    assert_eq!(uses(text, 1), owned(&[("c", "crate::c::make")]));
}

#[test]
fn resolves_a_name_lib_rs_re_exports_to_its_module() {
    let text = "use crate::Bee;\nfn f(_: crate::prelude::Alpha, _: crate::prelude::Gamma) {}";
    let expected = [
        ("b", "crate::Bee"),
        ("a", "crate::prelude::Alpha"),
        ("c", "crate::prelude::Gamma"),
    ];
    assert_eq!(uses(text, 1), owned(&expected));
    // A path to the root's own item or to another crate is no module.
    assert_eq!(uses("use crate::ReadmeDoctests; use http::Method;", 1), []);
}

#[test]
fn resolves_super_in_a_folder_module() {
    // src/b/inner.rs: two `super`s reach the root, one stays in `b`.
    let text = "use super::super::c::X;\nuse super::Y;\nfn f() { super::super::d::g(); }";
    let expected = [("c", "super::super::c::X"), ("d", "super::super::d::g")];
    assert_eq!(uses(text, 2), owned(&expected));
    // In src/b.rs one `super` reaches the root; in an inline module of it, two.
    let text = "use super::Bee;\nmod inner { use super::X; use super::super::a::Y; }";
    assert_eq!(
        uses(text, 1),
        owned(&[("b", "super::Bee"), ("a", "super::super::a::Y")])
    );
}

#[test]
fn sees_paths_in_macro_bodies_and_attributes() {
    let text = r#"
        fn f() {
            tracing::debug!(x = ?crate::d::V);
            let _ = format!("{}", crate :: a :: B::NAME);
        }
        macro_rules! m { () => { use crate::c::{One, two::Three}; } }
        #[derive(crate::a::Derive)]
        struct S { #[serde(deserialize_with = "crate::d::float")] x: f64 }
    "#;
    let expected = [
        ("d", "crate::d::V"),
        ("a", "crate::a::B::NAME"),
        ("c", "crate::c::One"),
        ("c", "crate::c::two::Three"),
        ("a", "crate::a::Derive"),
        ("d", "crate::d::float"),
    ];
    assert_eq!(uses(text, 1), owned(&expected));
}

#[test]
fn ignores_test_code_comments_and_strings() {
    let text = r#"
        // crate::a::B
        /* crate::b::C */
        /// See [`crate::c::D`].
        fn f() -> &'static str { "crate::c::X" }
        #[cfg(test)]
        mod tests { use crate::d::X; fn g() { crate::d::f(); } }
        #[cfg(all(test, feature = "x"))]
        fn t() { crate::d::f() }
        struct S { #[cfg(test)] field: crate::d::T }
        impl S { #[cfg(test)] fn m() { crate::d::f() } }
        fn h() { #[cfg(test)] crate::d::f(); #[cfg(test)] let _ = crate::d::X; }
    "#;
    assert_eq!(uses(text, 1), []);
    // Code for tests and something else is not test code.
    let text = r#"#[cfg(any(test, feature = "x"))] fn f() { crate::d::f() }
        #[cfg(not(test))] fn g() { crate::c::g() }"#;
    assert_eq!(
        uses(text, 1),
        owned(&[("d", "crate::d::f"), ("c", "crate::c::g")])
    );
}

#[test]
fn reads_folders_included_files_and_the_order() {
    let dir = std::env::temp_dir().join(format!("genauth-layering-{}", std::process::id()));
    let files = [
        (
            "src/lib.rs",
            "mod a; mod b; mod c; mod d; #[cfg(test)] mod t; pub use b::Bee;",
        ),
        (
            "src/a.rs",
            "pub struct Head;\npub fn f() { crate::c::g(); }\n",
        ),
        (
            "src/b.rs",
            "mod inner;\n#[cfg(test)]\nmod tests;\npub struct Bee;\npub struct Inner;",
        ),
        (
            "src/b/inner.rs",
            "use super::super::a::Head as _;\nuse super::Bee;\npub struct Head;",
        ),
        ("src/b/tests.rs", "use crate::e::X;\npub struct Head;"),
        ("src/b/stray.rs", "pub struct Inner;"),
        (
            "src/c/mod.rs",
            "include!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));\nfn f() { struct Head; }",
        ),
        (
            "out/gen.rs",
            "pub fn g() -> crate::Bee {\n    crate::Bee\n}\npub struct Head;",
        ),
        ("src/d.rs", ""),
        ("src/t.rs", "use crate::b::*;"),
    ];
    let _ = fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let found = read(&dir.join("src"), &dir.join("out"), &["a", "c", "b", "e"]);
    fs::remove_dir_all(&dir).unwrap();
    let expected = [
        concat!(
            "`d` (src/d.rs or src/d/) is a module that ORDER does not list: ",
            "add it to ORDER at its layer"
        ),
        "`a` uses `c`, which is not below it: `crate::c::g` at src/a.rs:2",
        "`c` uses `b`, which is not below it: `crate::Bee` at $OUT_DIR/gen.rs:1",
        "`c` uses `b`, which is not below it: `crate::Bee` at $OUT_DIR/gen.rs:2",
        concat!(
            "ORDER lists `e`, but there is no module `e` ",
            "(src/e.rs or src/e/mod.rs, declared in lib.rs)"
        ),
    ];
    assert_eq!(found.wrong, expected);
    let expected = [
        "`Head`: a (src/a.rs), b (src/b/inner.rs)",
        "`Inner`: b (src/b.rs), b (src/b/stray.rs)",
    ];
    assert_eq!(collisions(&found.types), expected);
}
