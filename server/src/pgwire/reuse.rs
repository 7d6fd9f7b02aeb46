//! Plan reuse, so that repeated small queries do not pay full planning each
//! time: which plans may be kept, what a portal executes (a plan at some stage
//! of planning), and the per-session cache of parsed and planned statement
//! texts.
//!
//! A plan is kept only when running it again must give what planning it
//! again would: every function it calls is immutable (so `now()`,
//! `current_user` or `random()` are planned afresh), and the datasets have not
//! changed since (the registry's generation). A physical plan is kept as well
//! when it reads no catalog table (their rows are made when the scan is
//! planned) and has no operator that feeds a dynamic filter to its input
//! (TopK, joins and aggregates in DataFusion 55), whose state would survive a
//! run.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::datasource::source_as_provider;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{Expr, LogicalPlan, Volatility};
use datafusion::optimizer::simplify_expressions::SimplifyExpressions;
use datafusion::optimizer::Optimizer;
use datafusion::physical_plan::execution_plan::reset_plan_states;
use datafusion::physical_plan::ExecutionPlan;

use super::session::Prepared;
use crate::catalog::table::CatalogTable;

/// What a portal executes: a plan at the stage planning reached.
#[derive(Debug, Clone)]
pub enum Executable {
    /// A logical plan still to be optimized.
    Logical(LogicalPlan),
    /// An optimized logical plan (parameters bound after optimizing).
    Optimized(LogicalPlan),
    /// A physical plan kept from an earlier run.
    Physical(Arc<dyn ExecutionPlan>),
}

impl Executable {
    /// The physical plan to run.
    pub async fn physical(
        self,
        state: &SessionState,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        match self {
            Executable::Logical(plan) => {
                let optimized = state.optimize(&plan)?;
                crate::dialect::constant_errors::raise(&optimized, state)?;
                crate::dialect::subquery_fallback::create_physical_plan(optimized, state).await
            }
            Executable::Optimized(plan) => {
                crate::dialect::constant_errors::raise(&plan, state)?;
                crate::dialect::subquery_fallback::create_physical_plan(plan, state).await
            }
            Executable::Physical(plan) => reset_plan_states(plan),
        }
    }
}

/// Simplifies the expressions of an optimized plan that parameters were
/// bound into: the physical planner wants `LIMIT 3`, not `LIMIT CAST(3 AS …)`.
pub fn simplify_bound(
    plan: LogicalPlan,
    state: &SessionState,
) -> datafusion::error::Result<LogicalPlan> {
    Optimizer::with_rules(vec![Arc::new(SimplifyExpressions::new())]).optimize(
        plan,
        state,
        |_, _| {},
    )
}

/// A planned statement's reusable forms.
#[derive(Debug, Default)]
pub struct Reusable {
    /// The optimized logical plan, when the plan may be kept.
    pub optimized: Option<LogicalPlan>,
    /// Whether its physical plan may be kept too (no catalog scans).
    pub physical_allowed: bool,
    /// The physical plan, once built, when it may be kept.
    pub physical: OnceLock<Arc<dyn ExecutionPlan>>,
}

impl Reusable {
    /// The reusable forms of `plan`: none unless it only calls immutable
    /// functions, or if it does not optimize.
    pub fn of(plan: &LogicalPlan, state: &SessionState) -> Reusable {
        if !only_immutable_functions(plan) {
            return Reusable::default();
        }
        let Ok(optimized) = state.optimize(plan) else {
            return Reusable::default();
        };
        Reusable {
            physical_allowed: !reads_catalog_tables(&optimized),
            optimized: Some(optimized),
            physical: OnceLock::new(),
        }
    }

    /// Keeps `physical` for later runs if that is safe.
    pub fn keep_physical(&self, physical: &Arc<dyn ExecutionPlan>) {
        if self.physical_allowed && !feeds_dynamic_filters(physical) {
            let _ = self.physical.set(Arc::clone(physical));
        }
    }
}

fn only_immutable_functions(plan: &LogicalPlan) -> bool {
    let mut immutable = true;
    let _ = plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                if let Expr::ScalarFunction(f) = e {
                    if f.func.signature().volatility != Volatility::Immutable {
                        immutable = false;
                        return Ok(TreeNodeRecursion::Stop);
                    }
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })?;
        Ok(if immutable {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    });
    immutable
}

fn reads_catalog_tables(plan: &LogicalPlan) -> bool {
    let mut catalog = false;
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            catalog = source_as_provider(&scan.source).map_or(true, |p| p.is::<CatalogTable>());
        }
        Ok(if catalog {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    catalog
}

/// The operators of DataFusion 55 that push a dynamic filter into their
/// input, by name prefix (a sort with a row limit is `SortExec(TopK)`).
const DYNAMIC_FILTER_SOURCES: &[&str] = &["SortExec", "HashJoinExec", "AggregateExec"];

fn feeds_dynamic_filters(plan: &Arc<dyn ExecutionPlan>) -> bool {
    DYNAMIC_FILTER_SOURCES
        .iter()
        .any(|source| plan.name().starts_with(source))
        || plan.children().into_iter().any(feeds_dynamic_filters)
}

/// How many statement texts a session keeps planned.
const CACHE_CAPACITY: usize = 256;

/// A session's planned statement texts, keyed by the text and the parameter
/// types declared with it, valid for one registry generation.
#[derive(Debug, Default)]
pub struct PlanCache {
    generation: u64,
    entries: HashMap<(String, Vec<u32>), Arc<Prepared>>,
}

impl PlanCache {
    /// The statement planned for `sql` and `declared`, if still valid at `generation`.
    pub fn get(&mut self, sql: &str, declared: &[u32], generation: u64) -> Option<Arc<Prepared>> {
        if generation != self.generation {
            self.clear();
            self.generation = generation;
            return None;
        }
        self.entries
            .get(&(sql.to_string(), declared.to_vec()))
            .cloned()
    }

    /// Keeps `prepared` for `sql` if its plan may be reused.
    pub fn insert(&mut self, sql: &str, prepared: &Arc<Prepared>, generation: u64) {
        if prepared.reusable.optimized.is_none() || generation != self.generation {
            return;
        }
        if self.entries.len() >= CACHE_CAPACITY {
            self.clear();
        }
        self.entries.insert(
            (sql.to_string(), prepared.declared.clone()),
            Arc::clone(prepared),
        );
    }

    /// Forgets every plan (DISCARD PLANS, DISCARD ALL).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
