//! The walk of one parsed file: every path from the crate root it uses (in `use` trees,
//! types, expressions, patterns, attributes and macro bodies), the type names it defines, and
//! the files it declares only for tests.

use super::*;

/// `path` as a path from the crate root, seen from a scope `depth` modules below it: what
/// follows `crate`, or the `super`s that climb to the root (`self` at the root). `None` for
/// a path that starts elsewhere (a local name, an import, another crate).
pub(super) fn from_root(path: &[String], depth: usize) -> Option<&[String]> {
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
pub(super) struct Leaf {
    pub(super) path: Vec<String>,
    pub(super) name: String,
    pub(super) span: Span,
}

/// Every path of a `use` tree: groups, nesting, `self`, renames and globs.
pub(super) fn leaves(tree: &UseTree) -> Vec<Leaf> {
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
pub(super) fn test_only(attrs: &[Attribute]) -> bool {
    let cfg = |attr: &&Attribute| attr.path().is_ident("cfg");
    attrs
        .iter()
        .filter(cfg)
        .any(|attr| attr.parse_args().is_ok_and(|p| needs_test(&p)))
}

/// Whether a cfg predicate can hold only when `test` does.
pub(super) fn needs_test(predicate: &Meta) -> bool {
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
pub(super) struct Found {
    pub(super) module: String,
    pub(super) path: String,
    pub(super) at: String,
}

/// A walk of one file, with the files it includes: the modules it uses, its type names and
/// the files it declares only for tests.
pub(super) struct Walker<'a> {
    pub(super) root: &'a Root,
    pub(super) out_dir: &'a Path,
    /// The file read, and how messages name it.
    pub(super) path: PathBuf,
    pub(super) file: String,
    /// How many modules below the crate root the file's items are.
    pub(super) depth: usize,
    /// The inline modules around the current item.
    pub(super) inline: Vec<String>,
    /// How many blocks (function bodies, ..) are around it.
    pub(super) bodies: usize,
    pub(super) found: Vec<Found>,
    /// The module-level structs, enums, unions, type aliases and traits.
    pub(super) types: Vec<String>,
    /// The files (and folders of files) declared only for tests.
    pub(super) tests: Vec<PathBuf>,
    /// What could not be read.
    pub(super) errors: Vec<String>,
}

impl<'a> Walker<'a> {
    pub(super) fn new(
        root: &'a Root,
        out_dir: &'a Path,
        path: PathBuf,
        file: String,
        depth: usize,
    ) -> Self {
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

    pub(super) fn record(&mut self, path: &[String], span: Span) {
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
    pub(super) fn scan(&mut self, tokens: TokenStream, strings: bool) {
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
    pub(super) fn include(&mut self, tokens: &TokenStream) {
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
