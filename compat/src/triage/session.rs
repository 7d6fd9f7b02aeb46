//! One recorded connection cut into what a replay needs: the startup
//! parameters the client sent, the server's answer once authentication
//! succeeded, then exchanges — what the client sent before it waited, and
//! what the server answered.

use super::trace::Trace;
use super::wire::{Message, Side, PROTOCOL_3};

/// A message of the trace and the index of its event.
#[derive(Debug, Clone)]
pub struct Logged {
    /// The event's index in the trace.
    pub index: usize,
    /// The message.
    pub message: Message,
}

/// Messages a client sent before waiting, and the server's answer to them.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// What the client sent.
    pub sent: Vec<Logged>,
    /// What the server answered, up to the client's next message.
    pub answer: Vec<Logged>,
}

/// A connection as recorded.
#[derive(Debug, Clone)]
pub struct RecordedConnection {
    /// Its number in the trace.
    pub conn: u32,
    /// The StartupMessage's parameters.
    pub parameters: Vec<(String, String)>,
    /// The events of the startup, up to the first ReadyForQuery.
    pub startup_events: Vec<usize>,
    /// From AuthenticationOk to the first ReadyForQuery.
    pub startup_answer: Vec<Logged>,
    /// The rest of the session.
    pub exchanges: Vec<Exchange>,
}

impl RecordedConnection {
    /// Cuts connection `conn` of `trace`; the error says why it cannot be
    /// replayed.
    pub fn cut(trace: &Trace, conn: u32) -> Result<RecordedConnection, String> {
        let mut parameters = None;
        let mut startup_events = Vec::new();
        let mut startup_answer: Vec<Logged> = Vec::new();
        let mut exchanges: Vec<Exchange> = Vec::new();
        let mut started = false;
        for (index, event) in trace.events.iter().enumerate() {
            if event.conn != conn {
                continue;
            }
            let logged = |message| Logged { index, message };
            if !started {
                startup_events.push(index);
                match (event.from, event.kind.as_str()) {
                    (Side::Frontend, "CancelRequest") => {
                        return Err(
                            "a CancelRequest: its key belongs to the recorded session".into()
                        )
                    }
                    (Side::Frontend, "StartupMessage") => {
                        parameters = Some(startup_parameters(&event.fields));
                    }
                    (Side::Backend, "ErrorResponse") if startup_answer.is_empty() => {
                        return Err(format!(
                            "the recorded connection did not start: {} {}",
                            event.fields["C"].as_str().unwrap_or(""),
                            event.fields["M"].as_str().unwrap_or("")
                        ));
                    }
                    (Side::Backend, kind)
                        if kind == "AuthenticationOk" || !startup_answer.is_empty() =>
                    {
                        let message = event
                            .message()
                            .ok_or_else(|| format!("event {index} has no bytes"))?;
                        started = message.tag() == Some(b'Z');
                        startup_answer.push(logged(message));
                    }
                    _ => {}
                }
                continue;
            }
            let Some(message) = event.message() else {
                continue;
            };
            let fresh = match event.from {
                Side::Frontend => exchanges.last().is_none_or(|e| !e.answer.is_empty()),
                Side::Backend => exchanges.is_empty(),
            };
            if fresh {
                exchanges.push(Exchange::default());
            }
            let current = exchanges.last_mut().expect("pushed above");
            match event.from {
                Side::Frontend => current.sent.push(logged(message)),
                Side::Backend => current.answer.push(logged(message)),
            }
        }
        let parameters = parameters.ok_or("no StartupMessage (protocol 3.0) recorded")?;
        if !started {
            return Err("the recorded connection never became ready for queries".into());
        }
        Ok(RecordedConnection {
            conn,
            parameters,
            startup_events,
            startup_answer,
            exchanges,
        })
    }
}

fn startup_parameters(fields: &serde_json::Value) -> Vec<(String, String)> {
    if fields["version"].as_i64() != Some(PROTOCOL_3 as i64) {
        return Vec::new();
    }
    fields["parameters"]
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}
