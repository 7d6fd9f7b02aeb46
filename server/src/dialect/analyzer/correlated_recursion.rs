//! Recursive CTEs correlated with an outer row, run row by row.
//!
//! pgAdmin's role query puts `WITH RECURSIVE cte AS (SELECT … WHERE
//! pg_roles.oid = roles.oid UNION ALL …)` inside a subquery of the outer
//! `roles`. DataFusion's decorrelation pulls that correlated filter out of
//! the CTE's anchor and up through the recursion, which breaks the plan
//! ("Non-recursive term and recursive term must have the same number of
//! columns"). This analyzer rule puts a [`CorrelatedRecursion`] node above
//! every recursive query that refers to an outer row. DataFusion's
//! decorrelation does not pull correlated expressions over an extension node
//! that holds them, so the subquery stays a subquery, and
//! `subquery_fallback` evaluates it for each outer row, removing the node
//! once the outer values are bound.

use std::cmp::Ordering;
use std::fmt;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchemaRef, Result};
use datafusion::logical_expr::{Expr, Extension, LogicalPlan, UserDefinedLogicalNodeCore};
use datafusion::optimizer::AnalyzerRule;

/// A recursive query that refers to outer columns; `outer` lists them, which
/// is what keeps DataFusion from decorrelating over it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CorrelatedRecursion {
    input: LogicalPlan,
    outer: Vec<Expr>,
}

impl PartialOrd for CorrelatedRecursion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.outer.partial_cmp(&other.outer)
    }
}

impl UserDefinedLogicalNodeCore for CorrelatedRecursion {
    fn name(&self) -> &str {
        "CorrelatedRecursion"
    }
    fn inputs(&self) -> Vec<&LogicalPlan> {
        vec![&self.input]
    }
    fn schema(&self) -> &DFSchemaRef {
        self.input.schema()
    }
    fn expressions(&self) -> Vec<Expr> {
        self.outer.clone()
    }
    fn fmt_for_explain(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "CorrelatedRecursion: outer={:?}", self.outer)
    }
    fn with_exprs_and_inputs(&self, exprs: Vec<Expr>, inputs: Vec<LogicalPlan>) -> Result<Self> {
        let input = inputs
            .into_iter()
            .next()
            .unwrap_or_else(|| self.input.clone());
        Ok(CorrelatedRecursion {
            input,
            outer: exprs,
        })
    }
}

/// The plan without its [`CorrelatedRecursion`] nodes (once outer values are bound).
pub fn remove_markers(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| match node {
        LogicalPlan::Extension(Extension { node: ref inner }) => {
            match inner.as_any().downcast_ref::<CorrelatedRecursion>() {
                Some(marker) => Ok(Transformed::yes(marker.input.clone())),
                None => Ok(Transformed::no(node)),
            }
        }
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}

/// The outer-reference columns anywhere below (and in) `plan`.
fn outer_references(plan: &LogicalPlan) -> Vec<Expr> {
    let mut found: Vec<Expr> = Vec::new();
    let _ = plan.apply(|node| {
        for e in node.all_out_ref_exprs() {
            if !found.contains(&e) {
                found.push(e);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

/// The analyzer rule; it runs before DataFusion's own.
#[derive(Debug, Default)]
pub struct MarkCorrelatedRecursion;

impl AnalyzerRule for MarkCorrelatedRecursion {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            if !matches!(node, LogicalPlan::RecursiveQuery(_)) {
                return Ok(Transformed::no(node));
            }
            let outer = outer_references(&node);
            if outer.is_empty() {
                return Ok(Transformed::no(node));
            }
            let marker = CorrelatedRecursion { input: node, outer };
            Ok(Transformed::yes(LogicalPlan::Extension(Extension {
                node: std::sync::Arc::new(marker),
            })))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "datapress_mark_correlated_recursion"
    }
}
