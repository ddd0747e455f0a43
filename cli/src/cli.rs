//! The command line: arguments and their `--help` text (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Command line for the GenAuth (Authing) Management API V3.
///
/// Credentials and host come from the same environment variables as the genauth crate's
/// `ManagementClient::from_env`: GENAUTH_ACCESS_KEY_ID, GENAUTH_ACCESS_KEY_SECRET, GENAUTH_HOST,
/// GENAUTH_TENANT_ID, GENAUTH_LANG, GENAUTH_BRAND and GENAUTH_EVENTS_HOST. The flags --host,
/// --brand and --auth-mode override them. Plain http:// is accepted only for loopback hosts.
///
/// Exit codes: 0 success; 1 the API answered with a failure; 2 usage (bad arguments, unknown
/// operation or parameter, a value of the wrong type, a missing setting); 3 transport, timeout
/// or any other failure.
#[derive(Debug, Parser)]
#[command(name = "genauth", version, propagate_version = true)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Connection settings, over the GENAUTH_* environment variables.
#[derive(Debug, Args)]
pub struct Global {
    /// API host, e.g. `https://api.genauth.ai` (default: GENAUTH_HOST, else the brand's host).
    #[arg(long, global = true, value_name = "URL")]
    pub host: Option<String>,
    /// Which service: genauth or authing (default: GENAUTH_BRAND, else genauth). Decides the
    /// default host and the header names.
    #[arg(long, global = true, value_enum)]
    pub brand: Option<BrandArg>,
    /// How requests are authenticated: a signature on every request, or a management token
    /// fetched with the access key (default: signature).
    #[arg(long, global = true, value_enum)]
    pub auth_mode: Option<AuthModeArg>,
    /// Limit on each call, all attempts included, in seconds (default: the crate's, 60).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

/// `--brand`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BrandArg {
    /// GenAuth (api.genauth.ai).
    Genauth,
    /// Authing (api.authing.cn).
    Authing,
}

/// `--auth-mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthModeArg {
    /// Sign every request with the access key (HMAC-SHA1).
    Signature,
    /// Fetch a management token with the access key and send it as a bearer token.
    Token,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List operations: id, HTTP method, path, group and summary.
    Ops(OpsArgs),
    /// Show an operation's parameters and body fields (or a schema's fields).
    Describe(DescribeArgs),
    /// Call any operation and print the answer's `data` as JSON.
    Call(CallArgs),
    /// Print every item of a paginated operation as NDJSON (one JSON object a line).
    Pages(PagesArgs),
    /// Subscribe to events and print them as NDJSON until Ctrl-C.
    Events(EventsArgs),
    /// Bulk user commands.
    Users {
        /// The users command.
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Maintainers: call read operations and compare the answers with the spec (drift report).
    CheckApi(CheckApiArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// `genauth ops`.
#[derive(Debug, Args)]
pub struct OpsArgs {
    /// Keep operations whose id, client method, path or summary contains this text
    /// (case-insensitive).
    pub text: Option<String>,
    /// Keep operations of this API group, e.g. Users or data-resources-and-permissions.
    #[arg(long)]
    pub group: Option<String>,
    /// One JSON object a line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `genauth describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// An operationId (getUser), a client method name (get_user), or a schema name
    /// (CreateUserInfoDto).
    pub name: String,
    /// Print the description as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `genauth call`.
///
/// Each NAME=VALUE is a path or query parameter, or a body field; a dotted name sets a nested
/// body field (options.pagination.page=2). Values are checked against the spec before
/// anything is sent: integers, numbers, true/false, enum values; objects and untyped fields take
/// JSON. Arrays: repeat the name (userIds=a userIds=b), or give one JSON array
/// (userIds='["a","b"]'). Body fields given as NAME=VALUE are merged over --body.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The operation: operationId (getUser) or client method name (get_user).
    pub operation: String,
    /// Parameters and body fields, NAME=VALUE.
    #[arg(value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The JSON body: the text itself, @FILE to read a file, or - to read stdin.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub body: Option<String>,
    /// Print the whole answer (statusCode, message, data, ...) instead of its `data`.
    #[arg(long)]
    pub envelope: bool,
    /// Send names and values as given, without checking them against the spec.
    #[arg(long)]
    pub no_check: bool,
}

/// `genauth pages`.
///
/// Fetches page 1, 2, ... and prints each item of `data.list` on a line of its own. Stops
/// after an empty or short page, at `totalCount`, or at --max-items. A page identical to the
/// one before (a server that ignores the page number) is refused with an error, and so is a
/// walk that reaches --max-pages.
#[derive(Debug, Args)]
pub struct PagesArgs {
    /// The operation: operationId (listUsers) or client method name (list_users).
    pub operation: String,
    /// Parameters and body fields, NAME=VALUE, as for `call` (but not `page`).
    #[arg(value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The JSON body: the text itself, @FILE to read a file, or - to read stdin.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub body: Option<String>,
    /// Stop after this many items.
    #[arg(long, value_name = "N")]
    pub max_items: Option<u64>,
    /// Items per page (the `limit` beside `page`); a `limit=N` parameter does the same.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub page_size: u64,
    /// Fail when the walk needs more pages than this.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_pages: u64,
    /// Send at most this many requests a second (retries included), e.g. 5 or 0.5.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,
}

/// `genauth events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The event code, e.g. authing.user.created.
    pub code: String,
    /// Print each message exactly as received instead of {eventType, source, time, data}.
    #[arg(long)]
    pub raw: bool,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    pub max_events: Option<u64>,
}

/// `genauth users ...`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create users in bulk from a CSV or NDJSON file, through createUsersBatch.
    Import(ImportArgs),
}

/// `genauth users import`.
///
/// Each CSV row or NDJSON line is one user (CreateUserInfoDto): CSV header names are its JSON
/// field names (email, phone, username, password, name, ...); an empty cell leaves the field
/// out; cells of array, object and untyped fields hold JSON (["d1","d2"]). Every row is
/// checked against the spec first; a malformed row is reported with its line number and the
/// valid ones still go. Rows are sent in chunks; a failed chunk is not retried (the SDK does
/// not retry writes). A row counts as created only when the answer lists its user. Exit code:
/// 0 when every row was created (or, with --dry-run, is valid); 1 when the API refused a chunk
/// or a user exists already; 3 when a chunk failed in transport or rows are unconfirmed (the
/// answer did not list them; --resume sends them again); else 2 when rows were malformed.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: .csv, or .ndjson/.jsonl (see --format).
    pub file: PathBuf,
    /// The file's format, when its extension does not say.
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,
    /// Users per createUsersBatch call.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub chunk_size: usize,
    /// Chunks in flight at once (1 to 16).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub concurrency: usize,
    /// Write the rows not created here (line, kind: invalid, unconfirmed, exists or failed;
    /// statusCode, apiCode, message, requestId): CSV when the name ends in .csv, else NDJSON.
    /// The lines the API confirmed (and those it refused as existing) are recorded in
    /// FILE.done, which starts with the input's fingerprint and which --resume reads. Both
    /// files are created readable by the owner only; the report may not be the input.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Skip the lines listed in the report's .done file and append to the report. The input
    /// must be the file the .done was made for (its fingerprint is checked; another input is
    /// refused). Rows the API did not confirm are sent again; a user the API refuses as
    /// existing is reported as `exists` and not sent again.
    #[arg(long, requires = "report")]
    pub resume: bool,
    /// Check every row and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Options for every user (CreateUserOptionsDto as JSON), e.g.
    /// '{"resetPasswordOnFirstLogin":true}'.
    #[arg(long, value_name = "JSON")]
    pub options: Option<String>,
    /// Send at most this many chunks, then stop (the rest can follow with --resume).
    #[arg(long, value_name = "N")]
    pub max_chunks: Option<usize>,
    /// Send at most this many requests a second (retries and single resends included), e.g.
    /// 5 or 0.5, however many chunks are in flight.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,
}

/// `--format` of `users import`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object a line.
    Ndjson,
}

/// `genauth check-api`.
///
/// Calls every read operation that needs no path parameter and no required parameter without
/// a default, with page 1 and a page size of 1, and compares each answer's `data` with the
/// spec: fields the spec does not know, required fields missing, enum values the spec lacks,
/// type mismatches (numbers sent as strings included), and calls that failed. Nothing is
/// written to the API; values are never printed except enum values outside the spec.
#[derive(Debug, Args)]
pub struct CheckApiArgs {
    /// Only this API group (Users) or operation (getUser / get_user); may repeat.
    #[arg(long, value_name = "GROUP|ID")]
    pub only: Vec<String>,
    /// Write the JSON report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Exit 1 when anything drifted or failed.
    #[arg(long)]
    pub strict: bool,
}

/// `genauth completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: ShellArg,
}

/// The shells with completion scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
}
