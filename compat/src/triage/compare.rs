//! Comparing a replayed answer with the recorded one, after normalising what
//! legitimately differs between two servers or two runs: process IDs and
//! secret keys, the server's version and the session's user, and the OIDs of
//! user objects (a recorded OID is mapped to the replaying server's the first
//! time both appear in the same place, and must map the same way after).

use std::collections::{BTreeMap, HashMap};

use super::session::Logged;
use super::wire::{self, Column, Message};

/// The first place a replay's answers differ from the recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The index of the recorded event it concerns (the last recorded
    /// message of the answer when the replay sent more).
    pub index: usize,
    /// The message's name.
    pub message: String,
    /// The part of it that differs (`column 2 "Owner" type OID`).
    pub what: String,
    /// The recorded value.
    pub recorded: String,
    /// The replayed value.
    pub replayed: String,
    /// What the client had sent.
    pub answer_to: String,
}

impl Divergence {
    /// What identifies the divergence independently of where it is in the
    /// trace (used to check it persists while minimising).
    pub fn signature(&self) -> String {
        format!("{}: {}", self.message, self.what)
    }
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "trace line {}: {} in the answer to {}: {}: recorded {}, replayed {}",
            super::trace::Trace::line_of(self.index),
            self.message,
            self.answer_to,
            self.what,
            self.recorded,
            self.replayed
        )
    }
}

/// ParameterStatus values that differ between servers and users by design.
const VOLATILE_PARAMETERS: &[&str] = &["server_version", "session_authorization", "is_superuser"];

/// OIDs below this are PostgreSQL's built-in objects: equal on every server.
const FIRST_USER_OID: u32 = 16384;

/// Type OIDs whose values are OIDs.
const OID_TYPES: &[u32] = &[26];

/// A message's name, with the SQLSTATE and text of an error or notice.
fn summary(m: &Message) -> String {
    let name = name(wire::Side::Backend, m);
    match m.tag() {
        Some(b'E' | b'N') => format!(
            "{name} {}: {}",
            wire::error_field(&m.body, 'C'),
            wire::error_field(&m.body, 'M')
        ),
        _ => name,
    }
}

/// Compares answers along one connection, remembering the OID mapping and
/// the latest row descriptions.
#[derive(Debug, Default)]
pub struct Comparer {
    /// Recorded user-object OID → the replaying server's.
    pub oids: HashMap<u32, u32>,
    recorded_columns: Vec<Column>,
    replayed_columns: Vec<Column>,
}

/// A message's name (as the trace writes it).
pub fn name(side: wire::Side, m: &Message) -> String {
    wire::describe(side, m, &mut wire::AuthPhase::Sasl).name
}

impl Comparer {
    /// Compares the answer after authentication (the first divergence, if
    /// any): the same messages in the same order, except that
    /// ParameterStatus messages compare as a set.
    pub fn startup(&mut self, recorded: &[Logged], replayed: &[Message]) -> Option<Divergence> {
        let is_status = |m: &Message| m.tag() == Some(b'S');
        let statuses = |ms: &mut dyn Iterator<Item = &Message>| -> BTreeMap<String, String> {
            ms.filter(|m| is_status(m))
                .filter_map(|m| {
                    let mut r = wire::Reader::new(&m.body);
                    Some((r.cstr()?, r.cstr()?))
                })
                .collect()
        };
        let rec_status = statuses(&mut recorded.iter().map(|l| &l.message));
        let rep_status = statuses(&mut replayed.iter());
        let last = recorded.last().map_or(0, |l| l.index);
        for (param, value) in &rec_status {
            let theirs = rep_status.get(param);
            let same = theirs == Some(value)
                || (theirs.is_some() && VOLATILE_PARAMETERS.contains(&param.as_str()));
            if !same {
                let index = recorded
                    .iter()
                    .find(|l| is_status(&l.message) && l.message.body.starts_with(param.as_bytes()))
                    .map_or(last, |l| l.index);
                return Some(Divergence {
                    index,
                    message: "ParameterStatus".into(),
                    what: format!("parameter {param}"),
                    recorded: value.clone(),
                    replayed: theirs.cloned().unwrap_or_else(|| "nothing".into()),
                    answer_to: "the startup".into(),
                });
            }
        }
        if let Some(extra) = rep_status.keys().find(|p| !rec_status.contains_key(*p)) {
            return Some(Divergence {
                index: last,
                message: "ParameterStatus".into(),
                what: format!("parameter {extra}"),
                recorded: "nothing".into(),
                replayed: rep_status[extra].clone(),
                answer_to: "the startup".into(),
            });
        }
        let rec_rest: Vec<Logged> = recorded
            .iter()
            .filter(|l| !is_status(&l.message))
            .cloned()
            .collect();
        let rep_rest: Vec<Message> = replayed.iter().filter(|m| !is_status(m)).cloned().collect();
        self.answer("the startup", &rec_rest, &rep_rest, true)
    }

    /// Compares the answer to `answer_to`, message by message; the first
    /// divergence, if any.
    /// Rows of a statement without ORDER BY (`ordered` false) compare as a
    /// multiset: PostgreSQL promises no order for them.
    pub fn answer(
        &mut self,
        answer_to: &str,
        recorded: &[Logged],
        replayed: &[Message],
        ordered: bool,
    ) -> Option<Divergence> {
        let (sorted_recorded, sorted_replayed);
        let (recorded, replayed) = if ordered {
            (recorded, replayed)
        } else {
            sorted_recorded = sort_row_runs(recorded.to_vec(), |l| &l.message);
            sorted_replayed = sort_row_runs(replayed.to_vec(), |m| m);
            (&sorted_recorded[..], &sorted_replayed[..])
        };
        let rows =
            |ms: &mut dyn Iterator<Item = &Message>| ms.filter(|m| m.tag() == Some(b'D')).count();
        let rec_rows = rows(&mut recorded.iter().map(|l| &l.message));
        let rep_rows = rows(&mut replayed.iter());
        let backend = wire::Side::Backend;
        for (i, logged) in recorded.iter().enumerate() {
            let diverge = |what: &str, recorded: String, replayed: String| Divergence {
                index: logged.index,
                message: name(backend, &logged.message),
                what: what.to_string(),
                recorded,
                replayed,
                answer_to: answer_to.to_string(),
            };
            let Some(theirs) = replayed.get(i) else {
                return Some(diverge(
                    "message",
                    format!(
                        "{} ({rec_rows} rows in all)",
                        name(backend, &logged.message)
                    ),
                    format!("nothing more ({rep_rows} rows in all)"),
                ));
            };
            if theirs.framing != logged.message.framing {
                return Some(diverge(
                    "message",
                    format!("{} ({rec_rows} rows in all)", summary(&logged.message)),
                    format!("{} ({rep_rows} rows in all)", summary(theirs)),
                ));
            }
            if let Some((what, rec, rep)) = self.message(&logged.message, theirs) {
                return Some(diverge(&what, rec, rep));
            }
        }
        if let Some(extra) = replayed.get(recorded.len()) {
            return Some(Divergence {
                index: recorded.last().map_or(0, |l| l.index),
                message: recorded
                    .last()
                    .map_or_else(|| "nothing".into(), |l| name(backend, &l.message)),
                what: "message after it".into(),
                recorded: "nothing more".into(),
                replayed: name(backend, extra),
                answer_to: answer_to.to_string(),
            });
        }
        None
    }

    /// How two messages of the same type differ: (what, recorded, replayed).
    fn message(&mut self, rec: &Message, rep: &Message) -> Option<(String, String, String)> {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match rec.tag()? {
            b'T' => {
                let (a, b) = (
                    wire::row_description(&rec.body)?,
                    wire::row_description(&rep.body)?,
                );
                let found = self.columns(&a, &b);
                self.recorded_columns = a;
                self.replayed_columns = b;
                found
            }
            b'D' => self.row(&wire::data_row(&rec.body)?, &wire::data_row(&rep.body)?),
            b'E' | b'N' => {
                let code = |b: &[u8]| {
                    (
                        wire::error_field(b, 'V'),
                        wire::error_field(b, 'C'),
                        wire::error_field(b, 'M'),
                    )
                };
                let ((sa, ca, ma), (sb, cb, mb)) = (code(&rec.body), code(&rep.body));
                ((sa, &ca) != (sb, &cb)).then(|| {
                    (
                        "SQLSTATE".into(),
                        format!("{ca}: {ma}"),
                        format!("{cb}: {mb}"),
                    )
                })
            }
            b'S' => {
                let mut r = wire::Reader::new(&rec.body);
                let param = r.cstr().unwrap_or_default();
                (rec != rep && !VOLATILE_PARAMETERS.contains(&param.as_str())).then(|| {
                    (
                        format!("parameter {param}"),
                        text(&rec.body),
                        text(&rep.body),
                    )
                })
            }
            // Process IDs and secret keys are the server's own.
            b'K' | b'A' => None,
            b'Z' => (rec != rep).then(|| {
                (
                    "transaction status".into(),
                    text(&rec.body),
                    text(&rep.body),
                )
            }),
            b'C' => (rec != rep).then(|| ("command tag".into(), text(&rec.body), text(&rep.body))),
            b't' => (rec != rep).then(|| {
                (
                    "parameter types".into(),
                    format!("{:?}", param_types(&rec.body)),
                    format!("{:?}", param_types(&rep.body)),
                )
            }),
            _ => (rec != rep).then(|| ("contents".into(), text(&rec.body), text(&rep.body))),
        }
    }

    fn columns(&mut self, a: &[Column], b: &[Column]) -> Option<(String, String, String)> {
        if a.len() != b.len() {
            return Some((
                "column count".into(),
                a.len().to_string(),
                b.len().to_string(),
            ));
        }
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let at = |field: &str| format!("column {} \"{}\" {field}", i + 1, x.name);
            let fields = [
                ("name", x.name.clone(), y.name.clone()),
                ("type OID", x.type_oid.to_string(), y.type_oid.to_string()),
                (
                    "type size",
                    x.type_size.to_string(),
                    y.type_size.to_string(),
                ),
                ("type modifier", x.typmod.to_string(), y.typmod.to_string()),
                ("format", x.format.to_string(), y.format.to_string()),
                (
                    "attribute number",
                    x.attnum.to_string(),
                    y.attnum.to_string(),
                ),
            ];
            if let Some((field, rec, rep)) = fields.into_iter().find(|(_, r, p)| r != p) {
                return Some((at(field), rec, rep));
            }
            if !self.same_oid(x.table_oid, y.table_oid) {
                return Some((
                    at("table OID"),
                    x.table_oid.to_string(),
                    y.table_oid.to_string(),
                ));
            }
        }
        None
    }

    fn row(
        &mut self,
        a: &[Option<Vec<u8>>],
        b: &[Option<Vec<u8>>],
    ) -> Option<(String, String, String)> {
        let show = |v: &Option<Vec<u8>>| {
            v.as_ref().map_or("NULL".into(), |v| {
                format!("'{}'", String::from_utf8_lossy(v))
            })
        };
        if a.len() != b.len() {
            return Some((
                "value count".into(),
                a.len().to_string(),
                b.len().to_string(),
            ));
        }
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            if x == y {
                continue;
            }
            let column = self.recorded_columns.get(i).cloned();
            let both_oids = column
                .as_ref()
                .filter(|c| OID_TYPES.contains(&c.type_oid))
                .and_then(|c| {
                    Some((
                        oid_value(x.as_deref()?, c.format)?,
                        oid_value(y.as_deref()?, c.format)?,
                    ))
                });
            if both_oids.is_some_and(|(r, p)| self.same_oid(r, p)) {
                continue;
            }
            let label = column.map_or_else(
                || format!("value {}", i + 1),
                |c| format!("column {} \"{}\" value", i + 1, c.name),
            );
            return Some((label, show(x), show(y)));
        }
        None
    }

    /// Whether recorded OID `rec` and replayed `rep` name the same object,
    /// learning the mapping of a user object seen for the first time.
    fn same_oid(&mut self, rec: u32, rep: u32) -> bool {
        if rec == rep {
            return true;
        }
        if rec < FIRST_USER_OID || rep < FIRST_USER_OID {
            return false;
        }
        *self.oids.entry(rec).or_insert(rep) == rep
    }

    /// `m` with every recorded user-object OID it carries (as a number in
    /// SQL text or a parameter) replaced by the replaying server's.
    pub fn translate(&self, m: &Message) -> Message {
        if self.oids.is_empty() {
            return m.clone();
        }
        let mut r = wire::Reader::new(&m.body);
        let body = match m.tag() {
            Some(b'Q') => {
                let sql = r.cstr().unwrap_or_default();
                let mut body = Vec::new();
                wire::put_cstr(&mut body, &self.translate_sql(&sql));
                body
            }
            Some(b'P') => {
                let (name, sql) = (r.cstr().unwrap_or_default(), r.cstr().unwrap_or_default());
                let mut body = Vec::new();
                wire::put_cstr(&mut body, &name);
                wire::put_cstr(&mut body, &self.translate_sql(&sql));
                body.extend_from_slice(r.rest());
                body
            }
            Some(b'B') => match wire::Bind::parse(&m.body) {
                Some(mut bind) => {
                    for i in 0..bind.params.len() {
                        let binary = bind.is_binary(i);
                        if let Some(v) = bind.params[i].as_mut() {
                            self.translate_param(v, binary);
                        }
                    }
                    bind.encode()
                }
                None => m.body.clone(),
            },
            _ => return m.clone(),
        };
        Message {
            framing: m.framing,
            body,
        }
    }

    fn translate_param(&self, value: &mut Vec<u8>, binary: bool) {
        let format = i16::from(binary);
        if let Some(to) = oid_value(value, format).and_then(|oid| self.oids.get(&oid)) {
            *value = if binary {
                to.to_be_bytes().to_vec()
            } else {
                to.to_string().into_bytes()
            };
        }
    }

    fn translate_sql(&self, sql: &str) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.char_indices().peekable();
        let mut previous = ' ';
        while let Some((start, c)) = chars.next() {
            if !c.is_ascii_digit() || previous.is_alphanumeric() || previous == '_' {
                out.push(c);
                previous = c;
                continue;
            }
            let mut end = start + 1;
            while let Some(&(i, d)) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                end = i + 1;
                chars.next();
            }
            let number = &sql[start..end];
            let next = sql[end..].chars().next().unwrap_or(' ');
            let mapped = (!next.is_alphanumeric() && next != '_' && next != '.')
                .then(|| number.parse::<u32>().ok().and_then(|n| self.oids.get(&n)))
                .flatten();
            match mapped {
                Some(to) => out.push_str(&to.to_string()),
                None => out.push_str(number),
            }
            previous = '0';
        }
        out
    }
}

/// `items` with each run of consecutive DataRows sorted by their bytes.
fn sort_row_runs<T>(mut items: Vec<T>, message: impl Fn(&T) -> &Message) -> Vec<T> {
    let mut start = 0;
    while start < items.len() {
        let is_row = |t: &T| message(t).tag() == Some(b'D');
        let len = items[start..].iter().take_while(|t| is_row(t)).count();
        items[start..start + len].sort_by(|a, b| message(a).body.cmp(&message(b).body));
        start += len.max(1);
    }
    items
}

/// An OID value in text or binary format.
fn oid_value(v: &[u8], format: i16) -> Option<u32> {
    if format == 1 {
        return Some(u32::from_be_bytes(v.try_into().ok()?));
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

fn param_types(body: &[u8]) -> Vec<i32> {
    let mut r = wire::Reader::new(body);
    let n = r.i16().unwrap_or(0);
    (0..n).filter_map(|_| r.i32()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(m: Message) -> Logged {
        Logged {
            index: 7,
            message: m,
        }
    }

    fn row_description(name: &str, type_oid: u32) -> Message {
        let mut body = 1i16.to_be_bytes().to_vec();
        wire::put_cstr(&mut body, name);
        body.extend_from_slice(&0i32.to_be_bytes());
        body.extend_from_slice(&0i16.to_be_bytes());
        body.extend_from_slice(&type_oid.to_be_bytes());
        body.extend_from_slice(&4i16.to_be_bytes());
        body.extend_from_slice(&(-1i32).to_be_bytes());
        body.extend_from_slice(&0i16.to_be_bytes());
        Message::tagged(b'T', body)
    }

    fn data_row(value: &str) -> Message {
        let mut body = 1i16.to_be_bytes().to_vec();
        body.extend_from_slice(&(value.len() as i32).to_be_bytes());
        body.extend_from_slice(value.as_bytes());
        Message::tagged(b'D', body)
    }

    #[test]
    fn a_different_type_oid_is_named_with_its_column() {
        let mut c = Comparer::default();
        let found = c
            .answer(
                "Query",
                &[logged(row_description("relkind", 18))],
                &[row_description("relkind", 25)],
                true,
            )
            .expect("differs");
        assert_eq!(found.what, "column 1 \"relkind\" type OID");
        assert_eq!(
            (found.recorded.as_str(), found.replayed.as_str()),
            ("18", "25")
        );
        assert_eq!(found.index, 7);
    }

    #[test]
    fn user_oids_map_once_and_are_translated_in_later_sql() {
        let mut c = Comparer::default();
        let rec = [
            logged(row_description("oid", 26)),
            logged(data_row("3000000001")),
        ];
        let rep = [row_description("oid", 26), data_row("16385")];
        assert_eq!(c.answer("q", &rec, &rep, true), None);
        // A second, different mapping of the same recorded OID is a divergence.
        let rep = [row_description("oid", 26), data_row("16390")];
        assert!(c.answer("q", &rec, &rep, true).is_some());
        let q = Message::tagged(
            b'Q',
            b"SELECT * FROM a WHERE attrelid = '3000000001' AND x = 30000000012\0".to_vec(),
        );
        let translated = c.translate(&q);
        assert_eq!(
            translated.body,
            b"SELECT * FROM a WHERE attrelid = '16385' AND x = 30000000012\0".to_vec()
        );
        // Built-in OIDs never map.
        assert!(!c.same_oid(25, 19));
    }

    #[test]
    fn rows_without_order_by_compare_as_a_multiset() {
        let mut c = Comparer::default();
        let rec = [logged(data_row("1")), logged(data_row("2"))];
        let rep = [data_row("2"), data_row("1")];
        assert_eq!(c.answer("q", &rec, &rep, false), None);
        assert!(c.answer("q", &rec, &rep, true).is_some());
    }

    #[test]
    fn fewer_rows_are_reported_with_counts() {
        let mut c = Comparer::default();
        let rec = [logged(data_row("1")), logged(data_row("2"))];
        let found = c
            .answer("q", &rec, &[data_row("1")], true)
            .expect("differs");
        assert!(found.recorded.contains("2 rows"), "{found}");
        assert!(found.replayed.contains("1 rows"), "{found}");
    }
}
