//! `date_trunc(unit, value)` as PostgreSQL computes it, around DataFusion's
//! own: a `timestamptz` is truncated in the session's TimeZone (the start of
//! the day, week, month … where the client is), not in UTC, and a `date` is
//! read as a `timestamptz` at midnight in that zone (PG has no
//! `date_trunc(text, date)`: it casts the date), so the result is a
//! `timestamptz`. With `SET TimeZone = 'America/New_York'`,
//! `date_trunc('month', date '2024-03-10')` is `2024-03-01 00:00:00-05`.
//!
//! DataFusion truncates a timestamp in the time zone its Arrow type names;
//! DataPress keeps timestamptz values in UTC, so each call relabels them with
//! the session's zone (the same instants), truncates, and labels the result
//! back. The zone is read when the query runs, so a prepared statement
//! follows a later `SET TimeZone`.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, TimeUnit};
use datafusion::error::Result;
use datafusion::functions::datetime::date_trunc as datafusion_date_trunc;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use super::PLANNING_TIME_ZONE;
use crate::catalog::functions::SessionInfo;

/// `date_trunc` (also `datetrunc`) for one session.
#[derive(Debug)]
pub struct PgDateTrunc {
    inner: Arc<ScalarUDF>,
    aliases: Vec<String>,
    signature: Signature,
    session: Arc<SessionInfo>,
}

impl PgDateTrunc {
    /// The function for `session`, whose TimeZone it truncates in.
    pub fn new(session: Arc<SessionInfo>) -> PgDateTrunc {
        PgDateTrunc {
            inner: datafusion_date_trunc(),
            aliases: vec!["datetrunc".to_string()],
            signature: Signature::user_defined(Volatility::Stable),
            session,
        }
    }
}

impl PartialEq for PgDateTrunc {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.session, &other.session)
    }
}
impl Eq for PgDateTrunc {}
impl Hash for PgDateTrunc {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
}

/// The result type for a value of type `value`.
fn result_type(value: &DataType) -> DataType {
    match value {
        DataType::Date32 => {
            DataType::Timestamp(TimeUnit::Nanosecond, Some(Arc::from(PLANNING_TIME_ZONE)))
        }
        DataType::Null => DataType::Timestamp(TimeUnit::Nanosecond, None),
        other => other.clone(),
    }
}

impl ScalarUDFImpl for PgDateTrunc {
    fn name(&self) -> &str {
        "date_trunc"
    }
    fn aliases(&self) -> &[String] {
        &self.aliases
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let no_such_function = || super::no_such_function("date_trunc", args).into_datafusion();
        let [unit, value] = args else {
            return Err(no_such_function());
        };
        let unit = match unit {
            t if is_text(t) => t.clone(),
            DataType::Null => DataType::Utf8,
            _ => return Err(no_such_function()),
        };
        let value = match value {
            DataType::Date32 | DataType::Date64 => DataType::Date32,
            t @ (DataType::Timestamp(..) | DataType::Time32(_) | DataType::Time64(_)) => t.clone(),
            // An untyped literal, as DataFusion reads it.
            t if is_text(t) || t == &DataType::Null => {
                DataType::Timestamp(TimeUnit::Nanosecond, None)
            }
            _ => return Err(no_such_function()),
        };
        Ok(vec![unit, value])
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        unreachable!("return_field_from_args is implemented")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let value = &args.arg_fields[1];
        Ok(Arc::new(Field::new(
            self.name(),
            result_type(value.data_type()),
            value.is_nullable(),
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let value_type = args.arg_fields[1].data_type().clone();
        // What DataFusion truncates: the value in the session's zone.
        let in_zone = match &value_type {
            DataType::Date32 => DataType::Timestamp(
                TimeUnit::Nanosecond,
                Some(self.session.time_zone().arrow_name()),
            ),
            DataType::Timestamp(unit, Some(_)) => {
                DataType::Timestamp(*unit, Some(self.session.time_zone().arrow_name()))
            }
            _ => return self.inner.invoke_with_args(args),
        };
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let value = args.args[1].to_array(args.number_rows)?;
        let value = match &value_type {
            // A date is midnight there: a naive timestamp cast to a zone is local time.
            DataType::Date32 => cast(
                &cast(&value, &DataType::Timestamp(TimeUnit::Nanosecond, None))?,
                &in_zone,
            )?,
            _ => cast(&value, &in_zone)?,
        };
        let field = |t: &DataType| Arc::new(Field::new(self.name(), t.clone(), true));
        let truncated = self.inner.invoke_with_args(ScalarFunctionArgs {
            args: vec![args.args[0].clone(), ColumnarValue::Array(value)],
            arg_fields: vec![Arc::clone(&args.arg_fields[0]), field(&in_zone)],
            number_rows: args.number_rows,
            return_field: field(&in_zone),
            config_options: Arc::clone(&args.config_options),
        })?;
        let result = cast(
            &truncated.to_array(args.number_rows)?,
            args.return_field.data_type(),
        )?;
        crate::dialect::functions::shaped_like_arguments(all_scalar, result)
    }
}
