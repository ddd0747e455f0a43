//! The files an import writes: the report of the rows not created, and the `.done` file of
//! the lines done; both created readable by their owner only, neither ever the input.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Write as _};
use std::path::{Path, PathBuf};

use serde_json::json;

use super::DONE_EXISTS;
use super::input::{Fingerprint, read_capped_line};
use crate::output::{Failure, eprint_line, escape_control};

/// Options that create a file readable and writable by its owner only (mode 0600 on Unix;
/// elsewhere the platform's default).
fn private_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}

/// `path` made absolute with its links resolved; for a file that does not exist yet, its
/// directory's canonical path joined with its name.
fn canonical(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(dir.canonicalize().ok()?.join(name))
}

/// Whether `a` and `b` name the same file: the same canonical path, or (on Unix) the same
/// device and inode, which also catches hard links.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if let (Some(ca), Some(cb)) = (canonical(a), canonical(b))
        && ca == cb
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    false
}

/// Where rows that were not created go: a CSV or NDJSON report file, else stderr.
pub(super) enum Report {
    Csv(Box<csv::Writer<File>>),
    Ndjson(File),
    Stderr,
}

/// One line of the report.
pub(super) struct ReportLine<'a> {
    pub(super) line: u64,
    pub(super) kind: &'a str,
    pub(super) status_code: Option<i64>,
    pub(super) api_code: Option<i64>,
    pub(super) message: &'a str,
    pub(super) request_id: Option<&'a str>,
}

/// How the report file is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ReportMode {
    /// A new run: created, or emptied.
    Truncate,
    /// `--resume`: created, or added to.
    Append,
    /// `--dry-run`: created only if there is no file of that name.
    CreateNew,
}

impl Report {
    pub(super) fn open(path: &Path, mode: ReportMode) -> Result<Report, Failure> {
        let existing = mode == ReportMode::Append && path.metadata().is_ok_and(|m| m.len() > 0);
        let mut options = private_file();
        match mode {
            ReportMode::Truncate => options.create(true).truncate(true),
            ReportMode::Append => options.create(true).append(true),
            ReportMode::CreateNew => options.create_new(true),
        };
        let file = options
            .open(path)
            .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?;
        let is_csv = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv {
            let mut writer = csv::Writer::from_writer(file);
            if !existing {
                writer
                    .write_record([
                        "line",
                        "kind",
                        "statusCode",
                        "apiCode",
                        "message",
                        "requestId",
                    ])
                    .map_err(|e| Failure::Other(format!("cannot write the report: {e}")))?;
            }
            Ok(Report::Csv(Box::new(writer)))
        } else {
            Ok(Report::Ndjson(file))
        }
    }

    /// Writes `l`; the message and the request id (which may come from the server) with
    /// their control characters escaped, whichever the destination.
    pub(super) fn write(&mut self, l: &ReportLine<'_>) -> Result<(), Failure> {
        let failed =
            |e: &dyn std::fmt::Display| Failure::Other(format!("cannot write the report: {e}"));
        let message = escape_control(l.message);
        let request_id = l.request_id.map(escape_control);
        match self {
            Report::Csv(w) => {
                let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
                w.write_record([
                    l.line.to_string(),
                    l.kind.to_string(),
                    opt(l.status_code),
                    opt(l.api_code),
                    message.into_owned(),
                    request_id.unwrap_or_default().into_owned(),
                ])
                .map_err(|e| failed(&e))?;
                w.flush().map_err(|e| failed(&e))
            }
            Report::Ndjson(f) => {
                let v = json!({
                    "line": l.line,
                    "kind": l.kind,
                    "statusCode": l.status_code,
                    "apiCode": l.api_code,
                    "message": message,
                    "requestId": request_id,
                });
                writeln!(f, "{v}").map_err(|e| failed(&e))
            }
            Report::Stderr => {
                let mut text = format!("line {}: {}: {message}", l.line, l.kind);
                if let Some(code) = l.status_code {
                    text.push_str(&format!(" (statusCode {code}"));
                    if let Some(api) = l.api_code {
                        text.push_str(&format!(", apiCode {api}"));
                    }
                    if let Some(id) = &request_id {
                        text.push_str(&format!(", requestId {id}"));
                    }
                    text.push(')');
                } else if let Some(id) = &request_id {
                    text.push_str(&format!(" (requestId {id})"));
                }
                eprint_line(&text);
                Ok(())
            }
        }
    }
}

/// The `.done` file beside a report: the input's fingerprint on its first line, then one
/// line done a line (`12`, or `12 exists` for a user the API refused as existing).
pub fn done_path(report: &Path) -> PathBuf {
    let mut name = report.as_os_str().to_owned();
    name.push(".done");
    PathBuf::from(name)
}

/// The input lines a `.done` file lists: a bit a line of the input, so the set takes an
/// eighth of a byte a line whatever the file lists.
#[derive(Debug)]
pub struct DoneLines {
    bits: Vec<u64>,
    max_line: u64,
}

impl DoneLines {
    /// An empty set for an input of `max_line` lines.
    pub fn new(max_line: u64) -> Self {
        let words = usize::try_from(max_line / 64 + 1).unwrap_or(usize::MAX);
        DoneLines {
            bits: vec![0; words],
            max_line,
        }
    }

    /// Adds `line`; false when it is not a line of the input.
    pub fn insert(&mut self, line: u64) -> bool {
        if line == 0 || line > self.max_line {
            return false;
        }
        let Some(word) = usize::try_from(line / 64)
            .ok()
            .and_then(|i| self.bits.get_mut(i))
        else {
            return false;
        };
        *word |= 1 << (line % 64);
        true
    }

    /// Whether `line` is listed.
    pub fn contains(&self, line: u64) -> bool {
        usize::try_from(line / 64)
            .ok()
            .and_then(|i| self.bits.get(i))
            .is_some_and(|word| word & (1 << (line % 64)) != 0)
    }
}

/// Reads the `.done` file at `path` for an input of fingerprint `input` and `max_line`
/// lines. A missing or empty file lists nothing. The first line must record `input`: a
/// `.done` file made for other bytes is refused (its line numbers may now be other users),
/// as is one without a fingerprint or with a line that is not `N` or `N exists` for a line
/// of the input.
pub fn read_done(path: &Path, input: Fingerprint, max_line: u64) -> Result<DoneLines, Failure> {
    let mut done = DoneLines::new(max_line);
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(done),
        Err(e) => {
            return Err(Failure::Other(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let not_ours = |n: u64| {
        Failure::Usage(format!(
            "{} line {n} is not a line of the input; the file is not a progress file of `users import` for this input",
            path.display()
        ))
    };
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    let mut n = 0u64;
    while let Some(too_long) = read_capped_line(&mut reader, &mut buf, 256)
        .map_err(|e| Failure::Other(format!("cannot read {}: {e}", path.display())))?
    {
        n += 1;
        let text = match std::str::from_utf8(&buf) {
            Ok(t) if !too_long => t.trim(),
            _ => return Err(not_ours(n)),
        };
        if n == 1 {
            let Some(made_for) = Fingerprint::from_header(text) else {
                return Err(Failure::Usage(format!(
                    "{} does not start with the fingerprint of its input (an earlier version of genauth wrote it?), so it cannot tell whether the input changed; nothing was sent. Delete it to start over, or pass another --report",
                    path.display()
                )));
            };
            if made_for != input {
                return Err(Failure::Usage(format!(
                    "the input has changed since {} was made for it ({} bytes then, {} now; fingerprint {:016x} then, {:016x} now): its line numbers may now be other users, so nothing was sent. Restore the input, or start over with another --report",
                    path.display(),
                    made_for.bytes,
                    input.bytes,
                    made_for.fnv1a64,
                    input.fnv1a64
                )));
            }
            continue;
        }
        if text.is_empty() {
            continue;
        }
        let mut parts = text.split_ascii_whitespace();
        let line = parts.next().and_then(|p| p.parse::<u64>().ok());
        match (line, parts.next(), parts.next()) {
            (Some(line), None | Some(DONE_EXISTS), None) if done.insert(line) => {}
            _ => return Err(not_ours(n)),
        }
    }
    Ok(done)
}
/// Opens the `.done` file to add to it, with the input's fingerprint as its first line when
/// it is new. Without `--resume` it must not exist (checked before anything was sent).
pub(super) fn open_done(path: &Path, input: Fingerprint, resume: bool) -> Result<File, Failure> {
    let cannot = |e: io::Error| Failure::Other(format!("cannot write {}: {e}", path.display()));
    let mut options = private_file();
    if resume {
        options.create(true).append(true);
    } else {
        options.create_new(true).append(true);
    }
    let mut file = options.open(path).map_err(cannot)?;
    if file.metadata().map_err(cannot)?.len() == 0 {
        file.write_all(format!("{}\n", input.header()).as_bytes())
            .and_then(|()| file.flush())
            .map_err(cannot)?;
    }
    Ok(file)
}
