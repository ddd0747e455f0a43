//! One exchange on the wire: a request sent and its answer read whole, within the size limit,
//! into a [`Reply`] with its head read. No authentication, no retries, no judging.

use crate::Error;
use crate::envelope::Reply;
use crate::error::without_query;

/// How one exchange ended, short of an answer too large to read (an [`Error`] at once).
#[expect(
    clippy::large_enum_variant,
    reason = "moved once per attempt, from the exchange to the send loop: boxing the answer \
              would only add an allocation per attempt"
)]
pub(crate) enum Exchanged {
    /// A complete answer.
    Answered(Reply),
    /// No complete answer: connection, timeout, reset mid-body, ... (query already removed
    /// from the error).
    Failed(reqwest::Error),
}

/// Sends `request` and reads the whole answer, up to `limit` bytes; its head is read `quick`ly
/// or whole ([`Reply::new`]). An answer over the limit is [`Error::Decode`], unread.
pub(crate) async fn exchange(
    http: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
    quick: bool,
) -> Result<Exchanged, Error> {
    let mut response = match http.execute(request).await {
        Ok(response) => response,
        Err(e) => return Ok(Exchanged::Failed(without_query(e))),
    };
    let status = response.status();
    let too_large = || Error::Decode {
        status: status.as_u16(),
        message: format!(
            "the response body is larger than the limit of {limit} bytes (see max_response_bytes)"
        ),
        body_snippet: String::new(),
        request_id: None,
        operation: None,
    };
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(too_large());
    }
    // Most bodies arrive as one chunk: keep it as it is, without copying.
    let mut body = match response.chunk().await {
        Ok(Some(first)) => first,
        Ok(None) => bytes::Bytes::new(),
        Err(e) => return Ok(Exchanged::Failed(without_query(e))),
    };
    let mut joined: Option<bytes::BytesMut> = None;
    loop {
        if joined.as_ref().map_or(body.len(), |j| j.len()) > limit {
            return Err(too_large());
        }
        match response.chunk().await {
            Ok(Some(more)) => joined
                .get_or_insert_with(|| bytes::BytesMut::from(&body[..]))
                .extend_from_slice(&more),
            Ok(None) => break,
            Err(e) => return Ok(Exchanged::Failed(without_query(e))),
        }
    }
    if let Some(all) = joined {
        body = all.freeze();
    }
    let headers = std::mem::take(response.headers_mut());
    Ok(Exchanged::Answered(Reply::new(
        status, headers, body, quick,
    )))
}
