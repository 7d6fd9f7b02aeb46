//! One client connection after startup: the message loop, the simple and
//! extended query protocols, prepared statements, portals and the transaction
//! status byte. What statements do is in `execute.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::LogicalPlan;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::cancel::CancelKey;
use super::execute::Running;
use super::messages::{self, Frontend};
use super::params;
use super::reuse::{simplify_bound, Executable, PlanCache, Reusable};
use super::startup::Io;
use super::statements::{self, Statement};
use crate::catalog::functions::SessionInfo;
use crate::datasets::Registry;
use crate::encode::rows::{ColumnOrigin, ResultEncoder};
use crate::encode::{EncodeOptions, Format};
use crate::engine::Engine;
use crate::errors::{sqlstate, PgError, Severity};

/// Write to the socket once this much output is buffered.
pub(super) const FLUSH_AT: usize = 64 * 1024;

/// The transaction status reported in ReadyForQuery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transaction {
    /// 'I': not in a transaction block.
    Idle,
    /// 'T': in a transaction block.
    InBlock,
    /// 'E': in a failed transaction block (until ROLLBACK).
    Failed,
}

impl Transaction {
    fn status_byte(self) -> u8 {
        match self {
            Transaction::Idle => b'I',
            Transaction::InBlock => b'T',
            Transaction::Failed => b'E',
        }
    }
}

/// Why a request could not complete: an error for the client, or a dead socket.
#[derive(Debug)]
pub enum Failure {
    /// Report this error and carry on.
    Client(PgError),
    /// The connection is unusable; end the session.
    Disconnected,
}

impl From<PgError> for Failure {
    fn from(e: PgError) -> Failure {
        Failure::Client(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(_: std::io::Error) -> Failure {
        Failure::Disconnected
    }
}

/// The result columns of a statement.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The engine's schema.
    pub schema: SchemaRef,
    /// PG-style column names.
    pub names: Vec<String>,
    /// The table columns they come from (empty: none do).
    pub origins: Vec<ColumnOrigin>,
}

/// A parsed (and, for queries, planned) statement.
#[derive(Debug)]
pub struct Prepared {
    /// The statement; `None` for an empty query string.
    pub statement: Option<Statement>,
    /// The logical plan of a query, with placeholders.
    pub plan: Option<LogicalPlan>,
    /// Parameter types the client declared in Parse (0 = unspecified).
    pub declared: Vec<u32>,
    /// Parameter types the engine inferred.
    pub inferred: Vec<Option<DataType>>,
    /// The parameter type OIDs reported in ParameterDescription.
    pub param_oids: Vec<u32>,
    /// The result columns, when the statement returns rows.
    pub shape: Option<Shape>,
    /// The plans that may be reused across executions.
    pub reusable: Reusable,
}

impl Prepared {
    /// What a portal of this statement without parameters executes: the
    /// kept physical plan, else the optimized plan, else the logical plan.
    pub fn executable(&self) -> Option<Executable> {
        if let Some(physical) = self.reusable.physical.get() {
            return Some(Executable::Physical(Arc::clone(physical)));
        }
        match (&self.reusable.optimized, &self.plan) {
            (Some(optimized), _) => Some(Executable::Optimized(optimized.clone())),
            (None, plan) => plan.clone().map(Executable::Logical),
        }
    }
}

/// A bound statement, ready to execute or executing.
#[derive(Debug)]
pub struct Portal {
    /// The statement.
    pub prepared: Arc<Prepared>,
    /// The plan with parameters bound.
    pub bound: Option<Executable>,
    /// One result format per column.
    pub formats: Vec<Format>,
    /// The result stream once execution started.
    pub running: Option<Running>,
    /// Whether the portal ran to completion.
    pub finished: bool,
}

/// One connection's state.
pub struct Session {
    io: Box<dyn Io>,
    rbuf: BytesMut,
    pub(super) wbuf: BytesMut,
    max_message_size: usize,
    pub(super) state: SessionState,
    pub(super) registry: Arc<Registry>,
    pub(super) plans: PlanCache,
    pub(super) info: Arc<SessionInfo>,
    pub(super) key: CancelKey,
    pub(super) statements: HashMap<String, Arc<Prepared>>,
    pub(super) portals: HashMap<String, Portal>,
    pub(super) cursors: HashMap<String, super::execute::Cursor>,
    pub(super) transaction: Transaction,
    skipping: bool,
    reported: Vec<(String, String)>,
}

impl Session {
    /// A session for an authenticated client.
    pub fn new(
        io: Box<dyn Io>,
        engine: Arc<Engine>,
        info: Arc<SessionInfo>,
        key: CancelKey,
        max_message_size: usize,
    ) -> Session {
        let state = engine.session_state(&info);
        Session {
            io,
            rbuf: BytesMut::with_capacity(8192),
            wbuf: BytesMut::with_capacity(FLUSH_AT * 2),
            max_message_size,
            state,
            registry: Arc::clone(engine.registry()),
            plans: PlanCache::default(),
            info,
            key,
            statements: HashMap::new(),
            portals: HashMap::new(),
            cursors: HashMap::new(),
            transaction: Transaction::Idle,
            skipping: false,
            reported: Vec::new(),
        }
    }

    /// Greets the client (ParameterStatus, BackendKeyData, ReadyForQuery) and
    /// serves it until it leaves.
    pub async fn run(mut self) {
        let reported = self.settings().reported();
        self.reported = reported;
        for (name, value) in self.reported.clone() {
            messages::parameter_status(&mut self.wbuf, &name, &value);
        }
        messages::backend_key_data(&mut self.wbuf, self.key.pid, self.key.secret);
        self.ready_for_query();
        if self.flush().await.is_err() {
            return;
        }
        loop {
            let message = match self.read_message().await {
                Ok(Some(m)) => m,
                Ok(None) => return,
                Err(Failure::Client(e)) => {
                    messages::error_response(&mut self.wbuf, &e.with_severity(Severity::Fatal));
                    let _ = self.flush().await;
                    return;
                }
                Err(Failure::Disconnected) => return,
            };
            if self.handle(message).await.is_err() {
                return;
            }
        }
    }

    pub(super) fn settings(&self) -> std::sync::MutexGuard<'_, crate::settings::Settings> {
        self.info.settings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How results are written: the session's settings, with the registry
    /// naming reg type values.
    pub(super) fn encode_options(&self) -> EncodeOptions {
        let mut opts = self.settings().encode_options();
        opts.object_names = Some(Arc::clone(&self.registry) as Arc<dyn crate::encode::ObjectNames>);
        opts
    }

    /// Handles one message; `Err` ends the session.
    async fn handle(&mut self, message: Frontend) -> Result<(), ()> {
        let result = match message {
            Frontend::Query(sql) => {
                self.skipping = false;
                self.simple_query(&sql).await;
                self.ready_for_query();
                return self.flush().await.map_err(|_| ());
            }
            Frontend::Sync => {
                self.skipping = false;
                if self.transaction == Transaction::Idle {
                    self.end_transaction();
                }
                self.ready_for_query();
                return self.flush().await.map_err(|_| ());
            }
            Frontend::Flush => return self.flush().await.map_err(|_| ()),
            Frontend::Terminate => return Err(()),
            Frontend::CopyIn => return Ok(()),
            Frontend::Password(_) => Err(Failure::Client(PgError::protocol(
                "unexpected password message after authentication",
            ))),
            _ if self.skipping => return Ok(()),
            Frontend::Parse {
                name,
                query,
                param_types,
            } => self.parse(name, &query, param_types).await,
            Frontend::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            } => self.bind(portal, &statement, &param_formats, params, &result_formats),
            Frontend::Describe { kind, name } => self.describe(kind, &name),
            Frontend::Execute { portal, max_rows } => self.execute_portal(&portal, max_rows).await,
            Frontend::Close { kind, name } => {
                if kind == b'S' {
                    self.statements.remove(&name);
                } else {
                    self.portals.remove(&name);
                }
                messages::empty(&mut self.wbuf, b'3');
                Ok(())
            }
        };
        match result {
            Ok(()) => Ok(()),
            Err(Failure::Client(e)) => {
                self.report_error(&e);
                self.skipping = true;
                Ok(())
            }
            Err(Failure::Disconnected) => Err(()),
        }
    }

    /// Sends an error and marks an open transaction block failed.
    pub(super) fn report_error(&mut self, e: &PgError) {
        tracing::info!(
            pid = self.key.pid,
            code = e.code,
            "query failed: {}",
            e.message
        );
        messages::error_response(&mut self.wbuf, e);
        if self.transaction == Transaction::InBlock {
            self.transaction = Transaction::Failed;
        }
    }

    /// Ends the (implicit or explicit) transaction: portals and non-holdable cursors go.
    pub(super) fn end_transaction(&mut self) {
        self.portals.clear();
        self.cursors.retain(|_, c| c.hold);
    }

    fn ready_for_query(&mut self) {
        messages::ready_for_query(&mut self.wbuf, self.transaction.status_byte());
    }

    /// Writes everything buffered to the socket.
    pub(super) async fn flush(&mut self) -> Result<(), Failure> {
        if !self.wbuf.is_empty() {
            self.io.write_all(&self.wbuf).await?;
            self.wbuf.clear();
        }
        self.io.flush().await?;
        Ok(())
    }

    /// Sends ParameterStatus for every reported setting that changed.
    pub(super) fn report_setting_changes(&mut self) {
        let now = self.settings().reported();
        if now != self.reported {
            for (name, value) in &now {
                if !self.reported.iter().any(|(n, v)| n == name && v == value) {
                    messages::parameter_status(&mut self.wbuf, name, value);
                }
            }
            self.reported = now;
        }
    }

    async fn read_message(&mut self) -> Result<Option<Frontend>, Failure> {
        loop {
            if self.rbuf.len() >= 5 {
                let tag = self.rbuf[0];
                let len =
                    i32::from_be_bytes([self.rbuf[1], self.rbuf[2], self.rbuf[3], self.rbuf[4]]);
                if len < 4 {
                    return Err(PgError::protocol("invalid message length").into());
                }
                let len = len as usize;
                if len > self.max_message_size {
                    return Err(PgError::protocol(format!(
                        "message of {len} bytes exceeds the limit of {} bytes",
                        self.max_message_size
                    ))
                    .into());
                }
                if self.rbuf.len() > len {
                    let frame = self.rbuf.split_to(len + 1).freeze();
                    let body: Bytes = frame.slice(5..);
                    return messages::decode(tag, body)
                        .map(Some)
                        .map_err(Failure::Client);
                }
                self.rbuf.reserve(len + 1 - self.rbuf.len());
            }
            if self.io.read_buf(&mut self.rbuf).await? == 0 {
                return Ok(None);
            }
        }
    }

    /// The simple query protocol: each statement in turn; an error stops the rest.
    async fn simple_query(&mut self, sql: &str) {
        let pieces = match statements::split(sql) {
            Ok(p) => p,
            Err(e) => return self.report_error(&e),
        };
        if pieces.is_empty() {
            messages::empty(&mut self.wbuf, b'I');
            return;
        }
        for piece in &pieces {
            let result = async {
                let prepared = self
                    .planned(&piece.text, Vec::new(), || statements::classify(piece))
                    .await?;
                let formats =
                    vec![Format::Text; prepared.shape.as_ref().map_or(0, |s| s.names.len())];
                let mut portal = Portal {
                    bound: prepared.executable(),
                    prepared,
                    formats,
                    running: None,
                    finished: false,
                };
                self.run_portal(&mut portal, 0, true).await
            }
            .await;
            self.report_setting_changes();
            match result {
                Ok(()) => {}
                Err(Failure::Client(e)) => return self.report_error(&e),
                Err(Failure::Disconnected) => return,
            }
        }
        if self.transaction == Transaction::Idle {
            self.end_transaction();
        }
    }

    /// The parsed and planned statement for `sql`: from the plan cache when
    /// this text was planned before, else classified and prepared (and kept
    /// when its plan may be reused).
    async fn planned(
        &mut self,
        sql: &str,
        declared: Vec<u32>,
        classify: impl FnOnce() -> Result<Statement, PgError>,
    ) -> Result<Arc<Prepared>, PgError> {
        let generation = self.registry.generation();
        if let Some(prepared) = self.plans.get(sql, &declared, generation) {
            if let Some(statement) = &prepared.statement {
                self.check_failed_transaction(statement)?;
            }
            return Ok(prepared);
        }
        let statement = classify()?;
        self.check_failed_transaction(&statement)?;
        let prepared = Arc::new(self.prepare(Some(statement), declared).await?);
        self.plans.insert(sql, &prepared, generation);
        Ok(prepared)
    }

    fn check_failed_transaction(&self, statement: &Statement) -> Result<(), PgError> {
        if self.transaction == Transaction::Failed && !statement.allowed_in_failed_transaction() {
            return Err(PgError::new(
                sqlstate::IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        Ok(())
    }

    async fn parse(&mut self, name: String, sql: &str, declared: Vec<u32>) -> Result<(), Failure> {
        if !name.is_empty() && self.statements.contains_key(&name) {
            return Err(PgError::new(
                sqlstate::DUPLICATE_PREPARED_STATEMENT,
                format!("prepared statement \"{name}\" already exists"),
            )
            .into());
        }
        let mut pieces = statements::split(sql)?;
        if pieces.len() > 1 {
            return Err(PgError::syntax(
                "cannot insert multiple commands into a prepared statement",
            )
            .into());
        }
        let prepared = match pieces.pop() {
            Some(piece) => {
                self.planned(&piece.text, declared, || statements::classify(&piece))
                    .await?
            }
            None => Arc::new(self.prepare(None, declared).await?),
        };
        self.statements.insert(name, prepared);
        messages::empty(&mut self.wbuf, b'1');
        Ok(())
    }

    fn bind(
        &mut self,
        portal_name: String,
        statement: &str,
        param_formats: &[i16],
        values: Vec<Option<Bytes>>,
        result_formats: &[i16],
    ) -> Result<(), Failure> {
        let prepared = self.statements.get(statement).cloned().ok_or_else(|| {
            PgError::new(
                sqlstate::UNDEFINED_PREPARED_STATEMENT,
                format!("prepared statement \"{statement}\" does not exist"),
            )
        })?;
        if let Some(s) = &prepared.statement {
            self.check_failed_transaction(s)?;
        }
        let expected = prepared.inferred.len().max(prepared.declared.len());
        if values.len() != expected {
            return Err(PgError::protocol(format!(
                "bind message supplies {} parameters, but prepared statement \"{statement}\" requires {expected}",
                values.len()
            ))
            .into());
        }
        let param_formats = expand_formats(param_formats, values.len(), "parameter")?;
        let mut scalars = Vec::with_capacity(values.len());
        for (i, value) in values.iter().enumerate() {
            // Decode as the type the client was told in ParameterDescription.
            let declared = prepared.param_oids.get(i).copied().unwrap_or(0);
            let target = prepared.inferred.get(i).and_then(|t| t.as_ref());
            scalars.push(params::decode(
                value.as_deref(),
                param_formats[i],
                declared,
                target,
            )?);
        }
        let bound = if scalars.is_empty() {
            prepared.executable()
        } else {
            let bind = |plan: &LogicalPlan| {
                plan.clone()
                    .with_param_values(scalars)
                    .map_err(|e| PgError::from_datafusion(&e))
            };
            match (&prepared.reusable.optimized, &prepared.plan) {
                (Some(optimized), _) => Some(Executable::Optimized(
                    simplify_bound(bind(optimized)?, &self.state)
                        .map_err(|e| PgError::from_datafusion(&e))?,
                )),
                (None, Some(plan)) => Some(Executable::Logical(bind(plan)?)),
                (None, None) => None,
            }
        };
        let columns = prepared.shape.as_ref().map_or(0, |s| s.names.len());
        let formats = expand_formats(result_formats, columns, "result")?;
        if !portal_name.is_empty() && self.portals.contains_key(&portal_name) {
            return Err(PgError::new(
                sqlstate::DUPLICATE_CURSOR,
                format!("portal \"{portal_name}\" already exists"),
            )
            .into());
        }
        self.portals.insert(
            portal_name,
            Portal {
                prepared,
                bound,
                formats,
                running: None,
                finished: false,
            },
        );
        messages::empty(&mut self.wbuf, b'2');
        Ok(())
    }

    fn describe(&mut self, kind: u8, name: &str) -> Result<(), Failure> {
        if kind == b'S' {
            let prepared = self.statements.get(name).cloned().ok_or_else(|| {
                PgError::new(
                    sqlstate::UNDEFINED_PREPARED_STATEMENT,
                    format!("prepared statement \"{name}\" does not exist"),
                )
            })?;
            let oids = prepared.param_oids.clone();
            messages::parameter_description(&mut self.wbuf, &oids);
            let shape = self.statement_shape(&prepared);
            self.describe_rows(shape.as_ref(), &[]);
        } else {
            let portal = self.portals.get(name).ok_or_else(|| {
                PgError::new(
                    sqlstate::INVALID_CURSOR_NAME,
                    format!("portal \"{name}\" does not exist"),
                )
            })?;
            let formats = portal.formats.clone();
            let shape = self.statement_shape(&portal.prepared.clone());
            self.describe_rows(shape.as_ref(), &formats);
        }
        Ok(())
    }

    /// RowDescription for `shape`, or NoData.
    pub(super) fn describe_rows(&mut self, shape: Option<&Shape>, formats: &[Format]) {
        match shape {
            Some(shape) => {
                ResultEncoder::new(
                    &shape.schema,
                    &shape.names,
                    formats,
                    EncodeOptions::default(),
                )
                .with_origins(&shape.origins)
                .write_row_description(&mut self.wbuf);
            }
            None => messages::empty(&mut self.wbuf, b'n'),
        }
    }

    async fn execute_portal(&mut self, name: &str, max_rows: i32) -> Result<(), Failure> {
        let mut portal = self.portals.remove(name).ok_or_else(|| {
            PgError::new(
                sqlstate::INVALID_CURSOR_NAME,
                format!("portal \"{name}\" does not exist"),
            )
        })?;
        let limit = if max_rows > 0 { max_rows as u64 } else { 0 };
        let result = self.run_portal(&mut portal, limit, false).await;
        self.report_setting_changes();
        // Portals survive until Close, Sync (outside a block) or the end of the transaction.
        if !matches!(result, Err(Failure::Disconnected)) {
            self.portals.insert(name.to_string(), portal);
        }
        result
    }
}

/// Expands Bind's format codes (none, one for all, or one each) to `n` formats.
fn expand_formats(codes: &[i16], n: usize, what: &str) -> Result<Vec<Format>, PgError> {
    let parse = |c: i16| {
        Format::from_code(c)
            .ok_or_else(|| PgError::protocol(format!("unsupported format code: {c}")))
    };
    match codes.len() {
        0 => Ok(vec![Format::Text; n]),
        1 => Ok(vec![parse(codes[0])?; n]),
        len if len == n => codes.iter().map(|&c| parse(c)).collect(),
        // Clients such as asyncpg send one parameter format with no parameters.
        _ if n == 0 => Ok(Vec::new()),
        len => Err(PgError::protocol(format!(
            "bind message has {len} {what} formats but {n} {what}s"
        ))),
    }
}
