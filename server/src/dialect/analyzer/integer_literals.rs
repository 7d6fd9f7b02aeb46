//! Integer constants typed as PostgreSQL types them.
//!
//! PostgreSQL reads an integer constant that fits in 32 bits as `integer`,
//! so `vehicles + 1` is an `integer`, `greatest(0, vehicles)` too, and
//! `2147483647 + 1` overflows. DataFusion's SQL planner makes every integer
//! constant an Int64, which widens whatever it touches to `bigint`. This
//! analyzer rule runs before type coercion and narrows such constants to
//! Int32, except where DataFusion wants an Int64 constant itself: LIMIT and
//! OFFSET, and the arguments of window functions (`lead(x, 2)`, `ntile(4)`);
//! and in VALUES rows, whose schema DataFusion fixes when it plans them (so
//! `VALUES (1)` is still a bigint there, where PG's is an integer).

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

/// The rule; it runs before DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct IntegerConstantsAsInt4;

fn narrow(expr: Expr) -> Result<Transformed<Expr>> {
    expr.transform_down(|e| match e {
        Expr::WindowFunction(_) => Ok(Transformed::new(e, false, TreeNodeRecursion::Jump)),
        Expr::Literal(ScalarValue::Int64(Some(v)), metadata) => match i32::try_from(v) {
            Ok(narrow) => Ok(Transformed::yes(Expr::Literal(
                ScalarValue::Int32(Some(narrow)),
                metadata,
            ))),
            Err(_) => Ok(Transformed::no(Expr::Literal(
                ScalarValue::Int64(Some(v)),
                metadata,
            ))),
        },
        other => Ok(Transformed::no(other)),
    })
}

impl AnalyzerRule for IntegerConstantsAsInt4 {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let narrowed = plan.transform_up_with_subqueries(|node| {
            // VALUES keeps the schema it was planned with: its rows stay bigint.
            if matches!(node, LogicalPlan::Limit(_) | LogicalPlan::Values(_)) {
                return Ok(Transformed::no(node));
            }
            let names = NamePreserver::new(&node);
            node.map_expressions(|e| {
                let name = names.save(&e);
                Ok(narrow(e)?.update_data(|e| name.restore(e)))
            })
        })?;
        crate::dialect::analyzer::expr_walk::recompute_schemas(narrowed)
    }

    fn name(&self) -> &str {
        "datapress_integer_constants_as_int4"
    }
}
