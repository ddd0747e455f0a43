//! `genauth events`: a subscription printed as NDJSON until Ctrl-C.

use futures_util::StreamExt as _;
use genauth::{Event, ManagementClient};
use serde_json::{Value, json};

use crate::cli::EventsArgs;
use crate::output::{Failure, print_line};

/// How long the command lets the subscription's task close the connection after the stream
/// is dropped.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

/// One event as the line `events` prints: `{eventType, source, time, data}`, or with `raw` the
/// message as received.
pub fn event_line(event: &Event, raw: bool) -> String {
    let value = if raw {
        event.raw.clone()
    } else {
        event_object(
            event.event_type.as_deref(),
            event.source.as_deref(),
            event.time.as_ref(),
            &event.data,
        )
    };
    crate::output::json_text(&value, false)
}

/// The object of a line, from the event's parts; absent parts are `null`.
pub fn event_object(
    event_type: Option<&str>,
    source: Option<&str>,
    time: Option<&Value>,
    data: &Value,
) -> Value {
    json!({
        "eventType": event_type,
        "source": source,
        "time": time,
        "data": data,
    })
}

/// `genauth events`: prints events until Ctrl-C (exit 0), `--max-events`, or a failure that
/// ends the subscription. Dropping the stream closes the connection with a close frame.
pub async fn run_events(
    args: &EventsArgs,
    client: impl FnOnce() -> Result<ManagementClient, Failure>,
) -> Result<(), Failure> {
    if args.code.trim().is_empty() {
        return Err(Failure::Usage("the event code is empty".into()));
    }
    if args.max_events == Some(0) {
        return Ok(());
    }
    let client = client()?;
    let mut stream = client.subscribe(&args.code);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut seen = 0u64;
    let result = loop {
        tokio::select! {
            signal = &mut ctrl_c => {
                break match signal {
                    Ok(()) => Ok(()),
                    Err(e) => Err(Failure::Other(format!("cannot listen for Ctrl-C: {e}"))),
                };
            }
            item = stream.next() => match item {
                Some(Ok(event)) => {
                    if let Err(e) = print_line(&event_line(&event, args.raw)) {
                        break Err(e);
                    }
                    seen += 1;
                    if args.max_events.is_some_and(|m| seen >= m) {
                        break Ok(());
                    }
                }
                Some(Err(e)) => break Err(Failure::Sdk(e)),
                None => break Ok(()),
            },
        }
    };
    // Dropping the stream makes its background task send a close frame; the task needs the
    // runtime for that, so the command waits a moment (bounded) before the runtime goes.
    drop(stream);
    tokio::time::sleep(CLOSE_WAIT).await;
    result
}
