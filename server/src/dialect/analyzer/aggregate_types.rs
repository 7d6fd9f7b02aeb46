//! Aggregates with PostgreSQL's result types.
//!
//! PostgreSQL's `sum(bigint)` is a `numeric` (it cannot overflow), where
//! DataFusion's is an Int64 that wraps. This analyzer rule runs after type
//! coercion, when an argument's type is final (a CASE of int4 and int8 is
//! int8 only then), and sums a bigint argument as a `numeric` of scale 0,
//! whose text is the same digits PG prints.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::DFSchema;
use datafusion::error::Result;
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{cast, Expr, ExprSchemable, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

/// The rule; it runs after DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct PgAggregateTypes;

/// A numeric wide enough for any sum of bigints PG can return within i128.
const SUM_OF_BIGINTS: DataType = DataType::Decimal128(38, 0);

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::AggregateFunction(AggregateFunction { func, mut params }) = expr else {
        return Ok(Transformed::no(expr));
    };
    // A bigint argument, not a smaller integer that coercion widened (PG's
    // sum of an int4 is an int8).
    let bigint = |e: &Expr| match e {
        Expr::Cast(c) => matches!(c.expr.get_type(schema), Ok(DataType::Int64)),
        other => matches!(other.get_type(schema), Ok(DataType::Int64)),
    };
    if func.name() == "sum" && params.args.len() == 1 && bigint(&params.args[0]) {
        params.args[0] = cast(params.args[0].clone(), SUM_OF_BIGINTS);
        return Ok(Transformed::yes(Expr::AggregateFunction(
            AggregateFunction {
                func: Arc::clone(&func),
                params,
            },
        )));
    }
    Ok(Transformed::no(Expr::AggregateFunction(
        AggregateFunction { func, params },
    )))
}

impl AnalyzerRule for PgAggregateTypes {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, rewrite)
    }

    fn name(&self) -> &str {
        "datapress_pg_aggregate_types"
    }
}
