//! PostgreSQL functions DataFusion lacks or defines otherwise, as UDFs and
//! UDAFs registered in the engine's template session.

pub mod arrays;
pub mod current_date;
pub mod date_part;
pub mod date_trunc;
pub mod format;
pub mod formatting;
pub mod json_build;
pub mod pg_typeof;
pub mod regexp_split;
pub mod rounding;
pub mod single_value;
pub mod window_types;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::ColumnarValue;

use crate::errors::{sqlstate, PgError};

/// The zone timestamptz values are labelled with in plans: UTC instants,
/// shown in the session's TimeZone only when written (see `engine.rs`).
pub const PLANNING_TIME_ZONE: &str = "+00:00";

/// PG's type name of an argument, for "function … does not exist".
pub fn pg_type_name(t: &DataType) -> String {
    let (pg_type, _) = crate::encode::types::pg_type_of_data_type(t);
    crate::catalog::builtin_types::format_type(pg_type.oid(), -1).unwrap_or_else(|| t.to_string())
}

/// A function's `result` as its caller expects it: one value when every
/// argument was one value (`all_scalar`), else the column.
pub fn shaped_like_arguments(all_scalar: bool, result: ArrayRef) -> Result<ColumnarValue> {
    Ok(if all_scalar {
        ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
    } else {
        ColumnarValue::Array(result)
    })
}

/// PG's 42883 for a call of `name` with arguments of `args`' types.
pub fn no_such_function(name: &str, args: &[DataType]) -> PgError {
    let types: Vec<String> = args.iter().map(pg_type_name).collect();
    PgError::new(
        sqlstate::UNDEFINED_FUNCTION,
        format!("function {name}({}) does not exist", types.join(", ")),
    )
}
