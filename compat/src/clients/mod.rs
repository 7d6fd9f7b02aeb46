//! Clients: each drives one real PostgreSQL client library. In-process Rust
//! clients implement [`Client`] directly; out-of-process ones (other languages)
//! plug in the same way through a JSON-lines program.

pub mod external;
pub mod psql;
pub mod raw;
pub mod sqlx_pool;
pub mod tokio_pg;

use async_trait::async_trait;
use serde::Serialize;

use crate::harness::Target;

/// A parameter value of a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Param {
    /// int8
    Int8(i64),
    /// int4
    Int4(i32),
    /// float8
    Float8(f64),
    /// text
    Text(String),
    /// bool
    Bool(bool),
}

impl Param {
    /// `text` as a parameter of this one's type, if it parses as one.
    pub fn retyped(&self, text: &str) -> Option<Param> {
        Some(match self {
            Param::Int8(_) => Param::Int8(text.parse().ok()?),
            Param::Int4(_) => Param::Int4(text.parse().ok()?),
            Param::Float8(_) => Param::Float8(text.parse().ok()?),
            Param::Text(_) => Param::Text(text.to_string()),
            Param::Bool(_) => Param::Bool(text.parse().ok()?),
        })
    }
}

/// One thing a client does on an open connection.
#[derive(Debug, Clone, Serialize)]
pub enum Step {
    /// Run one statement (with parameters through the extended protocol where the client can).
    Query {
        /// The SQL.
        sql: String,
        /// Its parameters.
        params: Vec<Param>,
    },
    /// Run a multi-statement string with the simple protocol; compare command
    /// tags and the transaction status.
    Script(String),
    /// Run a query through a portal, `rows` at a time (row-limited Execute).
    Portal {
        /// The SQL.
        sql: String,
        /// Rows per Execute.
        rows: i32,
    },
    /// The client's own connection-pool reset.
    PoolReset,
    /// Prepare a statement, run `DISCARD ALL`, then execute the prepared
    /// statement (which must now be gone).
    ExecuteAfterDiscard(String),
    /// One of the driver's own metadata calls (`schemas`, `tables`, `columns`,
    /// `primary_keys`, `indexes`, `type_info`, `types`), for `table` where it takes one.
    Metadata {
        /// The call.
        call: &'static str,
        /// The table it is about.
        table: Option<&'static str>,
    },
    /// A psql backslash command (`\d accidents`); only psql runs it.
    Backslash(&'static str),
    /// Run `sql` with the simple protocol and, while it runs, send a
    /// CancelRequest for this connection with its own secret or a wrong one;
    /// only the raw client runs it (drivers hide the secret).
    Cancel {
        /// The SQL.
        sql: &'static str,
        /// Whether the CancelRequest carries the connection's secret.
        right_secret: bool,
    },
    /// Send these bytes as they are (messages that are malformed or not
    /// UTF-8) and summarise the answer up to ReadyForQuery; only the raw
    /// client runs it.
    Bytes(Vec<u8>),
}

impl Step {
    /// A query without parameters.
    pub fn query(sql: &str) -> Step {
        Step::Query {
            sql: sql.to_string(),
            params: vec![],
        }
    }
}

/// What a step produced, in a form comparable between two servers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Outcome {
    /// A result set: names, type OIDs (empty if the client hides them), values as text or hex.
    Rows {
        /// Column names.
        columns: Vec<String>,
        /// Column type OIDs.
        types: Vec<u32>,
        /// Values; `None` is NULL.
        rows: Vec<Vec<Option<String>>>,
    },
    /// Command tags, notices' SQLSTATEs and the final transaction status byte.
    Tags(Vec<String>),
    /// A result set reduced to its shape (see [`Outcome::shape`]).
    Shape {
        /// Column names.
        columns: Vec<String>,
        /// Column type OIDs.
        types: Vec<u32>,
        /// The number of rows, where it is compared.
        rows: Option<usize>,
    },
    /// Success without rows.
    Done,
    /// An error from the server.
    Error {
        /// SQLSTATE.
        code: String,
        /// Primary message.
        message: String,
    },
    /// The client cannot do this step (not a failure of either server).
    Unsupported(String),
    /// The client program or the harness failed (it could not start, died,
    /// answered garbage, a lookup found nothing): no server's answer, so
    /// never compared; it fails its cell whichever side it happens on.
    HarnessFailure(String),
}

impl Outcome {
    /// The same outcome with error messages blanked, for code-only comparisons.
    pub fn without_message(self) -> Outcome {
        match self {
            Outcome::Error { code, .. } => Outcome::Error {
                code,
                message: String::new(),
            },
            other => other,
        }
    }

    /// The shape of the outcome: a result set's column names and types, with its
    /// row count if `count_rows`; errors by SQLSTATE only.
    pub fn shape(self, count_rows: bool) -> Outcome {
        match self {
            Outcome::Rows {
                columns,
                types,
                rows,
            } => Outcome::Shape {
                columns,
                types,
                rows: count_rows.then_some(rows.len()),
            },
            other => other.without_message(),
        }
    }
}

/// An open connection of some client.
#[async_trait]
pub trait Conn: Send {
    /// Performs one step.
    async fn run(&mut self, step: &Step) -> Outcome;
}

/// A client library.
#[async_trait]
pub trait Client: Send + Sync {
    /// The name shown in the matrix.
    fn name(&self) -> String;
    /// Why it cannot run here, if it cannot.
    fn unavailable(&self) -> Option<String> {
        None
    }
    /// The library's version as it reports it (for COMPAT.md).
    async fn version(&self) -> String {
        "unknown".into()
    }
    /// Whether it runs in a container (and so needs a Docker engine).
    fn needs_docker(&self) -> bool {
        false
    }
    /// Connects; a refused connection is `Err` with the server's error.
    async fn connect(&self, target: &Target) -> Result<Box<dyn Conn>, Outcome>;
}

/// The plain text of a result cell: out-of-process clients report each cell as
/// a JSON value (a string quoted, see [`external`]), in-process ones as plain text.
pub fn cell_text(cell: &str) -> String {
    match serde_json::from_str(cell) {
        Ok(serde_json::Value::String(text)) => text,
        _ => cell.to_string(),
    }
}

/// Renders bytes as lowercase hex (binary values compare byte for byte).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
