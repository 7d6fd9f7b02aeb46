//! An analyzer rule for `x = ANY(…)` and `x op ALL(…)` over an untyped array:
//! PostgreSQL gives a parameter without a declared type (psycopg 3 sends a
//! Python list of strings so) or a quoted literal (`relkind = ANY('{r,v}')`)
//! the array type of the other operand. DataFusion plans ANY/ALL as
//! `array_has`, `array_min`, `array_max`, `cardinality` and `array_position`
//! over the operand, and would read such an operand as text. The AST pass
//! wraps such a literal in [`UNKNOWN_ARRAY`], of no type yet (as a parameter
//! without one), which this rule replaces by the array it reads.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNodeRecursion};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::expr::{Placeholder, ScalarFunction};
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, LogicalPlan, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

use super::expr_walk::is_comparison;
use super::literal_types::parse_array;
use crate::errors::{sqlstate, PgError};

/// The rule; it runs before DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct UntypedArrayOperands;

/// The name of [`UNKNOWN_ARRAY`] (the AST pass calls it).
pub const UNKNOWN_ARRAY_NAME: &str = "pg_unknown_array";

/// `pg_unknown_array('{…}')`: an array literal whose type is still unknown.
/// Its type is an array of Null until this rule gives it the other
/// operand's element type (text where that is unknown too).
#[derive(Debug, PartialEq, Eq, Hash)]
struct UnknownArray {
    signature: Signature,
}

impl ScalarUDFImpl for UnknownArray {
    fn name(&self) -> &str {
        UNKNOWN_ARRAY_NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::Null,
            true,
        ))))
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Err(PgError::new(
            sqlstate::INDETERMINATE_DATATYPE,
            "could not determine the array type of a literal",
        )
        .into_datafusion())
    }
}

/// The one [`UnknownArray`] function (registered in the engine).
pub static UNKNOWN_ARRAY: LazyLock<Arc<ScalarUDF>> = LazyLock::new(|| {
    Arc::new(ScalarUDF::new_from_impl(UnknownArray {
        signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
    }))
});

/// An operand still without a type: a parameter by its id, a literal by its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Untyped {
    Parameter(String),
    Literal(String),
}

fn untyped(e: &Expr) -> Option<Untyped> {
    match e {
        Expr::Placeholder(Placeholder { id, field }) => {
            let open = field
                .as_ref()
                .is_none_or(|f| matches!(f.data_type(), DataType::Null | DataType::Utf8));
            open.then(|| Untyped::Parameter(id.clone()))
        }
        Expr::ScalarFunction(ScalarFunction { func, args })
            if func.name() == UNKNOWN_ARRAY_NAME =>
        {
            match args.as_slice() {
                [Expr::Literal(ScalarValue::Utf8(Some(text)), _)] => {
                    Some(Untyped::Literal(text.clone()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The untyped array operand of `f(operand, …)`, if `e` is such a call.
fn array_operand<'a>(e: &'a Expr, names: &[&str]) -> Option<(&'a Expr, Untyped)> {
    let Expr::ScalarFunction(ScalarFunction { func, args }) = e else {
        return None;
    };
    let operand = args.first().filter(|_| names.contains(&func.name()))?;
    Some((operand, untyped(operand)?))
}

/// The element type each untyped operand takes, from the other side of the
/// comparison: `array_has(operand, x)` and `array_min(operand) op x`.
fn element_types(plan: &LogicalPlan) -> Result<HashMap<Untyped, DataType>> {
    let mut found = HashMap::new();
    super::expr_walk::visit_expressions(plan, |e, schema| {
        let hint = match e {
            Expr::ScalarFunction(ScalarFunction { args, .. }) => {
                array_operand(e, &["array_has"]).zip(args.get(1))
            }
            Expr::BinaryExpr(BinaryExpr { left, op, right }) if is_comparison(*op) => {
                let extremes = ["array_min", "array_max"];
                array_operand(left, &extremes)
                    .map(|found| (found, right.as_ref()))
                    .or_else(|| array_operand(right, &extremes).map(|f| (f, left.as_ref())))
            }
            _ => None,
        };
        if let Some(((_, key), other)) = hint {
            // Unknown on both sides (a NULL, a parameter): PG reads text.
            let element = match other.get_type(schema) {
                Ok(DataType::Null) => Some(DataType::Utf8),
                _ if untyped(other).is_some() => Some(DataType::Utf8),
                Ok(t) => Some(t),
                Err(_) => None,
            };
            if let Some(element) = element {
                found.entry(key).or_insert(element);
            }
        }
        TreeNodeRecursion::Continue
    })?;
    Ok(found)
}

/// `e` typed, if it is an untyped array operand whose element type `types` knows.
fn retype(e: Expr, types: &HashMap<Untyped, DataType>) -> Result<Transformed<Expr>> {
    let Some(key) = untyped(&e) else {
        return Ok(Transformed::no(e));
    };
    let Some(element) = types.get(&key) else {
        return Ok(Transformed::no(e));
    };
    let item = Arc::new(Field::new_list_field(element.clone(), true));
    Ok(Transformed::yes(match key {
        Untyped::Parameter(id) => Expr::Placeholder(Placeholder {
            field: Some(Arc::new(Field::new(&id, DataType::List(item), true))),
            id,
        }),
        Untyped::Literal(text) => {
            let value = parse_array(&text, &item).ok_or_else(|| {
                PgError::new(
                    sqlstate::INVALID_TEXT_REPRESENTATION,
                    format!("malformed array literal: \"{text}\""),
                )
                .into_datafusion()
            })?;
            Expr::Literal(value, None)
        }
    }))
}

impl AnalyzerRule for UntypedArrayOperands {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let types = element_types(&plan)?;
        if types.is_empty() {
            return Ok(plan);
        }
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, |e, _| retype(e, &types))
    }

    fn name(&self) -> &str {
        "datapress_untyped_array_operands"
    }
}
