//! PostgreSQL functions DataFusion lacks or defines otherwise, as UDFs and
//! UDAFs registered in the engine's template session.

pub mod arrays;
pub mod current_date;
pub mod date_part;
pub mod date_trunc;
pub mod formatting;
pub mod json_build;
pub mod pg_typeof;
pub mod rounding;
pub mod single_value;
pub mod window_types;

use datafusion::arrow::datatypes::DataType;

/// The zone timestamptz values are labelled with in plans: UTC instants,
/// shown in the session's TimeZone only when written (see `engine.rs`).
pub const PLANNING_TIME_ZONE: &str = "+00:00";

/// PG's type name of an argument, for "function … does not exist".
pub fn pg_type_name(t: &DataType) -> String {
    let (pg_type, _) = crate::encode::types::pg_type_of_data_type(t);
    crate::catalog::builtin_types::format_type(pg_type.oid(), -1).unwrap_or_else(|| t.to_string())
}
