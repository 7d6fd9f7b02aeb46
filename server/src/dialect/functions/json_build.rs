//! `json_build_object(key, value, …)` as PostgreSQL builds it: a `json`
//! value (not text) whose values keep their JSON kinds — numbers and
//! booleans bare, NULL as `null`, json and jsonb embedded, dates and
//! timestamps as ISO 8601 strings, anything else as the string of its output
//! text — written `{"key" : value, …}`. Superset's column query (through
//! SQLAlchemy) reads it as json.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

use crate::catalog::functions::SessionInfo;
use crate::encode::column::{encode_column, EncodedColumn};
use crate::encode::types::{pg_type_of, PgScalar, PgType, EXTENSION_NAME};
use crate::encode::Format;
use crate::errors::{sqlstate, PgError};

/// The function for one session (its TimeZone shapes timestamptz values).
#[derive(Debug)]
pub struct JsonBuildObject {
    signature: Signature,
    session: Arc<SessionInfo>,
}

impl JsonBuildObject {
    /// `json_build_object` for `session`.
    pub fn new(session: Arc<SessionInfo>) -> JsonBuildObject {
        JsonBuildObject {
            signature: Signature::one_of(
                vec![TypeSignature::Nullary, TypeSignature::VariadicAny],
                Volatility::Stable,
            ),
            session,
        }
    }
}

impl PartialEq for JsonBuildObject {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.session, &other.session)
    }
}
impl Eq for JsonBuildObject {}
impl Hash for JsonBuildObject {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

/// How a value of a PG type is written into JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonKind {
    /// Its output text as it is (numbers, json, jsonb, booleans).
    Bare,
    /// Its output text, quoted, with the space before the time turned into
    /// `T` and a `+00` offset written `+00:00` (dates and timestamps).
    IsoString,
    /// Its output text as a JSON string.
    String,
}

fn json_kind(pg_type: PgType) -> JsonKind {
    use PgScalar::*;
    match pg_type {
        PgType::Scalar(
            Int2 | Int4 | Int8 | Float4 | Float8 | Numeric | Oid | Bool | Json | Jsonb,
        ) => JsonKind::Bare,
        PgType::Scalar(Date | Timestamp | Timestamptz) => JsonKind::IsoString,
        _ => JsonKind::String,
    }
}

/// One value as JSON, from its PG output text.
fn json_value(text: &str, kind: JsonKind, pg_type: PgType) -> String {
    let quoted = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    match kind {
        JsonKind::Bare if pg_type == PgType::Scalar(PgScalar::Bool) => {
            if text == "t" { "true" } else { "false" }.to_string()
        }
        // NaN and the infinities are not JSON numbers: PG quotes them.
        JsonKind::Bare
            if text.chars().any(|c| c.is_ascii_alphabetic()) && !is_json_type(pg_type) =>
        {
            quoted(text)
        }
        JsonKind::Bare => text.to_string(),
        JsonKind::IsoString => {
            let iso = text.replacen(' ', "T", 1);
            // `+05:30` stays; a whole-hour offset `+00` gains its minutes.
            let offset = iso.rfind(['+', '-']).filter(|&i| i > 10);
            let iso = match offset {
                Some(i) if iso.len() - i == 3 => format!("{iso}:00"),
                _ => iso,
            };
            quoted(&iso)
        }
        JsonKind::String => quoted(text),
    }
}

fn is_json_type(pg_type: PgType) -> bool {
    matches!(pg_type, PgType::Scalar(PgScalar::Json | PgScalar::Jsonb))
}

impl ScalarUDFImpl for JsonBuildObject {
    fn name(&self) -> &str {
        "json_build_object"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if !args.arg_fields.len().is_multiple_of(2) {
            return Err(PgError::new(
                sqlstate::INVALID_PARAMETER_VALUE,
                "argument list must have even number of elements",
            )
            .into_datafusion());
        }
        let json = HashMap::from([(EXTENSION_NAME.to_string(), "arrow.json".to_string())]);
        Ok(Arc::new(
            Field::new(self.name(), DataType::Utf8, false).with_metadata(json),
        ))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if scalar { 1 } else { args.number_rows };
        let options = self
            .session
            .settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .encode_options();
        let mut columns = Vec::with_capacity(args.args.len());
        for (arg, field) in args.args.iter().zip(&args.arg_fields) {
            let array: ArrayRef = arg.to_array(rows)?;
            let (pg_type, _) = pg_type_of(field);
            let mut cells = EncodedColumn::default();
            encode_column(&array, pg_type, Format::Text, &options, &mut cells)
                .map_err(|e| DataFusionError::External(Box::new(e)))?;
            columns.push((cells, pg_type, json_kind(pg_type)));
        }
        let mut out = StringBuilder::new();
        for row in 0..rows {
            let mut pairs = Vec::with_capacity(columns.len() / 2);
            for pair in columns.chunks(2) {
                let [(keys, _, _), (values, pg_type, kind)] = pair else {
                    continue;
                };
                let key = text(keys, row).ok_or_else(|| {
                    PgError::new(
                        sqlstate::NULL_VALUE_NOT_ALLOWED,
                        "null value not allowed for object key",
                    )
                    .into_datafusion()
                })?;
                let value = text(values, row)
                    .map_or_else(|| "null".to_string(), |v| json_value(&v, *kind, *pg_type));
                pairs.push(format!(
                    "{} : {value}",
                    serde_json::Value::String(key.into_owned())
                ));
            }
            out.append_value(format!("{{{}}}", pairs.join(", ")));
        }
        let out = out.finish();
        crate::dialect::functions::shaped_like_arguments(scalar, Arc::new(out))
    }
}

/// The text of row `row` of an encoded column, or `None` for NULL.
fn text(cells: &EncodedColumn, row: usize) -> Option<std::borrow::Cow<'_, str>> {
    cells.cell(row).map(String::from_utf8_lossy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_json_kinds() {
        let int = PgType::Scalar(PgScalar::Int4);
        assert_eq!(json_value("42", JsonKind::Bare, int), "42");
        let float = PgType::Scalar(PgScalar::Float8);
        assert_eq!(json_value("NaN", JsonKind::Bare, float), "\"NaN\"");
        let boolean = PgType::Scalar(PgScalar::Bool);
        assert_eq!(json_value("t", JsonKind::Bare, boolean), "true");
        let ts = PgType::Scalar(PgScalar::Timestamptz);
        assert_eq!(
            json_value("2024-01-15 10:30:00+00", JsonKind::IsoString, ts),
            "\"2024-01-15T10:30:00+00:00\""
        );
        let date = PgType::Scalar(PgScalar::Date);
        assert_eq!(
            json_value("2024-01-15", JsonKind::IsoString, date),
            "\"2024-01-15\""
        );
        let text = PgType::Scalar(PgScalar::Text);
        assert_eq!(json_value("a\"b", JsonKind::String, text), "\"a\\\"b\"");
    }
}
