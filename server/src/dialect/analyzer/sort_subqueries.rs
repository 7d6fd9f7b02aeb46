//! Subqueries in ORDER BY, which PostgreSQL allows and DataFusion's analyzer
//! refuses outside projections and filters (Grafana orders its table list by
//! `CASE WHEN schema IN (SELECT …) THEN 0 ELSE 1 END`).
//!
//! An analyzer rule computes each such sort key in a projection below the
//! sort, sorts by that column, then projects it away again:
//! `Sort(key(subquery))` becomes
//! `Projection(input columns) ← Sort(__sort_key_i) ← Projection(input columns, key AS __sort_key_i)`.

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::Column;
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, SortExpr};
use datafusion::optimizer::AnalyzerRule;

/// The rule; it runs before DataFusion's own analyzer rules.
#[derive(Debug, Default)]
pub struct SubqueriesInSortKeys;

fn has_subquery(expr: &Expr) -> bool {
    expr.exists(|e| {
        Ok(matches!(
            e,
            Expr::InSubquery(_) | Expr::Exists(_) | Expr::ScalarSubquery(_)
        ))
    })
    .unwrap_or(false)
}

fn rewrite(node: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    let LogicalPlan::Sort(sort) = &node else {
        return Ok(Transformed::no(node));
    };
    if !sort.expr.iter().any(|s| has_subquery(&s.expr)) {
        return Ok(Transformed::no(node));
    }
    let columns = || -> Vec<Expr> {
        sort.input
            .schema()
            .columns()
            .into_iter()
            .map(Expr::Column)
            .collect()
    };
    let mut widened = columns();
    let mut keys = Vec::with_capacity(sort.expr.len());
    for (i, key) in sort.expr.iter().enumerate() {
        if has_subquery(&key.expr) {
            let name = format!("__sort_key_{i}");
            widened.push(key.expr.clone().alias(&name));
            keys.push(SortExpr {
                expr: Expr::Column(Column::from_name(name)),
                ..key.clone()
            });
        } else {
            keys.push(key.clone());
        }
    }
    let plan = LogicalPlanBuilder::from(sort.input.as_ref().clone())
        .project(widened)?
        .sort_with_limit(keys, sort.fetch)?
        .project(columns())?
        .build()?;
    Ok(Transformed::yes(plan))
}

impl AnalyzerRule for SubqueriesInSortKeys {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(rewrite).map(|t| t.data)
    }

    fn name(&self) -> &str {
        "datapress_subqueries_in_sort_keys"
    }
}
