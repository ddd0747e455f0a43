//! How the command ends: the failure kinds and their exit codes, and writing to stdout and
//! stderr without panicking (a closed pipe is not a crash).
//!
//! Text the server sent (`message`, `requestId`, a close reason, an error body) is shown with
//! its control characters escaped ([`escape_control`]), so that a hostile or broken server
//! cannot write terminal escape sequences through the command line: [`describe_sdk_error`]
//! escapes what it takes from an error, [`eprint_line`] escapes every control character but
//! line feeds and tabs of whatever it writes, and [`json_text`] writes DEL, the C1 controls
//! and the bidirectional controls as `\uXXXX` (JSON itself escapes the others).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, IsTerminal as _, Write as _};

/// Exit code of a success.
pub const EXIT_OK: u8 = 0;
/// Exit code when the API answered with a failure (an in-body `statusCode` other than 200, an
/// HTTP error status, a refused management token).
pub const EXIT_API: u8 = 1;
/// Exit code of a usage error: bad arguments, an unknown operation or parameter, a value of
/// the wrong type, a missing required parameter, a missing setting.
pub const EXIT_USAGE: u8 = 2;
/// Exit code of every other failure: transport, timeout, an answer that cannot be read as a
/// success, a server that pages without end, a file that cannot be read or written.
pub const EXIT_OTHER: u8 = 3;

/// Why a command failed. Every variant maps to one exit code ([`Failure::exit_code`]).
#[derive(Debug)]
pub enum Failure {
    /// Bad input from the user; nothing was sent (exit 2).
    Usage(String),
    /// A failure the SDK reported; the exit code depends on its kind.
    Sdk(genauth::Error),
    /// Anything else: files, a server answer the command cannot use (exit 3).
    Other(String),
    /// Already reported on stderr; exit with this code.
    Reported(u8),
    /// stdout was closed by its reader (e.g. `| head`): stop quietly (exit 0).
    BrokenPipe,
}

impl From<genauth::Error> for Failure {
    fn from(e: genauth::Error) -> Self {
        Failure::Sdk(e)
    }
}

/// The exit code for an SDK error: 1 when the API (or the token endpoint) answered with a
/// failure, 2 for a setting or request the SDK refused before sending, 3 otherwise.
pub fn sdk_exit_code(e: &genauth::Error) -> u8 {
    match e {
        genauth::Error::Api { .. } | genauth::Error::Http { .. } | genauth::Error::Auth { .. } => {
            EXIT_API
        }
        genauth::Error::Config(_) | genauth::Error::InvalidRequest(_) => EXIT_USAGE,
        _ => EXIT_OTHER,
    }
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Sdk(e) => sdk_exit_code(e),
            Failure::Other(_) => EXIT_OTHER,
            Failure::Reported(code) => *code,
            Failure::BrokenPipe => EXIT_OK,
        }
    }

    /// Writes the failure to stderr. An API failure lists `statusCode`, `apiCode`, `message`
    /// and `requestId` on lines of their own.
    pub fn report(&self) {
        match self {
            Failure::Usage(m) => eprint_line(&format!("genauth: {m}")),
            Failure::Other(m) => eprint_line(&format!("genauth: {m}")),
            Failure::Sdk(e) => eprint_line(&describe_sdk_error(e)),
            Failure::Reported(_) | Failure::BrokenPipe => {}
        }
    }
}

/// Whether `c` must not reach a terminal as it is: the C0 controls (line feed and tab
/// included), DEL, the C1 controls (U+0080 to U+009F, where CSI U+009B starts an escape
/// sequence on some terminals), and the bidirectional controls (U+061C, U+200E, U+200F,
/// U+202A to U+202E, U+2066 to U+2069), which reorder the text shown around them.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every character of [`is_unsafe_char`] written as an escape: `\n`, `\r`, `\t`,
/// else `\u{hex}` (ESC is `\u{1b}`). Use it on anything the server sent before it reaches a
/// terminal, stderr or a report: the result holds no control character, so it cannot move
/// the cursor, recolour, retitle the terminal or forge a line of output. Text without such
/// characters is returned as it is (borrowed).
pub fn escape_control(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unsafe_char)
}

/// `text` with the characters for which `unsafe_char` holds escaped as [`escape_control`]
/// does.
fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !unsafe_char(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Writing to a String cannot fail.
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// An SDK error as text for stderr. The SDK never puts credentials in its errors; what the
/// server sent (`message`, `requestId`, an error body, a close reason) is escaped with
/// [`escape_control`].
pub fn describe_sdk_error(e: &genauth::Error) -> String {
    match e {
        genauth::Error::Api {
            status_code,
            api_code,
            message,
            request_id,
            http_status,
            ..
        } => {
            let mut text = format!(
                "genauth: the API reported a failure (HTTP {http_status})\n  statusCode: {status_code}"
            );
            if let Some(code) = api_code {
                text.push_str(&format!("\n  apiCode: {code}"));
            }
            text.push_str(&format!("\n  message: {}", escape_control(message)));
            if let Some(id) = request_id {
                text.push_str(&format!("\n  requestId: {}", escape_control(id)));
            }
            text
        }
        genauth::Error::Http {
            status, request_id, ..
        } => {
            let mut text = format!(
                "genauth: {}\n  httpStatus: {status}",
                escape_control(&e.to_string())
            );
            if let Some(id) = request_id {
                text.push_str(&format!("\n  requestId: {}", escape_control(id)));
            }
            text
        }
        other => format!("genauth: {}", escape_control(&other.to_string())),
    }
}

/// A line on stderr; a failed write is ignored (there is nowhere left to report it). As a
/// last line of defence, every character of [`is_unsafe_char`] but line feeds and tabs is
/// escaped, whatever the caller passed; server text should still go through
/// [`escape_control`] first, so that its line feeds cannot forge lines.
pub fn eprint_line(text: &str) {
    let text = escape_where(text, |c| c != '\n' && c != '\t' && is_unsafe_char(c));
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Maps a write error on stdout: a closed pipe stops the command quietly.
pub fn stdout_error(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::BrokenPipe
    } else {
        Failure::Other(format!("cannot write to stdout: {e}"))
    }
}

/// Writes `text` and a newline to stdout.
pub fn print_line(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}").map_err(stdout_error)?;
    out.flush().map_err(stdout_error)
}

/// JSON as the command prints it: indented when `pretty`, else on one line. JSON escapes the
/// C0 controls but leaves DEL, the C1 controls and the bidirectional controls as they are;
/// these are written as `\uXXXX` escapes too (they can only occur inside strings, so the
/// text is the same JSON value).
pub fn json_text(value: &serde_json::Value, pretty: bool) -> String {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    // A `Value` always serialises.
    let text = text.unwrap_or_else(|_| "null".to_string());
    // Outside strings JSON has only the spaces and line feeds of pretty printing; inside,
    // JSON has escaped the C0 controls already (but not DEL).
    let raw = |c: char| is_unsafe_char(c) && c > '\u{1f}';
    if !text.chars().any(raw) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if raw(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints one JSON value: pretty when stdout is a terminal, compact otherwise.
pub fn print_json(value: &serde_json::Value) -> Result<(), Failure> {
    print_line(&json_text(value, io::stdout().is_terminal()))
}

/// A progress bar on stderr when stderr is a terminal, else `None` (nothing is drawn, no
/// escape codes are written). `len` is the expected count, when known.
pub fn progress(len: Option<u64>, what: &str) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = match len {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    let template = if len.is_some() {
        "{msg} [{bar:40}] {pos}/{len} ({elapsed})"
    } else {
        "{msg} {spinner} {pos} ({elapsed})"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    Some(bar)
}
