//! A cast to text reads as PostgreSQL prints the value.
//!
//! DataFusion's cast to text writes Arrow's display: `2024-01-15T10:30:00`,
//! `331.0`, `1 days 2 hours`, `[1, , 3]`. PG's cast writes the type's output
//! text: `2024-01-15 10:30:00`, `331`, `1 day 02:00:00`, `{1,NULL,3}`. An
//! analyzer rule, run after type coercion so that implicit casts (`'at ' || ts`)
//! are caught too, replaces each cast whose source type Arrow displays
//! differently with [`PgText`]. That function writes the values with the
//! encoder's own text output, in the session's TimeZone and extra_float_digits.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::DFSchema;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::expr::{Cast, ScalarFunction};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

use crate::catalog::functions::SessionInfo;
use crate::encode::column::{encode_column, EncodedColumn};
use crate::encode::types::pg_type_of_data_type;
use crate::encode::Format;

/// `pg_text(value)`: each value as PG's output function writes it.
#[derive(Debug)]
pub struct PgText {
    signature: Signature,
    session: Arc<SessionInfo>,
}

impl PgText {
    /// The function for one session, whose settings shape floats and timestamptz.
    pub fn new(session: Arc<SessionInfo>) -> PgText {
        PgText {
            // Stable: the text of a float or a timestamptz follows SET.
            signature: Signature::any(1, Volatility::Stable),
            session,
        }
    }
}

impl PartialEq for PgText {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.session, &other.session)
    }
}
impl Eq for PgText {}
impl Hash for PgText {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl ScalarUDFImpl for PgText {
    fn name(&self) -> &str {
        "pg_text"
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
        let options = self
            .session
            .settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .encode_options();
        let mut cells = EncodedColumn::default();
        encode_column(&array, pg_type, Format::Text, &options, &mut cells)
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let mut text = StringBuilder::new();
        for i in 0..array.len() {
            match cells.cell(i) {
                Some(bytes) => text.append_value(String::from_utf8_lossy(bytes)),
                None => text.append_null(),
            }
        }
        let text = text.finish();
        crate::dialect::functions::shaped_like_arguments(scalar, Arc::new(text))
    }
}

/// The analyzer rule; it runs after DataFusion's type coercion.
#[derive(Debug)]
pub struct CastsToPgText {
    function: Arc<ScalarUDF>,
}

impl CastsToPgText {
    /// The rule for one session's plans.
    pub fn new(session: Arc<SessionInfo>) -> CastsToPgText {
        CastsToPgText {
            function: Arc::new(ScalarUDF::new_from_impl(PgText::new(session))),
        }
    }

    /// A cast to text of a type Arrow prints differently, as a call of
    /// [`PgText`]; in `concat`, `concat_ws` and `format`, which write each argument with
    /// its type's output function, a boolean's too (`t`, where a cast says `true`).
    fn rewrite(&self, expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
        if let Expr::ScalarFunction(ScalarFunction { func, args }) = &expr {
            if matches!(func.name(), "concat" | "concat_ws" | "format") {
                return self.concatenated_booleans(func, args, schema);
            }
        }
        let Expr::Cast(Cast { expr: inner, field }) = &expr else {
            return Ok(Transformed::no(expr));
        };
        let to_text = matches!(
            field.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        );
        if !to_text
            || !inner
                .get_type(schema)
                .is_ok_and(|t| printed_differently(&t))
        {
            return Ok(Transformed::no(expr));
        }
        let text = self.function.call(vec![inner.as_ref().clone()]);
        // The cast keeps the requested text type (Utf8View, …) around the UDF's Utf8.
        Ok(Transformed::yes(text.cast_to(field.data_type(), schema)?))
    }
}

impl CastsToPgText {
    /// `concat(…)` with its boolean arguments (cast to text by the coercion)
    /// written by [`PgText`].
    fn concatenated_booleans(
        &self,
        func: &Arc<ScalarUDF>,
        args: &[Expr],
        schema: &DFSchema,
    ) -> Result<Transformed<Expr>> {
        let is_boolean = |e: &Expr| matches!(e.get_type(schema), Ok(DataType::Boolean));
        let boolean = |e: &Expr| match e {
            Expr::Cast(Cast { expr: inner, field }) if is_boolean(inner) => {
                Some((inner.as_ref().clone(), field.data_type().clone()))
            }
            _ => None,
        };
        let call = Expr::ScalarFunction(ScalarFunction {
            func: Arc::clone(func),
            args: args.to_vec(),
        });
        if !args.iter().any(|a| boolean(a).is_some()) {
            return Ok(Transformed::no(call));
        }
        let args = args
            .iter()
            .map(|a| match boolean(a) {
                Some((inner, text)) => self.function.call(vec![inner]).cast_to(&text, schema),
                None => Ok(a.clone()),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Transformed::yes(Expr::ScalarFunction(ScalarFunction {
            func: Arc::clone(func),
            args,
        })))
    }
}

/// Whether Arrow's text of a value of type `t` differs from PG's. Integers,
/// decimals, booleans and text print alike and keep DataFusion's cast.
fn printed_differently(t: &DataType) -> bool {
    use DataType::*;
    matches!(
        t,
        Float16
            | Float32
            | Float64
            | Date32
            | Date64
            | Time32(_)
            | Time64(_)
            | Timestamp(_, _)
            | Interval(_)
            | Duration(_)
            | Binary
            | LargeBinary
            | BinaryView
            | FixedSizeBinary(_)
            | List(_)
            | LargeList(_)
            | FixedSizeList(_, _)
    )
}

impl AnalyzerRule for CastsToPgText {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, |e, schema| {
            self.rewrite(e, schema)
        })
    }

    fn name(&self) -> &str {
        "datapress_casts_to_pg_text"
    }
}
