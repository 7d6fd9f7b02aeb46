//! An analyzer rule for the NULLs of `x = ANY(array)`: DataFusion plans it as
//! `array_has(array, x)`, false when `x` is not found, where PostgreSQL's
//! answer is NULL when the array has a NULL element (or is NULL, or `x` is),
//! as for `x = a OR x = NULL`. PostgreSQL has no `array_has`, so every call
//! in a plan is an ANY.

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::error::Result;
use datafusion::functions_nested::expr_fn::array_position;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{lit, when, Expr, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

/// The rule; it runs before DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct AnyWithNulls;

/// `array_has(array, x)` as PG's three-valued `x = ANY(array)`.
fn three_valued(e: Expr, _: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::ScalarFunction(ScalarFunction { func, args }) = &e else {
        return Ok(Transformed::no(e));
    };
    let [array, x] = args.as_slice() else {
        return Ok(Transformed::no(e));
    };
    if func.name() != "array_has" {
        return Ok(Transformed::no(e));
    }
    let has_null = array_position(array.clone(), lit(ScalarValue::Null), lit(1i64)).is_not_null();
    let unknown = array.clone().is_null().or(x.clone().is_null()).or(has_null);
    let answer = when(e.clone(), lit(true))
        .when(unknown, lit(ScalarValue::Boolean(None)))
        .otherwise(lit(false))?;
    Ok(Transformed::yes(answer))
}

impl AnalyzerRule for AnyWithNulls {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, three_valued)
    }

    fn name(&self) -> &str {
        "datapress_any_with_nulls"
    }
}
