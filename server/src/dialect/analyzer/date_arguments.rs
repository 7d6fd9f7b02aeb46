//! Date arguments read as PostgreSQL reads them.
//!
//! PostgreSQL has no `date_trunc(text, date)`: a date argument is cast
//! implicitly to `timestamp with time zone` (midnight), so
//! `date_trunc('month', d)` is a timestamptz (`2024-03-01 00:00:00+00`).
//! DataFusion casts it to a timestamp without time zone, whose text has no
//! offset. This analyzer rule runs before DataFusion's type coercion and casts
//! such date arguments to a timestamptz itself, so the coercion that follows
//! recomputes the result types.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::DFSchema;
use datafusion::error::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{cast, Expr, ExprSchemable, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

/// Functions whose date argument (by position) PG reads as timestamptz.
const TIMESTAMPTZ_ARGUMENTS: &[(&str, usize)] = &[("date_trunc", 1)];

/// The rule; it runs before DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct DateArgumentsAsTimestamptz;

/// The time zone DataFusion plans timestamptz values in (see `engine.rs`).
const PLANNING_TIME_ZONE: &str = "+00:00";

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::ScalarFunction(ScalarFunction { func, mut args }) = expr else {
        return Ok(Transformed::no(expr));
    };
    let position = TIMESTAMPTZ_ARGUMENTS
        .iter()
        .find(|(name, _)| *name == func.name())
        .map(|(_, position)| *position);
    let is_date = |e: &Expr| matches!(e.get_type(schema), Ok(DataType::Date32 | DataType::Date64));
    match position {
        Some(i) if args.get(i).is_some_and(is_date) => {
            let timestamptz =
                DataType::Timestamp(TimeUnit::Nanosecond, Some(Arc::from(PLANNING_TIME_ZONE)));
            args[i] = cast(args[i].clone(), timestamptz);
            Ok(Transformed::yes(Expr::ScalarFunction(ScalarFunction {
                func,
                args,
            })))
        }
        _ => Ok(Transformed::no(Expr::ScalarFunction(ScalarFunction {
            func,
            args,
        }))),
    }
}

impl AnalyzerRule for DateArgumentsAsTimestamptz {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, rewrite)
    }

    fn name(&self) -> &str {
        "datapress_date_arguments_as_timestamptz"
    }
}
