//! What each statement does: queries planned and streamed through the encoder,
//! cursors, COPY TO STDOUT, and the session statements (SET, SHOW, DISCARD,
//! transaction control…) with PostgreSQL's command tags and effects.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::execute_stream;
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;
use futures::StreamExt;
use pgwire::messages::copy::{CopyDone, CopyOutResponse};
use pgwire::messages::extendedquery::PortalSuspended;
use pgwire::messages::response::EmptyQueryResponse;
use pgwire::messages::PgWireBackendMessage as Backend;

use super::cancel::StatementGuard;
use super::column_origin::column_origins;
use super::connection::Outbox;
use super::reuse::{Executable, Reusable};
use super::session::{Failure, Portal, Prepared, Session, Shape, Transaction, FLUSH_AT};
use crate::encode::copy::{CopyFormat, CopyWriter};
use crate::encode::{Format, ResultEncoder};
use crate::errors::{sqlstate, PgError, Severity};
use crate::metrics::Protocol;
use crate::settings::Settings;
use crate::sql::statements::{DiscardKind, Statement, TransactionCommand};

/// What a row-returning statement's CommandComplete says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// `SELECT n`
    Select,
    /// `EXPLAIN`
    Explain,
    /// `SHOW`
    Show,
    /// `FETCH n`
    Fetch,
}

/// A result being streamed: the engine's stream, the rows left over from a
/// batch cut by a row limit, and the encoder.
pub struct Running {
    stream: SendableRecordBatchStream,
    pending: Option<RecordBatch>,
    encoder: ResultEncoder,
    tag: TagKind,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Running({:?})", self.tag)
    }
}

/// A cursor opened with DECLARE.
#[derive(Debug)]
pub struct Cursor {
    running: Running,
    shape: Shape,
    formats: Vec<Format>,
    /// WITH HOLD: survives the end of the transaction.
    pub hold: bool,
}

fn single_text_column(name: &str, values: Vec<String>) -> (SchemaRef, RecordBatch) {
    let schema = Arc::new(Schema::new(vec![Field::new(name, DataType::Utf8, true)]));
    let array: ArrayRef = Arc::new(StringArray::from(values));
    let batch = RecordBatch::try_new(Arc::clone(&schema), vec![array]).expect("one text column");
    (schema, batch)
}

fn show_all_batch(settings: &Settings) -> (SchemaRef, RecordBatch) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("setting", DataType::Utf8, true),
        Field::new("description", DataType::Utf8, true),
    ]));
    let all = settings.all();
    let column = |f: fn(&(String, String, String)) -> String| -> ArrayRef {
        Arc::new(StringArray::from(all.iter().map(f).collect::<Vec<_>>()))
    };
    let columns = vec![
        column(|r| r.0.clone()),
        column(|r| r.1.clone()),
        column(|r| r.2.clone()),
    ];
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns).expect("three text columns");
    (schema, batch)
}

fn is_explain(statement: &DfStatement) -> bool {
    match statement {
        DfStatement::Explain(_) => true,
        DfStatement::Statement(s) => matches!(s.as_ref(), SqlStatement::Explain { .. }),
        _ => false,
    }
}

impl Session {
    /// Parses and plans a statement into something Bind can use.
    pub(super) async fn prepare(
        &mut self,
        statement: Option<Statement>,
        declared: Vec<u32>,
    ) -> Result<Prepared, PgError> {
        let generation = self.registry.generation();
        let (plan, shape) = match &statement {
            Some(Statement::Query(query)) => {
                let types: Vec<_> = declared
                    .iter()
                    .map(|oid| super::params::data_type_of_oid(*oid))
                    .collect();
                let (plan, shape) = self.plan_query(query, &types).await?;
                (Some(plan), Some(shape))
            }
            _ => (None, None),
        };
        let inferred = match &plan {
            Some(plan) => {
                let types = plan
                    .get_parameter_types()
                    .map_err(|e| PgError::from_datafusion(&e))?;
                let count = types
                    .keys()
                    .filter_map(|k| k.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()))
                    .max()
                    .unwrap_or(0);
                let from_context = super::params::infer_from_context(plan);
                (1..=count)
                    .map(|i| {
                        let id = format!("${i}");
                        let engine = types.get(&id).cloned().flatten();
                        match engine {
                            None | Some(DataType::Null | DataType::Utf8) => {
                                from_context.get(&id).cloned().or(engine)
                            }
                            known => known,
                        }
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let fields = match &plan {
            Some(plan) => plan
                .get_parameter_fields()
                .map_err(|e| PgError::from_datafusion(&e))?,
            None => Default::default(),
        };
        let count = inferred.len().max(declared.len());
        let param_oids = (0..count)
            .map(|i| {
                let field = fields.get(&format!("${}", i + 1)).cloned().flatten();
                super::params::reported_oid(
                    declared.get(i).copied().unwrap_or(0),
                    field.as_deref(),
                    inferred.get(i).and_then(|t| t.as_ref()),
                )
            })
            .collect();
        let reusable = match &plan {
            Some(plan) => Reusable::of(plan, &self.state),
            None => Reusable::default(),
        };
        let mut prepared = Prepared {
            statement,
            plan,
            declared,
            inferred,
            param_oids,
            shape,
            reusable,
            generation,
        };
        if prepared.shape.is_none() {
            prepared.shape = self.statement_shape(&prepared);
        }
        Ok(prepared)
    }

    async fn plan_query(
        &mut self,
        query: &DfStatement,
        parameter_types: &[Option<DataType>],
    ) -> Result<(LogicalPlan, Shape), PgError> {
        let planned = crate::sql::plan::plan_query(&self.state, query, parameter_types).await?;
        let origins = column_origins(&planned.plan, &self.registry);
        Ok((
            planned.plan,
            Shape {
                schema: planned.schema,
                names: planned.names,
                origins,
            },
        ))
    }

    /// The result columns a statement will have, if it returns rows.
    pub(super) fn statement_shape(&self, prepared: &Prepared) -> Option<Shape> {
        if let Some(shape) = &prepared.shape {
            return Some(shape.clone());
        }
        match prepared.statement.as_ref()? {
            Statement::Show(name) => {
                let (schema, _) = single_text_column(&Settings::canonical_name(name), vec![]);
                Some(Shape {
                    names: vec![Settings::canonical_name(name)],
                    schema,
                    origins: Vec::new(),
                })
            }
            Statement::ShowAll => {
                let (schema, _) = show_all_batch(&self.settings());
                Some(Shape {
                    names: schema.fields().iter().map(|f| f.name().clone()).collect(),
                    schema,
                    origins: Vec::new(),
                })
            }
            Statement::Fetch {
                name, skip: false, ..
            } => self.cursors.get(name).map(|c| c.shape.clone()),
            _ => None,
        }
    }

    fn guard(&mut self) -> StatementGuard {
        let timeout = self.settings().statement_timeout_ms();
        self.key.statement_guard(timeout)
    }

    /// Plans `executable` to the end and starts it; a statement without
    /// parameters offers its physical plan to `reusable` for later runs.
    async fn start_stream(
        &mut self,
        executable: Executable,
        reusable: Option<&Reusable>,
        guard: &mut StatementGuard,
    ) -> Result<SendableRecordBatchStream, PgError> {
        // Outside a transaction block each statement is its own transaction:
        // now() is the time it started.
        if self.transaction == Transaction::Idle {
            self.state.mark_start_execution();
        }
        let state = &self.state;
        let stream = guard
            .run(async {
                let physical = executable.physical(state).await?;
                if let Some(reusable) = reusable {
                    reusable.keep_physical(&physical);
                }
                execute_stream(physical, state.task_ctx())
            })
            .await?;
        stream.map_err(|e| PgError::from_datafusion(&e))
    }

    /// Executes a portal: starts it if needed, then sends up to `limit` rows
    /// (0 = all) followed by CommandComplete or PortalSuspended. `describe`
    /// sends a RowDescription first (simple protocol).
    pub(super) async fn run_portal(
        &mut self,
        portal: &mut Portal,
        limit: u64,
        describe: bool,
    ) -> Result<(), Failure> {
        let started = std::time::Instant::now();
        let kind = portal
            .prepared
            .statement
            .as_ref()
            .map_or("empty", Statement::kind);
        let result = self.start_or_resume(portal, limit, describe).await;
        let code = match &result {
            Err(Failure::Client(e)) => Some(e.code),
            _ => None,
        };
        crate::metrics::statement_ended(Protocol::Pgwire, kind, started.elapsed(), code);
        result
    }

    async fn start_or_resume(
        &mut self,
        portal: &mut Portal,
        limit: u64,
        describe: bool,
    ) -> Result<(), Failure> {
        let mut guard = self.guard();
        if portal.running.is_none() {
            if portal.finished {
                self.conn.command_complete("SELECT 0");
                return Ok(());
            }
            let Some(statement) = portal.prepared.statement.clone() else {
                self.conn
                    .queue(Backend::EmptyQueryResponse(EmptyQueryResponse::new()));
                portal.finished = true;
                return Ok(());
            };
            let shape = self.statement_shape(&portal.prepared);
            let stream = match &statement {
                Statement::Query(query) => {
                    let plan = portal
                        .bound
                        .clone()
                        .ok_or_else(|| PgError::new(sqlstate::INTERNAL_ERROR, "unplanned query"))?;
                    let tag = if is_explain(query) {
                        TagKind::Explain
                    } else {
                        TagKind::Select
                    };
                    let prepared = Arc::clone(&portal.prepared);
                    let reusable = prepared.param_oids.is_empty().then_some(&prepared.reusable);
                    Some((self.start_stream(plan, reusable, &mut guard).await?, tag))
                }
                Statement::Show(name) => {
                    let value = self.settings().get(name)?;
                    let (schema, batch) =
                        single_text_column(&Settings::canonical_name(name), vec![value]);
                    Some((memory_stream(schema, batch)?, TagKind::Show))
                }
                Statement::ShowAll => {
                    let (schema, batch) = show_all_batch(&self.settings());
                    Some((memory_stream(schema, batch)?, TagKind::Show))
                }
                Statement::Fetch { name, count, skip } => {
                    if describe && !skip {
                        let shape = self
                            .cursors
                            .get(name)
                            .map(|c| (c.shape.clone(), c.formats.clone()));
                        if let Some((shape, formats)) = shape {
                            self.describe_rows(Some(&shape), &formats);
                        }
                    }
                    portal.finished = true;
                    return self.fetch(name, *count, *skip, &mut guard).await;
                }
                Statement::CopyOut { query, format } => {
                    portal.finished = true;
                    return self.copy_out(query, *format, &mut guard).await;
                }
                Statement::Declare {
                    name,
                    query,
                    hold,
                    binary,
                } => {
                    portal.finished = true;
                    return self.declare(name, query, *hold, *binary, &mut guard).await;
                }
                _ => None,
            };
            let Some((stream, tag)) = stream else {
                portal.finished = true;
                let tag = self.run_command(&statement)?;
                self.conn.command_complete(&tag);
                return Ok(());
            };
            let shape = shape
                .ok_or_else(|| PgError::new(sqlstate::INTERNAL_ERROR, "result without columns"))?;
            let opts = self.encode_options();
            let encoder = ResultEncoder::new(&shape.schema, &shape.names, &portal.formats, opts)
                .with_origins(&shape.origins);
            if describe {
                encoder.write_row_description(self.conn.out());
            }
            portal.running = Some(Running {
                stream,
                pending: None,
                encoder,
                tag,
            });
        }
        let Some(running) = portal.running.as_mut() else {
            return Ok(());
        };
        let (sent, exhausted) = self.send_rows(running, limit, &mut guard, false).await?;
        crate::metrics::rows_sent(Protocol::Pgwire, sent);
        if exhausted {
            let tag = complete_tag(running.tag, sent);
            portal.running = None;
            portal.finished = true;
            self.conn.command_complete(&tag);
        } else {
            self.conn
                .queue(Backend::PortalSuspended(PortalSuspended::new()));
        }
        Ok(())
    }

    /// Streams up to `limit` rows (0 = all) as DataRows (or skips them for MOVE).
    /// Returns the rows sent and whether the stream is exhausted.
    async fn send_rows(
        &mut self,
        running: &mut Running,
        limit: u64,
        guard: &mut StatementGuard,
        skip: bool,
    ) -> Result<(u64, bool), Failure> {
        let mut sent = 0u64;
        loop {
            if limit > 0 && sent >= limit {
                return Ok((sent, false));
            }
            let batch = match running.pending.take() {
                Some(b) => b,
                None => match guard.run(running.stream.next()).await? {
                    Some(Ok(b)) => b,
                    Some(Err(e)) => return Err(PgError::from_datafusion(&e).into()),
                    None => return Ok((sent, true)),
                },
            };
            let rows = batch.num_rows() as u64;
            if rows == 0 {
                continue;
            }
            let take = if limit > 0 {
                rows.min(limit - sent)
            } else {
                rows
            };
            let batch = if take < rows {
                running.pending = Some(batch.slice(take as usize, (rows - take) as usize));
                batch.slice(0, take as usize)
            } else {
                batch
            };
            if !skip {
                running
                    .encoder
                    .write_data_rows(&batch, self.conn.out())
                    .map_err(|e| PgError::new(sqlstate::INTERNAL_ERROR, e.to_string()))?;
            }
            sent += take;
            if self.conn.out().len() >= FLUSH_AT {
                // Blocked on a client that stopped reading, the statement
                // still ends on cancel or statement_timeout.
                guard.run(self.flush()).await??;
            }
        }
    }

    async fn declare(
        &mut self,
        name: &str,
        query: &DfStatement,
        hold: bool,
        binary: bool,
        guard: &mut StatementGuard,
    ) -> Result<(), Failure> {
        if !hold && self.transaction == Transaction::Idle {
            return Err(PgError::new(
                sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                "DECLARE CURSOR can only be used in transaction blocks",
            )
            .into());
        }
        if self.cursors.contains_key(name) {
            return Err(PgError::new(
                sqlstate::DUPLICATE_CURSOR,
                format!("cursor \"{name}\" already exists"),
            )
            .into());
        }
        let (plan, shape) = self.plan_query(query, &[]).await?;
        let stream = self
            .start_stream(Executable::Logical(plan), None, guard)
            .await?;
        let format = if binary { Format::Binary } else { Format::Text };
        let formats = vec![format; shape.names.len()];
        let opts = self.encode_options();
        let encoder = ResultEncoder::new(&shape.schema, &shape.names, &formats, opts)
            .with_origins(&shape.origins);
        let running = Running {
            stream,
            pending: None,
            encoder,
            tag: TagKind::Fetch,
        };
        self.cursors.insert(
            name.to_string(),
            Cursor {
                running,
                shape,
                formats,
                hold,
            },
        );
        self.conn.command_complete("DECLARE CURSOR");
        Ok(())
    }

    async fn fetch(
        &mut self,
        name: &str,
        count: Option<u64>,
        skip: bool,
        guard: &mut StatementGuard,
    ) -> Result<(), Failure> {
        let mut cursor = self.cursors.remove(name).ok_or_else(|| {
            PgError::new(
                sqlstate::INVALID_CURSOR_NAME,
                format!("cursor \"{name}\" does not exist"),
            )
        })?;
        let limit = count.unwrap_or(0);
        let result = if limit == 0 && count.is_some() {
            Ok((0, false))
        } else {
            self.send_rows(&mut cursor.running, limit, guard, skip)
                .await
        };
        self.cursors.insert(name.to_string(), cursor);
        let (sent, _) = result?;
        let verb = if skip { "MOVE" } else { "FETCH" };
        self.conn.command_complete(&format!("{verb} {sent}"));
        Ok(())
    }

    async fn copy_out(
        &mut self,
        query: &DfStatement,
        format: CopyFormat,
        guard: &mut StatementGuard,
    ) -> Result<(), Failure> {
        let (plan, shape) = self.plan_query(query, &[]).await?;
        let mut stream = self
            .start_stream(Executable::Logical(plan), None, guard)
            .await?;
        let column_format = if format == CopyFormat::Binary {
            Format::Binary
        } else {
            Format::Text
        };
        let formats = vec![column_format; shape.names.len()];
        let opts = self.encode_options();
        let mut encoder = ResultEncoder::new(&shape.schema, &shape.names, &formats, opts);
        let columns = shape.names.len();
        let code = i16::from(format.code());
        let response = CopyOutResponse::new(format.code(), columns as i16, vec![code; columns]);
        self.conn.queue(Backend::CopyOutResponse(response));
        let mut writer = CopyWriter::start(format, &encoder, self.conn.out());
        let mut rows = 0u64;
        while let Some(batch) = guard.run(stream.next()).await? {
            let batch = batch.map_err(|e| PgError::from_datafusion(&e))?;
            writer
                .write_rows(&mut encoder, &batch, self.conn.out())
                .map_err(|e| PgError::new(sqlstate::INTERNAL_ERROR, e.to_string()))?;
            rows += batch.num_rows() as u64;
            if self.conn.out().len() >= FLUSH_AT {
                guard.run(self.flush()).await??;
            }
        }
        writer.finish(self.conn.out());
        self.conn.queue(Backend::CopyDone(CopyDone::new()));
        self.conn.command_complete(&format!("COPY {rows}"));
        Ok(())
    }

    fn warn(&mut self, code: &'static str, message: &str) {
        let notice = PgError::new(code, message).with_severity(Severity::Warning);
        self.conn.send_error(&notice);
    }

    /// Runs a statement that returns no rows; returns its command tag.
    fn run_command(&mut self, statement: &Statement) -> Result<String, PgError> {
        let tag = match statement {
            Statement::Set { name, value, local } => {
                if *local && self.transaction == Transaction::Idle {
                    self.warn(
                        sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                        "SET LOCAL can only be used in transaction blocks",
                    );
                    return Ok("SET".into());
                }
                self.change_settings(*local, |s| match value {
                    Some(v) => s.set(name, v).map(drop),
                    None => s.reset(name).map(drop),
                })?;
                "SET".to_string()
            }
            Statement::Reset(name) => {
                self.change_settings(false, |s| s.reset(name).map(drop))?;
                "RESET".into()
            }
            Statement::ResetAll => {
                self.change_settings(false, |s| {
                    s.reset_all();
                    Ok(())
                })?;
                "RESET".into()
            }
            Statement::SessionAuthorizationDefault { tag } => tag.to_string(),
            Statement::SetRole(role) if *role == self.info.user => "SET".into(),
            Statement::SetRole(role) if role.starts_with("pg_") => {
                return Err(PgError::new(
                    sqlstate::INSUFFICIENT_PRIVILEGE,
                    format!("permission denied to set role \"{role}\""),
                ))
            }
            Statement::SetRole(role) => {
                return Err(PgError::new(
                    sqlstate::UNDEFINED_OBJECT,
                    format!("role \"{role}\" does not exist"),
                ))
            }
            Statement::Discard(kind) => {
                if *kind == DiscardKind::All && self.transaction != Transaction::Idle {
                    return Err(PgError::new(
                        sqlstate::ACTIVE_SQL_TRANSACTION,
                        "DISCARD ALL cannot run inside a transaction block",
                    ));
                }
                match kind {
                    DiscardKind::All => {
                        self.statements.clear();
                        self.portals.clear();
                        self.cursors.clear();
                        self.plans.clear();
                        self.settings().reset_all();
                        "DISCARD ALL"
                    }
                    DiscardKind::Plans => {
                        self.plans.clear();
                        "DISCARD PLANS"
                    }
                    DiscardKind::Sequences => "DISCARD SEQUENCES",
                    DiscardKind::Temp => "DISCARD TEMP",
                }
                .into()
            }
            Statement::Deallocate(None) => {
                self.statements.clear();
                "DEALLOCATE ALL".into()
            }
            Statement::Deallocate(Some(name)) => {
                if self.statements.remove(name).is_none() {
                    return Err(PgError::new(
                        sqlstate::UNDEFINED_PREPARED_STATEMENT,
                        format!("prepared statement \"{name}\" does not exist"),
                    ));
                }
                "DEALLOCATE".into()
            }
            Statement::Listen { tag } => tag.to_string(),
            Statement::Close(None) => {
                self.cursors.clear();
                "CLOSE CURSOR ALL".into()
            }
            Statement::Close(Some(name)) => {
                if self.cursors.remove(name).is_none() {
                    return Err(PgError::new(
                        sqlstate::INVALID_CURSOR_NAME,
                        format!("cursor \"{name}\" does not exist"),
                    ));
                }
                "CLOSE CURSOR".into()
            }
            Statement::Transaction(command) => self.transaction_command(command.clone())?,
            Statement::Refused(e) => return Err(e.clone()),
            Statement::Query(_)
            | Statement::Show(_)
            | Statement::ShowAll
            | Statement::Fetch { .. }
            | Statement::Declare { .. }
            | Statement::CopyOut { .. } => {
                return Err(PgError::new(
                    sqlstate::INTERNAL_ERROR,
                    "row-returning statement run as a command",
                ))
            }
        };
        Ok(tag)
    }

    /// Applies `change` to the settings, undone as the transaction block says.
    fn change_settings(
        &mut self,
        local: bool,
        change: impl Fn(&mut crate::settings::Settings) -> Result<(), PgError>,
    ) -> Result<(), PgError> {
        let info = Arc::clone(&self.info);
        let mut settings = info.settings.lock().unwrap_or_else(|e| e.into_inner());
        self.settings_undo.apply(&mut settings, local, change)
    }

    /// Ends the transaction block's settings: kept (`commit`) or undone.
    fn end_block_settings(&mut self, commit: bool) {
        let info = Arc::clone(&self.info);
        let mut settings = info.settings.lock().unwrap_or_else(|e| e.into_inner());
        if commit {
            self.settings_undo.commit(&mut settings);
        } else {
            self.settings_undo.rollback(&mut settings);
        }
    }

    fn transaction_command(&mut self, command: TransactionCommand) -> Result<String, PgError> {
        use Transaction::*;
        let outside_block = |what: &str| {
            PgError::new(
                sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                format!("{what} can only be used in transaction blocks"),
            )
        };
        let tag = match command {
            TransactionCommand::Begin { tag } => {
                if self.transaction != Idle {
                    self.warn(
                        sqlstate::ACTIVE_SQL_TRANSACTION,
                        "there is already a transaction in progress",
                    );
                } else {
                    // now() is the time the transaction started.
                    self.state.mark_start_execution();
                    let now = self.settings().clone();
                    self.settings_undo.begin(&now);
                }
                self.transaction = InBlock;
                tag
            }
            TransactionCommand::Commit => {
                let tag = match self.transaction {
                    Idle => {
                        self.warn(
                            sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                            "there is no transaction in progress",
                        );
                        "COMMIT"
                    }
                    InBlock => "COMMIT",
                    Failed => "ROLLBACK",
                };
                self.end_block_settings(tag == "COMMIT");
                self.transaction = Idle;
                self.end_transaction();
                tag
            }
            TransactionCommand::Rollback => {
                if self.transaction == Idle {
                    self.warn(
                        sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                        "there is no transaction in progress",
                    );
                }
                self.end_block_settings(false);
                self.transaction = Idle;
                self.end_transaction();
                "ROLLBACK"
            }
            TransactionCommand::Savepoint(name) => {
                if self.transaction == Idle {
                    return Err(outside_block("SAVEPOINT"));
                }
                let now = self.settings().clone();
                self.settings_undo.savepoint(&name, &now);
                "SAVEPOINT"
            }
            TransactionCommand::Release(name) => {
                if self.transaction == Idle {
                    return Err(outside_block("RELEASE SAVEPOINT"));
                }
                self.settings_undo.release(&name)?;
                "RELEASE"
            }
            TransactionCommand::RollbackTo(name) => {
                if self.transaction == Idle {
                    return Err(outside_block("ROLLBACK TO SAVEPOINT"));
                }
                let info = Arc::clone(&self.info);
                let mut settings = info.settings.lock().unwrap_or_else(|e| e.into_inner());
                self.settings_undo.rollback_to(&name, &mut settings)?;
                self.transaction = InBlock;
                "ROLLBACK"
            }
        };
        Ok(tag.to_string())
    }
}

fn memory_stream(
    schema: SchemaRef,
    batch: RecordBatch,
) -> Result<SendableRecordBatchStream, PgError> {
    let stream = MemoryStream::try_new(vec![batch], schema, None)
        .map_err(|e| PgError::from_datafusion(&e))?;
    Ok(Box::pin(stream))
}

fn complete_tag(kind: TagKind, rows: u64) -> String {
    match kind {
        TagKind::Select => format!("SELECT {rows}"),
        TagKind::Fetch => format!("FETCH {rows}"),
        TagKind::Explain => "EXPLAIN".into(),
        TagKind::Show => "SHOW".into(),
    }
}
