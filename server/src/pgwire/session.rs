//! One client connection after startup: the message loop, the simple and
//! extended query protocols, prepared statements, portals and the transaction
//! status byte. What statements do is in `execute.rs`.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::LogicalPlan;
use futures::FutureExt;
use pgwire::messages::data::{NoData, ParameterDescription};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, CloseComplete, ParseComplete, TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::{EmptyQueryResponse, ReadyForQuery, TransactionStatus};
use pgwire::messages::startup::{BackendKeyData, ParameterStatus, SecretKey};
use pgwire::messages::{PgWireBackendMessage as Backend, PgWireFrontendMessage as Frontend};

use super::cancel::CancelKey;
use super::connection::{Connection, FrameError, Incoming, Outbox};
use super::execute::Running;
use super::params;
use super::reuse::{simplify_bound, Executable, PlanCache, Reusable};
use crate::catalog::functions::SessionInfo;
use crate::datasets::Registry;
use crate::encode::rows::{ColumnOrigin, ResultEncoder};
use crate::encode::{EncodeOptions, Format};
use crate::engine::Engine;
use crate::errors::{sqlstate, PgError, Severity};
use crate::sql::statements::{self, Statement};

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
    fn status(self) -> TransactionStatus {
        match self {
            Transaction::Idle => TransactionStatus::Idle,
            Transaction::InBlock => TransactionStatus::Transaction,
            Transaction::Failed => TransactionStatus::Error,
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

impl From<FrameError> for Failure {
    fn from(_: FrameError) -> Failure {
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
    /// The registry generation it was planned at: a later Bind replans it
    /// when datasets changed since, so no plan reads a replaced or removed one.
    pub generation: u64,
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
    pub(super) conn: Connection,
    pub(super) state: SessionState,
    pub(super) registry: Arc<Registry>,
    pub(super) plans: PlanCache,
    pub(super) info: Arc<SessionInfo>,
    pub(super) key: CancelKey,
    pub(super) statements: HashMap<String, Arc<Prepared>>,
    pub(super) portals: HashMap<String, Portal>,
    pub(super) cursors: HashMap<String, super::execute::Cursor>,
    pub(super) transaction: Transaction,
    /// What the transaction block's end restores of the settings.
    pub(super) settings_undo: super::settings_undo::SettingsUndo,
    skipping: bool,
    reported: Vec<(String, String)>,
    shutdown: Shutdown,
    write_timeout: std::time::Duration,
    /// ReadyForQuery was the last message queued: nothing is under way.
    at_ready: bool,
}

/// The two moments of a server shutdown a session watches.
#[derive(Debug, Clone)]
pub struct Shutdown {
    /// Set when the server stops accepting: an idle session ends at once, a
    /// busy one after its statement.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Set when the grace period is over: a running statement is cut off.
    pub grace_over: tokio::sync::watch::Receiver<bool>,
}

/// PostgreSQL's FATAL at a fast shutdown.
fn shutting_down() -> PgError {
    PgError::new(
        sqlstate::ADMIN_SHUTDOWN,
        "terminating connection due to administrator command",
    )
}

/// Resolves to the error of `limit` once its time has passed (never without one).
async fn idle_expiry(limit: Option<(std::time::Duration, PgError)>) -> PgError {
    match limit {
        Some((after, error)) => {
            tokio::time::sleep(after).await;
            error
        }
        None => std::future::pending().await,
    }
}

/// Resolves once `signal` is set (never, if its sender is gone unset).
async fn raised(mut signal: tokio::sync::watch::Receiver<bool>) {
    if signal.wait_for(|set| *set).await.is_err() {
        std::future::pending::<()>().await;
    }
}

impl Session {
    /// A session for an authenticated client.
    pub fn new(
        conn: Connection,
        engine: Arc<Engine>,
        info: Arc<SessionInfo>,
        key: CancelKey,
        shutdown: Shutdown,
    ) -> Session {
        let state = engine.session_state(&info);
        Session {
            conn,
            state,
            registry: Arc::clone(engine.registry()),
            plans: PlanCache::default(),
            info,
            key,
            statements: HashMap::new(),
            portals: HashMap::new(),
            cursors: HashMap::new(),
            transaction: Transaction::Idle,
            settings_undo: Default::default(),
            skipping: false,
            reported: Vec::new(),
            shutdown,
            write_timeout: std::time::Duration::from_secs(60),
            at_ready: false,
        }
    }

    /// The same session, dropping a client that reads nothing for `timeout`.
    pub fn with_write_timeout(mut self, timeout: std::time::Duration) -> Session {
        self.write_timeout = timeout;
        self
    }

    /// Ends the session with `e` as a FATAL error: a fast shutdown, an idle
    /// timeout.
    async fn terminate(&mut self, e: PgError) {
        tracing::info!(pid = self.key.pid, code = e.code, "{}", e.message);
        let e = e.with_severity(Severity::Fatal);
        crate::metrics::error_sent(crate::metrics::Protocol::Pgwire, e.code);
        self.conn.send_error(&e);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.flush()).await;
    }

    /// Greets the client (ParameterStatus, BackendKeyData, ReadyForQuery) and
    /// serves it until it leaves. A panic ends this session only: the client
    /// gets FATAL XX000 and the server goes on.
    pub async fn run(mut self) {
        if let Err(panic) = AssertUnwindSafe(self.serve()).catch_unwind().await {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            self.crashed(what).await;
        }
    }

    /// Ends the session after a panic (`what` it said) while serving it. What
    /// was buffered of the interrupted answer is dropped (it may stop
    /// mid-message) before the error is sent.
    async fn crashed(&mut self, what: String) {
        tracing::error!(pid = self.key.pid, "session task panicked: {what}");
        self.conn.out().clear();
        let e = PgError::new(sqlstate::INTERNAL_ERROR, format!("internal error: {what}"));
        self.terminate(e).await;
    }

    /// [`Session::run`] until the session ends.
    async fn serve(&mut self) {
        let reported = self.settings().reported();
        self.reported = reported;
        for (name, value) in self.reported.clone() {
            self.conn
                .queue(Backend::ParameterStatus(ParameterStatus::new(name, value)));
        }
        let key = BackendKeyData::new(self.key.pid, SecretKey::I32(self.key.secret));
        self.conn.queue(Backend::BackendKeyData(key));
        self.ready_for_query();
        if self.flush().await.is_err() {
            return;
        }
        loop {
            // At ReadyForQuery a shutdown ends the session before anything
            // more is read; between (an extended-protocol batch up to its
            // Sync) the statement goes on until the grace period is over.
            let received = if self.at_ready {
                let stopping = raised(self.shutdown.stopping.clone());
                let idle = idle_expiry(self.idle_limit());
                tokio::select! {
                    biased;
                    () = stopping => return self.terminate(shutting_down()).await,
                    received = self.conn.receive() => received,
                    e = idle => return self.terminate(e).await,
                }
            } else {
                let grace_over = raised(self.shutdown.grace_over.clone());
                tokio::select! {
                    biased;
                    received = self.conn.receive() => received,
                    () = grace_over => return self.terminate(shutting_down()).await,
                }
            };
            self.at_ready = false;
            let message = match received {
                Some(Ok(Incoming::Message(m))) => m,
                Some(Ok(Incoming::Invalid { error, extended })) => {
                    if self.reject(error, extended).await.is_err() {
                        return;
                    }
                    continue;
                }
                Some(Err(FrameError::Protocol(e))) => {
                    self.conn.send_error(&e.with_severity(Severity::Fatal));
                    let _ = self.flush().await;
                    return;
                }
                Some(Err(FrameError::Closed)) | None => return,
            };
            let grace_over = raised(self.shutdown.grace_over.clone());
            let handled = tokio::select! {
                handled = self.handle(message) => Some(handled),
                () = grace_over => None,
            };
            match handled {
                Some(Ok(())) => {}
                Some(Err(())) => return,
                None => return self.terminate(shutting_down()).await,
            }
        }
    }

    /// How long the session may wait at ReadyForQuery, and the error that
    /// ends it then (PostgreSQL 15's idle timeouts); `None`: forever.
    fn idle_limit(&self) -> Option<(std::time::Duration, PgError)> {
        let in_block = self.transaction != Transaction::Idle;
        let ms = self.settings().idle_timeout_ms(in_block);
        let error = if in_block {
            PgError::new(
                sqlstate::IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
                "terminating connection due to idle-in-transaction timeout",
            )
        } else {
            PgError::new(
                sqlstate::IDLE_SESSION_TIMEOUT,
                "terminating connection due to idle-session timeout",
            )
        };
        (ms > 0).then(|| (std::time::Duration::from_millis(ms), error))
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

    /// Answers a message that could not be read as SQL: in the simple protocol
    /// an error and ReadyForQuery, in the extended one an error and
    /// skip-until-Sync. `Err` ends the session.
    async fn reject(&mut self, error: PgError, extended: bool) -> Result<(), ()> {
        if extended && self.skipping {
            return Ok(());
        }
        self.report_error(&error);
        self.skipping = extended;
        if extended {
            return Ok(());
        }
        self.ready_for_query();
        self.flush().await.map_err(|_| ())
    }

    /// Handles one message; `Err` ends the session.
    async fn handle(&mut self, message: Frontend) -> Result<(), ()> {
        let result = match message {
            Frontend::Query(query) => {
                self.skipping = false;
                self.simple_query(&query.query).await;
                self.ready_for_query();
                return self.flush().await.map_err(|_| ());
            }
            Frontend::Sync(_) => {
                self.skipping = false;
                if self.transaction == Transaction::Idle {
                    self.end_transaction();
                }
                self.ready_for_query();
                return self.flush().await.map_err(|_| ());
            }
            Frontend::Flush(_) => return self.flush().await.map_err(|_| ()),
            Frontend::Terminate(_) => return Err(()),
            // COPY FROM data this server never asked for.
            Frontend::CopyData(_) | Frontend::CopyDone(_) | Frontend::CopyFail(_) => return Ok(()),
            Frontend::PasswordMessageFamily(_) => Err(Failure::Client(PgError::protocol(
                "unexpected password message after authentication",
            ))),
            _ if self.skipping => return Ok(()),
            Frontend::Parse(parse) => {
                let name = parse.name.unwrap_or_default();
                self.parse(name, &parse.query, parse.type_oids).await
            }
            Frontend::Bind(bind) => self.bind(bind).await,
            Frontend::Describe(d) => self.describe(d.target_type, &d.name.unwrap_or_default()),
            Frontend::Execute(e) => {
                self.execute_portal(&e.name.unwrap_or_default(), e.max_rows)
                    .await
            }
            Frontend::Close(close) => {
                let name = close.name.unwrap_or_default();
                if close.target_type == TARGET_TYPE_BYTE_STATEMENT {
                    self.statements.remove(&name);
                } else {
                    self.portals.remove(&name);
                }
                self.conn
                    .queue(Backend::CloseComplete(CloseComplete::new()));
                Ok(())
            }
            _ => Err(Failure::Client(PgError::protocol(
                "unexpected startup-phase message after startup",
            ))),
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
        crate::metrics::error_sent(crate::metrics::Protocol::Pgwire, e.code);
        self.conn.send_error(e);
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
        self.at_ready = true;
        let status = self.transaction.status();
        self.conn
            .queue(Backend::ReadyForQuery(ReadyForQuery::new(status)));
    }

    /// Writes everything buffered to the socket. A client that takes none
    /// of it for `client_write_timeout` is dropped, freeing its statement.
    pub(super) async fn flush(&mut self) -> Result<(), Failure> {
        match tokio::time::timeout(self.write_timeout, self.conn.flush_out()).await {
            Ok(flushed) => Ok(flushed?),
            Err(_) => {
                tracing::info!(
                    pid = self.key.pid,
                    "the client read nothing for {:?}: connection dropped",
                    self.write_timeout
                );
                Err(Failure::Disconnected)
            }
        }
    }

    /// Sends ParameterStatus for every reported setting that changed.
    pub(super) fn report_setting_changes(&mut self) {
        let now = self.settings().reported();
        if now != self.reported {
            for (name, value) in &now {
                if !self.reported.iter().any(|(n, v)| n == name && v == value) {
                    let status = ParameterStatus::new(name.clone(), value.clone());
                    self.conn.queue(Backend::ParameterStatus(status));
                }
            }
            self.reported = now;
        }
    }

    /// The simple query protocol: each statement in turn; an error stops the rest.
    async fn simple_query(&mut self, sql: &str) {
        let pieces = match statements::split(sql) {
            Ok(p) => p,
            Err(e) => return self.report_error(&e),
        };
        if pieces.is_empty() {
            self.conn
                .queue(Backend::EmptyQueryResponse(EmptyQueryResponse::new()));
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

    /// `prepared`, planned again if the datasets changed since it was
    /// planned (as PostgreSQL replans a cached plan whose tables changed): a
    /// removed dataset is 42P01, a result of other columns 0A000.
    async fn revalidated(
        &mut self,
        name: &str,
        prepared: Arc<Prepared>,
    ) -> Result<Arc<Prepared>, PgError> {
        if prepared.plan.is_none() || prepared.generation == self.registry.generation() {
            return Ok(prepared);
        }
        let fresh = self
            .prepare(prepared.statement.clone(), prepared.declared.clone())
            .await?;
        let columns = |shape: &Option<Shape>| {
            shape.as_ref().map(|s| {
                let types: Vec<DataType> = s
                    .schema
                    .fields()
                    .iter()
                    .map(|f| f.data_type().clone())
                    .collect();
                (s.names.clone(), types)
            })
        };
        if columns(&fresh.shape) != columns(&prepared.shape) {
            return Err(PgError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                "cached plan must not change result type",
            ));
        }
        let fresh = Arc::new(fresh);
        self.statements.insert(name.to_string(), Arc::clone(&fresh));
        Ok(fresh)
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
        self.conn
            .queue(Backend::ParseComplete(ParseComplete::new()));
        Ok(())
    }

    async fn bind(&mut self, message: Bind) -> Result<(), Failure> {
        let portal_name = message.portal_name.unwrap_or_default();
        let statement = message.statement_name.unwrap_or_default();
        let statement = statement.as_str();
        let values: Vec<Option<Bytes>> = message.parameters;
        let param_formats = &message.parameter_format_codes;
        let result_formats = &message.result_column_format_codes;
        let prepared = self.statements.get(statement).cloned().ok_or_else(|| {
            PgError::new(
                sqlstate::UNDEFINED_PREPARED_STATEMENT,
                format!("prepared statement \"{statement}\" does not exist"),
            )
        })?;
        if let Some(s) = &prepared.statement {
            self.check_failed_transaction(s)?;
        }
        let prepared = self.revalidated(statement, prepared).await?;
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
        self.conn.queue(Backend::BindComplete(BindComplete::new()));
        Ok(())
    }

    fn describe(&mut self, kind: u8, name: &str) -> Result<(), Failure> {
        if kind == TARGET_TYPE_BYTE_STATEMENT {
            let prepared = self.statements.get(name).cloned().ok_or_else(|| {
                PgError::new(
                    sqlstate::UNDEFINED_PREPARED_STATEMENT,
                    format!("prepared statement \"{name}\" does not exist"),
                )
            })?;
            let oids = prepared.param_oids.clone();
            let description = ParameterDescription::new(oids);
            self.conn.queue(Backend::ParameterDescription(description));
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
                .write_row_description(self.conn.out());
            }
            None => self.conn.queue(Backend::NoData(NoData::new())),
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
