//! Sending: one `createUsersBatch` call per chunk, the answer judged row by row (created,
//! existing, unconfirmed, failed), and a chunk refused for an existing user sent again a user
//! at a time.

use std::cell::Cell;

use genauth::ManagementClient;
use serde_json::{Map, Value};

use super::EXISTS_API_CODES;
use super::confirm::confirmed_rows;
use super::report::ReportLine;
use crate::output::{EXIT_OTHER, EXIT_USAGE};

/// A refusal or failure's fields for the report: statusCode, apiCode, message, requestId.
#[derive(Clone, Debug)]
pub(super) struct Refusal {
    status_code: Option<i64>,
    api_code: Option<i64>,
    message: String,
    request_id: Option<String>,
}

impl Refusal {
    fn of(e: &genauth::Error) -> Self {
        match e {
            genauth::Error::Api {
                status_code,
                api_code,
                message,
                request_id,
                ..
            } => Refusal {
                status_code: Some(*status_code),
                api_code: *api_code,
                message: message.clone(),
                request_id: request_id.clone(),
            },
            other => Refusal {
                status_code: other.http_status().map(i64::from),
                api_code: None,
                message: other.to_string(),
                request_id: other.request_id().map(str::to_string),
            },
        }
    }

    /// The report line of input line `line`.
    pub(super) fn line<'a>(&'a self, line: u64, kind: &'a str) -> ReportLine<'a> {
        ReportLine {
            line,
            kind,
            status_code: self.status_code,
            api_code: self.api_code,
            message: &self.message,
            request_id: self.request_id.as_deref(),
        }
    }
}

/// What became of one row that was to be sent.
#[derive(Clone, Debug)]
pub(super) enum Outcome {
    /// The answer's `data` lists the user.
    Created,
    /// The API refused the user as existing already.
    Exists(Refusal),
    /// A successful answer that does not list the user, or cannot be matched.
    Unconfirmed {
        why: String,
        request_id: Option<String>,
    },
    /// The call failed; the exit code this failure calls for.
    Failed(Refusal, u8),
    /// Not sent: an earlier failure stopped the import.
    NotSent,
}

/// What a chunk came to: each line's outcome, and the failure that stops the import, if one
/// did.
pub(super) struct ChunkResult {
    pub(super) outcomes: Vec<(u64, Outcome)>,
    pub(super) stopped_by: Option<String>,
}

/// Whether a failure means the next chunks cannot fare better: the request may or may not
/// have arrived (transport, timeout), or the access key is refused.
fn stops_import(e: &genauth::Error) -> bool {
    match e {
        genauth::Error::Api { status_code, .. } => matches!(status_code, 401 | 403),
        genauth::Error::Http { status, .. } => matches!(status, 401 | 403),
        _ => true,
    }
}

/// Whether the API refused the call because a user exists already ([`EXISTS_API_CODES`]).
fn refused_as_existing(e: &genauth::Error) -> bool {
    e.api_code()
        .is_some_and(|c| EXISTS_API_CODES.contains(&c.value()))
}

/// One `createUsersBatch` call with `users`; the body is returned with the answer so that
/// the answer can be matched against the users sent.
async fn create_batch(
    client: &ManagementClient,
    path: &str,
    options: Option<&Value>,
    users: Vec<Value>,
) -> (Value, Result<Value, genauth::Error>) {
    let mut body = Map::new();
    body.insert("list".into(), Value::Array(users));
    if let Some(o) = options {
        body.insert("options".into(), o.clone());
    }
    let body = Value::Object(body);
    let result = client
        .request(genauth::Method::POST, path)
        .json(&body)
        .send::<Value>()
        .await;
    (body, result)
}

/// The outcomes of one call for the users it sent, in order; `Err` when the API refused the
/// call as a user existing already and more than one was sent (which one is unknown).
fn judge(
    body: &Value,
    result: Result<Value, genauth::Error>,
    stopped_by: &mut Option<String>,
) -> Result<Vec<Outcome>, Refusal> {
    let sent = body
        .get("list")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    match result {
        Ok(answer) => {
            let request_id = answer
                .get("requestId")
                .and_then(Value::as_str)
                .map(str::to_string);
            let unconfirmed = |why: String| Outcome::Unconfirmed {
                why,
                request_id: request_id.clone(),
            };
            Ok(match confirmed_rows(sent, answer.get("data")) {
                Ok(flags) => {
                    let listed = flags.iter().filter(|&&f| f).count();
                    flags
                        .into_iter()
                        .map(|created| {
                            if created {
                                Outcome::Created
                            } else {
                                unconfirmed(format!(
                                    "the answer's `data` does not list this user ({listed} of {} sent are listed)",
                                    sent.len()
                                ))
                            }
                        })
                        .collect()
                }
                Err(why) => {
                    let why = format!("the answer confirms no user of this chunk: {why}");
                    vec![unconfirmed(why); sent.len()]
                }
            })
        }
        Err(e) if refused_as_existing(&e) => {
            if sent.len() == 1 {
                Ok(vec![Outcome::Exists(Refusal::of(&e))])
            } else {
                Err(Refusal::of(&e))
            }
        }
        Err(e) => {
            if stops_import(&e) && stopped_by.is_none() {
                *stopped_by = Some(e.to_string());
            }
            let code = match crate::output::sdk_exit_code(&e) {
                EXIT_USAGE => EXIT_OTHER,
                code => code,
            };
            Ok(vec![Outcome::Failed(Refusal::of(&e), code); sent.len()])
        }
    }
}

/// Sends one chunk. A chunk the API refuses because a user exists already is sent again a
/// user at a time, so that the one that exists is known and the others are created: a
/// refused call created nothing, and a user that was created after all is refused as
/// existing, never created twice (its email, phone, username and externalId are unique).
pub(super) async fn send_chunk(
    client: &ManagementClient,
    path: &str,
    options: Option<&Value>,
    chunk: Vec<(u64, Value)>,
    stop: &Cell<bool>,
) -> ChunkResult {
    let mut stopped_by = None;
    if stop.get() {
        let outcomes = chunk
            .into_iter()
            .map(|(l, _)| (l, Outcome::NotSent))
            .collect();
        return ChunkResult {
            outcomes,
            stopped_by,
        };
    }
    let (lines, users): (Vec<u64>, Vec<Value>) = chunk.into_iter().unzip();
    let (body, result) = create_batch(client, path, options, users).await;
    let outcomes = match judge(&body, result, &mut stopped_by) {
        Ok(outcomes) => lines.into_iter().zip(outcomes).collect(),
        Err(_) => {
            let users = match body {
                Value::Object(mut b) => match b.remove("list") {
                    Some(Value::Array(users)) => users,
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let mut outcomes = Vec::with_capacity(lines.len());
            for (line, user) in lines.into_iter().zip(users) {
                if stop.get() || stopped_by.is_some() {
                    outcomes.push((line, Outcome::NotSent));
                    continue;
                }
                let (body, result) = create_batch(client, path, options, vec![user]).await;
                let outcome = match judge(&body, result, &mut stopped_by) {
                    Ok(mut one) => one.pop().unwrap_or(Outcome::NotSent),
                    // One user sent: a refusal as existing is `Ok(Exists)`.
                    Err(refusal) => Outcome::Exists(refusal),
                };
                outcomes.push((line, outcome));
            }
            outcomes
        }
    };
    if stopped_by.is_some() {
        stop.set(true);
    }
    ChunkResult {
        outcomes,
        stopped_by,
    }
}
