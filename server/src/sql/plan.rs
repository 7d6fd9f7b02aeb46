//! Planning one read-only query the way every endpoint does: the dialect's
//! AST pre-pass, DataFusion's planner, the read-only check (25006), and the
//! result columns as PostgreSQL names and types them.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result;
use datafusion::execution::context::{SQLOptions, SessionState};
use datafusion::logical_expr::expr::Placeholder;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;
use datafusion::sql::parser::Statement as DfStatement;

use super::column_names::pg_column_names;
use crate::dialect::analyzer::array_operands::UntypedArrayOperands;
use crate::errors::PgError;

/// A planned query and the columns its result has.
#[derive(Debug, Clone)]
pub struct PlannedQuery {
    /// The logical plan (not yet analyzed; parameters may be untyped).
    pub plan: LogicalPlan,
    /// The result's Arrow types, as the analyzer rules give them.
    pub schema: SchemaRef,
    /// The result's column names, as PostgreSQL names them.
    pub names: Vec<String>,
}

/// Plans `query` in `state`; anything but a read-only query is 25006.
/// `parameter_types[i]` is the type a client declared for `$i+1` (Parse's
/// OIDs), which wins over what the engine would infer, as in PostgreSQL.
pub async fn plan_query(
    state: &SessionState,
    query: &DfStatement,
    parameter_types: &[Option<DataType>],
) -> Result<PlannedQuery, PgError> {
    let mut rewritten = query.clone();
    crate::dialect::rewrite::rewrite(&mut rewritten);
    crate::dialect::float_literals::check(&rewritten)?;
    let plan = state
        .statement_to_plan(rewritten)
        .await
        .map_err(|e| PgError::from_datafusion(&e))?;
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
        .verify_plan(&plan)
        .map_err(|_| PgError::read_only("this statement"))?;
    let plan = with_parameter_types(plan, parameter_types)
        .and_then(|plan| UntypedArrayOperands.analyze(plan, state.config_options()))
        .map_err(|e| PgError::from_datafusion(&e))?;
    // The result's types are the analyzed plan's: our analyzer rules give
    // expressions PG's types (int4 constants, numeric sums, timestamptz).
    let analyzed =
        state
            .analyzer()
            .execute_and_check(plan.clone(), state.config_options(), |_, _| {});
    let schema: Schema = match &analyzed {
        Ok(analyzed) => {
            crate::dialect::constant_errors::raise_in_literal_inputs(analyzed, state)
                .map_err(|e| PgError::from_datafusion(&e))?;
            analyzed.schema().as_arrow().clone()
        }
        // Parameters not yet typed, say: the plan as written describes it.
        Err(_) => plan.schema().as_arrow().clone(),
    };
    let engine_names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let names = pg_column_names(query, &engine_names).unwrap_or(engine_names);
    Ok(PlannedQuery {
        plan,
        schema: Arc::new(schema),
        names,
    })
}

/// `plan` with each parameter of a declared type typed so. The untyped ANY
/// operands are typed here too (not only when the plan is analyzed), so that
/// ParameterDescription and Bind see the array type.
fn with_parameter_types(plan: LogicalPlan, types: &[Option<DataType>]) -> Result<LogicalPlan> {
    if types.iter().all(Option::is_none) {
        return Ok(plan);
    }
    let declared = |id: &str| {
        let n: usize = id.strip_prefix('$')?.parse().ok()?;
        types.get(n.checked_sub(1)?)?.clone()
    };
    plan.transform_up_with_subqueries(|node| {
        // LIMIT and OFFSET take a bigint, whatever a parameter's declared type.
        if matches!(node, LogicalPlan::Limit(_)) {
            return Ok(Transformed::no(node));
        }
        let node = node.map_expressions(|e| {
            e.transform_up(|e| match &e {
                Expr::Placeholder(Placeholder { id, .. }) => match declared(id) {
                    Some(t) => Ok(Transformed::yes(Expr::Placeholder(Placeholder {
                        id: id.clone(),
                        field: Some(Arc::new(Field::new(id, t, true))),
                    }))),
                    None => Ok(Transformed::no(e)),
                },
                _ => Ok(Transformed::no(e)),
            })
        })?;
        if node.transformed {
            node.map_data(|n| n.recompute_schema())
        } else {
            Ok(node)
        }
    })
    .map(|t| t.data)
}
