//! Planning one read-only query the way every endpoint does: the dialect's
//! AST pre-pass, DataFusion's planner, the read-only check (25006), and the
//! result columns as PostgreSQL names and types them.

use std::sync::Arc;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::execution::context::{SQLOptions, SessionState};
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::Statement as DfStatement;

use super::column_names::pg_column_names;
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
pub async fn plan_query(
    state: &SessionState,
    query: &DfStatement,
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
    // The result's types are the analyzed plan's: our analyzer rules give
    // expressions PG's types (int4 constants, numeric sums, timestamptz).
    let analyzed =
        state
            .analyzer()
            .execute_and_check(plan.clone(), state.config_options(), |_, _| {});
    let schema: Schema = match &analyzed {
        Ok(analyzed) => analyzed.schema().as_arrow().clone(),
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
