//! CASE, COALESCE and NULLIF with PostgreSQL's result types for the types
//! DataPress carries in field metadata (`"char"`, `name`, `json`, `oid`, …).
//!
//! Arrow has no `"char"` or `json`: such values are text (or UInt32) fields
//! tagged with their PG type, and DataFusion's CASE, COALESCE and NULLIF
//! drop the tag, so `CASE WHEN … THEN 'x' ELSE t.typtype END` is described
//! as `text`, where PostgreSQL resolves it as `"char"` (an untyped literal
//! takes the type of the other branches), and `nullif(a.attidentity, '')`
//! as `text` where PostgreSQL keeps its first argument's type. Npgsql's type
//! loading and pgjdbc's `getColumns` read those columns by type. This
//! analyzer rule runs after type coercion and wraps each such expression
//! whose typed branches all carry the same tag in [`PgTyped`], an identity
//! function whose result field carries the tag again. A CASE of OIDs and
//! integer constants, which DataFusion widens to bigint, is an `oid` again.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::error::Result;
use datafusion::logical_expr::expr::{Case, ScalarFunction};
use datafusion::logical_expr::{
    lit, ColumnarValue, Expr, ExprSchemable, LogicalPlan, ReturnFieldArgs, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

use crate::encode::types::{EXTENSION_NAME, PG_TYPE_METADATA};

/// `pg_typed(value, metadata_json)`: `value` unchanged, its field tagged
/// with the metadata (a JSON object of key → value) given as a literal.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PgTyped {
    signature: Signature,
}

impl Default for PgTyped {
    fn default() -> PgTyped {
        PgTyped {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for PgTyped {
    fn name(&self) -> &str {
        "pg_typed"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(args[0].clone())
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let metadata: HashMap<String, String> = match args.scalar_arguments.get(1) {
            Some(Some(ScalarValue::Utf8(Some(json)))) => {
                serde_json::from_str(json).unwrap_or_default()
            }
            _ => HashMap::new(),
        };
        let input = &args.arg_fields[0];
        Ok(Arc::new(
            Field::new(self.name(), input.data_type().clone(), input.is_nullable())
                .with_metadata(metadata),
        ))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(args.args[0].clone())
    }
}

/// The one [`PgTyped`] function (registered in the engine too, so a plan
/// written back to SQL still names a known function).
pub static PG_TYPED: LazyLock<Arc<ScalarUDF>> =
    LazyLock::new(|| Arc::new(ScalarUDF::new_from_impl(PgTyped::default())));

/// The metadata keys that name a PG type.
fn type_tag(field: &Field) -> HashMap<String, String> {
    field
        .metadata()
        .iter()
        .filter(|(k, _)| *k == PG_TYPE_METADATA || *k == EXTENSION_NAME)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A literal PostgreSQL would read as `unknown` (or NULL): it takes the type
/// of the other branches.
fn is_untyped(e: &Expr) -> bool {
    match e {
        Expr::Literal(ScalarValue::Null | ScalarValue::Utf8(_), _) => true,
        // Coercion casts a literal to the branches' common type.
        Expr::Cast(c) => is_untyped(&c.expr),
        _ => false,
    }
}

/// The one type tag all typed branches share, if they share one and any
/// branch has it.
fn shared_tag<'a>(
    branches: impl Iterator<Item = &'a Expr>,
    schema: &DFSchema,
) -> Option<HashMap<String, String>> {
    let mut tag: Option<HashMap<String, String>> = None;
    for e in branches.filter(|e| !is_untyped(e)) {
        let (_, field) = e.to_field(schema).ok()?;
        let this = type_tag(&field);
        if this.is_empty() || tag.as_ref().is_some_and(|t| *t != this) {
            return None;
        }
        tag = Some(this);
    }
    tag
}

/// Whether the branches are OIDs (UInt32, possibly widened by coercion)
/// and integer constants, at least one an OID: PostgreSQL resolves them as
/// `oid` (`CASE WHEN … THEN typelem ELSE 0 END` in Npgsql's type loading),
/// DataFusion as a bigint.
fn oids_and_integer_constants(branches: &[&Expr], schema: &DFSchema) -> bool {
    let is_oid = |e: &Expr| matches!(e.get_type(schema), Ok(DataType::UInt32));
    let mut any_oid = false;
    for e in branches {
        let inner = match e {
            Expr::Cast(c) => c.expr.as_ref(),
            other => other,
        };
        match inner {
            Expr::Literal(v, _) if v.is_null() || v.data_type().is_integer() => {}
            other if is_oid(other) => any_oid = true,
            _ => return false,
        }
    }
    any_oid
}

/// The branches whose types decide `expr`'s, if it is a CASE, COALESCE or
/// NULLIF.
fn branches(expr: &Expr) -> Option<Vec<&Expr>> {
    match expr {
        Expr::Case(Case {
            when_then_expr,
            else_expr,
            ..
        }) => Some(
            when_then_expr
                .iter()
                .map(|(_, then)| then.as_ref())
                .chain(else_expr.as_deref())
                .collect(),
        ),
        Expr::ScalarFunction(ScalarFunction { func, args }) => match func.name() {
            "coalesce" => Some(args.iter().collect()),
            "nullif" => Some(args.iter().take(1).collect()),
            _ => None,
        },
        _ => None,
    }
}

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Some(branches) = branches(&expr) else {
        return Ok(Transformed::no(expr));
    };
    if oids_and_integer_constants(&branches, schema)
        && !matches!(expr.get_type(schema), Ok(DataType::UInt32))
    {
        return Ok(Transformed::yes(expr.cast_to(&DataType::UInt32, schema)?));
    }
    let Some(tag) = shared_tag(branches.into_iter(), schema) else {
        return Ok(Transformed::no(expr));
    };
    let already = expr
        .to_field(schema)
        .is_ok_and(|(_, f)| type_tag(&f) == tag);
    if already {
        return Ok(Transformed::no(expr));
    }
    let json = serde_json::to_string(&tag).unwrap_or_default();
    Ok(Transformed::yes(PG_TYPED.call(vec![expr, lit(json)])))
}

/// The rule; it runs after DataFusion's type coercion.
#[derive(Debug, Default)]
pub struct PgBranchTypes;

impl AnalyzerRule for PgBranchTypes {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        crate::dialect::analyzer::expr_walk::rewrite_expressions(plan, rewrite)
    }

    fn name(&self) -> &str {
        "datapress_pg_branch_types"
    }
}
