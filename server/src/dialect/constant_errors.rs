//! PostgreSQL folds constant expressions while it plans, so `SELECT 1/0`
//! (or `CASE WHEN x > 0 THEN 1 ELSE 1/0 END`) fails before any result is
//! described: an ErrorResponse without RowDescription or CopyOutResponse.
//! DataFusion's simplifier leaves a constant that fails for execution to
//! report, after the result has started. Called on an optimized plan (where
//! every constant that can be folded has been), [`raise`] evaluates what is
//! left and returns the first error, as PostgreSQL's planner would;
//! [`raise_in_literal_inputs`] does so at Parse for the literals PG's parser
//! reads as typed values (`'abc'::int`, `'count'::regproc`).

use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::DFSchema;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{Expr, LogicalPlan, Volatility};
use std::sync::Arc;

use crate::catalog::catalog_functions::RegType;

/// Whether `e` is computed from constants by immutable operations alone,
/// as PG's planner folds.
fn is_constant(e: &Expr) -> bool {
    if e.is_volatile() {
        return false;
    }
    let mut constant = true;
    let _ = e.apply(|e| {
        // PG folds immutable functions only: a stable one (to_date, now)
        // fails while the result is sent. A `'name'::regclass` lookup is
        // the input of a literal, which PG reads while parsing.
        let stable = matches!(e, Expr::ScalarFunction(f)
            if f.func.signature().volatility != Volatility::Immutable
                && !RegType::ALL.iter().any(|r| r.to_oid_function() == f.func.name()));
        constant = !stable
            && !matches!(
                e,
                Expr::Column(_)
                    | Expr::OuterReferenceColumn(..)
                    | Expr::Placeholder(_)
                    | Expr::ScalarSubquery(_)
                    | Expr::Exists(_)
                    | Expr::InSubquery(_)
                    | Expr::AggregateFunction(_)
                    | Expr::WindowFunction(_)
                    | Expr::GroupingSet(_)
                    | Expr::Unnest(_)
            );
        Ok(if constant {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    });
    constant
}

/// Whether `e` reads a literal as a value of a type, as PG's parser does
/// (`'abc'::int`, `'count'::regproc`): PG reports such an error at Parse.
fn is_literal_input(e: &Expr) -> bool {
    let literal = |e: &Expr| matches!(e, Expr::Literal(..));
    match e {
        Expr::Cast(c) => literal(&c.expr),
        Expr::ScalarFunction(f) => {
            RegType::ALL
                .iter()
                .any(|r| r.to_oid_function() == f.func.name())
                && f.args.iter().all(literal)
        }
        _ => false,
    }
}

/// The error the first constant expression of an optimized `plan` that
/// fails raises (PG's planner folds them).
pub fn raise(plan: &LogicalPlan, state: &SessionState) -> Result<()> {
    first_failure(plan, state, is_constant)
}

/// The error the first literal a `plan` reads as a typed value raises (PG's
/// parser reads them, so Parse fails).
pub fn raise_in_literal_inputs(plan: &LogicalPlan, state: &SessionState) -> Result<()> {
    first_failure(plan, state, is_literal_input)
}

/// Evaluates each outermost expression of `plan` that `considered` picks;
/// the first error, if one fails.
fn first_failure(
    plan: &LogicalPlan,
    state: &SessionState,
    considered: fn(&Expr) -> bool,
) -> Result<()> {
    let schema = DFSchema::empty();
    let one_row = RecordBatch::try_new_with_options(
        Arc::new(Schema::empty()),
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(1)),
    )?;
    let mut failure: Option<DataFusionError> = None;
    plan.apply_with_subqueries(|node| {
        node.apply_expressions(|e| {
            e.apply(|e| {
                if matches!(e, Expr::Literal(..) | Expr::Alias(_)) || !considered(e) {
                    return Ok(TreeNodeRecursion::Continue);
                }
                let evaluated = state
                    .create_physical_expr(e.clone(), &schema)
                    .and_then(|physical| physical.evaluate(&one_row));
                if let Err(error) = evaluated {
                    failure = Some(error);
                    return Ok(TreeNodeRecursion::Stop);
                }
                Ok(TreeNodeRecursion::Jump)
            })
        })
    })?;
    failure.map_or(Ok(()), Err)
}
