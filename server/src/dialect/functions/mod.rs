//! PostgreSQL functions DataFusion lacks or defines otherwise, as UDFs and
//! UDAFs registered in the engine's template session.

pub mod date_part;
pub mod formatting;
pub mod json_build;
pub mod pg_typeof;
pub mod rounding;
pub mod single_value;
pub mod window_types;
