//! The crate's modules form layers: each may use only the modules below it, so a request
//! takes one path down and back. ARCHITECTURE.md explains the layers.
//!
//! The check parses every hand-written file of every module with `syn`, and the generated
//! files they `include!` from `$OUT_DIR` as part of them, and visits each path that starts
//! at the crate root (`crate::`, or `super::` climbing out of the module): `use` trees, paths
//! in types, expressions, patterns and attributes, the `crate :: a` runs of tokens in macro
//! bodies and attribute arguments, and the string paths of attributes (`deserialize_with =
//! "crate::lenient::float"`). A name lib.rs re-exports counts as its module. Nodes compiled
//! only for tests (`#[cfg(test)]`, `cfg(all(test, ..))`) are left out. The same walk collects
//! the module-level type names, for the test that no two files define the same one.

mod tests;
mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Item, Lit, LitStr, Meta, Token, UseTree};

use walk::{Walker, from_root, leaves, test_only};

/// Every module, lowest first. A module may use only the modules before it. This is the one
/// list to edit: a module of src/ it does not list, or a name it lists without a module,
/// fails the test.
const ORDER: &[&str] = &[
    // Vocabulary: no I/O, no state.
    "spec",
    "sensitive",
    "api_code",
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
    "pacing",
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

/// What a path from the crate root reaches, learnt from lib.rs.
#[derive(Default)]
struct Root {
    /// The modules lib.rs declares with a file, and whether only for tests.
    modules: BTreeMap<String, bool>,
    /// A name lib.rs binds with `use`, by its path from the root (`["Error"]`,
    /// `["prelude", "Envelope"]`) → the modules it comes from.
    exports: BTreeMap<Vec<String>, BTreeSet<String>>,
    /// A scope of lib.rs (`[]`, `["prelude"]`) → the modules it glob-imports.
    globs: BTreeMap<Vec<String>, BTreeSet<String>>,
}

impl Root {
    fn new(lib: &syn::File) -> Root {
        let mut root = Root::default();
        root.items(&lib.items, &[]);
        root
    }

    fn items(&mut self, items: &[Item], scope: &[String]) {
        for item in items {
            match item {
                Item::Mod(m) => match &m.content {
                    Some((_, inner)) => {
                        self.items(inner, &[scope, &[m.ident.to_string()]].concat())
                    }
                    None if scope.is_empty() => {
                        self.modules
                            .insert(m.ident.to_string(), test_only(&m.attrs));
                    }
                    None => {}
                },
                Item::Use(u) if u.leading_colon.is_none() => {
                    for leaf in leaves(&u.tree) {
                        // At the root, `use client::X` starts there too.
                        let from = match from_root(&leaf.path, scope.len()) {
                            Some(from) => from,
                            None if scope.is_empty() => &leaf.path,
                            None => continue,
                        };
                        let modules = self.resolve(from);
                        let entry = match leaf.name.as_str() {
                            "*" => self.globs.entry(scope.to_vec()),
                            name => self.exports.entry([scope, &[name.to_string()]].concat()),
                        };
                        entry.or_default().extend(modules);
                    }
                }
                _ => {}
            }
        }
    }

    /// The modules a path from the crate root (after `crate`) reaches: its first segment if
    /// that is a module, else those of its longest re-exported prefix, else those the
    /// innermost scope it names glob-imports. None for the root's own items.
    fn resolve(&self, path: &[String]) -> BTreeSet<String> {
        let Some((last, scope)) = path.split_last() else {
            return BTreeSet::new();
        };
        if self.modules.contains_key(&path[0]) {
            return BTreeSet::from([path[0].clone()]);
        }
        if last == "*" {
            // Everything the scope binds.
            let names = self.exports.iter().chain(&self.globs);
            let names = names.filter(|(name, _)| name.starts_with(scope));
            let mut all: BTreeSet<String> = names.flat_map(|(_, m)| m.iter().cloned()).collect();
            if scope.is_empty() {
                all.extend(self.modules.keys().cloned());
            }
            return all;
        }
        let exported = (1..=path.len())
            .rev()
            .find_map(|end| self.exports.get(&path[..end]));
        let globbed = || {
            (0..path.len())
                .rev()
                .find_map(|end| self.globs.get(&path[..end]))
        };
        exported.or_else(globbed).cloned().unwrap_or_default()
    }
}

/// A source file, parsed.
fn parse(path: &Path) -> Result<syn::File, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    syn::parse_file(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The entries of a directory (none if it is not one).
fn entries(dir: &Path) -> impl Iterator<Item = PathBuf> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
}

/// Every `.rs` file under `dir`, at any depth.
fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for path in entries(dir) {
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// What reading a source tree found.
#[derive(Default)]
struct Findings {
    /// Uses of a module that is not below, modules ORDER misses or lists wrongly, and what
    /// could not be read.
    wrong: Vec<String>,
    /// Each module-level type name of the hand-written files → the (module, file)s defining it.
    types: BTreeMap<String, BTreeSet<(String, String)>>,
}

/// Reads the modules of `src` (`src/<m>.rs`, `src/<m>/mod.rs`, `src/<m>/**/*.rs`) against
/// `order`, with lib.rs's re-exports and the files included from `out_dir`.
fn read(src: &Path, out_dir: &Path, order: &[&str]) -> Findings {
    let mut found = Findings::default();
    let mut root = Root::new(&parse(&src.join("lib.rs")).unwrap_or_else(|e| panic!("{e}")));
    // The modules: lib.rs's and src/'s files and folders, less those only for tests.
    for path in entries(src) {
        let mut inside = Vec::new();
        rs_files(&path, &mut inside);
        let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("lib");
        if name != "lib" && (path.extension().is_some_and(|e| e == "rs") || !inside.is_empty()) {
            root.modules.entry(name.to_string()).or_insert(false);
        }
    }
    let present: BTreeSet<&str> = root
        .modules
        .iter()
        .filter(|(_, test)| !**test)
        .map(|(m, _)| m.as_str())
        .collect();
    for module in present.iter().filter(|m| !order.contains(m)) {
        found.wrong.push(format!(
            "`{module}` (src/{module}.rs or src/{module}/) is a module that ORDER does not \
             list: add it to ORDER at its layer"
        ));
    }
    let base = src.parent().unwrap_or(src);
    let shown = |path: &Path| {
        path.strip_prefix(base)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    for (rank, module) in order.iter().enumerate() {
        if !present.contains(module) {
            found.wrong.push(format!(
                "ORDER lists `{module}`, but there is no module `{module}` \
                 (src/{module}.rs or src/{module}/mod.rs, declared in lib.rs)"
            ));
            continue;
        }
        let folder = src.join(module);
        let mut paths = vec![src.join(format!("{module}.rs"))];
        paths.retain(|path| path.is_file());
        rs_files(&folder, &mut paths);
        let mut walks = Vec::new();
        for path in paths {
            let depth = path
                .strip_prefix(&folder)
                .map_or(0, |p| p.components().count());
            let depth = 1 + depth - usize::from(path.ends_with("mod.rs"));
            let mut walker = Walker::new(&root, out_dir, path.clone(), shown(&path), depth);
            match parse(&path) {
                Ok(file) => walker.visit_file(&file),
                Err(e) => walker.errors.push(e),
            }
            walks.push(walker);
        }
        // A file declared only for tests (`#[cfg(test)] mod tests;`) is left out.
        let tests: Vec<PathBuf> = walks.iter().flat_map(|w| w.tests.clone()).collect();
        walks.retain(|w| !tests.iter().any(|test| w.path.starts_with(test)));
        for walk in walks {
            found.wrong.extend(walk.errors);
            for used in walk.found {
                // (`None`, a module ORDER does not list, is reported as such above.)
                if order.iter().position(|m| *m == used.module) > Some(rank) {
                    let (used, path, at) = (used.module, used.path, used.at);
                    found.wrong.push(format!(
                        "`{module}` uses `{used}`, which is not below it: `{path}` at {at}"
                    ));
                }
            }
            for name in walk.types {
                let place = (module.to_string(), walk.file.clone());
                found.types.entry(name).or_default().insert(place);
            }
        }
    }
    found
}

/// The type names defined in more than one file, each with where.
fn collisions(types: &BTreeMap<String, BTreeSet<(String, String)>>) -> Vec<String> {
    let places = |places: &BTreeSet<(String, String)>| {
        let places: Vec<String> = places.iter().map(|(m, f)| format!("{m} ({f})")).collect();
        places.join(", ")
    };
    let twice = types.iter().filter(|(_, places)| places.len() > 1);
    twice
        .map(|(name, at)| format!("`{name}`: {}", places(at)))
        .collect()
}
