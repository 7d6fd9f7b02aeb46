//! Integer arithmetic that fails on overflow, as PostgreSQL's does.
//!
//! DataFusion's `+`, `-` and `*` on integers wrap around silently
//! (`2147483647::int4 + 1` would answer -2147483648). An analyzer rule, run
//! after type coercion, replaces those operators on int2/int4/int8 operands
//! with [`CheckedArithmetic`], which uses Arrow's checked kernels and raises
//! PostgreSQL's 22003 `integer out of range`. Constant folding evaluates it
//! too, so overflowing literals fail the same way.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Datum};
use datafusion::arrow::compute::kernels::numeric;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::error::Result;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, LogicalPlan, Operator, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

use crate::errors::{sqlstate, PgError};

/// One checked operator as a scalar function of two integers of one type.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CheckedArithmetic {
    op: Operator,
    name: &'static str,
    signature: Signature,
}

impl CheckedArithmetic {
    /// The checked form of `op` (`+`, `-` or `*`), if it has one.
    fn of(op: Operator) -> Option<CheckedArithmetic> {
        let name = match op {
            Operator::Plus => "pg_int_add",
            Operator::Minus => "pg_int_sub",
            Operator::Multiply => "pg_int_mul",
            _ => return None,
        };
        let pairs = [DataType::Int16, DataType::Int32, DataType::Int64]
            .into_iter()
            .map(|t| TypeSignature::Exact(vec![t.clone(), t]))
            .collect();
        Some(CheckedArithmetic {
            op,
            name,
            signature: Signature::one_of(pairs, Volatility::Immutable),
        })
    }

    fn apply(&self, left: &dyn Datum, right: &dyn Datum) -> Result<ArrayRef, ArrowError> {
        match self.op {
            Operator::Plus => numeric::add(left, right),
            Operator::Minus => numeric::sub(left, right),
            _ => numeric::mul(left, right),
        }
    }
}

/// PostgreSQL's name of an integer type in its "out of range" message.
fn range_message(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int16 => "smallint out of range",
        DataType::Int32 => "integer out of range",
        _ => "bigint out of range",
    }
}

impl ScalarUDFImpl for CheckedArithmetic {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(args[0].clone())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [left, right] = args.args.as_slice() else {
            unreachable!("the signature takes two arguments");
        };
        let data_type = left.data_type();
        let result = match (left, right) {
            (ColumnarValue::Array(l), ColumnarValue::Array(r)) => self.apply(l, r),
            (ColumnarValue::Array(l), ColumnarValue::Scalar(r)) => self.apply(l, &r.to_scalar()?),
            (ColumnarValue::Scalar(l), ColumnarValue::Array(r)) => self.apply(&l.to_scalar()?, r),
            (ColumnarValue::Scalar(l), ColumnarValue::Scalar(r)) => {
                self.apply(&l.to_scalar()?, &r.to_scalar()?)
            }
        };
        let array = result.map_err(|e| match e {
            ArrowError::ArithmeticOverflow(_) => PgError::new(
                sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
                range_message(&data_type),
            )
            .into_datafusion(),
            other => other.into(),
        })?;
        Ok(match (left, right) {
            (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_)) => {
                ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?)
            }
            _ => ColumnarValue::Array(array),
        })
    }
}

/// The analyzer rule; it must run after DataFusion's type coercion, when both
/// operands of an arithmetic operator have one type.
#[derive(Debug, Default)]
pub struct CheckIntegerOverflow;

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    let Some(checked) = CheckedArithmetic::of(*op) else {
        return Ok(Transformed::no(expr));
    };
    let (Ok(l), Ok(r)) = (left.get_type(schema), right.get_type(schema)) else {
        return Ok(Transformed::no(expr));
    };
    if l != r || !matches!(l, DataType::Int16 | DataType::Int32 | DataType::Int64) {
        return Ok(Transformed::no(expr));
    }
    let udf = Arc::new(ScalarUDF::new_from_impl(checked));
    Ok(Transformed::yes(
        udf.call(vec![left.as_ref().clone(), right.as_ref().clone()]),
    ))
}

impl AnalyzerRule for CheckIntegerOverflow {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, rewrite)
    }

    fn name(&self) -> &str {
        "datapress_check_integer_overflow"
    }
}
