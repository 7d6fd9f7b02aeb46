//! DataPress: datasets (Parquet, CSV, JSON, Arrow) queried through Apache
//! DataFusion and served over the PostgreSQL wire protocol.

pub mod array_literal;
pub mod catalog;
pub mod checked_arithmetic;
pub mod comparison_types;
pub mod config;
pub mod correlated_recursion;
pub mod datasets;
pub mod date_part;
pub mod encode;
pub mod engine;
pub mod errors;
pub mod expr_rewrite;
pub mod float_literals;
#[cfg(feature = "pgwire")]
pub mod pgwire;
pub mod server;
pub mod settings;
pub mod sort_subqueries;
pub mod subquery_fallback;
pub mod text_cast;
pub mod unsigned_widening;
