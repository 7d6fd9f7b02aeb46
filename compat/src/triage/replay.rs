//! Replaying a trace: each recorded connection's client messages are sent
//! to a server, authenticating with that server's credentials, and every
//! answer is compared with the recorded one; the first divergence of each
//! connection is reported.

use std::time::Duration;

use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::compare::{Comparer, Divergence};
use super::session::{Exchange, RecordedConnection};
use super::trace::Trace;
use super::wire::{self, Message, Side};

/// A server to replay against, and who to be there.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// What the reports call it (`DataPress`, `PostgreSQL`, an address).
    pub label: String,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// User.
    pub user: String,
    /// Password, if the server asks for one.
    pub password: Option<String>,
    /// Database.
    pub dbname: String,
}

/// How the replay of one connection went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    /// Every answer agreed with the recording (after normalising).
    Same,
    /// The first answer that did not.
    Diverged(Divergence),
    /// The replay could not run against the server (connect or
    /// authentication failed).
    Failed(String),
    /// The recorded connection cannot be replayed, and why.
    NotReplayed(String),
}

/// The result for one recorded connection.
#[derive(Debug, Clone)]
pub struct ConnectionReport {
    /// The connection's number in the trace.
    pub conn: u32,
    /// How it went.
    pub result: Replayed,
}

/// How long a replay waits for an answer that ends in ReadyForQuery.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long it waits for more of an answer that does not (a Flush's, a COPY's).
const QUIET_TIMEOUT: Duration = Duration::from_millis(1000);

/// Replays every connection of `trace` against `endpoint`.
pub async fn replay(trace: &Trace, endpoint: &Endpoint) -> Vec<ConnectionReport> {
    let mut reports = Vec::new();
    for conn in trace.connections() {
        let result = match RecordedConnection::cut(trace, conn) {
            Err(why) => Replayed::NotReplayed(why),
            Ok(recorded) => replay_connection(&recorded, endpoint).await,
        };
        reports.push(ConnectionReport { conn, result });
    }
    reports
}

/// Replays one recorded connection.
pub async fn replay_connection(recorded: &RecordedConnection, endpoint: &Endpoint) -> Replayed {
    let mut stream = match TcpStream::connect((endpoint.host.as_str(), endpoint.port)).await {
        Ok(s) => s,
        Err(e) => {
            return Replayed::Failed(format!(
                "cannot connect to {} ({}:{}): {e}",
                endpoint.label, endpoint.host, endpoint.port
            ))
        }
    };
    let startup = match start(&mut stream, recorded, endpoint).await {
        Ok(answer) => answer,
        Err(why) => return Replayed::Failed(format!("{}: {why}", endpoint.label)),
    };
    let mut comparer = Comparer::default();
    if let Some(d) = comparer.startup(&recorded.startup_answer, &startup) {
        return Replayed::Diverged(d);
    }
    for exchange in &recorded.exchanges {
        for sent in &exchange.sent {
            let bytes = comparer.translate(&sent.message).to_bytes();
            if let Err(e) = stream.write_all(&bytes).await {
                return Replayed::Failed(format!("{}: sending: {e}", endpoint.label));
            }
        }
        let answer = collect_answer(&mut stream, exchange).await;
        let ordered =
            sql_of(exchange).is_some_and(|(_, sql)| sql.to_lowercase().contains("order by"));
        if let Some(d) = comparer.answer(&answer_to(exchange), &exchange.answer, &answer, ordered) {
            return Replayed::Diverged(d);
        }
    }
    Replayed::Same
}

/// Sends the recorded startup parameters with the endpoint's user and
/// database, authenticates, and returns the answer from AuthenticationOk
/// to ReadyForQuery.
async fn start(
    stream: &mut TcpStream,
    recorded: &RecordedConnection,
    endpoint: &Endpoint,
) -> Result<Vec<Message>, String> {
    let mut body = wire::PROTOCOL_3.to_be_bytes().to_vec();
    for (name, value) in &recorded.parameters {
        let value = match name.as_str() {
            "user" => &endpoint.user,
            "database" => &endpoint.dbname,
            _ => value,
        };
        wire::put_cstr(&mut body, name);
        wire::put_cstr(&mut body, value);
    }
    body.push(0);
    let startup = Message {
        framing: wire::Framing::Untagged,
        body,
    };
    let io = |e: std::io::Error| e.to_string();
    stream.write_all(&startup.to_bytes()).await.map_err(io)?;
    let password = endpoint.password.clone().unwrap_or_default();
    let mut scram = None;
    let mut answer = Vec::new();
    loop {
        let m = tokio::time::timeout(ANSWER_TIMEOUT, wire::read_tagged(stream))
            .await
            .map_err(|_| "no answer to the startup".to_string())?
            .map_err(io)?
            .ok_or("the server closed the connection during the startup")?;
        let reply = match m.tag() {
            Some(b'E') => {
                return Err(format!(
                    "the startup failed: {} {}",
                    wire::error_field(&m.body, 'C'),
                    wire::error_field(&m.body, 'M')
                ))
            }
            Some(b'R') if answer.is_empty() => {
                let mut r = wire::Reader::new(&m.body);
                match r.i32() {
                    Some(0) => {
                        answer.push(m);
                        continue;
                    }
                    Some(3) => password_message(password.as_bytes()),
                    Some(5) => {
                        let salt: [u8; 4] = r
                            .bytes(4)
                            .and_then(|s| s.try_into().ok())
                            .ok_or("bad salt")?;
                        let hash = postgres_protocol::authentication::md5_hash(
                            endpoint.user.as_bytes(),
                            password.as_bytes(),
                            salt,
                        );
                        password_message(hash.as_bytes())
                    }
                    Some(10) => {
                        let s =
                            ScramSha256::new(password.as_bytes(), ChannelBinding::unsupported());
                        let mut body = Vec::new();
                        wire::put_cstr(&mut body, "SCRAM-SHA-256");
                        body.extend_from_slice(&(s.message().len() as i32).to_be_bytes());
                        body.extend_from_slice(s.message());
                        scram = Some(s);
                        Message::tagged(b'p', body)
                    }
                    Some(11) => {
                        let s = scram.as_mut().ok_or("SASLContinue before SASL")?;
                        s.update(r.rest()).map_err(io)?;
                        Message::tagged(b'p', s.message().to_vec())
                    }
                    Some(12) => {
                        let mut s = scram.take().ok_or("SASLFinal before SASL")?;
                        s.finish(r.rest()).map_err(io)?;
                        continue;
                    }
                    other => return Err(format!("unsupported authentication request {other:?}")),
                }
            }
            Some(b'Z') => {
                answer.push(m);
                return Ok(answer);
            }
            _ => {
                answer.push(m);
                continue;
            }
        };
        stream.write_all(&reply.to_bytes()).await.map_err(io)?;
    }
}

fn password_message(password: &[u8]) -> Message {
    let mut body = password.to_vec();
    body.push(0);
    Message::tagged(b'p', body)
}

/// Reads the server's answer to an exchange: up to as many ReadyForQuery
/// messages as the recording has, or, for an answer without one, until as
/// many messages arrived, an error did, or the server went quiet.
async fn collect_answer(stream: &mut TcpStream, exchange: &Exchange) -> Vec<Message> {
    let ready = |m: &Message| m.tag() == Some(b'Z');
    let want_ready = exchange.answer.iter().filter(|l| ready(&l.message)).count();
    let mut got = Vec::new();
    if exchange.answer.is_empty() {
        return got;
    }
    let wait = if want_ready > 0 {
        ANSWER_TIMEOUT
    } else {
        QUIET_TIMEOUT
    };
    while let Ok(Ok(Some(m))) = tokio::time::timeout(wait, wire::read_tagged(stream)).await {
        let error = m.tag() == Some(b'E');
        got.push(m);
        let done = if want_ready > 0 {
            got.iter().filter(|m| ready(m)).count() >= want_ready
        } else {
            error || got.len() >= exchange.answer.len()
        };
        if done {
            break;
        }
    }
    got
}

/// The first SQL text an exchange sends, and whether by Query or Parse.
fn sql_of(exchange: &Exchange) -> Option<(&'static str, String)> {
    exchange.sent.iter().find_map(|l| {
        let mut r = wire::Reader::new(&l.message.body);
        match l.message.tag()? {
            b'Q' => Some(("Query", r.cstr()?)),
            b'P' => {
                r.cstr()?;
                Some(("Parse", r.cstr()?))
            }
            _ => None,
        }
    })
}

/// A short description of what the client sent in an exchange.
pub fn answer_to(exchange: &Exchange) -> String {
    let sql = sql_of(exchange);
    let names: Vec<String> = exchange
        .sent
        .iter()
        .map(|l| super::compare::name(Side::Frontend, &l.message))
        .collect();
    match sql {
        Some((kind, sql)) => {
            let mut sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            if sql.chars().count() > 100 {
                sql = sql.chars().take(100).collect::<String>() + "…";
            }
            if names.len() > 1 {
                format!("{kind} \"{sql}\" ({})", names.join(", "))
            } else {
                format!("{kind} \"{sql}\"")
            }
        }
        None if names.is_empty() => "nothing (messages the server sent by itself)".into(),
        None => names.join(", "),
    }
}
