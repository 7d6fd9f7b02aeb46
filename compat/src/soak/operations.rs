//! The soak's operations: what one client does in one turn, and which errors
//! that operation provokes on purpose. Driver work goes through tokio-postgres;
//! the misbehaviour drivers cannot produce (slow reads, abrupt hang-ups,
//! garbage) through raw sockets framed by `triage::wire`.

use std::time::Duration;

use futures::{pin_mut, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_postgres::{Client, NoTls, Statement};

use super::report::Ending;
use crate::triage::wire::{self, Framing, Message};

/// One kind of work a soak client does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// A GROUP BY over the simple query protocol.
    SimpleQuery,
    /// A parameterised query over the extended protocol.
    ExtendedQuery,
    /// A statement prepared once per session, executed again each turn.
    PreparedStatement,
    /// A result of many rows, read to its end.
    LargeStream,
    /// A CancelRequest while a long stream is being read (57014).
    Cancel,
    /// A long query under a short `statement_timeout` (57014).
    StatementTimeout,
    /// A raw connection that hangs up in the middle of a stream.
    AbruptDisconnect,
    /// A raw connection that reads its result slowly.
    SlowReader,
    /// Random bytes, a half startup packet, or an invalid message type
    /// after startup (08P01 or 0A000, or a silent close).
    Garbage,
}

impl Operation {
    /// Every operation, in the order clients take turns with them.
    pub const ALL: [Operation; 9] = [
        Operation::SimpleQuery,
        Operation::ExtendedQuery,
        Operation::PreparedStatement,
        Operation::LargeStream,
        Operation::Cancel,
        Operation::StatementTimeout,
        Operation::AbruptDisconnect,
        Operation::SlowReader,
        Operation::Garbage,
    ];

    /// The operation's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Operation::SimpleQuery => "simple query",
            Operation::ExtendedQuery => "extended query",
            Operation::PreparedStatement => "prepared re-execution",
            Operation::LargeStream => "large stream",
            Operation::Cancel => "cancel mid-stream",
            Operation::StatementTimeout => "statement_timeout",
            Operation::AbruptDisconnect => "abrupt disconnect",
            Operation::SlowReader => "slow reader",
            Operation::Garbage => "garbage connection",
        }
    }
}

/// Rows of [`LARGE_STREAM`].
const LARGE_ROWS: usize = 50_000;
/// A result of [`LARGE_ROWS`] rows, read from a dataset.
const LARGE_STREAM: &str = "SELECT a.*, b.city AS other_city FROM accidents a \
     CROSS JOIN (SELECT city FROM accidents LIMIT 100) b LIMIT 50000";
/// A stream that would last far longer than any operation: cancelled, timed
/// out or hung up on.
const ENDLESS: &str = "SELECT * FROM generate_series(1, 1000000000000)";
/// A query that computes for far longer than its timeout before any row.
const LONG_AGGREGATE: &str = "SELECT sum(value % 7) FROM generate_series(1, 1000000000000)";

/// One client's session and what it keeps between turns.
pub struct ClientState {
    port: u16,
    rng: StdRng,
    client: Option<Client>,
    prepared: Option<Statement>,
}

impl ClientState {
    /// A client of the server on `port`, its randomness seeded by `seed`.
    pub fn new(port: u16, seed: u64) -> ClientState {
        ClientState {
            port,
            rng: StdRng::seed_from_u64(seed),
            client: None,
            prepared: None,
        }
    }

    /// Runs one turn of `op`: `Err` describes an unexpected failure.
    pub async fn run(&mut self, op: Operation) -> Result<Ending, String> {
        let port = self.port;
        match op {
            Operation::AbruptDisconnect => return abrupt_disconnect(port, &mut self.rng).await,
            Operation::SlowReader => return slow_reader(port).await,
            Operation::Garbage => return garbage(port, &mut self.rng).await,
            _ => {}
        }
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = Some(connect(port).await.map_err(|e| failure(op, &e))?);
            self.prepared = None;
        }
        let Some(client) = &self.client else {
            unreachable!("connected above")
        };
        let checked = |r: Result<(), tokio_postgres::Error>| r.map(|()| Ending::Done);
        match op {
            Operation::SimpleQuery => simple_query(client).await,
            Operation::ExtendedQuery => {
                let limit: i64 = self.rng.random_range(1..200);
                let sql = "SELECT id, city, occurred_at FROM accidents WHERE id <= $1 ORDER BY id";
                checked(client.query(sql, &[&limit]).await.map(drop)).map_err(|e| failure(op, &e))
            }
            Operation::PreparedStatement => {
                let statement = match &self.prepared {
                    Some(statement) => statement.clone(),
                    None => {
                        let sql = "SELECT count(*) FROM accidents WHERE injuries > $1";
                        let statement = client.prepare(sql).await.map_err(|e| failure(op, &e))?;
                        self.prepared.insert(statement).clone()
                    }
                };
                prepared_statement(client, &statement).await
            }
            Operation::LargeStream => large_stream(client).await,
            Operation::Cancel => cancel_mid_stream(client).await,
            Operation::StatementTimeout => statement_timeout(client).await,
            Operation::AbruptDisconnect | Operation::SlowReader | Operation::Garbage => {
                unreachable!("raw operations return above")
            }
        }
    }
}

/// Connects tokio-postgres to the soaked server.
pub async fn connect(port: u16) -> Result<Client, tokio_postgres::Error> {
    let dsn = format!("host=127.0.0.1 port={port} user=datapress dbname=soak");
    let (client, connection) = tokio_postgres::connect(&dsn, NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// An unexpected error of `op`, described by its SQLSTATE and message or,
/// without one, by the driver's error.
fn failure(op: Operation, e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {} {}", op.name(), db.code().code(), db.message()),
        None => format!("{}: {e}", op.name()),
    }
}

/// `op`'s ending when it should have failed with `code`.
fn provoked<T>(
    op: Operation,
    code: &'static str,
    result: Result<T, tokio_postgres::Error>,
) -> Result<Ending, String> {
    match result {
        Err(e) if e.code().is_some_and(|c| c.code() == code) => Ok(Ending::Expected(code)),
        Err(e) => Err(failure(op, &e)),
        Ok(_) => Err(format!("{}: finished without {code}", op.name())),
    }
}

/// The simple-protocol GROUP BY, which must answer some rows.
pub async fn simple_query(client: &Client) -> Result<Ending, String> {
    let op = Operation::SimpleQuery;
    let sql = "SELECT severity, count(*) FROM accidents GROUP BY severity ORDER BY 2 DESC";
    let messages = client
        .simple_query(sql)
        .await
        .map_err(|e| failure(op, &e))?;
    let rows = messages
        .iter()
        .filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)))
        .count();
    match rows {
        0 => Err(format!("{}: no rows", op.name())),
        _ => Ok(Ending::Done),
    }
}

/// Executes the prepared count with several parameters; the same parameter
/// must count the same.
async fn prepared_statement(client: &Client, statement: &Statement) -> Result<Ending, String> {
    let op = Operation::PreparedStatement;
    let mut counts = Vec::new();
    for injuries in [0i32, 1, 2, 0] {
        let row = client
            .query_one(statement, &[&injuries])
            .await
            .map_err(|e| failure(op, &e))?;
        counts.push(row.get::<_, i64>(0));
    }
    match counts.first() == counts.last() {
        true => Ok(Ending::Done),
        false => Err(format!("{}: counts differ between executions", op.name())),
    }
}

/// Reads [`LARGE_STREAM`] to its end and checks it got every row.
async fn large_stream(client: &Client) -> Result<Ending, String> {
    let op = Operation::LargeStream;
    let no_params: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
    let stream = client
        .query_raw(LARGE_STREAM, no_params)
        .await
        .map_err(|e| failure(op, &e))?;
    pin_mut!(stream);
    let mut rows = 0;
    while let Some(row) = stream.next().await {
        row.map_err(|e| failure(op, &e))?;
        rows += 1;
    }
    match rows {
        LARGE_ROWS => Ok(Ending::Done),
        n => Err(format!("{}: {n} rows, not {LARGE_ROWS}", op.name())),
    }
}

/// Starts reading [`ENDLESS`], cancels it after its first row, and reads on
/// until the cancel's 57014.
async fn cancel_mid_stream(client: &Client) -> Result<Ending, String> {
    let op = Operation::Cancel;
    let no_params: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
    let stream = client
        .query_raw(ENDLESS, no_params)
        .await
        .map_err(|e| failure(op, &e))?;
    pin_mut!(stream);
    if let Some(Err(e)) = stream.next().await {
        return Err(failure(op, &e));
    }
    client
        .cancel_token()
        .cancel_query(NoTls)
        .await
        .map_err(|e| failure(op, &e))?;
    loop {
        match stream.next().await {
            Some(Ok(_)) => continue,
            Some(Err(e)) => return provoked(op, "57014", Err::<(), _>(e)),
            None => return Err(format!("{}: the stream ended uncancelled", op.name())),
        }
    }
}

/// Runs [`LONG_AGGREGATE`] under a 100 ms `statement_timeout`, then resets it.
async fn statement_timeout(client: &Client) -> Result<Ending, String> {
    let op = Operation::StatementTimeout;
    let set = client
        .batch_execute("SET statement_timeout = '100ms'")
        .await;
    set.map_err(|e| failure(op, &e))?;
    let ending = provoked(op, "57014", client.query_one(LONG_AGGREGATE, &[]).await);
    let reset = client.batch_execute("RESET statement_timeout").await;
    reset.map_err(|e| failure(op, &e))?;
    ending
}

/// A raw connection after a completed startup (trust authentication).
async fn raw_session(port: u16) -> std::io::Result<BufReader<TcpStream>> {
    let mut body = wire::PROTOCOL_3.to_be_bytes().to_vec();
    for s in ["user", "datapress", "database", "soak", ""] {
        wire::put_cstr(&mut body, s);
    }
    let startup = Message {
        framing: Framing::Untagged,
        body,
    };
    let mut stream = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await?);
    stream.write_all(&startup.to_bytes()).await?;
    while let Some(m) = wire::read_tagged(&mut stream).await? {
        if m.tag() == Some(b'Z') {
            return Ok(stream);
        }
    }
    Err(std::io::ErrorKind::UnexpectedEof.into())
}

/// A Query message.
fn query(sql: &str) -> Vec<u8> {
    let mut body = Vec::new();
    wire::put_cstr(&mut body, sql);
    Message::tagged(b'Q', body).to_bytes()
}

/// Hangs up after reading a few rows of [`ENDLESS`].
async fn abrupt_disconnect(port: u16, rng: &mut StdRng) -> Result<Ending, String> {
    let op = Operation::AbruptDisconnect;
    let io = |e: std::io::Error| format!("{}: {e}", op.name());
    let mut conn = raw_session(port).await.map_err(io)?;
    conn.write_all(&query(ENDLESS)).await.map_err(io)?;
    let rows_before_hanging_up = rng.random_range(1..500);
    let mut rows = 0;
    while rows < rows_before_hanging_up {
        match wire::read_tagged(&mut conn).await.map_err(io)? {
            Some(m) if m.tag() == Some(b'D') => rows += 1,
            Some(m) if m.tag() == Some(b'E') => return Err(server_error(op, &m.body)),
            Some(_) => {}
            None => return Err(format!("{}: closed by the server", op.name())),
        }
    }
    Ok(Ending::Done)
}

/// Reads `SELECT * FROM accidents` pausing 5 ms every 100 messages.
async fn slow_reader(port: u16) -> Result<Ending, String> {
    let op = Operation::SlowReader;
    let io = |e: std::io::Error| format!("{}: {e}", op.name());
    let mut conn = raw_session(port).await.map_err(io)?;
    conn.write_all(&query("SELECT * FROM accidents"))
        .await
        .map_err(io)?;
    let mut read = 0u32;
    loop {
        match wire::read_tagged(&mut conn).await.map_err(io)? {
            Some(m) if m.tag() == Some(b'Z') => return Ok(Ending::Done),
            Some(m) if m.tag() == Some(b'E') => return Err(server_error(op, &m.body)),
            Some(_) => {}
            None => return Err(format!("{}: closed by the server", op.name())),
        }
        read += 1;
        if read.is_multiple_of(100) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// An ErrorResponse's SQLSTATE and message as an unexpected failure of `op`.
fn server_error(op: Operation, body: &[u8]) -> String {
    format!(
        "{}: {} {}",
        op.name(),
        wire::error_field(body, 'C'),
        wire::error_field(body, 'M')
    )
}

/// Sends one kind of garbage, hangs up its sending side, and reads what the
/// server answers until it closes: nothing, or a FATAL 08P01 or 0A000.
async fn garbage(port: u16, rng: &mut StdRng) -> Result<Ending, String> {
    let op = Operation::Garbage;
    let io = |e: std::io::Error| format!("{}: {e}", op.name());
    let kind = rng.random_range(0..3);
    let (mut conn, bytes) = match kind {
        0 => {
            let mut bytes = vec![0u8; rng.random_range(1..512)];
            rng.fill(&mut bytes[..]);
            let conn = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await.map_err(io)?);
            (conn, bytes)
        }
        1 => {
            let mut packet = 40i32.to_be_bytes().to_vec();
            packet.extend_from_slice(&wire::PROTOCOL_3.to_be_bytes());
            packet.extend_from_slice(b"user\0da");
            let conn = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await.map_err(io)?);
            (conn, packet)
        }
        _ => {
            // After startup, a byte no frontend message type has, then noise.
            let mut bytes = vec![0u8; rng.random_range(5..64)];
            rng.fill(&mut bytes[..]);
            bytes[0] = b'!';
            (raw_session(port).await.map_err(io)?, bytes)
        }
    };
    conn.write_all(&bytes).await.map_err(io)?;
    conn.get_mut().shutdown().await.map_err(io)?;
    let mut ending = Ending::Done;
    loop {
        match wire::read_tagged(&mut conn).await {
            Ok(Some(m)) if m.tag() == Some(b'E') => {
                let code = wire::error_field(&m.body, 'C');
                ending = match code.as_str() {
                    "08P01" => Ending::Expected("08P01"),
                    "0A000" => Ending::Expected("0A000"),
                    _ => return Err(server_error(op, &m.body)),
                };
            }
            Ok(Some(_)) => {}
            // The server closed: cleanly, or resetting what we sent unread.
            Ok(None) => return Ok(ending),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(ending),
            Err(e) => return Err(io(e)),
        }
    }
}
