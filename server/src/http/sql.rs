//! `POST /api/sql`: one read-only statement under the pgwire endpoint's rules
//! (the same splitter, classifier, planner and SQLSTATEs), its result streamed
//! batch by batch as JSON, CSV or an Arrow IPC stream, chosen by `Accept`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::execution::context::SessionState;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::execute_stream;
use datafusion::scalar::ScalarValue;
use futures::StreamExt;
use serde::Deserialize;
use utoipa::ToSchema;

use super::errors::{ApiError, ApiJson, ErrorBody};
use super::ApiState;
use crate::catalog::functions::SessionInfo;
use crate::encode::copy::{CopyFormat, CopyWriter};
use crate::encode::rows::ResultEncoder;
use crate::encode::types::{PgScalar, PgType};
use crate::encode::{EncodeError, Format};
use crate::errors::{sqlstate, PgError};
use crate::metrics::Protocol;
use crate::settings::{Settings, TimeoutDefaults};
use crate::sql::plan::plan_query;
use crate::sql::statements::{self, Statement};

/// `POST /api/sql`: a statement and its parameters.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlRequest {
    /// One read-only statement; `$1`, `$2`… refer to `params`. An empty
    /// one answers no columns and no rows, as in PostgreSQL.
    pub sql: String,
    /// Parameter values: JSON null, booleans, numbers and strings, each taken
    /// as the type its use in the statement gives it.
    #[schema(schema_with = params_schema)]
    pub params: Option<Vec<serde_json::Value>>,
}

/// `params`: null, or an array of nulls, booleans, numbers and strings.
fn params_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let scalar = SchemaType::from_iter([Type::Null, Type::Boolean, Type::Number, Type::String]);
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(ObjectBuilder::new().schema_type(scalar))
        .build()
}

/// The formats an answer can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Json,
    Csv,
    Arrow,
}

impl Answer {
    const ARROW: &'static str = "application/vnd.apache.arrow.stream";

    /// The first format `Accept` names that we have; JSON when it names none
    /// or allows anything.
    fn from_headers(headers: &HeaderMap) -> Result<Answer, ApiError> {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Ok(Answer::Json);
        };
        for media in accept.split(',') {
            let media = media
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match media.as_str() {
                "application/json" | "*/*" | "application/*" | "" => return Ok(Answer::Json),
                "text/csv" | "text/*" => return Ok(Answer::Csv),
                Answer::ARROW => return Ok(Answer::Arrow),
                _ => {}
            }
        }
        Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            format!(
                "cannot answer as {accept}: ask for application/json, text/csv or {}",
                Answer::ARROW
            ),
        ))
    }

    fn content_type(self) -> &'static str {
        match self {
            Answer::Json => "application/json",
            Answer::Csv => "text/csv; charset=utf-8",
            Answer::Arrow => Answer::ARROW,
        }
    }
}

/// Runs one read-only statement and streams its rows.
///
/// JSON: `{"columns": [{"name", "type"}], "rows": [[…]], "row_count": n}`;
/// booleans and numbers (but `numeric`, `NaN` and infinities, which are
/// strings) are JSON values, `json`/`jsonb` values are embedded, every
/// other value is PostgreSQL's text form, NULL is `null`. CSV is what
/// `COPY (…) TO STDOUT WITH (FORMAT csv, HEADER)` writes. Arrow is an IPC
/// stream with the result's Arrow types. An error after the first bytes
/// aborts the response (the body is incomplete, never silently short).
#[utoipa::path(post, path = "/api/sql", tag = "sql", request_body = SqlRequest,
    responses(
        (status = 200, description = "The rows", content(
            (Object = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.apache.arrow.stream"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 406, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 500, body = ErrorBody),
        (status = 503, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn run(
    State(api): State<ApiState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SqlRequest>,
) -> Result<Response, ApiError> {
    let answer = Answer::from_headers(&headers)?;
    let started = Instant::now();
    match start(&api, &request).await {
        Ok(running) => Ok(stream_answer(running, answer, started)),
        Err((kind, e)) => {
            crate::metrics::statement_ended(Protocol::Http, kind, started.elapsed(), Some(e.code));
            crate::metrics::error_sent(Protocol::Http, e.code);
            tracing::info!(code = e.code, "HTTP statement failed: {}", e.message);
            Err(ApiError::sql(&e))
        }
    }
}

/// A statement started: its stream, result columns and session settings.
struct Running {
    stream: SendableRecordBatchStream,
    schema: SchemaRef,
    names: Vec<String>,
    encoder: ResultEncoder,
    deadline: Option<tokio::time::Instant>,
}

async fn start(api: &ApiState, request: &SqlRequest) -> Result<Running, (&'static str, PgError)> {
    let mut pieces = statements::split(&request.sql).map_err(|e| ("refused", e))?;
    let piece = match pieces.len() {
        1 => pieces.remove(0),
        // PostgreSQL answers an empty query with no columns and no rows.
        0 if request.params.as_ref().is_none_or(Vec::is_empty) => return Ok(empty_answer(api)),
        0 => {
            return Err((
                "refused",
                PgError::protocol("an empty query takes no parameters"),
            ))
        }
        _ => {
            return Err((
                "refused",
                PgError::syntax("cannot insert multiple commands into a prepared statement"),
            ))
        }
    };
    let query = match statements::classify(&piece).map_err(|e| ("refused", e))? {
        Statement::Query(query) => query,
        Statement::Refused(e) => return Err(("refused", e)),
        other => {
            return Err((
                other.kind(),
                PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    "only queries run over HTTP: session statements, cursors and COPY need a PostgreSQL connection",
                ),
            ))
        }
    };
    let timeouts = TimeoutDefaults {
        statement: api.statement_timeout.map_or(0, |d| d.as_millis() as u64),
        ..TimeoutDefaults::default()
    };
    let settings = Settings::new("http", &[], timeouts).map_err(|e| ("query", e))?;
    let opts = {
        let mut opts = settings.encode_options();
        opts.object_names = Some(Arc::clone(api.datasets.engine().registry()) as _);
        opts
    };
    let info = Arc::new(SessionInfo {
        user: "http".into(),
        database: crate::engine::CATALOG.into(),
        pid: 0,
        tls: api.tls,
        settings: std::sync::Mutex::new(settings),
    });
    let state = api.datasets.engine().session_state(&info);
    let deadline = api
        .statement_timeout
        .map(|d| tokio::time::Instant::now() + d);
    let planned = with_deadline(deadline, async {
        let planned = plan_query(&state, &query, &[]).await?;
        let plan = bind(planned.plan, request.params.as_deref())?;
        let stream = execute(plan, &state).await?;
        Ok((planned.schema, planned.names, stream))
    })
    .await
    .map_err(|e| ("query", e))?;
    let (schema, names, stream) = planned;
    let formats = vec![Format::Text; names.len()];
    let encoder = ResultEncoder::new(&schema, &names, &formats, opts);
    Ok(Running {
        stream,
        schema,
        names,
        encoder,
        deadline,
    })
}

fn empty_answer(api: &ApiState) -> Running {
    let schema: SchemaRef = Arc::new(Schema::empty());
    let stream = datafusion::physical_plan::EmptyRecordBatchStream::new(Arc::clone(&schema));
    Running {
        stream: Box::pin(stream),
        encoder: ResultEncoder::new(&schema, &[], &[], Default::default()),
        schema,
        names: Vec::new(),
        deadline: api
            .statement_timeout
            .map(|d| tokio::time::Instant::now() + d),
    }
}

async fn with_deadline<T>(
    deadline: Option<tokio::time::Instant>,
    work: impl std::future::Future<Output = Result<T, PgError>>,
) -> Result<T, PgError> {
    match deadline {
        None => work.await,
        Some(deadline) => tokio::time::timeout_at(deadline, work)
            .await
            .unwrap_or_else(|_| Err(statement_timeout())),
    }
}

fn statement_timeout() -> PgError {
    PgError::new(
        sqlstate::QUERY_CANCELED,
        "canceling statement due to statement timeout",
    )
}

/// Binds the request's parameters, each cast to the type the statement gives it.
fn bind(
    plan: datafusion::logical_expr::LogicalPlan,
    params: Option<&[serde_json::Value]>,
) -> Result<datafusion::logical_expr::LogicalPlan, PgError> {
    let types = plan
        .get_parameter_types()
        .map_err(|e| PgError::from_datafusion(&e))?;
    let params = params.unwrap_or_default();
    if types.len() != params.len() {
        return Err(PgError::protocol(format!(
            "the statement has {} parameters, but {} values were given",
            types.len(),
            params.len()
        )));
    }
    if params.is_empty() {
        return Ok(plan);
    }
    let values = params
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let target = types.get(&format!("${}", i + 1)).cloned().flatten();
            scalar(value, target.as_ref())
        })
        .collect::<Result<Vec<_>, _>>()?;
    plan.with_param_values(ParamValues::List(
        values.into_iter().map(Into::into).collect(),
    ))
    .map_err(|e| PgError::from_datafusion(&e))
}

fn scalar(value: &serde_json::Value, target: Option<&DataType>) -> Result<ScalarValue, PgError> {
    use serde_json::Value;
    let value = match value {
        Value::Null => match target {
            Some(t) => ScalarValue::try_from(t).map_err(|e| PgError::from_datafusion(&e))?,
            None => ScalarValue::Null,
        },
        Value::Bool(b) => ScalarValue::Boolean(Some(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => ScalarValue::Int64(Some(i)),
            None => ScalarValue::Float64(n.as_f64()),
        },
        Value::String(s) => ScalarValue::Utf8(Some(s.clone())),
        Value::Array(_) | Value::Object(_) => {
            return Err(PgError::new(
                sqlstate::INVALID_PARAMETER_VALUE,
                "a parameter is null, a boolean, a number or a string",
            ))
        }
    };
    match target {
        Some(t) if t != &value.data_type() && !value.is_null() => value.cast_to(t).map_err(|_| {
            PgError::new(
                sqlstate::INVALID_TEXT_REPRESENTATION,
                format!("invalid input for a parameter of type {t}: {value}"),
            )
        }),
        _ => Ok(value),
    }
}

async fn execute(
    plan: datafusion::logical_expr::LogicalPlan,
    state: &SessionState,
) -> Result<SendableRecordBatchStream, PgError> {
    let df = |e: datafusion::error::DataFusionError| PgError::from_datafusion(&e);
    let optimized = state.optimize(&plan).map_err(df)?;
    let physical = crate::dialect::subquery_fallback::create_physical_plan(optimized, state)
        .await
        .map_err(df)?;
    execute_stream(physical, state.task_ctx()).map_err(df)
}

/// Streams the answer from a task, so that a client that goes away (the body
/// dropped) stops the query, and the stream never waits on the client for
/// more than one chunk.
fn stream_answer(running: Running, answer: Answer, started: Instant) -> Response {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    tokio::spawn(async move {
        let outcome = produce(running, answer, &tx).await;
        let (rows, error) = match outcome {
            Ok(rows) => (rows, None),
            Err(e) => {
                tracing::info!(
                    code = e.code,
                    "HTTP statement failed while streaming: {}",
                    e.message
                );
                crate::metrics::error_sent(Protocol::Http, e.code);
                let _ = tx.send(Err(std::io::Error::other(e.message.clone()))).await;
                (0, Some(e.code))
            }
        };
        crate::metrics::rows_sent(Protocol::Http, rows);
        crate::metrics::statement_ended(Protocol::Http, "query", started.elapsed(), error);
    });
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    ([(header::CONTENT_TYPE, answer.content_type())], body).into_response()
}

async fn produce(
    mut running: Running,
    answer: Answer,
    tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<u64, PgError> {
    let mut writer = ResultWriter::new(answer, &running)?;
    let mut buf = BytesMut::new();
    writer.start(&running, &mut buf);
    let mut rows = 0u64;
    loop {
        let next =
            with_deadline(running.deadline, async { Ok(running.stream.next().await) }).await?;
        let Some(batch) = next else { break };
        let batch = batch.map_err(|e| PgError::from_datafusion(&e))?;
        rows += batch.num_rows() as u64;
        writer
            .write(&mut running.encoder, &batch, &mut buf)
            .map_err(|e| PgError::new(sqlstate::INTERNAL_ERROR, e.to_string()))?;
        if buf.len() >= 64 * 1024 {
            send(tx, &mut buf).await?;
        }
    }
    writer.finish(rows, &mut buf);
    send(tx, &mut buf).await?;
    Ok(rows)
}

async fn send(
    tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: &mut BytesMut,
) -> Result<(), PgError> {
    let bytes = buf.split().freeze();
    crate::metrics::bytes_sent(Protocol::Http, bytes.len() as u64);
    tx.send(Ok(bytes)).await.map_err(|_| {
        PgError::new(
            sqlstate::CONNECTION_FAILURE,
            "the client went away before the answer was complete",
        )
    })
}

/// Writes one answer format.
enum ResultWriter {
    Json { first_row: bool },
    Csv(Option<CopyWriter>),
    Arrow(Box<StreamWriter<Vec<u8>>>, SchemaRef),
}

impl ResultWriter {
    fn new(answer: Answer, running: &Running) -> Result<ResultWriter, PgError> {
        Ok(match answer {
            Answer::Json => ResultWriter::Json { first_row: true },
            Answer::Csv => ResultWriter::Csv(None),
            Answer::Arrow => {
                let fields: Vec<Field> = running
                    .schema
                    .fields()
                    .iter()
                    .zip(&running.names)
                    .map(|(f, name)| f.as_ref().clone().with_name(name))
                    .collect();
                let schema = Arc::new(Schema::new(fields));
                let writer = StreamWriter::try_new(Vec::new(), &schema)
                    .map_err(|e| PgError::new(sqlstate::INTERNAL_ERROR, e.to_string()))?;
                ResultWriter::Arrow(Box::new(writer), schema)
            }
        })
    }

    fn start(&mut self, running: &Running, buf: &mut BytesMut) {
        match self {
            ResultWriter::Json { .. } => {
                buf.extend_from_slice(b"{\"columns\":[");
                for (i, column) in running.encoder.columns().iter().enumerate() {
                    if i > 0 {
                        buf.extend_from_slice(b",");
                    }
                    let name = serde_json::to_string(&column.name).unwrap_or_default();
                    let type_name =
                        crate::catalog::builtin_types::type_by_oid(column.pg_type.oid())
                            .map_or_else(|| column.pg_type.oid().to_string(), |t| t.name);
                    buf.extend_from_slice(
                        format!("{{\"name\":{name},\"type\":\"{type_name}\"}}").as_bytes(),
                    );
                }
                buf.extend_from_slice(b"],\"rows\":[");
            }
            ResultWriter::Csv(writer) => {
                *writer = Some(CopyWriter::start_unframed(
                    CopyFormat::Csv { header: true },
                    &running.encoder,
                    buf,
                ));
            }
            ResultWriter::Arrow(writer, _) => take(writer, buf),
        }
    }

    fn write(
        &mut self,
        encoder: &mut ResultEncoder,
        batch: &RecordBatch,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        match self {
            ResultWriter::Json { first_row } => {
                encoder.encode_batch(batch)?;
                let kinds: Vec<PgType> = encoder.columns().iter().map(|c| c.pg_type).collect();
                for row in 0..batch.num_rows() {
                    if !std::mem::take(first_row) {
                        buf.extend_from_slice(b",");
                    }
                    buf.extend_from_slice(b"[");
                    for (i, (column, kind)) in encoder.encoded().iter().zip(&kinds).enumerate() {
                        if i > 0 {
                            buf.extend_from_slice(b",");
                        }
                        write_json_value(column.cell(row), *kind, buf);
                    }
                    buf.extend_from_slice(b"]");
                }
                Ok(())
            }
            ResultWriter::Csv(writer) => match writer {
                Some(w) => w.write_rows(encoder, batch, buf),
                None => Ok(()),
            },
            ResultWriter::Arrow(writer, schema) => {
                let described = cast_to(batch, schema)?;
                writer.write(&described)?;
                take(writer, buf);
                Ok(())
            }
        }
    }

    fn finish(&mut self, rows: u64, buf: &mut BytesMut) {
        match self {
            ResultWriter::Json { .. } => {
                buf.extend_from_slice(format!("],\"row_count\":{rows}}}").as_bytes());
            }
            ResultWriter::Csv(writer) => {
                if let Some(w) = writer.take() {
                    w.finish(buf);
                }
            }
            ResultWriter::Arrow(writer, _) => {
                if let Err(e) = writer.finish() {
                    tracing::error!("Arrow stream not finished: {e}");
                }
                take(writer, buf);
            }
        }
    }
}

/// Moves what the Arrow writer has written so far into `buf`.
fn take(writer: &mut StreamWriter<Vec<u8>>, buf: &mut BytesMut) {
    buf.extend_from_slice(&std::mem::take(writer.get_mut()));
}

/// `batch` with the answer's column names and described types.
fn cast_to(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, EncodeError> {
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(array, field)| {
            if array.data_type() == field.data_type() {
                Ok(Arc::clone(array))
            } else {
                datafusion::arrow::compute::cast(array, field.data_type())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

/// One value of a JSON answer, from its PostgreSQL text form.
fn write_json_value(text: Option<&[u8]>, kind: PgType, buf: &mut BytesMut) {
    let Some(text) = text else {
        return buf.extend_from_slice(b"null");
    };
    match kind {
        PgType::Scalar(PgScalar::Bool) => {
            buf.extend_from_slice(if text == b"t" { b"true" } else { b"false" })
        }
        PgType::Scalar(
            PgScalar::Int2 | PgScalar::Int4 | PgScalar::Int8 | PgScalar::Oid | PgScalar::Xid,
        ) => buf.extend_from_slice(text),
        PgType::Scalar(PgScalar::Float4 | PgScalar::Float8)
            if text
                .iter()
                .all(|c| c.is_ascii_digit() || b"+-.e".contains(c)) =>
        {
            buf.extend_from_slice(text)
        }
        PgType::Scalar(PgScalar::Json | PgScalar::Jsonb) => buf.extend_from_slice(text),
        _ => {
            let text = String::from_utf8_lossy(text);
            let quoted = serde_json::to_string(text.as_ref()).unwrap_or_default();
            buf.extend_from_slice(quoted.as_bytes());
        }
    }
}
