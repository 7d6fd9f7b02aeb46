//! The walks our type-dependent analyzer rules share: every expression of a
//! plan, subqueries included, seen ([`visit_expressions`]) or rewritten
//! bottom-up ([`rewrite_expressions`]) against the merged schema of its
//! node's inputs; a rewritten expression keeps its result name and, when
//! anything changed, every node's schema is recomputed.

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::DFSchema;
use datafusion::error::Result;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan, Operator};

/// `plan` with `rewrite` applied to each of its (sub)expressions.
pub fn rewrite_expressions(
    plan: LogicalPlan,
    rewrite: impl Fn(Expr, &DFSchema) -> Result<Transformed<Expr>>,
) -> Result<LogicalPlan> {
    let rewritten = plan.transform_up_with_subqueries(|node| {
        let mut schema = DFSchema::empty();
        for input in node.inputs() {
            schema.merge(input.schema());
        }
        let names = NamePreserver::new(&node);
        let rewritten = node.map_expressions(|e| {
            let name = names.save(&e);
            let rewritten = e.transform_up(|e| rewrite(e, &schema))?;
            Ok(rewritten.update_data(|e| name.restore(e)))
        })?;
        Ok(rewritten)
    })?;
    recompute_schemas(rewritten)
}

/// When a rewrite changed a plan, every node's output schema is made anew
/// from its inputs, so that a changed type (`date_trunc` of a date becoming
/// a timestamptz, an int4 constant) reaches the nodes above it — unions and
/// aliases included — and the result's description.
pub fn recompute_schemas(plan: Transformed<LogicalPlan>) -> Result<LogicalPlan> {
    if !plan.transformed {
        return Ok(plan.data);
    }
    plan.data
        .transform_up_with_subqueries(|node| node.recompute_schema().map(Transformed::yes))
        .map(|t| t.data)
}

/// Calls `visit` on each (sub)expression of `plan`, top-down, until it
/// answers `Stop`.
pub fn visit_expressions(
    plan: &LogicalPlan,
    mut visit: impl FnMut(&Expr, &DFSchema) -> TreeNodeRecursion,
) -> Result<()> {
    plan.apply_with_subqueries(|node| {
        let mut schema = DFSchema::empty();
        for input in node.inputs() {
            schema.merge(input.schema());
        }
        node.apply_expressions(|e| e.apply(|e| Ok(visit(e, &schema))))
    })?;
    Ok(())
}

/// Whether `op` compares (`=`, `<>`, `<`, `<=`, `>`, `>=`).
pub fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
    )
}
