//! Casts between `timestamptz` and the zone-less types in the session's
//! TimeZone, as PostgreSQL makes them. DataPress keeps timestamptz values as
//! UTC instants, and DataFusion's casts read and write zone-less values as
//! UTC: with `SET TimeZone = 'America/New_York'`, `'2024-03-10 12:00'::timestamptz`
//! would be noon in London, `date '2024-03-10'::timestamptz` the evening
//! before, and `ts::date` the date in UTC. PG reads and writes them as the
//! session's local time.
//!
//! This rule runs per session after DataFusion's type coercion, so the casts
//! it inserts (a text literal compared with a timestamptz column) are caught
//! too, and turns each such cast into a call of [`ZoneCast`], which reads the
//! TimeZone when the query runs.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::temporal_conversions::as_datetime_with_timezone;
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    ArrowTimestampType, DataType, TimeUnit, TimestampNanosecondType,
};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::DFSchema;
use datafusion::error::Result;
use datafusion::logical_expr::expr::Cast;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

use crate::catalog::functions::SessionInfo;

/// Which way a cast crosses the session's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Direction {
    /// Local time (text, date, timestamp) read as an instant there.
    ToInstant,
    /// An instant written as local time there (timestamp, date).
    FromInstant,
}

/// One cast `value::target` through the session's TimeZone.
#[derive(Debug)]
pub struct ZoneCast {
    direction: Direction,
    target: DataType,
    signature: Signature,
    session: Arc<SessionInfo>,
}

impl PartialEq for ZoneCast {
    fn eq(&self, other: &Self) -> bool {
        self.direction == other.direction
            && self.target == other.target
            && Arc::ptr_eq(&self.session, &other.session)
    }
}
impl Eq for ZoneCast {}
impl Hash for ZoneCast {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.direction.hash(state);
        self.target.hash(state);
    }
}

impl ZoneCast {
    fn convert(&self, value: &ArrayRef) -> Result<ArrayRef> {
        let zone = self.session.time_zone().arrow_name();
        let nanos_there = DataType::Timestamp(TimeUnit::Nanosecond, Some(Arc::clone(&zone)));
        Ok(match self.direction {
            // A zone-less value cast to a zoned type is local time there.
            Direction::ToInstant => cast(&cast(value, &nanos_there)?, &self.target)?,
            Direction::FromInstant => {
                let there = cast(value, &nanos_there)?;
                match self.target {
                    // Arrow takes a zoned timestamp's date in its zone.
                    DataType::Date32 | DataType::Date64 => cast(&there, &self.target)?,
                    _ => cast(&local_time(&there, &zone)?, &self.target)?,
                }
            }
        })
    }
}

/// The wall-clock time in `zone` of each instant, as zone-less nanoseconds.
fn local_time(instants: &ArrayRef, zone: &str) -> Result<ArrayRef> {
    let tz: Tz = zone.parse()?;
    let local = instants
        .as_primitive::<TimestampNanosecondType>()
        .try_unary::<_, TimestampNanosecondType, _>(|ns| {
            as_datetime_with_timezone::<TimestampNanosecondType>(ns, tz)
                .and_then(|t| TimestampNanosecondType::from_naive_datetime(t.naive_local(), None))
                .ok_or_else(|| {
                    datafusion::arrow::error::ArrowError::CastError(format!(
                        "timestamp out of range: {ns}"
                    ))
                })
        })?
        .with_timezone_opt(None::<Arc<str>>);
    Ok(Arc::new(local))
}

impl ScalarUDFImpl for ZoneCast {
    fn name(&self) -> &str {
        match self.direction {
            Direction::ToInstant => "pg_local_to_timestamptz",
            Direction::FromInstant => "pg_timestamptz_to_local",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.target.clone())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let value = args.args[0].to_array(args.number_rows.max(1))?;
        let converted = self.convert(&value)?;
        crate::dialect::functions::shaped_like_arguments(scalar, converted)
    }
}

/// The analyzer rule; it runs after DataFusion's type coercion.
#[derive(Debug)]
pub struct CastsInSessionZone {
    session: Arc<SessionInfo>,
}

impl CastsInSessionZone {
    /// The rule for one session's plans.
    pub fn new(session: Arc<SessionInfo>) -> CastsInSessionZone {
        CastsInSessionZone { session }
    }

    fn rewrite(&self, expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
        let Expr::Cast(Cast { expr: inner, field }) = &expr else {
            return Ok(Transformed::no(expr));
        };
        let Ok(source) = inner.get_type(schema) else {
            return Ok(Transformed::no(expr));
        };
        let target = field.data_type();
        let zoned = |t: &DataType| matches!(t, DataType::Timestamp(_, Some(_)));
        let local = |t: &DataType| {
            matches!(
                t,
                DataType::Timestamp(_, None)
                    | DataType::Date32
                    | DataType::Date64
                    | DataType::Utf8
                    | DataType::LargeUtf8
                    | DataType::Utf8View
            )
        };
        let direction = if zoned(target) && local(&source) {
            Direction::ToInstant
        } else if zoned(&source)
            && matches!(
                target,
                DataType::Timestamp(_, None) | DataType::Date32 | DataType::Date64
            )
        {
            Direction::FromInstant
        } else {
            return Ok(Transformed::no(expr));
        };
        let function = ScalarUDF::new_from_impl(ZoneCast {
            direction,
            target: target.clone(),
            // Stable: the answer follows SET TimeZone.
            signature: Signature::any(1, Volatility::Stable),
            session: Arc::clone(&self.session),
        });
        Ok(Transformed::yes(
            function.call(vec![inner.as_ref().clone()]),
        ))
    }
}

impl AnalyzerRule for CastsInSessionZone {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, |e, schema| {
            self.rewrite(e, schema)
        })
    }

    fn name(&self) -> &str {
        "datapress_casts_in_session_zone"
    }
}
