//! PostgreSQL errors: the SQLSTATE and message a client receives, and the one
//! place where engine errors are mapped to SQLSTATEs (SPEC §5).

use std::fmt;

use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;

/// SQLSTATE codes used by the server (from PG's `errcodes.txt`).
pub mod sqlstate {
    #![allow(missing_docs)]
    pub const SUCCESSFUL_COMPLETION: &str = "00000";
    pub const ACTIVE_SQL_TRANSACTION: &str = "25001";
    pub const NO_ACTIVE_SQL_TRANSACTION: &str = "25P01";
    pub const IN_FAILED_SQL_TRANSACTION: &str = "25P02";
    pub const READ_ONLY_SQL_TRANSACTION: &str = "25006";
    pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
    pub const SYNTAX_ERROR: &str = "42601";
    pub const UNDEFINED_TABLE: &str = "42P01";
    pub const UNDEFINED_COLUMN: &str = "42703";
    /// A function name that names more than one function.
    pub const AMBIGUOUS_FUNCTION: &str = "42725";
    pub const UNDEFINED_FUNCTION: &str = "42883";
    /// The role lacks a privilege.
    pub const INSUFFICIENT_PRIVILEGE: &str = "42501";
    /// An object of another kind than the statement needs.
    pub const WRONG_OBJECT_TYPE: &str = "42809";
    pub const UNDEFINED_OBJECT: &str = "42704";
    pub const DATATYPE_MISMATCH: &str = "42804";
    pub const CANNOT_COERCE: &str = "42846";
    pub const AMBIGUOUS_COLUMN: &str = "42702";
    pub const DUPLICATE_PREPARED_STATEMENT: &str = "42P05";
    pub const DUPLICATE_CURSOR: &str = "42P03";
    pub const UNDEFINED_PREPARED_STATEMENT: &str = "26000";
    pub const INVALID_CURSOR_NAME: &str = "34000";
    /// A regular expression that does not compile.
    pub const INVALID_REGULAR_EXPRESSION: &str = "2201B";
    pub const INVALID_PARAMETER_VALUE: &str = "22023";
    pub const NULL_VALUE_NOT_ALLOWED: &str = "22004";
    pub const INVALID_SAVEPOINT_SPECIFICATION: &str = "3B001";
    pub const CANT_CHANGE_RUNTIME_PARAM: &str = "55P02";
    pub const DIVISION_BY_ZERO: &str = "22012";
    pub const INVALID_TEXT_REPRESENTATION: &str = "22P02";
    pub const NUMERIC_VALUE_OUT_OF_RANGE: &str = "22003";
    pub const DATETIME_FIELD_OVERFLOW: &str = "22008";
    pub const INVALID_BINARY_REPRESENTATION: &str = "22P03";
    pub const DATA_EXCEPTION: &str = "22000";
    pub const QUERY_CANCELED: &str = "57014";
    pub const OUT_OF_MEMORY: &str = "53200";
    pub const TOO_MANY_CONNECTIONS: &str = "53300";
    pub const PROTOCOL_VIOLATION: &str = "08P01";
    pub const INVALID_AUTHORIZATION: &str = "28000";
    pub const INVALID_PASSWORD: &str = "28P01";
    pub const INTERNAL_ERROR: &str = "XX000";
    pub const ADMIN_SHUTDOWN: &str = "57P01";
    pub const IDLE_SESSION_TIMEOUT: &str = "57P05";
    pub const IDLE_IN_TRANSACTION_SESSION_TIMEOUT: &str = "25P03";
    pub const CONNECTION_FAILURE: &str = "08006";
    pub const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
    pub const INDETERMINATE_DATATYPE: &str = "42P18";
    pub const INVALID_SCHEMA_NAME: &str = "3F000";
    pub const CARDINALITY_VIOLATION: &str = "21000";
}

/// Severity of an ErrorResponse or NoticeResponse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Ends the statement.
    Error,
    /// Ends the connection.
    Fatal,
    /// A notice that does not stop anything.
    Warning,
    /// An informational notice.
    Notice,
}

impl Severity {
    /// The severity word on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
        }
    }
}

/// An error (or notice) as the client receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgError {
    /// ERROR, FATAL, WARNING…
    pub severity: Severity,
    /// The five-character SQLSTATE.
    pub code: &'static str,
    /// The primary human-readable message.
    pub message: String,
    /// Optional detail line.
    pub detail: Option<String>,
    /// 1-based character position in the query text, when known.
    pub position: Option<usize>,
}

impl PgError {
    /// An ERROR with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> PgError {
        PgError {
            severity: Severity::Error,
            code,
            message: message.into(),
            detail: None,
            position: None,
        }
    }

    /// The same error with another severity.
    pub fn with_severity(mut self, severity: Severity) -> PgError {
        self.severity = severity;
        self
    }

    /// The same error with a detail line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> PgError {
        self.detail = Some(detail.into());
        self
    }

    /// The error PG gives for a statement that would write: 25006.
    pub fn read_only(command: &str) -> PgError {
        PgError::new(
            sqlstate::READ_ONLY_SQL_TRANSACTION,
            format!("cannot execute {command} in a read-only transaction"),
        )
    }

    /// A 42601 syntax error.
    pub fn syntax(message: impl Into<String>) -> PgError {
        PgError::new(sqlstate::SYNTAX_ERROR, message)
    }

    /// A 0A000 unsupported feature.
    pub fn unsupported(message: impl Into<String>) -> PgError {
        PgError::new(sqlstate::FEATURE_NOT_SUPPORTED, message)
    }

    /// A 08P01 protocol violation.
    pub fn protocol(message: impl Into<String>) -> PgError {
        PgError::new(sqlstate::PROTOCOL_VIOLATION, message)
    }

    /// Wraps the error so it can travel through DataFusion (from a UDF) and come
    /// back out of [`PgError::from_datafusion`] unchanged.
    pub fn into_datafusion(self) -> DataFusionError {
        DataFusionError::External(Box::new(self))
    }

    /// Maps an engine error to the SQLSTATE and message PG would give.
    pub fn from_datafusion(error: &DataFusionError) -> PgError {
        match error {
            DataFusionError::External(inner) => {
                if let Some(pg) = inner.downcast_ref::<PgError>() {
                    return pg.clone();
                }
                PgError::new(sqlstate::DATA_EXCEPTION, inner.to_string())
            }
            DataFusionError::Context(_, inner) => PgError::from_datafusion(inner),
            DataFusionError::Shared(inner) => PgError::from_datafusion(inner),
            DataFusionError::Diagnostic(_, inner) => PgError::from_datafusion(inner),
            DataFusionError::Collection(errors) => match errors.first() {
                Some(first) => PgError::from_datafusion(first),
                None => PgError::new(sqlstate::INTERNAL_ERROR, "unknown error"),
            },
            DataFusionError::ArrowError(arrow, _) => from_arrow(arrow),
            DataFusionError::SQL(parser, _) => PgError::syntax(clean(&parser.to_string())),
            DataFusionError::SchemaError(schema, _) => {
                let text = schema.to_string();
                let code = if text.contains("No field named") {
                    sqlstate::UNDEFINED_COLUMN
                } else if text.contains("Ambiguous reference") {
                    sqlstate::AMBIGUOUS_COLUMN
                } else {
                    sqlstate::SYNTAX_ERROR
                };
                PgError::new(
                    code,
                    undefined_column_message(&text).unwrap_or_else(|| clean(&text)),
                )
            }
            DataFusionError::Plan(msg) => from_message(msg, sqlstate::SYNTAX_ERROR),
            DataFusionError::NotImplemented(msg) => PgError::unsupported(clean(msg)),
            DataFusionError::ResourcesExhausted(msg) => PgError {
                detail: Some(clean(msg)),
                ..PgError::new(sqlstate::OUT_OF_MEMORY, "out of memory")
            },
            DataFusionError::Execution(msg) => from_message(msg, sqlstate::DATA_EXCEPTION),
            DataFusionError::ExecutionJoin(e) => {
                PgError::new(sqlstate::INTERNAL_ERROR, e.to_string())
            }
            DataFusionError::IoError(e) => PgError::new(
                sqlstate::INTERNAL_ERROR,
                format!("could not read data: {e}"),
            ),
            DataFusionError::ParquetError(e) => PgError::new(
                sqlstate::INTERNAL_ERROR,
                format!("could not read data: {e}"),
            ),
            other => {
                let text = other.to_string();
                from_message(&text, sqlstate::INTERNAL_ERROR)
            }
        }
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({})",
            self.severity.as_str(),
            self.message,
            self.code
        )
    }
}

impl std::error::Error for PgError {}

impl From<DataFusionError> for PgError {
    fn from(e: DataFusionError) -> PgError {
        PgError::from_datafusion(&e)
    }
}

fn from_arrow(e: &ArrowError) -> PgError {
    match e {
        ArrowError::DivideByZero => PgError::new(sqlstate::DIVISION_BY_ZERO, "division by zero"),
        ArrowError::ArithmeticOverflow(m) => PgError::new(
            sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
            format!("value out of range: {}", clean(m)),
        ),
        ArrowError::CastError(m) | ArrowError::ParseError(m) => {
            from_message(m, sqlstate::INVALID_TEXT_REPRESENTATION)
        }
        ArrowError::ExternalError(inner) => match inner.downcast_ref::<DataFusionError>() {
            Some(df) => PgError::from_datafusion(df),
            None => PgError::new(sqlstate::DATA_EXCEPTION, inner.to_string()),
        },
        ArrowError::MemoryError(m) => PgError::new(sqlstate::OUT_OF_MEMORY, clean(m)),
        other => PgError::new(sqlstate::DATA_EXCEPTION, clean(&other.to_string())),
    }
}

/// A [`PgError`] that DataFusion turned into text inside its own error (a
/// UDF's `coerce_types` refusal becomes "… coercion failed with: External
/// error: ERROR: function round(text) does not exist (42883)"), as it was.
fn embedded_pg_error(m: &str) -> Option<PgError> {
    let (_, rest) = m.split_once("External error: ERROR: ")?;
    let known = [
        sqlstate::UNDEFINED_FUNCTION,
        sqlstate::FEATURE_NOT_SUPPORTED,
        sqlstate::INVALID_PARAMETER_VALUE,
        sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
        sqlstate::DATATYPE_MISMATCH,
    ];
    known.into_iter().find_map(|code| {
        let (message, _) = rest.split_once(&format!(" ({code})"))?;
        Some(PgError::new(code, message))
    })
}

/// Classifies DataFusion's free-text plan and execution errors.
fn from_message(msg: &str, fallback: &'static str) -> PgError {
    let m = msg;
    if let Some(embedded) = embedded_pg_error(m) {
        return embedded;
    }
    if let Some(name) = between(m, "table '", "' not found") {
        let table = name.rsplit('.').next().unwrap_or(name);
        return PgError::new(
            sqlstate::UNDEFINED_TABLE,
            format!("relation \"{table}\" does not exist"),
        );
    }
    if let Some(name) = between(m, "Invalid function '", "'") {
        return PgError::new(
            sqlstate::UNDEFINED_FUNCTION,
            format!("function {name} does not exist"),
        );
    }
    if m.contains("Divide by zero") || m.contains("division by zero") {
        return PgError::new(sqlstate::DIVISION_BY_ZERO, "division by zero");
    }
    // Arrow's wording for a number that does not fit the target type.
    if m.contains("overflow")
        || m.contains("Overflow")
        || m.contains("out of range")
        || m.contains("Can't cast value")
    {
        return PgError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, clean(m));
    }
    if m.contains("Cannot cast")
        || m.contains("Cast error")
        || m.contains("Error parsing")
        || m.contains("Unable to parse")
    {
        return PgError::new(sqlstate::INVALID_TEXT_REPRESENTATION, clean(m));
    }
    if m.contains("No function matches")
        || m.contains("does not support")
        || m.contains("Failed to coerce")
        || m.contains("Cannot infer common")
        || m.contains("coercion")
        || m.contains("Cannot coerce arithmetic")
    {
        let code = if m.contains("No function matches")
            || m.contains("Failed to coerce arguments")
            || m.contains("Cannot coerce arithmetic")
        {
            sqlstate::UNDEFINED_FUNCTION
        } else {
            sqlstate::DATATYPE_MISMATCH
        };
        return PgError::new(code, clean(m));
    }
    if m.contains("Unsupported") || m.contains("not supported") || m.contains("not implemented") {
        return PgError::unsupported(clean(m));
    }
    if let Some(text) = undefined_column_message(m) {
        return PgError::new(sqlstate::UNDEFINED_COLUMN, text);
    }
    if m.contains("Resources exhausted") {
        return PgError::new(sqlstate::OUT_OF_MEMORY, clean(m));
    }
    PgError::new(fallback, clean(m))
}

/// `Schema error: No field named nope. Valid fields are …` → `column "nope" does not exist`.
fn undefined_column_message(m: &str) -> Option<String> {
    let start = m.find("No field named ")? + "No field named ".len();
    let rest = &m[start..];
    let name = rest
        .split(". Valid fields")
        .next()
        .unwrap_or(rest)
        .trim()
        .trim_end_matches('.');
    Some(format!(
        "column \"{}\" does not exist",
        name.replace('"', "")
    ))
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

/// Strips DataFusion's error-kind prefixes and trailing context lines.
fn clean(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg);
    let mut s = first.trim();
    for prefix in [
        "Error during planning: ",
        "Execution error: ",
        "Arrow error: ",
        "SQL error: ",
        "ParserError(\"",
        "Schema error: ",
        "This feature is not implemented: ",
        "Invalid argument error: ",
        "Cast error: ",
        "Parser error: ",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    s.trim_end_matches("\")").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_table_maps_to_42p01() {
        let e = DataFusionError::Plan("table 'datapress.public.nope' not found".into());
        let pg = PgError::from_datafusion(&e);
        assert_eq!(pg.code, "42P01");
        assert_eq!(pg.message, "relation \"nope\" does not exist");
    }

    #[test]
    fn division_by_zero_maps_to_22012() {
        let e = DataFusionError::ArrowError(Box::new(ArrowError::DivideByZero), None);
        assert_eq!(PgError::from_datafusion(&e).code, "22012");
    }

    #[test]
    fn pg_errors_survive_a_trip_through_datafusion() {
        let e =
            PgError::new("42704", "unrecognized configuration parameter \"x\"").into_datafusion();
        assert_eq!(PgError::from_datafusion(&e).code, "42704");
    }

    #[test]
    fn a_pg_error_datafusion_wrote_into_its_message_is_read_back() {
        let e = DataFusionError::Plan("Function 'round' user-defined coercion failed with: External error: ERROR: function round(text) does not exist (42883). No function matches the given name and argument types 'round(Utf8)'.".into());
        let pg = PgError::from_datafusion(&e);
        assert_eq!(pg.code, "42883");
        assert_eq!(pg.message, "function round(text) does not exist");
    }
}
