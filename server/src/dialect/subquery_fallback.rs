//! Correlated subqueries that DataFusion's optimizer cannot turn into joins,
//! evaluated row by row instead (a nested loop), as PostgreSQL's executor
//! does with a SubPlan.
//!
//! Catalog SQL from clients is full of them: psql's `\d` puts
//! `= ANY(outer array)` inside `ARRAY(subquery)`, SQLAlchemy's column
//! reflection equates an inner column with an expression of outer ones, and
//! `EXISTS`/`IN` appear in select lists and CASE. After optimizing, every
//! subquery left in the plan becomes a call of a function that, for each
//! input row, binds the outer columns as literals into the subquery's plan,
//! plans and runs it, and reduces its rows as the subquery's kind says:
//! a scalar (NULL for no row, 21000 for more than one), EXISTS, or IN with
//! SQL's three-valued logic. Catalog tables are small, so this is fast
//! enough where it is needed; the planner's joins stay in use everywhere else.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{new_empty_array, Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, ScalarValue};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::expr::{Exists, InSubquery, ScalarFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    ColumnarValue, Expr, LogicalPlan, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Subquery, TypeSignature, Volatility,
};
use datafusion::physical_plan::ExecutionPlan;

use crate::errors::{sqlstate, PgError};

/// Plans an optimized logical plan physically, evaluating the subqueries
/// the optimizer left in it row by row.
pub async fn create_physical_plan(
    plan: LogicalPlan,
    state: &SessionState,
) -> Result<Arc<dyn ExecutionPlan>> {
    let plan = replace_subqueries(plan, state)?;
    state
        .query_planner()
        .create_physical_plan(&plan, state)
        .await
}

/// What a subquery's rows reduce to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// The only value, NULL without rows; more than one row is an error.
    Scalar,
    /// Whether there is a row (`negated`: whether there is none).
    Exists { negated: bool },
    /// Whether the first argument is among the values (three-valued).
    In { negated: bool },
}

fn replace_subqueries(plan: LogicalPlan, state: &SessionState) -> Result<LogicalPlan> {
    plan.transform_up(|node| {
        let Some(input_schema) = node.inputs().first().map(|i| Arc::clone(i.schema())) else {
            return Ok(Transformed::no(node));
        };
        let resolvable = |columns: &[Expr]| {
            columns.iter().all(|c| match c {
                Expr::OuterReferenceColumn(_, col) => input_schema.has_column(col),
                _ => false,
            })
        };
        let names = NamePreserver::new(&node);
        node.map_expressions(|expr| {
            let name = names.save(&expr);
            let replaced = expr.transform_up(|e| {
                let (kind, subquery, first) = match e {
                    Expr::ScalarSubquery(ref s) if !s.outer_ref_columns.is_empty() => {
                        (Kind::Scalar, s.clone(), None)
                    }
                    Expr::Exists(Exists {
                        ref subquery,
                        negated,
                    }) => (Kind::Exists { negated }, subquery.clone(), None),
                    Expr::InSubquery(InSubquery {
                        ref expr,
                        ref subquery,
                        negated,
                    }) => (
                        Kind::In { negated },
                        subquery.clone(),
                        Some(expr.as_ref().clone()),
                    ),
                    other => return Ok(Transformed::no(other)),
                };
                if !resolvable(&subquery.outer_ref_columns) {
                    return Ok(Transformed::no(e));
                }
                Ok(Transformed::yes(row_by_row(kind, subquery, first, state)?))
            })?;
            Ok(replaced.update_data(|e| name.restore(e)))
        })
    })
    .map(|t| t.data)
}

/// The call that evaluates `subquery` for each row: its arguments are
/// `first` (for IN) and then the outer columns it refers to.
fn row_by_row(
    kind: Kind,
    subquery: Subquery,
    first: Option<Expr>,
    state: &SessionState,
) -> Result<Expr> {
    let outer: Vec<(FieldRef, Column)> = subquery
        .outer_ref_columns
        .iter()
        .filter_map(|c| match c {
            Expr::OuterReferenceColumn(field, col) => Some((Arc::clone(field), col.clone())),
            _ => None,
        })
        .collect();
    let mut args: Vec<Expr> = first.into_iter().collect();
    args.extend(outer.iter().map(|(_, col)| Expr::Column(col.clone())));
    let output = subquery.subquery.schema().field(0).clone();
    let udf = RowByRow {
        kind,
        plan: Arc::clone(&subquery.subquery),
        outer,
        output,
        state: Arc::new(state.clone()),
        signature: Signature::one_of(
            vec![TypeSignature::Nullary, TypeSignature::VariadicAny],
            Volatility::Volatile,
        ),
    };
    Ok(Expr::ScalarFunction(ScalarFunction::new_udf(
        Arc::new(ScalarUDF::new_from_impl(udf)),
        args,
    )))
}

/// A subquery evaluated once per row.
struct RowByRow {
    kind: Kind,
    plan: Arc<LogicalPlan>,
    /// The outer columns the plan refers to, in argument order.
    outer: Vec<(FieldRef, Column)>,
    /// The subquery's first column.
    output: FieldRef,
    state: Arc<SessionState>,
    signature: Signature,
}

impl std::fmt::Debug for RowByRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowByRow({:?})", self.kind)
    }
}

impl PartialEq for RowByRow {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && Arc::ptr_eq(&self.plan, &other.plan)
    }
}
impl Eq for RowByRow {}
impl Hash for RowByRow {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        Arc::as_ptr(&self.plan).hash(state);
    }
}

impl ScalarUDFImpl for RowByRow {
    fn name(&self) -> &str {
        "subquery"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(self.return_field().data_type().clone())
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(self.return_field())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        // The engine's streams run on the runtime's workers; a nested plan
        // runs to completion on a thread of its own.
        let values = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| DataFusionError::External(Box::new(e)))?;
                    runtime.block_on(self.evaluate_all(&arrays, rows))
                })
                .join()
                .map_err(|_| DataFusionError::Execution("subquery evaluation panicked".into()))?
        })?;
        let array = if values.is_empty() {
            new_empty_array(self.return_field().data_type())
        } else {
            ScalarValue::iter_to_array(values)?
        };
        Ok(ColumnarValue::Array(array))
    }
}

impl RowByRow {
    fn return_field(&self) -> FieldRef {
        match self.kind {
            Kind::Scalar => Arc::new(self.output.as_ref().clone().with_nullable(true)),
            Kind::Exists { .. } | Kind::In { .. } => {
                Arc::new(Field::new("subquery", DataType::Boolean, true))
            }
        }
    }

    async fn evaluate_all(&self, arrays: &[ArrayRef], rows: usize) -> Result<Vec<ScalarValue>> {
        let first = matches!(self.kind, Kind::In { .. });
        let outer_arrays = &arrays[usize::from(first)..];
        let mut values = Vec::with_capacity(rows);
        for row in 0..rows {
            let bindings = self
                .outer
                .iter()
                .zip(outer_arrays)
                .map(|((field, col), array)| {
                    let value =
                        ScalarValue::try_from_array(array, row)?.cast_to(field.data_type())?;
                    Ok((col.clone(), value))
                })
                .collect::<Result<HashMap<_, _>>>()?;
            let probe = if first {
                Some(ScalarValue::try_from_array(&arrays[0], row)?)
            } else {
                None
            };
            values.push(self.evaluate(bindings, probe).await?);
        }
        Ok(values)
    }

    /// The subquery's value for one row of outer values.
    async fn evaluate(
        &self,
        bindings: HashMap<Column, ScalarValue>,
        probe: Option<ScalarValue>,
    ) -> Result<ScalarValue> {
        let bound = bind_outer(self.plan.as_ref().clone(), &bindings)?;
        let bound = crate::dialect::analyzer::correlated_recursion::remove_markers(bound)?;
        let optimized = self.state.optimize(&bound)?;
        let physical = Box::pin(create_physical_plan(optimized, &self.state)).await?;
        let batches = datafusion::physical_plan::collect(physical, self.state.task_ctx()).await?;
        let column: Vec<ArrayRef> = batches.iter().map(|b| Arc::clone(b.column(0))).collect();
        let count: usize = column.iter().map(|a| a.len()).sum();
        match self.kind {
            Kind::Exists { negated } => Ok(ScalarValue::Boolean(Some((count > 0) != negated))),
            Kind::Scalar => match count {
                0 => ScalarValue::try_from(self.output.data_type()),
                1 => {
                    let array = column.iter().find(|a| !a.is_empty()).expect("one row");
                    ScalarValue::try_from_array(array, 0)
                }
                _ => Err(DataFusionError::External(Box::new(PgError::new(
                    sqlstate::CARDINALITY_VIOLATION,
                    "more than one row returned by a subquery used as an expression",
                )))),
            },
            Kind::In { negated } => {
                let probe = probe.expect("IN has a probe value");
                Ok(ScalarValue::Boolean(
                    membership(&probe, &column)?.map(|found| found != negated),
                ))
            }
        }
    }
}

/// SQL's `probe IN (values)`: true if equal to one, NULL if not but a NULL
/// is involved, else false.
fn membership(probe: &ScalarValue, values: &[ArrayRef]) -> Result<Option<bool>> {
    let mut saw_null = false;
    let mut any = false;
    for array in values {
        for i in 0..array.len() {
            any = true;
            let value = ScalarValue::try_from_array(array, i)?;
            if value.is_null() {
                saw_null = true;
            } else if !probe.is_null() && value.cast_to(&probe.data_type())? == *probe {
                return Ok(Some(true));
            }
        }
    }
    if !any {
        return Ok(Some(false));
    }
    Ok(if probe.is_null() || saw_null {
        None
    } else {
        Some(false)
    })
}

/// The subquery's plan with its outer references replaced by their values.
fn bind_outer(plan: LogicalPlan, bindings: &HashMap<Column, ScalarValue>) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| {
        let names = NamePreserver::new(&node);
        node.map_expressions(|expr| {
            let name = names.save(&expr);
            let bound = expr.transform_up(|e| match e {
                Expr::OuterReferenceColumn(_, ref col) => match bindings.get(col) {
                    Some(value) => Ok(Transformed::yes(Expr::Literal(value.clone(), None))),
                    None => Ok(Transformed::no(e)),
                },
                other => Ok(Transformed::no(other)),
            })?;
            Ok(bound.update_data(|e| name.restore(e)))
        })
    })
    .map(|t| t.data)
}
