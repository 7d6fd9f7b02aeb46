//! An analyzer rule for PostgreSQL's untyped literals: a quoted literal
//! compared with a column takes the column's type, so `indisprimary = 't'`
//! compares booleans and `polroles = '{0}'` compares arrays (DataFusion would
//! otherwise refuse to compare a boolean or a list with text).

use std::sync::Arc;

use datafusion::arrow::array::ListArray;
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::error::Result;
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

/// The rule; it runs before DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct LiteralTypes;

/// `'t'`, `'off'`, … as PG reads a boolean.
fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `'{a,b,NULL}'` as a one-dimensional array of `item`'s type.
pub(super) fn parse_array(text: &str, item: &FieldRef) -> Option<ScalarValue> {
    let values = crate::dialect::array_literal::elements(text)?
        .into_iter()
        .map(|e| match e {
            None => ScalarValue::try_from(item.data_type()),
            Some(v) => ScalarValue::Utf8(Some(v)).cast_to(item.data_type()),
        })
        .collect::<Result<Vec<_>>>()
        .ok()?;
    let array = if values.is_empty() {
        datafusion::arrow::array::new_empty_array(item.data_type())
    } else {
        ScalarValue::iter_to_array(values.clone()).ok()?
    };
    let list = ListArray::try_new(
        Arc::clone(item),
        OffsetBuffer::from_lengths([values.len()]),
        array,
        None,
    )
    .ok()?;
    Some(ScalarValue::List(Arc::new(list)))
}

/// The literal `text` as a value of `data_type`, where PG would read it so.
fn typed_literal(text: &str, data_type: &DataType) -> Option<ScalarValue> {
    match data_type {
        DataType::Boolean => parse_bool(text).map(|b| ScalarValue::Boolean(Some(b))),
        DataType::List(item) => parse_array(text, item),
        _ => None,
    }
}

fn retype(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    if !super::expr_walk::is_comparison(*op) {
        return Ok(Transformed::no(expr));
    }
    let literal = |e: &Expr| match e {
        Expr::Literal(ScalarValue::Utf8(Some(s)), _) => Some(s.clone()),
        _ => None,
    };
    let (column, text, literal_on_right) = match (literal(left), literal(right)) {
        (None, Some(t)) => (left, t, true),
        (Some(t), None) => (right, t, false),
        _ => return Ok(Transformed::no(expr)),
    };
    let Ok(data_type) = column.get_type(schema) else {
        return Ok(Transformed::no(expr));
    };
    let Some(value) = typed_literal(&text, &data_type) else {
        return Ok(Transformed::no(expr));
    };
    let value = Box::new(Expr::Literal(value, None));
    let (left, right) = if literal_on_right {
        (left.clone(), value)
    } else {
        (value, right.clone())
    };
    Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr {
        left,
        op: *op,
        right,
    })))
}

impl AnalyzerRule for LiteralTypes {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let mut schema = DFSchema::empty();
            for input in node.inputs() {
                schema.merge(input.schema());
            }
            if node.inputs().is_empty() {
                schema.merge(node.schema());
            }
            node.map_expressions(|e| e.transform_up(|e| retype(e, &schema)))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "datapress_literal_types"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::Field;

    #[test]
    fn pg_literals_read_as_booleans_and_arrays() {
        assert_eq!(
            typed_literal("t", &DataType::Boolean),
            Some(ScalarValue::Boolean(Some(true)))
        );
        let item = Arc::new(Field::new("item", DataType::UInt32, true));
        let list = typed_literal("{0,7}", &DataType::List(Arc::clone(&item))).unwrap();
        assert_eq!(list.to_string(), "[0, 7]");
        assert_eq!(typed_literal("x", &DataType::Int32), None);
    }
}
