//! The trace file: JSON lines, a header then one event per protocol message
//! in the order the recorder saw them, each with its connection, time,
//! direction, name, readable fields and raw bytes (hex; left out when the
//! message carries an authentication secret).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::wire::{Framing, Message, Side};

/// The trace format's version.
pub const FORMAT: u32 = 1;

/// The first line of a trace.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    /// The format version ([`FORMAT`]).
    pub datapress_trace: u32,
    /// The client that was recorded, as the matrix names it, if known.
    #[serde(default)]
    pub client: Option<String>,
    /// The server the recorder forwarded to.
    pub upstream: String,
    /// When the recording started (seconds since the Unix epoch).
    pub recorded_at: u64,
}

/// One message of one connection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// The connection, numbered from 1 in the order they were accepted.
    pub conn: u32,
    /// Milliseconds since the recording started.
    pub t_ms: f64,
    /// Who sent it.
    pub from: Side,
    /// The message's name (`Query`, `RowDescription`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Readable fields.
    pub fields: Value,
    /// The message's bytes on the wire, hex; absent when redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl Event {
    /// The message, decoded from its raw bytes (`None` when redacted).
    pub fn message(&self) -> Option<Message> {
        let raw = unhex(self.raw.as_deref()?)?;
        let framing = match self.kind.as_str() {
            "SSLResponse" => Framing::Byte(0),
            "StartupMessage" | "SSLRequest" | "GSSENCRequest" | "CancelRequest" => {
                Framing::Untagged
            }
            _ => Framing::Tagged(0),
        };
        Message::from_bytes(framing, &raw)
    }
}

/// A whole trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Its header.
    pub header: Header,
    /// Its events in order.
    pub events: Vec<Event>,
}

impl Trace {
    /// The trace file's line of event `index` (the header is line 1).
    pub fn line_of(index: usize) -> usize {
        index + 2
    }

    /// Reads a trace file.
    pub fn read(path: &Path) -> anyhow::Result<Trace> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Trace::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Parses a trace's text.
    pub fn parse(text: &str) -> anyhow::Result<Trace> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, first) = lines.next().ok_or_else(|| anyhow::anyhow!("empty trace"))?;
        let header: Header = serde_json::from_str(first)
            .map_err(|e| anyhow::anyhow!("line 1 is not a trace header: {e}"))?;
        anyhow::ensure!(
            header.datapress_trace == FORMAT,
            "trace format {} (this tool reads {FORMAT})",
            header.datapress_trace
        );
        let events = lines
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| anyhow::anyhow!("line {}: {e}", i + 1))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Trace { header, events })
    }

    /// The trace as JSON lines.
    pub fn to_jsonl(&self) -> String {
        let mut out = serde_json::to_string(&self.header).unwrap_or_default();
        out.push('\n');
        for e in &self.events {
            out.push_str(&serde_json::to_string(e).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// The connections in the trace, in order of first appearance.
    pub fn connections(&self) -> Vec<u32> {
        let mut seen = Vec::new();
        for e in &self.events {
            if !seen.contains(&e.conn) {
                seen.push(e.conn);
            }
        }
        seen
    }
}

/// Bytes from hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_survives_writing_and_reading() {
        let q = Message::tagged(b'Q', b"SELECT 1\0".to_vec());
        let trace = Trace {
            header: Header {
                datapress_trace: FORMAT,
                client: Some("psql 15 (libpq)".into()),
                upstream: "127.0.0.1:5432".into(),
                recorded_at: 1,
            },
            events: vec![Event {
                conn: 1,
                t_ms: 0.5,
                from: Side::Frontend,
                kind: "Query".into(),
                fields: serde_json::json!({ "sql": "SELECT 1" }),
                raw: Some(crate::clients::hex(&q.to_bytes())),
            }],
        };
        let back = Trace::parse(&trace.to_jsonl()).expect("parses");
        assert_eq!(back, trace);
        assert_eq!(back.events[0].message(), Some(q));
        assert!(Trace::parse("{\"not\":\"a header\"}\n").is_err());
    }
}
