//! `genauth users import`: users from a CSV or NDJSON file, checked against the spec's user
//! schema, created in chunks through `createUsersBatch`, with a report of the rows that were
//! not created and a `.done` file of the lines done, which `--resume` skips.
//!
//! What is recorded is what the API confirmed:
//! - a row is done when the answer's `data` lists its user, matched by identifiers
//!   ([`confirmed_rows`]), or when the API refused it as existing already
//!   ([`EXISTS_API_CODES`]; recorded with the kind `exists`, so `--resume` does not send it
//!   again);
//! - a row a successful answer does not list is `unconfirmed`: not done, sent again by
//!   `--resume`; an answer that cannot be matched confirms no row of its chunk.
//!
//! The `.done` file's first line is the input's [`Fingerprint`]; `--resume` refuses an input
//! that differs from it. The input is read as a stream (a line or a CSV record at a time, a
//! chunk at a time), so memory does not grow with the file; a line that cannot be read
//! (not UTF-8, not JSON, longer than [`MAX_LINE_BYTES`]) is reported as `invalid` with its
//! number and the others still go.

mod confirm;
mod input;
mod report;
mod schema;
mod send;

use std::cell::{Cell, OnceCell};
use std::fs::File;
use std::io::{self, Read, Write as _};
use std::path::Path;
use std::rc::Rc;

use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use genauth::ManagementClient;
use serde_json::{Value, json};

pub use self::confirm::confirmed_rows;
pub use self::input::{Fingerprint, RowReader, fingerprint_file};
pub use self::report::{DoneLines, done_path, read_done, same_file};
pub use self::schema::{UserSchemas, user_problems, user_schemas};

use self::input::{Hasher, HashingReader};
use self::report::{Report, ReportLine, ReportMode, open_done};
use self::schema::batch_options;
use self::send::{Outcome, send_chunk};
use crate::cli::{ImportArgs, ImportFormat};
use crate::ops::find_operation;
use crate::output::{
    EXIT_API, EXIT_OK, EXIT_OTHER, EXIT_USAGE, Failure, eprint_line, escape_control, print_line,
};
use crate::spec::spec;

/// The operation that creates users in bulk.
const BATCH_OPERATION: &str = "createUsersBatch";

/// The most chunks in flight at once.
const MAX_CONCURRENCY: usize = 16;

/// The longest NDJSON line read (1 MiB, far more than a user takes); a longer line is
/// reported as `invalid` and skipped without being held in memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The `apiCode`s that refuse a user because it exists already, from Authing's error-code
/// reference (<https://docs.authing.cn/v2/reference/error-code.html>): 2026 "the user exists
/// already", 2034 "the username exists already", 2035 "the phone number is bound already".
/// That page documents the V2 API; the V3 reference lists none of them and the spec gives
/// `createUsersBatch` no error codes, so a refusal with another code is reported as `failed`.
pub const EXISTS_API_CODES: [i64; 3] = [2026, 2034, 2035];

/// The start of a `.done` file's first line.
const DONE_HEADER: &str = "# genauth users import, input";

/// The kind a `.done` line gives a row refused as existing.
const DONE_EXISTS: &str = "exists";

/// One row of the input: its line number and the user, or why it is malformed.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The line the row starts on (1-based; a CSV header is line 1).
    pub line: u64,
    /// The user object, or the row's problems (never its values).
    pub user: Result<Value, Vec<String>>,
}

/// The format of `file`: `--format`, else its extension.
fn format_of(file: &Path, format: Option<ImportFormat>) -> Result<ImportFormat, Failure> {
    if let Some(f) = format {
        return Ok(f);
    }
    match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(ImportFormat::Csv),
        Some("ndjson" | "jsonl") => Ok(ImportFormat::Ndjson),
        _ => Err(Failure::Usage(format!(
            "{}: cannot tell the format from the name; pass --format csv or --format ndjson",
            file.display()
        ))),
    }
}

/// The counts of the summary.
#[derive(Default)]
struct Tally {
    rows: u64,
    valid: u64,
    invalid: u64,
    skipped: u64,
    imported: u64,
    exists: u64,
    unconfirmed: u64,
    failed: u64,
    not_sent: u64,
}

/// The next chunk of at most `size` valid rows not done yet; the malformed ones on the way
/// are reported. `None` at the end of the input.
fn next_chunk<R: Read>(
    rows: &mut RowReader<'_, R>,
    done: Option<&DoneLines>,
    report: &mut Report,
    tally: &mut Tally,
    size: usize,
) -> Result<Option<Vec<(u64, Value)>>, Failure> {
    let mut chunk = Vec::new();
    while chunk.len() < size {
        let Some(row) = rows.next_row()? else {
            break;
        };
        tally.rows += 1;
        if done.is_some_and(|d| d.contains(row.line)) {
            tally.skipped += 1;
            continue;
        }
        match row.user {
            Ok(user) => {
                tally.valid += 1;
                chunk.push((row.line, user));
            }
            Err(problems) => {
                tally.invalid += 1;
                report.write(&ReportLine {
                    line: row.line,
                    kind: "invalid",
                    status_code: None,
                    api_code: None,
                    message: &problems.join("; "),
                    request_id: None,
                })?;
            }
        }
    }
    Ok((!chunk.is_empty()).then_some(chunk))
}

/// `genauth users import`.
pub async fn run_import(
    args: &ImportArgs,
    client: impl FnOnce() -> Result<ManagementClient, Failure>,
) -> Result<(), Failure> {
    if args.chunk_size == 0 {
        return Err(Failure::Usage("--chunk-size must be at least 1".into()));
    }
    if !(1..=MAX_CONCURRENCY).contains(&args.concurrency) {
        return Err(Failure::Usage(format!(
            "--concurrency must be between 1 and {MAX_CONCURRENCY}"
        )));
    }
    let spec = spec()?;
    let op = find_operation(BATCH_OPERATION)?;
    let schemas = user_schemas(spec)?;
    let options = batch_options(args, spec, &schemas)?;
    let format = format_of(&args.file, args.format)?;
    let input = File::open(&args.file)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", args.file.display())))?;

    let report_path = args.report.as_deref();
    let done_file = report_path.map(done_path);
    if let (Some(report), Some(done)) = (report_path, &done_file) {
        for (path, what) in [(report, "--report"), (done.as_path(), "its .done file")] {
            if same_file(path, &args.file) {
                return Err(Failure::Usage(format!(
                    "{what} ({}) is the input file: writing it would destroy the input; nothing was written or sent",
                    path.display()
                )));
            }
        }
    }
    if let Some(path) = &done_file
        && !args.resume
        && !args.dry_run
        && path.symlink_metadata().is_ok()
    {
        return Err(Failure::Usage(format!(
            "{} exists from an earlier import: pass --resume to skip the lines it lists, or delete it to start over",
            path.display()
        )));
    }
    // The input's fingerprint and number of lines, when a `.done` file is read or written:
    // a first pass over the input, so it must be a file that can be read twice.
    let fingerprint = match &done_file {
        Some(_) if args.resume || !args.dry_run => {
            let cannot =
                |e: io::Error| Failure::Usage(format!("cannot read {}: {e}", args.file.display()));
            if !input.metadata().map_err(cannot)?.is_file() {
                return Err(Failure::Usage(format!(
                    "{} is not a regular file: with --report the input is read twice (first for its fingerprint), so it cannot be a pipe or a device",
                    args.file.display()
                )));
            }
            Some(fingerprint_file(&args.file).map_err(cannot)?)
        }
        _ => None,
    };
    let done = match (&done_file, fingerprint) {
        (Some(path), Some((input, max_line))) if args.resume => {
            Some(read_done(path, input, max_line)?)
        }
        _ => None,
    };
    let mut report = match report_path {
        None => Report::Stderr,
        Some(path) if args.dry_run => {
            if path.symlink_metadata().is_ok() {
                eprint_line(&format!(
                    "genauth: {} exists; a dry run leaves it as it is and lists its findings here",
                    path.display()
                ));
                Report::Stderr
            } else {
                Report::open(path, ReportMode::CreateNew)?
            }
        }
        Some(path) if args.resume => Report::open(path, ReportMode::Append)?,
        Some(path) => Report::open(path, ReportMode::Truncate)?,
    };

    let hasher = Rc::new(Cell::new(Hasher::new()));
    let reader = HashingReader::new(input, hasher.clone());
    let mut rows = RowReader::new(spec, schemas.user, reader, format)?;
    let mut tally = Tally::default();
    let mut worst = EXIT_OK;
    let mut make_client = Some(client);
    let client_cell: OnceCell<ManagementClient> = OnceCell::new();
    let mut done_writer: Option<File> = None;
    let bar = if args.dry_run {
        None
    } else {
        crate::output::progress(None, "users import")
    };
    let stop = Cell::new(false);
    let mut stopped_by: Option<String> = None;
    let mut chunks_sent = 0usize;
    let mut in_flight = FuturesUnordered::new();
    let mut exhausted = false;
    loop {
        while !exhausted && in_flight.len() < args.concurrency {
            let Some(chunk) = next_chunk(
                &mut rows,
                done.as_ref(),
                &mut report,
                &mut tally,
                args.chunk_size,
            )?
            else {
                exhausted = true;
                break;
            };
            if args.dry_run {
                continue;
            }
            if stop.get() || args.max_chunks.is_some_and(|max| chunks_sent >= max) {
                tally.not_sent += chunk.len() as u64;
                continue;
            }
            let client = match client_cell.get() {
                Some(c) => c,
                None => {
                    let make = make_client
                        .take()
                        .ok_or_else(|| Failure::Other("no client".into()))?;
                    let c = make()?;
                    client_cell.get_or_init(|| c)
                }
            };
            if done_writer.is_none()
                && let (Some(path), Some((input, _))) = (&done_file, fingerprint)
            {
                done_writer = Some(open_done(path, input, args.resume)?);
            }
            chunks_sent += 1;
            in_flight.push(send_chunk(client, op.path, options.as_ref(), chunk, &stop));
        }
        let Some(result) = in_flight.next().await else {
            if exhausted {
                break;
            }
            continue;
        };
        let mut done_text = String::new();
        let sent = result.outcomes.len() as u64;
        for (line, outcome) in result.outcomes {
            match outcome {
                Outcome::Created => {
                    tally.imported += 1;
                    done_text.push_str(&format!("{line}\n"));
                }
                Outcome::Exists(r) => {
                    tally.exists += 1;
                    worst = worst.max(EXIT_API);
                    done_text.push_str(&format!("{line} {DONE_EXISTS}\n"));
                    report.write(&r.line(line, "exists"))?;
                }
                Outcome::Unconfirmed { why, request_id } => {
                    tally.unconfirmed += 1;
                    worst = worst.max(EXIT_OTHER);
                    report.write(&ReportLine {
                        line,
                        kind: "unconfirmed",
                        status_code: None,
                        api_code: None,
                        message: &why,
                        request_id: request_id.as_deref(),
                    })?;
                }
                Outcome::Failed(r, code) => {
                    tally.failed += 1;
                    worst = worst.max(code);
                    report.write(&r.line(line, "failed"))?;
                }
                Outcome::NotSent => tally.not_sent += 1,
            }
        }
        if let Some(w) = done_writer.as_mut()
            && !done_text.is_empty()
        {
            w.write_all(done_text.as_bytes())
                .and_then(|()| w.flush())
                .map_err(|e| Failure::Other(format!("cannot write the .done file: {e}")))?;
        }
        if stopped_by.is_none() {
            stopped_by = result.stopped_by;
        }
        if let Some(bar) = &bar {
            bar.inc(sent);
        }
    }
    drop(in_flight);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(why) = stopped_by {
        eprint_line(&format!(
            "genauth: stopped sending after a failure that later chunks would share: {}",
            escape_control(&why)
        ));
    }
    if let Some((input, _)) = fingerprint
        && hasher.get().fingerprint() != input
    {
        worst = worst.max(EXIT_OTHER);
        eprint_line(&format!(
            "genauth: {} changed while it was imported: the rows read may not be those fingerprinted in the .done file; check the report",
            args.file.display()
        ));
    }
    let summary = json!({
        "rows": tally.rows,
        "valid": tally.valid,
        "invalid": tally.invalid,
        "skipped": tally.skipped,
        "imported": tally.imported,
        "exists": tally.exists,
        "unconfirmed": tally.unconfirmed,
        "failed": tally.failed,
        "notSent": tally.not_sent,
        "dryRun": args.dry_run,
    });
    print_line(&summary.to_string())?;
    let code = if worst != EXIT_OK {
        worst
    } else if tally.invalid > 0 {
        EXIT_USAGE
    } else {
        EXIT_OK
    };
    if code == EXIT_OK {
        return Ok(());
    }
    let see = if args.report.is_some() {
        "; see the report"
    } else {
        ""
    };
    if tally.failed > 0 {
        eprint_line(&format!("genauth: {} rows failed{see}", tally.failed));
    }
    if tally.exists > 0 {
        eprint_line(&format!(
            "genauth: {} rows exist already and were not created by this import (recorded as done){see}",
            tally.exists
        ));
    }
    if tally.unconfirmed > 0 {
        eprint_line(&format!(
            "genauth: {} rows unconfirmed: the API's answer did not list them, so they may or may not exist; --resume sends them again{see}",
            tally.unconfirmed
        ));
    }
    if tally.invalid > 0 {
        eprint_line(&format!("genauth: {} rows are malformed", tally.invalid));
    }
    Err(Failure::Reported(code))
}
