//! Reading the input: a line (NDJSON) or a CSV record at a time, each checked into a
//! [`Row`]; and the input's [`Fingerprint`], which the `.done` file records.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::{DONE_HEADER, MAX_LINE_BYTES, Row, user_problems};
use crate::cli::ImportFormat;
use crate::output::Failure;
use crate::spec::{Spec, closest, did_you_mean};

/// Reads one line into `buf` (cleared first, without its `\n`), keeping at most `cap` bytes:
/// `None` at the end of the input, else whether the line was longer than `cap` (then `buf`
/// is empty and the rest of the line was read past without being kept).
pub fn read_capped_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Option<bool>> {
    buf.clear();
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let part = &available[..newline.unwrap_or(available.len())];
        if !too_long {
            if buf.len() + part.len() <= cap {
                buf.extend_from_slice(part);
            } else {
                too_long = true;
                buf.clear();
            }
        }
        let used = part.len() + usize::from(newline.is_some());
        reader.consume(used);
        if newline.is_some() {
            return Ok(Some(too_long));
        }
    }
}

/// A stable fingerprint of the input's bytes: their FNV-1a 64-bit hash and their count.
///
/// It tells whether the input is the one a `.done` file was made for; it is no defence
/// against a file forged to collide. FNV-1a is fixed by its definition, so the value is the
/// same on every build, version and machine (std's `DefaultHasher` promises no such thing),
/// and it needs no dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// FNV-1a, 64 bits, of every byte.
    pub fnv1a64: u64,
    /// The number of bytes.
    pub bytes: u64,
}

impl Fingerprint {
    /// The first line of a `.done` file made for this input.
    pub fn header(&self) -> String {
        format!(
            "{DONE_HEADER} fnv1a64={:016x} bytes={}",
            self.fnv1a64, self.bytes
        )
    }

    /// The fingerprint a `.done` file's first line records, if it is such a line.
    pub fn from_header(line: &str) -> Option<Fingerprint> {
        let rest = line.trim().strip_prefix(DONE_HEADER)?;
        let (mut hash, mut bytes) = (None, None);
        for part in rest.split_ascii_whitespace() {
            if let Some(h) = part.strip_prefix("fnv1a64=") {
                hash = u64::from_str_radix(h, 16).ok();
            } else if let Some(b) = part.strip_prefix("bytes=") {
                bytes = b.parse().ok();
            }
        }
        Some(Fingerprint {
            fnv1a64: hash?,
            bytes: bytes?,
        })
    }
}

/// FNV-1a over a stream, with the count of bytes and of line feeds.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hasher {
    hash: u64,
    bytes: u64,
    newlines: u64,
}

impl Hasher {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub(super) fn new() -> Self {
        Hasher {
            hash: Self::OFFSET,
            bytes: 0,
            newlines: 0,
        }
    }

    fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.hash = (self.hash ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
        self.bytes += data.len() as u64;
        self.newlines += data.iter().filter(|&&b| b == b'\n').count() as u64;
    }

    pub(super) fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            fnv1a64: self.hash,
            bytes: self.bytes,
        }
    }
}

/// The fingerprint of the file at `path` and its number of lines, read once in 64 KiB
/// pieces.
pub fn fingerprint_file(path: &Path) -> io::Result<(Fingerprint, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Hasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((hasher.fingerprint(), hasher.newlines + 1))
}

/// A reader that hashes what passes through it, to tell at the end whether the bytes read
/// were those fingerprinted before.
pub(super) struct HashingReader<R> {
    inner: R,
    hasher: Rc<Cell<Hasher>>,
}

impl<R> HashingReader<R> {
    /// `inner`, whose bytes are added to `hasher` as they are read.
    pub(super) fn new(inner: R, hasher: Rc<Cell<Hasher>>) -> Self {
        HashingReader { inner, hasher }
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut hasher = self.hasher.get();
        hasher.update(&buf[..n]);
        self.hasher.set(hasher);
        Ok(n)
    }
}

/// The rows of an input, read one line (NDJSON) or record (CSV) at a time and checked.
pub struct RowReader<'s, R: Read> {
    spec: &'s Spec,
    schema: &'s Value,
    source: Source<'s, R>,
}

enum Source<'s, R: Read> {
    Ndjson {
        reader: BufReader<R>,
        line: u64,
        buf: Vec<u8>,
    },
    Csv {
        reader: Box<csv::Reader<R>>,
        headers: Vec<String>,
        props: &'s Map<String, Value>,
        record: csv::ByteRecord,
    },
}

impl<'s, R: Read> RowReader<'s, R> {
    /// A reader of `input` in `format`. For CSV this reads the header and checks its names
    /// against the user schema (an unknown or repeated name is a usage error).
    pub fn new(
        spec: &'s Spec,
        schema: &'s Value,
        input: R,
        format: ImportFormat,
    ) -> Result<Self, Failure> {
        let source = match format {
            ImportFormat::Ndjson => Source::Ndjson {
                reader: BufReader::new(input),
                line: 0,
                buf: Vec::new(),
            },
            ImportFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(true)
                    .from_reader(input);
                let (headers, props) = csv_headers(spec, schema, &mut reader)?;
                Source::Csv {
                    reader: Box::new(reader),
                    headers,
                    props,
                    record: csv::ByteRecord::new(),
                }
            }
        };
        Ok(RowReader {
            spec,
            schema,
            source,
        })
    }

    /// The next row, blank lines and records left out; `None` at the end. Only a read error
    /// of the input is an error; a row that cannot be used is a row with problems.
    pub fn next_row(&mut self) -> Result<Option<Row>, Failure> {
        let read_error =
            |e: &dyn std::fmt::Display| Failure::Other(format!("cannot read the input: {e}"));
        let (spec, schema) = (self.spec, self.schema);
        match &mut self.source {
            Source::Ndjson { reader, line, buf } => loop {
                let Some(too_long) =
                    read_capped_line(reader, buf, MAX_LINE_BYTES).map_err(|e| read_error(&e))?
                else {
                    return Ok(None);
                };
                *line += 1;
                if too_long {
                    return Ok(Some(Row {
                        line: *line,
                        user: Err(vec![format!("longer than {MAX_LINE_BYTES} bytes")]),
                    }));
                }
                if let Some(row) = ndjson_row(spec, schema, *line, buf) {
                    return Ok(Some(row));
                }
            },
            Source::Csv {
                reader,
                headers,
                props,
                record,
            } => loop {
                match reader.read_byte_record(record) {
                    Ok(false) => return Ok(None),
                    Ok(true) => {}
                    Err(e) => {
                        if let csv::ErrorKind::Io(io) = e.kind() {
                            return Err(read_error(io));
                        }
                        return Ok(Some(Row {
                            line: e.position().map_or(0, csv::Position::line),
                            user: Err(vec!["not readable as CSV".to_string()]),
                        }));
                    }
                }
                if let Some(row) = csv_row(spec, schema, headers, props, record) {
                    return Ok(Some(row));
                }
            },
        }
    }
}

/// The row of one NDJSON line, `None` for a blank line.
fn ndjson_row(spec: &Spec, schema: &Value, line: u64, bytes: &[u8]) -> Option<Row> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Some(Row {
                line,
                user: Err(vec![format!(
                    "not UTF-8 text (byte {} of the line)",
                    e.valid_up_to() + 1
                )]),
            });
        }
    };
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return None;
    }
    let user = match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => {
            let problems = user_problems(spec, schema, &v);
            if problems.is_empty() {
                Ok(v)
            } else {
                Err(problems)
            }
        }
        Ok(_) => Err(vec!["not a JSON object".to_string()]),
        Err(e) => Err(vec![format!(
            "not JSON (column {}: {})",
            e.column(),
            classify(&e)
        )]),
    };
    Some(Row { line, user })
}

/// A JSON error's kind, without the text around it (which may hold personal data).
fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Eof => "unexpected end",
        serde_json::error::Category::Data => "bad data",
        serde_json::error::Category::Io => "read error",
    }
}

/// The CSV header's names, each a field of the user schema, none twice; and the schema's
/// fields.
fn csv_headers<'s, R: Read>(
    spec: &'s Spec,
    schema: &'s Value,
    reader: &mut csv::Reader<R>,
) -> Result<(Vec<String>, &'s Map<String, Value>), Failure> {
    let (props, _) = spec
        .properties(schema)
        .ok_or_else(|| Failure::Other("the user schema has no fields".into()))?;
    let raw = reader.byte_headers().map_err(|e| match e.kind() {
        csv::ErrorKind::Io(_) => Failure::Other(format!("cannot read the input: {e}")),
        _ => Failure::Usage(format!("cannot read the CSV header: {e}")),
    })?;
    let mut headers = Vec::with_capacity(raw.len());
    for (i, h) in raw.iter().enumerate() {
        let h = std::str::from_utf8(h)
            .map_err(|_| Failure::Usage("the CSV header is not UTF-8 text".into()))?;
        let h = if i == 0 {
            h.trim_start_matches('\u{feff}')
        } else {
            h
        };
        headers.push(h.trim().to_string());
    }
    let mut seen = BTreeSet::new();
    for h in &headers {
        if !props.contains_key(h) {
            return Err(Failure::Usage(format!(
                "CSV column `{h}` is not a field of the user schema{}; `genauth describe CreateUserInfoDto` lists them",
                did_you_mean(&closest(h, props.keys().map(String::as_str)))
            )));
        }
        if !seen.insert(h.as_str()) {
            return Err(Failure::Usage(format!("CSV column `{h}` appears twice")));
        }
    }
    Ok((headers, props))
}

/// The row of one CSV record, `None` for a blank record.
fn csv_row(
    spec: &Spec,
    schema: &Value,
    headers: &[String],
    props: &Map<String, Value>,
    record: &csv::ByteRecord,
) -> Option<Row> {
    let line = record.position().map_or(0, csv::Position::line);
    if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
        return None;
    }
    if record.len() != headers.len() {
        return Some(Row {
            line,
            user: Err(vec![format!(
                "has {} cells, the header has {}",
                record.len(),
                headers.len()
            )]),
        });
    }
    let mut user = Map::new();
    let mut problems = Vec::new();
    for (name, cell) in headers.iter().zip(record.iter()) {
        let Ok(cell) = std::str::from_utf8(cell) else {
            problems.push(format!("{name}: not UTF-8 text"));
            continue;
        };
        if cell.is_empty() {
            continue;
        }
        // Every header was checked against the schema.
        let Some(prop) = props.get(name) else {
            continue;
        };
        match spec.coerce(prop, cell) {
            Ok(v) => {
                user.insert(name.clone(), v);
            }
            Err(why) => problems.push(format!("{name}: {why}")),
        }
    }
    let user = Value::Object(user);
    if problems.is_empty() {
        problems = user_problems(spec, schema, &user);
    }
    Some(Row {
        line,
        user: if problems.is_empty() {
            Ok(user)
        } else {
            Err(problems)
        },
    })
}
