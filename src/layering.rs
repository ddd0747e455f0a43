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

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Item, Lit, LitStr, Meta, Token, UseTree};

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

/// `path` as a path from the crate root, seen from a scope `depth` modules below it: what
/// follows `crate`, or the `super`s that climb to the root (`self` at the root). `None` for
/// a path that starts elsewhere (a local name, an import, another crate).
fn from_root(path: &[String], depth: usize) -> Option<&[String]> {
    match path.first().map(String::as_str) {
        Some("crate") => Some(&path[1..]),
        Some("self") if depth == 0 => Some(&path[1..]),
        Some("super") => {
            let up = path.iter().take_while(|s| *s == "super").count();
            (up >= depth).then(|| &path[up..])
        }
        _ => None,
    }
}

/// One path a `use` tree imports: ending in the name imported or `*`, with the name it binds.
struct Leaf {
    path: Vec<String>,
    name: String,
    span: Span,
}

/// Every path of a `use` tree: groups, nesting, `self`, renames and globs.
fn leaves(tree: &UseTree) -> Vec<Leaf> {
    fn walk(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Leaf>) {
        let (last, name, span) = match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(&p.tree, prefix, out);
                prefix.pop();
                return;
            }
            UseTree::Group(g) => return g.items.iter().for_each(|t| walk(t, prefix, out)),
            UseTree::Name(n) if n.ident == "self" => (
                None,
                prefix.last().cloned().unwrap_or_default(),
                n.ident.span(),
            ),
            UseTree::Name(n) => (
                Some(n.ident.to_string()),
                n.ident.to_string(),
                n.ident.span(),
            ),
            UseTree::Rename(r) => (
                Some(r.ident.to_string()),
                r.rename.to_string(),
                r.ident.span(),
            ),
            UseTree::Glob(g) => (Some("*".into()), "*".into(), g.star_token.span),
        };
        let path = prefix.iter().cloned().chain(last).collect();
        out.push(Leaf { path, name, span });
    }
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

/// Whether a `#[cfg(..)]` among `attrs` compiles its node only for tests.
fn test_only(attrs: &[Attribute]) -> bool {
    let cfg = |attr: &&Attribute| attr.path().is_ident("cfg");
    attrs
        .iter()
        .filter(cfg)
        .any(|attr| attr.parse_args().is_ok_and(|p| needs_test(&p)))
}

/// Whether a cfg predicate can hold only when `test` does.
fn needs_test(predicate: &Meta) -> bool {
    let args = |list: &syn::MetaList| {
        let args = list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated);
        args.map(|args| args.into_iter().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    match predicate {
        Meta::Path(path) => path.is_ident("test"),
        Meta::List(list) if list.path.is_ident("all") => args(list).iter().any(needs_test),
        Meta::List(list) if list.path.is_ident("any") => {
            let args = args(list);
            !args.is_empty() && args.iter().all(needs_test)
        }
        _ => false,
    }
}

/// A use of a module: which, the path as written, and where (`file:line`).
struct Found {
    module: String,
    path: String,
    at: String,
}

/// A walk of one file, with the files it includes: the modules it uses, its type names and
/// the files it declares only for tests.
struct Walker<'a> {
    root: &'a Root,
    out_dir: &'a Path,
    /// The file read, and how messages name it.
    path: PathBuf,
    file: String,
    /// How many modules below the crate root the file's items are.
    depth: usize,
    /// The inline modules around the current item.
    inline: Vec<String>,
    /// How many blocks (function bodies, ..) are around it.
    bodies: usize,
    found: Vec<Found>,
    /// The module-level structs, enums, unions, type aliases and traits.
    types: Vec<String>,
    /// The files (and folders of files) declared only for tests.
    tests: Vec<PathBuf>,
    /// What could not be read.
    errors: Vec<String>,
}

impl<'a> Walker<'a> {
    fn new(root: &'a Root, out_dir: &'a Path, path: PathBuf, file: String, depth: usize) -> Self {
        let (inline, found, types, tests, errors) = Default::default();
        let bodies = 0;
        Walker {
            root,
            out_dir,
            path,
            file,
            depth,
            inline,
            bodies,
            found,
            types,
            tests,
            errors,
        }
    }

    fn record(&mut self, path: &[String], span: Span) {
        let Some(from) = from_root(path, self.depth + self.inline.len()) else {
            return;
        };
        for module in self.root.resolve(from) {
            let at = format!("{}:{}", self.file, span.start().line);
            self.found.push(Found {
                module,
                path: path.join("::"),
                at,
            });
        }
    }

    /// Token streams syn leaves unparsed (macro bodies, attribute arguments), best-effort:
    /// each run `crate :: a :: b` or `super :: a`, one ending in `{..}` read as a `use`
    /// group; with `strings`, also the string literals that parse as such a path.
    fn scan(&mut self, tokens: TokenStream, strings: bool) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let punct = |i: usize| match tokens.get(i) {
            Some(TokenTree::Punct(p)) => p.as_char() == ':',
            _ => false,
        };
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Ident(start) if start == "crate" || start == "super" => {
                    let (mut path, mut group) = (vec![start.to_string()], None);
                    while group.is_none() && punct(i + 1) && punct(i + 2) {
                        match tokens.get(i + 3) {
                            Some(TokenTree::Ident(next)) => path.push(next.to_string()),
                            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                                group = Some(g.stream());
                            }
                            _ => break,
                        }
                        i += 3;
                    }
                    let parse = Punctuated::<UseTree, Token![,]>::parse_terminated;
                    match group.map(|g| parse.parse2(g)) {
                        Some(Ok(trees)) => {
                            for leaf in trees.iter().flat_map(leaves) {
                                self.record(&[path.clone(), leaf.path].concat(), leaf.span);
                            }
                        }
                        _ => self.record(&path, start.span()),
                    }
                }
                TokenTree::Group(g) => self.scan(g.stream(), strings),
                TokenTree::Literal(literal) if strings => {
                    if let Lit::Str(text) = Lit::new(literal.clone())
                        && let Ok(path) = text.parse::<syn::Path>()
                    {
                        let path: Vec<String> =
                            path.segments.iter().map(|s| s.ident.to_string()).collect();
                        self.record(&path, literal.span());
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// Reads the file an `include!` names, as part of the current scope: a literal path
    /// (relative to this file), or `concat!(env!("OUT_DIR"), "/<file>")`.
    fn include(&mut self, tokens: &TokenStream) {
        let text = tokens.to_string().replace(' ', "");
        let generated = text.strip_prefix(r#"concat!(env!("OUT_DIR"),""#);
        let (path, label) = match generated.and_then(|rest| rest.strip_suffix(r#"")"#)) {
            Some(name) => (
                self.out_dir.join(name.trim_start_matches('/')),
                format!("$OUT_DIR{name}"),
            ),
            None => match syn::parse2::<LitStr>(tokens.clone()) {
                Ok(path) => (self.path.with_file_name(path.value()), path.value()),
                Err(_) => {
                    let file = &self.file;
                    let error = format!("{file}: cannot tell the file of include!({text})");
                    return self.errors.push(error);
                }
            },
        };
        match parse(&path) {
            Ok(file) => {
                let outer = std::mem::replace(&mut self.path, path);
                let outer_label = std::mem::replace(&mut self.file, label);
                self.visit_file(&file);
                (self.path, self.file) = (outer, outer_label);
            }
            Err(e) => self.errors.push(format!("{e} (included by {})", self.file)),
        }
    }
}

/// `visit_x` methods that skip their node when it is compiled only for tests.
macro_rules! unless_test {
    ($($method:ident: $node:ident,)*) => {$(
        fn $method(&mut self, node: &'ast syn::$node) {
            if !test_only(&node.attrs) {
                visit::$method(self, node);
            }
        }
    )*};
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() {
            let segments: Vec<_> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.record(&segments, path.span());
        }
        visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        if !test_only(&item.attrs) && item.leading_colon.is_none() {
            for leaf in leaves(&item.tree) {
                self.record(&leaf.path, leaf.span);
            }
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        // Where the files of the modules this one declares are.
        let folder = if self.path.ends_with("mod.rs") {
            self.path.parent().unwrap_or(Path::new("")).to_path_buf()
        } else {
            self.path.with_extension("")
        };
        let here = self.inline.iter().fold(folder, |dir, m| dir.join(m));
        let name = item.ident.to_string();
        match (test_only(&item.attrs), &item.content) {
            (false, Some((_, items))) => {
                self.inline.push(name);
                items.iter().for_each(|item| self.visit_item(item));
                self.inline.pop();
            }
            // A file module is read as a file of the module (see `read`).
            (false, None) => {}
            (true, _) => self
                .tests
                .extend([here.join(format!("{name}.rs")), here.join(name)]),
        }
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if test_only(&item.attrs) {
            return;
        }
        if item.mac.path.is_ident("include") {
            self.include(&item.mac.tokens);
        } else {
            visit::visit_item_macro(self, item);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        visit::visit_macro(self, mac);
        self.scan(mac.tokens.clone(), false);
    }

    fn visit_attribute(&mut self, attr: &'ast Attribute) {
        // Doc comments are text.
        if attr.path().is_ident("doc") {
            return;
        }
        visit::visit_attribute(self, attr);
        if let Meta::List(list) = &attr.meta {
            self.scan(list.tokens.clone(), true);
        }
    }

    // A visibility (`pub(in crate::x)`) is not a use.
    fn visit_vis_restricted(&mut self, _: &'ast syn::VisRestricted) {}

    fn visit_item(&mut self, item: &'ast Item) {
        let (attrs, name) = match item {
            Item::Struct(i) => (&i.attrs, &i.ident),
            Item::Enum(i) => (&i.attrs, &i.ident),
            Item::Union(i) => (&i.attrs, &i.ident),
            Item::Type(i) => (&i.attrs, &i.ident),
            Item::Trait(i) => (&i.attrs, &i.ident),
            Item::TraitAlias(i) => (&i.attrs, &i.ident),
            _ => return visit::visit_item(self, item),
        };
        // Module level (not in a function body), hand-written (not included from $OUT_DIR).
        if self.bodies == 0 && !self.file.starts_with("$OUT_DIR") && !test_only(attrs) {
            self.types.push(name.to_string());
        }
        visit::visit_item(self, item);
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.bodies += 1;
        visit::visit_block(self, block);
        self.bodies -= 1;
    }

    unless_test! {
        visit_item_const: ItemConst, visit_item_enum: ItemEnum, visit_item_fn: ItemFn,
        visit_item_foreign_mod: ItemForeignMod, visit_item_impl: ItemImpl,
        visit_item_static: ItemStatic, visit_item_struct: ItemStruct,
        visit_item_trait: ItemTrait, visit_item_trait_alias: ItemTraitAlias,
        visit_item_type: ItemType, visit_item_union: ItemUnion,
        visit_impl_item_const: ImplItemConst, visit_impl_item_fn: ImplItemFn,
        visit_impl_item_type: ImplItemType, visit_impl_item_macro: ImplItemMacro,
        visit_trait_item_const: TraitItemConst, visit_trait_item_fn: TraitItemFn,
        visit_trait_item_type: TraitItemType, visit_trait_item_macro: TraitItemMacro,
        visit_foreign_item_fn: ForeignItemFn, visit_foreign_item_static: ForeignItemStatic,
        visit_foreign_item_type: ForeignItemType, visit_foreign_item_macro: ForeignItemMacro,
        visit_field: Field, visit_variant: Variant, visit_field_value: FieldValue,
        visit_field_pat: FieldPat, visit_arm: Arm, visit_local: Local,
        visit_stmt_macro: StmtMacro, visit_pat_type: PatType,
        visit_expr_array: ExprArray, visit_expr_assign: ExprAssign,
        visit_expr_async: ExprAsync, visit_expr_await: ExprAwait, visit_expr_binary: ExprBinary,
        visit_expr_block: ExprBlock, visit_expr_break: ExprBreak, visit_expr_call: ExprCall,
        visit_expr_cast: ExprCast, visit_expr_closure: ExprClosure, visit_expr_const: ExprConst,
        visit_expr_field: ExprField, visit_expr_for_loop: ExprForLoop,
        visit_expr_group: ExprGroup, visit_expr_if: ExprIf, visit_expr_index: ExprIndex,
        visit_expr_let: ExprLet, visit_expr_loop: ExprLoop, visit_expr_macro: ExprMacro,
        visit_expr_match: ExprMatch, visit_expr_method_call: ExprMethodCall,
        visit_expr_paren: ExprParen, visit_expr_path: ExprPath, visit_expr_range: ExprRange,
        visit_expr_raw_addr: ExprRawAddr, visit_expr_reference: ExprReference,
        visit_expr_repeat: ExprRepeat, visit_expr_return: ExprReturn,
        visit_expr_struct: ExprStruct, visit_expr_try: ExprTry,
        visit_expr_try_block: ExprTryBlock, visit_expr_tuple: ExprTuple,
        visit_expr_unary: ExprUnary, visit_expr_unsafe: ExprUnsafe,
        visit_expr_while: ExprWhile, visit_expr_yield: ExprYield,
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
