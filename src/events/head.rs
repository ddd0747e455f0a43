//! Reading an HTTP/1.x answer's head off a connection, as both the events host (to the
//! upgrade) and a proxy (to `CONNECT`) send one: status line, headers, and the bytes read past
//! them.

use tokio::io::{AsyncRead, AsyncReadExt as _};

/// The most bytes an upgrade (or proxy) answer's head may have.
pub(super) const MAX_HEAD_BYTES: usize = 16 * 1024;

/// An HTTP answer's head: status and headers (names lower-cased, values as text with any
/// byte that is not UTF-8 replaced).
#[derive(Debug)]
pub(super) struct ResponseHead {
    pub(super) status: u16,
    headers: Vec<(String, String)>,
}

impl ResponseHead {
    /// The first value of header `name` (lower-case).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.values(name).next()
    }

    /// Every value of header `name` (lower-case), in order.
    pub(super) fn values<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Reads a head (without its blank line). The status line must be `HTTP/1.x NNN` and
    /// each header line `name: value` with a token for its name; a value may hold any byte
    /// (RFC 9110 5.5: `obs-text` is opaque data) and a folded line continues the one before.
    pub(super) fn parse(bytes: &[u8]) -> Result<ResponseHead, &'static str> {
        let mut lines = bytes
            .split(|b| *b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
        let status = lines
            .next()
            .and_then(status_code)
            .ok_or("its status line is not `HTTP/1.x` and a status code")?;
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if let [b' ' | b'\t', ..] = line {
                // obs-fold: the line goes on the value before, after a space.
                let Some((_, value)) = headers.last_mut() else {
                    return Err("it starts with a folded header line");
                };
                value.push(' ');
                value.push_str(String::from_utf8_lossy(line).trim());
                continue;
            }
            let Some(colon) = line.iter().position(|b| *b == b':') else {
                return Err("a header line has no colon");
            };
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            if name.is_empty() || !name.iter().all(|b| is_token_byte(*b)) {
                return Err("a header name is not a token");
            }
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            let value = String::from_utf8_lossy(value)
                .trim_matches([' ', '\t'])
                .to_string();
            headers.push((name, value));
        }
        Ok(ResponseHead { status, headers })
    }
}

/// The status code of a status line: `HTTP/1.x NNN`, then nothing or a space and a reason
/// phrase (any bytes).
fn status_code(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let (minor, rest) = rest.split_first()?;
    let (code, reason) = rest.strip_prefix(b" ")?.split_at_checked(3)?;
    let well_formed = minor.is_ascii_digit()
        && code.iter().all(u8::is_ascii_digit)
        && reason.first().is_none_or(|b| *b == b' ');
    well_formed.then(|| code.iter().fold(0, |n, d| n * 10 + u16::from(d - b'0')))
}

/// Whether `b` may be part of a token (RFC 9110 5.6.2): a header name.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Why an answer's head could not be read.
#[derive(Debug)]
pub(super) enum HeadError {
    /// The connection failed or closed first: another attempt may do better.
    Io(std::io::Error),
    /// What arrived is not an HTTP/1.x head (or is too long for one): the peer does not speak
    /// HTTP as it should, and will not on another attempt.
    Malformed(&'static str),
}

/// Reads an HTTP answer's head (at most [`MAX_HEAD_BYTES`]); returns it and the bytes read
/// past it.
pub(super) async fn read_head<S: AsyncRead + Unpin>(
    io: &mut S,
) -> Result<(ResponseHead, Vec<u8>), HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(HeadError::Malformed("its head is over 16 KiB"));
        }
        let mut chunk = [0u8; 1024];
        let n = io.read(&mut chunk).await.map_err(HeadError::Io)?;
        if n == 0 {
            return Err(HeadError::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the connection closed before a whole answer",
            )));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = ResponseHead::parse(&buf[..end]).map_err(HeadError::Malformed)?;
    Ok((head, buf[end + 4..].to_vec()))
}
