//! An array cast to text reads as PostgreSQL prints it: `{1,NULL,"a b"}`.
//!
//! DataFusion's cast of a list to text gives `[1, , a b]`. An analyzer rule,
//! run after type coercion, replaces such casts with [`ArrayText`], which
//! writes each array with the encoder's own PG text output.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::expr::Cast;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

use crate::encode::column::{encode_column, EncodedColumn};
use crate::encode::types::pg_type_of_data_type;
use crate::encode::{EncodeOptions, Format};

/// `pg_array_text(list)`: the PG text form of each array.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ArrayText {
    signature: Signature,
}

impl Default for ArrayText {
    fn default() -> Self {
        ArrayText {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ArrayText {
    fn name(&self) -> &str {
        "pg_array_text"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let array: ArrayRef = args.args[0].to_array(args.number_rows.max(1))?;
        let (pg_type, _) = pg_type_of_data_type(array.data_type());
        let mut cells = EncodedColumn::default();
        encode_column(
            &array,
            pg_type,
            Format::Text,
            &EncodeOptions::default(),
            &mut cells,
        )
        .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let mut text = StringBuilder::new();
        for i in 0..array.len() {
            match cells.cell(i) {
                Some(bytes) => text.append_value(String::from_utf8_lossy(bytes)),
                None => text.append_null(),
            }
        }
        let text = text.finish();
        Ok(if scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&text, 0)?)
        } else {
            ColumnarValue::Array(Arc::new(text))
        })
    }
}

/// The analyzer rule; it runs after DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct ArraysCastToText;

fn is_list(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
    )
}

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::Cast(Cast { expr: inner, field }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    let to_text = matches!(
        field.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    );
    if !to_text || !inner.get_type(schema).is_ok_and(|t| is_list(&t)) {
        return Ok(Transformed::no(expr));
    }
    let udf = Arc::new(ScalarUDF::new_from_impl(ArrayText::default()));
    let text = udf.call(vec![inner.as_ref().clone()]);
    // The cast keeps the requested text type (Utf8View, …) around the UDF's Utf8.
    Ok(Transformed::yes(text.cast_to(field.data_type(), schema)?))
}

impl AnalyzerRule for ArraysCastToText {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::expr_rewrite::rewrite_expressions(plan, rewrite)
    }

    fn name(&self) -> &str {
        "datapress_arrays_cast_to_text"
    }
}
