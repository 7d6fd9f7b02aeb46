//! PostgreSQL's SQL on DataFusion: everything that makes the engine read,
//! type and answer a statement as PostgreSQL 15 would, or refuse it as
//! PostgreSQL would.
//!
//! - [`rewrite`]: the pre-pass over the parsed statement (PG-only syntax onto
//!   what DataFusion plans);
//! - [`analyzer`]: analyzer rules over the logical plan (PG's types, casts and
//!   operator rules);
//! - [`functions`]: PG's functions where DataFusion has none or one with
//!   another meaning;
//! - [`subquery_fallback`]: correlated subqueries DataFusion cannot
//!   decorrelate, evaluated row by row;
//! - [`constant_errors`]: a constant that fails fails while planning;
//! - [`array_literal`], [`float_literals`]: PG's literal forms;
//! - [`pg_template`]: PG's template patterns (`to_char` and friends).

pub mod analyzer;
pub mod array_literal;
pub mod constant_errors;
pub mod float_literals;
pub mod functions;
pub mod pg_template;
pub mod rewrite;
pub mod subquery_fallback;
