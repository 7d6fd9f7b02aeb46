//! PostgreSQL functions clients call on connect (`version()`, `current_setting()`,
//! `current_database()`, …) as DataFusion scalar UDFs. Functions that depend on
//! the connection read the session's shared [`SessionInfo`].

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};

use crate::encode::types::PG_TYPE_METADATA;
use crate::errors::PgError;
use crate::settings::{Settings, SERVER_VERSION};

/// What the functions of one connection know about it.
#[derive(Debug)]
pub struct SessionInfo {
    /// The authenticated user.
    pub user: String,
    /// The database name the client asked for.
    pub database: String,
    /// The connection's process id (BackendKeyData).
    pub pid: i32,
    /// Whether the connection is encrypted with TLS.
    pub tls: bool,
    /// The session's settings, shared with SET/SHOW.
    pub settings: Mutex<Settings>,
}

impl SessionInfo {
    /// The session's TimeZone now (SET changes it between statements).
    pub fn time_zone(&self) -> crate::encode::SessionTimeZone {
        let settings = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        settings.encode_options().time_zone
    }
}

type Body = dyn Fn(&SessionInfo, &[ColumnarValue], usize) -> Result<ColumnarValue> + Send + Sync;

/// A scalar function whose body is a closure over the session.
struct SessionFunction {
    name: &'static str,
    signature: Signature,
    return_type: DataType,
    /// The PG type the result is sent as when the Arrow type alone is ambiguous (`oid`).
    pg_type: Option<&'static str>,
    session: Arc<SessionInfo>,
    body: Box<Body>,
}

impl std::fmt::Debug for SessionFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionFunction({})", self.name)
    }
}

impl PartialEq for SessionFunction {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.session, &other.session)
    }
}
impl Eq for SessionFunction {}
impl Hash for SessionFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for SessionFunction {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(self.return_type.clone())
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        let field = Field::new(self.name, self.return_type.clone(), true);
        Ok(Arc::new(match self.pg_type {
            Some(tag) => field.with_metadata(std::collections::HashMap::from([(
                PG_TYPE_METADATA.to_string(),
                tag.to_string(),
            )])),
            None => field,
        }))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        (self.body)(&self.session, &args.args, args.number_rows)
    }
}

/// The schemas of the session's `search_path` that exist, in order
/// (`"$user"` names a schema called as the user, which there never is).
fn schemas_on_search_path(session: &SessionInfo) -> Vec<String> {
    let path = session
        .settings
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get("search_path")
        .unwrap_or_default();
    path.split(',')
        .map(|name| {
            let name = name.trim();
            match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => name.to_ascii_lowercase(),
            }
        })
        .filter(|name| ["pg_catalog", "public", "information_schema"].contains(&name.as_str()))
        .collect()
}

/// A text scalar.
pub(super) fn utf8(value: impl Into<String>) -> ColumnarValue {
    ColumnarValue::Scalar(ScalarValue::Utf8(Some(value.into())))
}

/// A scalar UDF named `name` whose body sees the session.
pub(super) fn function(
    session: &Arc<SessionInfo>,
    name: &'static str,
    args: TypeSignature,
    return_type: DataType,
    volatility: Volatility,
    body: impl Fn(&SessionInfo, &[ColumnarValue], usize) -> Result<ColumnarValue>
        + Send
        + Sync
        + 'static,
) -> ScalarUDF {
    ScalarUDF::new_from_impl(SessionFunction {
        name,
        signature: Signature::new(args, volatility),
        return_type,
        pg_type: None,
        session: Arc::clone(session),
        body: Box::new(body),
    })
}

/// As [`function`], for a function whose result has a PG type that its Arrow
/// type alone does not tell: `oid` or `xid` (a UInt32) or `name` (text).
pub(super) fn typed_function(
    session: &Arc<SessionInfo>,
    name: &'static str,
    args: TypeSignature,
    pg_type: &'static str,
    body: impl Fn(&SessionInfo, &[ColumnarValue], usize) -> Result<ColumnarValue>
        + Send
        + Sync
        + 'static,
) -> ScalarUDF {
    let return_type = if matches!(
        pg_type,
        "oid" | "xid" | "regtype" | "regclass" | "regproc" | "regnamespace"
    ) {
        DataType::UInt32
    } else {
        DataType::Utf8
    };
    ScalarUDF::new_from_impl(SessionFunction {
        name,
        signature: Signature::new(args, Volatility::Stable),
        return_type,
        pg_type: Some(pg_type),
        session: Arc::clone(session),
        body: Box::new(body),
    })
}

/// Evaluates a text function of text arguments row by row (scalars stay scalars).
pub(super) fn map_text_rows(
    args: &[ColumnarValue],
    rows: usize,
    mut f: impl FnMut(&[Option<&str>]) -> Result<Option<String>>,
) -> Result<ColumnarValue> {
    if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        let values: Vec<Option<String>> = args
            .iter()
            .map(|a| match a {
                ColumnarValue::Scalar(s) => scalar_text(s),
                ColumnarValue::Array(_) => None,
            })
            .collect();
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(f(&refs)?)));
    }
    let arrays: Vec<ArrayRef> = args
        .iter()
        .map(|a| a.to_array(rows))
        .collect::<Result<_>>()?;
    let arrays: Vec<ArrayRef> = arrays
        .iter()
        .map(|a| datafusion::arrow::compute::cast(a, &DataType::Utf8))
        .collect::<std::result::Result<_, _>>()?;
    let mut out = StringBuilder::new();
    for row in 0..rows {
        let refs: Vec<Option<&str>> = arrays
            .iter()
            .map(|a| {
                let s = a.as_string::<i32>();
                (!s.is_null(row)).then(|| s.value(row))
            })
            .collect();
        out.append_option(f(&refs)?);
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish())))
}

fn scalar_text(s: &ScalarValue) -> Option<String> {
    if s.is_null() {
        return None;
    }
    match s {
        ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => v.clone(),
        ScalarValue::Boolean(Some(b)) => Some(if *b { "true".into() } else { "false".into() }),
        other => Some(other.to_string()),
    }
}

fn truthy(v: Option<&str>) -> bool {
    matches!(
        v.map(|s| s.to_ascii_lowercase()).as_deref(),
        Some("true" | "t" | "on" | "1" | "yes")
    )
}

/// The `version()` string: PG-shaped so version parsers accept it.
pub fn version_string() -> String {
    format!(
        "PostgreSQL {SERVER_VERSION} (DataPress {}, DataFusion {}) on {}-linux, 64-bit",
        env!("CARGO_PKG_VERSION"),
        datafusion::DATAFUSION_VERSION,
        std::env::consts::ARCH
    )
}

/// All functions of one session, to register in its DataFusion state.
pub fn session_functions(session: &Arc<SessionInfo>) -> Vec<ScalarUDF> {
    use DataType::{Boolean, Int32, Utf8};
    use Volatility::{Stable, Volatile};
    let none = || TypeSignature::Exact(vec![]);
    let text_list = |n| TypeSignature::Exact(vec![Utf8; n]);
    // current_schemas() is name[] in PG.
    let schema_name = Arc::new(Field::new("item", Utf8, true).with_metadata(
        std::collections::HashMap::from([(PG_TYPE_METADATA.to_string(), "name".to_string())]),
    ));
    let list_type = DataType::List(Arc::clone(&schema_name));
    let mut functions = vec![
        function(session, "version", none(), Utf8, Stable, |_, _, _| {
            Ok(utf8(version_string()))
        }),
        typed_function(session, "current_database", none(), "name", |s, _, _| {
            Ok(utf8(&s.database))
        }),
        typed_function(session, "current_catalog", none(), "name", |s, _, _| {
            Ok(utf8(&s.database))
        }),
        typed_function(session, "current_schema", none(), "name", |s, _, _| {
            Ok(ColumnarValue::Scalar(ScalarValue::Utf8(
                schemas_on_search_path(s).into_iter().next(),
            )))
        }),
        function(
            session,
            "current_schemas",
            TypeSignature::Exact(vec![Boolean]),
            list_type,
            Stable,
            move |s, args, _| {
                let implicit = matches!(
                    args.first(),
                    Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
                );
                let mut names = schemas_on_search_path(s);
                // pg_catalog is searched first when the path does not name it.
                if implicit && !names.iter().any(|n| n == "pg_catalog") {
                    names.insert(0, "pg_catalog".into());
                }
                let list = datafusion::arrow::array::ListArray::new(
                    Arc::clone(&schema_name),
                    datafusion::arrow::buffer::OffsetBuffer::from_lengths([names.len()]),
                    Arc::new(datafusion::arrow::array::StringArray::from(names)),
                    None,
                );
                Ok(ColumnarValue::Scalar(ScalarValue::List(Arc::new(list))))
            },
        ),
        function(
            session,
            "pg_backend_pid",
            none(),
            Int32,
            Stable,
            |s, _, _| Ok(ColumnarValue::Scalar(ScalarValue::Int32(Some(s.pid)))),
        ),
        function(
            session,
            "pg_is_in_recovery",
            none(),
            Boolean,
            Stable,
            |_, _, _| Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(false)))),
        ),
        function(
            session,
            "pg_advisory_unlock_all",
            none(),
            Utf8,
            Volatile,
            |_, _, _| Ok(utf8("")),
        ),
        function(
            session,
            "current_setting",
            TypeSignature::OneOf(vec![
                text_list(1),
                TypeSignature::Exact(vec![Utf8, Boolean]),
            ]),
            Utf8,
            Stable,
            |s, args, rows| {
                map_text_rows(args, rows, |v| {
                    let Some(name) = v[0] else { return Ok(None) };
                    let settings = s.settings.lock().unwrap_or_else(|e| e.into_inner());
                    match settings.get(name) {
                        Ok(value) => Ok(Some(value)),
                        Err(_) if truthy(v.get(1).copied().flatten()) => Ok(None),
                        Err(e) => Err(e.into_datafusion()),
                    }
                })
            },
        ),
        function(
            session,
            "set_config",
            TypeSignature::Exact(vec![Utf8, Utf8, Boolean]),
            Utf8,
            Volatile,
            |s, args, rows| {
                map_text_rows(args, rows, |v| {
                    let (Some(name), Some(value)) = (v[0], v[1]) else {
                        return Err(PgError::new(
                            crate::errors::sqlstate::INVALID_PARAMETER_VALUE,
                            "SET requires parameter name",
                        )
                        .into_datafusion());
                    };
                    let mut settings = s.settings.lock().unwrap_or_else(|e| e.into_inner());
                    settings
                        .set(name, value)
                        .map_err(PgError::into_datafusion)?;
                    Ok(Some(settings.get(name).map_err(PgError::into_datafusion)?))
                })
            },
        ),
    ];
    // `user` is PG's SQL-standard spelling of `current_user`.
    functions
        .extend(["current_user", "session_user", "user"].map(|name| {
            typed_function(session, name, none(), "name", |s, _, _| Ok(utf8(&s.user)))
        }));
    functions
}
