//! Comparisons PostgreSQL has no operator for.
//!
//! DataFusion compares a text value with a number by casting one to the
//! other, so `city = 1` fails at run time with 22P02 (or quietly compares
//! text). PostgreSQL refuses it at planning time with 42883 `operator does
//! not exist: text = integer`. An untyped quoted literal is not text yet,
//! though: `id = '5'` and `'5' = 5` are fine in both. This analyzer rule runs
//! before type coercion, while a bare literal can still be told apart from a
//! typed expression.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::error::Result;
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, LogicalPlan, Operator};
use datafusion::optimizer::AnalyzerRule;

use crate::catalog::builtin_types::format_type;
use crate::encode::types::pg_type_of_data_type;
use crate::errors::{sqlstate, PgError};

/// The rule; it runs before DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct RefuseTextNumberComparisons;

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_number(t: &DataType) -> bool {
    t.is_numeric()
}

/// A quoted literal PG would still read as `unknown`, or a parameter.
fn is_untyped(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Literal(ScalarValue::Utf8(_) | ScalarValue::Null, _) | Expr::Placeholder(_)
    )
}

fn operator_symbol(op: Operator) -> Option<&'static str> {
    Some(match op {
        Operator::Eq => "=",
        Operator::NotEq => "<>",
        Operator::Lt => "<",
        Operator::LtEq => "<=",
        Operator::Gt => ">",
        Operator::GtEq => ">=",
        _ => return None,
    })
}

/// PG's name of the operand's type; an integer constant that fits is an
/// `integer` in PG, as it is read before DataFusion widens it to bigint.
fn pg_type_name(e: &Expr, t: &DataType) -> String {
    if let Expr::Literal(ScalarValue::Int64(Some(v)), _) = e {
        if i32::try_from(*v).is_ok() {
            return "integer".into();
        }
    }
    let (pg_type, _) = pg_type_of_data_type(t);
    format_type(pg_type.oid(), -1).unwrap_or_else(|| t.to_string())
}

/// The 42883 error `expr` raises in PG, if it is a text/number comparison.
fn refusal(expr: &Expr, schema: &DFSchema) -> Option<PgError> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = expr else {
        return None;
    };
    let symbol = operator_symbol(*op)?;
    if is_untyped(left) || is_untyped(right) {
        return None;
    }
    let (l, r) = (left.get_type(schema).ok()?, right.get_type(schema).ok()?);
    let mismatched = is_text(&l) && is_number(&r) || is_number(&l) && is_text(&r);
    mismatched.then(|| {
        PgError::new(
            sqlstate::UNDEFINED_FUNCTION,
            format!(
                "operator does not exist: {} {symbol} {}",
                pg_type_name(left, &l),
                pg_type_name(right, &r)
            ),
        )
    })
}

impl AnalyzerRule for RefuseTextNumberComparisons {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let mut found = None;
        super::expr_walk::visit_expressions(&plan, |e, schema| {
            found = refusal(e, schema);
            if found.is_some() {
                TreeNodeRecursion::Stop
            } else {
                TreeNodeRecursion::Continue
            }
        })?;
        match found {
            Some(error) => Err(error.into_datafusion()),
            None => Ok(plan),
        }
    }

    fn name(&self) -> &str {
        "datapress_refuse_text_number_comparisons"
    }
}
