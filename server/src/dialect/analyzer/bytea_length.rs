//! The length of a `bytea` counts its bytes, as PostgreSQL's `length(bytea)`
//! does. DataFusion would cast the bytes to text first and count the
//! characters of that text (`length('\x010203'::bytea)` 8, PG 3). This rule
//! runs before type coercion and calls [`BYTEA_LENGTH`] on a binary argument
//! (DataFusion's `length` is `character_length` under another name, so
//! `char_length` of a bytea answers too, where PG has no such function).
//! DataFusion's `octet_length` refuses a bytea while the query is planned,
//! before any analyzer rule: that refusal stays.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::compute::{cast, kernels::length::length};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::DFSchema;
use datafusion::error::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

/// The rule; it runs before DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct ByteaLength;

/// `pg_bytea_length(bytes)`: the number of bytes, an int4.
pub static BYTEA_LENGTH: LazyLock<Arc<ScalarUDF>> = LazyLock::new(|| {
    Arc::new(ScalarUDF::new_from_impl(BytesIn {
        signature: Signature::any(1, Volatility::Immutable),
    }))
});

#[derive(Debug, PartialEq, Eq, Hash)]
struct BytesIn {
    signature: Signature,
}

impl ScalarUDFImpl for BytesIn {
    fn name(&self) -> &str {
        "pg_bytea_length"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let bytes = cast(
            &args.args[0].to_array(args.number_rows)?,
            &DataType::LargeBinary,
        )?;
        let counts = cast(&length(&bytes)?, &DataType::Int32)?;
        crate::dialect::functions::shaped_like_arguments(scalar, counts)
    }
}

fn is_binary(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_)
    )
}

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::ScalarFunction(ScalarFunction { func, args }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    let counts = func.name() == "character_length";
    match args.as_slice() {
        [arg] if counts && arg.get_type(schema).is_ok_and(|t| is_binary(&t)) => {
            Ok(Transformed::yes(BYTEA_LENGTH.call(vec![arg.clone()])))
        }
        _ => Ok(Transformed::no(expr)),
    }
}

impl AnalyzerRule for ByteaLength {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, rewrite)
    }

    fn name(&self) -> &str {
        "datapress_bytea_length"
    }
}
