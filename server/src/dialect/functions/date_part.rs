//! `date_part(unit, value)` as PostgreSQL defines it: a double precision.
//!
//! DataFusion's `date_part` returns integers for most units, and for
//! `second`, `milliseconds` and `microseconds` it drops the fraction, so
//! `date_part('second', '10:30:05.25')` gives 5 where PG gives 5.25. It has no
//! `century`, `decade` or `millennium`, and it answers an unknown unit with an
//! execution error. This wrapper keeps DataFusion's kernels and fixes those
//! points: seconds come from its nanosecond count, the three year-based units
//! are computed from its year, every result is float8, and an unknown unit is
//! PG's 22023. `EXTRACT` is the same function returning PG's numeric, with
//! the scale PG gives it (6 for seconds and epochs, 3 for milliseconds, none
//! for whole fields); the SQL pre-pass plans it as `pg_extract(unit, value)`.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Field, Int32Type, Int64Type, IntervalMonthDayNanoType, IntervalUnit, TimeUnit,
};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::catalog::functions::SessionInfo;
use crate::errors::{sqlstate, PgError};

/// `date_part` (float8, also called `datepart`) or `pg_extract` (numeric),
/// for one session: the fields of a timestamptz are those of its local time
/// in the session's TimeZone, as in PG.
#[derive(Debug)]
pub struct DatePart {
    inner: Arc<ScalarUDF>,
    name: &'static str,
    aliases: Vec<String>,
    numeric: bool,
    /// DataFusion's signature, but stable: a timestamptz's fields follow SET TimeZone.
    signature: Signature,
    session: Arc<SessionInfo>,
}

/// `function`'s signature with PG's volatility for a timestamptz argument.
fn stable(function: &ScalarUDF) -> Signature {
    Signature::new(
        function.signature().type_signature.clone(),
        Volatility::Stable,
    )
}

impl PartialEq for DatePart {
    fn eq(&self, other: &Self) -> bool {
        self.numeric == other.numeric && Arc::ptr_eq(&self.session, &other.session)
    }
}
impl Eq for DatePart {}
impl Hash for DatePart {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl DatePart {
    /// PG's `date_part`, replacing DataFusion's own.
    pub fn float8(session: Arc<SessionInfo>) -> DatePart {
        let inner = datafusion::functions::datetime::date_part();
        let aliases = inner.aliases().to_vec();
        DatePart {
            signature: stable(&inner),
            inner,
            name: "date_part",
            aliases,
            numeric: false,
            session,
        }
    }

    /// `EXTRACT(unit FROM value)`, which is numeric in PG.
    pub fn numeric(session: Arc<SessionInfo>) -> DatePart {
        let inner = datafusion::functions::datetime::date_part();
        DatePart {
            signature: stable(&inner),
            inner,
            name: "pg_extract",
            aliases: Vec::new(),
            numeric: true,
            session,
        }
    }

    /// The result type for the unit named by the first argument.
    fn result_type(&self, unit: Option<&str>) -> DataType {
        if !self.numeric {
            return DataType::Float64;
        }
        let unit = unit.map(|u| u.trim().to_lowercase());
        let scale = match unit.as_deref().and_then(self::unit) {
            Some(Unit::Epoch) => 6,
            Some(Unit::FractionalSeconds { scale, .. }) => scale,
            _ => 0,
        };
        DataType::Decimal128(38, scale)
    }
}

/// How a PG unit is computed from what DataFusion's kernel gives.
enum Unit {
    /// Seconds within the minute, with the fraction: `divisor` turns
    /// nanoseconds into the unit (1e9 for seconds), `scale` is EXTRACT's.
    FractionalSeconds { divisor: f64, scale: i8 },
    /// Seconds since 1970 of a timestamp or date, from its exact microseconds.
    Epoch,
    /// A field of the year: century, decade or millennium.
    OfYear(fn(i64) -> i64),
    /// A unit DataFusion computes as PG does.
    Native,
}

fn century(year: i64) -> i64 {
    if year > 0 {
        (year + 99) / 100
    } else {
        -((99 - (year - 1)) / 100)
    }
}

fn decade(year: i64) -> i64 {
    if year >= 0 {
        year / 10
    } else {
        -((8 - (year - 1)) / 10)
    }
}

fn millennium(year: i64) -> i64 {
    if year > 0 {
        (year + 999) / 1000
    } else {
        -((999 - (year - 1)) / 1000)
    }
}

/// The unit PG names, or `None` for one PG does not know.
fn unit(name: &str) -> Option<Unit> {
    Some(match name {
        "second" | "seconds" | "sec" | "secs" | "s" => Unit::FractionalSeconds {
            divisor: 1e9,
            scale: 6,
        },
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "msecond" | "mseconds" => {
            Unit::FractionalSeconds {
                divisor: 1e6,
                scale: 3,
            }
        }
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "usecond" | "useconds" => {
            Unit::FractionalSeconds {
                divisor: 1e3,
                scale: 0,
            }
        }
        "century" | "centuries" | "c" | "cent" => Unit::OfYear(century),
        "decade" | "decades" | "dec" | "decs" => Unit::OfYear(decade),
        "millennium" | "millennia" | "mil" | "mils" | "millenniums" => Unit::OfYear(millennium),
        "year" | "years" | "y" | "yr" | "yrs" | "month" | "months" | "mon" | "mons" | "week"
        | "weeks" | "w" | "day" | "days" | "d" | "hour" | "hours" | "h" | "hr" | "hrs"
        | "minute" | "minutes" | "m" | "min" | "mins" | "quarter" | "qtr" | "doy" | "dow"
        | "isodow" | "isoyear" => Unit::Native,
        "epoch" => Unit::Epoch,
        _ => return None,
    })
}

/// DataFusion's name for a unit it knows by another PG synonym.
fn native_name(name: &str) -> &str {
    match name {
        "y" | "yr" | "yrs" => "year",
        "mon" | "mons" => "month",
        "w" => "week",
        "d" => "day",
        "h" | "hr" | "hrs" => "hour",
        "m" | "min" | "mins" => "minute",
        "qtr" => "quarter",
        other => other,
    }
}

/// PG's name of the input type in its "unit not recognized" message
/// (a date is read as a timestamp, as PG's SQL-language `date_part(text, date)` does).
fn input_type_name(t: &DataType) -> &'static str {
    match t {
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone",
        DataType::Time32(_) | DataType::Time64(_) => "time without time zone",
        DataType::Interval(_) | DataType::Duration(_) => "interval",
        _ => "timestamp without time zone",
    }
}

impl DatePart {
    /// Runs DataFusion's `date_part` for `unit` on the value argument; a
    /// timestamptz is first labelled with the session's zone (the same
    /// instants), in which DataFusion takes its fields.
    fn native(&self, args: &ScalarFunctionArgs, unit: &str) -> Result<ArrayRef> {
        let part = ScalarValue::Utf8(Some(unit.to_string()));
        let mut value = match &args.args[1] {
            ColumnarValue::Array(a) => Arc::clone(a),
            ColumnarValue::Scalar(s) => s.to_array_of_size(args.number_rows.max(1))?,
        };
        let mut arg_fields = args.arg_fields.clone();
        if let DataType::Timestamp(unit, Some(_)) = value.data_type() {
            let local = DataType::Timestamp(*unit, Some(self.session.time_zone().arrow_name()));
            value = cast(&value, &local)?;
            arg_fields[1] = Arc::new(Field::new("value", local, true));
        }
        let return_field = self.inner.return_field_from_args(ReturnFieldArgs {
            arg_fields: &arg_fields,
            scalar_arguments: &[Some(&part), None],
        })?;
        let result = self.inner.invoke_with_args(ScalarFunctionArgs {
            args: vec![ColumnarValue::Scalar(part), ColumnarValue::Array(value)],
            arg_fields,
            number_rows: args.number_rows,
            return_field,
            config_options: Arc::clone(&args.config_options),
        })?;
        result.into_array(args.number_rows.max(1))
    }
}

/// The time part of an interval argument in nanoseconds, if it is an interval.
fn interval_nanos(args: &ScalarFunctionArgs) -> Result<Option<Int64Array>> {
    let value = args.args[1].to_array(args.number_rows.max(1))?;
    if !matches!(value.data_type(), DataType::Interval(_)) {
        return Ok(None);
    }
    let value = cast(&value, &DataType::Interval(IntervalUnit::MonthDayNano))?;
    Ok(Some(
        value
            .as_primitive::<IntervalMonthDayNanoType>()
            .unary(|v| v.nanoseconds),
    ))
}

/// The value argument as microseconds since 1970, if it is a timestamp or a date.
fn epoch_micros(args: &ScalarFunctionArgs) -> Result<Option<Int64Array>> {
    let value = args.args[1].to_array(args.number_rows.max(1))?;
    let micros = match value.data_type() {
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => {
            cast(&value, &DataType::Timestamp(TimeUnit::Microsecond, None))?
        }
        _ => return Ok(None),
    };
    Ok(Some(
        cast(&micros, &DataType::Int64)?.as_primitive().clone(),
    ))
}

impl ScalarUDFImpl for DatePart {
    fn name(&self) -> &str {
        self.name
    }
    fn aliases(&self) -> &[String] {
        &self.aliases
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.result_type(None))
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<Arc<Field>> {
        let nullable = args.arg_fields.iter().any(|f| f.is_nullable());
        let unit = args.scalar_arguments.first().copied().flatten();
        let data_type = self.result_type(unit.and_then(|u| u.try_as_str().flatten()));
        Ok(Arc::new(Field::new(self.name(), data_type, nullable)))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = match &args.args[0] {
            ColumnarValue::Scalar(s) => s.try_as_str().flatten().map(str::to_lowercase),
            ColumnarValue::Array(_) => None,
        };
        let Some(name) = name else {
            return Err(
                PgError::unsupported("date_part with a unit that is not a constant")
                    .into_datafusion(),
            );
        };
        let input_type = args.arg_fields[1].data_type().clone();
        let Some(kind) = unit(name.trim()) else {
            return Err(PgError::new(
                sqlstate::INVALID_PARAMETER_VALUE,
                format!(
                    "unit \"{name}\" not recognized for type {}",
                    input_type_name(&input_type)
                ),
            )
            .into_datafusion());
        };
        let values: Float64Array = match kind {
            Unit::FractionalSeconds { divisor, .. } => match interval_nanos(&args)? {
                // An interval's seconds field: its time part within the minute.
                Some(nanos) => nanos.unary(|n| (n % 60_000_000_000) as f64 / divisor),
                None => {
                    let nanos = self.native(&args, "nanosecond")?;
                    nanos
                        .as_primitive::<Int64Type>()
                        .unary(|n| n as f64 / divisor)
                }
            },
            Unit::OfYear(of_year) => {
                let years = self.native(&args, "year")?;
                years
                    .as_primitive::<Int32Type>()
                    .unary(|y| of_year(i64::from(y)) as f64)
            }
            Unit::Epoch => match epoch_micros(&args)? {
                Some(micros) => micros.unary(|us| us as f64 / 1e6),
                None => {
                    let result = self.native(&args, "epoch")?;
                    cast(&result, &DataType::Float64)?.as_primitive().clone()
                }
            },
            Unit::Native => {
                let result = self.native(&args, native_name(name.trim()))?;
                cast(&result, &DataType::Float64)?.as_primitive().clone()
            }
        };
        let values: ArrayRef = if self.numeric {
            cast(&values, &self.result_type(Some(&name)))?
        } else {
            Arc::new(values)
        };
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        crate::dialect::functions::shaped_like_arguments(all_scalar, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_based_units_follow_postgres() {
        assert_eq!(
            (century(2000), century(2001), century(1), century(0)),
            (20, 21, 1, -1)
        );
        assert_eq!((decade(2024), decade(-1)), (202, -1));
        assert_eq!((millennium(2000), millennium(2001)), (2, 3));
    }

    #[test]
    fn unknown_units_are_not_recognised() {
        assert!(unit("nope").is_none());
        assert!(unit("nanosecond").is_none());
        assert!(matches!(
            unit("msec"),
            Some(Unit::FractionalSeconds { scale: 3, .. })
        ));
    }
}
